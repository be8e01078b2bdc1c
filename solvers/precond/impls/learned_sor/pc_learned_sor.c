/* -pc_type learned_sor: symmetric SOR whose relaxation parameter is learned across a sequence of
   KSPSolves by a bandit (Khodak et al., "Learning to Relax", ICLR 2024), with the bandits themselves. */
#include <errno.h>
#include <petsc/private/pcimpl.h>
#include <pdeop/precond.h>
#include "learned_sor_impl.h"

/* ------------------------------------------------------------------------------------------------
   Tsallis-INF
   ------------------------------------------------------------------------------------------------ */

/*@
  PdTsallisINFCreate - a Tsallis-INF bandit over K arms with no rounds played (uniform first round)
@*/
PetscErrorCode PdTsallisINFCreate(PetscInt K, PdTsallisINF *b)
{
  PetscFunctionBegin;
  PetscCheck(K >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "A bandit needs at least one arm, not %" PetscInt_FMT, K);
  b->K         = K;
  b->t         = 0;
  b->eta_scale = 1;
  PetscCall(PetscCalloc1(K, &b->L));
  PetscFunctionReturn(0);
}

PetscErrorCode PdTsallisINFDestroy(PdTsallisINF *b)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(b->L));
  b->K = 0;
  b->t = 0;
  PetscFunctionReturn(0);
}

/*@
  PdTsallisINFProbabilities - the sampling distribution of round t + 1

  With y = min L - x > 0 and d_i = L_i - min L, p_i = 4 / (eta (d_i + y))^2 decreases in y; the root
  of sum p = 1 lies in [2/eta, 2 sqrt(K)/eta] (the best arm alone, or every arm, at 1/K). Newton's
  method on this convex decreasing function, started at the left end, climbs monotonically to the
  root; a bracket and bisection guard against rounding. The result is normalised so it sums to 1.
@*/
PetscErrorCode PdTsallisINFProbabilities(const PdTsallisINF *b, PetscReal p[])
{
  const PetscInt  K   = b->K;
  const PetscReal eta = (b->eta_scale > 0 ? b->eta_scale : 1.0) * 2.0 / PetscSqrtReal((PetscReal)(b->t + 1));
  PetscReal       Lmin, lo, hi, y, s = 0;

  PetscFunctionBegin;
  Lmin = b->L[0];
  for (PetscInt i = 1; i < K; i++) Lmin = PetscMin(Lmin, b->L[i]);
  lo = 2.0 / eta;
  hi = 2.0 * PetscSqrtReal((PetscReal)K) / eta;
  y  = lo;
  for (PetscInt it = 0; it < 200; it++) {
    PetscReal ds = 0, ynew;
    s = 0;
    for (PetscInt i = 0; i < K; i++) {
      PetscReal r = 2.0 / (eta * (b->L[i] - Lmin + y)); /* sqrt(p_i) */
      p[i] = r * r;
      s += p[i];
      ds += eta * p[i] * r; /* -d p_i / dy */
    }
    if (s > 1) lo = y;
    else hi = y;
    if (PetscAbsReal(s - 1) <= 1e-15) break;
    ynew = y + (s - 1) / ds;
    if (!(ynew > lo && ynew < hi)) ynew = 0.5 * (lo + hi);
    if (ynew == y) break;
    y = ynew;
  }
  PetscCheck(s > 0 && PetscIsNormalReal(s), PETSC_COMM_SELF, PETSC_ERR_FP, "Tsallis-INF normalisation failed (sum %g)", (double)s);
  for (PetscInt i = 0; i < K; i++) p[i] /= s;
  PetscFunctionReturn(0);
}

/*@
  PdTsallisINFUpdate - end round t: the played arm's loss estimate grows by loss / p (importance
  weighting makes it unbiased for the arm's cumulative loss); the other arms' estimates stay.
@*/
PetscErrorCode PdTsallisINFUpdate(PdTsallisINF *b, PetscInt arm, PetscReal p, PetscReal loss)
{
  PetscFunctionBegin;
  PetscCheck(arm >= 0 && arm < b->K, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Arm %" PetscInt_FMT " is not in 0..%" PetscInt_FMT, arm, b->K - 1);
  PetscCheck(p > 0 && p <= 1 + 1e-12, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The played arm's probability %g is not in (0, 1]", (double)p);
  loss = PetscIsNanReal(loss) ? 1 : PetscClipInterval(loss, 0, 1);
  b->L[arm] += (loss - 0.5) / p; /* the reduced-variance estimator (baseline 1/2; adding 1/2 to
                                     every arm as well would not change the distribution) */
  b->t++;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------
   SquareCB with per-arm ridge regression on Chebyshev features
   ------------------------------------------------------------------------------------------------ */

PetscErrorCode PdSquareCBCreate(PetscInt K, PetscInt d, PetscReal cmin, PetscReal cmax, PdSquareCB *cb)
{
  const PetscInt n = d + 1;

  PetscFunctionBegin;
  PetscCheck(K >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "A bandit needs at least one arm, not %" PetscInt_FMT, K);
  PetscCheck(d >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The Chebyshev degree %" PetscInt_FMT " must be >= 0", d);
  PetscCheck(cmax > cmin, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The context range [%g, %g] is empty", (double)cmin, (double)cmax);
  cb->K     = K;
  cb->d     = d;
  cb->t     = 0;
  cb->cmin  = cmin;
  cb->cmax  = cmax;
  cb->gamma = 0;
  PetscCall(PetscCalloc2(K * n * n, &cb->A, K * n, &cb->b));
  for (PetscInt a = 0; a < K; a++)
    for (PetscInt i = 0; i < n; i++) cb->A[a * n * n + i * n + i] = 1; /* ridge 1 */
  PetscFunctionReturn(0);
}

PetscErrorCode PdSquareCBDestroy(PdSquareCB *cb)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(cb->A, cb->b));
  cb->K = 0;
  PetscFunctionReturn(0);
}

/* T_0..T_d at the context mapped to [-1, 1] */
static void ChebyshevFeatures(const PdSquareCB *cb, PetscReal c, PetscReal phi[])
{
  PetscReal z = PetscClipInterval(2 * (c - cb->cmin) / (cb->cmax - cb->cmin) - 1, -1, 1);

  phi[0] = 1;
  if (cb->d >= 1) phi[1] = z;
  for (PetscInt k = 2; k <= cb->d; k++) phi[k] = 2 * z * phi[k - 1] - phi[k - 2];
}

/*@
  PdSquareCBPredict - each arm's ridge-regression prediction phi(c)^T A_a^{-1} b_a (by Cholesky;
  A_a = I + sum phi phi^T is SPD)
@*/
PetscErrorCode PdSquareCBPredict(const PdSquareCB *cb, PetscReal c, PetscReal yhat[])
{
  const PetscInt n = cb->d + 1;
  PetscReal     *phi, *L, *v;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(n, &phi, n * n, &L, n, &v));
  ChebyshevFeatures(cb, c, phi);
  for (PetscInt a = 0; a < cb->K; a++) {
    const PetscReal *A = cb->A + a * n * n, *b = cb->b + a * n;
    PetscReal        y = 0;
    /* A = L L^T, lower triangle of L row-major */
    for (PetscInt i = 0; i < n; i++) {
      for (PetscInt j = 0; j <= i; j++) {
        PetscReal s = A[i * n + j];
        for (PetscInt k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
        if (i == j) {
          PetscCheck(s > 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "SquareCB Gram matrix of arm %" PetscInt_FMT " is not positive definite", a);
          L[i * n + i] = PetscSqrtReal(s);
        } else L[i * n + j] = s / L[j * n + j];
      }
    }
    for (PetscInt i = 0; i < n; i++) { /* L v = b */
      PetscReal s = b[i];
      for (PetscInt k = 0; k < i; k++) s -= L[i * n + k] * v[k];
      v[i] = s / L[i * n + i];
    }
    for (PetscInt i = n - 1; i >= 0; i--) { /* L^T theta = v */
      PetscReal s = v[i];
      for (PetscInt k = i + 1; k < n; k++) s -= L[k * n + i] * v[k];
      v[i] = s / L[i * n + i];
    }
    for (PetscInt i = 0; i < n; i++) y += phi[i] * v[i];
    yhat[a] = y;
  }
  PetscCall(PetscFree3(phi, L, v));
  PetscFunctionReturn(0);
}

/*@
  PdSquareCBProbabilities - inverse-gap weighting at context c for round t + 1
@*/
PetscErrorCode PdSquareCBProbabilities(const PdSquareCB *cb, PetscReal c, PetscReal p[])
{
  const PetscInt K     = cb->K;
  PetscReal      gamma = cb->gamma > 0 ? cb->gamma : PetscSqrtReal((PetscReal)(K * (cb->t + 1))), rest = 0;
  PetscInt       best  = 0;

  PetscFunctionBegin;
  PetscCall(PdSquareCBPredict(cb, c, p));
  for (PetscInt a = 1; a < K; a++)
    if (p[a] < p[best]) best = a;
  for (PetscInt a = 0; a < K; a++) {
    if (a == best) continue;
    p[a] = 1.0 / (K + gamma * (p[a] - p[best]));
    rest += p[a];
  }
  p[best] = 1 - rest;
  PetscFunctionReturn(0);
}

/*@
  PdSquareCBUpdate - add the observation (c, loss) to the played arm's regression
@*/
PetscErrorCode PdSquareCBUpdate(PdSquareCB *cb, PetscInt arm, PetscReal c, PetscReal loss)
{
  const PetscInt n = cb->d + 1;
  PetscReal     *phi, *A = cb->A + arm * n * n, *b = cb->b + arm * n;

  PetscFunctionBegin;
  PetscCheck(arm >= 0 && arm < cb->K, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Arm %" PetscInt_FMT " is not in 0..%" PetscInt_FMT, arm, cb->K - 1);
  loss = PetscIsNanReal(loss) ? 1 : PetscClipInterval(loss, 0, 1);
  PetscCall(PetscMalloc1(n, &phi));
  ChebyshevFeatures(cb, c, phi);
  for (PetscInt i = 0; i < n; i++) {
    for (PetscInt j = 0; j < n; j++) A[i * n + j] += phi[i] * phi[j];
    b[i] += loss * phi[i];
  }
  cb->t++;
  PetscCall(PetscFree(phi));
  PetscFunctionReturn(0);
}

/*@
  PdBanditSample - draw an arm from the distribution p
@*/
PetscInt PdBanditSample(PdRng *rng, PetscInt K, const PetscReal p[])
{
  PetscReal u = PdRngUniform(rng), c = 0;
  PetscInt  last = 0;

  for (PetscInt a = 0; a < K; a++) {
    if (p[a] <= 0) continue;
    c += p[a];
    last = a;
    if (u < c) return a;
  }
  return last; /* rounding left u above the total */
}

/* ------------------------------------------------------------------------------------------------
   The preconditioner
   ------------------------------------------------------------------------------------------------ */

#define LEARNED_SOR_FILE_MAGIC   1347636307 /* "PDLS" */
#define LEARNED_SOR_FILE_VERSION 2

typedef struct {
  /* the grid of omegas (the arms) and the options that made it */
  PetscInt     K, degree;
  PetscReal    omega_min, omega_max, cmin, cmax, *omega;
  PdTsallisINF inf; /* without a context */
  PdSquareCB   cb;  /* with a context */
  PetscBool    contextual;
  PetscReal    context;
  PetscInt     seed;
  PdRng        rng;
  /* the current round */
  PetscInt     arm;
  PetscReal    omega_cur, parm, *p; /* omega drawn, its probability, the distribution */
  PetscBool    pending;             /* an omega was drawn for a solve not yet scored */
  /* history */
  PetscInt     solves, total_its;
  PetscReal    loss_scale; /* iterations that count as loss 1; 0: twice the first solve's */
  PetscReal    eta_scale;  /* Tsallis-INF learning-rate factor (kept across grid rebuilds) */
  char        *state_file;
  PetscBool    state_loaded;
  char        *model_file; /* -pc_learned_model: a warm start, read once, never written */
  PetscBool    model_loaded;
  PC           sor; /* the inner SSOR on the current operators */
} PC_LearnedSOR;

/* (Re)build the grid and empty bandits from K, omega_min/max, degree, context range. */
static PetscErrorCode LearnedSORBuild(PC_LearnedSOR *ls)
{
  PetscReal gamma = ls->cb.gamma;

  PetscFunctionBegin;
  PetscCall(PetscFree2(ls->omega, ls->p));
  PetscCall(PdTsallisINFDestroy(&ls->inf));
  PetscCall(PdSquareCBDestroy(&ls->cb));
  PetscCall(PetscMalloc2(ls->K, &ls->omega, ls->K, &ls->p));
  for (PetscInt i = 0; i < ls->K; i++) ls->omega[i] = ls->K == 1 ? ls->omega_min : ls->omega_min + i * (ls->omega_max - ls->omega_min) / (ls->K - 1);
  PetscCall(PdTsallisINFCreate(ls->K, &ls->inf));
  ls->inf.eta_scale = ls->eta_scale;
  PetscCall(PdSquareCBCreate(ls->K, ls->degree, ls->cmin, ls->cmax, &ls->cb));
  ls->cb.gamma  = gamma;
  ls->arm       = 0;
  ls->omega_cur = ls->omega[0];
  ls->pending   = PETSC_FALSE;
  ls->solves    = 0;
  ls->total_its = 0;
  PetscFunctionReturn(0);
}

/* the distribution the next solve draws from */
static PetscErrorCode LearnedSORProbabilities(PC_LearnedSOR *ls, PetscReal p[])
{
  PetscFunctionBegin;
  if (ls->contextual) PetscCall(PdSquareCBProbabilities(&ls->cb, ls->context, p));
  else PetscCall(PdTsallisINFProbabilities(&ls->inf, p));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORSaveState_LearnedSOR(PC pc, const char file[])
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  const PetscInt n  = ls->degree + 1;
  MPI_Comm       comm;
  PetscMPIInt    rank;
  PetscViewer    v;
  char           tmp[PETSC_MAX_PATH_LEN];
  int            err = 0;
  PetscInt       head[10];
  PetscReal      scal[6];
  PetscInt64     s[4];

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", file));
  head[0] = LEARNED_SOR_FILE_MAGIC;
  head[1] = LEARNED_SOR_FILE_VERSION;
  head[2] = ls->K;
  head[3] = ls->degree;
  head[4] = ls->inf.t;
  head[5] = ls->cb.t;
  head[6] = ls->solves;
  head[7] = ls->total_its;
  head[8] = ls->contextual;
  head[9] = ls->arm;
  scal[0] = ls->cmin;
  scal[1] = ls->cmax;
  scal[2] = ls->cb.gamma;
  scal[3] = ls->context;
  scal[4] = ls->omega_cur;
  scal[5] = ls->loss_scale;
  PetscCall(PetscMemcpy(s, ls->rng.s, sizeof(s)));
  PetscCall(PetscViewerCreate(comm, &v));
  PetscCall(PetscViewerSetType(v, PETSCVIEWERBINARY));
  PetscCall(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE));
  PetscCall(PetscViewerBinarySetSkipOptions(v, PETSC_TRUE));
  PetscCall(PetscViewerFileSetMode(v, FILE_MODE_WRITE));
  PetscCall(PetscViewerFileSetName(v, tmp));
  PetscCall(PetscViewerBinaryWrite(v, head, 10, PETSC_INT));
  PetscCall(PetscViewerBinaryWrite(v, scal, 6, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, ls->omega, ls->K, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, ls->inf.L, ls->K, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, ls->cb.A, ls->K * n * n, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, ls->cb.b, ls->K * n, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, s, 4, PETSC_INT64));
  PetscCall(PetscViewerDestroy(&v));
  if (rank == 0 && rename(tmp, file)) err = errno;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "Could not rename %s to %s: %s", tmp, file, strerror(err));
  PetscFunctionReturn(0);
}

/* Read a state file. A warm start (warm) takes the bandit only: this PC's statistics start at zero
   and its draws keep their own seed; otherwise the whole state, random stream included, continues. */
static PetscErrorCode LoadState(PC pc, const char file[], PetscBool warm)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  const PetscInt n  = ls->degree + 1;
  MPI_Comm       comm;
  PetscViewer    v;
  PetscInt       head[10];
  PetscReal      scal[6], *omega, *L, *A, *b;
  PetscInt64     s[4];

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  PetscCall(PetscViewerCreate(comm, &v));
  PetscCall(PetscViewerSetType(v, PETSCVIEWERBINARY));
  PetscCall(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE)); /* no file.info options */
  PetscCall(PetscViewerFileSetMode(v, FILE_MODE_READ));
  PetscCall(PetscViewerFileSetName(v, file));
  PetscCall(PetscViewerBinaryRead(v, head, 10, NULL, PETSC_INT));
  if (head[0] != LEARNED_SOR_FILE_MAGIC || head[1] != LEARNED_SOR_FILE_VERSION) {
    PetscCall(PetscViewerDestroy(&v));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s is not a learned_sor state file (version %d)", file, LEARNED_SOR_FILE_VERSION);
  }
  if (head[2] != ls->K || head[3] != ls->degree) {
    PetscCall(PetscViewerDestroy(&v));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s holds a bandit over %" PetscInt_FMT " omegas with Chebyshev degree %" PetscInt_FMT "; this PC has %" PetscInt_FMT " and %" PetscInt_FMT " (-pc_learned_sor_omega_count, -pc_learned_sor_context_degree)", file, head[2], head[3], ls->K, ls->degree);
  }
  PetscCall(PetscMalloc4(ls->K, &omega, ls->K, &L, ls->K * n * n, &A, ls->K * n, &b));
  PetscCall(PetscViewerBinaryRead(v, scal, 6, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, omega, ls->K, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, L, ls->K, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, A, ls->K * n * n, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, b, ls->K * n, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, s, 4, NULL, PETSC_INT64));
  PetscCall(PetscViewerDestroy(&v));
  for (PetscInt i = 0; i < ls->K; i++) {
    if (PetscAbsReal(omega[i] - ls->omega[i]) > 1e-12) {
      PetscCall(PetscFree4(omega, L, A, b));
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s holds a bandit over omegas %g..%g; this PC's grid is %g..%g (-pc_learned_sor_omega_min/max)", file, (double)omega[0], (double)omega[head[2] - 1], (double)ls->omega[0], (double)ls->omega[ls->K - 1]);
    }
  }
  if (PetscAbsReal(scal[0] - ls->cmin) > 0 || PetscAbsReal(scal[1] - ls->cmax) > 0) {
    PetscCall(PetscFree4(omega, L, A, b));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s maps contexts from [%g, %g]; this PC from [%g, %g] (-pc_learned_sor_context_min/max)", file, (double)scal[0], (double)scal[1], (double)ls->cmin, (double)ls->cmax);
  }
  PetscCall(PetscArraycpy(ls->inf.L, L, ls->K));
  PetscCall(PetscArraycpy(ls->cb.A, A, ls->K * n * n));
  PetscCall(PetscArraycpy(ls->cb.b, b, ls->K * n));
  PetscCall(PetscFree4(omega, L, A, b));
  ls->inf.t      = head[4];
  ls->cb.t       = head[5];
  ls->solves     = warm ? 0 : head[6];
  ls->total_its  = warm ? 0 : head[7];
  ls->arm        = head[9];
  if (!ls->contextual) ls->context = scal[3]; /* a context already given for the next solve wins */
  ls->contextual = (PetscBool)(ls->contextual || head[8]);
  ls->omega_cur  = scal[4];
  ls->loss_scale = scal[5];
  if (!warm) {
    PetscCall(PetscMemcpy(ls->rng.s, s, sizeof(s)));
    ls->rng.has_spare = PETSC_FALSE;
  }
  ls->pending = PETSC_FALSE;
  if (ls->sor) PetscCall(PCSORSetOmega(ls->sor, ls->omega_cur));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORLoadState_LearnedSOR(PC pc, const char file[])
{
  PetscFunctionBegin;
  PetscCall(LoadState(pc, file, PETSC_FALSE));
  ((PC_LearnedSOR *)pc->data)->state_loaded = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORPretrain_LearnedSOR(PC pc, PetscInt n, const PetscReal ctx[], const PetscInt its[])
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  const PetscInt K = ls->K, t0 = ls->cb.t;

  PetscFunctionBegin;
  PetscCheck(n >= 0, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, "The number of training systems %" PetscInt_FMT " must be >= 0", n);
  if (ls->loss_scale <= 0) { /* the slowest converged solve of the family counts as loss 1 */
    PetscInt worst = 0;
    for (PetscInt i = 0; i < n * K; i++) worst = PetscMax(worst, its[i]);
    ls->loss_scale = PetscMax(worst, 1);
  }
  for (PetscInt r = 0; r < n; r++) {
    for (PetscInt k = 0; k < K; k++) {
      const PetscInt  i    = its[r * K + k];
      const PetscReal loss = i < 0 ? 1 : PetscClipInterval((PetscReal)i / ls->loss_scale, 0, 1);
      if (ctx) PetscCall(PdSquareCBUpdate(&ls->cb, k, ctx[r], loss));
      else ls->inf.L[k] += loss;
    }
  }
  if (ctx) {
    ls->cb.t       = t0 + n; /* one round per system, however many arms it scored */
    ls->contextual = PETSC_TRUE;
    if (n) ls->context = ctx[n - 1];
  } else ls->inf.t += n;
  PetscFunctionReturn(0);
}

/* rank 0 looks, every rank learns the answer */
static PetscErrorCode FileExists(MPI_Comm comm, const char file[], PetscBool *exists)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  *exists = PETSC_FALSE;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(PetscTestFile(file, 'r', exists));
  PetscCallMPI(MPI_Bcast(exists, 1, MPIU_BOOL, 0, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetUp_LearnedSOR(PC pc)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  MPI_Comm       comm;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  if (ls->state_file && !ls->state_loaded) {
    PetscBool exists;
    PetscCall(FileExists(comm, ls->state_file, &exists));
    if (exists) {
      PetscCall(PCLearnedSORLoadState_LearnedSOR(pc, ls->state_file));
      ls->model_loaded = PETSC_TRUE; /* a sequence under way needs no warm start */
    }
    ls->state_loaded = PETSC_TRUE;
  }
  if (ls->model_file && !ls->model_loaded) {
    PetscBool exists;
    PetscCall(FileExists(comm, ls->model_file, &exists));
    PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "-pc_learned_model %s: no such file (write one with pdeop precond train -type learned_sor)", ls->model_file);
    PetscCall(LoadState(pc, ls->model_file, PETSC_TRUE));
    ls->model_loaded = PETSC_TRUE;
  }
  if (!ls->sor) {
    PetscCall(PCCreate(comm, &ls->sor));
    PetscCall(PetscObjectIncrementTabLevel((PetscObject)ls->sor, (PetscObject)pc, 1));
    PetscCall(PCSetType(ls->sor, PCSOR));
    PetscCall(PCSORSetSymmetric(ls->sor, SOR_LOCAL_SYMMETRIC_SWEEP));
  }
  /* a new operator of a sequence: the inner SSOR follows it, the bandit carries on */
  PetscCall(PCSetOperators(ls->sor, pc->mat, pc->pmat));
  PetscCall(PCSORSetOmega(ls->sor, ls->omega_cur));
  PetscCall(PCSetUp(ls->sor));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApply_LearnedSOR(PC pc, Vec x, Vec y)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCApply(ls->sor, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApplyTranspose_LearnedSOR(PC pc, Vec x, Vec y)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCApplyTranspose(ls->sor, x, y));
  PetscFunctionReturn(0);
}

/* before each KSPSolve: draw this solve's omega */
static PetscErrorCode PCPreSolve_LearnedSOR(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(LearnedSORProbabilities(ls, ls->p));
  ls->arm = PdBanditSample(&ls->rng, ls->K, ls->p);
  /* every rank draws the same arm from the same state; rank 0's word is final */
  PetscCallMPI(MPI_Bcast(&ls->arm, 1, MPIU_INT, 0, PetscObjectComm((PetscObject)pc)));
  ls->parm      = ls->p[ls->arm];
  ls->omega_cur = ls->omega[ls->arm];
  ls->pending   = PETSC_TRUE;
  if (ls->sor) PetscCall(PCSORSetOmega(ls->sor, ls->omega_cur));
  PetscCall(PetscInfo(pc, "Solve %" PetscInt_FMT ": omega %g (arm %" PetscInt_FMT ", probability %g)\n", ls->solves + 1, (double)ls->omega_cur, ls->arm, (double)ls->parm));
  PetscFunctionReturn(0);
}

/* after each KSPSolve: score the omega by the iterations it took */
static PetscErrorCode PCPostSolve_LearnedSOR(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_LearnedSOR     *ls = (PC_LearnedSOR *)pc->data;
  PetscInt           its, maxits;
  KSPConvergedReason reason;
  PetscReal          loss;

  PetscFunctionBegin;
  if (!ls->pending) PetscFunctionReturn(0);
  ls->pending = PETSC_FALSE;
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetTolerances(ksp, NULL, NULL, NULL, &maxits));
  /* losses must spread over [0,1] for the bandit to learn in tens of rounds: iterations / max_it
     would be ~0.01 with PETSc's default max_it. The scale is fixed after the first solve. */
  if (ls->loss_scale <= 0) ls->loss_scale = reason < 0 ? (PetscReal)PetscMax(maxits, 1) : 2.0 * PetscMax(its, 1);
  loss = reason < 0 ? 1 : PetscClipInterval((PetscReal)its / ls->loss_scale, 0, 1);
  if (ls->contextual) PetscCall(PdSquareCBUpdate(&ls->cb, ls->arm, ls->context, loss));
  else PetscCall(PdTsallisINFUpdate(&ls->inf, ls->arm, ls->parm, loss));
  ls->solves++;
  ls->total_its += its;
  if (ls->state_file) PetscCall(PCLearnedSORSaveState_LearnedSOR(pc, ls->state_file));
  PetscFunctionReturn(0);
}

/* An error raised here skips the PetscOptionsEnd() of PCSetFromOptions(), which frees the options
   block's prefix and title; release them first so a caught option error leaks nothing. */
static PetscErrorCode OptionsBlockRelease(PetscOptionItems *PetscOptionsObject)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(PetscOptionsObject->prefix));
  PetscCall(PetscFree(PetscOptionsObject->title));
  PetscFunctionReturn(0);
}
#define CheckOption(cond, ...) \
  do { \
    if (!(cond)) { \
      PetscCall(OptionsBlockRelease(PetscOptionsObject)); \
      SETERRQ(PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, __VA_ARGS__); \
    } \
  } while (0)

static PetscErrorCode PCSetFromOptions_LearnedSOR(PC pc, PetscOptionItems *PetscOptionsObject)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  PetscReal      omin = ls->omega_min, omax = ls->omega_max, cmin = ls->cmin, cmax = ls->cmax, c = ls->context, gamma = ls->cb.gamma;
  PetscInt       K = ls->K, degree = ls->degree, seed = ls->seed;
  PetscBool      flg, seedset;
  char           file[PETSC_MAX_PATH_LEN] = "", model[PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Learned SOR options");
  PetscCall(PetscOptionsReal("-pc_learned_sor_omega_min", "Smallest omega of the grid", "PCLEARNEDSOR", omin, &omin, NULL));
  PetscCall(PetscOptionsReal("-pc_learned_sor_omega_max", "Largest omega of the grid", "PCLEARNEDSOR", omax, &omax, NULL));
  PetscCall(PetscOptionsInt("-pc_learned_sor_omega_count", "Number of omegas on the grid", "PCLEARNEDSOR", K, &K, NULL));
  PetscCall(PetscOptionsInt("-pc_learned_sor_seed", "Seed of the bandit's draws", "PCLEARNEDSOR", seed, &seed, &seedset));
  PetscCall(PetscOptionsReal("-pc_learned_sor_context", "Context of the next solve (switches to SquareCB)", "PCLearnedSORSetContext", c, &c, &flg));
  if (flg) {
    ls->contextual = PETSC_TRUE;
    ls->context    = c;
  }
  PetscCall(PetscOptionsReal("-pc_learned_sor_context_min", "Context mapped to -1", "PCLEARNEDSOR", cmin, &cmin, NULL));
  PetscCall(PetscOptionsReal("-pc_learned_sor_context_max", "Context mapped to +1", "PCLEARNEDSOR", cmax, &cmax, NULL));
  PetscCall(PetscOptionsInt("-pc_learned_sor_context_degree", "Degree of the Chebyshev features of the context", "PCLEARNEDSOR", degree, &degree, NULL));
  {
    PetscReal es = ls->inf.eta_scale > 0 ? ls->inf.eta_scale : 1.0;
    PetscCall(PetscOptionsReal("-pc_learned_sor_eta", "Tsallis-INF learning-rate factor: eta_t = factor * 2/sqrt(t)", "PCLEARNEDSOR", es, &es, NULL));
    CheckOption(es > 0, "-pc_learned_sor_eta %g is out of range: it must be > 0", (double)es);
    ls->eta_scale     = es;
    ls->inf.eta_scale = es;
  }
  PetscCall(PetscOptionsReal("-pc_learned_sor_loss_scale", "Iterations that count as loss 1 (0: twice the first solve's iterations)", "PCLEARNEDSOR", ls->loss_scale, &ls->loss_scale, NULL));
  PetscCall(PetscOptionsReal("-pc_learned_sor_gamma", "SquareCB exploration gamma (0: sqrt(K t))", "PCLEARNEDSOR", gamma, &gamma, NULL));
  PetscCall(PetscOptionsString("-pc_learned_sor_state", "File of the bandit state: loaded at set-up if it exists, written after every solve", "PCLearnedSORSaveState", file, file, sizeof(file), &flg));
  PetscCall(PetscOptionsString("-pc_learned_model", "Bandit to start from (pdeop precond train -type learned_sor), read once", "PCLEARNEDSOR", model, model, sizeof(model), NULL));
  PetscOptionsHeadEnd();
  CheckOption(omin > 0 && omin < 2, "-pc_learned_sor_omega_min %g is out of range: SOR converges only for 0 < omega < 2", (double)omin);
  CheckOption(omax > 0 && omax < 2, "-pc_learned_sor_omega_max %g is out of range: SOR converges only for 0 < omega < 2", (double)omax);
  CheckOption(K >= 1, "-pc_learned_sor_omega_count %" PetscInt_FMT " is out of range: the grid needs at least one omega", K);
  CheckOption(K == 1 || omax > omin, "-pc_learned_sor_omega_max %g must exceed -pc_learned_sor_omega_min %g for a grid of %" PetscInt_FMT " omegas", (double)omax, (double)omin, K);
  CheckOption(degree >= 0, "-pc_learned_sor_context_degree %" PetscInt_FMT " is out of range: it must be >= 0", degree);
  CheckOption(cmax > cmin, "-pc_learned_sor_context_max %g must exceed -pc_learned_sor_context_min %g", (double)cmax, (double)cmin);
  CheckOption(ls->loss_scale >= 0, "-pc_learned_sor_loss_scale %g is out of range: it must be >= 0", (double)ls->loss_scale);
  CheckOption(gamma >= 0, "-pc_learned_sor_gamma %g is out of range: it must be >= 0 (0 for sqrt(K t))", (double)gamma);
  if (K != ls->K || omin != ls->omega_min || omax != ls->omega_max || degree != ls->degree || cmin != ls->cmin || cmax != ls->cmax) {
    if (ls->solves) PetscCall(PetscInfo(pc, "New grid or context features: the bandit starts again after %" PetscInt_FMT " solves\n", ls->solves));
    ls->K         = K;
    ls->omega_min = omin;
    ls->omega_max = omax;
    ls->degree    = degree;
    ls->cmin      = cmin;
    ls->cmax      = cmax;
    PetscCall(LearnedSORBuild(ls));
    if (ls->sor) PetscCall(PCSORSetOmega(ls->sor, ls->omega_cur));
  }
  ls->cb.gamma = gamma;
  if (seedset && seed != ls->seed) {
    ls->seed = seed;
    PetscCall(PdRngSeed(&ls->rng, (uint64_t)seed, PD_RNG_STREAM_MAIN));
  }
  if (file[0] && (!ls->state_file || strcmp(file, ls->state_file))) {
    PetscCall(PetscFree(ls->state_file));
    PetscCall(PetscStrallocpy(file, &ls->state_file));
    ls->state_loaded = PETSC_FALSE;
  }
  if (model[0] && (!ls->model_file || strcmp(model, ls->model_file))) {
    PetscCall(PetscFree(ls->model_file));
    PetscCall(PetscStrallocpy(model, &ls->model_file));
    ls->model_loaded = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCView_LearnedSOR(PC pc, PetscViewer viewer)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  PetscBool      isascii;
  PetscReal     *p;
  PetscInt       top[3], ntop = PetscMin(3, ls->K);

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "  SSOR (local symmetric sweeps) with omega from a grid of %" PetscInt_FMT ": %g to %g\n", ls->K, (double)ls->omega[0], (double)ls->omega[ls->K - 1]));
  if (ls->contextual) PetscCall(PetscViewerASCIIPrintf(viewer, "  bandit: SquareCB, ridge regression on Chebyshev degree %" PetscInt_FMT " of the context in [%g, %g], context %g, gamma %s%g\n", ls->degree, (double)ls->cmin, (double)ls->cmax, (double)ls->context, ls->cb.gamma > 0 ? "" : "sqrt(K t) = ", ls->cb.gamma > 0 ? (double)ls->cb.gamma : (double)PetscSqrtReal((PetscReal)(ls->K * (ls->cb.t + 1)))));
  else PetscCall(PetscViewerASCIIPrintf(viewer, "  bandit: Tsallis-INF (alpha 1/2), %" PetscInt_FMT " rounds, seed %" PetscInt_FMT "\n", ls->inf.t, ls->seed));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  current omega: %g\n", (double)ls->omega_cur));
  PetscCall(PetscMalloc1(ls->K, &p));
  PetscCall(LearnedSORProbabilities(ls, p));
  for (PetscInt k = 0; k < ntop; k++) { /* the ntop most likely arms, in order */
    top[k] = -1;
    for (PetscInt a = 0; a < ls->K; a++) {
      PetscBool taken = PETSC_FALSE;
      for (PetscInt j = 0; j < k; j++) taken = (PetscBool)(taken || top[j] == a);
      if (!taken && (top[k] < 0 || p[a] > p[top[k]])) top[k] = a;
    }
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "  next solve's most likely omegas:"));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_FALSE));
  for (PetscInt k = 0; k < ntop; k++) PetscCall(PetscViewerASCIIPrintf(viewer, " %g (p %.3f)%s", (double)ls->omega[top[k]], (double)p[top[k]], k + 1 < ntop ? "," : "\n"));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_TRUE));
  PetscCall(PetscFree(p));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  solves: %" PetscInt_FMT ", total iterations: %" PetscInt_FMT "\n", ls->solves, ls->total_its));
  if (ls->state_file) PetscCall(PetscViewerASCIIPrintf(viewer, "  state file: %s\n", ls->state_file));
  if (ls->model_file) PetscCall(PetscViewerASCIIPrintf(viewer, "  started from: %s\n", ls->model_file));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCReset_LearnedSOR(PC pc)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCDestroy(&ls->sor)); /* the bandit is kept: it belongs to the sequence, not the operator */
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORSetContext_LearnedSOR(PC pc, PetscReal c)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  ls->contextual = PETSC_TRUE;
  ls->context    = c;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORGetGrid_LearnedSOR(PC pc, PetscInt *K, const PetscReal **omega)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  *K     = ls->K;
  *omega = ls->omega;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORGetOmega_LearnedSOR(PC pc, PetscReal *omega)
{
  PetscFunctionBegin;
  *omega = ((PC_LearnedSOR *)pc->data)->omega_cur;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORGetStats_LearnedSOR(PC pc, PetscInt *solves, PetscInt *its)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  if (solves) *solves = ls->solves;
  if (its) *its = ls->total_its;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCDestroy_LearnedSOR(PC pc)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCReset_LearnedSOR(pc));
  PetscCall(PetscFree2(ls->omega, ls->p));
  PetscCall(PdTsallisINFDestroy(&ls->inf));
  PetscCall(PdSquareCBDestroy(&ls->cb));
  PetscCall(PetscFree(ls->state_file));
  PetscCall(PetscFree(ls->model_file));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORSetContext_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORPretrain_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetOmega_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetGrid_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetStats_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORSaveState_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORLoadState_C", NULL));
  PetscCall(PetscFree(pc->data));
  PetscFunctionReturn(0);
}

/*MC
  PCLEARNEDSOR - "learned_sor": symmetric SOR (SSOR; block-Jacobi SSOR in parallel, SPD for SPD
  operators, so CG applies) whose relaxation parameter omega is chosen before every KSPSolve by a
  bandit over a grid of omegas and scored after it by the iterations it took, so a sequence of
  systems solved with one KSP converges to the omega that suits the sequence (Khodak, Chow,
  Balcan, Talwalkar, "Learning to Relax: Setting Solver Parameters Across a Sequence of Linear
  System Instances", ICLR 2024).

  The loss of a solve is its iterations over a scale fixed at the first solve (twice its
  iterations, or -pc_learned_sor_loss_scale), clipped to [0,1], and 1 if the solve diverged; the
  scale spreads the losses of good and poor omegas over [0,1]. Without a context the bandit is
  Tsallis-INF (alpha = 1/2) with the reduced-variance importance-weighted loss estimates and
  learning rate eta_t = 4 * 2/sqrt(t) (the factor, -pc_learned_sor_eta, was tuned on sequences of
  100 Darcy systems: 1 is the worst-case theory's choice and learns too slowly for 100 rounds;
  8 locks on early); with a context (a number describing each system, such as a diagonal shift) it
  is SquareCB: per-omega ridge regression of the loss on Chebyshev features of the context, and
  inverse-gap-weighted exploration. The bandit survives KSPSetOperators (the inner SSOR follows
  the new operator) and, with -pc_learned_sor_state, the end of the process.

  Options Database Keys:
+ -pc_learned_sor_omega_min <1.0>    - smallest omega of the grid, in (0, 2)
. -pc_learned_sor_omega_max <1.9>    - largest omega of the grid, in (0, 2)
. -pc_learned_sor_omega_count <10>   - omegas on the grid, equally spaced (1: omega_min only)
. -pc_learned_sor_eta <4>            - Tsallis-INF learning-rate factor
. -pc_learned_sor_loss_scale <0>     - iterations that count as loss 1 (0: twice the first solve's)
. -pc_learned_sor_seed <0>           - seed of the bandit's draws
. -pc_learned_sor_context <c>        - context of the next solves (switches to SquareCB)
. -pc_learned_sor_context_min <0>    - context mapped to -1 (contexts outside are clipped)
. -pc_learned_sor_context_max <1>    - context mapped to +1
. -pc_learned_sor_context_degree <3> - degree of the Chebyshev features
. -pc_learned_sor_gamma <0>          - SquareCB's exploration parameter (0: sqrt(K t) in round t)
. -pc_learned_sor_state <file>       - bandit state: loaded at set-up if the file exists, written
                                       (to file.tmp, then renamed) after every solve
- -pc_learned_model <file>           - a bandit to start from (`pdeop precond train -type
                                       learned_sor`, or any state file), read once at set-up and
                                       never written; a state file that exists takes precedence

  Level: intermediate

.seealso: `PCSOR`, `PCLearnedSORSetContext()`, `PCLearnedSORGetOmega()`, `PCLearnedSORGetStats()`,
          `PCLearnedSORSaveState()`, `PCLearnedSORLoadState()`
M*/
PETSC_EXTERN PetscErrorCode PCCreate_LearnedSOR(PC pc)
{
  PC_LearnedSOR *ls;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ls));
  pc->data      = (void *)ls;
  ls->K         = 10;
  ls->omega_min = 1.0;
  ls->omega_max = 1.9;
  ls->eta_scale = 4.0;
  ls->degree    = 3;
  ls->cmin      = 0;
  ls->cmax      = 1;
  ls->seed      = 0;
  PetscCall(PdRngSeed(&ls->rng, 0, PD_RNG_STREAM_MAIN));
  PetscCall(LearnedSORBuild(ls));

  pc->ops->setup          = PCSetUp_LearnedSOR;
  pc->ops->apply          = PCApply_LearnedSOR;
  pc->ops->applytranspose = PCApplyTranspose_LearnedSOR;
  pc->ops->presolve       = PCPreSolve_LearnedSOR;
  pc->ops->postsolve      = PCPostSolve_LearnedSOR;
  pc->ops->setfromoptions = PCSetFromOptions_LearnedSOR;
  pc->ops->view           = PCView_LearnedSOR;
  pc->ops->reset          = PCReset_LearnedSOR;
  pc->ops->destroy        = PCDestroy_LearnedSOR;
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORSetContext_C", PCLearnedSORSetContext_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORPretrain_C", PCLearnedSORPretrain_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetOmega_C", PCLearnedSORGetOmega_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetGrid_C", PCLearnedSORGetGrid_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetStats_C", PCLearnedSORGetStats_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORSaveState_C", PCLearnedSORSaveState_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORLoadState_C", PCLearnedSORLoadState_LearnedSOR));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORSetContext - set the context of the next solves (for example the diagonal shift of
  the system) and switch the bandit to SquareCB; ignored by other PC types

  Logically Collective

  Input Parameters:
+ pc - the PCLEARNEDSOR
- c  - the context, mapped to [-1, 1] from [-pc_learned_sor_context_min, -pc_learned_sor_context_max]

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORSetContext(PC pc, PetscReal c)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveReal(pc, c, 2);
  PetscTryMethod(pc, "PCLearnedSORSetContext_C", (PC, PetscReal), (pc, c));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORGetOmega - the omega of the current or last solve (before any solve, the grid's first)

  Not Collective

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORGetOmega(PC pc, PetscReal *omega)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidRealPointer(omega, 2);
  PetscUseMethod(pc, "PCLearnedSORGetOmega_C", (PC, PetscReal *), (pc, omega));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORGetGrid - the omegas the bandit chooses from (owned by the PC)
@*/
PetscErrorCode PCLearnedSORGetGrid(PC pc, PetscInt *K, const PetscReal **omega)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscUseMethod(pc, "PCLearnedSORGetGrid_C", (PC, PetscInt *, const PetscReal **), (pc, K, omega));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORGetStats - solves scored so far and their total iterations (either may be NULL);
  counted across processes when the state comes from a file

  Not Collective

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORGetStats(PC pc, PetscInt *solves, PetscInt *total_iterations)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscUseMethod(pc, "PCLearnedSORGetStats_C", (PC, PetscInt *, PetscInt *), (pc, solves, total_iterations));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORSaveState - write the bandit (grid, loss estimates or regressions, round counts,
  random state, statistics) to a PETSc binary file, through file.tmp and a rename

  Collective

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORSaveState(PC pc, const char file[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidCharPointer(file, 2);
  PetscUseMethod(pc, "PCLearnedSORSaveState_C", (PC, const char[]), (pc, file));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORLoadState - continue the sequence saved by PCLearnedSORSaveState; the file's grid,
  Chebyshev degree and context range must be this PC's (set options first)

  Collective

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORLoadState(PC pc, const char file[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidCharPointer(file, 2);
  PetscUseMethod(pc, "PCLearnedSORLoadState_C", (PC, const char[]), (pc, file));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORPretrain - warm-start the bandit with full-information rounds: every omega of the grid
  was tried on each of n training systems of the family, taking its[r K + k] iterations for omega k
  on system r (negative: it diverged, loss 1). Each omega's loss estimate (with contexts ctx[r], its
  ridge regression) takes the losses it had, the round count advances by n so the learning rate
  continues from there, and an unset loss scale becomes the slowest converged training solve.

  Collective

  Level: advanced

.seealso: `PCLearnedSORSaveState()`, `PCLearnedSORGetGrid()`
@*/
PetscErrorCode PCLearnedSORPretrain(PC pc, PetscInt n, const PetscReal ctx[], const PetscInt its[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscUseMethod(pc, "PCLearnedSORPretrain_C", (PC, PetscInt, const PetscReal[], const PetscInt[]), (pc, n, ctx, its));
  PetscFunctionReturn(0);
}
