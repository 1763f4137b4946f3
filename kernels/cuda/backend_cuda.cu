/* The CUDA backend (see kernels/backend.h, cuda_backend.h): its context, memory entries, the
 * linear layer through cuBLAS, and the table that routes the memory-bound ops, losses and
 * optimizer steps to swath's own kernels (cuda_kernels.h; over the activation storage type,
 * k_store.cuh: f32, or bf16 in the bf16-act mode). Convolution, batch norm and pooling are in
 * conv_cudnn.cu, bn_cudnn.cu and pool_cudnn.cu. One stream carries all the work; the
 * only synchronizations are copies to the host, loss values and workspace growth. The entry
 * points are nn_backend_cuda* under the plugin's cu_ names (entry.h). */
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/entry.h"
#include "kernels/cuda/k_store.cuh"

extern "C" {
#include "kernels/cuda/cuda_kernels.h"
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cu_fail(const char *file, int line, const char *call, const char *why) {
    const char *f = strrchr(file, '/');
    sw_fail(SW_ERR_RUNTIME, "%s:%d: %s: %s", f ? f + 1 : file, line, call, why);
    return 1;
}

void *cu_ws(cu_ctx *c, size_t bytes) {
    if (bytes <= c->ws_size) return c->ws;
    /* grow by at least half, keeping the contents (callers may hold data at the start) */
    size_t want = bytes > c->ws_size + c->ws_size / 2 ? bytes : c->ws_size + c->ws_size / 2;
    void *n = NULL;
    cudaError_t e = cudaMalloc(&n, want);
    if (e != cudaSuccess) {
        cudaGetLastError();
        want = bytes;
        e = cudaMalloc(&n, want);
    }
    if (e != cudaSuccess) {
        cu_fail(__FILE__, __LINE__, "cudaMalloc(workspace)", cudaGetErrorString(e));
        return NULL;
    }
    if (c->ws) {
        if (cudaMemcpyAsync(n, c->ws, c->ws_size, cudaMemcpyDeviceToDevice, c->stream) !=
                cudaSuccess ||
            cudaStreamSynchronize(c->stream) != cudaSuccess) {
            cu_fail(__FILE__, __LINE__, "workspace copy", "failed");
            cudaFree(n);
            return NULL;
        }
        cudaFree(c->ws);
    }
    c->ws = n, c->ws_size = want;
    return n;
}

#define CTX cu_ctx *c = (cu_ctx *)ctx
#define S ((void *)c->stream)

/* ---------------------------------------------------------------------------------------- */
/* memory */

static void *mem_alloc(size_t bytes, void *ctx) {
    CTX;
    void *p = NULL;
    cudaError_t e = cudaMalloc(&p, bytes);
    if (e == cudaSuccess) e = cudaMemsetAsync(p, 0, bytes, c->stream);
    if (e != cudaSuccess) {
        cu_fail(__FILE__, __LINE__, "cudaMalloc", cudaGetErrorString(e));
        if (p) cudaFree(p);
        return NULL;
    }
    return p;
}

static void mem_free(void *p, void *ctx) {
    CTX;
    cudaStreamSynchronize(c->stream);
    cudaFree(p);
}

static int mem_zero(void *p, size_t bytes, void *ctx) {
    CTX;
    CU_CHECK(cudaMemsetAsync(p, 0, bytes, c->stream));
    return 0;
}

static int mem_copy(void *dst, const void *src, size_t bytes, int kind, void *ctx) {
    CTX;
    const cudaMemcpyKind k = kind == NN_COPY_H2D   ? cudaMemcpyHostToDevice
                             : kind == NN_COPY_D2H ? cudaMemcpyDeviceToHost
                                                   : cudaMemcpyDeviceToDevice;
    CU_CHECK(cudaMemcpyAsync(dst, src, bytes, k, c->stream));
    if (kind != NN_COPY_D2D) CU_CHECK(cudaStreamSynchronize(c->stream));
    return 0;
}

static int sync(void *ctx) {
    CTX;
    CU_CHECK(cudaStreamSynchronize(c->stream));
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* activation storage: f32, or bf16 (bf16-act mode), chosen per call by the mode */

#define B(p) ((bf16_t *)(p))
#define CB(p) ((const bf16_t *)(p))
/* an activation kernel over the mode's storage type: fn<bf16_t> on B(...) / CB(...) casts of
 * the activation arguments, else the f32 instance on the plain ones */
#define ACT(c, fn, bargs, fargs) ((c)->act_bf16 ? fn<bf16_t> bargs : fn<float> fargs)

static int act_dtype(void *ctx) {
    CTX;
    return c->act_bf16 ? 1 /* NN_BF16 */ : 0 /* NN_F32 */;
}

/* through the workspace in f32, converted on the device */
static int act_upload(float *dst, const float *host, size_t n, void *ctx) {
    CTX;
    float *tmp = (float *)cu_ws(c, cu_align(n * 4));
    if (!tmp) return 1;
    CU_CHECK(cudaMemcpyAsync(tmp, host, n * 4, cudaMemcpyHostToDevice, c->stream));
    CU_LAUNCHED(cuk_f32_to_bf16((uint16_t *)dst, tmp, n, S));
    CU_CHECK(cudaStreamSynchronize(c->stream)); /* the caller may reuse `host` */
    return 0;
}

static int act_download(float *host, const float *src, size_t n, void *ctx) {
    CTX;
    float *tmp = (float *)cu_ws(c, cu_align(n * 4));
    if (!tmp) return 1;
    CU_LAUNCHED(cuk_bf16_to_f32(tmp, (const uint16_t *)src, n, S));
    CU_CHECK(cudaMemcpyAsync(host, tmp, n * 4, cudaMemcpyDeviceToHost, c->stream));
    CU_CHECK(cudaStreamSynchronize(c->stream));
    return 0;
}

int cu_bias_grad(cu_ctx *c, float *db, const float *dy, size_t rows, int k) {
    float *partial = (float *)cu_ws(c, cu_align((size_t)XK_COLSUM_CHUNKS * k * 4));
    if (!partial) return 1;
    CU_LAUNCHED(ACT(c, xkt_colsum_accumulate, (db, CB(dy), rows, k, partial, c->stream),
                    (db, dy, rows, k, partial, c->stream)));
    return 0;
}

int cu_bias_act(cu_ctx *c, float *out, const float *bias, size_t rows, int k, int relu) {
    if (!bias && !relu) return 0;
    CU_LAUNCHED(ACT(c, xkt_bias_act_rows, (B(out), bias, rows, k, relu, c->stream),
                    (out, bias, rows, k, relu, c->stream)));
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* linear through cuBLAS: row-major (N,C) x (K,C)^T is column-major W^T x inp. With bf16
 * activations the weight is converted into the workspace and the products take bf16 operands
 * (cuBLAS's bf16 x bf16 -> bf16 or f32 with f32 compute). */

/* *w: the weight as the products read it (a bf16 copy at the workspace start with bf16
 * activations) */
static int linear_weight(cu_ctx *c, const float *weight, size_t nw, const void **w) {
    *w = weight;
    if (!c->act_bf16) return 0;
    uint16_t *h = (uint16_t *)cu_ws(c, cu_align(nw * 2));
    if (!h) return 1;
    CU_LAUNCHED(cuk_f32_to_bf16(h, weight, nw, S));
    *w = h;
    return 0;
}

static int linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                          int N, int C, int K, void *ctx) {
    CTX;
    const float one = 1.0f, zero = 0.0f;
    const cudaDataType_t t = cu_act_type(c);
    const void *w = NULL;
    if (linear_weight(c, weight, (size_t)K * C, &w)) return 1;
    BLAS_CHECK(cublasGemmEx(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, K, N, C, &one, w, t, C, inp, t, C,
                            &zero, out, t, K, cu_blas_compute(c), CUBLAS_GEMM_DEFAULT));
    return bias ? cu_bias_act(c, out, bias, (size_t)N, K, 0) : 0;
}

static int linear_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, int N, int C, int K,
                           void *ctx) {
    CTX;
    const float one = 1.0f, zero = 0.0f;
    const cudaDataType_t t = cu_act_type(c);
    if (dinp) { /* dinp (C x N col-major) = W (C x K) dout (K x N) */
        const void *w = NULL;
        if (linear_weight(c, weight, (size_t)K * C, &w)) return 1;
        BLAS_CHECK(cublasGemmEx(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, C, N, K, &one, w, t, C, dout,
                                t, K, &zero, dinp, t, C, cu_blas_compute(c),
                                CUBLAS_GEMM_DEFAULT));
    }
    if (dweight) /* dW (C x K, f32) += inp (C x N) dout^T (N x K) */
        BLAS_CHECK(cublasGemmEx(c->blas, CUBLAS_OP_N, CUBLAS_OP_T, C, K, N, &one, inp, t, C, dout,
                                t, K, &one, dweight, CUDA_R_32F, C, cu_blas_compute(c),
                                CUBLAS_GEMM_DEFAULT));
    if (dbias) return cu_bias_grad(c, dbias, dout, (size_t)N, K);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* the memory-bound ops and losses: swath's kernels on the stream, over the storage type */

#define SS c->stream
static int relu_f(float *o, const float *i, size_t n, void *ctx) {
    CTX;
    return ACT(c, cukt_relu_forward, (B(o), CB(i), n, SS), (o, i, n, SS));
}
static int relu_b(float *di, const float *d, const float *i, size_t n, void *ctx) {
    CTX;
    return ACT(c, cukt_relu_backward, (B(di), CB(d), CB(i), n, SS), (di, d, i, n, SS));
}
static int lrelu_f(float *o, const float *i, size_t n, float sl, void *ctx) {
    CTX;
    return ACT(c, cukt_leaky_relu_forward, (B(o), CB(i), n, sl, SS), (o, i, n, sl, SS));
}
static int lrelu_b(float *di, const float *d, const float *i, size_t n, float sl, void *ctx) {
    CTX;
    return ACT(c, cukt_leaky_relu_backward, (B(di), CB(d), CB(i), n, sl, SS),
               (di, d, i, n, sl, SS));
}
static int sig_f(float *o, const float *i, size_t n, void *ctx) {
    CTX;
    return ACT(c, cukt_sigmoid_forward, (B(o), CB(i), n, SS), (o, i, n, SS));
}
static int sig_b(float *di, const float *d, const float *o, size_t n, void *ctx) {
    CTX;
    return ACT(c, cukt_sigmoid_backward, (B(di), CB(d), CB(o), n, SS), (di, d, o, n, SS));
}
static int gap_f(float *o, const float *i, int N, int HW, int C, void *ctx) {
    CTX;
    return ACT(c, cukt_global_avgpool_forward, (B(o), CB(i), N, HW, C, SS), (o, i, N, HW, C, SS));
}
static int gap_b(float *di, const float *d, int N, int HW, int C, void *ctx) {
    CTX;
    return ACT(c, cukt_global_avgpool_backward, (B(di), CB(d), N, HW, C, SS),
               (di, d, N, HW, C, SS));
}
static int upn_f(float *o, const float *i, int N, int H, int W, int C, int OH, int OW,
                 void *ctx) {
    CTX;
    return ACT(c, cukt_upsample_nearest_forward, (B(o), CB(i), N, H, W, C, OH, OW, SS),
               (o, i, N, H, W, C, OH, OW, SS));
}
static int upn_b(float *di, const float *d, int N, int H, int W, int C, int OH, int OW,
                 void *ctx) {
    CTX;
    return ACT(c, cukt_upsample_nearest_backward, (B(di), CB(d), N, H, W, C, OH, OW, SS),
               (di, d, N, H, W, C, OH, OW, SS));
}
static int upb_f(float *o, const float *i, int N, int H, int W, int C, int OH, int OW,
                 void *ctx) {
    CTX;
    return ACT(c, cukt_upsample_bilinear_forward, (B(o), CB(i), N, H, W, C, OH, OW, SS),
               (o, i, N, H, W, C, OH, OW, SS));
}
static int upb_b(float *di, const float *d, int N, int H, int W, int C, int OH, int OW,
                 void *ctx) {
    CTX;
    return ACT(c, cukt_upsample_bilinear_backward, (B(di), CB(d), N, H, W, C, OH, OW, SS),
               (di, d, N, H, W, C, OH, OW, SS));
}
static int cat_f(float *o, const float *a, const float *b, size_t P, int Ca, int Cb, void *ctx) {
    CTX;
    return ACT(c, cukt_concat_forward, (B(o), CB(a), CB(b), P, Ca, Cb, SS),
               (o, a, b, P, Ca, Cb, SS));
}
static int cat_b(float *da, float *db, const float *d, size_t P, int Ca, int Cb, void *ctx) {
    CTX;
    return ACT(c, cukt_concat_backward, (B(da), B(db), CB(d), P, Ca, Cb, SS),
               (da, db, d, P, Ca, Cb, SS));
}
static int add_f(float *o, const float *a, const float *b, size_t n, void *ctx) {
    CTX;
    return ACT(c, cukt_add_forward, (B(o), CB(a), CB(b), n, SS), (o, a, b, n, SS));
}
static int add_b(float *da, float *db, const float *d, size_t n, void *ctx) {
    CTX;
    return ACT(c, cukt_add_backward, (B(da), B(db), CB(d), n, SS), (da, db, d, n, SS));
}
static int smax_f(float *o, const float *i, size_t P, int K, void *ctx) {
    CTX;
    return ACT(c, cukt_softmax_forward, (B(o), CB(i), P, K, SS), (o, i, P, K, SS));
}
static int smax_b(float *di, const float *d, const float *o, size_t P, int K, void *ctx) {
    CTX;
    return ACT(c, cukt_softmax_backward, (B(di), CB(d), CB(o), P, K, SS), (di, d, o, P, K, SS));
}
static int ce_f(float *loss, const float *z, const unsigned char *t, const float *w, size_t P,
                int K, int ignore, void *ctx) {
    CTX;
    return ACT(c, cukt_cross_entropy_forward, (loss, CB(z), t, w, P, K, ignore, SS),
               (loss, z, t, w, P, K, ignore, SS));
}
static int ce_b(float *dz, float dl, const float *z, const unsigned char *t, const float *w,
                size_t P, int K, int ignore, void *ctx) {
    CTX;
    return ACT(c, cukt_cross_entropy_backward, (B(dz), dl, CB(z), t, w, P, K, ignore, SS),
               (dz, dl, z, t, w, P, K, ignore, SS));
}
static int bce_f(float *loss, const float *z, const float *t, size_t P, int K, void *ctx) {
    CTX;
    return ACT(c, cukt_bce_logits_forward, (loss, CB(z), t, P, K, SS), (loss, z, t, P, K, SS));
}
static int bce_b(float *dz, float dl, const float *z, const float *t, size_t P, int K,
                 void *ctx) {
    CTX;
    return ACT(c, cukt_bce_logits_backward, (B(dz), dl, CB(z), t, P, K, SS),
               (dz, dl, z, t, P, K, SS));
}
static int sgd(float *p, const float *g, float *buf, size_t n, float lr, float mom, float wd,
               void *ctx) {
    CTX;
    return cuk_sgd_update(p, g, buf, n, lr, mom, wd, S);
}
static int adam(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1,
                float b2, float eps, float wd, int step, int dec, void *ctx) {
    CTX;
    return cuk_adam_update(p, g, m, v, n, lr, b1, b2, eps, wd, step, dec, S);
}
static int scale(float *x, size_t n, float s, void *ctx) {
    CTX;
    return cuk_scale(x, n, s, S);
}

/* ---------------------------------------------------------------------------------------- */

static int supports(nn_op op, const void *desc, void *ctx) {
    (void)ctx;
    if (op == NN_OP_CONV_TRANSPOSE2D && desc && ((const nn_conv2d_desc *)desc)->groups != 1)
        return 0; /* the weight permutation is per group: not needed by the models */
    return 1;
}

static void release(void *ctx) {
    CTX;
    cudaStreamSynchronize(c->stream);
    cudaFree(c->ws);
    c->ws = NULL, c->ws_size = 0, c->ncache = 0;
}

static cu_ctx the_ctx;
static nn_backend the_backend;
static int created; /* 0 not tried, 1 ready, -1 failed */
static char create_error[512];

static int create(cu_ctx *c, int device) {
    memset(c, 0, sizeof *c);
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n <= 0) {
        cudaGetLastError();
        sw_fail(SW_ERR_RUNTIME, "no CUDA device (%s)",
                e != cudaSuccess ? cudaGetErrorString(e) : "none found");
        return 1;
    }
    if (device < 0) { /* the node-local rank picks the device */
        const char *env[] = {"SWATH_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK",
                             "MPI_LOCALRANKID", "SLURM_LOCALID"};
        device = 0;
        for (int i = 0; i < 4; i++)
            if (getenv(env[i])) {
                device = atoi(getenv(env[i])) % n;
                break;
            }
    }
    if (device >= n) {
        sw_fail(SW_ERR_RUNTIME, "CUDA device %d asked for, %d present", device, n);
        return 1;
    }
    c->device = device;
    CU_CHECK(cudaSetDevice(device));
    CU_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    DNN_CHECK(cudnnCreate(&c->dnn));
    DNN_CHECK(cudnnSetStream(c->dnn, c->stream));
    BLAS_CHECK(cublasCreate(&c->blas));
    BLAS_CHECK(cublasSetStream(c->blas, c->stream));
    BLAS_CHECK(cublasSetMathMode(c->blas, CUBLAS_PEDANTIC_MATH));
    DNN_CHECK(cudnnCreateTensorDescriptor(&c->tx));
    DNN_CHECK(cudnnCreateTensorDescriptor(&c->ty));
    DNN_CHECK(cudnnCreateTensorDescriptor(&c->tb));
    DNN_CHECK(cudnnCreateFilterDescriptor(&c->fw));
    DNN_CHECK(cudnnCreateConvolutionDescriptor(&c->conv));
    DNN_CHECK(cudnnCreatePoolingDescriptor(&c->pool));
    DNN_CHECK(cudnnCreateActivationDescriptor(&c->relu));
    DNN_CHECK(cudnnSetActivationDescriptor(c->relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN,
                                           0.0));
    c->math = NN_CUDA_F32;
    return 0;
}

const nn_backend *cu_backend(int device) {
    if (created == 1 && device >= 0 && device != the_ctx.device) {
        sw_fail(SW_ERR_RUNTIME, "the CUDA backend runs on device %d; device %d asked for (one "
                "device per process)", the_ctx.device, device);
        return NULL;
    }
    if (created == 1) return &the_backend;
    if (created == -1) {
        sw_fail(SW_ERR_RUNTIME, "%s", create_error);
        return NULL;
    }
    if (create(&the_ctx, device)) {
        snprintf(create_error, sizeof create_error, "%s", sw_errmsg());
        created = -1;
        return NULL;
    }
    nn_backend_i f;
    memset(&f, 0, sizeof f);
    f.release = release;
    f.supports = supports;
    f.conv2d_forward = cu_conv2d_forward;
    f.conv2d_backward = cu_conv2d_backward;
    f.conv2d_relu_forward = cu_conv2d_relu_forward;
    f.conv_transpose2d_relu_forward = cu_conv_transpose2d_relu_forward;
    f.conv_transpose2d_forward = cu_conv_transpose2d_forward;
    f.conv_transpose2d_backward = cu_conv_transpose2d_backward;
    f.batchnorm_forward = cu_batchnorm_forward;
    f.batchnorm_backward = cu_batchnorm_backward;
    f.maxpool_forward = cu_maxpool_forward;
    f.maxpool_backward = cu_maxpool_backward;
    f.avgpool_forward = cu_avgpool_forward;
    f.avgpool_backward = cu_avgpool_backward;
    f.mem_alloc = mem_alloc;
    f.mem_free = mem_free;
    f.mem_zero = mem_zero;
    f.mem_copy = mem_copy;
    f.sync = sync;
    f.batchnorm_frozen_backward = cu_batchnorm_frozen_backward;
    f.batchnorm_relu_forward = cu_batchnorm_relu_forward;
    f.batchnorm_relu_backward = cu_batchnorm_relu_backward;
    f.relu_forward = relu_f;
    f.relu_backward = relu_b;
    f.leaky_relu_forward = lrelu_f;
    f.leaky_relu_backward = lrelu_b;
    f.sigmoid_forward = sig_f;
    f.sigmoid_backward = sig_b;
    f.global_avgpool_forward = gap_f;
    f.global_avgpool_backward = gap_b;
    f.upsample_nearest_forward = upn_f;
    f.upsample_nearest_backward = upn_b;
    f.upsample_bilinear_forward = upb_f;
    f.upsample_bilinear_backward = upb_b;
    f.concat_forward = cat_f;
    f.concat_backward = cat_b;
    f.add_forward = add_f;
    f.add_backward = add_b;
    f.linear_forward = linear_forward;
    f.linear_backward = linear_backward;
    f.softmax_forward = smax_f;
    f.softmax_backward = smax_b;
    f.cross_entropy_forward = ce_f;
    f.cross_entropy_backward = ce_b;
    f.bce_logits_forward = bce_f;
    f.bce_logits_backward = bce_b;
    f.sgd_update = sgd;
    f.adam_update = adam;
    f.scale = scale;
    f.act_dtype = act_dtype;
    f.act_upload = act_upload;
    f.act_download = act_download;
    the_backend.name = "cuda";
    the_backend.device = NN_DEVICE_CUDA;
    the_backend.iface = f;
    the_backend.context = &the_ctx;
    created = 1;
    return &the_backend;
}

int cu_backend_set_mode(const nn_backend *be, nn_cuda_math math, int deterministic) {
    if (!be || be != &the_backend) return 1;
    cu_ctx *c = &the_ctx;
    if (c->math != (int)math || c->deterministic != deterministic) c->ncache = 0;
    c->math = (int)math;
    c->act_bf16 = math == NN_CUDA_BF16_ACT;
    c->deterministic = deterministic ? 1 : 0;
    BLAS_CHECK(cublasSetMathMode(c->blas, math == NN_CUDA_F32 ? CUBLAS_PEDANTIC_MATH
                                                              : CUBLAS_DEFAULT_MATH));
    return 0;
}

/* for tests and the benchmark: how many FindEx searches ran, and the workspace size */
void cu_backend_stats(unsigned long *finds, size_t *ws_bytes) {
    if (finds) *finds = the_ctx.finds;
    if (ws_bytes) *ws_bytes = the_ctx.ws_size;
}

/* the stream (a cudaStream_t) for the NCCL allreduce and graph capture */
void *cu_backend_stream(void) { return created == 1 ? the_ctx.stream : NULL; }

/* ---------------------------------------------------------------------------------------- */
/* CUDA graphs for fixed-shape inference: capture the work issued on the backend's stream
 * between begin and end (a forward after a warm-up, so no algorithm search, workspace growth or
 * synchronizing copy happens inside), then replay it with one launch. */

int cu_capture_begin(const nn_backend *be) {
    if (!be || be != &the_backend) return 1;
    CU_CHECK(cudaStreamBeginCapture(the_ctx.stream, cudaStreamCaptureModeThreadLocal));
    return 0;
}

int cu_capture_end(const nn_backend *be, void **graph) {
    if (!be || be != &the_backend) return 1;
    cudaGraph_t g = NULL;
    cudaGraphExec_t x = NULL;
    CU_CHECK(cudaStreamEndCapture(the_ctx.stream, &g));
    cudaError_t e = cudaGraphInstantiate(&x, g, 0);
    cudaGraphDestroy(g);
    if (e != cudaSuccess) return cu_fail(__FILE__, __LINE__, "cudaGraphInstantiate", cudaGetErrorString(e));
    *graph = x;
    return 0;
}

int cu_graph_launch(const nn_backend *be, void *graph) {
    if (!be || be != &the_backend || !graph) return 1;
    CU_CHECK(cudaGraphLaunch((cudaGraphExec_t)graph, the_ctx.stream));
    return 0;
}

void cu_graph_free(void *graph) {
    if (graph) cudaGraphExecDestroy((cudaGraphExec_t)graph);
}
