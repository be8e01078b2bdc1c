/* What the two PINN families (impls/pinn_ball: PdPinn, impls/pinn_mesh: PdPinnMesh) share: the
   tanh MLP u(x) with its Adam optimizer, and prediction in chunks on an evaluation tape. */
#include "../trainimpl.h"
#include <pdeop/nop.h>

/*
  PdPinnCreateMLP - an mlp model from in coordinates to one value (width x depth, tanh, set up with
  the seed) and Adam at lr 1e-3 on its parameters; fromoptions: the -mlp_* options may change the
  layers. The caller sets the optimizer's schedule (and then reads its options).
*/
PetscErrorCode PdPinnCreateMLP(MPI_Comm comm, PetscInt in, PetscInt width, PetscInt depth, PetscInt64 seed, PetscBool fromoptions, NOp *nop, PdOptim *optim)
{
  const PetscInt out = 1;
  PdParams       params;

  PetscFunctionBegin;
  PetscCall(NOpCreate(comm, nop));
  PetscCall(NOpSetType(*nop, NOPMLP));
  PetscCall(NOpSetShapes(*nop, 1, &in, 1, &out));
  PetscCall(NOpMLPSetLayers(*nop, width, depth));
  PetscCall(NOpMLPSetActivation(*nop, PD_ACT_TANH));
  PetscCall(NOpSetSeedOption(*nop, PETSC_FALSE)); /* -seed is the PINN's, read before */
  if (fromoptions) PetscCall(NOpSetFromOptions(*nop)); /* -mlp_width/-mlp_depth/-mlp_activation; -seed read before */
  PetscCall(NOpSetSeed(*nop, seed));
  PetscCall(NOpSetUp(*nop));
  PetscCall(NOpGetParams(*nop, &params));
  PetscCall(PdOptimCreate(params, optim));
  PetscCall(PdOptimSetType(*optim, PD_OPTIM_ADAM));
  PetscCall(PdOptimSetLearningRate(*optim, 1e-3));
  PetscFunctionReturn(0);
}

/*
  PdPinnPredictChunks - u at n points x [n, d], chunk points at a time on the evaluation tape etape:
  forward(ctx, x [m, d], &u) gives u with m values
*/
PetscErrorCode PdPinnPredictChunks(PdTape etape, PetscInt d, PetscInt chunk, PetscInt n, const float x[], float u[], PetscErrorCode (*forward)(void *, PdTensor, PdTensor *), void *ctx)
{
  PetscFunctionBegin;
  for (PetscInt k0 = 0; k0 < n; k0 += chunk) {
    PetscInt m = PetscMin(chunk, n - k0), sx[2] = {m, d};
    PdTensor xt, ut = NULL;
    PetscCall(PdTapeReset(etape));
    PetscCall(PdTapeInput(etape, 2, sx, &xt));
    PetscCall(PetscArraycpy(xt->data, x + (size_t)k0 * d, m * d));
    PetscCall(forward(ctx, xt, &ut));
    PetscCall(PetscArraycpy(u + k0, ut->data, m));
  }
  PetscFunctionReturn(0);
}
