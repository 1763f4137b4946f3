/* Unit tests of the core helpers: option parsing, errors, the class conflict rule. */
#include "jobs/defect_classes.h"
#include "src/cli/args.h"
#include "src/core/error.h"
#include "src/core/fsutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check.h"

static const sw_opt opts[] = {
    {"size", "WxH", "64x32", "size"},
    {"seed", "N", "7", "seed"},
    {"bands", "LIST", NULL, "bands"},
    {"ratio", "R", "0.5", "ratio"},
    {"quiet", NULL, NULL, "flag"},
    {0},
};

static void test_args(void) {
    sw_args a;
    char *argv1[] = {"in.tif", "--size=100x20", "--seed", "9", "--quiet", "--bands", "3,2,1"};
    CHECK(sw_args_parse(&a, "t", opts, 7, argv1) == SW_OK, "parse: %s", sw_errmsg());
    int64_t w, h, seed, b[4];
    int n;
    double r;
    CHECK(a.npos == 1 && !strcmp(a.pos[0], "in.tif"), "positional");
    CHECK(sw_args_size(&a, "size", 1, 1000, &w, &h) == SW_OK && w == 100 && h == 20, "size %lld x %lld",
          (long long)w, (long long)h);
    CHECK(sw_args_int(&a, "seed", 0, 100, &seed) == SW_OK && seed == 9, "seed");
    CHECK(sw_args_flag(&a, "quiet"), "flag");
    CHECK(sw_args_int_list(&a, "bands", 1, 10, b, 4, &n) == SW_OK && n == 3 && b[0] == 3 && b[2] == 1, "list");
    CHECK(sw_args_double(&a, "ratio", 0, 1, &r) == SW_OK && r == 0.5, "default double");

    char *argv2[] = {"--nope", "1"};
    CHECK(sw_args_parse(&a, "t", opts, 2, argv2) == SW_ERR_USAGE && strstr(sw_errmsg(), "--nope"),
          "unknown option names it: %s", sw_errmsg());
    char *argv3[] = {"--seed"};
    CHECK(sw_args_parse(&a, "t", opts, 1, argv3) == SW_ERR_USAGE && strstr(sw_errmsg(), "--seed"),
          "missing value names it: %s", sw_errmsg());
    char *argv4[] = {"--size", "12y4", "--seed", "-3", "--bands", "1,,2"};
    CHECK(sw_args_parse(&a, "t", opts, 6, argv4) == SW_OK, "parse 4");
    CHECK(sw_args_size(&a, "size", 16, 1000, &w, &h) == SW_ERR_USAGE && strstr(sw_errmsg(), "'12y4' is not WxH") &&
              !strstr(sw_errmsg(), "outside"),
          "bad size: the syntax before the range: %s", sw_errmsg());
    CHECK(sw_args_int(&a, "seed", 0, 100, &seed) == SW_ERR_USAGE && strstr(sw_errmsg(), "outside"),
          "range: %s", sw_errmsg());
    CHECK(sw_args_int_list(&a, "bands", 1, 10, b, 4, &n) != SW_OK, "empty list item rejected");
    char *argv5[] = {"--quiet=1"};
    CHECK(sw_args_parse(&a, "t", opts, 1, argv5) == SW_ERR_USAGE, "flag with value rejected");
}

static void test_errors(void) {
    sw_fail(SW_ERR_INPUT, "band %d missing", 9);
    sw_fail_ctx(SW_ERR_INPUT, "reading %s", "a.tif");
    CHECK(!strcmp(sw_errmsg(), "reading a.tif: band 9 missing"), "context: %s", sw_errmsg());

    /* A message too long for its room loses the middle of the path, never the cause at the end. */
    char path[400], msg[1200], out[SW_REASON_MAX];
    memset(path, 'd', sizeof path);
    memcpy(path, "/data/", 6);
    snprintf(path + sizeof path - 12, 12, "/mosaic.tif");
    snprintf(msg, sizeof msg, "tile 3: reading window 0,0,512,512 of %s: libtiff cannot decode tile 1,2 of %s: "
             "TIFFReadEncodedTile: Read error at row 4294967295, col 4294967295, tile 2; got 0 bytes, expected 8", path, path);
    sw_msg_fit(out, sizeof out, msg, path);
    CHECK(strlen(out) < sizeof out && strlen(out) > sizeof out - 40, "fit: %zu characters", strlen(out));
    CHECK(strstr(out, "got 0 bytes, expected 8") && strstr(out, "/data/d") && strstr(out, "...") &&
              strstr(out, "dd/mosaic.tif: libtiff") && strstr(out, "dd/mosaic.tif: TIFFRead"),
          "fit keeps both ends of the path and the cause: %s", out);
    sw_msg_fit(out, sizeof out, "short: a.tif", "a.tif");
    CHECK(!strcmp(out, "short: a.tif"), "a message that fits is copied: %s", out);
    char tiny[24];
    sw_msg_fit(tiny, sizeof tiny, "no path in this long message at all", NULL);
    CHECK(!strcmp(tiny, "no path in this long me"), "without the path: cut at the end: %s", tiny);
}

/* A folder made by a command that then fails is removed while it holds only empty folders. */
static void test_rmdir_empty(void) {
    char base[] = "/tmp/swath_core_XXXXXX", dir[200], made[4096], file[300];
    if (!mkdtemp(base)) return;
    snprintf(dir, sizeof dir, "%s/a/b/c", base);
    CHECK(sw_mkdir_p_new(dir, made, sizeof made) == SW_OK && !strcmp(made + strlen(base), "/a"), "made: %s", made);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/tiles", dir);
    CHECK(sw_mkdir_p_new(sub, made, sizeof made) == SW_OK && !strcmp(made, sub), "made tiles: %s", made);
    CHECK(sw_mkdir_p_new(dir, made, sizeof made) == SW_OK && !made[0], "nothing made the second time: %s", made);
    snprintf(file, sizeof file, "%s/x.txt", dir);
    FILE *f = fopen(file, "w");
    if (f) fclose(f);
    snprintf(sub, sizeof sub, "%s/a", base);
    sw_rmdir_empty(sub);
    CHECK(sw_path_exists(file) && sw_path_exists(dir), "a folder holding a file is kept");
    unlink(file);
    sw_rmdir_empty(sub);
    CHECK(!sw_path_exists(sub) && sw_path_exists(base), "empty folders removed, up to the one made");
    rmdir(base);
}

static void test_classes(void) {
    /* pixel-based > region-based > boundary-based; 10 > 9; region by confidence */
    CHECK(sw_class_wins(SW_CLS_PIXEL_MISSING, 0, SW_CLS_STRIPE_NOISE, 1), "10 over 9");
    CHECK(!sw_class_wins(SW_CLS_STRIPE_NOISE, 1, SW_CLS_PIXEL_MISSING, 0), "9 not over 10");
    CHECK(sw_class_wins(SW_CLS_STRIPE_NOISE, 0, SW_CLS_CLOUD, 1), "9 over cloud");
    CHECK(sw_class_wins(SW_CLS_BLUR, 0.1f, SW_CLS_STITCH_MISALIGN, 1), "region over boundary");
    CHECK(sw_class_wins(SW_CLS_SHADOW, 0.9f, SW_CLS_CLOUD, 0.8f), "region: higher confidence");
    CHECK(!sw_class_wins(SW_CLS_SHADOW, 0.7f, SW_CLS_CLOUD, 0.8f), "region: lower confidence loses");
    CHECK(sw_class_wins(SW_CLS_STITCH_TRACE, 0, SW_CLS_BACKGROUND, 1), "boundary over background");
    CHECK(!sw_class_wins(SW_CLS_BACKGROUND, 1, SW_CLS_STITCH_TRACE, 0), "background never wins");
    CHECK(!strcmp(sw_class_name(9), "stripe_noise") && !strcmp(sw_class_name(255), "ignore"), "names");
}

/* Big buffers: 2 MiB aligned above 1 MiB, zeroed by the calloc form, usable to the last byte;
 * small ones plain; an impossible size fails with a message naming what. */
static void test_big_alloc(void) {
    size_t n = (size_t)5 << 20;
    uint8_t *p = sw_calloc_big(n, 1, "test");
    CHECK(p && ((uintptr_t)p & (((uintptr_t)2 << 20) - 1)) == 0, "sw_calloc_big: not 2 MiB aligned");
    size_t nz = 0;
    for (size_t i = 0; p && i < n; i++) nz += p[i] != 0;
    CHECK(p && nz == 0, "sw_calloc_big: %zu non-zero bytes", nz);
    if (p) p[n - 1] = 7;
    free(p);
    uint8_t *q = sw_malloc_big(100, "small");
    CHECK(q != NULL, "sw_malloc_big of 100 bytes");
    free(q);
    CHECK(sw_calloc_big(SIZE_MAX / 2, 4, "the impossible") == NULL && strstr(sw_errmsg(), "the impossible"),
          "sw_calloc_big overflow: '%s'", sw_errmsg());
}

int main(void) {
    test_big_alloc();
    test_args();
    test_errors();
    test_rmdir_empty();
    test_classes();
    printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
    return failures ? 1 : 0;
}
