/* Tests of the antiderivative dataset, built by the problem's setters: the Gaussian random field has
   the RBF kernel's variance and correlation, the outputs are the integrals of the inputs, sample i
   depends only on (seed, i), and bad options or settings fail with one message. */
#include "pdtest.h"
#include "pdtest_data.h"

/* n functions at m sensors from the stream seed, in memory: the problem built by its setters */
static PetscErrorCode Generate(PetscInt n, PetscInt m, PetscInt64 seed, PdDataset *ds)
{
  PdProblem p;

  PetscFunctionBegin;
  PetscCall(PdProblemCreate(PETSC_COMM_SELF, &p));
  PetscCall(PdProblemSetType(p, PDPROBLEMANTIDERIV));
  PetscCall(PdProblemSetDataMode(p, PETSC_TRUE));
  PetscCall(PdProblemAntiderivativeSetSensors(p, m, 10));
  PetscCall(PdProblemAntiderivativeSetLengthScale(p, 0.2));
  PetscCall(PdProblemSetSeed(p, seed));
  PetscCall(PdDatasetGenerate(p, n, ds, NULL));
  PetscCall(PdProblemDestroy(&p));
  PetscFunctionReturn(0);
}

/* what `pdeop data antiderivative` does with the options given (for the tests of bad options) */
static PetscErrorCode Make(const char *opts)
{
  PdDict report;

  PetscFunctionBegin;
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(PdDictCreate(&report));
  {
    PetscErrorCode ierr = PdtDataRun(PETSC_COMM_SELF, PDPROBLEMANTIDERIV, report);
    PetscCall(PdDictDestroy(&report));
    for (const char **k = (const char *[]){"-n", "-m", "-seed", "-o", "-length_scale", "-refine", NULL}; *k; k++) PetscCall(PetscOptionsClearValue(NULL, *k));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

/* 4000 functions at 11 sensors (spacing 0.1): variance 1 and correlation exp(-d^2/(2 l^2)) within
   4 standard errors; the stored increments s(x_i) - s(x_(i-1)) against the trapezoid rule on the
   sensors, whose error is h^3 |u''| / 12 per interval (E|u''|^2 = 3/l^4 for this kernel) */
static void test_statistics_and_integral(void **state)
{
  PdDataset      ds;
  const PetscInt n = 4000, m = 11;
  const double   ell = 0.2;
  double         var = 0, cov1 = 0, cov5 = 0, err = 0, ref = 0;

  PDT(Generate(n, m, 3, &ds));
  assert_int_equal(ds.N, n);
  assert_int_equal(ds.in_size, m);
  for (PetscInt s = 0; s < n; s++) {
    const float *u = ds.inputs + s * m, *y = ds.outputs + s * m;
    var += u[3] * u[3];
    cov1 += u[3] * u[4];
    cov5 += u[2] * u[7];
    PDT_CLOSE(y[0], 0.0, 0.0);
    for (PetscInt i = 1; i < m; i++) {
      double trap = 0.5 * (u[i - 1] + u[i]) * 0.1;
      err += PetscSqr((y[i] - y[i - 1]) - trap);
      ref += PetscSqr(y[i] - y[i - 1]);
    }
  }
  var /= n, cov1 /= n, cov5 /= n;
  print_message("variance %.4f, corr(0.1) %.4f (exact %.4f), corr(0.5) %.4f (exact %.4f), trapezoid rms deviation %.3g\n", var, cov1, exp(-0.01 / (2 * ell * ell)), cov5, exp(-0.25 / (2 * ell * ell)), sqrt(err / ref));
  PDT_CLOSE(var, 1.0, 4 * sqrt(2.0 / n));
  PDT_CLOSE(cov1, exp(-0.01 / (2 * ell * ell)), 4 * sqrt(2.0 / n));
  PDT_CLOSE(cov5, exp(-0.25 / (2 * ell * ell)), 4 * sqrt(2.0 / n));
  /* trapezoid error per interval ~ h^3 |u''| / 12 against increments ~ h |u|: relative ~ h^2 sqrt(3)/(12 l^2) = 0.036 */
  if (!(sqrt(err / ref) < 0.06)) fail_msg("stored integrals deviate from the inputs' trapezoid rule by %g (relative)", sqrt(err / ref));
  PDT(PdDatasetFree(&ds));
}

/* a sample depends only on (seed, index): the first 10 of 40 equal a file of 10 */
static void test_reproducible(void **state)
{
  PdDataset a, b;
  PDT(Generate(40, 20, 5, &a));
  PDT(Generate(10, 20, 5, &b));
  for (PetscInt i = 0; i < 10 * 20; i++) {
    assert_true(a.inputs[i] == b.inputs[i]);
    assert_true(a.outputs[i] == b.outputs[i]);
  }
  PDT(PdDatasetFree(&a));
  PDT(PdDatasetFree(&b));
}

static void test_bad_options(void **state)
{
  PdProblem p;
  PdDataset ds;
  PDT_FAILS(Make("-n 0 -o x.h5"));
  PDT_ERRMSG_HAS("-n");
  PDT_FAILS(Make("-m 1 -o x.h5"));
  PDT_ERRMSG_HAS("-m");
  PDT_FAILS(Make("-length_scale -1 -o x.h5"));
  PDT_ERRMSG_HAS("-length_scale");
  /* the same checks for settings made by the setters, at set-up */
  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT(PdProblemSetType(p, PDPROBLEMANTIDERIV));
  PDT(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT(PdProblemAntiderivativeSetSensors(p, 1, 10));
  PDT_FAILS(PdDatasetGenerate(p, 2, &ds, NULL));
  PDT_ERRMSG_HAS("-m must be in [2, 2000], got 1");
  PDT(PdProblemAntiderivativeSetSensors(p, 100, 100));
  PDT_FAILS(PdProblemSetUp(p));
  PDT_ERRMSG_HAS("-refine");
  PDT(PdProblemAntiderivativeSetSensors(p, 100, 10));
  PDT(PdProblemAntiderivativeSetLengthScale(p, 0));
  PDT_FAILS(PdProblemSetUp(p));
  PDT_ERRMSG_HAS("-length_scale must be in [1e-6, 1e6], got 0");
  PDT(PdProblemAntiderivativeSetLengthScale(p, 1e-300)); /* its square underflows: NaN kernels */
  PDT_FAILS(PdProblemSetUp(p));
  PDT_ERRMSG_HAS("-length_scale must be in");
  PDT_FAILS(PdProblemSetSeed(p, -1));
  PDT_ERRMSG_HAS("the seed must be in");
  PDT(PdProblemAntiderivativeSetLengthScale(p, 0.2));
  PDT(PdProblemSetUp(p));
  PDT_FAILS(PdProblemAntiderivativeSetSensors(p, 10, 10));
  PDT_ERRMSG_HAS("before PdProblemSetUp");
  PDT(PdProblemDestroy(&p));
  /* a type that draws nothing at random has no seed */
  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT(PdProblemSetType(p, PDPROBLEMPOISSON));
  PDT_FAILS(PdProblemSetSeed(p, 1));
  PDT_ERRMSG_HAS("draws nothing at random");
  PDT(PdProblemDestroy(&p));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_statistics_and_integral),
  cmocka_unit_test(test_reproducible),
  cmocka_unit_test(test_bad_options),
};
PDT_MAIN("antiderivative", tests)
