/* Tests io/h5 in a plain process (no MPI_Init: the parallel HDF5 build with its default driver):
 *   test_h5             create / open / identify / attributes, and every way a file can be wrong,
 *                       with nothing printed by HDF5 (in $SWATH_TEST_DIR/work/test_h5)
 *   test_h5 --make DIR  writes DIR/run.h5 (a swath 'run' file, version 2, with a group and chunked
 *                       datasets) and DIR/plain.h5 (HDF5 without swath's attributes) for
 *                       tests/cli/h5_dump.sh */
#include "io/h5.h"
#include "src/core/fsutil.h"

#include <hdf5.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/check.h"
#define HAS(s) (strstr(sw_errmsg(), (s)) != NULL)

/* ---- files made with the HDF5 API, as another program would ---- */

/* A plain HDF5 file; optionally with a root attribute `attr` of an int or a variable-length string. */
static void make_plain(const char *path, const char *attr, int as_vlen_string, const char *sval, int ival,
                       hsize_t userblock) {
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (userblock) H5Pset_userblock(fcpl, userblock);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    hsize_t dims[2] = {4, 5};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(f, "data", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(sp);
    if (attr) {
        hid_t s1 = H5Screate(H5S_SCALAR), t, a;
        if (as_vlen_string) {
            t = H5Tcopy(H5T_C_S1);
            H5Tset_size(t, H5T_VARIABLE);
            a = H5Acreate2(f, attr, t, s1, H5P_DEFAULT, H5P_DEFAULT);
            H5Awrite(a, t, &sval);
            H5Tclose(t);
        } else {
            a = H5Acreate2(f, attr, H5T_STD_I64LE, s1, H5P_DEFAULT, H5P_DEFAULT);
            long long v = ival;
            H5Awrite(a, H5T_NATIVE_LLONG, &v);
        }
        H5Aclose(a);
        H5Sclose(s1);
    }
    if (f < 0 || H5Fclose(f) < 0) {
        fprintf(stderr, "FAIL: cannot make %s\n", path);
        failures++;
    }
}

/* A swath 'run' file, version 2: root attributes, a group, chunked and compressed datasets. */
static sw_status make_run(const char *path) {
    sw_h5_id f;
    sw_status st = sw_h5_create(&f, path, "run", 2);
    if (st) return st;
    if ((st = sw_h5_attr_write_str(f, path, "crs_wkt", "PROJCS[\"WGS 84 / UTM zone 33N\",GEOGCS[\"WGS 84\"]]")))
        return st;
    hid_t g = H5Gcreate2((hid_t)f, "tiles", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {100}, maxd[1] = {H5S_UNLIMITED}, chunk[1] = {25};
    hid_t sp = H5Screate_simple(1, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 4);
    hid_t d = H5Dcreate2(g, "state", H5T_STD_U8LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    hsize_t dims2[2] = {3, 6};
    sp = H5Screate_simple(2, dims2, NULL);
    d = H5Dcreate2((hid_t)f, "geotransform", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(sp);
    H5Gclose(g);
    if (g < 0 || d < 0) return sw_fail(SW_ERR_RUNTIME, "cannot make the datasets of %s", path);
    return sw_h5_close(f, path);
}

static int mode_make(const char *dir) {
    char path[4200];
    snprintf(path, sizeof path, "%s/run.h5", dir);
    if (make_run(path)) {
        fprintf(stderr, "FAIL: %s\n", sw_errmsg());
        return 1;
    }
    snprintf(path, sizeof path, "%s/plain.h5", dir);
    make_plain(path, NULL, 0, NULL, 0, 0);
    return failures ? 1 : 0;
}

/* ---- unit checks ---- */

static void check_roundtrip(const char *dir) {
    char path[1100], buf[256];
    int ver = -1, par = -1;
    const char *v = sw_h5_version(&par);
    CHECK(v && strncmp(v, "1.", 2) == 0, "version '%s'", v ? v : "(null)");
    CHECK(par == 1, "the parallel build is expected (H5_HAVE_PARALLEL)");

    snprintf(path, sizeof path, "%s/run.h5", dir);
    CHECK(make_run(path) == SW_OK, "%s", sw_errmsg());
    CHECK(sw_h5_is_hdf5(path) == 1, "%s", path);
    CHECK(sw_h5_identify(path, buf, sizeof buf, &ver) == SW_OK, "%s", sw_errmsg());
    CHECK(strcmp(buf, "run") == 0 && ver == 2, "identify: '%s' %d", buf, ver);
    CHECK(sw_h5_identify(path, buf, 3, &ver) == SW_ERR_INPUT && HAS("swath_format"), "small buffer: %s",
          sw_errmsg());

    sw_h5_id f = -1;
    ver = -1;
    CHECK(sw_h5_open(&f, path, "run", 2, 0, &ver) == SW_OK, "%s", sw_errmsg());
    CHECK(ver == 2, "version %d", ver);
    CHECK(sw_h5_attr_read_str(f, path, "crs_wkt", buf, sizeof buf) == SW_OK, "%s", sw_errmsg());
    CHECK(strcmp(buf, "PROJCS[\"WGS 84 / UTM zone 33N\",GEOGCS[\"WGS 84\"]]") == 0, "crs_wkt '%s'", buf);
    CHECK(sw_h5_attr_read_str(f, path, "crs_wkt", buf, 10) == SW_ERR_INPUT && HAS("crs_wkt") && HAS(path),
          "too long: %s", sw_errmsg());
    CHECK(sw_h5_attr_read_str(f, path, "nope", buf, sizeof buf) == SW_ERR_INPUT && HAS("'nope'") && HAS(path),
          "missing: %s", sw_errmsg());
    CHECK(sw_h5_attr_read_str(f, path, "swath_format_version", buf, sizeof buf) == SW_ERR_INPUT &&
          HAS("not one string"), "int as string: %s", sw_errmsg());
    CHECK(sw_h5_attr_write_str(f, path, "note", "x") == SW_ERR_OUTPUT && HAS("note") && HAS(path),
          "write on a read-only file: %s", sw_errmsg());
    CHECK(sw_h5_close(f, path) == SW_OK, "%s", sw_errmsg());

    /* Read-write: attributes written and replaced, then read back after reopening. */
    CHECK(sw_h5_open(&f, path, "run", 5, 1, NULL) == SW_OK, "%s", sw_errmsg());
    CHECK(sw_h5_attr_write_str(f, path, "note", "first") == SW_OK, "%s", sw_errmsg());
    CHECK(sw_h5_attr_write_str(f, path, "note", "second, longer \xc3\xa9") == SW_OK, "%s", sw_errmsg());
    CHECK(sw_h5_attr_write_str(f, path, "empty", "") == SW_OK, "%s", sw_errmsg());
    CHECK(sw_h5_close(f, path) == SW_OK, "%s", sw_errmsg());
    CHECK(sw_h5_open(&f, path, NULL, 2, 0, &ver) == SW_OK, "%s", sw_errmsg());
    CHECK(sw_h5_attr_read_str(f, path, "note", buf, sizeof buf) == SW_OK && strcmp(buf, "second, longer \xc3\xa9") == 0,
          "note '%s' %s", buf, sw_errmsg());
    CHECK(sw_h5_attr_read_str(f, path, "empty", buf, sizeof buf) == SW_OK && buf[0] == '\0', "empty '%s'", buf);
    CHECK(sw_h5_close(f, path) == SW_OK, "%s", sw_errmsg());
    CHECK(sw_h5_close(-1, path) == SW_OK, "closing nothing");

    /* A swath_format written by another program as a variable-length string (as h5py does). */
    snprintf(path, sizeof path, "%s/vlen.h5", dir);
    make_plain(path, "swath_format", 1, "chips", 0, 0);
    hid_t h = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), s1 = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(h, "swath_format_version", H5T_STD_I32LE, s1, H5P_DEFAULT, H5P_DEFAULT);
    int one = 1;
    H5Awrite(a, H5T_NATIVE_INT, &one);
    H5Aclose(a);
    H5Sclose(s1);
    H5Fclose(h);
    CHECK(sw_h5_identify(path, buf, sizeof buf, &ver) == SW_OK && strcmp(buf, "chips") == 0 && ver == 1,
          "vlen: '%s' %d %s", buf, ver, sw_errmsg());

    /* A user block puts the signature at 512. */
    snprintf(path, sizeof path, "%s/userblock.h5", dir);
    make_plain(path, NULL, 0, NULL, 0, 512);
    CHECK(sw_h5_is_hdf5(path) == 1, "HDF5 after a 512-byte user block");
}

static void check_wrong_files(const char *dir) {
    char path[1100], other[1200], buf[64];
    sw_h5_id f = 77;
    int ver = -1;
    snprintf(path, sizeof path, "%s/run.h5", dir);   /* from check_roundtrip: 'run', version 2 */

    CHECK(sw_h5_open(&f, path, "chips", 2, 0, &ver) == SW_ERR_INPUT, "wrong format accepted");
    snprintf(other, sizeof other, "'%s' is a swath 'run' file, expected 'chips'", path);
    CHECK(HAS(other), "message: %s", sw_errmsg());
    CHECK(f == -1, "file id set after a failure");
    CHECK(sw_h5_open(&f, path, "run", 1, 0, &ver) == SW_ERR_INPUT, "newer version accepted");
    CHECK(HAS(path) && HAS("version 2") && HAS("version 1 at most"), "message: %s", sw_errmsg());

    /* Not HDF5: a text file, a folder, a missing file. */
    snprintf(path, sizeof path, "%s/text.h5", dir);
    FILE *t = fopen(path, "w");
    if (t) {
        fputs("just some text, long enough to hold a signature somewhere... but it does not\n", t);
        fclose(t);
    }
    CHECK(sw_h5_is_hdf5(path) == 0, "a text file is not HDF5");
    CHECK(sw_h5_open(&f, path, "run", 2, 0, &ver) == SW_ERR_INPUT && HAS(path) && HAS("not an HDF5 file"),
          "text: %s", sw_errmsg());
    CHECK(sw_h5_identify(path, buf, sizeof buf, &ver) == SW_ERR_INPUT && HAS(path) && HAS("not an HDF5 file"),
          "text: %s", sw_errmsg());
    CHECK(sw_h5_print_summary(path, 0) == SW_ERR_INPUT && HAS("not an HDF5 file"), "text: %s", sw_errmsg());
    CHECK(sw_h5_is_hdf5(dir) == 0, "a folder is not HDF5");
    snprintf(path, sizeof path, "%s/missing.h5", dir);
    CHECK(sw_h5_is_hdf5(path) == 0, "a missing file is not HDF5");
    CHECK(sw_h5_open(&f, path, "run", 2, 0, &ver) == SW_ERR_INPUT && HAS(path) && HAS("No such file"),
          "missing: %s", sw_errmsg());
    CHECK(sw_h5_identify(path, buf, sizeof buf, &ver) == SW_ERR_INPUT && HAS(path), "missing: %s", sw_errmsg());

    /* HDF5 without swath's attributes, or with them wrong. */
    snprintf(path, sizeof path, "%s/plain.h5", dir);
    make_plain(path, NULL, 0, NULL, 0, 0);
    CHECK(sw_h5_is_hdf5(path) == 1, "plain HDF5");
    CHECK(sw_h5_identify(path, buf, sizeof buf, &ver) == SW_ERR_INPUT && HAS(path) && HAS("not one swath wrote"),
          "plain: %s", sw_errmsg());
    CHECK(sw_h5_open(&f, path, NULL, 9, 0, &ver) == SW_ERR_INPUT && HAS("swath_format"), "plain: %s", sw_errmsg());
    snprintf(path, sizeof path, "%s/noversion.h5", dir);
    make_plain(path, "swath_format", 1, "run", 0, 0);
    CHECK(sw_h5_open(&f, path, "run", 9, 0, &ver) == SW_ERR_INPUT && HAS("swath_format_version") && HAS(path),
          "no version: %s", sw_errmsg());
    snprintf(path, sizeof path, "%s/intformat.h5", dir);
    make_plain(path, "swath_format", 0, NULL, 3, 0);
    CHECK(sw_h5_identify(path, buf, sizeof buf, &ver) == SW_ERR_INPUT && HAS("not one string"), "int format: %s",
          sw_errmsg());

    /* A truncated HDF5 file: the signature is there, the rest is not. */
    snprintf(path, sizeof path, "%s/run.h5", dir);
    snprintf(other, sizeof other, "%s/truncated.h5", dir);
    FILE *in = fopen(path, "rb"), *out = fopen(other, "wb");
    char block[600];
    size_t n = in ? fread(block, 1, sizeof block, in) : 0;
    if (out) fwrite(block, 1, n, out);
    if (in) fclose(in);
    if (out) fclose(out);
    CHECK(sw_h5_is_hdf5(other) == 1, "truncated: signature");
    CHECK(sw_h5_open(&f, other, "run", 2, 0, &ver) == SW_ERR_INPUT && HAS(other) && HAS("H5Fopen"),
          "truncated: %s", sw_errmsg());
    printf("truncated file: %s\n", sw_errmsg());

    /* Cannot create: the folder's parent is a regular file. */
    snprintf(other, sizeof other, "%s/sub/new.h5", path);
    CHECK(sw_h5_create(&f, other, "run", 1) == SW_ERR_OUTPUT && HAS(other) && HAS("H5Fcreate") &&
          HAS("Not a directory"), "create: %s", sw_errmsg());
    printf("unwritable folder: %s\n", sw_errmsg());
}

static void check_summary(const char *dir) {
    char path[1100], out[1200], cmd[2600];
    snprintf(path, sizeof path, "%s/run.h5", dir);
    snprintf(out, sizeof out, "%s/summary.txt", dir);
    fflush(stdout);
    int saved = dup(1), fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    close(fd);
    sw_status st = sw_h5_print_summary(path, 0);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    CHECK(st == SW_OK, "%s", sw_errmsg());
    static const char *const want[] = {
        "swath_format             \"run\"", "swath_format_version     2", "crs_wkt", "/geotransform",
        "float64 (3, 6)", "/tiles  ", "group", "/tiles/state", "uint8 (100) extendible",
        "chunks (25)", "shuffle", "deflate", "note                     \"second, longer"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        snprintf(cmd, sizeof cmd, "grep -qF -- '%s' '%s'", want[i], out);
        CHECK(system(cmd) == 0, "summary lacks '%s' (see %s)", want[i], out);
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--make") == 0) return mode_make(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: test_h5 [--make DIR]\n");
        return 2;
    }
    const char *base = getenv("SWATH_TEST_DIR");
    char dir[1024], errfile[1100], cmd[2300];
    snprintf(dir, sizeof dir, "%s/work/test_h5", base ? base : ".");
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0) return 1;
    /* HDF5 must print nothing: its messages come back in ours. */
    snprintf(errfile, sizeof errfile, "%s/stderr.txt", dir);
    fflush(stderr);
    int saved = dup(2), fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    check_roundtrip(dir);
    check_wrong_files(dir);
    check_summary(dir);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    struct stat st;
    if (stat(errfile, &st) == 0 && st.st_size > 0) {
        snprintf(cmd, sizeof cmd, "cat '%s' >&2", errfile);
        if (system(cmd) != 0) fprintf(stderr, "(cannot show %s)\n", errfile);
        if (!failures) {
            fprintf(stderr, "FAIL: something printed to stderr (above)\n");
            failures++;
        }
    }
    printf("%s: %d failures\n", failures ? "FAILED" : "OK", failures);
    return failures ? 1 : 0;
}
