/* oneDNN's version (see backend_info.h). */
#include "kernels/backend_info.h"
#include "src/core/build_config.h"

#include <stdio.h>

#if SWATH_HAVE_DNNL
#include <dnnl.h>
const char *sw_dnnl_version(void) {
    static char buf[32];
    const dnnl_version_t *v = dnnl_version();
    snprintf(buf, sizeof buf, "%d.%d.%d", v->major, v->minor, v->patch);
    return buf;
}
#else
const char *sw_dnnl_version(void) { return NULL; }
#endif
