/* The bandits that choose omega for -pc_type learned_sor (Tsallis-INF without a context, SquareCB
   with one), usable on their own; declared in learned_sor_impl.h. */
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
    s            = 0;
    for (PetscInt i = 0; i < K; i++) {
      PetscReal r = 2.0 / (eta * (b->L[i] - Lmin + y)); /* sqrt(p_i) */
      p[i]        = r * r;
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
  PetscInt       best = 0;

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
