/* Tensors and parameter arenas (see tensor.h). */
#include "src/nn/tensor.h"

#include "src/nn/ops.h"

#include <stdlib.h>
#include <string.h>

enum { ARENA_ALIGN_FLOATS = 16 };

size_t nn_dtype_size(nn_dtype t) {
    switch (t) {
    case NN_F32: return 4;
    case NN_BF16: return 2;
    case NN_U8: return 1;
    }
    return 0;
}

size_t nn_tensor_numel(const nn_tensor *t) {
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (size_t)t->shape[i];
    return n;
}

float *nn_tensor_f32(const nn_tensor *t) { return t->dtype == NN_F32 ? (float *)t->data : NULL; }

/* zeroed, on the set's backend (host for the CPU backends) */
static float *arena_alloc(const nn_backend *be, size_t n, const char *what) {
    return nn_mem_alloc(be, (n ? n : 1) * sizeof(float), what);
}

sw_status nn_param_set_init(nn_param_set *ps, const nn_param_spec *spec, int count, int n_state) {
    return nn_param_set_init_on(ps, spec, count, n_state, NULL);
}

sw_status nn_param_set_init_on(nn_param_set *ps, const nn_param_spec *spec, int count,
                               int n_state, const nn_backend *be) {
    memset(ps, 0, sizeof *ps);
    ps->be = nn_backend_is_host(be) ? NULL : be;
    ps->count = count;
    ps->n_state = n_state;
    ps->offset = sw_calloc((size_t)count + 1, sizeof *ps->offset, "parameter offsets");
    ps->params = sw_calloc((size_t)count + 1, sizeof *ps->params, "parameter tensors");
    ps->grads = sw_calloc((size_t)count + 1, sizeof *ps->grads, "gradient tensors");
    if (!ps->offset || !ps->params || !ps->grads) goto fail;
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        if (spec[i].ndim < 1 || spec[i].ndim > NN_MAX_DIMS) {
            sw_fail(SW_ERR_USAGE, "parameter %s: %d dimensions", spec[i].name, spec[i].ndim);
            goto fail;
        }
        nn_tensor t = {spec[i].name, NN_F32, ps->be ? ps->be->device : NN_DEVICE_CPU,
                       spec[i].ndim, {0}, NULL};
        memcpy(t.shape, spec[i].shape, sizeof t.shape);
        ps->params[i] = t;
        ps->grads[i] = t;
        ps->offset[i] = at;
        at += (nn_tensor_numel(&t) + ARENA_ALIGN_FLOATS - 1) / ARENA_ALIGN_FLOATS *
              ARENA_ALIGN_FLOATS;
    }
    ps->numel = at;
    ps->param_memory = arena_alloc(ps->be, at, "parameter arena");
    ps->grad_memory = arena_alloc(ps->be, at, "gradient arena");
    if (!ps->param_memory || !ps->grad_memory) goto fail;
    if (n_state > 0 &&
        !(ps->state_memory = arena_alloc(ps->be, (size_t)n_state * at, "optimizer arena")))
        goto fail;
    for (int i = 0; i < count; i++) {
        ps->params[i].data = ps->param_memory + ps->offset[i];
        ps->grads[i].data = ps->grad_memory + ps->offset[i];
    }
    return SW_OK;
fail:
    nn_param_set_free(ps);
    return SW_ERR_RUNTIME;
}

void nn_param_set_free(nn_param_set *ps) {
    free(ps->offset);
    free(ps->params);
    free(ps->grads);
    nn_mem_free(ps->be, ps->param_memory);
    nn_mem_free(ps->be, ps->grad_memory);
    nn_mem_free(ps->be, ps->state_memory);
    memset(ps, 0, sizeof *ps);
}

void nn_param_set_zero_grad(nn_param_set *ps) {
    nn_mem_zero(ps->be, ps->grad_memory, ps->numel * sizeof(float));
}

int nn_param_set_find(const nn_param_set *ps, const char *name) {
    for (int i = 0; i < ps->count; i++)
        if (ps->params[i].name && strcmp(ps->params[i].name, name) == 0) return i;
    return -1;
}

float *nn_param_set_state(const nn_param_set *ps, int s) {
    return s >= 0 && s < ps->n_state ? ps->state_memory + (size_t)s * ps->numel : NULL;
}
