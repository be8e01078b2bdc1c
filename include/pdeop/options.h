/* The engine's start-up and the options-database helpers every command shares (src/sys/init.c,
   src/sys/options.c). */
#pragma once
#include <petscsys.h>

/* Register the engine's class id and log events (idempotent); PdRegisterAll calls it. */
PETSC_EXTERN PetscErrorCode PdEngineInitializePackage(void);
/* The engine's global switches: -conv_winograd_min, -conv_direct_max. PdInitialize calls it. */
PETSC_EXTERN PetscErrorCode PdEngineSetFromOptions(void);

/* Commands: error on options nobody read (after set-up, before the work); whether -help was given. */
PETSC_EXTERN PetscErrorCode PdOptionsCheckUnused(MPI_Comm, const char[]);
PETSC_EXTERN PetscErrorCode PdOptionsHelp(PetscBool *);
/* At a command's end: a warning for each option still unread (PETSc's end-of-run options aside). */
PETSC_EXTERN PetscErrorCode PdOptionsWarnUnused(MPI_Comm, const char[]);
