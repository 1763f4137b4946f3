/* Optimizer steps over the flat parameter arena (kernels/cuda/cuda_kernels.h), the twins of
 * src/nn/optim.c with torch.optim semantics: the same f32 expressions, rounded op by op (the
 * __f*_rn intrinsics: no fused multiply-add), so the update equals the CPU reference's on a CPU
 * that does not fuse either. One pass, float4 when every array is 16-byte aligned. */
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/k_common.cuh"

#define MUL __fmul_rn
#define ADD __fadd_rn
#define SUB __fsub_rn

/* ---- SGD: g += wd p; buf = momentum buf + g; p -= lr buf (buf unused when momentum == 0). */
struct sgd_args {
    float lr, momentum, wd;
};

__device__ static inline void sgd_one(float &p, float g, float *buf, const sgd_args &a) {
    g = ADD(g, MUL(a.wd, p));
    if (a.momentum != 0.0f) {
        *buf = ADD(MUL(a.momentum, *buf), g);
        g = *buf;
    }
    p = SUB(p, MUL(a.lr, g));
}

__global__ static void k_sgd(float *p, const float *g, float *buf, size_t n, sgd_args a, int vec) {
    size_t done = 0;
    if (vec) {
        const size_t n4 = n / 4;
        CUK_GRID_STRIDE(i, n4) {
            float4 pv = ((float4 *)p)[i];
            const float4 gv = ((const float4 *)g)[i];
            float4 bv = buf ? ((float4 *)buf)[i] : make_float4(0.f, 0.f, 0.f, 0.f);
            sgd_one(pv.x, gv.x, &bv.x, a);
            sgd_one(pv.y, gv.y, &bv.y, a);
            sgd_one(pv.z, gv.z, &bv.z, a);
            sgd_one(pv.w, gv.w, &bv.w, a);
            ((float4 *)p)[i] = pv;
            if (buf) ((float4 *)buf)[i] = bv;
        }
        done = n4 * 4;
    }
    CUK_GRID_STRIDE(j, n - done) {
        const size_t i = done + j;
        float b = buf ? buf[i] : 0.0f;
        sgd_one(p[i], g[i], &b, a);
        if (buf) buf[i] = b;
    }
}

extern "C" int cuk_sgd_update(float *params, const float *grads, float *momentum_buf, size_t n,
                              float lr, float momentum, float weight_decay, void *stream) {
    if (n == 0) return 0;
    float *buf = momentum != 0.0f ? momentum_buf : NULL;
    if (momentum != 0.0f && !buf)
        return sw_fail(SW_ERR_RUNTIME, "CUDA SGD: momentum %g needs a momentum buffer",
                       (double)momentum), 1;
    const int vec = cuk_aligned16(params) && cuk_aligned16(grads) && cuk_aligned16(buf);
    k_sgd<<<cuk_blocks(vec ? n / 4 + 1 : n), CUK_THREADS, 0, CUK_STREAM(stream)>>>(
        params, grads, buf, n, sgd_args{lr, momentum, weight_decay}, vec);
    return CUK_LAUNCHED("SGD update");
}

/* ---- Adam / AdamW (optim.c adam_core): step_size = lr / (1 - beta1^t), bc2_sqrt =
 * sqrt(1 - beta2^t), both computed on the host in f64 as the reference does. */
struct adam_args {
    float lr, beta1, beta2, eps, l2, decoupled_wd, step_size, bc2_sqrt;
};

__device__ static inline void adam_one(float &p, float g, float &m, float &v, const adam_args &a) {
    if (a.decoupled_wd != 0.0f) p = MUL(p, SUB(1.0f, MUL(a.lr, a.decoupled_wd)));
    g = ADD(g, MUL(a.l2, p));
    m = ADD(MUL(a.beta1, m), MUL(SUB(1.0f, a.beta1), g));
    v = ADD(MUL(a.beta2, v), MUL(MUL(SUB(1.0f, a.beta2), g), g));
    const float denom = ADD(__fdiv_rn(__fsqrt_rn(v), a.bc2_sqrt), a.eps);
    p = SUB(p, __fdiv_rn(MUL(a.step_size, m), denom));
}

__global__ static void k_adam(float *p, const float *g, float *m, float *v, size_t n, adam_args a,
                              int vec) {
    size_t done = 0;
    if (vec) {
        const size_t n4 = n / 4;
        CUK_GRID_STRIDE(i, n4) {
            float4 pv = ((float4 *)p)[i], mv = ((float4 *)m)[i], vv = ((float4 *)v)[i];
            const float4 gv = ((const float4 *)g)[i];
            adam_one(pv.x, gv.x, mv.x, vv.x, a);
            adam_one(pv.y, gv.y, mv.y, vv.y, a);
            adam_one(pv.z, gv.z, mv.z, vv.z, a);
            adam_one(pv.w, gv.w, mv.w, vv.w, a);
            ((float4 *)p)[i] = pv, ((float4 *)m)[i] = mv, ((float4 *)v)[i] = vv;
        }
        done = n4 * 4;
    }
    CUK_GRID_STRIDE(j, n - done) {
        const size_t i = done + j;
        adam_one(p[i], g[i], m[i], v[i], a);
    }
}

extern "C" int cuk_adam_update(float *params, const float *grads, float *m, float *v, size_t n,
                               float lr, float beta1, float beta2, float eps, float weight_decay,
                               int step, int decoupled, void *stream) {
    if (n == 0) return 0;
    if (step < 1) return sw_fail(SW_ERR_RUNTIME, "CUDA Adam: step %d (counts from 1)", step), 1;
    const double bc1 = 1.0 - pow(beta1, step), bc2 = 1.0 - pow(beta2, step);
    adam_args a;
    a.lr = lr, a.beta1 = beta1, a.beta2 = beta2, a.eps = eps;
    a.l2 = decoupled ? 0.0f : weight_decay;
    a.decoupled_wd = decoupled ? weight_decay : 0.0f;
    a.step_size = (float)(lr / bc1), a.bc2_sqrt = (float)sqrt(bc2);
    const int vec = cuk_aligned16(params) && cuk_aligned16(grads) && cuk_aligned16(m) &&
                    cuk_aligned16(v);
    k_adam<<<cuk_blocks(vec ? n / 4 + 1 : n), CUK_THREADS, 0, CUK_STREAM(stream)>>>(
        params, grads, m, v, n, a, vec);
    return CUK_LAUNCHED(decoupled ? "AdamW update" : "Adam update");
}

/* ---- x *= s */
namespace {
struct scale_f {
    float s;
    __device__ float operator()(float x, float) const { return x * s; }
};
} // namespace

extern "C" int cuk_scale(float *x, size_t n, float s, void *stream) {
    return cuk_map2(x, x, (const float *)NULL, n, scale_f{s}, stream, "scale");
}
