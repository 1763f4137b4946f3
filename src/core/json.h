/* Writing JSON by hand: the one string escaper that every JSON writer of swath uses. */
#ifndef SW_CORE_JSON_H
#define SW_CORE_JSON_H

#include <stdio.h>

/* Writes s as a JSON string (quotes, backslashes and control characters escaped); NULL as null. */
void sw_json_str(FILE *f, const char *s);

#endif
