/* NOp type "mlp": a fully connected network on flattened samples,
   in -> width (-mlp_depth hidden layers, activation) -> out, Glorot-uniform weights, zero biases. */
#include "interface/nopimpl.h"

typedef struct {
  PetscInt     width, depth;
  PdActivation act;
  PdDenseStack net;
} NOp_MLP;

/* the hyperparameters: options and checkpoint attributes */
static const NOpHyper MLPHyper[] = {
  {"mlp_width", "-mlp_width", "Width of the hidden layers", NOP_HYPER_INT, offsetof(NOp_MLP, width), PETSC_FALSE, 1, 65536},
  {"mlp_depth", "-mlp_depth", "Number of hidden layers", NOP_HYPER_INT, offsetof(NOp_MLP, depth), PETSC_FALSE, 0, 64},
  {"mlp_activation", "-mlp_activation", "Activation between layers", NOP_HYPER_ACTIVATION, offsetof(NOp_MLP, act), PETSC_FALSE, 0, 0},
};
static const NOpHyperTable MLPHyperTable = {"MLP options", "NOpCreate_MLP", (PetscInt)PETSC_STATIC_ARRAY_LENGTH(MLPHyper), MLPHyper};

static PetscErrorCode NOpSetUp_MLP(NOp nop)
{
  NOp_MLP  *m = (NOp_MLP *)nop->data;
  PetscInt *sizes;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(m->depth + 2, &sizes));
  sizes[0] = nop->in_size;
  for (PetscInt l = 1; l <= m->depth; l++) sizes[l] = m->width;
  sizes[m->depth + 1] = nop->out_size;
  PetscCall(PdDenseStackSetUp(&m->net, nop->params, "", m->depth + 1, sizes, m->act, PETSC_FALSE));
  PetscCall(PetscFree(sizes));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpForward_MLP(NOp nop, PdTape tape, PdTensor x, PdTensor *y)
{
  NOp_MLP *m = (NOp_MLP *)nop->data;
  PdTensor h = x;
  PetscInt B = x->shape[0], shape[PD_MAX_DIMS];

  PetscFunctionBegin;
  PetscCheck(x->size == B * nop->in_size, nop->comm, PETSC_ERR_ARG_SIZ, "MLP input has %" PetscInt_FMT " values per sample; the model was built for %" PetscInt_FMT, x->size / B, nop->in_size);
  if (x->ndim != 2) {
    shape[0] = B;
    shape[1] = nop->in_size;
    PetscCall(PdReshape(x, 2, shape, &h));
  }
  PetscCall(PdDenseStackForward(&m->net, h, &h));
  if (nop->out_ndim != 1) {
    shape[0] = B;
    for (int i = 0; i < nop->out_ndim; i++) shape[i + 1] = nop->out_shape[i];
    PetscCall(PdReshape(h, nop->out_ndim + 1, shape, &h));
  }
  *y = h;
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpJet_MLP(NOp nop, PdTape tape, const PdJetSeed *seed, PetscInt K, PdJet *out)
{
  NOp_MLP *m = (NOp_MLP *)nop->data;

  PetscFunctionBegin;
  PetscCall(PdDenseStackJetForward(&m->net, seed, K, out));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpView_MLP(NOp nop, PetscViewer viewer)
{
  NOp_MLP *m = (NOp_MLP *)nop->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "MLP: %" PetscInt_FMT " hidden layers of width %" PetscInt_FMT ", activation %s\n", m->depth, m->width, PdActivations[m->act]));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpDestroy_MLP(NOp nop)
{
  NOp_MLP *m = (NOp_MLP *)nop->data;

  PetscFunctionBegin;
  PetscCall(PdDenseStackDestroy(&m->net));
  PetscCall(PetscFree(nop->data));
  PetscFunctionReturn(0);
}

/*@
  NOpCreate_MLP - the multilayer perceptron type

  Options: -mlp_width <64> -mlp_depth <3> -mlp_activation <tanh,gelu,relu,sin,softplus>
@*/
PetscErrorCode NOpCreate_MLP(NOp nop)
{
  NOp_MLP *m;

  PetscFunctionBegin;
  PetscCall(PetscNew(&m));
  m->width         = 64;
  m->depth         = 3;
  m->act           = PD_ACT_TANH;
  nop->data        = m;
  nop->ops.hyper   = &MLPHyperTable;
  nop->ops.setup   = NOpSetUp_MLP;
  nop->ops.forward = NOpForward_MLP;
  nop->ops.jet     = NOpJet_MLP;
  nop->ops.view    = NOpView_MLP;
  nop->ops.destroy = NOpDestroy_MLP;
  PetscFunctionReturn(0);
}

/*@
  NOpMLPSetLayers - the hidden layers of an mlp model: depth layers of the given width

  Options: -mlp_width <64> -mlp_depth <3>. Call before NOpSetUp.
@*/
PetscErrorCode NOpMLPSetLayers(NOp nop, PetscInt width, PetscInt depth)
{
  NOp_MLP *m;

  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPMLP, "NOpMLPSetLayers"));
  m = (NOp_MLP *)nop->data;
  {
    PetscInt *const f[2] = {&m->width, &m->depth};
    const PetscInt  v[2] = {width, depth};
    PetscCall(NOpHyperSetIntsChecked(nop, 2, f, v));
  }
  PetscFunctionReturn(0);
}

/*@ NOpMLPGetLayers - width and number of hidden layers of an mlp model (either may be NULL) @*/
PetscErrorCode NOpMLPGetLayers(NOp nop, PetscInt *width, PetscInt *depth)
{
  NOp_MLP *m;

  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPMLP, NULL));
  m = (NOp_MLP *)nop->data;
  if (width) *width = m->width;
  if (depth) *depth = m->depth;
  PetscFunctionReturn(0);
}

/*@
  NOpMLPSetActivation - the activation between the layers of an mlp model

  Options: -mlp_activation <tanh,gelu,relu,sin,softplus>. Call before NOpSetUp.
@*/
PetscErrorCode NOpMLPSetActivation(NOp nop, PdActivation act)
{
  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPMLP, "NOpMLPSetActivation"));
  PetscCheck(act >= PD_ACT_TANH && act <= PD_ACT_SOFTPLUS, nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "Unknown activation %d", (int)act);
  ((NOp_MLP *)nop->data)->act = act;
  PetscFunctionReturn(0);
}
