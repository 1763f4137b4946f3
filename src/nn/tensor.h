/* Tensors and arenas of the engine: a tensor is a non-owning view (dtype, up to 4-D NHWC shape,
 * device, data); a parameter set is llm.c's ParameterTensors: parameters, gradients and
 * optimizer state are one allocation each, carved into named tensors from a size table, so
 * zeroing gradients is one memset and an allreduce or checkpoint walks one buffer. */
#ifndef SWATH_NN_TENSOR_H
#define SWATH_NN_TENSOR_H

#include "kernels/backend.h"
#include "src/core/error.h"

#include <stddef.h>

typedef enum { NN_F32 = 0, NN_BF16 = 1, NN_U8 = 2 } nn_dtype; /* ops take f32 for now */

enum { NN_MAX_DIMS = 4 };

typedef struct {
    const char *name;
    nn_dtype dtype;
    nn_device device;
    int ndim;
    int shape[NN_MAX_DIMS]; /* activations NHWC; conv weights (K,R,S,C/groups) */
    void *data;             /* not owned: points into an arena */
} nn_tensor;

size_t nn_dtype_size(nn_dtype t);
size_t nn_tensor_numel(const nn_tensor *t);
/* The data as f32 (NULL unless dtype is NN_F32). */
float *nn_tensor_f32(const nn_tensor *t);

/* One parameter tensor of a model: name and shape (the size table). */
typedef struct {
    const char *name;
    int ndim;
    int shape[NN_MAX_DIMS];
} nn_param_spec;

/* Parameters, gradients and n_state optimizer buffers (0 none, 1 SGD momentum, 2 Adam m, v),
 * each one f32 allocation of `numel` floats with the same layout: tensor i starts at offset[i]
 * (a multiple of 16 floats, 64 bytes; the padding stays zero). */
typedef struct {
    int count, n_state;
    size_t numel;
    size_t *offset;    /* (count) */
    nn_tensor *params; /* (count) views into param_memory */
    nn_tensor *grads;  /* (count) views into grad_memory */
    float *param_memory, *grad_memory;
    float *state_memory; /* (n_state * numel): state s of tensor i at s*numel + offset[i] */
    const nn_backend *be; /* whose memory the arenas are (NULL: host) */
} nn_param_set;

/* Allocates and zeroes the arenas and carves the tensors (names point into spec: keep it). */
sw_status nn_param_set_init(nn_param_set *ps, const nn_param_spec *spec, int count, int n_state);
/* The same with the arenas in the memory of backend `be` (NULL or a CPU backend: host). */
sw_status nn_param_set_init_on(nn_param_set *ps, const nn_param_spec *spec, int count,
                               int n_state, const nn_backend *be);
void nn_param_set_free(nn_param_set *ps);
/* One memset of the gradient arena (on its backend). */
void nn_param_set_zero_grad(nn_param_set *ps);
/* Index of the tensor named `name`, -1 when absent. */
int nn_param_set_find(const nn_param_set *ps, const char *name);
/* Optimizer state buffer s (0 <= s < n_state) of the whole arena. */
float *nn_param_set_state(const nn_param_set *ps, int s);

#endif
