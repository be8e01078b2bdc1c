/* NOp type "fno": the Fourier neural operator of Li et al. (ICLR 2021) in 1D and 2D.
   Grid coordinates are appended to the input, lifted to -fno_width channels, passed through
   -fno_layers Fourier layers (spectral convolution on the lowest -fno_modes modes + pointwise linear
   path, GELU between layers) and projected through -fno_hidden channels to the output. The weights act
   on modes and channels, never on grid points, so a trained model evaluates at any resolution. */
#include "interface/nopimpl.h"

typedef struct {
  PetscInt  width, modes, layers, hidden;
  int       sdim;             /* 1 or 2 spatial dimensions */
  PdTensor  P, Pb;            /* lifting [width, cin + sdim] */
  PdTensor *K, *W, *Wb;       /* per layer: spectral weights, pointwise [width, width], bias */
  PdTensor  Q1, Q1b, Q2, Q2b; /* projection [hidden, width], [cout, hidden] */
} NOp_FNO;

/* the hyperparameters: options and checkpoint attributes */
static const NOpHyper FNOHyper[] = {
  {"fno_width", "-fno_width", "Channels of the Fourier layers", NOP_HYPER_INT, offsetof(NOp_FNO, width), PETSC_FALSE, 1, 4096},
  {"fno_modes", "-fno_modes", "Fourier modes kept per dimension", NOP_HYPER_INT, offsetof(NOp_FNO, modes), PETSC_FALSE, 1, NOP_HYPER_INT_MAX},
  {"fno_layers", "-fno_layers", "Number of Fourier layers", NOP_HYPER_INT, offsetof(NOp_FNO, layers), PETSC_FALSE, 1, 64},
  {"fno_hidden", "-fno_hidden", "Channels of the projection's hidden layer", NOP_HYPER_INT, offsetof(NOp_FNO, hidden), PETSC_FALSE, 1, NOP_HYPER_INT_MAX},
};
static const NOpHyperTable FNOHyperTable = {"FNO options", "NOpCreate_FNO", (PetscInt)PETSC_STATIC_ARRAY_LENGTH(FNOHyper), FNOHyper};

/* the kept modes must fit the grid of W points (last dimension; H along the first of two): m <= W/2 + 1
   and 2m <= H. Checked at set-up on the grid of the shapes the model is built for (before the
   spectral weights, whose size grows with m^2, are allocated), and at every forward pass, since a
   trained FNO evaluates at other resolutions */
static PetscErrorCode CheckModes(NOp nop, PetscInt W, PetscInt H)
{
  NOp_FNO *f = (NOp_FNO *)nop->data;

  PetscFunctionBegin;
  PetscCheck(f->modes <= W / 2 + 1 && (f->sdim == 1 || 2 * f->modes <= H), nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "-fno_modes %" PetscInt_FMT " does not fit this grid of %" PetscInt_FMT " x %" PetscInt_FMT " points: at most %" PetscInt_FMT " modes on it (a grid of n points along a dimension holds n/2 modes)", f->modes, f->sdim == 2 ? H : 1, W,
             f->sdim == 2 ? PetscMin(W / 2 + 1, H / 2) : W / 2 + 1);
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpSetUp_FNO(NOp nop)
{
  NOp_FNO *f = (NOp_FNO *)nop->data;
  PetscInt cin, cout, s[5];
  char     name[64];

  PetscFunctionBegin;
  PetscCheck(nop->in_ndim == nop->out_ndim && (nop->in_ndim == 2 || nop->in_ndim == 3), nop->comm, PETSC_ERR_ARG_SIZ, "FNO maps fields [C, W] (1D) or [C, H, W] (2D) to fields of the same grid; got samples with %d and %d spatial dimensions%s", nop->in_ndim - 1, nop->out_ndim - 1,
             nop->in_ndim == 1 || nop->out_ndim == 1 ? " (vectors: a dataset of 1D fields without a channel axis needs the attribute spatial_dims = 1 on /inputs and /outputs)" : "");
  for (int d = 1; d < nop->in_ndim; d++) PetscCheck(nop->in_shape[d] == nop->out_shape[d], nop->comm, PETSC_ERR_ARG_SIZ, "FNO's input and output grids must agree");
  f->sdim = nop->in_ndim - 1;
  PetscCall(CheckModes(nop, nop->in_shape[nop->in_ndim - 1], f->sdim == 2 ? nop->in_shape[1] : 0));
  cin  = nop->in_shape[0];
  cout = nop->out_shape[0];
  PetscCall(PetscCalloc3(f->layers, &f->K, f->layers, &f->W, f->layers, &f->Wb));
  /* PyTorch's default Linear/Conv1x1 initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) */
  s[0] = f->width;
  s[1] = cin + f->sdim;
  PetscCall(PdParamsAdd(nop->params, "lift.weight", 2, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)s[1])), &f->P));
  PetscCall(PdParamsSetKind(nop->params, f->P, PD_PARAM_MATRIX));
  PetscCall(PdParamsAdd(nop->params, "lift.bias", 1, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)s[1])), &f->Pb));
  for (PetscInt l = 0; l < f->layers; l++) {
    int nd;
    if (f->sdim == 1) {
      s[0] = f->modes, s[1] = f->width, s[2] = f->width, s[3] = 2;
      nd = 4;
    } else {
      s[0] = 2 * f->modes, s[1] = f->modes, s[2] = f->width, s[3] = f->width, s[4] = 2;
      nd = 5;
    }
    /* the reference scales spectral weights by 1/(width^2) */
    PetscCall(PetscSNPrintf(name, sizeof(name), "layer%" PetscInt_FMT ".spectral", l));
    PetscCall(PdParamsAdd(nop->params, name, nd, s, PD_INIT_UNIFORM, (float)(1.0 / (double)(f->width * f->width)), &f->K[l]));
    PetscCall(PdParamsSetKind(nop->params, f->K[l], PD_PARAM_SPECTRAL));
    s[0] = f->width;
    s[1] = f->width;
    PetscCall(PetscSNPrintf(name, sizeof(name), "layer%" PetscInt_FMT ".pointwise.weight", l));
    PetscCall(PdParamsAdd(nop->params, name, 2, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)f->width)), &f->W[l]));
    PetscCall(PdParamsSetKind(nop->params, f->W[l], PD_PARAM_MATRIX));
    PetscCall(PetscSNPrintf(name, sizeof(name), "layer%" PetscInt_FMT ".pointwise.bias", l));
    PetscCall(PdParamsAdd(nop->params, name, 1, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)f->width)), &f->Wb[l]));
  }
  s[0] = f->hidden;
  s[1] = f->width;
  PetscCall(PdParamsAdd(nop->params, "proj1.weight", 2, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)f->width)), &f->Q1));
  PetscCall(PdParamsSetKind(nop->params, f->Q1, PD_PARAM_MATRIX));
  PetscCall(PdParamsAdd(nop->params, "proj1.bias", 1, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)f->width)), &f->Q1b));
  s[0] = cout;
  s[1] = f->hidden;
  PetscCall(PdParamsAdd(nop->params, "proj2.weight", 2, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)f->hidden)), &f->Q2));
  PetscCall(PdParamsSetKind(nop->params, f->Q2, PD_PARAM_MATRIX));
  PetscCall(PdParamsAdd(nop->params, "proj2.bias", 1, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)f->hidden)), &f->Q2b));
  PetscFunctionReturn(0);
}

/* Grid coordinates as extra channels: x = i/(N-1) (and y = j/(H-1)), the node-based grid of the data. */
static PetscErrorCode GridChannels(PdTape tape, PdTensor x, int sdim, PdTensor *g)
{
  PetscInt shape[4], B = x->shape[0];

  PetscFunctionBegin;
  shape[0] = B;
  shape[1] = sdim;
  for (int d = 0; d < sdim; d++) shape[2 + d] = x->shape[2 + d];
  PetscCall(PdTapeInput(tape, 2 + sdim, shape, g));
  if (sdim == 1) {
    PetscInt N = shape[2];
    for (PetscInt b = 0; b < B; b++)
      for (PetscInt i = 0; i < N; i++) (*g)->data[b * N + i] = N > 1 ? (float)i / (float)(N - 1) : 0.0f;
  } else {
    PetscInt H = shape[2], W = shape[3];
    for (PetscInt b = 0; b < B; b++) {
      float *gy = (*g)->data + (b * 2) * H * W, *gx = gy + H * W;
      for (PetscInt j = 0; j < H; j++)
        for (PetscInt i = 0; i < W; i++) {
          gy[j * W + i] = H > 1 ? (float)j / (float)(H - 1) : 0.0f;
          gx[j * W + i] = W > 1 ? (float)i / (float)(W - 1) : 0.0f;
        }
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpForward_FNO(NOp nop, PdTape tape, PdTensor x, PdTensor *y)
{
  NOp_FNO *f = (NOp_FNO *)nop->data;
  PdTensor g, h, s;

  PetscFunctionBegin;
  PetscCheck(x->ndim == 2 + f->sdim, nop->comm, PETSC_ERR_ARG_SIZ, "FNO-%dD takes [B, C, grid...] inputs of rank %d, got rank %d", f->sdim, 2 + f->sdim, x->ndim);
  PetscCall(CheckModes(nop, x->shape[x->ndim - 1], f->sdim == 2 ? x->shape[2] : 0));
  PetscCall(GridChannels(tape, x, f->sdim, &g));
  PetscCall(PdConcat(x, g, 1, &h));
  /* between lifting and projection the fields are channel-major, [C,B,grid...]: each 1x1 convolution
     is one sgemm over the whole batch. Each pointwise path (1x1 convolution, bias, the spectral
     branch, GELU) is one fused node. */
  PetscCall(PdSwapLeading(h, &h));
  PetscCall(PdChannelMixFusedCB(h, f->P, f->Pb, NULL, PETSC_FALSE, &h));
  for (PetscInt l = 0; l < f->layers; l++) {
    PetscCall(PdSpectralConvCB(h, f->K[l], &s));
    PetscCall(PdChannelMixFusedCB(h, f->W[l], f->Wb[l], s, (PetscBool)(l < f->layers - 1), &h));
  }
  PetscCall(PdChannelMLPCB(h, f->Q1, f->Q1b, f->Q2, f->Q2b, &h)); /* the projection: without gradients its hidden tensor is never stored */
  PetscCall(PdSwapLeading(h, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpView_FNO(NOp nop, PetscViewer viewer)
{
  NOp_FNO *f = (NOp_FNO *)nop->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "FNO-%dD: width %" PetscInt_FMT ", %" PetscInt_FMT " modes, %" PetscInt_FMT " layers, projection through %" PetscInt_FMT "\n", f->sdim ? f->sdim : nop->in_ndim - 1, f->width, f->modes, f->layers, f->hidden));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpDestroy_FNO(NOp nop)
{
  NOp_FNO *f = (NOp_FNO *)nop->data;

  PetscFunctionBegin;
  PetscCall(PetscFree3(f->K, f->W, f->Wb));
  PetscCall(PetscFree(nop->data));
  PetscFunctionReturn(0);
}

/*@
  NOpCreate_FNO - the Fourier neural operator type

  Options: -fno_width <32> -fno_modes <12> -fno_layers <4> -fno_hidden <128>
@*/
PetscErrorCode NOpCreate_FNO(NOp nop)
{
  NOp_FNO *f;

  PetscFunctionBegin;
  PetscCall(PetscNew(&f));
  f->width         = 32;
  f->modes         = 12;
  f->layers        = 4;
  f->hidden        = 128;
  nop->data        = f;
  nop->ops.hyper   = &FNOHyperTable;
  nop->ops.setup   = NOpSetUp_FNO;
  nop->ops.forward = NOpForward_FNO;
  nop->ops.view    = NOpView_FNO;
  nop->ops.destroy = NOpDestroy_FNO;
  PetscFunctionReturn(0);
}
