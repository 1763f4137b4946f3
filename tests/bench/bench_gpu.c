/* GPU speed of the engine's models (label bench; run on a GPU node, docs/performance.md):
 * inference tiles/s (eval forward, batch N of H x W x 3) and training images/s (forward,
 * cross-entropy, backward, AdamW step) of UNet (depth 4, width 32) and resnet34-seg (width 64)
 * in each precision mode of the CUDA backend, with achieved TFLOP/s (the plan's forward
 * multiply-adds x 2; training counted as 3 x forward). Best of `reps` timed runs after two
 * warm-ups (the algorithm searches). tests/bench/bench_gpu_torch.py times PyTorch on the same
 * GPU. Usage: bench_gpu [N H W reps [modes]] (modes: f32,tf32,bf16,bf16-act, the default all);
 * SWATH_PROFILE=1 adds a table of where a training step's time goes (src/nn/profile.h).
 * Exit 77 without a GPU. */
#include "src/nn/models/model.h"
#include "src/nn/profile.h"
#include "tests/gpu/gpu_util.h"

#include <stdint.h>

static int bench(const nn_backend *G, const char *arch, int depth, int width, int N, int H,
                 int W, int reps, int math) {
    static const char *MODE[] = {"f32", "tf32", "bf16", "bf16-act"};
    nn_backend_cuda_set_mode(G, (nn_cuda_math)math, 0);
    nn_model_config cfg;
    nn_model m;
    if (nn_model_config_init(&cfg, arch, 3, 5) != SW_OK) return 1;
    cfg.depth = depth, cfg.width = width;
    if (nn_model_create_on(&m, &cfg, 2, G) != SW_OK || nn_model_prepare(&m, N, H, W) != SW_OK) {
        fprintf(stderr, "bench %s: %s\n", arch, sw_errmsg());
        return 1;
    }
    nn_model_init_weights(&m, 1);
    const size_t P = (size_t)N * H * W;
    float *x = gpu_xmalloc(P * 3 * sizeof *x);
    uint8_t *y = gpu_xmalloc(P);
    unsigned s = 7;
    for (size_t i = 0; i < P * 3; i++)
        x[i] = (float)((s = s * 1103515245u + 12345u) >> 16 & 1023) / 512.0f - 1.0f;
    for (size_t i = 0; i < P; i++) y[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 16) % 5;
    nn_model_set_input(&m, x);
    const double flops = m.net.flops;
    /* inference */
    nn_model_train(&m, 0);
    double best_i = 1e30, best_t = 1e30;
    for (int r = 0; r < reps + 2; r++) {
        nn_mem_sync(G);
        const double t0 = gpu_now();
        nn_model_forward(&m, nn_model_input(&m));
        nn_mem_sync(G);
        if (r >= 2 && gpu_now() - t0 < best_i) best_i = gpu_now() - t0;
    }
    /* the same forward as one CUDA graph */
    double best_g = 1e30;
    void *graph = NULL;
    if (nn_backend_cuda_capture_begin(G) == 0) {
        nn_model_forward(&m, nn_model_input(&m));
        if (nn_backend_cuda_capture_end(G, &graph) != 0) graph = NULL;
    }
    for (int r = 0; graph && r < reps + 1; r++) {
        nn_mem_sync(G);
        const double t0 = gpu_now();
        nn_backend_cuda_graph_launch(G, graph);
        nn_mem_sync(G);
        if (r >= 1 && gpu_now() - t0 < best_g) best_g = gpu_now() - t0;
    }
    if (!graph) {
        printf("(graph capture failed: %s)\n", sw_errmsg());
        nn_ops_clear_error();
    }
    nn_backend_cuda_graph_free(graph);
    /* inference with batch norm folded into the convolutions (the segment job's forward) */
    double best_f = 1e30;
    if (nn_model_fold_bn(&m) == SW_OK)
        for (int r = 0; r < reps + 1; r++) {
            nn_mem_sync(G);
            const double t0 = gpu_now();
            nn_model_forward(&m, nn_model_input(&m));
            nn_mem_sync(G);
            if (r >= 1 && gpu_now() - t0 < best_f) best_f = gpu_now() - t0;
        }
    /* training, and its parts (synchronized after each: the sum exceeds the step a little) */
    nn_model_train(&m, 1);
    float loss = 0.0f;
    double part[4] = {1e30, 1e30, 1e30, 1e30};
    for (int r = 0; r < 2 * reps + 2; r++) {
        const int split = r >= reps + 2;
        double t[5];
        nn_mem_sync(G);
        t[0] = gpu_now();
        nn_model_forward(&m, nn_model_input(&m));
        if (split) nn_mem_sync(G);
        t[1] = gpu_now();
        nn_model_loss(&m, y, &loss);
        nn_model_zero_grad(&m);
        if (split) nn_mem_sync(G);
        t[2] = gpu_now();
        nn_model_backward(&m);
        if (split) nn_mem_sync(G);
        t[3] = gpu_now();
        nn_model_adamw_step(&m, 1e-4f, 0.9f, 0.999f, 1e-8f, 1e-2f, r + 1);
        nn_mem_sync(G);
        t[4] = gpu_now();
        if (r >= 2 && !split && t[4] - t[0] < best_t) best_t = t[4] - t[0];
        for (int k = 0; split && k < 4; k++)
            if (t[k + 1] - t[k] < part[k]) part[k] = t[k + 1] - t[k];
    }
    const char *prof = getenv("SWATH_PROFILE");
    if (prof && *prof && strcmp(prof, "0")) { /* where a training step's time goes, op by op */
        nn_ops_profile_reset();
        nn_ops_profile(1);
        for (int r = 0; r < reps; r++) {
            nn_model_forward(&m, nn_model_input(&m));
            nn_model_loss(&m, y, &loss);
            nn_model_zero_grad(&m);
            nn_model_backward(&m);
            nn_model_adamw_step(&m, 1e-4f, 0.9f, 0.999f, 1e-8f, 1e-2f, 2 * reps + 3 + r);
        }
        nn_ops_profile(0);
        printf("profile: %s %s, %d training steps, each op synchronized\n", arch, MODE[math],
               reps);
        nn_ops_profile_report(stdout, 45);
    }
    if (nn_model_status(&m) != SW_OK) {
        fprintf(stderr, "bench %s %s: %s\n", arch, MODE[math], sw_errmsg());
        nn_ops_clear_error();
        return 1;
    }
    printf("swath %-13s %-5s batch %d %dx%d  infer %8.1f tiles/s %6.1f TFLOP/s (graph %8.1f, "
           "BN folded %8.1f) | train %7.1f img/s %6.1f TFLOP/s (loss %.3f, %.0f MiB act)\n", arch,
           MODE[math], N, H, W, N / best_i, flops / best_i / 1e12, graph ? N / best_g : 0.0,
           best_f < 1e30 ? N / best_f : 0.0, N / best_t, 3.0 * flops / best_t / 1e12, loss,
           m.net.act_numel * 8.0 / 1048576.0);
    printf("      step parts: forward %.1f ms, loss + zero_grad %.1f ms, backward %.1f ms, adamw "
           "%.1f ms\n", part[0] * 1e3, part[1] * 1e3, part[2] * 1e3, part[3] * 1e3);
    fflush(stdout);
    free(x), free(y);
    nn_model_free(&m);
    return 0;
}

/* whether the comma-separated list holds `name` */
static int has_mode(const char *list, const char *name) {
    const size_t n = strlen(name);
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == 0 || p[n] == ','))
            return 1;
    return 0;
}

int main(int argc, char **argv) {
    const nn_backend *G = gpu_or_skip("bench_gpu");
    const int N = argc > 4 ? atoi(argv[1]) : 16, H = argc > 4 ? atoi(argv[2]) : 512;
    const int W = argc > 4 ? atoi(argv[3]) : 512, reps = argc > 4 ? atoi(argv[4]) : 5;
    const char *modes = argc > 5 ? argv[5] : "f32,tf32,bf16,bf16-act";
    static const char *NAMES[] = {"f32", "tf32", "bf16", "bf16-act"};
    int rc = 0;
    for (int math = 0; math <= NN_CUDA_BF16_ACT; math++) {
        if (!has_mode(modes, NAMES[math])) continue;
        rc |= bench(G, "unet", 4, 32, N, H, W, reps, math);
        rc |= bench(G, "resnet34-seg", 34, 64, N, H, W, reps, math);
    }
    return rc;
}
