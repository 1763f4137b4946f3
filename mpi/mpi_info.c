/* MPI library facts (see mpi_info.h). MPI_Get_library_version may be called before MPI_Init. */
#include "mpi/mpi_info.h"

#include <mpi.h>
#include <stdio.h>
#include <string.h>

void sw_mpi_library_version(char *buf, int cap) {
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(v, &len) != MPI_SUCCESS) {
        snprintf(buf, (size_t)cap, "unknown");
        return;
    }
    v[len < (int)sizeof v ? len : (int)sizeof v - 1] = '\0';
    char *nl = strpbrk(v, "\n,");
    if (nl) *nl = '\0';
    snprintf(buf, (size_t)cap, "%s", v);
}
