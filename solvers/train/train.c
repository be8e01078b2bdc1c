/* The training loop shared by every model (see include/pdeop/train.h): data-parallel mini-batch
   training with per-epoch evaluation, logging, checkpoints, exact resume and divergence stops. */
#include <pdeop/train.h>
#include <pdeop/ops.h>
#include <pdeop/progress.h>
#include <pdeop/plot.h>

const char *const PdLossTypes[] = {"mse", "rel_l2", "PdLossType", "PD_LOSS_", NULL};

struct _n_PdTrainer {
  MPI_Comm         comm;
  NOp              nop;
  PdParams         params;
  PdOptim          optim;
  const PdDataset *train, *test;
  PdLossType       loss, metric;
  PetscInt         epochs, batch_size, checkpoint_every;
  PetscInt         epoch; /* epochs completed */
  char             out[PETSC_MAX_PATH_LEN], log[PETSC_MAX_PATH_LEN], curve[PETSC_MAX_PATH_LEN];
  PetscBool        optim_configured, normalize;
  PdTape           tape; /* training steps and evaluation (gradients off) share one arena */
  PetscInt        *perm;
  /* recurrent training (NOpSetRollout): predictions and their adjoints, [n][K][grid] */
  float  *rpred, *radj;
  size_t  rcap;
  /* results */
  double train_loss, test_error, seconds, samples_per_s;
  PetscInt last_checkpoint;
  /* history of the epochs for the curve picture: epoch, train loss, test error */
  PetscInt nhist, maxhist;
  double  *hepoch, *hloss, *htest;
};

PetscErrorCode PdTrainerCreate(NOp nop, PdTrainer *tr)
{
  PdTrainer t;

  PetscFunctionBegin;
  PetscCall(PetscNew(&t));
  PetscCall(NOpGetComm(nop, &t->comm));
  t->nop              = nop;
  t->loss             = PD_LOSS_MSE;
  t->metric           = PD_LOSS_MSE;
  t->epochs           = 100;
  t->batch_size       = 64;
  t->checkpoint_every = 0;
  t->test_error       = NAN;
  t->last_checkpoint  = -1;
  PetscCall(NOpSetUp(nop));
  PetscCall(NOpGetParams(nop, &t->params));
  PetscCall(PdOptimCreate(t->params, &t->optim));
  PetscCall(PdTapeCreate(t->comm, &t->tape));
  *tr = t;
  PetscFunctionReturn(0);
}

PetscErrorCode PdTrainerDestroy(PdTrainer *tr)
{
  PetscFunctionBegin;
  if (!*tr) PetscFunctionReturn(0);
  PetscCall(PdOptimDestroy(&(*tr)->optim));
  PetscCall(PdTapeDestroy(&(*tr)->tape));
  PetscCall(PetscFree((*tr)->perm));
  PetscCall(PetscFree3((*tr)->hepoch, (*tr)->hloss, (*tr)->htest));
  PetscCall(PetscFree2((*tr)->rpred, (*tr)->radj));
  PetscCall(PetscFree(*tr));
  PetscFunctionReturn(0);
}

/*
  Time series for recurrent models. A dataset of `pdeop data ns` holds snapshots t = 1..D as the
  channels of /inputs and t = D+1..T as those of /outputs (attributes t_in = D and T). A model with
  t_in <= D input channels reads the last t_in inputs; step k (0-based) predicts snapshot D+1+k from
  the t_in snapshots before it, truth while they are inputs, its own predictions afterwards.
*/
static PetscErrorCode CheckSeries(PdTrainer t, const PdDataset *ds, const char *what, PetscInt K)
{
  int             in_nd;
  const PetscInt *in_s;
  PetscBool       hastin = PETSC_FALSE, hasT = PETSC_FALSE;
  PetscInt64      D = 0, T = 0;

  PetscFunctionBegin;
  PetscCall(NOpGetShapes(t->nop, &in_nd, &in_s, NULL, NULL));
  PetscCheck(ds->outputs, t->comm, PETSC_ERR_ARG_WRONG, "The %s set has no /outputs to learn from", what);
  if (ds->attrs) {
    PetscCall(PdDictHas(ds->attrs, "t_in", &hastin));
    PetscCall(PdDictHas(ds->attrs, "T", &hasT));
  }
  if (hastin) PetscCall(PdDictGetInt(ds->attrs, "t_in", &D));
  if (hasT) PetscCall(PdDictGetInt(ds->attrs, "T", &T));
  PetscCheck(hastin && hasT && ds->in_ndim == in_nd + 1 && ds->out_ndim == ds->in_ndim && D == ds->in_shape[1] && T - D == ds->out_shape[1], t->comm, PETSC_ERR_ARG_WRONG, "The %s set has no time axis: -rollout needs snapshots t = 1..t_in in /inputs and t_in+1..T in /outputs with attributes t_in and T, as `pdeop data ns` writes", what);
  for (int d = 2; d < ds->in_ndim; d++) PetscCheck(ds->in_shape[d] == ds->out_shape[d], t->comm, PETSC_ERR_ARG_SIZ, "The %s set's input and output snapshots have different grids", what);
  PetscCheck(in_s[0] <= ds->in_shape[1], t->comm, PETSC_ERR_ARG_SIZ, "-t_in %" PetscInt_FMT " is larger than the %" PetscInt_FMT " input snapshots of the %s set", in_s[0], ds->in_shape[1], what);
  PetscCheck(K <= ds->out_shape[1], t->comm, PETSC_ERR_ARG_SIZ, "-rollout %" PetscInt_FMT " is longer than the %" PetscInt_FMT " output snapshots of the %s set", K, ds->out_shape[1], what);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckCompatible(PdTrainer t, const PdDataset *ds, const char *what)
{
  int             in_nd, out_nd;
  const PetscInt *in_s, *out_s;
  PetscInt        K;

  PetscFunctionBegin;
  PetscCall(NOpGetRollout(t->nop, &K));
  if (K > 0) {
    PetscBool train;
    PetscCall(PetscStrcmp(what, "training", &train));
    PetscCall(CheckSeries(t, ds, what, train ? K : 1));
    PetscFunctionReturn(0);
  }
  PetscCall(NOpGetShapes(t->nop, &in_nd, &in_s, &out_nd, &out_s));
  PetscCheck(ds->outputs, t->comm, PETSC_ERR_ARG_WRONG, "The %s set has no /outputs to learn from", what);
  PetscCheck(ds->in_ndim - 1 == in_nd && ds->in_shape[1] == in_s[0], t->comm, PETSC_ERR_ARG_SIZ, "The %s set's inputs (%d dimensions, %" PetscInt_FMT " channels) do not fit the model (%d dimensions, %" PetscInt_FMT " channels)", what, ds->in_ndim - 1, ds->in_shape[1], in_nd, in_s[0]);
  PetscCheck(ds->out_ndim - 1 == out_nd && ds->out_shape[1] == out_s[0], t->comm, PETSC_ERR_ARG_SIZ, "The %s set's outputs (%d dimensions, %" PetscInt_FMT " channels) do not fit the model (%d dimensions, %" PetscInt_FMT " channels)", what, ds->out_ndim - 1, ds->out_shape[1], out_nd, out_s[0]);
  PetscFunctionReturn(0);
}

/*@ PdTrainerSetData - training set and optional test set (NULL) @*/
PetscErrorCode PdTrainerSetData(PdTrainer t, const PdDataset *train, const PdDataset *test)
{
  PetscFunctionBegin;
  PetscCall(CheckCompatible(t, train, "training"));
  if (test) PetscCall(CheckCompatible(t, test, "test"));
  t->train = train;
  t->test  = test;
  PetscCall(PetscFree(t->perm));
  PetscCall(PetscMalloc1(train->N, &t->perm));
  PetscFunctionReturn(0);
}

PetscErrorCode PdTrainerSetNormalize(PdTrainer t, PetscBool flg)
{
  PetscFunctionBegin;
  t->normalize = flg;
  PetscFunctionReturn(0);
}

/* per-channel mean and standard deviation (over samples and grid points) of a dataset's
   inputs (which = 0) or outputs (1) */
static PetscErrorCode ChannelStats(const PdDataset *ds, int which, double *mean, double *std)
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

/* Normalisation of a recurrent model: input channel c is the series' snapshot D - t_in + c (its own
   statistics over the training set), and the one output channel takes the statistics of all output
   snapshots together, since it stands for every step. */
static PetscErrorCode SeriesNormalization(PdTrainer t)
{
  const PdDataset *ds = t->train;
  const PetscInt  *in_s;
  PetscInt         D = ds->in_shape[1], tin;
  double          *im, *is, s = 0, s2 = 0, n = (double)ds->N * ds->out_size, om, os;

  PetscFunctionBegin;
  PetscCall(NOpGetShapes(t->nop, NULL, &in_s, NULL, NULL));
  tin = in_s[0];
  PetscCall(PetscMalloc2(D, &im, D, &is));
  PetscCall(ChannelStats(ds, 0, im, is));
  for (size_t i = 0; i < (size_t)ds->N * ds->out_size; i++) {
    s += ds->outputs[i];
    s2 += (double)ds->outputs[i] * ds->outputs[i];
  }
  om = s / n;
  os = PetscSqrtReal(PetscMax(s2 / n - om * om, 0));
  if (!(os > 1e-12 * (PetscAbsReal(om) + 1e-30))) os = 1;
  PetscCall(NOpSetNormalization(t->nop, im + D - tin, is + D - tin, &om, &os));
  PetscCall(PetscFree2(im, is));
  PetscFunctionReturn(0);
}

PetscErrorCode PdTrainerSetLoss(PdTrainer t, PdLossType loss)
{
  PetscFunctionBegin;
  t->loss   = loss;
  t->metric = loss;
  PetscFunctionReturn(0);
}

PetscErrorCode PdTrainerSetEpochs(PdTrainer t, PetscInt epochs)
{
  PetscFunctionBegin;
  PetscCheck(epochs >= 1, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "The number of epochs must be at least 1, got %" PetscInt_FMT, epochs);
  t->epochs = epochs;
  PetscFunctionReturn(0);
}

PetscErrorCode PdTrainerSetBatchSize(PdTrainer t, PetscInt bs)
{
  PetscFunctionBegin;
  PetscCheck(bs >= 1, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "The batch size must be at least 1, got %" PetscInt_FMT, bs);
  t->batch_size = bs;
  PetscFunctionReturn(0);
}

PetscErrorCode PdTrainerSetOutput(PdTrainer t, const char file[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(t->out, file ? file : "", sizeof(t->out)));
  PetscFunctionReturn(0);
}

PetscErrorCode PdTrainerGetOptim(PdTrainer t, PdOptim *optim)
{
  PetscFunctionBegin;
  *optim = t->optim;
  PetscFunctionReturn(0);
}

static PetscInt NumBatches(PdTrainer t)
{
  return (t->train->N + t->batch_size - 1) / t->batch_size;
}

/*@
  PdTrainerSetFromOptions - configure the loop and the optimizer

  Options: -epochs <n> -batch_size <n> -loss <mse,rel_l2> -checkpoint_every <n> -log <file.csv>,
  -curve_png <file.png> (default: the -log file with .png for .csv), and PdOptimSetFromOptions'
  options. Call after PdTrainerSetData so that schedules know the number of steps.
@*/
PetscErrorCode PdTrainerSetFromOptions(PdTrainer t)
{
  PetscBool flg, curveset;

  PetscFunctionBegin;
  PetscOptionsBegin(t->comm, NULL, "Training options", "PdTrainer");
  PetscCall(PetscOptionsInt("-epochs", "Number of epochs", "PdTrainerSetEpochs", t->epochs, &t->epochs, NULL));
  PetscCall(PetscOptionsInt("-batch_size", "Samples per mini-batch (over all ranks)", "PdTrainerSetBatchSize", t->batch_size, &t->batch_size, NULL));
  PetscCall(PetscOptionsEnum("-loss", "Training loss", "PdTrainerSetLoss", PdLossTypes, (PetscEnum)t->loss, (PetscEnum *)&t->loss, &flg));
  if (flg) t->metric = t->loss;
  PetscCall(PetscOptionsBool("-normalize", "Normalise inputs and outputs per channel with the training set's statistics (new models)", "PdTrainerSetNormalize", t->normalize, &t->normalize, NULL));
  PetscCall(PetscOptionsInt("-checkpoint_every", "Write the checkpoint every this many epochs (0: only at the end)", "PdTrainerSetOutput", t->checkpoint_every, &t->checkpoint_every, NULL));
  PetscCall(PetscOptionsString("-log", "CSV log of epoch, train loss, test error, seconds", "PdTrainerTrain", t->log, t->log, sizeof(t->log), NULL));
  PetscCall(PetscOptionsString("-curve_png", "PNG of the training curves, rewritten every epoch (default: the -log file with .png)", "PdTrainerTrain", t->curve, t->curve, sizeof(t->curve), &curveset));
  PetscOptionsEnd();
  if (!curveset && t->log[0]) { /* x.csv -> x.png */
    size_t    n;
    PetscBool csv = PETSC_FALSE;
    PetscCall(PetscStrncpy(t->curve, t->log, sizeof(t->curve)));
    PetscCall(PetscStrlen(t->curve, &n));
    if (n >= 4) PetscCall(PetscStrcasecmp(t->curve + n - 4, ".csv", &csv));
    if (csv) t->curve[n - 4] = 0;
    PetscCall(PetscStrlcat(t->curve, ".png", sizeof(t->curve)));
  }
  PetscCheck(t->epochs >= 1, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "-epochs must be at least 1, got %" PetscInt_FMT, t->epochs);
  PetscCheck(t->batch_size >= 1, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "-batch_size must be at least 1, got %" PetscInt_FMT, t->batch_size);
  PetscCheck(t->checkpoint_every >= 0, t->comm, PETSC_ERR_ARG_OUTOFRANGE, "-checkpoint_every must be non-negative, got %" PetscInt_FMT, t->checkpoint_every);
  if (t->train) PetscCall(PdOptimSetTotalSteps(t->optim, t->epochs * NumBatches(t)));
  PetscCall(PdOptimSetFromOptions(t->optim));
  PetscFunctionReturn(0);
}

/*@ PdTrainerResume - restore optimizer state and epoch count from a checkpoint @*/
PetscErrorCode PdTrainerResume(PdTrainer t, const char file[])
{
  PdDict   meta;
  PetscInt epoch;

  PetscFunctionBegin;
  PetscCall(PdCheckpointReadMeta(t->comm, file, &meta, &epoch));
  PetscCall(PdDictDestroy(&meta));
  PetscCall(PdCheckpointLoad(t->comm, file, t->params, t->optim));
  t->epoch           = epoch;
  t->last_checkpoint = epoch;
  PetscFunctionReturn(0);
}

/* Copy the samples idx[0..n) of a dataset into a new batch tensor on the tape. */
static PetscErrorCode GatherBatch(PdTape tape, const PdDataset *ds, const PetscInt *idx, PetscInt n, PdTensor *x, PdTensor *y)
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

static PetscErrorCode CheckPrediction(PdTrainer t, PdTensor pred, PdTensor y)
{
  char sp[96], sy[96];

  PetscFunctionBegin;
  if (!PdShapeEqual(pred, y)) {
    PetscCall(PdShapeString(pred->ndim, pred->shape, sp, sizeof(sp)));
    PetscCall(PdShapeString(y->ndim, y->shape, sy, sizeof(sy)));
    SETERRQ(t->comm, PETSC_ERR_ARG_SIZ, "The model predicts %s but the data's outputs are %s", sp, sy);
  }
  PetscFunctionReturn(0);
}

/* The window of step k for sample i: snapshots D - tin + k, ..., D + k - 1 of its series (0-based),
   from /inputs while they are inputs, from pred (this sample's predictions, [K][grid]) after. */
static void SeriesWindow(const PdDataset *ds, PetscInt i, const float *pred, PetscInt tin, PetscInt k, float *dst)
{
  const PetscInt D = ds->in_shape[1], per = ds->in_size / D;

  for (PetscInt c = 0; c < tin; c++) {
    const PetscInt j   = D - tin + k + c;
    const float   *src = j < D ? ds->inputs + (size_t)i * ds->in_size + (size_t)j * per : pred + (size_t)(j - D) * per;
    memcpy(dst + (size_t)c * per, src, sizeof(float) * (size_t)per);
  }
}

/* K steps of a recurrent model for the samples idx[0..n) on a tape without gradients, each step fed
   its own predictions: pred[b][k][grid] */
static PetscErrorCode RolloutForward(NOp nop, PdTape tape, const PdDataset *ds, const PetscInt *idx, PetscInt n, PetscInt K, float *pred)
{
  const PetscInt *in_s;
  PetscInt        shape[PD_MAX_DIMS], per = ds->in_size / ds->in_shape[1], tin;
  PetscBool       was_enabled;

  PetscFunctionBegin;
  PetscCall(NOpGetShapes(nop, NULL, &in_s, NULL, NULL));
  tin      = in_s[0];
  shape[0] = n;
  shape[1] = tin;
  for (int d = 2; d < ds->in_ndim; d++) shape[d] = ds->in_shape[d];
  PetscCall(PdTapeGetGradEnabled(tape, &was_enabled));
  PetscCall(PdTapeSetGradEnabled(tape, PETSC_FALSE)); /* forward only: no gradient memory */
  for (PetscInt k = 0; k < K; k++) {
    PdTensor x, p;
    PetscCall(PdTapeReset(tape));
    PetscCall(PdTapeInput(tape, ds->in_ndim, shape, &x));
    for (PetscInt b = 0; b < n; b++) SeriesWindow(ds, idx[b], pred + (size_t)b * K * per, tin, k, x->data + (size_t)b * tin * per);
    PetscCall(NOpForward(nop, tape, x, &p));
    PetscCheck(p->size == n * per, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "A recurrent step must predict one snapshot of the input grid (%" PetscInt_FMT " values), the model predicts %" PetscInt_FMT, per, p->size / n);
    for (PetscInt b = 0; b < n; b++) PetscCall(PetscArraycpy(pred + ((size_t)b * K + k) * per, p->data + (size_t)b * per, per));
  }
  PetscCall(PdTapeReset(tape));
  PetscCall(PdTapeSetGradEnabled(tape, was_enabled));
  PetscFunctionReturn(0);
}

static PetscErrorCode RolloutBuffers(PdTrainer t, size_t need)
{
  PetscFunctionBegin;
  if (need <= t->rcap) PetscFunctionReturn(0);
  PetscCall(PetscFree2(t->rpred, t->radj));
  PetscCall(PetscMalloc2(need, &t->rpred, need, &t->radj));
  t->rcap = need;
  PetscFunctionReturn(0);
}

/*
  One mini-batch share of recurrent training: the loss sum_k loss_k(prediction k, snapshot D+1+k)
  over K unrolled steps (each loss a mean over the batch B, of which these are n samples, so weighted
  n/B) and, with grad, its exact gradient added to the parameters' gradients.

  Memory is kept to one step's tape: the K steps run forward without a tape, then backwards one at a
  time, each recomputed on the tape with its window as a variable. Differentiating
  loss_k + <a_k, prediction k>, where a_k is the adjoint of prediction k gathered from the later
  steps, gives the parameters' share of step k and, through the window's gradient, the adjoints of
  the earlier predictions it read. Cost: 2 K forward and K backward passes; memory: one step's tape
  plus 2 K n grid floats. A step whose loss is not finite ends the sweep with that loss.
*/
static PetscErrorCode RolloutLoss(PdTrainer t, const PdDataset *ds, const PetscInt *idx, PetscInt n, PetscInt B, PetscBool grad, double *loss)
{
  const PetscInt *in_s;
  PetscInt        K, D = ds->in_shape[1], per = ds->in_size / D, tin, shape[PD_MAX_DIMS], oshape[PD_MAX_DIMS];
  const double    w = (double)n / (double)B;

  PetscFunctionBegin;
  PetscCall(NOpGetRollout(t->nop, &K));
  PetscCall(NOpGetShapes(t->nop, NULL, &in_s, NULL, NULL));
  tin = in_s[0];
  PetscCall(RolloutBuffers(t, (size_t)n * K * per));
  PetscCall(RolloutForward(t->nop, t->tape, ds, idx, n, K, t->rpred));
  *loss = 0;
  if (!grad) {
    for (PetscInt k = 0; k < K; k++) {
      double lk = 0;
      for (PetscInt b = 0; b < n; b++) {
        const float *p = t->rpred + ((size_t)b * K + k) * per, *y = ds->outputs + (size_t)idx[b] * ds->out_size + (size_t)k * per;
        double       d2 = 0, y2 = 0;
        for (PetscInt j = 0; j < per; j++) {
          d2 += ((double)p[j] - y[j]) * ((double)p[j] - y[j]);
          y2 += (double)y[j] * y[j];
        }
        lk += t->loss == PD_LOSS_MSE ? d2 / ((double)n * per) : PetscSqrtReal(d2 / y2) / n;
      }
      *loss += w * lk;
    }
    PetscFunctionReturn(0);
  }
  PetscCall(PetscArrayzero(t->radj, (size_t)n * K * per));
  shape[0] = oshape[0] = n;
  shape[1]             = tin;
  oshape[1]            = 1;
  for (int d = 2; d < ds->in_ndim; d++) shape[d] = oshape[d] = ds->in_shape[d];
  for (PetscInt k = K - 1; k >= 0; k--) {
    PdTensor x, y, p, l;
    PetscCall(PdTapeReset(t->tape));
    PetscCall(PdTapeVariable(t->tape, ds->in_ndim, shape, &x));
    PetscCall(PdTapeInput(t->tape, ds->in_ndim, oshape, &y));
    for (PetscInt b = 0; b < n; b++) {
      SeriesWindow(ds, idx[b], t->rpred + (size_t)b * K * per, tin, k, x->data + (size_t)b * tin * per);
      PetscCall(PetscArraycpy(y->data + (size_t)b * per, ds->outputs + (size_t)idx[b] * ds->out_size + (size_t)k * per, per));
    }
    PetscCall(NOpForward(t->nop, t->tape, x, &p));
    PetscCall(CheckPrediction(t, p, y));
    if (t->loss == PD_LOSS_MSE) PetscCall(PdMSELoss(p, y, &l));
    else PetscCall(PdRelL2Loss(p, y, &l));
    PetscCall(PdScale(l, (float)w, &l));
    *loss += (double)l->data[0];
    if (!PetscIsNormalReal((PetscReal)l->data[0]) && l->data[0] != 0) {
      *loss = (double)l->data[0];
      PetscFunctionReturn(0);
    }
    if (k < K - 1) { /* + <a_k, p>: the later steps' dependence on this prediction */
      PdTensor a, ap;
      PetscCall(PdTapeInput(t->tape, p->ndim, p->shape, &a));
      for (PetscInt b = 0; b < n; b++) PetscCall(PetscArraycpy(a->data + (size_t)b * per, t->radj + ((size_t)b * K + k) * per, per));
      PetscCall(PdMul(p, a, &ap));
      PetscCall(PdSum(ap, &ap));
      PetscCall(PdAdd(l, ap, &l));
    }
    PetscCall(PdTapeBackward(t->tape, l));
    for (PetscInt b = 0; b < n; b++)
      for (PetscInt c = 0; c < tin; c++) {
        const PetscInt j = D - tin + k + c;
        if (j < D) continue; /* a true input snapshot */
        {
          float       *a = t->radj + ((size_t)b * K + (j - D)) * per;
          const float *g = x->grad + ((size_t)b * tin + c) * per;
          for (PetscInt q = 0; q < per; q++) a[q] += g[q];
        }
      }
  }
  PetscFunctionReturn(0);
}

/*@
  PdTrainerRolloutLoss - the recurrent training loss of samples idx[0..n) of a time-series dataset
  (the sum over the model's rollout steps of the per-step loss, each a mean over the n samples) and,
  with grad, its exact gradient added to the parameters' gradients (not zeroed here)

  For tests and tools; PdTrainerTrain calls the same code on each mini-batch.
@*/
PetscErrorCode PdTrainerRolloutLoss(PdTrainer t, const PdDataset *ds, PetscInt n, const PetscInt idx[], PetscBool grad, double *loss)
{
  PetscInt K;

  PetscFunctionBegin;
  PetscCall(NOpGetRollout(t->nop, &K));
  PetscCheck(K > 0, t->comm, PETSC_ERR_ARG_WRONGSTATE, "The model is not recurrent (NOpSetRollout)");
  PetscCall(CheckSeries(t, ds, "given", K));
  PetscCall(RolloutLoss(t, ds, idx, n, n, grad, loss));
  PetscFunctionReturn(0);
}

/*@
  PdTrainerEvaluateRollout - errors of a recurrent model rolled out over all output snapshots of a
  time-series dataset, fed its own predictions after the inputs

  Output: mean over samples of the error of the whole rollout (rel_l2: ||P - Y|| / ||Y|| over all
  steps together; mse: per element), optional per-sample errors (N), per-step errors (mean over samples
  of each step's error; length the number of output snapshots), and the same mean error of the
  baseline that copies the last input snapshot forward.
@*/
PetscErrorCode PdTrainerEvaluateRollout(PdTrainer t, const PdDataset *ds, PdLossType metric, double *mean, double *per_sample, double *per_step, double *copy_last)
{
  PetscMPIInt rank, size;
  PetscInt    lo, hi, *idx, K = ds->out_shape[1], D = ds->in_shape[1], per = ds->in_size / D, bs = t->batch_size;
  double     *err, *step, sum = 0;
  float      *pred;

  PetscFunctionBegin;
  PetscCall(CheckSeries(t, ds, "evaluation", 1));
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  PetscCallMPI(MPI_Comm_size(t->comm, &size));
  lo = (PetscInt)(((PetscInt64)ds->N * rank) / size);
  hi = (PetscInt)(((PetscInt64)ds->N * (rank + 1)) / size);
  PetscCall(PetscCalloc2(ds->N + 1, &err, K, &step)); /* err[N]: the copy-last baseline's sum */
  PetscCall(PetscMalloc2(bs, &idx, (size_t)bs * K * per, &pred));
  for (PetscInt s = lo; s < hi; s += bs) {
    PetscInt n = PetscMin(bs, hi - s);
    for (PetscInt k = 0; k < n; k++) idx[k] = s + k;
    PetscCall(RolloutForward(t->nop, t->tape, ds, idx, n, K, pred));
    for (PetscInt b = 0; b < n; b++) {
      const float *last = ds->inputs + (size_t)(s + b) * ds->in_size + (size_t)(D - 1) * per;
      double       d2 = 0, y2 = 0, c2 = 0;
      for (PetscInt k = 0; k < K; k++) {
        const float *p = pred + ((size_t)b * K + k) * per, *y = ds->outputs + (size_t)(s + b) * ds->out_size + (size_t)k * per;
        double       dk = 0, yk = 0;
        for (PetscInt j = 0; j < per; j++) {
          dk += ((double)p[j] - y[j]) * ((double)p[j] - y[j]);
          yk += (double)y[j] * y[j];
          c2 += ((double)last[j] - y[j]) * ((double)last[j] - y[j]);
        }
        if (metric == PD_LOSS_REL_L2) PetscCheck(yk > 0, t->comm, PETSC_ERR_ARG_WRONG, "Sample %" PetscInt_FMT " has an all-zero snapshot %" PetscInt_FMT "; its relative L2 error is undefined (use -loss mse)", s + b, D + 1 + k);
        step[k] += metric == PD_LOSS_MSE ? dk / per : PetscSqrtReal(dk / yk);
        d2 += dk;
        y2 += yk;
      }
      err[s + b] = metric == PD_LOSS_MSE ? d2 / ((double)K * per) : PetscSqrtReal(d2 / y2);
      err[ds->N] += metric == PD_LOSS_MSE ? c2 / ((double)K * per) : PetscSqrtReal(c2 / y2);
    }
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, err, (PetscMPIInt)(ds->N + 1), MPI_DOUBLE, MPI_SUM, t->comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, step, (PetscMPIInt)K, MPI_DOUBLE, MPI_SUM, t->comm));
  for (PetscInt i = 0; i < ds->N; i++) sum += err[i];
  *mean = sum / (double)ds->N;
  if (per_sample) PetscCall(PetscArraycpy(per_sample, err, ds->N));
  if (per_step)
    for (PetscInt k = 0; k < K; k++) per_step[k] = step[k] / (double)ds->N;
  if (copy_last) *copy_last = err[ds->N] / (double)ds->N;
  PetscCall(PetscFree2(idx, pred));
  PetscCall(PetscFree2(err, step));
  PetscFunctionReturn(0);
}

/*@
  PdRolloutPredict - a recurrent model's predictions for every sample of a dataset: steps snapshots
  after the inputs (the last t_in of them start the rollout), in batches of bs, split over ranks;
  out gets /outputs [N, steps, grid] (allocated here, complete on every rank)
@*/
PetscErrorCode PdRolloutPredict(NOp nop, const PdDataset *in, PetscInt steps, PetscInt bs, PdDataset *out)
{
  MPI_Comm        comm;
  PdTape          tape;
  PetscMPIInt     rank, size;
  PetscInt        lo, hi, K, per, *idx;
  int             in_nd;
  const PetscInt *in_s;
  float          *pred;

  PetscFunctionBegin;
  PetscCall(NOpGetComm(nop, &comm));
  PetscCall(NOpGetRollout(nop, &K));
  PetscCall(NOpGetShapes(nop, &in_nd, &in_s, NULL, NULL));
  PetscCheck(K > 0, comm, PETSC_ERR_ARG_WRONGSTATE, "The model is not recurrent (NOpSetRollout)");
  PetscCheck(steps >= 1 && bs >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "The number of steps and the batch size must be at least 1");
  PetscCheck(in->in_ndim == in_nd + 1 && in->in_shape[1] >= in_s[0], comm, PETSC_ERR_ARG_SIZ, "The model starts from %" PetscInt_FMT " snapshots [t_in, grid]; the data's inputs have %" PetscInt_FMT " channels and %d dimensions", in_s[0], in->in_shape[1], in->in_ndim - 1);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  lo  = (PetscInt)(((PetscInt64)in->N * rank) / size);
  hi  = (PetscInt)(((PetscInt64)in->N * (rank + 1)) / size);
  per = in->in_size / in->in_shape[1];
  PetscCall(PetscMemzero(out, sizeof(*out)));
  PetscCall(PetscCalloc1((size_t)in->N * steps * per, &out->outputs));
  PetscCall(PetscMalloc2(bs, &idx, (size_t)bs * steps * per, &pred));
  PetscCall(PdTapeCreate(comm, &tape));
  PetscCall(PdTapeSetGradEnabled(tape, PETSC_FALSE));
  for (PetscInt s = lo; s < hi; s += bs) {
    PetscInt n = PetscMin(bs, hi - s);
    for (PetscInt k = 0; k < n; k++) idx[k] = s + k;
    PetscCall(RolloutForward(nop, tape, in, idx, n, steps, pred));
    PetscCall(PetscArraycpy(out->outputs + (size_t)s * steps * per, pred, (size_t)n * steps * per));
  }
  PetscCall(PdTapeDestroy(&tape));
  PetscCall(PetscFree2(idx, pred));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, out->outputs, (PetscMPIInt)(in->N * steps * per), MPI_FLOAT, MPI_SUM, comm));
  out->N        = in->N;
  out->out_ndim = in->in_ndim;
  out->out_shape[0] = in->N;
  out->out_shape[1] = steps;
  for (int d = 2; d < in->in_ndim; d++) out->out_shape[d] = in->in_shape[d];
  out->out_size = steps * per;
  PetscFunctionReturn(0);
}

/*@ PdTrainerEvaluate - mean error on a dataset; per-sample errors optional (length N) @*/
PetscErrorCode PdTrainerEvaluate(PdTrainer t, const PdDataset *ds, PdLossType metric, double *mean, double *per_sample)
{
  PetscMPIInt rank, size;
  PetscInt    lo, hi, *idx;
  double     *err, sum = 0;
  PetscInt    K;

  PetscFunctionBegin;
  PetscCall(NOpGetRollout(t->nop, &K));
  if (K > 0) {
    PetscCall(PdTrainerEvaluateRollout(t, ds, metric, mean, per_sample, NULL, NULL));
    PetscFunctionReturn(0);
  }
  PetscCall(CheckCompatible(t, ds, "evaluation"));
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  PetscCallMPI(MPI_Comm_size(t->comm, &size));
  lo = (PetscInt)(((PetscInt64)ds->N * rank) / size);
  hi = (PetscInt)(((PetscInt64)ds->N * (rank + 1)) / size);
  PetscCall(PetscCalloc1(ds->N, &err));
  PetscCall(PetscMalloc1(t->batch_size, &idx));
  /* the training tape with gradients off: its arena, grown by training steps, holds a forward pass
     without gradients, so evaluation needs no memory of its own */
  PetscCall(PdTapeSetGradEnabled(t->tape, PETSC_FALSE));
  for (PetscInt s = lo; s < hi; s += t->batch_size) {
    PetscInt n = PetscMin(t->batch_size, hi - s);
    PdTensor x, y, p;

    for (PetscInt k = 0; k < n; k++) idx[k] = s + k;
    PetscCall(PdTapeReset(t->tape));
    PetscCall(GatherBatch(t->tape, ds, idx, n, &x, &y));
    PetscCall(NOpForward(t->nop, t->tape, x, &p));
    PetscCall(CheckPrediction(t, p, y));
    for (PetscInt k = 0; k < n; k++) {
      const float *pp = p->data + k * ds->out_size, *yy = y->data + k * ds->out_size;
      double       d2 = 0, y2 = 0;
      for (PetscInt j = 0; j < ds->out_size; j++) {
        double d = (double)pp[j] - (double)yy[j];
        d2 += d * d;
        y2 += (double)yy[j] * (double)yy[j];
      }
      if (metric == PD_LOSS_MSE) err[s + k] = d2 / (double)ds->out_size;
      else {
        PetscCheck(y2 > 0, t->comm, PETSC_ERR_ARG_WRONG, "Sample %" PetscInt_FMT " has an all-zero output; its relative L2 error is undefined (use -loss mse)", s + k);
        err[s + k] = PetscSqrtReal(d2 / y2);
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
  PetscFunctionReturn(0);
}

static PetscErrorCode HistoryAdd(PdTrainer t, double epoch, double loss, double test)
{
  PetscFunctionBegin;
  if (t->nhist == t->maxhist) {
    PetscInt m = PetscMax(64, 2 * t->maxhist);
    double  *e, *l, *te;
    PetscCall(PetscMalloc3(m, &e, m, &l, m, &te));
    PetscCall(PetscArraycpy(e, t->hepoch, t->nhist));
    PetscCall(PetscArraycpy(l, t->hloss, t->nhist));
    PetscCall(PetscArraycpy(te, t->htest, t->nhist));
    PetscCall(PetscFree3(t->hepoch, t->hloss, t->htest));
    t->hepoch  = e;
    t->hloss   = l;
    t->htest   = te;
    t->maxhist = m;
  }
  t->hepoch[t->nhist] = epoch;
  t->hloss[t->nhist]  = loss;
  t->htest[t->nhist]  = test;
  t->nhist++;
  PetscFunctionReturn(0);
}

/* On resume, the earlier epochs' curves come from the CSV log (rows up to the resumed epoch). */
static PetscErrorCode HistoryFromLog(PdTrainer t, PetscInt upto)
{
  FILE  *f;
  char   line[512];
  double last = 0;

  PetscFunctionBegin;
  f = fopen(t->log, "r");
  if (!f) PetscFunctionReturn(0);
  while (fgets(line, sizeof(line), f)) {
    double e, l, te;
    char  *p = line, *q;
    e = strtod(p, &q);
    if (q == p || *q != ',') continue; /* the header */
    p = q + 1;
    l = strtod(p, &q);
    if (q == p || *q != ',') continue;
    p  = q + 1;
    te = strtod(p, &q);
    if (q == p) te = NAN;
    if (e > last && e <= (double)upto) {
      PetscCall(HistoryAdd(t, e, l, te));
      last = e;
    }
  }
  fclose(f);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteCurves(PdTrainer t)
{
  NOpType       type;
  char          title[128], n0[64], n1[64];
  const double *y[2]     = {t->hloss, t->htest};
  const char   *names[2] = {n0, n1};

  PetscFunctionBegin;
  PetscCall(NOpGetType(t->nop, &type));
  PetscCall(PetscSNPrintf(title, sizeof(title), "pdeop train: %s", type));
  PetscCall(PetscSNPrintf(n0, sizeof(n0), "train %s", PdLossTypes[t->loss]));
  PetscCall(PetscSNPrintf(n1, sizeof(n1), "test %s", PdLossTypes[t->metric]));
  PetscCall(PdPNGWriteCurves(t->comm, t->curve, title, "epoch", t->nhist, t->test ? 2 : 1, t->hepoch, y, names, PETSC_TRUE));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteCheckpoint(PdTrainer t)
{
  PetscFunctionBegin;
  if (!t->out[0]) PetscFunctionReturn(0);
  PetscCall(NOpSave(t->nop, t->out, t->optim, t->epoch));
  t->last_checkpoint = t->epoch;
  PetscFunctionReturn(0);
}

static PetscErrorCode Diverged(PdTrainer t, PetscInt step, double value, const char *what)
{
  PetscFunctionBegin;
  if (t->last_checkpoint >= 0 && t->out[0]) SETERRQ(t->comm, PETSC_ERR_NOT_CONVERGED, "Training diverged in epoch %" PetscInt_FMT " (step %" PetscInt_FMT "): %s = %g. The last good checkpoint, from epoch %" PetscInt_FMT ", is kept in '%s'; lower -lr or set -clip_grad_norm", t->epoch + 1, step, what, value, t->last_checkpoint, t->out);
  SETERRQ(t->comm, PETSC_ERR_NOT_CONVERGED, "Training diverged in epoch %" PetscInt_FMT " (step %" PetscInt_FMT "): %s = %g; no checkpoint was written yet. Lower -lr or set -clip_grad_norm", t->epoch + 1, step, what, value);
}

/*@ PdTrainerTrain - run the remaining epochs (up to -epochs in total) @*/
PetscErrorCode PdTrainerTrain(PdTrainer t)
{
  PetscMPIInt    rank, size;
  PetscInt       nb = NumBatches(t), N = t->train->N, start = t->epoch, step;
  PetscLogDouble t0, t1, te, traintime = 0;
  FILE          *log = NULL;
  PdRng          rng;
  PetscInt64     steps_done, seed;
  PetscInt       rollout;

  PetscFunctionBegin;
  PetscCall(NOpGetRollout(t->nop, &rollout));
  PetscCheck(t->train, t->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdTrainerSetData before PdTrainerTrain");
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  PetscCallMPI(MPI_Comm_size(t->comm, &size));
  if (t->epoch >= t->epochs) PetscCall(PdPrintf(t->comm, "Nothing to do: the model has already trained %" PetscInt_FMT " of %" PetscInt_FMT " epochs\n", t->epoch, t->epochs));
  if (t->log[0] && rank == 0) {
    PetscBool exists = PETSC_FALSE;
    PetscCall(PetscTestFile(t->log, 'r', &exists));
    log = fopen(t->log, start > 0 && exists ? "a" : "w");
    PetscCheck(log, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write the training log '%s'", t->log);
    if (!(start > 0 && exists)) fprintf(log, "epoch,train_loss,test_error,seconds\n");
  }
  /* the curves so far: none for a new run; kept from an earlier call on this trainer; else from the log */
  while (t->nhist > 0 && t->hepoch[t->nhist - 1] > (double)start) t->nhist--;
  if (t->curve[0] && t->log[0] && start > 0 && t->nhist == 0 && rank == 0) PetscCall(HistoryFromLog(t, start));
  PetscCall(PdOptimGetStepCount(t->optim, &steps_done));
  step = (PetscInt)steps_done;
  {
    PetscBool has;
    PetscCall(NOpGetNormalized(t->nop, &has));
    if (t->normalize && !has && start == 0 && rollout > 0) PetscCall(SeriesNormalization(t));
    else if (t->normalize && !has && start == 0) {
      double *im, *is, *om, *os;
      PetscInt ci = t->train->in_ndim == 2 ? t->train->in_size : t->train->in_shape[1], co = t->train->out_ndim == 2 ? t->train->out_size : t->train->out_shape[1];
      PetscCall(PetscMalloc4(ci, &im, ci, &is, co, &om, co, &os));
      PetscCall(ChannelStats(t->train, 0, im, is));
      PetscCall(ChannelStats(t->train, 1, om, os));
      PetscCall(NOpSetNormalization(t->nop, im, is, om, os));
      PetscCall(PetscFree4(im, is, om, os));
    }
  }
  PetscCall(PetscTime(&t0));
  for (; t->epoch < t->epochs; t->epoch++) {
    double     eloss = 0;
    PdProgress prog;
    char       label[64];

    PetscCall(PetscTime(&te));
    /* the order of an epoch depends only on (seed, epoch): a resumed run sees the same batches */
    PetscCall(NOpGetSeed(t->nop, &seed));
    PetscCall(PdRngSeed(&rng, (uint64_t)seed, PD_RNG_STREAM_EPOCH + (uint64_t)t->epoch));
    PetscCall(PdRngPermutation(&rng, N, t->perm));
    PetscCall(PetscSNPrintf(label, sizeof(label), "epoch %" PetscInt_FMT, t->epoch + 1));
    PetscCall(PdProgressBegin(t->comm, label, nb, &prog));
    for (PetscInt b = 0; b < nb; b++, step++) {
      PetscInt s = b * t->batch_size, B = PetscMin(t->batch_size, N - s);
      PetscInt lo = s + (PetscInt)(((PetscInt64)B * rank) / size), hi = s + (PetscInt)(((PetscInt64)B * (rank + 1)) / size);
      double   gnorm;

      PetscCall(PdParamsZeroGrad(t->params));
      if (hi > lo && rollout > 0) {
        double l = 0;
        PetscCall(RolloutLoss(t, t->train, t->perm + lo, hi - lo, B, PETSC_TRUE, &l));
        if (!PetscIsNormalReal((PetscReal)l) && l != 0) PetscCall(Diverged(t, step, l, "the loss"));
        eloss += l;
      } else if (hi > lo) {
        PdTensor x, y, p, l;
        PetscCall(PdTapeReset(t->tape));
        PetscCall(GatherBatch(t->tape, t->train, t->perm + lo, hi - lo, &x, &y));
        PetscCall(NOpForward(t->nop, t->tape, x, &p));
        PetscCall(CheckPrediction(t, p, y));
        if (t->loss == PD_LOSS_MSE) PetscCall(PdMSELoss(p, y, &l));
        else PetscCall(PdRelL2Loss(p, y, &l));
        /* each rank's mean is weighted by its share of the batch, so the summed gradient is the
           gradient of the whole batch's mean loss */
        PetscCall(PdScale(l, (float)((double)(hi - lo) / (double)B), &l));
        if (!PetscIsNormalReal((PetscReal)l->data[0]) && l->data[0] != 0) PetscCall(Diverged(t, step, (double)l->data[0], "the loss"));
        eloss += (double)l->data[0];
        PetscCall(PdTapeBackward(t->tape, l));
      }
      if (size > 1) PetscCall(PdParamsAllreduceGrad(t->params, 1.0f));
      PetscCall(PdParamsGradNorm(t->params, &gnorm));
      if (!PetscIsNormalReal(gnorm) && gnorm != 0) PetscCall(Diverged(t, step, gnorm, "the gradient norm"));
      PetscCall(PdOptimStep(t->optim, NULL));
      PetscCall(PdProgressUpdate(&prog, b + 1, NULL));
    }
    PetscCall(PdProgressEnd(&prog));
    if (size > 1) PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &eloss, 1, MPI_DOUBLE, MPI_SUM, t->comm));
    t->train_loss = eloss / (double)nb;
    PetscCall(PetscTime(&t1));
    traintime += t1 - te;
    if (t->test) PetscCall(PdTrainerEvaluate(t, t->test, t->metric, &t->test_error, NULL));
    PetscCall(PetscTime(&t1));
    if (t->test) PetscCall(PdPrintf(t->comm, "epoch %4" PetscInt_FMT "/%" PetscInt_FMT "  train %s %.4e  test %s %.4e  %.2f s\n", t->epoch + 1, t->epochs, PdLossTypes[t->loss], t->train_loss, PdLossTypes[t->metric], t->test_error, t1 - te));
    else PetscCall(PdPrintf(t->comm, "epoch %4" PetscInt_FMT "/%" PetscInt_FMT "  train %s %.4e  %.2f s\n", t->epoch + 1, t->epochs, PdLossTypes[t->loss], t->train_loss, t1 - te));
    if (log) {
      fprintf(log, "%" PetscInt_FMT ",%.9g,%.9g,%.4f\n", t->epoch + 1, t->train_loss, t->test ? t->test_error : NAN, t1 - te);
      fflush(log);
    }
    if (t->curve[0]) {
      PetscCall(HistoryAdd(t, (double)(t->epoch + 1), t->train_loss, t->test ? t->test_error : NAN));
      PetscCall(WriteCurves(t));
    }
    if (t->checkpoint_every > 0 && (t->epoch + 1) % t->checkpoint_every == 0 && t->epoch + 1 < t->epochs) {
      t->epoch++;
      PetscCall(WriteCheckpoint(t));
      t->epoch--;
    }
  }
  PetscCall(PetscTime(&t1));
  t->seconds       = t1 - t0;
  t->samples_per_s = traintime > 0 ? (double)N * (double)(t->epochs - start) / traintime : 0;
  if (log) fclose(log);
  if (t->epochs > start) PetscCall(WriteCheckpoint(t));
  PetscFunctionReturn(0);
}

PetscErrorCode PdTrainerGetResults(PdTrainer t, double *train_loss, double *test_error, PetscInt *epochs, double *seconds, double *samples_per_s)
{
  PetscFunctionBegin;
  if (train_loss) *train_loss = t->train_loss;
  if (test_error) *test_error = t->test_error;
  if (epochs) *epochs = t->epoch;
  if (seconds) *seconds = t->seconds;
  if (samples_per_s) *samples_per_s = t->samples_per_s;
  PetscFunctionReturn(0);
}

/*@ PdTrainerReport - add params, epochs, train_loss, test_rel_l2/test_mse, seconds, samples/s @*/
PetscErrorCode PdTrainerReport(PdTrainer t, PdDict report)
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(NOpGetParamCount(t->nop, &n));
  PetscCall(PdDictSetInt(report, "params", n));
  PetscCall(PdDictSetInt(report, "epochs", t->epoch));
  PetscCall(PdDictSetString(report, "loss", PdLossTypes[t->loss]));
  {
    PetscInt        K;
    const PetscInt *in_s;
    PetscCall(NOpGetRollout(t->nop, &K));
    PetscCall(NOpGetShapes(t->nop, NULL, &in_s, NULL, NULL));
    if (K > 0) {
      PetscCall(PdDictSetInt(report, "rollout", K));
      PetscCall(PdDictSetInt(report, "t_in", in_s[0]));
    }
  }
  PetscCall(PdDictSetReal(report, "train_loss", t->train_loss));
  if (t->test) PetscCall(PdDictSetReal(report, t->metric == PD_LOSS_REL_L2 ? "test_rel_l2" : "test_mse", t->test_error));
  PetscCall(PdDictSetReal(report, "train_samples_per_s", t->samples_per_s));
  PetscCall(PdDictSetReal(report, "seconds", t->seconds));
  if (t->curve[0]) PetscCall(PdDictSetString(report, "curve_png", t->curve));
  PetscFunctionReturn(0);
}
