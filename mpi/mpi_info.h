/* Facts about the MPI library for `swath --version` (callable before MPI_Init). */
#ifndef SWATH_MPI_INFO_H
#define SWATH_MPI_INFO_H

/* Writes the MPI library's version line (first line only) into buf. */
void sw_mpi_library_version(char *buf, int cap);

#endif
