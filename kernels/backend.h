/* The op backend table: one struct of function pointers per compute backend (ggml style), with
 * the llm.c op signatures (outputs first, then saved activations, inputs, weights, sizes, and the
 * backend context last: the twin of a CUDA launcher's trailing stream). The CPU reference
 * (kernels/cpu/ref_*.c) is the oracle and the fallback; the CPU fast backend (oneDNN, kernels/
 * cpu/dnnl_*.c) fills what it accelerates and leaves the rest NULL. src/nn/ops.h dispatches.
 *
 * Conventions for every op (f32, NHWC activations, weights (K,R,S,C/groups)):
 *  - forward writes its output (=);
 *  - backward WRITES input gradients (dinp, =) and ACCUMULATES parameter gradients
 *    (dweight, dbias, dgamma, dbeta, +=), so one memset of the gradient arena per step;
 *  - a NULL gradient pointer means "not wanted" (dinp of the first layer, dbias without bias);
 *  - every table entry returns 0 when it did the work, nonzero when it did not (unsupported
 *    shape, library error): the dispatcher then runs the reference, which never fails. */
#ifndef SWATH_KERNELS_BACKEND_H
#define SWATH_KERNELS_BACKEND_H

#include <stddef.h>

/* Convolution geometry, shared by conv2d and conv_transpose2d. inp (N,H,W,C), out (N,OH,OW,K),
 * weight (K,R,S,C/groups). For conv2d OH = (H + 2 pad_h - dil_h (R-1) - 1) / stride_h + 1; for
 * the transposed conv OH = (H-1) stride_h - 2 pad_h + dil_h (R-1) + 1 + out_pad_h (PyTorch's
 * output_padding). nn_conv2d_desc_init / nn_conv_transpose2d_desc_init fill OH, OW. */
typedef struct {
    int N, H, W, C, K, R, S;
    int stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
    int out_pad_h, out_pad_w; /* transposed conv only */
    int OH, OW;
} nn_conv2d_desc;

/* Pooling geometry: inp (N,H,W,C), out (N,OH,OW,C), window R x S. Average pooling divides by
 * R*S (PyTorch's count_include_pad=True, ceil_mode=False). */
typedef struct {
    int N, H, W, C, R, S;
    int stride_h, stride_w, pad_h, pad_w;
    int OH, OW;
} nn_pool2d_desc;

typedef enum {
    NN_OP_CONV2D,
    NN_OP_CONV_TRANSPOSE2D,
    NN_OP_BATCHNORM,
    NN_OP_MAXPOOL,
    NN_OP_AVGPOOL,
    NN_OP_COUNT
} nn_op;

/* The table. Every member is optional (NULL: the reference runs). Entries mirror the free
 * functions of src/nn/ops.h exactly, plus `void *ctx` (the backend's context) last. */
typedef struct nn_backend_i {
    /* (optional) frees cached state (primitives, scratch); the backend stays usable */
    void (*release)(void *ctx);
    /* (optional) whether the op with this descriptor (nn_conv2d_desc, nn_pool2d_desc, or NULL)
     * runs here; NULL means "every non-NULL entry is supported". */
    int (*supports)(nn_op op, const void *desc, void *ctx);

    int (*conv2d_forward)(float *out, const float *inp, const float *weight, const float *bias,
                          const nn_conv2d_desc *d, void *ctx);
    int (*conv2d_backward)(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, const nn_conv2d_desc *d,
                           void *ctx);
    int (*conv_transpose2d_forward)(float *out, const float *inp, const float *weight,
                                    const float *bias, const nn_conv2d_desc *d, void *ctx);
    int (*conv_transpose2d_backward)(float *dinp, float *dweight, float *dbias,
                                     const float *dout, const float *inp, const float *weight,
                                     const nn_conv2d_desc *d, void *ctx);
    int (*batchnorm_forward)(float *out, float *mean, float *var, float *running_mean,
                             float *running_var, const float *inp, const float *gamma,
                             const float *beta, int P, int C, float momentum, float eps,
                             int training, void *ctx);
    int (*batchnorm_backward)(float *dinp, float *dgamma, float *dbeta, const float *dout,
                              const float *inp, const float *gamma, const float *mean,
                              const float *var, int P, int C, float eps, void *ctx);
    int (*maxpool_forward)(float *out, const float *inp, const nn_pool2d_desc *d, void *ctx);
    int (*maxpool_backward)(float *dinp, const float *dout, const float *inp,
                            const nn_pool2d_desc *d, void *ctx);
    int (*avgpool_forward)(float *out, const float *inp, const nn_pool2d_desc *d, void *ctx);
    int (*avgpool_backward)(float *dinp, const float *dout, const nn_pool2d_desc *d, void *ctx);
    /* The elementwise, resampling, concat, linear and softmax ops are memory-bound: the
     * reference (OpenMP over rows) serves every CPU backend; a CUDA backend adds members here. */
} nn_backend_i;

typedef enum { NN_DEVICE_CPU = 0, NN_DEVICE_CUDA = 1 } nn_device;

typedef struct nn_backend {
    const char *name;   /* "cpu-ref", "cpu-dnnl" */
    nn_device device;
    nn_backend_i iface;
    void *context;      /* backend state (oneDNN engine, stream, primitive cache); may be NULL */
} nn_backend;

/* The CPU reference backend (all members NULL: everything runs the reference loops). */
const nn_backend *nn_backend_cpu_ref(void);
/* The CPU fast backend (oneDNN); NULL when the build has no oneDNN. Not thread-safe: one
 * training thread drives it (oneDNN itself uses all OpenMP threads). */
const nn_backend *nn_backend_cpu_fast(void);
/* The fast backend when there is one, else the reference. */
const nn_backend *nn_backend_default(void);
/* Frees what `be` has cached (oneDNN primitives and scratch); it stays usable. */
void nn_backend_release(const nn_backend *be);
/* Whether `be` runs `op` for `desc` itself (1) or falls back to the reference (0). */
int nn_backend_supports(const nn_backend *be, nn_op op, const void *desc);

#endif
