/* `pdeop data <problem>`: a dataset of random instances of a PdProblem's recipe (darcy, ns,
   antiderivative), drawn by PdDatasetGenerate and written by rank 0. */
#include "cli.h"
#include <pdeop/problem.h>

PetscErrorCode PdCommandData(MPI_Comm comm, const char sub[], PdDict report)
{
  const char        *type = sub, *out;
  PetscBool          help, is;
  PdProblem          p;
  PdDataset          ds;
  PetscInt           n, ntypes;
  PetscMPIInt        rank;
  char               summary[512], types[256];
  const char *const *names;

  PetscFunctionBegin;
  PetscCall(PdOptionsHelp(&help));
  if (!sub && help) {
    PetscCall(PetscPrintf(comm, "  pdeop data darcy -n N -res s -fine S -seed k -o file.h5   (FNO Darcy recipe)\n"
                                "  pdeop data ns -n N -res 64 -fine 256 -nu 1e-3 -T 50 -seed k -o file.h5   (FNO Navier-Stokes recipe; ns-periodic is the same)\n"
                                "  pdeop data antiderivative -n N -m 100 -length_scale 0.2 -seed k -o file.h5   (DeepONet's first example)\n"));
    PetscFunctionReturn(0);
  }
  PetscCall(PdProblemGetDataTypes(types, sizeof(types)));
  PetscCheck(sub, comm, PETSC_ERR_ARG_WRONG, "pdeop data needs a problem: one of %s (ns for ns-periodic)", types);
  PetscCall(PetscStrcmp(sub, "ns", &is));
  if (is) type = PDPROBLEMNSPERIODIC; /* the name the README has always used */
  PetscCall(PdProblemGetTypes(&ntypes, &names, NULL));
  is = PETSC_FALSE;
  for (PetscInt k = 0; k < ntypes && !is; k++) PetscCall(PetscStrcmp(type, names[k], &is));
  PetscCheck(is, comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown dataset problem '%s': one of %s (ns for ns-periodic)", sub, types);
  PetscCall(PdProblemCreate(comm, &p));
  PetscCall(PdProblemSetType(p, type));
  PetscCall(PdProblemSetDataMode(p, PETSC_TRUE));
  PetscCall(PdProblemSetFromOptions(p));
  if (help) {
    PetscCall(PdProblemDestroy(&p));
    PetscFunctionReturn(0);
  }
  PetscCall(PdProblemGetDataOptions(p, &n, &out));
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "Give the output file with -o file.h5");
  PetscCall(PdProblemSetUp(p));
  PetscCall(PdDatasetGenerate(p, n, &ds, report));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(PdDatasetWrite(PETSC_COMM_SELF, out, &ds)); /* a failure ends the job (pdeop aborts all ranks) */
  PetscCall(PdDatasetFree(&ds));
  PetscCall(PdDictSetString(report, "output", out));
  PetscCall(PdProblemGetDataSummary(p, report, summary, sizeof(summary)));
  PetscCall(PdPrintf(comm, "pdeop data %s: %s -> %s\n", sub, summary, out));
  PetscCall(PdProblemDestroy(&p));
  PetscFunctionReturn(0);
}
