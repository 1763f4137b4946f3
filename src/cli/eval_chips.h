/* `swath eval --chips chips.h5 --model model.h5`: the chips mode of `swath eval` (cmd_eval.c
 * parses the flags and hands them over). */
#ifndef SWATH_CLI_EVAL_CHIPS_H
#define SWATH_CLI_EVAL_CHIPS_H

#include "src/cli/args.h"

int sw_cmd_eval_chips(const sw_args *a);

#endif
