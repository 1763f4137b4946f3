/* `swath model summary --arch A [--in-ch C --classes K --tile T ...]` or `swath model summary
 * MODEL.h5`: the layers of a model (output shape, parameters, forward MFLOP), its parameter
 * count, activation memory and GFLOP per tile. Parses flags, calls src/nn/models, prints. */
#include "src/cli/args.h"
#include "src/cli/cli.h"

#include "io/checkpoint.h"
#include "src/nn/models/model.h"

#include <stdio.h>
#include <string.h>

static const sw_opt summary_opts[] = {
    {"arch", "NAME", NULL, "unet, resnet{18,34,50}-seg or resnet{18,34,50}-cls (or give a model.h5)"},
    {"in-ch", "C", "3", "input channels"},
    {"classes", "K", "11", "classes (segmentation) or labels (classification)"},
    {"tile", "T", "512", "input tile size, T or WxH (a multiple of 32; UNet: of 2^(depth-1))"},
    {"depth", "D", NULL, "unet levels (default 4) or resnet depth (18, 34, 50: from the name)"},
    {"width", "W", NULL, "unet first width (default 32) or resnet stem width (default 64)"},
    {"batch", "N", "1", "images per batch for the memory and FLOP figures"},
    {"layers", NULL, NULL, "list every layer (default: only the totals per block type)"},
    {0},
};

static int summary_help(const sw_args *a) {
    sw_args_print_help(a, "--arch NAME [--in-ch C] [--classes K] [--tile T] | MODEL.h5",
                       "Describes a model of the engine: every layer's output shape, parameters and\n"
                       "forward MFLOP (with --layers), then the parameter count, the activation\n"
                       "memory of inference (forward arena) and of a training step (forward and\n"
                       "gradient arenas) and the GFLOP per batch (training: about 3x the forward).\n"
                       "Parameter counts equal PyTorch's (tests/ref/nn_models_ref.py).");
    return 0;
}

static int cmd_summary(int argc, char **argv) {
    sw_args a;
    int st = sw_args_parse(&a, "model summary", summary_opts, argc, argv);
    if (st) return sw_cli_report(st);
    if (a.help) return summary_help(&a);
    nn_model_config cfg;
    int64_t tw = 512, th = 512, batch = 1, v;
    if (a.npos > 1)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath model summary: unexpected argument '%s'", a.pos[1]));
    if (a.npos == 1) {
        sw_ckpt_meta meta;
        if ((st = sw_checkpoint_read_meta(a.pos[0], &meta))) return sw_cli_report(st);
        cfg = meta.cfg;
        if (meta.tile_w > 0 && meta.tile_h > 0) tw = meta.tile_w, th = meta.tile_h;
        printf("model:  %s (optimizer %s, step %d, %d epochs of history)\n", a.pos[0],
               meta.optimizer[0] ? meta.optimizer : "none", meta.step, meta.nhistory);
        sw_ckpt_meta_free(&meta);
    } else {
        const char *arch = sw_args_str(&a, "arch");
        if (!arch)
            return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath model summary: --arch or a model.h5 is required"));
        int64_t in_ch = 3, classes = 11;
        if ((st = sw_args_int(&a, "in-ch", 1, 1024, &in_ch)) || (st = sw_args_int(&a, "classes", 1, 254, &classes)))
            return sw_cli_report(st);
        if ((st = nn_model_config_init(&cfg, arch, (int)in_ch, (int)classes))) return sw_cli_report(st);
        if (sw_args_str(&a, "depth")) {
            if ((st = sw_args_int(&a, "depth", 2, 50, &v))) return sw_cli_report(st);
            cfg.depth = (int)v;
        }
        if (sw_args_str(&a, "width")) {
            if ((st = sw_args_int(&a, "width", 1, 1024, &v))) return sw_cli_report(st);
            cfg.width = (int)v;
        }
    }
    if (sw_args_str(&a, "tile") && (st = sw_args_size(&a, "tile", 32, 65536, &tw, &th))) return sw_cli_report(st);
    if ((st = sw_args_int(&a, "batch", 1, 4096, &batch))) return sw_cli_report(st);
    nn_model m;
    if ((st = nn_model_create(&m, &cfg, 0))) return sw_cli_report(st);
    m.net.rows_wanted = 1;
    if ((st = nn_model_plan(&m, (int)batch, (int)th, (int)tw))) {
        nn_model_free(&m);
        return sw_cli_report(st);
    }
    printf("arch:   %s (depth %d, width %d), %d input channels, %d %s\n", cfg.arch, cfg.depth, cfg.width,
           cfg.in_ch, cfg.classes, m.task == NN_TASK_SEGMENT ? "classes (per pixel)" : "labels (per image)");
    printf("input:  batch %lld of %lld x %lld x %d (H x W x C)\n\n", (long long)batch, (long long)th,
           (long long)tw, cfg.in_ch);
    const nn_net *n = &m.net;
    if (sw_args_flag(&a, "layers")) {
        printf("%-30s %-15s %-22s %12s %12s\n", "layer", "type", "output NxHxWxC", "params", "MFLOP");
        for (int i = 0; i < n->nrows; i++) {
            const nn_layer_row *r = &n->rows[i];
            char shape[48];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", r->shape[0], r->shape[1], r->shape[2], r->shape[3]);
            printf("%-30s %-15s %-22s %12zu %12.1f\n", r->name, r->type, shape, r->params, r->flops * 1e-6);
        }
        printf("\n");
    } else { /* totals per layer type */
        const char *types[16];
        size_t cnt[16] = {0}, par[16] = {0};
        double fl[16] = {0};
        int nt = 0;
        for (int i = 0; i < n->nrows; i++) {
            int t = 0;
            while (t < nt && strcmp(types[t], n->rows[i].type) != 0) t++;
            if (t == nt && nt < 16) types[nt++] = n->rows[i].type;
            if (t < 16) cnt[t]++, par[t] += n->rows[i].params, fl[t] += n->rows[i].flops;
        }
        printf("%-15s %8s %12s %12s\n", "layer type", "count", "params", "GFLOP");
        for (int t = 0; t < nt; t++) printf("%-15s %8zu %12zu %12.3f\n", types[t], cnt[t], par[t], fl[t] * 1e-9);
        printf("\n");
    }
    const double fwd_mib = n->act_numel * 4.0 / (1 << 20);
    printf("parameters:          %zu (%.1f MiB f32; with gradients and Adam state %.1f MiB)\n",
           nn_model_param_count(&m), nn_model_param_count(&m) * 4.0 / (1 << 20),
           nn_model_param_count(&m) * 16.0 / (1 << 20));
    printf("activations:         %.1f MiB forward arena, %.1f MiB for a training step (+ gradients)\n", fwd_mib,
           2 * fwd_mib);
    printf("compute:             %.2f GFLOP forward, about %.2f GFLOP per training step\n", n->flops * 1e-9,
           3 * n->flops * 1e-9);
    nn_model_free(&m);
    return 0;
}

int sw_cmd_model(int argc, char **argv) {
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        printf("usage: swath model summary --arch NAME [--in-ch C] [--classes K] [--tile T] | MODEL.h5\n\n"
               "The engine's models (src/nn/models): unet, resnet18-seg, resnet34-seg, resnet50-seg (seed 002:\n"
               "ResNet encoder + deconvolution decoder), resnet18-cls, resnet34-cls, resnet50-cls (multi-label\n"
               "classifier).\n"
               "  summary   layers, parameter count, activation memory and GFLOP per tile\n");
        return argc < 1 ? sw_cli_report(sw_fail(SW_ERR_USAGE, "swath model: which verb? (see swath model --help)")) : 0;
    }
    if (!strcmp(argv[0], "summary")) return cmd_summary(argc - 1, argv + 1);
    return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath model: unknown verb '%s' (see swath model --help)", argv[0]));
}
