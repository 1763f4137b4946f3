/* HDF5 helpers (see h5.h). HDF5's automatic error printing is turned off for the process (io/ is
 * its only user, and every failure comes back as our message); on failure the innermost entry of
 * HDF5's error stack, where the problem was found, is appended to the message. */
#include "io/h5.h"

#include "src/core/fsutil.h"
#include "src/core/json.h"

#include <hdf5.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ATTR_FORMAT "swath_format"
#define ATTR_VERSION "swath_format_version"

/* H5Ovisit's callback changed in 1.12; only `type` is used, the same in both. */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_info2_t sw_oinfo;
#define OVISIT(obj, cb, data) H5Ovisit3(obj, H5_INDEX_NAME, H5_ITER_INC, cb, data, H5O_INFO_BASIC)
#else
typedef H5O_info_t sw_oinfo;
#define OVISIT(obj, cb, data) H5Ovisit2(obj, H5_INDEX_NAME, H5_ITER_INC, cb, data, H5O_INFO_BASIC)
#endif

/* Called at every entry: H5E_DEFAULT is per thread in thread-safe builds. */
static void h5_init(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static herr_t innermost_cb(unsigned n, const H5E_error2_t *e, void *data) {
    if (n == 0 && e->desc) snprintf(data, 512, "%s", e->desc);   /* upward walk: 0 is the innermost */
    return 0;
}

/* sw_fail with the innermost HDF5 message appended; clears HDF5's error stack. */
static sw_status h5_fail(sw_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static sw_status h5_fail(sw_status code, const char *fmt, ...) {
    char buf[1024], inner[512] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_cb, inner);
    H5Eclear2(H5E_DEFAULT);
    if (inner[0]) return sw_fail(code, "%s: %s", buf, inner);
    return sw_fail(code, "%s", buf);
}

static void close_ids(hid_t attr, hid_t type, hid_t space) {
    if (attr >= 0) H5Aclose(attr);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
}

int sw_h5_is_hdf5(const char *path) {
    /* The superblock signature sits at 0, 512, 1024, 2048, ... (after a user block). */
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    struct stat st;
    int found = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        for (off_t off = 0; !found && off + 8 <= st.st_size; off = off ? 2 * off : 512) {
            unsigned char b[8];
            if (pread(fd, b, 8, off) != 8) break;
            found = memcmp(b, sig, 8) == 0;
        }
    }
    close(fd);
    return found;
}

static sw_status attr_write_str(hid_t loc, const char *path, const char *name, const char *value, sw_status code) {
    htri_t ex = H5Aexists(loc, name);
    if (ex < 0) return h5_fail(code, "'%s': cannot check root attribute '%s' (H5Aexists)", path, name);
    if (ex > 0 && H5Adelete(loc, name) < 0)
        return h5_fail(code, "'%s': cannot replace root attribute '%s' (H5Adelete)", path, name);
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr = -1;
    sw_status st = SW_OK;
    if (type < 0 || space < 0 || H5Tset_size(type, strlen(value) + 1) < 0 ||
        H5Tset_strpad(type, H5T_STR_NULLTERM) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0)
        st = h5_fail(SW_ERR_RUNTIME, "'%s': cannot make the type of string attribute '%s' (H5Tset_size)", path, name);
    else if ((attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        st = h5_fail(code, "'%s': cannot create root attribute '%s' (H5Acreate2)", path, name);
    else if (H5Awrite(attr, type, value) < 0)
        st = h5_fail(code, "'%s': cannot write root attribute '%s' (H5Awrite)", path, name);
    close_ids(attr, type, space);
    return st;
}

static sw_status attr_write_i32(hid_t loc, const char *path, const char *name, int32_t value) {
    hid_t space = H5Screate(H5S_SCALAR), attr = -1;
    sw_status st = SW_OK;
    if (space < 0 || (attr = H5Acreate2(loc, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        st = h5_fail(SW_ERR_OUTPUT, "'%s': cannot create root attribute '%s' (H5Acreate2)", path, name);
    else if (H5Awrite(attr, H5T_NATIVE_INT32, &value) < 0)
        st = h5_fail(SW_ERR_OUTPUT, "'%s': cannot write root attribute '%s' (H5Awrite)", path, name);
    close_ids(attr, -1, space);
    return st;
}

/* Opens root attribute `name`, checking it holds one value of class `cls`. */
static sw_status attr_open(hid_t loc, const char *path, const char *name, H5T_class_t cls, const char *what,
                           hid_t *attr, hid_t *ftype) {
    *attr = *ftype = -1;
    htri_t ex = H5Aexists(loc, name);
    if (ex < 0) return h5_fail(SW_ERR_INPUT, "'%s': cannot check root attribute '%s' (H5Aexists)", path, name);
    if (ex == 0) return sw_fail(SW_ERR_INPUT, "'%s' has no root attribute '%s'", path, name);
    if ((*attr = H5Aopen(loc, name, H5P_DEFAULT)) < 0)
        return h5_fail(SW_ERR_INPUT, "'%s': cannot open root attribute '%s' (H5Aopen)", path, name);
    hid_t space = H5Aget_space(*attr);
    *ftype = H5Aget_type(*attr);
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    if (*ftype < 0 || n < 0)
        return h5_fail(SW_ERR_INPUT, "'%s': cannot read root attribute '%s' (H5Aget_type)", path, name);
    if (H5Tget_class(*ftype) != cls || n != 1)
        return sw_fail(SW_ERR_INPUT, "'%s': root attribute '%s' is not one %s", path, name, what);
    return SW_OK;
}

static sw_status attr_read_str(hid_t loc, const char *path, const char *name, char *buf, int cap) {
    hid_t attr, ftype, mtype = -1;
    sw_status st = attr_open(loc, path, name, H5T_STRING, "string", &attr, &ftype);
    if (st) {
        close_ids(attr, ftype, -1);
        return st;
    }
    htri_t var = H5Tis_variable_str(ftype);
    size_t fsize = H5Tget_size(ftype);
    char *val = NULL, *vlen = NULL;
    mtype = H5Tcopy(H5T_C_S1);
    if (var < 0 || fsize == 0 || mtype < 0 || H5Tset_size(mtype, var ? H5T_VARIABLE : fsize + 1) < 0 ||
        H5Tset_cset(mtype, H5Tget_cset(ftype)) < 0)
        st = h5_fail(SW_ERR_INPUT, "'%s': cannot read root attribute '%s' (H5Tset_size)", path, name);
    else if (var) {
        if (H5Aread(attr, mtype, &vlen) < 0)
            st = h5_fail(SW_ERR_INPUT, "'%s': cannot read root attribute '%s' (H5Aread)", path, name);
        val = vlen;
    } else if (!(val = sw_calloc(1, fsize + 1, "string attribute"))) {
        st = SW_ERR_RUNTIME;
    } else if (H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0 || H5Aread(attr, mtype, val) < 0) {
        st = h5_fail(SW_ERR_INPUT, "'%s': cannot read root attribute '%s' (H5Aread)", path, name);
    }
    if (!st) {
        size_t len = val ? strlen(val) : 0;
        if (len >= (size_t)(cap > 0 ? cap : 0))
            st = sw_fail(SW_ERR_INPUT, "'%s': root attribute '%s' holds %zu bytes, more than the %d-byte buffer", path,
                         name, len, cap);
        else memcpy(buf, val ? val : "", len + 1);
    }
    if (vlen) H5free_memory(vlen);
    else free(val);
    close_ids(attr, ftype, -1);
    if (mtype >= 0) H5Tclose(mtype);
    return st;
}

static sw_status attr_read_int(hid_t loc, const char *path, const char *name, int *out) {
    hid_t attr, ftype;
    sw_status st = attr_open(loc, path, name, H5T_INTEGER, "integer", &attr, &ftype);
    if (!st && H5Aread(attr, H5T_NATIVE_INT, out) < 0)
        st = h5_fail(SW_ERR_INPUT, "'%s': cannot read root attribute '%s' (H5Aread)", path, name);
    close_ids(attr, ftype, -1);
    return st;
}

/* Reads swath's two root attributes; a file without them is not a swath file. */
static sw_status read_identity(hid_t f, const char *path, char *format, int cap, int *version) {
    htri_t ex = H5Aexists(f, ATTR_FORMAT);
    if (ex < 0) return h5_fail(SW_ERR_INPUT, "'%s': cannot check root attribute '%s' (H5Aexists)", path, ATTR_FORMAT);
    if (ex == 0)
        return sw_fail(SW_ERR_INPUT, "'%s' is an HDF5 file but not one swath wrote (no root attribute '%s')", path,
                       ATTR_FORMAT);
    sw_status st = attr_read_str(f, path, ATTR_FORMAT, format, cap);
    if (!st) st = attr_read_int(f, path, ATTR_VERSION, version);
    return st;
}

/* Opens a swath HDF5 file and reads its format name and version. */
static sw_status open_swath(hid_t *out, const char *path, int rw, char *format, int cap, int *version) {
    *out = -1;
    h5_init();
    if (!path || !*path) return sw_fail(SW_ERR_INPUT, "empty HDF5 file name");
    struct stat sb;
    if (stat(path, &sb) != 0) return sw_fail(SW_ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
    if (!sw_h5_is_hdf5(path)) return sw_fail(SW_ERR_INPUT, "'%s' is not an HDF5 file", path);
    hid_t f = H5Fopen(path, rw ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return h5_fail(rw ? SW_ERR_OUTPUT : SW_ERR_INPUT, "cannot open '%s'%s (H5Fopen)", path,
                       rw ? " for writing" : "");
    sw_status st = read_identity(f, path, format, cap, version);
    if (st) {
        H5Fclose(f);
        return st;
    }
    *out = f;
    return SW_OK;
}

sw_status sw_h5_create(sw_h5_id *file, const char *path, const char *format, int version) {
    *file = -1;
    h5_init();
    if (!path || !*path || !format || !*format)
        return sw_fail(SW_ERR_RUNTIME, "sw_h5_create: empty file name or format ('%s')", path ? path : "");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) return h5_fail(SW_ERR_OUTPUT, "cannot create '%s' (H5Fcreate)", path);
    sw_status st = attr_write_str(f, path, ATTR_FORMAT, format, SW_ERR_OUTPUT);
    if (!st) st = attr_write_i32(f, path, ATTR_VERSION, version);
    if (st) {
        H5Fclose(f);
        unlink(path);
        return st;
    }
    *file = f;
    return SW_OK;
}

sw_status sw_h5_open(sw_h5_id *file, const char *path, const char *format, int max_version, int rw,
                     int *version) {
    char found[256];
    int ver = 0;
    hid_t f;
    *file = -1;
    sw_status st = open_swath(&f, path, rw, found, sizeof found, &ver);
    if (st) return st;
    if (format && strcmp(found, format) != 0)
        st = sw_fail(SW_ERR_INPUT, "'%s' is a swath '%s' file, expected '%s'", path, found, format);
    else if (ver < 1)
        st = sw_fail(SW_ERR_INPUT, "'%s': invalid swath '%s' format version %d", path, found, ver);
    else if (ver > max_version)
        st = sw_fail(SW_ERR_INPUT, "'%s' is a swath '%s' file of format version %d, newer than this swath reads "
                     "(version %d at most): use a newer swath", path, found, ver, max_version);
    if (st) {
        H5Fclose(f);
        return st;
    }
    *file = f;
    if (version) *version = ver;
    return SW_OK;
}

sw_status sw_h5_close(sw_h5_id file, const char *path) {
    if (file < 0) return SW_OK;
    h5_init();
    if (H5Fclose((hid_t)file) < 0) return h5_fail(SW_ERR_OUTPUT, "cannot close '%s' (H5Fclose)", path);
    return SW_OK;
}

sw_status sw_h5_identify(const char *path, char *format, int cap, int *version) {
    hid_t f;
    sw_status st = open_swath(&f, path, 0, format, cap, version);
    if (!st) H5Fclose(f);
    return st;
}

sw_status sw_h5_attr_write_str(sw_h5_id file, const char *path, const char *name, const char *value) {
    h5_init();
    return attr_write_str((hid_t)file, path, name, value ? value : "", SW_ERR_OUTPUT);
}

sw_status sw_h5_attr_read_str(sw_h5_id file, const char *path, const char *name, char *buf, int cap) {
    h5_init();
    return attr_read_str((hid_t)file, path, name, buf, cap);
}

/* ---- summary for `swath info` ---- */

static void type_name(hid_t t, char *buf, size_t cap) {
    size_t size = H5Tget_size(t);
    switch (H5Tget_class(t)) {
    case H5T_INTEGER: snprintf(buf, cap, "%sint%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "u" : "", 8 * size); break;
    case H5T_FLOAT: snprintf(buf, cap, "float%zu", 8 * size); break;
    case H5T_STRING:
        if (H5Tis_variable_str(t) > 0) snprintf(buf, cap, "string (variable length)");
        else snprintf(buf, cap, "string (%zu bytes)", size);
        break;
    case H5T_COMPOUND: snprintf(buf, cap, "compound (%d members, %zu bytes)", H5Tget_nmembers(t), size); break;
    case H5T_ENUM: snprintf(buf, cap, "enum (%zu bytes)", size); break;
    case H5T_ARRAY: snprintf(buf, cap, "array"); break;
    case H5T_VLEN: snprintf(buf, cap, "variable-length sequence"); break;
    case H5T_OPAQUE: snprintf(buf, cap, "opaque (%zu bytes)", size); break;
    case H5T_BITFIELD: snprintf(buf, cap, "bitfield (%zu bytes)", size); break;
    case H5T_REFERENCE: snprintf(buf, cap, "reference"); break;
    default: snprintf(buf, cap, "other"); break;
    }
}

/* "(3, 256, 256)", "scalar" or "empty"; extendible dataspaces say so. */
static void shape_name(hid_t space, char *buf, size_t cap) {
    hsize_t dims[H5S_MAX_RANK], maxd[H5S_MAX_RANK];
    int nd = H5Sget_simple_extent_ndims(space);
    H5S_class_t cls = H5Sget_simple_extent_type(space);
    if (cls == H5S_NULL || nd < 0) {
        snprintf(buf, cap, "empty");
        return;
    }
    if (cls == H5S_SCALAR || nd == 0) {
        snprintf(buf, cap, "scalar");
        return;
    }
    H5Sget_simple_extent_dims(space, dims, maxd);
    size_t n = (size_t)snprintf(buf, cap, "(");
    int ext = 0;
    for (int i = 0; i < nd && n < cap; i++) {
        n += (size_t)snprintf(buf + n, cap - n, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
        ext |= maxd[i] != dims[i];
    }
    if (n < cap) snprintf(buf + n, cap - n, ")%s", ext ? " extendible" : "");
}

/* The summary's output: text lines, or one JSON object (`swath info --json`). */
typedef struct {
    const char *path;
    int json;
    int n;               /* entries written so far in the current JSON object / array */
} summary;

/* The dimensions of a dataspace as a JSON array ([] for a scalar, null when empty). */
static void shape_json(hid_t space) {
    hsize_t dims[H5S_MAX_RANK], maxd[H5S_MAX_RANK];
    int nd = H5Sget_simple_extent_ndims(space);
    if (H5Sget_simple_extent_type(space) == H5S_NULL || nd < 0) {
        printf("null");
        return;
    }
    H5Sget_simple_extent_dims(space, dims, maxd);
    printf("[");
    for (int i = 0; i < nd; i++) printf("%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
    printf("]");
}

/* A root attribute: one line (strings quoted and cut at 60 characters, single numbers as numbers,
 * up to 8 integers as a list, anything else as its type and shape), or a JSON member (strings
 * whole). */
static herr_t attr_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data) {
    (void)info;
    summary *sm = data;
    enum { SHOWN = 60, CAP = 1 << 16 };
    char *val = malloc(CAP), tn[128], sn[128];
    if (sm->json) {
        printf("%s\n  ", sm->n++ ? "," : "");
        sw_json_str(stdout, name);
        printf(": ");
    } else {
        printf("  %-24s ", name);
    }
    if (val && attr_read_str(loc, sm->path, name, val, CAP) == SW_OK) {
        if (sm->json) sw_json_str(stdout, val);
        else printf("\"%.*s\"%s\n", SHOWN, val, strlen(val) > SHOWN ? "..." : "");
        free(val);
        return 0;
    }
    free(val);
    H5Eclear2(H5E_DEFAULT);
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t t = attr >= 0 ? H5Aget_type(attr) : -1, s = attr >= 0 ? H5Aget_space(attr) : -1;
    hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    long long iv, list[8];
    unsigned long long uv;
    double dv;
    const char *end = sm->json ? "" : "\n";
    if (attr < 0 || t < 0 || s < 0) printf(sm->json ? "null" : "(unreadable)\n");
    else if (n == 1 && cls == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_NONE && H5Aread(attr, H5T_NATIVE_ULLONG, &uv) >= 0)
        printf("%llu%s", uv, end);   /* hashes: uint64 above INT64_MAX */
    else if (n == 1 && cls == H5T_INTEGER && H5Aread(attr, H5T_NATIVE_LLONG, &iv) >= 0) printf("%lld%s", iv, end);
    else if (n > 1 && n <= 8 && cls == H5T_INTEGER && H5Aread(attr, H5T_NATIVE_LLONG, list) >= 0) {
        printf("%s", sm->json ? "[" : "");
        for (hssize_t i = 0; i < n; i++) printf("%s%lld", i ? ", " : "", list[i]);
        printf("%s%s", sm->json ? "]" : "", end);
    }
    else if (n == 1 && cls == H5T_FLOAT && H5Aread(attr, H5T_NATIVE_DOUBLE, &dv) >= 0) {
        if (sm->json && !isfinite(dv)) printf("null");
        else printf("%.17g%s", dv, end);
    }
    else {
        type_name(t, tn, sizeof tn);
        shape_name(s, sn, sizeof sn);
        if (!sm->json) printf("%s %s\n", tn, sn);
        else {
            printf("{\"type\": ");
            sw_json_str(stdout, tn);
            printf(", \"shape\": ");
            shape_json(s);
            printf("}");
        }
    }
    H5Eclear2(H5E_DEFAULT);
    close_ids(attr, t, s);
    return 0;
}

static void print_dataset(hid_t d, int json) {
    char tn[128], sn[256];
    hid_t t = H5Dget_type(d), s = H5Dget_space(d), dcpl = H5Dget_create_plist(d);
    type_name(t, tn, sizeof tn);
    shape_name(s, sn, sizeof sn);
    if (json) {
        printf("\"kind\": \"dataset\", \"type\": ");
        sw_json_str(stdout, tn);
        printf(", \"shape\": ");
        shape_json(s);
        printf(", \"extendible\": %s", strstr(sn, "extendible") ? "true" : "false");
    } else {
        printf("dataset  %s %s", tn, sn);
    }
    if (dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED) {
        hsize_t ch[H5S_MAX_RANK];
        int nd = H5Pget_chunk(dcpl, H5S_MAX_RANK, ch);
        printf(json ? ", \"chunks\": [" : "  chunks (");
        for (int i = 0; i < nd; i++) printf("%s%llu", i ? ", " : "", (unsigned long long)ch[i]);
        printf(json ? "], \"filters\": [" : ")");
        int nf = H5Pget_nfilters(dcpl);
        for (int i = 0; i < nf; i++) {
            unsigned flags, cd[8];
            size_t ncd = 8;
            char name[64] = "";
            H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
            if (json) {
                printf("%s", i ? ", " : "");
                sw_json_str(stdout, name[0] ? name : "?");
            } else {
                printf("%s%s", i ? "+" : "  filters ", name[0] ? name : "?");
            }
        }
        if (json) printf("]");
    }
    if (!json) printf("\n");
    if (dcpl >= 0) H5Pclose(dcpl);
    close_ids(-1, t, s);
}

static herr_t object_cb(hid_t root, const char *name, const sw_oinfo *info, void *data) {
    summary *sm = data;
    if (strcmp(name, ".") == 0) return 0;
    if (sm->json) {
        char full[1100];
        snprintf(full, sizeof full, "/%s", name);
        printf("%s\n  {\"path\": ", sm->n++ ? "," : "");
        sw_json_str(stdout, full);
        printf(", ");
    } else {
        printf("  /%-30s ", name);
    }
    const char *kind = info->type == H5O_TYPE_GROUP ? "group" : info->type == H5O_TYPE_NAMED_DATATYPE ? "named datatype"
                                                                                                       : "other object";
    if (info->type == H5O_TYPE_DATASET) {
        hid_t d = H5Dopen2(root, name, H5P_DEFAULT);
        if (d < 0) printf(sm->json ? "\"kind\": \"dataset\", \"readable\": false" : "dataset (unreadable)\n");
        else {
            print_dataset(d, sm->json);
            H5Dclose(d);
        }
    } else if (sm->json) {
        printf("\"kind\": \"%s\"", kind);
    } else {
        printf("%s\n", kind);
    }
    if (sm->json) printf("}");
    H5Eclear2(H5E_DEFAULT);
    return 0;
}

sw_status sw_h5_print_summary(const char *path, int json) {
    h5_init();
    char fmt[64];
    int ver = 0;
    sw_status st = sw_h5_identify(path, fmt, sizeof fmt, &ver);
    if (st) return st;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return h5_fail(SW_ERR_INPUT, "cannot open '%s' (H5Fopen)", path);
    summary sm = {path, json, 0};
    if (json) {
        printf("{\"file\": ");
        sw_json_str(stdout, path);
        printf(", \"format\": ");
        sw_json_str(stdout, fmt);
        printf(", \"version\": %d,\n \"attributes\": {", ver);
    } else {
        printf("file:         %s\nformat:       swath %s, version %d\n", path, fmt, ver);
        printf("root attributes:\n");
    }
    if (H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_INC, NULL, attr_cb, &sm) < 0)
        st = h5_fail(SW_ERR_INPUT, "'%s': cannot list the root attributes (H5Aiterate2)", path);
    sm.n = 0;
    printf(json ? "},\n \"objects\": [" : "contents:\n");
    if (!st && OVISIT(f, object_cb, &sm) < 0)
        st = h5_fail(SW_ERR_INPUT, "'%s': cannot list the objects (H5Ovisit)", path);
    if (json) printf("]}\n");
    fflush(stdout);
    H5Fclose(f);
    return st;
}

static pthread_once_t version_once = PTHREAD_ONCE_INIT;
static char version_buf[32];
static void version_fill(void) {
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    snprintf(version_buf, sizeof version_buf, "%u.%u.%u", maj, min, rel);
}

const char *sw_h5_version(int *parallel) {
    pthread_once(&version_once, version_fill);
#ifdef H5_HAVE_PARALLEL
    if (parallel) *parallel = 1;
#else
    if (parallel) *parallel = 0;
#endif
    return version_buf;
}
