/* Progress for long loops: a live line (done/total, rate, time left) on a terminal, plain
   periodic lines when output is not a terminal, nothing at all with -quiet. */
#pragma once
#include <petscsys.h>

typedef struct {
  MPI_Comm       comm;
  char           label[64];
  PetscInt       total, done;
  PetscLogDouble t0, last;
  PetscBool      tty, quiet, active;
  char           extra[128];
} PdProgress;

PETSC_EXTERN PetscErrorCode PdProgressBegin(MPI_Comm, const char[], PetscInt, PdProgress *);
PETSC_EXTERN PetscErrorCode PdProgressUpdate(PdProgress *, PetscInt, const char[]);
PETSC_EXTERN PetscErrorCode PdProgressEnd(PdProgress *);
/* -quiet from the options database; cached after the first call. */
PETSC_EXTERN PetscErrorCode PdIsQuiet(PetscBool *);
/* Print on rank 0 unless -quiet. */
PETSC_EXTERN PetscErrorCode PdPrintf(MPI_Comm, const char[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
