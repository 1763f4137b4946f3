/* `swath info FILE`: describe a raster or a swath HDF5 file; optionally read a window. */
#include "src/cli/args.h"
#include "src/cli/cli.h"

#include "io/h5.h"
#include "io/raster.h"
#include "src/core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sw_opt info_opts[] = {
    {"bands", "B1,B2,B3", NULL, "bands a window read delivers (1-based; default: R,G,B from colour interpretation)"},
    {"window", "X,Y,W,H", NULL, "read this window as 8-bit and print per-band statistics"},
    {"json", NULL, NULL, "print the description as JSON"},
    {0},
};

static const char *mask_kind_name(sw_mask_kind k) {
    switch (k) {
    case SW_MASK_NODATA: return "nodata";
    case SW_MASK_ALPHA: return "alpha";
    case SW_MASK_BAND: return "mask band";
    default: return "none";
    }
}

static void print_raster(const sw_raster_info *in, const int *bands, int nb, int json) {
    if (json) {
        printf("{\"file\": ");
        sw_json_str(stdout, in->path);
        printf(", \"driver\": \"%s\", \"width\": %d, \"height\": %d, \"bands\": %d, \"type\": \"%s\",\n",
               in->driver, in->width, in->height, in->nbands, in->dtype);
        printf(" \"geotransform\": [%.17g, %.17g, %.17g, %.17g, %.17g, %.17g], \"has_geotransform\": %s,\n",
               in->gt[0], in->gt[1], in->gt[2], in->gt[3], in->gt[4], in->gt[5], in->has_gt ? "true" : "false");
        printf(" \"crs_name\": ");
        sw_json_str(stdout, in->crs_name);
        printf(", \"crs_wkt\": ");
        if (in->wkt) sw_json_str(stdout, in->wkt);
        else printf("null");
        printf(",\n \"mask\": \"%s\", \"nodata\": ", mask_kind_name(in->mask_kind));
        if (in->has_nodata) printf("%.17g", in->nodata);
        else printf("null");
        printf(", \"block\": [%d, %d], \"tiled\": %s, \"read_bands\": [", in->block_w, in->block_h,
               in->tiled ? "true" : "false");
        for (int i = 0; i < nb; i++) printf("%s%d", i ? ", " : "", bands[i]);
        printf("]");   /* the object is closed by the caller (a window's statistics may follow) */
        return;
    }
    printf("file:         %s\n", in->path);
    printf("driver:       %s\n", in->driver);
    printf("size:         %d x %d, %d band%s of %s\n", in->width, in->height, in->nbands, in->nbands > 1 ? "s" : "",
           in->dtype);
    printf("crs:          %s\n", in->wkt ? (in->crs_name[0] ? in->crs_name : "(unnamed)") : "none");
    if (in->has_gt)
        printf("geotransform: origin (%.6f, %.6f), pixel %.9g x %.9g, rotation %g, %g\n", in->gt[0], in->gt[3], in->gt[1],
               in->gt[5], in->gt[2], in->gt[4]);
    else printf("geotransform: none\n");
    printf("validity:     %s", mask_kind_name(in->mask_kind));
    if (in->has_nodata) printf(" (nodata %g)", in->nodata);
    if (in->alpha_band) printf(" (alpha band %d)", in->alpha_band);
    printf("\nblocks:       %d x %d (%s)\n", in->block_w, in->block_h, in->tiled ? "tiled" : "strips");
    printf("bands:       ");
    for (int b = 0; b < in->nbands && b < 16; b++) printf(" %d:%s", b + 1, in->interp[b]);
    printf("%s\nread as:      bands", in->nbands > 16 ? " ..." : "");
    for (int i = 0; i < nb; i++) printf("%s%d", i ? "," : " ", bands[i]);
    printf(" -> 8-bit\n");
}

static int parse_window(const char *spec, long long win[4]) {
    char tail;
    if (sscanf(spec, "%lld,%lld,%lld,%lld%c", &win[0], &win[1], &win[2], &win[3], &tail) != 4)
        return sw_fail(SW_ERR_USAGE, "swath info: --window: '%s' is not X,Y,W,H", spec);
    return SW_OK;
}

/* Per-band statistics of the valid pixels of a window: a text block, or the members "window"
 * and "window_bands" of the JSON object. */
static void print_window_stats(const long long win[4], const uint8_t *pix, const uint8_t *valid, const int *bands,
                               int nb, int json) {
    size_t n = (size_t)win[2] * (size_t)win[3], nvalid = 0;
    for (size_t i = 0; i < n; i++) nvalid += valid[i] != 0;
    if (json)
        printf(",\n \"window\": {\"x\": %lld, \"y\": %lld, \"width\": %lld, \"height\": %lld, \"pixels\": %zu, "
               "\"valid\": %zu, \"bands\": [", win[0], win[1], win[2], win[3], n, nvalid);
    else printf("window %lld,%lld,%lld,%lld: %zu of %zu pixels valid\n", win[0], win[1], win[2], win[3], nvalid, n);
    for (int b = 0; b < nb; b++) {
        double sum = 0;
        int lo = 255, hi = 0;
        for (size_t i = 0; i < n; i++) {
            if (!valid[i]) continue;
            int v = pix[i * (size_t)nb + (size_t)b];
            sum += v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (json && nvalid)
            printf("%s{\"band\": %d, \"mean\": %.2f, \"min\": %d, \"max\": %d}", b ? ", " : "", bands[b],
                   sum / (double)nvalid, lo, hi);
        else if (json) printf("%s{\"band\": %d, \"mean\": null, \"min\": null, \"max\": null}", b ? ", " : "", bands[b]);
        else if (nvalid) printf("  band %d: mean %.2f min %d max %d\n", bands[b], sum / (double)nvalid, lo, hi);
        else printf("  band %d: no valid pixels\n", bands[b]);
    }
    if (json) printf("]}");
}

/* Reads the window (8-bit, as the runtime does) into fresh buffers; errors name the window and
 * the file. */
static int read_window(sw_raster *r, const char *spec, const long long win[4], int nb, uint8_t **pix, uint8_t **valid) {
    long long x = win[0], y = win[1], w = win[2], h = win[3];
    *pix = *valid = NULL;
    if (w <= 0 || h <= 0 || w > 65536 || h > 65536)
        return sw_fail(SW_ERR_INPUT, "window %s of %s: width and height must be in 1..65536", spec,
                       sw_raster_get_info(r)->path);
    size_t n = (size_t)w * (size_t)h;
    *pix = malloc(n * (size_t)nb), *valid = malloc(n);
    if (!*pix || !*valid) return sw_fail(SW_ERR_RUNTIME, "out of memory for window %s", spec);
    return sw_raster_read_u8(r, x, y, (int)w, (int)h, *pix, *valid);
}

/* A swath HDF5 file: the summary (text or JSON); the flags that read raster windows do not apply. */
static int info_hdf5(const sw_args *a, const char *path) {
    const char *raster_only[] = {"window", "bands"};
    for (int i = 0; i < 2; i++)
        if (sw_args_str(a, raster_only[i]))
            return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath info: --%s is for rasters; '%s' is a swath HDF5 file "
                                                       "(only --json applies to it)", raster_only[i], path));
    return sw_cli_report(sw_h5_print_summary(path, sw_args_flag(a, "json")));
}

int sw_cmd_info(int argc, char **argv) {
    sw_args a;
    int st = sw_args_parse(&a, "info", info_opts, argc, argv);
    if (st) return sw_cli_report(st);
    if (a.help) {
        sw_args_print_help(&a, "FILE [--bands B1,B2,B3] [--window X,Y,W,H] [--json]",
                           "Describes a raster (any GDAL format: size, bands, data type, CRS, geotransform,\n"
                           "nodata / mask) or a swath HDF5 file (format, version and contents).");
        return 0;
    }
    if (a.npos != 1) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath info: expected one FILE (see swath info --help)"));
    const char *path = a.pos[0];
    long long win[4];
    if (sw_args_str(&a, "window") && (st = parse_window(sw_args_str(&a, "window"), win))) return sw_cli_report(st);
    if (sw_h5_is_hdf5(path)) return info_hdf5(&a, path);
    sw_raster *r;
    if ((st = sw_raster_open(&r, path))) return sw_cli_report(st);
    if (sw_args_str(&a, "bands")) {
        int64_t b64[SW_RASTER_MAX_BANDS];
        int nb, bands[SW_RASTER_MAX_BANDS];
        st = sw_args_int_list(&a, "bands", 1, 1 << 20, b64, SW_RASTER_MAX_BANDS, &nb);
        for (int i = 0; !st && i < nb; i++) bands[i] = (int)b64[i];
        if (!st) st = sw_raster_select_bands(r, bands, nb);
        if (st) {
            sw_raster_close(r);
            return sw_cli_report(st);
        }
    }
    int bands[SW_RASTER_MAX_BANDS], nb = sw_raster_selected_bands(r, bands), json = sw_args_flag(&a, "json");
    /* the window is read before anything is printed: an error leaves no half-written JSON */
    uint8_t *pix = NULL, *valid = NULL;
    if (sw_args_str(&a, "window") && (st = read_window(r, sw_args_str(&a, "window"), win, nb, &pix, &valid))) {
        free(pix), free(valid);
        sw_raster_close(r);
        return sw_cli_report(st);
    }
    print_raster(sw_raster_get_info(r), bands, nb, json);
    if (pix) print_window_stats(win, pix, valid, bands, nb, json);
    if (json) printf("}\n");
    free(pix), free(valid);
    sw_raster_close(r);
    return 0;
}
