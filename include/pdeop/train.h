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
PETSC_EXTERN PetscErrorCode PdTrainerGetOptim(PdTrainer, PdOptim *);
/* Results of the last PdTrainerTrain: train loss of the last epoch, test error (NaN if no test set),
   epochs done in total, seconds, training samples per second. */
PETSC_EXTERN PetscErrorCode PdTrainerGetResults(PdTrainer, double *, double *, PetscInt *, double *, double *);
PETSC_EXTERN PetscErrorCode PdTrainerReport(PdTrainer, PdDict);
