/* From C, the way a user's program would: generate Darcy data with PETSc (random coefficients
   from pdeop's Gaussian random fields, the Darcy operator, a KSP solve per sample), train an FNO on
   it with PdTrainer and evaluate it on held-out samples against the error of always predicting the
   training mean.

     example_darcy_fno -n 29 -ntrain 100 -ntest 20 -epochs 30 -fno_width 16 -fno_modes 8   */
#include <pdeop/pdeop.h>

/* N samples on an n x n grid: inputs a (the 12/3 thresholded field), outputs u with -div(a grad u) = 1 */
static PetscErrorCode MakeData(PetscInt n, PetscInt N, PetscInt64 seed, PdDataset *ds)
{
  DM       da;
  Mat      A;
  Vec      b, u;
  KSP      ksp;
  double  *a;
  PetscInt size = n * n;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ds, sizeof(*ds)));
  ds->N       = N;
  ds->in_ndim = ds->out_ndim = 4;
  ds->in_shape[0] = ds->out_shape[0] = N;
  ds->in_shape[1] = ds->out_shape[1] = 1;
  ds->in_shape[2] = ds->out_shape[2] = n;
  ds->in_shape[3] = ds->out_shape[3] = n;
  ds->in_size = ds->out_size = size;
  PetscCall(PetscMalloc1(N * size, &ds->inputs)); /* PdDatasetFree frees each */
  PetscCall(PetscMalloc1(N * size, &ds->outputs));
  PetscCall(PdDictCreate(&ds->attrs));
  /* one rank per sample set: the grid is small */
  PetscCall(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n, n, 1, 1, 1, 1, NULL, NULL, &da));
  PetscCall(DMSetUp(da));
  PetscCall(DMCreateMatrix(da, &A));
  PetscCall(DMCreateGlobalVector(da, &b));
  PetscCall(VecDuplicate(b, &u));
  PetscCall(PdDarcyRHS(da, NULL, 1.0, b));
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetTolerances(ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(PetscMalloc1(size, &a));
  for (PetscInt s = 0; s < N; s++) {
    PdRng              rng;
    const PetscScalar *ua;
    KSPConvergedReason reason;
    PetscCall(PdRngSeed(&rng, (uint64_t)seed, (uint64_t)s));
    PetscCall(PdGaussianRandomField2D(n, PD_DARCY_ALPHA, PD_DARCY_TAU, &rng, a)); /* the FNO paper's alpha = 2, tau = 3 */
    PetscCall(PdFieldThreshold(size, a, PD_DARCY_A_HIGH, PD_DARCY_A_LOW));
    PetscCall(PdDarcyOperator(da, a, PD_FACE_HARMONIC, A));
    PetscCall(KSPSetOperators(ksp, A, A));
    PetscCall(KSPSolve(ksp, b, u));
    PetscCall(KSPGetConvergedReason(ksp, &reason));
    PetscCheck(reason > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "Sample %" PetscInt_FMT ": the solve diverged (%s)", s, KSPConvergedReasons[reason]);
    PetscCall(VecGetArrayRead(u, &ua));
    for (PetscInt k = 0; k < size; k++) {
      ds->inputs[s * size + k]  = (float)a[k];
      ds->outputs[s * size + k] = (float)PetscRealPart(ua[k]);
    }
    PetscCall(VecRestoreArrayRead(u, &ua));
  }
  PetscCall(PetscFree(a));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscCall(DMDestroy(&da));
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
