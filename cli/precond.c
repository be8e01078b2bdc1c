/* `pdeop precond`: train learned preconditioners on a family of systems (train) and compare them
   with PETSc's preconditioners over a sequence of held-out systems (bench). */
#include "cli.h"
#include <pdeop/learned.h>

PetscErrorCode PdCommandPrecond(MPI_Comm comm, const char sub[], PdDict report)
{
  PetscBool help;

  PetscFunctionBegin;
  PetscCall(PdOptionsHelp(&help));
  if (!sub && help) {
    char list[256]; /* the problem types that make families, from the registry */
    PetscCall(PdProblemGetFamilyTypes("|", "|", list, sizeof(list)));
    PetscCall(PetscPrintf(comm, "  pdeop precond train -type learned_ic -problem %s -res N -count M -o model.h5\n"
                                "  pdeop precond train -type learned_ic|learned_sor -f a.petsc,b.petsc [-validation_fraction 0.2] -o model.h5\n"
                                "  pdeop precond bench -model model.h5 -problem %s -res N -count 100\n"
                                "  pdeop precond bench -model model.h5 -f held.petsc\n",
                          list, list));
    PetscFunctionReturn(0);
  }
  PetscCheck(sub, comm, PETSC_ERR_ARG_WRONG, "pdeop precond needs 'train' or 'bench'");
  if (!strcmp(sub, "train")) PetscCall(PdCommandPrecondTrain(comm, report));
  else if (!strcmp(sub, "bench")) PetscCall(PdCommandPrecondBench(comm, report));
  else SETERRQ(comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown: pdeop precond %s (use train or bench)", sub);
  PetscFunctionReturn(0);
}
