/* Tests io/chips (reader) and io/chips_write (writer):
 *   test_chips_io        round trip of a small file (every chip, mask, label vector, origin and
 *                        point read back equal), statistics and names, then the ways a file can be
 *                        wrong: truncated, a dataset missing, a dataset of another shape, counts
 *                        that disagree, another format; each error names the file (and dataset).
 *   test_chips_io --make PATH N_TRAIN N_VAL H W C K
 *                        writes a chips file of random chips (seeded), for other tests. */
#include "io/chips.h"
#include "io/chips_write.h"
#include "io/h5.h"

#include <hdf5.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/check.h"
#define HAS(s) (strstr(sw_errmsg(), (s)) != NULL)

static unsigned long long rng = 88172645463325252ull;
static unsigned next(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

/* Deterministic chip content for (split, i). */
static void fill(int s, long long i, int H, int W, int C, int K, uint8_t *img, uint8_t *mask, uint8_t *lab,
                 int32_t *org, int32_t *pts, long long *np) {
    for (long long p = 0; p < (long long)H * W * C; p++) img[p] = (uint8_t)(p * 7 + i * 13 + s * 101);
    memset(lab, 0, (size_t)K);
    for (long long p = 0; p < (long long)H * W; p++) {
        mask[p] = (uint8_t)((p / W + i + s) % (K + 1));
        if (mask[p] == K) mask[p] = 255;
        else lab[mask[p]] = 1;
    }
    org[0] = s, org[1] = (int32_t)(i * W), org[2] = (int32_t)(i * H + s);
    *np = (i + s) % 3;
    for (long long k = 0; k < *np; k++) pts[3 * k] = (int32_t)k, pts[3 * k + 1] = (int32_t)(k + i), pts[3 * k + 2] = (int32_t)(k % K);
}

static sw_status make(const char *path, long long n[2], int H, int W, int C, int K) {
    char names[8][SW_CHIPS_CLASS_NAME] = {"background", "crack", "stain", "c3", "c4", "c5", "c6", "c7"};
    int bands[SW_CHIPS_MAX_CH];   /* source bands C+1, C, ..., 2, and 0 (sources differ) for the last */
    for (int c = 0; c < C; c++) bands[c] = c == C - 1 && C > 1 ? 0 : C + 1 - c;
    sw_chips_header h = {C, K, H, W, H / 2, K <= 8 ? (const char(*)[SW_CHIPS_CLASS_NAME])names : NULL, "a.tif;b.tif",
                         bands};
    sw_chips_writer *w;
    sw_status st = sw_chips_writer_create(path, &h, &w);
    if (st) return st;
    uint8_t *img = malloc((size_t)H * W * C), *mask = malloc((size_t)H * W), lab[SW_CHIPS_MAX_CLASSES];
    int32_t org[3], pts[12];
    long long np;
    for (int s = 0; s < 2 && !st; s++)
        for (long long i = 0; i < n[s] && !st; i++) {
            fill(s, i, H, W, C, K, img, mask, lab, org, pts, &np);
            if (C > 3) for (long long p = 0; p < (long long)H * W * C; p++) img[p] = (uint8_t)next();
            st = sw_chips_writer_add(w, (sw_split)s, img, mask, lab, org, pts, np);
        }
    free(img);
    free(mask);
    if (st) {
        sw_chips_writer_abort(w);
        return st;
    }
    float mean[SW_CHIPS_MAX_CH], sd[SW_CHIPS_MAX_CH];
    long long hist[SW_CHIPS_MAX_CLASSES];
    for (int c = 0; c < C; c++) mean[c] = 100.0f + c, sd[c] = 20.0f + c;
    for (int k = 0; k < K; k++) hist[k] = 1000 + k;
    return sw_chips_writer_finish(w, mean, sd, hist);
}

static void copy_prefix(const char *from, const char *to, long bytes) {
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    for (long i = 0; i < bytes; i++) {
        int ch = fgetc(a);
        if (ch == EOF) break;
        fputc(ch, b);
    }
    fclose(a);
    fclose(b);
}

static long file_size(const char *p) {
    FILE *f = fopen(p, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void round_trip(const char *path) {
    const int H = 8, W = 6, C = 3, K = 3;
    long long n[2] = {5, 2};
    sw_status st = make(path, n, H, W, C, K);
    CHECK(st == SW_OK, "make: %s", sw_errmsg());
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    CHECK(access(tmp, F_OK) != 0, "temporary file left behind");
    sw_chips *c;
    st = sw_chips_open(path, &c);
    CHECK(st == SW_OK, "open: %s", sw_errmsg());
    if (st) return;
    const sw_chips_info *in = sw_chips_get_info(c);
    CHECK(in->channels == C && in->classes == K && in->tile_h == H && in->tile_w == W && in->stride == H / 2,
          "header %d %d %d %d %d", in->channels, in->classes, in->tile_h, in->tile_w, in->stride);
    CHECK(in->count[0] == 5 && in->count[1] == 2, "counts %lld %lld", in->count[0], in->count[1]);
    CHECK(strcmp(in->class_names[1], "crack") == 0, "class name '%s'", in->class_names[1]);
    CHECK(in->mean[2] == 102.0f && in->std[1] == 21.0f && in->class_hist[2] == 1002, "statistics");
    CHECK(in->bands[0] == C + 1 && (C < 2 || (in->bands[C - 2] == 3 && in->bands[C - 1] == 0)), "bands %d %d", in->bands[0],
          in->bands[C > 1 ? C - 1 : 0]);
    uint8_t img[8 * 6 * 3], mask[48], lab[3], eimg[8 * 6 * 3], emask[48], elab[3];
    int32_t org[3], eorg[3], epts[12];
    long long np, tot[2] = {0, 0};
    int32_t *pts[2];
    for (int s = 0; s < 2; s++) {
        for (long long i = 0; i < n[s]; i++) {
            fill(s, i, H, W, C, K, eimg, emask, elab, eorg, epts, &np);
            tot[s] += np;
            st = sw_chips_read(c, (sw_split)s, i, img, mask, lab);
            CHECK(st == SW_OK, "read %d %lld: %s", s, i, sw_errmsg());
            CHECK(memcmp(img, eimg, sizeof img) == 0, "image %d %lld differs", s, i);
            CHECK(memcmp(mask, emask, sizeof mask) == 0, "mask %d %lld differs", s, i);
            CHECK(memcmp(lab, elab, sizeof lab) == 0, "labels %d %lld differ", s, i);
            st = sw_chips_read_origin(c, (sw_split)s, i, org);
            CHECK(st == SW_OK && memcmp(org, eorg, sizeof org) == 0, "origin %d %lld", s, i);
        }
        CHECK(in->npoints[s] == tot[s], "points %d: %lld, expected %lld", s, in->npoints[s], tot[s]);
        pts[s] = malloc((size_t)(in->npoints[s] + 1) * 4 * sizeof(int32_t));
        st = sw_chips_read_points(c, (sw_split)s, pts[s]);
        CHECK(st == SW_OK, "points: %s", sw_errmsg());
        long long j = 0;
        for (long long i = 0; i < n[s]; i++) {
            fill(s, i, H, W, C, K, eimg, emask, elab, eorg, epts, &np);
            for (long long k = 0; k < np && j < in->npoints[s]; k++, j++)
                CHECK(pts[s][4 * j] == i && memcmp(&pts[s][4 * j + 1], &epts[3 * k], 12) == 0, "point %lld", j);
        }
        free(pts[s]);
    }
    CHECK(sw_chips_read(c, SW_SPLIT_VAL, 2, img, NULL, NULL) == SW_ERR_INPUT && HAS("out of range"), "%s",
          sw_errmsg());
    sw_chips_close(c);
}

/* Edits a copy of `good` with the HDF5 API and checks the reader's message. */
static void edited(const char *good, const char *bad, const char *what, const char *want1, const char *want2) {
    copy_prefix(good, bad, 1L << 30);
    hid_t f = H5Fopen(bad, H5F_ACC_RDWR, H5P_DEFAULT);
    if (strcmp(what, "drop-masks") == 0) H5Ldelete(f, "/val/masks", H5P_DEFAULT);
    if (strcmp(what, "shape") == 0) {
        hid_t d = H5Dopen2(f, "/train/labels", H5P_DEFAULT);
        hsize_t dims[2] = {4, 3};
        H5Dset_extent(d, dims);
        H5Dclose(d);
    }
    if (strcmp(what, "attr") == 0) H5Adelete(f, "class_hist");
    H5Fclose(f);
    sw_chips *c = NULL;
    sw_status st = sw_chips_open(bad, &c);
    CHECK(st == SW_ERR_INPUT && HAS(bad) && HAS(want1) && HAS(want2), "%s: got %d '%s'", what, st, sw_errmsg());
    if (!st) sw_chips_close(c);
    unlink(bad);
}

static void errors(const char *dir, const char *good) {
    char bad[512];
    snprintf(bad, sizeof bad, "%s/chips_bad.h5", dir);
    /* a big file cut short: the tail holds the last chunks and the metadata */
    long long n[2] = {40, 10};
    char big[512];
    snprintf(big, sizeof big, "%s/chips_big.h5", dir);
    sw_status st = make(big, n, 32, 32, 3, 3);
    CHECK(st == SW_OK, "make big: %s", sw_errmsg());
    copy_prefix(big, bad, file_size(big) / 2);
    sw_chips *c = NULL;
    st = sw_chips_open(bad, &c);
    if (st == SW_OK) {   /* the metadata survived: reading every chip must then fail */
        const sw_chips_info *in = sw_chips_get_info(c);
        uint8_t *buf = malloc(32 * 32 * 3);
        for (int s = 0; s < 2 && !st; s++)
            for (long long i = 0; i < in->count[s] && !st; i++) st = sw_chips_read(c, (sw_split)s, i, buf, buf, NULL);
        free(buf);
        sw_chips_close(c);
    }
    CHECK(st == SW_ERR_INPUT && HAS(bad), "truncated: got %d '%s'", st, sw_errmsg());
    printf("truncated file: %s\n", sw_errmsg());
    unlink(bad);
    unlink(big);
    edited(good, bad, "drop-masks", "/val/masks", "no dataset");
    edited(good, bad, "shape", "/train/labels", "holds 4 chips");
    edited(good, bad, "attr", "class_hist", "no root attribute");
    /* another swath format */
    sw_h5_id f;
    st = sw_h5_create(&f, bad, "model", 1);
    sw_h5_close(f, bad);
    st = sw_chips_open(bad, &c);
    CHECK(st == SW_ERR_INPUT && HAS("'model' file, expected 'chips'"), "format: '%s'", sw_errmsg());
    unlink(bad);
    /* a bad header is refused by the writer */
    sw_chips_header h = {0, 2, 8, 8, 4, NULL, "", NULL};
    sw_chips_writer *w;
    CHECK(sw_chips_writer_create(bad, &h, &w) == SW_ERR_USAGE, "writer accepted 0 channels");
    CHECK(access(bad, F_OK) != 0, "writer left a file");
}

int main(int argc, char **argv) {
    if (argc == 9 && strcmp(argv[1], "--make") == 0) {
        long long n[2] = {atoll(argv[3]), atoll(argv[4])};
        sw_status st = make(argv[2], n, atoi(argv[5]), atoi(argv[6]), atoi(argv[7]), atoi(argv[8]));
        if (st) fprintf(stderr, "test_chips_io: %s\n", sw_errmsg());
        return st ? 1 : 0;
    }
    const char *base = getenv("SWATH_TEST_DIR");
    char dir[400], path[512];
    snprintf(dir, sizeof dir, "%s/work", base ? base : ".");
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/work/test_chips_io", base ? base : ".");
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/chips_good.h5", dir);
    round_trip(path);
    errors(dir, path);
    if (failures) fprintf(stderr, "test_chips_io: %d failures\n", failures);
    else printf("test_chips_io: ok\n");
    return failures ? 1 : 0;
}
