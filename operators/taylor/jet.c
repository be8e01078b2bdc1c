/* Taylor mode for dense networks: jets of a batch pushed through linear layers and activations with
   engine operations, and estimators of differential operators (exact, SDGD, STDE) built on them. */
#include "interface/nopimpl.h"
#include <pdeop/jet.h>
#include <pdeop/vecmath.h>

const char *const PdDirDists[]       = {"sparse", "pairs", "rademacher", "gaussian", "PdDirDist", "PD_DIR_", NULL};
const char *const PdEstimatorTypes[] = {"exact", "sdgd", "stde", "PdEstimatorType", "PD_EST_", NULL};

static PetscErrorCode Zeros(PdTape tape, int nd, const PetscInt shape[], PdTensor *t)
{
  PetscFunctionBegin;
  PetscCall(PdTapeInput(tape, nd, shape, t));
  PetscCall(PetscArrayzero((*t)->data, (*t)->size));
  PetscFunctionReturn(0);
}

/* [V*B, w] or [V, B, w] first coefficient -> [K, V, B, w] with coefficients 2..K zero */
static PetscErrorCode StackFirst(PdTape tape, PetscInt K, PetscInt V, PetscInt B, PdTensor c1, PdTensor *c)
{
  PetscInt w = c1->shape[c1->ndim - 1], s1[4] = {1, V, B, w}, sz[4] = {K - 1, V, B, w};
  PdTensor z;

  PetscFunctionBegin;
  PetscCall(PdReshape(c1, 4, s1, c));
  if (K > 1) {
    PetscCall(Zeros(tape, 4, sz, &z));
    PetscCall(PdConcat(*c, z, 0, c));
  }
  PetscFunctionReturn(0);
}

/*@
  PdJetSeedLinear - the first layer on a seed: p = x W^T + b, c_1 = v W^T (a column gather for
  sparse directions), c_2.. = 0

  Input: seed, order K (0..4), W [w, d], b [w] or NULL.
  Output: jet.
@*/
PetscErrorCode PdJetSeedLinear(const PdJetSeed *seed, PetscInt K, PdTensor W, PdTensor b, PdJet *jet)
{
  PdTensor c1;

  PetscFunctionBegin;
  PetscCheck(K >= 0 && K <= PD_JET_MAX_ORDER, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Jet order %" PetscInt_FMT " outside 0..%d", K, PD_JET_MAX_ORDER);
  PetscCheck(seed->x->ndim == 2 && seed->x->shape[0] == seed->B && seed->x->shape[1] == seed->d, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Jet seed: the points must be [B, d] = [%" PetscInt_FMT ", %" PetscInt_FMT "]", seed->B, seed->d);
  jet->order = K;
  jet->V     = seed->V;
  jet->B     = seed->B;
  jet->c     = NULL;
  PetscCall(PdLinear(seed->x, W, b, &jet->p));
  if (!K) PetscFunctionReturn(0);
  if (seed->nnz) PetscCall(PdGatherColumns(seed->x->tape, W, seed->V * seed->B, seed->nnz, seed->idx, seed->val, &c1));
  else {
    PetscCheck(seed->dirs && seed->dirs->size == seed->V * seed->B * seed->d, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Jet seed: dense directions must be [V, B, d]");
    PetscCall(PdLinear(seed->dirs, W, NULL, &c1));
  }
  PetscCall(StackFirst(seed->x->tape, K, seed->V, seed->B, c1, &jet->c));
  PetscFunctionReturn(0);
}

/*@ PdJetLinear - a linear layer on a jet: the primal with the bias, the coefficients without @*/
PetscErrorCode PdJetLinear(const PdJet *in, PdTensor W, PdTensor b, PdJet *out)
{
  PdJet j = *in;

  PetscFunctionBegin;
  PetscCall(PdLinear(in->p, W, b, &j.p));
  if (in->c) PetscCall(PdLinear(in->c, W, NULL, &j.c));
  *out = j;
  PetscFunctionReturn(0);
}

/* the dense activation of each Taylor-mode function, indexed by PdJetFn */
static const PdActivation JetFnActivations[] = {PD_ACT_TANH, PD_ACT_SIN, PD_ACT_SOFTPLUS, PD_ACT_GELU};

/*@ PdJetActivate - an elementwise activation on a jet (primal op plus PdJetActivation) @*/
PetscErrorCode PdJetActivate(PdJetFn fn, const PdJet *in, PdJet *out)
{
  PdJet j = *in;

  PetscFunctionBegin;
  PetscCheck(fn >= PD_JET_TANH && fn <= PD_JET_GELU, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdJetActivate: unknown activation %d", (int)fn);
  PetscCall(PdActivate(JetFnActivations[fn], in->p, &j.p));
  if (in->c) PetscCall(PdJetActivation(fn, in->order, in->p, in->c, &j.c));
  *out = j;
  PetscFunctionReturn(0);
}

/*@ PdJetCoefficient - coefficient k of a jet: the primal [B, w] for k = 0, else [V, B, w] @*/
PetscErrorCode PdJetCoefficient(const PdJet *jet, PetscInt k, PdTensor *t)
{
  PetscInt w, s[3];

  PetscFunctionBegin;
  PetscCheck(k >= 0 && k <= jet->order, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Coefficient %" PetscInt_FMT " of a jet of order %" PetscInt_FMT, k, jet->order);
  if (!k) {
    *t = jet->p;
    PetscFunctionReturn(0);
  }
  w    = jet->p->shape[jet->p->ndim - 1];
  s[0] = jet->V;
  s[1] = jet->B;
  s[2] = w;
  if (jet->order == 1) PetscCall(PdReshape(jet->c, 3, s, t));
  else {
    PetscCall(PdSlice(jet->c, 0, k - 1, 1, t));
    PetscCall(PdReshape(*t, 3, s, t));
  }
  PetscFunctionReturn(0);
}

/*@ PdJetMul - the product of two jets of the same order, directions and width (Cauchy product) @*/
PetscErrorCode PdJetMul(const PdJet *a, const PdJet *b, PdJet *out)
{
  PdJet    j = *a;
  PdTensor ca[PD_JET_MAX_ORDER + 1], cb[PD_JET_MAX_ORDER + 1], acc = NULL;
  PetscInt K = a->order;

  PetscFunctionBegin;
  PetscCheck(a->order == b->order && a->V == b->V && a->B == b->B, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "PdJetMul: jets of orders %" PetscInt_FMT " and %" PetscInt_FMT " with %" PetscInt_FMT " and %" PetscInt_FMT " directions", a->order, b->order, a->V, b->V);
  PetscCall(PdMul(a->p, b->p, &j.p));
  j.c = NULL;
  for (PetscInt k = 0; k <= K; k++) {
    PetscCall(PdJetCoefficient(a, k, &ca[k]));
    PetscCall(PdJetCoefficient(b, k, &cb[k]));
  }
  if (a->V == 1 && K) { /* [B,w] and [1,B,w] have the same size but do not broadcast: align them */
    PetscCall(PdReshape(ca[0], 3, ca[1]->shape, &ca[0]));
    PetscCall(PdReshape(cb[0], 3, cb[1]->shape, &cb[0]));
  }
  for (PetscInt k = 1; k <= K; k++) {
    PdTensor ck = NULL, t;
    PetscInt s[4];
    for (PetscInt i = 0; i <= k; i++) { /* a_i b_{k-i}; the primals [B,w] broadcast over directions */
      PetscCall(PdMul(ca[i], cb[k - i], &t));
      if (ck) PetscCall(PdAdd(ck, t, &ck));
      else ck = t;
    }
    s[0] = 1;
    s[1] = a->V;
    s[2] = a->B;
    s[3] = ck->shape[ck->ndim - 1];
    PetscCall(PdReshape(ck, 4, s, &ck));
    if (acc) PetscCall(PdConcat(acc, ck, 0, &acc));
    else acc = ck;
  }
  j.c  = acc;
  *out = j;
  PetscFunctionReturn(0);
}

/*@
  PdJetSeedSquaredNorm - the constant jet of alpha + beta |x + t v|^2 (width 1): primal
  alpha + beta |x|^2, c_1 = 2 beta x.v, c_2 = beta |v|^2, higher coefficients 0
@*/
PetscErrorCode PdJetSeedSquaredNorm(const PdJetSeed *seed, PdTape tape, PetscInt K, double alpha, double beta, PdJet *jet)
{
  PetscInt B = seed->B, d = seed->d, V = seed->V, sp[2] = {B, 1}, sc[4] = {K, V, B, 1};
  PdTensor p, c;

  PetscFunctionBegin;
  PetscCall(PdTapeInput(tape, 2, sp, &p));
  for (PetscInt b = 0; b < B; b++) {
    const float *x = seed->x->data + b * d;
    double       s = 0;
    _Pragma("omp simd reduction(+:s)")
    for (PetscInt i = 0; i < d; i++) s += (double)x[i] * x[i];
    p->data[b] = (float)(alpha + beta * s);
  }
  jet->order = K;
  jet->V     = V;
  jet->B     = B;
  jet->p     = p;
  jet->c     = NULL;
  if (!K) PetscFunctionReturn(0);
  PetscCall(Zeros(tape, 4, sc, &c));
  for (PetscInt v = 0; v < V; v++)
    for (PetscInt b = 0; b < B; b++) {
      const float *x  = seed->x->data + b * d;
      double       xv = 0, vv = 0;
      if (seed->nnz) {
        for (PetscInt q = 0; q < seed->nnz; q++) {
          PetscInt k = (v * B + b) * seed->nnz + q;
          xv += (double)seed->val[k] * x[seed->idx[k]];
          vv += (double)seed->val[k] * seed->val[k];
        }
        if (seed->nnz == 2 && seed->idx[(v * B + b) * 2] == seed->idx[(v * B + b) * 2 + 1]) { /* one axis twice */
          double s = (double)seed->val[(v * B + b) * 2] + seed->val[(v * B + b) * 2 + 1];
          vv       = s * s;
        }
      } else {
        const float *dv = seed->dirs->data + (v * B + b) * d;
        for (PetscInt i = 0; i < d; i++) {
          xv += (double)x[i] * dv[i];
          vv += (double)dv[i] * dv[i];
        }
      }
      c->data[v * B + b] = (float)(2.0 * beta * xv);
      if (K >= 2) c->data[(V + v) * B + b] = (float)(beta * vv);
    }
  jet->c = c;
  PetscFunctionReturn(0);
}

/* the engine's Taylor-mode counterpart of a dense activation; relu has no derivatives to push */
static PetscErrorCode JetFnFromActivation(PdActivation act, PdJetFn *fn)
{
  PetscFunctionBegin;
  for (int f = PD_JET_TANH; f <= PD_JET_GELU; f++)
    if (JetFnActivations[f] == act) {
      *fn = (PdJetFn)f;
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "Jets need a smooth activation (tanh, sin, softplus, gelu); the model uses %s (-mlp_activation)", PdActivations[act]);
}

/*@
  PdDenseStackJetForward - the jet of a dense stack on a seed (the network PdDenseStackForward evaluates)

  Input: s (a smooth activation), seed (dimension = the stack's input size), order K.
  Output: jet of width = the stack's output size.
@*/
PetscErrorCode PdDenseStackJetForward(PdDenseStack *s, const PdJetSeed *seed, PetscInt K, PdJet *out)
{
  PdJetFn fn;
  PdJet   j;

  PetscFunctionBegin;
  PetscCall(JetFnFromActivation(s->act, &fn));
  for (PetscInt l = 0; l < s->n; l++) {
    if (l == 0) PetscCall(PdJetSeedLinear(seed, K, s->W[0], s->b[0], &j));
    else PetscCall(PdJetLinear(&j, s->W[l], s->b[l], &j));
    if (l < s->n - 1 || s->act_last) PetscCall(PdJetActivate(fn, &j, &j));
  }
  *out = j;
  PetscFunctionReturn(0);
}

/*@
  NOpJetForward - the jet of a model on a seed: the network NOpForward evaluates, in Taylor mode

  Input: nop (its type must implement jets: mlp with a smooth activation; not normalised; input
  size d), tape, seed, order K (0..4).
  Output: jet of width = the model's output size.
@*/
PetscErrorCode NOpJetForward(NOp nop, PdTape tape, const PdJetSeed *seed, PetscInt K, PdJet *out)
{
  PetscFunctionBegin;
  PetscCheck(nop->type[0], nop->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the model type (NOpSetType) before NOpJetForward");
  PetscCheck(nop->ops.jet, nop->comm, PETSC_ERR_SUP, "Model type %s has no Taylor-mode forward (NOpJetForward); jets are implemented for mlp models", nop->type);
  PetscCall(NOpSetUp(nop));
  /* a PINN's inputs are points and its loss is a PDE residual, so pdeop never normalises its models;
     a model from `pdeop train` does, unless trained with -normalize 0 */
  PetscCheck(!nop->normalized, nop->comm, PETSC_ERR_SUP, "Jets need a model without input/output normalisation (train it with -normalize 0)");
  PetscCheck(nop->in_size == seed->d, nop->comm, PETSC_ERR_ARG_SIZ, "The model takes %" PetscInt_FMT " inputs; the jet seed has dimension %" PetscInt_FMT, nop->in_size, seed->d);
  PetscCall(nop->ops.jet(nop, tape, seed, K, out));
  PetscFunctionReturn(0);
}

/*@ PdJetModelNOp - a PdJetModelFn for an NOp passed as the context (NOpJetForward) @*/
PetscErrorCode PdJetModelNOp(void *ctx, PdTape tape, const PdJetSeed *seed, PetscInt K, PdJet *out)
{
  PetscFunctionBegin;
  PetscCall(NOpJetForward((NOp)ctx, tape, seed, K, out));
  PetscFunctionReturn(0);
}

/* ---------------- operators and estimators ---------------- */

/*@ PdDiffOpLaplacian - the Laplacian as one second-order term of the given kind @*/
PetscErrorCode PdDiffOpLaplacian(PdDirDist dist, PdDiffOp *op)
{
  PetscFunctionBegin;
  PetscCheck(dist != PD_DIR_PAIRS, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The Laplacian is a sum over axes, not pairs");
  op->nterms         = 1;
  op->term[0].weight = 1.0;
  op->term[0].order  = 2;
  op->term[0].dist   = dist;
  PetscFunctionReturn(0);
}

/*@
  PdDiffOpBiharmonic - Delta^2 u in R^d as fourth-order terms: gaussian (1/3) E[D_v^4 u];
  rademacher (1/3) E[D_v^4 u] + (2/3) sum_j D_{e_j}^4 u; sparse (1 - (d-1)/3) sum_j D_{e_j}^4 u
  + (1/6) sum_{i<j} (D_{e_i+e_j}^4 u + D_{e_i-e_j}^4 u)
@*/
PetscErrorCode PdDiffOpBiharmonic(PdDirDist dist, PetscInt d, PdDiffOp *op)
{
  PetscFunctionBegin;
  op->term[0].order = op->term[1].order = 4;
  switch (dist) {
  case PD_DIR_GAUSSIAN:
    op->nterms         = 1;
    op->term[0].weight = 1.0 / 3.0;
    op->term[0].dist   = PD_DIR_GAUSSIAN;
    break;
  case PD_DIR_RADEMACHER:
    op->nterms         = 2;
    op->term[0].weight = 1.0 / 3.0;
    op->term[0].dist   = PD_DIR_RADEMACHER;
    op->term[1].weight = 2.0 / 3.0;
    op->term[1].dist   = PD_DIR_SPARSE;
    break;
  default:
    op->nterms         = d > 1 ? 2 : 1;
    op->term[0].weight = 1.0 - (double)(d - 1) / 3.0;
    op->term[0].dist   = PD_DIR_SPARSE;
    op->term[1].weight = 1.0 / 6.0;
    op->term[1].dist   = PD_DIR_PAIRS;
    break;
  }
  PetscFunctionReturn(0);
}

/* signed pair m in [0, d(d-1)) -> (i, j, sign): i < j gives e_i + e_j, i > j gives e_j - e_i */
static void DecodePair(PetscInt d, PetscInt m, PetscInt *i, PetscInt *j, float *sj)
{
  PetscInt a = m / (d - 1), r = m % (d - 1), b = r < a ? r : r + 1;
  if (a < b) {
    *i  = a;
    *j  = b;
    *sj = 1.0f;
  } else {
    *i  = b;
    *j  = a;
    *sj = -1.0f;
  }
}

/* k distinct integers in [0, n) (k <= n) */
static PetscErrorCode Distinct(PdRng *rng, PetscInt n, PetscInt k, PetscInt out[])
{
  PetscFunctionBegin;
  if (2 * k > n) {
    PetscInt *perm;
    PetscCall(PetscMalloc1(n, &perm));
    PetscCall(PdRngPermutation(rng, n, perm));
    PetscCall(PetscArraycpy(out, perm, k));
    PetscCall(PetscFree(perm));
  } else
    for (PetscInt c = 0; c < k;) { /* rejection: k <= n/2, so at most half the draws repeat */
      PetscInt  x   = PdRngInt(rng, n);
      PetscBool dup = PETSC_FALSE;
      for (PetscInt q = 0; q < c && !dup; q++) dup = (PetscBool)(out[q] == x);
      if (!dup) out[c++] = x;
    }
  PetscFunctionReturn(0);
}

/*@
  PdDirSetSample - draw the directions of one estimate of op for B points in R^d

  Input: op, estimator, V (directions per point per term; exact ignores it), B, d, rng.
  Output: ds (free with PdDirSetDestroy).
@*/
PetscErrorCode PdDirSetSample(const PdDiffOp *op, PdEstimatorType est, PetscInt V, PetscInt B, PetscInt d, PdRng *rng, PdDirSet *ds)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(ds, sizeof(*ds)));
  PetscCheck(d >= 1 && B >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Need at least one point and one dimension");
  PetscCheck(est == PD_EST_EXACT || V >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-stde_dirs must be at least 1, got %" PetscInt_FMT, V);
  ds->B      = B;
  ds->d      = d;
  ds->nterms = op->nterms;
  for (PetscInt t = 0; t < op->nterms; t++) {
    const PdDiffTerm *T     = &op->term[t];
    PetscBool         dense = (PetscBool)(T->dist == PD_DIR_RADEMACHER || T->dist == PD_DIR_GAUSSIAN);
    PetscInt          n     = T->dist == PD_DIR_PAIRS ? d * (d - 1) : d; /* directions of a sum */
    PetscInt          Vt;

    PetscCheck(T->order >= 1 && T->order <= PD_JET_MAX_ORDER, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Operator term of order %" PetscInt_FMT "; jets go to order %d", T->order, PD_JET_MAX_ORDER);
    PetscCheck(!(dense && est != PD_EST_STDE), PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "The %s estimator sums over coordinate axes; it cannot take %s directions (use -estimator stde)", PdEstimatorTypes[est], PdDirDists[T->dist]);
    PetscCheck(T->dist != PD_DIR_PAIRS || d >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Pairs of axes need d >= 2");
    ds->order[t] = T->order;
    if (dense) {
      Vt           = V;
      ds->scale[t] = T->weight / (double)V;
      PetscCall(PetscMalloc1((size_t)Vt * B * d, &ds->dirs[t]));
      if (T->dist == PD_DIR_RADEMACHER) PetscCall(PdRngFillRademacher(rng, Vt * B * d, ds->dirs[t]));
      else PetscCall(PdJetFillNormal(rng, Vt * B * d, ds->dirs[t]));
    } else {
      PetscInt  nnz = T->dist == PD_DIR_PAIRS ? 2 : 1, *pick;
      PetscBool shared;
      Vt           = est == PD_EST_EXACT ? n : (est == PD_EST_SDGD ? PetscMin(V, n) : V);
      shared       = (PetscBool)(est != PD_EST_STDE); /* the same directions for every point */
      ds->scale[t] = T->weight * (est == PD_EST_EXACT ? 1.0 : (double)n / (double)Vt);
      ds->nnz[t]   = nnz;
      PetscCall(PetscMalloc2((size_t)Vt * B * nnz, &ds->idx[t], (size_t)Vt * B * nnz, &ds->val[t]));
      PetscCall(PetscMalloc1(Vt, &pick));
      if (est == PD_EST_EXACT)
        for (PetscInt v = 0; v < Vt; v++) pick[v] = v;
      else if (est == PD_EST_SDGD) PetscCall(Distinct(rng, n, Vt, pick));
      for (PetscInt v = 0; v < Vt; v++)
        for (PetscInt b = 0; b < B; b++) {
          PetscInt m = shared ? pick[v] : PdRngInt(rng, n), k = (v * B + b) * nnz;
          if (nnz == 1) {
            ds->idx[t][k] = m;
            ds->val[t][k] = 1.0f;
          } else {
            PetscInt i, j;
            float    sj;
            DecodePair(d, m, &i, &j, &sj);
            ds->idx[t][k]     = i;
            ds->val[t][k]     = 1.0f;
            ds->idx[t][k + 1] = j;
            ds->val[t][k + 1] = sj;
          }
        }
      PetscCall(PetscFree(pick));
    }
    ds->V[t] = Vt;
  }
  PetscFunctionReturn(0);
}

/*@
  PdDirSetRestrict - the directions of points lo..hi-1 of a set (a rank's share of a batch whose
  directions every rank drew alike); free with PdDirSetDestroy
@*/
PetscErrorCode PdDirSetRestrict(const PdDirSet *in, PetscInt lo, PetscInt hi, PdDirSet *out)
{
  const PetscInt n = hi - lo;

  PetscFunctionBegin;
  PetscCheck(lo >= 0 && lo < hi && hi <= in->B, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Points %" PetscInt_FMT "..%" PetscInt_FMT " are not a part of a set of %" PetscInt_FMT, lo, hi - 1, in->B);
  *out   = *in;
  out->B = n;
  for (PetscInt t = 0; t < in->nterms; t++) {
    const PetscInt V = in->V[t], w = in->dirs[t] ? in->d : in->nnz[t];
    out->idx[t]  = NULL;
    out->val[t]  = NULL;
    out->dirs[t] = NULL;
    if (in->dirs[t]) PetscCall(PetscMalloc1((size_t)V * n * w, &out->dirs[t]));
    else PetscCall(PetscMalloc2((size_t)V * n * w, &out->idx[t], (size_t)V * n * w, &out->val[t]));
    for (PetscInt v = 0; v < V; v++) {
      const size_t src = ((size_t)v * in->B + lo) * w, dst = (size_t)v * n * w;
      if (in->dirs[t]) PetscCall(PetscArraycpy(out->dirs[t] + dst, in->dirs[t] + src, n * w));
      else {
        PetscCall(PetscArraycpy(out->idx[t] + dst, in->idx[t] + src, n * w));
        PetscCall(PetscArraycpy(out->val[t] + dst, in->val[t] + src, n * w));
      }
    }
  }
  PetscFunctionReturn(0);
}

/*@ PdDirSetDestroy - free the directions drawn by PdDirSetSample @*/
PetscErrorCode PdDirSetDestroy(PdDirSet *ds)
{
  PetscFunctionBegin;
  for (PetscInt t = 0; t < ds->nterms; t++) {
    PetscCall(PetscFree2(ds->idx[t], ds->val[t]));
    PetscCall(PetscFree(ds->dirs[t]));
  }
  PetscCall(PetscMemzero(ds, sizeof(*ds)));
  PetscFunctionReturn(0);
}

/*@
  PdDiffOpApply - the part of an estimate from directions v0..v1-1 of term t:
  scale_t k! sum_v c_k[v, b], a [B] tensor on the tape of x; u (optional) the primal [B]
@*/
PetscErrorCode PdDiffOpApply(PdJetModelFn model, void *ctx, PdTensor x, const PdDirSet *ds, PetscInt t, PetscInt v0, PetscInt v1, PdTensor *part, PdTensor *u)
{
  PdJetSeed seed;
  PdJet     jet;
  PdTensor  ck;
  PetscInt  B = ds->B, d = ds->d, K, s2[2];
  double    fact = 1;

  PetscFunctionBegin;
  PetscCheck(t >= 0 && t < ds->nterms && v0 >= 0 && v1 > v0 && v1 <= ds->V[t], PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdDiffOpApply: term %" PetscInt_FMT ", directions %" PetscInt_FMT "..%" PetscInt_FMT " out of range", t, v0, v1);
  PetscCheck(x->ndim == 2 && x->shape[0] == B && x->shape[1] == d, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdDiffOpApply: the points must be [%" PetscInt_FMT ", %" PetscInt_FMT "]", B, d);
  K = ds->order[t];
  PetscCall(PetscMemzero(&seed, sizeof(seed)));
  seed.B = B;
  seed.d = d;
  seed.V = v1 - v0;
  seed.x = x;
  if (ds->dirs[t]) {
    PetscInt s[3] = {seed.V, B, d};
    PetscCall(PdTapeInput(x->tape, 3, s, &seed.dirs));
    PetscCall(PetscArraycpy(seed.dirs->data, ds->dirs[t] + (size_t)v0 * B * d, seed.V * B * d));
  } else {
    seed.nnz = ds->nnz[t];
    seed.idx = ds->idx[t] + (size_t)v0 * B * seed.nnz;
    seed.val = ds->val[t] + (size_t)v0 * B * seed.nnz;
  }
  PetscCall(model(ctx, x->tape, &seed, K, &jet));
  PetscCheck(jet.p->size == B, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Differential operators need a scalar model; it has %" PetscInt_FMT " outputs", jet.p->size / B);
  PetscCall(PdJetCoefficient(&jet, K, &ck));
  s2[0] = seed.V;
  s2[1] = B;
  PetscCall(PdReshape(ck, 2, s2, &ck));
  PetscCall(PdSumDim(ck, 0, &ck));
  for (PetscInt k = 2; k <= K; k++) fact *= (double)k;
  PetscCall(PdScale(ck, (float)(ds->scale[t] * fact), part));
  if (u) PetscCall(PdReshape(jet.p, 1, &B, u));
  PetscFunctionReturn(0);
}

/*@ PdDiffOpEstimate - the whole estimate [B] of the operator whose directions ds holds @*/
PetscErrorCode PdDiffOpEstimate(PdJetModelFn model, void *ctx, PdTensor x, const PdDirSet *ds, PdTensor *Lu, PdTensor *u)
{
  PdTensor acc = NULL, part;

  PetscFunctionBegin;
  for (PetscInt t = 0; t < ds->nterms; t++) {
    PetscCall(PdDiffOpApply(model, ctx, x, ds, t, 0, ds->V[t], &part, t == 0 ? u : NULL));
    if (acc) PetscCall(PdAdd(acc, part, &acc));
    else acc = part;
  }
  *Lu = acc;
  PetscFunctionReturn(0);
}

/* Box-Muller on m pairs of uniforms: u1 <- r cos(2 pi u2), u2 <- r sin(2 pi u2) */
PD_CLONES static void BoxMuller(PetscInt m, float *u1, float *u2, float *rad)
{
  /* separate loops: GCC would fuse cosf and sinf of one argument into scalar sincosf, and would
     not vectorise logf beside sqrtf (errno) */
  _Pragma("omp simd")
  for (PetscInt k = 0; k < m; k++) rad[k] = -2.0f * logf(u1[k]);
  for (PetscInt k = 0; k < m; k++) rad[k] = sqrtf(rad[k]);
  _Pragma("omp simd")
  for (PetscInt k = 0; k < m; k++) u1[k] = rad[k] * cosf(6.283185307179586f * u2[k]);
  _Pragma("omp simd")
  for (PetscInt k = 0; k < m; k++) u2[k] = rad[k] * sinf(6.283185307179586f * u2[k]);
}

/*@ PdJetFillNormal - n float N(0,1) draws: Box-Muller on 24-bit uniforms, vectorised @*/
PetscErrorCode PdJetFillNormal(PdRng *rng, PetscInt n, float x[])
{
  enum { CH = 256 };
  float    u1[CH], u2[CH], rad[CH];
  uint64_t r[CH];

  PetscFunctionBegin;
  for (PetscInt i0 = 0; i0 < n; i0 += 2 * CH) {
    PetscInt m = PetscMin(CH, (n - i0 + 1) / 2);
    PdRngFillBits(rng, m, r);
    _Pragma("omp simd")
    for (PetscInt k = 0; k < m; k++) {
      u1[k] = (float)((r[k] >> 40) + 1) * 0x1.0p-24f; /* (0, 1] */
      u2[k] = (float)((r[k] >> 16) & 0xffffff) * 0x1.0p-24f;
    }
    BoxMuller(m, u1, u2, rad);
    for (PetscInt k = 0; k < m; k++) {
      x[i0 + 2 * k] = u1[k];
      if (i0 + 2 * k + 1 < n) x[i0 + 2 * k + 1] = u2[k];
    }
  }
  PetscFunctionReturn(0);
}
