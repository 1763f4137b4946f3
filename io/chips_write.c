/* chips.h5 writer (see chips_write.h). Every dataset is chunked with an unlimited first dimension
 * and grown one chip at a time; HDF5's deflate filter compresses the chunks (level 1: image
 * chips are noisy, and higher levels cost build time for a few percent). */
#include "io/chips_write.h"

#include "io/chips_internal.h"
#include "io/h5.h"
#include "src/core/fsutil.h"

#include <hdf5.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { DS_IMAGES, DS_MASKS, DS_LABELS, DS_ORIGIN, DS_POINTS, DS_COUNT };
static const char *const ds_names[DS_COUNT] = {"images", "masks", "labels", "origin", "points"};
static const char *const split_names[2] = {"train", "val"};

struct sw_chips_writer {
    char *path, *tmp;
    hid_t file;
    hid_t ds[2][DS_COUNT];
    long long rows[2][DS_COUNT];
    sw_chips_header h;
    int32_t *pts;        /* scratch for one chip's points (chip, row, column, class) */
    long long pts_cap;
    void *raw;           /* scratch for one compressed chunk (sw_chips_writer_copy) */
    size_t raw_cap;
};

static sw_status wfail(const sw_chips_writer *w, const char *fmt, const char *a, const char *b) {
    H5Eclear2(H5E_DEFAULT);
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b);
    return sw_fail(SW_ERR_OUTPUT, "'%s': %s", w->tmp, msg);
}

static sw_status attr_write(hid_t f, const sw_chips_writer *w, const char *name, hid_t ftype, hid_t mtype,
                            const void *v, hsize_t n) {
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t a = sp < 0 ? -1 : H5Acreate2(f, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, mtype, v);
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return e < 0 ? wfail(w, "cannot write root attribute '%s'%s", name, "") : SW_OK;
}

/* An extendible dataset (0, dims[1..]) chunked (chunk0, dims[1..]), deflated. */
static sw_status create_ds(sw_chips_writer *w, hid_t g, int s, int k, int nd, const hsize_t *dims, hsize_t chunk0,
                           hid_t ftype) {
    hsize_t cur[4], maxd[4], chunk[4];
    for (int i = 0; i < nd; i++) cur[i] = maxd[i] = chunk[i] = dims[i];
    cur[0] = 0;
    maxd[0] = H5S_UNLIMITED;
    chunk[0] = chunk0;
    hid_t sp = H5Screate_simple(nd, cur, maxd), pl = H5Pcreate(H5P_DATASET_CREATE);
    herr_t e = sp < 0 || pl < 0 ? -1 : H5Pset_chunk(pl, nd, chunk);
    if (e >= 0) e = H5Pset_deflate(pl, 1);
    hid_t d = e < 0 ? -1 : H5Dcreate2(g, ds_names[k], ftype, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    if (pl >= 0) H5Pclose(pl);
    if (sp >= 0) H5Sclose(sp);
    if (d < 0) return wfail(w, "cannot create dataset /%s/%s", split_names[s], ds_names[k]);
    w->ds[s][k] = d;
    return SW_OK;
}

static sw_status write_header(sw_chips_writer *w) {
    const sw_chips_header *h = &w->h;
    const int32_t ch = h->channels, K = h->classes, tile[2] = {h->tile_h, h->tile_w}, stride = h->stride;
    sw_status st = attr_write(w->file, w, "channels", H5T_STD_I32LE, H5T_NATIVE_INT32, &ch, 1);
    if (!st) st = attr_write(w->file, w, "classes", H5T_STD_I32LE, H5T_NATIVE_INT32, &K, 1);
    if (!st) st = attr_write(w->file, w, "tile", H5T_STD_I32LE, H5T_NATIVE_INT32, tile, 2);
    if (!st) st = attr_write(w->file, w, "stride", H5T_STD_I32LE, H5T_NATIVE_INT32, &stride, 1);
    if (!st) st = sw_h5_attr_write_str(w->file, w->tmp, "sources", h->sources ? h->sources : "");
    if (!st && h->bands) {
        int32_t b[SW_CHIPS_MAX_CH];
        for (int c = 0; c < ch; c++) b[c] = h->bands[c];
        st = attr_write(w->file, w, "bands", H5T_STD_I32LE, H5T_NATIVE_INT32, b, (hsize_t)ch);
    }
    if (st) return st;
    char(*names)[SW_CHIPS_CLASS_NAME] = calloc((size_t)K, SW_CHIPS_CLASS_NAME);
    if (!names) return sw_fail(SW_ERR_RUNTIME, "out of memory for class names");
    for (int k = 0; k < K; k++) {
        if (h->class_names) memcpy(names[k], h->class_names[k], SW_CHIPS_CLASS_NAME);
        else snprintf(names[k], SW_CHIPS_CLASS_NAME, "class_%d", k);
        names[k][SW_CHIPS_CLASS_NAME - 1] = 0;
    }
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, SW_CHIPS_CLASS_NAME);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    st = attr_write(w->file, w, "class_names", t, t, names, (hsize_t)K);
    H5Tclose(t);
    free(names);
    for (int s = 0; !st && s < 2; s++) {
        hid_t g = H5Gcreate2(w->file, split_names[s], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0) return wfail(w, "cannot create group /%s%s", split_names[s], "");
        const hsize_t img[4] = {0, (hsize_t)h->tile_h, (hsize_t)h->tile_w, (hsize_t)h->channels};
        const hsize_t msk[3] = {0, (hsize_t)h->tile_h, (hsize_t)h->tile_w};
        const hsize_t lab[2] = {0, (hsize_t)K}, org[2] = {0, 3}, pts[2] = {0, 4};
        st = create_ds(w, g, s, DS_IMAGES, 4, img, 1, H5T_STD_U8LE);
        if (!st) st = create_ds(w, g, s, DS_MASKS, 3, msk, 1, H5T_STD_U8LE);
        if (!st) st = create_ds(w, g, s, DS_LABELS, 2, lab, 1024, H5T_STD_U8LE);
        if (!st) st = create_ds(w, g, s, DS_ORIGIN, 2, org, 1024, H5T_STD_I32LE);
        if (!st) st = create_ds(w, g, s, DS_POINTS, 2, pts, 1024, H5T_STD_I32LE);
        H5Gclose(g);
    }
    return st;
}

static void close_all(sw_chips_writer *w) {
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < DS_COUNT; k++)
            if (w->ds[s][k] >= 0) H5Dclose(w->ds[s][k]), w->ds[s][k] = -1;
    if (w->file >= 0) H5Fclose(w->file), w->file = -1;
    H5Eclear2(H5E_DEFAULT);
}

static void writer_free(sw_chips_writer *w) {
    free(w->path);
    free(w->tmp);
    free(w->pts);
    free(w->raw);
    free(w);
}

void sw_chips_writer_abort(sw_chips_writer *w) {
    if (!w) return;
    close_all(w);
    if (w->tmp) unlink(w->tmp);
    writer_free(w);
}

sw_status sw_chips_writer_create(const char *path, const sw_chips_header *h, sw_chips_writer **out) {
    *out = NULL;
    if (h->channels < 1 || h->channels > SW_CHIPS_MAX_CH || h->classes < 1 || h->classes > SW_CHIPS_MAX_CLASSES ||
        h->tile_h < 1 || h->tile_w < 1 || h->stride < 1)
        return sw_fail(SW_ERR_USAGE, "'%s': %d channels (1..%d), %d classes (1..%d), tile %d x %d, stride %d", path,
                       h->channels, SW_CHIPS_MAX_CH, h->classes, SW_CHIPS_MAX_CLASSES, h->tile_h, h->tile_w, h->stride);
    sw_chips_writer *w = calloc(1, sizeof *w);
    size_t n = strlen(path) + 32;
    if (!w || !(w->path = strdup(path)) || !(w->tmp = malloc(n))) {
        if (w) writer_free(w);
        return sw_fail(SW_ERR_RUNTIME, "out of memory creating '%s'", path);
    }
    snprintf(w->tmp, n, "%s.tmp%ld", path, (long)getpid());
    w->h = *h;
    w->h.class_names = NULL;   /* used only while writing the header */
    w->h.sources = NULL;
    w->h.bands = NULL;
    w->file = -1;
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < DS_COUNT; k++) w->ds[s][k] = -1;
    sw_h5_id f;
    sw_status st = sw_h5_create(&f, w->tmp, "chips", SW_CHIPS_VERSION);
    if (st) {
        writer_free(w);
        return st;
    }
    w->file = (hid_t)f;
    sw_chips_header hh = *h;
    w->h = hh;
    st = write_header(w);
    w->h.class_names = NULL;
    w->h.sources = NULL;
    w->h.bands = NULL;
    if (st) {
        sw_chips_writer_abort(w);
        return st;
    }
    *out = w;
    return SW_OK;
}

/* Appends nrows rows to dataset k of split s. */
static sw_status append(sw_chips_writer *w, int s, int k, hsize_t nrows, hid_t mtype, const void *buf) {
    if (nrows == 0) return SW_OK;
    hid_t d = w->ds[s][k], fs = H5Dget_space(d);
    hsize_t dims[4];
    int nd = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
    if (nd < 1 || nd > 4) {
        if (fs >= 0) H5Sclose(fs);
        return wfail(w, "cannot extend dataset /%s/%s", split_names[s], ds_names[k]);
    }
    H5Sget_simple_extent_dims(fs, dims, NULL);
    H5Sclose(fs);
    hsize_t start[4] = {dims[0], 0, 0, 0}, count[4];
    memcpy(count, dims, sizeof dims);
    count[0] = nrows;
    dims[0] += nrows;
    herr_t e = H5Dset_extent(d, dims);
    fs = e < 0 ? -1 : H5Dget_space(d);
    hid_t ms = H5Screate_simple(nd, count, NULL);
    e = fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    if (e >= 0) e = H5Dwrite(d, mtype, ms, fs, H5P_DEFAULT, buf);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (e < 0) return wfail(w, "cannot append to dataset /%s/%s (disk full?)", split_names[s], ds_names[k]);
    w->rows[s][k] += (long long)nrows;
    return SW_OK;
}

sw_status sw_chips_writer_add(sw_chips_writer *w, sw_split split, const uint8_t *img, const uint8_t *mask,
                              const uint8_t *labels, const int32_t origin[3], const int32_t *points,
                              long long npoints) {
    const int s = (int)split;
    if (s != 0 && s != 1) return sw_fail(SW_ERR_RUNTIME, "'%s': split %d is not train (0) or val (1)", w->path, s);
    const long long chip = w->rows[s][DS_IMAGES];
    if (npoints > w->pts_cap) {
        int32_t *p = realloc(w->pts, (size_t)npoints * 4 * sizeof *p);
        if (!p) return sw_fail(SW_ERR_RUNTIME, "'%s': out of memory for %lld points", w->path, npoints);
        w->pts = p;
        w->pts_cap = npoints;
    }
    for (long long i = 0; i < npoints; i++) {
        w->pts[4 * i] = (int32_t)chip;
        memcpy(&w->pts[4 * i + 1], &points[3 * i], 3 * sizeof *points);
    }
    sw_status st = append(w, s, DS_IMAGES, 1, H5T_NATIVE_UINT8, img);
    if (!st) st = append(w, s, DS_MASKS, 1, H5T_NATIVE_UINT8, mask);
    if (!st) st = append(w, s, DS_LABELS, 1, H5T_NATIVE_UINT8, labels);
    if (!st) st = append(w, s, DS_ORIGIN, 1, H5T_NATIVE_INT32, origin);
    if (!st) st = append(w, s, DS_POINTS, (hsize_t)npoints, H5T_NATIVE_INT32, w->pts);
    return st;
}

/* Copies chunk `index` of dataset k (one chip per chunk) from `from` to the end of w's. */
static sw_status copy_chunk(sw_chips_writer *w, int s, int k, sw_chips *from, long long index) {
    hid_t src = (hid_t)sw_chips_dataset_id(from, (sw_split)s, k), dst = w->ds[s][k];
    hsize_t off[4] = {(hsize_t)index, 0, 0, 0}, size = 0, dims[4];
    uint32_t filters = 0;
    herr_t e = H5Dget_chunk_storage_size(src, off, &size);
    if (e < 0 || size == 0) {
        H5Eclear2(H5E_DEFAULT);
        return sw_fail(SW_ERR_INPUT, "'%s': cannot find chunk %lld of /%s/%s", sw_chips_path(from), index,
                       split_names[s], ds_names[k]);
    }
    if (size > w->raw_cap) {
        void *p = realloc(w->raw, size);
        if (!p) return sw_fail(SW_ERR_RUNTIME, "out of memory for a chunk of %llu bytes", (unsigned long long)size);
        w->raw = p, w->raw_cap = size;
    }
    if (H5Dread_chunk(src, H5P_DEFAULT, off, &filters, w->raw) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return sw_fail(SW_ERR_INPUT, "'%s': cannot read chunk %lld of /%s/%s (H5Dread_chunk)", sw_chips_path(from),
                       index, split_names[s], ds_names[k]);
    }
    hid_t fs = H5Dget_space(dst);
    int nd = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
    if (nd > 0 && nd <= 4) H5Sget_simple_extent_dims(fs, dims, NULL);
    if (fs >= 0) H5Sclose(fs);
    if (nd < 1 || nd > 4) return wfail(w, "cannot extend dataset /%s/%s", split_names[s], ds_names[k]);
    hsize_t doff[4] = {dims[0], 0, 0, 0};
    dims[0]++;
    if (H5Dset_extent(dst, dims) < 0 || H5Dwrite_chunk(dst, H5P_DEFAULT, filters, doff, (size_t)size, w->raw) < 0)
        return wfail(w, "cannot append a chunk to dataset /%s/%s (H5Dwrite_chunk)", split_names[s], ds_names[k]);
    w->rows[s][k]++;
    return SW_OK;
}

sw_status sw_chips_writer_copy(sw_chips_writer *w, sw_split split, sw_chips *from, long long index,
                               const int32_t *points, long long npoints) {
    const int s = (int)split;
    const sw_chips_info *in = sw_chips_get_info(from);
    if (s != 0 && s != 1) return sw_fail(SW_ERR_RUNTIME, "'%s': split %d is not train (0) or val (1)", w->path, s);
    if (in->channels != w->h.channels || in->classes != w->h.classes || in->tile_h != w->h.tile_h ||
        in->tile_w != w->h.tile_w)
        return sw_fail(SW_ERR_INPUT, "'%s': its chips (%d channels, %d classes, %d x %d) are not those of '%s'",
                       sw_chips_path(from), in->channels, in->classes, in->tile_h, in->tile_w, w->path);
    uint8_t lab[SW_CHIPS_MAX_CLASSES];
    int32_t org[3];
    sw_status st = sw_chips_read(from, split, index, NULL, NULL, lab);
    if (!st) st = sw_chips_read_origin(from, split, index, org);
    if (st) return st;
    const long long chip = w->rows[s][DS_IMAGES];
    if (npoints > w->pts_cap) {
        int32_t *p = realloc(w->pts, (size_t)npoints * 4 * sizeof *p);
        if (!p) return sw_fail(SW_ERR_RUNTIME, "'%s': out of memory for %lld points", w->path, npoints);
        w->pts = p;
        w->pts_cap = npoints;
    }
    for (long long i = 0; i < npoints; i++) {
        w->pts[4 * i] = (int32_t)chip;
        memcpy(&w->pts[4 * i + 1], &points[3 * i], 3 * sizeof *points);
    }
    st = copy_chunk(w, s, DS_IMAGES, from, index);
    if (!st) st = copy_chunk(w, s, DS_MASKS, from, index);
    if (!st) st = append(w, s, DS_LABELS, 1, H5T_NATIVE_UINT8, lab);
    if (!st) st = append(w, s, DS_ORIGIN, 1, H5T_NATIVE_INT32, org);
    if (!st) st = append(w, s, DS_POINTS, (hsize_t)npoints, H5T_NATIVE_INT32, w->pts);
    return st;
}

long long sw_chips_writer_count(const sw_chips_writer *w, sw_split split) {
    return (split == SW_SPLIT_TRAIN || split == SW_SPLIT_VAL) ? w->rows[split][DS_IMAGES] : 0;
}

sw_status sw_chips_writer_finish(sw_chips_writer *w, const float *mean, const float *std,
                                 const long long *class_hist) {
    const hid_t i64 = H5T_STD_I64LE;
    sw_status st = attr_write(w->file, w, "mean", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, mean, (hsize_t)w->h.channels);
    if (!st) st = attr_write(w->file, w, "std", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std, (hsize_t)w->h.channels);
    if (!st) st = attr_write(w->file, w, "class_hist", i64, H5T_NATIVE_LLONG, class_hist, (hsize_t)w->h.classes);
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < DS_COUNT; k++)
            if (w->ds[s][k] >= 0) H5Dclose(w->ds[s][k]), w->ds[s][k] = -1;
    if (!st && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) st = wfail(w, "cannot flush the file%s%s", "", "");
    if (w->file >= 0) {
        sw_status cst = sw_h5_close(w->file, w->tmp);
        w->file = -1;
        if (!st) st = cst;
    }
    if (!st) st = sw_rename_durable(w->tmp, w->path);
    if (st) {
        sw_chips_writer_abort(w);
        return st;
    }
    writer_free(w);
    return SW_OK;
}
