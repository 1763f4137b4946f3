/* Private to io/ (every file that calls GDAL / OGR): GDAL start-up (once per process) and capture of GDAL's errors, so that
 * the user sees only our message, with GDAL's reason appended. */
#ifndef SWATH_IO_GDAL_COMMON_H
#define SWATH_IO_GDAL_COMMON_H

/* GDALAllRegister(), once (pthread_once). Every entry point calls it first. */
void sw_gdal_init(void);

/* sw_gdal_quiet() ... sw_gdal_loud() bracket GDAL calls on this thread: GDAL prints nothing, and
 * the first failure message is kept for sw_gdal_reason(). The pair nests (a handler stack). */
void sw_gdal_quiet(void);
void sw_gdal_loud(void);
/* Did GDAL report a failure (CE_Failure or worse) since sw_gdal_quiet()? */
int sw_gdal_failed(void);
/* GDAL's reason for the last failure ("no reason given by GDAL" when it gave none). */
const char *sw_gdal_reason(void);

#endif
