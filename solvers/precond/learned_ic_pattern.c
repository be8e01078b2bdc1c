/* learned_ic's graph of a matrix: the IC(k) pattern in an ordering, the features and IC's factor on
   it (solvers/precond/learned_ic.c has the network's side and the factor) */
#include <pdeop/learned.h>
#include <pdeop/nop.h>
#include "precond/learned_ic_impl.h"

/* IC of the scaled matrix on a given lower pattern (ICC(0) on A's own; fill entries with a = 0)
   (unit diagonal; lower entries a[] by rows, row i's at lptr[i]..lptr[i+1]
   with columns col[] ascending): d[] the diagonal, l[] the lower entries on the same pattern. A pivot
   that is not positive restarts with a diagonal shift (1e-3, doubled each time), as PETSc's ICC
   does; *shift is the one that succeeded, or -1 when none did (values that are not finite). */
static PetscErrorCode ICC0(PetscInt n, const PetscInt lptr[], const PetscInt col[], const double a[], double d[], double l[], PetscReal *shift)
{
  PetscReal alpha = 0;

  PetscFunctionBegin;
  for (PetscInt attempt = 0;; attempt++) {
    PetscBool ok = PETSC_TRUE;
    for (PetscInt i = 0; i < n && ok; i++) {
      double s = 1.0 + alpha;
      for (PetscInt k = lptr[i]; k < lptr[i + 1]; k++) {
        const PetscInt j  = col[k];
        double         v  = a[k];
        PetscInt       pi = lptr[i], pj = lptr[j];
        while (pi < k && pj < lptr[j + 1]) { /* rows i and j of L left of column j */
          if (col[pi] == col[pj]) v -= l[pi++] * l[pj++];
          else if (col[pi] < col[pj]) pi++;
          else pj++;
        }
        l[k] = v / d[j];
        s -= l[k] * l[k];
      }
      ok   = (PetscBool)(s > 1e-12);
      d[i] = ok ? PetscSqrtReal(s) : 0;
    }
    if (ok || attempt == 60) {
      *shift = ok ? alpha : -1;
      break;
    }
    alpha = alpha > 0 ? 2 * alpha : 1e-3;
  }
  PetscFunctionReturn(0);
}

/* The symmetric pattern of IC(levels) of a CSR matrix (columns ascending): level 0 its nonzeros, and
   (i, j) of level lev(i,c) + lev(j,c) + 1 for c < j < i, kept up to levels (PETSc's ICC(k) rule).
   Out: the full pattern in CSR (diagonal included, columns ascending) with A's values, 0 and
   fill[] = true at the fill entries. */
static PetscErrorCode LevelPattern(PetscInt n, const PetscInt ia[], const PetscInt ja[], const PetscScalar va[], PetscInt levels, PetscInt **pia, PetscInt **pja, PetscScalar **pva, PetscBool **pfill)
{
  PetscInt cap = ia[n] + n + 1, nl = 0, *lptr, *lcol, *llev, *erow, *cnext, *chead, *ctail, *lev, *next, *ncol;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(cap, &lcol)); /* one by one: they grow by PetscRealloc */
  PetscCall(PetscMalloc1(cap, &llev));
  PetscCall(PetscMalloc1(cap, &erow));
  PetscCall(PetscMalloc1(cap, &cnext));
  PetscCall(PetscMalloc6(n + 1, &lptr, n, &chead, n, &ctail, n, &lev, n + 1, &next, n, &ncol));
  for (PetscInt i = 0; i < n; i++) chead[i] = ctail[i] = lev[i] = -1;
  for (PetscInt i = 0; i < n; i++) {
    PetscInt head = n, last = n; /* row i's columns as a sorted list, n ends it */
    lptr[i] = nl;
    for (PetscInt k = ia[i]; k < ia[i + 1] && ja[k] < i; k++) {
      if (va[k] == 0.0) continue;
      lev[ja[k]] = 0;
      if (last == n) head = ja[k];
      else next[last] = ja[k];
      last        = ja[k];
      next[ja[k]] = n;
    }
    for (PetscInt c = head; c < n; c = next[c]) { /* c ascending; the column's entries (j, c), c < j < i, ascending */
      PetscInt pos = c;
      for (PetscInt e = chead[c]; e >= 0; e = cnext[e]) {
        const PetscInt j = erow[e], l = lev[c] + llev[e] + 1;
        if (l > levels) continue;
        if (lev[j] < 0) {
          while (next[pos] < j) pos = next[pos];
          next[j]   = next[pos];
          next[pos] = j;
          lev[j]    = l;
        } else lev[j] = PetscMin(lev[j], l);
      }
    }
    for (PetscInt c = head; c < n; c = next[c]) {
      if (nl == cap) {
        cap *= 2;
        PetscCall(PetscRealloc(cap * sizeof(PetscInt), &lcol));
        PetscCall(PetscRealloc(cap * sizeof(PetscInt), &llev));
        PetscCall(PetscRealloc(cap * sizeof(PetscInt), &erow));
        PetscCall(PetscRealloc(cap * sizeof(PetscInt), &cnext));
      }
      lcol[nl] = c, llev[nl] = lev[c], erow[nl] = i, cnext[nl] = -1;
      if (ctail[c] < 0) chead[c] = nl;
      else cnext[ctail[c]] = nl;
      ctail[c] = nl++;
      lev[c]   = -1;
    }
  }
  lptr[n] = nl;
  /* the full pattern: row i's lower columns, i, then the rows of column i */
  PetscCall(PetscMalloc4(n + 1, pia, 2 * nl + n, pja, 2 * nl + n, pva, 2 * nl + n, pfill));
  (*pia)[0] = 0;
  for (PetscInt i = 0; i < n; i++) {
    PetscInt m = 0, q = ia[i], at = (*pia)[i];
    for (PetscInt k = lptr[i]; k < lptr[i + 1]; k++) ncol[m++] = lcol[k];
    ncol[m++] = i;
    for (PetscInt e = chead[i]; e >= 0; e = cnext[e]) ncol[m++] = erow[e];
    for (PetscInt k = 0; k < m; k++, at++) {
      while (q < ia[i + 1] && ja[q] < ncol[k]) q++;
      (*pja)[at]   = ncol[k];
      (*pva)[at]   = q < ia[i + 1] && ja[q] == ncol[k] ? va[q] : 0.0;
      (*pfill)[at] = (PetscBool)((*pva)[at] == 0.0 && ncol[k] != i);
    }
    (*pia)[i + 1] = at;
  }
  PetscCall(PetscFree(lcol));
  PetscCall(PetscFree(llev));
  PetscCall(PetscFree(erow));
  PetscCall(PetscFree(cnext));
  PetscCall(PetscFree6(lptr, chead, ctail, lev, next, ncol));
  PetscFunctionReturn(0);
}

/* The graph's nodes, edges, features and ICC factor from a CSR matrix (rows' columns ascending, the
   diagonal positive): entries of value 0 are edges only where fill[] (NULL: nowhere) marks them as
   the pattern's fill; the factor's entries are the strictly lower edges */
static PetscErrorCode GraphFromCSR(PdICGraph g, const PetscInt ia[], const PetscInt ja[], const PetscScalar va[], const PetscBool fill[])
{
  PetscInt n = g->n, E = 0, El = 0, e = 0, l = 0, *lptr, *lc;
  double  *la, *d0, *ll;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++) {
      if (ja[k] != i && va[k] == 0.0 && !(fill && fill[k])) g->zeros = PETSC_TRUE;
      if (ja[k] == i || (va[k] == 0.0 && !(fill && fill[k]))) continue;
      E++;
      if (ja[k] < i) El++;
    }
  g->E  = E;
  g->El = El;
  PetscCall(PetscMalloc4(E, &g->esrc, E, &g->edst, n + El, &g->lrow, n + El, &g->lcol));
  PetscCall(PetscMalloc4(n * IC_NODE_FEATURES, &g->nfeat, PetscMax(E, 1), &g->efeat, PetscMax(El, 1), &g->lfeat, n + El, &g->l0));
  PetscCall(PetscMalloc1(n + El, &g->l0d));
  PetscCall(PetscMalloc2(n + 1, &g->lptr, PetscMax(El, 1), &g->la)); /* kept for a refresh of the values */
  PetscCall(PetscMalloc1(PetscMax(El, 1), &lc));
  lptr = g->lptr;
  la   = g->la;
  d0   = g->l0d;
  ll   = g->l0d + n;
  for (PetscInt i = 0; i < n; i++) {
    double sum = 0, asum = 0;
    lptr[i]    = l;
    g->lrow[i] = g->lcol[i] = i;
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++) {
      PetscInt j = ja[k];
      double   s;
      if (j == i || (va[k] == 0.0 && !(fill && fill[k]))) continue;
      s           = PetscRealPart(va[k]) / (g->dsqrt[i] * g->dsqrt[j]);
      g->esrc[e]  = j;
      g->edst[e]  = i;
      g->efeat[e] = (float)s;
      e++;
      sum += s;
      asum += PetscAbsReal(s);
      if (j < i) {
        g->lrow[n + l] = i;
        g->lcol[n + l] = j;
        g->lfeat[l]    = (float)s;
        lc[l]          = j;
        la[l]          = s;
        l++;
      }
    }
    g->nfeat[IC_NODE_FEATURES * i + 0] = 1.0f;
    g->nfeat[IC_NODE_FEATURES * i + 1] = (float)sum;
    g->nfeat[IC_NODE_FEATURES * i + 2] = (float)asum;
  }
  lptr[n] = l;
  PetscCall(ICC0(n, lptr, lc, la, d0, ll, &g->shift));
  for (PetscInt k = 0; k < n + El; k++) g->l0[k] = (float)g->l0d[k];
  PetscCall(PetscFree(lc));
  PetscFunctionReturn(0);
}

/* the CSR of P A P^T (row i is row perm[i] of A, columns renumbered and ascending) */
static PetscErrorCode PermuteCSR(PetscInt n, const PetscInt ia[], const PetscInt ja[], const PetscScalar va[], const PetscInt perm[], PetscInt **qia, PetscInt **qja, PetscScalar **qva)
{
  PetscInt *iperm;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &iperm));
  PetscCall(PetscMalloc3(n + 1, qia, ia[n], qja, ia[n], qva));
  for (PetscInt i = 0; i < n; i++) iperm[perm[i]] = i;
  (*qia)[0] = 0;
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt o = perm[i], at = (*qia)[i];
    PetscInt       m = 0;
    for (PetscInt k = ia[o]; k < ia[o + 1]; k++, m++) { /* insertion sort: rows are short */
      PetscInt c = iperm[ja[k]], q = at + m;
      while (q > at && (*qja)[q - 1] > c) {
        (*qja)[q] = (*qja)[q - 1];
        (*qva)[q] = (*qva)[q - 1];
        q--;
      }
      (*qja)[q] = c;
      (*qva)[q] = va[k];
    }
    (*qia)[i + 1] = at + m;
  }
  PetscCall(PetscFree(iperm));
  PetscFunctionReturn(0);
}

/*@ PdICGraphCreate - the scaled graph of a sequential AIJ matrix (explicit zeros are not edges), the
   factor's pattern ICC(0)'s in the matrix's own order @*/
PetscErrorCode PdICGraphCreate(Mat A, PdICGraph *graph)
{
  PetscFunctionBegin;
  PetscCall(PdICGraphCreatePattern(A, 0, PD_IC_ORDERING_NATURAL, graph));
  PetscFunctionReturn(0);
}

static PetscInt stamps = 0; /* the graphs' structures built so far */

/* After a fresh build: what decides the structure (the matrix's CSR structure and where it stores
   zeros; levels, ordering and perm are the graph's) and where each edge's and diagonal's value sits
   in the matrix's value array (-1: a fill entry the matrix does not store), so a matrix of the same
   structure refreshes only the values */
static PetscErrorCode KeepStructure(PdICGraph g, const PetscInt ia[], const PetscInt ja[], const PetscScalar va[])
{
  const PetscInt n = g->n, *p = g->perm;

  PetscFunctionBegin;
  g->nnz = ia[n];
  PetscCall(PetscMalloc3(n + 1, &g->kia, PetscMax(ia[n], 1), &g->kja, PetscMax(ia[n], 1), &g->kzero));
  PetscCall(PetscMalloc2(PetscMax(g->E, 1), &g->vsrc, n, &g->dpos));
  PetscCall(PetscArraycpy(g->kia, ia, n + 1));
  PetscCall(PetscArraycpy(g->kja, ja, ia[n]));
  for (PetscInt k = 0; k < ia[n]; k++) g->kzero[k] = (PetscBool)(va[k] == 0.0);
  for (PetscInt e = -n; e < g->E; e++) { /* e < 0: node e + n's diagonal */
    const PetscInt i = e < 0 ? e + n : g->edst[e], j = e < 0 ? i : g->esrc[e], r = p ? p[i] : i, c = p ? p[j] : j;
    PetscInt       at = -1;
    for (PetscInt k = ia[r]; k < ia[r + 1] && at < 0; k++)
      if (ja[k] == c) at = k;
    if (e < 0) g->dpos[i] = at;
    else g->vsrc[e] = at;
  }
  g->stamp = ++stamps;
  PetscFunctionReturn(0);
}

/* whether the graph's structure is the one a fresh build from this matrix would give */
static PetscBool SameStructure(PdICGraph g, PetscInt n, PetscInt levels, PdICOrdering ordering, const PetscInt perm[], const PetscInt ia[], const PetscInt ja[], const PetscScalar va[])
{
  if (!g || !g->stamp || g->n != n || g->levels != levels || g->ordering != ordering || !perm != !g->perm || g->nnz != ia[n]) return PETSC_FALSE;
  if (perm && memcmp(perm, g->perm, n * sizeof(PetscInt))) return PETSC_FALSE;
  if (memcmp(ia, g->kia, (n + 1) * sizeof(PetscInt)) || memcmp(ja, g->kja, ia[n] * sizeof(PetscInt))) return PETSC_FALSE;
  for (PetscInt k = 0; k < ia[n]; k++)
    if ((va[k] == 0.0) != g->kzero[k]) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* the values of a graph of the same structure from the matrix's value array: the arithmetic of
   GraphFromCSR, edge by edge in its order; *bad is a row of the matrix whose diagonal *dbad is not
   positive (or -1) */
static PetscErrorCode Refresh(PdICGraph g, const PetscScalar va[], PetscInt *bad, PetscReal *dbad)
{
  const PetscInt n = g->n;
  PetscInt       e = 0, l = 0;

  PetscFunctionBegin;
  *bad = -1;
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal d = PetscRealPart(va[g->dpos[i]]);
    if (!(d > 0)) {
      *bad  = g->perm ? g->perm[i] : i;
      *dbad = d;
      PetscFunctionReturn(0);
    }
    g->dsqrt[i] = PetscSqrtReal(d);
  }
  for (PetscInt i = 0; i < n; i++) {
    double sum = 0, asum = 0;
    for (; e < g->E && g->edst[e] == i; e++) {
      const PetscInt j = g->esrc[e];
      const double   s = (g->vsrc[e] >= 0 ? PetscRealPart(va[g->vsrc[e]]) : 0.0) / (g->dsqrt[i] * g->dsqrt[j]);
      g->efeat[e]      = (float)s;
      sum += s;
      asum += PetscAbsReal(s);
      if (j < i) {
        g->lfeat[l] = (float)s;
        g->la[l++]  = s;
      }
    }
    g->nfeat[IC_NODE_FEATURES * i + 0] = 1.0f;
    g->nfeat[IC_NODE_FEATURES * i + 1] = (float)sum;
    g->nfeat[IC_NODE_FEATURES * i + 2] = (float)asum;
  }
  PetscCall(ICC0(n, g->lptr, g->lcol + n, g->la, g->l0d, g->l0d + n, &g->shift));
  for (PetscInt k = 0; k < n + g->El; k++) g->l0[k] = (float)g->l0d[k];
  PetscCall(PetscFree2(g->x, g->b)); /* pairs belong to the former matrix */
  g->P = 0;
  PetscFunctionReturn(0);
}

/* a fresh graph (perm: taken over, freed with it) of the CSR matrix ria/rja/rva; *bad, *dbad as for
   Refresh (*graph then NULL) */
static PetscErrorCode Build(PetscInt n, const PetscInt ria[], const PetscInt rja[], const PetscScalar rva[], PetscInt levels, PdICOrdering ordering, PetscInt *perm, PdICGraph *graph, PetscInt *bad, PetscReal *dbad)
{
  PdICGraph          g;
  PetscInt          *pia = NULL, *pja = NULL, *qia = NULL, *qja = NULL;
  PetscScalar       *pva = NULL, *qva = NULL;
  PetscBool         *pfill = NULL;
  const PetscInt    *ia, *ja;
  const PetscScalar *va;

  PetscFunctionBegin;
  *graph = NULL;
  *bad   = -1;
  PetscCall(PetscNew(&g));
  g->n        = n;
  g->levels   = levels;
  g->ordering = ordering;
  g->perm     = perm;
  if (g->perm) PetscCall(PermuteCSR(n, ria, rja, rva, g->perm, &qia, &qja, &qva));
  ia = qia ? qia : ria, ja = qja ? qja : rja, va = qva ? qva : rva;
  PetscCall(PetscMalloc1(n, &g->dsqrt));
  for (PetscInt i = 0; i < n && *bad < 0; i++) {
    PetscReal d     = 0;
    PetscBool found = PETSC_FALSE;
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++)
      if (ja[k] == i) {
        d     = PetscRealPart(va[k]);
        found = PETSC_TRUE;
      }
    if (!(found && d > 0)) *bad = perm ? perm[i] : i, *dbad = d;
    else g->dsqrt[i] = PetscSqrtReal(d);
  }
  if (*bad < 0) {
    if (levels > 0) PetscCall(LevelPattern(n, ia, ja, va, levels, &pia, &pja, &pva, &pfill));
    if (pia) PetscCall(GraphFromCSR(g, pia, pja, pva, pfill));
    else PetscCall(GraphFromCSR(g, ia, ja, va, NULL));
    PetscCall(KeepStructure(g, ria, rja, rva));
    *graph = g;
  } else PetscCall(PdICGraphDestroy(&g));
  PetscCall(PetscFree4(pia, pja, pva, pfill));
  PetscCall(PetscFree3(qia, qja, qva));
  PetscFunctionReturn(0);
}

/*@
  PdICGraphCreatePattern - the scaled graph of a sequential AIJ matrix with the factor's pattern that
  of IC(levels) (level-of-fill) in an ordering computed from the matrix: natural, or lines
  (PdICLinesOrdering; the natural order when the matrix has no such lines). Fill entries are edges
  of value 0 (messages of the network and entries of the factor); explicit zeros of the matrix are
  not edges unless they are fill.
@*/
PetscErrorCode PdICGraphCreatePattern(Mat A, PetscInt levels, PdICOrdering ordering, PdICGraph *graph)
{
  PetscInt slot = 0;

  PetscFunctionBegin;
  *graph = NULL;
  PetscCall(PdICGraphUpdate(A, levels, ordering, 1, graph, &slot));
  PetscFunctionReturn(0);
}

/* PdICGraphCreatePattern into one of nslots graphs[], which may hold graphs of former matrices (or
   NULL): when one has the structure this matrix gives (the same CSR structure, zeros stored at the
   same places, levels, ordering and permutation), only its values are computed again; otherwise an
   empty slot, or the one after *slot (the last one used), gets a new graph. *slot: the one used. */
PetscErrorCode PdICGraphUpdate(Mat A, PetscInt levels, PdICOrdering ordering, PetscInt nslots, PdICGraph graphs[], PetscInt *slot)
{
  PetscInt           n, m, bad, *perm = NULL, k = -1;
  PdICGraph         *graph;
  PetscReal          dbad = 0;
  const PetscInt    *ria, *rja;
  const PetscScalar *rva;
  PetscBool          done, isaij;
  Mat                B = A;

  PetscFunctionBegin;
  PetscCheck(levels >= 0 && levels <= PD_IC_MAX_LEVELS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "learned_ic: the factor's levels of fill must be in [0, %d], got %" PetscInt_FMT, PD_IC_MAX_LEVELS, levels);
  PetscCall(PetscObjectBaseTypeCompare((PetscObject)A, MATSEQAIJ, &isaij));
  if (!isaij) PetscCall(MatConvert(A, MATSEQAIJ, MAT_INITIAL_MATRIX, &B));
  PetscCall(MatGetSize(B, &n, &m));
  PetscCheck(n == m, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "learned_ic needs a square matrix, got %" PetscInt_FMT " x %" PetscInt_FMT, n, m);
  if (ordering == PD_IC_ORDERING_LINES) PetscCall(PdICLinesOrdering(B, &perm));
  PetscCall(MatGetRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &n, &ria, &rja, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "learned_ic: cannot read the matrix structure");
  PetscCall(MatSeqAIJGetArrayRead(B, &rva));
  if (ria[n] - ria[0] <= n) { /* at most the diagonal: no edge for the network (a diagonal or 1 x 1 matrix) */
    PetscInt off = 0;
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt q = ria[i]; q < ria[i + 1]; q++) off += rja[q] != i;
    if (!off) {
      PetscCall(PetscFree(perm));
      PetscCall(MatSeqAIJRestoreArrayRead(B, &rva));
      PetscCall(MatRestoreRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &n, &ria, &rja, &done));
      if (B != A) PetscCall(MatDestroy(&B));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "learned_ic: the %" PetscInt_FMT " x %" PetscInt_FMT " matrix is diagonal, so there is nothing to learn: its ICC(0) (or Jacobi) is exact (-pc_type icc)", m, m);
    }
  }
  for (PetscInt j = 0; j < nslots && k < 0; j++)
    if (SameStructure(graphs[j], n, levels, ordering, perm, ria, rja, rva)) k = j;
  if (k >= 0) {
    graph = &graphs[k];
    PetscCall(PetscFree(perm));
    PetscCall(Refresh(*graph, rva, &bad, &dbad));
  } else {
    for (PetscInt j = 0; j < nslots && k < 0; j++)
      if (!graphs[j]) k = j;
    if (k < 0) k = (*slot + 1) % nslots;
    graph = &graphs[k];
    PetscCall(PdICGraphDestroy(graph));
    PetscCall(Build(n, ria, rja, rva, levels, ordering, perm, graph, &bad, &dbad)); /* the graph owns perm */
  }
  *slot = k;
  if (bad >= 0) PetscCall(PdICGraphDestroy(graph));
  PetscCall(MatSeqAIJRestoreArrayRead(B, &rva));
  PetscCall(MatRestoreRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &n, &ria, &rja, &done));
  if (B != A) PetscCall(MatDestroy(&B));
  PetscCheck(bad < 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "learned_ic needs a symmetric positive definite matrix: diagonal entry %" PetscInt_FMT " is %g", bad, (double)dbad);
  if ((*graph)->shift < 0) {
    PetscCall(PdICGraphDestroy(graph));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MAT_CH_ZRPVT, "learned_ic: ICC(0) of the matrix has no positive pivots even with a large diagonal shift: its values are not finite");
  }
  PetscFunctionReturn(0);
}
