/* Learned incomplete Cholesky (after Li et al., ICML 2023), the parts that need the matrix: its
   graph, the training loss, and the lower-triangular factor (A's lower sparsity, positive diagonal;
   M = L L^T is SPD, so plain CG applies) assembled from what the learned_ic NOp predicts. */
#include <pdeop/learned.h>
#include <pdeop/nop.h>
#include <pdeop/ops.h>

#include "precond/learned_ic_impl.h"

/*@
  PdICLinesOrdering - an ordering that numbers the matrix's lines of strong coupling as the slow index:
  an edge is strong when its scaled value |a_ij| / sqrt(a_ii a_jj) is at least half the largest of
  both its ends' rows; when every node has at most two strong edges the strong edges form paths
  (the lines: a grid line along an anisotropic problem's strong direction), and node i of the new
  order is the one at position t along line l, sorted by (t, l), lines ranked by their lower
  end and walked from it (a cycle from its lowest unknown). *perm (new to old, PetscMalloc'd) is NULL when the matrix
  has no such lines (a node with three strong edges) or the order is the matrix's own.
@*/
PetscErrorCode PdICLinesOrdering(Mat A, PetscInt **perm)
{
  PetscInt           n, nc = 0, *deg, *nb, *comp, *pos, *order, *cmin, *key; /* cmin: counts of the sorts */
  const PetscInt    *ia, *ja;
  const PetscScalar *va;
  PetscReal         *d, *mx;
  PetscBool          done, lines = PETSC_TRUE, same = PETSC_TRUE;

  PetscFunctionBegin;
  *perm = NULL;
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ia, &ja, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "learned_ic: cannot read the matrix structure");
  PetscCall(MatSeqAIJGetArrayRead(A, &va));
  PetscCall(PetscMalloc6(n, &deg, 2 * n, &nb, n, &comp, n, &pos, n, &d, n, &mx));
  PetscCall(PetscMalloc3(n, &order, n, &cmin, n, &key));
  for (PetscInt i = 0; i < n; i++) { /* d: 1 / sqrt(a_ii) */
    d[i] = 1;
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++)
      if (ja[k] == i && PetscRealPart(va[k]) > 0) d[i] = 1 / PetscSqrtReal(PetscRealPart(va[k]));
  }
  for (PetscInt i = 0; i < n; i++) {
    mx[i] = 0;
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++)
      if (ja[k] != i) mx[i] = PetscMax(mx[i], PetscAbsScalar(va[k]) * d[ja[k]]);
    mx[i] *= d[i];
  }
  for (PetscInt i = 0; i < n && lines; i++) {
    deg[i] = 0;
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++) {
      const PetscInt  j = ja[k];
      const PetscReal s = j == i ? 0 : PetscAbsScalar(va[k]) * d[i] * d[j];
      if (s > 0 && s >= 0.5 * mx[i] && s >= 0.5 * mx[j]) {
        if (deg[i] < 2) nb[2 * i + deg[i]] = j;
        deg[i]++;
      }
    }
    lines = (PetscBool)(deg[i] <= 2);
  }
  if (lines) {
    for (PetscInt i = 0; i < n; i++) comp[i] = -1;
    for (PetscInt pass = 0; pass < 2; pass++) /* paths from their lower end, then cycles */
      for (PetscInt s0 = 0; s0 < n; s0++) {
        PetscInt cur = s0, prev = -1, t = 0;
        if (comp[s0] >= 0 || (pass == 0 && deg[s0] == 2)) continue;
        while (cur >= 0) {
          PetscInt nx = -1;
          comp[cur] = nc, pos[cur] = t++;
          for (PetscInt q = 0; q < deg[cur]; q++)
            if (nb[2 * cur + q] != prev && comp[nb[2 * cur + q]] < 0) nx = nb[2 * cur + q];
          prev = cur, cur = nx;
        }
        nc++;
      }
    /* sort by (position, line): counting sorts by line, then stably by position */
    PetscCall(PetscArrayzero(cmin, n));
    for (PetscInt i = 0; i < n; i++) cmin[comp[i]]++;
    for (PetscInt c = 0, sum = 0, k; c < n; c++) k = cmin[c], cmin[c] = sum, sum += k;
    for (PetscInt i = 0; i < n; i++) key[cmin[comp[i]]++] = i;
    PetscCall(PetscArrayzero(cmin, n));
    for (PetscInt i = 0; i < n; i++) cmin[pos[i]]++;
    for (PetscInt t = 0, sum = 0, k; t < n; t++) k = cmin[t], cmin[t] = sum, sum += k;
    for (PetscInt k = 0; k < n; k++) order[cmin[pos[key[k]]]++] = key[k];
    for (PetscInt i = 0; i < n; i++) same = (PetscBool)(same && order[i] == i);
    if (!same) {
      PetscCall(PetscMalloc1(n, perm));
      PetscCall(PetscArraycpy(*perm, order, n));
    }
  }
  PetscCall(MatSeqAIJRestoreArrayRead(A, &va));
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ia, &ja, &done));
  PetscCall(PetscFree6(deg, nb, comp, pos, d, mx));
  PetscCall(PetscFree3(order, cmin, key));
  PetscFunctionReturn(0);
}

const char *const PdICOrderings[] = {"natural", "lines", "PdICOrdering", "PD_IC_ORDERING_", NULL};

/*@ PdICGraphIsICC - whether the graph's own factor (PdICGraphICCFactor) is PETSc's ICC(0) of the
   matrix: ICC(0)'s pattern in the natural order, and no explicit zeros (PETSc keeps them in its
   pattern, the graph does not) @*/
PetscErrorCode PdICGraphIsICC(PdICGraph g, PetscBool *same)
{
  PetscFunctionBegin;
  *same = (PetscBool)(g->levels == 0 && !g->perm && !g->zeros);
  PetscFunctionReturn(0);
}

/*@ PdICGraphGetPattern - the factor's levels of fill and the ordering asked for; *permuted says whether
   the graph's order differs from the matrix's (any may be NULL) @*/
PetscErrorCode PdICGraphGetPattern(PdICGraph g, PetscInt *levels, PdICOrdering *ordering, PetscBool *permuted)
{
  PetscFunctionBegin;
  if (levels) *levels = g->levels;
  if (ordering) *ordering = g->ordering;
  if (permuted) *permuted = g->perm ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PdICGraphDestroy(PdICGraph *graph)
{
  PdICGraph g = *graph;

  PetscFunctionBegin;
  if (!g) PetscFunctionReturn(0);
  PetscCall(PetscFree4(g->esrc, g->edst, g->lrow, g->lcol));
  PetscCall(PetscFree4(g->nfeat, g->efeat, g->lfeat, g->l0));
  PetscCall(PetscFree(g->l0d));
  PetscCall(PetscFree(g->dsqrt));
  PetscCall(PetscFree(g->perm));
  PetscCall(PetscFree2(g->x, g->b));
  PetscCall(PetscFree2(g->lptr, g->la));
  PetscCall(PetscFree3(g->kia, g->kja, g->kzero));
  PetscCall(PetscFree2(g->vsrc, g->dpos));
  PetscCall(PetscFree(g));
  *graph = NULL;
  PetscFunctionReturn(0);
}

/*@
  PdICGraphSetPairs - attach P solution/right-hand-side pairs (x[:,p], b[:,p] columns of n x P
  row-major arrays, unscaled). Stored scaled (x D^1/2, b D^-1/2) with each column normalised so
  that ||b|| = 1; pairs with b = 0 are an error.
@*/
PetscErrorCode PdICGraphSetPairs(PdICGraph g, PetscInt P, const double x[], const double b[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(g->x, g->b));
  PetscCall(PetscMalloc2(g->n * P, &g->x, g->n * P, &g->b));
  g->P = P;
  for (PetscInt p = 0; p < P; p++) {
    double nb = 0;
    for (PetscInt i = 0; i < g->n; i++) nb += PetscSqr(b[(g->perm ? g->perm[i] : i) * P + p] / g->dsqrt[i]);
    nb = PetscSqrtReal(nb);
    PetscCheck(nb > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "learned_ic training pair %" PetscInt_FMT " has a zero right-hand side", p);
    for (PetscInt i = 0; i < g->n; i++) {
      const PetscInt o = g->perm ? g->perm[i] : i;
      g->x[i * P + p]  = (float)(x[o * P + p] * g->dsqrt[i] / nb);
      g->b[i * P + p]  = (float)(b[o * P + p] / g->dsqrt[i] / nb);
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Input(PdTape tape, PetscInt r, PetscInt c, const float *src, PdTensor *t)
{
  PetscFunctionBegin;
  PetscCall(PdTapeInput(tape, 2, (PetscInt[]){r, c}, t));
  if (r > 0 && c > 0) PetscCall(PetscArraycpy((*t)->data, src, r * c));
  PetscFunctionReturn(0);
}

/* The factor's values [n + El, 1] in the scaled variables: the graph's features (and ICC(0)'s factor,
   which a correction model multiplies) as tape inputs, then the network */
static PetscErrorCode Forward(NOp model, PdTape tape, PdICGraph g, PdTensor *L)
{
  NOpGraph gr = {g->n, g->E, g->El, g->esrc, g->edst, g->lrow, g->lcol};
  PdTensor nf, ef, lf, l0;

  PetscFunctionBegin;
  PetscCall(Input(tape, g->n, IC_NODE_FEATURES, g->nfeat, &nf));
  PetscCall(Input(tape, g->E, 1, g->efeat, &ef));
  PetscCall(Input(tape, g->El, 1, g->lfeat, &lf));
  PetscCall(Input(tape, g->n + g->El, 1, g->l0, &l0));
  PetscCall(NOpLearnedICForward(model, tape, &gr, nf, ef, lf, l0, L));
  PetscFunctionReturn(0);
}

/*@
  PdLearnedICLoss - mean over the attached pairs of ||L L^T x - b||^2 (scaled, ||b|| = 1)

  Input: model (an NOp of type learned_ic), tape (gradients flow to the model's parameters), g.
  Output: loss, a scalar on the tape.
@*/
PetscErrorCode PdLearnedICLoss(NOp m, PdTape tape, PdICGraph g, PdTensor *loss)
{
  PdTensor L, x, b, y, z, mse;

  PetscFunctionBegin;
  PetscCheck(g->P > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "PdLearnedICLoss: no (x, b) pairs attached (PdICGraphSetPairs)");
  PetscCall(Forward(m, tape, g, &L));
  PetscCall(Input(tape, g->n, g->P, g->x, &x));
  PetscCall(Input(tape, g->n, g->P, g->b, &b));
  PetscCall(PdEdgeMatVec(L, x, g->n + g->El, g->lrow, g->lcol, g->n, &y)); /* L^T x */
  PetscCall(PdEdgeMatVec(L, y, g->n + g->El, g->lcol, g->lrow, g->n, &z)); /* L (L^T x) */
  PetscCall(PdMSELoss(z, b, &mse));
  PetscCall(PdScale(mse, (float)g->n, loss)); /* sum over unknowns, mean over pairs */
  PetscFunctionReturn(0);
}

/* the factor's values from its values in the scaled variables ([n + El], the graph's order of
   lrow/lcol): Lf (the network's, float) or Ld (double); a non-finite entry is an error */
static PetscErrorCode Refill(PdICGraph g, const float *Lf, const double *Ld, PdICFactor f)
{
  PetscFunctionBegin;
  for (PetscInt e = g->n; e < g->n + g->El; e++) {
    const PetscInt k    = f->fpos[e - g->n];
    f->val[k]           = g->dsqrt[g->lrow[e]] * (Ld ? Ld[e] : (double)Lf[e]);
    f->tval[f->tpos[k]] = f->val[k];
  }
  for (PetscInt i = 0; i < g->n; i++) f->idiag[i] = 1.0 / (g->dsqrt[i] * PetscMax(Ld ? Ld[i] : (double)Lf[i], 1e-6));
  for (PetscInt k = 0; k < f->nnz + f->n; k++)
    PetscCheck(k < f->nnz ? (isnormal(f->val[k]) || f->val[k] == 0.0) : isnormal(f->idiag[k - f->nnz]), PETSC_COMM_SELF, PETSC_ERR_FP, "learned_ic: the model produced a non-finite factor entry; the model file is damaged or was trained to divergence");
  PetscFunctionReturn(0);
}

/* L in CSR for the triangular solves (and by columns for the backward sweep), its values by Refill */
static PetscErrorCode Assemble(PdICGraph g, const float *Lf, const double *Ld, PdICFactor *factor)
{
  PdICFactor     f;
  PetscInt      *next;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscNew(&f));
  f->n     = g->n;
  f->nnz   = g->El;
  f->stamp = g->stamp;
  PetscCall(PetscMalloc4(g->n + 1, &f->ia, PetscMax(f->nnz, 1), &f->ja, PetscMax(f->nnz, 1), &f->val, g->n, &f->idiag));
  PetscCall(PetscMalloc2(PetscMax(f->nnz, 1), &f->fpos, PetscMax(f->nnz, 1), &f->tpos));
  PetscCall(PetscMalloc1(g->n, &f->work));
  if (g->perm) {
    PetscCall(PetscMalloc1(g->n, &f->perm));
    PetscCall(PetscArraycpy(f->perm, g->perm, g->n));
  }
  PetscCall(PetscMalloc1(g->n, &next));
  PetscCall(PetscArrayzero(f->ia, g->n + 1));
  for (PetscInt e = g->n; e < g->n + g->El; e++) f->ia[g->lrow[e] + 1]++;
  for (PetscInt i = 0; i < g->n; i++) f->ia[i + 1] += f->ia[i];
  for (PetscInt i = 0; i < g->n; i++) next[i] = f->ia[i];
  for (PetscInt e = g->n; e < g->n + g->El; e++) {
    PetscInt i = g->lrow[e], k = next[i]++;
    f->ja[k]          = g->lcol[e];
    f->fpos[e - g->n] = k;
  }
  /* transpose: row i of L^T holds column i of L */
  PetscCall(PetscMalloc3(g->n + 1, &f->ta, PetscMax(f->nnz, 1), &f->tj, PetscMax(f->nnz, 1), &f->tval));
  PetscCall(PetscArrayzero(f->ta, g->n + 1));
  for (PetscInt k = 0; k < f->nnz; k++) f->ta[f->ja[k] + 1]++;
  for (PetscInt i = 0; i < g->n; i++) f->ta[i + 1] += f->ta[i];
  for (PetscInt i = 0; i < g->n; i++) next[i] = f->ta[i];
  for (PetscInt i = 0; i < g->n; i++)
    for (PetscInt k = f->ia[i]; k < f->ia[i + 1]; k++) {
      PetscInt q = next[f->ja[k]]++;
      f->tj[q]   = i;
      f->tpos[k] = q;
    }
  PetscCall(PetscFree(next));
  ierr = Refill(g, Lf, Ld, f);
  if (ierr) PetscCall(PdICFactorDestroy(&f));
  PetscCall(ierr);
  *factor = f;
  PetscFunctionReturn(0);
}

/*@
  PdLearnedICFactor - run the network on a graph and assemble L in CSR for the triangular solves

  Input: model (an NOp of type learned_ic), tape (a tape without gradients, reset here, so a
  sequence of set-ups allocates nothing; NULL: a temporary one), g.
  Output: factor.
@*/
PetscErrorCode PdLearnedICFactor(NOp m, PdTape tape, PdICGraph g, PdICFactor *factor)
{
  PetscFunctionBegin;
  *factor = NULL;
  PetscCall(PdLearnedICFactorUpdate(m, tape, g, factor));
  PetscFunctionReturn(0);
}

PetscErrorCode PdLearnedICFactorUpdate(NOp m, PdTape tape, PdICGraph g, PdICFactor *factor)
{
  PdTape         own = NULL;
  PdTensor       L;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  if (!tape) {
    PetscCall(PdTapeCreate(PETSC_COMM_SELF, &own));
    PetscCall(PdTapeSetGradEnabled(own, PETSC_FALSE));
    tape = own;
  }
  PetscCall(PdTapeReset(tape));
  PetscCall(Forward(m, tape, g, &L));
  if (*factor && g->stamp && (*factor)->stamp == g->stamp) { /* assembled on this structure: the values */
    ierr = Refill(g, L->data, NULL, *factor);
    if (ierr) PetscCall(PdICFactorDestroy(factor));
    PetscCall(ierr);
  } else {
    PetscCall(PdICFactorDestroy(factor));
    PetscCall(Assemble(g, L->data, NULL, factor));
  }
  PetscCall(PdTapeDestroy(&own));
  PetscFunctionReturn(0);
}

/*@
  PdICGraphICCFactor - ICC(0) of the graph's matrix as a factor (computed with the graph, in double
  precision; what an untrained correction model predicts), with the diagonal shift it needed
@*/
PetscErrorCode PdICGraphICCFactor(PdICGraph g, PdICFactor *factor, PetscReal *shift)
{
  PetscFunctionBegin;
  PetscCall(Assemble(g, NULL, g->l0d, factor));
  if (shift) *shift = g->shift;
  PetscFunctionReturn(0);
}

/* y = L^-T L^-1 r in place in y (y may alias r); both sweeps read rows (gathers, no scattered writes):
   row i of the forward sweep reads r[i] before it writes y[i] */
static void Solve(PdICFactor f, const PetscScalar r[], PetscScalar y[])
{
  const PetscInt *PETSC_RESTRICT ia = f->ia, *PETSC_RESTRICT ja = f->ja, *PETSC_RESTRICT ta = f->ta, *PETSC_RESTRICT tj = f->tj;
  const double *PETSC_RESTRICT val = f->val, *PETSC_RESTRICT tval = f->tval, *PETSC_RESTRICT idiag = f->idiag;

  for (PetscInt i = 0; i < f->n; i++) { /* L y = r */
    double s = PetscRealPart(r[i]);
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++) s -= val[k] * PetscRealPart(y[ja[k]]);
    y[i] = s * idiag[i];
  }
  for (PetscInt i = f->n - 1; i >= 0; i--) { /* L^T y = y */
    double s = PetscRealPart(y[i]);
    for (PetscInt k = ta[i]; k < ta[i + 1]; k++) s -= tval[k] * PetscRealPart(y[tj[k]]);
    y[i] = s * idiag[i];
  }
}

/*@ PdICFactorApply - y = P^T L^-T L^-1 P r (y may alias r), P the graph's ordering @*/
PetscErrorCode PdICFactorApply(PdICFactor f, const PetscScalar r[], PetscScalar y[])
{
  PetscFunctionBegin;
  if (f->perm) {
    PetscScalar *w = (PetscScalar *)f->work;
    for (PetscInt i = 0; i < f->n; i++) w[i] = r[f->perm[i]];
    Solve(f, w, w);
    for (PetscInt i = 0; i < f->n; i++) y[f->perm[i]] = w[i];
  } else Solve(f, r, y);
  PetscCall(PetscLogFlops(4.0 * f->nnz + 2.0 * f->n));
  PetscFunctionReturn(0);
}

/*@ PdICFactorShellApply - PCShellSetApply's callback for a PCSHELL whose context is a PdICFactor @*/
PetscErrorCode PdICFactorShellApply(PC pc, Vec r, Vec y)
{
  PdICFactor         f;
  const PetscScalar *ra;
  PetscScalar       *ya;

  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &f));
  PetscCall(VecGetArrayRead(r, &ra));
  PetscCall(VecGetArrayWrite(y, &ya));
  PetscCall(PdICFactorApply(f, ra, ya));
  PetscCall(VecRestoreArrayRead(r, &ra));
  PetscCall(VecRestoreArrayWrite(y, &ya));
  PetscFunctionReturn(0);
}

/*@ PdICFactorMult - y = P^T L L^T P x, the preconditioner M itself (for checks and diagnostics) @*/
PetscErrorCode PdICFactorMult(PdICFactor f, const PetscScalar x[], PetscScalar y[])
{
  double *w = f->work;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < f->n; i++) { /* w = L^T P x: row i of L^T */
    double s = PetscRealPart(x[f->perm ? f->perm[i] : i]) / f->idiag[i];
    for (PetscInt k = f->ta[i]; k < f->ta[i + 1]; k++) s += f->tval[k] * PetscRealPart(x[f->perm ? f->perm[f->tj[k]] : f->tj[k]]);
    w[i] = s;
  }
  for (PetscInt i = 0; i < f->n; i++) { /* y = P^T L w */
    double s = w[i] / f->idiag[i];
    for (PetscInt k = f->ia[i]; k < f->ia[i + 1]; k++) s += f->val[k] * w[f->ja[k]];
    y[f->perm ? f->perm[i] : i] = s;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PdICFactorGetSize(PdICFactor f, PetscInt *n, PetscInt *nnz)
{
  PetscFunctionBegin;
  if (n) *n = f->n;
  if (nnz) *nnz = f->nnz + f->n;
  PetscFunctionReturn(0);
}

PetscErrorCode PdICFactorDestroy(PdICFactor *factor)
{
  PetscFunctionBegin;
  if (!*factor) PetscFunctionReturn(0);
  PetscCall(PetscFree4((*factor)->ia, (*factor)->ja, (*factor)->val, (*factor)->idiag));
  PetscCall(PetscFree3((*factor)->ta, (*factor)->tj, (*factor)->tval));
  PetscCall(PetscFree((*factor)->work));
  PetscCall(PetscFree((*factor)->perm));
  PetscCall(PetscFree2((*factor)->fpos, (*factor)->tpos));
  PetscCall(PetscFree(*factor));
  PetscFunctionReturn(0);
}
