/* Fixtures and a driver for the run-outputs tests (tests/cli/outputs_*.sh):
 *   test_outputs_tool mask OUT.tif CRS GSD X0 Y0   the 512x512 "shapes" class mask described below
 *   test_outputs_tool conf OUT.tif MASK.tif        confidence (x + y) % 256 on the mask's grid
 *   test_outputs_tool mosaic OUT.tif MASK.tif V    RGB mosaic of constant value V on the mask's grid
 *   test_outputs_tool modify IN.tif OUT.tif N FROM TO   IN with its first N pixels of class FROM
 *                                                  (raster order) set to TO; prints how many changed
 *   test_outputs_tool write --mask M --out DIR [--conf C] [--mosaic X] [--cluster-px N|off]
 *                     [--connectivity 4|8] [--formats gpkg,shp,geojson] [--tile N] [--quicklook N]
 *                                                  sw_outputs_write with a sample runtime report and a
 *                                                  grid of N x N tiles named rRcC
 * The shapes mask (all coordinates in pixels; 0 background, 255 for x < 8):
 *   class 1: 100x80 rectangle at (20,20) with a 20x20 hole at (50,40); class 2: 6x6 at (57,47)
 *            inside that hole; class 2 also 40x30 at (20,120)
 *   class 3: an L (60x10 at (150,20) + 10x50 at (150,30))
 *   class 4: two 10x10 squares touching at a corner, (200,200) and (210,210)
 *   class 5: a 60x60 square at (20,200) with a 20x20 hole at (40,220)
 *   class 6: 30x20 at (100,300); class 7: a 1x200 line at x = 250, y 20..219;
 *   class 8: 12x7 at (150,300) and 5x5 at (180,300)
 *   class 9: 94 pixels every 3 px along row 400, x = 20..299
 *   class 10: 1000 single pixels in 4 clumps of 25 x 10 on a 2-px lattice at (300,20), (300,100),
 *             (420,20), (420,100) */
#include "io/raster.h"
#include "src/run/outputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S = 512 };

static void rect(uint8_t *m, int x, int y, int w, int h, int v) {
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++) m[j * S + i] = (uint8_t)v;
}

static int write_raster(const char *path, int w, int h, int nb, const double *gt, const char *wkt, int nodata,
                        const uint8_t *data) {
    sw_raster_spec sp = {.width = w, .height = h, .nbands = nb, .wkt = wkt, .tile = 256, .rgb = nb == 3};
    memcpy(sp.gt, gt, sizeof sp.gt);
    if (nodata >= 0) sp.has_nodata = 1, sp.nodata = nodata;
    sw_raster_writer *wr;
    sw_status st = sw_raster_create(&wr, path, &sp);
    if (!st) st = sw_raster_write(wr, 0, 0, w, h, data, NULL);
    if (!st) st = sw_raster_commit(wr, NULL);
    else sw_raster_abort(wr);
    if (st) fprintf(stderr, "test_outputs_tool: %s\n", sw_errmsg());
    return st;
}

static int make_mask(const char *path, const char *crs, double gsd, double x0, double y0) {
    uint8_t *m = calloc(S * S, 1);
    if (!m) return 1;
    rect(m, 0, 0, 8, S, 255);
    rect(m, 20, 20, 100, 80, 1), rect(m, 50, 40, 20, 20, 0), rect(m, 57, 47, 6, 6, 2), rect(m, 20, 120, 40, 30, 2);
    rect(m, 150, 20, 60, 10, 3), rect(m, 150, 30, 10, 50, 3);
    rect(m, 200, 200, 10, 10, 4), rect(m, 210, 210, 10, 10, 4);
    rect(m, 20, 200, 60, 60, 5), rect(m, 40, 220, 20, 20, 0);
    rect(m, 100, 300, 30, 20, 6), rect(m, 250, 20, 1, 200, 7);
    rect(m, 150, 300, 12, 7, 8), rect(m, 180, 300, 5, 5, 8);
    for (int x = 20; x < 300; x += 3) m[400 * S + x] = 9;
    static const int clump[4][2] = {{300, 20}, {300, 100}, {420, 20}, {420, 100}};
    for (int c = 0; c < 4; c++)
        for (int j = 0; j < 10; j++)
            for (int i = 0; i < 25; i++) m[(clump[c][1] + 2 * j) * S + clump[c][0] + 2 * i] = 10;
    double gt[6] = {x0, gsd, 0, y0, 0, -gsd};
    int st = write_raster(path, S, S, 1, gt, crs, 255, m);
    free(m);
    return st;
}

/* Reads band 1 of a Byte raster whole (small fixtures only). */
static uint8_t *read_all(const char *path, sw_raster **r) {
    if (sw_raster_open(r, path)) return NULL;
    const sw_raster_info *in = sw_raster_get_info(*r);
    int band = 1;
    uint8_t *buf = malloc((size_t)in->width * in->height);
    if (!buf || sw_raster_select_bands(*r, &band, 1) ||
        sw_raster_read_u8(*r, 0, 0, in->width, in->height, buf, NULL)) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int derived(int argc, char **argv) {
    sw_raster *r = NULL;
    const char *src = !strcmp(argv[1], "modify") ? argv[2] : argv[3];
    uint8_t *m = read_all(src, &r);
    if (!m) {
        fprintf(stderr, "test_outputs_tool: %s\n", sw_errmsg());
        sw_raster_close(r);
        return 1;
    }
    const sw_raster_info *in = sw_raster_get_info(r);
    int w = in->width, h = in->height, st = 0;
    size_t n = (size_t)w * h;
    if (!strcmp(argv[1], "conf")) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) m[(size_t)y * w + x] = (uint8_t)((x + y) % 256);
        st = write_raster(argv[2], w, h, 1, in->gt, in->wkt, -1, m);
    } else if (!strcmp(argv[1], "mosaic")) {
        uint8_t *rgb = malloc(3 * n);
        if (!rgb) st = 1;
        else {
            memset(rgb, atoi(argv[4]), 3 * n);
            st = write_raster(argv[2], w, h, 3, in->gt, in->wkt, -1, rgb);
            free(rgb);
        }
    } else if (argc == 7) {   /* modify: read_u8 gives nodata pixels as 0 with valid 0: re-read with valid */
        uint8_t *valid = malloc(n);
        int band = 1;
        if (!valid || sw_raster_select_bands(r, &band, 1) || sw_raster_read_u8(r, 0, 0, w, h, m, valid)) st = 1;
        long want = atol(argv[4]), done = 0;
        int from = atoi(argv[5]), to = atoi(argv[6]);
        for (size_t i = 0; !st && i < n; i++) {
            if (!valid[i]) m[i] = 255;
            else if (m[i] == from && done < want) m[i] = (uint8_t)to, done++;
        }
        if (!st) st = write_raster(argv[3], w, h, 1, in->gt, in->wkt, 255, m);
        if (!st) printf("%ld\n", done);
        free(valid);
    } else st = 2;
    free(m);
    sw_raster_close(r);
    return st;
}

static int write_outputs(int argc, char **argv) {
    sw_outputs_spec s;
    sw_outputs_spec_init(&s);
    int tile = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--mask")) s.mask_path = v;
        else if (!strcmp(k, "--out")) s.out_dir = v;
        else if (!strcmp(k, "--conf")) s.conf_path = v;
        else if (!strcmp(k, "--mosaic")) s.mosaic_path = v;
        else if (!strcmp(k, "--cluster-px")) s.cluster_px = !strcmp(v, "off") ? SW_CLUSTER_OFF : atoi(v);
        else if (!strcmp(k, "--connectivity")) s.connectivity = atoi(v);
        else if (!strcmp(k, "--tile")) tile = atoi(v);
        else if (!strcmp(k, "--quicklook")) s.quicklook_max = atoi(v);
        else if (!strcmp(k, "--formats")) {
            s.formats = SW_OUT_GPKG | (strstr(v, "shp") ? SW_OUT_SHP : 0) | (strstr(v, "geojson") ? SW_OUT_GEOJSON : 0);
        } else {
            fprintf(stderr, "test_outputs_tool write: unknown option %s\n", k);
            return 2;
        }
    }
    /* The tile grid needs the mask size: the runtime knows it; here the mask is opened. */
    sw_tile_rect *tiles = NULL;
    char (*ids)[32] = NULL;
    int64_t nt = 0;
    if (tile > 0 && s.mask_path) {
        sw_raster *r;
        if (sw_raster_open(&r, s.mask_path)) {
            fprintf(stderr, "swath: error: %s\n", sw_errmsg());
            return 3;
        }
        int W = sw_raster_get_info(r)->width, H = sw_raster_get_info(r)->height;
        sw_raster_close(r);
        int nx = (W + tile - 1) / tile, ny = (H + tile - 1) / tile;
        tiles = calloc((size_t)nx * ny, sizeof *tiles);
        ids = calloc((size_t)nx * ny, sizeof *ids);
        for (int ty = 0; ty < ny; ty++)
            for (int tx = 0; tx < nx; tx++, nt++) {
                snprintf(ids[nt], sizeof ids[nt], "r%dc%d", ty, tx);
                tiles[nt] = (sw_tile_rect){ids[nt], (int64_t)tx * tile, (int64_t)ty * tile,
                                           tx == nx - 1 ? W - tx * tile : tile, ty == ny - 1 ? H - ty * tile : tile};
            }
    }
    s.tiles = tiles, s.ntiles = nt;
    static const sw_report_kv cfg[] = {{"model", "unet-r18"}, {"tile_size", "1024"}, {"note", "quote \" and \\ back"}};
    static const sw_report_tile_note notes[] = {{"r0c1", "failed", "CUDA out of memory\nafter 3 attempts"},
                                                {"r1c0", "skipped", "all nodata"}};
    static const sw_report_timing tm[] = {{"infer", 12.5}, {"blend", 1.25}};
    sw_report rep;
    memset(&rep, 0, sizeof rep);
    rep.input = s.mosaic_path, rep.run_id = "test-run", rep.model = "unet-r18";
    rep.config = cfg, rep.nconfig = 3;
    rep.tiles_total = 4, rep.tiles_done = 2, rep.tiles_failed = 1, rep.tiles_skipped = 1;
    rep.notes = notes, rep.nnotes = 2, rep.timings = tm, rep.ntimings = 2;
    rep.pixels = 262144, rep.seconds = 2.0, rep.ranks = 2;
    s.report = &rep;
    sw_status st = sw_outputs_write(&s);
    free(tiles);
    free(ids);
    if (st) fprintf(stderr, "swath: error: %s\n", sw_errmsg());
    return st;
}

int main(int argc, char **argv) {
    if (argc == 7 && !strcmp(argv[1], "mask")) return make_mask(argv[2], argv[3], atof(argv[4]), atof(argv[5]), atof(argv[6]));
    if ((argc == 4 && !strcmp(argv[1], "conf")) || (argc == 5 && !strcmp(argv[1], "mosaic")) ||
        (argc == 7 && !strcmp(argv[1], "modify")))
        return derived(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "write")) return write_outputs(argc, argv);
    fprintf(stderr, "usage: see the comment at the top of tests/unit/test_outputs_tool.c\n");
    return 2;
}
