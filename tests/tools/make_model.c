/* Test tool: writes a model.h5 with deterministic random weights (nn_model_init_weights), so
 * the segment job and eval can be tested without a training run.
 * usage: make_model OUT.h5 ARCH IN_CH CLASSES [WIDTH [DEPTH [SEED]]] */
#include "io/checkpoint.h"
#include "src/nn/models/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: make_model OUT.h5 ARCH IN_CH CLASSES [WIDTH [DEPTH [SEED]]]\n");
        return 2;
    }
    nn_model_config cfg;
    if (nn_model_config_init(&cfg, argv[2], atoi(argv[3]), atoi(argv[4]))) {
        fprintf(stderr, "make_model: %s\n", sw_errmsg());
        return 2;
    }
    if (argc > 5) cfg.width = atoi(argv[5]);
    if (argc > 6) cfg.depth = atoi(argv[6]);
    unsigned long long seed = argc > 7 ? strtoull(argv[7], NULL, 10) : 1;
    nn_model m;
    if (nn_model_create(&m, &cfg, 0)) {
        fprintf(stderr, "make_model: %s\n", sw_errmsg());
        return 1;
    }
    nn_model_init_weights(&m, seed);
    /* Conv and linear biases to zero, so that the random model's classes follow the input
     * rather than the head's bias (a constant mask would make the tests that use it weak). */
    for (int i = 1; i < m.net.params.count; i++) {
        nn_tensor *t = &m.net.params.params[i];
        size_t len = strlen(t->name);
        if (t->ndim == 1 && len > 5 && !strcmp(t->name + len - 5, ".bias") && m.net.params.params[i - 1].ndim >= 2)
            memset(t->data, 0, nn_tensor_numel(t) * sizeof(float));
    }
    sw_ckpt_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.cfg = cfg;
    meta.tile_h = meta.tile_w = 256;
    for (int c = 0; c < cfg.in_ch; c++) meta.mean[c] = 100.0f + 10.0f * (float)c, meta.std[c] = 50.0f;
    int st = sw_checkpoint_save(argv[1], &m, &meta);
    if (st) fprintf(stderr, "make_model: %s\n", sw_errmsg());
    nn_model_free(&m);
    return st;
}
