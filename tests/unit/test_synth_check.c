/* End-to-end check of `swath synth defects` on a 3072 x 3072 mosaic at the default density: reads
 * mosaic.tif (with its mask) and truth.tif back through io/raster.h and checks
 *   - mask 0 exactly where truth is 255 (nodata), the grids agree, tiles are 512, both georeferenced
 *   - inside the footprint: class 10 <=> the pixel is pure black or pure white in all three bands
 *   - every class 1..10 is present
 *   - truth.gpkg: per class, the polygons' area (ST_Area through ogr2ogr) = pixels x pixel area
 *     within 1 % (it should be exact), and the `pixels` fields sum to the truth.tif counts.
 * Usage: test_synth_check [DIR]  (with DIR: check an existing output instead of generating one) */
#include "io/raster.h"
#include "jobs/defect_classes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"

static sw_raster *open_or_die(const char *path) {
    sw_raster *r;
    if (sw_raster_open(&r, path) != SW_OK) {
        fprintf(stderr, "FAIL: %s\n", sw_errmsg());
        exit(1);
    }
    return r;
}

int main(int argc, char **argv) {
    char dir[2048], cmd[8192], path[4096];
    const char *swath = getenv("SWATH"), *tdir = getenv("SWATH_TEST_DIR");
    if (argc > 1) {
        snprintf(dir, sizeof dir, "%s", argv[1]);
    } else {
        if (!swath || !tdir) {
            fprintf(stderr, "test_synth_check: SWATH and SWATH_TEST_DIR must be set (or give a DIR)\n");
            return 1;
        }
        snprintf(dir, sizeof dir, "%s/synth_check", tdir);
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' -q synth defects --size 3072x3072 --seed 5 --out '%s' >/dev/null", dir, swath,
                 dir);
        int rc = system(cmd);
        if (rc != 0) {
            fprintf(stderr, "FAIL: '%s' exited with %d\n", cmd, rc);
            return 1;
        }
    }

    snprintf(path, sizeof path, "%s/mosaic.tif", dir);
    sw_raster *m = open_or_die(path);
    snprintf(path, sizeof path, "%s/truth.tif", dir);
    sw_raster *t = open_or_die(path);
    const sw_raster_info *mi = sw_raster_get_info(m), *ti = sw_raster_get_info(t);
    CHECK(mi->nbands == 3 && !strcmp(mi->dtype, "Byte") && mi->mask_kind == SW_MASK_BAND, "mosaic: %d bands of %s, mask %d",
          mi->nbands, mi->dtype, (int)mi->mask_kind);
    CHECK(mi->tiled && mi->block_w == 512, "mosaic is not tiled by 512 (%d x %d)", mi->block_w, mi->block_h);
    CHECK(ti->nbands == 1 && ti->has_nodata && ti->nodata == 255, "truth: %d bands, nodata %d / %g", ti->nbands,
          ti->has_nodata, ti->nodata);
    CHECK(mi->width == ti->width && mi->height == ti->height, "grids differ");
    CHECK(mi->has_gt && ti->has_gt && mi->wkt && ti->wkt, "not georeferenced");
    for (int i = 0; i < 6; i++) CHECK(mi->gt[i] == ti->gt[i], "geotransforms differ at %d", i);
    int W = mi->width, H = mi->height, rows = 512;
    uint8_t *pix = malloc((size_t)W * rows * 3), *mv = malloc((size_t)W * rows), *cls = malloc((size_t)W * rows),
            *tv = malloc((size_t)W * rows);
    int64_t count[256] = {0}, bad_mask = 0, bad_pure = 0, bad_cls = 0, pure_total = 0;
    for (int y = 0; y < H; y += rows) {
        int h = H - y < rows ? H - y : rows;
        if (sw_raster_read_u8(m, 0, y, W, h, pix, mv) || sw_raster_read_u8(t, 0, y, W, h, cls, tv)) {
            fprintf(stderr, "FAIL: reading rows %d..%d: %s\n", y, y + h, sw_errmsg());
            return 1;
        }
        for (size_t i = 0; i < (size_t)W * (size_t)h; i++) {
            if (!mv[i] != !tv[i]) bad_mask++;   /* mask 0 <=> truth 255 (its nodata) */
            if (!tv[i]) {
                count[255]++;
                continue;
            }
            const uint8_t *p = pix + i * 3;
            int pure = (!p[0] && !p[1] && !p[2]) || (p[0] == 255 && p[1] == 255 && p[2] == 255);
            pure_total += pure;
            if ((cls[i] == SW_CLS_PIXEL_MISSING) != pure) bad_pure++;
            if (cls[i] > 10) bad_cls++;
            count[cls[i]]++;
        }
    }
    CHECK(bad_mask == 0, "%lld pixels: mask and truth disagree on the footprint", (long long)bad_mask);
    CHECK(bad_pure == 0, "%lld pixels break 'class 10 <=> pure black or white' (%lld pure, %lld class 10)",
          (long long)bad_pure, (long long)pure_total, (long long)count[10]);
    CHECK(bad_cls == 0, "%lld pixels have a class above 10 inside the footprint", (long long)bad_cls);
    double inside = 0;
    for (int c = 0; c <= 10; c++) inside += (double)count[c];
    double frac = inside / ((double)W * H);
    CHECK(frac > 0.55 && frac < 0.92, "the footprint covers %.3f of the frame", frac);
    for (int c = 1; c <= 10; c++) CHECK(count[c] > 0, "class %d (%s) is missing from truth.tif", c, sw_class_name(c));
    double px_area = fabs(mi->gt[1] * mi->gt[5]);
    sw_raster_close(m);
    sw_raster_close(t);
    free(pix);
    free(mv);
    free(cls);
    free(tv);

    /* polygons against pixels */
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f CSV /vsistdout/ '%s/truth.gpkg' -dialect SQLite -sql "
             "\"SELECT class, SUM(ST_Area(geom)) AS area, SUM(pixels) AS pixels, COUNT(*) AS n FROM truth GROUP BY class\"",
             dir);
    FILE *f = popen(cmd, "r");
    if (!f) {
        fprintf(stderr, "SKIP: cannot run ogr2ogr\n");
        return 77;
    }
    char line[512];
    int seen[256] = {0}, nlines = 0;
    while (fgets(line, sizeof line, f)) {
        int c;
        double area;
        long long px, n;
        char *q = line;   /* drop the CSV driver's quotes */
        for (char *p = line; *p; p++)
            if (*p != '"') *q++ = *p;
        *q = '\0';
        if (sscanf(line, "%d,%lf,%lld,%lld", &c, &area, &px, &n) != 4 || c < 1 || c > 10) continue;
        nlines++;
        seen[c] = 1;
        double want = (double)count[c] * px_area;
        printf("class %2d %-24s %8lld polygons' pixels %10lld, truth.tif %10lld, area %.1f vs %.1f\n", c, sw_class_name(c),
               n, px, (long long)count[c], area, want);
        CHECK(fabs(area - want) <= 0.01 * want, "class %d: polygon area %.3f vs pixels x pixel area %.3f", c, area, want);
        CHECK(px == count[c], "class %d: the pixels fields sum to %lld, truth.tif has %lld", c, px, (long long)count[c]);
    }
    int rc = pclose(f);
    if (rc != 0 && nlines == 0) {
        fprintf(stderr, "SKIP: ogr2ogr with the SQLite dialect failed (exit %d)\n", rc);
        return 77;
    }
    for (int c = 1; c <= 10; c++) CHECK(seen[c], "class %d has no polygon in truth.gpkg", c);
    if (failures) {
        fprintf(stderr, "test_synth_check: %d failures\n", failures);
        return 1;
    }
    printf("test_synth_check: ok (%s)\n", dir);
    return 0;
}
