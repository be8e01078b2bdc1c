/* A training objective for tests, registered as "lsq": least squares of a linear model y = a.x on
   32 points in [-1, 1]^3 with exact data, so the minimiser is A_TRUE; "lsq2" fits the same data
   with y = (x W) h, W a [3, 4] matrix parameter (for muon and polargrad) and h [4, 1]. */
#pragma once
#include "pdtest.h"
#include "train/trainimpl.h"

#define NPTS 32
#define DIM  3
static const float A_TRUE[DIM] = {0.75f, -1.25f, 2.0f};

typedef struct {
  float   *x, *y;     /* [NPTS, DIM], [NPTS] */
  PdTensor w;         /* [DIM, 1]; lsq2: h [4, 1] */
  PdTensor W;         /* lsq2: [DIM, 4], else NULL */
  PetscInt nan_from;  /* epochs from which the loss is NaN (-1: never) */
  PetscInt grow_from; /* epochs from which the loss is scaled by 1e3 more each epoch (-1: never) */
} LSQ;

static inline PetscErrorCode Items_LSQ(PdObjective obj, PetscInt *n)
{
  PetscFunctionBegin;
  *n = NPTS;
  PetscFunctionReturn(0);
}

/* mean over the items of (x_i . w - y_i)^2 */
static inline PetscErrorCode Loss_LSQ(PdObjective obj, PdTrainer t, PetscInt n, const PetscInt idx[], PdTensor *l)
{
  LSQ     *q = (LSQ *)obj->data;
  PdTensor x, y, p;
  PetscInt sx[2] = {n, DIM}, sy[2] = {n, 1};

  PetscFunctionBegin;
  PetscCall(PdTapeInput(t->tape, 2, sx, &x));
  PetscCall(PdTapeInput(t->tape, 2, sy, &y));
  for (PetscInt k = 0; k < n; k++) {
    for (int d = 0; d < DIM; d++) x->data[k * DIM + d] = q->x[idx[k] * DIM + d];
    y->data[k] = q->y[idx[k]];
  }
  if (q->W) {
    PdTensor h;
    PetscCall(PdMatMul(x, q->W, PETSC_FALSE, PETSC_FALSE, &h));
    x = h;
  }
  PetscCall(PdMatMul(x, q->w, PETSC_FALSE, PETSC_FALSE, &p));
  PetscCall(PdMSELoss(p, y, l));
  if (q->nan_from >= 0 && t->epoch >= q->nan_from) PetscCall(PdScale(*l, NAN, l));
  if (q->grow_from >= 0 && t->epoch >= q->grow_from) PetscCall(PdScale(*l, (float)PetscPowReal(1e3, (PetscReal)(t->epoch - q->grow_from + 1)), l));
  PetscFunctionReturn(0);
}

static inline PetscErrorCode Save_LSQ(PdObjective obj, PdTrainer t, const char file[])
{
  PdDict meta, settings;

  PetscFunctionBegin;
  PetscCall(PdDictCreate(&meta));
  PetscCall(PdDictCreate(&settings));
  PetscCall(PdDictSetString(meta, "model", "lsq"));
  PetscCall(PdTrainerGetSettings(t, settings));
  PetscCall(PdCheckpointWriteTraining(obj->comm, file, meta, obj->params, t->optim, t->epoch, settings));
  PetscCall(PdDictDestroy(&settings));
  PetscCall(PdDictDestroy(&meta));
  PetscFunctionReturn(0);
}

static inline PetscErrorCode Destroy_LSQ(PdObjective obj)
{
  LSQ *q = (LSQ *)obj->data;

  PetscFunctionBegin;
  PetscCall(PetscFree2(q->x, q->y));
  PetscCall(PdParamsDestroy(&obj->params));
  PetscCall(PetscFree(obj->data));
  PetscFunctionReturn(0);
}

static inline PetscErrorCode CreateLSQ(PdObjective obj, PetscBool deep)
{
  LSQ     *q;
  PdRng    rng;
  PetscInt sw[2] = {DIM, 1}, sW[2] = {DIM, 4}, sh[2] = {4, 1};

  PetscFunctionBegin;
  PetscCall(PetscNew(&q));
  q->nan_from  = -1;
  q->grow_from = -1;
  PetscCall(PetscMalloc2(NPTS * DIM, &q->x, NPTS, &q->y));
  PetscCall(PdRngSeed(&rng, 3, 0));
  PetscCall(PdRngFillUniform(&rng, NPTS * DIM, q->x, -1, 1));
  for (PetscInt i = 0; i < NPTS; i++) {
    double s = 0;
    for (int d = 0; d < DIM; d++) s += (double)A_TRUE[d] * q->x[i * DIM + d];
    q->y[i] = (float)s;
  }
  PetscCall(PdParamsCreate(obj->comm, &obj->params));
  if (deep) {
    PetscCall(PdParamsAdd(obj->params, "W", 2, sW, PD_INIT_UNIFORM, 0.5f, &q->W));
    PetscCall(PdParamsSetKind(obj->params, q->W, PD_PARAM_MATRIX));
    PetscCall(PdParamsAdd(obj->params, "h", 2, sh, PD_INIT_UNIFORM, 0.5f, &q->w));
  } else PetscCall(PdParamsAdd(obj->params, "w", 2, sw, PD_INIT_ZERO, 0, &q->w));
  PetscCall(PdParamsSetUp(obj->params, &rng));
  obj->data         = q;
  obj->seed         = 11;
  obj->ops->items   = Items_LSQ;
  obj->ops->loss    = Loss_LSQ;
  obj->ops->save    = Save_LSQ;
  obj->ops->destroy = Destroy_LSQ;
  PetscCall(PetscStrncpy(obj->title, "least squares", sizeof(obj->title)));
  PetscFunctionReturn(0);
}

static inline PetscErrorCode Create_LSQ(PdObjective obj)
{
  PetscFunctionBegin;
  PetscCall(CreateLSQ(obj, PETSC_FALSE));
  PetscFunctionReturn(0);
}

static inline PetscErrorCode Create_LSQ2(PdObjective obj)
{
  PetscFunctionBegin;
  PetscCall(CreateLSQ(obj, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* a trainer of the objective: Adam at the learning rate, the epochs and batch size */
static inline PetscErrorCode AdamTrainer(PdObjective obj, PetscInt epochs, PetscInt batch, double lr, PdTrainer *t)
{
  PdOptim opt;

  PetscFunctionBegin;
  PetscCall(PdTrainerCreateWithObjective(obj, t));
  PetscCall(PdTrainerSetEpochs(*t, epochs));
  PetscCall(PdTrainerSetBatchSize(*t, batch));
  PetscCall(PdTrainerGetOptim(*t, &opt));
  PetscCall(PdOptimSetType(opt, PD_OPTIM_ADAM));
  PetscCall(PdOptimSetLearningRate(opt, lr));
  PetscFunctionReturn(0);
}

/* a trainer of a new objective of the type (lsq, lsq2) with the optimizer at lr 0.05, batches of 8, on comm */
static inline PetscErrorCode NewTrainerOf(MPI_Comm comm, PetscInt epochs, const char *type, PdOptimType optim, PdTrainer *t)
{
  PdObjective      obj;
  PdOptim          opt;
  static PetscBool registered = PETSC_FALSE;

  PetscFunctionBegin;
  if (!registered) { /* the registry keeps every registration: once per program */
    PetscCall(PdObjectiveRegister("lsq", Create_LSQ));
    PetscCall(PdObjectiveRegister("lsq2", Create_LSQ2));
    registered = PETSC_TRUE;
  }
  PetscCall(PdObjectiveCreate(comm, &obj));
  PetscCall(PdObjectiveSetType(obj, type));
  PetscCall(AdamTrainer(obj, epochs, 8, 0.05, t));
  PetscCall(PdTrainerGetOptim(*t, &opt));
  PetscCall(PdOptimSetType(opt, optim));
  PetscCall(PdObjectiveDestroy(&obj));
  PetscFunctionReturn(0);
}

/* a trainer of a new lsq objective: Adam, lr 0.05, batches of 8, on comm */
static inline PetscErrorCode NewTrainer(MPI_Comm comm, PetscInt epochs, PdTrainer *t)
{
  PetscFunctionBegin;
  PetscCall(NewTrainerOf(comm, epochs, "lsq", PD_OPTIM_ADAM, t));
  PetscFunctionReturn(0);
}

/* items owned by ranks (item i on rank i % size), as learned-ic's systems */
static inline PetscErrorCode SetOwned(PdTrainer t)
{
  PetscFunctionBegin;
  t->obj->averaging = PD_OBJECTIVE_OWNED;
  PetscFunctionReturn(0);
}

/* the trained weights, through the public API (the trainer's objective's parameters) */
static inline PetscErrorCode Weights(PdTrainer t, const float **w)
{
  PdObjective obj;
  PdParams    p;
  float      *g;

  PetscFunctionBegin;
  PetscCall(PdTrainerGetObjective(t, &obj));
  PetscCall(PdObjectiveGetParams(obj, &p));
  PetscCall(PdParamsGetArrays(p, (float **)w, &g));
  PetscFunctionReturn(0);
}

/* the number of floats of the trainer's parameter buffer */
static inline PetscErrorCode WeightsSize(PdTrainer t, PetscInt *n)
{
  PdObjective obj;
  PdParams    p;

  PetscFunctionBegin;
  PetscCall(PdTrainerGetObjective(t, &obj));
  PetscCall(PdObjectiveGetParams(obj, &p));
  PetscCall(PdParamsGetBufferSize(p, n));
  PetscFunctionReturn(0);
}

/* on comm, objective type and optimizer: 3 epochs, checkpointed to file, resumed to 7 give
   bit-identical weights to 7 epochs in one go */
static inline void ResumeMatchesOf(MPI_Comm comm, const char *file, const char *type, PdOptimType optim)
{
  PdTrainer    full, half, rest;
  const float *wa, *wb;
  PetscInt     n;

  PDT(NewTrainerOf(comm, 7, type, optim, &full));
  PDT(PdTrainerTrain(full));
  PDT(NewTrainerOf(comm, 3, type, optim, &half));
  PDT(PdTrainerSetOutput(half, file));
  PDT(PdTrainerTrain(half));
  PDT(PdTrainerDestroy(&half));
  PDT(NewTrainerOf(comm, 7, type, optim, &rest));
  PDT(PdTrainerResume(rest, file));
  PDT(PdTrainerTrain(rest));
  PDT(Weights(full, &wa));
  PDT(Weights(rest, &wb));
  PDT(WeightsSize(full, &n));
  assert_memory_equal(wa, wb, n * sizeof(float)); /* bit-identical */
  PDT(PdTrainerDestroy(&full));
  PDT(PdTrainerDestroy(&rest));
}

static inline void ResumeMatches(MPI_Comm comm, const char *file)
{
  ResumeMatchesOf(comm, file, "lsq", PD_OPTIM_ADAM);
}
