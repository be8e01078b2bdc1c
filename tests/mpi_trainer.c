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
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_share_two_ranks), cmocka_unit_test(test_owned_two_ranks), cmocka_unit_test(test_resume_two_ranks)};
PDT_MAIN("mpi_trainer", tests)
