/* The seeded global shuffle of an epoch and each rank's shard of a global batch, and the keyed
 * counter-based random numbers of training (splitmix64 of a key): a draw depends only on
 * (seed, epoch, global sample index, draw number), never on the rank count or the order work
 * happens in, so -n R sees the samples and augmentations -n 1 sees. */
#ifndef SWATH_TRAIN_SHUFFLE_H
#define SWATH_TRAIN_SHUFFLE_H

#include <stdint.h>

static inline uint64_t sw_mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
/* The random 64 bits of key (seed, a, b, c). */
static inline uint64_t sw_key4(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
    return sw_mix64(sw_mix64(sw_mix64(sw_mix64(seed) ^ a) ^ b) ^ c);
}
/* Uniform in [0, 1) from 53 bits. */
static inline double sw_unit(uint64_t r) { return (double)(r >> 11) * (1.0 / 9007199254740992.0); }

/* perm (n) = the permutation of 0..n-1 for `epoch` (Fisher-Yates on keyed draws). */
void sw_shuffle_epoch(long long *perm, long long n, uint64_t seed, int epoch);
/* This rank's part of a global batch of B samples: positions [*first, *first + *count) of it
 * (the first B % R ranks take one more). */
void sw_shard(int B, int rank, int size, int *first, int *count);

#endif
