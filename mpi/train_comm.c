/* Gradient allreduce in buckets and the collectives of training (see train_comm.h). */
#include "mpi/train_comm.h"

#include "mpi/run_mpi.h"
#include "src/core/log.h"

#include <mpi.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int we_initialized;
static MPI_Comm grad_comm = MPI_COMM_NULL, bn_comm = MPI_COMM_NULL;

sw_status sw_train_mpi_start(sw_ar_mode mode, int *rank, int *size) {
    int inited = 0;
    MPI_Initialized(&inited);
    const int want = mode == SW_AR_THREAD ? MPI_THREAD_MULTIPLE : MPI_THREAD_FUNNELED;
    if (!inited) {
        sw_mpi_quick_start_env();
        int got = 0;
        if (MPI_Init_thread(NULL, NULL, want, &got) != MPI_SUCCESS)
            return sw_fail(SW_ERR_RUNTIME, "MPI_Init_thread failed");
        we_initialized = 1;
        if (got < want) {
            MPI_Finalize();
            we_initialized = 0;
            return sw_fail(SW_ERR_USAGE, "the MPI library gives thread level %d, the "
                           "communication-thread allreduce needs MPI_THREAD_MULTIPLE (%d): use "
                           "--allreduce progress", got, want);
        }
    } else if (mode == SW_AR_THREAD) {
        int got = 0;
        MPI_Query_thread(&got);
        if (got < MPI_THREAD_MULTIPLE)
            return sw_fail(SW_ERR_USAGE, "MPI already started without MPI_THREAD_MULTIPLE: use "
                           "--allreduce progress");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    if (grad_comm == MPI_COMM_NULL) MPI_Comm_dup(MPI_COMM_WORLD, &grad_comm);
    if (bn_comm == MPI_COMM_NULL) MPI_Comm_dup(MPI_COMM_WORLD, &bn_comm);
    return SW_OK;
}

void sw_train_mpi_stop(void) {
    int fin = 0;
    MPI_Finalized(&fin);
    if (fin) return;
    if (grad_comm != MPI_COMM_NULL) MPI_Comm_free(&grad_comm);
    if (bn_comm != MPI_COMM_NULL) MPI_Comm_free(&bn_comm);
    if (we_initialized) MPI_Finalize();
    we_initialized = 0;
}

/* ------------------------------------------------------------------------------------------ */

typedef struct {
    size_t off, n;   /* arena range */
    int pending;     /* tensors not yet final */
    int started;
} bucket;

enum { AR_HOOKS = -1 }; /* mode of a comm made by sw_grad_comm_create_hooked */

struct sw_grad_comm {
    float *grad;
    size_t numel;
    int mode;            /* an sw_ar_mode, or AR_HOOKS */
    sw_grad_hooks hooks;
    int broken;
    int count, nb;
    int *of_tensor;      /* (count) bucket of tensor i */
    unsigned char *done; /* (count) reported this step */
    bucket *b;
    MPI_Request *req;    /* (nb) progress mode */
    int nstarted;
    int next;            /* the next bucket to start: buckets start in index order on every rank */
    /* thread mode: a queue of bucket ids */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int *queue, qhead, qtail, qdone, quit, thread_ok;
    int err;
};

static void *comm_thread(void *arg) {
    sw_grad_comm *g = arg;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        while (g->qhead == g->qtail && !g->quit) pthread_cond_wait(&g->cv, &g->mu);
        if (g->qhead == g->qtail && g->quit) break;
        const int id = g->queue[g->qhead % g->nb];
        pthread_mutex_unlock(&g->mu);
        const bucket *b = &g->b[id];
        int e = MPI_Allreduce(MPI_IN_PLACE, g->grad + b->off, (int)b->n, MPI_FLOAT, MPI_SUM,
                              grad_comm);
        pthread_mutex_lock(&g->mu);
        if (e != MPI_SUCCESS) g->err = 1;
        g->qhead++;
        g->qdone++;
        pthread_cond_broadcast(&g->cv);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

static sw_status create(sw_grad_comm **out, float *grad, const size_t *offset, int count,
                        size_t numel, size_t bucket_bytes, int mode, const sw_grad_hooks *hooks,
                        int broken) {
    *out = NULL;
    sw_grad_comm *g = calloc(1, sizeof *g);
    if (!g) return sw_fail(SW_ERR_RUNTIME, "out of memory for the gradient buckets");
    g->grad = grad, g->numel = numel, g->mode = mode, g->broken = broken, g->count = count;
    if (hooks) g->hooks = *hooks;
    g->of_tensor = calloc((size_t)count + 1, sizeof *g->of_tensor);
    g->done = calloc((size_t)count + 1, 1);
    g->b = calloc((size_t)count + 1, sizeof *g->b);
    g->req = calloc((size_t)count + 1, sizeof *g->req);
    g->queue = calloc((size_t)count + 1, sizeof *g->queue);
    if (!g->of_tensor || !g->done || !g->b || !g->req || !g->queue) {
        sw_grad_comm_free(g);
        return sw_fail(SW_ERR_RUNTIME, "out of memory for the gradient buckets");
    }
    /* buckets from the last tensor backwards, each a contiguous arena range */
    size_t bytes = bucket_bytes ? bucket_bytes : 1;
    int hi = count - 1;
    while (hi >= 0) {
        int lo = hi;
        const size_t end = hi + 1 < count ? offset[hi + 1] : numel;
        while (lo > 0 && (end - offset[lo]) * sizeof(float) < bytes) lo--;
        bucket *b = &g->b[g->nb];
        b->off = offset[lo], b->n = end - offset[lo];
        for (int i = lo; i <= hi; i++) g->of_tensor[i] = g->nb;
        g->nb++;
        hi = lo - 1;
    }
    if (mode == SW_AR_THREAD) {
        pthread_mutex_init(&g->mu, NULL);
        pthread_cond_init(&g->cv, NULL);
        if (pthread_create(&g->th, NULL, comm_thread, g) != 0) {
            sw_grad_comm_free(g);
            return sw_fail(SW_ERR_RUNTIME, "cannot start the communication thread");
        }
        g->thread_ok = 1;
    }
    *out = g;
    return SW_OK;
}

sw_status sw_grad_comm_create(sw_grad_comm **out, float *grad, const size_t *offset, int count,
                              size_t numel, size_t bucket_bytes, sw_ar_mode mode, int broken) {
    return create(out, grad, offset, count, numel, bucket_bytes, (int)mode, NULL, broken);
}

sw_status sw_grad_comm_create_hooked(sw_grad_comm **out, float *grad, const size_t *offset,
                                     int count, size_t numel, size_t bucket_bytes,
                                     const sw_grad_hooks *hooks, int broken) {
    if (!hooks || !hooks->start)
        return sw_fail(SW_ERR_USAGE, "sw_grad_comm_create_hooked: no start hook");
    return create(out, grad, offset, count, numel, bucket_bytes, AR_HOOKS, hooks, broken);
}

void sw_grad_comm_free(sw_grad_comm *g) {
    if (!g) return;
    if (g->thread_ok) {
        pthread_mutex_lock(&g->mu);
        g->quit = 1;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
        pthread_join(g->th, NULL);
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->cv);
    }
    free(g->of_tensor);
    free(g->done);
    free(g->b);
    free(g->req);
    free(g->queue);
    free(g);
}

int sw_grad_comm_buckets(const sw_grad_comm *g) { return g->nb; }

void sw_grad_comm_begin(sw_grad_comm *g) {
    memset(g->done, 0, (size_t)g->count);
    for (int i = 0; i < g->nb; i++) g->b[i].pending = 0, g->b[i].started = 0;
    for (int i = 0; i < g->count; i++) g->b[g->of_tensor[i]].pending++;
    for (int i = 0; i < g->nb; i++) g->req[i] = MPI_REQUEST_NULL;
    g->nstarted = 0, g->next = 0;
}

static void start_bucket(sw_grad_comm *g, int id) {
    bucket *b = &g->b[id];
    if (b->started) return;
    b->started = 1;
    g->nstarted++;
    if (g->broken || g->mode == SW_AR_BLOCKING) return; /* blocking: all at the end */
    if (g->mode == AR_HOOKS) {
        if (g->hooks.start(g->hooks.ctx, g->grad + b->off, b->n)) g->err = 2;
    } else if (g->mode == SW_AR_PROGRESS) {
        if (MPI_Iallreduce(MPI_IN_PLACE, g->grad + b->off, (int)b->n, MPI_FLOAT, MPI_SUM,
                           grad_comm, &g->req[id]) != MPI_SUCCESS)
            g->err = 1;
    } else {
        pthread_mutex_lock(&g->mu);
        g->queue[g->qtail % g->nb] = id;
        g->qtail++;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
    }
}

void sw_grad_comm_ready(void *ctx, int param) {
    sw_grad_comm *g = ctx;
    if (param < 0 || param >= g->count || g->done[param]) return;
    g->done[param] = 1;
    --g->b[g->of_tensor[param]].pending;
    /* Collectives must start in the same order on every rank, also on a rank whose step failed
     * before its backward (sw_grad_comm_finish starts them all): so in index order, each as
     * soon as it and every bucket before it are complete. Backward mostly completes them in
     * that order; a tensor reported out of order (a transposed convolution's weight before its
     * bias, in another bucket) holds the next bucket back until it comes. */
    while (g->next < g->nb && g->b[g->next].pending == 0) start_bucket(g, g->next++);
    if (g->mode == SW_AR_PROGRESS && g->nstarted && !g->broken) {
        int flag;
        MPI_Testall(g->nb, g->req, &flag, MPI_STATUSES_IGNORE);
    }
}

sw_status sw_grad_comm_finish(sw_grad_comm *g, double *exposed_s) {
    const double t0 = sw_now();
    /* tensors never reported (layers without the hook) go last, in bucket order */
    for (; g->next < g->nb; g->next++) start_bucket(g, g->next);
    if (g->mode == AR_HOOKS) {
        if (g->hooks.wait && g->hooks.wait(g->hooks.ctx)) g->err = 2;
    } else if (!g->broken) {
        if (g->mode == SW_AR_BLOCKING) {
            if (MPI_Allreduce(MPI_IN_PLACE, g->grad, (int)g->numel, MPI_FLOAT, MPI_SUM,
                              grad_comm) != MPI_SUCCESS)
                g->err = 1;
        } else if (g->mode == SW_AR_PROGRESS) {
            if (MPI_Waitall(g->nb, g->req, MPI_STATUSES_IGNORE) != MPI_SUCCESS) g->err = 1;
        } else {
            pthread_mutex_lock(&g->mu);
            while (g->qhead != g->qtail) pthread_cond_wait(&g->cv, &g->mu);
            pthread_mutex_unlock(&g->mu);
        }
    }
    if (exposed_s) *exposed_s = sw_now() - t0;
    if (g->err == 2) return sw_fail_ctx(SW_ERR_RUNTIME, "gradient allreduce");
    if (g->err) return sw_fail(SW_ERR_RUNTIME, "gradient allreduce failed");
    return SW_OK;
}

/* ------------------------------------------------------------------------------------------ */

sw_status sw_train_sum_f64(double *buf, int n) {
    if (MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
        return sw_fail(SW_ERR_RUNTIME, "MPI_Allreduce of %d doubles failed", n);
    return SW_OK;
}

sw_status sw_train_sum_f32(float *buf, size_t n) {
    while (n) {
        const int k = n > (1u << 30) ? (1 << 30) : (int)n;
        if (MPI_Allreduce(MPI_IN_PLACE, buf, k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
            return sw_fail(SW_ERR_RUNTIME, "MPI_Allreduce of %d floats failed", k);
        buf += k, n -= (size_t)k;
    }
    return SW_OK;
}

void sw_train_bn_allreduce(void *ctx, double *buf, int n) {
    (void)ctx;
    MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, bn_comm);
}

sw_status sw_train_bcast_f32(float *buf, size_t n) {
    while (n) {
        const int k = n > (1u << 30) ? (1 << 30) : (int)n;
        if (MPI_Bcast(buf, k, MPI_FLOAT, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
            return sw_fail(SW_ERR_RUNTIME, "MPI_Bcast of %d floats failed", k);
        buf += k, n -= (size_t)k;
    }
    return SW_OK;
}

void sw_train_minmax_u64(unsigned long long v, unsigned long long *lo, unsigned long long *hi) {
    MPI_Allreduce(&v, lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&v, hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
}

double sw_train_allreduce_seconds(size_t n, int iters) {
    float *buf = calloc(n ? n : 1, sizeof *buf);
    if (!buf) return -1;
    for (int i = 0; i < 2; i++)
        MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    for (int i = 0; i < iters; i++)
        MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    const double t = (MPI_Wtime() - t0) / (iters > 0 ? iters : 1);
    free(buf);
    return t;
}
