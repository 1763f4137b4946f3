/* Elementwise activations (kernels/cuda/cuda_kernels.h), the twins of kernels/cpu/ref_act.c:
 * one float4 grid-stride pass each (k_common.cuh), backward WRITES dinp. */
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/k_common.cuh"

namespace {
struct relu_f {
    __device__ float operator()(float x, float) const { return x > 0.0f ? x : 0.0f; }
};
struct relu_b { /* (dout, inp) */
    __device__ float operator()(float dy, float x) const { return x > 0.0f ? dy : 0.0f; }
};
struct leaky_f {
    float slope;
    __device__ float operator()(float x, float) const { return x > 0.0f ? x : x * slope; }
};
struct leaky_b {
    float slope;
    __device__ float operator()(float dy, float x) const { return x > 0.0f ? dy : dy * slope; }
};
struct sigmoid_f { /* ref: 1 / (1 + exp(-x)) in f64; f32 here (relative error ~1e-7) */
    __device__ float operator()(float x, float) const { return 1.0f / (1.0f + expf(-x)); }
};
struct sigmoid_b { /* (dout, out) */
    __device__ float operator()(float dy, float y) const {
        return __fmul_rn(__fmul_rn(dy, y), __fsub_rn(1.0f, y));
    }
};
} // namespace

extern "C" int cuk_relu_forward(float *out, const float *inp, size_t n, void *stream) {
    return cuk_map2(out, inp, (const float *)NULL, n, relu_f{}, stream, "relu forward");
}

extern "C" int cuk_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                                 void *stream) {
    return cuk_map2(dinp, dout, inp, n, relu_b{}, stream, "relu backward");
}

extern "C" int cuk_leaky_relu_forward(float *out, const float *inp, size_t n, float slope,
                                      void *stream) {
    return cuk_map2(out, inp, (const float *)NULL, n, leaky_f{slope}, stream,
                    "leaky relu forward");
}

extern "C" int cuk_leaky_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                                       float slope, void *stream) {
    return cuk_map2(dinp, dout, inp, n, leaky_b{slope}, stream, "leaky relu backward");
}

extern "C" int cuk_sigmoid_forward(float *out, const float *inp, size_t n, void *stream) {
    return cuk_map2(out, inp, (const float *)NULL, n, sigmoid_f{}, stream, "sigmoid forward");
}

extern "C" int cuk_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n,
                                    void *stream) {
    return cuk_map2(dinp, dout, out, n, sigmoid_b{}, stream, "sigmoid backward");
}
