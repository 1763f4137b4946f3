/* The reducer role: owns the output blocks b with b mod R = its index; counts the ready tiles
 * touching each (the plan knows how many there are) and reduces a block (src/run/block.c) as soon
 * as its last tile is ready. It holds no pixels between blocks: a block is blended from the
 * durable tile results when it is complete, then written and freed. Blocks already on disk (a
 * resumed run) are skipped. It expects exactly one READY message per tile touching its blocks, or,
 * when the run is stopping, as many as SW_TAG_FINISH says were sent (protocol.h). */
#include "mpi/protocol.h"
#include "mpi/roles.h"

#include "src/core/log.h"
#include "src/run/results.h"

#include <stdlib.h>
#include <string.h>

struct sw_reducer {
    sw_run_ctx *c;
    sw_outbox *out;
    uint8_t *tile_status;     /* (ntiles) as told by the master */
    uint32_t *need, *have;    /* (nblocks) tiles touching the block; ready so far */
    uint8_t *written;         /* (nblocks) */
    sw_block_scratch *scratch;
    int64_t expected, received, pending;
    int announced;
    int32_t nannounced;       /* SW_TAG_BLOCK messages sent */
    int finishing;            /* SW_TAG_FINISH received: `expected` is its count */
};

static int owns(const sw_reducer *r, int bx, int by) {
    return sw_run_block_owner(r->c, bx, by) == r->c->reducer_index;
}

static sw_status announce_block(sw_reducer *r, int bx, int by) {
    sw_msg_block m = {bx, by};
    r->nannounced++;
    return sw_outbox_send(r->out, &m, sizeof m, 0, SW_TAG_BLOCK);
}

static sw_status reduce(sw_reducer *r, int bx, int by) {
    sw_status st = sw_block_reduce(r->c, r->scratch, bx, by, r->tile_status);
    if (!st) st = announce_block(r, bx, by);
    if (st) return st;
    r->written[(size_t)by * r->c->plan.nbx + bx] = 1;
    r->pending--;
    r->c->blocks_written++;
    return SW_OK;
}

sw_status sw_reducer_init(sw_reducer **out, sw_run_ctx *c, sw_outbox *o) {
    const sw_plan *p = &c->plan;
    size_t nb = (size_t)p->nbx * p->nby;
    sw_reducer *r = sw_calloc(1, sizeof *r, "the reducer");
    if (!r) return SW_ERR_RUNTIME;
    r->c = c, r->out = o;
    r->tile_status = sw_calloc((size_t)p->ntiles + 1, 1, "tile states");
    r->need = sw_malloc(sizeof *r->need * nb, "block contributor counts");
    r->have = sw_calloc(nb, sizeof *r->have, "block ready counts");
    r->written = sw_calloc(nb, 1, "block states");
    *out = r;
    if (!r->tile_status || !r->need || !r->have || !r->written) return SW_ERR_RUNTIME;
    sw_status st0 = sw_block_scratch_new(&r->scratch, c);
    if (st0) return st0;
    sw_plan_block_contributors(p, r->need);
    for (int64_t i = 0; i < p->ntiles; i++) {
        int bx0, by0, bx1, by1, mine = 0;
        sw_plan_tile_blocks(p, &p->tiles[i], &bx0, &by0, &bx1, &by1);
        for (int by = by0; by <= by1 && !mine; by++)
            for (int bx = bx0; bx <= bx1 && !mine; bx++) mine = owns(r, bx, by);
        r->expected += mine;
    }
    for (int by = 0; by < p->nby; by++)
        for (int bx = 0; bx < p->nbx; bx++) {
            if (!owns(r, bx, by)) continue;
            size_t b = (size_t)by * p->nbx + bx;
            sw_status st;
            if (!sw_block_exists(c->cfg->out, bx, by)) r->pending++;
            else if ((st = announce_block(r, bx, by))) return st;
            else r->written[b] = 1;
        }
    /* Blocks no tile touches (outside the footprint) are written now: all 255. */
    for (int by = 0; by < p->nby; by++)
        for (int bx = 0; bx < p->nbx; bx++) {
            size_t b = (size_t)by * p->nbx + bx;
            sw_status st;
            if (owns(r, bx, by) && !r->written[b] && r->need[b] == 0 && (st = reduce(r, bx, by))) return st;
        }
    return SW_OK;
}

sw_status sw_reducer_step(sw_reducer *r, int *busy) {
    const sw_plan *p = &r->c->plan;
    MPI_Status s;
    int flag;
    sw_status st;
    *busy = 0;
    for (;;) {
        MPI_Iprobe(0, SW_TAG_READY, MPI_COMM_WORLD, &flag, &s);
        if (!flag) break;
        sw_msg_ready m;
        MPI_Recv(&m, sizeof m, MPI_BYTE, 0, SW_TAG_READY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        *busy = 1;
        r->received++;
        if (m.tile >= p->ntiles) continue;
        r->tile_status[m.tile] = (uint8_t)m.status;
        int bx0, by0, bx1, by1;
        sw_plan_tile_blocks(p, &p->tiles[m.tile], &bx0, &by0, &bx1, &by1);
        for (int by = by0; by <= by1; by++)
            for (int bx = bx0; bx <= bx1; bx++) {
                size_t b = (size_t)by * p->nbx + bx;
                if (!owns(r, bx, by) || r->written[b]) continue;
                if (++r->have[b] == r->need[b] && (st = reduce(r, bx, by))) return st;
            }
    }
    if (!r->finishing) {
        MPI_Iprobe(0, SW_TAG_FINISH, MPI_COMM_WORLD, &flag, &s);
        if (flag) {
            sw_msg_finish f;
            MPI_Recv(&f, sizeof f, MPI_BYTE, 0, SW_TAG_FINISH, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            r->finishing = 1, r->expected = f.ready;
            r->c->stop_sig = f.sig;
            *busy = 1;
        }
    }
    if (!r->announced && r->received == r->expected) {
        if (r->pending != 0 && !r->finishing)
            return sw_fail(SW_ERR_RUNTIME, "reducer rank %d: all tiles are ready but %lld blocks are not written",
                           r->c->rank, (long long)r->pending);
        sw_msg_reduced q = {(int32_t)r->c->blocks_written, r->nannounced, sw_peak_rss_kb()};
        if ((st = sw_outbox_send(r->out, &q, sizeof q, 0, SW_TAG_REDUCED))) return st;
        r->announced = 1;
        *busy = 1;
    }
    return SW_OK;
}

int sw_reducer_done(const sw_reducer *r) { return r->announced; }

void sw_reducer_free(sw_reducer *r) {
    if (!r) return;
    free(r->tile_status), free(r->need), free(r->have), free(r->written);
    sw_block_scratch_free(r->scratch);
    free(r);
}
