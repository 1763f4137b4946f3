/* Tile result and block files (see results.h). Plain POSIX I/O: written aside, fdatasync'ed,
 * renamed durably, so a file that exists under its final name is complete.
 *
 * Planes are stored row by row, each row either raw or as runs (docs/formats.md): a pixel-defect
 * tile's score planes are almost all 0 and its validity plane almost all 1, so a 2048 x 2048 tile
 * of 12.6 MB raw takes a few kB, and the reducer skips zero runs instead of adding zeros. A row
 * takes the run form only when that is smaller, so dense planes (a model's softmax scores) cost
 * one byte per row more than raw. */
#include "src/run/results.h"

#include "src/core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROW_RAW 0
#define ROW_RUNS 1
#define RUN_MAX 65535   /* a run's length is a uint16 */

sw_status sw_results_mkdirs(const char *dir) {
    char p[4096];
    sw_status st;
    if ((st = sw_path_join(p, sizeof p, dir, "tiles")) || (st = sw_mkdir_p(p))) return st;
    if ((st = sw_path_join(p, sizeof p, dir, "blocks")) || (st = sw_mkdir_p(p))) return st;
    return SW_OK;
}

void sw_result_buf_free(sw_result_buf *b) {
    free(b->p);
    b->p = NULL, b->cap = 0;
}

static int buf_reserve(sw_result_buf *b, size_t n, const char *what) {
    if (n <= b->cap) return 0;
    uint8_t *p = realloc(b->p, n);
    if (!p) {
        sw_fail(SW_ERR_RUNTIME, "out of memory for %s (%zu bytes)", what, n);
        return -1;
    }
    b->p = p, b->cap = n;
    return 0;
}

/* End of the run of equal bytes starting at row[i] (at most RUN_MAX long), 8 bytes at a time. */
static int run_end(const uint8_t *row, int i, int w) {
    int lim = w - i > RUN_MAX ? i + RUN_MAX : w, j = i + 1;
    uint64_t pat = 0x0101010101010101ull * row[i];
    for (; j + 8 <= lim; j += 8) {
        uint64_t v;
        memcpy(&v, row + j, 8);
        if (v != pat) return j + __builtin_ctzll(v ^ pat) / 8;   /* little-endian: first differing byte */
    }
    while (j < lim && row[j] == row[i]) j++;
    return j;
}

/* Encodes `nplanes` planes (h, w) into out: the row index (nplanes * h + 1 uint32 offsets into
 * the row data) followed by the rows. Returns the encoded size. out holds enc_bound bytes. */
static size_t enc_bound(int w, int h, int nplanes) {
    return ((size_t)nplanes * h + 1) * 4 + (size_t)nplanes * h * (1 + (size_t)w);
}

static size_t encode(const uint8_t *planes, int w, int h, int nplanes, uint8_t *out) {
    size_t nrows = (size_t)nplanes * h, idx = (nrows + 1) * 4;
    uint8_t *data = out + idx;
    size_t pos = 0;
    for (size_t r = 0; r < nrows; r++) {
        uint32_t off = (uint32_t)pos;
        memcpy(out + 4 * r, &off, 4);
        const uint8_t *row = planes + r * (size_t)w;
        /* Runs while they are smaller than the raw row; else the raw row over them. */
        size_t p = pos + 1, lim = pos + 1 + (size_t)w;
        int i = 0;
        while (i < w && p + 3 < lim) {
            int j = run_end(row, i, w);
            uint16_t len = (uint16_t)(j - i);
            data[p] = (uint8_t)(len & 0xff), data[p + 1] = (uint8_t)(len >> 8), data[p + 2] = row[i];
            p += 3, i = j;
        }
        if (i == w) {
            data[pos] = ROW_RUNS;
            pos = p;
        } else {
            data[pos] = ROW_RAW;
            memcpy(data + pos + 1, row, (size_t)w);
            pos = lim;
        }
    }
    uint32_t end = (uint32_t)pos;
    memcpy(out + 4 * nrows, &end, 4);
    return idx + pos;
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

/* header + body, aside, fdatasync'ed then renamed; the folder fsync'ed after the rename unless
 * dir_sync is 0 (the caller syncs it once for many files: sw_results_sync_tiles). */
static sw_status write_file(const char *path, const uint32_t hdr[8], const uint8_t *body, size_t n, int dir_sync) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) return sw_fail(SW_ERR_OUTPUT, "cannot create '%s': %s", tmp, strerror(errno));
    sw_status st = write_all(fd, hdr, SW_RESULT_HEADER, tmp);
    if (!st) st = write_all(fd, body, n, tmp);
    if (!st && fdatasync(fd) != 0) st = sw_fail(SW_ERR_OUTPUT, "cannot sync '%s': %s", tmp, strerror(errno));
    if (close(fd) != 0 && !st) st = sw_fail(SW_ERR_OUTPUT, "cannot close '%s': %s", tmp, strerror(errno));
    if (!st && !dir_sync && rename(tmp, path) != 0)
        st = sw_fail(SW_ERR_OUTPUT, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    else if (!st && dir_sync) st = sw_rename_durable(tmp, path);
    if (st) unlink(tmp);
    return st;
}

static void tile_path(char *buf, size_t cap, const char *dir, uint32_t id) {
    snprintf(buf, cap, "%s/tiles/%u.bin", dir, id);
}

static void block_path(char *buf, size_t cap, const char *dir, int bx, int by) {
    snprintf(buf, cap, "%s/blocks/%d_%d.bin", dir, bx, by);
}

static sw_status write_planes(const char *path, uint32_t hdr[8], const uint8_t *planes, int w, int h, int nplanes,
                              sw_result_buf *scratch, uint32_t *bytes, int dir_sync) {
    if (buf_reserve(scratch, enc_bound(w, h, nplanes), "encoding a result file")) return SW_ERR_RUNTIME;
    size_t n = encode(planes, w, h, nplanes, scratch->p);
    if (n > UINT32_MAX)   /* the header and row offsets are uint32 */
        return sw_fail(SW_ERR_RUNTIME, "'%s': %d x %d x %d planes encode to %zu bytes, more than a result file holds (4 GiB): "
                       "use smaller --scales", path, w, h, nplanes, n);
    hdr[6] = (uint32_t)n;
    if (bytes) *bytes = (uint32_t)(SW_RESULT_HEADER + n);
    return write_file(path, hdr, scratch->p, n, dir_sync);
}

sw_status sw_tile_result_write(const char *dir, uint32_t id, int w, int h, int nplanes, const uint8_t *planes,
                               sw_result_buf *scratch, uint32_t *bytes) {
    char path[4200];
    tile_path(path, sizeof path, dir, id);
    uint32_t hdr[8] = {SW_TILE_MAGIC, SW_RESULT_VERSION, id, (uint32_t)w, (uint32_t)h, (uint32_t)nplanes, 0, 0};
    return write_planes(path, hdr, planes, w, h, nplanes, scratch, bytes, 0);
}

sw_status sw_results_sync_tiles(const char *dir) {
    char path[4200];
    snprintf(path, sizeof path, "%s/tiles", dir);
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return sw_fail(SW_ERR_OUTPUT, "cannot open '%s' to sync it: %s", path, strerror(errno));
    sw_status st = fsync(fd) == 0 ? SW_OK : sw_fail(SW_ERR_OUTPUT, "cannot sync '%s': %s", path, strerror(errno));
    close(fd);
    return st;
}

/* Reads a whole result file into b and checks its header (magic, version, the four expected
 * fields) and its row index, so that rows decode within bounds. */
static sw_status load(const char *path, uint32_t magic, const uint32_t want[4], int w, int h, int nplanes,
                      sw_result_buf *b, const uint8_t **body_out) {
    const char *what = magic == SW_TILE_MAGIC ? "tile result" : "block";
    int fd = open(path, O_RDONLY);
    if (fd < 0) return sw_fail(SW_ERR_INPUT, "cannot open %s '%s': %s", what, path, strerror(errno));
    struct stat sb;
    sw_status st = SW_OK;
    if (fstat(fd, &sb) != 0) st = sw_fail(SW_ERR_INPUT, "cannot stat '%s': %s", path, strerror(errno));
    size_t size = st ? 0 : (size_t)sb.st_size;
    if (!st && size < SW_RESULT_HEADER) st = sw_fail(SW_ERR_INPUT, "%s '%s' is truncated (%zu bytes)", what, path, size);
    if (!st && buf_reserve(b, size, "reading a result file")) st = SW_ERR_RUNTIME;
    for (size_t got = 0; !st && got < size;) {
        ssize_t k = pread(fd, b->p + got, size - got, (off_t)got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) st = sw_fail(SW_ERR_INPUT, "cannot read '%s': %s", path, k < 0 ? strerror(errno) : "short read");
        else got += (size_t)k;
    }
    close(fd);
    if (st) return st;
    uint32_t hdr[8];
    memcpy(hdr, b->p, sizeof hdr);
    if (hdr[0] != magic || hdr[1] != SW_RESULT_VERSION)
        return sw_fail(SW_ERR_INPUT, "'%s' is not a swath %s file of version %d (bad header)", path, what, SW_RESULT_VERSION);
    if (hdr[2] != want[0] || hdr[3] != want[1] || hdr[4] != want[2] || hdr[5] != want[3])
        return sw_fail(SW_ERR_INPUT, "%s '%s' does not match the plan (%u %u %u %u; expected %u %u %u %u)", what, path,
                       hdr[2], hdr[3], hdr[4], hdr[5], want[0], want[1], want[2], want[3]);
    size_t nrows = (size_t)nplanes * h, idx = (nrows + 1) * 4;
    if (size != SW_RESULT_HEADER + (size_t)hdr[6] || hdr[6] < idx)
        return sw_fail(SW_ERR_INPUT, "%s '%s' is truncated (%zu bytes, header says %zu)", what, path, size,
                       SW_RESULT_HEADER + (size_t)hdr[6]);
    const uint8_t *body = b->p + SW_RESULT_HEADER;
    size_t data = hdr[6] - idx;
    uint32_t prev = 0;
    for (size_t r = 0; r <= nrows; r++) {   /* offsets ascending, inside the data, each row long enough */
        uint32_t off;
        memcpy(&off, body + 4 * r, 4);
        if (off < prev || off > data || (r == 0 && off != 0) || (r == nrows && off != data) || (r > 0 && off == prev))
            return sw_fail(SW_ERR_INPUT, "%s '%s' is corrupt (row index entry %zu)", what, path, r);
        if (r > 0) {
            const uint8_t *row = body + idx + prev;
            size_t len = off - prev;
            if (row[0] == ROW_RAW ? len != 1 + (size_t)w : row[0] != ROW_RUNS || (len - 1) % 3 != 0)
                return sw_fail(SW_ERR_INPUT, "%s '%s' is corrupt (row %zu)", what, path, r - 1);
            if (row[0] == ROW_RUNS) {
                size_t sum = 0;
                for (size_t q = 1; q < len; q += 3) sum += (size_t)row[q] | (size_t)row[q + 1] << 8;
                if (sum != (size_t)w) return sw_fail(SW_ERR_INPUT, "%s '%s' is corrupt (runs of row %zu)", what, path, r - 1);
            }
        }
        prev = off;
    }
    *body_out = body;
    return SW_OK;
}

sw_status sw_tile_result_load(sw_tile_result *t, const char *dir, uint32_t id, int w, int h, int nplanes) {
    char path[4200];
    tile_path(path, sizeof path, dir, id);
    const uint32_t want[4] = {id, (uint32_t)w, (uint32_t)h, (uint32_t)nplanes};
    const uint8_t *body;
    sw_status st = load(path, SW_TILE_MAGIC, want, w, h, nplanes, &t->buf, &body);
    if (st) return st;
    t->id = id, t->w = w, t->h = h, t->nplanes = nplanes;
    t->index = body, t->data = body + ((size_t)nplanes * h + 1) * 4;
    return SW_OK;
}

void sw_tile_result_row(const sw_tile_result *t, int k, int y, sw_row *row) {
    size_t r = (size_t)k * t->h + (size_t)y;
    uint32_t a, b;
    memcpy(&a, t->index + 4 * r, 4);
    memcpy(&b, t->index + 4 * (r + 1), 4);
    const uint8_t *p = t->data + a;
    if (p[0] == ROW_RAW) row->raw = p + 1, row->runs = NULL, row->nruns = 0;
    else row->raw = NULL, row->runs = p + 1, row->nruns = (int)((b - a - 1) / 3);
}

void sw_row_expand(const sw_row *row, int x0, int n, uint8_t *dst) {
    if (row->raw) {
        memcpy(dst, row->raw + x0, (size_t)n);
        return;
    }
    int x = 0, x1 = x0 + n;
    for (int q = 0; q < row->nruns && x < x1; q++) {
        const uint8_t *r = row->runs + 3 * q;
        int len = r[0] | r[1] << 8, a = x > x0 ? x : x0, b = x + len < x1 ? x + len : x1;
        if (b > a) memset(dst + (a - x0), r[2], (size_t)(b - a));
        x += len;
    }
}

void sw_tile_result_free(sw_tile_result *t) { sw_result_buf_free(&t->buf); }

void sw_tile_result_remove(const char *dir, uint32_t id) {
    char path[4200];
    tile_path(path, sizeof path, dir, id);
    unlink(path);
}

sw_status sw_block_write(const char *dir, int bx, int by, int w, int h, const uint8_t *cls_conf,
                         sw_result_buf *scratch) {
    char path[4200];
    block_path(path, sizeof path, dir, bx, by);
    uint32_t hdr[8] = {SW_BLOCK_MAGIC, SW_RESULT_VERSION, (uint32_t)bx, (uint32_t)by, (uint32_t)w, (uint32_t)h, 0, 0};
    return write_planes(path, hdr, cls_conf, w, h, 2, scratch, NULL, 1);
}

int sw_block_exists(const char *dir, int bx, int by) {
    char path[4200];
    block_path(path, sizeof path, dir, bx, by);
    return sw_path_exists(path);
}

sw_status sw_block_read(const char *dir, int bx, int by, int w, int h, uint8_t *cls_conf, sw_result_buf *scratch) {
    char path[4200];
    block_path(path, sizeof path, dir, bx, by);
    const uint32_t want[4] = {(uint32_t)bx, (uint32_t)by, (uint32_t)w, (uint32_t)h};
    const uint8_t *body;
    sw_status st = load(path, SW_BLOCK_MAGIC, want, w, h, 2, scratch, &body);
    if (st) return st;
    sw_tile_result t = {0};
    t.w = w, t.h = h, t.nplanes = 2, t.index = body, t.data = body + ((size_t)2 * h + 1) * 4;
    for (int r = 0; r < 2 * h; r++) {
        sw_row row;
        sw_tile_result_row(&t, 0, r, &row);
        sw_row_expand(&row, 0, w, cls_conf + (size_t)r * w);
    }
    return SW_OK;
}
