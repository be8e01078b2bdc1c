/* The supervised objective: a neural operator's loss (mse or relative L2) on mini-batches of a
   dataset's (input, output) pairs, its test error as the epoch's metric, NOp checkpoints; and the
   trainer functions that go with it (PdTrainerCreate from a model, data, loss, normalisation). */
#include "supervised.h"
#include <pdeop/parallel.h>
#include <pdeop/options.h>

const char *const PdLossTypes[] = {"mse", "rel_l2", "residual", "hybrid", "PdLossType", "PD_LOSS_", NULL};

/* The supervised objective of a trainer (an error for trainers of other objectives) */
PetscErrorCode PdSupervisedGet(PdTrainer t, PdObjective_Supervised **s)
{
  PetscBool sup, roll;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(t->obj->type, PDOBJECTIVESUPERVISED, &sup));
  PetscCall(PetscStrcmp(t->obj->type, PDOBJECTIVEROLLOUT, &roll));
  PetscCheck(sup || roll, t->comm, PETSC_ERR_ARG_WRONG, "The trainer's objective is %s, not a supervised one (made by PdTrainerCreate from a model)", t->obj->type);
  *s = (PdObjective_Supervised *)t->obj->data;
  PetscFunctionReturn(0);
}

PetscErrorCode PdSupervisedCheckPrediction(MPI_Comm comm, PdTensor pred, PdTensor y)
{
  char sp[96], sy[96];

  PetscFunctionBegin;
  if (!PdShapeEqual(pred, y)) {
    PetscCall(PdShapeString(pred->ndim, pred->shape, sp, sizeof(sp)));
    PetscCall(PdShapeString(y->ndim, y->shape, sy, sizeof(sy)));
    SETERRQ(comm, PETSC_ERR_ARG_SIZ, "The model predicts %s but the data's outputs are %s", sp, sy);
  }
  PetscFunctionReturn(0);
}

/* recurrent or not: the ops and the type's name follow the model's rollout */
static PetscErrorCode UpdateType(PdObjective obj)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;
  PetscInt                K;

  PetscFunctionBegin;
  PetscCall(NOpGetRollout(s->nop, &K));
  PetscCall(PetscFree(obj->type));
  PetscCall(PetscStrallocpy(K > 0 ? PDOBJECTIVEROLLOUT : PDOBJECTIVESUPERVISED, &obj->type));
  obj->ops->lossgrad = K > 0 ? PdRolloutLossGrad : NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckCompatible(PdObjective_Supervised *s, MPI_Comm comm, const PdDataset *ds, const char *what)
{
  PetscInt K;

  PetscFunctionBegin;
  PetscCall(NOpGetRollout(s->nop, &K));
  if (K > 0) {
    PetscBool train;
    PetscCall(PetscStrcmp(what, "training", &train));
    PetscCall(PdRolloutCheckSeries(s->nop, ds, what, train ? K : 1));
    PetscFunctionReturn(0);
  }
  PetscCall(NOpCheckData(s->nop, ds, PETSC_FALSE, what));
  if (!ds->outputs) { /* a training set of inputs alone trains with the residual (checked at setup) */
    PetscBool train;
    PetscCall(PetscStrcmp(what, "training", &train));
    PetscCheck(train, comm, PETSC_ERR_ARG_WRONG, "The %s set has no /outputs to compare with", what);
    PetscFunctionReturn(0);
  }
  PetscCall(NOpCheckData(s->nop, ds, PETSC_TRUE, what));
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetData - training set and optional test set (NULL); not copied: they must outlive the trainer @*/
PetscErrorCode PdTrainerSetData(PdTrainer t, const PdDataset *train, const PdDataset *test)
{
  PdObjective_Supervised *s;

  PetscFunctionBegin;
  PetscCall(PdSupervisedGet(t, &s));
  PetscCall(CheckCompatible(s, t->comm, train, "training"));
  if (test) PetscCall(CheckCompatible(s, t->comm, test, "test"));
  s->train = train;
  s->test  = test;
  PetscCall(PdResidualDestroy(&s->res)); /* its matrices were the old training set's */
  PetscCall(UpdateType(t->obj));
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetNormalize - normalise inputs and outputs per channel with the training set's statistics (-normalize) @*/
PetscErrorCode PdTrainerSetNormalize(PdTrainer t, PetscBool flg)
{
  PdObjective_Supervised *s;

  PetscFunctionBegin;
  PetscCall(PdSupervisedGet(t, &s));
  s->normalize = flg;
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetLoss - the training loss, also the test metric @*/
PetscErrorCode PdTrainerSetLoss(PdTrainer t, PdLossType loss)
{
  PdObjective_Supervised *s;

  PetscFunctionBegin;
  PetscCall(PdSupervisedGet(t, &s));
  s->loss   = loss;
  s->metric = PdLossMetric(loss);
  PetscFunctionReturn(0);
}

/* per-channel mean and standard deviation (over samples and grid points) of a dataset's
   inputs (which = 0) or outputs (1) */
PetscErrorCode PdSupervisedChannelStats(const PdDataset *ds, int which, double *mean, double *std)
{
  PetscInt     C = which ? ds->out_shape[1] : ds->in_shape[1], size = which ? ds->out_size : ds->in_size, inner = size / C;
  const float *v = which ? ds->outputs : ds->inputs;

  PetscFunctionBegin;
  if ((which ? ds->out_ndim : ds->in_ndim) == 2) { /* rows of features: one "channel" per feature */
    C     = size;
    inner = 1;
  }
  for (PetscInt c = 0; c < C; c++) {
    double s = 0, s2 = 0, n = (double)ds->N * inner;
    for (PetscInt i = 0; i < ds->N; i++)
      for (PetscInt k = 0; k < inner; k++) {
        double x = v[(size_t)i * size + c * inner + k];
        s += x;
        s2 += x * x;
      }
    mean[c] = s / n;
    std[c]  = PetscSqrtReal(PetscMax(s2 / n - mean[c] * mean[c], 0));
    if (!(std[c] > 1e-12 * (PetscAbsReal(mean[c]) + 1e-30))) std[c] = 1; /* constant channel */
  }
  PetscFunctionReturn(0);
}

/* inputs by the training set's statistics; outputs by those of the samples whose outputs the loss
   reads: all (data losses), the labelled (hybrid); the residual reads none: mean 0 and the scale of
   the solution of -div(a grad u) = f for constant a and f, f / (2 pi^2 a) (PdSupervisedResidualScale) */
static PetscErrorCode Normalize(PdObjective_Supervised *s)
{
  PdDataset tr = *s->train;
  double   *im, *is, *om, *os;
  PetscInt  ci = tr.in_ndim == 2 ? tr.in_size : tr.in_shape[1], co = tr.out_ndim == 2 ? tr.out_size : tr.out_shape[1];

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(ci, &im, ci, &is, co, &om, co, &os));
  PetscCall(PdSupervisedChannelStats(&tr, 0, im, is));
  if (s->loss == PD_LOSS_HYBRID) PetscCall(PdSupervisedLabelled(s, &tr.N));
  if (s->loss == PD_LOSS_RESIDUAL) PetscCall(PdSupervisedResidualScale(s, im[0], om, os));
  else PetscCall(PdSupervisedChannelStats(&tr, 1, om, os));
  PetscCall(NOpSetNormalization(s->nop, im, is, om, os));
  PetscCall(PetscFree4(im, is, om, os));
  PetscFunctionReturn(0);
}

/* at the start of training: the names of the loss and metric, normalisation of a new model */
static PetscErrorCode SetUp_Supervised(PdObjective obj, PdTrainer t)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;
  PetscBool               has;
  PetscInt                K;
  NOpType                 type;

  PetscFunctionBegin;
  PetscCheck(s->train, t->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdTrainerSetData before PdTrainerTrain");
  PetscCheck(!s->hybrid_given || s->loss == PD_LOSS_HYBRID, obj->comm, PETSC_ERR_ARG_WRONG, "-residual_weight and -labelled_fraction are for -loss hybrid (got -loss %s)", PdLossTypes[s->loss]);
  PetscCheck(!s->pc_given || PdLossIsPhysics(s->loss), obj->comm, PETSC_ERR_ARG_WRONG, "-residual_pc_type is for -loss residual or hybrid (got -loss %s)", PdLossTypes[s->loss]);
  PetscCheck(s->train->outputs || s->loss == PD_LOSS_RESIDUAL, t->comm, PETSC_ERR_ARG_WRONG, "The training set has only /inputs: it trains with -loss residual alone, not -loss %s", PdLossTypes[s->loss]);
  PetscCall(UpdateType(obj));
  if (PdLossIsPhysics(s->loss)) PetscCall(PdSupervisedPhysicsSetUp(s, t->comm));
  PetscCall(NOpGetRollout(s->nop, &K));
  PetscCall(NOpGetType(s->nop, &type));
  PetscCall(NOpGetSeed(s->nop, &obj->seed));
  PetscCall(PetscSNPrintf(obj->title, sizeof(obj->title), "pdeop train: %s", type));
  PetscCall(PetscSNPrintf(obj->loss_label, sizeof(obj->loss_label), "train %s", PdLossTypes[s->loss]));
  PetscCall(PetscSNPrintf(obj->metric_label, sizeof(obj->metric_label), "test %s", PdLossTypes[s->metric]));
  obj->has_metric = (PetscBool)(s->test != NULL);
  PetscCall(NOpGetNormalized(s->nop, &has));
  if (s->normalize && !has && t->epoch == 0 && K > 0) PetscCall(PdRolloutSeriesNormalization(s->nop, s->train));
  else if (s->normalize && !has && t->epoch == 0) PetscCall(Normalize(s));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_Supervised(PetscOptionItems *PetscOptionsObject, PdObjective obj)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;
  PetscBool               flg, wset, fset, pcset, physics;
  PetscReal               w = s->residual_weight, phi = s->labelled_fraction;
  char                    pctype[64];

  PetscFunctionBegin;
  PetscCall(PdOptionsEnum("-loss", "Training loss (residual, hybrid: Darcy data)", "PdTrainerSetLoss", PdLossTypes, (PetscEnum)s->loss, (PetscEnum *)&s->loss, &flg));
  if (flg) s->metric = PdLossMetric(s->loss);
  PetscCall(PetscOptionsBool("-normalize", "Normalise inputs and outputs per channel with the training set's statistics (new models)", "PdTrainerSetNormalize", s->normalize, &s->normalize, NULL));
  PetscCall(PdOptionsReal("-residual_weight", "-loss hybrid: weight of the residual beside the data loss", "PdTrainerSetHybrid", w, &w, &wset));
  PetscCall(PdOptionsReal("-labelled_fraction", "-loss hybrid: the first round(fraction N) training samples are labelled", "PdTrainerSetHybrid", phi, &phi, &fset));
  PetscCall(PetscStrncpy(pctype, s->residual_pc, sizeof(pctype)));
  PetscCall(PetscOptionsString("-residual_pc_type", "-loss residual, hybrid: preconditioner M of ||M^-1 (A u - f)|| (none, jacobi, mg, gamg, ...; its options take the prefix -residual_)", "PdTrainerSetResidualPCType", pctype, pctype, sizeof(pctype), &pcset));
  physics = PdLossIsPhysics(s->loss);
  /* checked against the loss at set-up: a resumed run learns its loss from the checkpoint after this */
  s->hybrid_given = (PetscBool)(s->hybrid_given || wset || fset);
  s->pc_given     = (PetscBool)(s->pc_given || pcset);
  if (s->loss == PD_LOSS_HYBRID) PetscCall(PdSupervisedSetHybrid(s, obj->comm, w, phi));
  else if (wset || fset) { /* kept, and their ranges checked, for when the loss turns out hybrid */
    const PdLossType loss = s->loss, metric = s->metric;
    PetscCall(PdSupervisedSetHybrid(s, obj->comm, w, phi));
    s->loss   = loss;
    s->metric = metric;
  }
  if (pcset) { /* the type, named with its option (PCSetType's own message names neither) */
    PC             pc;
    PetscErrorCode ierr;
    PetscCall(PCCreate(PETSC_COMM_SELF, &pc));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PCSetType(pc, pctype);
    PetscCall(PetscPopErrorHandler());
    PetscCall(PCDestroy(&pc));
    PetscCheck(!ierr, obj->comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "-residual_pc_type %s is not a PETSc preconditioner type (none, jacobi, sor, icc, ilu, lu, mg, gamg, hypre, ...)", pctype);
    PetscCall(PetscStrncpy(s->residual_pc, pctype, sizeof(s->residual_pc)));
    PetscCall(PdResidualDestroy(&s->res));
  }
  /* the residual's PC reads its -residual_ options now, before the check for unused options */
  if (physics && s->train && (s->train->outputs || s->loss == PD_LOSS_RESIDUAL)) PetscCall(PdSupervisedPhysicsSetUp(s, obj->comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode Items_Supervised(PdObjective obj, PetscInt *n)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;

  PetscFunctionBegin;
  *n = s->train ? s->train->N : 0;
  PetscFunctionReturn(0);
}

/* Copy the samples idx[0..n) of a dataset into a new batch tensor on the tape (outputs: if y). */
PetscErrorCode PdSupervisedGatherBatch(PdTape tape, const PdDataset *ds, const PetscInt *idx, PetscInt n, PdTensor *x, PdTensor *y)
{
  PetscInt shape[PD_MAX_DIMS];

  PetscFunctionBegin;
  shape[0] = n;
  for (int i = 1; i < ds->in_ndim; i++) shape[i] = ds->in_shape[i];
  PetscCall(PdTapeInput(tape, ds->in_ndim, shape, x));
  for (PetscInt k = 0; k < n; k++) PetscCall(PetscArraycpy((*x)->data + k * ds->in_size, ds->inputs + (size_t)idx[k] * ds->in_size, ds->in_size));
  if (y) {
    for (int i = 1; i < ds->out_ndim; i++) shape[i] = ds->out_shape[i];
    PetscCall(PdTapeInput(tape, ds->out_ndim, shape, y));
    for (PetscInt k = 0; k < n; k++) PetscCall(PetscArraycpy((*y)->data + k * ds->out_size, ds->outputs + (size_t)idx[k] * ds->out_size, ds->out_size));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Loss_Supervised(PdObjective obj, PdTrainer t, PetscInt n, const PetscInt idx[], PdTensor *l)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;
  PdTensor                x, y, p;

  PetscFunctionBegin;
  if (PdLossIsPhysics(s->loss)) {
    PetscCall(PdSupervisedGatherBatch(t->tape, s->train, idx, n, &x, NULL));
    PetscCall(NOpForward(s->nop, t->tape, x, &p));
    PetscCall(PdSupervisedPhysicsLoss(s, t->tape, n, idx, p, l));
    PetscFunctionReturn(0);
  }
  PetscCall(PdSupervisedGatherBatch(t->tape, s->train, idx, n, &x, &y));
  PetscCall(NOpForward(s->nop, t->tape, x, &p));
  PetscCall(PdSupervisedCheckPrediction(t->comm, p, y));
  if (s->loss == PD_LOSS_MSE) PetscCall(PdMSELoss(p, y, l));
  else PetscCall(PdRelL2Loss(p, y, l));
  PetscFunctionReturn(0);
}

static PetscErrorCode Metric_Supervised(PdObjective obj, PdTrainer t, PetscInt epoch, double *m)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;

  PetscFunctionBegin;
  if (s->test) PetscCall(PdTrainerEvaluate(t, s->test, s->metric, m, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode Save_Supervised(PdObjective obj, PdTrainer t, const char file[])
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;

  PdDict settings;

  PetscFunctionBegin;
  PetscCall(PdDictCreate(&settings));
  PetscCall(PdTrainerGetSettings(t, settings));
  PetscCall(NOpSaveTraining(s->nop, file, t->optim, t->epoch, settings));
  PetscCall(PdDictDestroy(&settings));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetSettings_Supervised(PdObjective obj, PdDict d)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;

  PetscFunctionBegin;
  PetscCall(PdDictSetString(d, "loss", PdLossTypes[s->loss]));
  if (PdLossIsPhysics(s->loss)) PetscCall(PdDictSetString(d, "residual_pc_type", s->residual_pc)); /* its own -residual_pc_* options are not kept */
  if (s->loss == PD_LOSS_HYBRID) {
    PetscCall(PdDictSetReal(d, "residual_weight", s->residual_weight));
    PetscCall(PdDictSetReal(d, "labelled_fraction", s->labelled_fraction));
  }
  PetscFunctionReturn(0);
}

/* params, epochs, loss, batch_size, normalize, lr_total_steps, rollout and t_in, train_loss, test_rel_l2/test_mse, samples/s, seconds, train_cpu_seconds, curve_png */
static PetscErrorCode Report_Supervised(PdObjective obj, PdTrainer t, PdDict report)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;
  PetscInt                n, K;
  const PetscInt         *in_s;

  PetscFunctionBegin;
  PetscCall(NOpGetParamCount(s->nop, &n));
  PetscCall(PdDictSetInt(report, "params", n));
  PetscCall(PdDictSetInt(report, "epochs", t->epoch));
  PetscCall(PdDictSetString(report, "loss", PdLossTypes[s->loss]));
  PetscCall(PdDictSetString(report, "loss_type", PdLossIsPhysics(s->loss) ? PdLossTypes[s->loss] : "data"));
  if (PdLossIsPhysics(s->loss)) PetscCall(PdDictSetString(report, "residual_pc_type", s->residual_pc));
  if (s->loss == PD_LOSS_HYBRID) {
    PetscInt nl;
    PetscCall(PdSupervisedLabelled(s, &nl));
    PetscCall(PdDictSetReal(report, "residual_weight", s->residual_weight));
    PetscCall(PdDictSetInt(report, "labelled", nl));
  }
  PetscCall(PdDictSetInt(report, "batch_size", t->batch_size));
  PetscCall(PdDictSetBool(report, "normalize", s->normalize));
  PetscCall(PdOptimGetTotalSteps(t->optim, &n));
  PetscCall(PdDictSetInt(report, "lr_total_steps", n));
  PetscCall(NOpGetRollout(s->nop, &K));
  PetscCall(NOpGetShapes(s->nop, NULL, &in_s, NULL, NULL));
  if (K > 0) {
    PetscCall(PdDictSetInt(report, "rollout", K));
    PetscCall(PdDictSetInt(report, "t_in", in_s[0]));
  }
  PetscCall(PdDictSetReal(report, "train_loss", t->train_loss));
  if (s->test) PetscCall(PdDictSetReal(report, s->metric == PD_LOSS_REL_L2 ? "test_rel_l2" : "test_mse", t->metric));
  PetscCall(PdDictSetReal(report, "train_samples_per_s", t->samples_per_s));
  PetscCall(PdDictSetReal(report, "seconds", t->seconds));
  PetscCall(PdDictSetReal(report, "train_cpu_seconds", t->train_cpu)); /* the epochs' CPU time, evaluations excluded */
  if (t->curve[0]) PetscCall(PdDictSetString(report, "curve_png", t->curve));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Supervised(PdObjective obj)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;

  PetscFunctionBegin;
  PetscCall(PetscFree2(s->rpred, s->radj));
  PetscCall(PdResidualDestroy(&s->res));
  PetscFunctionReturn(0);
}

/* supervised and rollout share their data and differ in the loss (see UpdateType) */
static PetscErrorCode CreateCommon(PdObjective obj)
{
  PdObjective_Supervised *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->loss              = PD_LOSS_MSE;
  s->metric            = PD_LOSS_MSE;
  s->residual_weight   = 1;
  s->labelled_fraction = 1;
  PetscCall(PetscStrncpy(s->residual_pc, "none", sizeof(s->residual_pc)));
  obj->data                = s;
  obj->stream              = PD_RNG_STREAM_EPOCH;
  obj->ops->setup          = SetUp_Supervised;
  obj->ops->setfromoptions = SetFromOptions_Supervised;
  obj->ops->items          = Items_Supervised;
  obj->ops->loss           = Loss_Supervised;
  obj->ops->metric         = Metric_Supervised;
  obj->ops->save           = Save_Supervised;
  obj->ops->getsettings    = GetSettings_Supervised;
  obj->ops->report         = Report_Supervised;
  obj->ops->destroy        = Destroy_Supervised;
  PetscCall(PetscStrncpy(obj->loss_column, "train_loss", sizeof(obj->loss_column)));
  PetscCall(PetscStrncpy(obj->metric_column, "test_error", sizeof(obj->metric_column)));
  PetscFunctionReturn(0);
}

PetscErrorCode PdObjectiveCreate_Supervised(PdObjective obj)
{
  PetscFunctionBegin;
  PetscCall(CreateCommon(obj));
  PetscFunctionReturn(0);
}

PetscErrorCode PdObjectiveCreate_Rollout(PdObjective obj)
{
  PetscFunctionBegin;
  PetscCall(CreateCommon(obj));
  obj->ops->lossgrad = PdRolloutLossGrad;
  PetscFunctionReturn(0);
}

/*@
  PdObjectiveSupervisedSetModel - the model a supervised or rollout objective trains (set up here;
  not copied: it must outlive the objective)
@*/
PetscErrorCode PdObjectiveSupervisedSetModel(PdObjective obj, NOp nop)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;
  PetscInt64              seed;

  PetscFunctionBegin;
  PetscCall(NOpGetSeed(nop, &seed));
  PetscCall(PdObjectiveSetModelParams(obj, Destroy_Supervised, "supervised or rollout", nop, seed));
  PetscCall(NOpSetUp(nop));
  s->nop = nop;
  PetscCall(UpdateType(obj));
  PetscFunctionReturn(0);
}

/*@
  PdTrainerCreate - a trainer of a neural operator on data: the supervised objective (rollout for a
  recurrent model, NOpSetRollout), PdTrainerSetData next
@*/
PetscErrorCode PdTrainerCreate(NOp nop, PdTrainer *tr)
{
  PdObjective obj;
  MPI_Comm    comm;

  PetscFunctionBegin;
  PetscCall(NOpGetComm(nop, &comm));
  PetscCall(PdObjectiveCreate(comm, &obj));
  PetscCall(PdObjectiveSetType(obj, PDOBJECTIVESUPERVISED));
  PetscCall(PdObjectiveSupervisedSetModel(obj, nop));
  PetscCall(PdTrainerCreateWithObjective(obj, tr));
  PetscCall(PdObjectiveDestroy(&obj));
  PetscFunctionReturn(0);
}

/* an evaluation never reports NaN or Inf as an error: it names the likely cause */
static PetscErrorCode CheckFiniteError(MPI_Comm comm, double mean)
{
  PetscFunctionBegin;
  PetscCheck(!PetscIsInfOrNanReal(mean), comm, PETSC_ERR_FP, "The model's error on the data is %g: its outputs hold NaN or Inf, so its parameters or normalisation are damaged, or the inputs lie far outside its training data", mean);
  PetscFunctionReturn(0);
}

/*@ PdTrainerEvaluate - mean error on a dataset (split over ranks); per-sample errors optional (length N) @*/
PetscErrorCode PdTrainerEvaluate(PdTrainer t, const PdDataset *ds, PdLossType metric, double *mean, double *per_sample)
{
  PdObjective_Supervised *s;
  PetscMPIInt             rank, size;
  PetscInt                lo, hi, *idx, K;
  double                 *err, sum = 0;

  PetscFunctionBegin;
  PetscCall(PdSupervisedGet(t, &s));
  PetscCall(NOpGetRollout(s->nop, &K));
  if (K > 0) {
    PetscCall(PdTrainerEvaluateRollout(t, ds, metric, mean, per_sample, NULL, NULL));
    PetscCall(CheckFiniteError(t->comm, *mean));
    PetscFunctionReturn(0);
  }
  PetscCall(CheckCompatible(s, t->comm, ds, "evaluation"));
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  PetscCallMPI(MPI_Comm_size(t->comm, &size));
  PetscCall(PdRankRange(t->comm, ds->N, &lo, &hi));
  PetscCall(PetscCalloc1(ds->N, &err));
  PetscCall(PetscMalloc1(t->batch_size, &idx));
  /* the training tape with gradients off: its arena, grown by training steps, holds a forward pass
     without gradients, so evaluation needs no memory of its own */
  PetscCall(PdTapeSetGradEnabled(t->tape, PETSC_FALSE));
  for (PetscInt s0 = lo; s0 < hi; s0 += t->batch_size) {
    PetscInt n = PetscMin(t->batch_size, hi - s0);
    PdTensor x, y, p;

    for (PetscInt k = 0; k < n; k++) idx[k] = s0 + k;
    PetscCall(PdTapeReset(t->tape));
    PetscCall(PdSupervisedGatherBatch(t->tape, ds, idx, n, &x, &y));
    PetscCall(NOpForward(s->nop, t->tape, x, &p));
    PetscCall(PdSupervisedCheckPrediction(t->comm, p, y));
    for (PetscInt k = 0; k < n; k++) {
      const float *pp = p->data + k * ds->out_size, *yy = y->data + k * ds->out_size;
      double       d2 = 0, y2 = 0;
      for (PetscInt j = 0; j < ds->out_size; j++) {
        double d = (double)pp[j] - (double)yy[j];
        d2 += d * d;
        y2 += (double)yy[j] * (double)yy[j];
      }
      if (metric == PD_LOSS_MSE) err[s0 + k] = d2 / (double)ds->out_size;
      else {
        PetscCheck(y2 > 0, t->comm, PETSC_ERR_ARG_WRONG, "Sample %" PetscInt_FMT " has an all-zero output; its relative L2 error is undefined (use -loss mse)", s0 + k);
        err[s0 + k] = PetscSqrtReal(d2 / y2);
      }
    }
  }
  PetscCall(PdTapeReset(t->tape));
  PetscCall(PdTapeSetGradEnabled(t->tape, PETSC_TRUE));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, err, (PetscMPIInt)ds->N, MPI_DOUBLE, MPI_SUM, t->comm));
  for (PetscInt i = 0; i < ds->N; i++) sum += err[i];
  *mean = sum / (double)ds->N;
  if (per_sample) PetscCall(PetscArraycpy(per_sample, err, ds->N));
  PetscCall(PetscFree(idx));
  PetscCall(PetscFree(err));
  PetscCall(CheckFiniteError(t->comm, *mean));
  PetscFunctionReturn(0);
}
