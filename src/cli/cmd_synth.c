/* `swath synth ...`: synthetic data with exact ground truth. Parses flags and calls src/synth. */
#include "src/cli/args.h"
#include "src/cli/cli.h"

#include "src/synth/synth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sw_opt defects_opts[] = {
    {"size", "WxH", "4096x4096", "mosaic size in pixels (or N for N x N)"},
    {"seed", "N", "1", "seed: the same seed gives the same pixels, whatever the thread count"},
    {"out", "DIR", NULL, "output folder (created when missing); required"},
    {"crs", "CRS", "EPSG:32650", "CRS: EPSG:n, WKT or PROJJSON; projected (UTM) or geographic (EPSG:4326)"},
    {"gsd", "G", NULL, "pixel size in CRS units (default 1 m; 1e-5 degrees for a geographic CRS)"},
    {"origin", "X,Y", NULL, "upper-left corner in CRS units (default: centred on 500000 E, 2900000 N, or 106.7 E, 26.6 N)"},
    {"density", "D", "1", "multiplier of the default instance rates (0: no defects)"},
    {"counts", "N1,...,N10", NULL, "instances of classes 1..10 (-1: from --density; shadows <= clouds)"},
    {"background", "FILE", NULL, "real image (any GDAL raster, <= 64 Mpx) mixed under the procedural texture"},
    {"background-scale", "S", NULL, "mosaic pixels per background pixel (default: from its pixel size, else 4)"},
    {"background-mix", "A", "0.6", "weight of the background image, 0..1"},
    {"tile", "N", "512", "block side for streaming and GeoTIFF tiles (multiple of 16, 64..4096)"},
    {"sun-azimuth", "DEG", NULL, "sun azimuth, clockwise from north (default: drawn from the seed)"},
    {"sun-elevation", "DEG", NULL, "sun elevation (default: drawn from the seed, 35..65)"},
    {"seam-band", "PX", "8", "truth half-width around stitching seamlines (classes 7, 8), pixels"},
    {"keep-instances", NULL, NULL, "also keep DIR/instances.tif: the instance id of each truth pixel (UInt32)"},
    {0},
};

static int synth_help(void) {
    printf("usage: swath synth KIND [FLAGS...]\n\n"
           "Synthetic data with exact ground truth.\n\nkinds:\n"
           "  defects  orthophoto mosaic with the ten defect types of seed 003: mosaic.tif, truth.tif, truth.gpkg\n"
           "\n`swath synth KIND --help` describes each kind.\n");
    return 0;
}

static sw_status parse_origin(const char *s, double *x, double *y) {
    char *e;
    errno = 0;
    *x = strtod(s, &e);
    if (e == s || *e != ',' || errno) goto bad;
    const char *s2 = e + 1;
    *y = strtod(s2, &e);
    if (e == s2 || *e || errno || !isfinite(*x) || !isfinite(*y)) goto bad;
    return SW_OK;
bad:
    return sw_fail(SW_ERR_USAGE, "swath synth defects: --origin: '%s' is not X,Y", s);
}

static sw_status parse_defects(const sw_args *a, sw_synth_defects_params *p) {
    sw_status st;
    int64_t v;
    sw_synth_defects_defaults(p);
    if ((st = sw_args_size(a, "size", 16, 1000000, &p->width, &p->height))) return st;
    if ((st = sw_args_int(a, "seed", 0, INT64_MAX, &v))) return st;
    p->seed = (uint64_t)v;
    p->out_dir = sw_args_str(a, "out");
    if (!p->out_dir) return sw_fail(SW_ERR_USAGE, "swath synth defects: --out DIR is required");
    if (!*p->out_dir) return sw_fail(SW_ERR_USAGE, "swath synth defects: --out: the folder name is empty");
    p->crs = sw_args_str(a, "crs");
    if (sw_args_str(a, "gsd") && (st = sw_args_double(a, "gsd", 1e-9, 1e6, &p->gsd))) return st;
    if (sw_args_str(a, "origin")) {
        if ((st = parse_origin(sw_args_str(a, "origin"), &p->origin_x, &p->origin_y))) return st;
        p->has_origin = 1;
    }
    if ((st = sw_args_double(a, "density", 0, 100, &p->density))) return st;
    p->density_set = sw_args_flag(a, "density");
    if (sw_args_str(a, "counts")) {
        int64_t c[SW_NCLASSES - 1];
        int n;
        if ((st = sw_args_int_list(a, "counts", -1, 100000, c, SW_NCLASSES - 1, &n))) return st;
        if (n != SW_NCLASSES - 1)
            return sw_fail(SW_ERR_USAGE, "swath synth defects: --counts: give 10 values (classes 1..10), got %d", n);
        for (int i = 0; i < n; i++) p->counts[i + 1] = (int)c[i];
    }
    p->background = sw_args_str(a, "background");
    if (p->background && !*p->background)
        return sw_fail(SW_ERR_USAGE, "swath synth defects: --background: the path is empty (give an image file, or leave "
                                     "the flag out)");
    if (sw_args_str(a, "background-scale") && (st = sw_args_double(a, "background-scale", 0.01, 1e4, &p->bg_scale)))
        return st;
    if ((st = sw_args_double(a, "background-mix", 0, 1, &p->bg_mix))) return st;
    if ((st = sw_args_int(a, "tile", 64, 4096, &v))) return st;
    if (v % 16) return sw_fail(SW_ERR_USAGE, "swath synth defects: --tile: %lld is not a multiple of 16", (long long)v);
    p->tile = (int)v;
    if (sw_args_str(a, "sun-azimuth") && (st = sw_args_double(a, "sun-azimuth", 0, 360, &p->sun_azimuth))) return st;
    if (sw_args_str(a, "sun-elevation") && (st = sw_args_double(a, "sun-elevation", 5, 90, &p->sun_elevation)))
        return st;
    if ((st = sw_args_double(a, "seam-band", 0.5, 64, &p->seam_band))) return st;
    p->keep_instances = sw_args_flag(a, "keep-instances");
    return SW_OK;
}

static void print_summary(const sw_synth_defects_params *p, const sw_synth_defects_summary *s) {
    printf("%-28s %9s %9s %12s %14s\n", "class", "instances", "polygons", "pixels", "area_m2");
    for (int c = 0; c < SW_NCLASSES; c++) {
        char name[40];
        snprintf(name, sizeof name, "%2d %s", c, sw_class_name(c));
        if (c == 0) printf("%-28s %9s %9s %12lld %14.1f\n", name, "-", "-", (long long)s->pixels[c], s->area_m2[c]);
        else
            printf("%-28s %9lld %9lld %12lld %14.1f\n", name, (long long)s->instances[c], (long long)s->features[c],
                   (long long)s->pixels[c], s->area_m2[c]);
    }
    printf("%-28s %9s %9s %12lld\n", "outside footprint (255)", "", "", (long long)s->outside);
    printf("pixel area %.4g m2; sun azimuth %.1f, elevation %.1f degrees\n", s->pixel_area_m2, s->sun_azimuth,
           s->sun_elevation);
    printf("wrote %s/mosaic.tif, %s/truth.tif, %s/truth.gpkg%s in %.1f s (rendering %.1f s, polygons %.1f s)\n",
           p->out_dir, p->out_dir, p->out_dir, p->keep_instances ? " and instances.tif" : "", s->seconds,
           s->seconds_render, s->seconds_polygons);
}

static int cmd_defects(int argc, char **argv) {
    sw_args a;
    int st = sw_args_parse(&a, "synth defects", defects_opts, argc, argv);
    if (st) return sw_cli_report(st);
    if (a.help) {
        sw_args_print_help(&a, "--out DIR [--size WxH] [--seed N] [FLAGS...]",
                           "Writes a synthetic orthophoto mosaic with the ten defect types of seed 003 and their\n"
                           "exact ground truth into DIR:\n"
                           "  mosaic.tif  RGB Byte GeoTIFF (tiled, DEFLATE) with a mask band: the irregular footprint\n"
                           "  truth.tif   class 0..10 per pixel, 255 outside the footprint (nodata)\n"
                           "  truth.gpkg  layer 'truth': one multipolygon per defect instance with class, class_name,\n"
                           "              instance, area_m2 and pixels; exactly the pixels of truth.tif\n"
                           "Streams by block rows: memory grows with the width, not the area. See docs/synth.md.");
        return 0;
    }
    if (a.npos) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath synth defects: unexpected argument '%s'", a.pos[0]));
    sw_synth_defects_params p;
    if ((st = parse_defects(&a, &p))) return sw_cli_report(st);
    sw_synth_defects_summary s;
    if ((st = sw_synth_defects(&p, &s))) return sw_cli_report(st);
    print_summary(&p, &s);
    return 0;
}

int sw_cmd_synth(int argc, char **argv) {
    if (argc < 1) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath synth: which kind? (see swath synth --help)"));
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) return synth_help();
    if (!strcmp(argv[0], "defects")) return cmd_defects(argc - 1, argv + 1);
    return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath synth: unknown kind '%s' (see swath synth --help)", argv[0]));
}
