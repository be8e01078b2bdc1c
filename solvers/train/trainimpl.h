/* Private header of PdTrainer and PdObjective: the objective's ops table and the properties through
   which an objective says how the one training loop treats it (solvers/train/interface/trainer.c). */
#pragma once
#include <pdeop/train.h>
#include <pdeop/ops.h>
#include <pdeop/pinn.h>

/* How a batch's loss is averaged over MPI ranks. */
typedef enum {
  PD_OBJECTIVE_SHARE, /* each rank takes a contiguous share of the batch; its mean loss is weighted by
                         its share before backward, the gradients are summed (on more than one rank) */
  PD_OBJECTIVE_OWNED  /* item i lives on rank i % size; each owned item's loss is back-propagated
                         unweighted, the gradients are summed and divided by the batch size */
} PdObjectiveAveraging;

struct _PdObjectiveOps {
  /* at the start of each PdTrainerTrain, given the trainer: check data, allocate, normalise */
  PetscErrorCode (*setup)(PdObjective, PdTrainer);
  /* inside PdTrainerSetFromOptions' options block */
  PetscErrorCode (*setfromoptions)(PetscOptionItems *, PdObjective);
  /* training items per epoch (samples, systems, right-hand sides; 1 for step-based objectives) */
  PetscErrorCode (*items)(PdObjective, PetscInt *);
  /* the loss of items idx[0..n) recorded on the trainer's tape (a mean over the n items) */
  PetscErrorCode (*loss)(PdObjective, PdTrainer, PetscInt, const PetscInt[], PdTensor *);
  /* instead of loss: add the gradient of the batch's loss (this rank's n of the batch's B items,
     weighted n/B) to the parameters' gradients, return the weighted loss; a non-finite loss returns
     at once with that value */
  PetscErrorCode (*lossgrad)(PdObjective, PdTrainer, PetscInt, const PetscInt[], PetscInt, double *);
  /* before each step, given the step count (pinn-mesh: fresh points, loss-weight annealing) */
  PetscErrorCode (*stepbegin)(PdObjective, PdTrainer, PetscInt);
  /* after each step: the progress line's extra text (may be NULL) */
  PetscErrorCode (*stepend)(PdObjective, PdTrainer, PetscInt, double, char[], size_t);
  /* at the end of epoch e (0-based): the validation/test metric, NaN when not evaluated */
  PetscErrorCode (*metric)(PdObjective, PdTrainer, PetscInt, double *);
  /* the objective's settings a resumed run must keep, under their options' names (supervised: loss) */
  PetscErrorCode (*getsettings)(PdObjective, PdDict);
  /* checkpoint: the model, the optimizer state and the epochs done */
  PetscErrorCode (*save)(PdObjective, PdTrainer, const char[]);
  PetscErrorCode (*report)(PdObjective, PdTrainer, PdDict);
  /* frees what obj->data holds; PdObjectiveDestroy and PdObjectiveSetType then free obj->data itself */
  PetscErrorCode (*destroy)(PdObjective);
};

struct _n_PdObjective {
  MPI_Comm               comm;
  char                  *type;
  PetscInt               refct;
  struct _PdObjectiveOps ops[1];
  void                  *data;
  PdParams               params; /* the parameters trained (set by the type) */
  PetscInt64             seed;   /* the epoch permutation draws from (seed, stream + epoch) */
  PdRngStream            stream;
  PetscBool              shuffle;      /* false: the items of an epoch in order (step-based objectives) */
  PetscBool              quiet_epochs; /* no per-epoch line, CSV row or curve: step-based objectives */
  PdObjectiveAveraging   averaging;
  PetscBool              keep_best;     /* keep the parameters with the smallest metric, restored at the end */
  PetscBool              has_metric;    /* a metric is evaluated: printed, and a second curve */
  PetscBool              metric_sparse; /* evaluated on some epochs only: blank CSV cell otherwise */
  /* names: console, CSV columns, curve legends and title */
  char        loss_label[64], metric_label[64], loss_column[32], metric_column[32], title[64], progress[32];
  const char *metric_print; /* printf format of the metric on the epoch line ("%.4e") */
  const char *metric_csv;   /* printf format of the metric in the CSV row ("%.9g") */
};

/* the trainer's state, read by objectives */
struct _n_PdTrainer {
  MPI_Comm    comm;
  PdObjective obj;
  PdParams    params;
  PdOptim     optim;
  PetscBool   own_optim; /* false: given by PdTrainerSetOptim */
  PdTape      tape;      /* training steps and evaluation (gradients off) share one arena */
  PetscInt    epochs, batch_size, checkpoint_every;
  PetscInt    epoch; /* epochs completed */
  PetscInt    start; /* epochs completed when PdTrainerTrain began */
  char        out[PETSC_MAX_PATH_LEN], log[PETSC_MAX_PATH_LEN], curve[PETSC_MAX_PATH_LEN];
  PetscBool   warned; /* PdOptimWarnInapplicable has run (once per trainer) */
  PdCSVLog    csv;    /* the -log of the run in progress */
  PetscInt   *perm;
  PetscInt    nitems;
  /* results */
  double   train_loss, metric, seconds, samples_per_s, loss0;
  double   train_cpu; /* user + system seconds of the training epochs (evaluations excluded) */
  PetscInt last_checkpoint, best_epoch;
  char     last_checkpoint_file[PETSC_MAX_PATH_LEN]; /* where the last good state is: -o, or the -resume file */
  double   best_metric;
  /* growth stop: the loss (an average over about 100 steps for step-based objectives) against its best */
  double    div_factor, smooth, best_smooth;
  PetscInt  best_smooth_epoch;
  PetscBool have_smooth; /* smooth and best_smooth hold values (from this run or its checkpoint) */
  float    *best;
  /* history of the epochs for the curve picture: epoch, train loss, metric */
  PetscInt nhist, maxhist;
  double  *hepoch, *hloss, *htest;
};

PETSC_INTERN PetscErrorCode PdObjectiveCreate_Supervised(PdObjective);
PETSC_INTERN PetscErrorCode PdObjectiveCreate_Rollout(PdObjective);
PETSC_INTERN PetscErrorCode PdObjectiveCreate_LearnedIC(PdObjective);
PETSC_INTERN PetscErrorCode PdObjectiveCreate_DCDM(PdObjective);
PETSC_INTERN PetscErrorCode PdObjectiveCreate_PinnBall(PdObjective);
PETSC_INTERN PetscErrorCode PdObjectiveCreate_PinnMesh(PdObjective);
PETSC_INTERN PetscErrorCode PdTrainerRunSteps(PdObjective, PdOptim, PetscInt, PetscInt, const char[], PetscInt);
PETSC_INTERN PetscErrorCode PdTrainerOpenLog(PdTrainer, PetscInt);
PETSC_INTERN PetscErrorCode PdTrainerLogEpoch(PdTrainer, double);
PETSC_INTERN PetscErrorCode PdTrainerHistoryFromLog(PdTrainer, PetscInt);
PETSC_INTERN PetscErrorCode PdObjectiveSetStepBased(PdObjective, const char[]);
PETSC_INTERN PetscErrorCode PdObjectiveSetModelParams(PdObjective, PetscErrorCode (*)(PdObjective), const char[], NOp, PetscInt64);
/* the step-based runs' options (interface/trainer.c) */
PETSC_INTERN PetscErrorCode PdTrainerOptionDivergence(PetscOptionItems *, MPI_Comm, double *);
PETSC_INTERN PetscErrorCode PdTrainerOptionSteps(PetscOptionItems *, MPI_Comm, const char[], PetscInt *);
/* the PINN families' shared pieces (interface/pinnbase.c) */
PETSC_INTERN PetscErrorCode PdPinnCreateMLP(MPI_Comm, PetscInt, PetscInt, PetscInt, PetscInt64, PetscBool, NOp *, PdOptim *);
/* A boundary (or other second) loss weight, fixed or annealed from the two losses' gradient
   statistics (Wang, Teng & Perdikaris, Algorithm 1), for every PINN with two loss terms (pinnbase.c) */
typedef struct {
  PdPinnWeights    mode;
  PdPinnAnnealForm form;
  double           weight0, weight, alpha; /* the initial weight, the current one, the moving average's rate */
  PetscInt         every;                  /* steps between updates */
} PdPinnLossWeight;
/* the gradient of one loss term into the parameters' (zeroed) gradients: term 0 the residual loss,
   term 1 the second loss times the weight given; each rank its share, as in a training step */
typedef PetscErrorCode (*PdPinnTermGrad)(void *, PetscInt, double);
PETSC_INTERN PetscErrorCode PdPinnLossWeightInit(PdPinnLossWeight *, double);
PETSC_INTERN PetscErrorCode PdPinnLossWeightOptions(PetscOptionItems *, PdPinnLossWeight *);
PETSC_INTERN PetscErrorCode PdPinnLossWeightCheck(MPI_Comm, const PdPinnLossWeight *);
PETSC_INTERN PetscErrorCode PdPinnLossWeightAnneal(PdPinnLossWeight *, MPI_Comm, PdParams, PdPinnTermGrad, void *);
/* user + system time of the process: what a step costs whatever else the machine runs (trainer.c) */
PETSC_INTERN double         PdCPUTime(void);
PETSC_INTERN PetscErrorCode PdPinnPredictChunks(PdTape, PetscInt, PetscInt, PetscInt, const float[], float[], PetscErrorCode (*)(void *, PdTensor, PdTensor *), void *);
