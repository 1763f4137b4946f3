/* The CUDA probe (sw_cuda_probe of backend_info.h, as cu_probe: entry.h): counts devices through
 * the runtime API, which loads the driver itself, so the plugin loads on machines without a GPU
 * (any error means "no GPU"). */
#include "kernels/cuda/entry.h"

#include <cuda_runtime.h>
#include <cudnn.h>
#include <stdio.h>

int cu_probe(char *device, int device_cap, char *cudnn, int cudnn_cap) {
    size_t v = cudnnGetVersion();
    snprintf(cudnn, (size_t)cudnn_cap, "%zu.%zu.%zu", v / 10000, (v / 100) % 100, v % 100);
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n <= 0) {
        snprintf(device, (size_t)device_cap, "none (%s)", e != cudaSuccess ? cudaGetErrorString(e) : "no device");
        return 0;
    }
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, 0) == cudaSuccess)
        snprintf(device, (size_t)device_cap, "%s (sm_%d%d, %.0f GiB)", p.name, p.major, p.minor,
                 (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
    else
        snprintf(device, (size_t)device_cap, "device 0");
    return n;
}
