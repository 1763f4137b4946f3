/* Window reads of a tiled RGB GeoTIFF: swath's GDAL path (sw_raster_read_u8) against libtiff's
 * direct tile decoding (TIFFReadEncodedTile), the measurement the runtime issue asks for ("measure
 * GDAL window reads against libtiff's direct tile decoding ... and use the faster").
 *
 * 512 x 512 windows, overlap 1/5 (the run's defaults), row-major over the image. The libtiff reader
 * opens one TIFF handle per thread, decodes only the tiles a window touches, keeps decoded tiles in
 * a small LRU cache (two rows of tiles: enough that a tile shared by overlapping windows is decoded
 * once in row-major order) and copies the window out. It decodes the GDAL internal mask IFD the same
 * way and zeroes invalid pixels, so its output equals sw_raster_read_u8's byte for byte (checked on
 * a few windows first). Each repetition opens fresh handles, so neither side reuses decoded tiles of
 * an earlier repetition; the file itself is in the page cache (warm) for both.
 *
 * Usage: bench_read [MOSAIC]   without MOSAIC, synthesizes one with $SWATH (BENCH_SIZE, default
 * 4096) in $SWATH_TEST_DIR. BENCH_REPS (default 5) repetitions; medians are printed.
 * libtiff is called directly here only: the library reads through io/ (GDAL). */
#include "io/raster.h"

#include <omp.h>
#include <tiffio.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define WIN 512

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double cpu_now(void) {   /* process CPU time: steadier than wall time on a loaded machine */
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double last_cpu;   /* CPU seconds of the last pass */

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_read: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Window origins along one axis, as the planner: 0, s, 2s, ... (s = side - ovl), the last shifted
 * to end at the border. */
static int origins(int extent, int side, int ovl, int *o) {
    int s = side - ovl, n = 0;
    if (extent <= side) {
        o[n++] = 0;
        return n;
    }
    for (int x = 0;; x += s) {
        if (x + side >= extent) {
            o[n++] = extent - side;
            break;
        }
        o[n++] = x;
    }
    return n;
}

/* ---- libtiff direct reader: one per thread ---- */

typedef struct {
    int64_t key;      /* tile index, -1 when empty */
    uint64_t used;    /* LRU stamp */
    uint8_t *data;
} tile_slot;

typedef struct {
    TIFF *tif;
    tdir_t dir;                 /* IFD of this image */
    int tw, th, spp, bits;      /* tile size, samples per pixel, bits per sample */
    int ntx;
    tsize_t tile_bytes;
    tile_slot *slots;
    int nslots;
    uint64_t clock, decodes;
} tiled_ifd;

typedef struct {
    TIFF *tif;
    int width, height;
    tiled_ifd rgb, mask;        /* mask.tif == NULL when the file has no internal mask */
    uint8_t *mrow;              /* scratch: validity of one window */
} tiff_reader;

static int ifd_init(tiled_ifd *d, TIFF *tif, int width, int cache_rows) {
    uint32_t tw = 0, th = 0;
    uint16_t spp = 1, bits = 1, planar = PLANARCONFIG_CONTIG;
    if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw) || !TIFFGetField(tif, TIFFTAG_TILELENGTH, &th)) return -1;
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    if (planar != PLANARCONFIG_CONTIG && spp > 1) return -1;
    d->tif = tif, d->dir = TIFFCurrentDirectory(tif), d->tw = (int)tw, d->th = (int)th, d->spp = spp, d->bits = bits;
    d->ntx = (width + d->tw - 1) / d->tw;
    d->tile_bytes = TIFFTileSize(tif);
    d->nslots = cache_rows * d->ntx + 2;
    d->slots = xmalloc(sizeof *d->slots * (size_t)d->nslots);
    for (int i = 0; i < d->nslots; i++) d->slots[i] = (tile_slot){-1, 0, NULL};
    d->clock = d->decodes = 0;
    return 0;
}

static void ifd_free(tiled_ifd *d) {
    if (!d->slots) return;
    for (int i = 0; i < d->nslots; i++) free(d->slots[i].data);
    free(d->slots);
    d->slots = NULL;
}

/* The decoded tile (tx, ty), from the cache or decoded now. */
static const uint8_t *ifd_tile(tiled_ifd *d, int tx, int ty) {
    int64_t key = (int64_t)ty * d->ntx + tx;
    int victim = 0;
    for (int i = 0; i < d->nslots; i++) {
        if (d->slots[i].key == key) {
            d->slots[i].used = ++d->clock;
            return d->slots[i].data;
        }
        if (d->slots[i].key < 0 || d->slots[i].used < d->slots[victim].used) victim = i;
    }
    tile_slot *s = &d->slots[victim];
    if (!s->data) s->data = xmalloc((size_t)d->tile_bytes);
    if (TIFFCurrentDirectory(d->tif) != d->dir && !TIFFSetDirectory(d->tif, d->dir)) return NULL;
    if (TIFFReadEncodedTile(d->tif, (uint32_t)key, s->data, d->tile_bytes) < 0) return NULL;
    s->key = key, s->used = ++d->clock;
    d->decodes++;
    return s->data;
}

static int reader_open(tiff_reader *r, const char *path, int with_mask) {
    memset(r, 0, sizeof *r);
    TIFFSetWarningHandler(NULL);
    if (!(r->tif = TIFFOpen(path, "r"))) return -1;
    uint32_t w = 0, h = 0;
    TIFFGetField(r->tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(r->tif, TIFFTAG_IMAGELENGTH, &h);
    r->width = (int)w, r->height = (int)h;
    if (ifd_init(&r->rgb, r->tif, r->width, 2) || r->rgb.bits != 8) return -1;
    if (!with_mask) return 0;
    /* GDAL's internal mask: a later IFD of the same size, SUBFILETYPE mask, 1 bit. */
    for (tdir_t k = 1; TIFFSetDirectory(r->tif, k); k++) {
        uint32_t sft = 0, mw = 0, mh = 0;
        TIFFGetField(r->tif, TIFFTAG_SUBFILETYPE, &sft);
        TIFFGetField(r->tif, TIFFTAG_IMAGEWIDTH, &mw);
        TIFFGetField(r->tif, TIFFTAG_IMAGELENGTH, &mh);
        if ((sft & FILETYPE_MASK) && mw == w && mh == h) {
            if (ifd_init(&r->mask, r->tif, r->width, 2) || r->mask.bits != 1) return -1;
            break;
        }
    }
    TIFFSetDirectory(r->tif, 0);
    if (!r->mask.slots) return -1;
    r->mrow = xmalloc((size_t)WIN * WIN);
    return 0;
}

static void reader_close(tiff_reader *r) {
    ifd_free(&r->rgb);
    ifd_free(&r->mask);
    free(r->mrow);
    if (r->tif) TIFFClose(r->tif);
    memset(r, 0, sizeof *r);
}

/* Window (x, y, w, h), inside the image, as (h, w, 3) interleaved pixels, invalid pixels 0 when the
 * reader has the mask. Returns 0, or -1 when libtiff fails. */
static int reader_window(tiff_reader *r, int x, int y, int w, int h, uint8_t *pix) {
    tiled_ifd *d = &r->rgb;
    int spp = d->spp;   /* 3 (RGB) */
    for (int ty = y / d->th; ty <= (y + h - 1) / d->th; ty++)
        for (int tx = x / d->tw; tx <= (x + w - 1) / d->tw; tx++) {
            const uint8_t *t = ifd_tile(d, tx, ty);
            if (!t) return -1;
            int x0 = tx * d->tw > x ? tx * d->tw : x, x1 = (tx + 1) * d->tw < x + w ? (tx + 1) * d->tw : x + w;
            int y0 = ty * d->th > y ? ty * d->th : y, y1 = (ty + 1) * d->th < y + h ? (ty + 1) * d->th : y + h;
            for (int j = y0; j < y1; j++)
                memcpy(pix + ((size_t)(j - y) * w + (x0 - x)) * 3,
                       t + ((size_t)(j - ty * d->th) * d->tw + (x0 - tx * d->tw)) * spp, (size_t)(x1 - x0) * 3);
        }
    if (!r->mask.slots) return 0;
    tiled_ifd *m = &r->mask;
    int mline = (m->tw + 7) / 8;   /* bytes per row of a 1-bit tile, MSB first */
    for (int ty = y / m->th; ty <= (y + h - 1) / m->th; ty++)
        for (int tx = x / m->tw; tx <= (x + w - 1) / m->tw; tx++) {
            const uint8_t *t = ifd_tile(m, tx, ty);
            if (!t) return -1;
            int x0 = tx * m->tw > x ? tx * m->tw : x, x1 = (tx + 1) * m->tw < x + w ? (tx + 1) * m->tw : x + w;
            int y0 = ty * m->th > y ? ty * m->th : y, y1 = (ty + 1) * m->th < y + h ? (ty + 1) * m->th : y + h;
            for (int j = y0; j < y1; j++) {
                const uint8_t *row = t + (size_t)(j - ty * m->th) * mline;
                uint8_t *v = r->mrow + (size_t)(j - y) * w;
                for (int i = x0; i < x1; i++) {
                    int c = i - tx * m->tw;
                    v[i - x] = (row[c >> 3] >> (7 - (c & 7))) & 1;
                }
            }
        }
    for (size_t k = 0; k < (size_t)w * h; k++)
        if (!r->mrow[k]) pix[3 * k] = pix[3 * k + 1] = pix[3 * k + 2] = 0;
    return 0;
}

/* ---- the windows and the timed passes ---- */

typedef struct {
    int n, nx, ny;
    int *x, *y;   /* row-major */
} windows;

static windows make_windows(int width, int height) {
    int ovl = (int)(0.2 * WIN + 0.5);   /* round(overlap * side) as the planner */
    int *ox = xmalloc(sizeof *ox * (size_t)(width / 100 + 4)), *oy = xmalloc(sizeof *oy * (size_t)(height / 100 + 4));
    windows wl;
    wl.nx = origins(width, WIN, ovl, ox), wl.ny = origins(height, WIN, ovl, oy);
    wl.n = wl.nx * wl.ny;
    wl.x = xmalloc(sizeof *wl.x * (size_t)wl.n), wl.y = xmalloc(sizeof *wl.y * (size_t)wl.n);
    for (int j = 0; j < wl.ny; j++)
        for (int i = 0; i < wl.nx; i++) wl.x[j * wl.nx + i] = ox[i], wl.y[j * wl.nx + i] = oy[j];
    free(ox), free(oy);
    return wl;
}

/* One pass over all windows with `nt` threads, each a contiguous run of window rows and its own
 * handle (opened inside the timed pass, as a run's worker does once). mode 0: GDAL; 1: libtiff
 * RGB + mask (the same output); 2: libtiff RGB only; 3: GDAL with GDAL_NUM_THREADS=2 (what `swath
 * run` sets for one process on two cores: GTiff decodes the blocks of one request in parallel).
 * Returns seconds, or -1 on failure. */
static double pass(const char *path, const windows *wl, int nt, int mode, uint64_t *decodes) {
    int fail = 0;
    uint64_t dec = 0;
    if (mode == 3) setenv("GDAL_NUM_THREADS", "2", 1);   /* read by the GTiff driver at open */
    double t0 = now(), c0 = cpu_now();
#pragma omp parallel num_threads(nt) reduction(+ : dec) reduction(| : fail)
    {
        int t = omp_get_thread_num(), n = omp_get_num_threads();
        int r0 = (int)((int64_t)wl->ny * t / n), r1 = (int)((int64_t)wl->ny * (t + 1) / n);
        uint8_t *pix = xmalloc((size_t)WIN * WIN * 3);
        if (mode == 0 || mode == 3) {
            sw_raster *r = NULL;
            if (sw_raster_open(&r, path)) fail = 1;
            for (int k = r0 * wl->nx; !fail && k < r1 * wl->nx; k++)
                if (sw_raster_read_u8(r, wl->x[k], wl->y[k], WIN, WIN, pix, NULL)) fail = 1;
            if (r) sw_raster_close(r);
        } else {
            tiff_reader tr;
            if (reader_open(&tr, path, mode == 1)) fail = 1;
            for (int k = r0 * wl->nx; !fail && k < r1 * wl->nx; k++)
                if (reader_window(&tr, wl->x[k], wl->y[k], WIN, WIN, pix)) fail = 1;
            dec += tr.rgb.decodes + tr.mask.decodes;
            reader_close(&tr);
        }
        free(pix);
    }
    double s = now() - t0;
    last_cpu = cpu_now() - c0;
    if (mode == 3) unsetenv("GDAL_NUM_THREADS");
    if (decodes) *decodes = dec;
    return fail ? -1 : s;
}

/* libtiff's window equals sw_raster_read_u8's byte for byte on a few windows (corners, middle,
 * one that straddles four tiles). Returns the number of differing windows. */
static int verify(const char *path, const windows *wl) {
    sw_raster *g;
    tiff_reader tr;
    if (sw_raster_open(&g, path) || reader_open(&tr, path, 1)) {
        fprintf(stderr, "bench_read: cannot open %s for the check\n", path);
        return 1;
    }
    int pick[] = {0, wl->nx - 1, wl->n / 2, wl->nx + 1, wl->n - wl->nx, wl->n - 1};
    uint8_t *a = xmalloc((size_t)WIN * WIN * 3), *b = xmalloc((size_t)WIN * WIN * 3);
    int bad = 0;
    for (size_t p = 0; p < sizeof pick / sizeof pick[0]; p++) {
        int k = pick[p] < 0 ? 0 : pick[p] >= wl->n ? wl->n - 1 : pick[p];
        memset(a, 0x5a, (size_t)WIN * WIN * 3), memset(b, 0xa5, (size_t)WIN * WIN * 3);
        if (sw_raster_read_u8(g, wl->x[k], wl->y[k], WIN, WIN, a, NULL) || reader_window(&tr, wl->x[k], wl->y[k], WIN, WIN, b)) {
            fprintf(stderr, "bench_read: reading window %d failed\n", k);
            bad++;
            continue;
        }
        size_t diff = 0, first = 0;
        for (size_t i = 0; i < (size_t)WIN * WIN * 3; i++)
            if (a[i] != b[i] && !diff++) first = i;
        printf("check window (%d,%d): %s", wl->x[k], wl->y[k], diff ? "DIFFERS" : "identical");
        if (diff) printf(" (%zu bytes, first at %zu: gdal %d libtiff %d)", diff, first, a[first], b[first]);
        printf("\n");
        bad += diff != 0;
    }
    free(a), free(b);
    sw_raster_close(g);
    reader_close(&tr);
    return bad;
}

int main(int argc, char **argv) {
    char path[4096];
    if (argc > 1) {
        snprintf(path, sizeof path, "%s", argv[1]);
    } else {
        const char *swath = getenv("SWATH"), *dir = getenv("SWATH_TEST_DIR"), *size = getenv("BENCH_SIZE");
        if (!swath) {
            fprintf(stderr, "bench_read: give a mosaic, or set SWATH to synthesize one\n");
            return 77;
        }
        char out[3900], cmd[8800];
        snprintf(out, sizeof out, "%s/bench_read_mosaic_%s", dir ? dir : ".", size ? size : "4096");
        snprintf(path, sizeof path, "%s/mosaic.tif", out);
        struct stat stt;
        if (stat(path, &stt) != 0) {
            snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' synth defects --size %s --seed 7 --out '%s' > /dev/null", out, swath,
                     size ? size : "4096", out);
            printf("bench_read: %s\n", cmd);
            if (system(cmd) != 0) {
                fprintf(stderr, "bench_read: synthesizing the mosaic failed\n");
                return 1;
            }
        }
    }
    const char *reps_env = getenv("BENCH_REPS");
    int reps = reps_env && atoi(reps_env) > 0 ? atoi(reps_env) : 5;
    if (reps > 64) reps = 64;

    sw_raster *r;
    if (sw_raster_open(&r, path)) {
        fprintf(stderr, "bench_read: cannot open %s\n", path);
        return 1;
    }
    sw_raster_info in = *sw_raster_get_info(r);
    sw_raster_close(r);
    if (!in.tiled || in.nbands < 3 || strcmp(in.dtype, "Byte") != 0) {
        fprintf(stderr, "bench_read: %s is not a tiled Byte RGB file\n", path);
        return 77;
    }
    windows wl = make_windows(in.width, in.height);
    double mpx = (double)wl.n * WIN * WIN / 1e6;   /* window pixels, overlaps counted */
    double load[3] = {0};
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
        fclose(la);
    }
    printf("bench_read: %s: %d x %d, tiles %d x %d, %d windows %dx%d overlap 1/5 (%d x %d), %.1f Mpx of windows, "
           "%d reps, load average %.2f %.2f %.2f, GDAL %s, %s\n",
           path, in.width, in.height, in.block_w, in.block_h, wl.n, WIN, WIN, wl.nx, wl.ny, mpx, reps, load[0], load[1],
           load[2], sw_raster_gdal_version(), TIFFGetVersion());

    if (verify(path, &wl)) {
        fprintf(stderr, "bench_read: FAIL: libtiff windows differ from sw_raster_read_u8\n");
        return 1;
    }
    const char *names[] = {"GDAL sw_raster_read_u8 (RGB + mask)", "libtiff tiles (RGB + mask, same output)",
                           "libtiff tiles (RGB only)", "GDAL, one handle, GDAL_NUM_THREADS=2 (as swath run -n 1)"};
    double med[4][3] = {{0}}, cpu[4][3] = {{0}};
    uint64_t dec[4] = {0};
    int tiles = ((in.width + in.block_w - 1) / in.block_w) * ((in.height + in.block_h - 1) / in.block_h);
    for (int nt = 1; nt <= 2; nt++) {
        double t[4][64], c[4][64];
        int nm = nt == 1 ? 4 : 3;   /* GDAL_NUM_THREADS only with one reading thread */
        pass(path, &wl, nt, 0, NULL);   /* warm the page cache */
        for (int k = 0; k < reps; k++)
            for (int m = 0; m < nm; m++) {   /* interleaved, so load changes hit all three alike */
                t[m][k] = pass(path, &wl, nt, m, &dec[m]);
                c[m][k] = last_cpu;
                if (t[m][k] < 0) {
                    fprintf(stderr, "bench_read: FAIL: %s pass failed\n", names[m]);
                    return 1;
                }
            }
        for (int m = 0; m < nm; m++) med[m][nt] = median(t[m], reps), cpu[m][nt] = median(c[m], reps);
        printf("threads %d: libtiff decoded %llu tiles (RGB+mask) / %llu (RGB) for %d tiles per IFD\n", nt,
               (unsigned long long)dec[1], (unsigned long long)dec[2], tiles);
    }
    printf("\n| reader | 1 thread: wall, Mpx/s (CPU s) | 2 threads: wall, Mpx/s (CPU s) |\n| --- | --- | --- |\n");
    for (int m = 0; m < 3; m++)
        printf("| %s | %.3f s, %.1f Mpx/s (%.3f) | %.3f s, %.1f Mpx/s (%.3f) |\n", names[m], med[m][1], mpx / med[m][1],
               cpu[m][1], med[m][2], mpx / med[m][2], cpu[m][2]);
    printf("| %s | %.3f s, %.1f Mpx/s (%.3f) | - |\n", names[3], med[3][1], mpx / med[3][1], cpu[3][1]);
    printf("| ratio GDAL / libtiff (same output): wall (CPU) | %.2fx (%.2fx) | %.2fx (%.2fx) |\n", med[0][1] / med[1][1],
           cpu[0][1] / cpu[1][1], med[0][2] / med[1][2], cpu[0][2] / cpu[1][2]);
    printf("(medians of %d; Mpx/s = window pixels incl. overlap / s; load average at start %.2f)\n", reps, load[0]);
    free(wl.x), free(wl.y);
    return 0;
}
