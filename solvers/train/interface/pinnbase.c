/* What the two PINN families (impls/pinn_ball: PdPinn, impls/pinn_mesh: PdPinnMesh) share: the
   tanh MLP u(x) with its Adam optimizer, prediction in chunks on an evaluation tape, and the
   boundary loss's weight, fixed or annealed. */
#include "../trainimpl.h"
#include <pdeop/nop.h>
#include <pdeop/options.h>

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
  PetscCall(NOpSetSeedOption(*nop, PETSC_FALSE));      /* -seed is the PINN's, read before */
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
    PdTensor xt, ut                             = NULL;
    PetscCall(PdTapeReset(etape));
    PetscCall(PdTapeInput(etape, 2, sx, &xt));
    PetscCall(PetscArraycpy(xt->data, x + (size_t)k0 * d, m * d));
    PetscCall(forward(ctx, xt, &ut));
    PetscCall(PetscArraycpy(u + k0, ut->data, m));
  }
  PetscFunctionReturn(0);
}

const char *const PdPinnWeightsTypes[] = {"fixed", "annealing", "PdPinnWeights", "PD_PINN_WEIGHTS_", NULL};
const char *const PdPinnAnnealForms[]  = {"weighted", "unweighted", "PdPinnAnnealForm", "PD_PINN_ANNEAL_", NULL};

/* PdPinnLossWeightInit - a fixed weight w0; annealing's defaults: rate 0.1, every 10 steps, weighted */
PetscErrorCode PdPinnLossWeightInit(PdPinnLossWeight *lw, double w0)
{
  PetscFunctionBegin;
  lw->mode    = PD_PINN_WEIGHTS_FIXED;
  lw->form    = PD_PINN_ANNEAL_WEIGHTED;
  lw->weight0 = w0;
  lw->weight  = w0;
  lw->alpha   = 0.1;
  lw->every   = 10;
  PetscFunctionReturn(0);
}

/* PdPinnLossWeightOptions - inside an options block, after the caller's -boundary_weight (weight0):
   -pinn_weights fixed|annealing -annealing_alpha -annealing_every -annealing_form; sets the current
   weight to weight0. PdPinnLossWeightCheck checks the values after the block. */
PetscErrorCode PdPinnLossWeightOptions(PetscOptionItems *PetscOptionsObject, PdPinnLossWeight *lw)
{
  PetscInt wm = lw->mode, fm = lw->form;

  PetscFunctionBegin;
  PetscCall(PdOptionsEList("-pinn_weights", "Boundary weight: fixed, or annealed from gradient statistics (Wang, Teng & Perdikaris)", "", PdPinnWeightsTypes, 2, PdPinnWeightsTypes[wm], &wm, NULL));
  PetscCall(PdOptionsReal("-annealing_alpha", "Annealing: weight of the new estimate in the moving average", "", lw->alpha, &lw->alpha, NULL));
  PetscCall(PdOptionsInt("-annealing_every", "Annealing: iterations between updates", "", lw->every, &lw->every, NULL));
  PetscCall(PdOptionsEList("-annealing_form", "Annealing: max|grad L_r| / mean|grad (w L_b)| (weighted, the reference code's) or / mean|grad L_b| (unweighted)", "", PdPinnAnnealForms, 2, PdPinnAnnealForms[fm], &fm, NULL));
  lw->mode   = (PdPinnWeights)wm;
  lw->form   = (PdPinnAnnealForm)fm;
  lw->weight = lw->weight0;
  PetscFunctionReturn(0);
}

PetscErrorCode PdPinnLossWeightCheck(MPI_Comm comm, const PdPinnLossWeight *lw)
{
  PetscFunctionBegin;
  PetscCheck(lw->mode == PD_PINN_WEIGHTS_FIXED || (lw->weight0 >= 1e-30 && PetscIsNormalReal(lw->weight0)), comm, PETSC_ERR_ARG_OUTOFRANGE, "-pinn_weights annealing needs a positive starting -boundary_weight (the update scales with it: from %g it would never move)", lw->weight0);
  PetscCheck(lw->alpha > 0 && lw->alpha <= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-annealing_alpha must be in (0, 1], got %g", lw->alpha);
  PetscCheck(lw->every >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-annealing_every must be at least 1, got %" PetscInt_FMT, lw->every);
  PetscFunctionReturn(0);
}

/* over the weight matrices (not the biases, as the reference code): the largest |gradient| and the
   mean over matrices of their mean |gradient|; the gradients first summed over the ranks (each holds
   its share of the points), as the trainer sums them */
static PetscErrorCode GradStats(MPI_Comm comm, PdParams params, double *gmax, double *gmean)
{
  PetscInt    n, m = 0;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size > 1) PetscCall(PdParamsAllreduceGrad(params, 1.0f));
  PetscCall(PdParamsGetNumber(params, &n));
  *gmax  = 0;
  *gmean = 0;
  for (PetscInt k = 0; k < n; k++) {
    PdTensor t;
    double   s = 0;
    PetscCall(PdParamsGetTensor(params, k, &t));
    if (t->ndim != 2 || !t->grad) continue;
    for (PetscInt i = 0; i < t->size; i++) {
      double a = PetscAbsReal(t->grad[i]);
      *gmax    = PetscMax(*gmax, a);
      s += a;
    }
    *gmean += s / (double)t->size;
    m++;
  }
  if (m) *gmean /= (double)m;
  PetscFunctionReturn(0);
}

/*
  PdPinnLossWeightAnneal - the new weight from the two losses' gradients at this step's points (Wang,
  Teng & Perdikaris, Algorithm 1): w <- (1 - alpha) w + alpha max|grad L_r| / mean|grad (w L_b)|, the
  second loss's gradient taken with its current weight as the reference code does (its fixed point
  is w^2 = max/mean); unweighted, the ratio is max|grad L_r| / mean|grad L_b|, which runs away when
  the network meets the boundary data exactly. Leaves gradients in params (the caller zeroes them).
*/
PetscErrorCode PdPinnLossWeightAnneal(PdPinnLossWeight *lw, MPI_Comm comm, PdParams params, PdPinnTermGrad grad, void *ctx)
{
  double rmax, rmean, bmax, bmean;

  PetscFunctionBegin;
  PetscCall(PdParamsZeroGrad(params));
  PetscCall(grad(ctx, 0, 1.0));
  PetscCall(GradStats(comm, params, &rmax, &rmean));
  PetscCall(PdParamsZeroGrad(params));
  PetscCall(grad(ctx, 1, lw->form == PD_PINN_ANNEAL_WEIGHTED ? lw->weight : 1.0));
  PetscCall(GradStats(comm, params, &bmax, &bmean));
  if (bmean > 0 && PetscIsNormalReal(rmax / bmean)) lw->weight = (1 - lw->alpha) * lw->weight + lw->alpha * (rmax / bmean);
  PetscFunctionReturn(0);
}
