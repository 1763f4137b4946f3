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
