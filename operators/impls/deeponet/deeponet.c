/* NOp type "deeponet": the unstacked DeepONet of Lu et al. (Nature Machine Intelligence 2021).
   A branch MLP reads the input function at its sensor points (the whole input sample, flattened),
   a trunk MLP reads query coordinates (the output grid's points, x = i/(N-1)), and the operator's value
   is the dot product of their -deeponet_p features plus a bias, for each output channel. */
#include "interface/nopimpl.h"

typedef struct {
  PetscInt     width, depth, p;
  PdActivation act;
  int          qdim; /* coordinates per query point */
  PetscInt     nq;   /* query points (output grid) */
  PdDenseStack branch, trunk;
  PdTensor     bias; /* [cout, 1] */
} NOp_DeepONet;

/* the hyperparameters: options and checkpoint attributes */
static const NOpHyper DeepONetHyper[] = {
  {"deeponet_width", "-deeponet_width", "Width of the branch and trunk hidden layers", NOP_HYPER_INT, offsetof(NOp_DeepONet, width), PETSC_FALSE, 1, NOP_HYPER_INT_MAX},
  {"deeponet_depth", "-deeponet_depth", "Hidden layers of the branch and of the trunk", NOP_HYPER_INT, offsetof(NOp_DeepONet, depth), PETSC_FALSE, 0, NOP_HYPER_INT_MAX},
  {"deeponet_p", "-deeponet_p", "Number of basis functions (features of branch and trunk)", NOP_HYPER_INT, offsetof(NOp_DeepONet, p), PETSC_FALSE, 1, NOP_HYPER_INT_MAX},
  {"deeponet_activation", "-deeponet_activation", "Activation", NOP_HYPER_ACTIVATION, offsetof(NOp_DeepONet, act), PETSC_FALSE, 0, 0},
};
static const NOpHyperTable DeepONetHyperTable = {"DeepONet options", "NOpCreate_DeepONet", (PetscInt)PETSC_STATIC_ARRAY_LENGTH(DeepONetHyper), DeepONetHyper};

static PetscErrorCode NOpSetUp_DeepONet(NOp nop)
{
  NOp_DeepONet *d = (NOp_DeepONet *)nop->data;
  PetscInt     *sizes, cout = nop->out_shape[0];

  PetscFunctionBegin;
  /* output samples are [Cout, grid...]; a flat output vector [M] is one channel on a 1D grid */
  d->qdim = nop->out_ndim == 1 ? 1 : nop->out_ndim - 1;
  if (nop->out_ndim == 1) cout = 1;
  d->nq = nop->out_size / cout;
  PetscCheck(d->qdim <= 3, nop->comm, PETSC_ERR_ARG_SIZ, "DeepONet supports output grids of 1 to 3 dimensions");
  PetscCall(PetscMalloc1(d->depth + 2, &sizes));
  sizes[0] = nop->in_size;
  for (PetscInt l = 1; l <= d->depth; l++) sizes[l] = d->width;
  sizes[d->depth + 1] = d->p * cout;
  PetscCall(PdDenseStackSetUp(&d->branch, nop->params, "branch", d->depth + 1, sizes, d->act, PETSC_FALSE));
  sizes[0]            = d->qdim;
  sizes[d->depth + 1] = d->p;
  PetscCall(PdDenseStackSetUp(&d->trunk, nop->params, "trunk", d->depth + 1, sizes, d->act, PETSC_TRUE));
  sizes[0] = cout;
  sizes[1] = 1;
  PetscCall(PdParamsAdd(nop->params, "bias", 2, sizes, PD_INIT_ZERO, 0.0f, &d->bias));
  PetscCall(PetscFree(sizes));
  PetscFunctionReturn(0);
}

/* query coordinates of the output grid, row-major over [grid...], each in [0,1] */
static PetscErrorCode Queries(NOp nop, PdTape tape, PdTensor *q)
{
  NOp_DeepONet *d        = (NOp_DeepONet *)nop->data;
  PetscInt      shape[2] = {d->nq, d->qdim}, n[3] = {1, 1, 1};

  PetscFunctionBegin;
  if (nop->out_ndim == 1) n[0] = d->nq;
  else
    for (int k = 0; k < d->qdim; k++) n[k] = nop->out_shape[1 + k];
  PetscCall(PdTapeInput(tape, 2, shape, q));
  for (PetscInt i = 0; i < d->nq; i++) {
    PetscInt r = i;
    for (int k = d->qdim - 1; k >= 0; k--) {
      PetscInt ik = r % n[k];
      r /= n[k];
      (*q)->data[i * d->qdim + k] = n[k] > 1 ? (float)ik / (float)(n[k] - 1) : 0.0f;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpForward_DeepONet(NOp nop, PdTape tape, PdTensor x, PdTensor *y)
{
  NOp_DeepONet *d = (NOp_DeepONet *)nop->data;
  PetscInt      B = x->shape[0], cout = nop->out_ndim == 1 ? 1 : nop->out_shape[0], shape[PD_MAX_DIMS];
  PdTensor      h, q, t, o, bias;

  PetscFunctionBegin;
  PetscCheck(x->size == B * nop->in_size, nop->comm, PETSC_ERR_ARG_SIZ, "DeepONet's branch reads %" PetscInt_FMT " sensor values per sample, got %" PetscInt_FMT " (it does not change resolution)", nop->in_size, x->size / B);
  shape[0] = B;
  shape[1] = nop->in_size;
  PetscCall(PdReshape(x, 2, shape, &h));
  PetscCall(PdDenseStackForward(&d->branch, h, &h)); /* [B, cout p] */
  shape[0] = B * cout;
  shape[1] = d->p;
  PetscCall(PdReshape(h, 2, shape, &h)); /* [B cout, p] */
  PetscCall(Queries(nop, tape, &q));
  PetscCall(PdDenseStackForward(&d->trunk, q, &t));       /* [Q, p] */
  PetscCall(PdMatMul(h, t, PETSC_FALSE, PETSC_TRUE, &o)); /* [B cout, Q] */
  shape[0] = B;
  shape[1] = cout;
  shape[2] = d->nq;
  PetscCall(PdReshape(o, 3, shape, &o));
  /* one bias per channel: [cout, 1] x ones [1, Q] broadcast over [B, cout, Q] */
  {
    PdTensor ones;
    shape[0] = 1;
    shape[1] = d->nq;
    PetscCall(PdTapeInput(tape, 2, shape, &ones));
    for (PetscInt i = 0; i < d->nq; i++) ones->data[i] = 1.0f;
    PetscCall(PdMatMul(d->bias, ones, PETSC_FALSE, PETSC_FALSE, &bias));
  }
  PetscCall(PdAdd(o, bias, &o));
  shape[0] = B;
  for (int i = 0; i < nop->out_ndim; i++) shape[i + 1] = nop->out_shape[i];
  PetscCall(PdReshape(o, nop->out_ndim + 1, shape, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpView_DeepONet(NOp nop, PetscViewer viewer)
{
  NOp_DeepONet *d = (NOp_DeepONet *)nop->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "DeepONet (unstacked): branch and trunk with %" PetscInt_FMT " hidden layers of width %" PetscInt_FMT ", %" PetscInt_FMT " basis functions, %s\n", d->depth, d->width, d->p, PdActivations[d->act]));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpDestroy_DeepONet(NOp nop)
{
  NOp_DeepONet *d = (NOp_DeepONet *)nop->data;

  PetscFunctionBegin;
  PetscCall(PdDenseStackDestroy(&d->branch));
  PetscCall(PdDenseStackDestroy(&d->trunk));
  PetscCall(PetscFree(nop->data));
  PetscFunctionReturn(0);
}

/*@
  NOpCreate_DeepONet - the unstacked DeepONet type

  Options: -deeponet_width <128> -deeponet_depth <3> -deeponet_p <128> -deeponet_activation <relu,...>
@*/
PetscErrorCode NOpCreate_DeepONet(NOp nop)
{
  NOp_DeepONet *d;

  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  d->width         = 128;
  d->depth         = 3;
  d->p             = 128;
  d->act           = PD_ACT_RELU;
  nop->data        = d;
  nop->ops.hyper   = &DeepONetHyperTable;
  nop->ops.setup   = NOpSetUp_DeepONet;
  nop->ops.forward = NOpForward_DeepONet;
  nop->ops.view    = NOpView_DeepONet;
  nop->ops.destroy = NOpDestroy_DeepONet;
  PetscFunctionReturn(0);
}
