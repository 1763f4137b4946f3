/* The C tests' check, one copy for all of them: CHECK(cond, fmt, ...) counts a failure in
 * `failures` and prints "FAIL file:line: cond: message" on stderr (unbuffered, so the line
 * survives a later crash); each test's main returns nonzero when failures is. */
#ifndef SWATH_TESTS_UNIT_CHECK_H
#define SWATH_TESTS_UNIT_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                                        \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            failures++;                                                                         \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                     \
            fprintf(stderr, __VA_ARGS__);                                                       \
            fprintf(stderr, "\n");                                                              \
        }                                                                                       \
    } while (0)

#endif
