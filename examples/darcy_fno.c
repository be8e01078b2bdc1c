/* From C, the way a user's program would: generate Darcy data with a PdProblem (random coefficients
   from pdeop's Gaussian random fields, the Darcy operator, a KSP solve per sample), train an FNO on
   it with PdTrainer and evaluate it on held-out samples against the error of always predicting the
   training mean.

     example_darcy_fno -n 29 -ntrain 100 -ntest 20 -epochs 30 -fno_width 16 -fno_modes 8   */
#include <pdeop/pdeop.h>

/* N samples of the Darcy recipe on an n x n grid (pdeop data darcy's: inputs a, the 12/3 thresholded
   Gaussian random field; outputs u with -div(a grad u) = 1, solved by PETSc), drawn from the streams
   (seed, 0..N-1). Each rank draws them all: the grid is small, and the trainer wants them everywhere. */
static PetscErrorCode MakeData(PetscInt n, PetscInt N, PetscInt64 seed, PdDataset *ds)
{
  PdProblem p;

  PetscFunctionBegin;
  PetscCall(PdProblemCreate(PETSC_COMM_SELF, &p));
  PetscCall(PdProblemSetType(p, PDPROBLEMDARCY));
  PetscCall(PdProblemSetDataMode(p, PETSC_TRUE));
  PetscCall(PdProblemDarcySetSampleGrid(p, n, n)); /* stored at n x n, solved at n x n */
  PetscCall(PdProblemSetSeed(p, seed));
  PetscCall(PdDatasetGenerate(p, N, ds, NULL));
  PetscCall(PdProblemDestroy(&p));
  PetscFunctionReturn(0);
}

/* relative L2 error of predicting the training set's mean output field for every test sample */
static double MeanBaseline(const PdDataset *train, const PdDataset *test)
{
  PetscInt size = train->out_size;
  double   err  = 0;
  for (PetscInt s = 0; s < test->N; s++) {
    double num = 0, den = 0;
    for (PetscInt k = 0; k < size; k++) {
      double m = 0;
      for (PetscInt t = 0; t < train->N; t++) m += train->outputs[t * size + k];
      m /= (double)train->N;
      num += (test->outputs[s * size + k] - m) * (test->outputs[s * size + k] - m);
      den += test->outputs[s * size + k] * test->outputs[s * size + k];
    }
    err += sqrt(num / den);
  }
  return err / (double)test->N;
}

int main(int argc, char **argv)
{
  PdDataset train, test;
  NOp       nop;
  PdTrainer tr;
  PetscInt  n = 29, ntrain = 100, ntest = 20, epochs = 30;
  double    err, baseline;
  PetscBool learned;

  PetscCall(PdInitialize(&argc, &argv, NULL, "Darcy data with PETSc, an FNO trained and evaluated with pdeop\n"));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Darcy FNO example", NULL);
  PetscCall(PetscOptionsInt("-n", "Grid side", NULL, n, &n, NULL));
  PetscCall(PetscOptionsInt("-ntrain", "Training samples", NULL, ntrain, &ntrain, NULL));
  PetscCall(PetscOptionsInt("-ntest", "Test samples", NULL, ntest, &ntest, NULL));
  PetscCall(PetscOptionsInt("-epochs", "Epochs", NULL, epochs, &epochs, NULL));
  PetscOptionsEnd();
  PetscCheck(n >= 5 && ntrain >= 1 && ntest >= 1 && epochs >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "Need -n >= 5 and positive -ntrain, -ntest, -epochs");
  PetscCall(MakeData(n, ntrain, 1, &train));
  PetscCall(MakeData(n, ntest, 2, &test));

  PetscCall(NOpCreate(PETSC_COMM_WORLD, &nop));
  PetscCall(NOpSetType(nop, NOPFNO));
  PetscCall(NOpSetShapes(nop, 3, train.in_shape + 1, 3, train.out_shape + 1));
  PetscCall(NOpSetFromOptions(nop)); /* -fno_width, -fno_modes, -fno_layers, ... */
  PetscCall(PdTrainerCreate(nop, &tr));
  PetscCall(PdTrainerSetData(tr, &train, NULL));
  PetscCall(PdTrainerSetLoss(tr, PD_LOSS_REL_L2));
  PetscCall(PdTrainerSetNormalize(tr, PETSC_TRUE));
  PetscCall(PdTrainerSetEpochs(tr, epochs));
  PetscCall(PdTrainerSetBatchSize(tr, 10));
  PetscCall(PdTrainerSetFromOptions(tr)); /* -lr, -optim, ... */
  PetscCall(PdTrainerTrain(tr));
  PetscCall(PdTrainerEvaluate(tr, &test, PD_LOSS_REL_L2, &err, NULL));
  baseline = MeanBaseline(&train, &test);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "FNO test relative L2 error %.4f; predicting the training mean: %.4f\n", err, baseline));
  learned = (PetscBool)(err < 0.5 * baseline);
  if (!learned) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "the FNO has not yet halved the mean's error: train on more samples or for more epochs (-ntrain, -epochs)\n"));
  PetscCall(PdTrainerDestroy(&tr));
  PetscCall(NOpDestroy(&nop));
  PetscCall(PdDatasetFree(&train));
  PetscCall(PdDatasetFree(&test));
  PetscCall(PetscFinalize());
  return learned ? 0 : 1; /* the test suite runs this example and counts on it */
}
