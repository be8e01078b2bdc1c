/* Tests of the periodic Navier-Stokes solver: the Taylor-Green vortex decays exactly as
   exp(-2 nu k^2 t) (its advection vanishes, so this checks the nonlinear term to rounding too),
   energy is conserved without viscosity or forcing up to the scheme's error, the FNO random field
   has the variance its spectrum says (in total and per band of wavenumbers), the 2/3 rule keeps
   exactly the modes |k_x|, |k_y| <= N/3 of the advection term, a too-large time step or a NaN stops
   with the CFL number, and the dataset generator writes the shapes it promises. */
#include <fftw3.h>
#include "pdtest.h"
#include <pdeop/ns.h>
#include <pdeop/solve.h>
#include "pdtest_data.h"

/* The Taylor-Green vortex of wavenumber k on N^2 points of a square of side L, stepped to T with the
   scheme (Crank-Nicolson or forward Euler): its vorticity is the initial one times
   exp(-2 nu (2 pi k / L)^2 T) to 1e-6 relative (max norm) */
static void CheckTaylorGreen(PetscInt N, PetscInt k, double L, double nu, double dt, double T, PetscBool euler, const char *what)
{
  const double kk = 2 * PETSC_PI * k / L;
  double      *w, *w0, err = 0, nrm = 0;
  PdNS         ns;

  PDT(PetscMalloc2(N * N, &w, N * N, &w0));
  PDT(PdNSTaylorGreen(N, k, w0));
  PDT(PdNSCreate(N, L, nu, dt, PD_NS_FORCING_NONE, &ns));
  if (euler) PDT(PdNSSetScheme(ns, PD_NS_SCHEME_EULER));
  PDT(PdNSSetVorticity(ns, w0));
  PDT(PdNSStep(ns, (PetscInt)(T / dt + 0.5)));
  PDT(PdNSGetVorticity(ns, w));
  for (PetscInt q = 0; q < N * N; q++) {
    const double exact = w0[q] * exp(-2 * nu * kk * kk * T);
    err                = PetscMax(err, PetscAbsReal(w[q] - exact));
    nrm                = PetscMax(nrm, PetscAbsReal(exact));
  }
  print_message("%s: max relative error %.3g after t = %g\n", what, err / nrm, T);
  if (!(err / nrm < 1e-6)) fail_msg("%s: decay off by %g relative", what, err / nrm);
  PDT(PdNSDestroy(&ns));
  PDT(PetscFree2(w, w0));
}

/* On the 2 pi torus (wavenumber k), Crank-Nicolson */
static void test_taylor_green(void **state)
{
  CheckTaylorGreen(32, 2, 2 * PETSC_PI, 0.01, 1e-3, 0.5, PETSC_FALSE, "Taylor-Green k = 2");
}

/* The same vortex on the unit square (wavenumber 2 pi k) with the forward Euler scheme of the FNO
   script: advection vanishes, so both schemes reduce to Crank-Nicolson's exact-to-O(dt^3) decay. */
static void test_taylor_green_unit_euler(void **state)
{
  CheckTaylorGreen(16, 1, 1.0, 1e-3, 1e-3, 1, PETSC_TRUE, "Taylor-Green on the unit square, Euler");
}

/* w = cos(2 pi a x) + cos(2 pi b y) on the unit square has u.grad w = (a/b - b/a) sin(2 pi a x)
   sin(2 pi b y): the single product mode (+-a, +-b). The 2/3 rule on N = 32 keeps it when a and b
   are both <= 10 (N/3 = 10.7; a square, not a disc: (10, 9) has |k| = 13.5 and is kept) and removes
   it when either is 11. */
static void test_dealias_mask(void **state)
{
  const PetscInt N          = 32;
  const int      cases[][3] = {{3, 5, 1}, {10, 9, 1}, {9, 10, 1}, {11, 3, 0}, {3, 11, 0}, {12, 13, 0}};
  double        *w, *adv;
  PdNS           ns;

  PDT(PetscMalloc2(N * N, &w, N * N, &adv));
  PDT(PdNSCreate(N, 1.0, 0.0, 1e-3, PD_NS_FORCING_NONE, &ns));
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    const double a = cases[c][0], b = cases[c][1], amp = cases[c][2] ? a / b - b / a : 0;
    double       err = 0;
    for (PetscInt j = 0; j < N; j++)
      for (PetscInt i = 0; i < N; i++) w[j * N + i] = cos(2 * PETSC_PI * a * i / N) + cos(2 * PETSC_PI * b * j / N);
    PDT(PdNSAdvection(ns, w, adv));
    for (PetscInt j = 0; j < N; j++)
      for (PetscInt i = 0; i < N; i++) err = PetscMax(err, PetscAbsReal(adv[j * N + i] - amp * sin(2 * PETSC_PI * a * i / N) * sin(2 * PETSC_PI * b * j / N)));
    if (!(err < 1e-12)) fail_msg("modes (%g, %g): advection differs from %s by %g", a, b, cases[c][2] ? "the product" : "zero (masked)", err);
  }
  PDT(PdNSDestroy(&ns));
  PDT(PetscFree2(w, adv));
}

/* nu = 0, no forcing: energy and enstrophy are invariants of the 2D Euler equations; Heun's method
   drifts by O(dt^2) per unit time. From a smooth field (the FNO random field) over 0.2 time units. */
static void test_inviscid_invariants(void **state)
{
  const PetscInt N = 64;
  double        *w;
  PdNS           ns;
  PdRng          rng;
  PetscReal      e0, z0, e, z;

  PDT(PetscMalloc1(N * N, &w));
  PDT(PdRngSeed(&rng, 4, 0));
  PDT(PdNSRandomVorticity(N, 2.5, 7.0, &rng, w));
  PDT(PdNSCreate(N, 1.0, 0.0, 1e-3, PD_NS_FORCING_NONE, &ns));
  PDT(PdNSSetVorticity(ns, w));
  PDT(PdNSDiagnostics(ns, &e0, &z0, NULL, NULL));
  PDT(PdNSStep(ns, 200));
  PDT(PdNSDiagnostics(ns, &e, &z, NULL, NULL));
  print_message("inviscid: energy drift %.3g, enstrophy drift %.3g (relative)\n", fabs(e / e0 - 1), fabs(z / z0 - 1));
  if (!(fabs(e / e0 - 1) < 1e-6 && fabs(z / z0 - 1) < 1e-4)) fail_msg("invariants drift: energy %g, enstrophy %g", e / e0 - 1, z / z0 - 1);
  PDT(PdNSDestroy(&ns));
  PDT(PetscFree(w));
}

/* Var w(x) = sum over k != 0 of 2 sigma^2 (4 pi^2 |k|^2 + tau^2)^(-alpha): the grid mean of w^2 over
   20 fields agrees within 5% (the field's effective number of independent values is large) */
static void test_random_field_variance(void **state)
{
  const PetscInt N = 64, S = 20;
  const double   alpha = 2.5, tau = 7, sigma = pow(tau, alpha - 1);
  double        *w, var = 0, expect = 0;
  PdRng          rng;

  PDT(PetscMalloc1(N * N, &w));
  for (PetscInt s = 0; s < S; s++) {
    PDT(PdRngSeed(&rng, 9, s));
    PDT(PdNSRandomVorticity(N, alpha, tau, &rng, w));
    for (PetscInt q = 0; q < N * N; q++) var += w[q] * w[q] / (N * N * S);
  }
  for (PetscInt j = 0; j < N; j++)
    for (PetscInt i = 0; i < N; i++) {
      const PetscInt kj = j <= N / 2 ? j : j - N, ki = i <= N / 2 ? i : i - N;
      if (ki || kj) expect += 2 * sigma * sigma * pow(4 * PETSC_PI * PETSC_PI * (ki * ki + kj * kj) + tau * tau, -alpha);
    }
  print_message("random vorticity variance %.4g, spectrum says %.4g\n", var, expect);
  PDT_CLOSE(var / expect, 1.0, 0.05);
  PDT(PetscFree(w));
}

/* Per Fourier coefficient: w_hat_k (the DFT / N^2) has E|w_hat_k|^2 = 2 sigma^2 (4 pi^2 |k|^2 + tau^2)^(-alpha)
   for every k != 0 (the real part halves the complex normal's variance 2, and w_hat_k collects the
   k and -k terms). Over 40 fields on 32^2, the mean of |w_hat_k|^2 / E in each octave band of |k|
   is 1 within 5 standard errors (|w_hat_k|^2 / E is exponential: standard error 1/sqrt(count)).
   Only columns 0 < k_x < N/2 are used, one of each conjugate pair, so the values are independent. */
static void test_random_field_spectrum(void **state)
{
  const PetscInt N = 32, Nh = N / 2 + 1, S = 40, nb = 5;
  const double   alpha = 2.5, tau = 7, sigma = pow(tau, alpha - 1);
  double        *w, sum[5] = {0}, cnt[5] = {0};
  fftw_complex  *c;
  fftw_plan      p;
  PdRng          rng;

  PDT(PetscMalloc1(N * N, &w));
  c = fftw_alloc_complex((size_t)N * Nh);
  p = fftw_plan_dft_r2c_2d((int)N, (int)N, w, c, FFTW_ESTIMATE);
  for (PetscInt s = 0; s < S; s++) {
    PDT(PdRngSeed(&rng, 11, s));
    PDT(PdNSRandomVorticity(N, alpha, tau, &rng, w));
    fftw_execute(p);
    for (PetscInt j = 0; j < N; j++)
      for (PetscInt i = 1; i < N / 2; i++) {
        const PetscInt kj = j <= N / 2 ? j : j - N;
        const double   k2 = (double)(i * i + kj * kj), E = 2 * sigma * sigma * pow(4 * PETSC_PI * PETSC_PI * k2 + tau * tau, -alpha);
        const double  *cq = (const double *)&c[j * Nh + i]; /* (re, im), whatever fftw_complex is */
        const double   re = cq[0] / (N * N), im = cq[1] / (N * N);
        const int      b = PetscMin((int)nb - 1, (int)floor(log2(sqrt(k2)))); /* |k| in [1,2), [2,4), [4,8), [8,16), [16, ...) */
        sum[b] += (re * re + im * im) / E;
        cnt[b] += 1;
      }
  }
  for (PetscInt b = 0; b < nb; b++) {
    const double mean = sum[b] / cnt[b], se = 1 / sqrt(cnt[b]);
    print_message("band %d: E|w_hat|^2 ratio %.4f over %.0f values (standard error %.3f)\n", (int)b, mean, cnt[b], se);
    if (!(fabs(mean - 1) < 5 * se)) fail_msg("band %d of |k|: Fourier variance ratio %g, expected 1 within %g", (int)b, mean, 5 * se);
  }
  fftw_destroy_plan(p);
  fftw_free(c);
  PDT(PetscFree(w));
}

static void test_cfl_stop(void **state)
{
  const PetscInt N = 32;
  double        *w;
  PdNS           ns;
  PdRng          rng;

  PDT(PetscMalloc1(N * N, &w));
  PDT(PdRngSeed(&rng, 1, 0));
  PDT(PdNSRandomVorticity(N, 2.5, 7.0, &rng, w));
  for (PetscInt q = 0; q < N * N; q++) w[q] *= 100;
  PDT(PdNSCreate(N, 1.0, 1e-3, 0.1, PD_NS_FORCING_FNO, &ns));
  PDT(PdNSSetVorticity(ns, w));
  PDT_FAILS(PdNSStep(ns, 10));
  PDT_ERRMSG_HAS("CFL number");
  PDT_ERRMSG_HAS("at step 1 ");
  PDT(PdNSDestroy(&ns));
  /* a NaN anywhere spreads through the transforms: the CFL check must see it (a running maximum
     skips NaN) */
  PDT(PdNSRandomVorticity(N, 2.5, 7.0, &rng, w));
  w[5] = NAN;
  PDT(PdNSCreate(N, 1.0, 1e-3, 1e-3, PD_NS_FORCING_FNO, &ns));
  PDT(PdNSSetVorticity(ns, w));
  PDT_FAILS(PdNSStep(ns, 3));
  PDT_ERRMSG_HAS("CFL number not finite at step 1");
  PDT(PdNSDestroy(&ns));
  PDT_FAILS(PdNSCreate(31, 1.0, 1e-3, 1e-3, PD_NS_FORCING_FNO, &ns));
  PDT_ERRMSG_HAS("even");
  PDT(PetscFree(w));
}

/* a data-mode problem built by its setters: 2 samples in memory, each its stream's; bad times refused */
static void test_dataset(void **state)
{
  PdProblem  p;
  PdDataset  ds;
  PdDict     r;
  PetscInt64 n;

  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT(PdProblemSetType(p, PDPROBLEMNSPERIODIC));
  PDT(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT(PdProblemNSPeriodicSetSampleGrid(p, 8, 16));
  PDT(PdProblemNSPeriodicSetSampleTimes(p, 0.01, 2, 4));
  PDT(PdProblemNSPeriodicSetViscosity(p, 1e-3));
  PDT(PdProblemSetSeed(p, 3));
  PDT(PdDictCreate(&r));
  PDT(PdDatasetGenerate(p, 2, &ds, r));
  assert_int_equal(ds.N, 2);
  PDT_SHAPE_IS(ds.in_ndim, ds.in_shape, 2, 2, 8, 8);
  PDT_SHAPE_IS(ds.out_ndim, ds.out_shape, 2, 2, 8, 8);
  PDT(PdDictGetInt(ds.attrs, "seed", &n));
  assert_int_equal(n, 3);
  PDT(PdProblemDestroy(&p));
  /* sample 1 alone, from a second problem with the same settings, is the second sample above */
  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT(PdProblemSetType(p, PDPROBLEMNSPERIODIC));
  PDT(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT(PdProblemNSPeriodicSetSampleGrid(p, 8, 16));
  PDT(PdProblemNSPeriodicSetSampleTimes(p, 0.01, 2, 4));
  PDT(PdProblemSetSeed(p, 3));
  {
    float in[2 * 64], out[2 * 64];
    PDT(PdProblemSample(p, 1, in, out));
    assert_memory_equal(in, ds.inputs + 2 * 64, sizeof(in));
    assert_memory_equal(out, ds.outputs + 2 * 64, sizeof(out));
  }
  PDT(PdProblemDestroy(&p));
  PDT(PdDatasetFree(&ds));
  PDT(PdDictDestroy(&r));
  /* T must exceed t_in; the grid must subsample; dt must divide a unit of time: at set-up */
  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT(PdProblemSetType(p, PDPROBLEMNSPERIODIC));
  PDT(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT(PdProblemNSPeriodicSetSampleTimes(p, 0.01, 2, 2));
  PDT_FAILS(PdProblemSetUp(p));
  PDT_ERRMSG_HAS("-T (2) must exceed -t_in (2)");
  PDT(PdProblemNSPeriodicSetSampleTimes(p, 0.3, 2, 4));
  PDT_FAILS(PdProblemSetUp(p));
  PDT_ERRMSG_HAS("-dt must divide one unit of time");
  PDT(PdProblemNSPeriodicSetSampleTimes(p, 0.01, 2, 4));
  PDT(PdProblemNSPeriodicSetSampleGrid(p, 8, 12));
  PDT_FAILS(PdProblemSetUp(p));
  PDT_ERRMSG_HAS("must be a multiple of -res 8");
  PDT(PdProblemDestroy(&p));
  /* and through the options, as `pdeop data ns` reads them */
  PDT(PetscOptionsInsertString(NULL, "-T 2 -t_in 2 -o x.h5"));
  PDT(PdDictCreate(&r));
  PDT_FAILS(PdtDataRun(PETSC_COMM_SELF, PDPROBLEMNSPERIODIC, r));
  PDT_ERRMSG_HAS("-T");
  PDT(PdDictDestroy(&r));
  for (const char **k = (const char *[]){"-T", "-t_in", "-o", NULL}; *k; k++) PDT(PetscOptionsClearValue(NULL, *k));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_taylor_green),
  cmocka_unit_test(test_taylor_green_unit_euler),
  cmocka_unit_test(test_dealias_mask),
  cmocka_unit_test(test_inviscid_invariants),
  cmocka_unit_test(test_random_field_variance),
  cmocka_unit_test(test_random_field_spectrum),
  cmocka_unit_test(test_cfl_stop),
  cmocka_unit_test(test_dataset),
};
PDT_MAIN("ns_periodic", tests)
