/* libFuzzer target: any bytes as a checkpoint. NOpLoad either rebuilds a model (and its optimizer
   state loads or is refused) or returns an error; it never crashes, hangs or leaks. */
#include "fuzz_common.h"

static void Load(void)
{
  NOp      nop = NULL;
  PetscInt epoch;

  if (!NOpLoad(PETSC_COMM_SELF, fuzz_path, &nop, &epoch)) {
    PdParams params;
    PdOptim  optim;
    if (!NOpGetParams(nop, &params) && !PdOptimCreate(params, &optim)) {
      (void)PdCheckpointLoad(PETSC_COMM_SELF, fuzz_path, params, optim); /* resume: loads or refuses */
      PdOptimDestroy(&optim);
    }
  }
  NOpDestroy(&nop);
}

/* a small MLP's checkpoint */
static int Seed(void)
{
  NOp            nop;
  const PetscInt in = 2, out = 1;

  if (NOpCreate(PETSC_COMM_SELF, &nop) || NOpSetType(nop, NOPMLP) || NOpSetShapes(nop, 1, &in, 1, &out) || NOpMLPSetLayers(nop, 3, 1) || NOpSetUp(nop) || NOpSave(nop, fuzz_path, NULL, 1)) return 1;
  NOpDestroy(&nop);
  return 0;
}

FUZZ_TARGET(".h5", Seed, Load)
