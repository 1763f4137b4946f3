/* CRS facts through OSR (see crs.h). */
#include "io/crs.h"

#include "io/gdal_common.h"

#include <ogr_srs_api.h>

#include <cpl_conv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sw_status sw_crs_facts_get(const char *crs, const char *what, sw_crs_facts *out) {
    memset(out, 0, sizeof *out);
    sw_gdal_init();
    if (!crs || !*crs) return sw_fail(SW_ERR_USAGE, "%s: empty CRS", what);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    sw_gdal_quiet();
    OGRErr e = OSRSetFromUserInput(srs, crs);
    sw_gdal_loud();
    if (e != OGRERR_NONE) {
        OSRDestroySpatialReference(srs);
        return sw_fail(SW_ERR_USAGE, "%s: '%.80s' is not a CRS (WKT, EPSG:n or PROJJSON)", what, crs);
    }
    out->geographic = OSRIsGeographic(srs) != 0;
    if (!out->geographic) {
        if (!OSRIsProjected(srs)) {
            OSRDestroySpatialReference(srs);
            return sw_fail(SW_ERR_USAGE, "%s: '%.80s' is neither projected nor geographic", what, crs);
        }
        out->unit_m = OSRGetLinearUnits(srs, NULL);
    }
    const char *name = OSRGetName(srs);
    snprintf(out->name, sizeof out->name, "%s", name ? name : "");
    char *wkt = NULL;
    sw_gdal_quiet();
    e = OSRExportToWkt(srs, &wkt);
    sw_gdal_loud();
    OSRDestroySpatialReference(srs);
    if (e != OGRERR_NONE || !wkt) {
        CPLFree(wkt);
        return sw_fail(SW_ERR_USAGE, "%s: '%.80s' cannot be written as WKT", what, crs);
    }
    out->wkt = strdup(wkt);
    CPLFree(wkt);
    if (!out->wkt) return sw_fail(SW_ERR_RUNTIME, "out of memory for the CRS of %s", what);
    return SW_OK;
}

void sw_crs_facts_free(sw_crs_facts *f) {
    free(f->wkt);
    f->wkt = NULL;
}
