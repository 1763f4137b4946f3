/* The interface between libswath and the CUDA plugin (libswath_cuda.so, kernels/cuda/): the
 * plugin holds every CUDA, cuDNN, cuBLAS and NCCL call and is loaded with dlopen on the first
 * call that needs the GPU (kernels/cuda_loader.c), so a process that never asks for it maps no
 * CUDA library. The plugin exports one function, SW_CUDA_PLUGIN_ENTRY: given swath's error
 * functions (its messages become the program's), it returns its table of entry points, which
 * mirror the public functions of backend.h, backend_info.h and cuda/nccl_comm.h. */
#ifndef SWATH_KERNELS_CUDA_PLUGIN_H
#define SWATH_KERNELS_CUDA_PLUGIN_H

#include "kernels/backend.h"
#include "kernels/cuda/nccl_comm.h"
#include "src/core/error.h"

#include <stddef.h>

/* Bumped whenever sw_cuda_host or sw_cuda_plugin change; the sizes below catch a plugin from a
 * build whose backend table differs. */
enum { SW_CUDA_PLUGIN_ABI = 3 };
#define SW_CUDA_PLUGIN_ENTRY "swath_cuda_plugin"
#define SW_CUDA_PLUGIN_FILE "libswath_cuda.so"

/* What swath lends the plugin: its thread-local error message. */
typedef struct {
    int abi;
    sw_status (*fail)(sw_status code, const char *fmt, ...);
    sw_status (*fail_ctx)(sw_status code, const char *fmt, ...);
    const char *(*errmsg)(void);
} sw_cuda_host;

typedef struct {
    int abi;
    size_t backend_size; /* sizeof(nn_backend) in the plugin's build */
    /* backend_info.h */
    int (*probe)(char *device, int device_cap, char *cudnn, int cudnn_cap);
    /* backend.h */
    const nn_backend *(*backend)(int device);
    int (*set_mode)(const nn_backend *be, nn_cuda_math math, int deterministic);
    void (*stats)(unsigned long *finds, size_t *ws_bytes);
    void *(*stream)(void);
    int (*capture_begin)(const nn_backend *be);
    int (*capture_end)(const nn_backend *be, void **graph);
    int (*graph_launch)(const nn_backend *be, void *graph);
    void (*graph_free)(void *graph);
    /* cuda/nccl_comm.h; all NULL when the plugin was built without NCCL */
    int (*device_count)(void);
    int (*device_bus_id)(int device, char *buf, int cap);
    int (*nccl_unique_id)(unsigned char id[CUK_NCCL_ID_BYTES]);
    int (*nccl_init)(cuk_nccl **out, const unsigned char id[CUK_NCCL_ID_BYTES], int nranks,
                     int rank, int device);
    int (*nccl_nranks)(const cuk_nccl *c);
    int (*nccl_rank)(const cuk_nccl *c);
    void *(*nccl_stream)(const cuk_nccl *c);
    int (*nccl_allreduce)(cuk_nccl *c, float *buf, size_t n, float scale, void *compute_stream);
    int (*nccl_allreduce_group)(cuk_nccl *c, float *const *bufs, const size_t *ns, int count,
                                float scale, void *compute_stream);
    int (*nccl_wait)(cuk_nccl *c, void *compute_stream);
    void (*nccl_free)(cuk_nccl *c);
} sw_cuda_plugin;

/* The entry point's type: NULL when abi differs from the plugin's SW_CUDA_PLUGIN_ABI. */
typedef const sw_cuda_plugin *(*sw_cuda_plugin_fn)(int abi, const sw_cuda_host *host);

#endif
