/* Two-rank test of the lid-driven cavity: the steady state computed on 2 ranks (the MAC grid split
   between them, GAMG on the distributed pressure matrix) equals the one computed on 1 rank to solver
   tolerance, field by field on the 17 x 17 node grid (u, v, p, psi of PdProblemCavityGetNodeFields;
   the problems are built by their setters, no options). */
#include "pdtest_cavity.h"
#include <pdeop/problem.h>

static void test_cavity_two_ranks(void **state)
{
  const char   *names[4] = {"u", "v", "p", "psi"};
  PdProblem     p1, p2;
  PdDict        r1, r2;
  PetscMPIInt   rank;
  double        diff[4] = {0, 0, 0, 0};
  PetscBool     s1, s2;
  PetscInt      n1, n2;
  const double *f1[5], *f2[5];

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  PDT(PetscOptionsSetValue(NULL, "-quiet", NULL)); /* the progress lines and the summary (no setter: a program option) */
  PDT(PdDictCreate(&r1));
  PDT(PdDictCreate(&r2));
  /* first each rank alone (both at once, so neither waits for the other), then both together */
  PDT(PdtCavitySolve(PETSC_COMM_SELF, 100, 17, 0, &p1));
  PDT(PdProblemGetReport(p1, r1));
  PDT(PdDictGetBool(r1, "steady", &s1));
  PDT(PdtCavitySolve(PETSC_COMM_WORLD, 100, 17, 0, &p2));
  PDT(PdProblemGetReport(p2, r2));
  PDT(PdDictGetBool(r2, "steady", &s2));
  PDT(PdProblemCavityGetNodeFields(p1, &n1, f1)); /* rank 0 of PETSC_COMM_SELF: every rank has them */
  PDT(PdProblemCavityGetNodeFields(p2, &n2, f2)); /* collective: rank 0 of PETSC_COMM_WORLD has them */
  assert_int_equal(n1, 17);
  assert_int_equal(n2, 17);
  if (rank == 0) {
    for (int k = 0; k < 4; k++) {
      assert_non_null(f1[k]);
      assert_non_null(f2[k]);
      for (PetscInt q = 0; q < 17 * 17; q++) diff[k] = PetscMax(diff[k], PetscAbsReal(f1[k][q] - f2[k][q]));
      /* NaN is not caught by the maximum: count it as a difference */
      for (PetscInt q = 0; q < 17 * 17; q++)
        if (PetscIsInfOrNanReal(f1[k][q]) || PetscIsInfOrNanReal(f2[k][q])) diff[k] = PETSC_INFINITY;
    }
    PetscInt64 st1, st2;
    double     t1, t2;
    PDT(PdDictGetInt(r1, "steps", &st1));
    PDT(PdDictGetInt(r2, "steps", &st2));
    PDT(PdDictGetReal(r1, "seconds", &t1));
    PDT(PdDictGetReal(r2, "seconds", &t2));
    print_message("cavity 17^2, 1 vs 2 ranks: %d and %d steps in %.2f and %.2f s; max difference u %.2g, v %.2g, p %.2g, psi %.2g\n", (int)st1, (int)st2, t1, t2, diff[0], diff[1], diff[2], diff[3]);
  } else {
    for (int k = 0; k < 5; k++) assert_null(f2[k]);
  }
  /* every rank asserts: none waits */
  PDT(MPI_Bcast(diff, 4, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
  assert_true(s1 && s2);
  /* both stop when max |du/dt| < 1e-6, checked every 10 steps of dt = 1/32: should they stop 10
     steps apart the states differ by up to ~10 dt 1e-6 = 3e-7; otherwise only by the pressure
     solves' rtol 1e-10 (measured at 33^2: 4e-9 in v, 1e-11 in u) */
  for (int k = 0; k < 4; k++)
    if (!(diff[k] < 1e-6)) fail_msg("%s differs by %g between 1 and 2 ranks", names[k], diff[k]);
  PDT(PdDictDestroy(&r1));
  PDT(PdDictDestroy(&r2));
  PDT(PdProblemDestroy(&p1));
  PDT(PdProblemDestroy(&p2));
  PDT(PetscOptionsClearValue(NULL, "-quiet"));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_cavity_two_ranks)};
PDT_MAIN("mpi_cavity", tests)
