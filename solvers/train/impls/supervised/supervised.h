/* Private to the supervised and rollout objectives: a neural operator trained on a dataset's
   (input, output) pairs, or unrolled over a time series (solvers/train/impls/supervised/). */
#pragma once
#include "../../trainimpl.h"

typedef struct {
  NOp              nop;
  const PdDataset *train, *test;
  PdLossType       loss, metric;
  PetscBool        normalize;
  /* recurrent training (NOpSetRollout): predictions and their adjoints, [n][K][grid] */
  float *rpred, *radj;
  size_t rcap;
} PdObjective_Supervised;

PETSC_INTERN PetscErrorCode PdSupervisedGet(PdTrainer, PdObjective_Supervised **);
PETSC_INTERN PetscErrorCode PdSupervisedCheckPrediction(MPI_Comm, PdTensor, PdTensor);
PETSC_INTERN PetscErrorCode PdSupervisedChannelStats(const PdDataset *, int, double *, double *);
PETSC_INTERN PetscErrorCode PdRolloutCheckSeries(NOp, const PdDataset *, const char *, PetscInt);
PETSC_INTERN PetscErrorCode PdRolloutSeriesNormalization(NOp, const PdDataset *);
PETSC_INTERN PetscErrorCode PdRolloutLossGrad(PdObjective, PdTrainer, PetscInt, const PetscInt[], PetscInt, double *);
