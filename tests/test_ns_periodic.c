/* Tests of the periodic Navier-Stokes solver: the Taylor-Green vortex decays exactly as
   exp(-2 nu k^2 t) (its advection vanishes, so this checks the nonlinear term to rounding too),
   energy is conserved without viscosity or forcing up to the scheme's error, the FNO random field
   has the variance its spectrum says, a too-large time step stops with the CFL number, and the
   dataset generator writes the shapes it promises. */
#include "pdtest.h"
#include <pdeop/ns.h>
#include <pdeop/solve.h>

static void test_taylor_green(void **state)
{
  const PetscInt N = 32, k = 2;
  const double   nu = 0.01, dt = 1e-3, T = 0.5;
  double        *w, *w0, err = 0, nrm = 0;
  PdNS           ns;

  PDT(PetscMalloc2(N * N, &w, N * N, &w0));
  PDT(PdNSTaylorGreen(N, k, w0));
  PDT(PdNSCreate(N, 2 * PETSC_PI, nu, dt, PD_NS_FORCING_NONE, &ns));
  PDT(PdNSSetVorticity(ns, w0));
  PDT(PdNSStep(ns, (PetscInt)(T / dt + 0.5)));
  PDT(PdNSGetVorticity(ns, w));
  for (PetscInt q = 0; q < N * N; q++) {
    const double exact = w0[q] * exp(-2 * nu * k * k * T);
    err                = PetscMax(err, PetscAbsReal(w[q] - exact));
    nrm                = PetscMax(nrm, PetscAbsReal(exact));
  }
  print_message("Taylor-Green k = %d: max relative error %.3g after t = %g\n", (int)k, err / nrm, T);
  if (!(err / nrm < 1e-6)) fail_msg("Taylor-Green decay off by %g relative", err / nrm);
  PDT(PdNSDestroy(&ns));
  PDT(PetscFree2(w, w0));
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
  PDT(PdNSDestroy(&ns));
  PDT_FAILS(PdNSCreate(31, 1.0, 1e-3, 1e-3, PD_NS_FORCING_FNO, &ns));
  PDT_ERRMSG_HAS("even");
  PDT(PetscFree(w));
}

static void test_dataset(void **state)
{
  PdDict    r;
  PdDataset ds;

  PDT(PetscOptionsInsertString(NULL, "-n 2 -res 8 -fine 16 -dt 0.01 -T 4 -t_in 2 -seed 3 -o ns_test.h5"));
  PDT(PdDictCreate(&r));
  PDT(PdDataNSRun(PETSC_COMM_SELF, r));
  PDT(PdDictDestroy(&r));
  for (const char **k = (const char *[]){"-n", "-res", "-fine", "-dt", "-T", "-t_in", "-seed", "-o", NULL}; *k; k++) PDT(PetscOptionsClearValue(NULL, *k));
  PDT(PdDatasetRead(PETSC_COMM_SELF, "ns_test.h5", PETSC_TRUE, &ds));
  assert_int_equal(ds.N, 2);
  assert_int_equal(ds.in_shape[1], 2);
  assert_int_equal(ds.out_shape[1], 2);
  assert_int_equal(ds.in_shape[2], 8);
  assert_int_equal(ds.out_shape[3], 8);
  PDT(PdDatasetFree(&ds));
  /* -T must exceed -t_in */
  PDT(PetscOptionsInsertString(NULL, "-T 2 -t_in 2 -o x.h5"));
  PDT(PdDictCreate(&r));
  PDT_FAILS(PdDataNSRun(PETSC_COMM_SELF, r));
  PDT_ERRMSG_HAS("-T");
  PDT(PdDictDestroy(&r));
  for (const char **k = (const char *[]){"-T", "-t_in", "-o", NULL}; *k; k++) PDT(PetscOptionsClearValue(NULL, *k));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_taylor_green), cmocka_unit_test(test_inviscid_invariants), cmocka_unit_test(test_random_field_variance), cmocka_unit_test(test_cfl_stop), cmocka_unit_test(test_dataset),
};
PDT_MAIN("ns_periodic", tests)
