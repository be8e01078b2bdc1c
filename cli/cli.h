/* Shared pieces of the pdeop program: the command table and helpers every subcommand uses
   (option checks, -help handling). Commands parse options and print; numerics live below. */
#pragma once
#include <pdeop/pdeop.h>

typedef PetscErrorCode (*PdCommandFn)(MPI_Comm, PdDict);

typedef struct {
  const char *name;
  PdCommandFn run;
  const char *summary;
} PdCommand;

/* After a command has read all its options: error on any option nobody used (a typo). */
PetscErrorCode PdCliCheckOptions(MPI_Comm, const char[]);
/* True when -help was given: the command prints its options (PETSc does) and stops. */
PetscErrorCode PdCliHelp(PetscBool *);

PetscErrorCode PdCommandFit(MPI_Comm, PdDict);
