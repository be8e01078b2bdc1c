/* NOp type "learned_ic": the message-passing graph network of the learned incomplete Cholesky
   factor (after Li et al., ICML 2023). It reads a matrix's graph and predicts the factor's values,
   or a correction to ICC(0)'s factor; building the graph from a Mat and the factor from the values
   is solvers/precond/learned_ic.c. */
#include "interface/nopimpl.h"
#include <pdeop/options.h>
#include <cblas.h>
#include <pdeop/vecmath.h>

#define IC_NODE_FEATURES NOP_LEARNEDIC_NODE_FEATURES

typedef struct {
  PetscInt  width, layers;
  PetscBool correction;    /* predict L = L_icc exp(c) entrywise (true) or L itself (false: files without the attribute) */
  PetscInt  levels;        /* the factor's pattern: IC(levels) (0: ICC(0)'s; files without the attribute) */
  PetscInt  ordering;      /* in this ordering of the matrix, an index of Orderings (PdICOrdering) */
  PdTensor  w_in, b_in;    /* node encoder [W,F], [W] */
  PdTensor *w_upd, *b_upd; /* per layer: node update from [h, A h] [W, 2W], [W] */
  PdTensor  w_d, b_d;      /* diagonal head [1,W], [1] */
  PdTensor  w_r, w_c, b_o; /* off-diagonal head: L_ij = A_ij (h_i w_r + h_j w_c + b_o), [1,W], [1,W], [1] */
} NOp_LearnedIC;

/* the hyperparameters: options, and the attributes of the former learned_ic files, so files of both formats load alike */
static const NOpHyper LearnedICHyper[] = {
  {"width", "-ic_width", "Width of the graph network", NOP_HYPER_INT, offsetof(NOp_LearnedIC, width), PETSC_FALSE, 1, 1024},
  {"layers", "-ic_layers", "Message-passing layers", NOP_HYPER_INT, offsetof(NOp_LearnedIC, layers), PETSC_FALSE, 0, 16},
  {"correction", "-ic_correction", "Predict a correction to ICC(0)'s factor (true) or the factor itself (false)", NOP_HYPER_BOOL, offsetof(NOp_LearnedIC, correction), PETSC_TRUE, 0, 0},
  {"levels", "-ic_levels", "The factor's pattern: IC(k)'s levels of fill (0: ICC(0)'s pattern, the matrix's lower part)", NOP_HYPER_INT, offsetof(NOp_LearnedIC, levels), PETSC_TRUE, 0, 2},
};
/* the orderings of the factor's pattern, as PdICOrdering (<pdeop/learned.h>) numbers them */
static const char *const   Orderings[]         = {"natural", "lines"};
static const NOpHyperTable LearnedICHyperTable = {"Learned incomplete Cholesky network options", "NOpLearnedICSetLayers", (PetscInt)PETSC_STATIC_ARRAY_LENGTH(LearnedICHyper), LearnedICHyper};

static PetscErrorCode NOpCheck_LearnedIC(NOp nop)
{
  NOp_LearnedIC *m = (NOp_LearnedIC *)nop->data;

  PetscFunctionBegin;
  PetscCheck(m->ordering >= 0 && m->ordering < (PetscInt)PETSC_STATIC_ARRAY_LENGTH(Orderings), nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "learned_ic ordering %" PetscInt_FMT " is not one of natural, lines", m->ordering);
  PetscFunctionReturn(0);
}

/* parameter names, order and initialisation are those of the former PdLearnedIC, so its files load */
static PetscErrorCode NOpSetUp_LearnedIC(NOp nop)
{
  NOp_LearnedIC *m  = (NOp_LearnedIC *)nop->data;
  const PetscInt W  = m->width;
  const float    si = 1.0f / PetscSqrtReal(IC_NODE_FEATURES), su = 1.0f / PetscSqrtReal(2 * W);
  char           name[64];

  PetscFunctionBegin;
  PetscCall(PdParamsAdd(nop->params, "enc.w", 2, (PetscInt[]){W, IC_NODE_FEATURES}, PD_INIT_UNIFORM, si, &m->w_in));
  PetscCall(PdParamsSetKind(nop->params, m->w_in, PD_PARAM_MATRIX));
  PetscCall(PdParamsAdd(nop->params, "enc.b", 1, (PetscInt[]){W}, PD_INIT_UNIFORM, si, &m->b_in));
  PetscCall(PetscMalloc2(m->layers, &m->w_upd, m->layers, &m->b_upd));
  for (PetscInt k = 0; k < m->layers; k++) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "mp%" PetscInt_FMT ".w", k));
    PetscCall(PdParamsAdd(nop->params, name, 2, (PetscInt[]){W, 2 * W}, PD_INIT_UNIFORM, su, &m->w_upd[k]));
    PetscCall(PdParamsSetKind(nop->params, m->w_upd[k], PD_PARAM_MATRIX));
    PetscCall(PetscSNPrintf(name, sizeof(name), "mp%" PetscInt_FMT ".b", k));
    PetscCall(PdParamsAdd(nop->params, name, 1, (PetscInt[]){W}, PD_INIT_UNIFORM, su, &m->b_upd[k]));
  }
  if (m->correction) { /* heads start at zero: the correction exp(0) = 1, so the untrained model is ICC(0) */
    PetscCall(PdParamsAdd(nop->params, "diag.w", 2, (PetscInt[]){1, W}, PD_INIT_ZERO, 0.0f, &m->w_d));
    PetscCall(PdParamsAdd(nop->params, "diag.b", 1, (PetscInt[]){1}, PD_INIT_ZERO, 0.0f, &m->b_d));
    PetscCall(PdParamsAdd(nop->params, "off.wr", 2, (PetscInt[]){1, W}, PD_INIT_ZERO, 0.0f, &m->w_r));
    PetscCall(PdParamsAdd(nop->params, "off.wc", 2, (PetscInt[]){1, W}, PD_INIT_ZERO, 0.0f, &m->w_c));
  } else { /* heads start at the Jacobi preconditioner: diagonal softplus(0.5413) = 1, off-diagonal 0 */
    PetscCall(PdParamsAdd(nop->params, "diag.w", 2, (PetscInt[]){1, W}, PD_INIT_UNIFORM, 0.01f, &m->w_d));
    PetscCall(PdParamsAdd(nop->params, "diag.b", 1, (PetscInt[]){1}, PD_INIT_CONSTANT, 0.5413f, &m->b_d));
    PetscCall(PdParamsAdd(nop->params, "off.wr", 2, (PetscInt[]){1, W}, PD_INIT_UNIFORM, 0.01f, &m->w_r));
    PetscCall(PdParamsAdd(nop->params, "off.wc", 2, (PetscInt[]){1, W}, PD_INIT_UNIFORM, 0.01f, &m->w_c));
  }
  PetscCall(PdParamsSetKind(nop->params, m->w_d, PD_PARAM_MATRIX));
  PetscCall(PdParamsSetKind(nop->params, m->w_r, PD_PARAM_MATRIX));
  PetscCall(PdParamsSetKind(nop->params, m->w_c, PD_PARAM_MATRIX));
  PetscCall(PdParamsAdd(nop->params, "off.b", 1, (PetscInt[]){1}, PD_INIT_ZERO, 0.0f, &m->b_o));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpView_LearnedIC(NOp nop, PetscViewer viewer)
{
  NOp_LearnedIC *m = (NOp_LearnedIC *)nop->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "learned IC graph network: width %" PetscInt_FMT ", %" PetscInt_FMT " message-passing layers; predicts %s\n", m->width, m->layers, m->correction ? "a correction to ICC(0)'s factor" : "the factor itself"));
  if (m->levels || m->ordering) PetscCall(PetscViewerASCIIPrintf(viewer, "factor pattern: IC(%" PetscInt_FMT ") in the %s ordering\n", m->levels, Orderings[m->ordering]));
  PetscFunctionReturn(0);
}

/* after the table's attributes were read: files without "correction" (written before it existed)
   hold networks that predict the factor itself; a file's sizes are checked on reading */
static PetscErrorCode NOpSetMeta_LearnedIC(NOp nop, PdDict meta)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(PdDictHas(meta, "correction", &has));
  if (!has) ((NOp_LearnedIC *)nop->data)->correction = PETSC_FALSE;
  PetscCall(PdDictHas(meta, "ordering", &has));
  if (has) {
    const char *name;
    PetscBool   same = PETSC_FALSE;
    PetscCall(PdDictGetString(meta, "ordering", &name));
    for (PetscInt k = 0; k < (PetscInt)PETSC_STATIC_ARRAY_LENGTH(Orderings) && !same; k++) {
      PetscCall(PetscStrcmp(name, Orderings[k], &same));
      if (same) ((NOp_LearnedIC *)nop->data)->ordering = k;
    }
    PetscCheck(same, nop->comm, PETSC_ERR_FILE_UNEXPECTED, "learned_ic model: unknown ordering '%s' of the factor's pattern (natural, lines)", name);
  }
  PetscCall(NOpHyperCheck(nop));
  PetscFunctionReturn(0);
}

/* the ordering, by name (files without it: natural) */
static PetscErrorCode NOpGetMeta_LearnedIC(NOp nop, PdDict meta)
{
  PetscFunctionBegin;
  PetscCall(PdDictSetString(meta, "ordering", Orderings[((NOp_LearnedIC *)nop->data)->ordering]));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpSetFromOptions_LearnedIC(NOp nop, PetscOptionItems *PetscOptionsObject)
{
  NOp_LearnedIC *m = (NOp_LearnedIC *)nop->data;

  PetscFunctionBegin;
  PetscCall(PdOptionsEList("-ic_ordering", "The factor's pattern: in the matrix's own ordering (natural) or with its lines of strong coupling as the slow index (lines)", "NOpCreate_LearnedIC", Orderings, (PetscInt)PETSC_STATIC_ARRAY_LENGTH(Orderings), Orderings[m->ordering], &m->ordering, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode NOpDestroy_LearnedIC(NOp nop)
{
  NOp_LearnedIC *m = (NOp_LearnedIC *)nop->data;

  PetscFunctionBegin;
  PetscCall(PetscFree2(m->w_upd, m->b_upd));
  PetscCall(PetscFree(nop->data));
  PetscFunctionReturn(0);
}

/* y [R, o] = x [R, in] w^T + b, PdLinear's arithmetic (the bias copied in, then one sgemm) */
static void Lin(PetscInt R, PetscInt o, PetscInt in, const float *x, const float *w, const float *b, float *y)
{
  if (b)
    for (PetscInt r = 0; r < R; r++)
      for (PetscInt j = 0; j < o; j++) y[r * o + j] = b[j];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, o, in, 1.0f, x, in, w, in, b ? 1.0f : 0.0f, y, o);
}

/* y = f(x) entrywise over n entries, the loops of the engine's pointwise operations */
static void Tanh(PetscInt n, const float *x, float *y)
{
  PD_SIMD
  for (PetscInt i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

static void Exp(PetscInt n, const float *x, float *y)
{
  PD_SIMD
  for (PetscInt i = 0; i < n; i++) y[i] = expf(x[i]);
}

static void Softplus(PetscInt n, float *x)
{
  PD_SIMD
  for (PetscInt i = 0; i < n; i++) x[i] = fmaxf(x[i], 0.0f) + log1pf(expf(-fabsf(x[i])));
}

/* NOpLearnedICForward on a tape without gradients: the same arithmetic, operation by operation, in
   a few scratch arrays instead of a tape node per operation (no copies for concatenations and
   gathers, no index checks: the graph's indices were checked where it was built) */
static PetscErrorCode Infer(NOp_LearnedIC *m, PdTape tape, const NOpGraph *g, PdTensor nf, PdTensor ef, PdTensor lf, PdTensor l0, PdTensor *L)
{
  const PetscInt n = g->n, W = m->width, El = g->El;
  PdTensor       th, tc, tu, tr;
  float         *h, *cat, *u, *r, *c, *out;

  PetscFunctionBegin;
  PetscCall(PdTapeInput(tape, 2, (PetscInt[]){n, W}, &th));
  PetscCall(PdTapeInput(tape, 2, (PetscInt[]){n, PetscMax(2 * W, 3)}, &tc)); /* [h, agg], then the heads */
  PetscCall(PdTapeInput(tape, 2, (PetscInt[]){n, W}, &tu));
  PetscCall(PdTapeInput(tape, 2, (PetscInt[]){2 * n + El, 1}, &tr));
  PetscCall(PdTapeInput(tape, 2, (PetscInt[]){n + El, 1}, L));
  h = th->data, cat = tc->data, u = tu->data, r = tr->data, c = r + n, out = (*L)->data;
  Lin(n, W, IC_NODE_FEATURES, nf->data, m->w_in->data, m->b_in->data, u);
  Tanh(n * W, u, h);
  for (PetscInt k = 0; k < m->layers; k++) {
    float *agg = u; /* PdEdgeMatVec's loop into a zeroed [n, W] */
    PetscCall(PetscArrayzero(agg, n * W));
    for (PetscInt e = 0; e < g->E; e++) {
      float       *yd = agg + g->edst[e] * W;
      const float *zs = h + g->esrc[e] * W, ve = ef->data[e];
      _Pragma("omp simd")
      for (PetscInt p = 0; p < W; p++) yd[p] += ve * zs[p];
    }
    for (PetscInt i = 0; i < n; i++) /* [h, agg] by rows */
      for (PetscInt p = 0; p < W; p++) {
        cat[i * 2 * W + p]     = h[i * W + p];
        cat[i * 2 * W + W + p] = agg[i * W + p];
      }
    Lin(n, W, 2 * W, cat, m->w_upd[k]->data, m->b_upd[k]->data, u);
    Tanh(n * W, u, cat);
    for (PetscInt i = 0; i < n * W; i++) h[i] = h[i] + cat[i];
  }
  { /* the three heads in one product: [w_d; w_r; w_c], biases b_d, b_o, 0 */
    float hw[3 * 1024], hb[3] = {m->b_d->data[0], m->b_o->data[0], 0.0f};
    for (PetscInt p = 0; p < W; p++) hw[p] = m->w_d->data[p], hw[W + p] = m->w_r->data[p], hw[2 * W + p] = m->w_c->data[p];
    Lin(n, 3, W, h, hw, hb, cat);
    for (PetscInt i = 0; i < n; i++) out[i] = cat[3 * i], r[i] = cat[3 * i + 1], c[i] = cat[3 * i + 2];
  }
  if (!m->correction) Softplus(n, out);
  if (El) {
    for (PetscInt e = 0; e < El; e++) {
      out[n + e] = r[g->lrow[n + e]] + c[g->lcol[n + e]];
      if (!m->correction) out[n + e] = out[n + e] * lf->data[e];
    }
  }
  if (m->correction) {
    float *t = r; /* [n + El] */
    Exp(n + El, out, t);
    for (PetscInt i = 0; i < n + El; i++) out[i] = l0->data[i] * t[i];
  }
  PetscFunctionReturn(0);
}

/*@
  NOpLearnedICForward - the factor's values the network predicts for a graph

  Input: nop (type learned_ic), tape, g (the graph's structure), nf [n, 3] node features
  (1, sum_j A_ij, sum_j |A_ij| of the scaled matrix), ef [E, 1] edge values A_ij, lf [El, 1] values of
  the strictly lower edges, l0 [n + El, 1] ICC(0)'s factor of the scaled matrix in the order of
  g->lrow/g->lcol (all on the tape; l0 is read only by a correction model and may be NULL otherwise).
  Output: L [n + El, 1]: the diagonal entries, then the strictly lower ones, in the order of
  g->lrow/g->lcol.

  Each layer is h <- h + tanh(W [h, A_off h] + b): the only per-edge work is one sparse product with
  the matrix (PdEdgeMatVec), so a set-up costs about W products with A. Heads of a correction model
  (the default): L = L0 exp(c) entrywise, c_ii = w_d h_i + b, c_ij = w_r h_i + w_c h_j + b_o, all
  heads zero at initialisation (L = L0); of a direct model: L_ii = softplus(w_d h_i + b), L_ij =
  A_ij (w_r h_i + w_c h_j + b_o).
@*/
PetscErrorCode NOpLearnedICForward(NOp nop, PdTape tape, const NOpGraph *g, PdTensor nf, PdTensor ef, PdTensor lf, PdTensor l0, PdTensor *L)
{
  NOp_LearnedIC *m;
  PdTensor       h, t, u, agg, diag;

  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPLEARNEDIC, NULL));
  PetscCall(NOpSetUp(nop));
  m = (NOp_LearnedIC *)nop->data;
  PetscCheck(nf->ndim == 2 && nf->shape[0] == g->n && nf->shape[1] == IC_NODE_FEATURES, nop->comm, PETSC_ERR_ARG_SIZ, "learned_ic: node features must be [n, %d] with n = %" PetscInt_FMT, IC_NODE_FEATURES, g->n);
  PetscCheck(ef->size == g->E && (!g->El || lf->size == g->El), nop->comm, PETSC_ERR_ARG_SIZ, "learned_ic: edge features must be [E, 1] and lower-edge features [El, 1] (E = %" PetscInt_FMT ", El = %" PetscInt_FMT ")", g->E, g->El);
  PetscCheck(!m->correction || (l0 && l0->size == g->n + g->El), nop->comm, PETSC_ERR_ARG_SIZ, "learned_ic: a correction model needs ICC(0)'s factor [n + El, 1] (n + El = %" PetscInt_FMT ")", g->n + g->El);
  if (tape) { /* every tensor records on the tape of its inputs; without gradients no record is needed */
    PetscBool grad;
    PetscCall(PdTapeGetGradEnabled(tape, &grad));
    if (!grad) {
      PetscCall(Infer(m, tape, g, nf, ef, lf, l0, L));
      PetscFunctionReturn(0);
    }
  }
  PetscCall(PdLinear(nf, m->w_in, m->b_in, &t));
  PetscCall(PdTanh(t, &h));
  for (PetscInt k = 0; k < m->layers; k++) {
    PetscCall(PdEdgeMatVec(ef, h, g->E, g->esrc, g->edst, g->n, &agg));
    PetscCall(PdConcat(h, agg, 1, &t));
    PetscCall(PdLinear(t, m->w_upd[k], m->b_upd[k], &u));
    PetscCall(PdTanh(u, &t));
    PetscCall(PdAdd(h, t, &h));
  }
  PetscCall(PdLinear(h, m->w_d, m->b_d, &diag));
  if (!m->correction) PetscCall(PdSoftplus(diag, &diag));
  if (g->El) {
    PdTensor r, c, sr, sc, off;
    PetscCall(PdLinear(h, m->w_r, m->b_o, &r));
    PetscCall(PdLinear(h, m->w_c, NULL, &c));
    PetscCall(PdGather(r, g->El, g->lrow + g->n, &sr));
    PetscCall(PdGather(c, g->El, g->lcol + g->n, &sc));
    PetscCall(PdAdd(sr, sc, &off));
    if (!m->correction) PetscCall(PdMul(off, lf, &off));
    PetscCall(PdConcat(diag, off, 0, L));
  } else *L = diag;
  if (m->correction) {
    PetscCall(PdExp(*L, &t));
    PetscCall(PdMul(l0, t, L));
  }
  PetscFunctionReturn(0);
}

/*@
  NOpLearnedICSetLayers - width W and number of message-passing layers of a learned_ic network

  Options: -ic_width <4> -ic_layers <1>. Call before NOpSetUp.
@*/
PetscErrorCode NOpLearnedICSetLayers(NOp nop, PetscInt width, PetscInt layers)
{
  NOp_LearnedIC *m;

  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPLEARNEDIC, "NOpLearnedICSetLayers"));
  m = (NOp_LearnedIC *)nop->data;
  {
    PetscInt *const f[2] = {&m->width, &m->layers};
    const PetscInt  v[2] = {width, layers};
    PetscCall(NOpHyperSetIntsChecked(nop, 2, f, v));
  }
  PetscFunctionReturn(0);
}

/*@ NOpLearnedICGetLayers - width and number of message-passing layers (either may be NULL) @*/
PetscErrorCode NOpLearnedICGetLayers(NOp nop, PetscInt *width, PetscInt *layers)
{
  NOp_LearnedIC *m;

  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPLEARNEDIC, NULL));
  m = (NOp_LearnedIC *)nop->data;
  if (width) *width = m->width;
  if (layers) *layers = m->layers;
  PetscFunctionReturn(0);
}

/*@
  NOpLearnedICSetCorrection - whether the network predicts a correction to ICC(0)'s factor (PETSC_TRUE,
  the default for new models) or the factor itself (PETSC_FALSE, as models saved before the choice
  existed, which load as such)

  Option: -ic_correction <true>. Call before NOpSetUp.
@*/
PetscErrorCode NOpLearnedICSetCorrection(NOp nop, PetscBool correction)
{
  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPLEARNEDIC, "NOpLearnedICSetCorrection"));
  ((NOp_LearnedIC *)nop->data)->correction = correction;
  PetscFunctionReturn(0);
}

/*@
  NOpLearnedICSetPattern - the factor's pattern the network is trained on: IC(levels), levels in [0, 2],
  in the ordering (a PdICOrdering of <pdeop/learned.h>: 0 natural, 1 lines). Options: -ic_levels <0>
  -ic_ordering <natural>. Call before NOpSetUp.
@*/
PetscErrorCode NOpLearnedICSetPattern(NOp nop, PetscInt levels, PetscInt ordering)
{
  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPLEARNEDIC, "NOpLearnedICSetPattern"));
  ((NOp_LearnedIC *)nop->data)->levels   = levels;
  ((NOp_LearnedIC *)nop->data)->ordering = ordering;
  PetscCall(NOpHyperCheck(nop));
  PetscFunctionReturn(0);
}

/*@ NOpLearnedICGetPattern - the factor's pattern: levels of fill and ordering (either may be NULL) @*/
PetscErrorCode NOpLearnedICGetPattern(NOp nop, PetscInt *levels, PetscInt *ordering)
{
  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPLEARNEDIC, NULL));
  if (levels) *levels = ((NOp_LearnedIC *)nop->data)->levels;
  if (ordering) *ordering = ((NOp_LearnedIC *)nop->data)->ordering;
  PetscFunctionReturn(0);
}

/*@ NOpLearnedICGetCorrection - whether the network predicts a correction to ICC(0)'s factor @*/
PetscErrorCode NOpLearnedICGetCorrection(NOp nop, PetscBool *correction)
{
  PetscFunctionBegin;
  PetscCall(NOpCheckTypeForSetter(nop, NOPLEARNEDIC, NULL));
  *correction = ((NOp_LearnedIC *)nop->data)->correction;
  PetscFunctionReturn(0);
}

/*@
  NOpCreate_LearnedIC - the learned incomplete Cholesky graph network type

  Its shapes are fixed (3 node features in, one factor value out per entry) and it has no
  tensor-to-tensor NOpForward: evaluate it with NOpLearnedICForward on a graph. The initial weights
  come from the seed's PD_RNG_STREAM_MAIN stream, as the former PdLearnedIC's did, so the same seed
  gives the same network. Options: -ic_width <4> -ic_layers <1> -ic_correction <true> -ic_levels <0>
  -ic_ordering <natural|lines> (the factor's pattern, recorded in the model's file)
@*/
PetscErrorCode NOpCreate_LearnedIC(NOp nop)
{
  NOp_LearnedIC *m;
  const PetscInt in[1] = {IC_NODE_FEATURES}, out[1] = {1};

  PetscFunctionBegin;
  PetscCall(PetscNew(&m));
  m->width                = 4;
  m->layers               = 1;
  m->correction           = PETSC_TRUE;
  nop->data               = m;
  nop->ops.hyper          = &LearnedICHyperTable;
  nop->ops.check          = NOpCheck_LearnedIC;
  nop->ops.setup          = NOpSetUp_LearnedIC;
  nop->ops.view           = NOpView_LearnedIC;
  nop->ops.setmeta        = NOpSetMeta_LearnedIC;
  nop->ops.getmeta        = NOpGetMeta_LearnedIC;
  nop->ops.setfromoptions = NOpSetFromOptions_LearnedIC;
  nop->ops.destroy        = NOpDestroy_LearnedIC;
  PetscCall(NOpSetShapes(nop, 1, in, 1, out));
  nop->fixed_shapes = PETSC_TRUE;
  nop->init_stream  = PD_RNG_STREAM_MAIN;
  PetscFunctionReturn(0);
}
