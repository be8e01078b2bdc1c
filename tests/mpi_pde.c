/* Two-rank tests of the PETSc problems: a Poisson solve distributed over 2 ranks equals the same
   solve on one rank to solver tolerance, and the datasets of darcy and antiderivative (PdDatasetGenerate)
   are the same on 2 ranks as on 1. */
#include "pdtest.h"
#include <pdeop/poisson.h>
#include <pdeop/mesh.h>
#include <pdeop/field.h>
#include <pdeop/solve.h>
#include "pdtest_data.h"

static void test_poisson_two_ranks(void **state)
{
  const char *opts[][2] = {{"-ksp_rtol", "1e-12"}, {"-pc_type", "jacobi"}};
  DM        d1, d2;
  Vec       u1, u2;
  PetscReal e1, e2;
  float     s1[33 * 33], s2[33 * 33];
  PetscMPIInt rank;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  PDT_SET_OPTIONS(opts);
  PDT(PdMeshCreateDA(PETSC_COMM_WORLD, 2, 33, &d2));
  PDT(PdPoissonSolveFD(d2, PD_MMS_TRIG, NULL, &u2, &e2));
  PDT(PdVecToSample(d2, u2, s2));
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, 33, &d1));
  PDT(PdPoissonSolveFD(d1, PD_MMS_TRIG, NULL, &u1, &e1));
  PDT(PdVecToSample(d1, u1, s1));
  for (int i = 0; i < 33 * 33; i++) PDT_CLOSE(s1[i], s2[i], 1e-9 + 1e-6 * fabs(s1[i]));
  PDT_CLOSE(e1, e2, 1e-8);
  PDT_CLEAR_OPTIONS(opts);
  PDT(VecDestroy(&u1));
  PDT(VecDestroy(&u2));
  PDT(DMDestroy(&d1));
  PDT(DMDestroy(&d2));
}

/* the dataset of a recipe (its options given as name/value pairs, -o added here) on 2 ranks and on
   rank 0 alone: the same N samples, float for float */
static void SameOnOneAndTwoRanks(PdProblemType type, const char *const opts[], PetscInt N)
{
  PdDict      r;
  PdDataset   a, b;
  PetscMPIInt rank;
  int         same = 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  for (int i = 0; opts[i]; i += 2) PDT(PetscOptionsSetValue(NULL, opts[i], opts[i + 1]));
  PDT(PetscOptionsSetValue(NULL, "-quiet", NULL));
  PDT(PetscOptionsSetValue(NULL, "-o", "mpi_data_np2.h5"));
  PDT(PdDictCreate(&r));
  PDT(PdtDataRun(PETSC_COMM_WORLD, type, r));
  if (rank == 0) {
    PDT(PetscOptionsSetValue(NULL, "-o", "mpi_data_np1.h5"));
    PDT(PdtDataRun(PETSC_COMM_SELF, type, r));
    PDT(PdDatasetRead(PETSC_COMM_SELF, "mpi_data_np1.h5", PETSC_TRUE, &a));
    PDT(PdDatasetRead(PETSC_COMM_SELF, "mpi_data_np2.h5", PETSC_TRUE, &b));
    assert_int_equal(a.N, N);
    assert_int_equal(b.N, N);
    assert_int_equal(a.in_size, b.in_size);
    assert_int_equal(a.out_size, b.out_size);
    for (PetscInt i = 0; i < N * a.in_size; i++) same = same && a.inputs[i] == b.inputs[i];
    for (PetscInt i = 0; i < N * a.out_size; i++) same = same && a.outputs[i] == b.outputs[i];
    PDT(PdDatasetFree(&a));
    PDT(PdDatasetFree(&b));
  }
  PDT(MPI_Bcast(&same, 1, MPI_INT, 0, PETSC_COMM_WORLD)); /* every rank asserts: none waits */
  assert_true(same);
  PDT(PdDictDestroy(&r));
  for (int i = 0; opts[i]; i += 2) PDT(PetscOptionsClearValue(NULL, opts[i]));
  PDT(PetscOptionsClearValue(NULL, "-quiet"));
  PDT(PetscOptionsClearValue(NULL, "-o"));
}

static void test_data_darcy_two_ranks(void **state)
{
  const char *const opts[] = {"-n", "5", "-res", "9", "-fine", "33", "-seed", "3", NULL};
  SameOnOneAndTwoRanks(PDPROBLEMDARCY, opts, 5);
}

/* 7 functions: an uneven split (3 + 4) */
static void test_data_antiderivative_two_ranks(void **state)
{
  const char *const opts[] = {"-n", "7", "-m", "20", "-seed", "2", NULL};
  SameOnOneAndTwoRanks(PDPROBLEMANTIDERIV, opts, 7);
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_poisson_two_ranks), cmocka_unit_test(test_data_darcy_two_ranks), cmocka_unit_test(test_data_antiderivative_two_ranks)};
PDT_MAIN("mpi_pde", tests)
