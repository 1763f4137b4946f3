/* The public CUDA entry points of a build with CUDA (backend.h, backend_info.h, cuda/nccl_comm.h):
 * the first call loads the CUDA plugin (cuda_plugin.h) with dlopen, once per process, and every
 * call forwards to its table. A process that never asks for the GPU maps no CUDA library (their
 * start-up, mostly cuBLASLt's, costs ~0.4 s). Where the plugin or a CUDA library it needs does not
 * load, the functions behave as on a machine without a GPU, and the reason (dlerror's, naming
 * the file) is the message: sw_cuda_probe's device text, nn_backend_cuda's error.
 *
 * Where the plugin is looked for: $SWATH_CUDA_PLUGIN when set (there only); else the first of
 * the program's folder (/proc/self/exe), its parent, the parent's lib/ (an install, the GPU
 * machine's carry) and the path the build wrote it to (SWATH_CUDA_PLUGIN_BUILD) that exists. */
#include "kernels/backend_info.h"
#include "kernels/cuda_plugin.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SWATH_CUDA_PLUGIN_BUILD
#define SWATH_CUDA_PLUGIN_BUILD ""
#endif

enum { PATH_CAP = 4096 };

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const sw_cuda_plugin *plugin;  /* NULL: not loadable, see why */
static char why[1024];

static const sw_cuda_host host = {SW_CUDA_PLUGIN_ABI, sw_fail, sw_fail_ctx, sw_errmsg};

/* Loads the plugin at `path` into `plugin`, or says why not. */
static void open_plugin(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, sizeof why, "the CUDA plugin did not load: %s", dlerror());
        return;
    }
    sw_cuda_plugin_fn entry = (sw_cuda_plugin_fn)dlsym(h, SW_CUDA_PLUGIN_ENTRY);
    const sw_cuda_plugin *p = entry ? entry(SW_CUDA_PLUGIN_ABI, &host) : NULL;
    if (!p || p->abi != SW_CUDA_PLUGIN_ABI || p->backend_size != sizeof(nn_backend)) {
        snprintf(why, sizeof why, "%s is not a CUDA plugin of this swath build (%s)", path,
                 entry ? "interface version differs" : "no " SW_CUDA_PLUGIN_ENTRY);
        dlclose(h);
        return;
    }
    plugin = p;
}

/* dir/name into out ("" when it does not fit) */
static void join(char *out, const char *dir, const char *name) {
    if (snprintf(out, PATH_CAP, "%s/%s", dir, name) >= PATH_CAP) out[0] = 0;
}

static void load(void) {
    const char *env = getenv("SWATH_CUDA_PLUGIN");
    if (env && env[0]) {
        open_plugin(env);
        return;
    }
    static char exe[PATH_CAP], parent[PATH_CAP], cand[4][PATH_CAP];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0; /* the program's folder */
    snprintf(parent, sizeof parent, "%s", exe);
    if ((slash = strrchr(parent, '/'))) *slash = 0;
    int nc = 0;
    if (exe[0]) {
        join(cand[nc++], exe, SW_CUDA_PLUGIN_FILE);
        join(cand[nc++], parent, SW_CUDA_PLUGIN_FILE);
        join(cand[nc++], parent, "lib/" SW_CUDA_PLUGIN_FILE);
    }
    snprintf(cand[nc++], PATH_CAP, "%s", SWATH_CUDA_PLUGIN_BUILD);
    for (int i = 0; i < nc; i++)
        if (cand[i][0] && access(cand[i], F_OK) == 0) {
            open_plugin(cand[i]);
            return;
        }
    int len = snprintf(why, sizeof why, "the CUDA plugin %s is not in", SW_CUDA_PLUGIN_FILE);
    for (int i = 0; i < nc && len < (int)sizeof why; i++)
        if (cand[i][0]) len += snprintf(why + len, sizeof why - (size_t)len, " %s", cand[i]);
    if (len < (int)sizeof why) snprintf(why + len, sizeof why - (size_t)len, " (set SWATH_CUDA_PLUGIN)");
}

/* The plugin, or NULL (why says why). */
static const sw_cuda_plugin *cuda(void) {
    pthread_once(&load_once, load);
    return plugin;
}

int sw_cuda_probe(char *device, int device_cap, char *cudnn, int cudnn_cap) {
    const sw_cuda_plugin *p = cuda();
    if (p) return p->probe(device, device_cap, cudnn, cudnn_cap);
    snprintf(device, (size_t)device_cap, "none (%s)", why);
    snprintf(cudnn, (size_t)cudnn_cap, "none");
    return 0;
}

const nn_backend *nn_backend_cuda(int device) {
    const sw_cuda_plugin *p = cuda();
    if (p) return p->backend(device);
    sw_fail(SW_ERR_RUNTIME, "%s", why);
    return NULL;
}

int nn_backend_cuda_set_mode(const nn_backend *be, nn_cuda_math math, int deterministic) {
    const sw_cuda_plugin *p = cuda();
    return p ? p->set_mode(be, math, deterministic) : 1;
}

void nn_backend_cuda_stats(unsigned long *finds, size_t *ws_bytes) {
    const sw_cuda_plugin *p = cuda();
    if (p) {
        p->stats(finds, ws_bytes);
        return;
    }
    if (finds) *finds = 0;
    if (ws_bytes) *ws_bytes = 0;
}

void *nn_backend_cuda_stream(void) {
    const sw_cuda_plugin *p = cuda();
    return p ? p->stream() : NULL;
}

int nn_backend_cuda_capture_begin(const nn_backend *be) {
    const sw_cuda_plugin *p = cuda();
    return p ? p->capture_begin(be) : 1;
}

int nn_backend_cuda_capture_end(const nn_backend *be, void **graph) {
    const sw_cuda_plugin *p = cuda();
    return p ? p->capture_end(be, graph) : 1;
}

int nn_backend_cuda_graph_launch(const nn_backend *be, void *graph) {
    const sw_cuda_plugin *p = cuda();
    return p ? p->graph_launch(be, graph) : 1;
}

void nn_backend_cuda_graph_free(void *graph) {
    const sw_cuda_plugin *p = cuda();
    if (p && graph) p->graph_free(graph);
}

/* ---------------------------------------------------------------------------------------- */
/* NCCL (cuda/nccl_comm.h): the plugin's, when it was built with NCCL */

static const sw_cuda_plugin *nccl(void) {
    const sw_cuda_plugin *p = cuda();
    if (!p) sw_fail(SW_ERR_RUNTIME, "NCCL: %s", why);
    else if (!p->nccl_init) sw_fail(SW_ERR_RUNTIME, "NCCL: the CUDA plugin was built without NCCL");
    return p && p->nccl_init ? p : NULL;
}

int cuk_device_count(void) {
    const sw_cuda_plugin *p = cuda();
    return p && p->device_count ? p->device_count() : 0;
}

int cuk_device_bus_id(int device, char *buf, int cap) {
    const sw_cuda_plugin *p = nccl();
    return p ? p->device_bus_id(device, buf, cap) : 1;
}

int cuk_nccl_unique_id(unsigned char id[CUK_NCCL_ID_BYTES]) {
    const sw_cuda_plugin *p = nccl();
    return p ? p->nccl_unique_id(id) : 1;
}

int cuk_nccl_init(cuk_nccl **out, const unsigned char id[CUK_NCCL_ID_BYTES], int nranks, int rank,
                  int device) {
    *out = NULL;
    const sw_cuda_plugin *p = nccl();
    return p ? p->nccl_init(out, id, nranks, rank, device) : 1;
}

/* the functions below take a communicator, so the plugin with NCCL is loaded */
int cuk_nccl_nranks(const cuk_nccl *c) { return plugin->nccl_nranks(c); }
int cuk_nccl_rank(const cuk_nccl *c) { return plugin->nccl_rank(c); }
void *cuk_nccl_stream(const cuk_nccl *c) { return plugin->nccl_stream(c); }

int cuk_nccl_allreduce(cuk_nccl *c, float *buf, size_t n, float scale, void *compute_stream) {
    return plugin->nccl_allreduce(c, buf, n, scale, compute_stream);
}

int cuk_nccl_allreduce_group(cuk_nccl *c, float *const *bufs, const size_t *ns, int count,
                             float scale, void *compute_stream) {
    return plugin->nccl_allreduce_group(c, bufs, ns, count, scale, compute_stream);
}

int cuk_nccl_wait(cuk_nccl *c, void *compute_stream) { return plugin->nccl_wait(c, compute_stream); }

void cuk_nccl_free(cuk_nccl *c) {
    if (c) plugin->nccl_free(c);
}
