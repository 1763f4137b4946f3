/* The CPU backends: the reference (an empty table: every op runs kernels/cpu/ref_*.c) and the
 * choice of the default; the oneDNN table itself lives in dnnl_ops.c. */
#include "kernels/backend.h"
#include "src/core/build_config.h"

#include <stddef.h>
#include <string.h>

static const nn_backend cpu_ref = {"cpu-ref", NN_DEVICE_CPU, {0}, NULL};

const nn_backend *nn_backend_cpu_ref(void) { return &cpu_ref; }

#if SWATH_HAVE_DNNL
const nn_backend *dnnl_backend_get(void); /* dnnl_ops.c */
const nn_backend *nn_backend_cpu_fast(void) { return dnnl_backend_get(); }
#else
const nn_backend *nn_backend_cpu_fast(void) { return NULL; }
#endif

const nn_backend *nn_backend_default(void) {
    const nn_backend *fast = nn_backend_cpu_fast();
    return fast ? fast : &cpu_ref;
}

void nn_backend_release(const nn_backend *be) {
    if (be && be->iface.release) be->iface.release(be->context);
}

int nn_backend_supports(const nn_backend *be, nn_op op, const void *desc) {
    if (!be) return 0;
    const nn_backend_i *f = &be->iface;
    int has = 0;
    switch (op) {
    case NN_OP_CONV2D: has = f->conv2d_forward != NULL; break;
    case NN_OP_CONV2D_BACKWARD: has = f->conv2d_backward != NULL; break;
    case NN_OP_CONV_TRANSPOSE2D: has = f->conv_transpose2d_forward != NULL; break;
    case NN_OP_BATCHNORM: has = f->batchnorm_forward != NULL; break;
    case NN_OP_MAXPOOL: has = f->maxpool_forward != NULL; break;
    case NN_OP_AVGPOOL: has = f->avgpool_forward != NULL; break;
    default: has = 0;
    }
    if (!has) return 0;
    return f->supports ? f->supports(op, desc, be->context) : 1;
}

int nn_cuda_math_parse(const char *name) {
    if (!name) return -1;
    if (!strcmp(name, "f32")) return NN_CUDA_F32;
    if (!strcmp(name, "tf32")) return NN_CUDA_TF32;
    if (!strcmp(name, "bf16")) return NN_CUDA_BF16;
    if (!strcmp(name, "bf16-act")) return NN_CUDA_BF16_ACT;
    return -1;
}
