/* Work shared over the ranks of a communicator (src/sys/parallel.c): one rule for which contiguous
   part of n items a rank takes, so that every loop split over ranks agrees. */
#pragma once
#include <petscsys.h>

/* This rank's items [lo, hi) of n: floor(n r / size) to floor(n (r + 1) / size), in 64-bit arithmetic;
   ranks beyond n items get none. Not collective. */
PETSC_EXTERN PetscErrorCode PdRankRange(MPI_Comm, PetscInt, PetscInt *, PetscInt *);
