/* PdTrainer: the one training loop (see include/pdeop/train.h). Epochs of mini-batches in a
   permutation seeded by (seed, epoch), each rank's share of a batch with the gradients summed by
   MPI_Allreduce, the optimizer and its schedule, divergence stops, the best model, the CSV log and
   the curve PNG (trainlog.c), checkpoints and exact resume; the objective (solvers/train/impls/) gives the loss. */
#include "../trainimpl.h"
#include <pdeop/parallel.h>
#include <sys/resource.h>
#include <pdeop/options.h>
#include <pdeop/progress.h>

/*@
  PdTrainerCreateWithObjective - a trainer of an objective's parameters (it keeps a reference)

  Defaults: 100 epochs, batches of 64 items, no checkpoint, log or curve.
@*/
PetscErrorCode PdTrainerCreateWithObjective(PdObjective obj, PdTrainer *tr)
{
  PdTrainer t;

  PetscFunctionBegin;
  PetscCheck(obj->type && obj->params, obj->comm, PETSC_ERR_ARG_WRONGSTATE, "Give the objective a type and its parameters before creating its trainer");
  PetscCall(PetscNew(&t));
  t->comm = obj->comm;
  t->obj  = obj;
  obj->refct++;
  t->params          = obj->params;
  t->epochs          = 100;
  t->batch_size      = 64;
  t->metric          = NAN;
  t->last_checkpoint = -1;
  t->best_metric     = PETSC_MAX_REAL;
  t->loss0           = NAN;
  t->div_factor      = 1e4;
  PetscCall(PdOptimCreate(t->params, &t->optim));
  t->own_optim = PETSC_TRUE;
  PetscCall(PdTapeCreate(t->comm, &t->tape));
  *tr = t;
  PetscFunctionReturn(0);
}

/*@ PdTrainerDestroy - free the trainer and drop its reference to the objective @*/
PetscErrorCode PdTrainerDestroy(PdTrainer *tr)
{
  PetscFunctionBegin;
  if (!*tr) PetscFunctionReturn(0);
  if ((*tr)->own_optim) PetscCall(PdOptimDestroy(&(*tr)->optim));
  PetscCall(PdCSVLogClose(&(*tr)->csv)); /* a run that stopped with an error */
  PetscCall(PdTapeDestroy(&(*tr)->tape));
  PetscCall(PetscFree((*tr)->perm));
  PetscCall(PetscFree((*tr)->best));
  PetscCall(PetscFree3((*tr)->hepoch, (*tr)->hloss, (*tr)->htest));
  PetscCall(PdObjectiveDestroy(&(*tr)->obj));
  PetscCall(PetscFree(*tr));
  PetscFunctionReturn(0);
}

/*@ PdTrainerGetObjective - the objective trained @*/
PetscErrorCode PdTrainerGetObjective(PdTrainer t, PdObjective *obj)
{
  PetscFunctionBegin;
  *obj = t->obj;
  PetscFunctionReturn(0);
}

/*@ PdTrainerGetTape - the tape the trainer records losses on (objectives use it) @*/
PetscErrorCode PdTrainerGetTape(PdTrainer t, PdTape *tape)
{
  PetscFunctionBegin;
  *tape = t->tape;
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetEpochs - epochs in total (a resumed run trains the remaining ones; PdTrainerTrain
  needs at least 1); steps in total of a step-based objective (0 allowed) @*/
PetscErrorCode PdTrainerSetEpochs(PdTrainer t, PetscInt epochs)
{
  PetscFunctionBegin;
  PetscCheck(epochs >= 0, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "The number of epochs must be non-negative, got %" PetscInt_FMT, epochs);
  t->epochs = epochs;
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetBatchSize - items per mini-batch over all ranks @*/
PetscErrorCode PdTrainerSetBatchSize(PdTrainer t, PetscInt bs)
{
  PetscFunctionBegin;
  PetscCheck(bs >= 1, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "The batch size must be at least 1, got %" PetscInt_FMT, bs);
  t->batch_size = bs;
  PetscFunctionReturn(0);
}

/*@ PdTrainerGetBatchSize - items per mini-batch over all ranks @*/
PetscErrorCode PdTrainerGetBatchSize(PdTrainer t, PetscInt *bs)
{
  PetscFunctionBegin;
  *bs = t->batch_size;
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetOutput - checkpoint file written every -checkpoint_every epochs and at the end (NULL: none) @*/
PetscErrorCode PdTrainerSetOutput(PdTrainer t, const char file[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(t->out, file ? file : "", sizeof(t->out)));
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetCheckpointEvery - also write the checkpoint every n epochs (0: only at the end) @*/
PetscErrorCode PdTrainerSetCheckpointEvery(PdTrainer t, PetscInt n)
{
  PetscFunctionBegin;
  PetscCheck(n >= 0, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "-checkpoint_every must be non-negative, got %" PetscInt_FMT, n);
  t->checkpoint_every = n;
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetLog - CSV log of the epochs and the curve PNG (either may be NULL or empty: none) @*/
PetscErrorCode PdTrainerSetLog(PdTrainer t, const char csv[], const char png[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(t->log, csv ? csv : "", sizeof(t->log)));
  PetscCall(PetscStrncpy(t->curve, png ? png : "", sizeof(t->curve)));
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetOptim - train with this optimizer of the objective's parameters (borrowed: the
  caller keeps and frees it) instead of the trainer's own @*/
PetscErrorCode PdTrainerSetOptim(PdTrainer t, PdOptim optim)
{
  PetscFunctionBegin;
  if (t->own_optim) PetscCall(PdOptimDestroy(&t->optim));
  t->optim     = optim;
  t->own_optim = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@ PdTrainerGetOptim - the optimizer (configure its type, rate and schedule before training) @*/
PetscErrorCode PdTrainerGetOptim(PdTrainer t, PdOptim *optim)
{
  PetscFunctionBegin;
  *optim = t->optim;
  PetscFunctionReturn(0);
}

static PetscErrorCode NumItems(PdTrainer t, PetscInt *n)
{
  PetscFunctionBegin;
  *n = 0;
  if (t->obj->ops->items) PetscCall((*t->obj->ops->items)(t->obj, n));
  PetscFunctionReturn(0);
}

/*@ PdTrainerGetStepsPerEpoch - optimizer steps per epoch: ceil(items / batch size) @*/
PetscErrorCode PdTrainerGetStepsPerEpoch(PdTrainer t, PetscInt *nb)
{
  PetscInt N;

  PetscFunctionBegin;
  PetscCall(NumItems(t, &N));
  *nb = (N + t->batch_size - 1) / t->batch_size;
  PetscFunctionReturn(0);
}

/* -divergence_factor (see CheckGrowth), inside an options block: PdTrainerSetFromOptions, the
   step-based loop, and the PINNs' option lists (for -help) */
PetscErrorCode PdTrainerOptionDivergence(PetscOptionItems *PetscOptionsObject, MPI_Comm comm, double *factor)
{
  PetscFunctionBegin;
  PetscCall(PdOptionsReal("-divergence_factor", "Stop when the loss (for step-based objectives its running average) grows past this many times its best (0: only NaN/Inf stop)", "PdTrainerTrain", *factor, factor, NULL));
  PetscCheck(*factor == 0 || (*factor > 1 && PetscIsNormalReal(*factor)), comm, PETSC_ERR_ARG_OUTOFRANGE, "-divergence_factor must be above 1 (or 0: off), got %g", *factor);
  PetscFunctionReturn(0);
}

/* -iters, and -divergence_factor listed for -help (PdTrainerRunSteps reads it when it trains): the
   options of a step-based run (the PINNs), inside their options block; man names the function */
PetscErrorCode PdTrainerOptionSteps(PetscOptionItems *PetscOptionsObject, MPI_Comm comm, const char man[], PetscInt *iters)
{
  double dv = 1e4;

  PetscFunctionBegin;
  PetscCall(PdOptionsInt("-iters", "Iterations (Adam steps)", man, *iters, iters, NULL));
  PetscCall(PdTrainerOptionDivergence(PetscOptionsObject, comm, &dv));
  PetscFunctionReturn(0);
}

/*@
  PdTrainerCurveName - the training curve's picture beside a CSV log: the log's name without a final
  .csv (any case), then .png; "" without a log. The one rule for every command that draws a curve
  (and for the check that no derived output overwrites an input).
@*/
PetscErrorCode PdTrainerCurveName(const char log[], char png[], size_t len)
{
  size_t    n;
  PetscBool csv = PETSC_FALSE;

  PetscFunctionBegin;
  png[0] = 0;
  if (!log[0]) PetscFunctionReturn(0);
  PetscCall(PetscStrncpy(png, log, len));
  PetscCall(PetscStrlen(png, &n));
  if (n >= 4) PetscCall(PetscStrcasecmp(png + n - 4, ".csv", &csv));
  if (csv) png[n - 4] = 0;
  PetscCall(PetscStrlcat(png, ".png", len));
  PetscFunctionReturn(0);
}

/*@
  PdTrainerSetFromOptions - configure the loop, the objective and the optimizer

  Options: -epochs <n> -batch_size <n> -checkpoint_every <n> -log <file.csv>, -curve_png <file.png>
  (default: the -log file with .png for .csv), the objective's (supervised: -loss, -normalize) and
  PdOptimSetFromOptions' options. Call after the objective has its data, so that schedules know
  the number of steps.
@*/
PetscErrorCode PdTrainerSetFromOptions(PdTrainer t)
{
  PetscBool curveset;
  PetscInt  nb;

  PetscFunctionBegin;
  PetscOptionsBegin(t->comm, NULL, "Training options", "PdTrainer");
  PetscCall(PdOptionsInt("-epochs", "Number of epochs", "PdTrainerSetEpochs", t->epochs, &t->epochs, NULL));
  PetscCall(PdOptionsInt("-batch_size", "Samples per mini-batch (over all ranks)", "PdTrainerSetBatchSize", t->batch_size, &t->batch_size, NULL));
  if (t->obj->ops->setfromoptions) PetscCall((*t->obj->ops->setfromoptions)(PetscOptionsObject, t->obj));
  PetscCall(PdTrainerOptionDivergence(PetscOptionsObject, t->comm, &t->div_factor));
  PetscCall(PdOptionsInt("-checkpoint_every", "Write the checkpoint every this many epochs (0: only at the end)", "PdTrainerSetOutput", t->checkpoint_every, &t->checkpoint_every, NULL));
  PetscCall(PetscOptionsString("-log", "CSV log of epoch, train loss, test error, seconds", "PdTrainerTrain", t->log, t->log, sizeof(t->log), NULL));
  PetscCall(PetscOptionsString("-curve_png", "PNG of the training curves, rewritten every epoch (default: the -log file with .png)", "PdTrainerTrain", t->curve, t->curve, sizeof(t->curve), &curveset));
  PetscOptionsEnd();
  if (!curveset) PetscCall(PdTrainerCurveName(t->log, t->curve, sizeof(t->curve)));
  PetscCheck(t->epochs >= 1, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "-epochs must be at least 1, got %" PetscInt_FMT, t->epochs);
  PetscCheck(t->batch_size >= 1, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "-batch_size must be at least 1, got %" PetscInt_FMT, t->batch_size);
  PetscCheck(t->checkpoint_every >= 0, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "-checkpoint_every must be non-negative, got %" PetscInt_FMT, t->checkpoint_every);
  PetscCall(PdTrainerGetStepsPerEpoch(t, &nb));
  if (nb > 0) PetscCall(PdOptimSetTotalSteps(t->optim, t->epochs * nb));
  PetscCall(PdOptimSetFromOptions(t->optim));
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetEpochsDone - the epochs (steps) already done, e.g. by a model loaded with its optimizer @*/
PetscErrorCode PdTrainerSetEpochsDone(PdTrainer t, PetscInt done)
{
  PetscFunctionBegin;
  t->epoch = done;
  PetscFunctionReturn(0);
}

static PetscErrorCode Diverged(PdTrainer, PetscInt, const char *);

/* A step can leave parameters Inf or NaN while the loss, computed before it, was finite: such a state
   is divergence, and it is never written (the last good checkpoint stays as it was). Collective. */
static PetscErrorCode CheckParams(PdTrainer t)
{
  float   *p, *g;
  PetscInt n, bad = -1;

  PetscFunctionBegin;
  PetscCall(PdParamsGetArrays(t->params, &p, &g));
  PetscCall(PdParamsGetBufferSize(t->params, &n));
  for (PetscInt i = 0; i < n && bad < 0; i++)
    if (!isfinite(p[i])) bad = i;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_MAX, t->comm));
  if (bad >= 0) {
    PetscInt64 step;
    PetscCall(PdOptimGetStepCount(t->optim, &step));
    t->epoch--; /* the epoch whose updates did it (t->epoch counts it as done) */
    PetscCall(Diverged(t, (PetscInt)step, "the update left parameters that are not finite (Inf or NaN)"));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteCheckpoint(PdTrainer t)
{
  PetscFunctionBegin;
  PetscCall(CheckParams(t));
  if (!t->out[0] || !t->obj->ops->save) PetscFunctionReturn(0);
  PetscCall((*t->obj->ops->save)(t->obj, t, t->out));
  t->last_checkpoint = t->epoch;
  PetscCall(PetscStrncpy(t->last_checkpoint_file, t->out, sizeof(t->last_checkpoint_file)));
  PetscFunctionReturn(0);
}

/* the one divergence message: what happened, and the last good checkpoint (never overwritten by a
   bad state) */
static PetscErrorCode Diverged(PdTrainer t, PetscInt step, const char *what)
{
  const char *unit = t->obj->quiet_epochs ? "iteration" : "epoch"; /* step-based objectives count iterations */
  char        kept[PETSC_MAX_PATH_LEN + 96];

  PetscFunctionBegin;
  if (t->last_checkpoint >= 0 && t->last_checkpoint_file[0]) PetscCall(PetscSNPrintf(kept, sizeof(kept), "the last good checkpoint, from %s %" PetscInt_FMT ", is '%s'", unit, t->last_checkpoint, t->last_checkpoint_file));
  else PetscCall(PetscSNPrintf(kept, sizeof(kept), "no checkpoint was written%s", !t->out[0] ? "" : t->checkpoint_every > 0 ? " (it diverged before the first -checkpoint_every)"
                                                                                                                            : " (-checkpoint_every keeps one as training goes)"));
  SETERRQ(t->comm, PETSC_ERR_NOT_CONVERGED, "Training diverged in %s %" PetscInt_FMT " (step %" PetscInt_FMT "): %s; %s. Lower -lr or set -clip_grad_norm", unit, t->epoch + 1, step, what, kept);
}

static PetscErrorCode DivergedValue(PdTrainer t, PetscInt step, double value, const char *what)
{
  char msg[128];

  PetscFunctionBegin;
  snprintf(msg, sizeof(msg), "%s is %g", what, value);
  PetscCall(Diverged(t, step, msg));
  PetscFunctionReturn(0);
}

/* A finite loss that has grown far past its best is divergence too: stop when the loss (for
   step-based objectives its exponential average over about 100 steps, so that one noisy step does
   not count) exceeds -divergence_factor times its smallest value so far (a resumed run continues
   from the values its checkpoint stored, so a run that had already gone bad is caught at once) */
static PetscErrorCode CheckGrowth(PdTrainer t, PetscInt step)
{
  double a = t->obj->quiet_epochs ? 0.01 : 1.0;

  PetscFunctionBegin;
  if (t->div_factor <= 0 || !PetscIsNormalReal(t->train_loss)) PetscFunctionReturn(0);
  t->smooth = !t->have_smooth ? t->train_loss : (1 - a) * t->smooth + a * t->train_loss;
  if (!t->have_smooth || t->smooth < t->best_smooth) {
    t->best_smooth       = t->smooth;
    t->best_smooth_epoch = t->epoch + 1;
    t->have_smooth       = PETSC_TRUE;
  } else if (t->smooth > t->div_factor * t->best_smooth) {
    char what[256];
    snprintf(what, sizeof(what), "the loss%s grew to %.4g, more than -divergence_factor %g times its best (%.4g, in %s %" PetscInt_FMT ")", t->obj->quiet_epochs ? " (its running average over the last ~100 steps)" : "", t->smooth, t->div_factor, t->best_smooth, t->obj->quiet_epochs ? "iteration" : "epoch", t->best_smooth_epoch);
    PetscCall(Diverged(t, step, what));
  }
  PetscFunctionReturn(0);
}

static PetscBool Bad(double v)
{
  return (PetscBool)(!PetscIsNormalReal((PetscReal)v) && v != 0);
}

/* One optimizer step on items perm[s .. s + B): the loss (added to *sum, with *cnt items), the
   gradient summed over ranks, the divergence checks, the update */
static PetscErrorCode Step(PdTrainer t, PetscInt s, PetscInt B, PetscInt step, double *sum, double *cnt)
{
  PdObjective obj = t->obj;
  PetscMPIInt rank, size;
  double      gnorm;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  PetscCallMPI(MPI_Comm_size(t->comm, &size));
  if (obj->ops->stepbegin) PetscCall((*obj->ops->stepbegin)(obj, t, step));
  PetscCall(PdParamsZeroGrad(t->params));
  if (obj->averaging == PD_OBJECTIVE_OWNED) {
    for (PetscInt k = s; k < s + B; k++) {
      PdTensor l;
      if (t->perm[k] % size != rank) continue; /* another rank's item */
      PetscCall(PdTapeReset(t->tape));
      PetscCall((*obj->ops->loss)(obj, t, 1, t->perm + k, &l));
      *sum += l->data[0]; /* checked after the sums over ranks: the gradient norm now, the loss at the epoch's end */
      *cnt += 1;
      PetscCall(PdTapeBackward(t->tape, l));
    }
    PetscCall(PdParamsAllreduceGrad(t->params, 1.0f / (float)B));
  } else {
    PetscInt lo, hi;
    PetscCall(PdRankRange(t->comm, B, &lo, &hi));
    lo += s, hi += s;
    if (hi > lo && obj->ops->lossgrad) {
      double l = 0;
      PetscCall((*obj->ops->lossgrad)(obj, t, hi - lo, t->perm + lo, B, &l));
      if (Bad(l)) PetscCall(DivergedValue(t, step, l, "the loss"));
      *sum += l;
    } else if (hi > lo) {
      PdTensor l;
      PetscCall(PdTapeReset(t->tape));
      PetscCall((*obj->ops->loss)(obj, t, hi - lo, t->perm + lo, &l));
      /* each rank's mean is weighted by its share of the batch, so the summed gradient is the
         gradient of the whole batch's mean loss */
      PetscCall(PdScale(l, (float)((double)(hi - lo) / (double)B), &l));
      if (Bad(l->data[0])) PetscCall(DivergedValue(t, step, (double)l->data[0], "the loss"));
      *sum += (double)l->data[0];
      PetscCall(PdTapeBackward(t->tape, l));
    }
    *cnt += 1;
    if (size > 1) PetscCall(PdParamsAllreduceGrad(t->params, 1.0f));
  }
  PetscCall(PdParamsGradNorm(t->params, &gnorm));
  if (Bad(gnorm)) PetscCall(DivergedValue(t, step, gnorm, "the gradient norm"));
  PetscCall(PdOptimStep(t->optim, NULL));
  PetscFunctionReturn(0);
}

/* the epoch's line, then its CSV row and curves */
static PetscErrorCode EpochEnd(PdTrainer t, double seconds)
{
  PdObjective obj  = t->obj;
  PetscBool   show = (PetscBool)(obj->has_metric && !(obj->metric_sparse && PetscIsNanReal(t->metric)));
  char        fmt[128];

  PetscFunctionBegin;
  if (obj->quiet_epochs) PetscFunctionReturn(0);
  if (show) {
    PetscCall(PetscSNPrintf(fmt, sizeof(fmt), "epoch %%4" PetscInt_FMT "/%%" PetscInt_FMT "  %%s %%.4e  %%s %s  %%.2f s\n", obj->metric_print));
    PetscCall(PdPrintf(t->comm, fmt, t->epoch + 1, t->epochs, obj->loss_label, t->train_loss, obj->metric_label, t->metric, seconds));
  } else PetscCall(PdPrintf(t->comm, "epoch %4" PetscInt_FMT "/%" PetscInt_FMT "  %s %.4e  %.2f s\n", t->epoch + 1, t->epochs, obj->loss_label, t->train_loss, seconds));
  PetscCall(PdTrainerLogEpoch(t, seconds));
  PetscFunctionReturn(0);
}

static PetscErrorCode KeepBest(PdTrainer t, PetscBool restore)
{
  float   *pdata, *pgrad;
  PetscInt nbuf;

  PetscFunctionBegin;
  if (!t->obj->keep_best || !t->obj->has_metric) PetscFunctionReturn(0);
  PetscCall(PdParamsGetArrays(t->params, &pdata, &pgrad));
  PetscCall(PdParamsGetBufferSize(t->params, &nbuf));
  if (!t->best) {
    PetscCall(PetscMalloc1(nbuf, &t->best));
    PetscCall(PetscArraycpy(t->best, pdata, nbuf));
  }
  if (restore) PetscCall(PetscArraycpy(pdata, t->best, nbuf));
  else if (!PetscIsNanReal(t->metric) && t->metric < t->best_metric) {
    t->best_metric = t->metric;
    t->best_epoch  = t->epoch + 1;
    PetscCall(PetscArraycpy(t->best, pdata, nbuf));
  }
  PetscFunctionReturn(0);
}

/* one epoch: the permutation, the steps, the epoch's mean loss (allreduced) */
static PetscErrorCode Epoch(PdTrainer t, PetscInt N, PetscInt nb, PetscInt *step, PdProgress *run)
{
  PdObjective obj = t->obj;
  PdProgress  prog;
  char        label[64];
  double      tot[2] = {0, 0};
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(t->comm, &size));
  if (obj->shuffle) { /* the order of an epoch depends only on (seed, epoch): a resumed run sees the same batches */
    PdRng rng;
    PetscCall(PdRngSeed(&rng, (uint64_t)obj->seed, obj->stream + (uint64_t)t->epoch));
    PetscCall(PdRngPermutation(&rng, N, t->perm));
  } else
    for (PetscInt i = 0; i < N; i++) t->perm[i] = i;
  if (!run) {
    PetscCall(PetscSNPrintf(label, sizeof(label), "epoch %" PetscInt_FMT, t->epoch + 1));
    PetscCall(PdProgressBegin(t->comm, label, nb, &prog));
  }
  for (PetscInt b = 0; b < nb; b++, (*step)++) {
    PetscInt s = b * t->batch_size, B = PetscMin(t->batch_size, N - s);
    char     extra[128] = "";
    PetscCall(Step(t, s, B, *step, &tot[0], &tot[1]));
    if (obj->ops->stepend) PetscCall((*obj->ops->stepend)(obj, t, *step, tot[0], extra, sizeof(extra)));
    if (run) PetscCall(PdProgressUpdate(run, t->epoch + 1 - t->start, extra[0] ? extra : NULL));
    else PetscCall(PdProgressUpdate(&prog, b + 1, extra[0] ? extra : NULL));
  }
  if (!run) PetscCall(PdProgressEnd(&prog));
  if (obj->averaging == PD_OBJECTIVE_OWNED) {
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, tot, 2, MPI_DOUBLE, MPI_SUM, t->comm));
    t->train_loss = tot[0] / tot[1];
    if (!PetscIsNormalReal(t->train_loss)) PetscCall(DivergedValue(t, *step, t->train_loss, "the epoch's loss"));
  } else {
    if (size > 1) PetscCall(MPIU_Allreduce(MPI_IN_PLACE, tot, 1, MPI_DOUBLE, MPI_SUM, t->comm));
    t->train_loss = tot[0] / (double)nb;
  }
  PetscFunctionReturn(0);
}

/* user + system time of the process (trainimpl.h) */
double PdCPUTime(void)
{
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru)) return 0;
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/*@
  PdTrainerTrain - run the remaining epochs (up to the total set by PdTrainerSetEpochs/-epochs)

  Each epoch: a permutation of the objective's items seeded by (seed, stream + epoch), mini-batches
  split over the ranks (gradients summed), an optimizer step per batch; then the objective's metric,
  the epoch's line, CSV row and curve, and a checkpoint every -checkpoint_every epochs; a checkpoint
  at the end. A non-finite loss or gradient stops with an error naming the epoch and the last good
  checkpoint. Step-based objectives (PINNs) take one step per "epoch" under one progress line.
@*/
PetscErrorCode PdTrainerTrain(PdTrainer t)
{
  PdObjective    obj = t->obj;
  PetscInt       N, nb, start = t->epoch, step;
  PetscLogDouble t0, t1, te, traintime = 0;
  double         c0;
  PetscInt64     steps_done;
  PetscMPIInt    rank;
  PdProgress     run;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  if (obj->ops->setup) PetscCall((*obj->ops->setup)(obj, t));
  PetscCall(NumItems(t, &N));
  PetscCheck(N > 0, t->comm, PETSC_ERR_ARG_WRONGSTATE, "The objective has no training items: give it its data before PdTrainerTrain");
  PetscCheck(t->epochs >= 1 || obj->quiet_epochs, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "The number of epochs must be at least 1, got %" PetscInt_FMT, t->epochs);
  nb       = (N + t->batch_size - 1) / t->batch_size;
  t->start = start;
  if (N != t->nitems) {
    PetscCall(PetscFree(t->perm));
    PetscCall(PetscMalloc1(N, &t->perm));
    t->nitems = N;
  }
  /* a resumed run asked to stop where it already is would write nothing to its -o: say so */
  PetscCheck(t->epoch < t->epochs || obj->quiet_epochs || !t->out[0], t->comm, PETSC_ERR_ARG_OUTOFRANGE, "The model has already trained %" PetscInt_FMT " epochs; -epochs %" PetscInt_FMT " leaves nothing to train and '%s' would not be written: give -epochs above %" PetscInt_FMT, t->epoch, t->epochs, t->out, t->epoch);
  if (t->epoch >= t->epochs && !obj->quiet_epochs) PetscCall(PdPrintf(t->comm, "Nothing to do: the model has already trained %" PetscInt_FMT " of %" PetscInt_FMT " epochs\n", t->epoch, t->epochs));
  if (!t->warned) { /* the optimizer's type is final here (after a resume) */
    PetscCall(PdOptimWarnInapplicable(t->optim));
    t->warned = PETSC_TRUE;
  }
  PetscCall(PdTrainerOpenLog(t, start));
  /* the curves so far: none for a new run; kept from an earlier call on this trainer; else from the log */
  while (t->nhist > 0 && t->hepoch[t->nhist - 1] > (double)start) t->nhist--;
  if (t->curve[0] && t->log[0] && start > 0 && t->nhist == 0 && rank == 0) PetscCall(PdTrainerHistoryFromLog(t, start));
  PetscCall(PdOptimGetStepCount(t->optim, &steps_done));
  step = (PetscInt)steps_done;
  PetscCall(KeepBest(t, PETSC_FALSE));
  if (obj->quiet_epochs) PetscCall(PdProgressBegin(t->comm, obj->progress, t->epochs - start, &run));
  PetscCall(PetscTime(&t0));
  for (; t->epoch < t->epochs; t->epoch++) {
    PetscCall(PetscTime(&te));
    c0 = PdCPUTime();
    PetscCall(Epoch(t, N, nb, &step, obj->quiet_epochs ? &run : NULL));
    if (t->epoch == 0) t->loss0 = t->train_loss;
    PetscCall(CheckGrowth(t, step));
    PetscCall(PetscTime(&t1));
    traintime += t1 - te;
    t->train_cpu += PdCPUTime() - c0;
    t->metric = NAN;
    if (obj->ops->metric) PetscCall((*obj->ops->metric)(obj, t, t->epoch, &t->metric));
    PetscCall(KeepBest(t, PETSC_FALSE));
    PetscCall(PetscTime(&t1));
    PetscCall(EpochEnd(t, t1 - te));
    if (t->checkpoint_every > 0 && (t->epoch + 1) % t->checkpoint_every == 0 && t->epoch + 1 < t->epochs) {
      t->epoch++;
      PetscCall(WriteCheckpoint(t));
      t->epoch--;
    }
  }
  PetscCall(PetscTime(&t1));
  if (obj->quiet_epochs) PetscCall(PdProgressEnd(&run));
  t->seconds       = t1 - t0;
  t->samples_per_s = traintime > 0 ? (double)N * (double)(t->epochs - start) / traintime : 0;
  PetscCall(PdCSVLogClose(&t->csv));
  PetscCall(KeepBest(t, PETSC_TRUE));
  if (t->epochs > start) PetscCall(WriteCheckpoint(t)); /* checks the parameters, with or without -o */
  PetscFunctionReturn(0);
}

/*@
  PdTrainerGetResults - of the last PdTrainerTrain: the last epoch's train loss, its metric (test
  error; NaN if none), epochs done in total, seconds, training items per second
@*/
PetscErrorCode PdTrainerGetResults(PdTrainer t, double *train_loss, double *test_error, PetscInt *epochs, double *seconds, double *samples_per_s)
{
  PetscFunctionBegin;
  if (train_loss) *train_loss = t->train_loss;
  if (test_error) *test_error = t->metric;
  if (epochs) *epochs = t->epoch;
  if (seconds) *seconds = t->seconds;
  if (samples_per_s) *samples_per_s = t->samples_per_s;
  PetscFunctionReturn(0);
}

/*@ PdTrainerGetInitialLoss - the train loss of the first epoch (NaN if this trainer did not run it) @*/
PetscErrorCode PdTrainerGetInitialLoss(PdTrainer t, double *loss0)
{
  PetscFunctionBegin;
  *loss0 = t->loss0;
  PetscFunctionReturn(0);
}

/*@ PdTrainerGetBest - the epoch whose parameters were kept (smallest metric) and that metric;
  epoch 0 if no metric was evaluated @*/
PetscErrorCode PdTrainerGetBest(PdTrainer t, PetscInt *epoch, double *metric)
{
  PetscFunctionBegin;
  if (epoch) *epoch = t->best_epoch;
  if (metric) *metric = t->best_metric;
  PetscFunctionReturn(0);
}

/*@ PdTrainerReport - the objective's report keys (e.g. params, epochs, train_loss, test_rel_l2) @*/
PetscErrorCode PdTrainerReport(PdTrainer t, PdDict report)
{
  PetscFunctionBegin;
  if (t->obj->ops->report) PetscCall((*t->obj->ops->report)(t->obj, t, report));
  PetscFunctionReturn(0);
}

/* Step-based objectives (the PINNs): `steps` more steps after `done` with the caller's optimizer, by a
   trainer made for the run; a step's batch is all of the objective's items (split over the ranks).
   out (NULL or "": none): the objective's checkpoint, every `every` steps (0: none) and at the end,
   never of a diverged state */
PetscErrorCode PdTrainerRunSteps(PdObjective obj, PdOptim optim, PetscInt done, PetscInt steps, const char out[], PetscInt every)
{
  PdTrainer tr;
  PetscInt  n;

  PetscFunctionBegin;
  PetscCall((*obj->ops->items)(obj, &n));
  PetscCall(PdTrainerCreateWithObjective(obj, &tr));
  PetscCall(PdTrainerSetOptim(tr, optim));
  PetscCall(PdTrainerSetBatchSize(tr, n));
  PetscCall(PdTrainerSetEpochsDone(tr, done));
  PetscCall(PdTrainerSetEpochs(tr, done + steps));
  PetscCall(PdTrainerSetOutput(tr, out));
  PetscCall(PdTrainerSetCheckpointEvery(tr, every));
  PetscOptionsBegin(obj->comm, NULL, "Training", "PdTrainerTrain");
  PetscCall(PdTrainerOptionDivergence(PetscOptionsObject, obj->comm, &tr->div_factor));
  PetscOptionsEnd();
  PetscCall(PdTrainerTrain(tr));
  PetscCall(PdTrainerDestroy(&tr));
  PetscFunctionReturn(0);
}
