/* Driver for tests/cli/outputs_vectorize.sh: every polygon of io/mask_vectorize.h as it is, one
 * feature per polygon (no clustering, no tile ids), to compare with gdal_polygonize.py:
 *   test_mask_vectorize MASK CONF|- OUT.gpkg CONNECTIVITY WINDOW_CELL
 * Fields: id, class, pixels, conf_sum (-1 without CONF), area_m2, x0, y0, x1, y1 (pixel box).
 * WINDOW_CELL 0 is the default grouping; 1..8 make many small windows, so that regions' edges
 * fall on window edges and windows overlap. */
#include "io/mask_vectorize.h"
#include "io/vector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NF = 9 };

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: test_mask_vectorize MASK CONF|- OUT.gpkg CONNECTIVITY WINDOW_CELL\n");
        return 2;
    }
    sw_mask_vec_spec spec = {.mask_path = argv[1], .conf_path = strcmp(argv[2], "-") ? argv[2] : NULL,
                             .connectivity = atoi(argv[4]), .window_cell = atoi(argv[5])};
    static const sw_field_def fields[NF] = {
        {"id", SW_FIELD_INT}, {"class", SW_FIELD_INT}, {"pixels", SW_FIELD_INT}, {"conf_sum", SW_FIELD_REAL},
        {"area_m2", SW_FIELD_REAL}, {"x0", SW_FIELD_INT}, {"y0", SW_FIELD_INT}, {"x1", SW_FIELD_INT},
        {"y1", SW_FIELD_INT}};
    sw_mask_vec *v = NULL;
    sw_vector_writer *w = NULL;
    sw_status st = sw_mask_vec_open(&v, &spec);
    if (!st) st = sw_vector_create(&w, argv[3], NULL, "polygons", sw_mask_vec_get_info(v)->wkt, fields, NF);
    int64_t n = 0;
    for (int done = 0; !st;) {
        sw_mask_poly p;
        if ((st = sw_mask_vec_next(v, &p, &done)) || done) break;
        sw_field_value f[NF];
        f[0].i = p.id, f[1].i = p.cls, f[2].i = p.pixels, f[3].r = p.conf_sum, f[4].r = p.area_m2;
        f[5].i = p.x0, f[6].i = p.y0, f[7].i = p.x1, f[8].i = p.y1;
        st = sw_vector_add(w, &p.poly, 1, f);
        n++;
    }
    /* Random access gives the same polygon as the sequential pass (the last one and the first). */
    if (!st && n > 0) {
        sw_mask_poly a;
        st = sw_mask_vec_get(v, 1, &a);
        if (!st && (a.id != 1 || a.poly.nrings < 1)) {
            fprintf(stderr, "test_mask_vectorize: polygon 1 by id: id %lld, %d rings\n", (long long)a.id, a.poly.nrings);
            st = SW_ERR_RUNTIME;
        }
        if (!st && sw_mask_vec_get(v, n + 1, &a) == SW_OK) {
            fprintf(stderr, "test_mask_vectorize: polygon %lld of %lld was found\n", (long long)n + 1, (long long)n);
            st = SW_ERR_RUNTIME;
        }
    }
    if (!st) st = sw_vector_commit(w);
    else if (w) sw_vector_abort(w);
    if (!st) {
        const sw_mask_vec_info *in = sw_mask_vec_get_info(v);
        printf("%lld polygons, %lld runs, %lld windows of %lld pixels, %d rasters inflated here\n",
               (long long)in->npolys, (long long)in->nruns, (long long)in->nwindows, (long long)in->window_pixels,
               in->inflated);
    }
    sw_mask_vec_close(v);
    if (st) fprintf(stderr, "test_mask_vectorize: %s\n", sw_errmsg());
    return st ? (int)st : 0;
}
