/* Proximity grouping of boxes (see cluster.h): union-find with path halving and union by index
 * (the smaller index becomes the root), over the pairs of boxes that share a cell of a uniform
 * grid. Deterministic: the result depends only on the boxes and their order. */
#include "src/run/cluster.h"

#include <stdlib.h>

enum { MAX_CELLS_PER_BOX = 256 };

int64_t sw_pixbox_gap(const sw_pixbox *a, const sw_pixbox *b) {
    int64_t gx = (a->x0 > b->x0 ? a->x0 : b->x0) - (a->x1 < b->x1 ? a->x1 : b->x1);
    int64_t gy = (a->y0 > b->y0 ? a->y0 : b->y0) - (a->y1 < b->y1 ? a->y1 : b->y1);
    int64_t g = gx > gy ? gx : gy;
    return g > 0 ? g : 0;
}

static int64_t find(int64_t *parent, int64_t i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static void unite(int64_t *parent, int64_t a, int64_t b) {
    a = find(parent, a);
    b = find(parent, b);
    if (a == b) return;
    if (a < b) parent[b] = a;
    else parent[a] = b;
}

typedef struct {
    int64_t cell, box;
} cell_entry;

static int cmp_entry(const void *pa, const void *pb) {
    const cell_entry *a = pa, *b = pb;
    if (a->cell != b->cell) return a->cell < b->cell ? -1 : 1;
    return a->box < b->box ? -1 : a->box > b->box;
}

static int64_t floordiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

sw_status sw_cluster_boxes(const sw_pixbox *box, int64_t n, int64_t dist, int64_t *group, int64_t *ngroups) {
    *ngroups = 0;
    if (n <= 0) return SW_OK;
    int64_t *parent = sw_malloc(sizeof *parent * (size_t)n, "cluster parents");
    if (!parent) return SW_ERR_RUNTIME;
    for (int64_t i = 0; i < n; i++) parent[i] = i;
    sw_status st = SW_OK;
    if (dist >= 0) {
        int64_t m = dist / 2 + 1, cs = 2 * m > 64 ? 2 * m : 64;
        /* The grid: columns from the smallest grown x, wide enough for the largest. */
        int64_t gx0 = INT64_MAX, gy0 = INT64_MAX, gx1 = INT64_MIN;
        for (int64_t i = 0; i < n; i++) {
            gx0 = box[i].x0 - m < gx0 ? box[i].x0 - m : gx0;
            gy0 = box[i].y0 - m < gy0 ? box[i].y0 - m : gy0;
            gx1 = box[i].x1 + m > gx1 ? box[i].x1 + m : gx1;
        }
        int64_t ncols = floordiv(gx1 - gx0, cs) + 1, nent = 0, nbig = 0;
        for (int64_t i = 0; i < n; i++) {
            int64_t cx = floordiv(box[i].x1 + m - 1 - gx0, cs) - floordiv(box[i].x0 - m - gx0, cs) + 1;
            int64_t cy = floordiv(box[i].y1 + m - 1 - gy0, cs) - floordiv(box[i].y0 - m - gy0, cs) + 1;
            if (cx * cy > MAX_CELLS_PER_BOX) nbig++;
            else nent += cx * cy;
        }
        cell_entry *ent = sw_malloc(sizeof *ent * (size_t)(nent ? nent : 1), "cluster grid");
        int64_t *big = sw_malloc(sizeof *big * (size_t)(nbig ? nbig : 1), "cluster large boxes");
        if (!ent || !big) st = SW_ERR_RUNTIME;
        for (int64_t i = 0, k = 0, kb = 0; !st && i < n; i++) {
            int64_t cx0 = floordiv(box[i].x0 - m - gx0, cs), cx1 = floordiv(box[i].x1 + m - 1 - gx0, cs);
            int64_t cy0 = floordiv(box[i].y0 - m - gy0, cs), cy1 = floordiv(box[i].y1 + m - 1 - gy0, cs);
            if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > MAX_CELLS_PER_BOX) {
                big[kb++] = i;
                continue;
            }
            for (int64_t cy = cy0; cy <= cy1; cy++)
                for (int64_t cx = cx0; cx <= cx1; cx++) ent[k++] = (cell_entry){cy * ncols + cx, i};
        }
        if (!st) {
            qsort(ent, (size_t)nent, sizeof *ent, cmp_entry);
            for (int64_t s = 0, e; s < nent; s = e) {
                for (e = s + 1; e < nent && ent[e].cell == ent[s].cell; e++) {}
                for (int64_t a = s; a < e; a++)
                    for (int64_t b = a + 1; b < e; b++) {
                        int64_t i = ent[a].box, j = ent[b].box;
                        if (find(parent, i) != find(parent, j) && sw_pixbox_gap(&box[i], &box[j]) <= dist)
                            unite(parent, i, j);
                    }
            }
            for (int64_t k = 0; k < nbig; k++)
                for (int64_t j = 0; j < n; j++) {
                    int64_t i = big[k];
                    if (i != j && find(parent, i) != find(parent, j) && sw_pixbox_gap(&box[i], &box[j]) <= dist)
                        unite(parent, i, j);
                }
        }
        free(ent);
        free(big);
    }
    if (!st) {
        /* Roots are each group's smallest index, so numbering roots in index order numbers the
         * groups in order of their first box. */
        int64_t ng = 0;
        for (int64_t i = 0; i < n; i++) {
            int64_t r = find(parent, i);
            group[i] = r == i ? ng++ : group[r];
        }
        *ngroups = ng;
    }
    free(parent);
    return st;
}
