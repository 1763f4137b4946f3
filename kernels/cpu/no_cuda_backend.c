/* The CUDA backend entry points of a build without CUDA (see kernels/backend.h). */
#include "kernels/backend.h"
#include "src/core/error.h"

#include <stddef.h>

const nn_backend *nn_backend_cuda(int device) {
    (void)device;
    sw_fail(SW_ERR_RUNTIME, "this swath was built without CUDA");
    return NULL;
}

int nn_backend_cuda_set_mode(const nn_backend *be, nn_cuda_math math, int deterministic) {
    (void)be, (void)math, (void)deterministic;
    return 1;
}

void nn_backend_cuda_stats(unsigned long *finds, size_t *ws_bytes) {
    if (finds) *finds = 0;
    if (ws_bytes) *ws_bytes = 0;
}

void *nn_backend_cuda_stream(void) { return NULL; }

int nn_backend_cuda_capture_begin(const nn_backend *be) {
    (void)be;
    return 1;
}
int nn_backend_cuda_capture_end(const nn_backend *be, void **graph) {
    (void)be, (void)graph;
    return 1;
}
int nn_backend_cuda_graph_launch(const nn_backend *be, void *graph) {
    (void)be, (void)graph;
    return 1;
}
void nn_backend_cuda_graph_free(void *graph) { (void)graph; }
