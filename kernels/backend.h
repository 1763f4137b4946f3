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
 *    shape, library error): on a CPU backend the dispatcher then runs the reference, which
 *    never fails; on a device backend (device != NN_DEVICE_CPU: pointers are device memory)
 *    there is no fallback, the failure is recorded (nn_ops_error, src/nn/ops.h).
 *  - a device backend fills the memory entries (alloc, free, zero, copy, sync); CPU backends
 *    leave them NULL: host memory (posix_memalign, memset, memcpy). */
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
    NN_OP_CONV2D_BACKWARD, /* conv2d's backward, where a backend takes fewer shapes than forward */
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

    /* Memory (device backends; NULL on the CPU: host memory). alloc returns zeroed memory or
     * NULL after sw_fail; copy kind is an nn_copy_kind; all work is ordered on the backend's
     * one stream, sync waits for it. */
    void *(*mem_alloc)(size_t bytes, void *ctx);
    void (*mem_free)(void *p, void *ctx);
    int (*mem_zero)(void *p, size_t bytes, void *ctx);
    int (*mem_copy)(void *dst, const void *src, size_t bytes, int kind, void *ctx);
    int (*sync)(void *ctx);

    /* Memory-bound ops, losses and optimizer steps: NULL on the CPU backends (the reference
     * loops, OpenMP over rows, serve them); a device backend fills every one. Same arguments
     * as the free functions of src/nn/ops.h, loss.h and optim.h. */
    int (*batchnorm_frozen_backward)(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                     const float *inp, const float *gamma,
                                     const float *running_mean, const float *running_var, int P,
                                     int C, float eps, void *ctx);
    int (*relu_forward)(float *out, const float *inp, size_t n, void *ctx);
    int (*relu_backward)(float *dinp, const float *dout, const float *inp, size_t n, void *ctx);
    int (*leaky_relu_forward)(float *out, const float *inp, size_t n, float slope, void *ctx);
    int (*leaky_relu_backward)(float *dinp, const float *dout, const float *inp, size_t n,
                               float slope, void *ctx);
    int (*sigmoid_forward)(float *out, const float *inp, size_t n, void *ctx);
    int (*sigmoid_backward)(float *dinp, const float *dout, const float *out, size_t n,
                            void *ctx);
    int (*global_avgpool_forward)(float *out, const float *inp, int N, int HW, int C, void *ctx);
    int (*global_avgpool_backward)(float *dinp, const float *dout, int N, int HW, int C,
                                   void *ctx);
    int (*upsample_nearest_forward)(float *out, const float *inp, int N, int H, int W, int C,
                                    int OH, int OW, void *ctx);
    int (*upsample_nearest_backward)(float *dinp, const float *dout, int N, int H, int W, int C,
                                     int OH, int OW, void *ctx);
    int (*upsample_bilinear_forward)(float *out, const float *inp, int N, int H, int W, int C,
                                     int OH, int OW, void *ctx);
    int (*upsample_bilinear_backward)(float *dinp, const float *dout, int N, int H, int W,
                                      int C, int OH, int OW, void *ctx);
    int (*concat_forward)(float *out, const float *a, const float *b, size_t P, int Ca, int Cb,
                          void *ctx);
    int (*concat_backward)(float *da, float *db, const float *dout, size_t P, int Ca, int Cb,
                           void *ctx);
    int (*add_forward)(float *out, const float *a, const float *b, size_t n, void *ctx);
    int (*add_backward)(float *da, float *db, const float *dout, size_t n, void *ctx);
    int (*linear_forward)(float *out, const float *inp, const float *weight, const float *bias,
                          int N, int C, int K, void *ctx);
    int (*linear_backward)(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, int N, int C, int K,
                           void *ctx);
    int (*softmax_forward)(float *out, const float *inp, size_t P, int K, void *ctx);
    int (*softmax_backward)(float *dinp, const float *dout, const float *out, size_t P, int K,
                            void *ctx);
    /* losses: the value to *loss (host), targets and class weights in device memory */
    int (*cross_entropy_forward)(float *loss, const float *logits, const unsigned char *target,
                                 const float *class_weight, size_t P, int K, int ignore,
                                 void *ctx);
    int (*cross_entropy_backward)(float *dlogits, float dloss, const float *logits,
                                  const unsigned char *target, const float *class_weight,
                                  size_t P, int K, int ignore, void *ctx);
    int (*bce_logits_forward)(float *loss, const float *logits, const float *target, size_t P,
                              int K, void *ctx);
    int (*bce_logits_backward)(float *dlogits, float dloss, const float *logits,
                               const float *target, size_t P, int K, void *ctx);
    /* optimizer steps (torch.optim semantics, src/nn/optim.h); adam: decoupled 1 = AdamW */
    int (*sgd_update)(float *params, const float *grads, float *momentum_buf, size_t n,
                      float lr, float momentum, float weight_decay, void *ctx);
    int (*adam_update)(float *params, const float *grads, float *m, float *v, size_t n,
                       float lr, float beta1, float beta2, float eps, float weight_decay,
                       int step, int decoupled, void *ctx);
    int (*scale)(float *x, size_t n, float s, void *ctx);
    /* Fused (optional on every backend, NULL: the convolution then the ReLU): conv2d forward
     * with max(0, .) applied to its output. Inference only (no backward of its own). */
    int (*conv2d_relu_forward)(float *out, const float *inp, const float *weight,
                               const float *bias, const nn_conv2d_desc *d, void *ctx);
    /* The same for the transposed convolution (optional, NULL: the two ops). */
    int (*conv_transpose2d_relu_forward)(float *out, const float *inp, const float *weight,
                                         const float *bias, const nn_conv2d_desc *d, void *ctx);
    /* Fused (optional, NULL: the two ops): batch norm (the batchnorm_forward arguments, either
     * mode) with max(0, .) applied to its output; and the training-mode backward of that pair:
     * dout is the gradient of the ReLU's output `out`, masked where out <= 0 as the ReLU's
     * backward would (dout itself is not changed; a backend may recompute the mask from inp,
     * gamma and beta instead of reading out, if it gets the forward's bits); dinp written,
     * dgamma and dbeta += . */
    int (*batchnorm_relu_forward)(float *out, float *mean, float *var, float *running_mean,
                                  float *running_var, const float *inp, const float *gamma,
                                  const float *beta, int P, int C, float momentum, float eps,
                                  int training, void *ctx);
    int (*batchnorm_relu_backward)(float *dinp, float *dgamma, float *dbeta, const float *dout,
                                   const float *out, const float *inp, const float *gamma,
                                   const float *beta, const float *mean, const float *var, int P,
                                   int C, float eps, void *ctx);
    /* Activation storage (optional; NULL: f32). act_dtype gives the nn_dtype (src/nn/tensor.h)
     * of every activation argument of the entries above: the inputs and outputs of ops and
     * their gradients (inp, out, dinp, dout, a, b, da, db, logits, dlogits, the fused batch
     * norm's `out`). Weights, biases, parameter gradients, batch and running statistics,
     * targets, class weights, loss values and optimizer buffers are f32 in every mode. An
     * activation buffer is still sized and addressed in floats (bf16 values use the first half
     * of their region), so models and arenas do not depend on the storage. act_upload and
     * act_download copy n f32 host values into and out of activation storage, converting. */
    int (*act_dtype)(void *ctx);
    int (*act_upload)(float *dst, const float *host, size_t n, void *ctx);
    int (*act_download)(float *host, const float *src, size_t n, void *ctx);
} nn_backend_i;

typedef enum { NN_COPY_H2D = 0, NN_COPY_D2H = 1, NN_COPY_D2D = 2 } nn_copy_kind;

typedef enum { NN_DEVICE_CPU = 0, NN_DEVICE_CUDA = 1 } nn_device;

typedef struct nn_backend {
    const char *name;   /* "cpu-ref", "cpu-dnnl", "cuda" */
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
/* The CUDA backend (kernels/cuda/backend_cuda.c) on the node-local device `device` (-1: the
 * first), or NULL after sw_fail when the build has no CUDA or the machine no usable GPU. The
 * first call creates it (stream, cuDNN and cuBLAS handles, workspace); later calls return it. */
const nn_backend *nn_backend_cuda(int device);
/* Precision and algorithm modes of the CUDA backend (no effect elsewhere):
 *  NN_CUDA_F32       f32 storage and arithmetic, TF32 off (the default; tests compare with it)
 *  NN_CUDA_TF32      f32 storage, convolutions and linears on TF32 tensor cores
 *  NN_CUDA_BF16      f32 storage (master weights, activations), convolutions and linears
 *                    computed from bf16 copies with f32 accumulation
 *  NN_CUDA_BF16_ACT  as NN_CUDA_BF16 with the activations stored in bf16 (act_dtype): half the
 *                    memory traffic of the memory-bound ops; master weights, parameter
 *                    gradients, optimizer state and statistics stay f32 (PyTorch's autocast)
 * deterministic: only deterministic cuDNN algorithms (same result run to run). Changing a mode
 * drops the algorithm cache; activations written in one storage are not readable in the other,
 * so change between f32 and bf16-act storage only before a model's set_input. */
typedef enum {
    NN_CUDA_F32 = 0,
    NN_CUDA_TF32 = 1,
    NN_CUDA_BF16 = 2,
    NN_CUDA_BF16_ACT = 3
} nn_cuda_math;
/* "f32", "tf32", "bf16", "bf16-act" (the CLI's --precision) -> nn_cuda_math; -1 for another
 * name. */
int nn_cuda_math_parse(const char *name);
int nn_backend_cuda_set_mode(const nn_backend *be, nn_cuda_math math, int deterministic);
/* How many cuDNN algorithm searches ran (each new shape and mode once) and the workspace size. */
void nn_backend_cuda_stats(unsigned long *finds, size_t *ws_bytes);
/* The backend's stream (a cudaStream_t; NULL before nn_backend_cuda succeeded). */
void *nn_backend_cuda_stream(void);
/* CUDA graphs for fixed-shape inference: the work issued between begin and end (a forward run
 * once before, so nothing is searched, allocated or synchronized inside) becomes one graph that
 * graph_launch replays on the stream. 0 on success, nonzero after sw_fail. */
int nn_backend_cuda_capture_begin(const nn_backend *be);
int nn_backend_cuda_capture_end(const nn_backend *be, void **graph);
int nn_backend_cuda_graph_launch(const nn_backend *be, void *graph);
void nn_backend_cuda_graph_free(void *graph);
/* Frees what `be` has cached (oneDNN primitives and scratch); it stays usable. */
void nn_backend_release(const nn_backend *be);
/* Whether `be` runs `op` for `desc` itself (1) or falls back to the reference (0). */
int nn_backend_supports(const nn_backend *be, nn_op op, const void *desc);

#endif
