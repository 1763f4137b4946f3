/* chips.h5 reader (see chips.h; layout in docs/formats.md). Opening checks every attribute and
 * every dataset's presence, type class and shape against the root attributes, so a file that a
 * crash or a copy cut short, or one edited by hand, fails here naming the file and the dataset
 * rather than later inside training. */
#include "io/chips.h"

#include "io/chips_internal.h"
#include "io/h5.h"

#include <hdf5.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DS_IMAGES, DS_MASKS, DS_LABELS, DS_ORIGIN, DS_POINTS, DS_COUNT };
static const char *const ds_names[DS_COUNT] = {"images", "masks", "labels", "origin", "points"};
static const char *const split_names[2] = {"train", "val"};

struct sw_chips {
    char *path;
    hid_t file;
    hid_t ds[2][DS_COUNT];
    sw_chips_info info;
};

/* sw_fail with HDF5's error stack cleared (its messages are not ours). */
static sw_status bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static sw_status bad(const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    H5Eclear2(H5E_DEFAULT);
    return sw_fail(SW_ERR_INPUT, "%s", buf);
}

/* Reads root attribute `name` of exactly n values of class `cls` into `buf` as `mtype`. */
static sw_status attr_read(hid_t f, const char *path, const char *name, H5T_class_t cls, hid_t mtype,
                           void *buf, hssize_t n) {
    if (H5Aexists(f, name) <= 0) return bad("'%s': no root attribute '%s' (not a complete chips file)", path, name);
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a), sp = a < 0 ? -1 : H5Aget_space(a);
    hssize_t got = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    H5T_class_t c = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
    herr_t e = (got == n && c == cls) ? H5Aread(a, mtype, buf) : -1;
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    if (got != n || c != cls)
        return bad("'%s': root attribute '%s' holds %lld values of the wrong kind (expected %lld %s)", path, name,
                   (long long)got, (long long)n, cls == H5T_FLOAT ? "floats" : cls == H5T_STRING ? "strings" : "integers");
    if (e < 0) return bad("'%s': cannot read root attribute '%s' (H5Aread)", path, name);
    return SW_OK;
}

static sw_status read_header(sw_chips *c) {
    const char *p = c->path;
    sw_chips_info *in = &c->info;
    int32_t v[2];
    sw_status st = attr_read(c->file, p, "channels", H5T_INTEGER, H5T_NATIVE_INT32, v, 1);
    in->channels = v[0];
    if (!st) st = attr_read(c->file, p, "classes", H5T_INTEGER, H5T_NATIVE_INT32, v, 1);
    in->classes = v[0];
    if (!st) st = attr_read(c->file, p, "tile", H5T_INTEGER, H5T_NATIVE_INT32, v, 2);
    in->tile_h = v[0];
    in->tile_w = v[1];
    if (!st) st = attr_read(c->file, p, "stride", H5T_INTEGER, H5T_NATIVE_INT32, v, 1);
    in->stride = v[0];
    if (st) return st;
    if (in->channels < 1 || in->channels > SW_CHIPS_MAX_CH)
        return bad("'%s': root attribute 'channels' is %d (1..%d)", p, in->channels, SW_CHIPS_MAX_CH);
    if (in->classes < 1 || in->classes > SW_CHIPS_MAX_CLASSES)
        return bad("'%s': root attribute 'classes' is %d (1..%d)", p, in->classes, SW_CHIPS_MAX_CLASSES);
    if (in->tile_h < 1 || in->tile_w < 1 || in->stride < 1)
        return bad("'%s': root attributes 'tile' (%d x %d) and 'stride' (%d) must be positive", p, in->tile_h,
                   in->tile_w, in->stride);
    const int K = in->classes, C = in->channels;
    in->class_names = calloc((size_t)K, SW_CHIPS_CLASS_NAME);
    in->class_hist = calloc((size_t)K, sizeof(long long));
    if (!in->class_names || !in->class_hist) return sw_fail(SW_ERR_RUNTIME, "'%s': out of memory for the header", p);
    hid_t st_t = H5Tcopy(H5T_C_S1);
    H5Tset_size(st_t, SW_CHIPS_CLASS_NAME);
    H5Tset_strpad(st_t, H5T_STR_NULLTERM);
    st = attr_read(c->file, p, "class_names", H5T_STRING, st_t, in->class_names, K);
    H5Tclose(st_t);
    for (int k = 0; k < K; k++) in->class_names[k][SW_CHIPS_CLASS_NAME - 1] = 0;
    if (!st) st = attr_read(c->file, p, "mean", H5T_FLOAT, H5T_NATIVE_FLOAT, in->mean, C);
    if (!st) st = attr_read(c->file, p, "std", H5T_FLOAT, H5T_NATIVE_FLOAT, in->std, C);
    if (!st) st = attr_read(c->file, p, "class_hist", H5T_INTEGER, H5T_NATIVE_LLONG, in->class_hist, K);
    if (!st && H5Aexists(c->file, "bands") > 0) {   /* optional: files before it lack it */
        int32_t b[SW_CHIPS_MAX_CH];
        if (!(st = attr_read(c->file, p, "bands", H5T_INTEGER, H5T_NATIVE_INT32, b, C)))
            for (int ch = 0; ch < C; ch++) {
                if (b[ch] < 0) return bad("'%s': root attribute 'bands' holds band %d", p, b[ch]);
                in->bands[ch] = b[ch];
            }
    }
    return st;
}

/* Opens /split/name and checks its type (integer of `bytes` bytes) and shape: rank `nd`, dims after
 * the first equal to want[1..]; the first (the count) is returned. */
static sw_status open_ds(sw_chips *c, int s, int k, int nd, const hsize_t *want, size_t bytes, hsize_t *n0) {
    const char *p = c->path, *g = split_names[s], *name = ds_names[k];
    char full[64];
    snprintf(full, sizeof full, "/%s/%s", g, name);
    if (H5Lexists(c->file, g, H5P_DEFAULT) <= 0) return bad("'%s': no group /%s (not a complete chips file)", p, g);
    if (H5Lexists(c->file, full, H5P_DEFAULT) <= 0) return bad("'%s': no dataset %s (not a complete chips file)", p, full);
    hid_t d = H5Dopen2(c->file, full, H5P_DEFAULT);
    if (d < 0) return bad("'%s': cannot open dataset %s (H5Dopen2: damaged or truncated file)", p, full);
    c->ds[s][k] = d;
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    hsize_t dims[8] = {0};
    int got = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    if (got > 0 && got <= 8) H5Sget_simple_extent_dims(sp, dims, NULL);
    int ok_type = t >= 0 && H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) == bytes;
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    if (!ok_type) return bad("'%s': dataset %s is not of %zu-byte integers", p, full, bytes);
    int same = got == nd;
    for (int i = 1; same && i < nd; i++) same = dims[i] == want[i];
    if (!same) {
        char w[96], h[96];
        int a = snprintf(w, sizeof w, "(N"), b = snprintf(h, sizeof h, "(");
        for (int i = 1; i < nd; i++) a += snprintf(w + a, sizeof w - (size_t)a, ", %llu", (unsigned long long)want[i]);
        for (int i = 0; i < got && i < 8; i++)
            b += snprintf(h + b, sizeof h - (size_t)b, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
        snprintf(w + a, sizeof w - (size_t)a, ")");
        snprintf(h + b, sizeof h - (size_t)b, ")");
        return bad("'%s': dataset %s has shape %s, expected %s from the root attributes", p, full, h, w);
    }
    *n0 = dims[0];
    return SW_OK;
}

static sw_status open_split(sw_chips *c, int s) {
    const sw_chips_info *in = &c->info;
    const hsize_t img[4] = {0, (hsize_t)in->tile_h, (hsize_t)in->tile_w, (hsize_t)in->channels};
    const hsize_t msk[3] = {0, (hsize_t)in->tile_h, (hsize_t)in->tile_w};
    const hsize_t lab[2] = {0, (hsize_t)in->classes}, org[2] = {0, 3}, pts[2] = {0, 4};
    hsize_t n[DS_COUNT] = {0};
    sw_status st = open_ds(c, s, DS_IMAGES, 4, img, 1, &n[DS_IMAGES]);
    if (!st) st = open_ds(c, s, DS_MASKS, 3, msk, 1, &n[DS_MASKS]);
    if (!st) st = open_ds(c, s, DS_LABELS, 2, lab, 1, &n[DS_LABELS]);
    if (!st) st = open_ds(c, s, DS_ORIGIN, 2, org, 4, &n[DS_ORIGIN]);
    if (!st) st = open_ds(c, s, DS_POINTS, 2, pts, 4, &n[DS_POINTS]);
    if (st) return st;
    for (int k = DS_MASKS; k <= DS_ORIGIN; k++)
        if (n[k] != n[DS_IMAGES])
            return bad("'%s': /%s/%s holds %llu chips but /%s/images %llu (inconsistent file)", c->path,
                       split_names[s], ds_names[k], (unsigned long long)n[k], split_names[s],
                       (unsigned long long)n[DS_IMAGES]);
    c->info.count[s] = (long long)n[DS_IMAGES];
    c->info.npoints[s] = (long long)n[DS_POINTS];
    return SW_OK;
}

sw_status sw_chips_open(const char *path, sw_chips **out) {
    *out = NULL;
    sw_chips *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path ? path : ""))) {
        free(c);
        return sw_fail(SW_ERR_RUNTIME, "out of memory opening '%s'", path ? path : "");
    }
    c->file = -1;
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < DS_COUNT; k++) c->ds[s][k] = -1;
    sw_h5_id f;
    sw_status st = sw_h5_open(&f, path, "chips", SW_CHIPS_VERSION, 0, NULL);
    if (st) {
        sw_chips_close(c);
        return st;
    }
    c->file = (hid_t)f;
    st = read_header(c);
    for (int s = 0; !st && s < 2; s++) st = open_split(c, s);
    if (st) {
        sw_chips_close(c);
        return st;
    }
    *out = c;
    return SW_OK;
}

const sw_chips_info *sw_chips_get_info(const sw_chips *c) { return &c->info; }

int64_t sw_chips_dataset_id(const sw_chips *c, sw_split s, int k) { return c->ds[s][k]; }
const char *sw_chips_path(const sw_chips *c) { return c->path; }

/* Reads rows [row, row + nrows) of dataset k of split s (every other dimension whole). */
static sw_status read_rows(sw_chips *c, int s, int k, hsize_t row, hsize_t nrows, hid_t mtype, void *buf) {
    hid_t d = c->ds[s][k], fs = H5Dget_space(d);
    hsize_t dims[4] = {0}, start[4] = {0}, count[4];
    int nd = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
    if (nd < 1 || nd > 4) {
        if (fs >= 0) H5Sclose(fs);
        return bad("'%s': cannot read dataset /%s/%s (H5Dget_space)", c->path, split_names[s], ds_names[k]);
    }
    H5Sget_simple_extent_dims(fs, dims, NULL);
    memcpy(count, dims, sizeof dims);
    start[0] = row;
    count[0] = nrows;
    hid_t ms = H5Screate_simple(nd, count, NULL);
    herr_t e = ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    if (e >= 0) e = H5Dread(d, mtype, ms, fs, H5P_DEFAULT, buf);
    if (ms >= 0) H5Sclose(ms);
    H5Sclose(fs);
    if (e < 0)
        return bad("'%s': cannot read rows %llu..%llu of dataset /%s/%s (H5Dread: damaged or truncated file)",
                   c->path, (unsigned long long)row, (unsigned long long)(row + nrows - 1), split_names[s],
                   ds_names[k]);
    return SW_OK;
}

sw_status sw_chips_read(sw_chips *c, sw_split split, long long index, uint8_t *img, uint8_t *mask,
                        uint8_t *labels) {
    if (split != SW_SPLIT_TRAIN && split != SW_SPLIT_VAL)
        return sw_fail(SW_ERR_RUNTIME, "'%s': split %d is not train (0) or val (1)", c->path, (int)split);
    const int s = (int)split;
    if (index < 0 || index >= c->info.count[s])
        return sw_fail(SW_ERR_INPUT, "'%s': chip %lld of /%s is out of range (%lld chips)", c->path, index,
                       split_names[s], c->info.count[s]);
    sw_status st = SW_OK;
    if (img) st = read_rows(c, s, DS_IMAGES, (hsize_t)index, 1, H5T_NATIVE_UINT8, img);
    if (!st && mask) st = read_rows(c, s, DS_MASKS, (hsize_t)index, 1, H5T_NATIVE_UINT8, mask);
    if (!st && labels) st = read_rows(c, s, DS_LABELS, (hsize_t)index, 1, H5T_NATIVE_UINT8, labels);
    return st;
}

sw_status sw_chips_read_origin(sw_chips *c, sw_split split, long long index, int32_t origin[3]) {
    const int s = (int)split;
    if ((s != 0 && s != 1) || index < 0 || index >= c->info.count[s & 1])
        return sw_fail(SW_ERR_INPUT, "'%s': chip %lld of split %d is out of range", c->path, index, s);
    return read_rows(c, s, DS_ORIGIN, (hsize_t)index, 1, H5T_NATIVE_INT32, origin);
}

sw_status sw_chips_read_points(sw_chips *c, sw_split split, int32_t *points) {
    const int s = (int)split;
    if (s != 0 && s != 1) return sw_fail(SW_ERR_RUNTIME, "'%s': split %d is not train (0) or val (1)", c->path, s);
    if (c->info.npoints[s] == 0) return SW_OK;
    return read_rows(c, s, DS_POINTS, 0, (hsize_t)c->info.npoints[s], H5T_NATIVE_INT32, points);
}

void sw_chips_close(sw_chips *c) {
    if (!c) return;
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < DS_COUNT; k++)
            if (c->ds[s][k] >= 0) H5Dclose(c->ds[s][k]);
    if (c->file >= 0) H5Fclose(c->file);
    H5Eclear2(H5E_DEFAULT);
    free(c->info.class_names);
    free(c->info.class_hist);
    free(c->path);
    free(c);
}
