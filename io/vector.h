/* Vector output through OGR: polygons with attributes to GeoPackage, Shapefile or GeoJSON, with
 * the CRS set, written inside transactions, appearing atomically. OGR is used only in io/. */
#ifndef SWATH_IO_VECTOR_H
#define SWATH_IO_VECTOR_H

#include "src/core/error.h"

#include <stdint.h>

typedef enum { SW_FIELD_INT = 0, SW_FIELD_REAL, SW_FIELD_STR } sw_field_type;

typedef struct {
    const char *name;
    sw_field_type type;
} sw_field_def;

typedef union {
    int64_t i;
    double r;
    const char *s;
} sw_field_value;

/* A ring of npts (x, y) points in the layer's CRS; closed or not (it is closed on write). */
typedef struct {
    const double *xy;
    int npts;
} sw_ring;

/* A polygon: rings[0] is the outer ring, the others holes. */
typedef struct {
    const sw_ring *rings;
    int nrings;
} sw_polygon;

typedef struct sw_vector_writer sw_vector_writer;

/* Creates `path` aside; the format comes from the extension (.gpkg, .shp, .geojson / .json) or
 * from `format` (an OGR driver name) when not NULL. Features go in as multipolygons. `layer` NULL:
 * the file's base name; a Shapefile's layer is always its base name. `wkt` NULL or "": no CRS.
 * The folder is made when missing. Errors: SW_ERR_USAGE (no format from the name, unknown driver),
 * SW_ERR_OUTPUT (folder, file, layer or field cannot be made), SW_ERR_INPUT (bad WKT). */
sw_status sw_vector_create(sw_vector_writer **out, const char *path, const char *format, const char *layer,
                           const char *wkt, const sw_field_def *fields, int nfields);
/* Adds one feature made of `nparts` polygons (one multipolygon), with one value per field (a NULL
 * string writes a null). After an error, call sw_vector_abort. */
sw_status sw_vector_add(sw_vector_writer *w, const sw_polygon *parts, int nparts, const sw_field_value *values);
/* Commits the last transaction, closes and renames into place; frees the writer. On failure it
 * removes what was written aside and frees the writer too. A Shapefile's files are renamed one by
 * one, the .shp last, and sidecars of an older file of that name that this write lacks (.qix,
 * .cpg, ...) are removed. */
sw_status sw_vector_commit(sw_vector_writer *w);
/* Removes everything written aside (PATH.part) and frees the writer; the file at PATH, if any,
 * is left as it was. NULL is a no-op. */
void sw_vector_abort(sw_vector_writer *w);

#endif
