/* PdPinn: physics-informed MLPs for Poisson, Allen-Cahn and Sine-Gordon on the unit ball of R^d with
   closed-form exact solutions, trained on Laplacians estimated by jets (operators/taylor/jet.c) by the
   pinn-ball objective (pinn_ball.c). */
#include "pinnimpl.h"
#include <pdeop/options.h>
#include <sys/resource.h>

const char *const PdPinnPDEs[]       = {"poisson", "allen-cahn", "sine-gordon", "PdPinnPDE", "PD_PINN_", NULL};
const char *const PdPinnSolutions[]  = {"two-body", "three-body", "PdPinnSolution", "PD_PINN_", NULL};
const char *const PdPinnBoundaries[] = {"hard", "penalty", "PdPinnBoundary", "PD_PINN_", NULL};
const char *const PdPinnInits[]      = {"glorot-uniform", "kaiming-uniform", "PdPinnInit", "PD_PINN_INIT_", NULL};
const char *const PdPinnProtocols[]  = {"default", "stde", "PdPinnProtocol", "PD_PINN_PROTOCOL_", NULL};
const char *const PdPinnRHSTypes[]   = {"exact", "reference-code", "PdPinnRHSType", "PD_PINN_RHS_", NULL};

PetscErrorCode PdPinnCreate(MPI_Comm comm, PdPinn *pinn)
{
  PdPinn p;

  PetscFunctionBegin;
  PetscCall(PetscNew(&p));
  p->comm   = comm;
  p->pde    = PD_PINN_POISSON;
  p->sol    = PD_PINN_TWO_BODY;
  p->bc     = PD_PINN_HARD;
  p->est    = PD_EST_STDE;
  p->dist   = PD_DIR_SPARSE;
  p->d      = 100;
  p->batch  = 100;
  p->V      = 16;
  p->iters  = 10000;
  p->bbatch = 100;
  PetscCall(PdPinnLossWeightInit(&p->lw, 20.0));
  p->test_points  = 20000;
  p->max_rows     = 65536;
  p->seed         = 1;
  p->problem_seed = -1;
  p->rel_l2       = -1;
  p->rel_l2_min   = -1;
  PetscCall(PdPinnSetProtocol(p, PD_PINN_PROTOCOL_DEFAULT));
  PetscCall(PdTapeCreate(comm, &p->tape));
  PetscCall(PdTapeCreate(comm, &p->etape));
  PetscCall(PdTapeSetGradEnabled(p->etape, PETSC_FALSE));
  *pinn = p;
  PetscFunctionReturn(0);
}

/*@ PdPinnDestroy - free the problem, the model, the optimizer and the tapes @*/
PetscErrorCode PdPinnDestroy(PdPinn *pinn)
{
  PetscFunctionBegin;
  if (!*pinn) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*pinn)->c, (*pinn)->cf, (*pinn)->work));
  PetscCall(PdOptimDestroy(&(*pinn)->optim));
  PetscCall(NOpDestroy(&(*pinn)->nop));
  PetscCall(PdTapeDestroy(&(*pinn)->tape));
  PetscCall(PdTapeDestroy(&(*pinn)->etape));
  PetscCall(PetscFree(*pinn));
  PetscFunctionReturn(0);
}

/* the reference code's right-hand side differs from the exact one only for the three-body solution */
static PetscErrorCode CheckRHS(PdPinn p, PdPinnRHSType rhs, PdPinnSolution sol)
{
  PetscFunctionBegin;
  PetscCheck(rhs == PD_PINN_RHS_EXACT || sol == PD_PINN_THREE_BODY, p->comm, PETSC_ERR_ARG_INCOMP, "-pinn_rhs reference-code changes only the three-body right-hand side (the reference code's two-body one is exact): give -solution three-body");
  PetscFunctionReturn(0);
}

PetscErrorCode PdPinnCheckProblem(PdPinn p)
{
  PetscFunctionBegin;
  PetscCheck(p->d >= (p->sol == PD_PINN_TWO_BODY ? 2 : 3), p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-dim must be at least %d for the %s solution, got %" PetscInt_FMT, p->sol == PD_PINN_TWO_BODY ? 2 : 3, PdPinnSolutions[p->sol], p->d);
  PetscCheck(p->d <= 100000000, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-dim must be at most 1e8, got %" PetscInt_FMT, p->d);
  PetscCall(CheckRHS(p, p->rhs, p->sol));
  PetscFunctionReturn(0);
}

/* c_i ~ N(0,1) from (problem seed, stream 0xc0ef), the problem seed being -seed unless
   -pinn_problem_seed is given: d-1 of them (two-body) or d-2 (three-body) */
PetscErrorCode PdPinnDrawCoefficients(PdPinn p)
{
  PdRng r;

  PetscFunctionBegin;
  PetscCall(PetscFree3(p->c, p->cf, p->work));
  p->nc = p->sol == PD_PINN_TWO_BODY ? p->d - 1 : p->d - 2;
  PetscCall(PetscMalloc3(p->nc, &p->c, p->nc, &p->cf, 4 * p->d, &p->work));
  PetscCall(PdRngSeed(&r, (uint64_t)(p->problem_seed >= 0 ? p->problem_seed : p->seed), PD_RNG_STREAM_PINN_COEFF));
  for (PetscInt i = 0; i < p->nc; i++) {
    p->c[i]  = PdRngNormal(&r);
    p->cf[i] = (float)p->c[i];
  }
  PetscFunctionReturn(0);
}

/*@ PdPinnSetProblem - PDE, exact solution, dimension and seed (draws the coefficients) @*/
PetscErrorCode PdPinnSetProblem(PdPinn p, PdPinnPDE pde, PdPinnSolution sol, PetscInt d, PetscInt64 seed)
{
  PetscFunctionBegin;
  PetscCheck(!p->setup, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the PINN problem before PdPinnSetUp");
  p->pde  = pde;
  p->sol  = sol;
  p->d    = d;
  p->seed = seed;
  PetscCall(PdPinnCheckProblem(p));
  PetscCall(PdPinnDrawCoefficients(p));
  PetscFunctionReturn(0);
}

/*@
  PdPinnSetProblemSeed - the seed of the coefficients c_i alone (-1: the seed of PdPinnSetProblem),
  so that runs with different seeds (initialisation, points) solve one problem; draws them again
@*/
PetscErrorCode PdPinnSetProblemSeed(PdPinn p, PetscInt64 seed)
{
  PetscFunctionBegin;
  PetscCheck(!p->setup, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the PINN problem before PdPinnSetUp");
  PetscCheck(seed >= -1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "The problem seed must be non-negative (or -1: the seed's), got %" PetscInt64_FMT, seed);
  p->problem_seed = seed;
  PetscCall(PdPinnDrawCoefficients(p));
  PetscFunctionReturn(0);
}

/*@ PdPinnGetCoefficients - the coefficients c_i of the exact solution (d-1 or d-2 of them) @*/
PetscErrorCode PdPinnGetCoefficients(PdPinn p, PetscInt *n, const double **c)
{
  PetscFunctionBegin;
  if (n) *n = p->nc;
  if (c) *c = p->c;
  PetscFunctionReturn(0);
}

/*@ PdPinnGetDimension - the dimension d of the problem @*/
PetscErrorCode PdPinnGetDimension(PdPinn p, PetscInt *d)
{
  PetscFunctionBegin;
  *d = p->d;
  PetscFunctionReturn(0);
}

/*@ PdPinnGetIterations - the training steps done (a resumed checkpoint's included) @*/
PetscErrorCode PdPinnGetIterations(PdPinn p, PetscInt *it)
{
  PetscFunctionBegin;
  *it = p->it;
  PetscFunctionReturn(0);
}

/*@
  PdPinnSetProtocol - the defaults of a protocol, before PdPinnSetFromOptions (whose options win):
  default: 4 hidden layers, Glorot-uniform, no evaluation during training; stde (the STDE paper's):
  3 hidden layers, Kaiming-uniform, the test error every 1,000 steps. Both: width 128, tanh, Adam
  1e-3 decaying linearly to 0, 100 points and 16 directions per step, 20,000 test points.
@*/
PetscErrorCode PdPinnSetProtocol(PdPinn p, PdPinnProtocol protocol)
{
  const PetscBool stde = (PetscBool)(protocol == PD_PINN_PROTOCOL_STDE);

  PetscFunctionBegin;
  PetscCheck(!p->nop, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the protocol before PdPinnSetFromOptions and PdPinnSetUp");
  p->protocol    = protocol;
  p->depth       = stde ? 3 : 4;
  p->init        = stde ? PD_PINN_INIT_KAIMING : PD_PINN_INIT_GLOROT;
  p->eval_every  = stde ? 1000 : 0;
  p->batch       = 100;
  p->V           = 16;
  p->iters       = 10000;
  p->test_points = 20000;
  PetscFunctionReturn(0);
}

/*@ PdPinnSetInit - the initial weights (before PdPinnSetFromOptions and PdPinnSetUp) @*/
PetscErrorCode PdPinnSetInit(PdPinn p, PdPinnInit init)
{
  PetscFunctionBegin;
  PetscCheck(!p->nop, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the initialisation before PdPinnSetFromOptions and PdPinnSetUp");
  p->init = init;
  PetscFunctionReturn(0);
}

/*@ PdPinnSetRHS - the right-hand side: from the exact Laplacian, or the STDE reference code's three-body
  expression (before PdPinnSetUp; see PdPinnRHSType) @*/
PetscErrorCode PdPinnSetRHS(PdPinn p, PdPinnRHSType rhs)
{
  PetscFunctionBegin;
  PetscCheck(rhs == PD_PINN_RHS_EXACT || rhs == PD_PINN_RHS_REFERENCE_CODE, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Unknown PdPinnRHSType %d", (int)rhs);
  PetscCheck(!p->setup, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the right-hand side before PdPinnSetUp");
  PetscCall(CheckRHS(p, rhs, p->sol));
  p->rhs = rhs;
  PetscFunctionReturn(0);
}

/*@ PdPinnSetEvalEvery - the test error every n training steps (0: only when PdPinnEvaluate is called) @*/
PetscErrorCode PdPinnSetEvalEvery(PdPinn p, PetscInt n)
{
  PetscFunctionBegin;
  PetscCheck(n >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-eval_every must be non-negative (0: no evaluation during training), got %" PetscInt_FMT, n);
  p->eval_every = n;
  PetscFunctionReturn(0);
}

/*@ PdPinnGetErrorMin - the smallest test error so far and its iteration (-1 and 0 if none) @*/
PetscErrorCode PdPinnGetErrorMin(PdPinn p, double *rel, PetscInt *iter)
{
  PetscFunctionBegin;
  if (rel) *rel = p->rel_l2_min;
  if (iter) *iter = p->rel_l2_min_iter;
  PetscFunctionReturn(0);
}

/*@ PdPinnGetOptim - the optimizer (Adam with its schedule; NULL before the model is built) @*/
PetscErrorCode PdPinnGetOptim(PdPinn p, PdOptim *optim)
{
  PetscFunctionBegin;
  *optim = p->optim;
  PetscFunctionReturn(0);
}

/*@ PdPinnGetModel - the network N(x) of u = (1 - |x|^2) N(x) (NULL before it is built) @*/
PetscErrorCode PdPinnGetModel(PdPinn p, NOp *nop)
{
  PetscFunctionBegin;
  *nop = p->nop;
  PetscFunctionReturn(0);
}

/* ---------------- exact solutions ---------------- */

/* u* = (1 - |x|^2) s(x) and Delta u* = (1 - |x|^2) Delta s - 4 x.grad s - 2 d s, with
   two-body   s = sum_i c_i sin(th_i), th_i = x_i + cos x_{i+1} + x_{i+1} cos x_i,
   three-body s = sum_i c_i exp(x_i x_{i+1} x_{i+2}). Trigonometry in float (vectorised), sums in double. */
PD_CLONES void PdPinnExactPoint(PdPinn p, const float *x, double *u, double *lap)
{
  const PetscInt d  = p->d;
  const float   *c  = p->cf;
  float         *sx = p->work, *cx = p->work + d;
  double         r2 = 0, s = 0, ls = 0, xg = 0;

  _Pragma("omp simd reduction(+:r2)")
  for (PetscInt i = 0; i < d; i++) r2 += (double)x[i] * x[i];
  if (p->sol == PD_PINN_TWO_BODY) {
    float *st = p->work + 2 * d, *ct = p->work + 3 * d;
    /* separate loops: GCC would fuse sinf and cosf of one argument into scalar sincosf */
    _Pragma("omp simd")
    for (PetscInt i = 0; i < d; i++) sx[i] = sinf(x[i]);
    _Pragma("omp simd")
    for (PetscInt i = 0; i < d; i++) cx[i] = cosf(x[i]);
    _Pragma("omp simd")
    for (PetscInt i = 0; i < d - 1; i++) st[i] = sinf(x[i] + cx[i + 1] + x[i + 1] * cx[i]);
    _Pragma("omp simd")
    for (PetscInt i = 0; i < d - 1; i++) ct[i] = cosf(x[i] + cx[i + 1] + x[i + 1] * cx[i]);
    _Pragma("omp simd reduction(+:s, ls, xg)")
    for (PetscInt i = 0; i < d - 1; i++) {
      float a = 1.0f - x[i + 1] * sx[i], b = cx[i] - sx[i + 1];
      s += (double)(c[i] * st[i]);
      ls += (double)(c[i] * (-st[i] * (a * a + b * b) - ct[i] * (x[i + 1] * cx[i] + cx[i + 1])));
      xg += (double)(c[i] * ct[i] * (x[i] * a + x[i + 1] * b));
    }
  } else if (p->rhs == PD_PINN_RHS_EXACT) {
    _Pragma("omp simd reduction(+:s, ls, xg)")
    for (PetscInt i = 0; i < d - 2; i++) {
      float p01 = x[i] * x[i + 1], p02 = x[i] * x[i + 2], p12 = x[i + 1] * x[i + 2], e = c[i] * expf(p01 * x[i + 2]);
      s += (double)e;
      ls += (double)(e * (p12 * p12 + p02 * p02 + p01 * p01));
      xg += (double)(e * 3.0f * p01 * x[i + 2]);
    }
  } else { /* the reference code's: d/dx_j e_i and d2/dx_j2 e_i both taken as e_i for j in {i, i+1, i+2} */
    _Pragma("omp simd reduction(+:s, ls, xg)")
    for (PetscInt i = 0; i < d - 2; i++) {
      float e = c[i] * expf(x[i] * x[i + 1] * x[i + 2]);
      s += (double)e;
      ls += (double)(3.0f * e);
      xg += (double)(e * (x[i] + x[i + 1] + x[i + 2]));
    }
  }
  *u = (1.0 - r2) * s;
  if (lap) *lap = (1.0 - r2) * ls - 4.0 * xg - 2.0 * (double)d * s;
}

/*@ PdPinnExactSolution - u* and Delta u* at n points x [n, d] (lap may be NULL) @*/
PetscErrorCode PdPinnExactSolution(PdPinn p, PetscInt n, const float x[], double u[], double lap[])
{
  PetscFunctionBegin;
  PetscCheck(p->c, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the PINN problem first");
  for (PetscInt k = 0; k < n; k++) PdPinnExactPoint(p, x + (size_t)k * p->d, &u[k], lap ? &lap[k] : NULL);
  PetscFunctionReturn(0);
}

/* the right-hand side g = L u* of the PDE at one point */
double PdPinnRHS(PdPinn p, double u, double lap)
{
  switch (p->pde) {
  case PD_PINN_POISSON:
    return -lap; /* -Delta u = g */
  case PD_PINN_ALLEN_CAHN:
    return lap + u - u * u * u; /* Delta u + u - u^3 = g */
  default:
    return lap + sin(u); /* Delta u + sin u = g */
  }
}

/*@ PdPinnSampleBall - n points x = r g/|g| in the unit ball of R^d (r = 1 on the sphere) @*/
PetscErrorCode PdPinnSampleBall(PdRng *rng, PetscInt n, PetscInt d, PetscBool sphere, float x[])
{
  PetscFunctionBegin;
  PetscCall(PdJetFillNormal(rng, n * d, x));
  for (PetscInt k = 0; k < n; k++) {
    float *xk = x + (size_t)k * d;
    double r2 = 0, r = sphere ? 1.0 : PdRngUniform(rng);
    float  f;
    _Pragma("omp simd reduction(+:r2)")
    for (PetscInt i = 0; i < d; i++) r2 += (double)xk[i] * xk[i];
    f = (float)(r / PetscSqrtReal(PetscMax(r2, 1e-300)));
    _Pragma("omp simd")
    for (PetscInt i = 0; i < d; i++) xk[i] *= f;
  }
  PetscFunctionReturn(0);
}

/* ---------------- the model ---------------- */

/* jets of u = (1 - |x|^2) N(x) (hard boundary) or N(x) (penalty) */
PetscErrorCode PdPinnJetModel(void *ctx, PdTape tape, const PdJetSeed *seed, PetscInt K, PdJet *out)
{
  PdPinn p = (PdPinn)ctx;

  PetscFunctionBegin;
  PetscCall(NOpJetForward(p->nop, tape, seed, K, out));
  if (p->bc == PD_PINN_HARD) {
    PdJet q;
    PetscCall(PdJetSeedSquaredNorm(seed, tape, K, 1.0, -1.0, &q));
    PetscCall(PdJetMul(&q, out, out));
  }
  PetscFunctionReturn(0);
}

/* u [B] at the points x [B, d] of a tape (primal only) */
static PetscErrorCode PrimalForward(PdPinn p, PdTensor x, PdTensor *u)
{
  PetscInt B = x->shape[0];
  PdTensor y;

  PetscFunctionBegin;
  PetscCall(NOpForward(p->nop, x->tape, x, &y));
  PetscCall(PdReshape(y, 1, &B, &y));
  if (p->bc == PD_PINN_HARD) {
    PdTensor f;
    PetscCall(PdTapeInput(x->tape, 1, &B, &f));
    for (PetscInt b = 0; b < B; b++) {
      double r2 = 0;
      for (PetscInt i = 0; i < p->d; i++) r2 += (double)x->data[b * p->d + i] * x->data[b * p->d + i];
      f->data[b] = (float)(1.0 - r2);
    }
    PetscCall(PdMul(y, f, &y));
  }
  *u = y;
  PetscFunctionReturn(0);
}

/* Kaiming-uniform from the Glorot-uniform draws: a weight [out, in] drawn from U(+-sqrt(6/(in+out)))
   scaled by (1/sqrt(in)) / sqrt(6/(in+out)) is a draw from U(+-1/sqrt(in)); a bias [n], zero in the
   mlp, is drawn from U(+-1/sqrt(n)) on its own stream (the reference code's variance scaling, whose
   fan-in of a vector is its length: U(+-1) for the output's bias) */
static PetscErrorCode ApplyInit(PdPinn p)
{
  PdParams params;
  PetscInt n;
  PdRng    r;

  PetscFunctionBegin;
  if (p->init == PD_PINN_INIT_GLOROT) PetscFunctionReturn(0);
  PetscCall(PdRngSeed(&r, (uint64_t)p->seed, PD_RNG_STREAM_PINN_BIAS));
  PetscCall(NOpGetParams(p->nop, &params));
  PetscCall(PdParamsGetNumber(params, &n));
  for (PetscInt k = 0; k < n; k++) {
    PdTensor w;
    PetscCall(PdParamsGetTensor(params, k, &w));
    if (w->ndim == 2) {
      const double in = (double)w->shape[1], out = (double)w->shape[0];
      const float  f = (float)(PetscSqrtReal((in + out) / (6.0 * in)));
      for (PetscInt i = 0; i < w->size; i++) w->data[i] *= f;
    } else {
      const double a = 1.0 / PetscSqrtReal((double)w->size);
      for (PetscInt i = 0; i < w->size; i++) w->data[i] = (float)(a * (2.0 * PdRngUniform(&r) - 1.0));
    }
  }
  PetscFunctionReturn(0);
}

/* the model's parameters, Adam and the linear schedule; requires the problem */
static PetscErrorCode BuildModel(PdPinn p, PetscBool fromoptions)
{
  PetscFunctionBegin;
  PetscCall(NOpDestroy(&p->nop));
  PetscCall(PdOptimDestroy(&p->optim));
  PetscCall(PdPinnCreateMLP(p->comm, p->d, 128, p->depth, p->seed, fromoptions, &p->nop, &p->optim));
  PetscCall(ApplyInit(p));
  PetscCall(PdOptimSetSchedule(p->optim, PD_SCHEDULE_LINEAR, PetscMax(p->iters, 1), 1, 1.0));
  if (fromoptions) {
    PetscCall(PdOptimSetFromOptions(p->optim));
    PetscCall(PdOptimWarnInapplicable(p->optim));
  }
  PetscFunctionReturn(0);
}

/*@
  PdPinnSetFromOptions - the problem, estimator, training and model options (see pinn.h)
@*/
PetscErrorCode PdPinnSetFromOptions(PdPinn p)
{
  PetscInt  pde = p->pde, sol = p->sol, bc = p->bc, est = p->est, dist, seed = (PetscInt)p->seed, pseed = (PetscInt)p->problem_seed, init, protocol = p->protocol, rhs = p->rhs;
  PetscBool distset = PETSC_FALSE, set;
  /* -stde_dist's names in the order of the issue; pairs is not a Laplacian distribution */
  const char *dists[] = {"rademacher", "gaussian", "sparse"};
  PdDirDist   dmap[]  = {PD_DIR_RADEMACHER, PD_DIR_GAUSSIAN, PD_DIR_SPARSE};

  PetscFunctionBegin;
  dist = p->dist == PD_DIR_RADEMACHER ? 0 : (p->dist == PD_DIR_GAUSSIAN ? 1 : 2);
  PetscOptionsBegin(p->comm, NULL, "pdeop pinn: physics-informed networks on the unit ball of R^d", "PdPinn");
  PetscCall(PdOptionsEList("-protocol", "Defaults: default (4 hidden layers, Glorot) or stde (the STDE paper's: 3 hidden layers, Kaiming-uniform, -eval_every 1000); the other options win", "PdPinnSetProtocol", PdPinnProtocols, 2, PdPinnProtocols[protocol], &protocol, &set));
  if (set) PetscCall(PdPinnSetProtocol(p, (PdPinnProtocol)protocol));
  init = p->init;
  PetscCall(PdOptionsEList("-pde", "PDE: -Delta u = g, Delta u + u - u^3 = g, Delta u + sin u = g", "PdPinnSetFromOptions", PdPinnPDEs, 3, PdPinnPDEs[pde], &pde, NULL));
  PetscCall(PdOptionsEList("-solution", "Exact solution (1 - |x|^2) sum_i c_i f(x_i, x_i+1[, x_i+2])", "PdPinnSetFromOptions", PdPinnSolutions, 2, PdPinnSolutions[sol], &sol, NULL));
  PetscCall(PdOptionsInt("-dim", "Dimension d", "PdPinnSetFromOptions", p->d, &p->d, NULL));
  PetscCall(PdOptionsInt("-seed", "Seed of the initialisation, the sampling, the test points (and the coefficients c_i unless -pinn_problem_seed)", "PdPinnSetFromOptions", seed, &seed, NULL));
  PetscCall(PdOptionsInt("-pinn_problem_seed", "Seed of the coefficients c_i alone (-1: -seed's), so that several -seed runs train on one problem, as the STDE paper's seeds do", "PdPinnSetProblemSeed", pseed, &pseed, NULL));
  PetscCall(PdOptionsEList("-estimator", "Laplacian: exact (all axes), sdgd (random axes per step), stde (random directions per point)", "PdPinnSetFromOptions", PdEstimatorTypes, 3, PdEstimatorTypes[est], &est, NULL));
  PetscCall(PdOptionsEList("-stde_dist", "Directions of -estimator stde", "PdPinnSetFromOptions", dists, 3, dists[dist], &dist, &distset));
  PetscCall(PdOptionsInt("-stde_dirs", "Directions per point (stde) or axes per step (sdgd)", "PdPinnSetFromOptions", p->V, &p->V, NULL));
  PetscCall(PdOptionsInt("-batch", "Residual points per iteration", "PdPinnSetFromOptions", p->batch, &p->batch, NULL));
  PetscCall(PdTrainerOptionSteps(PetscOptionsObject, p->comm, "PdPinnSetFromOptions", &p->iters));
  PetscCall(PdOptionsEList("-boundary", "Boundary condition u = 0 on |x| = 1: hard (u = (1 - |x|^2) N(x)) or penalty", "PdPinnSetFromOptions", PdPinnBoundaries, 2, PdPinnBoundaries[bc], &bc, NULL));
  PetscCall(PdOptionsReal("-boundary_weight", "Weight of the boundary penalty (the initial one with annealing)", "PdPinnSetFromOptions", p->lw.weight0, &p->lw.weight0, NULL));
  PetscCall(PdPinnLossWeightOptions(PetscOptionsObject, &p->lw));
  PetscCall(PdOptionsInt("-boundary_batch", "Boundary points per iteration (penalty)", "PdPinnSetFromOptions", p->bbatch, &p->bbatch, NULL));
  PetscCall(PdOptionsInt("-test_points", "Held-out points for the relative L2 error, drawn once per run (the same at every evaluation; at most 2e8/d)", "PdPinnSetFromOptions", p->test_points, &p->test_points, NULL));
  PetscCall(PdOptionsInt("-eval_every", "Test error every N steps, its minimum reported as rel_l2_min (0: only at the end)", "PdPinnSetEvalEvery", p->eval_every, &p->eval_every, NULL));
  PetscCall(PdOptionsEList("-pinn_init", "Initial weights: glorot-uniform (biases zero) or kaiming-uniform (weights U(+-1/sqrt(fan_in)), biases U(+-1/sqrt(length)), the STDE code's)", "PdPinnSetInit", PdPinnInits, 2, PdPinnInits[init], &init, NULL));
  PetscCall(PdOptionsEList("-pinn_rhs", "Right-hand side: exact (g = L u*) or reference-code (three-body: the STDE reference code's g, which is not L u*, to compare with the paper)", "PdPinnSetRHS", PdPinnRHSTypes, 2, PdPinnRHSTypes[rhs], &rhs, NULL));
  PetscCall(PdOptionsInt("-jet_max_rows", "Largest jet batch (directions x points) in one graph; more is taken in chunks", "PdPinnSetFromOptions", p->max_rows, &p->max_rows, NULL));
  PetscOptionsEnd();
  p->pde  = (PdPinnPDE)pde;
  p->sol  = (PdPinnSolution)sol;
  p->bc   = (PdPinnBoundary)bc;
  p->est  = (PdEstimatorType)est;
  p->dist = p->est == PD_EST_STDE ? dmap[dist] : PD_DIR_SPARSE;
  p->seed = seed;
  p->init = (PdPinnInit)init;
  p->rhs  = (PdPinnRHSType)rhs;
  PetscCheck(pseed >= -1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-pinn_problem_seed must be non-negative (or -1: -seed's), got %" PetscInt_FMT, pseed);
  p->problem_seed = pseed;
  PetscCall(PdPinnSetEvalEvery(p, p->eval_every));
  PetscCheck(seed >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative, got %" PetscInt_FMT, seed);
  PetscCall(PdPinnCheckProblem(p));
  PetscCheck(!(distset && p->est != PD_EST_STDE && dmap[dist] != PD_DIR_SPARSE), p->comm, PETSC_ERR_ARG_INCOMP, "-stde_dist %s needs -estimator stde (%s sums over coordinate axes)", dists[dist], PdEstimatorTypes[p->est]);
  PetscCheck(p->V >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-stde_dirs must be at least 1, got %" PetscInt_FMT, p->V);
  PetscCheck(p->est != PD_EST_SDGD || p->V <= p->d, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-stde_dirs %" PetscInt_FMT " is more than -dim %" PetscInt_FMT ": sdgd draws that many of the d axes without replacement (-stde_dirs %" PetscInt_FMT " is the exact Laplacian)", p->V, p->d, p->d);
  PetscCheck(p->batch >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-batch must be at least 1, got %" PetscInt_FMT, p->batch);
  PetscCheck(p->iters >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-iters must be non-negative, got %" PetscInt_FMT, p->iters);
  PetscCheck(p->lw.weight0 >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-boundary_weight must be non-negative, got %g", p->lw.weight0);
  PetscCall(PdPinnLossWeightCheck(p->comm, &p->lw));
  PetscCheck(p->lw.mode == PD_PINN_WEIGHTS_FIXED || p->bc == PD_PINN_PENALTY, p->comm, PETSC_ERR_ARG_INCOMP, "-pinn_weights annealing balances the residual against the boundary penalty: give -boundary penalty too (the hard boundary has one loss term)");
  PetscCheck(p->bbatch >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-boundary_batch must be at least 1, got %" PetscInt_FMT, p->bbatch);
  PetscCheck(p->test_points >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-test_points must be at least 1, got %" PetscInt_FMT, p->test_points);
  PetscCheck(p->max_rows >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-jet_max_rows must be at least 1, got %" PetscInt_FMT, p->max_rows);
  PetscCall(PdPinnDrawCoefficients(p));
  PetscCall(BuildModel(p, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/*@ PdPinnSetUp - the model (if not built by PdPinnSetFromOptions), operator and sampling stream @*/
PetscErrorCode PdPinnSetUp(PdPinn p)
{
  PetscMPIInt size;

  PetscFunctionBegin;
  if (p->setup) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_size(p->comm, &size));
  PetscCheck(p->batch >= size, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-batch %" PetscInt_FMT " is smaller than the %d MPI ranks that share its points: give at least one point per rank", p->batch, size);
  if (!p->c) PetscCall(PdPinnDrawCoefficients(p));
  if (!p->nop) PetscCall(BuildModel(p, PETSC_FALSE));
  PetscCall(PdDiffOpLaplacian(p->dist, &p->op));
  PetscCall(PdRngSeed(&p->rng, (uint64_t)p->seed, PD_RNG_STREAM_PINN_POINTS));
  p->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* ---------------- evaluation, prediction ---------------- */

static PetscErrorCode PrimalForwardCtx(void *ctx, PdTensor x, PdTensor *u)
{
  PetscFunctionBegin;
  PetscCall(PrimalForward((PdPinn)ctx, x, u));
  PetscFunctionReturn(0);
}

/* u at n points, in chunks on the evaluation tape */
static PetscErrorCode PredictChunked(PdPinn p, PetscInt n, const float *x, float *u)
{
  PetscInt chunk = PetscMax(1, PetscMin(1000, (PetscInt)(4194304 / p->d)));

  PetscFunctionBegin;
  PetscCall(PdPinnPredictChunks(p->etape, p->d, chunk, n, x, u, PrimalForwardCtx, p));
  PetscFunctionReturn(0);
}

/*@ PdPinnPredict - the network's u at n points x [n, d] @*/
PetscErrorCode PdPinnPredict(PdPinn p, PetscInt n, const float x[], float u[])
{
  PetscFunctionBegin;
  PetscCheck(p->nop, p->comm, PETSC_ERR_ARG_WRONGSTATE, "The PINN has no model yet");
  PetscCall(PredictChunked(p, n, x, u));
  PetscFunctionReturn(0);
}

/*@ PdPinnEvaluate - relative L2 error on n held-out points (stream (seed, 202)); 0 takes -test_points
  capped at max(1000, 2e8/d), the run's test set (the same points at every call), and updates the
  minimum of PdPinnGetErrorMin @*/
PetscErrorCode PdPinnEvaluate(PdPinn p, PetscInt n, double *rel)
{
  PdRng     r;
  PetscInt  chunk = PetscMax(1, PetscMin(1000, (PetscInt)(4194304 / p->d)));
  float    *x, *u;
  double    num = 0, den = 0;
  PetscBool test_set = (PetscBool)(n <= 0);

  PetscFunctionBegin;
  PetscCall(PdPinnSetUp(p));
  if (n <= 0) n = PetscMin(p->test_points, PetscMax(1000, (PetscInt)(2e8 / (double)p->d)));
  PetscCall(PdRngSeed(&r, (uint64_t)p->seed, PD_RNG_STREAM_PINN_TEST));
  PetscCall(PetscMalloc2((size_t)chunk * p->d, &x, chunk, &u));
  for (PetscInt k0 = 0; k0 < n; k0 += chunk) {
    PetscInt m = PetscMin(chunk, n - k0);
    PetscCall(PdPinnSampleBall(&r, m, p->d, PETSC_FALSE, x));
    PetscCall(PredictChunked(p, m, x, u));
    for (PetscInt k = 0; k < m; k++) {
      double ue;
      PdPinnExactPoint(p, x + (size_t)k * p->d, &ue, NULL);
      num += (u[k] - ue) * (u[k] - ue);
      den += ue * ue;
    }
  }
  PetscCall(PetscFree2(x, u));
  p->rel_l2    = den > 0 ? PetscSqrtReal(num / den) : PetscSqrtReal(num);
  p->test_used = n;
  *rel         = p->rel_l2;
  if (test_set && (p->rel_l2_min < 0 || p->rel_l2 < p->rel_l2_min)) {
    PetscInt64 k;
    PetscCall(PdOptimGetStepCount(p->optim, &k));
    p->rel_l2_min      = p->rel_l2;
    p->rel_l2_min_iter = (PetscInt)k;
  }
  PetscFunctionReturn(0);
}

/*@ PdPinnSaveTestPoints - the held-out points of PdPinnEvaluate(p, n) as /points [n, d] @*/
PetscErrorCode PdPinnSaveTestPoints(PdPinn p, PetscInt n, const char file[])
{
  PdRng       r;
  PetscInt    chunk = PetscMax(1, PetscMin(1000, (PetscInt)(4194304 / p->d))), shape[2];
  float      *x;
  const char *names[1] = {"points"};
  PdDict      attrs;

  PetscFunctionBegin;
  if (n <= 0) n = PetscMin(p->test_points, PetscMax(1000, (PetscInt)(2e8 / (double)p->d)));
  PetscCall(PdRngSeed(&r, (uint64_t)p->seed, PD_RNG_STREAM_PINN_TEST));
  PetscCall(PetscMalloc1((size_t)n * p->d, &x));
  for (PetscInt k0 = 0; k0 < n; k0 += chunk) PetscCall(PdPinnSampleBall(&r, PetscMin(chunk, n - k0), p->d, PETSC_FALSE, x + (size_t)k0 * p->d));
  shape[0] = n;
  shape[1] = p->d;
  PetscCall(PdDictCreate(&attrs));
  PetscCall(PdDictSetString(attrs, "sampling", "x = r g/|g|, g ~ N(0, I), r ~ U[0, 1]"));
  {
    const float *data[1] = {x};
    PetscCall(PdH5WriteFields(p->comm, file, 1, names, data, 2, shape, attrs));
  }
  PetscCall(PdDictDestroy(&attrs));
  PetscCall(PetscFree(x));
  PetscFunctionReturn(0);
}

/*@ PdPinnReport - rel_l2, s_per_iter, peak_memory_mb, iters and the set-up in a dictionary @*/
PetscErrorCode PdPinnReport(PdPinn p, PdDict report)
{
  struct rusage ru;
  PetscInt      np;
  PdDict        meta;
  PetscInt64    w, dep;

  PetscFunctionBegin;
  if (getrusage(RUSAGE_SELF, &ru)) ru.ru_maxrss = 0;
  PetscCall(NOpGetParamCount(p->nop, &np));
  PetscCall(PdDictCreate(&meta));
  PetscCall(NOpGetMeta(p->nop, meta));
  PetscCall(PdDictGetInt(meta, "mlp_width", &w));
  PetscCall(PdDictGetInt(meta, "mlp_depth", &dep));
  PetscCall(PdDictDestroy(&meta));
  if (p->rel_l2 >= 0) PetscCall(PdDictSetReal(report, "rel_l2", p->rel_l2));
  if (p->rel_l2_min >= 0) {
    PetscCall(PdDictSetReal(report, "rel_l2_min", p->rel_l2_min));
    PetscCall(PdDictSetInt(report, "rel_l2_min_iter", p->rel_l2_min_iter));
  }
  {
    double   wall, cpu;
    PetscInt steps;
    PetscCall(PdPinnRunTimes(p, &wall, &cpu, &steps));                         /* the run's steps, a resumed checkpoint's included */
    if (steps) {                                                               /* none timed (-iters 0, or a finished checkpoint older than its timing keys): no rate */
      PetscCall(PdDictSetReal(report, "s_per_iter", wall / (double)steps));    /* the training steps alone */
      PetscCall(PdDictSetReal(report, "cpu_s_per_iter", cpu / (double)steps)); /* robust to other load */
    }
    PetscCall(PdDictSetInt(report, "timed_iters", steps)); /* the steps these cover */
    PetscCall(PdDictSetReal(report, "train_time_s", wall));
  }
  PetscCall(PdDictSetReal(report, "peak_memory_mb", (double)ru.ru_maxrss / 1024.0)); /* Linux: KiB */
  PetscCall(PdDictSetReal(report, "eval_time_s", p->eval_time));                     /* the test evaluations (not in s_per_iter) */
  PetscCall(PdDictSetReal(report, "checkpoint_time_s", p->save_time));               /* the checkpoints written during training (not in s_per_iter) */
  PetscCall(PdDictSetInt(report, "iters", p->it));
  if (p->loss_known) PetscCall(PdDictSetReal(report, "loss", p->loss));
  PetscCall(PdDictSetString(report, "pde", PdPinnPDEs[p->pde]));
  PetscCall(PdDictSetString(report, "solution", PdPinnSolutions[p->sol]));
  PetscCall(PdDictSetString(report, "pinn_rhs", PdPinnRHSTypes[p->rhs]));
  PetscCall(PdDictSetInt(report, "dim", p->d));
  PetscCall(PdDictSetInt(report, "problem_seed", p->problem_seed >= 0 ? p->problem_seed : p->seed));
  PetscCall(PdDictSetString(report, "estimator", PdEstimatorTypes[p->est]));
  if (p->est == PD_EST_STDE) PetscCall(PdDictSetString(report, "stde_dist", PdDirDists[p->dist]));
  if (p->est != PD_EST_EXACT) PetscCall(PdDictSetInt(report, "stde_dirs", p->V));
  PetscCall(PdDictSetInt(report, "batch", p->batch));
  if (p->bc == PD_PINN_PENALTY) {
    PetscCall(PdDictSetReal(report, "boundary_weight", p->lw.weight)); /* the last one, with annealing */
    PetscCall(PdDictSetString(report, "pinn_weights", PdPinnWeightsTypes[p->lw.mode]));
  }
  PetscCall(PdDictSetString(report, "boundary", PdPinnBoundaries[p->bc]));
  {
    PetscInt64 seed;
    PetscCall(NOpGetSeed(p->nop, &seed)); /* the model's: the PINN's -seed */
    PetscCall(PdDictSetInt(report, "seed", seed));
  }
  PetscCall(PdDictSetInt(report, "width", w));
  PetscCall(PdDictSetInt(report, "depth", dep));
  PetscCall(PdDictSetInt(report, "params", np));
  PetscCall(PdDictSetString(report, "pinn_init", PdPinnInits[p->init]));
  if (p->eval_every) PetscCall(PdDictSetInt(report, "eval_every", p->eval_every));
  if (p->test_used) PetscCall(PdDictSetInt(report, "test_points", p->test_used));
  PetscFunctionReturn(0);
}
