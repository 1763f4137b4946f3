/* Seeded epoch permutation and batch shards (see shuffle.h). */
#include "src/train/shuffle.h"

void sw_shuffle_epoch(long long *perm, long long n, uint64_t seed, int epoch) {
    for (long long i = 0; i < n; i++) perm[i] = i;
    for (long long i = n - 1; i > 0; i--) {
        const uint64_t r = sw_key4(seed, 0x5348554646ULL /* "SHUFF" */, (uint64_t)epoch,
                                   (uint64_t)i);
        const long long j = (long long)(r % (uint64_t)(i + 1));
        const long long t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
}

void sw_shard(int B, int rank, int size, int *first, int *count) {
    const int q = B / size, r = B % size;
    *count = q + (rank < r);
    *first = rank * q + (rank < r ? rank : r);
}
