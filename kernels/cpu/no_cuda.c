/* The CUDA probe of a build without CUDA (see backend_info.h). */
#include "kernels/backend_info.h"

#include <stdio.h>

int sw_cuda_probe(char *device, int device_cap, char *cudnn, int cudnn_cap) {
    snprintf(device, (size_t)device_cap, "none (built without CUDA)");
    snprintf(cudnn, (size_t)cudnn_cap, "none");
    return -1;
}
