/* placeholder: being written (replaced by the real implementation before commit) */
#include "io/raster.h"
#include "io/vector.h"
#include "io/h5.h"
