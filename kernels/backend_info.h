/* What compute backends this build has and what the machine offers, for `swath --version`.
 * The op backend table itself arrives with the engine (kernels/cpu, kernels/cuda). */
#ifndef SWATH_BACKEND_INFO_H
#define SWATH_BACKEND_INFO_H

/* oneDNN version ("2.6.3") or NULL when built without it. */
const char *sw_dnnl_version(void);

/* Number of CUDA devices usable now (0 when the driver, the devices or the CUDA plugin are
 * missing, -1 when built without CUDA); the first device's name, or "none (why)", and the cuDNN
 * version go into the buffers. Loads the CUDA plugin (kernels/cuda_loader.c). */
int sw_cuda_probe(char *device, int device_cap, char *cudnn, int cudnn_cap);

#endif
