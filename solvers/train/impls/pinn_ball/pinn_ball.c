/* The pinn-ball objective: a PdPinn's residual (and boundary penalty) on fresh points each step,
   with Laplacians estimated by Taylor-mode jets, chunked to -jet_max_rows; step-based (one step per
   trainer "epoch", no shuffling, one progress line). */
#include "pinnimpl.h"
#include <sys/resource.h>

/* F(Lu, u) - g as a tensor, loss = mean (F - g)^2 */
static PetscErrorCode Residual(PdPinn p, PdTensor Lu, PdTensor u, PdTensor g, PdTensor *loss)
{
  PdTensor F, t;

  PetscFunctionBegin;
  switch (p->pde) {
  case PD_PINN_POISSON:
    PetscCall(PdScale(Lu, -1.0f, &F));
    break;
  case PD_PINN_ALLEN_CAHN:
    PetscCall(PdSquare(u, &t));
    PetscCall(PdMul(t, u, &t));
    PetscCall(PdSub(u, t, &t));
    PetscCall(PdAdd(Lu, t, &F));
    break;
  default:
    PetscCall(PdSin(u, &t));
    PetscCall(PdAdd(Lu, t, &F));
    break;
  }
  PetscCall(PdMSELoss(F, g, loss));
  PetscFunctionReturn(0);
}

/* boundary penalty: weight * mean N(x_b)^2 on points of the sphere (the exact solution is 0 there) */
static PetscErrorCode BoundaryLoss(PdPinn p, const float *xb, double weight, PdTensor *loss)
{
  PetscInt sx[2] = {p->bbatch, p->d};
  PdTensor x, y, z;

  PetscFunctionBegin;
  PetscCall(PdTapeInput(p->tape, 2, sx, &x));
  PetscCall(PetscArraycpy(x->data, xb, p->bbatch * p->d));
  PetscCall(NOpForward(p->nop, p->tape, x, &y));
  PetscCall(PdTapeInput(p->tape, y->ndim, y->shape, &z));
  PetscCall(PetscArrayzero(z->data, z->size));
  PetscCall(PdMSELoss(y, z, &y));
  PetscCall(PdScale(y, (float)weight, loss));
  PetscFunctionReturn(0);
}

static PetscErrorCode PointsOn(PdTape tape, PetscInt B, PetscInt d, const float *xs, PdTensor *x)
{
  PetscInt sx[2] = {B, d};

  PetscFunctionBegin;
  PetscCall(PdTapeInput(tape, 2, sx, x));
  PetscCall(PetscArraycpy((*x)->data, xs, B * d));
  PetscFunctionReturn(0);
}

/* the estimate of Delta u (and u) at B points for the directions ds, without gradients, chunk
   directions per graph on a tape whose gradients are off */
static PetscErrorCode EstimatePass(PdPinn p, PdTape tape, PetscInt B, const float *xs, const PdDirSet *ds, PetscInt chunk, double *lap, double *uval)
{
  PdTensor x, part, u;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(lap, B));
  for (PetscInt t = 0; t < ds->nterms; t++)
    for (PetscInt v0 = 0; v0 < ds->V[t]; v0 += chunk) {
      PetscCall(PdTapeReset(tape));
      PetscCall(PointsOn(tape, B, p->d, xs, &x));
      PetscCall(PdDiffOpApply(PdPinnJetModel, p, x, ds, t, v0, PetscMin(v0 + chunk, ds->V[t]), &part, (t == 0 && v0 == 0) ? &u : NULL));
      for (PetscInt b = 0; b < B; b++) lap[b] += part->data[b];
      if (t == 0 && v0 == 0 && uval)
        for (PetscInt b = 0; b < B; b++) uval[b] = u->data[b];
    }
  PetscFunctionReturn(0);
}

/*@
  PdPinnLaplacianEstimate - the training's estimate of Delta u (its -estimator, -stde_dist and
  -stde_dirs) at n points x [n, d], averaged over `draws` independent draws of the directions from
  rng: with the exact estimator and one draw, the Laplacian; over many draws, its expectation
@*/
PetscErrorCode PdPinnLaplacianEstimate(PdPinn p, PetscInt n, const float x[], PetscInt draws, PdRng *rng, double lap[])
{
  double  *one;
  PetscInt chunk;

  PetscFunctionBegin;
  PetscCall(PdPinnSetUp(p));
  PetscCheck(draws >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Give at least one draw, got %" PetscInt_FMT, draws);
  chunk = PetscMax(1, p->max_rows / PetscMax(n, 1));
  PetscCall(PetscMalloc1(n, &one));
  PetscCall(PetscArrayzero(lap, n));
  for (PetscInt k = 0; k < draws; k++) {
    PdDirSet ds;
    PetscCall(PdDirSetSample(&p->op, p->est, p->V, n, p->d, rng, &ds));
    PetscCall(EstimatePass(p, p->etape, n, x, &ds, chunk, one, NULL));
    for (PetscInt b = 0; b < n; b++) lap[b] += one[b] / (double)draws;
    PetscCall(PdDirSetDestroy(&ds));
  }
  PetscCall(PetscFree(one));
  PetscFunctionReturn(0);
}

static PetscErrorCode Constant(PdTape tape, PetscInt n, const double *v, PdTensor *t)
{
  PetscFunctionBegin;
  PetscCall(PdTapeInput(tape, 1, &n, t));
  for (PetscInt k = 0; k < n; k++) (*t)->data[k] = (float)v[k];
  PetscFunctionReturn(0);
}

/* A step's points and directions on this rank: B of the batch's points from xl, their right-hand
   sides g, and (bnd: rank 0 of a penalty run) the boundary points xb. */
typedef struct {
  PdPinn       p;
  PdDirSet    *ds;
  PetscInt     B;
  const float *xl, *xb;
  double      *g, *lap, *uval;
  float        w; /* this rank's share of the batch */
  PetscBool    bnd;
} BallStep;

/* the gradient of the residual loss on the step's points, plus wb times the boundary penalty where
   the step has it and wb is not 0; *loss its value. Gradients of a loss that does not fit in
   -jet_max_rows rows are accumulated over chunks of directions: a first pass without gradients
   gives the whole Laplacian estimate, then each chunk's graph is the same loss with the other
   chunks' part held constant, so the chunks' backward passes add up to the gradient of the whole
   loss. */
static PetscErrorCode StepGrad(BallStep *s, double wb, double *loss)
{
  PdPinn         p = s->p;
  const PetscInt B = s->B, d = p->d;
  PdDirSet      *ds = s->ds;
  PdTensor       x, gt, Lu, u, L, part;
  PetscInt       rows = 0, chunk;
  PetscBool      bnd  = (PetscBool)(s->bnd && wb != 0);

  PetscFunctionBegin;
  for (PetscInt t = 0; t < ds->nterms; t++) rows += ds->V[t] * B;
  if (rows <= p->max_rows) {
    PetscCall(PdTapeReset(p->tape));
    PetscCall(PointsOn(p->tape, B, d, s->xl, &x));
    PetscCall(Constant(p->tape, B, s->g, &gt));
    PetscCall(PdDiffOpEstimate(PdPinnJetModel, p, x, ds, &Lu, &u));
    PetscCall(Residual(p, Lu, u, gt, &L));
    if (s->w != 1.0f) PetscCall(PdScale(L, s->w, &L));
    if (bnd) {
      PdTensor Lb;
      PetscCall(BoundaryLoss(p, s->xb, wb, &Lb));
      PetscCall(PdAdd(L, Lb, &L));
    }
    *loss = L->data[0];
    PetscCall(PdTapeBackward(p->tape, L));
  } else {
    chunk = PetscMax(1, p->max_rows / B);
    PetscCall(PdTapeSetGradEnabled(p->tape, PETSC_FALSE));
    PetscCall(EstimatePass(p, p->tape, B, s->xl, ds, chunk, s->lap, s->uval));
    PetscCall(PdTapeSetGradEnabled(p->tape, PETSC_TRUE));
    for (PetscInt t = 0; t < ds->nterms; t++)
      for (PetscInt v0 = 0; v0 < ds->V[t]; v0 += chunk) {
        PetscBool first = (PetscBool)(t == 0 && v0 == 0);
        PdTensor  other;
        PetscCall(PdTapeReset(p->tape));
        PetscCall(PointsOn(p->tape, B, d, s->xl, &x));
        PetscCall(Constant(p->tape, B, s->g, &gt));
        PetscCall(PdDiffOpApply(PdPinnJetModel, p, x, ds, t, v0, PetscMin(v0 + chunk, ds->V[t]), &part, first ? &u : NULL));
        PetscCall(PdTapeInput(p->tape, 1, &B, &other));
        for (PetscInt b = 0; b < B; b++) other->data[b] = (float)(s->lap[b] - part->data[b]);
        PetscCall(PdAdd(part, other, &Lu));
        if (!first) PetscCall(Constant(p->tape, B, s->uval, &u));
        PetscCall(Residual(p, Lu, u, gt, &L));
        if (s->w != 1.0f) PetscCall(PdScale(L, s->w, &L));
        if (first && bnd) {
          PdTensor Lb;
          PetscCall(BoundaryLoss(p, s->xb, wb, &Lb));
          PetscCall(PdAdd(L, Lb, &L));
        }
        if (first) *loss = L->data[0];
        PetscCall(PdTapeBackward(p->tape, L));
      }
  }
  PetscFunctionReturn(0);
}

/* the annealing's gradients: the residual's alone (term 0), w times the boundary penalty's (term 1) */
static PetscErrorCode TermGrad(void *ctx, PetscInt term, double w)
{
  BallStep *s    = (BallStep *)ctx;
  double    loss = 0;

  PetscFunctionBegin;
  if (term == 0) PetscCall(StepGrad(s, 0.0, &loss));
  else if (s->bnd) {
    PdTensor L;
    PetscCall(PdTapeReset(s->p->tape));
    PetscCall(BoundaryLoss(s->p, s->xb, w, &L));
    PetscCall(PdTapeBackward(s->p->tape, L));
  }
  PetscFunctionReturn(0);
}

/* one step's loss and gradient on points lo..hi-1 of the batch (the trainer's lossgrad; it takes the
   optimizer step). Every rank draws the whole batch's points and directions from the same stream
   and takes its share: its mean residual is weighted by its share of the batch and rank 0 adds the
   boundary penalty, so the gradients summed over the ranks are those of the whole batch's loss.
   With -pinn_weights annealing the penalty's weight is first updated at these points every
   -annealing_every steps (optimizer steps done, so a resumed run keeps the rhythm). */
static PetscErrorCode Step(PdPinn p, PetscInt lo, PetscInt hi, float *xs, float *xb, double *g, double *lap, double *uval, double *loss)
{
  const PetscInt B = hi - lo, d = p->d;
  PdDirSet       all, part_ds;
  PdParams       params;
  BallStep       s = {p, &all, B, xs + (size_t)lo * d, xb, g, lap, uval, B == p->batch ? 1.0f : (float)((double)B / (double)p->batch), (PetscBool)(p->bc == PD_PINN_PENALTY && lo == 0)};

  PetscFunctionBegin;
  PetscCall(NOpGetParams(p->nop, &params));
  PetscCall(PdPinnSampleBall(&p->rng, p->batch, d, PETSC_FALSE, xs));
  for (PetscInt b = 0; b < B; b++) {
    double ue, le;
    PdPinnExactPoint(p, s.xl + (size_t)b * d, &ue, &le);
    g[b] = PdPinnRHS(p, ue, le);
  }
  if (p->bc == PD_PINN_PENALTY) PetscCall(PdPinnSampleBall(&p->rng, p->bbatch, d, PETSC_TRUE, xb));
  PetscCall(PdDirSetSample(&p->op, p->est, p->V, p->batch, d, &p->rng, &all));
  if (B != p->batch) {
    PetscCall(PdDirSetRestrict(&all, lo, hi, &part_ds));
    s.ds = &part_ds;
  }
  if (p->lw.mode == PD_PINN_WEIGHTS_ANNEALING) {
    PetscInt64 done;
    PetscCall(PdOptimGetStepCount(p->optim, &done));
    if (done % p->lw.every == 0) PetscCall(PdPinnLossWeightAnneal(&p->lw, p->comm, params, TermGrad, &s));
  }
  PetscCall(PdParamsZeroGrad(params));
  PetscCall(StepGrad(&s, p->lw.weight, loss));
  if (s.ds != &all) PetscCall(PdDirSetDestroy(&part_ds));
  PetscCall(PdDirSetDestroy(&all));
  PetscFunctionReturn(0);
}

typedef struct {
  PdPinn  p;
  float  *xs, *xb;
  double *g, *lap, *uval;
} PdObjective_PinnBall;

static PetscErrorCode Items_PinnBall(PdObjective obj, PetscInt *n)
{
  PdObjective_PinnBall *o = (PdObjective_PinnBall *)obj->data;

  PetscFunctionBegin;
  *n = o->p->batch; /* step-based: the residual points of one step are the "epoch", split over the ranks */
  PetscFunctionReturn(0);
}

/* the items idx are this rank's contiguous share of the batch's points */
static PetscErrorCode LossGrad_PinnBall(PdObjective obj, PdTrainer t, PetscInt n, const PetscInt idx[], PetscInt B, double *loss)
{
  PdObjective_PinnBall *o = (PdObjective_PinnBall *)obj->data;
  PetscMPIInt           size;

  PetscFunctionBegin;
  PetscCall(Step(o->p, idx[0], idx[0] + n, o->xs, o->xb, o->g, o->lap, o->uval, loss));
  o->p->loss       = *loss;
  o->p->loss_known = PETSC_TRUE;
  PetscCallMPI(MPI_Comm_size(obj->comm, &size));
  if (size > 1) PetscCallMPI(MPI_Allreduce(loss, &o->p->loss, 1, MPI_DOUBLE, MPI_SUM, obj->comm));
  PetscFunctionReturn(0);
}

/* after the optimizer's step `step` (0-based): the test error every -eval_every steps, its time kept
   apart from the training's */
static PetscErrorCode StepEnd_PinnBall(PdObjective obj, PdTrainer t, PetscInt step, double loss, char extra[], size_t len)
{
  PdObjective_PinnBall *o = (PdObjective_PinnBall *)obj->data;
  PdPinn                p = o->p;

  PetscFunctionBegin;
  if (p->eval_every > 0 && (step + 1) % p->eval_every == 0) {
    PetscLogDouble t0, t1;
    double         c0 = PdCPUTime(), rel;
    PetscCall(PetscTime(&t0));
    PetscCall(PdPinnEvaluate(p, 0, &rel));
    PetscCall(PetscTime(&t1));
    p->eval_time += t1 - t0;
    p->eval_cpu += PdCPUTime() - c0;
  }
  if (p->rel_l2_min >= 0) PetscCall(PetscSNPrintf(extra, len, "loss %.3e, rel_l2 %.3e (min %.3e)", p->loss, p->rel_l2, p->rel_l2_min));
  else PetscCall(PetscSNPrintf(extra, len, "loss %.3e", p->loss));
  PetscFunctionReturn(0);
}

/* the checkpoint after `t`'s steps (PdPinnSetCheckpoint's, written by the trainer) */
static PetscErrorCode Save_PinnBall(PdObjective obj, PdTrainer t, const char file[])
{
  PdObjective_PinnBall *o = (PdObjective_PinnBall *)obj->data;

  PdPinn         p = o->p;
  PetscLogDouble t0, t1;
  double         c0 = PdCPUTime();

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  p->it = t->epoch;
  PetscCall(PdPinnSave(p, file));
  PetscCall(PetscTime(&t1));
  p->save_time += t1 - t0; /* kept apart from the training steps' time, as the evaluations are */
  p->save_cpu += PdCPUTime() - c0;
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_PinnBall(PdObjective obj)
{
  PdObjective_PinnBall *o = (PdObjective_PinnBall *)obj->data;

  PetscFunctionBegin;
  PetscCall(PetscFree5(o->xs, o->xb, o->g, o->lap, o->uval));
  PetscFunctionReturn(0);
}

PetscErrorCode PdObjectiveCreate_PinnBall(PdObjective obj)
{
  PdObjective_PinnBall *o;

  PetscFunctionBegin;
  PetscCall(PetscNew(&o));
  obj->data          = o;
  obj->ops->items    = Items_PinnBall;
  obj->ops->lossgrad = LossGrad_PinnBall;
  obj->ops->stepend  = StepEnd_PinnBall;
  obj->ops->save     = Save_PinnBall;
  obj->ops->destroy  = Destroy_PinnBall;
  PetscCall(PdObjectiveSetStepBased(obj, "pinn"));
  PetscFunctionReturn(0);
}

/*@ PdObjectivePinnBallSetPinn - the PINN trained (set up here; not copied): its residual points,
  directions and boundary penalty make the loss @*/
PetscErrorCode PdObjectivePinnBallSetPinn(PdObjective obj, PdPinn p)
{
  PdObjective_PinnBall *o = (PdObjective_PinnBall *)obj->data;

  PetscFunctionBegin;
  PetscCall(PdPinnSetUp(p));
  PetscCall(PdObjectiveSetModelParams(obj, Destroy_PinnBall, PDOBJECTIVEPINNBALL, p->nop, p->seed));
  o->p = p;
  PetscCall(PetscFree5(o->xs, o->xb, o->g, o->lap, o->uval));
  PetscCall(PetscMalloc5((size_t)p->batch * p->d, &o->xs, p->bc == PD_PINN_PENALTY ? (size_t)p->bbatch * p->d : 1, &o->xb, p->batch, &o->g, p->batch, &o->lap, p->batch, &o->uval));
  PetscFunctionReturn(0);
}

/*@ PdPinnTrain - Adam steps on the PDE residual (and boundary penalty) up to -iters in all (after a
  PdPinnResume, the remaining ones): the pinn-ball objective trained by PdTrainer with the PINN's
  optimizer, the test error every -eval_every steps, the checkpoint of PdPinnSetCheckpoint; the
  loss of the last step @*/
PetscErrorCode PdPinnTrain(PdPinn p, double *loss)
{
  PdObjective    obj;
  double         c0, e0 = p->eval_time + p->save_time, ec0 = p->eval_cpu + p->save_cpu;
  PetscLogDouble t0, t1;
  PetscInt       todo;

  PetscFunctionBegin;
  PetscCall(PdPinnSetUp(p));
  PetscCall(PdObjectiveCreate(p->comm, &obj));
  PetscCall(PdObjectiveSetType(obj, PDOBJECTIVEPINNBALL));
  PetscCall(PdObjectivePinnBallSetPinn(obj, p));
  c0 = PdCPUTime(); /* p->loss: the last step's (a resumed checkpoint's until a step is taken) */
  PetscCall(PetscTime(&t0));
  todo        = PetscMax(p->iters - p->it, 0);
  p->training = PETSC_TRUE, p->run_t0 = t0, p->run_c0 = c0, p->run_e0 = e0, p->run_ec0 = ec0, p->run_it0 = p->it; /* for the checkpoints' PdPinnRunTimes */
  PetscCall(PdTrainerRunSteps(obj, p->optim, p->it, todo, p->ckpt, p->ckpt_every));                               /* the checkpoints set p->it */
  PetscCall(PetscTime(&t1));
  p->training = PETSC_FALSE;
  if (todo) { /* the training steps only (no step: nothing to time) */
    p->train_time += t1 - t0 - (p->eval_time + p->save_time - e0);
    p->train_cpu += PdCPUTime() - c0 - (p->eval_cpu + p->save_cpu - ec0);
  }
  p->it_run += todo;
  if (!todo && p->ckpt[0]) PetscCall(PdPinnSave(p, p->ckpt)); /* no step: the trainer wrote nothing */
  p->it = PetscMax(p->it, p->iters);
  if (loss) *loss = p->loss;
  PetscCall(PdObjectiveDestroy(&obj));
  PetscFunctionReturn(0);
}
