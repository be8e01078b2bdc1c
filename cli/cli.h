/* Shared pieces of the pdeop program: the command table. Commands parse options and print;
   numerics live in the library's floors below. */
#pragma once
#include <pdeop/pdeop.h>

/* run(comm, subcommand or NULL, report) */
typedef PetscErrorCode (*PdCommandFn)(MPI_Comm, const char[], PdDict);

typedef struct {
  const char *name;
  PdCommandFn run;
  const char *subcommands; /* space-separated, or NULL when the command takes none */
  const char *summary;
} PdCommand;

PetscErrorCode PdCommandFit(MPI_Comm, const char[], PdDict);
PetscErrorCode PdCommandSolve(MPI_Comm, const char[], PdDict);
PetscErrorCode PdCommandData(MPI_Comm, const char[], PdDict);
PetscErrorCode PdCommandTrain(MPI_Comm, const char[], PdDict);
/* the end of train's and fit's trainer set-up: output, options, resume, unused options (cli/train.c) */
PetscErrorCode PdCommandTrainerFinishSetUp(MPI_Comm, PdTrainer, const char[], const char[], const char[]);
PetscErrorCode PdCommandEval(MPI_Comm, const char[], PdDict);
PetscErrorCode PdCommandPredict(MPI_Comm, const char[], PdDict);
PetscErrorCode PdCommandPrecond(MPI_Comm, const char[], PdDict);
/* pdeop precond train | bench (cli/precond_train.c, precond_bench.c) */
PetscErrorCode PdCommandPrecondTrain(MPI_Comm, PdDict);
PetscErrorCode PdCommandPrecondBench(MPI_Comm, PdDict);
PetscErrorCode PdCommandPinn(MPI_Comm, const char[], PdDict);
/* predict -points: a PINN checkpoint at points (cli/pinn.c) */
PetscErrorCode PdCommandPredictPinn(MPI_Comm, const char[], const char[], const char[], PdDict);
