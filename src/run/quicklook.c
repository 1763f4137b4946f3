/* Quicklook composition (see quicklook.h): blend, legend and a 5x7 bitmap font. */
#include "src/run/quicklook.h"

#include "jobs/defect_classes.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const uint8_t sw_quicklook_palette[11][3] = {
    {0, 0, 0},       {0, 200, 255}, {128, 0, 255},  {255, 128, 0}, {255, 0, 255},   {255, 255, 0},
    {0, 255, 0},     {255, 0, 0},   {160, 82, 45},  {0, 0, 255},   {255, 105, 180},
};

enum { GLYPH_W = 5, GLYPH_H = 7, ADV = 6, ROW_H = 11, PAD = 3, SWATCH = 9, ENTRY_W = SWATCH + 4 + 25 * ADV + 10 };

/* Rows of 5 bits, the most significant bit on the left. */
static const uint8_t font_az[26][7] = {
    {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E},
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, {0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E},
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10},
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11},
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C},
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F},
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11},
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10},
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11},
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04},
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11},
    {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F},
};
static const uint8_t font_09[10][7] = {
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},
};

static const uint8_t *glyph(int c) {
    c = toupper(c);
    if (c >= 'A' && c <= 'Z') return font_az[c - 'A'];
    if (c >= '0' && c <= '9') return font_09[c - '0'];
    return NULL;   /* space, '_' and anything else: blank */
}

static void put(uint8_t *rgb, int w, int h, int x, int y, const uint8_t c[3]) {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    uint8_t *p = rgb + 3 * ((size_t)y * (size_t)w + (size_t)x);
    p[0] = c[0], p[1] = c[1], p[2] = c[2];
}

int sw_draw_text(uint8_t *rgb, int w, int h, int x, int y, const char *text, const uint8_t colour[3]) {
    int x0 = x;
    for (const char *s = text; *s; s++, x += ADV) {
        const uint8_t *g = glyph((unsigned char)*s);
        if (!g) continue;
        for (int r = 0; r < GLYPH_H; r++)
            for (int c = 0; c < GLYPH_W; c++)
                if (g[r] & (0x10 >> c)) put(rgb, w, h, x + c, y + r, colour);
    }
    return x - x0;
}

void sw_quicklook_size(int64_t W, int64_t H, int max_side, int *ow, int *oh) {
    if (max_side <= 0) max_side = 1024;
    int64_t L = W > H ? W : H;
    if (L <= max_side) {
        *ow = (int)W, *oh = (int)H;
        return;
    }
    double s = (double)max_side / (double)L;
    *ow = (int)fmax(1.0, round((double)W * s));
    *oh = (int)fmax(1.0, round((double)H * s));
}

static int legend_cols(int w) {
    int cols = w / ENTRY_W;
    return cols < 1 ? 1 : cols > 10 ? 10 : cols;
}

int sw_quicklook_legend_height(int w) {
    int cols = legend_cols(w), rows = (10 + cols - 1) / cols;
    return rows * ROW_H + 2 * PAD;
}

void sw_quicklook_mark(uint8_t *rgb, int w, int h, int cx, int cy, int cls) {
    if (cls < 1 || cls >= SW_NCLASSES) return;
    for (int d = -2; d <= 2; d++) {
        put(rgb, w, h, cx + d, cy - 2, sw_quicklook_palette[cls]), put(rgb, w, h, cx + d, cy + 2, sw_quicklook_palette[cls]);
        put(rgb, w, h, cx - 2, cy + d, sw_quicklook_palette[cls]), put(rgb, w, h, cx + 2, cy + d, sw_quicklook_palette[cls]);
    }
}

void sw_quicklook_compose(uint8_t *out, const uint8_t *img, const uint8_t *valid, const uint8_t *cls, int w, int h) {
    sw_quicklook_compose_named(out, img, valid, cls, w, h, NULL);
}

void sw_quicklook_compose_named(uint8_t *out, const uint8_t *img, const uint8_t *valid, const uint8_t *cls, int w,
                                int h, const char *const *names) {
    size_t n = (size_t)w * (size_t)h;
    for (size_t i = 0; i < n; i++) {
        uint8_t *o = out + 3 * i;
        const uint8_t *p = img + 3 * i;
        int ok = !valid || valid[i];
        int c = cls ? cls[i] : 0;
        for (int k = 0; k < 3; k++) o[k] = ok ? p[k] : 0;
        if (c >= 1 && c < SW_NCLASSES)
            for (int k = 0; k < 3; k++) o[k] = (uint8_t)((o[k] + sw_quicklook_palette[c][k] + 1) / 2);
    }
    /* The legend: a dark strip, one entry per class: swatch, id and name. */
    int lh = sw_quicklook_legend_height(w), cols = legend_cols(w), H = h + lh;
    uint8_t *leg = out + 3 * n;
    memset(leg, 32, 3 * (size_t)w * (size_t)lh);
    static const uint8_t white[3] = {240, 240, 240};
    for (int c = 1; c < SW_NCLASSES; c++) {
        int k = c - 1, x = PAD + (k % cols) * ENTRY_W, y = h + PAD + (k / cols) * ROW_H + 1;
        for (int yy = 0; yy < GLYPH_H + 2; yy++)
            for (int xx = 0; xx < SWATCH; xx++) put(out, w, H, x + xx, y - 1 + yy, sw_quicklook_palette[c]);
        char label[64];
        snprintf(label, sizeof label, "%d %s", c, names && names[c] ? names[c] : sw_class_name(c));
        sw_draw_text(out, w, H, x + SWATCH + 4, y, label, white);
    }
}
