/* placeholder */
#include "src/cli/cli.h"
int sw_cmd_demo(int argc, char **argv) { (void)argc; (void)argv; return 1; }
