/* model.h5 (io/checkpoint.h): a save-load round trip is bit-exact (parameters, running
 * statistics, optimizer state, metadata, history); bad files fail with an error naming the file
 * and both values: another architecture, another channel count, a newer version, a missing
 * dataset, a truncated file, a missing file. Leaves model_ckpt_test.h5 in the working folder for
 * tests/unit/model_h5_layout.sh (h5dump -H). */
#include "io/checkpoint.h"
#include "io/h5.h"
#include "src/core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "tests/unit/check.h"

static int make(nn_model *m, const char *arch, int in_ch, int classes, int depth, int width,
                int n_state) {
    nn_model_config cfg;
    if (nn_model_config_init(&cfg, arch, in_ch, classes) != SW_OK) return 0;
    cfg.depth = depth, cfg.width = width;
    if (nn_model_create(m, &cfg, n_state) != SW_OK) {
        printf("FAIL create %s: %s\n", arch, sw_errmsg());
        failures++;
        return 0;
    }
    return 1;
}

static void fill_meta(sw_ckpt_meta *meta, const nn_model *m, sw_ckpt_epoch *hist,
                      char (*names)[SW_CKPT_CLASS_NAME]) {
    memset(meta, 0, sizeof *meta);
    meta->cfg = m->cfg;
    meta->tile_h = 256, meta->tile_w = 192;
    for (int c = 0; c < m->cfg.in_ch; c++) meta->mean[c] = 0.1f * c + 0.3f,
                                           meta->std[c] = 0.05f * c + 0.2f,
                                           meta->bands[c] = m->cfg.in_ch - c;
    meta->class_names = names;
    snprintf(meta->optimizer, sizeof meta->optimizer, "adamw");
    meta->step = 17;
    meta->nhistory = 3;
    meta->history = hist;
}

/* the failure must be an error whose message contains every string given */
static void expect_error(sw_status st, const char *what, const char *a, const char *b,
                         const char *c) {
    const char *msg = sw_errmsg();
    CHECK(st != SW_OK, "%s: loaded without an error", what);
    if (st == SW_OK) return;
    CHECK(strstr(msg, a) && (!b || strstr(msg, b)) && (!c || strstr(msg, c)),
          "%s: message '%s' lacks '%s' / '%s' / '%s'", what, msg, a, b ? b : "", c ? c : "");
    printf("ok   %-26s error: %s\n", what, msg);
}

int main(void) {
    sw_log_set_level(0);
    const char *path = "model_ckpt_test.h5";
    nn_model a, b;
    if (!make(&a, "unet", 3, 4, 3, 8, 2)) return 1;
    nn_model_init_weights(&a, 42);
    nn_param_set *ps = &a.net.params;
    for (int s = 0; s < 2; s++) /* the tensors' state (the arena's padding stays zero) */
        for (int i = 0; i < ps->count; i++)
            for (size_t j = 0; j < nn_tensor_numel(&ps->params[i]); j++)
                nn_param_set_state(ps, s)[ps->offset[i] + j] = (float)(i + j + s) * 1e-3f - 0.5f;
    for (int i = 0; i < a.net.buffers.count; i++)
        ((float *)a.net.buffers.params[i].data)[0] = 0.25f + (float)i;
    sw_ckpt_epoch hist[3] = {{1, 0.1f, 2.0f, 2.1f, 0.3f}, {2, 0.05f, 1.5f, 1.7f, 0.4f},
                             {3, 0.01f, 1.2f, 1.6f, 0.45f}};
    char names[4][SW_CKPT_CLASS_NAME] = {"background", "cloud", "shadow", "stripe noise"};
    sw_ckpt_meta meta;
    fill_meta(&meta, &a, hist, names);
    sw_status st = sw_checkpoint_save(path, &a, &meta);
    CHECK(st == SW_OK, "save: %s", sw_errmsg());

    /* round trip: read the metadata, create from it, load, compare bit for bit */
    sw_ckpt_meta got;
    st = sw_checkpoint_read_meta(path, &got);
    CHECK(st == SW_OK, "read_meta: %s", sw_errmsg());
    if (st == SW_OK) {
        CHECK(strcmp(got.cfg.arch, "unet") == 0 && got.cfg.in_ch == 3 && got.cfg.classes == 4 &&
                  got.cfg.depth == 3 && got.cfg.width == 8,
              "config %s %d %d %d %d", got.cfg.arch, got.cfg.in_ch, got.cfg.classes,
              got.cfg.depth, got.cfg.width);
        CHECK(got.tile_h == 256 && got.tile_w == 192, "input size %d x %d", got.tile_h,
              got.tile_w);
        CHECK(memcmp(got.mean, meta.mean, 3 * sizeof(float)) == 0 &&
                  memcmp(got.std, meta.std, 3 * sizeof(float)) == 0, "normalization differs");
        CHECK(got.bands[0] == 3 && got.bands[1] == 2 && got.bands[2] == 1, "bands %d,%d,%d", got.bands[0],
              got.bands[1], got.bands[2]);
        CHECK(strcmp(got.class_names[3], "stripe noise") == 0, "class 3 '%s'",
              got.class_names[3]);
        CHECK(strcmp(got.optimizer, "adamw") == 0 && got.step == 17, "optimizer %s step %d",
              got.optimizer, got.step);
        CHECK(got.nhistory == 3 && memcmp(got.history, hist, sizeof hist) == 0,
              "history differs (%d rows)", got.nhistory);
        if (make(&b, got.cfg.arch, got.cfg.in_ch, got.cfg.classes, got.cfg.depth,
                 got.cfg.width, 2)) {
            st = sw_checkpoint_load(path, &b, 1);
            CHECK(st == SW_OK, "load: %s", sw_errmsg());
            CHECK(memcmp(a.net.params.param_memory, b.net.params.param_memory,
                         ps->numel * sizeof(float)) == 0, "parameters differ");
            CHECK(memcmp(a.net.buffers.param_memory, b.net.buffers.param_memory,
                         a.net.buffers.numel * sizeof(float)) == 0, "running statistics differ");
            CHECK(memcmp(a.net.params.state_memory, b.net.params.state_memory,
                         2 * ps->numel * sizeof(float)) == 0, "optimizer state differs");
            printf("ok   round trip bit-exact: %d parameter tensors (%zu values), %d buffers, "
                   "2 optimizer states, %d history rows\n", ps->count, nn_model_param_count(&a),
                   a.net.buffers.count, got.nhistory);
            nn_model_free(&b);
        }
        sw_ckpt_meta_free(&got);
    }

    /* another architecture */
    if (make(&b, "resnet18-cls", 3, 4, 18, 4, 0)) {
        expect_error(sw_checkpoint_load(path, &b, 0), "another architecture", path,
                     "'unet' in the file", "'resnet18-cls' expected");
        nn_model_free(&b);
    }
    /* another channel count */
    if (make(&b, "unet", 4, 4, 3, 8, 0)) {
        expect_error(sw_checkpoint_load(path, &b, 0), "channel mismatch", path,
                     "input channels 3 in the file, 4 expected", NULL);
        nn_model_free(&b);
    }
    /* a newer version */
    {
        const char *newer = "model_ckpt_newer.h5";
        sw_h5_id f;
        if (sw_h5_create(&f, newer, "model", SW_MODEL_VERSION + 1) == SW_OK) {
            sw_h5_close(f, newer);
            sw_ckpt_meta m2;
            expect_error(sw_checkpoint_read_meta(newer, &m2), "newer version", newer, "2", NULL);
        } else {
            CHECK(0, "cannot write %s: %s", newer, sw_errmsg());
        }
    }
    /* a missing dataset: save under a changed tensor name, load into the true model */
    {
        const char *miss = "model_ckpt_missing.h5";
        const char *keep = ps->params[1].name;
        ps->params[1].name = "renamed";
        st = sw_checkpoint_save(miss, &a, &meta);
        ps->params[1].name = keep;
        CHECK(st == SW_OK, "save: %s", sw_errmsg());
        if (make(&b, "unet", 3, 4, 3, 8, 0)) {
            expect_error(sw_checkpoint_load(miss, &b, 0), "missing dataset", miss, keep, NULL);
            nn_model_free(&b);
        }
    }
    /* a truncated file */
    {
        const char *trunc = "model_ckpt_truncated.h5";
        FILE *in = fopen(path, "rb"), *out = fopen(trunc, "wb");
        if (in && out) {
            fseek(in, 0, SEEK_END);
            const long size = ftell(in);
            fseek(in, 0, SEEK_SET);
            char *buf = malloc((size_t)size);
            if (buf && fread(buf, 1, (size_t)size, in) == (size_t)size)
                fwrite(buf, 1, (size_t)size / 2, out);
            free(buf);
        }
        if (in) fclose(in);
        if (out) fclose(out);
        if (make(&b, "unet", 3, 4, 3, 8, 0)) {
            expect_error(sw_checkpoint_load(trunc, &b, 0), "truncated file", trunc, NULL, NULL);
            nn_model_free(&b);
        }
    }
    /* a missing file */
    if (make(&b, "unet", 3, 4, 3, 8, 0)) {
        expect_error(sw_checkpoint_load("no_such_model.h5", &b, 0), "missing file",
                     "no_such_model.h5", NULL, NULL);
        nn_model_free(&b);
    }
    nn_model_free(&a);
    printf("%s: %d failures\n", failures ? "FAILED" : "overall okay", failures);
    return failures ? 1 : 0;
}
