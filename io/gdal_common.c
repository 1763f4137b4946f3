/* GDAL start-up (once per process) and capture of GDAL's errors for every GDAL user in io/ (see
 * gdal_common.h); also GDAL's process settings for `swath` (cache, threads, version). */
#include "io/gdal_common.h"
#include "io/raster.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>

#include <pthread.h>
#include <stdio.h>

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static char gdal_version[64];

static void gdal_init_once(void) {
    GDALAllRegister();
    snprintf(gdal_version, sizeof gdal_version, "%s", GDALVersionInfo("RELEASE_NAME"));
}

void sw_gdal_init(void) { pthread_once(&gdal_once, gdal_init_once); }

static _Thread_local struct {
    int depth;
    CPLErr worst;
    char msg[512];
} gerr;

static void CPL_STDCALL collect_error(CPLErr e, CPLErrorNum num, const char *msg) {
    (void)num;
    if (e >= CE_Failure && gerr.worst < CE_Failure) snprintf(gerr.msg, sizeof gerr.msg, "%s", msg ? msg : "");
    else if (e == CE_Warning && !gerr.msg[0]) snprintf(gerr.msg, sizeof gerr.msg, "%s", msg ? msg : "");
    if (e > gerr.worst) gerr.worst = e;
}

void sw_gdal_quiet(void) {
    if (gerr.depth++ == 0) {
        gerr.worst = CE_None;
        gerr.msg[0] = '\0';
        CPLErrorReset();
    }
    CPLPushErrorHandler(collect_error);
}

void sw_gdal_loud(void) {
    CPLPopErrorHandler();
    if (gerr.depth > 0) gerr.depth--;
}

int sw_gdal_failed(void) { return gerr.worst >= CE_Failure; }

const char *sw_gdal_reason(void) {
    if (gerr.msg[0]) return gerr.msg;
    const char *m = CPLGetLastErrorMsg();
    return m && *m ? m : "no reason given by GDAL";
}

void sw_raster_configure(int64_t cache_bytes, int threads) {
    sw_gdal_init();
    if (cache_bytes > 0) GDALSetCacheMax64(cache_bytes);
    if (threads > 0) {
        char v[32];
        snprintf(v, sizeof v, "%d", threads);
        CPLSetConfigOption("GDAL_NUM_THREADS", v);
    }
}

const char *sw_raster_gdal_version(void) {
    sw_gdal_init();
    return gdal_version;
}
