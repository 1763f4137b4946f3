/* Chips mode of `swath eval` (see eval_chips.h): calls src/metrics/chips_eval, prints the table and
 * writes the JSON. */
#include "src/cli/eval_chips.h"

#include "src/cli/cli.h"
#include "src/core/fsutil.h"
#include "src/metrics/chips_eval.h"
#include "src/core/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void num(FILE *f, double v, int json) {
    if (isnan(v)) fprintf(f, json ? "null" : "     -");
    else fprintf(f, json ? "%.9g" : "%6.4f", v);
}

static void print_table(const sw_chips_eval_result *r, const sw_chips_eval_opts *o) {
    printf("chips: %s (%s, %lld chips, scored %d x %d at the centre)\nmodel: %s (%s)\n\n", o->chips,
           o->split == SW_SPLIT_VAL ? "val" : "train", r->chips, r->crop_h, r->crop_w, o->model, r->arch);
    printf("%-3s %-24s %12s %12s %6s %6s %6s %6s %8s\n", "id", "class", "truth_px", "pred_px", "IoU", "F1", "prec",
           "recall", "label_F1");
    for (int k = 0; k < r->K; k++) {
        sw_mscore s = {0};
        if (!r->classify) sw_mconf_score(&r->conf, k, &s);
        printf("%-3d %-24s ", k, r->names[k]);
        if (r->classify) printf("%12s %12s %6s %6s %6s %6s ", "-", "-", "-", "-", "-", "-");
        else {
            printf("%12lld %12lld ", (long long)s.truth_px, (long long)s.pred_px);
            num(stdout, s.iou, 0), putchar(' '), num(stdout, s.f1, 0), putchar(' ');
            num(stdout, s.precision, 0), putchar(' '), num(stdout, s.recall, 0), putchar(' ');
        }
        printf("  ");
        num(stdout, k > 0 ? sw_mlabel_f1(&r->ml, k - 1) : NAN, 0);
        putchar('\n');
    }
    if (!r->classify) {
        printf("\npixel accuracy ");
        num(stdout, sw_mconf_accuracy(&r->conf), 0);
        printf(", mIoU ");
        num(stdout, sw_mconf_miou(&r->conf, 0), 0);
        printf(", mIoU without background ");
        num(stdout, sw_mconf_miou(&r->conf, 1), 0);
        printf("\nignored pixels (255): %lld\n", (long long)r->conf.ignored);
    }
    int nf;
    double mf = sw_mlabel_macro_f1(&r->ml, 0, &nf);
    printf("%smulti-label (classes 1..%d, %s): accuracy (exact match) ", r->classify ? "\n" : "", r->K - 1,
           r->classify ? "logits > 0" : "classes present in the prediction");
    num(stdout, sw_mlabel_accuracy(&r->ml), 0);
    printf(", macro F1 ");
    num(stdout, mf, 0);
    printf(" (over %d classes)\n", nf);
}

static void write_json(FILE *f, const sw_chips_eval_result *r, const sw_chips_eval_opts *o) {
    fprintf(f, "{\"chips\": ");
    sw_json_str(f, o->chips);
    fprintf(f, ", \"model\": ");
    sw_json_str(f, o->model);
    fprintf(f, ", \"arch\": ");
    sw_json_str(f, r->arch);
    fprintf(f, ", \"split\": \"%s\", \"n_chips\": %lld, \"crop\": [%d, %d], \"task\": \"%s\",\n \"classes\": [",
            o->split == SW_SPLIT_VAL ? "val" : "train", r->chips, r->crop_h, r->crop_w,
            r->classify ? "classify" : "segment");
    for (int k = 0; k < r->K; k++) {
        fprintf(f, "%s\n  {\"id\": %d, \"name\": ", k ? "," : "", k);
        sw_json_str(f, r->names[k]);
        if (!r->classify) {
            sw_mscore s;
            sw_mconf_score(&r->conf, k, &s);
            fprintf(f, ", \"truth_px\": %lld, \"pred_px\": %lld, \"tp\": %lld, \"fp\": %lld, \"fn\": %lld, \"iou\": ",
                    (long long)s.truth_px, (long long)s.pred_px, (long long)s.tp, (long long)s.fp, (long long)s.fn);
            num(f, s.iou, 1), fprintf(f, ", \"f1\": "), num(f, s.f1, 1);
            fprintf(f, ", \"precision\": "), num(f, s.precision, 1), fprintf(f, ", \"recall\": "), num(f, s.recall, 1);
        }
        fprintf(f, ", \"label_f1\": ");
        num(f, k > 0 ? sw_mlabel_f1(&r->ml, k - 1) : NAN, 1);
        if (k > 0)
            fprintf(f, ", \"label_tp\": %lld, \"label_fp\": %lld, \"label_fn\": %lld", (long long)r->ml.tp[k - 1],
                    (long long)r->ml.fp[k - 1], (long long)r->ml.fn[k - 1]);
        fputc('}', f);
    }
    fprintf(f, "\n ]");
    if (!r->classify) {
        fprintf(f, ",\n \"pixel_accuracy\": ");
        num(f, sw_mconf_accuracy(&r->conf), 1);
        fprintf(f, ", \"miou\": ");
        num(f, sw_mconf_miou(&r->conf, 0), 1);
        fprintf(f, ", \"miou_no_background\": ");
        num(f, sw_mconf_miou(&r->conf, 1), 1);
        fprintf(f, ", \"ignored\": %lld,\n \"confusion\": [", (long long)r->conf.ignored);
        for (int t = 0; t < r->K; t++) {
            fprintf(f, "%s\n  [", t ? "," : "");
            for (int p = 0; p < r->K; p++) fprintf(f, "%s%lld", p ? ", " : "", (long long)r->conf.m[(size_t)t * r->K + p]);
            fputc(']', f);
        }
        fprintf(f, "\n ]");
    }
    fprintf(f, ",\n \"multilabel_accuracy\": ");
    num(f, sw_mlabel_accuracy(&r->ml), 1);
    fprintf(f, ", \"macro_f1\": ");
    num(f, sw_mlabel_macro_f1(&r->ml, 0, NULL), 1);
    fprintf(f, ", \"multilabel_samples\": %lld, \"multilabel_exact\": %lld}\n", (long long)r->ml.samples,
            (long long)r->ml.exact);
}

static sw_status write_json_file(const char *path, const sw_chips_eval_result *r, const sw_chips_eval_opts *o) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return sw_fail(SW_ERR_OUTPUT, "cannot write '%s'", tmp);
    write_json(f, r, o);
    if (fclose(f) != 0) {
        unlink(tmp);
        return sw_fail(SW_ERR_OUTPUT, "cannot write '%s' (disk full?)", tmp);
    }
    sw_status st = sw_rename_durable(tmp, path);
    if (st) unlink(tmp);
    return st;
}

int sw_cmd_eval_chips(const sw_args *a) {
    sw_chips_eval_opts o = {0};
    o.chips = sw_args_str(a, "chips");
    o.model = sw_args_str(a, "model");
    if (a->npos) return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath eval: unexpected argument '%s'", a->pos[0]));
    if (!o.chips || !o.model)
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath eval: --chips and --model go together (see swath eval --help)"));
    if (sw_args_str(a, "mask") || sw_args_str(a, "truth"))
        return sw_cli_report(sw_fail(SW_ERR_USAGE, "swath eval: --chips does not take --mask / --truth"));
    const char *split = sw_args_str(a, "split"), *norm = sw_args_str(a, "norm");
    if (!strcmp(split, "val")) o.split = SW_SPLIT_VAL;
    else if (!strcmp(split, "train")) o.split = SW_SPLIT_TRAIN;
    else return sw_cli_report(sw_fail(SW_ERR_USAGE, "--split '%s': expected train or val", split));
    if (!strcmp(norm, "chips")) o.norm_from_chips = 1;
    else if (strcmp(norm, "model") != 0) return sw_cli_report(sw_fail(SW_ERR_USAGE, "--norm '%s': expected model or chips", norm));
    const char *jf = sw_args_str(a, "json-file");
    sw_status st = sw_check_not_input(jf, "--json-file", o.chips, "--chips");
    if (!st) st = sw_check_not_input(jf, "--json-file", o.model, "--model");
    if (st) return sw_cli_report(st);
    int64_t v;
    st = sw_args_int(a, "batch", 1, 4096, &v);
    o.batch = (int)v;
    if (!st && sw_args_str(a, "limit") && !(st = sw_args_int(a, "limit", 1, INT64_MAX, &v))) o.limit = v;
    if (st) return sw_cli_report(st);
    sw_chips_eval_result r;
    if ((st = sw_chips_eval(&o, &r))) return sw_cli_report(st);
    if (sw_args_flag(a, "json")) write_json(stdout, &r, &o);
    else print_table(&r, &o);
    if (jf) st = write_json_file(jf, &r, &o);
    sw_chips_eval_result_free(&r);
    return sw_cli_report(st);
}
