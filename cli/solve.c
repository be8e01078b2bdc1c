/* `pdeop solve`: pick the problem (poisson, darcy) or a PETSc binary system (-f file) and hand
   over to its solver; the solvers read their own options and fill the report. */
#include "cli.h"
#include <pdeop/solve.h>

PetscErrorCode PdCommandSolve(MPI_Comm comm, const char sub[], PdDict report)
{
  char      file[PETSC_MAX_PATH_LEN] = "";
  PetscBool flg, help, is;

  PetscFunctionBegin;
  PetscCall(PdOptionsHelp(&help));
  if (!sub) {
    PetscCall(PetscOptionsGetString(NULL, NULL, "-f", file, sizeof(file), &flg));
    if (help && !flg) {
      PetscCall(PetscPrintf(comm, "  pdeop solve poisson [options]   -Laplace(u) = f on DMDA (finite differences) or DMPlex (P1 FEM)\n"
                                  "  pdeop solve darcy [options]     -div(a grad u) = f, a random or from a file\n"
                                  "  pdeop solve cavity [options]      lid-driven cavity (MAC grid, projection; -pressure_ksp/pc options)\n"
                                  "  pdeop solve ns-periodic [options] 2D Navier-Stokes on the periodic square (pseudo-spectral)\n"
                                  "  pdeop solve -f system.petsc     any PETSc binary matrix (and right-hand side)\n"
                                  "  `pdeop solve <problem> -help` lists a problem's options; KSP/PC options are PETSc's\n"));
      PetscFunctionReturn(0);
    }
    PetscCheck(flg, comm, PETSC_ERR_ARG_WRONG, "pdeop solve needs a problem: 'poisson', 'darcy', or -f system.petsc");
    PetscCall(PdSystemRun(comm, file, report));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrcmp(sub, "poisson", &is));
  if (is) {
    PetscCall(PdPoissonRun(comm, report));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrcmp(sub, "darcy", &is));
  if (is) {
    PetscCall(PdDarcyRun(comm, report));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrcmp(sub, "cavity", &is));
  if (is) {
    PetscCall(PdCavityRun(comm, report));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrcmp(sub, "ns-periodic", &is));
  if (is) {
    PetscCall(PdNSPeriodicRun(comm, report));
    PetscFunctionReturn(0);
  }
  SETERRQ(comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown problem '%s'", sub);
}
