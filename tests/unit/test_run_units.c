/* Unit tests of the run runtime's pure parts: tile grids (shifted last tile, full coverage, crop
 * cores that partition the axis), blending weights, the journal (append, reopen, torn tail
 * truncated), run.h5 round trip, CRC-32, block contributor counts, tile result and block files
 * (row encoding round trip on sparse, dense and long-run planes; truncated and corrupt files), the
 * quicklook cells the largest-scale tiles own (each cell once, inside its tile's window) and their
 * reduction against a brute-force average. */
#include "io/raster.h"
#include "io/store.h"
#include "src/core/fsutil.h"
#include "src/run/blend.h"
#include "src/run/identity.h"
#include "src/run/plan.h"
#include "src/run/ql_tiles.h"
#include "src/run/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/check.h"

static void test_grid(void) {
    int o[64];
    /* 3072 px, side 512, overlap 102: step 410, origins 0, 410, ..., last shifted to 2560. */
    int n = sw_grid_origins(3072, 512, 102, o, 64);
    CHECK(n == 8 && o[0] == 0 && o[1] == 410 && o[6] == 2460 && o[7] == 2560, "grid 3072/512: n %d last %d", n, o[n - 1]);
    CHECK(sw_grid_origins(300, 512, 102, o, 64) == 1 && o[0] == 0, "image smaller than a tile: one tile");
    CHECK(sw_grid_origins(512, 512, 102, o, 64) == 1, "image of one tile");
    int extents[] = {513, 1000, 3072, 4097, 20000}, sides[] = {512, 2048, 256};
    for (int e = 0; e < 5; e++)
        for (int s = 0; s < 3; s++) {
            int ext = extents[e], side = sides[s], ovl = side / 5, org[512];
            int k = sw_grid_origins(ext, side, ovl, org, 512), covered = 0, pos = 0, cores_ok = 1;
            int tile = side < ext ? side : ext;
            for (int i = 0; i < k; i++) {
                if (i > 0 && org[i] > org[i - 1] + tile) covered = -1;   /* gap */
                if (i > 0 && org[i] - org[i - 1] > tile - ovl) covered = -1;  /* overlap < ovl */
                int lo, hi;
                sw_grid_core(ext, side, ovl, org[i], &lo, &hi);
                if (lo != pos || hi <= lo || lo < org[i] || hi > org[i] + tile) cores_ok = 0;
                pos = hi;
            }
            CHECK(covered == 0 && org[k - 1] + tile == ext, "grid %d/%d: coverage", ext, side);
            CHECK(cores_ok && pos == ext, "grid %d/%d: crop cores partition the axis", ext, side);
        }
}

static void test_blend(void) {
    uint16_t w[512];
    /* An inner tile of a 3072 axis: ramps on both sides, 64 in the middle, all >= 1. */
    for (int b = SW_BLEND_CROP; b <= SW_BLEND_COSINE; b++) {
        sw_blend_axis((sw_blend)b, 3072, 512, 102, 410, 512, w);
        int ok = 1;
        for (int i = 0; i < 512; i++) ok &= w[i] <= SW_BLEND_WMAX && (b == SW_BLEND_CROP || w[i] >= 1);
        CHECK(ok, "blend %s: weights in range", sw_blend_name((sw_blend)b));
    }
    sw_blend_axis(SW_BLEND_LINEAR, 3072, 512, 102, 410, 512, w);
    CHECK(w[0] == 1 && w[511] == 1 && w[256] == SW_BLEND_WMAX && w[50] < w[80], "linear ramps: %d %d %d", w[0], w[511], w[256]);
    sw_blend_axis(SW_BLEND_COSINE, 3072, 512, 102, 0, 512, w);
    CHECK(w[0] == SW_BLEND_WMAX && w[511] < 4, "cosine: no ramp at the image border, ramp inside: %d %d", w[0], w[511]);
    sw_blend_axis(SW_BLEND_MEAN, 3072, 512, 102, 410, 512, w);
    CHECK(w[0] == 1 && w[300] == 1, "mean");
    /* Crop: the weights of all tiles on the axis sum to exactly 1 everywhere. */
    int org[16], cnt[3072] = {0};
    int k = sw_grid_origins(3072, 512, 102, org, 16);
    for (int i = 0; i < k; i++) {
        sw_blend_axis(SW_BLEND_CROP, 3072, 512, 102, org[i], 512, w);
        for (int j = 0; j < 512; j++) cnt[org[i] + j] += w[j];
    }
    int ok = 1;
    for (int x = 0; x < 3072; x++) ok &= cnt[x] == 1;
    CHECK(ok, "crop weights partition the axis");
    CHECK(sw_blend_parse("cosine") == SW_BLEND_COSINE && sw_blend_parse("x") < 0, "blend names");
}

static void test_journal(const char *dir) {
    CHECK(sw_crc32(0, "123456789", 9) == 0xCBF43926u, "crc32 check value");
    sw_journal *j;
    sw_journal_rec *recs;
    int64_t n, dropped;
    CHECK(sw_journal_open(&j, dir, &recs, &n, &dropped) == SW_OK && n == 0, "new journal: %s", sw_errmsg());
    free(recs);
    for (uint32_t t = 0; t < 5; t++) {
        sw_journal_rec r = {0};
        r.tile = t * 7, r.status = t == 3 ? SW_TILE_FAILED : SW_TILE_DONE, r.attempts = 1 + (t == 3), r.rank = (int)t;
        r.seconds = 0.5f * t, r.bytes = 1000 + t;
        if (t == 3) snprintf(r.reason, sizeof r.reason, "reading window: boom"), r.code = SW_ERR_INPUT;
        if (t == 4) {   /* a reason of 500 characters comes back whole */
            memset(r.reason, 'x', 499);
            memcpy(r.reason + 480, ": libtiff cannot", 16);
        }
        CHECK(sw_journal_append(j, &r) == SW_OK, "append %u", t);
    }
    sw_journal_close(j);
    char path[4200];
    sw_path_join(path, sizeof path, dir, "journal.bin");
    FILE *f = fopen(path, "ab");
    fwrite("torn-record-garbage", 1, 19, f);   /* a write cut short by a kill */
    fclose(f);
    CHECK(sw_journal_open(&j, dir, &recs, &n, &dropped) == SW_OK, "reopen: %s", sw_errmsg());
    CHECK(n == 5 && dropped == 1, "reopen: %lld records, %lld dropped", (long long)n, (long long)dropped);
    CHECK(n == 5 && recs[3].tile == 21 && recs[3].status == SW_TILE_FAILED && !strcmp(recs[3].reason, "reading window: boom") &&
              recs[3].code == SW_ERR_INPUT && recs[4].bytes == 1004 && recs[2].seconds == 1.0f,
          "records read back");
    CHECK(n == 5 && strlen(recs[4].reason) == 499 && !strncmp(recs[4].reason + 480, ": libtiff cannot", 16),
          "a 499-character reason read back: %zu", n == 5 ? strlen(recs[4].reason) : 0);
    free(recs);
    sw_journal_rec r = {.tile = 99, .status = SW_TILE_DONE, .attempts = 1};
    CHECK(sw_journal_append(j, &r) == SW_OK, "append after truncation");
    sw_journal_close(j);
    /* A flipped bit in the middle of the last record: CRC mismatch, dropped. */
    f = fopen(path, "r+b");
    fseek(f, 5 * SW_JOURNAL_RECORD + 40, SEEK_SET);
    fputc('X', f);
    fclose(f);
    CHECK(sw_journal_open(&j, dir, &recs, &n, &dropped) == SW_OK && n == 5 && dropped == 1, "corrupt last record dropped: %lld",
          (long long)n);
    free(recs);
    /* Many records at once (the master's batch, written in chunks of 16): all back, in order. */
    sw_journal_rec many[40];
    for (int k = 0; k < 40; k++) many[k] = (sw_journal_rec){.tile = (uint32_t)(100 + k), .status = SW_TILE_DONE, .attempts = 1};
    CHECK(sw_journal_append_many(j, many, 40) == SW_OK, "append 40 at once: %s", sw_errmsg());
    sw_journal_close(j);
    CHECK(sw_journal_open(&j, dir, &recs, &n, &dropped) == SW_OK && n == 45 && dropped == 0, "40 at once: %lld records",
          (long long)n);
    int order = 1;
    for (int k = 0; k < 40 && n == 45; k++) order &= recs[5 + k].tile == (uint32_t)(100 + k);
    CHECK(order, "40 at once: records out of order");
    free(recs);
    sw_journal_close(j);
}

/* A journal of an earlier version (128-byte "SWJL" records): read, and appended to in its own
 * version, so that a run started by that version can be resumed. */
static void test_journal_v1(const char *dir) {
    char sub[4200], path[4300];
    snprintf(sub, sizeof sub, "%s/v1", dir);
    mkdir(sub, 0777);
    snprintf(path, sizeof path, "%s/journal.bin", sub);
    uint8_t b[2][SW_JOURNAL_RECORD_V1];
    memset(b, 0, sizeof b);
    for (int k = 0; k < 2; k++) {
        uint32_t magic = 0x4C4A5753u, tile = 5 + (uint32_t)k;
        memcpy(b[k], &magic, 4), memcpy(b[k] + 4, &tile, 4);
        b[k][8] = k ? SW_TILE_FAILED : SW_TILE_DONE, b[k][9] = 1;
        if (k) snprintf((char *)b[k] + 24, 96, "old reason");
        uint32_t crc = sw_crc32(0, b[k], SW_JOURNAL_RECORD_V1 - 4);
        memcpy(b[k] + SW_JOURNAL_RECORD_V1 - 4, &crc, 4);
    }
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, sizeof b, f);
    fclose(f);
    sw_journal *j;
    sw_journal_rec *recs;
    int64_t n, dropped;
    CHECK(sw_journal_open(&j, sub, &recs, &n, &dropped) == SW_OK && n == 2 && dropped == 0 && recs[1].tile == 6 &&
              recs[1].status == SW_TILE_FAILED && !strcmp(recs[1].reason, "old reason") && recs[1].code == 0,
          "version 1 journal read: %lld records", (long long)n);
    free(recs);
    sw_journal_rec r = {.tile = 7, .status = SW_TILE_FAILED, .attempts = 2, .code = SW_ERR_INPUT};
    memset(r.reason, 'y', 300);
    CHECK(sw_journal_append(j, &r) == SW_OK, "append to a version 1 journal");
    sw_journal_close(j);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && sb.st_size == 3 * SW_JOURNAL_RECORD_V1, "version 1 journal grows by 128 bytes: %lld",
          (long long)sb.st_size);
    CHECK(sw_journal_open(&j, sub, &recs, &n, &dropped) == SW_OK && n == 3 && strlen(recs[2].reason) == 95,
          "version 1 journal: the appended record, its reason cut to 95");
    free(recs);
    sw_journal_close(j);
}

static void test_store(const char *dir) {
    sw_run_meta m = {0}, back;
    snprintf(m.job, sizeof m.job, "pixel-defects");
    m.nscales = 2, m.scales[0] = 512, m.scales[1] = 2048, m.overlap = 0.2, m.block = 1024;
    snprintf(m.blend, sizeof m.blend, "linear");
    snprintf(m.input, sizeof m.input, "/data/mosaic.tif");
    m.width = 3072, m.height = 2000, m.gt[0] = 500000, m.gt[1] = 1, m.gt[5] = -1, m.fingerprint = 0x123456789abcdefull;
    snprintf(m.crs_wkt, sizeof m.crs_wkt, "EPSG:32650");
    m.nbands = 4, m.bands[0] = 1, m.bands[1] = 2, m.bands[2] = 3, m.bands[3] = 5;
    sw_store_tile t[3] = {{0, 1, 0, 0, 2048, 2000}, {1, 0, 0, 0, 512, 512}, {2, 0, 410, 0, 512, 512}};
    CHECK(sw_store_create(dir, &m, t, 3) == SW_OK, "store create: %s", sw_errmsg());
    sw_store_tile *tb;
    int64_t n;
    CHECK(sw_store_open(dir, &back, &tb, &n) == SW_OK, "store open: %s", sw_errmsg());
    CHECK(n == 3 && !memcmp(tb, t, sizeof t), "tiles round trip");
    CHECK(!strcmp(back.job, "pixel-defects") && back.nscales == 2 && back.scales[1] == 2048 && back.overlap == 0.2 &&
              back.width == 3072 && back.fingerprint == m.fingerprint && !strcmp(back.crs_wkt, "EPSG:32650") &&
              back.gt[5] == -1 && back.nbands == 4 && back.bands[3] == 5,
          "meta round trip");
    free(tb);
    char p[4200];
    sw_path_join(p, sizeof p, dir, "run.h5.part");
    CHECK(!sw_path_exists(p), "no run.h5.part left");
}

static void test_contributors(void) {
    sw_run_config cfg = {0};
    cfg.nscales = 1, cfg.scales[0] = 512, cfg.overlap = 0.2, cfg.block = 1024;
    sw_plan p = {0};
    sw_plan_geometry(&p, &cfg, 3072, 3072);
    int org[16];
    int k = sw_grid_origins(3072, 512, 102, org, 16);
    p.tiles = calloc((size_t)k * k, sizeof *p.tiles);
    for (int j = 0; j < k; j++)
        for (int i = 0; i < k; i++) p.tiles[j * k + i] = (sw_tile){(uint32_t)(j * k + i), 0, org[i], org[j], 512, 512};
    p.ntiles = k * k;
    uint32_t cnt[9];
    sw_plan_block_contributors(&p, cnt);
    /* Along an axis, tiles at 0,410,820 touch block 0 (0..1023); 820,1230,1640 touch block 1 ... */
    int a0 = 0, a1 = 0;
    for (int i = 0; i < k; i++) a0 += org[i] < 1024, a1 += org[i] < 2048 && org[i] + 512 > 1024;
    CHECK(cnt[0] == (uint32_t)(a0 * a0) && cnt[4] == (uint32_t)(a1 * a1), "contributors %u %u (expected %d %d)", cnt[0], cnt[4],
          a0 * a0, a1 * a1);
    sw_plan_free(&p);
}

/* The spatial index finds exactly the tiles a brute-force scan finds, with skipped tiles. */
static void test_index(void) {
    int exts[][2] = {{3072, 3072}, {5000, 2100}, {700, 4097}};
    for (int e = 0; e < 3; e++) {
        sw_run_config cfg = {0};
        cfg.nscales = 2, cfg.scales[0] = 512, cfg.scales[1] = 2048, cfg.overlap = 0.2, cfg.block = 1024;
        sw_plan p = {0};
        sw_plan_geometry(&p, &cfg, exts[e][0], exts[e][1]);
        p.tiles = calloc(4096, sizeof *p.tiles);
        int64_t n = 0, skip = 0;
        for (int s = 0; s < 2; s++) {
            int ox[64], oy[64];
            int nx = sw_grid_origins(p.width, p.side[s], p.ovl[s], ox, 64), ny = sw_grid_origins(p.height, p.side[s], p.ovl[s], oy, 64);
            for (int j = 0; j < ny; j++)
                for (int i = 0; i < nx; i++) {
                    if (++skip % 7 == 0) continue;   /* some tiles skipped, as with nodata */
                    int tw = p.side[s] < p.width ? p.side[s] : p.width, th = p.side[s] < p.height ? p.side[s] : p.height;
                    p.tiles[n] = (sw_tile){(uint32_t)n, s, ox[i], oy[j], tw, th};
                    n++;
                }
        }
        p.ntiles = n;
        CHECK(sw_plan_index(&p) == SW_OK, "index: %s", sw_errmsg());
        int cap = sw_plan_max_tiles_in(&p, 1024, 1024), bad = 0;
        uint32_t *ids = malloc(sizeof *ids * (size_t)cap);
        for (int by = 0; by < p.nby; by++)
            for (int bx = 0; bx < p.nbx; bx++) {
                int x, y, w, h;
                sw_plan_block_rect(&p, bx, by, &x, &y, &w, &h);
                int k = sw_plan_tiles_in(&p, x, y, w, h, ids, cap), m = 0;
                for (int64_t i = 0; i < n; i++) {
                    const sw_tile *t = &p.tiles[i];
                    if (t->x >= x + w || t->x + t->w <= x || t->y >= y + h || t->y + t->h <= y) continue;
                    if (m >= k || ids[m] != (uint32_t)i) bad++;
                    m++;
                }
                if (m != k) bad++;
            }
        CHECK(bad == 0, "index vs brute force on %dx%d: %d mismatches", exts[e][0], exts[e][1], bad);
        free(ids);
        sw_plan_free(&p);
    }
}

/* sw_raster_read_valid (the plan's footprint scan) gives exactly sw_raster_read_u8's validity:
 * a mask band, and nodata values; windows reaching past the edges. */
static void test_read_valid(const char *dir) {
    enum { W = 300, H = 200 };
    static uint8_t rgb[W * H * 3], mask[W * H];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int in = (x - 150) * (x - 150) + (y - 100) * (y - 100) < 90 * 90;
            mask[y * W + x] = in ? 255 : 0;
            for (int c = 0; c < 3; c++) rgb[(y * W + x) * 3 + c] = (uint8_t)(in ? 1 + (x * 7 + y * 3 + c) % 250 : 0);
        }
    for (int kind = 0; kind < 2; kind++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/valid%d.tif", dir, kind);
        sw_raster_spec sp = {0};
        sp.width = W, sp.height = H, sp.nbands = 3, sp.gt[1] = 1, sp.gt[5] = -1, sp.rgb = 1;
        if (kind == 0) sp.mask = 1;
        else sp.has_nodata = 1, sp.nodata = 0;
        sw_raster_writer *wr;
        CHECK(sw_raster_create(&wr, path, &sp) == SW_OK && sw_raster_write(wr, 0, 0, W, H, rgb, kind == 0 ? mask : NULL) == SW_OK &&
                  sw_raster_commit(wr, NULL) == SW_OK,
              "write %s: %s", path, sw_errmsg());
        sw_raster *r;
        if (sw_raster_open(&r, path)) {
            CHECK(0, "open %s: %s", path, sw_errmsg());
            continue;
        }
        int win[][4] = {{0, 0, W, H}, {-20, -10, 100, 80}, {250, 150, 100, 100}, {37, 41, 64, 64}};
        static uint8_t pix[400 * 300 * 3], v1[400 * 300], v2[400 * 300];
        int bad = 0;
        for (int i = 0; i < 4; i++) {
            int n = win[i][2] * win[i][3];
            memset(v2, 7, (size_t)n);
            CHECK(sw_raster_read_u8(r, win[i][0], win[i][1], win[i][2], win[i][3], pix, v1) == SW_OK, "read_u8");
            CHECK(sw_raster_read_valid(r, win[i][0], win[i][1], win[i][2], win[i][3], v2) == SW_OK, "read_valid: %s", sw_errmsg());
            for (int k = 0; k < n; k++) bad += v1[k] != v2[k];
        }
        CHECK(bad == 0, "%s validity: %d pixels differ between read_valid and read_u8", kind ? "nodata" : "mask band", bad);
        sw_raster_close(r);
    }
}

static uint32_t lcg(uint32_t *s) { return *s = *s * 1664525u + 1013904223u; }

/* Every row of every plane, whole and in windows, decodes to the bytes written. */
static int planes_match(const sw_tile_result *t, const uint8_t *planes, uint8_t *row) {
    for (int k = 0; k < t->nplanes; k++)
        for (int y = 0; y < t->h; y++) {
            const uint8_t *want = planes + ((size_t)k * t->h + y) * t->w;
            sw_row r;
            sw_tile_result_row(t, k, y, &r);
            sw_row_expand(&r, 0, t->w, row);
            if (memcmp(row, want, (size_t)t->w)) return 0;
            int x0 = (y * 37) % t->w, n = t->w - x0 > 1 ? (t->w - x0) / 2 + 1 : 1;
            sw_row_expand(&r, x0, n, row);
            if (memcmp(row, want + x0, (size_t)n)) return 0;
        }
    return 1;
}

static void test_results(const char *dir) {
    CHECK(sw_results_mkdirs(dir) == SW_OK, "mkdirs: %s", sw_errmsg());
    /* w, h, planes: a pixel-defect-like tile, an odd size, a row longer than a run can be */
    int shapes[3][3] = {{512, 300, 3}, {97, 31, 4}, {70000, 3, 2}};
    uint32_t seed = 7;
    sw_result_buf enc = {0};
    sw_tile_result t = {0};
    for (int c = 0; c < 3; c++) {
        int w = shapes[c][0], h = shapes[c][1], np = shapes[c][2];
        size_t n = (size_t)w * h;
        uint8_t *pl = malloc(n * np), *row = malloc((size_t)w);
        memset(pl, 1, n);                               /* validity: all valid ... */
        for (size_t i = 0; i < n / 10; i++) pl[i] = 0; /* ... but the first tenth */
        memset(pl + n, 0, n);                           /* plane 1: sparse scores */
        for (int i = 0; i < 50; i++) pl[n + lcg(&seed) % n] = 255;
        for (size_t i = 0; np > 2 && i < n; i++) pl[2 * n + i] = (uint8_t)(lcg(&seed) >> 24);   /* plane 2: dense */
        for (int k = 3; k < np; k++) memset(pl + k * n, 9, n);
        uint32_t bytes = 0;
        CHECK(sw_tile_result_write(dir, (uint32_t)c, w, h, np, pl, &enc, &bytes) == SW_OK, "write tile %d: %s", c, sw_errmsg());
        CHECK(bytes < SW_RESULT_HEADER + n * np + (size_t)np * h * 5 + 4, "tile %d: %u bytes, more than raw", c, bytes);
        if (c == 0) CHECK(bytes < n + n / 2, "sparse planes encode small: %u bytes for %zu raw", bytes, n * np);
        CHECK(sw_tile_result_load(&t, dir, (uint32_t)c, w, h, np) == SW_OK, "load tile %d: %s", c, sw_errmsg());
        CHECK(planes_match(&t, pl, row), "tile %d (%dx%d, %d planes): rows decode to what was written", c, w, h, np);
        CHECK(sw_tile_result_load(&t, dir, (uint32_t)c, w, h + 1, np) != SW_OK && strstr(sw_errmsg(), "does not match"),
              "a tile of another size is refused: %s", sw_errmsg());
        free(pl), free(row);
    }
    /* A block round trip: classes and confidence. */
    uint8_t blk[2 * 64 * 40], back[2 * 64 * 40];
    for (size_t i = 0; i < sizeof blk; i++) blk[i] = i < sizeof blk / 2 ? (uint8_t)(i % 640 < 5 ? 10 : 0) : 255;
    CHECK(sw_block_write(dir, 3, 1, 64, 40, blk, &enc) == SW_OK && sw_block_exists(dir, 3, 1), "block write: %s", sw_errmsg());
    CHECK(sw_block_read(dir, 3, 1, 64, 40, back, &enc) == SW_OK && !memcmp(blk, back, sizeof blk), "block round trip: %s",
          sw_errmsg());
    /* Truncated and corrupt tile files are errors naming the file. */
    char path[512];
    snprintf(path, sizeof path, "%s/tiles/0.bin", dir);
    FILE *f = fopen(path, "r+b");
    long size = -1;
    if (f && !fseek(f, 0, SEEK_END)) size = ftell(f);
    if (f) fclose(f);
    CHECK(size > 100 && truncate(path, size - 1) == 0, "truncate %s", path);
    CHECK(sw_tile_result_load(&t, dir, 0, 512, 300, 3) != SW_OK && strstr(sw_errmsg(), "truncated") && strstr(sw_errmsg(), path),
          "truncated tile: %s", sw_errmsg());
    snprintf(path, sizeof path, "%s/tiles/1.bin", dir);
    f = fopen(path, "r+b");
    uint32_t bad = 0x7fffffff;
    CHECK(f && !fseek(f, SW_RESULT_HEADER + 4 * 5, SEEK_SET) && fwrite(&bad, 4, 1, f) == 1, "corrupt %s", path);
    if (f) fclose(f);
    CHECK(sw_tile_result_load(&t, dir, 1, 97, 31, 4) != SW_OK && strstr(sw_errmsg(), "corrupt"), "corrupt row index: %s",
          sw_errmsg());
    CHECK(sw_tile_result_load(&t, dir, 2, 70000, 3, 2) == SW_OK, "the other tiles still load: %s", sw_errmsg());
    sw_tile_result_free(&t);
    sw_result_buf_free(&enc);
}

/* The quicklook from the tiles (src/run/ql_tiles.h): on full grids of several geometries every
 * cell is owned by exactly one largest-scale tile and lies inside its window; reducing every
 * tile's window of a synthetic image (with invalid pixels) gives the brute-force cell averages and
 * nearest validity picks; geometries whose cells would cross a window edge are refused. */
static void test_ql_tiles(void) {
    struct {
        int W, H, ow, oh, s0, s1;
        double ovl;
        int ok;
    } g[] = {
        {3072, 3072, 1024, 1024, 512, 2048, 0.2, 1}, {4096, 2048, 1024, 512, 512, 2048, 0.2, 1},
        {5000, 2100, 1000, 420, 512, 2048, 0.2, 1},  {2000, 700, 1000, 350, 256, 0, 0.2, 1},
        {1000, 1000, 1000, 1000, 512, 0, 0.2, 0},    /* factor 1: GDAL's plain read, refused */
        {2040, 2040, 510, 510, 510, 0, 0.0, 0},      /* no overlap: 4-px cells cross tile edges */
        {3000, 3000, 1000, 1000, 512, 0, 0.0, 0},    /* 3-px cells cross tile edges */
    };
    for (size_t e = 0; e < sizeof g / sizeof g[0]; e++) {
        sw_run_config cfg = {0};
        cfg.nscales = g[e].s1 ? 2 : 1, cfg.scales[0] = g[e].s0, cfg.scales[1] = g[e].s1, cfg.overlap = g[e].ovl, cfg.block = 1024;
        sw_plan p = {0};
        sw_plan_geometry(&p, &cfg, g[e].W, g[e].H);
        int s = cfg.nscales - 1, ox[128], oy[128];
        int nx = sw_grid_origins(p.width, p.side[s], p.ovl[s], ox, 128), ny = sw_grid_origins(p.height, p.side[s], p.ovl[s], oy, 128);
        p.tiles = calloc((size_t)nx * ny + 1, sizeof *p.tiles);
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                int tw = p.side[s] < p.width ? p.side[s] : p.width, th = p.side[s] < p.height ? p.side[s] : p.height;
                p.tiles[p.ntiles] = (sw_tile){(uint32_t)p.ntiles, s, ox[i], oy[j], tw, th};
                p.ntiles++;
            }
        p.tiles[p.ntiles] = (sw_tile){(uint32_t)p.ntiles, 0, 0, 0, 16, 16};   /* a smaller-scale tile: owns nothing */
        if (cfg.nscales == 2) p.ntiles++;
        sw_ql_tiles q;
        int ok = sw_ql_tiles_geometry(&q, &p, g[e].ow, g[e].oh);
        CHECK(ok == g[e].ok, "ql %dx%d -> %dx%d: geometry %d, expected %d", g[e].W, g[e].H, g[e].ow, g[e].oh, ok, g[e].ok);
        if (!ok || sw_ql_tiles_alloc(&q)) {
            sw_plan_free(&p);
            continue;
        }
        int kx = q.kx, ky = q.ky, bad = 0, outside = 0, owners_bad = 0;
        uint8_t *own = calloc((size_t)q.ow * q.oh, 1);
        for (int64_t i = 0; i < p.ntiles; i++) {
            const sw_tile *t = &p.tiles[i];
            int cx0, cy0, cx1, cy1;
            sw_ql_tiles_cells(&q, &p, t, &cx0, &cy0, &cx1, &cy1);
            if (t->scale != s && cx1 > cx0) bad++;
            for (int cy = cy0; cy < cy1; cy++)
                for (int cx = cx0; cx < cx1; cx++) {
                    own[(size_t)cy * q.ow + cx]++;
                    outside += cx * kx < t->x || (cx + 1) * kx > t->x + t->w || cy * ky < t->y || (cy + 1) * ky > t->y + t->h;
                }
        }
        for (size_t c = 0; c < (size_t)q.ow * q.oh; c++) owners_bad += own[c] != 1;
        CHECK(!bad && !outside && !owners_bad, "ql %dx%d: %d small-scale owners, %d cells outside their window, %d cells "
              "not owned exactly once", g[e].W, g[e].H, bad, outside, owners_bad);
        /* reduce every tile's window of a synthetic image; compare with brute force */
        uint32_t seed = 99;
        int W = p.width, H = p.height;
        uint8_t *img = malloc((size_t)W * H * 3), *val = malloc((size_t)W * H);
        for (size_t i = 0; i < (size_t)W * H; i++) {
            val[i] = (lcg(&seed) >> 24) % 5 != 0 && !(i % (size_t)W < 40 && i / (size_t)W < 300);   /* holes, an invalid corner */
            for (int b = 0; b < 3; b++) img[3 * i + b] = val[i] ? (uint8_t)(lcg(&seed) >> 24) : 0;
        }
        for (int64_t i = 0; i < p.ntiles; i++) {
            const sw_tile *t = &p.tiles[i];
            uint8_t *pw = malloc((size_t)t->w * t->h * 3), *vw = malloc((size_t)t->w * t->h);
            for (int y = 0; y < t->h; y++) {
                memcpy(pw + (size_t)y * t->w * 3, img + ((size_t)(t->y + y) * W + t->x) * 3, (size_t)t->w * 3);
                memcpy(vw + (size_t)y * t->w, val + (size_t)(t->y + y) * W + t->x, (size_t)t->w);
            }
            sw_ql_tiles_reduce(&q, &p, t, pw, vw);
            free(pw), free(vw);
        }
        int wrong = 0;
        for (int cy = 0; cy < q.oh; cy++)
            for (int cx = 0; cx < q.ow; cx++) {
                double sum[3] = {0, 0, 0};
                int n = 0;
                for (int y = cy * ky; y < (cy + 1) * ky; y++)
                    for (int x = cx * kx; x < (cx + 1) * kx; x++)
                        if (val[(size_t)y * W + x]) {
                            n++;
                            for (int b = 0; b < 3; b++) sum[b] += img[((size_t)y * W + x) * 3 + b];
                        }
                size_t o = (size_t)cy * q.ow + cx;
                for (int b = 0; b < 3; b++) {
                    double m = n ? sum[b] / n : 0;
                    wrong += fabs(q.img[3 * o + b] - m) > 0.5 + 1e-6;
                }
                wrong += q.valid[o] != val[(size_t)(cy * ky + ky / 2) * W + cx * kx + kx / 2];
                wrong += q.filled[o] != 1;
            }
        CHECK(!wrong, "ql %dx%d: %d cell values differ from the brute-force averages", W, H, wrong);
        free(img), free(val), free(own);
        sw_ql_tiles_free(&q);
        sw_plan_free(&p);
    }
}

/* The input fingerprint: its 4 windows each decode one source block (and one mask block); a run.h5
 * holding the fingerprint of the earlier placement (windows across block corners) is still
 * accepted by --resume's check, another value is refused naming the key. */
static void test_identity(const char *dir) {
    enum { W = 1100, H = 900 };
    uint8_t *rgb = malloc((size_t)W * H * 3), *mask = malloc((size_t)W * H);
    uint32_t seed = 3;
    for (size_t i = 0; i < (size_t)W * H; i++) {
        mask[i] = (i % W) > 30 ? 255 : 0;
        for (int c = 0; c < 3; c++) rgb[3 * i + c] = (uint8_t)(lcg(&seed) >> 24);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/ident.tif", dir);
    sw_raster_spec sp = {0};
    sp.width = W, sp.height = H, sp.nbands = 3, sp.gt[1] = 1, sp.gt[5] = -1, sp.rgb = 1, sp.mask = 1, sp.tile = 256;
    sw_raster_writer *wr;
    CHECK(sw_raster_create(&wr, path, &sp) == SW_OK && sw_raster_write(wr, 0, 0, W, H, rgb, mask) == SW_OK &&
              sw_raster_commit(wr, NULL) == SW_OK,
          "write %s: %s", path, sw_errmsg());
    free(rgb), free(mask);
    sw_raster *r;
    if (sw_raster_open(&r, path)) {
        CHECK(0, "open %s: %s", path, sw_errmsg());
        return;
    }
    sw_run_config cfg = {0};
    snprintf(cfg.job, sizeof cfg.job, "pixel-defects");
    cfg.nscales = 1, cfg.scales[0] = 512, cfg.overlap = 0.2, cfg.block = 1024;
    sw_run_meta now, old;
    int64_t d0 = sw_raster_tiles_decoded(r);
    CHECK(sw_run_identity(&now, &cfg, r) == SW_OK, "identity: %s", sw_errmsg());
    if (sw_raster_fast_path(r))
        CHECK(sw_raster_tiles_decoded(r) - d0 == 8, "identity decoded %lld tiles, expected 4 image + 4 mask",
              (long long)(sw_raster_tiles_decoded(r) - d0));
    uint64_t legacy = 0;
    CHECK(sw_run_fingerprint(r, 1, &legacy) == SW_OK && legacy != now.fingerprint, "legacy fingerprint equals the new one");
    old = now;
    old.fingerprint = legacy;
    CHECK(sw_run_identity_check(&old, &now, dir, r) == SW_OK, "a run.h5 with the legacy fingerprint refused: %s", sw_errmsg());
    CHECK(sw_run_identity_check(&old, &now, dir, NULL) == SW_ERR_INPUT, "legacy accepted without the raster");
    old.fingerprint = legacy ^ 1;
    CHECK(sw_run_identity_check(&old, &now, dir, r) == SW_ERR_INPUT && strstr(sw_errmsg(), "fingerprint"),
          "another fingerprint: '%s'", sw_errmsg());
    sw_raster_close(r);
}

int main(void) {
    char dir[] = "/tmp/swath_run_unit_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    test_grid();
    test_blend();
    test_journal(dir);
    test_journal_v1(dir);
    test_store(dir);
    test_contributors();
    test_index();
    test_read_valid(dir);
    test_results(dir);
    test_ql_tiles();
    test_identity(dir);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) printf("note: could not remove %s\n", dir);
    printf(failures ? "%d failures\n" : "all run unit tests passed\n", failures);
    return failures != 0;
}
