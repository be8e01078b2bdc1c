/* Tests of the lid-driven cavity (solvers/pde/impls/cavity/): the pressure matrix is the symmetric Neumann
   Laplacian with one pinned cell (constants are in its kernel away from the pin, CG solves it), and
   the node fields written by -o keep the wall conditions (no-slip, lid u = 1, psi = 0 on the walls). */
#include "pdtest.h"
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

/* What `pdeop solve cavity` does: the problem from the options, solved, its fields written */
static PetscErrorCode RunCavity(MPI_Comm comm, PdDict r)
{
  PdProblem p;

  PetscFunctionBegin;
  PetscCall(PdProblemCreate(comm, &p));
  PetscCall(PdProblemSetType(p, PDPROBLEMCAVITY));
  PetscCall(PdProblemSetFromOptions(p));
  PetscCall(PdProblemSetUp(p));
  PetscCall(PdProblemSolve(p));
  PetscCall(PdProblemWriteFields(p));
  PetscCall(PdProblemGetReport(p, r));
  PetscCall(PdProblemDestroy(&p));
  PetscFunctionReturn(0);
}

/* A short run (not steady) on 17 x 17 nodes: the file's fields are N x N, u = 0 on the walls except
   the lid's interior nodes (u = 1), v = 0 on the walls, psi = 0 on all walls (the net flux through
   every vertical line vanishes when div u = 0), and the main vortex turns clockwise (omega < 0). */
static void test_node_fields(void **state)
{
  const PetscInt N = 17;
  const char    *file = "test_cavity.h5";
  const char    *opts[][2] = {{"-re", "100"}, {"-n", "17"}, {"-t_max", "1"}, {"-o", "test_cavity.h5"}, {"-quiet", NULL}};
  PdDict         r;
  float         *u, *v, *psi, *w;
  int            nd;
  PetscInt       shape[PD_MAX_DIMS];
  PetscBool      steady;
  PetscInt64     steps;

  for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) PDT(PetscOptionsSetValue(NULL, opts[k][0], opts[k][1]));
  PDT(PdDictCreate(&r));
  PDT(RunCavity(PETSC_COMM_SELF, r));
  PDT(PdDictGetBool(r, "steady", &steady));
  PDT(PdDictGetInt(r, "steps", &steps));
  assert_false(steady);
  assert_true(steps > 10);
  PDT(PdH5ReadFloatArray(PETSC_COMM_SELF, file, "/u", &nd, shape, &u));
  assert_int_equal(nd, 2);
  assert_int_equal(shape[0], N);
  assert_int_equal(shape[1], N);
  PDT(PdH5ReadFloatArray(PETSC_COMM_SELF, file, "/v", &nd, shape, &v));
  PDT(PdH5ReadFloatArray(PETSC_COMM_SELF, file, "/psi", &nd, shape, &psi));
  PDT(PdH5ReadFloatArray(PETSC_COMM_SELF, file, "/omega", &nd, shape, &w));
  for (PetscInt k = 0; k < N; k++) {
    PDT_CLOSE(u[k], 0, 0);                                   /* bottom */
    PDT_CLOSE(u[(N - 1) * N + k], (k > 0 && k < N - 1), 0);  /* lid */
    PDT_CLOSE(u[k * N], 0, 0);                               /* left */
    PDT_CLOSE(u[k * N + N - 1], 0, 0);                       /* right */
    PDT_CLOSE(v[k], 0, 0);
    PDT_CLOSE(v[(N - 1) * N + k], 0, 0);
    PDT_CLOSE(v[k * N], 0, 0);
    PDT_CLOSE(v[k * N + N - 1], 0, 0);
    PDT_CLOSE(psi[k], 0, 1e-7);
    PDT_CLOSE(psi[(N - 1) * N + k], 0, 1e-6);
    PDT_CLOSE(psi[k * N], 0, 1e-7);
    PDT_CLOSE(psi[k * N + N - 1], 0, 1e-6);
  }
  assert_true(psi[(N / 2) * N + N / 2] < 0);
  assert_true(w[(N / 2) * N + N / 2] < 0);
  PDT(PetscFree(u));
  PDT(PetscFree(v));
  PDT(PetscFree(psi));
  PDT(PetscFree(w));
  PDT(PdDictDestroy(&r));
  for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) PDT(PetscOptionsClearValue(NULL, opts[k][0]));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_pressure_operator), cmocka_unit_test(test_node_fields)};
PDT_MAIN("test_cavity", tests)
