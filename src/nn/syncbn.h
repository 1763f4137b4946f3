/* Synchronized batch norm (training mode): the batch statistics are those of the global batch,
 * every rank's pixels, as if one process saw it. Forward sums per channel (count, sum x,
 * sum x^2) and backward (sum dy, sum dy xhat) go through `allreduce` (a sum over ranks, MPI in
 * mpi/train_comm.c; identity on one rank). Parameter gradients stay local (the gradient
 * allreduce sums them). Sums in f64. */
#ifndef SWATH_NN_SYNCBN_H
#define SWATH_NN_SYNCBN_H

struct nn_bn_sync {
    /* sums n doubles in place over every rank (the same call order on every rank) */
    void (*allreduce)(void *ctx, double *buf, int n);
    void *ctx;
    double *scratch; /* (2 * C_max + 1) doubles, owned by the caller */
    int scratch_n;
};
typedef struct nn_bn_sync nn_bn_sync;

/* As nn_batchnorm_forward in training mode over the global batch (P local pixels). */
void nn_syncbn_forward(const nn_bn_sync *s, float *out, float *mean, float *var,
                       float *running_mean, float *running_var, const float *inp,
                       const float *gamma, const float *beta, int P, int C, float momentum,
                       float eps, const void *be);
/* As nn_batchnorm_backward over the global batch: dinp written, dgamma and dbeta += the local
 * part. mean and var are the saved global statistics. */
void nn_syncbn_backward(const nn_bn_sync *s, float *dinp, float *dgamma, float *dbeta,
                        const float *dout, const float *inp, const float *gamma,
                        const float *mean, const float *var, int P, int C, float eps);

#endif
