/* pdeop: PDE solving and operator learning on PETSc. Include this one header for everything. */
#pragma once
#include <pdeop/tensor.h>
#include <pdeop/ops.h>
#include <pdeop/rng.h>
#include <pdeop/dict.h>
#include <pdeop/params.h>
#include <pdeop/optim.h>
#include <pdeop/io.h>
#include <pdeop/progress.h>
#include <pdeop/nop.h>

#define PDEOP_VERSION_MAJOR 0
#define PDEOP_VERSION_MINOR 1

/* PetscInitialize plus pdeop's registrations (log events, model, PC and KSP types).
   Safe to call PdRegisterAll() yourself after PetscInitialize instead. */
PETSC_EXTERN PetscErrorCode PdInitialize(int *, char ***, const char[], const char[]);
PETSC_EXTERN PetscErrorCode PdRegisterAll(void);

/* Commands: error on options nobody read (after set-up, before the work); whether -help was given. */
PETSC_EXTERN PetscErrorCode PdOptionsCheckUnused(MPI_Comm, const char[]);
PETSC_EXTERN PetscErrorCode PdOptionsHelp(PetscBool *);
/* Defer the check to just before the next PdKSPSolveReport solve (after KSPSetFromOptions). */
PETSC_EXTERN PetscErrorCode PdOptionsCheckUnusedAtSolve(const char[]);
PETSC_EXTERN PetscErrorCode PdOptionsCheckPending(MPI_Comm);
