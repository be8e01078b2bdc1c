/* Private to the supervised and rollout objectives: a neural operator trained on a dataset's
   (input, output) pairs, or unrolled over a time series (solvers/train/impls/supervised/). */
#pragma once
#include "../../trainimpl.h"

typedef struct _p_PdResidual *PdResidual; /* residual.c */

typedef struct {
  NOp              nop;
  const PdDataset *train, *test;
  PdLossType       loss, metric;
  PetscBool        normalize;
  /* recurrent training (NOpSetRollout): predictions and their adjoints, [n][K][grid] */
  float *rpred, *radj;
  size_t rcap;
  /* residual and hybrid losses (residual.c) */
  PetscReal        residual_weight, labelled_fraction;
  PetscBool        hybrid_given, pc_given; /* -residual_weight/-labelled_fraction, -residual_pc_type given: checked against the loss at set-up */
  char             residual_pc[64];
  PdResidual       res;
  const PdDataset *res_ds; /* the training set res was made for */
} PdObjective_Supervised;

/* residual and hybrid: the losses that read the PDE (residual.c) */
static inline PetscBool PdLossIsPhysics(PdLossType l)
{
  return (PetscBool)(l == PD_LOSS_RESIDUAL || l == PD_LOSS_HYBRID);
}
/* the test metric of a loss: itself for the data losses, the relative L2 error for the physics ones */
static inline PdLossType PdLossMetric(PdLossType l)
{
  return l == PD_LOSS_MSE ? PD_LOSS_MSE : PD_LOSS_REL_L2;
}

PETSC_INTERN PetscErrorCode PdSupervisedGet(PdTrainer, PdObjective_Supervised **);
PETSC_INTERN PetscErrorCode PdSupervisedCheckPrediction(MPI_Comm, PdTensor, PdTensor);
PETSC_INTERN PetscErrorCode PdSupervisedChannelStats(const PdDataset *, int, double *, double *);
PETSC_INTERN PetscErrorCode PdRolloutCheckSeries(NOp, const PdDataset *, const char *, PetscInt);
PETSC_INTERN PetscErrorCode PdRolloutSeriesNormalization(NOp, const PdDataset *);
PETSC_INTERN PetscErrorCode PdRolloutLossGrad(PdObjective, PdTrainer, PetscInt, const PetscInt[], PetscInt, double *);
PETSC_INTERN PetscErrorCode PdSupervisedGatherBatch(PdTape, const PdDataset *, const PetscInt *, PetscInt, PdTensor *, PdTensor *);
PETSC_INTERN PetscErrorCode PdResidualCreate(MPI_Comm, const PdDataset *, const char[], PdResidual *);
PETSC_INTERN PetscErrorCode PdResidualDestroy(PdResidual *);
PETSC_INTERN PetscErrorCode PdSupervisedSetHybrid(PdObjective_Supervised *, MPI_Comm, PetscReal, PetscReal);
PETSC_INTERN PetscErrorCode PdSupervisedResidualScale(PdObjective_Supervised *, double, double *, double *);
PETSC_INTERN PetscErrorCode PdSupervisedLabelled(PdObjective_Supervised *, PetscInt *);
PETSC_INTERN PetscErrorCode PdSupervisedPhysicsSetUp(PdObjective_Supervised *, MPI_Comm);
PETSC_INTERN PetscErrorCode PdSupervisedPhysicsLoss(PdObjective_Supervised *, PdTape, PetscInt, const PetscInt[], PdTensor, PdTensor *);
