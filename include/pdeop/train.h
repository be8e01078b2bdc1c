/* PdTrainer: the one training loop: shuffled mini-batches split over MPI ranks (data-parallel,
   gradients summed with MPI_Allreduce), the optimizer and its schedule, per-epoch evaluation, the
   best model, CSV log and PNG curves, checkpoints every few epochs and at the end, exact resume, and
   a stop on a diverging loss. What it minimises is a PdObjective, a type from a registry:
   supervised and rollout (neural operators on data), pinn-ball and pinn-mesh (physics-informed
   networks), learned-ic and dcdm (learned preconditioners). */
#pragma once
#include <pdeop/nop.h>
#include <pdeop/io.h>

/* mse, rel_l2: data losses. residual, hybrid: physics losses on Darcy data (PdTrainerSetHybrid),
   whose test metric is the relative L2 error. */
typedef enum { PD_LOSS_MSE,
               PD_LOSS_REL_L2,
               PD_LOSS_RESIDUAL,
               PD_LOSS_HYBRID } PdLossType;
PETSC_EXTERN const char *const PdLossTypes[];

typedef struct _n_PdTrainer   *PdTrainer;
typedef struct _n_PdObjective *PdObjective;
typedef const char            *PdObjectiveType;
#define PDOBJECTIVESUPERVISED "supervised"
#define PDOBJECTIVEROLLOUT    "rollout"
#define PDOBJECTIVEPINNBALL   "pinn-ball"
#define PDOBJECTIVEPINNMESH   "pinn-mesh"
#define PDOBJECTIVELEARNEDIC  "learned-ic"
#define PDOBJECTIVEDCDM       "dcdm"

/* Objectives: Create/SetType/Destroy; a new type registers a function that fills the ops table of
   solvers/train/trainimpl.h (the loss of a batch of items, optional metric, hooks, report). */
PETSC_EXTERN PetscErrorCode PdObjectiveRegister(const char[], PetscErrorCode (*)(PdObjective));
PETSC_EXTERN PetscErrorCode PdObjectiveRegisterAll(void);
PETSC_EXTERN PetscErrorCode PdObjectiveCreate(MPI_Comm, PdObjective *);
PETSC_EXTERN PetscErrorCode PdObjectiveSetType(PdObjective, PdObjectiveType);
PETSC_EXTERN PetscErrorCode PdObjectiveGetType(PdObjective, PdObjectiveType *);
PETSC_EXTERN PetscErrorCode PdObjectiveGetParams(PdObjective, PdParams *);
PETSC_EXTERN PetscErrorCode PdObjectiveDestroy(PdObjective *);
/* supervised / rollout: the model trained (NOpSetRollout decides which of the two) */
PETSC_EXTERN PetscErrorCode PdObjectiveSupervisedSetModel(PdObjective, NOp);

/* The trainer of an objective's parameters; PdTrainerCreate(nop) is the supervised objective's. */
PETSC_EXTERN PetscErrorCode PdTrainerCreateWithObjective(PdObjective, PdTrainer *);
PETSC_EXTERN PetscErrorCode PdTrainerCreate(NOp, PdTrainer *);
PETSC_EXTERN PetscErrorCode PdTrainerDestroy(PdTrainer *);
PETSC_EXTERN PetscErrorCode PdTrainerGetObjective(PdTrainer, PdObjective *);
/* train with an optimizer the caller keeps (e.g. one loaded with its model) */
PETSC_EXTERN PetscErrorCode PdTrainerSetOptim(PdTrainer, PdOptim);
PETSC_EXTERN PetscErrorCode PdTrainerGetTape(PdTrainer, PdTape *);
PETSC_EXTERN PetscErrorCode PdTrainerGetBatchSize(PdTrainer, PetscInt *);
PETSC_EXTERN PetscErrorCode PdTrainerGetStepsPerEpoch(PdTrainer, PetscInt *);
PETSC_EXTERN PetscErrorCode PdTrainerSetCheckpointEvery(PdTrainer, PetscInt);
/* CSV log and curve PNG (NULL or "": none) */
PETSC_EXTERN PetscErrorCode PdTrainerSetLog(PdTrainer, const char[], const char[]);
/* the training curve's picture beside a log: the name without a final .csv (any case), then .png ("" without a log) */
PETSC_EXTERN PetscErrorCode PdTrainerCurveName(const char[], char[], size_t);
/* epochs (steps) already done by a model loaded with its optimizer state */
PETSC_EXTERN PetscErrorCode PdTrainerSetEpochsDone(PdTrainer, PetscInt);
PETSC_EXTERN PetscErrorCode PdTrainerGetInitialLoss(PdTrainer, double *);
/* the epoch whose parameters were kept (objectives that keep the best by their metric) and the metric */
PETSC_EXTERN PetscErrorCode PdTrainerGetBest(PdTrainer, PetscInt *, double *);
/* The training set and an optional test set (not copied: they must outlive the trainer). */
PETSC_EXTERN PetscErrorCode PdTrainerSetData(PdTrainer, const PdDataset *, const PdDataset *);
PETSC_EXTERN PetscErrorCode PdTrainerSetLoss(PdTrainer, PdLossType);
/* Physics losses on a Darcy dataset (`pdeop data darcy`; a training set of /inputs alone trains with
   the residual): the residual loss is the mean over samples of ||M^{-1}(A(a) u - f)|| / ||M^{-1} f||
   with A the operator of `pdeop solve darcy` at the data's grid, u the model's (un-normalised)
   prediction, M a PC (PdTrainerSetResidualPCType; none: M = I). The hybrid loss adds the relative
   L2 data loss of the labelled samples, the first round(fraction N), to weight times the residual
   (PdTrainerSetHybrid). PdTrainerResidualLoss: the loss of training samples idx, of given fields u
   or (u NULL) of the model, its gradient added to the parameters' if grad. */
PETSC_EXTERN PetscErrorCode PdTrainerSetHybrid(PdTrainer, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode PdTrainerSetResidualPCType(PdTrainer, const char[]);
PETSC_EXTERN PetscErrorCode PdTrainerResidualLoss(PdTrainer, PetscInt, const PetscInt[], const float[], PetscBool, double *);
/* Normalise inputs and outputs per channel with the training set's statistics (-normalize). */
PETSC_EXTERN PetscErrorCode PdTrainerSetNormalize(PdTrainer, PetscBool);
PETSC_EXTERN PetscErrorCode PdTrainerSetEpochs(PdTrainer, PetscInt);
PETSC_EXTERN PetscErrorCode PdTrainerSetBatchSize(PdTrainer, PetscInt);
/* Checkpoint file written every -checkpoint_every epochs and at the end (NULL: none). */
PETSC_EXTERN PetscErrorCode PdTrainerSetOutput(PdTrainer, const char[]);
/* Options: -epochs -batch_size -loss mse|rel_l2|residual|hybrid (-residual_weight, -labelled_fraction,
   -residual_pc_type and the PC's -residual_ options) -checkpoint_every -log file.csv, -curve_png file.png
   (training curves, rewritten every epoch; default: the -log file with .png), and the optimizer's (-optim, -lr, -weight_decay, -lr_schedule, ...). */
PETSC_EXTERN PetscErrorCode PdTrainerSetFromOptions(PdTrainer);
/* Continue from a checkpoint written by a previous run: parameters, optimizer state, epoch, and the
   run's settings (batch size, loss, optimizer, learning rate, schedule: kept; one given again with
   another value is an error). Call after PdTrainerSetFromOptions. */
PETSC_EXTERN PetscErrorCode PdTrainerResume(PdTrainer, const char[]);
/* The settings a resumed run keeps, under their options' names (what checkpoints store in /training). */
PETSC_EXTERN PetscErrorCode PdTrainerGetSettings(PdTrainer, PdDict);
PETSC_EXTERN PetscErrorCode PdTrainerTrain(PdTrainer);
/* Mean error of the model on a dataset (split over ranks); optional per-sample errors (length N,
   on every rank). MSE is per element; rel_l2 per sample ||p - t|| / ||t||. */
PETSC_EXTERN PetscErrorCode PdTrainerEvaluate(PdTrainer, const PdDataset *, PdLossType, double *, double *);
/* Recurrent models (NOpSetRollout): training unrolls K steps on time-series data (`pdeop data ns`:
   /inputs t = 1..t_in, /outputs t_in+1..T, attributes t_in and T), feeding predictions back, loss
   summed over the steps, exact gradient recomputed step by step (memory of one step's tape).
   PdTrainerEvaluate rolls out over all output snapshots. PdTrainerRolloutLoss: the training loss of
   the samples idx (and its gradient, added to the parameters'). PdTrainerEvaluateRollout also gives
   per-step errors (length: output snapshots) and the error of copying the last input forward. */
PETSC_EXTERN PetscErrorCode PdTrainerRolloutLoss(PdTrainer, const PdDataset *, PetscInt, const PetscInt[], PetscBool, double *);
PETSC_EXTERN PetscErrorCode PdTrainerEvaluateRollout(PdTrainer, const PdDataset *, PdLossType, double *, double *, double *, double *);
/* Predictions of a recurrent model: steps snapshots after the inputs, /outputs [N, steps, grid]. */
PETSC_EXTERN PetscErrorCode PdRolloutPredict(NOp, const PdDataset *, PetscInt, PetscInt, PdDataset *);
PETSC_EXTERN PetscErrorCode PdTrainerGetOptim(PdTrainer, PdOptim *);
/* Results of the last PdTrainerTrain: train loss of the last epoch, test error (NaN if no test set),
   epochs done in total, seconds, training samples per second. */
PETSC_EXTERN PetscErrorCode PdTrainerGetResults(PdTrainer, double *, double *, PetscInt *, double *, double *);
PETSC_EXTERN PetscErrorCode PdTrainerReport(PdTrainer, PdDict);
