/* Vector labels -> class raster windows (see rasterize.h). GDAL's rasterizer does the burning;
 * we pick the features per window (spatial filter in the layer's CRS), map the class field to
 * ids and reproject the geometries ourselves, so the class map and the error messages are ours. */
#include "io/rasterize.h"

#include "io/gdal_common.h"

#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char key[128];
    int id;
} class_entry;

struct sw_rasterizer {
    char path[1024], field[128], raster[1024];
    GDALDatasetH ds;
    OGRLayerH layer;
    int field_idx, integer_field, K;
    char (*names)[SW_CHIPS_CLASS_NAME];
    class_entry *map;       /* sorted by key (string fields or an explicit map) */
    int nmap, explicit_map;
    OGRCoordinateTransformationH to_raster, to_layer; /* NULL when the CRSs are the same */
    double gt[6];
    int width, height;
    GDALDriverH mem;
};

static int cmp_entry(const void *a, const void *b) {
    return strcmp(((const class_entry *)a)->key, ((const class_entry *)b)->key);
}

static sw_status gfail(sw_status code, const char *fmt, const char *a, const char *b) {
    char msg[2048];
    snprintf(msg, sizeof msg, fmt, a, b);
    sw_status st = sw_gdal_failed() ? sw_fail(code, "%s: %s", msg, sw_gdal_reason()) : sw_fail(code, "%s", msg);
    return st;
}

/* Parses "VALUE=ID,VALUE=ID" into r->map. */
static sw_status parse_map(sw_rasterizer *r, const char *text) {
    int n = 1;
    for (const char *p = text; *p; p++) n += *p == ',';
    r->map = calloc((size_t)n, sizeof *r->map);
    if (!r->map) return sw_fail(SW_ERR_RUNTIME, "out of memory for --classes");
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ','), *eq = strchr(p, '=');
        if (!end) end = p + strlen(p);
        char *e;
        long id = eq && eq < end ? strtol(eq + 1, &e, 10) : -1;
        if (!eq || eq >= end || eq == p || e != end || id < 0 || id > SW_CHIPS_MAX_CLASSES - 1 ||
            (size_t)(eq - p) >= sizeof r->map[0].key)
            return sw_fail(SW_ERR_USAGE, "--classes '%s': expected VALUE=ID pairs separated by commas, ids 0..%d",
                           text, SW_CHIPS_MAX_CLASSES - 1);
        class_entry *c = &r->map[r->nmap++];
        memcpy(c->key, p, (size_t)(eq - p));
        c->id = (int)id;
        p = *end ? end + 1 : end;
    }
    qsort(r->map, (size_t)r->nmap, sizeof *r->map, cmp_entry);
    r->explicit_map = 1;
    return SW_OK;
}

static int lookup(const sw_rasterizer *r, const char *key) {
    class_entry k;
    snprintf(k.key, sizeof k.key, "%s", key);
    const class_entry *e = bsearch(&k, r->map, (size_t)r->nmap, sizeof *r->map, cmp_entry);
    return e ? e->id : -1;
}

/* The class id of a feature: 0..253, or 255 (ignore) for values an explicit map does not name. */
static int feature_class(const sw_rasterizer *r, OGRFeatureH f) {
    if (!OGR_F_IsFieldSetAndNotNull(f, r->field_idx)) return 255;
    if (r->nmap) {
        int id = lookup(r, OGR_F_GetFieldAsString(f, r->field_idx));
        return id < 0 ? 255 : id;
    }
    long long v = OGR_F_GetFieldAsInteger64(f, r->field_idx);
    return v >= 0 && v < SW_CHIPS_MAX_CLASSES ? (int)v : 255;
}

/* One pass over the attribute (geometry ignored): the classes. */
static sw_status scan_classes(sw_rasterizer *r) {
    const char *ignore[] = {"OGR_GEOMETRY", NULL};
    OGR_L_SetIgnoredFields(r->layer, ignore);
    OGR_L_ResetReading(r->layer);
    int maxid = 0, cap = 0;
    for (int i = 0; r->explicit_map && i < r->nmap; i++)
        if (r->map[i].id > maxid) maxid = r->map[i].id;
    sw_status st = SW_OK;
    OGRFeatureH f;
    while (!st && (f = OGR_L_GetNextFeature(r->layer)) != NULL) {
        if (OGR_F_IsFieldSetAndNotNull(f, r->field_idx)) {
            const char *s = OGR_F_GetFieldAsString(f, r->field_idx);
            if (r->explicit_map) {
                /* values the map does not name burn 255 */
            } else if (r->integer_field) {
                long long v = OGR_F_GetFieldAsInteger64(f, r->field_idx);
                if (v < 0 || v > SW_CHIPS_MAX_CLASSES - 1)
                    st = sw_fail(SW_ERR_INPUT, "'%s': feature %lld has %s = %lld, not a class id (0..%d); map the "
                                 "values with --classes VALUE=ID,...", r->path, (long long)OGR_F_GetFID(f), r->field,
                                 v, SW_CHIPS_MAX_CLASSES - 1);
                else if (v > maxid) maxid = (int)v;
            } else if (strlen(s) >= sizeof r->map[0].key) {
                st = sw_fail(SW_ERR_INPUT, "'%s': feature %lld: %s value '%.40s...' is too long for a class name",
                             r->path, (long long)OGR_F_GetFID(f), r->field, s);
            } else if (lookup(r, s) < 0) {
                if (r->nmap + 1 >= SW_CHIPS_MAX_CLASSES)
                    st = sw_fail(SW_ERR_INPUT, "'%s': field %s has more than %d distinct values: not a class field",
                                 r->path, r->field, SW_CHIPS_MAX_CLASSES - 1);
                else {
                    if (r->nmap == cap) {
                        cap = cap ? 2 * cap : 16;
                        class_entry *m = realloc(r->map, (size_t)cap * sizeof *m);
                        if (!m) st = sw_fail(SW_ERR_RUNTIME, "out of memory for class values");
                        else r->map = m;
                    }
                    if (!st) {
                        snprintf(r->map[r->nmap].key, sizeof r->map[0].key, "%s", s);
                        r->map[r->nmap].id = 0;   /* known; the ids are given after the scan */
                        r->nmap++;
                        qsort(r->map, (size_t)r->nmap, sizeof *r->map, cmp_entry);
                    }
                }
            }
        }
        OGR_F_Destroy(f);
    }
    OGR_L_SetIgnoredFields(r->layer, NULL);
    OGR_L_ResetReading(r->layer);
    if (st) return st;
    if (!r->explicit_map && !r->integer_field) {   /* sorted values -> 1..n */
        for (int i = 0; i < r->nmap; i++) r->map[i].id = i + 1;
        maxid = r->nmap;
    }
    r->K = maxid + 1;
    r->names = calloc((size_t)r->K, SW_CHIPS_CLASS_NAME);
    if (!r->names) return sw_fail(SW_ERR_RUNTIME, "out of memory for class names");
    for (int k = 0; k < r->K; k++) snprintf(r->names[k], SW_CHIPS_CLASS_NAME, k ? "class_%d" : "background", k);
    for (int i = 0; i < r->nmap; i++) snprintf(r->names[r->map[i].id], SW_CHIPS_CLASS_NAME, "%.31s", r->map[i].key);
    return SW_OK;
}

sw_status sw_rasterize_open(sw_rasterizer **out, const char *path, const char *layer, const char *field,
                            const char *class_map) {
    *out = NULL;
    sw_gdal_init();
    if (!field || !*field)
        return sw_fail(SW_ERR_USAGE, "'%s': vector labels need a class field (--class-field NAME)", path);
    sw_rasterizer *r = calloc(1, sizeof *r);
    if (!r) return sw_fail(SW_ERR_RUNTIME, "out of memory opening '%s'", path);
    snprintf(r->path, sizeof r->path, "%s", path);
    snprintf(r->field, sizeof r->field, "%s", field);
    sw_status st = SW_OK;
    sw_gdal_quiet();
    r->ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!r->ds) st = gfail(SW_ERR_INPUT, "cannot open '%s' as a vector file%s", path, "");
    else if (GDALDatasetGetLayerCount(r->ds) < 1) st = sw_fail(SW_ERR_INPUT, "'%s' has no layer", path);
    else if (!(r->layer = layer ? GDALDatasetGetLayerByName(r->ds, layer) : GDALDatasetGetLayer(r->ds, 0)))
        st = sw_fail(SW_ERR_INPUT, "'%s' has no layer '%s'", path, layer);
    sw_gdal_loud();
    if (!st) {
        OGRFeatureDefnH def = OGR_L_GetLayerDefn(r->layer);
        r->field_idx = OGR_FD_GetFieldIndex(def, field);
        if (r->field_idx < 0) {
            char list[1024] = "";
            size_t n = 0;
            for (int i = 0; i < OGR_FD_GetFieldCount(def) && n < sizeof list - 2; i++)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
                                      OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, i)));
            st = sw_fail(SW_ERR_INPUT, "'%s' (layer '%s') has no class field '%s'; its fields: %s", path,
                         OGR_L_GetName(r->layer), field, list[0] ? list : "(none)");
        } else {
            OGRFieldType t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(def, r->field_idx));
            r->integer_field = t == OFTInteger || t == OFTInteger64;
        }
    }
    if (!st && class_map && *class_map) st = parse_map(r, class_map);
    if (!st) st = scan_classes(r);
    if (!st && !(r->mem = GDALGetDriverByName("MEM"))) st = sw_fail(SW_ERR_RUNTIME, "GDAL has no MEM driver");
    if (st) {
        sw_rasterize_close(r);
        return st;
    }
    *out = r;
    return SW_OK;
}

int sw_rasterize_classes(const sw_rasterizer *r, const char (**names)[SW_CHIPS_CLASS_NAME]) {
    if (names) *names = (const char(*)[SW_CHIPS_CLASS_NAME])r->names;
    return r->K;
}

/* The bounds (xmin, ymin, xmax, ymax) of pixel window (x, y, w, h) in the grid's CRS. */
static void window_bounds(const double *gt, double x, double y, double w, double h, double b[4]) {
    b[0] = b[1] = INFINITY;
    b[2] = b[3] = -INFINITY;
    for (int i = 0; i < 4; i++) {
        double px = x + (i & 1 ? w : 0), py = y + (i & 2 ? h : 0);
        double gx = gt[0] + px * gt[1] + py * gt[2], gy = gt[3] + px * gt[4] + py * gt[5];
        b[0] = fmin(b[0], gx), b[1] = fmin(b[1], gy), b[2] = fmax(b[2], gx), b[3] = fmax(b[3], gy);
    }
}

sw_status sw_rasterize_set_grid(sw_rasterizer *r, const char *raster_path, const char *wkt, const double gt[6],
                                int width, int height) {
    snprintf(r->raster, sizeof r->raster, "%s", raster_path);
    memcpy(r->gt, gt, sizeof r->gt);
    r->width = width, r->height = height;
    if (r->to_raster) OCTDestroyCoordinateTransformation(r->to_raster), r->to_raster = NULL;
    if (r->to_layer) OCTDestroyCoordinateTransformation(r->to_layer), r->to_layer = NULL;
    OGRSpatialReferenceH lsrs = OGR_L_GetSpatialRef(r->layer), rsrs = NULL, l2 = NULL;
    sw_status st = SW_OK;
    sw_gdal_quiet();
    if (wkt && *wkt && lsrs) {
        rsrs = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(rsrs, wkt) != OGRERR_NONE)
            st = gfail(SW_ERR_INPUT, "'%s': cannot read its CRS%s", raster_path, "");
        l2 = OSRClone(lsrs);
        OSRSetAxisMappingStrategy(rsrs, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(l2, OAMS_TRADITIONAL_GIS_ORDER);
        if (!st && !OSRIsSame(rsrs, l2)) {
            r->to_raster = OCTNewCoordinateTransformation(l2, rsrs);
            r->to_layer = OCTNewCoordinateTransformation(rsrs, l2);
            if (!r->to_raster || !r->to_layer)
                st = gfail(SW_ERR_INPUT, "cannot transform the coordinates of '%s' to the CRS of '%s'", r->path,
                           raster_path);
        }
    }
    if (rsrs) OSRDestroySpatialReference(rsrs);
    if (l2) OSRDestroySpatialReference(l2);
    /* overlap: the layer's extent, in the raster's CRS, against the raster's */
    OGREnvelope e;
    double lb[4], rb[4];
    if (!st && OGR_L_GetExtent(r->layer, &e, 1) != OGRERR_NONE)
        st = gfail(SW_ERR_INPUT, "'%s': cannot compute the extent of its features (empty layer?)%s", r->path, "");
    sw_gdal_loud();
    if (st) return st;
    lb[0] = e.MinX, lb[1] = e.MinY, lb[2] = e.MaxX, lb[3] = e.MaxY;
    if (r->to_raster) {
        double in[4] = {e.MinX, e.MinY, e.MaxX, e.MaxY};
        sw_gdal_quiet();
        int ok = OCTTransformBounds(r->to_raster, in[0], in[1], in[2], in[3], &lb[0], &lb[1], &lb[2], &lb[3], 21);
        sw_gdal_loud();
        if (!ok)
            return gfail(SW_ERR_INPUT, "cannot transform the extent of '%s' to the CRS of '%s'", r->path, raster_path);
    }
    window_bounds(gt, 0, 0, width, height, rb);
    if (lb[2] <= rb[0] || lb[0] >= rb[2] || lb[3] <= rb[1] || lb[1] >= rb[3])
        return sw_fail(SW_ERR_INPUT, "labels '%s' do not overlap the image '%s': labels span x %.6g..%.6g, y %.6g..%.6g, "
                       "the image x %.6g..%.6g, y %.6g..%.6g (in the image's CRS)", r->path, raster_path, lb[0], lb[2],
                       lb[1], lb[3], rb[0], rb[2], rb[1], rb[3]);
    return SW_OK;
}

sw_status sw_rasterize_window(sw_rasterizer *r, int x, int y, int w, int h, uint8_t *out) {
    double b[4], fb[4];
    window_bounds(r->gt, x, y, w, h, b);
    memcpy(fb, b, sizeof b);
    sw_status st = SW_OK;
    sw_gdal_quiet();
    if (r->to_layer && !OCTTransformBounds(r->to_layer, b[0], b[1], b[2], b[3], &fb[0], &fb[1], &fb[2], &fb[3], 21))
        st = gfail(SW_ERR_INPUT, "cannot transform window %s of '%s' to the labels' CRS", "", r->raster);
    GDALDatasetH mem = st ? NULL : GDALCreate(r->mem, "", w, h, 1, GDT_Byte, NULL);
    if (!st && !mem) st = gfail(SW_ERR_RUNTIME, "cannot create a memory raster for rasterizing '%s'%s", r->path, "");
    int n = 0, cap = 0;
    OGRGeometryH *geoms = NULL;
    double *burn = NULL;
    if (!st) {
        double wgt[6] = {r->gt[0] + x * r->gt[1] + y * r->gt[2], r->gt[1], r->gt[2],
                         r->gt[3] + x * r->gt[4] + y * r->gt[5], r->gt[4], r->gt[5]};
        GDALSetGeoTransform(mem, wgt);
        GDALFillRaster(GDALGetRasterBand(mem, 1), 0, 0);
        OGR_L_SetSpatialFilterRect(r->layer, fb[0], fb[1], fb[2], fb[3]);
        OGR_L_ResetReading(r->layer);
        OGRFeatureH f;
        while (!st && (f = OGR_L_GetNextFeature(r->layer)) != NULL) {
            OGRGeometryH g = OGR_F_GetGeometryRef(f);
            if (g && !OGR_G_IsEmpty(g)) {
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    OGRGeometryH *ng = realloc(geoms, (size_t)cap * sizeof *ng);
                    double *nb = ng ? realloc(burn, (size_t)cap * sizeof *nb) : NULL;
                    if (ng) geoms = ng;
                    if (nb) burn = nb;
                    if (!ng || !nb) st = sw_fail(SW_ERR_RUNTIME, "out of memory rasterizing '%s'", r->path);
                }
                if (!st) {
                    OGRGeometryH c = OGR_G_Clone(g);
                    if (r->to_raster && OGR_G_Transform(c, r->to_raster) != OGRERR_NONE) {
                        OGR_G_DestroyGeometry(c);
                        st = sw_fail(SW_ERR_INPUT, "'%s': cannot transform feature %lld to the CRS of '%s'", r->path,
                                     (long long)OGR_F_GetFID(f), r->raster);
                    } else {
                        geoms[n] = c;
                        burn[n++] = feature_class(r, f);
                    }
                }
            }
            OGR_F_Destroy(f);
        }
        OGR_L_SetSpatialFilter(r->layer, NULL);
    }
    if (!st && n > 0) {
        int band = 1;
        if (GDALRasterizeGeometries(mem, 1, &band, n, geoms, NULL, NULL, burn, NULL, NULL, NULL) != CE_None)
            st = gfail(SW_ERR_RUNTIME, "cannot rasterize '%s' (GDALRasterizeGeometries) onto '%s'", r->path, r->raster);
    }
    if (!st && GDALRasterIO(GDALGetRasterBand(mem, 1), GF_Read, 0, 0, w, h, out, w, h, GDT_Byte, 0, 0) != CE_None)
        st = gfail(SW_ERR_RUNTIME, "cannot read back the rasterized window of '%s'%s", r->path, "");
    for (int i = 0; i < n; i++) OGR_G_DestroyGeometry(geoms[i]);
    free(geoms);
    free(burn);
    if (mem) GDALClose(mem);
    sw_gdal_loud();
    return st;
}

void sw_rasterize_close(sw_rasterizer *r) {
    if (!r) return;
    if (r->to_raster) OCTDestroyCoordinateTransformation(r->to_raster);
    if (r->to_layer) OCTDestroyCoordinateTransformation(r->to_layer);
    if (r->ds) GDALClose(r->ds);
    free(r->names);
    free(r->map);
    free(r);
}
