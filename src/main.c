/* swath: the command-line program. Everything is in the library; see src/cli/. */
#include "src/cli/cli.h"

int main(int argc, char **argv) { return sw_cli_main(argc, argv); }
