/* `swath eval --mask MASK.tif --truth TRUTH.tif [--json]`: per-class IoU, precision and recall of
 * a predicted class mask against a truth mask; `swath eval --chips chips.h5 --model model.h5`: a
 * model's metrics on a chips split (eval_chips.c). Parses flags, calls src/metrics, prints. */
#include "src/cli/args.h"
#include "src/cli/cli.h"
#include "src/cli/eval_chips.h"

#include "src/metrics/eval.h"
#include "src/core/json.h"

#include <math.h>
#include <stdio.h>

static const sw_opt eval_opts[] = {
    {"mask", "FILE", NULL, "predicted class mask (Byte, 0..10, 255 outside the footprint); required"},
    {"truth", "FILE", NULL, "truth class mask on the same grid (e.g. truth.tif of swath synth defects); required"},
    {"json", NULL, NULL, "print the scores as JSON"},
    {"chips", "FILE", NULL, "chips mode: the chips.h5 to score the model on (swath dataset build)"},
    {"model", "FILE", NULL, "chips mode: the model.h5 (swath train); required with --chips"},
    {"split", "train|val", "val", "chips mode: the split scored"},
    {"batch", "N", "8", "chips mode: chips per forward pass"},
    {"limit", "N", NULL, "chips mode: score only the first N chips"},
    {"norm", "model|chips", "model", "chips mode: whose mean / std normalize the input"},
    {"json-file", "FILE", NULL, "chips mode: also write the metrics as JSON to FILE (atomically)"},
    {0},
};

static void num(double v, int json) {
    if (isnan(v)) printf(json ? "null" : "     -");
    else printf(json ? "%.9g" : "%6.4f", v);
}

static void print_table(const sw_confusion *c, const char *mask, const char *truth) {
    printf("mask:  %s\ntruth: %s\n\n", mask, truth);
    printf("%-3s %-24s %12s %12s %12s %12s %12s %6s %6s %6s\n", "id", "class", "truth_px", "pred_px", "tp", "fp", "fn",
           "IoU", "prec", "recall");
    for (int k = 0; k < SW_NCLASSES; k++) {
        sw_class_score s;
        sw_confusion_score(c, k, &s);
        printf("%-3d %-24s %12lld %12lld %12lld %12lld %12lld ", k, sw_class_name(k), (long long)s.truth_px,
               (long long)s.pred_px, (long long)s.tp, (long long)s.fp, (long long)s.fn);
        num(s.iou, 0);
        putchar(' ');
        num(s.precision, 0);
        putchar(' ');
        num(s.recall, 0);
        putchar('\n');
    }
    int64_t nopred = 0;
    for (int t = 0; t < SW_NCLASSES; t++) nopred += c->m[t][SW_CONF_NOPRED];
    printf("\npixel accuracy ");
    num(sw_confusion_accuracy(c), 0);
    printf(", mean IoU of defect classes ");
    num(sw_confusion_miou(c), 0);
    printf("\nignored (truth nodata): %lld, truth values out of range: %lld, no prediction: %lld\n",
           (long long)c->ignored, (long long)c->bad_truth, (long long)nopred);
}

static void print_json(const sw_confusion *c, const char *mask, const char *truth) {
    printf("{\"mask\": ");
    sw_json_str(stdout, mask);
    printf(", \"truth\": ");
    sw_json_str(stdout, truth);
    printf(",\n \"classes\": [");
    for (int k = 0; k < SW_NCLASSES; k++) {
        sw_class_score s;
        sw_confusion_score(c, k, &s);
        printf("%s\n  {\"id\": %d, \"name\": \"%s\", \"truth_px\": %lld, \"pred_px\": %lld, \"tp\": %lld, \"fp\": %lld, "
               "\"fn\": %lld, \"iou\": ", k ? "," : "", k, sw_class_name(k), (long long)s.truth_px, (long long)s.pred_px,
               (long long)s.tp, (long long)s.fp, (long long)s.fn);
        num(s.iou, 1);
        printf(", \"precision\": ");
        num(s.precision, 1);
        printf(", \"recall\": ");
        num(s.recall, 1);
        putchar('}');
    }
    printf("\n ],\n \"accuracy\": ");
    num(sw_confusion_accuracy(c), 1);
    printf(", \"miou\": ");
    num(sw_confusion_miou(c), 1);
    printf(", \"ignored\": %lld, \"bad_truth\": %lld,\n \"confusion\": [", (long long)c->ignored,
           (long long)c->bad_truth);
    for (int t = 0; t < SW_NCLASSES; t++) {
        printf("%s\n  [", t ? "," : "");
        for (int p = 0; p < SW_CONF_COLS; p++) printf("%s%lld", p ? ", " : "", (long long)c->m[t][p]);
        putchar(']');
    }
    printf("\n ]}\n");
}

int sw_cmd_eval(int argc, char **argv) {
    sw_args a;
    int st = sw_args_parse(&a, "eval", eval_opts, argc, argv);
    if (st) return sw_cli_report(st);
    if (a.help) {
        sw_args_print_help(&a, "--mask MASK.tif --truth TRUTH.tif [--json]\n"
                           "   or: swath eval --chips chips.h5 --model model.h5 [--split val] [--json-file out.json]",
                           "Scores a predicted class mask against a truth mask, pixel by pixel, over the\n"
                           "pixels where the truth is valid (not nodata, not 255): per class the pixel\n"
                           "counts, IoU, precision and recall; a prediction of 255 / nodata there counts\n"
                           "as a miss. The rasters must share size and geotransform. Columns of the\n"
                           "JSON confusion matrix: predicted 0..10, then 'no prediction'.\n\n"
                           "Chips mode runs the model (eval mode) over a chips split in batches and\n"
                           "prints per-class IoU, F1, precision, recall, pixel accuracy and mIoU (seed\n"
                           "002) for a segmentation model, and the multi-label accuracy (exact match)\n"
                           "and macro F1 (seed 003, Table 3) of every model: a classifier's logits > 0,\n"
                           "a segmentation model's classes present. Class 0 (background) is left out\n"
                           "of the multi-label scores; chips are cropped at the centre to the model's\n"
                           "size multiple.");
        return 0;
    }
    if (sw_args_str(&a, "chips") || sw_args_str(&a, "model")) return sw_cmd_eval_chips(&a);
    const char *mask = sw_args_str(&a, "mask"), *truth = sw_args_str(&a, "truth");
    if (a.npos) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath eval: unexpected argument '%s'", a.pos[0]));
    if (!mask || !truth)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath eval: --mask and --truth are required (see swath eval --help)"));
    sw_confusion c;
    if ((st = sw_eval_masks(mask, truth, &c))) return sw_cli_report(st);
    if (sw_args_flag(&a, "json")) print_json(&c, mask, truth);
    else print_table(&c, mask, truth);
    return 0;
}
