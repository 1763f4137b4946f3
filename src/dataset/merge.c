/* Merge of the ranks' part files (see merge.h). The chips' compressed image and mask chunks are
 * copied as they are (sw_chips_writer_copy), so the merge costs file I/O, not compression. */
#include "src/dataset/merge.h"

#include "io/chips_write.h"
#include "src/core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    sw_chips *c;
    FILE *rec;
    int32_t *pts[2];
    long long npts[2], pt_pos[2], next[2];
    int32_t org[2][3];    /* origin of the next chip of each split */
} part;

static int key_less(const int32_t *a, const int32_t *b) {   /* (source, row, column) */
    if (a[0] != b[0]) return a[0] < b[0];
    if (a[2] != b[2]) return a[2] < b[2];
    return a[1] < b[1];
}

static sw_status load_next(part *p, int s) {
    if (p->next[s] >= sw_chips_get_info(p->c)->count[s]) return SW_OK;
    return sw_chips_read_origin(p->c, (sw_split)s, p->next[s], p->org[s]);
}

sw_status sw_dataset_merge(const sw_dataset_opts *o, int C, int K, sw_dataset_stats *stats) {
    const int N = o->nranks, T = o->tile, RL = sw_chip_stats_len(C, K);
    part *parts = calloc((size_t)N, sizeof *parts);
    uint8_t *lab = malloc((size_t)K);
    long long *rec = malloc((size_t)RL * sizeof *rec), *tot = calloc((size_t)RL, sizeof *tot);
    int32_t *tri = NULL;
    long long tri_cap = 0, inparts = 0;
    sw_chips_writer *w = NULL;
    sw_status st = !parts || !lab || !rec || !tot ? sw_fail(SW_ERR_RUNTIME, "out of memory") : SW_OK;
    char path[4300];
    for (int s = 0; s < 2; s++) stats->chips[s] = stats->points[s] = stats->negatives[s] = 0;   /* rank 0's part */
    stats->negatives_dropped = 0;
    for (int r = 0; r < N && !st; r++) {
        snprintf(path, sizeof path, "%s.part%d", o->out, r);
        if ((st = sw_chips_open(path, &parts[r].c))) break;
        const sw_chips_info *in = sw_chips_get_info(parts[r].c);
        if (in->channels != C || in->classes != K)
            st = sw_fail(SW_ERR_RUNTIME, "'%s': %d channels and %d classes, rank 0 has %d and %d", path, in->channels,
                         in->classes, C, K);
        for (int s = 0; s < 2 && !st; s++) {
            inparts += in->count[s];
            parts[r].npts[s] = in->npoints[s];
            parts[r].pts[s] = malloc((size_t)(in->npoints[s] + 1) * 4 * sizeof(int32_t));
            if (!parts[r].pts[s]) st = sw_fail(SW_ERR_RUNTIME, "out of memory for the points of '%s'", path);
            else st = sw_chips_read_points(parts[r].c, (sw_split)s, parts[r].pts[s]);
            if (!st) st = load_next(&parts[r], s);
        }
        snprintf(path, sizeof path, "%s.part%d.stats", o->out, r);
        if (!st && !(parts[r].rec = fopen(path, "rb"))) st = sw_fail(SW_ERR_INPUT, "cannot read '%s'", path);
    }
    if (!st) {
        const sw_chips_info *in = sw_chips_get_info(parts[0].c);
        char srcs[8192] = "";
        for (int i = 0; i < o->nrasters; i++)
            snprintf(srcs + strlen(srcs), sizeof srcs - strlen(srcs), "%s%s", i ? ";" : "", o->rasters[i]);
        sw_chips_header h = {C, K, T, T, o->stride, (const char(*)[SW_CHIPS_CLASS_NAME])in->class_names, srcs,
                             in->bands};
        st = sw_chips_writer_create(o->out, &h, &w);
    }
    for (int s = 0; s < 2 && !st; s++) {
        for (;;) {
            int best = -1;
            for (int r = 0; r < N; r++)
                if (parts[r].next[s] < sw_chips_get_info(parts[r].c)->count[s] &&
                    (best < 0 || key_less(parts[r].org[s], parts[best].org[s])))
                    best = r;
            if (best < 0) break;
            part *p = &parts[best];
            const long long idx = p->next[s];
            if ((st = sw_chips_read(p->c, (sw_split)s, idx, NULL, NULL, lab))) break;
            if (s == 0 && fread(rec, sizeof *rec, (size_t)RL, p->rec) != (size_t)RL) {
                st = sw_fail(SW_ERR_INPUT, "'%s.part%d.stats' is shorter than its train chips", o->out, best);
                break;
            }
            long long n = 0, first = p->pt_pos[s];
            while (p->pt_pos[s] < p->npts[s] && p->pts[s][4 * p->pt_pos[s]] == idx) p->pt_pos[s]++, n++;
            int positive = 0;
            for (int k = 1; k < K; k++) positive |= lab[k];
            int keep = positive || o->negatives == SW_NEG_KEEP ||
                       (o->negatives == SW_NEG_CAP && stats->negatives[s] < o->neg_cap);
            if (keep) {
                if (n > tri_cap) {
                    int32_t *t = realloc(tri, (size_t)n * 3 * sizeof *t);
                    if (!t) {
                        st = sw_fail(SW_ERR_RUNTIME, "out of memory for %lld points", n);
                        break;
                    }
                    tri = t, tri_cap = n;
                }
                for (long long i = 0; i < n; i++) memcpy(&tri[3 * i], &p->pts[s][4 * (first + i) + 1], 3 * sizeof *tri);
                if ((st = sw_chips_writer_copy(w, (sw_split)s, p->c, idx, tri, n))) break;
                stats->chips[s]++;
                stats->points[s] += n;
                if (!positive) stats->negatives[s]++;
                if (s == 0)
                    for (int i = 0; i < RL; i++) tot[i] += rec[i];
            } else {
                stats->negatives_dropped++;
            }
            p->next[s]++;
            if ((st = load_next(p, s))) break;
        }
    }
    stats->empty = stats->windows - stats->guard - inparts;
    if (!st && stats->chips[0] == 0) st = no_train_chip(stats);
    if (!st) {
        float mean[SW_CHIPS_MAX_CH], sd[SW_CHIPS_MAX_CH];
        sw_chip_stats_finish(tot[0], tot + 1, tot + 1 + C, C, mean, sd);
        st = sw_chips_writer_finish(w, mean, sd, tot + 1 + 2 * C);
        w = NULL;
    }
    sw_chips_writer_abort(w);
    for (int r = 0; parts && r < N; r++) {
        sw_chips_close(parts[r].c);
        if (parts[r].rec) fclose(parts[r].rec);
        free(parts[r].pts[0]), free(parts[r].pts[1]);
    }
    free(parts), free(lab), free(rec), free(tot), free(tri);
    return st;
}
