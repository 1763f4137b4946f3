/* The configuration of one `swath run`: what the CLI parsed, shared by every rank. */
#ifndef SWATH_RUN_CONFIG_H
#define SWATH_RUN_CONFIG_H

#include <stdint.h>

#define SW_RUN_MAX_SCALES 4
#define SW_RUN_MAX_THREADS 64   /* tile threads per worker rank */
#define SW_RUN_MAX_BANDS 16     /* bands a tile read delivers, at most (io/raster.h SW_RASTER_MAX_BANDS) */

typedef enum { SW_BLEND_CROP = 0, SW_BLEND_MEAN, SW_BLEND_LINEAR, SW_BLEND_COSINE } sw_blend;

typedef struct {
    char job[32];            /* "pixel-defects" */
    char input[4096];        /* the mosaic */
    char out[4096];          /* DIR */
    char model[4096];        /* --model FILE for jobs that run a model (segment), or "" */
    char device[8];          /* --device auto|cpu|cuda for jobs that run a model */
    char precision[16];      /* --precision f32|tf32|bf16|bf16-act: the GPU's arithmetic */
    int deterministic;       /* --deterministic: the GPU's deterministic algorithms only */
    int scales[SW_RUN_MAX_SCALES];  /* tile sides in pixels, e.g. 512, 2048 */
    int nscales;
    double overlap;          /* fraction of the side, [0, 0.5) */
    sw_blend blend;
    int reducers;            /* R >= 1 (clamped to the rank count) */
    int batch;               /* tile ids per scheduler reply */
    int threads;             /* tiles a worker processes at once (0: the rank's share of the cores) */
    int block;               /* output block side (multiple of 512) */
    int bands[SW_RUN_MAX_BANDS];   /* --bands: the bands a tile read delivers (1-based) */
    int nbands;              /* 0: the input's default R, G, B (io/raster.h) */
    int bands_from_model;    /* 1: bands[] are the ones the model was trained on, not --bands */
    int resume;
    int cog;                 /* also write DIR/mask.cog.tif */
    int keep_tiles;          /* keep DIR/tiles/T.bin after the blocks they touch are written */
    int64_t kill_after;      /* test only: rank 0 SIGKILLs itself after this many journal appends (0: off) */
    int64_t fail_tile;       /* test only: this tile id fails on every attempt (-1: off) */
} sw_run_config;

/* "crop" / "mean" / "linear" / "cosine" <-> sw_blend; -1 for an unknown name. */
int sw_blend_parse(const char *name);
const char *sw_blend_name(sw_blend b);

#endif
