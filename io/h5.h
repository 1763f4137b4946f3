/* HDF5 helpers: create / open files that carry swath's format name and version, with errors that
 * name the file, the object and the call. HDF5 is used only in io/. */
#ifndef SWATH_IO_H5_H
#define SWATH_IO_H5_H

#include "src/core/error.h"

#include <stdint.h>

/* Every HDF5 file swath writes carries two root attributes:
 *   swath_format          string, e.g. "run", "chips", "model"
 *   swath_format_version  int32, the version of that format (docs/formats.md) */
typedef int64_t sw_h5_id;   /* an hid_t, kept opaque outside io/ */

/* Creates (truncating) `path` with the two attributes. The file is opened with the default (serial)
 * driver; no MPI_Init is needed. */
sw_status sw_h5_create(sw_h5_id *file, const char *path, const char *format, int version);
/* Opens `path` (rw = 0 read-only, 1 read-write) and checks that it is a swath file of `format`
 * (NULL: any) whose version is <= `max_version`; the version found goes to *version (may be NULL).
 * Errors (SW_ERR_INPUT) name the file: missing, not HDF5, HDF5 without swath's attributes,
 * another format ("'F' is a swath 'chips' file, expected 'run'"), or a newer version. */
sw_status sw_h5_open(sw_h5_id *file, const char *path, const char *format, int max_version, int rw,
                     int *version);
sw_status sw_h5_close(sw_h5_id file, const char *path);

/* Reads the format name (buffer of cap bytes) and version of any swath HDF5 file, for `swath info`.
 * A file that is not HDF5, or HDF5 without swath's attributes, is an error naming it. */
sw_status sw_h5_identify(const char *path, char *format, int cap, int *version);
/* Is this path an HDF5 file (by signature)? 0 / 1; a missing file is 0. */
int sw_h5_is_hdf5(const char *path);

/* Writes (replacing) / reads a string attribute on the root group (for small metadata). Reading
 * takes fixed- or variable-length strings; one that does not fit in `cap` bytes is an error. */
sw_status sw_h5_attr_write_str(sw_h5_id file, const char *path, const char *name, const char *value);
sw_status sw_h5_attr_read_str(sw_h5_id file, const char *path, const char *name, char *buf, int cap);

/* Prints a summary of a swath HDF5 file to stdout, for `swath info`: its format and version, root
 * attributes, and tree (groups, datasets with shape, type, chunks and filters); as text, or with
 * json = 1 as one JSON object {"file", "format", "version", "attributes": {name: value},
 * "objects": [{"path", "kind", ...}]}. Errors name the file. */
sw_status sw_h5_print_summary(const char *path, int json);

/* The HDF5 library version and whether it is the parallel build, for `swath --version`. */
const char *sw_h5_version(int *parallel);

#endif
