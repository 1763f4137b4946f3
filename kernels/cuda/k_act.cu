/* Elementwise activations (kernels/cuda/cuda_kernels.h), the twins of kernels/cpu/ref_act.c:
 * one vectorized grid-stride pass each (k_common.cuh), backward WRITES dinp.
 * Templated over the activation storage type (k_store.cuh). */
#include "kernels/cuda/cuda_kernels.h"
#include "kernels/cuda/k_common.cuh"
#include "kernels/cuda/k_store.cuh"

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

template <class T> int cukt_relu_forward(T *out, const T *inp, size_t n, cudaStream_t s) {
    return cuk_map2(out, inp, (const T *)NULL, n, relu_f{}, s, "relu forward");
}

template <class T>
int cukt_relu_backward(T *dinp, const T *dout, const T *inp, size_t n, cudaStream_t s) {
    return cuk_map2(dinp, dout, inp, n, relu_b{}, s, "relu backward");
}

template <class T>
int cukt_leaky_relu_forward(T *out, const T *inp, size_t n, float slope, cudaStream_t s) {
    return cuk_map2(out, inp, (const T *)NULL, n, leaky_f{slope}, s, "leaky relu forward");
}

template <class T>
int cukt_leaky_relu_backward(T *dinp, const T *dout, const T *inp, size_t n, float slope,
                             cudaStream_t s) {
    return cuk_map2(dinp, dout, inp, n, leaky_b{slope}, s, "leaky relu backward");
}

template <class T> int cukt_sigmoid_forward(T *out, const T *inp, size_t n, cudaStream_t s) {
    return cuk_map2(out, inp, (const T *)NULL, n, sigmoid_f{}, s, "sigmoid forward");
}

template <class T>
int cukt_sigmoid_backward(T *dinp, const T *dout, const T *out, size_t n, cudaStream_t s) {
    return cuk_map2(dinp, dout, out, n, sigmoid_b{}, s, "sigmoid backward");
}

extern "C" int cuk_relu_forward(float *out, const float *inp, size_t n, void *stream) {
    return cukt_relu_forward<float>(out, inp, n, CUK_STREAM(stream));
}

extern "C" int cuk_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                                 void *stream) {
    return cukt_relu_backward<float>(dinp, dout, inp, n, CUK_STREAM(stream));
}

extern "C" int cuk_leaky_relu_forward(float *out, const float *inp, size_t n, float slope,
                                      void *stream) {
    return cukt_leaky_relu_forward<float>(out, inp, n, slope, CUK_STREAM(stream));
}

extern "C" int cuk_leaky_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                                       float slope, void *stream) {
    return cukt_leaky_relu_backward<float>(dinp, dout, inp, n, slope, CUK_STREAM(stream));
}

extern "C" int cuk_sigmoid_forward(float *out, const float *inp, size_t n, void *stream) {
    return cukt_sigmoid_forward<float>(out, inp, n, CUK_STREAM(stream));
}

extern "C" int cuk_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n,
                                    void *stream) {
    return cukt_sigmoid_backward<float>(dinp, dout, out, n, CUK_STREAM(stream));
}

#define ACT_INST(T)                                                                              \
    template int cukt_relu_forward<T>(T *, const T *, size_t, cudaStream_t);                     \
    template int cukt_relu_backward<T>(T *, const T *, const T *, size_t, cudaStream_t);         \
    template int cukt_leaky_relu_forward<T>(T *, const T *, size_t, float, cudaStream_t);        \
    template int cukt_leaky_relu_backward<T>(T *, const T *, const T *, size_t, float,           \
                                             cudaStream_t);                                      \
    template int cukt_sigmoid_forward<T>(T *, const T *, size_t, cudaStream_t);                  \
    template int cukt_sigmoid_backward<T>(T *, const T *, const T *, size_t, cudaStream_t);
ACT_INST(float)
ACT_INST(bf16_t)
