/* PdTrainer: the training loop shared by every model: shuffled mini-batches split over MPI ranks
   (data-parallel, gradients summed with MPI_Allreduce), per-epoch evaluation, CSV log and PNG curves,
   checkpoints every few epochs and at the end, exact resume, and a stop on a diverging loss. */
#pragma once
#include <pdeop/nop.h>
#include <pdeop/io.h>

typedef enum { PD_LOSS_MSE, PD_LOSS_REL_L2 } PdLossType;
PETSC_EXTERN const char *const PdLossTypes[];

typedef struct _n_PdTrainer *PdTrainer;

PETSC_EXTERN PetscErrorCode PdTrainerCreate(NOp, PdTrainer *);
PETSC_EXTERN PetscErrorCode PdTrainerDestroy(PdTrainer *);
/* The training set and an optional test set (not copied: they must outlive the trainer). */
PETSC_EXTERN PetscErrorCode PdTrainerSetData(PdTrainer, const PdDataset *, const PdDataset *);
PETSC_EXTERN PetscErrorCode PdTrainerSetLoss(PdTrainer, PdLossType);
/* Normalise inputs and outputs per channel with the training set's statistics (-normalize). */
PETSC_EXTERN PetscErrorCode PdTrainerSetNormalize(PdTrainer, PetscBool);
PETSC_EXTERN PetscErrorCode PdTrainerSetEpochs(PdTrainer, PetscInt);
PETSC_EXTERN PetscErrorCode PdTrainerSetBatchSize(PdTrainer, PetscInt);
/* Checkpoint file written every -checkpoint_every epochs and at the end (NULL: none). */
PETSC_EXTERN PetscErrorCode PdTrainerSetOutput(PdTrainer, const char[]);
/* Options: -epochs -batch_size -loss mse|rel_l2 -checkpoint_every -log file.csv, -curve_png file.png
   (training curves, rewritten every epoch; default: the -log file with .png), and the optimizer's (-optim, -lr, -weight_decay, -lr_schedule, ...). */
PETSC_EXTERN PetscErrorCode PdTrainerSetFromOptions(PdTrainer);
/* Continue from a checkpoint written by a previous run: optimizer state and epoch
   (the model's parameters must already be loaded, e.g. by NOpLoad). */
PETSC_EXTERN PetscErrorCode PdTrainerResume(PdTrainer, const char[]);
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
