/* The swath command line: subcommands, each one parses its flags and calls the library. */
#ifndef SWATH_CLI_H
#define SWATH_CLI_H

/* Runs `swath ARGS...`; returns the process exit code (docs/cli.md). */
int sw_cli_main(int argc, char **argv);

/* Subcommands: argv[0] is the first word after the command's own words. */
int sw_cmd_info(int argc, char **argv);
int sw_cmd_synth(int argc, char **argv);
int sw_cmd_demo(int argc, char **argv);
int sw_cmd_eval(int argc, char **argv);
int sw_cmd_run(int argc, char **argv);
int sw_cmd_model(int argc, char **argv);
int sw_cmd_train(int argc, char **argv);
int sw_cmd_dataset(int argc, char **argv);

/* Prints "swath: error: MESSAGE" for a failed status and returns the exit code. */
int sw_cli_report(int status);

#endif
