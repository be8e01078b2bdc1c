/* Tests of the high-dimensional PINN problems: closed-form Laplacians of the exact solutions against
   finite differences, sampling of the ball, chunked gradient accumulation against one graph, the
   checkpoint round trip with the coefficients, and a short d = 10 Poisson run reaching a small error. */
#include "pdtest.h"
#include <pdeop/pinn.h>

/* the exact solutions written out again in double, independently of solvers/train/impls/pinn_ball/pinn.c */
typedef struct {
  PetscInt      d, three;
  const double *c;
} Exact;

static double ExactU(const Exact *e, const double *x)
{
  double r2 = 0, s = 0;
  for (PetscInt i = 0; i < e->d; i++) r2 += x[i] * x[i];
  if (!e->three)
    for (PetscInt i = 0; i + 1 < e->d; i++) s += e->c[i] * sin(x[i] + cos(x[i + 1]) + x[i + 1] * cos(x[i]));
  else
    for (PetscInt i = 0; i + 2 < e->d; i++) s += e->c[i] * exp(x[i] * x[i + 1] * x[i + 2]);
  return (1 - r2) * s;
}

static void test_exact_laplacians(void **state)
{
  const PetscInt d = 6, n = 4;
  for (int three = 0; three < 2; three++) {
    PdPinn        p;
    PdRng         rng;
    float         x[24];
    double        u[4], lap[4];
    const double *c;
    PetscInt      nc;
    Exact         e;
    PDT(PdPinnCreate(PETSC_COMM_SELF, &p));
    PDT(PdPinnSetProblem(p, PD_PINN_POISSON, three ? PD_PINN_THREE_BODY : PD_PINN_TWO_BODY, d, 5));
    PDT(PdPinnGetCoefficients(p, &nc, &c));
    assert_int_equal(nc, three ? d - 2 : d - 1);
    e = (Exact){d, three, c};
    PdRngSeed(&rng, 3, 3);
    PDT(PdPinnSampleBall(&rng, n, d, PETSC_FALSE, x));
    PDT(PdPinnExactSolution(p, n, x, u, lap));
    for (PetscInt k = 0; k < n; k++) {
      double xd[6], y[6], fd = 0, h = 1e-3, r2 = 0;
      for (PetscInt i = 0; i < d; i++) {
        xd[i] = x[k * d + i];
        r2 += xd[i] * xd[i];
      }
      assert_true(r2 <= 1.0 + 1e-6);
      PDT_CLOSE(u[k], ExactU(&e, xd), 1e-5 * (1 + fabs(u[k])));
      for (PetscInt i = 0; i < d; i++) {
        double fp, fm;
        for (PetscInt j = 0; j < d; j++) y[j] = xd[j];
        y[i] = xd[i] + h;
        fp   = ExactU(&e, y);
        y[i] = xd[i] - h;
        fm   = ExactU(&e, y);
        fd += (fp - 2 * ExactU(&e, xd) + fm) / (h * h);
      }
      PDT_CLOSE(lap[k], fd, 1e-4 * (1 + fabs(fd)));
    }
    PDT(PdPinnDestroy(&p));
  }
}

/* -pinn_rhs reference-code: the STDE reference code's three-body "Laplacian" written out as that code
   builds it (per coordinate j, D_j = sum of the e_i = c_i exp(x_i x_{i+1} x_{i+2}) whose triple holds j,
   used as both first and second derivative of s; then sum_j (u1 D_j + 2 (-2 x_j) D_j) - 2 d s), and it
   differs from the true Laplacian (which test_exact_laplacians checks against finite differences);
   the two-body solution refuses it */
static void test_reference_code_rhs(void **state)
{
  const PetscInt d = 7, n = 3;
  PdPinn         p, q;
  PdRng          rng;
  float          x[21];
  double         u[3], lap[3], ut[3], lapt[3];
  const double  *c;
  PetscInt       nc;

  PDT(PdPinnCreate(PETSC_COMM_SELF, &p));
  PDT(PdPinnSetProblem(p, PD_PINN_POISSON, PD_PINN_THREE_BODY, d, 5));
  PDT(PdPinnSetRHS(p, PD_PINN_RHS_REFERENCE_CODE));
  PDT(PdPinnCreate(PETSC_COMM_SELF, &q));
  PDT(PdPinnSetProblem(q, PD_PINN_POISSON, PD_PINN_THREE_BODY, d, 5));
  PDT(PdPinnGetCoefficients(p, &nc, &c));
  PdRngSeed(&rng, 4, 4);
  PDT(PdPinnSampleBall(&rng, n, d, PETSC_FALSE, x));
  PDT(PdPinnExactSolution(p, n, x, u, lap));
  PDT(PdPinnExactSolution(q, n, x, ut, lapt));
  for (PetscInt k = 0; k < n; k++) {
    const float *xk   = x + k * d;
    double       D[7] = {0}, s = 0, u1 = 1, ff = 0;
    for (PetscInt j = 0; j < d; j++) u1 -= (double)xk[j] * xk[j];
    for (PetscInt i = 0; i + 2 < d; i++) {
      double e = c[i] * exp((double)xk[i] * xk[i + 1] * xk[i + 2]);
      s += e;
      D[i] += e, D[i + 1] += e, D[i + 2] += e;
    }
    for (PetscInt j = 0; j < d; j++) ff += u1 * D[j] + 2 * (-2 * (double)xk[j]) * D[j] - 2 * s;
    PDT_CLOSE(u[k], ut[k], 1e-12 * (1 + fabs(ut[k]))); /* the solution is the same */
    PDT_CLOSE(lap[k], ff, 1e-5 * (1 + fabs(ff)));
    assert_true(fabs(lap[k] - lapt[k]) > 1e-3 * (1 + fabs(lapt[k])));
  }
  PDT(PdPinnDestroy(&q));
  PDT(PdPinnDestroy(&p));
  PDT(PdPinnCreate(PETSC_COMM_SELF, &p));
  PDT(PdPinnSetProblem(p, PD_PINN_POISSON, PD_PINN_TWO_BODY, d, 5));
  PDT_FAILS(PdPinnSetRHS(p, PD_PINN_RHS_REFERENCE_CODE));
  PDT_ERRMSG_HAS("-solution three-body");
  PDT(PdPinnDestroy(&p));
}

/* the sampling of the STDE paper: a Gaussian direction and a radius uniform in [0, 1] */
static void test_ball_sampling(void **state)
{
  const PetscInt d = 50, n = 4000;
  float         *x;
  PdRng          rng;
  double         mr = 0, mr2 = 0, m0 = 0, m02 = 0;
  PetscMalloc1(n * d, &x);
  PdRngSeed(&rng, 9, 9);
  PDT(PdPinnSampleBall(&rng, n, d, PETSC_FALSE, x));
  for (PetscInt k = 0; k < n; k++) {
    double r2 = 0;
    for (PetscInt i = 0; i < d; i++) r2 += (double)x[k * d + i] * x[k * d + i];
    mr += sqrt(r2) / n;
    mr2 += r2 / n;
    m0 += x[k * d] / n;
    m02 += (double)x[k * d] * x[k * d] / n;
  }
  PDT_CLOSE(mr, 0.5, 0.015);        /* E r = 1/2 */
  PDT_CLOSE(mr2, 1.0 / 3.0, 0.015); /* E r^2 = 1/3 */
  PDT_CLOSE(m0, 0.0, 0.01);
  PDT_CLOSE(m02, 1.0 / (3.0 * d), 0.002); /* isotropic: E x_1^2 = E r^2 / d */
  PDT(PdPinnSampleBall(&rng, 10, d, PETSC_TRUE, x));
  for (PetscInt k = 0; k < 10; k++) {
    double r2 = 0;
    for (PetscInt i = 0; i < d; i++) r2 += (double)x[k * d + i] * x[k * d + i];
    PDT_CLOSE(r2, 1.0, 1e-5);
  }
  PetscFree(x);
}

static PetscErrorCode SetOptions(const char *opts)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscFunctionReturn(0);
}

static PetscErrorCode MakePinn(const char *opts, PdPinn *p)
{
  PetscFunctionBegin;
  PetscCall(SetOptions(opts));
  PetscCall(PdPinnCreate(PETSC_COMM_SELF, p));
  PetscCall(PdPinnSetFromOptions(*p));
  PetscCall(PdPinnSetUp(*p));
  PetscCall(PetscOptionsClear(NULL));
  PetscFunctionReturn(0);
}

/* the two networks solve the same problem: the same coefficients c_i, bit for bit */
static void AssertSameCoefficients(PdPinn a, PdPinn b)
{
  const double *ca, *cb;
  PetscInt      na, nb;

  PDT(PdPinnGetCoefficients(a, &na, &ca));
  PDT(PdPinnGetCoefficients(b, &nb, &cb));
  assert_int_equal(na, nb);
  for (PetscInt i = 0; i < na; i++) assert_true(ca[i] == cb[i]);
}

/* whether the two networks give bit for bit the same values at n points of the unit ball of R^d
   drawn from stream (seed, seed) */
static PetscBool SamePredictions(PdPinn a, PdPinn b, PetscInt n, PetscInt d, uint64_t seed)
{
  float    *x, *ua, *ub;
  PdRng     rng;
  PetscBool same = PETSC_TRUE;

  PDT(PetscMalloc3(n * d, &x, n, &ua, n, &ub));
  PDT(PdRngSeed(&rng, seed, seed));
  PDT(PdPinnSampleBall(&rng, n, d, PETSC_FALSE, x));
  PDT(PdPinnPredict(a, n, x, ua));
  PDT(PdPinnPredict(b, n, x, ub));
  for (PetscInt i = 0; i < n; i++) same = (PetscBool)(same && ua[i] == ub[i]);
  PDT(PetscFree3(x, ua, ub));
  return same;
}

/* taking the exact Laplacian in chunks of directions (two passes, -jet_max_rows) gives the same
   gradient as one graph: two small SGD steps from the same state move the network's values by the
   same amounts */
static void test_chunked_gradient(void **state)
{
  const char *pdes[] = {"poisson", "allen-cahn", "sine-gordon"};
  for (int k = 0; k < 3; k++) {
    char   opts[512];
    PdPinn a, b, z;
    float  ua[16], ub[16], u0[16], x[16 * 6];
    PdRng  rng;
    double dmax = 0;
    for (int run = 0; run < 3; run++) {
      PetscSNPrintf(opts, sizeof(opts), "-pde %s -dim 6 -estimator exact -batch 5 -iters %d -mlp_width 16 -mlp_depth 2 -optim sgd -lr 1e-5 -lr_schedule constant -boundary %s -boundary_batch 4 -jet_max_rows %d", pdes[k], run == 2 ? 0 : 2, k == 1 ? "penalty" : "hard", run == 1 ? 10 : 100000);
      PDT(MakePinn(opts, run == 0 ? &a : (run == 1 ? &b : &z)));
      PDT(PdPinnTrain(run == 0 ? a : (run == 1 ? b : z), NULL));
    }
    PdRngSeed(&rng, 4, 4);
    PDT(PdPinnSampleBall(&rng, 16, 6, PETSC_FALSE, x));
    PDT(PdPinnPredict(a, 16, x, ua));
    PDT(PdPinnPredict(b, 16, x, ub));
    PDT(PdPinnPredict(z, 16, x, u0));
    for (PetscInt i = 0; i < 16; i++) dmax = PetscMax(dmax, fabs(ua[i] - u0[i]));
    assert_true(dmax > 1e-4); /* the steps moved the network */
    for (PetscInt i = 0; i < 16; i++) PDT_CLOSE(ub[i] - u0[i], ua[i] - u0[i], 2e-3 * dmax);
    PDT(PdPinnDestroy(&a));
    PDT(PdPinnDestroy(&b));
    PDT(PdPinnDestroy(&z));
  }
}

/* a short d = 10 Poisson run reaches a small error; the checkpoint rebuilds the same network and
   the same problem (coefficients c) */
static void test_train_and_checkpoint(void **state)
{
  PdPinn p, q;
  double rel, rel2;
  PdDict r;
  PDT(MakePinn("-pde poisson -dim 10 -iters 300 -batch 50 -stde_dirs 8 -mlp_width 64 -seed 2", &p));
  PDT(PdPinnTrain(p, NULL));
  PDT(PdPinnEvaluate(p, 2000, &rel));
  print_message("  d = 10 Poisson, 300 iterations: relative L2 error %.3e\n", rel);
  if (!(rel < 0.08)) fail_msg("relative L2 error %g after 300 iterations (expected < 0.08)", rel);
  PDT(PdDictCreate(&r));
  PDT(PdPinnReport(p, r));
  {
    const char *keys[] = {"rel_l2", "s_per_iter", "peak_memory_mb", "iters"};
    for (int k = 0; k < 4; k++) {
      PetscBool has;
      PDT(PdDictHas(r, keys[k], &has));
      if (!has) fail_msg("report lacks %s", keys[k]);
    }
  }
  PDT(PdDictDestroy(&r));
  PDT(PdPinnSave(p, "pinn_test.h5"));
  PDT(PdPinnLoad(PETSC_COMM_SELF, "pinn_test.h5", &q));
  AssertSameCoefficients(p, q);
  assert_true(SamePredictions(p, q, 50, 10, 5));
  PDT(PdPinnEvaluate(q, 2000, &rel2));
  PDT_CLOSE(rel2, rel, 1e-12);
  {
    PetscBool is;
    PDT(PdPinnIsCheckpoint(PETSC_COMM_SELF, "pinn_test.h5", &is));
    assert_true(is);
  }
  PDT(PdPinnDestroy(&p));
  PDT(PdPinnDestroy(&q));
  remove("pinn_test.h5");
}

/* -pinn_problem_seed draws the coefficients alone: seed 3 with problem seed 1 solves seed 1's problem
   (the same c_i, bit for bit) with seed 3's network (other initial outputs); the checkpoint keeps
   both seeds */
static void test_problem_seed(void **state)
{
  PdPinn a, b, q;
  PDT(MakePinn("-pde poisson -dim 6 -iters 0 -seed 1", &a));
  PDT(MakePinn("-pde poisson -dim 6 -iters 0 -seed 3 -pinn_problem_seed 1", &b));
  AssertSameCoefficients(a, b);
  assert_false(SamePredictions(a, b, 20, 6, 5)); /* another network */
  PDT(PdPinnSave(b, "pinn_pseed.h5"));
  PDT(PdPinnLoad(PETSC_COMM_SELF, "pinn_pseed.h5", &q));
  AssertSameCoefficients(q, a);
  PDT_FAILS(PdPinnSetProblemSeed(q, -2));
  PDT_ERRMSG_HAS("non-negative");
  PDT(PdPinnDestroy(&a));
  PDT(PdPinnDestroy(&b));
  PDT(PdPinnDestroy(&q));
  remove("pinn_pseed.h5");
}

/* relative L2 error of a PINN on the run's test set, by hand: the n points of stream (seed, test)
   (one chunk: n <= 1000), the network's values and the closed form */
static double HandError(PdPinn p, PetscInt64 seed, PetscInt n, PetscInt d)
{
  float  *x, *u;
  double *ue, num = 0, den = 0;
  PdRng   rng;
  PetscMalloc3(n * d, &x, n, &u, n, &ue);
  PdRngSeed(&rng, (uint64_t)seed, PD_RNG_STREAM_PINN_TEST);
  PDT(PdPinnSampleBall(&rng, n, d, PETSC_FALSE, x));
  PDT(PdPinnPredict(p, n, x, u));
  PDT(PdPinnExactSolution(p, n, x, ue, NULL));
  for (PetscInt k = 0; k < n; k++) {
    num += (u[k] - ue[k]) * (u[k] - ue[k]);
    den += ue[k] * ue[k];
  }
  PetscFree3(x, u, ue);
  return sqrt(num / den);
}

/* -eval_every 1 over 3 steps: rel_l2_min is the smallest of the errors of the models after 1, 2 and
   3 steps, each rebuilt by a run of that many steps (constant learning rate, the same seed) and
   measured by hand; the evaluations do not change the training (same final network) */
static void test_error_min(void **state)
{
  const char *base = "-pde allen-cahn -dim 5 -batch 10 -stde_dirs 2 -mlp_width 8 -mlp_depth 1 -test_points 200 -lr 1 -lr_schedule constant -seed 3 -divergence_factor 0"; /* a rate so large that the error grows after the first step: the minimum is not the last */
  char        opts[512];
  PdPinn      a, b[3];
  double      hand[3], rmin, hmin = 1e300, rel;
  PetscInt    imin, hi = 0;
  PetscSNPrintf(opts, sizeof(opts), "%s -iters 3 -eval_every 1", base);
  PDT(MakePinn(opts, &a));
  PDT(PdPinnGetErrorMin(a, &rmin, &imin));
  assert_true(rmin < 0 && imin == 0); /* none yet */
  PDT(PdPinnTrain(a, NULL));
  PDT(PdPinnGetErrorMin(a, &rmin, &imin));
  for (int j = 0; j < 3; j++) {
    PetscSNPrintf(opts, sizeof(opts), "%s -iters %d", base, j + 1);
    PDT(MakePinn(opts, &b[j]));
    PDT(PdPinnTrain(b[j], NULL));
    hand[j] = HandError(b[j], 3, 200, 5);
    if (hand[j] < hmin) {
      hmin = hand[j];
      hi   = j + 1;
    }
  }
  print_message("  errors after 1, 2, 3 steps: %.6e %.6e %.6e; rel_l2_min %.6e at %d\n", hand[0], hand[1], hand[2], rmin, (int)imin);
  assert_true(hand[0] != hand[2]); /* the steps change the error */
  assert_true(hi < 3);
  PDT_CLOSE(rmin, hmin, 1e-9 * hmin);
  assert_int_equal(imin, hi);
  PDT(PdPinnEvaluate(a, 0, &rel)); /* the final model's error is the third's */
  PDT_CLOSE(rel, hand[2], 1e-9 * hand[2]);
  assert_true(SamePredictions(a, b[2], 20, 5, 6));
  {
    PdDict r;
    double v;
    PDT(PdDictCreate(&r));
    PDT(PdPinnReport(a, r));
    PDT(PdDictGetReal(r, "rel_l2_min", &v));
    assert_true(v == rmin);
    PDT(PdDictDestroy(&r));
  }
  PDT(PdPinnDestroy(&a));
  for (int j = 0; j < 3; j++) PDT(PdPinnDestroy(&b[j]));
}

/* the default schedule: lr = 1e-3 (1 - k/N) before step k, so 0 after the last step and 1e-3/N
   before it */
static void test_linear_schedule(void **state)
{
  PdPinn     p;
  PdOptim    o;
  double     lr;
  PetscInt64 k;
  PDT(MakePinn("-dim 5 -iters 4 -batch 4 -stde_dirs 2 -mlp_width 8 -mlp_depth 1 -test_points 10", &p));
  PDT(PdPinnGetOptim(p, &o));
  PDT(PdOptimGetLearningRate(o, &lr));
  PDT_CLOSE(lr, 1e-3, 1e-15);
  PDT(PdPinnTrain(p, NULL));
  PDT(PdOptimGetStepCount(o, &k));
  assert_int_equal(k, 4);
  PDT(PdOptimGetLearningRate(o, &lr));
  assert_true(lr == 0.0);
  PDT(PdOptimSetStepCount(o, 3)); /* the last step's rate */
  PDT(PdOptimGetLearningRate(o, &lr));
  PDT_CLOSE(lr, 2.5e-4, 1e-15);
  PDT(PdPinnDestroy(&p));
}

/* -protocol stde: 3 hidden layers of 128, weights U(+-1/sqrt(fan_in)) and biases U(+-1/sqrt(length))
   (the largest of 128 or more draws is within 4% of the bound); options given explicitly win */
static void test_protocol(void **state)
{
  const PetscInt d = 20;
  PdPinn         p;
  PetscInt       np;
  PdDict         r;
  PetscInt64     v;
  PDT(PdPinnCreate(PETSC_COMM_SELF, &p));
  PDT(PdPinnSetProtocol(p, PD_PINN_PROTOCOL_STDE));
  PDT(PdPinnSetProblem(p, PD_PINN_POISSON, PD_PINN_TWO_BODY, d, 4));
  PDT(PdPinnSetUp(p));
  PDT(PdDictCreate(&r));
  PDT(PdPinnReport(p, r));
  PDT(PdDictGetInt(r, "params", &v));
  np = (d + 1) * 128 + 2 * 129 * 128 + 129;
  assert_int_equal(v, np);
  PDT(PdDictGetInt(r, "eval_every", &v));
  assert_int_equal(v, 1000);
  PDT(PdDictDestroy(&r));
  {
    NOp      nop;
    PdParams params;
    PdTensor w;
    PetscInt n, nw = 0;
    PDT(PdPinnGetModel(p, &nop));
    PDT(NOpGetParams(nop, &params));
    PDT(PdParamsGetNumber(params, &n));
    for (PetscInt k = 0; k < n; k++) {
      double wmax = 0, bound;
      PDT(PdParamsGetTensor(params, k, &w));
      bound = 1.0 / sqrt((double)(w->ndim == 2 ? w->shape[1] : w->size)); /* a bias: its length */
      for (PetscInt i = 0; i < w->size; i++) wmax = PetscMax(wmax, fabs(w->data[i]));
      if (w->size >= 128) assert_true(wmax > 0.96 * bound); /* nearly the whole range: not the Glorot scale, not zero */
      assert_true(wmax <= bound * (1 + 1e-6));
      nw += w->ndim == 2;
    }
    assert_int_equal(nw, 4);
  }
  PDT(PdPinnDestroy(&p));
  /* explicit options win over the protocol's defaults */
  PDT(MakePinn("-protocol stde -dim 20 -mlp_depth 2 -eval_every 5 -pinn_init glorot-uniform", &p));
  PDT(PdDictCreate(&r));
  PDT(PdPinnReport(p, r));
  PDT(PdDictGetInt(r, "params", &v));
  assert_int_equal(v, (d + 1) * 128 + 129 * 128 + 129);
  PDT(PdDictGetInt(r, "eval_every", &v));
  assert_int_equal(v, 5);
  {
    const char *init;
    PDT(PdDictGetString(r, "pinn_init", &init));
    assert_string_equal(init, "glorot-uniform");
  }
  PDT(PdDictDestroy(&r));
  PDT(PdPinnDestroy(&p));
}

/* the estimators on the PINN ansatz u = (1 - |x|^2) N(x) in d = 10: the exact one against finite
   differences of the network's values, and stde with sparse, Rademacher and Gaussian directions (and
   sdgd) unbiased: the mean of 3000 draws within 4 standard errors of the exact Laplacian */
static void test_estimators_unbiased(void **state)
{
  const PetscInt d = 10, n = 3, N = 3000;
  const char    *cases[] = {"-estimator stde -stde_dist sparse", "-estimator stde -stde_dist rademacher", "-estimator stde -stde_dist gaussian", "-estimator sdgd"};
  const char    *base    = "-dim 10 -mlp_width 16 -mlp_depth 2 -stde_dirs 4 -seed 7";
  char           opts[256];
  float          x[30];
  double         exact[3];
  PdPinn         p;
  PdRng          rng;
  PdRngSeed(&rng, 11, 11);
  PDT(PdPinnSampleBall(&rng, n, d, PETSC_FALSE, x));
  PetscSNPrintf(opts, sizeof(opts), "%s -estimator exact", base);
  PDT(MakePinn(opts, &p));
  PDT(PdPinnLaplacianEstimate(p, n, x, 1, &rng, exact));
  for (PetscInt b = 0; b < n; b++) {
    const double h = 1e-2;
    float        xs[3 * 10], us[3];
    double       fd = 0;
    for (PetscInt i = 0; i < d; i++) {
      for (PetscInt k = 0; k < 3; k++) {
        for (PetscInt j = 0; j < d; j++) xs[k * d + j] = x[b * d + j];
        xs[k * d + i] += (float)((k - 1) * h);
      }
      PDT(PdPinnPredict(p, 3, xs, us));
      fd += ((double)us[0] - 2.0 * us[1] + us[2]) / (h * h);
    }
    print_message("  point %d: exact Laplacian %.6f, finite differences %.6f\n", (int)b, exact[b], fd);
    PDT_CLOSE(exact[b], fd, 2e-2 * (1 + fabs(fd)));
  }
  PDT(PdPinnDestroy(&p));
  for (int c = 0; c < 4; c++) {
    double m[3] = {0, 0, 0}, m2[3] = {0, 0, 0}, avg[3], one[3];
    PdRng  r1, r2;
    PetscSNPrintf(opts, sizeof(opts), "%s %s", base, cases[c]);
    PDT(MakePinn(opts, &p));
    PdRngSeed(&r1, 12 + c, 12);
    r2 = r1;
    for (PetscInt k = 0; k < N; k++) {
      PDT(PdPinnLaplacianEstimate(p, n, x, 1, &r1, one));
      for (PetscInt b = 0; b < n; b++) {
        m[b] += one[b] / N;
        m2[b] += one[b] * one[b] / N;
      }
    }
    PDT(PdPinnLaplacianEstimate(p, n, x, N, &r2, avg)); /* the same draws, averaged inside */
    for (PetscInt b = 0; b < n; b++) {
      double se = sqrt(PetscMax(m2[b] - m[b] * m[b], 0) / N);
      print_message("  %s, point %d: mean %.5f exact %.5f (standard error %.2e)\n", cases[c], (int)b, m[b], exact[b], se);
      assert_true(se > 0); /* a random estimate */
      PDT_CLOSE(m[b], exact[b], 4 * se + 1e-4 * (1 + fabs(exact[b])));
      PDT_CLOSE(avg[b], m[b], 1e-9 * (1 + fabs(m[b])));
    }
    PDT(PdPinnDestroy(&p));
  }
}

static void test_option_errors(void **state)
{
  PdPinn p;
  PDT(SetOptions("-dim 1"));
  PDT(PdPinnCreate(PETSC_COMM_SELF, &p));
  PDT_FAILS(PdPinnSetFromOptions(p));
  PDT_ERRMSG_HAS("-dim");
  PDT(PdPinnDestroy(&p));
  PDT(SetOptions("-estimator sdgd -stde_dist gaussian"));
  PDT(PdPinnCreate(PETSC_COMM_SELF, &p));
  PDT_FAILS(PdPinnSetFromOptions(p));
  PDT_ERRMSG_HAS("-stde_dist");
  PDT(PdPinnDestroy(&p));
  PDT(SetOptions("-eval_every -1"));
  PDT(PdPinnCreate(PETSC_COMM_SELF, &p));
  PDT_FAILS(PdPinnSetFromOptions(p));
  PDT_ERRMSG_HAS("-eval_every must be non-negative");
  PDT(PdPinnDestroy(&p));
  PDT(PdPinnCreate(PETSC_COMM_SELF, &p)); /* the protocol and the initialisation precede the model */
  PDT(PdPinnSetUp(p));
  PDT_FAILS(PdPinnSetProtocol(p, PD_PINN_PROTOCOL_STDE));
  PDT_FAILS(PdPinnSetInit(p, PD_PINN_INIT_KAIMING));
  PDT(PdPinnDestroy(&p));
  PDT(PetscOptionsClear(NULL));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_exact_laplacians),
  cmocka_unit_test(test_reference_code_rhs),
  cmocka_unit_test(test_ball_sampling),
  cmocka_unit_test(test_chunked_gradient),
  cmocka_unit_test(test_train_and_checkpoint),
  cmocka_unit_test(test_problem_seed),
  cmocka_unit_test(test_estimators_unbiased),
  cmocka_unit_test(test_error_min),
  cmocka_unit_test(test_linear_schedule),
  cmocka_unit_test(test_protocol),
  cmocka_unit_test(test_option_errors),
};
PDT_MAIN("pinn", tests)
