/* Polygonizing integer rasters (see polygonize.h). GDALPolygonize streams the raster line by line
 * into an in-memory OGR layer; we then visit the polygons ordered by value. */
#include "io/polygonize.h"

#include "io/gdal_common.h"

#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>

#include <stdlib.h>

typedef struct {
    int64_t value;
    GIntBig fid;
} item;

static int item_cmp(const void *a, const void *b) {
    const item *x = a, *y = b;
    if (x->value != y->value) return x->value < y->value ? -1 : 1;
    return x->fid < y->fid ? -1 : (x->fid > y->fid);
}

typedef struct {
    void (*fn)(double, void *);
    void *ctx;
} progress_arg;

static int CPL_STDCALL on_progress(double frac, const char *msg, void *arg) {
    (void)msg;
    progress_arg *p = arg;
    if (p->fn) p->fn(frac, p->ctx);
    return TRUE;
}

/* Hands one OGR polygon to fn as an sw_polygon. */
static sw_status visit(OGRGeometryH g, int64_t value, sw_polygon_fn fn, void *ctx, const char *path) {
    int nr = OGR_G_GetGeometryCount(g);
    if (nr <= 0) return SW_OK;
    sw_ring *rings = calloc((size_t)nr, sizeof *rings);
    double **pts = calloc((size_t)nr, sizeof *pts);
    sw_status st = SW_OK;
    if (!rings || !pts) st = sw_fail(SW_ERR_RUNTIME, "out of memory polygonizing %s", path);
    for (int i = 0; !st && i < nr; i++) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(g, i);
        int n = OGR_G_GetPointCount(ring);
        pts[i] = malloc(sizeof(double) * 2 * (size_t)(n > 0 ? n : 1));
        if (!pts[i]) {
            st = sw_fail(SW_ERR_RUNTIME, "out of memory polygonizing %s", path);
            break;
        }
        OGR_G_GetPoints(ring, pts[i], 2 * sizeof(double), pts[i] + 1, 2 * sizeof(double), NULL, 0);
        rings[i].xy = pts[i];
        rings[i].npts = n;
    }
    if (!st) {
        sw_polygon poly = {rings, nr};
        st = fn(ctx, value, &poly);
    }
    for (int i = 0; pts && i < nr; i++) free(pts[i]);
    free(pts);
    free(rings);
    return st;
}

sw_status sw_polygonize(const char *path, sw_polygon_fn fn, void *ctx, void (*progress)(double frac, void *pctx),
                        void *pctx) {
    sw_gdal_init();
    sw_status st = SW_OK;
    item *items = NULL;
    GDALDatasetH vds = NULL;
    sw_gdal_quiet();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) {
        st = sw_fail(SW_ERR_INPUT, "cannot open %s to polygonize it: %s", path, sw_gdal_reason());
        goto done;
    }
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    GDALDataType t = band ? GDALGetRasterDataType(band) : GDT_Unknown;
    if (t != GDT_Byte && t != GDT_UInt16 && t != GDT_Int16 && t != GDT_UInt32 && t != GDT_Int32) {
        st = sw_fail(SW_ERR_INPUT, "cannot polygonize %s: band 1 is not an integer band", path);
        goto done;
    }
    GDALDriverH mem = GDALGetDriverByName("Memory");
    vds = mem ? GDALCreate(mem, "polygons", 0, 0, 0, GDT_Unknown, NULL) : NULL;
    OGRLayerH lyr = vds ? GDALDatasetCreateLayer(vds, "polygons", NULL, wkbPolygon, NULL) : NULL;
    OGRFieldDefnH fd = OGR_Fld_Create("value", OFTInteger);
    if (!lyr || OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE) {
        OGR_Fld_Destroy(fd);
        st = sw_fail(SW_ERR_RUNTIME, "cannot make an in-memory layer to polygonize %s: %s", path, sw_gdal_reason());
        goto done;
    }
    OGR_Fld_Destroy(fd);
    progress_arg pa = {progress, pctx};
    if (GDALPolygonize(band, GDALGetMaskBand(band), lyr, 0, NULL, on_progress, &pa) != CE_None) {
        st = sw_fail(SW_ERR_RUNTIME, "GDALPolygonize failed on %s: %s", path, sw_gdal_reason());
        goto done;
    }
    GIntBig n = OGR_L_GetFeatureCount(lyr, TRUE);
    items = malloc(sizeof *items * (size_t)(n > 0 ? n : 1));
    if (!items) {
        st = sw_fail(SW_ERR_RUNTIME, "out of memory ordering the %lld polygons of %s", (long long)n, path);
        goto done;
    }
    GIntBig k = 0;
    OGRFeatureH f;
    OGR_L_ResetReading(lyr);
    while (k < n && (f = OGR_L_GetNextFeature(lyr))) {
        items[k].value = OGR_F_GetFieldAsInteger64(f, 0);
        items[k].fid = OGR_F_GetFID(f);
        k++;
        OGR_F_Destroy(f);
    }
    qsort(items, (size_t)k, sizeof *items, item_cmp);
    for (GIntBig i = 0; !st && i < k; i++) {
        f = OGR_L_GetFeature(lyr, items[i].fid);
        if (!f) {
            st = sw_fail(SW_ERR_RUNTIME, "polygon %lld of %s went missing", (long long)items[i].fid, path);
            break;
        }
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g) {
            sw_gdal_loud();   /* the callback may write files through GDAL: its own error capture */
            st = visit(g, items[i].value, fn, ctx, path);
            sw_gdal_quiet();
        }
        OGR_F_Destroy(f);
    }
done:
    free(items);
    if (vds) GDALClose(vds);
    if (ds) GDALClose(ds);
    sw_gdal_loud();
    return st;
}
