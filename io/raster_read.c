/* placeholder: being written (replaced by the real implementation before commit) */
#include "io/raster.h"
#include "io/vector.h"
#include "io/h5.h"
sw_status sw_raster_open(sw_raster **out, const char *path) { (void)out; return sw_fail(SW_ERR_RUNTIME, "not yet: %s", path); }
void sw_raster_close(sw_raster *r) { (void)r; }
const sw_raster_info *sw_raster_get_info(const sw_raster *r) { (void)r; return 0; }
sw_status sw_raster_select_bands(sw_raster *r, const int *b, int n) { (void)r; (void)b; (void)n; return 1; }
int sw_raster_selected_bands(const sw_raster *r, int *b) { (void)r; (void)b; return 0; }
sw_status sw_raster_read_u8(sw_raster *r, int64_t x, int64_t y, int w, int h, uint8_t *p, uint8_t *v) { (void)r; (void)x; (void)y; (void)w; (void)h; (void)p; (void)v; return 1; }
const char *sw_raster_gdal_version(void) { return "?"; }
