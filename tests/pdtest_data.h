/* Shared by the dataset tests: what `pdeop data <type>` does, from the options database: a
   data-mode PdProblem of the type, PdDatasetGenerate, the file written by rank 0. */
#pragma once
#include <pdeop/problem.h>

static inline PetscErrorCode PdtDataRunOn(PdProblem p, PdDict report)
{
  PdDataset   ds;
  PetscInt    n;
  const char *out;
  PetscMPIInt rank;
  MPI_Comm    comm;

  PetscFunctionBegin;
  PetscCall(PdProblemGetComm(p, &comm));
  PetscCall(PdProblemSetDataMode(p, PETSC_TRUE));
  PetscCall(PdProblemSetFromOptions(p));
  PetscCall(PdProblemGetDataOptions(p, &n, &out));
  PetscCall(PdDatasetGenerate(p, n, &ds, report));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(PdDatasetWrite(PETSC_COMM_SELF, out, &ds));
  PetscCall(PdDatasetFree(&ds));
  PetscFunctionReturn(0);
}

/* the problem is freed on failure too (the tests of bad options expect one) */
static inline PetscErrorCode PdtDataRun(MPI_Comm comm, PdProblemType type, PdDict report)
{
  PdProblem      p;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PdProblemCreate(comm, &p));
  PetscCall(PdProblemSetType(p, type));
  ierr = PdtDataRunOn(p, report);
  PetscCall(PdProblemDestroy(&p));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
