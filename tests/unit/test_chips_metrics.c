/* Tests src/metrics/multiclass (the metrics of `swath eval --chips`) against an independent
 * computation, and makes model files for tests/cli/eval_chips.sh:
 *   test_chips_metrics CHECK.py DIR  writes DIR/metrics_in.bin (random truth with 255s, predictions,
 *                                truth and predicted label vectors) and DIR/metrics_out.json (the
 *                                scores multiclass.c computes); tests/cli/metrics_check.py recomputes
 *                                them with numpy from the arrays and compares (run here)
 *   test_chips_metrics --model PATH ARCH IN_CH CLASSES [WIDTH]
 *                                saves a model with seeded random weights (sw_checkpoint_save) */
#include "io/checkpoint.h"
#include "src/metrics/multiclass.h"
#include "src/nn/models/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void num(FILE *f, double v) {
    if (isnan(v)) fprintf(f, "null");
    else fprintf(f, "%.12g", v);
}

static int make_model(const char *path, const char *arch, int in_ch, int classes, int width) {
    nn_model_config cfg;
    nn_model m;
    sw_status st = nn_model_config_init(&cfg, arch, in_ch, classes);
    if (!st && width > 0) cfg.width = width;
    if (!st && strstr(arch, "resnet")) cfg.depth = 18;
    if (!st) st = nn_model_create(&m, &cfg, 0);
    if (st) {
        fprintf(stderr, "test_chips_metrics: %s\n", sw_errmsg());
        return 1;
    }
    nn_model_init_weights(&m, 7);
    sw_ckpt_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.cfg = cfg;
    meta.tile_h = meta.tile_w = 64;
    for (int c = 0; c < in_ch; c++) meta.mean[c] = 120.0f, meta.std[c] = 40.0f;
    st = sw_checkpoint_save(path, &m, &meta);
    nn_model_free(&m);
    if (st) fprintf(stderr, "test_chips_metrics: %s\n", sw_errmsg());
    return st ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc >= 6 && strcmp(argv[1], "--model") == 0)
        return make_model(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), argc > 6 ? atoi(argv[6]) : 0);
    if (argc != 3) {
        fprintf(stderr, "usage: test_chips_metrics CHECKER.py DIR | --model PATH ARCH IN_CH CLASSES [WIDTH]\n");
        return 2;
    }
    const char *dir = argv[2];
    char mk[4200];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
    if (system(mk) != 0) return 1;
    enum { K = 6, NPIX = 20000, NS = 300 };
    static uint8_t truth[NPIX], pred[NPIX], tl[NS][K - 1], pl[NS][K - 1];
    unsigned long long s = 12345;
    for (int i = 0; i < NPIX; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(s >> 33);
        truth[i] = r % 11 == 0 ? 255 : (uint8_t)(r % 5);          /* class 5 never in the truth */
        pred[i] = (r >> 8) % 3 == 0 ? truth[i] : (uint8_t)((r >> 12) % K);
        if (pred[i] == 255) pred[i] = 0;
    }
    for (int n = 0; n < NS; n++)
        for (int k = 0; k < K - 1; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            unsigned r = (unsigned)(s >> 33);
            tl[n][k] = k == 4 ? 0 : r % 2;            /* label 5 never true, ... */
            pl[n][k] = k == 4 ? 0 : (r >> 4) % 4 == 0 ? !tl[n][k] : tl[n][k];   /* ... nor predicted: F1 undefined */
        }
    sw_mconf c;
    sw_mlabel ml;
    if (sw_mconf_init(&c, K) || sw_mlabel_init(&ml, K - 1)) return 1;
    sw_mconf_add(&c, truth, pred, NPIX / 2);                      /* in two parts: accumulation */
    sw_mconf_add(&c, truth + NPIX / 2, pred + NPIX / 2, NPIX - NPIX / 2);
    for (int n = 0; n < NS; n++) sw_mlabel_add(&ml, tl[n], pl[n]);
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics_in.bin", dir);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    fwrite(truth, 1, NPIX, f), fwrite(pred, 1, NPIX, f), fwrite(tl, 1, sizeof tl, f), fwrite(pl, 1, sizeof pl, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/metrics_out.json", dir);
    f = fopen(path, "w");
    if (!f) return 1;
    fprintf(f, "{\"K\": %d, \"npix\": %d, \"nsamples\": %d, \"classes\": [", K, NPIX, NS);
    for (int k = 0; k < K; k++) {
        sw_mscore sc;
        sw_mconf_score(&c, k, &sc);
        fprintf(f, "%s{\"iou\": ", k ? ", " : "");
        num(f, sc.iou), fprintf(f, ", \"f1\": "), num(f, sc.f1), fprintf(f, ", \"precision\": "), num(f, sc.precision);
        fprintf(f, ", \"recall\": "), num(f, sc.recall), fprintf(f, "}");
    }
    fprintf(f, "], \"accuracy\": "), num(f, sw_mconf_accuracy(&c));
    fprintf(f, ", \"miou\": "), num(f, sw_mconf_miou(&c, 0));
    fprintf(f, ", \"miou_no_background\": "), num(f, sw_mconf_miou(&c, 1));
    fprintf(f, ", \"ignored\": %lld", (long long)c.ignored);
    fprintf(f, ", \"label_f1\": [");
    for (int k = 0; k < K - 1; k++) fprintf(f, "%s", k ? ", " : ""), num(f, sw_mlabel_f1(&ml, k));
    fprintf(f, "], \"ml_accuracy\": "), num(f, sw_mlabel_accuracy(&ml));
    fprintf(f, ", \"macro_f1\": "), num(f, sw_mlabel_macro_f1(&ml, 0, NULL));
    fprintf(f, "}\n");
    fclose(f);
    sw_mconf_free(&c);
    sw_mlabel_free(&ml);
    printf("test_chips_metrics: wrote %s/metrics_in.bin and metrics_out.json\n", dir);
    /* the independent computation: numpy, from the arrays */
    if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
        printf("skipped: /usr/bin/python3 has no numpy\n");
        return 77;
    }
    char cmd[8600];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", argv[1], dir);
    return system(cmd) == 0 ? 0 : 1;
}
