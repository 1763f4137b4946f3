/* Tests io/vector: polygons with attributes through OGR, written aside then renamed into place.
 *   test_vector               error paths, abort, atomic appearance, stale sidecars (in $SWATH_TEST_DIR)
 *   test_vector --write DIR   writes the data sets that tests/cli/vector_formats.sh checks with ogrinfo,
 *                             with the known counts and sums in DIR/expected.txt
 *   test_vector --large PATH N   writes N features (tests/cli/vector_large.sh), prints the time */
#include "io/vector.h"
#include "src/core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/check.h"

static const char *const WKT_UTM33 =
    "PROJCS[\"WGS 84 / UTM zone 33N\",GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,"
    "298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,"
    "AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],"
    "AUTHORITY[\"EPSG\",\"4326\"]],PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"latitude_of_origin\",0],"
    "PARAMETER[\"central_meridian\",15],PARAMETER[\"scale_factor\",0.9996],PARAMETER[\"false_easting\",500000],"
    "PARAMETER[\"false_northing\",0],UNIT[\"metre\",1,AUTHORITY[\"EPSG\",\"9001\"]],AXIS[\"Easting\",EAST],"
    "AXIS[\"Northing\",NORTH],AUTHORITY[\"EPSG\",\"32633\"]]";
/* Latitude first by the authority: the writer must still take x = longitude. */
static const char *const WKT_4326 =
    "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],"
    "AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\","
    "0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],"
    "AUTHORITY[\"EPSG\",\"4326\"]]";

static const sw_field_def FIELDS[] = {{"id", SW_FIELD_INT}, {"score", SW_FIELD_REAL}, {"label", SW_FIELD_STR}};
enum { NFIELDS = 3 };
static const int64_t ID0 = 5000000000LL;   /* beyond 32 bits, so readers must see Integer64 */

typedef struct {
    double x0, y0, cell, unit;   /* grid origin, cell size, metres -> CRS units */
    double area, score_sum;      /* running totals of what was written */
    int64_t id_sum;
} grid;

/* Feature i: a w x h rectangle in grid cell i; every 3rd has a hole, every 5th a second part.
 * Even features pass closed rings, odd ones open rings (the writer closes them). */
static sw_status add_feature(sw_vector_writer *w, grid *g, int i) {
    double u = g->unit, x = g->x0 + (i % 50) * g->cell + 10 * u, y = g->y0 + (i / 50) * g->cell + 10 * u;
    double wd = (100 + (i % 7) * 50) * u, ht = (200 + (i % 5) * 30) * u, hw = wd / 4, hh = ht / 4;
    double outer[10] = {x, y, x + wd, y, x + wd, y + ht, x, y + ht, x, y};
    double hole[10] = {x + 20 * u, y + 20 * u, x + 20 * u, y + 20 * u + hh, x + 20 * u + hw, y + 20 * u + hh,
                       x + 20 * u + hw, y + 20 * u, x + 20 * u, y + 20 * u};
    double px = x + 600 * u, py = y + 600 * u, s = 50 * u;
    double part2[10] = {px, py, px + s, py, px + s, py + s, px, py + s, px, py};
    int npts = i % 2 ? 4 : 5;
    sw_ring rings1[2] = {{outer, npts}, {hole, npts}}, ring2 = {part2, npts};
    sw_polygon parts[2] = {{rings1, i % 3 == 0 ? 2 : 1}, {&ring2, 1}};
    int nparts = i % 5 == 0 ? 2 : 1;

    char label[200];
    if (i == 7) snprintf(label, sizeof label, "caf\xc3\xa9 \"quoted\", 7");
    else if (i == 11) {
        memset(label, 'x', 150);   /* longer than a Shapefile's default 80-character field */
        label[150] = '\0';
    } else snprintf(label, sizeof label, "tile-%d", i);
    sw_field_value v[NFIELDS] = {{.i = ID0 + i}, {.r = i * 0.25 + 0.125}, {.s = label}};

    g->area += wd * ht - (i % 3 == 0 ? hw * hh : 0) + (nparts == 2 ? s * s : 0);
    g->id_sum += ID0 + i;
    g->score_sum += v[1].r;
    return sw_vector_add(w, parts, nparts, v);
}

static sw_status write_set(const char *path, const char *format, const char *wkt, grid *g, int n) {
    sw_vector_writer *w;
    sw_status st = sw_vector_create(&w, path, format, "polygons", wkt, FIELDS, NFIELDS);
    if (st) return st;
    for (int i = 0; i < n && !st; i++) st = add_feature(w, g, i);
    if (st) {
        sw_vector_abort(w);
        return st;
    }
    return sw_vector_commit(w);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static const grid UTM = {500000, 4600000, 1000, 1, 0, 0, 0};
static const grid GEO = {15.0, 45.0, 0.01, 1e-5, 0, 0, 0};

/* --write DIR: 500 features in each format; 4326 in each format too. */
static int mode_write(const char *dir) {
    static const struct {
        const char *name, *format, *layer, *geom;
        int geo;
    } sets[] = {
        {"utm.gpkg", NULL, "polygons", "Multi_Polygon", 0},
        {"utm.shp", NULL, "utm", "Polygon", 0},
        {"utm.geojson", NULL, "polygons", "Multi_Polygon", 0},
        {"geo.gpkg", NULL, "polygons", "Multi_Polygon", 1},
        {"geo.shp", NULL, "geo", "Polygon", 1},
        {"geo.json", NULL, "polygons", "Multi_Polygon", 1},
        {"named.data", "GPKG", "polygons", "Multi_Polygon", 0},   /* driver by name, odd extension */
    };
    const int n = 500;
    char path[4096];
    snprintf(path, sizeof path, "%s/expected.txt", dir);
    FILE *ex = fopen(path, "w");
    if (!ex) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    for (size_t k = 0; k < sizeof sets / sizeof *sets; k++) {
        grid g = sets[k].geo ? GEO : UTM;
        snprintf(path, sizeof path, "%s/%s", dir, sets[k].name);
        /* Written twice: the second write (n features) must replace the first (n / 2). */
        grid first = g;
        sw_status st = write_set(path, sets[k].format, sets[k].geo ? WKT_4326 : WKT_UTM33, &first, n / 2);
        if (!st) st = write_set(path, sets[k].format, sets[k].geo ? WKT_4326 : WKT_UTM33, &g, n);
        if (st) {
            fprintf(stderr, "FAIL writing %s: %s\n", path, sw_errmsg());
            fclose(ex);
            return 1;
        }
        /* file layer geometry-type epsg count area id-sum score-sum xmin ymin */
        fprintf(ex, "%s %s %s %d %d %.17g %lld %.17g %.17g %.17g\n", sets[k].name, sets[k].layer, sets[k].geom,
                sets[k].geo ? 4326 : 32633, n, g.area, (long long)g.id_sum, g.score_sum, g.x0 + 10 * g.unit,
                g.y0 + 10 * g.unit);
    }
    fclose(ex);
    return 0;
}

/* --large PATH N: N features, timed. */
static int mode_large(const char *path, int n) {
    grid g = UTM;
    g.cell = 1000.0 / 64;   /* small cells, so 100000 features stay within a few km */
    g.unit = 1.0 / 64;
    double t0 = now_s();
    sw_status st = write_set(path, NULL, WKT_UTM33, &g, n);
    double t = now_s() - t0;
    if (st) {
        fprintf(stderr, "FAIL writing %s: %s\n", path, sw_errmsg());
        return 1;
    }
    printf("wrote %d features to %s in %.3f s (%.0f features/s)\n", n, path, t, n / t);
    printf("expected %d %.17g\n", n, g.area);
    return 0;
}

/* ---- unit checks ---- */

static int file_is_empty(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && st.st_size == 0;
}

static void check_errors(const char *dir) {
    char path[1200], file[1100], part[1300];
    sw_vector_writer *w = (sw_vector_writer *)1;
    grid g = UTM;

    snprintf(path, sizeof path, "%s/x.csvz", dir);
    CHECK(sw_vector_create(&w, path, NULL, "l", WKT_UTM33, FIELDS, NFIELDS) == SW_ERR_USAGE, "%s", sw_errmsg());
    CHECK(w == NULL, "writer not NULL after a failure");
    CHECK(strstr(sw_errmsg(), path) != NULL, "message names the file: %s", sw_errmsg());
    CHECK(sw_vector_create(&w, path, "NoSuchDriver", "l", WKT_UTM33, FIELDS, NFIELDS) == SW_ERR_USAGE, "%s",
          sw_errmsg());
    CHECK(strstr(sw_errmsg(), "NoSuchDriver") != NULL, "message names the driver: %s", sw_errmsg());
    CHECK(!sw_path_exists(path), "nothing left");

    /* A folder that cannot be made: its parent is a regular file. */
    snprintf(file, sizeof file, "%s/regular_file", dir);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL, "cannot make %s", file);
    if (f) fclose(f);
    static const char *const exts[] = {"gpkg", "shp", "geojson"};
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/sub/out.%s", file, exts[k]);
        CHECK(sw_vector_create(&w, path, NULL, "l", WKT_UTM33, FIELDS, NFIELDS) == SW_ERR_OUTPUT, "%s: %s", path,
              sw_errmsg());
        CHECK(strstr(sw_errmsg(), file) != NULL, "message names the folder: %s", sw_errmsg());
    }

    /* Bad CRS, bad geometry. */
    snprintf(path, sizeof path, "%s/bad.gpkg", dir);
    CHECK(sw_vector_create(&w, path, NULL, "l", "NOT A WKT", FIELDS, NFIELDS) == SW_ERR_INPUT, "%s", sw_errmsg());
    CHECK(strstr(sw_errmsg(), "OSRImportFromWkt") != NULL, "message names the call: %s", sw_errmsg());
    snprintf(part, sizeof part, "%s.part", path);
    CHECK(!sw_path_exists(path) && !sw_path_exists(part), "nothing left");
    CHECK(sw_vector_create(&w, path, NULL, "l", WKT_UTM33, FIELDS, NFIELDS) == SW_OK, "%s", sw_errmsg());
    double xy[4] = {0, 0, 1, 1};
    sw_ring r2 = {xy, 2};
    sw_polygon p = {&r2, 1};
    sw_field_value v[NFIELDS] = {{.i = 1}, {.r = 1}, {.s = "a"}};
    CHECK(sw_vector_add(w, &p, 1, v) == SW_ERR_RUNTIME, "%s", sw_errmsg());
    CHECK(strstr(sw_errmsg(), "ring 0 has 2 points") && strstr(sw_errmsg(), path), "%s", sw_errmsg());
    CHECK(sw_vector_add(w, &p, 0, v) == SW_ERR_RUNTIME, "%s", sw_errmsg());
    CHECK(add_feature(w, &g, 1) == SW_OK, "%s", sw_errmsg());
    sw_vector_abort(w);
    CHECK(!sw_path_exists(path) && !sw_path_exists(part), "abort leaves nothing");
    sw_vector_abort(NULL);

    /* A missing folder is made; a NULL string is a null. */
    snprintf(path, sizeof path, "%s/made/on/demand/x.geojson", dir);
    CHECK(sw_vector_create(&w, path, NULL, NULL, NULL, FIELDS, NFIELDS) == SW_OK, "%s", sw_errmsg());
    sw_ring sq = {(double[]){0, 0, 1, 0, 1, 1, 0, 1}, 4};
    sw_polygon one = {&sq, 1};
    v[2].s = NULL;
    CHECK(sw_vector_add(w, &one, 1, v) == SW_OK, "%s", sw_errmsg());
    CHECK(sw_vector_commit(w) == SW_OK && sw_path_exists(path), "%s", sw_errmsg());
}

/* While writing, only PATH.part exists; after the commit, only PATH (and sidecars). */
static void check_atomic(const char *dir, const char *name, int shp) {
    char path[1100], part[1200], sidecar[1100];
    grid g = UTM;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(part, sizeof part, "%s.part", path);
    sw_vector_writer *w;
    if (shp) {   /* sidecars of an older file of that name: the stale .qix must go */
        snprintf(sidecar, sizeof sidecar, "%s/atomic.qix", dir);
        FILE *f = fopen(sidecar, "w");
        if (f) fclose(f);
    }
    CHECK(sw_vector_create(&w, path, NULL, "polygons", WKT_UTM33, FIELDS, NFIELDS) == SW_OK, "%s", sw_errmsg());
    if (failures) return;
    for (int i = 0; i < 25; i++) CHECK(add_feature(w, &g, i) == SW_OK, "%s", sw_errmsg());
    CHECK(!sw_path_exists(path), "%s exists before the commit", path);
    CHECK(sw_path_exists(part), "%s missing while writing", part);
    CHECK(sw_vector_commit(w) == SW_OK, "%s", sw_errmsg());
    CHECK(sw_path_exists(path), "%s missing after the commit", path);
    CHECK(!sw_path_exists(part), "%s left after the commit", part);
    if (shp) {
        static const char *const exts[] = {"shx", "dbf", "prj", "cpg"};
        for (int k = 0; k < 4; k++) {
            snprintf(sidecar, sizeof sidecar, "%s/atomic.%s", dir, exts[k]);
            CHECK(sw_path_exists(sidecar), "%s missing", sidecar);
        }
        snprintf(sidecar, sizeof sidecar, "%s/atomic.qix", dir);
        CHECK(!sw_path_exists(sidecar), "stale %s left", sidecar);
    }
    /* An abort over an existing file leaves the old one alone. */
    CHECK(sw_vector_create(&w, path, NULL, "polygons", WKT_UTM33, FIELDS, NFIELDS) == SW_OK, "%s", sw_errmsg());
    CHECK(add_feature(w, &g, 0) == SW_OK, "%s", sw_errmsg());
    sw_vector_abort(w);
    CHECK(sw_path_exists(path) && !sw_path_exists(part), "abort touched %s", path);
}

static int mode_unit(void) {
    const char *base = getenv("SWATH_TEST_DIR");
    char dir[1024], errfile[1100];
    snprintf(dir, sizeof dir, "%s/work/test_vector", base ? base : ".");
    char cmd[2300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make %s\n", dir);
        return 1;
    }
    /* The library must not print: GDAL's messages come back in ours. */
    snprintf(errfile, sizeof errfile, "%s/stderr.txt", dir);
    fflush(stderr);
    int saved = dup(2), fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    int before = failures;
    check_errors(dir);
    check_atomic(dir, "atomic.gpkg", 0);
    check_atomic(dir, "atomic.geojson", 0);
    check_atomic(dir, "atomic.shp", 1);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (failures != before) {   /* show what was captured */
        snprintf(cmd, sizeof cmd, "cat '%s' >&2", errfile);
        if (system(cmd) != 0) fprintf(stderr, "(cannot show %s)\n", errfile);
    } else {
        CHECK(file_is_empty(errfile), "the library printed to stderr (see %s)", errfile);
    }
    printf("%s: %d failures\n", failures ? "FAILED" : "OK", failures);
    return failures ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--write") == 0) return mode_write(argv[2]);
    if (argc == 4 && strcmp(argv[1], "--large") == 0) return mode_large(argv[2], atoi(argv[3]));
    if (argc != 1) {
        fprintf(stderr, "usage: test_vector [--write DIR | --large PATH N]\n");
        return 2;
    }
    return mode_unit();
}
