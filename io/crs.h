/* Facts about a coordinate reference system given as WKT, "EPSG:n" or PROJJSON, through OSR:
 * geographic or projected, the linear unit, a short name, the WKT. */
#ifndef SWATH_IO_CRS_H
#define SWATH_IO_CRS_H

#include "src/core/error.h"

typedef struct {
    int geographic;     /* 1: coordinates are degrees of longitude / latitude */
    double unit_m;      /* metres per linear unit (projected CRS); 0 for geographic */
    char name[128];     /* "WGS 84 / UTM zone 50N" */
    char *wkt;          /* the CRS as WKT (heap; sw_crs_facts_free) */
} sw_crs_facts;

/* A CRS that OSR cannot parse is SW_ERR_USAGE naming `what` (e.g. "--crs") and the text. */
sw_status sw_crs_facts_get(const char *crs, const char *what, sw_crs_facts *out);
void sw_crs_facts_free(sw_crs_facts *f);

#endif
