/* `pdeop train`, `pdeop eval`, `pdeop predict`: train a neural operator on an HDF5 dataset, measure
   its relative L2 error on another, and write its predictions. Checkpoints carry the model. */
#include "cli.h"
#include <pdeop/options.h>
#include <pdeop/train.h>
#include <pdeop/output.h>

/* pdeop train's defaults, which differ from a bare PdTrainer's: relative L2 loss, batches of 20,
   per-channel normalisation */
static PetscErrorCode TrainDefaults(PdTrainer t)
{
  PetscFunctionBegin;
  PetscCall(PdTrainerSetLoss(t, PD_LOSS_REL_L2));
  PetscCall(PdTrainerSetBatchSize(t, 20));
  PetscCall(PdTrainerSetNormalize(t, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* The end of pdeop train's and pdeop fit's trainer set-up: the output file, the options (over the
   command's defaults), the run it continues (resume, if given); then options nobody read are an
   error of the command, and a missing -o is noted */
PetscErrorCode PdCommandTrainerFinishSetUp(MPI_Comm comm, PdTrainer tr, const char out[], const char resume[], const char command[])
{
  PetscFunctionBegin;
  PetscCall(PdTrainerSetOutput(tr, out));
  PetscCall(PdTrainerSetFromOptions(tr));
  if (resume[0]) PetscCall(PdTrainerResume(tr, resume));
  PetscCall(PdOptionsCheckUnused(comm, command));
  if (!out[0]) PetscCall(PdPrintf(comm, "note: no -o given, the trained model is not saved\n"));
  PetscFunctionReturn(0);
}

/* a learned preconditioner's network is an NOp too, but it maps matrix graphs, not datasets */
static PetscErrorCode CheckOperatorModel(MPI_Comm comm, NOp nop, const char file[], const char cmd[])
{
  NOpType type;

  PetscFunctionBegin;
  PetscCall(NOpGetType(nop, &type));
  PetscCheck(strcmp(type, NOPLEARNEDIC), comm, PETSC_ERR_ARG_WRONG, "'%s' is a learned_ic preconditioner (from pdeop precond train), not a model of a dataset: use it in a solve (pdeop solve ... -pc_type learned_ic -pc_learned_model %s) or with pdeop precond bench, not with pdeop %s", file, file, cmd);
  PetscFunctionReturn(0);
}

/*  pdeop train -model fno -data train.h5 -test test.h5 -o model.h5 [-resume model.h5]
    [-rollout K [-t_in n]]: recurrent training on a time series (pdeop data ns) */
PetscErrorCode PdCommandTrain(MPI_Comm comm, const char sub[], PdDict report)
{
  char      data[PETSC_MAX_PATH_LEN] = "", test[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", resume[PETSC_MAX_PATH_LEN] = "", init[PETSC_MAX_PATH_LEN] = "";
  PetscBool help, initset = PETSC_FALSE, hastest = PETSC_FALSE, hasK = PETSC_FALSE, hastin = PETSC_FALSE;
  PetscInt  epoch0, K = 0, tin = 0, ntrain = 0;
  PdDataset train, testset;
  NOp       nop;
  PdTrainer tr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&train, sizeof(train)));
  PetscCall(PetscMemzero(&testset, sizeof(testset)));
  PetscOptionsBegin(comm, NULL, "pdeop train: train a neural operator", "pdeop");
  PetscCall(PetscOptionsString("-data", "HDF5 training set (/inputs, /outputs: N x C x grid; /inputs alone: -loss residual)", "", data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsString("-test", "HDF5 test set", "", test, test, sizeof(test), &hastest));
  PetscCall(PetscOptionsString("-o", "Checkpoint to write", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsString("-resume", "Continue training from this checkpoint", "", resume, resume, sizeof(resume), NULL));
  PetscCall(PetscOptionsString("-init", "Start a new run from this checkpoint's model (its parameters and normalisation; a fresh optimizer), at any resolution: e.g. refinement by -loss residual on new coefficients", "", init, init, sizeof(init), &initset));
  PetscCall(PdOptionsInt("-ntrain", "Train on the first n samples of -data only (0: all)", "", ntrain, &ntrain, NULL));
  PetscCall(PdOptionsInt("-rollout", "Recurrent training on a time series: unroll this many steps, feeding predictions back", "NOpSetRollout", K, &K, &hasK));
  PetscCall(PdOptionsInt("-t_in", "Snapshots a recurrent model reads (default: all the data's input snapshots)", "NOpSetRollout", tin, &tin, &hastin));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (!help) PetscCheck(data[0], comm, PETSC_ERR_ARG_WRONG, "Give the training set with -data file.h5");
  PetscCheck(!hasK || K >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-rollout must be at least 1 (steps unrolled in training), got %" PetscInt_FMT, K);
  PetscCheck(!hastin || hasK, comm, PETSC_ERR_ARG_WRONG, "-t_in is for recurrent training: give -rollout K too");
  PetscCheck(!hastin || tin >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-t_in must be at least 1, got %" PetscInt_FMT, tin);
  PetscCheck(!initset || init[0], comm, PETSC_ERR_ARG_WRONG, "-init needs the checkpoint file to start from: -init model.h5");
  PetscCheck(!resume[0] || !init[0], comm, PETSC_ERR_ARG_INCOMP, "-resume continues a run, -init starts a new one from a model: give one of them");
  if (resume[0] && !help) {
    PetscCall(NOpLoad(comm, resume, &nop, &epoch0));
    PetscCall(CheckOperatorModel(comm, nop, resume, "train -resume"));
    PetscCall(NOpCheckLoadedOptions(nop, resume));
  } else if (init[0] && !help) {
    PetscCall(NOpLoad(comm, init, &nop, NULL));
    PetscCall(CheckOperatorModel(comm, nop, init, "train -init"));
    PetscCall(NOpCheckLoadedOptions(nop, init));
  } else {
    PetscCall(NOpCreate(comm, &nop));
    PetscCall(NOpSetType(nop, NOPFNO));
    PetscCall(NOpSetFromOptions(nop));
  }
  if (help) {
    PdTrainer t0;
    PetscInt  s[3] = {1, 1024, 1024}; /* a placeholder grid, large enough for any -fno_modes */
    PetscCall(NOpSetShapes(nop, 3, s, 3, s));
    PetscCall(PdTrainerCreate(nop, &t0));
    PetscCall(TrainDefaults(t0)); /* so that -help shows the values this command uses */
    PetscCall(PdTrainerSetFromOptions(t0));
    PetscCall(PdTrainerDestroy(&t0));
    PetscCall(NOpDestroy(&nop));
    PetscFunctionReturn(0);
  }
  PetscCall(PdDatasetRead(comm, data, PETSC_FALSE, &train));
  if (!train.outputs) { /* inputs alone, for the residual loss: one output channel on the inputs' grid */
    PetscCheck(!hasK, comm, PETSC_ERR_ARG_WRONG, "'%s' has no /outputs: -rollout trains on time series with outputs", data);
    train.out_ndim = train.in_ndim;
    for (int d = 0; d < train.in_ndim; d++) train.out_shape[d] = train.in_shape[d];
    train.out_shape[1] = 1;
    train.out_size     = train.in_size / train.in_shape[1];
  }
  PetscCheck(ntrain >= 0 && ntrain <= train.N, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ntrain %" PetscInt_FMT " is not between 0 (all) and the %" PetscInt_FMT " samples of '%s'", ntrain, train.N, data);
  if (ntrain > 0) train.N = train.in_shape[0] = train.out_shape[0] = ntrain; /* the arrays stay whole */
  if (hastest) PetscCall(PdDatasetRead(comm, test, PETSC_TRUE, &testset));
  if (!resume[0] && !init[0] && hasK) { /* [t_in, grid] -> [1, grid]; PdTrainerSetData checks the time axis */
    PetscInt si[PD_MAX_DIMS], so[PD_MAX_DIMS];
    PetscCheck(train.in_ndim >= 3 && train.out_ndim == train.in_ndim, comm, PETSC_ERR_ARG_WRONG, "'%s' has no time axis: -rollout needs snapshots [N, t, grid] in /inputs and /outputs, as `pdeop data ns` writes", data);
    si[0] = hastin ? tin : train.in_shape[1];
    so[0] = 1;
    for (int d = 2; d < train.in_ndim; d++) si[d - 1] = so[d - 1] = train.in_shape[d];
    PetscCall(NOpSetShapes(nop, train.in_ndim - 1, si, train.in_ndim - 1, so));
    PetscCall(NOpSetRollout(nop, K));
  } else if (!resume[0] && !init[0]) PetscCall(NOpSetShapes(nop, train.in_ndim - 1, train.in_shape + 1, train.out_ndim - 1, train.out_shape + 1));
  else {
    PetscInt        K0;
    const PetscInt *in_s;
    PetscCall(NOpGetRollout(nop, &K0));
    PetscCall(NOpGetShapes(nop, NULL, &in_s, NULL, NULL));
    const char *from = resume[0] ? resume : init;
    PetscCheck(!hasK || K0 > 0, comm, PETSC_ERR_ARG_WRONG, "'%s' is not a recurrent model; -rollout cannot be added to it", from);
    PetscCheck(!hastin || tin == in_s[0], comm, PETSC_ERR_ARG_WRONG, "'%s' reads t_in = %" PetscInt_FMT " snapshots; -t_in %" PetscInt_FMT " cannot change that", from, in_s[0], tin);
    if (hasK) PetscCall(NOpSetRollout(nop, K)); /* the number of steps unrolled may change */
  }
  PetscCall(PdTrainerCreate(nop, &tr));
  PetscCall(PdTrainerSetData(tr, &train, hastest ? &testset : NULL));
  PetscCall(TrainDefaults(tr));
  PetscCall(PdCommandTrainerFinishSetUp(comm, tr, out, resume, "train"));
  {
    PetscInt np;
    NOpType  type;
    PetscCall(NOpGetParamCount(nop, &np));
    PetscCall(NOpGetType(nop, &type));
    PetscCall(PdPrintf(comm, "pdeop train: %" PetscInt_FMT " samples, %s with %" PetscInt_FMT " parameters\n", train.N, type, np));
  }
  PetscCall(PdTrainerTrain(tr));
  PetscCall(PdTrainerReport(tr, report));
  {
    NOpType type;
    PetscCall(NOpGetType(nop, &type));
    PetscCall(PdDictSetString(report, "model", type));
  }
  if (out[0]) PetscCall(PdDictSetString(report, "checkpoint", out));
  PetscCall(PdTrainerDestroy(&tr));
  PetscCall(NOpDestroy(&nop));
  PetscCall(PdDatasetFree(&train));
  if (hastest) PetscCall(PdDatasetFree(&testset));
  PetscFunctionReturn(0);
}

/*  pdeop eval -model model.h5 -data test.h5: mean relative L2 error and per-sample errors */
PetscErrorCode PdCommandEval(MPI_Comm comm, const char sub[], PdDict report)
{
  char      model[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "";
  PetscBool help;
  PdDataset ds;
  NOp       nop;
  PdTrainer tr;
  double    mean, *per;
  PetscInt  bs = 20, K;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop eval: relative L2 error of a trained model on a dataset", "pdeop");
  PetscCall(PetscOptionsString("-model", "Checkpoint written by pdeop train", "", model, model, sizeof(model), NULL));
  PetscCall(PetscOptionsString("-data", "HDF5 dataset with /inputs and /outputs", "", data, data, sizeof(data), NULL));
  PetscCall(PdOptionsInt("-batch_size", "Samples per forward pass", "", bs, &bs, NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscFunctionReturn(0);
  PetscCheck(model[0] && data[0], comm, PETSC_ERR_ARG_WRONG, "Give the model with -model model.h5 and the data with -data file.h5");
  PetscCheck(bs >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-batch_size must be at least 1");
  PetscCall(PdOptionsCheckUnused(comm, "eval"));
  PetscCall(NOpLoad(comm, model, &nop, NULL));
  PetscCall(CheckOperatorModel(comm, nop, model, "eval"));
  PetscCall(PdDatasetRead(comm, data, PETSC_TRUE, &ds));
  PetscCall(PdTrainerCreate(nop, &tr));
  PetscCall(PdTrainerSetBatchSize(tr, bs));
  PetscCall(PetscMalloc1(ds.N, &per));
  PetscCall(NOpGetRollout(nop, &K));
  if (K > 0) { /* the whole rollout over the data's output snapshots, and each step's error */
    double *step, copy;
    PetscCall(PetscMalloc1(ds.out_shape[1], &step));
    PetscCall(PdTrainerEvaluateRollout(tr, &ds, PD_LOSS_REL_L2, &mean, per, step, &copy));
    PetscCall(PdDictSetInt(report, "rollout_steps", ds.out_shape[1]));
    PetscCall(PdDictSetReal(report, "copy_last_rel_l2", copy));
    for (PetscInt k = 0; k < ds.out_shape[1]; k++) {
      char key[32];
      PetscCall(PetscSNPrintf(key, sizeof(key), "rel_l2_step_%" PetscInt_FMT, k + 1));
      PetscCall(PdDictSetReal(report, key, step[k]));
    }
    PetscCall(PetscPrintf(comm, "rollout of %" PetscInt_FMT " steps: rel_l2 step 1 %.4e, step %" PetscInt_FMT " %.4e; copying the last input snapshot: %.4e\n", ds.out_shape[1], step[0], ds.out_shape[1], step[ds.out_shape[1] - 1], copy));
    PetscCall(PetscFree(step));
  } else PetscCall(PdTrainerEvaluate(tr, &ds, PD_LOSS_REL_L2, &mean, per));
  PetscCall(PdDictSetReal(report, "rel_l2", mean));
  PetscCall(PdDictSetInt(report, "samples", ds.N));
  for (PetscInt i = 0; i < ds.N; i++) {
    char key[32];
    PetscCall(PetscSNPrintf(key, sizeof(key), "rel_l2_%" PetscInt_FMT, i));
    PetscCall(PdDictSetReal(report, key, per[i]));
  }
  PetscCall(PetscPrintf(comm, "rel_l2 %.6e over %" PetscInt_FMT " samples\n", mean, ds.N));
  PetscCall(PetscFree(per));
  PetscCall(PdTrainerDestroy(&tr));
  PetscCall(NOpDestroy(&nop));
  PetscCall(PdDatasetFree(&ds));
  PetscFunctionReturn(0);
}

/*  pdeop predict -model model.h5 -data in.h5 -o out.h5 [-png file.png]: /inputs and the predicted
    /outputs; a recurrent model forecasts -steps snapshots, compared with the data's outputs where
    they exist */
PetscErrorCode PdCommandPredict(MPI_Comm comm, const char sub[], PdDict report)
{
  char      model[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  char      points[PETSC_MAX_PATH_LEN] = "";
  PetscBool help, hassteps, hasbs;
  PetscInt  bs = 20, steps = 0, K, compared = 0;
  PdDataset ds, pred;
  NOp       nop;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop predict: a trained model's outputs for the inputs of a dataset", "pdeop");
  PetscCall(PetscOptionsString("-model", "Checkpoint written by pdeop train", "", model, model, sizeof(model), NULL));
  PetscCall(PetscOptionsString("-data", "HDF5 file with /inputs", "", data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 file to write (/inputs and /outputs = predictions)", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsString("-png", "Picture of input, prediction, truth and error of the first sample (2D fields)", "", png, png, sizeof(png), NULL));
  PetscCall(PdOptionsInt("-batch_size", "Samples per forward pass", "", bs, &bs, &hasbs));
  PetscCall(PetscOptionsString("-points", "PINN checkpoints: HDF5 file with /points (N x d, float32); writes /values", "", points, points, sizeof(points), NULL));
  PetscCall(PdOptionsInt("-steps", "Recurrent models: snapshots to predict, any number (default: the data's output snapshots, else the training rollout); compared where the data have them", "", steps, &steps, &hassteps));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscFunctionReturn(0);
  if (points[0]) { /* a PINN at points: none of the dataset's options apply */
    PetscCheck(!data[0] && !png[0] && !hassteps && !hasbs, comm, PETSC_ERR_ARG_WRONG, "-points evaluates a PINN checkpoint at points and does not take %s (an option for a dataset's inputs)", data[0] ? "-data" : png[0]   ? "-png"
                                                                                                                                                                                                                 : hassteps ? "-steps"
                                                                                                                                                                                                                            : "-batch_size");
    PetscCall(PdCommandPredictPinn(comm, model, points, out, report));
    PetscFunctionReturn(0);
  }
  PetscCheck(model[0] && data[0] && out[0], comm, PETSC_ERR_ARG_WRONG, "Give -model model.h5, -data in.h5 and -o out.h5");
  PetscCall(PdOptionsCheckUnused(comm, "predict"));
  PetscCall(NOpLoad(comm, model, &nop, NULL));
  PetscCall(CheckOperatorModel(comm, nop, model, "predict"));
  PetscCall(PdDatasetRead(comm, data, PETSC_FALSE, &ds));
  PetscCall(NOpGetRollout(nop, &K));
  PetscCheck(!hassteps || K > 0, comm, PETSC_ERR_ARG_WRONG, "-steps is for recurrent models; '%s' is not one", model);
  if (K > 0) {
    if (!hassteps) steps = ds.outputs ? ds.out_shape[1] : K;
    PetscCheck(steps >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-steps must be at least 1, got %" PetscInt_FMT, steps);
    PetscCall(PdRolloutPredict(nop, &ds, steps, bs, &pred));
    PetscCall(PdDictSetInt(report, "rollout_steps", steps));
    if (ds.outputs) { /* a forecast may run past the data: compare the steps that have truth */
      compared = PetscMin(steps, ds.out_shape[1]);
      PetscCheck(ds.out_size / ds.out_shape[1] == pred.out_size / steps, comm, PETSC_ERR_ARG_SIZ, "'%s' has output snapshots of %" PetscInt_FMT " values; the model predicts %" PetscInt_FMT, data, ds.out_size / ds.out_shape[1], pred.out_size / steps);
      PetscCall(PdDictSetInt(report, "compared_steps", compared));
      if (compared < steps) PetscCall(PdPrintf(comm, "pdeop predict: %" PetscInt_FMT " steps; '%s' has truth for the first %" PetscInt_FMT ", the error is over those\n", steps, data, compared));
    }
  } else PetscCall(NOpPredict(nop, &ds, bs, &pred));
  if (ds.outputs) {
    double         num = 0, den = 0, sum = 0;
    const PetscInt n = K > 0 ? compared * (pred.out_size / steps) : ds.out_size; /* values compared per sample */
    PetscCheck(K > 0 || ds.out_size == pred.out_size, comm, PETSC_ERR_ARG_SIZ, "'%s' has outputs of %" PetscInt_FMT " values per sample; the model predicts %" PetscInt_FMT, data, ds.out_size, pred.out_size);
    for (PetscInt i = 0; i < ds.N; i++) {
      const float *p = pred.outputs + (size_t)i * pred.out_size, *y = ds.outputs + (size_t)i * ds.out_size;
      num = den = 0;
      for (PetscInt k = 0; k < n; k++) {
        double d = (double)p[k] - y[k];
        num += d * d;
        den += (double)y[k] * y[k];
      }
      sum += den > 0 ? PetscSqrtReal(num / den) : 0;
    }
    PetscCall(PdDictSetReal(report, "rel_l2", sum / ds.N));
  }
  {
    PdDataset w = ds; /* inputs and attributes of the data, outputs predicted */
    w.outputs   = pred.outputs;
    w.out_ndim  = pred.out_ndim;
    for (int i = 0; i < pred.out_ndim; i++) w.out_shape[i] = pred.out_shape[i];
    w.out_size = pred.out_size;
    if (K > 0 && ds.attrs) { /* the predicted series ends at t_in + steps */
      PetscBool has;
      PetscCall(PdDictHas(ds.attrs, "t_in", &has));
      if (has) PetscCall(PdDictSetInt(ds.attrs, "T", ds.in_shape[1] + steps));
    }
    PetscCall(PdDatasetWrite(comm, out, &w));
  }
  if (png[0]) {
    PetscInt H, W;
    double  *f[4];
    PetscInt np = ds.outputs ? 4 : 2;
    PetscCheck(pred.out_ndim == 4 && ds.in_ndim == 4 && ds.in_shape[2] == pred.out_shape[2] && ds.in_shape[3] == pred.out_shape[3], comm, PETSC_ERR_SUP, "-png draws 2D fields on one grid ([N, C, H, W] inputs and outputs)");
    H = pred.out_shape[2];
    W = pred.out_shape[3];
    for (int k = 0; k < 4; k++) PetscCall(PetscMalloc1(H * W, &f[k]));
    for (PetscInt i = 0; i < H * W; i++) {
      f[0][i] = ds.inputs[i];
      f[1][i] = pred.outputs[i];
      f[2][i] = ds.outputs ? ds.outputs[i] : 0;
      f[3][i] = ds.outputs ? pred.outputs[i] - ds.outputs[i] : 0;
    }
    { /* the PNG draws row j = H-1 at the top: the data are [j][i] with y up, as written */
      const double *ff[4]     = {f[0], f[1], f[2], f[3]};
      const char   *labels[4] = {"input", "prediction", "truth", "prediction - truth"};
      char          title[PETSC_MAX_PATH_LEN + 32];
      const char   *base = strrchr(data, '/');
      PetscCall(PetscSNPrintf(title, sizeof(title), "sample 0 of %s", base ? base + 1 : data));
      PetscCall(PdPNGWriteFields(comm, png, title, np, labels, W, H, ff));
    }
    for (int k = 0; k < 4; k++) PetscCall(PetscFree(f[k]));
    PetscCall(PdDictSetString(report, "png", png));
  }
  PetscCall(PdDictSetInt(report, "samples", ds.N));
  PetscCall(PdDictSetString(report, "output", out));
  PetscCall(PdPrintf(comm, "pdeop predict: %" PetscInt_FMT " samples -> %s\n", ds.N, out));
  PetscCall(PetscFree(pred.outputs));
  PetscCall(PdDatasetFree(&ds));
  PetscCall(NOpDestroy(&nop));
  PetscFunctionReturn(0);
}
