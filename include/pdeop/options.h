/* The engine's start-up and the options-database helpers every command shares (src/sys/init.c,
   src/sys/options.c). */
#pragma once
#include <petscsys.h>

/* Register the engine's class id and log events (idempotent); PdRegisterAll calls it. */
PETSC_EXTERN PetscErrorCode PdEngineInitializePackage(void);
/* The engine's global switches: -conv_winograd_min, -conv_direct_max. PdInitialize calls it. */
PETSC_EXTERN PetscErrorCode PdEngineSetFromOptions(void);

/* Commands: error on options nobody read (after set-up, before the work; only once a program has
   turned the check on: the pdeop program does, a host program's own options are left alone);
   whether -help was given. */
PETSC_EXTERN PetscErrorCode PdOptionsSetCheckUnused(PetscBool);
PETSC_EXTERN PetscErrorCode PdOptionsCheckUnused(MPI_Comm, const char[]);
PETSC_EXTERN PetscErrorCode PdOptionsHelp(PetscBool *);
/* At a command's end: a warning for each option still unread (PETSc's end-of-run options aside). */
PETSC_EXTERN PetscErrorCode PdOptionsWarnUnused(MPI_Comm, const char[]);
PETSC_EXTERN PetscBool      PdOptionsIntOverflows(const char[]);

/* Inside PetscOptionsBegin/End: an option given without its value is an error (PETSc's own readers
   silently keep the default, so `-epochs` alone would run 100 epochs). pdeop reads its numeric,
   enumerated and array options through these wrappers of PETSc's macros. */
PETSC_EXTERN PetscErrorCode PdOptionsNeedValue(PetscOptionItems *, const char[], const char[]);
#define PdOptionsInt(opt, text, man, cur, val, set)            (PdOptionsNeedValue(PetscOptionsObject, opt, "an integer") ? PETSC_ERR_ARG_WRONG : PetscOptionsInt(opt, text, man, cur, val, set))
#define PdOptionsReal(opt, text, man, cur, val, set)           (PdOptionsNeedValue(PetscOptionsObject, opt, "a number") ? PETSC_ERR_ARG_WRONG : PetscOptionsReal(opt, text, man, cur, val, set))
#define PdOptionsEnum(opt, text, man, list, cur, val, set)     (PdOptionsNeedValue(PetscOptionsObject, opt, "one of its choices") ? PETSC_ERR_ARG_WRONG : PetscOptionsEnum(opt, text, man, list, cur, val, set))
#define PdOptionsEList(opt, text, man, list, n, cur, val, set) (PdOptionsNeedValue(PetscOptionsObject, opt, "one of its choices") ? PETSC_ERR_ARG_WRONG : PetscOptionsEList(opt, text, man, list, n, cur, val, set))
#define PdOptionsRealArray(opt, text, man, val, n, set)        (PdOptionsNeedValue(PetscOptionsObject, opt, "comma-separated numbers") ? PETSC_ERR_ARG_WRONG : PetscOptionsRealArray(opt, text, man, val, n, set))
#define PdOptionsIntArray(opt, text, man, val, n, set)         (PdOptionsNeedValue(PetscOptionsObject, opt, "comma-separated integers") ? PETSC_ERR_ARG_WRONG : PetscOptionsIntArray(opt, text, man, val, n, set))
#define PdOptionsStringArray(opt, text, man, val, n, set)      (PdOptionsNeedValue(PetscOptionsObject, opt, "comma-separated names") ? PETSC_ERR_ARG_WRONG : PetscOptionsStringArray(opt, text, man, val, n, set))
