/* Thread-local error messages (see error.h). */
#include "src/core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

static _Thread_local char err_msg[2048];

sw_status sw_fail(sw_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    return code;
}

sw_status sw_fail_ctx(sw_status code, const char *fmt, ...) {
    char prefix[1024], old[sizeof err_msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err_msg, sizeof old);
    size_t pl = strlen(prefix);
    memcpy(err_msg, prefix, pl);  /* pl < sizeof prefix < sizeof err_msg - 2 */
    memcpy(err_msg + pl, ": ", 2);
    size_t room = sizeof err_msg - pl - 3, ol = strnlen(old, room);
    memcpy(err_msg + pl + 2, old, ol);
    err_msg[pl + 2 + ol] = '\0';
    return code;
}

const char *sw_errmsg(void) { return err_msg; }

void sw_err_clear(void) { err_msg[0] = '\0'; }

/* Appends s[0 .. n) to dst at *k, stopping at cap - 1. */
static void put(char *dst, size_t cap, size_t *k, const char *s, size_t n) {
    if (*k + n > cap - 1) n = cap - 1 - *k;
    memcpy(dst + *k, s, n);
    *k += n;
}

void sw_msg_fit(char *dst, size_t cap, const char *msg, const char *path) {
    if (!cap) return;
    size_t n = strlen(msg), pl = path ? strlen(path) : 0;
    int occ = 0;
    for (const char *p = pl ? strstr(msg, path) : NULL; p; p = strstr(p + pl, path)) occ++;
    if (n < cap || !occ) {
        snprintf(dst, cap, "%s", msg);
        return;
    }
    /* each occurrence loses an equal share of the excess, plus 3 for the "..." */
    size_t cut = (n - (cap - 1) + (size_t)occ - 1) / (size_t)occ + 3, keep = pl > cut ? pl - cut : 0;
    if (keep < 12) keep = pl < 12 ? pl : 12;   /* a path cut shorter than this tells nothing */
    size_t head = keep / 3, tail = keep - head, k = 0;   /* the end holds the file name: keep more of it */
    for (const char *s = msg, *p; *s && k < cap - 1; s = p + pl) {
        p = strstr(s, path);
        if (!p) {
            put(dst, cap, &k, s, strlen(s));
            break;
        }
        put(dst, cap, &k, s, (size_t)(p - s));
        if (keep < pl) {
            put(dst, cap, &k, path, head);
            put(dst, cap, &k, "...", 3);
            put(dst, cap, &k, path + pl - tail, tail);
        } else {
            put(dst, cap, &k, path, pl);
        }
    }
    dst[k] = '\0';
}

void *sw_malloc(size_t n, const char *what) {
    void *p = malloc(n ? n : 1);
    if (!p) sw_fail(SW_ERR_RUNTIME, "out of memory allocating %zu bytes for %s", n, what);
    return p;
}

void *sw_calloc(size_t count, size_t size, const char *what) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) sw_fail(SW_ERR_RUNTIME, "out of memory allocating %zu x %zu bytes for %s", count, size, what);
    return p;
}

#define BIG_ALIGN ((size_t)2 << 20)

void *sw_malloc_big(size_t n, const char *what) {
    if (n < BIG_ALIGN / 2) return sw_malloc(n, what);
    void *p = NULL;
    if (posix_memalign(&p, BIG_ALIGN, n) != 0) {
        sw_fail(SW_ERR_RUNTIME, "out of memory allocating %zu bytes for %s", n, what);
        return NULL;
    }
    madvise(p, n, MADV_HUGEPAGE);   /* advice only: where the kernel has no huge pages, 4 KiB ones */
    return p;
}

void *sw_calloc_big(size_t count, size_t size, const char *what) {
    if (size && count > SIZE_MAX / size) {
        sw_fail(SW_ERR_RUNTIME, "out of memory allocating %zu x %zu bytes for %s", count, size, what);
        return NULL;
    }
    void *p = sw_malloc_big(count * size, what);
    if (p) memset(p, 0, count * size);
    return p;
}

sw_status sw_report_status(sw_status status) {
    if (status == SW_INTERRUPTED) fprintf(stderr, "swath: stopped: %s\n", sw_errmsg());
    else if (status != SW_OK) fprintf(stderr, "swath: error: %s\n", sw_errmsg());
    return status;
}
