/* placeholder */
#include "src/cli/cli.h"
int sw_cmd_synth(int argc, char **argv) { (void)argc; (void)argv; return 1; }
