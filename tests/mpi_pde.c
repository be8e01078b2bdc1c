/* Two-rank tests of the PETSc problems: a Poisson solve distributed over 2 ranks equals the same
   solve on one rank to solver tolerance, and the datasets of darcy and antiderivative (PdDatasetGenerate)
   are the same on 2 ranks as on 1. Everything is built by its setters (the one option: -quiet). */
#include "pdtest.h"
#include <pdeop/poisson.h>
#include <pdeop/mesh.h>
#include <pdeop/field.h>
#include <pdeop/solve.h>
#include <pdeop/problem.h>

/* the FD Poisson solve of PdPoissonSolveFD (its operator and right-hand side, CG) with a KSP made by
   its setters: Jacobi, rtol 1e-12; the solution as a sample and the L2 error */
static void PoissonSolve(DM da, float s[], PetscReal *err)
{
  Mat                A;
  Vec                b, u;
  KSP                ksp;
  PC                 pc;
  KSPConvergedReason reason;

  PDT(DMCreateMatrix(da, &A));
  PDT(PdPoissonFDOperator(da, A));
  PDT(DMCreateGlobalVector(da, &b));
  PDT(VecDuplicate(b, &u));
  PDT(PdPoissonFDRHS(da, PD_MMS_TRIG, b));
  PDT(KSPCreate(PetscObjectComm((PetscObject)da), &ksp));
  PDT(KSPSetOperators(ksp, A, A));
  PDT(KSPSetType(ksp, KSPCG));
  PDT(KSPGetPC(ksp, &pc));
  PDT(PCSetType(pc, PCJACOBI));
  PDT(KSPSetTolerances(ksp, 1e-12, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PDT(KSPSolve(ksp, b, u));
  PDT(KSPGetConvergedReason(ksp, &reason));
  assert_true(reason > 0);
  PDT(PdPoissonFDError(da, PD_MMS_TRIG, u, NULL, err));
  PDT(PdVecToSample(da, u, s));
  PDT(KSPDestroy(&ksp));
  PDT(VecDestroy(&u));
  PDT(VecDestroy(&b));
  PDT(MatDestroy(&A));
}

static void test_poisson_two_ranks(void **state)
{
  DM        d1, d2;
  PetscReal e1, e2;
  float     s1[33 * 33], s2[33 * 33];

  PDT(PdMeshCreateDA(PETSC_COMM_WORLD, 2, 33, &d2));
  PoissonSolve(d2, s2, &e2);
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, 33, &d1));
  PoissonSolve(d1, s1, &e1);
  for (int i = 0; i < 33 * 33; i++) PDT_CLOSE(s1[i], s2[i], 1e-9 + 1e-6 * fabs(s1[i]));
  PDT_CLOSE(e1, e2, 1e-8);
  assert_true(e1 > 0 && e1 < 1e-2); /* a solution of the problem, not two equal wrong ones */
  PDT(DMDestroy(&d1));
  PDT(DMDestroy(&d2));
}

/* the dataset of n samples of a data-mode problem built by set (its setters), on comm (gathered on
   its rank 0) */
static void Generate(MPI_Comm comm, PdProblemType type, PetscErrorCode (*set)(PdProblem), PetscInt n, PdDataset *ds)
{
  PdProblem p;
  PdDict    r;

  PDT(PdProblemCreate(comm, &p));
  PDT(PdProblemSetType(p, type));
  PDT(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT(set(p));
  PDT(PdDictCreate(&r));
  PDT(PdDatasetGenerate(p, n, ds, r));
  PDT(PdDictDestroy(&r));
  PDT(PdProblemDestroy(&p));
}

/* the dataset of a recipe (its settings made by set) on 2 ranks and on rank 0 alone: the same N
   samples, float for float */
static void SameOnOneAndTwoRanks(PdProblemType type, PetscErrorCode (*set)(PdProblem), PetscInt N)
{
  PdDataset   a, b;
  PetscMPIInt rank;
  int         same = 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  PDT(PetscOptionsSetValue(NULL, "-quiet", NULL)); /* the progress lines (no setter: a program option) */
  Generate(PETSC_COMM_WORLD, type, set, N, &b);
  if (rank == 0) {
    Generate(PETSC_COMM_SELF, type, set, N, &a);
    assert_int_equal(a.N, N);
    assert_int_equal(b.N, N);
    assert_int_equal(a.in_size, b.in_size);
    assert_int_equal(a.out_size, b.out_size);
    assert_non_null(a.inputs);
    assert_non_null(b.inputs);
    for (PetscInt i = 0; i < N * a.in_size; i++) same = same && a.inputs[i] == b.inputs[i];
    for (PetscInt i = 0; i < N * a.out_size; i++) same = same && a.outputs[i] == b.outputs[i];
    PDT(PdDatasetFree(&a));
  }
  PDT(PdDatasetFree(&b));
  PDT(MPI_Bcast(&same, 1, MPI_INT, 0, PETSC_COMM_WORLD)); /* every rank asserts: none waits */
  assert_true(same);
  PDT(PetscOptionsClearValue(NULL, "-quiet"));
}

/* 5 coefficients stored at 9 x 9, solved at 33 x 33, seed 3 */
static PetscErrorCode SetDarcy(PdProblem p)
{
  PetscFunctionBegin;
  PetscCall(PdProblemDarcySetSampleGrid(p, 9, 33));
  PetscCall(PdProblemSetSeed(p, 3));
  PetscFunctionReturn(0);
}

static void test_data_darcy_two_ranks(void **state)
{
  SameOnOneAndTwoRanks(PDPROBLEMDARCY, SetDarcy, 5);
}

/* 20 sensors (10 fine points per interval, the default), seed 2 */
static PetscErrorCode SetAntiderivative(PdProblem p)
{
  PetscFunctionBegin;
  PetscCall(PdProblemAntiderivativeSetSensors(p, 20, 10));
  PetscCall(PdProblemSetSeed(p, 2));
  PetscFunctionReturn(0);
}

/* 7 functions: an uneven split (3 + 4) */
static void test_data_antiderivative_two_ranks(void **state)
{
  SameOnOneAndTwoRanks(PDPROBLEMANTIDERIV, SetAntiderivative, 7);
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_poisson_two_ranks), cmocka_unit_test(test_data_darcy_two_ranks), cmocka_unit_test(test_data_antiderivative_two_ranks)};
PDT_MAIN("mpi_pde", tests)
