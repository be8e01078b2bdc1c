/* Two-rank test of the lid-driven cavity: the steady state computed on 2 ranks (the MAC grid split
   between them, GAMG on the distributed pressure matrix) equals the one computed on 1 rank to solver
   tolerance, field by field on the 17 x 17 node grid (/u, /v, /p, /psi of the -o file). */
#include "pdtest_cavity.h"
#include <pdeop/problem.h>
#include <pdeop/io.h>

static void test_cavity_two_ranks(void **state)
{
  const char *opts[][2] = {{"-re", "100"}, {"-n", "17"}, {"-quiet", NULL}};
  const char *names[4]  = {"/u", "/v", "/p", "/psi"};
  PdDict      r1, r2;
  PetscMPIInt rank;
  double      diff[4] = {0, 0, 0, 0};
  PetscBool   s1, s2;
  char        f1[64];

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  PDT_SET_OPTIONS(opts);
  PDT(PdDictCreate(&r1));
  PDT(PdDictCreate(&r2));
  /* first each rank alone (both at once, so neither waits for the other), then both together */
  PDT(PetscSNPrintf(f1, sizeof(f1), "mpi_cavity_np1_rank%d.h5", (int)rank));
  PDT(PetscOptionsSetValue(NULL, "-o", f1));
  PDT(PdtCavityRun(PETSC_COMM_SELF, r1));
  PDT(PdDictGetBool(r1, "steady", &s1));
  PDT(PetscOptionsSetValue(NULL, "-o", "mpi_cavity_np2.h5"));
  PDT(PdtCavityRun(PETSC_COMM_WORLD, r2));
  PDT(PdDictGetBool(r2, "steady", &s2));
  if (rank == 0) {
    for (int k = 0; k < 4; k++) {
      float   *a, *b;
      int      na, nb;
      PetscInt sa[PD_MAX_DIMS], sb[PD_MAX_DIMS];
      PDT(PdH5ReadFloatArray(PETSC_COMM_SELF, f1, names[k], &na, sa, &a));
      PDT(PdH5ReadFloatArray(PETSC_COMM_SELF, "mpi_cavity_np2.h5", names[k], &nb, sb, &b));
      assert_int_equal(na, 2);
      assert_int_equal(nb, 2);
      assert_int_equal(sa[0] * sa[1], 17 * 17);
      assert_int_equal(sb[0] * sb[1], 17 * 17);
      for (PetscInt q = 0; q < 17 * 17; q++) diff[k] = PetscMax(diff[k], PetscAbsReal(a[q] - b[q]));
      PDT(PetscFree(a));
      PDT(PetscFree(b));
    }
    print_message("cavity 17^2, 1 vs 2 ranks: max difference u %.2g, v %.2g, p %.2g, psi %.2g\n", diff[0], diff[1], diff[2], diff[3]);
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
  PDT_CLEAR_OPTIONS(opts);
  PDT(PetscOptionsClearValue(NULL, "-o"));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_cavity_two_ranks)};
PDT_MAIN("mpi_cavity", tests)
