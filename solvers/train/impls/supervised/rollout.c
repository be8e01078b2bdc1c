/* The rollout objective: a recurrent model (NOpSetRollout) trained on time series by unrolling K
   steps, feeding predictions back, the exact gradient recomputed step by step; its evaluation over
   all output snapshots and its predictions (PdRolloutPredict). */
#include "supervised.h"
#include <pdeop/parallel.h>

/*
  Time series for recurrent models. A dataset of `pdeop data ns` holds snapshots t = 1..D as the
  channels of /inputs and t = D+1..T as those of /outputs (attributes t_in = D and T). A model with
  t_in <= D input channels reads the last t_in inputs; step k (0-based) predicts snapshot D+1+k from
  the t_in snapshots before it, truth while they are inputs, its own predictions afterwards.
*/
PetscErrorCode PdRolloutCheckSeries(NOp nop, const PdDataset *ds, const char *what, PetscInt K)
{
  MPI_Comm        comm;
  int             in_nd;
  const PetscInt *in_s;
  PetscBool       hastin = PETSC_FALSE, hasT = PETSC_FALSE;
  PetscInt64      D = 0, T = 0;

  PetscFunctionBegin;
  PetscCall(NOpGetComm(nop, &comm));
  PetscCall(NOpGetShapes(nop, &in_nd, &in_s, NULL, NULL));
  PetscCheck(ds->outputs, comm, PETSC_ERR_ARG_WRONG, "The %s set has no /outputs to learn from", what);
  if (ds->attrs) {
    PetscCall(PdDictHas(ds->attrs, "t_in", &hastin));
    PetscCall(PdDictHas(ds->attrs, "T", &hasT));
  }
  if (hastin) PetscCall(PdDictGetInt(ds->attrs, "t_in", &D));
  if (hasT) PetscCall(PdDictGetInt(ds->attrs, "T", &T));
  PetscCheck(hastin && hasT && ds->in_ndim == in_nd + 1 && ds->out_ndim == ds->in_ndim && D == ds->in_shape[1] && T - D == ds->out_shape[1], comm, PETSC_ERR_ARG_WRONG, "The %s set has no time axis: -rollout needs snapshots t = 1..t_in in /inputs and t_in+1..T in /outputs with attributes t_in and T, as `pdeop data ns` writes", what);
  for (int d = 2; d < ds->in_ndim; d++) PetscCheck(ds->in_shape[d] == ds->out_shape[d], comm, PETSC_ERR_ARG_SIZ, "The %s set's input and output snapshots have different grids", what);
  PetscCheck(in_s[0] <= ds->in_shape[1], comm, PETSC_ERR_ARG_SIZ, "-t_in %" PetscInt_FMT " is larger than the %" PetscInt_FMT " input snapshots of the %s set", in_s[0], ds->in_shape[1], what);
  PetscCheck(K <= ds->out_shape[1], comm, PETSC_ERR_ARG_SIZ, "-rollout %" PetscInt_FMT " is longer than the %" PetscInt_FMT " output snapshots of the %s set", K, ds->out_shape[1], what);
  PetscFunctionReturn(0);
}

/* Normalisation of a recurrent model: input channel c is the series' snapshot D - t_in + c (its own
   statistics over the training set), and the one output channel takes the statistics of all output
   snapshots together, since it stands for every step. */
PetscErrorCode PdRolloutSeriesNormalization(NOp nop, const PdDataset *ds)
{
  const PetscInt *in_s;
  PetscInt        D = ds->in_shape[1], tin;
  double         *im, *is, s = 0, s2 = 0, n = (double)ds->N * ds->out_size, om, os;

  PetscFunctionBegin;
  PetscCall(NOpGetShapes(nop, NULL, &in_s, NULL, NULL));
  tin = in_s[0];
  PetscCall(PetscMalloc2(D, &im, D, &is));
  PetscCall(PdSupervisedChannelStats(ds, 0, im, is));
  for (size_t i = 0; i < (size_t)ds->N * ds->out_size; i++) {
    s += ds->outputs[i];
    s2 += (double)ds->outputs[i] * ds->outputs[i];
  }
  om = s / n;
  os = PetscSqrtReal(PetscMax(s2 / n - om * om, 0));
  if (!(os > 1e-12 * (PetscAbsReal(om) + 1e-30))) os = 1;
  PetscCall(NOpSetNormalization(nop, im + D - tin, is + D - tin, &om, &os));
  PetscCall(PetscFree2(im, is));
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

static PetscErrorCode RolloutBuffers(PdObjective_Supervised *t, size_t need)
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
static PetscErrorCode RolloutLoss(PdTrainer tr, PdObjective_Supervised *t, const PdDataset *ds, const PetscInt *idx, PetscInt n, PetscInt B, PetscBool grad, double *loss)
{
  const PetscInt *in_s;
  PetscInt        K, D = ds->in_shape[1], per = ds->in_size / D, tin, shape[PD_MAX_DIMS], oshape[PD_MAX_DIMS];
  const double    w = (double)n / (double)B;

  PetscFunctionBegin;
  PetscCall(NOpGetRollout(t->nop, &K));
  PetscCall(NOpGetShapes(t->nop, NULL, &in_s, NULL, NULL));
  tin = in_s[0];
  PetscCall(RolloutBuffers(t, (size_t)n * K * per));
  PetscCall(RolloutForward(t->nop, tr->tape, ds, idx, n, K, t->rpred));
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
    PetscCall(PdTapeReset(tr->tape));
    PetscCall(PdTapeVariable(tr->tape, ds->in_ndim, shape, &x));
    PetscCall(PdTapeInput(tr->tape, ds->in_ndim, oshape, &y));
    for (PetscInt b = 0; b < n; b++) {
      SeriesWindow(ds, idx[b], t->rpred + (size_t)b * K * per, tin, k, x->data + (size_t)b * tin * per);
      PetscCall(PetscArraycpy(y->data + (size_t)b * per, ds->outputs + (size_t)idx[b] * ds->out_size + (size_t)k * per, per));
    }
    PetscCall(NOpForward(t->nop, tr->tape, x, &p));
    PetscCall(PdSupervisedCheckPrediction(tr->comm, p, y));
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
      PetscCall(PdTapeInput(tr->tape, p->ndim, p->shape, &a));
      for (PetscInt b = 0; b < n; b++) PetscCall(PetscArraycpy(a->data + (size_t)b * per, t->radj + ((size_t)b * K + k) * per, per));
      PetscCall(PdMul(p, a, &ap));
      PetscCall(PdSum(ap, &ap));
      PetscCall(PdAdd(l, ap, &l));
    }
    PetscCall(PdTapeBackward(tr->tape, l));
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

/* the trainer's step on a share of a batch: loss and gradient by the step-by-step recomputation */
PetscErrorCode PdRolloutLossGrad(PdObjective obj, PdTrainer t, PetscInt n, const PetscInt idx[], PetscInt B, double *loss)
{
  PdObjective_Supervised *s = (PdObjective_Supervised *)obj->data;

  PetscFunctionBegin;
  PetscCall(RolloutLoss(t, s, s->train, idx, n, B, PETSC_TRUE, loss));
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
  PdObjective_Supervised *s;
  PetscInt                K;

  PetscFunctionBegin;
  PetscCall(PdSupervisedGet(t, &s));
  PetscCall(NOpGetRollout(s->nop, &K));
  PetscCheck(K > 0, t->comm, PETSC_ERR_ARG_WRONGSTATE, "The model is not recurrent (NOpSetRollout)");
  PetscCall(PdRolloutCheckSeries(s->nop, ds, "given", K));
  PetscCall(RolloutLoss(t, s, ds, idx, n, n, grad, loss));
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
  PdObjective_Supervised *sup;
  PetscMPIInt             rank, size;
  PetscInt                lo, hi, *idx, K = ds->out_shape[1], D = ds->in_shape[1], per = ds->in_size / D, bs = t->batch_size;
  double                 *err, *step, sum = 0;
  float                  *pred;

  PetscFunctionBegin;
  PetscCall(PdSupervisedGet(t, &sup));
  PetscCall(PdRolloutCheckSeries(sup->nop, ds, "evaluation", 1));
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  PetscCallMPI(MPI_Comm_size(t->comm, &size));
  PetscCall(PdRankRange(t->comm, ds->N, &lo, &hi));
  PetscCall(PetscCalloc2(ds->N + 1, &err, K, &step)); /* err[N]: the copy-last baseline's sum */
  PetscCall(PetscMalloc2(bs, &idx, (size_t)bs * K * per, &pred));
  for (PetscInt s = lo; s < hi; s += bs) {
    PetscInt n = PetscMin(bs, hi - s);
    for (PetscInt k = 0; k < n; k++) idx[k] = s + k;
    PetscCall(RolloutForward(sup->nop, t->tape, ds, idx, n, K, pred));
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
  PetscCall(PdRankRange(comm, in->N, &lo, &hi));
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
  {
    PetscMPIInt cnt;
    PetscCall(PetscMPIIntCast(in->N * steps * per, &cnt)); /* an error past 2^31 values, not a silent wrap */
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, out->outputs, cnt, MPI_FLOAT, MPI_SUM, comm));
  }
  out->N            = in->N;
  out->out_ndim     = in->in_ndim;
  out->out_shape[0] = in->N;
  out->out_shape[1] = steps;
  for (int d = 2; d < in->in_ndim; d++) out->out_shape[d] = in->in_shape[d];
  out->out_size = steps * per;
  PetscFunctionReturn(0);
}

/*@ PdTrainerEvaluate - mean error on a dataset; per-sample errors optional (length N) @*/
