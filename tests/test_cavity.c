/* Tests of the lid-driven cavity (solvers/pde/impls/cavity/): the pressure matrix is the symmetric Neumann
   Laplacian with one pinned cell (constants are in its kernel away from the pin, CG solves it), and
   the node fields of a problem built by its setters keep the wall conditions (no-slip, lid u = 1,
   psi = 0 on the walls), and -o writes them. */
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

/* A short run (not steady) on 17 x 17 nodes, built by the setters (Re 100, t_max 1): the node fields
   keep the walls' conditions (PdtCavityCheckWalls), and the -o file (an option: the output has no
   setter; set-from-options leaves the setters' values) holds them N x N, each the float of the field */
static void test_node_fields(void **state)
{
  const PetscInt N    = 17;
  const char    *file = "test_cavity.h5", *names[5] = {"/u", "/v", "/p", "/psi", "/omega"};
  const char    *opts[][2] = {{"-o", "test_cavity.h5"}, {"-quiet", NULL}};
  PdProblem      p;
  PdDict         r;
  const double  *f[5];
  int            nd;
  PetscInt       shape[PD_MAX_DIMS], n;
  PetscBool      steady;
  PetscInt64     steps, rn;

  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT(PdProblemSetType(p, PDPROBLEMCAVITY));
  PDT(PdProblemCavitySetReynolds(p, 100));
  PDT(PdProblemCavitySetGridSize(p, N));
  PDT(PdProblemCavitySetMaxTime(p, 1));
  PDT_SET_OPTIONS(opts);
  PDT(PdProblemSetFromOptions(p));
  PDT(PdProblemSetUp(p));
  PDT(PdProblemSolve(p));
  PDT(PdProblemWriteFields(p));
  PDT(PdDictCreate(&r));
  PDT(PdProblemGetReport(p, r));
  PDT(PdDictGetBool(r, "steady", &steady));
  PDT(PdDictGetInt(r, "steps", &steps));
  PDT(PdDictGetInt(r, "n", &rn));
  assert_false(steady);
  assert_true(steps > 10);
  assert_int_equal(rn, N);
  PDT(PdProblemCavityGetNodeFields(p, &n, f));
  assert_int_equal(n, N);
  PdtCavityCheckWalls(N, f[0], f[1], f[3], f[4]);
  for (int q = 0; q < 5; q++) {
    float *a;
    PDT(PdH5ReadFloatArray(PETSC_COMM_SELF, file, names[q], &nd, shape, &a));
    assert_int_equal(nd, 2);
    assert_int_equal(shape[0], N);
    assert_int_equal(shape[1], N);
    for (PetscInt k = 0; k < N * N; k++)
      if (a[k] != (float)f[q][k]) fail_msg("%s[%d] = %.9g in %s, %.9g in memory", names[q], (int)k, (double)a[k], file, f[q][k]);
    PDT(PetscFree(a));
  }
  PDT(PdDictDestroy(&r));
  PDT(PdProblemDestroy(&p));
  PDT_CLEAR_OPTIONS(opts);
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_pressure_operator), cmocka_unit_test(test_node_fields)};
PDT_MAIN("test_cavity", tests)
