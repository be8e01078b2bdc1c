/* Tests of the random numbers (reproducibility, moments) and of the optimizers: the first steps of
   SGD with momentum, Adam and AdamW against the PyTorch update formulas evaluated in double,
   schedules against their closed forms, gradient clipping, and option validation. */
#include "pdtest.h"

static void test_rng(void **state)
{
  PdRng    a, b;
  double   s = 0, s2 = 0, u = 0;
  PetscInt n = 200000, counts[6] = {0}, perm[50], seen[50] = {0};
  PDT(PdRngSeed(&a, 42, 0));
  PDT(PdRngSeed(&b, 42, 0));
  for (int i = 0; i < 100; i++) assert_true(PdRngNext(&a) == PdRngNext(&b));
  PDT(PdRngSeed(&b, 42, 1));
  assert_true(PdRngNext(&a) != PdRngNext(&b)); /* another stream */
  for (PetscInt i = 0; i < n; i++) {
    double z = PdRngNormal(&a);
    s += z;
    s2 += z * z;
    u += PdRngUniform(&a);
    counts[PdRngInt(&a, 6)]++;
  }
  /* mean within 5 standard errors (1/sqrt(n) ~ 0.0022), variance within 5 s.e. (sqrt(2/n) ~ 0.0032) */
  PDT_CLOSE(s / n, 0.0, 5 / sqrt((double)n));
  PDT_CLOSE(s2 / n, 1.0, 5 * sqrt(2.0 / n));
  PDT_CLOSE(u / n, 0.5, 5 * sqrt(1.0 / 12 / n));
  {
    double chi2 = 0, e = n / 6.0;
    for (int k = 0; k < 6; k++) chi2 += (counts[k] - e) * (counts[k] - e) / e;
    assert_true(chi2 < 20.5); /* chi-square, 5 degrees of freedom, p = 0.001 */
  }
  PDT(PdRngPermutation(&a, 50, perm));
  for (int i = 0; i < 50; i++) seen[perm[i]]++;
  for (int i = 0; i < 50; i++) assert_int_equal(seen[i], 1);
  {
    float r[130];
    int   plus = 0;
    PDT(PdRngFillRademacher(&a, 130, r));
    for (int i = 0; i < 130; i++) {
      assert_true(r[i] == 1.0f || r[i] == -1.0f);
      plus += r[i] > 0;
    }
    assert_true(plus > 30 && plus < 100);
  }
}

/* one parameter vector p (3 entries), loss gradient g = p - target set by hand each step */
static PetscErrorCode Setup(PdParams *params, PdTensor *t)
{
  PetscInt n = 3;
  PdRng    rng;
  PetscFunctionBegin;
  PetscCall(PdParamsCreate(PETSC_COMM_SELF, params));
  PetscCall(PdParamsAdd(*params, "p", 1, &n, PD_INIT_CONSTANT, 0.5f, t));
  PetscCall(PdRngSeed(&rng, 1, 0));
  PetscCall(PdParamsSetUp(*params, &rng));
  PetscFunctionReturn(0);
}

static void test_optimizers_match_pytorch_formulas(void **state)
{
  const double lr = 0.1, wd = 0.01, mu = 0.9, b1 = 0.9, b2 = 0.999, eps = 1e-8, target[3] = {1.0, -2.0, 0.25};
  for (int type = 0; type < 3; type++) {
    PdParams params;
    PdTensor t;
    PdOptim  opt;
    double   p[3] = {0.5, 0.5, 0.5}, m[3] = {0}, v[3] = {0};
    PDT(Setup(&params, &t));
    PDT(PdOptimCreate(params, &opt));
    PDT(PdOptimSetType(opt, (PdOptimType)type));
    PDT(PdOptimSetLearningRate(opt, lr));
    PDT(PdOptimSetWeightDecay(opt, wd));
    PDT(PdOptimSetMomentum(opt, mu));
    for (int step = 1; step <= 3; step++) {
      for (int i = 0; i < 3; i++) t->grad[i] = (float)(t->data[i] - target[i]);
      for (int i = 0; i < 3; i++) {
        double g = p[i] - target[i];
        if (type == PD_OPTIM_SGD) {
          g += wd * p[i];
          m[i] = step == 1 ? g : mu * m[i] + g;
          p[i] -= lr * m[i];
        } else {
          if (type == PD_OPTIM_ADAM) g += wd * p[i];
          else p[i] *= 1 - lr * wd;
          m[i] = b1 * m[i] + (1 - b1) * g;
          v[i] = b2 * v[i] + (1 - b2) * g * g;
          p[i] -= lr * (m[i] / (1 - pow(b1, step))) / (sqrt(v[i] / (1 - pow(b2, step))) + eps);
        }
      }
      PDT(PdOptimStep(opt, NULL));
      for (int i = 0; i < 3; i++) PDT_CLOSE(t->data[i], p[i], 2e-6);
    }
    PDT(PdOptimDestroy(&opt));
    PDT(PdParamsDestroy(&params));
  }
}

static void test_schedules_and_clipping(void **state)
{
  PdParams params;
  PdTensor t;
  PdOptim  opt;
  double   lr, norm;
  PDT(Setup(&params, &t));
  PDT(PdOptimCreate(params, &opt));
  PDT(PdOptimSetType(opt, PD_OPTIM_SGD));
  PDT(PdOptimSetLearningRate(opt, 0.2));
  PDT(PdOptimSetSchedule(opt, PD_SCHEDULE_COSINE, 10, 1, 1.0));
  PDT(PdOptimSetStepCount(opt, 5));
  PDT(PdOptimGetLearningRate(opt, &lr));
  PDT_CLOSE(lr, 0.1, 1e-12); /* 0.2 * (1 + cos(pi/2)) / 2 */
  PDT(PdOptimSetSchedule(opt, PD_SCHEDULE_STEP, 10, 2, 0.5));
  PDT(PdOptimGetLearningRate(opt, &lr));
  PDT_CLOSE(lr, 0.2 * 0.25, 1e-12); /* floor(5/2) = 2 decays */
  PDT(PdOptimSetSchedule(opt, PD_SCHEDULE_LINEAR, 20, 1, 1.0));
  PDT(PdOptimGetLearningRate(opt, &lr));
  PDT_CLOSE(lr, 0.2 * 0.75, 1e-12);
  { /* one-cycle over 20 steps, pct_start 0.3 (PyTorch's OneCycleLR, cosine): lr/25 at step 0, the
       peak at step 0.3 * 20 - 1 = 5, halfway down at 12, lr / (25 * 1e4) from the last step on;
       rising then falling */
    const double end  = 0.2 / 25 / 1e4;
    double       prev = 0;
    PDT(PdOptimSetSchedule(opt, PD_SCHEDULE_ONECYCLE, 20, 1, 1.0));
    for (PetscInt s = 0; s < 25; s++) {
      PDT(PdOptimSetStepCount(opt, s));
      PDT(PdOptimGetLearningRate(opt, &lr));
      if (s == 0) PDT_CLOSE(lr, 0.2 / 25, 1e-15);
      if (s == 3) PDT_CLOSE(lr, 0.2 + (0.2 / 25 - 0.2) * 0.5 * (1 + cos(PETSC_PI * 3 / 5.0)), 1e-15);
      if (s == 5) PDT_CLOSE(lr, 0.2, 1e-15);
      if (s == 12) PDT_CLOSE(lr, end + (0.2 - end) * 0.5, 1e-15);
      if (s >= 19) PDT_CLOSE(lr, end, 1e-15);
      if (s > 0 && s <= 5) assert_true(lr > prev);
      if (s > 5 && s <= 19) assert_true(lr < prev);
      prev = lr;
    }
    PDT_FAILS(PdOptimSetOneCycle(opt, 1.5, 25, 1e4));
    PDT_ERRMSG_HAS("-lr_pct_start");
    PDT(PdOptimSetStepCount(opt, 5));
  }
  /* clipping: gradient (3, 4, 0) has norm 5; capped at 1 the step is lr * g / 5 */
  PDT(PdOptimSetSchedule(opt, PD_SCHEDULE_CONSTANT, 1, 1, 1.0));
  PDT(PdOptimSetClipNorm(opt, 1.0));
  t->grad[0] = 3;
  t->grad[1] = 4;
  t->grad[2] = 0;
  PDT(PdOptimStep(opt, &norm));
  PDT_CLOSE(norm, 5.0, 1e-6);
  PDT_CLOSE(t->data[0], 0.5 - 0.2 * 3 / (5 + 1e-6), 1e-6);
  PDT_CLOSE(t->data[1], 0.5 - 0.2 * 4 / (5 + 1e-6), 1e-6);
  PDT(PdOptimDestroy(&opt));
  PDT(PdParamsDestroy(&params));
}

/* Adam drives the Rosenbrock function to its minimum at (1, 1). */
static void test_adam_minimises(void **state)
{
  PdParams params;
  PdTensor t;
  PdOptim  opt;
  PetscInt n = 2;
  PdRng    rng;
  PDT(PdParamsCreate(PETSC_COMM_SELF, &params));
  PDT(PdParamsAdd(params, "xy", 1, &n, PD_INIT_ZERO, 0, &t));
  PDT(PdRngSeed(&rng, 1, 0));
  PDT(PdParamsSetUp(params, &rng));
  t->data[0] = -1.0f;
  t->data[1] = 1.0f;
  PDT(PdOptimCreate(params, &opt));
  PDT(PdOptimSetLearningRate(opt, 2e-2));
  PDT(PdOptimSetSchedule(opt, PD_SCHEDULE_LINEAR, 6000, 1, 1.0));
  for (int k = 0; k < 6000; k++) {
    double x = t->data[0], y = t->data[1];
    t->grad[0] = (float)(-2 * (1 - x) - 400 * x * (y - x * x));
    t->grad[1] = (float)(200 * (y - x * x));
    PDT(PdOptimStep(opt, NULL));
  }
  PDT_CLOSE(t->data[0], 1.0, 2e-2);
  PDT_CLOSE(t->data[1], 1.0, 4e-2);
  PDT(PdOptimDestroy(&opt));
  PDT(PdParamsDestroy(&params));
}

static void test_bad_options(void **state)
{
  PdParams params;
  PdTensor t;
  PdOptim  opt;
  /* (an unknown -optim name is rejected by PETSc's own enum parsing, which leaks on that path: not tested here) */
  const char *bad[][2] = {{"-lr", "-1"}, {"-beta1", "1.5"}, {"-momentum", "1"}, {"-clip_grad_norm", "-1"}, {"-weight_decay", "-0.1"}};
  PDT(Setup(&params, &t));
  PDT(PdOptimCreate(params, &opt));
  for (int k = 0; k < 5; k++) {
    PDT(PetscOptionsSetValue(NULL, bad[k][0], bad[k][1]));
    PDT_FAILS(PdOptimSetFromOptions(opt));
    PDT(PetscOptionsClearValue(NULL, bad[k][0]));
  }
  PDT(PdOptimDestroy(&opt));
  PDT(PdParamsDestroy(&params));
}

static void test_params(void **state)
{
  PdParams params;
  PdTensor a, b;
  PetscInt sa[2] = {3, 5}, n, nb;
  PdRng    rng;
  float   *d, *g;
  PDT(PdParamsCreate(PETSC_COMM_SELF, &params));
  PDT(PdParamsAdd(params, "a", 2, sa, PD_INIT_UNIFORM, 0.5f, &a));
  PDT(PdParamsAdd(params, "b", 1, sa, PD_INIT_CONSTANT, 2.0f, &b));
  PDT_FAILS(PdParamsAdd(params, "a", 1, sa, PD_INIT_ZERO, 0, &b));
  PDT_ERRMSG_HAS("'a'");
  PDT(PdRngSeed(&rng, 3, 0));
  PDT(PdParamsSetUp(params, &rng));
  PDT(PdParamsGetSize(params, &n));
  assert_int_equal(n, 18);
  PDT(PdParamsGetBufferSize(params, &nb));
  assert_true(nb >= n && nb % 16 == 0);
  PDT(PdParamsGetArrays(params, &d, &g));
  assert_true(a->data >= d && b->data + b->size <= d + nb); /* views into the one buffer */
  for (int i = 0; i < 15; i++) assert_true(fabsf(a->data[i]) <= 0.5f);
  for (int i = 0; i < 3; i++) assert_true(b->data[i] == 2.0f);
  PDT_FAILS(PdParamsAdd(params, "c", 1, sa, PD_INIT_ZERO, 0, &b));
  PDT(PdParamsDestroy(&params));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_rng), cmocka_unit_test(test_optimizers_match_pytorch_formulas), cmocka_unit_test(test_schedules_and_clipping), cmocka_unit_test(test_adam_minimises), cmocka_unit_test(test_bad_options), cmocka_unit_test(test_params)};
PDT_MAIN("engine_optim", tests)
