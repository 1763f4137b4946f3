/* Reference elementwise activations. */
#include "kernels/cpu/ref.h"

#include <math.h>

void ref_relu_forward(float *out, const float *inp, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void ref_relu_backward(float *dinp, const float *dout, const float *inp, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) dinp[i] = inp[i] > 0.0f ? dout[i] : 0.0f;
}

void ref_leaky_relu_forward(float *out, const float *inp, size_t n, float slope) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : inp[i] * slope;
}

void ref_leaky_relu_backward(float *dinp, const float *dout, const float *inp, size_t n,
                             float slope) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) dinp[i] = inp[i] > 0.0f ? dout[i] : dout[i] * slope;
}

void ref_sigmoid_forward(float *out, const float *inp, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = (float)(1.0 / (1.0 + exp(-(double)inp[i])));
}

void ref_sigmoid_backward(float *dinp, const float *dout, const float *out, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) dinp[i] = dout[i] * out[i] * (1.0f - out[i]);
}
