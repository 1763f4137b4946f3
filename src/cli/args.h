/* Command-line options of one subcommand: declared in a table that also writes --help. */
#ifndef SWATH_ARGS_H
#define SWATH_ARGS_H

#include "src/core/error.h"

#include <stdint.h>

/* One option. `arg` NULL means a flag without value. `def` is the default shown in --help. */
typedef struct {
    const char *name;  /* without the leading "--" */
    const char *arg;   /* value placeholder, e.g. "WxH", or NULL for a flag */
    const char *def;   /* default value text, or NULL */
    const char *help;
} sw_opt;

#define SW_ARGS_MAX_POS 8

typedef struct {
    const char *cmd;         /* "synth defects", for messages */
    const sw_opt *opts;      /* table ending with {0} */
    const char *values[64];  /* value per option (flags: "1"), NULL when not given */
    const char *pos[SW_ARGS_MAX_POS];
    int npos;
    int help;                /* --help or -h was given */
} sw_args;

/* Parses argv (after the subcommand words). Unknown options and missing values are usage errors
 * naming the option. */
sw_status sw_args_parse(sw_args *a, const char *cmd, const sw_opt *opts, int argc, char **argv);
/* Prints "usage: swath CMD USAGE", the description and the option table. */
void sw_args_print_help(const sw_args *a, const char *usage, const char *description);

/* Typed getters: the option's value, or its default; a malformed value is a usage error. */
const char *sw_args_str(const sw_args *a, const char *name);
int sw_args_flag(const sw_args *a, const char *name);
sw_status sw_args_int(const sw_args *a, const char *name, int64_t lo, int64_t hi, int64_t *out);
sw_status sw_args_double(const sw_args *a, const char *name, double lo, double hi, double *out);
/* "WxH" or "N" (square); each side within [lo, hi]. */
sw_status sw_args_size(const sw_args *a, const char *name, int64_t lo, int64_t hi, int64_t *w, int64_t *h);
/* A comma-separated list of up to `cap` integers, each in [lo, hi]. Returns the count in *n. */
sw_status sw_args_int_list(const sw_args *a, const char *name, int64_t lo, int64_t hi, int64_t *out,
                           int cap, int *n);

#endif
