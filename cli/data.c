/* `pdeop data`: generate datasets of PDE solutions for the neural operators (darcy). */
#include "cli.h"
#include <pdeop/solve.h>

PetscErrorCode PdCommandData(MPI_Comm comm, const char sub[], PdDict report)
{
  PetscBool help, is = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PdOptionsHelp(&help));
  if (!sub && help) {
    PetscCall(PetscPrintf(comm, "  pdeop data darcy -n N -res s -fine S -seed k -o file.h5   (FNO Darcy recipe)\n"
                                "  pdeop data ns -n N -res 64 -fine 256 -nu 1e-3 -T 50 -seed k -o file.h5   (FNO Navier-Stokes recipe)\n"
                                "  pdeop data antiderivative -n N -m 100 -length_scale 0.2 -seed k -o file.h5   (DeepONet's first example)\n"));
    PetscFunctionReturn(0);
  }
  PetscCheck(sub, comm, PETSC_ERR_ARG_WRONG, "pdeop data needs a problem: 'darcy', 'ns' or 'antiderivative'");
  PetscCall(PetscStrcmp(sub, "ns", &is));
  if (is) {
    PetscCall(PdDataNSRun(comm, report));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrcmp(sub, "antiderivative", &is));
  if (is) {
    PetscCall(PdDataAntiderivativeRun(comm, report));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrcmp(sub, "darcy", &is));
  PetscCheck(is, comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown dataset problem '%s'", sub);
  PetscCall(PdDataDarcyRun(comm, report));
  PetscFunctionReturn(0);
}
