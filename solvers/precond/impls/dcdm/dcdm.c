/* Deep conjugate directions (after Kaneda et al., ICML 2023): -ksp_type dcdm. A network on the grid
   maps the normalised residual to a search direction, A-orthogonalised against the two most recent
   directions, each step minimising the error over the network's direction and the residual, so
   any network converges. Also the Ritz vectors (Lanczos) the network is trained on. */
#include <petsc/private/kspimpl.h>
#include <petscblaslapack.h>
#include <pdeop/learned.h>
#include <pdeop/nop.h>
#include <pdeop/ops.h>
#include <pdeop/field.h>
#include "precond/modelfile.h"

/*@
  PdRitzVectors - m steps of Lanczos with full reorthogonalisation from a random start; returns the
  Ritz values (ascending) and the Ritz vectors as rows of a float array [m, n] (unit norm).
  A is a sequential matrix; m is at most its size. Where the start's Krylov space is exhausted
  early, Lanczos goes on from a new random vector orthogonal to it.
@*/
PetscErrorCode PdRitzVectors(Mat A, PetscInt *m_inout, PetscInt64 seed, PetscReal **vals, float **vecs)
{
  PetscInt     m = *m_inout, n, k;
  Vec         *V, w;
  PetscReal   *alpha, *beta, *Z, *work;
  PetscScalar *dots;
  PdRng        rng;
  PetscBLASInt bm, ldz, info;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &n, NULL));
  m = PetscMin(m, n);
  PetscCall(MatCreateVecs(A, &w, NULL));
  PetscCall(VecDuplicateVecs(w, m + 1, &V));
  PetscCall(PetscMalloc4(m, &alpha, m, &beta, m, &dots, 2 * m, &work));
  PetscCall(PdRngSeed(&rng, (uint64_t)seed, PD_RNG_STREAM_LANCZOS));
  {
    PetscScalar *a;
    PetscCall(VecGetArrayWrite(V[0], &a));
    for (PetscInt i = 0; i < n; i++) a[i] = PdRngNormal(&rng);
    PetscCall(VecRestoreArrayWrite(V[0], &a));
  }
  PetscCall(VecNormalize(V[0], NULL));
  for (k = 0; k < m; k++) {
    PetscCall(MatMult(A, V[k], w));
    PetscCall(VecDot(w, V[k], &dots[0]));
    alpha[k] = PetscRealPart(dots[0]);
    /* full reorthogonalisation, twice (classical Gram-Schmidt is not enough alone) */
    for (int pass = 0; pass < 2; pass++) {
      PetscCall(VecMDot(w, k + 1, V, dots));
      for (PetscInt j = 0; j <= k; j++) dots[j] = -dots[j];
      PetscCall(VecMAXPY(w, k + 1, dots, V));
    }
    PetscCall(VecNorm(w, NORM_2, &beta[k]));
    if (k + 1 == m) {
      k++;
      break;
    }
    if (beta[k] < 1e-10 * PetscAbsReal(alpha[k])) {
      /* the start's Krylov space is exhausted (an invariant subspace; symmetric grids have repeated
         eigenvalues): go on from a new random vector orthogonal to it, T block-diagonal there. Where
         round-off decides whether this happens, both ways give m orthonormal vectors and Ritz pairs. */
      PetscScalar *a;
      PetscReal    nrm;
      beta[k] = 0;
      PetscCall(VecGetArrayWrite(w, &a));
      for (PetscInt i = 0; i < n; i++) a[i] = PdRngNormal(&rng);
      PetscCall(VecRestoreArrayWrite(w, &a));
      for (int pass = 0; pass < 2; pass++) {
        PetscCall(VecMDot(w, k + 1, V, dots));
        for (PetscInt j = 0; j <= k; j++) dots[j] = -dots[j];
        PetscCall(VecMAXPY(w, k + 1, dots, V));
      }
      PetscCall(VecNorm(w, NORM_2, &nrm));
      PetscCall(VecScale(w, 1.0 / nrm));
    } else PetscCall(VecScale(w, 1.0 / beta[k]));
    PetscCall(VecCopy(w, V[k + 1]));
  }
  m = k;
  /* eigen-decomposition of the tridiagonal T = tridiag(beta, alpha, beta) */
  PetscCall(PetscMalloc1(m * m, &Z));
  PetscCall(PetscBLASIntCast(m, &bm));
  ldz = bm;
  PetscCall(PetscFPTrapPush(PETSC_FP_TRAP_OFF));
  PetscCallBLAS("LAPACKsteqr", LAPACKREALsteqr_("I", &bm, alpha, beta, Z, &ldz, work, &info));
  PetscCall(PetscFPTrapPop());
  PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK steqr failed (info %d)", (int)info);
  PetscCall(PetscMalloc1(m, vals));
  PetscCall(PetscMalloc1((size_t)m * n, vecs));
  for (PetscInt j = 0; j < m; j++) {
    const PetscScalar *va;
    double            *y, nrm = 0;
    (*vals)[j] = alpha[j];
    PetscCall(PetscCalloc1(n, &y));
    for (PetscInt i = 0; i < m; i++) {
      PetscCall(VecGetArrayRead(V[i], &va));
      for (PetscInt r = 0; r < n; r++) y[r] += Z[j * m + i] * PetscRealPart(va[r]);
      PetscCall(VecRestoreArrayRead(V[i], &va));
    }
    for (PetscInt r = 0; r < n; r++) nrm += y[r] * y[r];
    nrm = PetscSqrtReal(nrm);
    for (PetscInt r = 0; r < n; r++) (*vecs)[(size_t)j * n + r] = (float)(y[r] / nrm);
    PetscCall(PetscFree(y));
  }
  PetscCall(PetscFree(Z));
  PetscCall(PetscFree4(alpha, beta, dots, work));
  PetscCall(VecDestroyVecs(m + 1, &V));
  PetscCall(VecDestroy(&w));
  *m_inout = m;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------
   -ksp_type dcdm
   ------------------------------------------------------------------------------------------------ */
typedef struct {
  char       file[PETSC_MAX_PATH_LEN];
  NOp        net;
  PdTape     tape;
  PetscInt   N;     /* grid side: n = N^dim unknowns */
  PetscInt   dim;   /* 2 or 3: the model's grid dimension */
  DM         da;    /* the KSP's DMDA when it has one (parallel layout), else NULL */
  Vec        nat;   /* with the DMDA: its natural-order vector */
  VecScatter toall; /* the residual (with the DMDA: in natural order) gathered on every rank; made once */
  Vec        all;
  float     *buf;
  PetscInt   fallbacks; /* steps where the network's direction was dependent on the residual's */
  Vec        work[9];   /* the solve's vectors, in one block of huge pages (WorkVecs) */
  void      *workmem;
} KSP_DCDM;

static PetscErrorCode DestroyWorkVecs(KSP_DCDM *d)
{
  PetscFunctionBegin;
  for (int k = 0; k < 9; k++) PetscCall(VecDestroy(&d->work[k]));
  PetscCall(PdFreeHuge(&d->workmem));
  PetscFunctionReturn(0);
}

/* The nine vectors of the solve in A's layout. For A's standard vector types their arrays are one
   block of transparent huge pages (PdMallocHuge): 9 vectors of 2.2 MB at 65^3, which as PETSc's own
   (KSPSetWorkVecs) took 50 ms of 4 KB page faults on a virtual machine, a tenth of ICC(0)-CG's whole
   solve. Other vector types (a GPU's, say) get duplicates of A's own vectors. */
static PetscErrorCode WorkVecs(KSP ksp, Mat A)
{
  KSP_DCDM   *d = (KSP_DCDM *)ksp->data;
  PetscInt    m, M;
  PetscMPIInt size;
  MPI_Comm    comm;
  size_t      bytes;
  VecType     vtype;
  PetscBool   isstd, isseq, ismpi;

  PetscFunctionBegin;
  PetscCall(DestroyWorkVecs(d));
  PetscCall(PetscObjectGetComm((PetscObject)ksp, &comm));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(MatGetVecType(A, &vtype));
  PetscCall(PetscStrcmp(vtype, VECSTANDARD, &isstd));
  PetscCall(PetscStrcmp(vtype, VECSEQ, &isseq));
  PetscCall(PetscStrcmp(vtype, VECMPI, &ismpi));
  if (!(isstd || isseq || ismpi)) {
    Vec ref;
    PetscCall(MatCreateVecs(A, &ref, NULL));
    for (int k = 0; k < 9; k++) PetscCall(VecDuplicate(ref, &d->work[k]));
    PetscCall(VecDestroy(&ref));
    PetscFunctionReturn(0);
  }
  PetscCall(MatGetLocalSize(A, &m, NULL));
  PetscCall(MatGetSize(A, &M, NULL));
  bytes = sizeof(PetscScalar) * (size_t)9 * PetscMax(m, 1);
  PetscCall(PdMallocHuge(&bytes, &d->workmem));
  PetscCall(PetscMemzero(d->workmem, bytes)); /* as PETSc's work vectors are */
  for (int k = 0; k < 9; k++) {
    PetscScalar *a = (PetscScalar *)d->workmem + (size_t)k * m;
    if (size == 1 && !ismpi) PetscCall(VecCreateSeqWithArray(comm, 1, m, a, &d->work[k]));
    else PetscCall(VecCreateMPIWithArray(comm, 1, m, M, a, &d->work[k]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPSetUp_DCDM(KSP ksp)
{
  KSP_DCDM *d = (KSP_DCDM *)ksp->data;
  Mat       A;
  PetscInt  n;
  DM        dm;
  MPI_Comm  comm;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)ksp, &comm));
  PetscCall(KSPGetOperators(ksp, &A, NULL));
  PetscCall(WorkVecs(ksp, A));
  PetscCall(MatGetSize(A, &n, NULL));
  if (!d->net) {
    PetscBool dcdm;
    PetscCheck(d->file[0], comm, PETSC_ERR_ARG_WRONGSTATE, "-ksp_type dcdm needs a model: give -ksp_dcdm_model model.h5 (train one with: pdeop precond train -type dcdm)");
    PetscCall(PdCheckpointAttributeIs(comm, d->file, "precond", "dcdm", &dcdm, NULL, 0));
    PetscCheck(dcdm, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not a dcdm model (train one with: pdeop precond train -type dcdm)", d->file);
    PetscCall(NOpLoad(PETSC_COMM_SELF, d->file, &d->net, NULL));
    PetscCall(PdTapeCreate(PETSC_COMM_SELF, &d->tape));
    PetscCall(PdTapeSetGradEnabled(d->tape, PETSC_FALSE));
  }
  {
    int             nd, od;
    const PetscInt *is, *os;
    PetscCall(NOpGetShapes(d->net, &nd, &is, &od, &os));
    d->dim = nd - 1; /* [C, grid...] */
  }
  d->N = (PetscInt)(PetscPowReal((PetscReal)n, 1.0 / d->dim) + 0.5);
  PetscCheck(d->dim == 2 ? d->N * d->N == n : d->N * d->N * d->N == n, comm, PETSC_ERR_ARG_SIZ, "The dcdm model in '%s' is %" PetscInt_FMT "D: it works on %s grids; this system has %" PetscInt_FMT " unknowns", d->file, d->dim, d->dim == 2 ? "square N x N" : "cubic N x N x N", n);
  PetscCall(KSPGetDM(ksp, &dm));
  d->da = NULL;
  if (dm) {
    PetscBool isda;
    PetscCall(PetscObjectTypeCompare((PetscObject)dm, DMDA, &isda));
    if (isda) {
      PetscInt dim, M, Nn, P;
      PetscCall(DMDAGetInfo(dm, &dim, &M, &Nn, &P, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
      PetscCheck(dim == d->dim, comm, PETSC_ERR_ARG_INCOMP, "The dcdm model in '%s' is %" PetscInt_FMT "D; this KSP's grid is %" PetscInt_FMT "D", d->file, d->dim, dim);
      if (M == d->N && Nn == d->N && (dim == 2 || P == d->N)) d->da = dm;
    }
  }
  PetscCall(PetscFree(d->buf));
  PetscCall(PetscMalloc1(n, &d->buf));
  PetscCall(VecScatterDestroy(&d->toall));
  PetscCall(VecDestroy(&d->all));
  PetscCall(VecDestroy(&d->nat));
  if (d->da) PetscCall(DMDACreateNaturalVector(d->da, &d->nat));
  PetscCall(VecScatterCreateToAll(d->da ? d->nat : d->work[0], &d->toall, &d->all));
  {
    /* one trial forward: a model that cannot run on this grid is an error at set-up */
    PdTensor       x, y;
    PetscErrorCode ierr;
    PetscCall(PdTapeReset(d->tape));
    PetscCall(PdTapeInput(d->tape, 2 + d->dim, (PetscInt[]){1, 1, d->N, d->N, d->N}, &x));
    PetscCall(PetscArrayzero(x->data, n));
    ierr = NOpForward(d->net, d->tape, x, &y);
    PetscCheck(!ierr && y->size == n, comm, PETSC_ERR_ARG_INCOMP, "The dcdm model in '%s' cannot run on a grid of side %" PetscInt_FMT, d->file, d->N);
  }
  PetscFunctionReturn(0);
}

/* q = f(r / ||r||) */
static PetscErrorCode Direction(KSP ksp, Vec r, PetscReal rnorm, Vec q)
{
  KSP_DCDM *d = (KSP_DCDM *)ksp->data;
  PdTensor  x, y;
  PetscInt  n = d->dim == 3 ? d->N * d->N * d->N : d->N * d->N;

  PetscFunctionBegin;
  { /* the whole residual on every rank, in natural order, as floats */
    const PetscScalar *a;
    Vec                src = r;
    if (d->da) {
      PetscCall(DMDAGlobalToNaturalBegin(d->da, r, INSERT_VALUES, d->nat));
      PetscCall(DMDAGlobalToNaturalEnd(d->da, r, INSERT_VALUES, d->nat));
      src = d->nat;
    }
    PetscCall(VecScatterBegin(d->toall, src, d->all, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(d->toall, src, d->all, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecGetArrayRead(d->all, &a));
    for (PetscInt i = 0; i < n; i++) d->buf[i] = (float)PetscRealPart(a[i]);
    PetscCall(VecRestoreArrayRead(d->all, &a));
  }
  PetscCall(PdTapeReset(d->tape));
  PetscCall(PdTapeInput(d->tape, 2 + d->dim, (PetscInt[]){1, 1, d->N, d->N, d->N}, &x));
  for (PetscInt i = 0; i < n; i++) x->data[i] = d->buf[i] / (float)rnorm;
  PetscCall(NOpForward(d->net, d->tape, x, &y));
  if (d->da) PetscCall(PdSampleToVec(d->da, y->data, q));
  else {
    PetscInt     lo, hi;
    PetscScalar *a;
    PetscCall(VecGetOwnershipRange(q, &lo, &hi));
    PetscCall(VecGetArrayWrite(q, &a));
    for (PetscInt i = lo; i < hi; i++) a[i - lo] = y->data[i];
    PetscCall(VecRestoreArrayWrite(q, &a));
  }
  PetscFunctionReturn(0);
}

/* d <- d - sum_j (d.A p_j / p_j.A p_j) p_j over the kept directions, and Ad likewise */
static PetscErrorCode Orthogonalise(Vec d, Vec Ad, PetscInt nhist, const Vec p[], const Vec Ap[], const PetscReal pAp[])
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < nhist; j++) {
    PetscScalar dot;
    PetscCall(VecDot(Ad, p[j], &dot));
    PetscCall(VecAXPY(d, -dot / pAp[j], p[j]));
    PetscCall(VecAXPY(Ad, -dot / pAp[j], Ap[j]));
  }
  PetscFunctionReturn(0);
}

/*
  Each step minimises the error's A-norm over span{q, r}: q = f(r/||r||) is the network's direction
  (Kaneda et al.), r the residual, both A-orthogonalised against the two most recent steps. With a
  useless network the step is at least the residual's (a locally optimal CG step), so the method
  converges whatever the network outputs; with a good one the network's direction dominates. The
  2 x 2 Gram system falls back to the better single direction when q and r are nearly dependent.
*/
static PetscErrorCode KSPSolve_DCDM(KSP ksp)
{
  KSP_DCDM *d = (KSP_DCDM *)ksp->data;
  Mat       A;
  Vec       x = ksp->vec_sol, b = ksp->vec_rhs, r = d->work[0], q = d->work[1], Aq = d->work[2], s = d->work[7], As = d->work[8];
  Vec       P[2] = {d->work[3], d->work[4]}, AP[2] = {d->work[5], d->work[6]}, hp[2], hAp[2];
  PetscReal pAp[2] = {0, 0}, hpAp[2], rnorm;
  PetscInt  nhist = 0, newest = 1;

  PetscFunctionBegin;
  PetscCall(KSPGetOperators(ksp, &A, NULL));
  if (ksp->guess_zero) {
    PetscCall(VecZeroEntries(x));
    PetscCall(VecCopy(b, r));
  } else {
    PetscCall(KSP_MatMult(ksp, A, x, r));
    PetscCall(VecAYPX(r, -1.0, b));
  }
  PetscCall(VecNorm(r, NORM_2, &rnorm));
  ksp->its   = 0;
  ksp->rnorm = rnorm;
  PetscCall(KSPLogResidualHistory(ksp, rnorm));
  PetscCall(KSPMonitor(ksp, 0, rnorm));
  PetscCall((*ksp->converged)(ksp, 0, rnorm, &ksp->reason, ksp->cnvP));
  while (!ksp->reason) {
    PetscScalar g11, g12, g22, r1, r2, c1 = 0, c2 = 0;
    PetscReal   det;

    if (ksp->its >= ksp->max_it) {
      ksp->reason = KSP_DIVERGED_ITS;
      break;
    }
    for (PetscInt k = 0; k < nhist; k++) { /* most recent first */
      PetscInt j = (newest + 2 - k) % 2;
      hp[k]      = P[j];
      hAp[k]     = AP[j];
      hpAp[k]    = pAp[j];
    }
    PetscCall(Direction(ksp, r, rnorm, q));
    PetscCall(KSP_MatMult(ksp, A, q, Aq));
    PetscCall(Orthogonalise(q, Aq, nhist, hp, hAp, hpAp));
    PetscCall(VecCopy(r, s));
    PetscCall(KSP_MatMult(ksp, A, s, As));
    PetscCall(Orthogonalise(s, As, nhist, hp, hAp, hpAp));
    PetscCall(VecDot(q, Aq, &g11));
    PetscCall(VecDot(q, As, &g12));
    PetscCall(VecDot(s, As, &g22));
    PetscCall(VecDot(q, r, &r1));
    PetscCall(VecDot(s, r, &r2));
    det = PetscRealPart(g11 * g22 - g12 * g12);
    if (PetscRealPart(g11) > 0 && det > 1e-10 * PetscRealPart(g11 * g22)) {
      c1 = (g22 * r1 - g12 * r2) / det;
      c2 = (g11 * r2 - g12 * r1) / det;
    } else { /* nearly dependent (or q = 0): the residual's step alone */
      PetscCheck(PetscRealPart(g22) > 0, PetscObjectComm((PetscObject)ksp), PETSC_ERR_NOT_CONVERGED, "dcdm: r^T A r = %g is not positive: the operator is not SPD", (double)PetscRealPart(g22));
      c2 = r2 / g22;
      d->fallbacks++;
    }
    /* the new direction p = c1 q + c2 s and A p; x += p, r -= A p */
    newest = (newest + 1) % 2;
    PetscCall(VecAXPBYPCZ(P[newest], c1, c2, 0.0, q, s));
    PetscCall(VecAXPBYPCZ(AP[newest], c1, c2, 0.0, Aq, As));
    PetscCall(VecDot(P[newest], AP[newest], &g11));
    pAp[newest] = PetscRealPart(g11);
    nhist       = PetscMin(nhist + 1, 2);
    PetscCall(VecAXPY(x, 1.0, P[newest]));
    PetscCall(VecAXPY(r, -1.0, AP[newest]));
    PetscCall(VecNorm(r, NORM_2, &rnorm));
    ksp->its++;
    ksp->rnorm = rnorm;
    PetscCall(KSPLogResidualHistory(ksp, rnorm));
    PetscCall(KSPMonitor(ksp, ksp->its, rnorm));
    PetscCall((*ksp->converged)(ksp, ksp->its, rnorm, &ksp->reason, ksp->cnvP));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPReset_DCDM(KSP ksp)
{
  KSP_DCDM *d = (KSP_DCDM *)ksp->data;

  PetscFunctionBegin;
  PetscCall(VecScatterDestroy(&d->toall));
  PetscCall(VecDestroy(&d->all));
  PetscCall(VecDestroy(&d->nat));
  PetscCall(PetscFree(d->buf));
  PetscCall(DestroyWorkVecs(d));
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPDestroy_DCDM(KSP ksp)
{
  KSP_DCDM *d = (KSP_DCDM *)ksp->data;

  PetscFunctionBegin;
  PetscCall(KSPReset_DCDM(ksp));
  PetscCall(NOpDestroy(&d->net));
  PetscCall(PdTapeDestroy(&d->tape));
  PetscCall(KSPDestroyDefault(ksp));
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPSetFromOptions_DCDM(KSP ksp, PetscOptionItems *PetscOptionsObject)
{
  KSP_DCDM *d = (KSP_DCDM *)ksp->data;
  PetscBool changed;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Deep conjugate directions (dcdm) options");
  PetscCall(PdOptionsModelFile(PetscOptionsObject, "-ksp_dcdm_model", "HDF5 model from pdeop precond train -type dcdm", "KSPDCDM", d->file, sizeof(d->file), &changed));
  if (changed) {
    PetscCall(NOpDestroy(&d->net));
    PetscCall(PdTapeDestroy(&d->tape));
  }
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPView_DCDM(KSP ksp, PetscViewer v)
{
  KSP_DCDM *d = (KSP_DCDM *)ksp->data;
  PetscBool ascii;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)v, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(v, "  model: %s; %" PetscInt_FMT "D grid of side %" PetscInt_FMT "; steps where the network's direction was dependent on the residual: %" PetscInt_FMT "\n", d->file[0] ? d->file : "(none)", d->dim, d->N, d->fallbacks));
  if (d->net) {
    PetscCall(PetscViewerASCIIPushTab(v));
    PetscCall(NOpView(d->net, v));
    PetscCall(PetscViewerASCIIPopTab(v));
  }
  PetscFunctionReturn(0);
}

/*MC
  KSPDCDM - "dcdm": deep conjugate directions for SPD systems on square grids. Each step the network
  (-ksp_dcdm_model, from pdeop precond train -type dcdm) maps r/||r|| to a direction q, which is
  A-orthogonalised against the two previous directions as in the paper; the step minimises the
  error's A-norm over span{q, r} (r likewise orthogonalised), so the method converges whatever the
  network outputs, at two products with A per step. No preconditioner is applied (-pc_type none);
  unpreconditioned residual norms.
M*/
PetscErrorCode KSPCreate_DCDM(KSP ksp)
{
  KSP_DCDM *d;

  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  ksp->data = d;
  PetscCall(KSPSetSupportedNorm(ksp, KSP_NORM_UNPRECONDITIONED, PC_LEFT, 3));
  PetscCall(KSPSetSupportedNorm(ksp, KSP_NORM_UNPRECONDITIONED, PC_RIGHT, 2));
  ksp->ops->setup          = KSPSetUp_DCDM;
  ksp->ops->solve          = KSPSolve_DCDM;
  ksp->ops->reset          = KSPReset_DCDM;
  ksp->ops->destroy        = KSPDestroy_DCDM;
  ksp->ops->setfromoptions = KSPSetFromOptions_DCDM;
  ksp->ops->view           = KSPView_DCDM;
  ksp->ops->buildsolution  = KSPBuildSolutionDefault;
  ksp->ops->buildresidual  = KSPBuildResidualDefault;
  PetscFunctionReturn(0);
}
