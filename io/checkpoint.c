/* model.h5 read and write (see checkpoint.h; layout in docs/formats.md). */
#include "io/checkpoint.h"

#include "io/h5.h"
#include "src/core/fsutil.h"

#include <hdf5.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static sw_status h5err(const char *path, const char *what, const char *name) {
    H5Eclear2(H5E_DEFAULT);
    return sw_fail(SW_ERR_INPUT, "%s: %s %s", path, what, name);
}

static sw_status attr_i32(hid_t loc, const char *path, const char *name, const int32_t *v, int n) {
    const hsize_t dims[1] = {(hsize_t)n};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t a = sp < 0 ? -1 : H5Acreate2(loc, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_INT32, v);
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return e < 0 ? sw_fail(SW_ERR_OUTPUT, "%s: cannot write attribute %s", path, name) : SW_OK;
}

static sw_status attr_read_i32(hid_t loc, const char *path, const char *name, int32_t *v, int n) {
    if (H5Aexists(loc, name) <= 0) return h5err(path, "has no attribute", name);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t sp = a < 0 ? -1 : H5Aget_space(a);
    const hssize_t cnt = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    herr_t e = cnt == n ? H5Aread(a, H5T_NATIVE_INT32, v) : -1;
    if (sp >= 0) H5Sclose(sp);
    if (a >= 0) H5Aclose(a);
    return e < 0 ? h5err(path, "cannot read attribute", name) : SW_OK;
}

static sw_status write_f32(hid_t loc, const char *path, const char *name, const float *data,
                           int ndim, const int *shape) {
    hsize_t dims[4];
    for (int i = 0; i < ndim; i++) dims[i] = (hsize_t)shape[i];
    hid_t sp = H5Screate_simple(ndim, dims, NULL);
    hid_t d = sp < 0 ? -1
                     : H5Dcreate2(loc, name, H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                                  H5P_DEFAULT);
    herr_t e = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (d >= 0) H5Dclose(d);
    if (sp >= 0) H5Sclose(sp);
    return e < 0 ? sw_fail(SW_ERR_OUTPUT, "%s: cannot write dataset %s", path, name) : SW_OK;
}

/* Reads dataset `name` of exactly `shape` into data. */
static sw_status read_f32(hid_t loc, const char *path, const char *group, const char *name,
                          float *data, int ndim, const int *shape) {
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return sw_fail(SW_ERR_INPUT, "%s: no dataset %s/%s (an incomplete file or another "
                       "architecture)", path, group, name);
    }
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t sp = d < 0 ? -1 : H5Dget_space(d);
    hsize_t dims[8] = {0};
    const int nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    if (nd >= 0 && nd <= 8) H5Sget_simple_extent_dims(sp, dims, NULL);
    int same = nd == ndim;
    for (int i = 0; same && i < ndim; i++) same = dims[i] == (hsize_t)shape[i];
    herr_t e = same ? H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : -1;
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    if (!same && nd >= 0) {
        H5Eclear2(H5E_DEFAULT);
        return sw_fail(SW_ERR_INPUT, "%s: dataset %s/%s has %d dimensions (first %llu), "
                       "expected %d (first %d)", path, group, name, nd,
                       (unsigned long long)dims[0], ndim, shape[0]);
    }
    return e < 0 ? h5err(path, "cannot read dataset", name) : SW_OK;
}

static hid_t group_create(hid_t f, const char *name) {
    return H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

static sw_status write_tensors(hid_t g, const char *path, const nn_param_set *ps,
                               const float *base) {
    for (int i = 0; i < ps->count; i++) {
        const nn_tensor *t = &ps->params[i];
        const float *data = base ? base + ps->offset[i] : t->data;
        sw_status st = write_f32(g, path, t->name, data, t->ndim, t->shape);
        if (st != SW_OK) return st;
    }
    return SW_OK;
}

static sw_status read_tensors(hid_t g, const char *path, const char *group,
                              const nn_param_set *ps, float *base) {
    for (int i = 0; i < ps->count; i++) {
        const nn_tensor *t = &ps->params[i];
        float *data = base ? base + ps->offset[i] : t->data;
        sw_status st = read_f32(g, path, group, t->name, data, t->ndim, t->shape);
        if (st != SW_OK) return st;
    }
    return SW_OK;
}

static sw_status attr_scalar(hid_t loc, const char *path, const char *name, hid_t ftype,
                             hid_t mtype, const void *v) {
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp < 0 ? -1 : H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, mtype, v);
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return e < 0 ? sw_fail(SW_ERR_OUTPUT, "%s: cannot write attribute /train_state/%s", path,
                           name)
                 : SW_OK;
}

static sw_status attr_read_scalar(hid_t loc, const char *path, const char *name, hid_t mtype,
                                  void *v) {
    if (H5Aexists(loc, name) <= 0) return h5err(path, "has no attribute /train_state/", name);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Aread(a, mtype, v);
    if (a >= 0) H5Aclose(a);
    return e < 0 ? h5err(path, "cannot read attribute /train_state/", name) : SW_OK;
}

static sw_status save_train_state(hid_t f, const char *path, const sw_ckpt_train *t) {
    hid_t g = group_create(f, "train_state");
    if (g < 0) return sw_fail(SW_ERR_OUTPUT, "%s: cannot create /train_state", path);
    const struct { const char *name; const int32_t *v; } ints[] = {
        {"epoch", &t->epoch}, {"pos", &t->pos}, {"steps", &t->steps}, {"finished", &t->finished},
        {"epoch_loss_n", &t->epoch_loss_n}, {"best_epoch", &t->best_epoch},
        {"bad_epochs", &t->bad_epochs}, {"world_size", &t->world_size}};
    sw_status st = SW_OK;
    for (size_t i = 0; st == SW_OK && i < sizeof ints / sizeof ints[0]; i++)
        st = attr_scalar(g, path, ints[i].name, H5T_STD_I32LE, H5T_NATIVE_INT32, ints[i].v);
    if (st == SW_OK) st = attr_scalar(g, path, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &t->seed);
    if (st == SW_OK)
        st = attr_scalar(g, path, "epoch_loss_sum", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                         &t->epoch_loss_sum);
    if (st == SW_OK)
        st = attr_scalar(g, path, "best_val_loss", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                         &t->best_val_loss);
    if (st == SW_OK) st = sw_h5_attr_write_str((sw_h5_id)g, path, "config", t->config);
    if (st == SW_OK && t->chips[0]) st = sw_h5_attr_write_str((sw_h5_id)g, path, "chips", t->chips);
    if (st == SW_OK)
        st = sw_h5_attr_write_str((sw_h5_id)g, path, "rng",
                                  "splitmix64 keyed by (seed, epoch, global sample index)");
    H5Gclose(g);
    return st;
}

static sw_status read_train_state(hid_t f, const char *path, sw_ckpt_train *t) {
    memset(t, 0, sizeof *t);
    if (H5Lexists(f, "train_state", H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return SW_OK;
    }
    hid_t g = H5Gopen2(f, "train_state", H5P_DEFAULT);
    if (g < 0) return h5err(path, "cannot open", "/train_state");
    struct { const char *name; int32_t *v; } ints[] = {
        {"epoch", &t->epoch}, {"pos", &t->pos}, {"steps", &t->steps}, {"finished", &t->finished},
        {"epoch_loss_n", &t->epoch_loss_n}, {"best_epoch", &t->best_epoch},
        {"bad_epochs", &t->bad_epochs}, {"world_size", &t->world_size}};
    sw_status st = SW_OK;
    for (size_t i = 0; st == SW_OK && i < sizeof ints / sizeof ints[0]; i++)
        st = attr_read_scalar(g, path, ints[i].name, H5T_NATIVE_INT32, ints[i].v);
    if (st == SW_OK) st = attr_read_scalar(g, path, "seed", H5T_NATIVE_UINT64, &t->seed);
    if (st == SW_OK)
        st = attr_read_scalar(g, path, "epoch_loss_sum", H5T_NATIVE_DOUBLE, &t->epoch_loss_sum);
    if (st == SW_OK)
        st = attr_read_scalar(g, path, "best_val_loss", H5T_NATIVE_DOUBLE, &t->best_val_loss);
    if (st == SW_OK)
        st = sw_h5_attr_read_str((sw_h5_id)g, path, "config", t->config, (int)sizeof t->config);
    if (st == SW_OK && H5Aexists(g, "chips") > 0) /* optional: files before it have none */
        st = sw_h5_attr_read_str((sw_h5_id)g, path, "chips", t->chips, (int)sizeof t->chips);
    H5Gclose(g);
    if (st == SW_OK) t->present = 1;
    return st;
}

static sw_status save_body(hid_t f, const char *path, const nn_model *m,
                           const sw_ckpt_meta *meta) {
    const nn_model_config *c = &m->cfg;
    sw_status st = sw_h5_attr_write_str(f, path, "arch", c->arch);
    const int32_t hp[4] = {c->in_ch, c->classes, c->depth, c->width};
    const int32_t tile[2] = {meta->tile_h, meta->tile_w};
    const int32_t step = meta->step;
    if (st == SW_OK) st = attr_i32(f, path, "in_ch", &hp[0], 1);
    if (st == SW_OK) st = attr_i32(f, path, "classes", &hp[1], 1);
    if (st == SW_OK) st = attr_i32(f, path, "depth", &hp[2], 1);
    if (st == SW_OK) st = attr_i32(f, path, "width", &hp[3], 1);
    if (st == SW_OK) st = attr_i32(f, path, "input_size", tile, 2);
    if (st != SW_OK) return st;
    /* class names: fixed-length strings */
    {
        char(*names)[SW_CKPT_CLASS_NAME] = calloc((size_t)c->classes, SW_CKPT_CLASS_NAME);
        if (!names) return sw_fail(SW_ERR_RUNTIME, "out of memory for class names");
        for (int i = 0; i < c->classes; i++) {
            if (meta->class_names) memcpy(names[i], meta->class_names[i], SW_CKPT_CLASS_NAME);
            else snprintf(names[i], SW_CKPT_CLASS_NAME, "class_%d", i);
            names[i][SW_CKPT_CLASS_NAME - 1] = 0;
        }
        const hsize_t dims[1] = {(hsize_t)c->classes};
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, SW_CKPT_CLASS_NAME);
        H5Tset_strpad(t, H5T_STR_NULLTERM);
        hid_t sp = H5Screate_simple(1, dims, NULL);
        hid_t d = H5Dcreate2(f, "classes", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        herr_t e = d < 0 ? -1 : H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names);
        if (d >= 0) H5Dclose(d);
        H5Sclose(sp);
        H5Tclose(t);
        free(names);
        if (e < 0) return sw_fail(SW_ERR_OUTPUT, "%s: cannot write /classes", path);
    }
    hid_t g = group_create(f, "normalization");
    if (g < 0) return sw_fail(SW_ERR_OUTPUT, "%s: cannot create /normalization", path);
    st = write_f32(g, path, "mean", meta->mean, 1, &c->in_ch);
    if (st == SW_OK) st = write_f32(g, path, "std", meta->std, 1, &c->in_ch);
    H5Gclose(g);
    int known = 1;   /* a root attribute, written only when every channel's band is known */
    int32_t bands[SW_CKPT_MAX_CH];
    for (int i = 0; i < c->in_ch; i++) known &= (bands[i] = meta->bands[i]) > 0;
    if (st == SW_OK && known) st = attr_i32(f, path, "bands", bands, c->in_ch);
    if (st != SW_OK) return st;
    g = group_create(f, "weights");
    if (g < 0) return sw_fail(SW_ERR_OUTPUT, "%s: cannot create /weights", path);
    st = write_tensors(g, path, &m->net.params, NULL);
    if (st == SW_OK) st = write_tensors(g, path, &m->net.buffers, NULL);
    H5Gclose(g);
    if (st != SW_OK) return st;
    const nn_param_set *ps = &m->net.params;
    if (meta->optimizer[0] && ps->n_state > 0) {
        g = group_create(f, "optimizer");
        if (g < 0) return sw_fail(SW_ERR_OUTPUT, "%s: cannot create /optimizer", path);
        const int32_t ns = ps->n_state;
        st = sw_h5_attr_write_str(f, path, "optimizer", meta->optimizer);
        if (st == SW_OK) st = attr_i32(g, path, "step", &step, 1);
        if (st == SW_OK) st = attr_i32(g, path, "n_state", &ns, 1);
        for (int s = 0; st == SW_OK && s < ps->n_state; s++) {
            char nm[16];
            snprintf(nm, sizeof nm, "state%d", s);
            hid_t gs = group_create(g, nm);
            st = gs < 0 ? sw_fail(SW_ERR_OUTPUT, "%s: cannot create /optimizer/%s", path, nm)
                        : write_tensors(gs, path, ps, nn_param_set_state(ps, s));
            if (gs >= 0) H5Gclose(gs);
        }
        H5Gclose(g);
        if (st != SW_OK) return st;
    }
    if (meta->train.present && (st = save_train_state(f, path, &meta->train)) != SW_OK) return st;
    /* history: a compound table */
    hid_t ct = H5Tcreate(H5T_COMPOUND, sizeof(sw_ckpt_epoch));
    H5Tinsert(ct, "epoch", HOFFSET(sw_ckpt_epoch, epoch), H5T_NATIVE_INT32);
    H5Tinsert(ct, "lr", HOFFSET(sw_ckpt_epoch, lr), H5T_NATIVE_FLOAT);
    H5Tinsert(ct, "train_loss", HOFFSET(sw_ckpt_epoch, train_loss), H5T_NATIVE_FLOAT);
    H5Tinsert(ct, "val_loss", HOFFSET(sw_ckpt_epoch, val_loss), H5T_NATIVE_FLOAT);
    H5Tinsert(ct, "val_score", HOFFSET(sw_ckpt_epoch, val_score), H5T_NATIVE_FLOAT);
    const hsize_t hd[1] = {(hsize_t)meta->nhistory};
    hid_t sp = H5Screate_simple(1, hd, NULL);
    hid_t d = H5Dcreate2(f, "history", ct, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = d < 0 ? -1
                     : meta->nhistory ? H5Dwrite(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                                 meta->history)
                                      : 0;
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(ct);
    return e < 0 ? sw_fail(SW_ERR_OUTPUT, "%s: cannot write /history", path) : SW_OK;
}

sw_status sw_checkpoint_save(const char *path, const nn_model *m, const sw_ckpt_meta *meta) {
    if (m->cfg.in_ch > SW_CKPT_MAX_CH)
        return sw_fail(SW_ERR_USAGE, "%s: %d input channels (at most %d)", path, m->cfg.in_ch,
                       SW_CKPT_MAX_CH);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    sw_h5_id f;
    sw_status st = sw_h5_create(&f, tmp, "model", SW_MODEL_VERSION);
    if (st != SW_OK) return st;
    st = save_body((hid_t)f, path, m, meta);
    sw_status cst = sw_h5_close(f, tmp);
    if (st == SW_OK) st = cst;
    if (st == SW_OK) { /* the data on disk before the rename: a crash keeps the old or the new */
        const int fd = open(tmp, O_RDONLY);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
        st = sw_rename_durable(tmp, path);
    }
    if (st != SW_OK) unlink(tmp);
    return st;
}

void sw_ckpt_meta_free(sw_ckpt_meta *meta) {
    free(meta->class_names);
    free(meta->history);
    meta->class_names = NULL;
    meta->history = NULL;
}

static sw_status read_meta(hid_t f, const char *path, sw_ckpt_meta *meta) {
    memset(meta, 0, sizeof *meta);
    nn_model_config *c = &meta->cfg;
    sw_status st = sw_h5_attr_read_str(f, path, "arch", c->arch, sizeof c->arch);
    int32_t v[2];
    if (st == SW_OK && (st = attr_read_i32(f, path, "in_ch", v, 1)) == SW_OK) c->in_ch = v[0];
    if (st == SW_OK && (st = attr_read_i32(f, path, "classes", v, 1)) == SW_OK) c->classes = v[0];
    if (st == SW_OK && (st = attr_read_i32(f, path, "depth", v, 1)) == SW_OK) c->depth = v[0];
    if (st == SW_OK && (st = attr_read_i32(f, path, "width", v, 1)) == SW_OK) c->width = v[0];
    if (st == SW_OK && (st = attr_read_i32(f, path, "input_size", v, 2)) == SW_OK)
        meta->tile_h = v[0], meta->tile_w = v[1];
    if (st != SW_OK) return st;
    if (c->in_ch < 1 || c->in_ch > SW_CKPT_MAX_CH || c->classes < 1 || c->classes > 254)
        return sw_fail(SW_ERR_INPUT, "%s: %d input channels, %d classes (1..%d, 1..254)", path,
                       c->in_ch, c->classes, SW_CKPT_MAX_CH);
    if (H5Aexists(f, "optimizer") > 0) {
        st = sw_h5_attr_read_str(f, path, "optimizer", meta->optimizer, sizeof meta->optimizer);
        hid_t g = st == SW_OK ? H5Gopen2(f, "optimizer", H5P_DEFAULT) : -1;
        if (g < 0) return st != SW_OK ? st : h5err(path, "has no group", "/optimizer");
        st = attr_read_i32(g, path, "step", v, 1);
        meta->step = v[0];
        H5Gclose(g);
        if (st != SW_OK) return st;
    }
    hid_t g = H5Gopen2(f, "normalization", H5P_DEFAULT);
    if (g < 0) return h5err(path, "has no group", "/normalization");
    st = read_f32(g, path, "/normalization", "mean", meta->mean, 1, &c->in_ch);
    if (st == SW_OK) st = read_f32(g, path, "/normalization", "std", meta->std, 1, &c->in_ch);
    H5Gclose(g);
    if (st == SW_OK && H5Aexists(f, "bands") > 0) {   /* optional: models before it lack it */
        int32_t bands[SW_CKPT_MAX_CH];
        st = attr_read_i32(f, path, "bands", bands, c->in_ch);
        for (int i = 0; st == SW_OK && i < c->in_ch; i++) {
            if (bands[i] < 1) st = sw_fail(SW_ERR_INPUT, "%s: root attribute 'bands' holds band %d", path, bands[i]);
            meta->bands[i] = bands[i];
        }
    }
    if (st != SW_OK) return st;
    meta->class_names = calloc((size_t)c->classes, SW_CKPT_CLASS_NAME);
    if (!meta->class_names) return sw_fail(SW_ERR_RUNTIME, "out of memory");
    hid_t d = H5Dopen2(f, "classes", H5P_DEFAULT);
    hid_t sp = d < 0 ? -1 : H5Dget_space(d);
    const hssize_t nc = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, SW_CKPT_CLASS_NAME);
    herr_t e = nc == c->classes ? H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, meta->class_names)
                                : -1;
    H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    if (e < 0) {
        H5Eclear2(H5E_DEFAULT);
        return sw_fail(SW_ERR_INPUT, "%s: /classes missing or not %d names", path, c->classes);
    }
    d = H5Dopen2(f, "history", H5P_DEFAULT);
    if (d < 0) return h5err(path, "has no dataset", "/history");
    sp = H5Dget_space(d);
    const hssize_t nh = H5Sget_simple_extent_npoints(sp);
    meta->nhistory = nh > 0 ? (int)nh : 0;
    meta->history = calloc((size_t)meta->nhistory + 1, sizeof *meta->history);
    hid_t ct = H5Tcreate(H5T_COMPOUND, sizeof(sw_ckpt_epoch));
    H5Tinsert(ct, "epoch", HOFFSET(sw_ckpt_epoch, epoch), H5T_NATIVE_INT32);
    H5Tinsert(ct, "lr", HOFFSET(sw_ckpt_epoch, lr), H5T_NATIVE_FLOAT);
    H5Tinsert(ct, "train_loss", HOFFSET(sw_ckpt_epoch, train_loss), H5T_NATIVE_FLOAT);
    H5Tinsert(ct, "val_loss", HOFFSET(sw_ckpt_epoch, val_loss), H5T_NATIVE_FLOAT);
    H5Tinsert(ct, "val_score", HOFFSET(sw_ckpt_epoch, val_score), H5T_NATIVE_FLOAT);
    e = !meta->history ? -1
        : meta->nhistory ? H5Dread(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, meta->history) : 0;
    H5Tclose(ct);
    H5Sclose(sp);
    H5Dclose(d);
    if (e < 0) return h5err(path, "cannot read", "/history");
    return read_train_state(f, path, &meta->train);
}

sw_status sw_checkpoint_read_meta(const char *path, sw_ckpt_meta *meta) {
    sw_h5_id f;
    sw_status st = sw_h5_open(&f, path, "model", SW_MODEL_VERSION, 0, NULL);
    if (st != SW_OK) {
        memset(meta, 0, sizeof *meta);
        return st;
    }
    st = read_meta((hid_t)f, path, meta);
    sw_h5_close(f, path);
    if (st != SW_OK) sw_ckpt_meta_free(meta);
    return st;
}

/* H5Literate's callback changed in 1.12; `info` is not used. */
#if H5_VERSION_GE(1, 12, 0)
typedef H5L_info2_t sw_linfo;
#define LITERATE(g, idx, cb, data) H5Literate2(g, H5_INDEX_NAME, H5_ITER_INC, idx, cb, data)
#else
typedef H5L_info_t sw_linfo;
#define LITERATE(g, idx, cb, data) H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, idx, cb, data)
#endif

typedef struct {
    const char *path;
    uint64_t h;
    float *buf;
    size_t cap;
    sw_status st;
} fp_walk;

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ULL;
    return h;
}

static herr_t fp_dataset(hid_t g, const char *name, const sw_linfo *info, void *data) {
    (void)info;
    fp_walk *w = data;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    hid_t sp = d < 0 ? -1 : H5Dget_space(d);
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    if (n >= 0 && (size_t)n > w->cap) {
        float *b = realloc(w->buf, (size_t)n * sizeof *b);
        if (b) w->buf = b, w->cap = (size_t)n;
    }
    herr_t e = n < 0 || (size_t)n > w->cap ? -1 : n == 0 ? 0 : H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, w->buf);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    if (e < 0) {
        w->st = h5err(w->path, "cannot read weights dataset", name);
        return -1;
    }
    w->h = fnv1a(w->h, name, strlen(name) + 1);
    w->h = fnv1a(w->h, w->buf, (size_t)n * sizeof *w->buf);
    return 0;
}

sw_status sw_checkpoint_fingerprint(const char *path, uint64_t *fp) {
    sw_h5_id f;
    sw_status st = sw_h5_open(&f, path, "model", SW_MODEL_VERSION, 0, NULL);
    if (st != SW_OK) return st;
    fp_walk w = {path, 14695981039346656037ULL, NULL, 0, SW_OK};
    hid_t g = H5Gopen2((hid_t)f, "weights", H5P_DEFAULT);
    if (g < 0) st = h5err(path, "has no group", "/weights");
    else {
        hsize_t idx = 0;
        if (LITERATE(g, &idx, fp_dataset, &w) < 0)
            st = w.st ? w.st : h5err(path, "cannot list", "/weights");
        H5Gclose(g);
    }
    free(w.buf);
    sw_h5_close(f, path);
    *fp = w.h;
    return st;
}

static sw_status mismatch(const char *path, const char *what, int file, int model) {
    return sw_fail(SW_ERR_INPUT, "%s: %s %d in the file, %d expected by the model", path, what,
                   file, model);
}

sw_status sw_checkpoint_load(const char *path, nn_model *m, int with_optimizer) {
    sw_h5_id fid;
    sw_status st = sw_h5_open(&fid, path, "model", SW_MODEL_VERSION, 0, NULL);
    if (st != SW_OK) return st;
    m->net.folded = 0; /* new parameters: a folded copy is stale */
    const hid_t f = (hid_t)fid;
    sw_ckpt_meta meta;
    st = read_meta(f, path, &meta);
    const nn_model_config *c = &m->cfg;
    if (st == SW_OK && strcmp(meta.cfg.arch, c->arch) != 0)
        st = sw_fail(SW_ERR_INPUT, "%s: architecture '%s' in the file, '%s' expected by the "
                     "model", path, meta.cfg.arch, c->arch);
    if (st == SW_OK && meta.cfg.in_ch != c->in_ch)
        st = mismatch(path, "input channels", meta.cfg.in_ch, c->in_ch);
    if (st == SW_OK && meta.cfg.classes != c->classes)
        st = mismatch(path, "classes", meta.cfg.classes, c->classes);
    if (st == SW_OK && meta.cfg.depth != c->depth)
        st = mismatch(path, "depth", meta.cfg.depth, c->depth);
    if (st == SW_OK && meta.cfg.width != c->width)
        st = mismatch(path, "width", meta.cfg.width, c->width);
    if (st == SW_OK) {
        hid_t g = H5Gopen2(f, "weights", H5P_DEFAULT);
        if (g < 0) st = h5err(path, "has no group", "/weights");
        else {
            st = read_tensors(g, path, "/weights", &m->net.params, NULL);
            if (st == SW_OK) st = read_tensors(g, path, "/weights", &m->net.buffers, NULL);
            H5Gclose(g);
        }
    }
    nn_param_set *ps = &m->net.params;
    if (st == SW_OK && with_optimizer && meta.optimizer[0]) {
        hid_t g = H5Gopen2(f, "optimizer", H5P_DEFAULT);
        int32_t ns = 0;
        st = g < 0 ? h5err(path, "has no group", "/optimizer")
                   : attr_read_i32(g, path, "n_state", &ns, 1);
        if (st == SW_OK && ns != ps->n_state)
            st = mismatch(path, "optimizer state buffers", ns, ps->n_state);
        for (int s = 0; st == SW_OK && s < ps->n_state; s++) {
            char nm[16], grp[32];
            snprintf(nm, sizeof nm, "state%d", s);
            snprintf(grp, sizeof grp, "/optimizer/%s", nm);
            hid_t gs = H5Gopen2(g, nm, H5P_DEFAULT);
            st = gs < 0 ? h5err(path, "has no group", grp)
                        : read_tensors(gs, path, grp, ps, nn_param_set_state(ps, s));
            if (gs >= 0) H5Gclose(gs);
        }
        if (g >= 0) H5Gclose(g);
    }
    sw_ckpt_meta_free(&meta);
    sw_h5_close(fid, path);
    return st;
}
