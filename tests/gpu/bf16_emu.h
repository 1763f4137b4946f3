/* A CPU emulation of the CUDA backend's bf16-act numerics (NN_CUDA_BF16_ACT, docs/gpu.md), for
 * tests: every op runs on the CPU (the fast backend where there is one, else the reference) and
 * rounds each activation it writes to bf16 (nearest even), as a bf16 store does; convolution
 * and linear weights are rounded to bf16 for the product (a weight gradient that cuDNN computes
 * is rounded once per call before it is added, as there), the statistics and the optimizer
 * state stay f32; a bias is added to the rounded product and rounded again, as
 * the CUDA backend's bias pass does. Activations are kept as f32 values that bf16 holds exactly;
 * the backend reports bf16 activations so that nn_act_upload rounds the model's input.
 * It presents itself as a device with host memory, so that no op falls back to the reference
 * unrounded: a missing entry is an error. Only the order of the f32 sums differs from the GPU,
 * so test_gpu_models --emulate shows on any machine what its bf16a checks will meet. */
#ifndef SWATH_TESTS_GPU_BF16_EMU_H
#define SWATH_TESTS_GPU_BF16_EMU_H

#include "kernels/backend.h"

#include <stddef.h>

const nn_backend *bf16_emu_backend(void);
/* rounds n values to bf16 in place (nearest even; NaN stays NaN) */
void bf16_emu_round(float *a, size_t n);

#endif
