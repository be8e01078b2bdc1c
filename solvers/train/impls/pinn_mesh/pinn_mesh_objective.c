/* The pinn-mesh objective: a PdPinnMesh's residual and boundary losses on fresh collocation points
   each step, the boundary weight fixed or annealed (Wang, Teng & Perdikaris); step-based. */
#include "pinnmeshimpl.h"
#include <pdeop/io.h>

/* mean (-Delta u + c u - f)^2 over the residual points x [B, 2] */
static PetscErrorCode ResidualLoss(PdPinnMesh p, const float *xs, const float *f, PdTensor *loss)
{
  PetscInt B = p->batch, sx[2] = {B, 2};
  PdTensor x, Lu, u, F, ft;
  double   c = PdScalarProblemReaction(&p->pb);

  PetscFunctionBegin;
  PetscCall(PdTapeInput(p->tape, 2, sx, &x));
  PetscCall(PetscArraycpy(x->data, xs, 2 * B));
  PetscCall(PdDiffOpEstimate(PdJetModelNOp, p->nop, x, &p->dirs, &Lu, &u));
  PetscCall(PdScale(Lu, -1.0f, &F));
  if (c != 0) {
    PdTensor cu;
    PetscCall(PdScale(u, (float)c, &cu));
    PetscCall(PdAdd(F, cu, &F));
  }
  PetscCall(PdTapeInput(p->tape, 1, &B, &ft));
  PetscCall(PetscArraycpy(ft->data, f, B));
  PetscCall(PdMSELoss(F, ft, loss));
  PetscFunctionReturn(0);
}

/* mean (u - g)^2 over the boundary points */
static PetscErrorCode BoundaryLoss(PdPinnMesh p, const float *xb, const float *g, PdTensor *loss)
{
  PetscInt Bb = p->bbatch, sx[2] = {Bb, 2};
  PdTensor x, u, gt;

  PetscFunctionBegin;
  PetscCall(PdTapeInput(p->tape, 2, sx, &x));
  PetscCall(PetscArraycpy(x->data, xb, 2 * Bb));
  PetscCall(NOpForward(p->nop, p->tape, x, &u));
  PetscCall(PdReshape(u, 1, &Bb, &u));
  PetscCall(PdTapeInput(p->tape, 1, &Bb, &gt));
  PetscCall(PetscArraycpy(gt->data, g, Bb));
  PetscCall(PdMSELoss(u, gt, loss));
  PetscFunctionReturn(0);
}

typedef struct {
  PdPinnMesh   p;
  const float *xs, *f, *xb, *g;
} AnnealCtx;

/* the gradient of the residual (term 0) or of w times the boundary loss (term 1) at the step's
   points, for the annealing */
static PetscErrorCode TermGrad(void *ctx, PetscInt term, double w)
{
  AnnealCtx *a = (AnnealCtx *)ctx;
  PdTensor   L;

  PetscFunctionBegin;
  PetscCall(PdTapeReset(a->p->tape));
  if (term == 0) PetscCall(ResidualLoss(a->p, a->xs, a->f, &L));
  else PetscCall(BoundaryLoss(a->p, a->xb, a->g, &L));
  if (w != 1.0) PetscCall(PdScale(L, (float)w, &L));
  PetscCall(PdTapeBackward(a->p->tape, L));
  PetscFunctionReturn(0);
}

typedef struct {
  PdPinnMesh p;
  float     *xs, *f, *xb, *g;
  PdCSVLog   log; /* -log: a row every -annealing_every steps */
  PetscBool  log_open;
} PdObjective_PinnMesh;

static PetscErrorCode Items_PinnMesh(PdObjective obj, PetscInt *n)
{
  PetscFunctionBegin;
  *n = 1; /* step-based: one step per "epoch" */
  PetscFunctionReturn(0);
}

/* before each step: fresh collocation points and their data, and the boundary weight annealed
   every -annealing_every steps at these points */
static PetscErrorCode StepBegin_PinnMesh(PdObjective obj, PdTrainer t, PetscInt step)
{
  PdObjective_PinnMesh *o  = (PdObjective_PinnMesh *)obj->data;
  PdPinnMesh            p  = o->p;
  float                *xs = o->xs, *f = o->f, *xb = o->xb, *g = o->g;

  PetscFunctionBegin;
  PetscCall(PdPinnMeshSampleInterior(p, &p->rng, p->batch, xs));
  PetscCall(PdPinnMeshSampleBoundary(p, &p->rng, p->bbatch, xb));
  for (PetscInt k = 0; k < p->batch; k++) {
    PetscReal x[2] = {xs[2 * k], xs[2 * k + 1]};
    f[k]           = (float)PdScalarProblemSource(&p->pb, 2, x);
  }
  for (PetscInt k = 0; k < p->bbatch; k++) {
    PetscReal x[2] = {xb[2 * k], xb[2 * k + 1]};
    g[k]           = (float)PdScalarProblemExact(&p->pb, 2, x);
  }
  if (p->lw.mode == PD_PINN_WEIGHTS_ANNEALING && p->it % p->lw.every == 0) {
    AnnealCtx a = {p, xs, f, xb, g};
    PdParams  params;
    PetscCall(NOpGetParams(p->nop, &params));
    PetscCall(PdPinnLossWeightAnneal(&p->lw, p->comm, params, TermGrad, &a));
  }
  PetscFunctionReturn(0);
}

/* the loss mean residual^2 + w mean (u - g)^2 at the step's points and its gradient */
static PetscErrorCode LossGrad_PinnMesh(PdObjective obj, PdTrainer t, PetscInt n, const PetscInt idx[], PetscInt B, double *loss)
{
  PdObjective_PinnMesh *o = (PdObjective_PinnMesh *)obj->data;
  PdPinnMesh            p = o->p;
  PdTensor              Lr, Lb, L;

  PetscFunctionBegin;
  PetscCall(PdParamsZeroGrad(obj->params)); /* the annealing left its gradients */
  PetscCall(PdTapeReset(p->tape));
  PetscCall(ResidualLoss(p, o->xs, o->f, &Lr));
  PetscCall(BoundaryLoss(p, o->xb, o->g, &Lb));
  p->loss_r = Lr->data[0];
  p->loss_b = Lb->data[0];
  PetscCall(PdScale(Lb, (float)p->lw.weight, &L));
  PetscCall(PdAdd(Lr, L, &L));
  p->loss = L->data[0];
  *loss   = p->loss;
  if (!PetscIsNormalReal(p->loss) && p->loss != 0) PetscFunctionReturn(0); /* the trainer stops */
  PetscCall(PdTapeBackward(p->tape, L));
  PetscFunctionReturn(0);
}

/* the log row every -annealing_every steps and the progress line's text */
static PetscErrorCode StepEnd_PinnMesh(PdObjective obj, PdTrainer t, PetscInt step, double loss, char extra[], size_t len)
{
  PdObjective_PinnMesh *o = (PdObjective_PinnMesh *)obj->data;
  PdPinnMesh            p = o->p;

  PetscFunctionBegin;
  if (p->log[0] && p->it % p->lw.every == 0) {
    char row[128];
    PetscCall(PetscSNPrintf(row, sizeof(row), "%" PetscInt_FMT ",%.6e,%.6e,%.6e", p->it, p->loss_r, p->loss_b, p->lw.weight));
    PetscCall(PdCSVLogRow(&o->log, row));
  }
  p->it++;
  PetscCall(PetscSNPrintf(extra, len, "loss %.3e (residual %.2e, boundary %.2e x %.3g)", p->loss, p->loss_r, p->loss_b, p->lw.weight));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_PinnMesh(PdObjective obj)
{
  PdObjective_PinnMesh *o = (PdObjective_PinnMesh *)obj->data;

  PetscFunctionBegin;
  PetscCall(PdCSVLogClose(&o->log)); /* without a row, the old log stays */
  PetscCall(PetscFree4(o->xs, o->f, o->xb, o->g));
  PetscFunctionReturn(0);
}

PetscErrorCode PdObjectiveCreate_PinnMesh(PdObjective obj)
{
  PdObjective_PinnMesh *o;

  PetscFunctionBegin;
  PetscCall(PetscNew(&o));
  obj->data           = o;
  obj->ops->items     = Items_PinnMesh;
  obj->ops->stepbegin = StepBegin_PinnMesh;
  obj->ops->lossgrad  = LossGrad_PinnMesh;
  obj->ops->stepend   = StepEnd_PinnMesh;
  obj->ops->destroy   = Destroy_PinnMesh;
  PetscCall(PdObjectiveSetStepBased(obj, "pinn"));
  PetscFunctionReturn(0);
}

/*@ PdObjectivePinnMeshSetPinn - the mesh PINN trained (set up here; not copied); its -log file
  (iteration, residual and boundary losses, boundary weight) is written while it trains @*/
PetscErrorCode PdObjectivePinnMeshSetPinn(PdObjective obj, PdPinnMesh p)
{
  PdObjective_PinnMesh *o = (PdObjective_PinnMesh *)obj->data;

  PetscFunctionBegin;
  PetscCall(PdPinnMeshSetUp(p));
  PetscCall(PdObjectiveSetModelParams(obj, Destroy_PinnMesh, PDOBJECTIVEPINNMESH, p->nop, p->seed));
  o->p = p;
  PetscCall(PetscFree4(o->xs, o->f, o->xb, o->g));
  PetscCall(PetscMalloc4(2 * p->batch, &o->xs, p->batch, &o->f, 2 * p->bbatch, &o->xb, p->bbatch, &o->g));
  if (!o->log_open) { /* a new log, put in place at its first row */
    PetscCall(PdCSVLogOpen(p->comm, p->log, "-log", "iteration,residual_loss,boundary_loss,boundary_weight", -1, &o->log));
    o->log_open = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/*@ PdPinnMeshTrain - -iters Adam steps on mean residual^2 + w mean (u - g)^2: the pinn-mesh
  objective trained by PdTrainer with the PINN's optimizer; the loss of the last step @*/
PetscErrorCode PdPinnMeshTrain(PdPinnMesh p, double *loss)
{
  PdObjective    obj;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PdObjectiveCreate(p->comm, &obj));
  PetscCall(PdObjectiveSetType(obj, PDOBJECTIVEPINNMESH));
  PetscCall(PdObjectivePinnMeshSetPinn(obj, p));
  PetscCall(PetscTime(&t0));
  PetscCall(PdTrainerRunSteps(obj, p->optim, p->it, p->iters, NULL, 0));
  PetscCall(PetscTime(&t1));
  p->train_time += t1 - t0;
  if (loss) *loss = p->loss;
  PetscCall(PdObjectiveDestroy(&obj));
  PetscFunctionReturn(0);
}
