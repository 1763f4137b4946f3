/* Seeded block split (see split.h). */
#include "src/dataset/split.h"

#include <math.h>
#include <stdlib.h>

static unsigned long long splitmix64(unsigned long long *s) {
    unsigned long long z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

sw_status sw_split_plan_make(sw_split_plan *p, int width, int height, int block, double val,
                             unsigned long long seed) {
    *p = (sw_split_plan){0};
    if (block < 1 || width < 1 || height < 1 || !(val >= 0 && val < 1))
        return sw_fail(SW_ERR_USAGE, "split: block %d, raster %d x %d, val fraction %g (0 <= val < 1)", block,
                       width, height, val);
    p->width = width, p->height = height, p->block = block;
    p->nbx = (width + block - 1) / block;
    p->nby = (height + block - 1) / block;
    const int n = p->nbx * p->nby;
    p->is_val = calloc((size_t)n, 1);
    int *order = malloc((size_t)n * sizeof *order);
    if (!p->is_val || !order) {
        free(order);
        sw_split_plan_free(p);
        return sw_fail(SW_ERR_RUNTIME, "split: out of memory for %d blocks", n);
    }
    int nval = (int)lround(val * n);
    if (val > 0 && nval == 0 && n >= 2) nval = 1;
    if (nval >= n && n >= 2) nval = n - 1;
    if (n < 2) nval = 0;
    for (int i = 0; i < n; i++) order[i] = i;
    unsigned long long s = seed;
    for (int i = n - 1; i > 0; i--) {   /* Fisher-Yates */
        int j = (int)(splitmix64(&s) % (unsigned long long)(i + 1)), t = order[i];
        order[i] = order[j], order[j] = t;
    }
    for (int i = 0; i < nval; i++) p->is_val[order[i]] = 1;
    p->nval = nval;
    free(order);
    return SW_OK;
}

void sw_split_plan_free(sw_split_plan *p) {
    free(p->is_val);
    p->is_val = NULL;
}

int sw_split_window(const sw_split_plan *p, int x, int y, int w, int h) {
    int bx0 = x / p->block, bx1 = (x + w - 1) / p->block, by0 = y / p->block, by1 = (y + h - 1) / p->block;
    if (bx1 >= p->nbx) bx1 = p->nbx - 1;
    if (by1 >= p->nby) by1 = p->nby - 1;
    int v = p->is_val[by0 * p->nbx + bx0];
    for (int by = by0; by <= by1; by++)
        for (int bx = bx0; bx <= bx1; bx++)
            if (p->is_val[by * p->nbx + bx] != v) return -1;
    return v;
}

int sw_tile_positions(int size, int tile, int stride, int *pos) {
    if (size < tile || tile < 1 || stride < 1) return 0;
    int n = 0, x = 0;
    for (; x + tile <= size; x += stride) {
        if (pos) pos[n] = x;
        n++;
    }
    if ((n - 1) * stride + tile < size) {
        if (pos) pos[n] = size - tile;
        n++;
    }
    return n;
}
