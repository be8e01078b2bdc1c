/* Private to solvers/: the model file of a learned preconditioner or Krylov method (an option that
   names it, and the check that a checkpoint holds the right kind of network), solvers/precond/modelfile.c */
#pragma once
#include <petscsys.h>

/* inside PetscOptionsBegin/End or a HeadBegin/End: the option opt names the model file; *changed is
   whether it gave another name than file[] (which then holds it), so the loaded model must go */
PETSC_INTERN PetscErrorCode PdOptionsModelFile(PetscOptionItems *, const char[], const char[], const char[], char[], size_t, PetscBool *);

/* whether the root attribute key of a checkpoint is the string value; found[] (may be NULL) gets
   the file's value, or "(none)" when it has no such attribute */
PETSC_INTERN PetscErrorCode PdCheckpointAttributeIs(MPI_Comm, const char[], const char[], const char[], PetscBool *, char[], size_t);
