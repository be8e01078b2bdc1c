/* Tests of the lid-driven cavity (solvers/pde/impls/cavity/): the pressure matrix is the symmetric Neumann
   Laplacian with one pinned cell (constants are in its kernel away from the pin, CG solves it), and
   the node fields written by -o keep the wall conditions (no-slip, lid u = 1, psi = 0 on the walls). */
#include "pdtest_cavity.h"
#include <petscdmda.h>
#include <pdeop/solve.h>
#include <pdeop/problem.h>
#include <pdeop/io.h>

/* On 9 x 9 points (8 x 8 cells): symmetric, and A * (1 on every cell) is 1 exactly at the pinned
   cell (0,0) and its two neighbours (whose couplings to the pin were dropped), 0 elsewhere. */
static void test_pressure_operator(void **state)
{
  const PetscInt     n = 9, nc = n - 1;
  DM                 da;
  Mat                A;
  Vec                e, r, b, x;
  KSP                ksp;
  PetscBool          sym;
  const PetscScalar *ra;
  PetscScalar       *ea;
  KSPConvergedReason reason;

  PDT(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n, n, 1, 1, 1, 1, NULL, NULL, &da));
  PDT(DMSetUp(da));
  PDT(DMCreateMatrix(da, &A));
  PDT(PdCavityPressureOperator(da, A));
  PDT(MatIsSymmetric(A, 0.0, &sym));
  assert_true(sym);
  PDT(DMCreateGlobalVector(da, &e));
  PDT(VecDuplicate(e, &r));
  PDT(VecGetArray(e, &ea));
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt i = 0; i < n; i++) ea[j * n + i] = (i < nc && j < nc) ? 1 : 0;
  PDT(VecRestoreArray(e, &ea));
  PDT(MatMult(A, e, r));
  PDT(VecGetArrayRead(r, &ra));
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt i = 0; i < n; i++) {
      const double want = (i + j <= 1 && i < nc && j < nc) ? 1 : 0;
      if (PetscAbsScalar(ra[j * n + i] - want) > 1e-14) fail_msg("(A 1)[%d][%d] = %g, want %g", (int)j, (int)i, (double)PetscRealPart(ra[j * n + i]), want);
    }
  PDT(VecRestoreArrayRead(r, &ra));
  /* CG + Jacobi (SPD needed) converges on a random right-hand side */
  PDT(VecDuplicate(e, &b));
  PDT(VecDuplicate(e, &x));
  PDT(VecSetRandom(b, NULL));
  PDT(KSPCreate(PETSC_COMM_SELF, &ksp));
  PDT(KSPSetOperators(ksp, A, A));
  PDT(KSPSetType(ksp, KSPCG));
  {
    PC pc;
    PDT(KSPGetPC(ksp, &pc));
    PDT(PCSetType(pc, PCJACOBI));
  }
  PDT(KSPSetTolerances(ksp, 1e-10, 0, PETSC_DEFAULT, 1000));
  PDT(KSPSolve(ksp, b, x));
  PDT(KSPGetConvergedReason(ksp, &reason));
  assert_true(reason > 0);
  PDT(KSPDestroy(&ksp));
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&x));
  PDT(VecDestroy(&e));
  PDT(VecDestroy(&r));
  PDT(MatDestroy(&A));
  PDT(DMDestroy(&da));
}

/* A short run (not steady) on 17 x 17 nodes: the file's fields are N x N and keep the walls'
   conditions (PdtCavityCheckWalls) */
static void test_node_fields(void **state)
{
  const PetscInt N = 17;
  const char    *file = "test_cavity.h5", *names[4] = {"/u", "/v", "/psi", "/omega"};
  const char    *opts[][2] = {{"-re", "100"}, {"-n", "17"}, {"-t_max", "1"}, {"-o", "test_cavity.h5"}, {"-quiet", NULL}};
  PdDict         r;
  double         f[4][17 * 17];
  int            nd;
  PetscInt       shape[PD_MAX_DIMS];
  PetscBool      steady;
  PetscInt64     steps;

  PDT_SET_OPTIONS(opts);
  PDT(PdDictCreate(&r));
  PDT(PdtCavityRun(PETSC_COMM_SELF, r));
  PDT(PdDictGetBool(r, "steady", &steady));
  PDT(PdDictGetInt(r, "steps", &steps));
  assert_false(steady);
  assert_true(steps > 10);
  for (int q = 0; q < 4; q++) {
    float *a;
    PDT(PdH5ReadFloatArray(PETSC_COMM_SELF, file, names[q], &nd, shape, &a));
    assert_int_equal(nd, 2);
    assert_int_equal(shape[0], N);
    assert_int_equal(shape[1], N);
    for (PetscInt k = 0; k < N * N; k++) f[q][k] = a[k]; /* exact: float to double */
    PDT(PetscFree(a));
  }
  PdtCavityCheckWalls(N, f[0], f[1], f[2], f[3]);
  PDT(PdDictDestroy(&r));
  PDT_CLEAR_OPTIONS(opts);
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_pressure_operator), cmocka_unit_test(test_node_fields)};
PDT_MAIN("test_cavity", tests)
