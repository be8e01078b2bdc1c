/* The NOp model object: type registry, options, set-up of parameters, forward dispatch, and
   checkpoints that rebuild a model from the file alone. */
#include "interface/nopimpl.h"
#include <pdeop/parallel.h>
#include <pdeop/options.h>
#include <pdeop/io.h>
#include <pdeop/registry.h>

static PdRegistry NOpRegistry = PD_REGISTRY_INITIALIZER("model type");

/*@ NOpRegister - add a model type: NOpRegister("name", NOpCreate_Name) @*/
PetscErrorCode NOpRegister(const char name[], PetscErrorCode (*create)(NOp))
{
  PetscFunctionBegin;
  PetscCall(PdRegistryAdd(&NOpRegistry, name, NULL, (PetscVoidFunction)create));
  PetscFunctionReturn(0);
}

/*@ NOpRegisterAll - register pdeop's built-in model types (called by PdRegisterAll) @*/
PetscErrorCode NOpRegisterAll(void)
{
  PetscBool todo;

  PetscFunctionBegin;
  PetscCall(PdRegistryBeginAll(&NOpRegistry, &todo));
  if (!todo) PetscFunctionReturn(0);
  PetscCall(NOpRegister(NOPMLP, NOpCreate_MLP));
  PetscCall(NOpRegister(NOPFNO, NOpCreate_FNO));
  PetscCall(NOpRegister(NOPDEEPONET, NOpCreate_DeepONet));
  PetscCall(NOpRegister(NOPMGNO, NOpCreate_MgNO));
  PetscCall(NOpRegister(NOPLEARNEDIC, NOpCreate_LearnedIC));
  PetscFunctionReturn(0);
}

/*@ NOpCreate - an empty model on a communicator; set its type, shapes and options next @*/
PetscErrorCode NOpCreate(MPI_Comm comm, NOp *nop)
{
  NOp n;

  PetscFunctionBegin;
  PetscCall(NOpRegisterAll());
  PetscCall(PetscNew(&n));
  n->comm        = comm;
  n->seed        = 0;
  n->seed_option = PETSC_TRUE;
  n->init_stream = PD_RNG_STREAM_NOP_INIT;
  PetscCall(PdParamsCreate(comm, &n->params));
  *nop = n;
  PetscFunctionReturn(0);
}

/*@ NOpDestroy - free a model and its parameters; sets *nop to NULL @*/
PetscErrorCode NOpDestroy(NOp *nop)
{
  PetscFunctionBegin;
  if (!*nop) PetscFunctionReturn(0);
  if ((*nop)->ops.destroy) PetscCall((*nop)->ops.destroy(*nop));
  PetscCall(PetscFree4((*nop)->in_mean, (*nop)->in_std, (*nop)->out_mean, (*nop)->out_std));
  PetscCall(PdParamsDestroy(&(*nop)->params));
  PetscCall(PetscFree(*nop));
  PetscFunctionReturn(0);
}

/*@ NOpSetType - choose the model type (mlp, ...) @*/
PetscErrorCode NOpSetType(NOp nop, NOpType type)
{
  PetscErrorCode (*create)(NOp);

  PetscFunctionBegin;
  PetscCall(PdRegistryChange(&NOpRegistry, nop->comm, nop->type, type, (PetscVoidFunction *)&create));
  if (!create) PetscFunctionReturn(0);
  PetscCheck(!nop->setupcalled, nop->comm, PETSC_ERR_ARG_WRONGSTATE, "Cannot change the type of a model after NOpSetUp");
  if (nop->ops.destroy) PetscCall(nop->ops.destroy(nop));
  PetscCall(PetscMemzero(&nop->ops, sizeof(nop->ops)));
  nop->data         = NULL;
  nop->init_stream  = PD_RNG_STREAM_NOP_INIT;
  nop->fixed_shapes = PETSC_FALSE;
  PetscCall(PetscStrncpy(nop->type, type, sizeof(nop->type)));
  PetscCall(create(nop));
  PetscFunctionReturn(0);
}

/* for type-specific setters and getters: setter names the function (and requires no set-up yet), NULL for a getter */
PetscErrorCode NOpCheckTypeForSetter(NOp nop, NOpType type, const char setter[])
{
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(nop->type, type, &same));
  PetscCheck(same, nop->comm, PETSC_ERR_ARG_WRONG, "%s applies to models of type %s; this one is of type %s", setter ? setter : "This getter", type, nop->type[0] ? nop->type : "(not set)");
  PetscCheck(!setter || !nop->setupcalled, nop->comm, PETSC_ERR_ARG_WRONGSTATE, "%s: the model is already set up", setter);
  PetscFunctionReturn(0);
}

PetscErrorCode NOpGetType(NOp nop, NOpType *type)
{
  PetscFunctionBegin;
  *type = nop->type;
  PetscFunctionReturn(0);
}

PetscErrorCode NOpGetComm(NOp nop, MPI_Comm *comm)
{
  PetscFunctionBegin;
  *comm = nop->comm;
  PetscFunctionReturn(0);
}

/*@ NOpSetShapes - per-sample input and output shapes (no batch dimension) @*/
PetscErrorCode NOpSetShapes(NOp nop, int in_ndim, const PetscInt in_shape[], int out_ndim, const PetscInt out_shape[])
{
  PetscFunctionBegin;
  PetscCheck(!nop->setupcalled, nop->comm, PETSC_ERR_ARG_WRONGSTATE, "Cannot change a model's shapes after NOpSetUp");
  PetscCheck(!nop->fixed_shapes, nop->comm, PETSC_ERR_ARG_WRONG, "Models of type %s have fixed shapes and are not trained on datasets (a learned_ic network is trained with: pdeop precond train -type learned_ic)", nop->type);
  PetscCheck(in_ndim >= 1 && in_ndim < PD_MAX_DIMS && out_ndim >= 1 && out_ndim < PD_MAX_DIMS, nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "Sample shapes must have 1 to %d dimensions", PD_MAX_DIMS - 1);
  nop->in_ndim  = in_ndim;
  nop->out_ndim = out_ndim;
  for (int i = 0; i < in_ndim; i++) nop->in_shape[i] = in_shape[i];
  for (int i = 0; i < out_ndim; i++) nop->out_shape[i] = out_shape[i];
  PetscCall(PdShapeSize(in_ndim, in_shape, &nop->in_size));
  PetscCall(PdShapeSize(out_ndim, out_shape, &nop->out_size));
  PetscFunctionReturn(0);
}

PetscErrorCode NOpGetShapes(NOp nop, int *in_ndim, const PetscInt **in_shape, int *out_ndim, const PetscInt **out_shape)
{
  PetscFunctionBegin;
  if (in_ndim) *in_ndim = nop->in_ndim;
  if (in_shape) *in_shape = nop->in_shape;
  if (out_ndim) *out_ndim = nop->out_ndim;
  if (out_shape) *out_shape = nop->out_shape;
  PetscFunctionReturn(0);
}

/*@
  NOpCheckData - a dataset's samples ([N, C, spatial...]: its inputs, or with outputs its outputs)
  have the model's number of spatial dimensions and channels; otherwise one error naming both (what:
  "training", "test", ...)
@*/
PetscErrorCode NOpCheckData(NOp nop, const PdDataset *ds, PetscBool outputs, const char what[])
{
  const int       dnd = (outputs ? ds->out_ndim : ds->in_ndim) - 1, mnd = outputs ? nop->out_ndim : nop->in_ndim;
  const PetscInt *ds_s = (outputs ? ds->out_shape : ds->in_shape) + 1, *m_s = outputs ? nop->out_shape : nop->in_shape;
  char            dd[64], md[64];

  PetscFunctionBegin;
  if (dnd == mnd && (dnd < 1 || ds_s[0] == m_s[0])) PetscFunctionReturn(0);
  PetscCall(PdSampleDescribe(dnd, ds_s, dd, sizeof(dd)));
  PetscCall(PdSampleDescribe(mnd, m_s, md, sizeof(md)));
  SETERRQ(nop->comm, PETSC_ERR_ARG_SIZ, "The %s set's %s (%s) do not fit the model (%s, %s)%s", what, outputs ? "outputs" : "inputs", dd, nop->type, md,
          dnd != mnd ? ": a model of one spatial dimension cannot take data of another (the attribute spatial_dims of /inputs and /outputs says how many a file has)" : "");
}

/*@
  NOpSetSeedOption - whether NOpSetFromOptions reads -seed (default yes); a caller whose own -seed
  sets the model's seed (the PINNs) turns it off, so that -seed is one option with one meaning
@*/
PetscErrorCode NOpSetSeedOption(NOp nop, PetscBool flg)
{
  PetscFunctionBegin;
  nop->seed_option = flg;
  PetscFunctionReturn(0);
}

/*@ NOpSetSeed - seed of the parameter initialisation @*/
PetscErrorCode NOpSetSeed(NOp nop, PetscInt64 seed)
{
  PetscFunctionBegin;
  nop->seed = seed;
  PetscFunctionReturn(0);
}

PetscErrorCode NOpGetSeed(NOp nop, PetscInt64 *seed)
{
  PetscFunctionBegin;
  *seed = nop->seed;
  PetscFunctionReturn(0);
}

/*@
  NOpSetFromOptions - configure a model from the options database

  Options: -model <mlp,...> the type; -seed <n> initialisation seed; and the type's own options.
@*/
PetscErrorCode NOpSetFromOptions(NOp nop)
{
  char      type[64];
  PetscBool flg;
  PetscInt  seed = (PetscInt)nop->seed;

  PetscFunctionBegin;
  PetscCall(NOpRegisterAll());
  PetscCall(PetscStrncpy(type, nop->type[0] ? nop->type : NOPMLP, sizeof(type)));
  PetscOptionsBegin(nop->comm, NULL, "Model options", "NOp");
  PetscCall(PdOptionsNeedValue(PetscOptionsObject, "-model", "a model type"));
  PetscCall(PetscOptionsFList("-model", "Model type", "NOpSetType", NOpRegistry.list, type, type, sizeof(type), &flg));
  PetscCall(NOpSetType(nop, type));
  if (nop->seed_option) PetscCall(PdOptionsInt("-seed", "Seed of the random initialisation and of data shuffling", "NOpSetSeed", seed, &seed, NULL));
  nop->seed = seed;
  PetscCall(NOpHyperSetFromOptions(nop, PetscOptionsObject));
  if (nop->ops.setfromoptions) PetscCall(nop->ops.setfromoptions(nop, PetscOptionsObject));
  PetscOptionsEnd();
  PetscCheck(seed >= 0, nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative, got %" PetscInt_FMT, seed);
  PetscCall(NOpHyperCheck(nop));
  PetscFunctionReturn(0);
}

/*@ NOpSetUp - declare and initialise the parameters (seeded) @*/
PetscErrorCode NOpSetUp(NOp nop)
{
  PdRng rng;

  PetscFunctionBegin;
  if (nop->setupcalled) PetscFunctionReturn(0);
  PetscCheck(nop->type[0], nop->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the model type (NOpSetType or -model) before NOpSetUp");
  PetscCheck(nop->in_ndim > 0 && nop->out_ndim > 0, nop->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the model's input and output shapes (NOpSetShapes) before NOpSetUp");
  PetscCall(NOpHyperCheck(nop));
  PetscCall(nop->ops.setup(nop));
  PetscCall(PdRngSeed(&rng, (uint64_t)nop->seed, nop->init_stream));
  PetscCall(PdParamsSetUp(nop->params, &rng));
  nop->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@ NOpSetNormalization - per-channel means and standard deviations of inputs and outputs @*/
PetscErrorCode NOpSetNormalization(NOp nop, const double in_mean[], const double in_std[], const double out_mean[], const double out_std[])
{
  PetscInt ci = nop->in_shape[0], co = nop->out_shape[0];

  PetscFunctionBegin;
  PetscCheck(nop->in_ndim > 0, nop->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the model's shapes before its normalisation");
  PetscCall(PetscFree4(nop->in_mean, nop->in_std, nop->out_mean, nop->out_std));
  PetscCall(PetscMalloc4(ci, &nop->in_mean, ci, &nop->in_std, co, &nop->out_mean, co, &nop->out_std));
  for (PetscInt c = 0; c < ci; c++) {
    PetscCheck(in_std[c] > 0 && PetscIsNormalReal(in_std[c]), nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "Input channel %" PetscInt_FMT " has standard deviation %g; it must be positive", c, in_std[c]);
    PetscCheck(!PetscIsInfOrNanReal(in_mean[c]), nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "Input channel %" PetscInt_FMT " has mean %g; it must be finite", c, in_mean[c]);
    nop->in_mean[c] = in_mean[c];
    nop->in_std[c]  = in_std[c];
  }
  for (PetscInt c = 0; c < co; c++) {
    PetscCheck(out_std[c] > 0 && PetscIsNormalReal(out_std[c]), nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "Output channel %" PetscInt_FMT " has standard deviation %g; it must be positive", c, out_std[c]);
    PetscCheck(!PetscIsInfOrNanReal(out_mean[c]), nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "Output channel %" PetscInt_FMT " has mean %g; it must be finite", c, out_mean[c]);
    nop->out_mean[c] = out_mean[c];
    nop->out_std[c]  = out_std[c];
  }
  nop->normalized = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode NOpGetNormalized(NOp nop, PetscBool *flg)
{
  PetscFunctionBegin;
  *flg = nop->normalized;
  PetscFunctionReturn(0);
}

/*@
  NOpSetRollout - declare the model recurrent: it maps the last t_in snapshots of a time series (its
  input channels) to the next one (one output channel of the same grid), trained unrolling K steps

  Input: K >= 1, the number of steps unrolled in training; 0 makes the model a direct map again.
  Saved in checkpoints as the attributes "rollout" and "t_in".
@*/
PetscErrorCode NOpSetRollout(NOp nop, PetscInt K)
{
  PetscFunctionBegin;
  PetscCheck(K >= 0, nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "The rollout length must be at least 1 (0: no rollout), got %" PetscInt_FMT, K);
  if (K > 0) {
    PetscCheck(nop->in_ndim > 1 && nop->in_ndim == nop->out_ndim && nop->out_shape[0] == 1, nop->comm, PETSC_ERR_ARG_SIZ, "A recurrent model maps [t_in, grid] to [1, grid]: set its shapes first (NOpSetShapes)");
    for (int d = 1; d < nop->in_ndim; d++) PetscCheck(nop->in_shape[d] == nop->out_shape[d], nop->comm, PETSC_ERR_ARG_SIZ, "A recurrent model's input and output grids must agree");
  }
  nop->rollout = K;
  PetscFunctionReturn(0);
}

PetscErrorCode NOpGetRollout(NOp nop, PetscInt *K)
{
  PetscFunctionBegin;
  *K = nop->rollout;
  PetscFunctionReturn(0);
}

/* y = x * scale[c] + shift[c] per channel c (dimension 1 of x), as differentiable engine ops */
static PetscErrorCode ChannelAffine(PdTape tape, PdTensor x, const double *scale, const double *shift, PetscBool inverse, PdTensor *y)
{
  PdTensor S, T;
  PetscInt C = x->shape[1], inner = x->size / (x->shape[0] * C);

  PetscFunctionBegin;
  PetscCall(PdTapeInput(tape, x->ndim - 1, x->shape + 1, &S));
  PetscCall(PdTapeInput(tape, x->ndim - 1, x->shape + 1, &T));
  for (PetscInt c = 0; c < C; c++)
    for (PetscInt k = 0; k < inner; k++) {
      /* forward: (x - mean) / std; inverse: x std + mean */
      S->data[c * inner + k] = (float)(inverse ? scale[c] : 1.0 / scale[c]);
      T->data[c * inner + k] = (float)(inverse ? shift[c] : -shift[c] / scale[c]);
    }
  PetscCall(PdMul(x, S, y));
  PetscCall(PdAdd(*y, T, y));
  PetscFunctionReturn(0);
}

/*@ NOpForward - y = model(x) on a tape; x is [B, input shape], y is [B, output shape] @*/
PetscErrorCode NOpForward(NOp nop, PdTape tape, PdTensor x, PdTensor *y)
{
  char s[96], e[96];

  PetscFunctionBegin;
  PetscCheck(!nop->type[0] || nop->ops.forward, nop->comm, PETSC_ERR_SUP, "Model type %s has no NOpForward on tensors: a learned_ic network works on a matrix's graph (NOpLearnedICForward; use it with -pc_type learned_ic -pc_learned_model file)", nop->type);
  PetscCall(NOpSetUp(nop));
  /* the rank and channels must match; spatial sizes are the type's business (FNO takes any) */
  if (x->ndim != nop->in_ndim + 1 || x->shape[1] != nop->in_shape[0]) {
    PetscCall(PdShapeString(x->ndim, x->shape, s, sizeof(s)));
    PetscCall(PdShapeString(nop->in_ndim, nop->in_shape, e, sizeof(e)));
    SETERRQ(nop->comm, PETSC_ERR_ARG_SIZ, "Model input has shape %s; expected [batch] + %s", s, e);
  }
  if (nop->normalized) {
    PetscInt ishape[PD_MAX_DIMS] = {x->shape[0], 1}, oshape[PD_MAX_DIMS];
    PdTensor xin                 = x;
    if (x->ndim == 1) PetscCall(PdReshape(x, 2, ishape, &xin));
    PetscCall(ChannelAffine(tape, xin, nop->in_std, nop->in_mean, PETSC_FALSE, &xin));
    if (x->ndim == 1) PetscCall(PdReshape(xin, 1, x->shape, &xin));
    PetscCall(nop->ops.forward(nop, tape, xin, y));
    if ((*y)->ndim == 1) {
      oshape[0] = (*y)->shape[0];
      oshape[1] = 1;
      PetscCall(PdReshape(*y, 2, oshape, y));
    }
    PetscCall(ChannelAffine(tape, *y, nop->out_std, nop->out_mean, PETSC_TRUE, y));
  } else PetscCall(nop->ops.forward(nop, tape, x, y));
  PetscFunctionReturn(0);
}

/*@ NOpView - print the type, shapes, hyperparameters and parameter count @*/
PetscErrorCode NOpView(NOp nop, PetscViewer viewer)
{
  PetscInt n;
  char     si[96], so[96];

  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(nop->comm, &viewer));
  PetscCall(PdParamsGetSize(nop->params, &n));
  PetscCall(PdShapeString(nop->in_ndim, nop->in_shape, si, sizeof(si)));
  PetscCall(PdShapeString(nop->out_ndim, nop->out_shape, so, sizeof(so)));
  PetscCall(PetscViewerASCIIPrintf(viewer, "NOp type %s: input %s -> output %s, %" PetscInt_FMT " parameters, seed %" PetscInt64_FMT "\n", nop->type, si, so, n, nop->seed));
  if (nop->ops.view) {
    PetscCall(PetscViewerASCIIPushTab(viewer));
    PetscCall(nop->ops.view(nop, viewer));
    PetscCall(PetscViewerASCIIPopTab(viewer));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NOpGetParams(NOp nop, PdParams *params)
{
  PetscFunctionBegin;
  *params = nop->params;
  PetscFunctionReturn(0);
}

PetscErrorCode NOpGetParamCount(NOp nop, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCall(NOpSetUp(nop));
  PetscCall(PdParamsGetSize(nop->params, n));
  PetscFunctionReturn(0);
}

static PetscErrorCode ShapeToString(int nd, const PetscInt shape[], char *buf, size_t len)
{
  size_t n = 0;

  PetscFunctionBegin;
  buf[0] = 0;
  for (int i = 0; i < nd; i++) n += (size_t)snprintf(buf + n, len - n, i ? ",%" PetscInt_FMT : "%" PetscInt_FMT, shape[i]);
  PetscFunctionReturn(0);
}

static PetscErrorCode ShapeFromString(MPI_Comm comm, const char *str, const char *what, int *nd, PetscInt shape[])
{
  const char *p = str;

  PetscFunctionBegin;
  *nd = 0;
  while (*p) {
    char *end;
    long  v = strtol(p, &end, 10);
    PetscCheck(end != p && v > 0 && *nd < PD_MAX_DIMS - 1, comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint attribute %s = '%s' is not a shape like 1,64,64", what, str);
    shape[(*nd)++] = (PetscInt)v;
    p              = end;
    if (*p == ',') p++;
  }
  PetscCheck(*nd > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint attribute %s is empty", what);
  PetscFunctionReturn(0);
}

/*@ NOpGetMeta - add the model's type, shapes, seed and hyperparameters to a dictionary @*/
PetscErrorCode NOpGetMeta(NOp nop, PdDict meta)
{
  char buf[128];

  PetscFunctionBegin;
  PetscCall(PdDictSetString(meta, "model", nop->type));
  PetscCall(ShapeToString(nop->in_ndim, nop->in_shape, buf, sizeof(buf)));
  PetscCall(PdDictSetString(meta, "input_shape", buf));
  PetscCall(ShapeToString(nop->out_ndim, nop->out_shape, buf, sizeof(buf)));
  PetscCall(PdDictSetString(meta, "output_shape", buf));
  PetscCall(PdDictSetInt(meta, "seed", nop->seed));
  PetscCall(PdDictSetBool(meta, "normalized", nop->normalized));
  if (nop->normalized) {
    char key[64];
    for (PetscInt c = 0; c < nop->in_shape[0]; c++) {
      PetscCall(PetscSNPrintf(key, sizeof(key), "input_mean_%" PetscInt_FMT, c));
      PetscCall(PdDictSetReal(meta, key, nop->in_mean[c]));
      PetscCall(PetscSNPrintf(key, sizeof(key), "input_std_%" PetscInt_FMT, c));
      PetscCall(PdDictSetReal(meta, key, nop->in_std[c]));
    }
    for (PetscInt c = 0; c < nop->out_shape[0]; c++) {
      PetscCall(PetscSNPrintf(key, sizeof(key), "output_mean_%" PetscInt_FMT, c));
      PetscCall(PdDictSetReal(meta, key, nop->out_mean[c]));
      PetscCall(PetscSNPrintf(key, sizeof(key), "output_std_%" PetscInt_FMT, c));
      PetscCall(PdDictSetReal(meta, key, nop->out_std[c]));
    }
  }
  if (nop->rollout > 0) {
    PetscCall(PdDictSetInt(meta, "rollout", nop->rollout));
    PetscCall(PdDictSetInt(meta, "t_in", nop->in_shape[0]));
  }
  PetscCall(NOpHyperGetMeta(nop, meta));
  if (nop->ops.getmeta) PetscCall(nop->ops.getmeta(nop, meta));
  PetscFunctionReturn(0);
}

/*@ NOpCreateFromMeta - rebuild a model (not yet set up) from what NOpGetMeta recorded @*/
PetscErrorCode NOpCreateFromMeta(MPI_Comm comm, PdDict meta, NOp *nop)
{
  const char *type, *s;
  int         ni, no;
  PetscInt    si[PD_MAX_DIMS], so[PD_MAX_DIMS];
  PetscInt64  seed;
  NOp         n;

  PetscFunctionBegin;
  PetscCall(PdDictGetString(meta, "model", &type));
  PetscCall(NOpCreate(comm, &n));
  PetscCall(NOpSetType(n, type));
  if (n->fixed_shapes) { /* the type's own; files of the former learned_ic format do not record them */
    ni = n->in_ndim;
    no = n->out_ndim;
    for (int i = 0; i < ni; i++) si[i] = n->in_shape[i];
    for (int i = 0; i < no; i++) so[i] = n->out_shape[i];
  } else {
    PetscCall(PdDictGetString(meta, "input_shape", &s));
    PetscCall(ShapeFromString(comm, s, "input_shape", &ni, si));
    PetscCall(PdDictGetString(meta, "output_shape", &s));
    PetscCall(ShapeFromString(comm, s, "output_shape", &no, so));
    PetscCall(NOpSetShapes(n, ni, si, no, so));
  }
  PetscCall(PdDictGetInt(meta, "seed", &seed));
  n->seed = seed;
  {
    PetscBool has, norm = PETSC_FALSE;
    PetscCall(PdDictHas(meta, "normalized", &has));
    if (has) PetscCall(PdDictGetBool(meta, "normalized", &norm));
    if (norm) {
      double *im, *is, *om, *os;
      char    key[64];
      PetscCall(PetscMalloc4(si[0], &im, si[0], &is, so[0], &om, so[0], &os));
      for (PetscInt c = 0; c < si[0]; c++) {
        PetscCall(PetscSNPrintf(key, sizeof(key), "input_mean_%" PetscInt_FMT, c));
        PetscCall(PdDictGetReal(meta, key, &im[c]));
        PetscCall(PetscSNPrintf(key, sizeof(key), "input_std_%" PetscInt_FMT, c));
        PetscCall(PdDictGetReal(meta, key, &is[c]));
      }
      for (PetscInt c = 0; c < so[0]; c++) {
        PetscCall(PetscSNPrintf(key, sizeof(key), "output_mean_%" PetscInt_FMT, c));
        PetscCall(PdDictGetReal(meta, key, &om[c]));
        PetscCall(PetscSNPrintf(key, sizeof(key), "output_std_%" PetscInt_FMT, c));
        PetscCall(PdDictGetReal(meta, key, &os[c]));
      }
      PetscCall(NOpSetNormalization(n, im, is, om, os));
      PetscCall(PetscFree4(im, is, om, os));
    }
  }
  {
    PetscBool  has;
    PetscInt64 K, tin;
    PetscCall(PdDictHas(meta, "rollout", &has));
    if (has) {
      PetscCall(PdDictGetInt(meta, "rollout", &K));
      PetscCall(PdDictGetInt(meta, "t_in", &tin));
      PetscCheck(K >= 1 && tin == si[0], comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint attributes rollout = %" PetscInt64_FMT ", t_in = %" PetscInt64_FMT " do not fit the input shape (%" PetscInt_FMT " channels)", K, tin, si[0]);
      PetscCall(NOpSetRollout(n, (PetscInt)K));
    }
  }
  PetscCall(NOpHyperSetMeta(n, meta));
  if (n->ops.setmeta) PetscCall(n->ops.setmeta(n, meta));
  *nop = n;
  PetscFunctionReturn(0);
}

/*@ NOpSave - write a checkpoint: metadata, parameters, optimizer state (optional) and epoch @*/
PetscErrorCode NOpSave(NOp nop, const char file[], PdOptim optim, PetscInt epoch)
{
  PetscFunctionBegin;
  PetscCall(NOpSaveTraining(nop, file, optim, epoch, NULL));
  PetscFunctionReturn(0);
}

/*@ NOpSaveTraining - NOpSave with the training run's settings (may be NULL; see PdCheckpointWriteTraining) @*/
PetscErrorCode NOpSaveTraining(NOp nop, const char file[], PdOptim optim, PetscInt epoch, PdDict training)
{
  PdDict meta;

  PetscFunctionBegin;
  PetscCall(NOpSetUp(nop));
  PetscCall(PdDictCreate(&meta));
  PetscCall(NOpGetMeta(nop, meta));
  PetscCall(PdCheckpointWriteTraining(nop->comm, file, meta, nop->params, optim, epoch, training));
  PetscCall(PdDictDestroy(&meta));
  PetscFunctionReturn(0);
}

/*@ NOpLoad - rebuild a model from a checkpoint alone and load its parameters; epoch may be NULL @*/
PetscErrorCode NOpLoad(MPI_Comm comm, const char file[], NOp *nop, PetscInt *epoch)
{
  PdDict   meta;
  PetscInt e;

  PetscFunctionBegin;
  PetscCall(PdCheckpointReadMeta(comm, file, &meta, &e));
  {
    PetscBool has;
    PetscCall(PdDictHas(meta, "model", &has));
    PetscCheck(has, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not a pdeop model checkpoint: it has no 'model' attribute", file);
  }
  PetscCall(NOpCreateFromMeta(comm, meta, nop));
  PetscCall(PdDictDestroy(&meta));
  PetscCall(NOpSetUp(*nop));
  PetscCall(PdCheckpointLoad(comm, file, (*nop)->params, NULL));
  if (epoch) *epoch = e;
  PetscFunctionReturn(0);
}

/*@ NOpPredict - model outputs for every sample of a dataset, in batches of bs, split over ranks @*/
PetscErrorCode NOpPredict(NOp nop, const PdDataset *in, PetscInt bs, PdDataset *out)
{
  PdTape      tape;
  PetscMPIInt rank, size;
  PetscInt    lo, hi, osize = 0, oshape[PD_MAX_DIMS];
  int         ond = 0;

  PetscFunctionBegin;
  PetscCheck(bs >= 1, nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "The batch size must be at least 1");
  PetscCall(NOpCheckData(nop, in, PETSC_FALSE, "input"));
  PetscCallMPI(MPI_Comm_rank(nop->comm, &rank));
  PetscCallMPI(MPI_Comm_size(nop->comm, &size));
  PetscCall(PdRankRange(nop->comm, in->N, &lo, &hi));
  PetscCall(PetscMemzero(out, sizeof(*out)));
  PetscCall(PdTapeCreate(nop->comm, &tape));
  PetscCall(PdTapeSetGradEnabled(tape, PETSC_FALSE));
  /* the output shape at this resolution, from one sample */
  {
    PdTensor x, y;
    PetscInt s[PD_MAX_DIMS];
    s[0] = 1;
    for (int i = 1; i < in->in_ndim; i++) s[i] = in->in_shape[i];
    PetscCall(PdTapeInput(tape, in->in_ndim, s, &x));
    PetscCall(PetscArraycpy(x->data, in->inputs, in->in_size));
    PetscCall(NOpForward(nop, tape, x, &y));
    ond = y->ndim;
    for (int i = 1; i < ond; i++) oshape[i] = y->shape[i];
    osize = y->size;
  }
  oshape[0] = in->N;
  PetscCall(PetscCalloc1((size_t)in->N * osize, &out->outputs));
  for (PetscInt s0 = lo; s0 < hi; s0 += bs) {
    PetscInt n = PetscMin(bs, hi - s0), s[PD_MAX_DIMS];
    PdTensor x, y;
    s[0] = n;
    for (int i = 1; i < in->in_ndim; i++) s[i] = in->in_shape[i];
    PetscCall(PdTapeReset(tape));
    PetscCall(PdTapeInput(tape, in->in_ndim, s, &x));
    PetscCall(PetscArraycpy(x->data, in->inputs + (size_t)s0 * in->in_size, n * in->in_size));
    PetscCall(NOpForward(nop, tape, x, &y));
    PetscCall(PetscArraycpy(out->outputs + (size_t)s0 * osize, y->data, n * osize));
  }
  PetscCall(PdTapeDestroy(&tape));
  {
    PetscMPIInt cnt;
    PetscCall(PetscMPIIntCast(in->N * osize, &cnt)); /* an error past 2^31 values, not a silent wrap */
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, out->outputs, cnt, MPI_FLOAT, MPI_SUM, nop->comm));
  }
  {
    PetscInt bad = 0, n = in->N * osize;
    for (PetscInt i = 0; i < n; i++) bad += (PetscInt)PetscIsInfOrNanReal((PetscReal)out->outputs[i]);
    if (bad) PetscCall(PetscFree(out->outputs));
    PetscCheck(!bad, nop->comm, PETSC_ERR_FP, "The model's outputs hold %" PetscInt_FMT " NaN or Inf values of %" PetscInt_FMT ": its parameters or normalisation are damaged, or the inputs lie far outside its training data", bad, n);
  }
  out->N        = in->N;
  out->out_ndim = ond;
  for (int i = 0; i < ond; i++) out->out_shape[i] = oshape[i];
  out->out_size = osize;
  PetscFunctionReturn(0);
}
