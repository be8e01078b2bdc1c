/* Two-rank tests of PdTrainer with the least-squares objective of trainer_lsq.h: a batch split over
   two ranks (shares of each batch, or items owned by ranks) trains the weights a one-rank run does,
   to float rounding of the different summation order; resume on two ranks is bit-identical to an
   uninterrupted two-rank run. */
#include "trainer_lsq.h"

static void TwoRanksMatchOne(PetscBool owned)
{
  PdTrainer    one, two;
  const float *w1, *w2;

  PDT(NewTrainer(PETSC_COMM_SELF, 20, &one));
  PDT(NewTrainer(PETSC_COMM_WORLD, 20, &two));
  if (owned) {
    PDT(SetOwned(one));
    PDT(SetOwned(two));
  }
  PDT(PdTrainerTrain(one));
  PDT(PdTrainerTrain(two));
  PDT(Weights(one, &w1));
  PDT(Weights(two, &w2));
  for (int d = 0; d < DIM; d++) PDT_CLOSE(w1[d], w2[d], 1e-5);
  PDT(PdTrainerDestroy(&one));
  PDT(PdTrainerDestroy(&two));
}

static void test_share_two_ranks(void **state)
{
  TwoRanksMatchOne(PETSC_FALSE);
}

static void test_owned_two_ranks(void **state)
{
  TwoRanksMatchOne(PETSC_TRUE);
}

static void test_resume_two_ranks(void **state)
{
  ResumeMatches(PETSC_COMM_WORLD, "mpi_lsq_half.h5");
  ResumeMatchesOf(PETSC_COMM_WORLD, "mpi_lsq2_muon_half.h5", "lsq2", PD_OPTIM_MUON);
}

/* muon and polargrad: two ranks train the weights one rank does (to the rounding of the summation
   order, which the orthogonalisation does not amplify here), and both ranks hold the same weights */
static void test_matrix_optimizers_two_ranks(void **state)
{
  for (int k = 0; k < 2; k++) {
    PdTrainer    one, two;
    const float *w1, *w2;
    PetscInt     n;
    float       *w0;
    PdOptimType  type = k ? PD_OPTIM_POLARGRAD : PD_OPTIM_MUON;
    PDT(NewTrainerOf(PETSC_COMM_SELF, 8, "lsq2", type, &one));
    PDT(NewTrainerOf(PETSC_COMM_WORLD, 8, "lsq2", type, &two));
    PDT(PdTrainerTrain(one));
    PDT(PdTrainerTrain(two));
    PDT(Weights(one, &w1));
    PDT(Weights(two, &w2));
    PDT(WeightsSize(one, &n));
    {
      double dmax = 0;
      for (PetscInt i = 0; i < n; i++) dmax = PetscMax(dmax, fabs((double)w1[i] - w2[i]));
      PDT(PetscPrintf(PETSC_COMM_WORLD, "%s: 1 vs 2 ranks, largest difference %.3g\n", k ? "polargrad" : "muon", dmax));
    }
    for (PetscInt i = 0; i < n; i++) PDT_CLOSE(w1[i], w2[i], 1e-5);
    PDT(PetscMalloc1(n, &w0));
    PDT(PetscArraycpy(w0, w2, n));
    PDT(MPI_Bcast(w0, (int)n, MPI_FLOAT, 0, PETSC_COMM_WORLD));
    assert_memory_equal(w0, w2, n * sizeof(float)); /* every rank took the same steps */
    PDT(PetscFree(w0));
    PDT(PdTrainerDestroy(&one));
    PDT(PdTrainerDestroy(&two));
  }
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_share_two_ranks), cmocka_unit_test(test_owned_two_ranks), cmocka_unit_test(test_resume_two_ranks), cmocka_unit_test(test_matrix_optimizers_two_ranks)};
PDT_MAIN("mpi_trainer", tests)
