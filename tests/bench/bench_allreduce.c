/* Raw MPI_Allreduce (sum, f32, in place) of a model's gradient size, under mpiexec -n R:
 *   bench_allreduce ARCH DEPTH WIDTH IN_CH CLASSES [ITERS]
 * prints one JSON line: floats, bytes, seconds per call, algorithm bandwidth (bytes / s) and
 * bus bandwidth (2 (R-1) / R x bytes / s, what a ring moves per rank). */
#include "mpi/train_comm.h"
#include "src/nn/models/model.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: bench_allreduce ARCH DEPTH WIDTH IN_CH CLASSES [ITERS]\n");
        return 2;
    }
    nn_model_config cfg;
    if (nn_model_config_init(&cfg, argv[1], atoi(argv[4]), atoi(argv[5]))) return 1;
    cfg.depth = atoi(argv[2]), cfg.width = atoi(argv[3]);
    nn_model m;
    if (nn_model_create(&m, &cfg, 0)) return 1;
    const size_t n = m.net.params.numel;
    nn_model_free(&m);
    int rank, size;
    if (sw_train_mpi_start(SW_AR_BLOCKING, &rank, &size)) return 1;
    const int iters = argc > 6 ? atoi(argv[6]) : 50;
    const double t = sw_train_allreduce_seconds(n, iters);
    if (rank == 0)
        printf("{\"ranks\":%d,\"floats\":%zu,\"bytes\":%zu,\"seconds\":%.6g,\"algbw_GBs\":%.4g,"
               "\"busbw_GBs\":%.4g}\n", size, n, n * 4, t, n * 4 / t * 1e-9,
               size > 1 ? 2.0 * (size - 1) / size * n * 4 / t * 1e-9 : 0.0);
    sw_train_mpi_stop();
    return 0;
}
