/* Batch norm folded into the convolution for inference (nn_model_fold_bn): for every segmentation
 * architecture and CPU backend, with random running statistics, gamma and beta (so the fold is not
 * an identity), the folded eval forward equals the plain one (conv, BN, ReLU: itself checked
 * against PyTorch by test_nn_models) within f32 rounding, max|folded - plain| <= 1e-5 max(1,
 * max|plain|). That the folded path really runs: after folding, every gamma is tripled in the
 * parameter arena and the folded forward stays bit for bit the same (the plain one moves far).
 * Training mode, new weights or a new parameter upload drop the fold (the next eval forward is
 * the plain one, with the tripled gamma), and folding again follows the new parameters. The fold
 * survives a prepare for another shape (same pairs, same arena); a backward after a folded
 * forward (frozen batch norm, eval mode) gives exactly the gradients of the plain forward. */
#include "src/nn/models/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"

static unsigned long long rng = 88172645463325252ull;
static double uniform(double lo, double hi) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (double)(rng >> 11) * 0x1.0p-53;
}

/* Random BN statistics and affine parameters, in the host arenas. */
static void randomize_bn(nn_model *m) {
    nn_net *n = &m->net;
    for (int i = 0; i < n->nfolds; i++) {
        const nn_fold_pair *f = &n->folds[i];
        float *g = n->params.param_memory + n->params.offset[f->g];
        float *beta = n->params.param_memory + n->params.offset[f->beta];
        float *mean = n->buffers.param_memory + n->buffers.offset[f->rm];
        float *var = n->buffers.param_memory + n->buffers.offset[f->rv];
        for (int k = 0; k < f->K; k++) {
            g[k] = (float)uniform(0.5, 1.5), beta[k] = (float)uniform(-0.5, 0.5);
            mean[k] = (float)uniform(-0.3, 0.3), var[k] = (float)uniform(0.3, 2.0);
        }
    }
}

static double rel_diff(const float *a, const float *b, size_t n, int *nonfinite) {
    double worst = 0.0, big = 1.0;
    *nonfinite = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a[i])) (*nonfinite)++;
        worst = fmax(worst, fabs((double)a[i] - b[i]));
        big = fmax(big, fabs((double)b[i]));
    }
    return worst / big;
}

static void gamma_triple(nn_model *m) {
    nn_net *n = &m->net;
    for (int i = 0; i < n->nfolds; i++)
        for (int k = 0; k < n->folds[i].K; k++) n->params.param_memory[n->params.offset[n->folds[i].g] + k] *= 3.0f;
}

static void run(const char *arch, int depth, int width, const nn_backend *be) {
    nn_model m;
    nn_model_config cfg;
    if (nn_model_config_init(&cfg, arch, 3, 5) != SW_OK) {
        CHECK(0, "%s: config", arch);
        return;
    }
    if (depth) cfg.depth = depth;
    cfg.width = width;
    const int N = 2, H = 64, W = 64;
    if (nn_model_create(&m, &cfg, 0) != SW_OK || nn_model_prepare(&m, N, H, W) != SW_OK) {
        CHECK(0, "%s: create", arch);
        return;
    }
    nn_model_set_backend(&m, be);
    nn_model_init_weights(&m, 3);
    randomize_bn(&m);
    const size_t nx = (size_t)N * H * W * 3, nl = nn_model_logits_count(&m);
    float *x = malloc(nx * sizeof *x), *plain = malloc(nl * sizeof *plain);
    for (size_t i = 0; i < nx; i++) x[i] = (float)uniform(-1, 1);
    nn_model_train(&m, 0);
    memcpy(plain, nn_model_forward(&m, x), nl * sizeof *plain);
    CHECK(m.net.nfolds > 0, "%s: no conv-BN pairs to fold", arch);
    CHECK(nn_model_fold_bn(&m) == SW_OK && m.net.folded, "%s: fold failed", arch);
    int bad;
    double d = rel_diff(nn_model_forward(&m, x), plain, nl, &bad);
    CHECK(d <= 1e-5 && !bad, "%s on %s: folded differs from plain by %.3g (%d non-finite)", arch, be->name, d, bad);
    /* the folded path runs: BN's own gamma is no longer read */
    gamma_triple(&m);
    double d2 = rel_diff(nn_model_forward(&m, x), plain, nl, &bad);
    CHECK(d2 == d && !bad, "%s: the folded forward read the BN parameters (%.3g, not %.3g)", arch, d2, d);
    /* training mode drops the fold: the plain path reads the tripled gamma */
    nn_model_train(&m, 1);
    nn_model_train(&m, 0);
    CHECK(!m.net.folded, "%s: training mode kept the fold", arch);
    double moved = rel_diff(nn_model_forward(&m, x), plain, nl, &bad);
    CHECK(moved > 1e-2, "%s: after training mode the forward did not read the changed gamma (%.3g)", arch, moved);
    /* new weights drop it; folding again follows them */
    nn_model_init_weights(&m, 4);
    randomize_bn(&m);
    CHECK(!m.net.folded, "%s: new weights kept the fold", arch);
    memcpy(plain, nn_model_forward(&m, x), nl * sizeof *plain);
    CHECK(nn_model_fold_bn(&m) == SW_OK, "%s: second fold", arch);
    double d3 = rel_diff(nn_model_forward(&m, x), plain, nl, &bad);
    CHECK(d3 <= 1e-5 && !bad, "%s: second fold differs by %.3g", arch, d3);
    /* another shape after folding: the same pairs, the fold still right */
    CHECK(nn_model_prepare(&m, 1, H / 2, W) == SW_OK && m.net.folded, "%s: re-prepare dropped the fold", arch);
    const size_t nl2 = nn_model_logits_count(&m);
    float *plain2 = malloc(nl2 * sizeof *plain2), *dl = malloc(nl2 * sizeof *dl);
    m.net.folded = 0;
    memcpy(plain2, nn_model_forward(&m, x), nl2 * sizeof *plain2);
    m.net.folded = 1;
    double d4 = rel_diff(nn_model_forward(&m, x), plain2, nl2, &bad);
    CHECK(d4 <= 1e-5 && !bad, "%s: folded after a re-prepare differs by %.3g", arch, d4);
    /* backward after a folded forward (eval mode: frozen batch norm) = after the plain one */
    for (size_t i = 0; i < nl2; i++) dl[i] = (float)uniform(-1, 1);
    const size_t np = m.net.params.numel;
    float *g1 = malloc(np * sizeof *g1);
    memcpy(nn_model_dlogits(&m), dl, nl2 * sizeof *dl);
    nn_model_zero_grad(&m);
    nn_model_backward(&m);
    CHECK(!m.net.folded, "%s: a backward kept the fold", arch);
    memcpy(g1, m.net.params.grad_memory, np * sizeof *g1);
    nn_model_forward(&m, x);
    memcpy(nn_model_dlogits(&m), dl, nl2 * sizeof *dl);
    nn_model_zero_grad(&m);
    nn_model_backward(&m);
    CHECK(!memcmp(g1, m.net.params.grad_memory, np * sizeof *g1),
          "%s: the backward after a folded forward differs from the plain one", arch);
    free(plain2), free(dl), free(g1);
    CHECK(nn_model_fold_bn(&m) == SW_OK && m.net.folded, "%s: fold again", arch);
    CHECK(nn_model_params_from_host(&m, m.net.params.param_memory, m.net.buffers.param_memory) == SW_OK &&
          !m.net.folded, "%s: a parameter upload kept the fold", arch);
    printf("%-13s %-9s %2d folded layers: max diff %.2g, %.2g after new weights\n", arch, be->name,
           m.net.nfolds, d, d3);
    free(x), free(plain);
    nn_model_free(&m);
}

int main(void) {
    const nn_backend *bes[2] = {nn_backend_cpu_ref(), nn_backend_cpu_fast()};
    for (int b = 0; b < 2; b++) {
        if (!bes[b]) continue;
        run("unet", 3, 8, bes[b]);
        run("resnet18-seg", 0, 8, bes[b]);
        run("resnet50-seg", 0, 8, bes[b]);
    }
    printf("%s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
