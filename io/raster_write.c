/* Raster output through GDAL (see raster.h): tiled, compressed BigTIFF GeoTIFFs written aside as
 * PATH.part and renamed into place on commit; optional Cloud Optimized GeoTIFF copy (GDAL's COG
 * driver builds the overviews and the layout). */
#include "io/raster.h"
#include "io/gdal_common.h"
#include "src/core/fsutil.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct sw_raster_writer {
    GDALDatasetH ds;
    GDALRasterBandH mask_band;  /* internal per-dataset mask, NULL without spec.mask */
    char path[4096], part[4104];
    int width, height, nbands, tile, rgb;
    GDALDataType type;
    int sample_bytes;
    char compress[16];
    uint8_t *mbuf;  /* mask block as 0 / 255 */
    size_t mbuf_cap;
    double nodata;  /* the padding of edge tiles written whole (has_nodata), else 0 */
    int has_nodata;
    uint8_t *tbuf;  /* one tile, for whole-tile writes (write_tiles) */
    int cached;     /* a write went through GDAL's block cache: so do all later ones (write_tiles) */
};

/* The folder that will hold `path` must exist, be a folder and be writable. */
static sw_status check_folder(const char *path) {
    char dir[4096];
    struct stat sb;
    sw_path_dirname(dir, sizeof dir, path);
    if (stat(dir, &sb) != 0)
        return sw_fail(SW_ERR_OUTPUT, "cannot write %s: output folder '%s' %s", path, dir,
                       errno == ENOENT ? "does not exist" : strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return sw_fail(SW_ERR_OUTPUT, "cannot write %s: output folder '%s' is not a folder", path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return sw_fail(SW_ERR_OUTPUT, "cannot write %s: output folder '%s' is not writable: %s", path, dir,
                       strerror(errno));
    return SW_OK;
}

/* Makes a closed file durable before it is renamed into place. */
static sw_status sync_file(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0) close(fd);
        return sw_fail(SW_ERR_OUTPUT, "cannot sync %s: %s", path, strerror(err));
    }
    close(fd);
    return SW_OK;
}

/* GDAL keeps what GeoTIFF cannot hold in PATH.aux.xml: it moves with the file (or goes with it). */
static void aux_rename(const char *from, const char *to) {
    char a[4300], b[4300];
    snprintf(a, sizeof a, "%s.aux.xml", from);
    if (!sw_path_exists(a)) return;
    if (!to) {
        unlink(a);
        return;
    }
    snprintf(b, sizeof b, "%s.aux.xml", to);
    rename(a, b);
}

static int is_int_type(GDALDataType t) { return t != GDT_Float32 && t != GDT_Float64; }

/* Parses the CRS given for `path` (WKT, EPSG:n, PROJJSON: whatever OSRSetFromUserInput takes). */
static sw_status parse_crs(OGRSpatialReferenceH *out, const char *crs, const char *path) {
    *out = NULL;
    if (!crs || !*crs) return SW_OK;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    sw_gdal_quiet();
    OGRErr e = OSRSetFromUserInput(srs, crs);
    sw_gdal_loud();
    if (e != OGRERR_NONE) {
        OSRDestroySpatialReference(srs);
        return sw_fail(SW_ERR_INPUT, "the CRS given for %s is not a valid CRS (WKT, EPSG:n or PROJJSON): '%.80s'", path,
                       crs);
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    *out = srs;
    return SW_OK;
}

static sw_status create_in(sw_raster_writer *wr, const sw_raster_spec *spec, OGRSpatialReferenceH srs) {
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    if (!drv) return sw_fail(SW_ERR_RUNTIME, "GDAL has no GTiff driver: cannot write %s", wr->path);
    char tile[16];
    snprintf(tile, sizeof tile, "%d", wr->tile);
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "TILED", "YES");
    opt = CSLSetNameValue(opt, "BLOCKXSIZE", tile);
    opt = CSLSetNameValue(opt, "BLOCKYSIZE", tile);
    opt = CSLSetNameValue(opt, "BIGTIFF", "YES");
    opt = CSLSetNameValue(opt, "INTERLEAVE", "PIXEL");
    opt = CSLSetNameValue(opt, "COMPRESS", wr->compress);
    if (strcmp(wr->compress, "NONE") != 0) opt = CSLSetNameValue(opt, "PREDICTOR", is_int_type(wr->type) ? "2" : "3");
    if (wr->rgb) opt = CSLSetNameValue(opt, "PHOTOMETRIC", "RGB");
    wr->ds = GDALCreate(drv, wr->part, wr->width, wr->height, wr->nbands, wr->type, opt);
    CSLDestroy(opt);
    if (!wr->ds) return sw_fail(SW_ERR_OUTPUT, "cannot create %s: %s", wr->part, sw_gdal_reason());
    int has_gt = 0;
    for (int i = 0; i < 6; i++) has_gt |= spec->gt[i] != 0;
    if (has_gt && GDALSetGeoTransform(wr->ds, (double *)spec->gt) != CE_None)
        return sw_fail(SW_ERR_OUTPUT, "cannot set the geotransform of %s: %s", wr->part, sw_gdal_reason());
    if (srs && GDALSetSpatialRef(wr->ds, srs) != CE_None)
        return sw_fail(SW_ERR_OUTPUT, "cannot set the CRS of %s: %s", wr->part, sw_gdal_reason());
    for (int b = 1; spec->has_nodata && b <= wr->nbands; b++)
        if (GDALSetRasterNoDataValue(GDALGetRasterBand(wr->ds, b), spec->nodata) != CE_None)
            return sw_fail(SW_ERR_OUTPUT, "cannot set nodata %g on band %d of %s: %s", spec->nodata, b, wr->part,
                           sw_gdal_reason());
    if (spec->palette && spec->npalette > 0) {
        GDALColorTableH ct = GDALCreateColorTable(GPI_RGB);
        for (int i = 0; i < 256; i++) {
            const uint8_t *c = i < spec->npalette ? spec->palette[i] : (const uint8_t[4]){0, 0, 0, 0};
            GDALColorEntry e = {c[0], c[1], c[2], c[3]};
            GDALSetColorEntry(ct, i, &e);
        }
        CPLErr e = wr->type == GDT_Byte && wr->nbands == 1 ? GDALSetRasterColorTable(GDALGetRasterBand(wr->ds, 1), ct)
                                                           : CE_Failure;
        GDALDestroyColorTable(ct);
        if (e != CE_None)
            return sw_fail(SW_ERR_USAGE, "cannot set a colour table on %s (one Byte band only): %s", wr->part,
                           sw_gdal_reason());
    }
    if (spec->class_names && spec->nclass_names > 0) {
        char **names = NULL;
        for (int i = 0; i < spec->nclass_names; i++)
            names = CSLAddString(names, spec->class_names[i] ? spec->class_names[i] : "");
        CPLErr e = GDALSetRasterCategoryNames(GDALGetRasterBand(wr->ds, 1), names);
        CSLDestroy(names);
        if (e != CE_None)
            return sw_fail(SW_ERR_OUTPUT, "cannot set the class names of %s: %s", wr->part, sw_gdal_reason());
    }
    if (spec->mask) {
        /* Inside the TIFF (not a .msk file beside it), so that the rename moves everything. */
        char *old = CPLStrdup(CPLGetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", NULL));
        CPLSetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES");
        CPLErr e = GDALCreateDatasetMaskBand(wr->ds, GMF_PER_DATASET);
        CPLSetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", old && *old ? old : NULL);
        CPLFree(old);
        if (e != CE_None) return sw_fail(SW_ERR_OUTPUT, "cannot create the mask of %s: %s", wr->part, sw_gdal_reason());
        wr->mask_band = GDALGetMaskBand(GDALGetRasterBand(wr->ds, 1));
    }
    return SW_OK;
}

static sw_status check_spec(const sw_raster_spec *spec, const char *path, GDALDataType *type, const char **compress) {
    const char *dt = spec->dtype ? spec->dtype : "Byte";
    *type = GDALGetDataTypeByName(dt);
    if (*type != GDT_Byte && *type != GDT_UInt16 && *type != GDT_Int16 && *type != GDT_UInt32 &&
        *type != GDT_Int32 && *type != GDT_Float32 && *type != GDT_Float64)
        return sw_fail(SW_ERR_USAGE, "cannot write %s as '%s': use Byte, UInt16, UInt32 or Float32", path, dt);
    if (spec->width <= 0 || spec->height <= 0 || spec->nbands <= 0)
        return sw_fail(SW_ERR_USAGE, "cannot write %s of %d x %d pixels and %d bands", path, spec->width, spec->height,
                       spec->nbands);
    int tile = spec->tile ? spec->tile : 512;
    if (tile < 16 || tile % 16 != 0 || tile > 4096)
        return sw_fail(SW_ERR_USAGE, "cannot write %s with tiles of %d pixels: GeoTIFF tiles are multiples of 16 "
                       "(16..4096)", path, tile);
    static const char *ok[] = {"DEFLATE", "LZW", "ZSTD", "NONE"};
    *compress = spec->compress ? spec->compress : "DEFLATE";
    for (int i = 0; i < 4; i++)
        if (strcasecmp(*compress, ok[i]) == 0) {
            *compress = ok[i];
            return SW_OK;
        }
    return sw_fail(SW_ERR_USAGE, "cannot write %s with compression '%s': use DEFLATE, LZW, ZSTD or NONE (lossless)",
                   path, *compress);
}

sw_status sw_raster_create(sw_raster_writer **out, const char *path, const sw_raster_spec *spec) {
    *out = NULL;
    sw_gdal_init();
    GDALDataType type;
    const char *compress = NULL;
    sw_status st;
    if (!path || !*path) return sw_fail(SW_ERR_OUTPUT, "empty output raster name");
    if (strlen(path) >= 4096) return sw_fail(SW_ERR_OUTPUT, "output raster name too long: %.200s...", path);
    OGRSpatialReferenceH srs = NULL;
    if ((st = check_spec(spec, path, &type, &compress)) || (st = check_folder(path)) ||
        (st = parse_crs(&srs, spec->wkt, path)))
        return st;
    sw_raster_writer *wr = calloc(1, sizeof *wr);
    if (!wr) {
        OSRDestroySpatialReference(srs);
        return sw_fail(SW_ERR_RUNTIME, "out of memory creating %s", path);
    }
    snprintf(wr->path, sizeof wr->path, "%s", path);
    snprintf(wr->part, sizeof wr->part, "%s.part", path);
    snprintf(wr->compress, sizeof wr->compress, "%s", compress);
    wr->width = spec->width, wr->height = spec->height, wr->nbands = spec->nbands;
    wr->tile = spec->tile ? spec->tile : 512;
    wr->rgb = spec->rgb && spec->nbands >= 3;
    wr->type = type;
    wr->sample_bytes = GDALGetDataTypeSizeBytes(type);
    wr->has_nodata = spec->has_nodata, wr->nodata = spec->nodata;
    sw_gdal_quiet();
    st = create_in(wr, spec, srs);
    sw_gdal_loud();
    OSRDestroySpatialReference(srs);
    if (st) {
        sw_raster_abort(wr);
        return st;
    }
    *out = wr;
    return SW_OK;
}

/* Whether block (x, y, w, h) goes to the file tile by tile (write_tiles): whole tiles (edge tiles
 * cut at the image border) of a one-band file without a mask, while no write has gone through
 * GDAL's block cache (a cached block, dirty or not, would overwrite or outdate the tile). A cached
 * write after whole tiles is safe: GDAL reads the tile back from the file. */
static int whole_tiles(const sw_raster_writer *wr, int x, int y, int w, int h) {
    int t = wr->tile;
    return !wr->cached && wr->nbands == 1 && !wr->mask_band && x % t == 0 && y % t == 0 &&
           (w % t == 0 || x + w == wr->width) && (h % t == 0 || y + h == wr->height);
}

/* Writes the whole tiles of a block straight to the GTiff driver (GDALWriteBlock: predicted,
 * compressed and written at once), not through GDAL's block cache: RasterIO copies every pixel
 * into fresh cache blocks (page faults) and compresses them all at close. For swath run's
 * assemble phase (4096^2, one thread) that halved the CPU time, 0.17-0.22 -> 0.09 s (perf: the
 * cache's copy and faults were 45% of it). Edge tiles are padded with nodata (or 0), never read. */
static sw_status write_tiles(sw_raster_writer *wr, int x, int y, int w, int h, const uint8_t *data) {
    int t = wr->tile, sb = wr->sample_bytes;
    size_t row = (size_t)w * sb;
    GDALRasterBandH band = GDALGetRasterBand(wr->ds, 1);
    if (!wr->tbuf && !(wr->tbuf = malloc((size_t)t * t * sb)))
        return sw_fail(SW_ERR_RUNTIME, "out of memory for a tile of %s", wr->path);
    for (int ty = y; ty < y + h; ty += t)
        for (int tx = x; tx < x + w; tx += t) {
            int tw = x + w - tx < t ? x + w - tx : t, th = y + h - ty < t ? y + h - ty : t;
            if (tw < t || th < t) {
                double pad = wr->has_nodata ? wr->nodata : 0;
                GDALCopyWords64(&pad, GDT_Float64, 0, wr->tbuf, wr->type, sb, (GPtrDiff_t)t * t);
            }
            for (int j = 0; j < th; j++)
                memcpy(wr->tbuf + (size_t)j * t * sb, data + (size_t)(ty - y + j) * row + (size_t)(tx - x) * sb,
                       (size_t)tw * sb);
            if (GDALWriteBlock(band, tx / t, ty / t, wr->tbuf) != CE_None)
                return sw_fail(SW_ERR_OUTPUT, "writing tile %d,%d of %s: %s", tx / t, ty / t, wr->part,
                               sw_gdal_reason());
        }
    return SW_OK;
}

sw_status sw_raster_write(sw_raster_writer *wr, int x, int y, int w, int h, const void *data, const uint8_t *mask) {
    if (w <= 0 || h <= 0 || x < 0 || y < 0 || x > wr->width - w || y > wr->height - h)
        return sw_fail(SW_ERR_RUNTIME, "block %d,%d,%d,%d (x,y,w,h) lies outside %s (%d x %d pixels)", x, y, w, h,
                       wr->path, wr->width, wr->height);
    if (mask && !wr->mask_band)
        return sw_fail(SW_ERR_RUNTIME, "a mask was given for block %d,%d,%d,%d of %s, created without one", x, y, w, h,
                       wr->path);
    GSpacing px = (GSpacing)wr->nbands * wr->sample_bytes;
    sw_status st = SW_OK;
    sw_gdal_quiet();
    if (whole_tiles(wr, x, y, w, h)) {
        st = write_tiles(wr, x, y, w, h, data);
        sw_gdal_loud();
        return st;
    }
    wr->cached = 1;
    if (GDALDatasetRasterIOEx(wr->ds, GF_Write, x, y, w, h, (void *)data, w, h, wr->type, wr->nbands, NULL, px,
                              px * w, wr->sample_bytes, NULL) != CE_None)
        st = sw_fail(SW_ERR_OUTPUT, "writing block %d,%d,%d,%d of %s: %s", x, y, w, h, wr->part, sw_gdal_reason());
    if (!st && wr->mask_band) {
        size_t n = (size_t)w * (size_t)h;
        if (n > wr->mbuf_cap) {
            uint8_t *p = realloc(wr->mbuf, n);
            if (!p) st = sw_fail(SW_ERR_RUNTIME, "out of memory for the mask of block %d,%d,%d,%d", x, y, w, h);
            else wr->mbuf = p, wr->mbuf_cap = n;
        }
        if (!st) {
            for (size_t i = 0; i < n; i++) wr->mbuf[i] = !mask || mask[i] ? 255 : 0;
            if (GDALRasterIO(wr->mask_band, GF_Write, x, y, w, h, wr->mbuf, w, h, GDT_Byte, 0, 0) != CE_None)
                st = sw_fail(SW_ERR_OUTPUT, "writing the mask of block %d,%d,%d,%d of %s: %s", x, y, w, h, wr->part,
                             sw_gdal_reason());
        }
    }
    sw_gdal_loud();
    return st;
}

/* Overviews of class maps must keep class values (nearest); images and scores are averaged. */
static const char *cog_resampling(const sw_raster_writer *wr) {
    return wr->rgb || !is_int_type(wr->type) ? "AVERAGE" : "NEAREST";
}

static sw_status write_cog(const sw_raster_writer *wr, const char *cog_path) {
    if (strlen(cog_path) >= 4096) return sw_fail(SW_ERR_OUTPUT, "COG name too long: %.200s...", cog_path);
    sw_status st = check_folder(cog_path);
    if (st) return st;
    char part[4200];
    snprintf(part, sizeof part, "%s.part", cog_path);
    GDALDriverH drv = GDALGetDriverByName("COG");
    if (!drv) return sw_fail(SW_ERR_RUNTIME, "GDAL %s has no COG driver: cannot write %s", GDALVersionInfo("RELEASE_NAME"),
                             cog_path);
    char tile[16];
    snprintf(tile, sizeof tile, "%d", wr->tile);
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "COMPRESS", wr->compress);
    if (strcmp(wr->compress, "NONE") != 0) opt = CSLSetNameValue(opt, "PREDICTOR", "YES");
    opt = CSLSetNameValue(opt, "BIGTIFF", "IF_SAFER");
    opt = CSLSetNameValue(opt, "OVERVIEWS", "AUTO");
    opt = CSLSetNameValue(opt, "BLOCKSIZE", tile);
    opt = CSLSetNameValue(opt, "RESAMPLING", cog_resampling(wr));
    sw_gdal_quiet();
    GDALDatasetH src = GDALOpenEx(wr->path, GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, NULL, NULL, NULL);
    GDALDatasetH dst = NULL;
    if (!src) st = sw_fail(SW_ERR_OUTPUT, "cannot reopen %s to copy it as a COG: %s", wr->path, sw_gdal_reason());
    else if (!(dst = GDALCreateCopy(drv, part, src, FALSE, opt, NULL, NULL)))
        st = sw_fail(SW_ERR_OUTPUT, "cannot write the COG %s: %s", cog_path, sw_gdal_reason());
    if (dst) {
        GDALClose(dst);
        if (sw_gdal_failed()) st = sw_fail(SW_ERR_OUTPUT, "cannot finish the COG %s: %s", cog_path, sw_gdal_reason());
    }
    if (src) GDALClose(src);
    sw_gdal_loud();
    CSLDestroy(opt);
    if (!st) st = sync_file(part);
    if (!st) st = sw_rename_durable(part, cog_path);
    if (!st) aux_rename(part, cog_path);
    if (st) {
        unlink(part);
        aux_rename(part, NULL);
    }
    return st;
}

sw_status sw_raster_commit(sw_raster_writer *wr, const char *cog_path) {
    sw_status st = SW_OK;
    sw_gdal_quiet();
    GDALClose(wr->ds);
    wr->ds = NULL;
    if (sw_gdal_failed()) st = sw_fail(SW_ERR_OUTPUT, "cannot finish %s: %s", wr->part, sw_gdal_reason());
    sw_gdal_loud();
    if (!st) st = sync_file(wr->part);
    if (!st) st = sw_rename_durable(wr->part, wr->path);
    if (st) {
        sw_raster_abort(wr);
        return st;
    }
    aux_rename(wr->part, wr->path);
    if (cog_path && *cog_path) st = write_cog(wr, cog_path);
    free(wr->mbuf), free(wr->tbuf);
    free(wr);
    return st;
}

void sw_raster_abort(sw_raster_writer *wr) {
    if (!wr) return;
    if (wr->ds) {
        /* Unlinked first: closing flushes GDAL's cache into a file that is already gone. */
        unlink(wr->part);
        sw_gdal_quiet();
        GDALClose(wr->ds);
        sw_gdal_loud();
    }
    unlink(wr->part);
    aux_rename(wr->part, NULL);
    free(wr->mbuf), free(wr->tbuf);
    free(wr);
}
