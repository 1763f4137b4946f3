/* Max and average pooling, NHWC, over the activation storage type (k_store.cuh): the kernels
 * the bf16-act mode runs for every direction, and the max-pooling backward of every mode (f32:
 * xk_maxpool_backward; cuDNN runs the f32 forwards and the average backward, pool_cudnn.cu). */
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/k_common.cuh"
#include "kernels/cuda/k_store.cuh"

#include <float.h>

/* The rules of kernels/cpu/ref_pool.c. Max pooling backward with overlapping
 * windows runs in two passes and no atomics: each output value's window records where its
 * first maximum is (-1 for none) as h * W + w; then each input value sums the output gradients
 * of the windows that chose it, in (oh, ow) order from 0, as the reference's scatter adds them:
 * bitwise equal to it. */
/* The first maximum of window (oh, ow) of one channel (x: the image's channel c), the
 * reference's rule: r, s order, strictly greater (NaN never wins), from -FLT_MAX; h * W + w, or
 * -1 for none; best: its value (-FLT_MAX for none). Values compare widened (exact for bf16). */
template <class T>
__device__ __forceinline__ int window_argmax(const T *x, int H, int W, int C, int R, int S,
                                             int oh, int ow, int sh_, int sw_, int ph, int pw,
                                             float &best) {
    float m = -FLT_MAX;
    int b = -1;
    for (int r = 0; r < R; r++) {
        const int h = oh * sh_ - ph + r;
        if (h < 0 || h >= H) continue;
        for (int s = 0; s < S; s++) {
            const int w = ow * sw_ - pw + s;
            if (w < 0 || w >= W) continue;
            const float v = cuk_ld(x, ((size_t)h * W + w) * C);
            if (v > m) m = v, b = h * W + w;
        }
    }
    best = m;
    return b;
}

/* index o = ((nn * H + h) * W + w) * C + c of an NHWC array: its c, w, h, nn (in type I) */
#define SPLIT_NHWC(I, o, C, W, H, c, w, h, nn) \
    const int c = (int)((o) % (I)(C));         \
    I t_ = (o) / (I)(C);                       \
    const int w = (int)(t_ % (I)(W));          \
    t_ /= (I)(W);                              \
    const int h = (int)(t_ % (I)(H));          \
    const size_t nn = t_ / (I)(H)

/* one thread per output value: the window's first maximum (the reference writes -FLT_MAX for a
 * window without input; bf16 storage rounds that to -inf) */
template <class T, class I>
__global__ void maxpool_fwd(T *out, const T *inp, int H, int W, int C, int R, int S, int sh_,
                            int sw_, int ph, int pw, int OH, int OW, size_t n) {
    CUK_GRID_STRIDE_I(I, o, n) {
        SPLIT_NHWC(I, o, C, OW, OH, c, ow, oh, nn);
        float best;
        window_argmax(inp + nn * H * W * C + c, H, W, C, R, S, oh, ow, sh_, sw_, ph, pw, best);
        cuk_st(out, o, best);
    }
}

template <class T, class I>
__global__ void maxpool_argmax(int *at, const T *inp, int H, int W, int C, int R, int S, int sh_,
                               int sw_, int ph, int pw, int OH, int OW, size_t n) {
    CUK_GRID_STRIDE_I(I, o, n) {
        SPLIT_NHWC(I, o, C, OW, OH, c, ow, oh, nn);
        float best;
        at[o] = window_argmax(inp + nn * H * W * C + c, H, W, C, R, S, oh, ow, sh_, sw_, ph, pw,
                              best);
    }
}

/* The windows (oh0..oh1, ow0..ow1) that cover input (ih, iw): oh * sh_ - ph <= ih <
 * oh * sh_ - ph + R, clipped to the output. */
__device__ __forceinline__ void covering(int ih, int iw, int R, int S, int sh_, int sw_, int ph,
                                         int pw, int OH, int OW, int &oh0, int &oh1, int &ow0,
                                         int &ow1) {
    oh0 = ih + ph - R + 1, ow0 = iw + pw - S + 1;
    oh0 = oh0 <= 0 ? 0 : (oh0 + sh_ - 1) / sh_;
    ow0 = ow0 <= 0 ? 0 : (ow0 + sw_ - 1) / sw_;
    oh1 = min(OH - 1, (ih + ph) / sh_), ow1 = min(OW - 1, (iw + pw) / sw_);
}

template <class T, class I>
__global__ void maxpool_gather(T *dinp, const T *dout, const int *at, int H, int W, int C, int R,
                               int S, int sh_, int sw_, int ph, int pw, int OH, int OW,
                               size_t n) {
    CUK_GRID_STRIDE_I(I, i, n) {
        SPLIT_NHWC(I, i, C, W, H, c, iw, ih, nn);
        int oh0, oh1, ow0, ow1;
        covering(ih, iw, R, S, sh_, sw_, ph, pw, OH, OW, oh0, oh1, ow0, ow1);
        const int me = ih * W + iw;
        float acc = 0.f;
        for (int oh = oh0; oh <= oh1; oh++)
            for (int ow = ow0; ow <= ow1; ow++) {
                const size_t o = ((nn * OH + oh) * OW + ow) * C + c;
                if (at[o] == me) acc += cuk_ld(dout, o);
            }
        cuk_st(dinp, i, acc);
    }
}

/* The same when windows do not overlap (stride >= window): one thread per output value finds
 * its window's first maximum and writes the whole window (the gradient there, 0 elsewhere);
 * inputs outside every window were zeroed first. Each value is read and written once. */
template <class T, class I>
__global__ void maxpool_bwd_tiled(T *dinp, const T *dout, const T *inp, int H, int W, int C,
                                  int R, int S, int sh_, int sw_, int ph, int pw, int OH, int OW,
                                  size_t n) {
    CUK_GRID_STRIDE_I(I, o, n) {
        SPLIT_NHWC(I, o, C, OW, OH, c, ow, oh, nn);
        const size_t base = nn * H * W * C + c;
        float best;
        const int b = window_argmax(inp + base, H, W, C, R, S, oh, ow, sh_, sw_, ph, pw, best);
        const float g = cuk_ld(dout, o);
        for (int r = 0; r < R; r++) {
            const int h = oh * sh_ - ph + r;
            if (h < 0 || h >= H) continue;
            for (int s = 0; s < S; s++) {
                const int w = ow * sw_ - pw + s;
                if (w < 0 || w >= W) continue;
                cuk_st(dinp, base + ((size_t)h * W + w) * C, h * W + w == b ? 0.f + g : 0.f);
            }
        }
    }
}

/* Average pooling over R * S (padding counted), the reference's arithmetic: the window's sum in
 * f64 in r, s order, times inv = 1 / (R S) in f64, rounded to f32. */
template <class T, class I>
__global__ void avgpool_fwd(T *out, const T *inp, int H, int W, int C, int R, int S, int sh_,
                            int sw_, int ph, int pw, int OH, int OW, double inv, size_t n) {
    CUK_GRID_STRIDE_I(I, o, n) {
        SPLIT_NHWC(I, o, C, OW, OH, c, ow, oh, nn);
        const T *x = inp + nn * H * W * C + c;
        double acc = 0.0;
        for (int r = 0; r < R; r++) {
            const int h = oh * sh_ - ph + r;
            if (h < 0 || h >= H) continue;
            for (int s = 0; s < S; s++) {
                const int w = ow * sw_ - pw + s;
                if (w < 0 || w >= W) continue;
                acc += cuk_ld(x, ((size_t)h * W + w) * C);
            }
        }
        cuk_st(out, o, (float)(acc * inv));
    }
}

/* Its input gradient (written), a gather as the reference's: the output gradients of the
 * windows covering the input value summed in f64 in the reference's order (its r, s loops
 * ascending: oh, ow descending), times inv, rounded to f32. */
template <class T, class I>
__global__ void avgpool_bwd(T *dinp, const T *dout, int H, int W, int C, int R, int S, int sh_,
                            int sw_, int ph, int pw, int OH, int OW, double inv, size_t n) {
    CUK_GRID_STRIDE_I(I, i, n) {
        SPLIT_NHWC(I, i, C, W, H, c, iw, ih, nn);
        int oh0, oh1, ow0, ow1;
        covering(ih, iw, R, S, sh_, sw_, ph, pw, OH, OW, oh0, oh1, ow0, ow1);
        double acc = 0.0;
        for (int oh = oh1; oh >= oh0; oh--)
            for (int ow = ow1; ow >= ow0; ow--)
                acc += cuk_ld(dout, ((nn * OH + oh) * OW + ow) * C + c);
        cuk_st(dinp, i, (float)(acc * inv));
    }
}

/* the pooling kernels' geometry arguments, from d */
#define POOL_GEOM(d) \
    (d)->H, (d)->W, (d)->C, (d)->R, (d)->S, (d)->stride_h, (d)->stride_w, (d)->pad_h, \
        (d)->pad_w, (d)->OH, (d)->OW

/* a launch over n items on stream s (grid-stride kernels: any grid gives the same values) */
#define OVER(n) <<<cuk_blocks(n), CUK_THREADS, 0, s>>>

template <class T>
int xkt_maxpool_forward(T *out, const T *inp, const nn_pool2d_desc *d, cudaStream_t s) {
    const size_t no = (size_t)d->N * d->OH * d->OW * d->C;
    if (cuk_small_index(no)) maxpool_fwd<T, unsigned> OVER(no)(out, inp, POOL_GEOM(d), no);
    else maxpool_fwd<T, size_t> OVER(no)(out, inp, POOL_GEOM(d), no);
    return CUK_LAUNCHED("maxpool_forward");
}

template <class T>
int xkt_maxpool_backward(T *dinp, const T *dout, const T *inp, const nn_pool2d_desc *d, int *at,
                         cudaStream_t s) {
    const size_t n = (size_t)d->N * d->H * d->W * d->C;
    const size_t no = (size_t)d->N * d->OH * d->OW * d->C;
    if (d->stride_h >= d->R && d->stride_w >= d->S) { /* no <= n: windows apart */
        if (d->pad_h || d->pad_w || d->OH * d->stride_h != d->H || d->OW * d->stride_w != d->W ||
            d->R != d->stride_h || d->S != d->stride_w)
            if (cudaMemsetAsync(dinp, 0, n * sizeof *dinp, s) != cudaSuccess) {
                sw_fail(SW_ERR_RUNTIME, "CUDA memset (maxpool backward): %s",
                        cudaGetErrorString(cudaGetLastError()));
                return 1;
            }
        if (cuk_small_index(n))
            maxpool_bwd_tiled<T, unsigned> OVER(no)(dinp, dout, inp, POOL_GEOM(d), no);
        else maxpool_bwd_tiled<T, size_t> OVER(no)(dinp, dout, inp, POOL_GEOM(d), no);
        return CUK_LAUNCHED("maxpool_backward");
    }
    if (cuk_small_index(n > no ? n : no)) {
        maxpool_argmax<T, unsigned> OVER(no)(at, inp, POOL_GEOM(d), no);
        maxpool_gather<T, unsigned> OVER(n)(dinp, dout, at, POOL_GEOM(d), n);
    } else {
        maxpool_argmax<T, size_t> OVER(no)(at, inp, POOL_GEOM(d), no);
        maxpool_gather<T, size_t> OVER(n)(dinp, dout, at, POOL_GEOM(d), n);
    }
    return CUK_LAUNCHED("maxpool_backward");
}

template <class T>
int xkt_avgpool_forward(T *out, const T *inp, const nn_pool2d_desc *d, cudaStream_t s) {
    const size_t no = (size_t)d->N * d->OH * d->OW * d->C;
    const double inv = 1.0 / (d->R * d->S);
    if (cuk_small_index(no)) avgpool_fwd<T, unsigned> OVER(no)(out, inp, POOL_GEOM(d), inv, no);
    else avgpool_fwd<T, size_t> OVER(no)(out, inp, POOL_GEOM(d), inv, no);
    return CUK_LAUNCHED("avgpool_forward");
}

template <class T>
int xkt_avgpool_backward(T *dinp, const T *dout, const nn_pool2d_desc *d, cudaStream_t s) {
    const size_t n = (size_t)d->N * d->H * d->W * d->C;
    const double inv = 1.0 / (d->R * d->S);
    if (cuk_small_index(n)) avgpool_bwd<T, unsigned> OVER(n)(dinp, dout, POOL_GEOM(d), inv, n);
    else avgpool_bwd<T, size_t> OVER(n)(dinp, dout, POOL_GEOM(d), inv, n);
    return CUK_LAUNCHED("avgpool_backward");
}

extern "C" int xk_maxpool_backward(float *dinp, const float *dout, const float *inp,
                                   const nn_pool2d_desc *d, int *at, cudaStream_t s) {
    return xkt_maxpool_backward<float>(dinp, dout, inp, d, at, s);
}

#define POOL_INST(T)                                                                             \
    template int xkt_maxpool_backward<T>(T *, const T *, const T *, const nn_pool2d_desc *,      \
                                         int *, cudaStream_t);                                   \
    template int xkt_maxpool_forward<T>(T *, const T *, const nn_pool2d_desc *, cudaStream_t);   \
    template int xkt_avgpool_forward<T>(T *, const T *, const nn_pool2d_desc *, cudaStream_t);   \
    template int xkt_avgpool_backward<T>(T *, const T *, const nn_pool2d_desc *, cudaStream_t);
POOL_INST(float)
POOL_INST(bf16_t)
