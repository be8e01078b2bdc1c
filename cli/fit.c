/* `pdeop fit`: train an MLP on rows of an HDF5 dataset (or on the built-in -demo function
   y = sin(2 pi x1) cos(pi x2)), write a checkpoint, report the final MSE. */
#include "cli.h"
#include <pdeop/options.h>
#include <pdeop/train.h>

/* The demo's data: n points uniform in the unit square, y = sin(2 pi x1) cos(pi x2). */
static PetscErrorCode DemoData(PetscInt n, uint64_t seed, uint64_t stream, PdDataset *ds)
{
  PdRng rng;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ds, sizeof(*ds)));
  ds->N            = n;
  ds->in_ndim      = 2;
  ds->out_ndim     = 2;
  ds->in_shape[0]  = n;
  ds->in_shape[1]  = 2;
  ds->out_shape[0] = n;
  ds->out_shape[1] = 1;
  ds->in_size      = 2;
  ds->out_size     = 1;
  PetscCall(PetscMalloc2(2 * n, &ds->inputs, n, &ds->outputs));
  PetscCall(PdRngSeed(&rng, seed, stream));
  PetscCall(PdRngFillUniform(&rng, 2 * n, ds->inputs, 0.0f, 1.0f));
  for (PetscInt i = 0; i < n; i++) ds->outputs[i] = (float)(PetscSinReal(2 * PETSC_PI * ds->inputs[2 * i]) * PetscCosReal(PETSC_PI * ds->inputs[2 * i + 1]));
  PetscCall(PdDictCreate(&ds->attrs));
  PetscCall(PdDictSetString(ds->attrs, "function", "sin(2 pi x1) cos(pi x2)"));
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeDemo(PdDataset *ds)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(ds->inputs, ds->outputs));
  PetscCall(PdDictDestroy(&ds->attrs));
  PetscFunctionReturn(0);
}

PetscErrorCode PdCommandFit(MPI_Comm comm, const char sub[], PdDict report)
{
  char      data[PETSC_MAX_PATH_LEN] = "", test[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", resume[PETSC_MAX_PATH_LEN] = "", demo_save[PETSC_MAX_PATH_LEN] = "";
  PetscBool demo = PETSC_FALSE, help, hastest = PETSC_FALSE;
  PetscInt  demo_n = 4096, epoch0 = 0;
  PdDataset train, testset;
  NOp       nop;
  PdTrainer tr;
  PdOptim   optim;
  double    mse, test_mse;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&train, sizeof(train)));
  PetscCall(PetscMemzero(&testset, sizeof(testset)));
  PetscOptionsBegin(comm, NULL, "pdeop fit: train an MLP on rows of inputs/outputs", "pdeop");
  PetscCall(PetscOptionsBool("-demo", "Train on the built-in function y = sin(2 pi x1) cos(pi x2)", "", demo, &demo, NULL));
  PetscCall(PdOptionsInt("-demo_n", "Points in the demo's training set", "", demo_n, &demo_n, NULL));
  PetscCall(PetscOptionsString("-demo_save", "Also write the demo's training set to this HDF5 file", "", demo_save, demo_save, sizeof(demo_save), NULL));
  PetscCall(PetscOptionsString("-data", "HDF5 training set with /inputs and /outputs (N x ...)", "", data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsString("-test", "HDF5 test set", "", test, test, sizeof(test), &hastest));
  PetscCall(PetscOptionsString("-o", "Checkpoint to write (HDF5)", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsString("-resume", "Continue training from this checkpoint", "", resume, resume, sizeof(resume), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (!help) {
    PetscCheck(demo || data[0], comm, PETSC_ERR_ARG_WRONG, "Give a training set with -data file.h5, or -demo for the built-in example");
    PetscCheck(!(demo && data[0]), comm, PETSC_ERR_ARG_INCOMP, "Give either -data or -demo, not both");
    PetscCheck(demo_n >= 16, comm, PETSC_ERR_ARG_OUTOFRANGE, "-demo_n must be at least 16, got %" PetscInt_FMT, demo_n);
  }

  /* model: from the checkpoint when resuming, otherwise from options */
  if (resume[0] && !help) {
    PetscCall(NOpLoad(comm, resume, &nop, &epoch0));
  } else {
    PetscCall(NOpCreate(comm, &nop));
    PetscCall(NOpSetType(nop, NOPMLP));
    PetscCall(NOpSetSeed(nop, 1));
    PetscCall(NOpSetFromOptions(nop));
  }
  if (help) {
    PdTrainer t0;
    PetscInt  one = 1;
    PetscCall(NOpSetShapes(nop, 1, &one, 1, &one));
    PetscCall(PdTrainerCreate(nop, &t0));
    PetscCall(PdTrainerSetFromOptions(t0));
    PetscCall(PdTrainerDestroy(&t0));
    PetscCall(NOpDestroy(&nop));
    PetscFunctionReturn(0);
  }

  if (demo) {
    PetscInt64 seed;
    PetscCall(NOpGetSeed(nop, &seed));
    PetscCall(DemoData(demo_n, (uint64_t)seed, PD_RNG_STREAM_FIT_TRAIN, &train));
    PetscCall(DemoData(1024, (uint64_t)seed, PD_RNG_STREAM_FIT_TEST, &testset));
    hastest = PETSC_TRUE;
    if (demo_save[0]) PetscCall(PdDatasetWrite(comm, demo_save, &train));
  } else {
    PetscCall(PdDatasetRead(comm, data, PETSC_TRUE, &train));
    if (hastest) PetscCall(PdDatasetRead(comm, test, PETSC_TRUE, &testset));
  }
  if (!resume[0]) PetscCall(NOpSetShapes(nop, train.in_ndim - 1, train.in_shape + 1, train.out_ndim - 1, train.out_shape + 1));

  PetscCall(PdTrainerCreate(nop, &tr));
  PetscCall(PdTrainerSetData(tr, &train, hastest ? &testset : NULL));
  PetscCall(PdTrainerSetLoss(tr, PD_LOSS_MSE));
  PetscCall(PdTrainerGetOptim(tr, &optim));
  PetscCall(PdOptimSetType(optim, PD_OPTIM_ADAM));
  if (demo) { /* defaults that reach MSE < 1e-3 on the demo in seconds; options override */
    PetscCall(PdTrainerSetEpochs(tr, 150));
    PetscCall(PdTrainerSetBatchSize(tr, 64));
    PetscCall(PdOptimSetLearningRate(optim, 3e-3));
    PetscCall(PdOptimSetSchedule(optim, PD_SCHEDULE_COSINE, 1, 1, 1.0));
  }
  PetscCall(PdCommandTrainerFinishSetUp(comm, tr, out, resume, "fit"));
  {
    PetscInt np;
    PetscCall(NOpGetParamCount(nop, &np));
    PetscCall(PdPrintf(comm, "pdeop fit: %" PetscInt_FMT " training samples, %s model with %" PetscInt_FMT " parameters\n", train.N, NOPMLP, np));
  }
  PetscCall(PdTrainerTrain(tr));
  PetscCall(PdTrainerEvaluate(tr, &train, PD_LOSS_MSE, &mse, NULL));
  PetscCall(PdTrainerReport(tr, report));
  PetscCall(PdDictSetReal(report, "mse", mse));
  PetscCall(PetscPrintf(comm, "mse %.6e", mse));
  if (hastest) {
    PetscCall(PdTrainerEvaluate(tr, &testset, PD_LOSS_MSE, &test_mse, NULL));
    PetscCall(PdDictSetReal(report, "test_mse", test_mse));
    PetscCall(PetscPrintf(comm, "  test_mse %.6e", test_mse));
  }
  PetscCall(PetscPrintf(comm, "\n"));
  if (out[0]) PetscCall(PdDictSetString(report, "checkpoint", out));
  PetscCall(PdTrainerDestroy(&tr));
  PetscCall(NOpDestroy(&nop));
  if (demo) {
    PetscCall(FreeDemo(&train));
    PetscCall(FreeDemo(&testset));
  } else {
    PetscCall(PdDatasetFree(&train));
    if (hastest) PetscCall(PdDatasetFree(&testset));
  }
  PetscFunctionReturn(0);
}
