/* The optimizer's private struct, shared by optim.c (element-wise updates, schedules, options) and
   matrix.c (muon and polargrad: orthogonalised updates of the matrix parameters). */
#pragma once
#include <pdeop/optim.h>

/* A parameter as the optimizer sees it: its slice of the flat buffers and, for a matrix (muon,
   polargrad), count matrices of rows x cols (complex: interleaved re, im) one after the other.
   out and in give the shape scale's ratio. */
typedef struct {
  PetscInt  offset, size;
  PetscBool matrix, cplx;
  PetscInt  count, rows, cols, out, in;
} PdOptimSegment;

struct _n_PdOptim {
  MPI_Comm       comm;
  PdParams       params;
  PdOptimType    type;
  double         lr, wd, momentum, beta1, beta2, eps, clip;
  PdScheduleType schedule;
  PetscInt       total, step_size;
  PetscBool      total_set; /* total given (a trainer's epochs x batches, or the caller's) */
  double         gamma;
  double         pct_start, div, final_div; /* one-cycle */
  PetscInt64     step;
  PetscInt       n; /* buffer length */
  float         *m, *v;
  /* muon and polargrad */
  PetscInt         ns_steps, ns_ncoef;
  double           ns_coef[3];
  PdOptimComplex   complex_mode;
  PdOptimMuonScale muon_scale;
  double           adam_lr; /* 0: the learning rate */
  double           matrix_momentum;
  PetscBool        nesterov;
  PetscInt         nseg;
  PdOptimSegment  *seg;
  float           *work; /* update, polar factor and Newton-Schulz scratch of the largest matrix */
};

PETSC_INTERN PetscErrorCode PdOptimSegmentsCreate(PdOptim);
PETSC_INTERN PetscErrorCode PdOptimMatrixStep(PdOptim, double);
PETSC_INTERN void           PdOptimAdamRange(PdOptim, double, PetscInt, PetscInt);
PETSC_INTERN PetscErrorCode PdOptimMatrixSetFromOptions(PdOptim, PetscOptionItems *);
PETSC_INTERN PetscErrorCode PdOptimMatrixCheck(PdOptim);
PETSC_INTERN PetscErrorCode PdOptimMatrixGetSettings(PdOptim, PdDict);
