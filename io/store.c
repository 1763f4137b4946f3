/* run.h5 and journal.bin (see store.h). */
#include "io/store.h"

#include "io/h5.h"
#include "src/core/fsutil.h"

#include <hdf5.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_FORMAT "run"
#define RUN_VERSION 1

static sw_status attr_write(hid_t f, const char *path, const char *name, hid_t type, int n, const void *v) {
    hsize_t dims = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dims, NULL);
    hid_t a = sp >= 0 ? H5Acreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, type, v) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (e < 0) return sw_fail(SW_ERR_OUTPUT, "cannot write attribute '%s' of '%s' (H5Acreate2/H5Awrite)", name, path);
    return SW_OK;
}

static sw_status attr_read(hid_t f, const char *path, const char *name, hid_t type, int n, void *v) {
    if (H5Aexists(f, name) <= 0)
        return sw_fail(SW_ERR_INPUT, "'%s' has no attribute '%s': not a complete swath run store", path, name);
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    herr_t e = np == n ? H5Aread(a, type, v) : -1;
    if (sp >= 0) H5Sclose(sp);
    if (a >= 0) H5Aclose(a);
    if (e < 0)
        return sw_fail(SW_ERR_INPUT, "cannot read attribute '%s' of '%s' (%lld values, expected %d)", name, path,
                       (long long)np, n);
    return SW_OK;
}

static hid_t tile_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(sw_store_tile));
    H5Tinsert(t, "id", HOFFSET(sw_store_tile, id), H5T_NATIVE_UINT32);
    H5Tinsert(t, "scale", HOFFSET(sw_store_tile, scale), H5T_NATIVE_INT32);
    H5Tinsert(t, "x", HOFFSET(sw_store_tile, x), H5T_NATIVE_INT32);
    H5Tinsert(t, "y", HOFFSET(sw_store_tile, y), H5T_NATIVE_INT32);
    H5Tinsert(t, "w", HOFFSET(sw_store_tile, w), H5T_NATIVE_INT32);
    H5Tinsert(t, "h", HOFFSET(sw_store_tile, h), H5T_NATIVE_INT32);
    return t;
}

static sw_status write_meta(hid_t f, const char *p, const sw_run_meta *m) {
    sw_status st;
    if ((st = sw_h5_attr_write_str(f, p, "job", m->job)) || (st = sw_h5_attr_write_str(f, p, "blend", m->blend)) ||
        (st = sw_h5_attr_write_str(f, p, "input", m->input)) ||
        (st = sw_h5_attr_write_str(f, p, "crs_wkt", m->crs_wkt)) ||
        (st = attr_write(f, p, "scales", H5T_NATIVE_INT32, m->nscales, m->scales)) ||
        (st = attr_write(f, p, "overlap", H5T_NATIVE_DOUBLE, 1, &m->overlap)) ||
        (st = attr_write(f, p, "block", H5T_NATIVE_INT32, 1, &m->block)) ||
        (st = attr_write(f, p, "width", H5T_NATIVE_INT64, 1, &m->width)) ||
        (st = attr_write(f, p, "height", H5T_NATIVE_INT64, 1, &m->height)) ||
        (st = attr_write(f, p, "geotransform", H5T_NATIVE_DOUBLE, 6, m->gt)) ||
        (st = attr_write(f, p, "fingerprint", H5T_NATIVE_UINT64, 1, &m->fingerprint)) ||
        (st = attr_write(f, p, "skipped_tiles", H5T_NATIVE_INT64, 1, &m->nskipped)))
        return st;
    if (m->nbands > 0 && (st = attr_write(f, p, "bands", H5T_NATIVE_INT32, m->nbands, m->bands))) return st;
    if (m->model_fingerprint &&
        ((st = sw_h5_attr_write_str(f, p, "model", m->model)) ||
         (st = attr_write(f, p, "model_fingerprint", H5T_NATIVE_UINT64, 1, &m->model_fingerprint))))
        return st;
    return SW_OK;
}

sw_status sw_store_create(const char *dir, const sw_run_meta *m, const sw_store_tile *tiles, int64_t ntiles) {
    char path[4200], tmp[4210];
    sw_status st;
    if ((st = sw_path_join(path, sizeof path, dir, "run.h5"))) return st;
    snprintf(tmp, sizeof tmp, "%s.part", path);   /* fits: path is at most 4199 characters */
    sw_h5_id fid;
    if ((st = sw_h5_create(&fid, tmp, RUN_FORMAT, RUN_VERSION))) return st;
    hid_t f = (hid_t)fid;
    st = write_meta(f, tmp, m);
    if (!st) {
        hsize_t dims = (hsize_t)ntiles;
        hid_t t = tile_type(), sp = H5Screate_simple(1, &dims, NULL);
        hid_t d = H5Dcreate2(f, "tiles", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (d < 0 || (ntiles > 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, tiles) < 0))
            st = sw_fail(SW_ERR_OUTPUT, "cannot write dataset /tiles of '%s' (H5Dcreate2/H5Dwrite)", tmp);
        if (d >= 0) H5Dclose(d);
        H5Sclose(sp), H5Tclose(t);
    }
    sw_status cst = sw_h5_close(fid, tmp);
    if (!st) st = cst;
    if (!st) {
        int fd = open(tmp, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0) st = sw_fail(SW_ERR_OUTPUT, "cannot sync '%s': %s", tmp, strerror(errno));
        if (fd >= 0) close(fd);
    }
    if (!st) st = sw_rename_durable(tmp, path);
    if (st) unlink(tmp);
    return st;
}

static sw_status read_meta(hid_t f, const char *p, sw_run_meta *m) {
    sw_status st;
    memset(m, 0, sizeof *m);
    if ((st = sw_h5_attr_read_str(f, p, "job", m->job, sizeof m->job)) ||
        (st = sw_h5_attr_read_str(f, p, "blend", m->blend, sizeof m->blend)) ||
        (st = sw_h5_attr_read_str(f, p, "input", m->input, sizeof m->input)) ||
        (st = sw_h5_attr_read_str(f, p, "crs_wkt", m->crs_wkt, sizeof m->crs_wkt)))
        return st;
    if (H5Aexists(f, "scales") <= 0) return sw_fail(SW_ERR_INPUT, "'%s' has no attribute 'scales'", p);
    hid_t a = H5Aopen(f, "scales", H5P_DEFAULT), sp = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp), H5Aclose(a);
    if (n < 1 || n > SW_STORE_MAX_SCALES) return sw_fail(SW_ERR_INPUT, "attribute 'scales' of '%s' has %lld values", p, (long long)n);
    m->nscales = (int)n;
    if ((st = attr_read(f, p, "scales", H5T_NATIVE_INT32, m->nscales, m->scales)) ||
        (st = attr_read(f, p, "overlap", H5T_NATIVE_DOUBLE, 1, &m->overlap)) ||
        (st = attr_read(f, p, "block", H5T_NATIVE_INT32, 1, &m->block)) ||
        (st = attr_read(f, p, "width", H5T_NATIVE_INT64, 1, &m->width)) ||
        (st = attr_read(f, p, "height", H5T_NATIVE_INT64, 1, &m->height)) ||
        (st = attr_read(f, p, "geotransform", H5T_NATIVE_DOUBLE, 6, m->gt)) ||
        (st = attr_read(f, p, "fingerprint", H5T_NATIVE_UINT64, 1, &m->fingerprint)) ||
        (st = attr_read(f, p, "skipped_tiles", H5T_NATIVE_INT64, 1, &m->nskipped)))
        return st;
    /* optional: run.h5 files written before --bands have none */
    if (H5Aexists(f, "bands") > 0) {
        a = H5Aopen(f, "bands", H5P_DEFAULT), sp = H5Aget_space(a);
        n = H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp), H5Aclose(a);
        if (n < 1 || n > SW_STORE_MAX_BANDS)
            return sw_fail(SW_ERR_INPUT, "attribute 'bands' of '%s' has %lld values", p, (long long)n);
        m->nbands = (int32_t)n;
        if ((st = attr_read(f, p, "bands", H5T_NATIVE_INT32, m->nbands, m->bands))) return st;
    }
    /* optional: runs without a model, and run.h5 files written before 2026-11-23, have none */
    if (H5Aexists(f, "model_fingerprint") > 0 &&
        ((st = attr_read(f, p, "model_fingerprint", H5T_NATIVE_UINT64, 1, &m->model_fingerprint)) ||
         (st = sw_h5_attr_read_str(f, p, "model", m->model, sizeof m->model))))
        return st;
    return SW_OK;
}

sw_status sw_store_open(const char *dir, sw_run_meta *m, sw_store_tile **tiles, int64_t *ntiles) {
    char path[4200];
    sw_status st;
    *tiles = NULL, *ntiles = 0;
    if ((st = sw_path_join(path, sizeof path, dir, "run.h5"))) return st;
    sw_h5_id fid;
    if ((st = sw_h5_open(&fid, path, RUN_FORMAT, RUN_VERSION, 0, NULL))) return st;
    hid_t f = (hid_t)fid;
    st = read_meta(f, path, m);
    if (!st) {
        hid_t d = H5Lexists(f, "tiles", H5P_DEFAULT) > 0 ? H5Dopen2(f, "tiles", H5P_DEFAULT) : -1;
        if (d < 0) st = sw_fail(SW_ERR_INPUT, "'%s' has no dataset /tiles: not a complete swath run store", path);
        else {
            hid_t sp = H5Dget_space(d), t = tile_type();
            hssize_t n = H5Sget_simple_extent_npoints(sp);
            *tiles = sw_malloc((size_t)(n > 0 ? n : 1) * sizeof **tiles, "the tile table");
            if (!*tiles) st = SW_ERR_RUNTIME;
            else if (n > 0 && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, *tiles) < 0)
                st = sw_fail(SW_ERR_INPUT, "cannot read dataset /tiles of '%s' (H5Dread)", path);
            else *ntiles = n;
            H5Tclose(t), H5Sclose(sp), H5Dclose(d);
        }
    }
    sw_h5_close(fid, path);
    if (st) {
        free(*tiles);
        *tiles = NULL, *ntiles = 0;
    }
    return st;
}

/* ---- journal ---- */

#define JOURNAL_MAGIC_V1 0x4C4A5753u   /* "SWJL": 128-byte records, a 96-byte reason */
#define JOURNAL_MAGIC 0x324A5753u      /* "SWJ2": 544-byte records, a 512-byte reason and the code */
#define V1_REASON 96

struct sw_journal {
    int fd;
    int version;      /* of the records in the file (and of those appended): 2, or 1 for an older journal */
    size_t rec;       /* their size */
    char path[4200];
};

uint32_t sw_crc32(uint32_t crc, const void *data, size_t n) {
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    const uint8_t *p = data;
    crc = ~crc;
    while (n--) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* Record layout, little-endian (docs/formats.md): magic u32, tile u32, status u8, attempts u8,
 * code u16 (version 1: reserved), rank i32, seconds f32, bytes u32, reason (version 2: char[512],
 * reserved u32; version 1: char[96], reserved u32[2]), crc u32 over the bytes before it. */
static void encode(uint8_t *b, const sw_journal_rec *r, int version) {
    size_t rec = version == 1 ? SW_JOURNAL_RECORD_V1 : SW_JOURNAL_RECORD;
    size_t rl = version == 1 ? V1_REASON : SW_REASON_MAX;
    memset(b, 0, rec);
    uint32_t magic = version == 1 ? JOURNAL_MAGIC_V1 : JOURNAL_MAGIC;
    memcpy(b + 0, &magic, 4);
    memcpy(b + 4, &r->tile, 4);
    b[8] = r->status, b[9] = r->attempts;
    if (version != 1) memcpy(b + 10, &r->code, 2);
    memcpy(b + 12, &r->rank, 4);
    memcpy(b + 16, &r->seconds, 4);
    memcpy(b + 20, &r->bytes, 4);
    snprintf((char *)b + 24, rl, "%s", r->reason);
    uint32_t crc = sw_crc32(0, b, rec - 4);
    memcpy(b + rec - 4, &crc, 4);
}

static int decode(const uint8_t *b, sw_journal_rec *r, int version) {
    size_t rec = version == 1 ? SW_JOURNAL_RECORD_V1 : SW_JOURNAL_RECORD;
    size_t rl = version == 1 ? V1_REASON : SW_REASON_MAX;
    uint32_t magic, crc;
    memcpy(&magic, b, 4);
    memcpy(&crc, b + rec - 4, 4);
    if (magic != (version == 1 ? JOURNAL_MAGIC_V1 : JOURNAL_MAGIC) || crc != sw_crc32(0, b, rec - 4)) return 0;
    memset(r, 0, sizeof *r);
    memcpy(&r->tile, b + 4, 4);
    r->status = b[8], r->attempts = b[9];
    if (version != 1) memcpy(&r->code, b + 10, 2);
    memcpy(&r->rank, b + 12, 4);
    memcpy(&r->seconds, b + 16, 4);
    memcpy(&r->bytes, b + 20, 4);
    memcpy(r->reason, b + 24, rl);
    r->reason[rl - 1] = 0;
    return r->status == SW_TILE_DONE || r->status == SW_TILE_FAILED;
}

/* The version of the journal open on j->fd, from its first record's magic (a new or empty one: 2). */
static void journal_version(sw_journal *j) {
    uint32_t magic = 0;
    j->version = pread(j->fd, &magic, 4, 0) == 4 && magic == JOURNAL_MAGIC_V1 ? 1 : 2;
    j->rec = j->version == 1 ? SW_JOURNAL_RECORD_V1 : SW_JOURNAL_RECORD;
}

sw_status sw_journal_open(sw_journal **out, const char *dir, sw_journal_rec **recs, int64_t *nrecs, int64_t *dropped) {
    *recs = NULL, *nrecs = 0, *dropped = 0;
    sw_journal *j = sw_calloc(1, sizeof *j, "the journal");
    if (!j) return SW_ERR_RUNTIME;
    sw_status st = sw_path_join(j->path, sizeof j->path, dir, "journal.bin");
    if (st) {
        free(j);
        return st;
    }
    j->fd = open(j->path, O_RDWR | O_CREAT, 0666);
    if (j->fd < 0) {
        st = sw_fail(SW_ERR_OUTPUT, "cannot open the journal '%s': %s", j->path, strerror(errno));
        free(j);
        return st;
    }
    struct stat sb;
    fstat(j->fd, &sb);
    journal_version(j);
    const size_t rec = j->rec;
    int64_t cap = sb.st_size / (off_t)rec, n = 0;
    sw_journal_rec *r = sw_malloc((size_t)(cap ? cap : 1) * sizeof *r, "the journal records");
    if (!r) {
        close(j->fd), free(j);
        return SW_ERR_RUNTIME;
    }
    uint8_t b[SW_JOURNAL_RECORD];
    while (n < cap && pread(j->fd, b, rec, (off_t)n * (off_t)rec) == (ssize_t)rec && decode(b, &r[n], j->version))
        n++;
    off_t good = (off_t)n * (off_t)rec;
    if (good != sb.st_size) {
        *dropped = (sb.st_size - good + (off_t)rec - 1) / (off_t)rec;
        if (ftruncate(j->fd, good) != 0 || fdatasync(j->fd) != 0) {
            st = sw_fail(SW_ERR_OUTPUT, "cannot truncate the torn tail of the journal '%s': %s", j->path, strerror(errno));
            close(j->fd), free(j), free(r);
            return st;
        }
    }
    if (lseek(j->fd, good, SEEK_SET) < 0) {
        st = sw_fail(SW_ERR_OUTPUT, "cannot seek in the journal '%s': %s", j->path, strerror(errno));
        close(j->fd), free(j), free(r);
        return st;
    }
    *recs = r, *nrecs = n, *out = j;
    return SW_OK;
}

sw_status sw_journal_append(sw_journal *j, const sw_journal_rec *r) { return sw_journal_append_many(j, r, 1); }

sw_status sw_journal_append_many(sw_journal *j, const sw_journal_rec *r, int n) {
    uint8_t b[16 * SW_JOURNAL_RECORD];
    for (int i = 0; i < n;) {   /* written in chunks of 16 records, synced once */
        int k = n - i < 16 ? n - i : 16;
        for (int q = 0; q < k; q++) encode(b + (size_t)q * j->rec, &r[i + q], j->version);
        size_t want = (size_t)k * j->rec;
        ssize_t got = write(j->fd, b, want);
        if (got != (ssize_t)want)
            return sw_fail(SW_ERR_OUTPUT, "cannot append tile %u to the journal '%s': %s", r[i].tile, j->path,
                           got < 0 ? strerror(errno) : "short write");
        i += k;
    }
    if (n > 0 && fdatasync(j->fd) != 0)
        return sw_fail(SW_ERR_OUTPUT, "cannot sync the journal '%s': %s", j->path, strerror(errno));
    return SW_OK;
}

void sw_journal_close(sw_journal *j) {
    if (!j) return;
    close(j->fd);
    free(j);
}
