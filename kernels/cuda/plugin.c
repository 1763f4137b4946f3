/* The CUDA plugin's one exported function (kernels/cuda_plugin.h) and its error shim: the CUDA
 * code records errors with sw_fail / sw_fail_ctx and reads sw_errmsg (src/core/error.h); inside
 * the plugin these forward to the program's own, lent at start, so a message set here is the one
 * the program reports and the plugin needs no symbol of libswath. Everything else in the plugin
 * is hidden (-fvisibility=hidden). */
#include "kernels/cuda/entry.h"
#include "kernels/cuda_plugin.h"

#include <stdarg.h>
#include <stdio.h>

static const sw_cuda_host *host;

sw_status sw_fail(sw_status code, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return host->fail(code, "%s", msg);
}

sw_status sw_fail_ctx(sw_status code, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return host->fail_ctx(code, "%s", msg);
}

const char *sw_errmsg(void) { return host->errmsg(); }

static const sw_cuda_plugin table = {
    .abi = SW_CUDA_PLUGIN_ABI,
    .backend_size = sizeof(nn_backend),
    .probe = cu_probe,
    .backend = cu_backend,
    .set_mode = cu_backend_set_mode,
    .stats = cu_backend_stats,
    .stream = cu_backend_stream,
    .capture_begin = cu_capture_begin,
    .capture_end = cu_capture_end,
    .graph_launch = cu_graph_launch,
    .graph_free = cu_graph_free,
#ifdef SWATH_PLUGIN_NCCL
    .device_count = cu_device_count,
    .device_bus_id = cu_device_bus_id,
    .nccl_unique_id = cu_nccl_unique_id,
    .nccl_init = cu_nccl_init,
    .nccl_nranks = cu_nccl_nranks,
    .nccl_rank = cu_nccl_rank,
    .nccl_stream = cu_nccl_stream,
    .nccl_allreduce = cu_nccl_allreduce,
    .nccl_allreduce_group = cu_nccl_allreduce_group,
    .nccl_wait = cu_nccl_wait,
    .nccl_free = cu_nccl_free,
#endif
};

__attribute__((visibility("default"))) const sw_cuda_plugin *swath_cuda_plugin(
    int abi, const sw_cuda_host *h) {
    if (abi != SW_CUDA_PLUGIN_ABI || !h || h->abi != SW_CUDA_PLUGIN_ABI) return NULL;
    host = h;
    return &table;
}
