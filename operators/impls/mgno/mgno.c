/* NOp type "mgno": a multigrid neural operator after He et al. (MgNO, 2023). Each of -mgno_layers
   layers applies a learned V-cycle to its input f and a pointwise linear path, then GELU:
   down the levels u_l = B_l f_l (smoothing from zero), r_l = f_l - A_l u_l, f_{l+1} = R_l r_l;
   at the coarsest u_L = B_L f_L; up the levels u_l += P_l u_{l+1}. A, B are 3x3 convolutions,
   R a 3x3 convolution of stride 2, P its transposed form, all learned and linear within a layer
   (the nonlinearity acts only between layers, as in the paper). 2D fields [C,H,W] use 3x3 kernels,
   3D fields [C,D,H,W] 3x3x3 ones. Any grid coarsens: a side n becomes (n+1)/2 (85, 43, 22, 11, 6, 3),
   P being the exact adjoint shape of R. -mgno_smooth s > 1 adds s - 1 smoothing steps
   u += B_i (f - A_i u) with their own A_i, B_i before the restriction (MgNO's num_iteration). */
#include "interface/nopimpl.h"

typedef struct {
  PetscInt  width, levels, layers, hidden, smooth;
  PetscBool linear; /* a linear map of the input: no coordinates, biases, GELU or hidden projection */
  PetscBool post;   /* a learned post-smoothing u += C (f - A u) after each coarse correction */
  PdTensor  lift, liftb, proj1, proj1b, proj2, proj2b;
  PdTensor *A, *B, *R, *P, *C, *W, *Wb; /* A, B: layers x levels; R, P, C: layers x (levels - 1) */
  PdTensor *SA, *SB;                    /* the extra smoothing steps: layers x levels x (smooth - 1) */
} NOp_MgNO;

/* the hyperparameters: options and checkpoint attributes (the last three are absent from checkpoints before their options) */
static const NOpHyper MgNOHyper[] = {
  {"mgno_width", "-mgno_width", "Channels of the V-cycles", NOP_HYPER_INT, offsetof(NOp_MgNO, width), PETSC_FALSE, 1, 1024},
  {"mgno_levels", "-mgno_levels", "Grid levels of each V-cycle", NOP_HYPER_INT, offsetof(NOp_MgNO, levels), PETSC_FALSE, 1, 12},
  {"mgno_layers", "-mgno_layers", "Number of V-cycle layers", NOP_HYPER_INT, offsetof(NOp_MgNO, layers), PETSC_FALSE, 1, 32},
  {"mgno_hidden", "-mgno_hidden", "Channels of the projection's hidden layer", NOP_HYPER_INT, offsetof(NOp_MgNO, hidden), PETSC_FALSE, 1, NOP_HYPER_INT_MAX},
  {"mgno_linear", "-mgno_linear", "A linear operator: no grid coordinates, biases, GELU or hidden projection", NOP_HYPER_BOOL, offsetof(NOp_MgNO, linear), PETSC_TRUE, 0, 0},
  {"mgno_post_smoothing", "-mgno_post_smoothing", "A learned post-smoothing step after each coarse correction (V(1,1) cycles)", NOP_HYPER_BOOL, offsetof(NOp_MgNO, post), PETSC_TRUE, 0, 0},
  {"mgno_smooth", "-mgno_smooth", "Smoothing steps per level before the restriction (each with its own A, B)", NOP_HYPER_INT, offsetof(NOp_MgNO, smooth), PETSC_TRUE, 1, 64},
};
static const NOpHyperTable MgNOHyperTable = {"MgNO options", "NOpCreate_MgNO", (PetscInt)PETSC_STATIC_ARRAY_LENGTH(MgNOHyper), MgNOHyper};

/* declare the 3x3 (3x3x3) convolution "layer<k>.level<l>.<what>" (<what><i> for the extra smoothing
   step i > 0), uniform in +-cs, tagged as a convolution for the matrix-aware optimizers */
static PetscErrorCode AddConv(NOp nop, PetscInt k, PetscInt l, const char what[], PetscInt i, PetscInt nd, const PetscInt s[], float cs, PdTensor *t)
{
  char name[64];

  PetscFunctionBegin;
  if (i > 0) PetscCall(PetscSNPrintf(name, sizeof(name), "layer%" PetscInt_FMT ".level%" PetscInt_FMT ".%s%" PetscInt_FMT, k, l, what, i));
  else PetscCall(PetscSNPrintf(name, sizeof(name), "layer%" PetscInt_FMT ".level%" PetscInt_FMT ".%s", k, l, what));
  PetscCall(PdParamsAdd(nop->params, name, nd + 2, s, PD_INIT_UNIFORM, cs, t));
  PetscCall(PdParamsSetKind(nop->params, *t, PD_PARAM_CONV));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpSetUp_MgNO(NOp nop)
{
  NOp_MgNO *m = (NOp_MgNO *)nop->data;
  PetscInt  w = m->width, L = m->levels, s[5], nd = nop->in_ndim - 1, kn = nd == 3 ? 27 : 9;
  float     cs = (float)(1.0 / PetscSqrtReal((PetscReal)(kn * w))); /* PyTorch's conv default: U(+-1/sqrt(fan_in)) */
  char      name[64];

  PetscFunctionBegin;
  PetscCheck((nop->in_ndim == 3 || nop->in_ndim == 4) && nop->out_ndim == nop->in_ndim, nop->comm, PETSC_ERR_ARG_SIZ, "MgNO maps 2D fields [C,H,W] to 2D fields, or 3D fields [C,D,H,W] to 3D fields");
  PetscCall(PetscCalloc2(m->layers * L * m->smooth, &m->SA, m->layers * L * m->smooth, &m->SB));
  PetscCall(PetscCalloc7(m->layers * L, &m->A, m->layers * L, &m->B, m->layers * L, &m->R, m->layers * L, &m->P, m->layers * L, &m->C, m->layers, &m->W, m->layers, &m->Wb));
  s[0] = w;
  s[1] = nop->in_shape[0] + (m->linear ? 0 : nd); /* the grid coordinates as nd more channels */
  PetscCall(PdParamsAdd(nop->params, "lift.weight", 2, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)s[1])), &m->lift));
  PetscCall(PdParamsSetKind(nop->params, m->lift, PD_PARAM_MATRIX));
  if (!m->linear) PetscCall(PdParamsAdd(nop->params, "lift.bias", 1, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)s[1])), &m->liftb));
  for (PetscInt k = 0; k < m->layers; k++) {
    for (PetscInt l = 0; l < L; l++) {
      s[0] = w, s[1] = w, s[2] = s[3] = s[4] = 3;
      PetscCall(AddConv(nop, k, l, "A", 0, nd, s, cs, &m->A[k * L + l]));
      PetscCall(AddConv(nop, k, l, "B", 0, nd, s, cs, &m->B[k * L + l]));
      for (PetscInt i = 1; i < m->smooth; i++) {
        PetscCall(AddConv(nop, k, l, "A", i, nd, s, cs, &m->SA[(k * L + l) * m->smooth + i]));
        PetscCall(AddConv(nop, k, l, "B", i, nd, s, cs, &m->SB[(k * L + l) * m->smooth + i]));
      }
      if (l < L - 1) {
        PetscCall(AddConv(nop, k, l, "R", 0, nd, s, cs, &m->R[k * L + l]));
        PetscCall(AddConv(nop, k, l, "P", 0, nd, s, cs, &m->P[k * L + l]));
        if (m->post) PetscCall(AddConv(nop, k, l, "C", 0, nd, s, cs, &m->C[k * L + l]));
      }
    }
    s[0] = w, s[1] = w;
    PetscCall(PetscSNPrintf(name, sizeof(name), "layer%" PetscInt_FMT ".pointwise.weight", k));
    PetscCall(PdParamsAdd(nop->params, name, 2, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)w)), &m->W[k]));
    PetscCall(PdParamsSetKind(nop->params, m->W[k], PD_PARAM_MATRIX));
    if (m->linear) continue;
    PetscCall(PetscSNPrintf(name, sizeof(name), "layer%" PetscInt_FMT ".pointwise.bias", k));
    PetscCall(PdParamsAdd(nop->params, name, 1, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)w)), &m->Wb[k]));
  }
  if (m->linear) {
    s[0] = nop->out_shape[0], s[1] = w;
    PetscCall(PdParamsAdd(nop->params, "proj.weight", 2, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)w)), &m->proj2));
    PetscCall(PdParamsSetKind(nop->params, m->proj2, PD_PARAM_MATRIX));
    PetscFunctionReturn(0);
  }
  s[0] = m->hidden, s[1] = w;
  PetscCall(PdParamsAdd(nop->params, "proj1.weight", 2, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)w)), &m->proj1));
  PetscCall(PdParamsSetKind(nop->params, m->proj1, PD_PARAM_MATRIX));
  PetscCall(PdParamsAdd(nop->params, "proj1.bias", 1, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)w)), &m->proj1b));
  s[0] = nop->out_shape[0], s[1] = m->hidden;
  PetscCall(PdParamsAdd(nop->params, "proj2.weight", 2, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)m->hidden)), &m->proj2));
  PetscCall(PdParamsSetKind(nop->params, m->proj2, PD_PARAM_MATRIX));
  PetscCall(PdParamsAdd(nop->params, "proj2.bias", 1, s, PD_INIT_UNIFORM, (float)(1.0 / PetscSqrtReal((PetscReal)m->hidden)), &m->proj2b));
  PetscFunctionReturn(0);
}

/* One learned V-cycle from a zero initial guess: the operator's action on f. Two entries of the
   linear network's inference path (ForwardLinearFolded), used at the top level only: with B0, the
   first smoothing is u = B0 x0 instead of B f (B composed with the lift beforehand); with rpost, the
   post-smoothing is not applied: its residual f - A u is returned there, for a caller that applies C
   composed with the projection. */
static PetscErrorCode VCycle(NOp_MgNO *m, PetscInt k, PetscInt l, PdTensor f, PdTensor x0, PdTensor B0, PdTensor *u, PdTensor *rpost)
{
  const PetscInt L = m->levels;
  PdTensor       r, fc, uc;

  PetscFunctionBegin;
  if (rpost) *rpost = NULL;
  /* residuals and updates are fused into the convolutions (PdConv3x3Add): one node, no pointwise pass */
  if (B0) PetscCall(PdConv3x3(x0, B0, NULL, 1, u));          /* u = (B lift) x */
  else PetscCall(PdConv3x3(f, m->B[k * L + l], NULL, 1, u)); /* u = B f */
  for (PetscInt i = 1; i < m->smooth; i++) {                 /* u += B_i (f - A_i u) */
    PetscCall(PdConv3x3Add(f, -1.0, *u, m->SA[(k * L + l) * m->smooth + i], NULL, 1, &r));
    PetscCall(PdConv3x3Add(*u, 1.0, r, m->SB[(k * L + l) * m->smooth + i], NULL, 1, u));
  }
  if (l == L - 1) PetscFunctionReturn(0);
  PetscCall(PdConv3x3Add(f, -1.0, *u, m->A[k * L + l], NULL, 1, &r)); /* r = f - A u */
  PetscCall(PdConv3x3(r, m->R[k * L + l], NULL, 2, &fc));             /* restrict */
  PetscCall(VCycle(m, k, l + 1, fc, NULL, NULL, &uc, NULL));
  PetscCall(PdConv3x3TransposeAdd(*u, 1.0, uc, m->P[k * L + l], NULL, 2, u)); /* u += P uc, onto f's grid */
  if (m->post) {                                                              /* u += C (f - A u) */
    PetscCall(PdConv3x3Add(f, -1.0, *u, m->A[k * L + l], NULL, 1, &r));
    if (rpost) *rpost = r;
    else PetscCall(PdConv3x3Add(*u, 1.0, r, m->C[k * L + l], NULL, 1, u));
  }
  PetscFunctionReturn(0);
}

/* c [M, K, kn] = sum_j a [M, J] b [J, K, kn] (kn = 1: a matrix product) or, with right, c [M, K, kn] =
   sum_j a [M, J, kn] b [J, K] (a convolution's weights composed with a channel mix on either side),
   into a tensor on the tape with b's (right: a's) trailing shape */
static PetscErrorCode ComposeWeights(PdTape tape, PdTensor a, PdTensor b, PetscBool right, PdTensor *c)
{
  PdTensor t = right ? a : b;
  PetscInt shape[5], M = a->shape[0], J = a->shape[1], K = b->shape[1], kn = 1;
  PdTensor out;

  PetscFunctionBegin;
  for (int i = 0; i < t->ndim; i++) shape[i] = t->shape[i];
  for (int i = 2; i < t->ndim; i++) kn *= t->shape[i];
  shape[0] = M;
  shape[1] = K;
  PetscCall(PdTapeInput(tape, t->ndim, shape, &out));
  for (PetscInt i = 0; i < M; i++)
    for (PetscInt kk = 0; kk < K; kk++)
      for (PetscInt q = 0; q < kn; q++) {
        float sum = 0;
        for (PetscInt j = 0; j < J; j++) sum += right ? a->data[(i * J + j) * kn + q] * b->data[j * K + kk] : a->data[i * J + j] * b->data[(j * K + kk) * kn + q];
        out->data[(i * K + kk) * kn + q] = sum;
      }
  *c = out;
  PetscFunctionReturn(0);
}

/* The linear network for inference (no gradients): the same map with its first and last
   convolutions at the finest level folded into the lift and the projection. The first layer's
   u = B (lift x) becomes (B lift) x, a convolution from the input's channels; the last layer's
   post-smoothing and projection, proj (u + C r + W h), become proj u + (proj W) h + (proj C) r, a
   convolution to the output's channels. With one input and one output channel (dcdm) that replaces
   two width -> width convolutions on the finest grid by width -> 1 and 1 -> width ones. */
static PetscErrorCode ForwardLinearFolded(NOp_MgNO *m, PdTape tape, PdTensor x, PdTensor *y)
{
  const PetscInt L = m->levels, K = m->layers;
  PdTensor       h, v, p, B0, r = NULL;

  PetscFunctionBegin;
  PetscCall(PdChannelMix(x, m->lift, NULL, &h));
  PetscCall(ComposeWeights(tape, m->B[0], m->lift, PETSC_TRUE, &B0));
  for (PetscInt k = 0; k < K; k++) {
    const PetscBool last = (PetscBool)(k == K - 1 && m->post && L > 1);
    PetscCall(VCycle(m, k, 0, h, k == 0 ? x : NULL, k == 0 ? B0 : NULL, &v, last ? &r : NULL));
    if (last) { /* y = proj v + (proj W) h + (proj C) r */
      PdTensor pW, pC, t;
      PetscCall(ComposeWeights(tape, m->proj2, m->W[k], PETSC_FALSE, &pW));
      PetscCall(ComposeWeights(tape, m->proj2, m->C[k * L], PETSC_FALSE, &pC));
      PetscCall(PdChannelMix(v, m->proj2, NULL, &t));
      PetscCall(PdChannelMix(h, pW, NULL, &p));
      PetscCall(PdAdd(t, p, &t));
      PetscCall(PdConv3x3Add(t, 1.0, r, pC, NULL, 1, y));
      PetscFunctionReturn(0);
    }
    PetscCall(PdChannelMix(h, m->W[k], NULL, &p));
    PetscCall(PdAdd(v, p, &h));
  }
  PetscCall(PdChannelMix(h, m->proj2, NULL, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpForward_MgNO(NOp nop, PdTape tape, PdTensor x, PdTensor *y)
{
  NOp_MgNO *m = (NOp_MgNO *)nop->data;
  PdTensor  g, h, v, p;
  PetscInt  nd = x->ndim - 2, B = x->shape[0], S = 1, shape[5];

  PetscFunctionBegin;
  for (PetscInt a = 0; a < nd; a++) {
    PetscInt n = x->shape[2 + a];
    PetscInt c = n;
    for (PetscInt l = 1; l < m->levels; l++) c = (c + 1) / 2;
    PetscCheck(c >= 2 || n == 1, nop->comm, PETSC_ERR_ARG_SIZ, "MgNO with %" PetscInt_FMT " levels coarsens a side of %" PetscInt_FMT " to %" PetscInt_FMT " < 2 points. Lower -mgno_levels", m->levels, n, c);
    S *= n;
  }
  if (m->linear) { /* y = P sum_k (V_k + W_k) ... L x: every step linear */
    PetscBool grad;
    PetscCall(PdTapeGetGradEnabled(tape, &grad));
    if (!grad) { /* inference: the same map, fewer flops */
      PetscCall(ForwardLinearFolded(m, tape, x, y));
      PetscFunctionReturn(0);
    }
    PetscCall(PdChannelMix(x, m->lift, NULL, &h));
    for (PetscInt k = 0; k < m->layers; k++) {
      PetscCall(VCycle(m, k, 0, h, NULL, NULL, &v, NULL));
      PetscCall(PdChannelMix(h, m->W[k], NULL, &p));
      PetscCall(PdAdd(v, p, &h));
    }
    PetscCall(PdChannelMix(h, m->proj2, NULL, y));
    PetscFunctionReturn(0);
  }
  /* grid coordinates in [0, 1] as nd more channels, as FNO does */
  shape[0] = B;
  shape[1] = nd;
  for (PetscInt a = 0; a < nd; a++) shape[2 + a] = x->shape[2 + a];
  PetscCall(PdTapeInput(tape, x->ndim, shape, &g));
  for (PetscInt b = 0; b < B; b++)
    for (PetscInt k = 0; k < S; k++)
      for (PetscInt a = 0, r = k; a < nd; a++) { /* the last axis varies fastest */
        PetscInt n = x->shape[x->ndim - 1 - a], i = r % n;
        r /= n;
        g->data[(b * nd + nd - 1 - a) * S + k] = n > 1 ? (float)i / (float)(n - 1) : 0.0f;
      }
  PetscCall(PdConcat(x, g, 1, &h));
  PetscCall(PdChannelMix(h, m->lift, m->liftb, &h));
  for (PetscInt k = 0; k < m->layers; k++) {
    PetscCall(VCycle(m, k, 0, h, NULL, NULL, &v, NULL));
    PetscCall(PdChannelMix(h, m->W[k], m->Wb[k], &p));
    PetscCall(PdAdd(v, p, &h));
    PetscCall(PdGelu(h, &h));
  }
  PetscCall(PdChannelMix(h, m->proj1, m->proj1b, &h));
  PetscCall(PdGelu(h, &h));
  PetscCall(PdChannelMix(h, m->proj2, m->proj2b, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpView_MgNO(NOp nop, PetscViewer viewer)
{
  NOp_MgNO *m = (NOp_MgNO *)nop->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "MgNO: %" PetscInt_FMT " V-cycle layers of %" PetscInt_FMT " levels, width %" PetscInt_FMT "%s%s\n", m->layers, m->levels, m->width, m->linear ? ", linear" : "", m->post ? ", post-smoothing" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpDestroy_MgNO(NOp nop)
{
  NOp_MgNO *m = (NOp_MgNO *)nop->data;

  PetscFunctionBegin;
  PetscCall(PetscFree2(m->SA, m->SB));
  PetscCall(PetscFree7(m->A, m->B, m->R, m->P, m->C, m->W, m->Wb));
  PetscCall(PetscFree(nop->data));
  PetscFunctionReturn(0);
}

/*@
  NOpCreate_MgNO - the multigrid neural operator type

  Options: -mgno_width <16> -mgno_levels <3> -mgno_layers <4> -mgno_hidden <64> -mgno_linear <false> -mgno_post_smoothing <false> -mgno_smooth <1>
@*/
PetscErrorCode NOpCreate_MgNO(NOp nop)
{
  NOp_MgNO *m;

  PetscFunctionBegin;
  PetscCall(PetscNew(&m));
  m->width         = 16;
  m->levels        = 3;
  m->layers        = 4;
  m->hidden        = 64;
  m->smooth        = 1;
  nop->data        = m;
  nop->ops.hyper   = &MgNOHyperTable;
  nop->ops.setup   = NOpSetUp_MgNO;
  nop->ops.forward = NOpForward_MgNO;
  nop->ops.view    = NOpView_MgNO;
  nop->ops.destroy = NOpDestroy_MgNO;
  PetscFunctionReturn(0);
}
