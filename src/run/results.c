/* Tile result and block files (see results.h). Plain POSIX I/O: written aside, fdatasync'ed,
 * renamed durably, so a file that exists under its final name is complete. */
#include "src/run/results.h"

#include "src/core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

sw_status sw_results_mkdirs(const char *dir) {
    char p[4096];
    sw_status st;
    if ((st = sw_path_join(p, sizeof p, dir, "tiles")) || (st = sw_mkdir_p(p))) return st;
    if ((st = sw_path_join(p, sizeof p, dir, "blocks")) || (st = sw_mkdir_p(p))) return st;
    return SW_OK;
}

static sw_status write_all(int fd, const void *buf, size_t n, const char *path) {
    const char *b = buf;
    while (n) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return sw_fail(SW_ERR_OUTPUT, "cannot write '%s': %s", path, strerror(errno));
        b += k, n -= (size_t)k;
    }
    return SW_OK;
}

/* header + parts, aside then renamed. */
static sw_status write_file(const char *path, const uint32_t hdr[8], const uint8_t *const *parts,
                            const size_t *sizes, int nparts) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) return sw_fail(SW_ERR_OUTPUT, "cannot create '%s': %s", tmp, strerror(errno));
    sw_status st = write_all(fd, hdr, SW_RESULT_HEADER, tmp);
    for (int i = 0; !st && i < nparts; i++) st = write_all(fd, parts[i], sizes[i], tmp);
    if (!st && fdatasync(fd) != 0) st = sw_fail(SW_ERR_OUTPUT, "cannot sync '%s': %s", tmp, strerror(errno));
    if (close(fd) != 0 && !st) st = sw_fail(SW_ERR_OUTPUT, "cannot close '%s': %s", tmp, strerror(errno));
    if (!st) st = sw_rename_durable(tmp, path);
    if (st) unlink(tmp);
    return st;
}

static void tile_path(char *buf, size_t cap, const char *dir, uint32_t id) {
    snprintf(buf, cap, "%s/tiles/%u.bin", dir, id);
}

static void block_path(char *buf, size_t cap, const char *dir, int bx, int by) {
    snprintf(buf, cap, "%s/blocks/%d_%d.bin", dir, bx, by);
}

sw_status sw_tile_result_write(const char *dir, uint32_t id, int w, int h, int nplanes, const uint8_t *planes,
                               uint32_t *bytes) {
    char path[4200];
    tile_path(path, sizeof path, dir, id);
    uint32_t hdr[8] = {SW_TILE_MAGIC, 1, id, (uint32_t)w, (uint32_t)h, (uint32_t)nplanes, 0, 0};
    size_t n = (size_t)w * h * nplanes;
    *bytes = (uint32_t)(SW_RESULT_HEADER + n);
    return write_file(path, hdr, &planes, &n, 1);
}

static sw_status read_header(int fd, const char *path, uint32_t magic, uint32_t hdr[8]) {
    ssize_t k = pread(fd, hdr, SW_RESULT_HEADER, 0);
    if (k != SW_RESULT_HEADER || hdr[0] != magic || hdr[1] != 1)
        return sw_fail(SW_ERR_INPUT, "'%s' is not a swath %s file (bad header)", path,
                       magic == SW_TILE_MAGIC ? "tile result" : "block");
    return SW_OK;
}

sw_status sw_tile_result_open(sw_tile_result *t, const char *dir, uint32_t id, int w, int h, int nplanes) {
    char path[4200];
    tile_path(path, sizeof path, dir, id);
    t->fd = open(path, O_RDONLY);
    if (t->fd < 0) return sw_fail(SW_ERR_INPUT, "cannot open tile result '%s': %s", path, strerror(errno));
    uint32_t hdr[8];
    sw_status st = read_header(t->fd, path, SW_TILE_MAGIC, hdr);
    if (!st && (hdr[2] != id || hdr[3] != (uint32_t)w || hdr[4] != (uint32_t)h || hdr[5] != (uint32_t)nplanes))
        st = sw_fail(SW_ERR_INPUT, "tile result '%s' does not match the plan (tile %u, %ux%u, %u planes; expected %u, %dx%d, %d)",
                     path, hdr[2], hdr[3], hdr[4], hdr[5], id, w, h, nplanes);
    if (st) {
        close(t->fd);
        t->fd = -1;
        return st;
    }
    t->id = id, t->w = w, t->h = h, t->nplanes = nplanes;
    return SW_OK;
}

sw_status sw_tile_result_read(sw_tile_result *t, int k, int x0, int y0, int rw, int rh, uint8_t *dst) {
    off_t base = SW_RESULT_HEADER + (off_t)k * t->w * t->h;
    if (rw == t->w) {   /* whole rows: one read */
        size_t n = (size_t)rw * rh;
        if (pread(t->fd, dst, n, base + (off_t)y0 * t->w) != (ssize_t)n) goto short_read;
        return SW_OK;
    }
    for (int j = 0; j < rh; j++)
        if (pread(t->fd, dst + (size_t)j * rw, (size_t)rw, base + (off_t)(y0 + j) * t->w + x0) != rw) goto short_read;
    return SW_OK;
short_read:
    return sw_fail(SW_ERR_INPUT, "tile result %u (tiles/%u.bin) is truncated", t->id, t->id);
}

void sw_tile_result_close(sw_tile_result *t) {
    if (t->fd >= 0) close(t->fd);
    t->fd = -1;
}

void sw_tile_result_remove(const char *dir, uint32_t id) {
    char path[4200];
    tile_path(path, sizeof path, dir, id);
    unlink(path);
}

sw_status sw_block_write(const char *dir, int bx, int by, int w, int h, const uint8_t *cls, const uint8_t *conf) {
    char path[4200];
    block_path(path, sizeof path, dir, bx, by);
    uint32_t hdr[8] = {SW_BLOCK_MAGIC, 1, (uint32_t)bx, (uint32_t)by, (uint32_t)w, (uint32_t)h, 0, 0};
    const uint8_t *parts[2] = {cls, conf};
    size_t sizes[2] = {(size_t)w * h, (size_t)w * h};
    return write_file(path, hdr, parts, sizes, 2);
}

int sw_block_exists(const char *dir, int bx, int by) {
    char path[4200];
    block_path(path, sizeof path, dir, bx, by);
    return sw_path_exists(path);
}

sw_status sw_block_read(const char *dir, int bx, int by, int w, int h, uint8_t *cls, uint8_t *conf) {
    char path[4200];
    block_path(path, sizeof path, dir, bx, by);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return sw_fail(SW_ERR_INPUT, "cannot open block '%s': %s", path, strerror(errno));
    uint32_t hdr[8];
    sw_status st = read_header(fd, path, SW_BLOCK_MAGIC, hdr);
    size_t n = (size_t)w * h;
    if (!st && (hdr[2] != (uint32_t)bx || hdr[3] != (uint32_t)by || hdr[4] != (uint32_t)w || hdr[5] != (uint32_t)h))
        st = sw_fail(SW_ERR_INPUT, "block '%s' does not match the plan", path);
    if (!st && (pread(fd, cls, n, SW_RESULT_HEADER) != (ssize_t)n ||
                pread(fd, conf, n, SW_RESULT_HEADER + (off_t)n) != (ssize_t)n))
        st = sw_fail(SW_ERR_INPUT, "block '%s' is truncated", path);
    close(fd);
    return st;
}
