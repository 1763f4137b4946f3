/* Option tables, parsing and --help (see args.h). */
#include "src/cli/args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int opt_index(const sw_opt *opts, const char *name, size_t len) {
    for (int i = 0; opts[i].name; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) return i;
    return -1;
}

sw_status sw_args_parse(sw_args *a, const char *cmd, const sw_opt *opts, int argc, char **argv) {
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->opts = opts;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            a->help = 1;
            continue;
        }
        if (strncmp(s, "--", 2) != 0 || s[2] == '\0') {
            if (a->npos == SW_ARGS_MAX_POS)
                return sw_fail(SW_ERR_USAGE, "swath %s: too many arguments at '%s'", cmd, s);
            a->pos[a->npos++] = s;
            continue;
        }
        const char *name = s + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        int k = opt_index(opts, name, len);
        if (k < 0)
            return sw_fail(SW_ERR_USAGE, "swath %s: unknown option '--%.*s' (see swath %s --help)", cmd,
                           (int)len, name, cmd);
        if (k >= 64) return sw_fail(SW_ERR_RUNTIME, "swath %s: option table too long", cmd);
        if (!opts[k].arg) {
            if (eq) return sw_fail(SW_ERR_USAGE, "swath %s: option '--%s' takes no value", cmd, opts[k].name);
            a->values[k] = "1";
        } else if (eq) {
            a->values[k] = eq + 1;
        } else {
            if (i + 1 >= argc)
                return sw_fail(SW_ERR_USAGE, "swath %s: option '--%s' needs a value %s", cmd, opts[k].name,
                               opts[k].arg);
            a->values[k] = argv[++i];
        }
    }
    return SW_OK;
}

void sw_args_print_help(const sw_args *a, const char *usage, const char *description) {
    printf("usage: swath %s %s\n\n%s\n", a->cmd, usage, description);
    if (a->opts[0].name) printf("\noptions:\n");
    for (int i = 0; a->opts[i].name; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", a->opts[i].name, a->opts[i].arg ? " " : "",
                 a->opts[i].arg ? a->opts[i].arg : "");
        printf("  %-24s %s", left, a->opts[i].help);
        if (a->opts[i].def) printf(" (default %s)", a->opts[i].def);
        printf("\n");
    }
    printf("  %-24s %s\n", "--help", "show this help");
}

static int find(const sw_args *a, const char *name) {
    int k = opt_index(a->opts, name, strlen(name));
    if (k < 0) {
        fprintf(stderr, "swath: internal error: option '%s' is not declared for '%s'\n", name, a->cmd);
        abort();
    }
    return k;
}

const char *sw_args_str(const sw_args *a, const char *name) {
    int k = find(a, name);
    return a->values[k] ? a->values[k] : a->opts[k].def;
}

int sw_args_flag(const sw_args *a, const char *name) { return a->values[find(a, name)] != NULL; }

static sw_status parse_i64(const sw_args *a, const char *name, const char *s, int64_t lo, int64_t hi,
                           int64_t *out, const char **end) {
    errno = 0;
    char *e;
    long long v = strtoll(s, &e, 10);
    if (e == s || errno)
        return sw_fail(SW_ERR_USAGE, "swath %s: --%s: '%s' is not an integer", a->cmd, name, s);
    if (v < lo || v > hi)
        return sw_fail(SW_ERR_USAGE, "swath %s: --%s: %lld is outside [%lld, %lld]", a->cmd, name, v,
                       (long long)lo, (long long)hi);
    *out = v;
    *end = e;
    return SW_OK;
}

sw_status sw_args_int(const sw_args *a, const char *name, int64_t lo, int64_t hi, int64_t *out) {
    const char *s = sw_args_str(a, name), *e = "";
    if (!s) return sw_fail(SW_ERR_USAGE, "swath %s: --%s is required", a->cmd, name);
    sw_status st = parse_i64(a, name, s, lo, hi, out, &e);
    if (st == SW_OK && *e)
        return sw_fail(SW_ERR_USAGE, "swath %s: --%s: '%s' is not an integer", a->cmd, name, s);
    return st;
}

sw_status sw_args_double(const sw_args *a, const char *name, double lo, double hi, double *out) {
    const char *s = sw_args_str(a, name);
    if (!s) return sw_fail(SW_ERR_USAGE, "swath %s: --%s is required", a->cmd, name);
    errno = 0;
    char *e;
    double v = strtod(s, &e);
    if (e == s || *e || errno)
        return sw_fail(SW_ERR_USAGE, "swath %s: --%s: '%s' is not a number", a->cmd, name, s);
    if (!isfinite(v)) /* strtod takes nan and inf: say so rather than "outside" */
        return sw_fail(SW_ERR_USAGE, "swath %s: --%s: '%s' is not a finite number", a->cmd, name, s);
    if (!(v >= lo && v <= hi))
        return sw_fail(SW_ERR_USAGE, "swath %s: --%s: %g is outside [%g, %g]", a->cmd, name, v, lo, hi);
    *out = v;
    return SW_OK;
}

/* "N" or "WxH" (x or X), digits only: the syntax, checked before the range. */
static int size_syntax(const char *s) {
    int n = 0;
    while (*s >= '0' && *s <= '9') s++, n++;
    if (!n) return 0;
    if (!*s) return 1;
    if (*s != 'x' && *s != 'X') return 0;
    s++, n = 0;
    while (*s >= '0' && *s <= '9') s++, n++;
    return n && !*s;
}

sw_status sw_args_size(const sw_args *a, const char *name, int64_t lo, int64_t hi, int64_t *w, int64_t *h) {
    const char *s = sw_args_str(a, name), *e = "";
    if (!s) return sw_fail(SW_ERR_USAGE, "swath %s: --%s is required", a->cmd, name);
    if (!size_syntax(s))
        return sw_fail(SW_ERR_USAGE, "swath %s: --%s: '%s' is not WxH (WIDTHxHEIGHT in pixels, or N for N x N)", a->cmd,
                       name, s);
    sw_status st = parse_i64(a, name, s, lo, hi, w, &e);
    if (st) return st;
    if (*e == '\0') {
        *h = *w;
        return SW_OK;
    }
    return parse_i64(a, name, e + 1, lo, hi, h, &e);
}

sw_status sw_args_int_list(const sw_args *a, const char *name, int64_t lo, int64_t hi, int64_t *out,
                           int cap, int *n) {
    const char *s = sw_args_str(a, name), *e = "";
    *n = 0;
    if (!s) return sw_fail(SW_ERR_USAGE, "swath %s: --%s is required", a->cmd, name);
    while (*s) {
        if (*n == cap) return sw_fail(SW_ERR_USAGE, "swath %s: --%s: more than %d values", a->cmd, name, cap);
        sw_status st = parse_i64(a, name, s, lo, hi, &out[*n], &e);
        if (st) return st;
        (*n)++;
        if (*e == ',') e++;
        else if (*e) return sw_fail(SW_ERR_USAGE, "swath %s: --%s: '%s' is not a comma-separated list", a->cmd, name, sw_args_str(a, name));
        s = e;
    }
    if (*n == 0) return sw_fail(SW_ERR_USAGE, "swath %s: --%s: empty list", a->cmd, name);
    return SW_OK;
}
