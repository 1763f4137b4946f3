/* The CUDA code's own names for the public entry points (internal to kernels/cuda): the same
 * contracts as nn_backend_cuda* (kernels/backend.h), sw_cuda_probe (kernels/backend_info.h) and
 * cuk_device_count / cuk_nccl_* (nccl_comm.h), under a cu_ prefix, because libswath's loader
 * (kernels/cuda_loader.c) owns the public names and forwards them through the plugin's table
 * (plugin.c). Tests that call the CUDA code directly use these names. */
#ifndef SWATH_KERNELS_CUDA_ENTRY_H
#define SWATH_KERNELS_CUDA_ENTRY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif
#include "kernels/backend.h"   /* plain C, no linkage guard of its own */
#include "kernels/cuda/nccl_comm.h"

/* device.cu */
int cu_probe(char *device, int device_cap, char *cudnn, int cudnn_cap);

/* backend_cuda.cu */
const nn_backend *cu_backend(int device);
int cu_backend_set_mode(const nn_backend *be, nn_cuda_math math, int deterministic);
void cu_backend_stats(unsigned long *finds, size_t *ws_bytes);
void *cu_backend_stream(void);
int cu_capture_begin(const nn_backend *be);
int cu_capture_end(const nn_backend *be, void **graph);
int cu_graph_launch(const nn_backend *be, void *graph);
void cu_graph_free(void *graph);

/* nccl_comm.c (built with NCCL) */
int cu_device_count(void);
int cu_device_bus_id(int device, char *buf, int cap);
int cu_nccl_unique_id(unsigned char id[CUK_NCCL_ID_BYTES]);
int cu_nccl_init(cuk_nccl **out, const unsigned char id[CUK_NCCL_ID_BYTES], int nranks, int rank,
                 int device);
int cu_nccl_nranks(const cuk_nccl *c);
int cu_nccl_rank(const cuk_nccl *c);
void *cu_nccl_stream(const cuk_nccl *c);
int cu_nccl_allreduce(cuk_nccl *c, float *buf, size_t n, float scale, void *compute_stream);
int cu_nccl_allreduce_group(cuk_nccl *c, float *const *bufs, const size_t *ns, int count,
                            float scale, void *compute_stream);
int cu_nccl_wait(cuk_nccl *c, void *compute_stream);
void cu_nccl_free(cuk_nccl *c);

#ifdef __cplusplus
}
#endif

#endif
