/* Optimizers (SGD with momentum, Adam, AdamW; Muon and PolarGrad for matrix parameters), learning-rate schedules (constant, step, cosine,
   linear, one-cycle) and gradient-norm clipping, acting on a PdParams' flat buffers. */
#pragma once
#include <pdeop/params.h>
#include <pdeop/dict.h>

typedef enum { PD_OPTIM_SGD,
               PD_OPTIM_ADAM,
               PD_OPTIM_ADAMW,
               PD_OPTIM_MUON,
               PD_OPTIM_POLARGRAD } PdOptimType;
/* a complex (spectral) matrix: Newton-Schulz on its real [2 rows, 2 cols] embedding, or in complex
   arithmetic (the same map: see PdPolarNewtonSchulz) */
typedef enum { PD_OPTIM_COMPLEX_EMBED,
               PD_OPTIM_COMPLEX_COMPLEX } PdOptimComplex;
/* Muon's scale of the orthogonal update: rms 0.2 sqrt(max(rows, cols)) (an update of RMS 0.2, as
   Adam's, so one learning rate serves both), shape sqrt(max(1, out/in)) (the reference Muon's) */
typedef enum { PD_OPTIM_MUON_SCALE_RMS,
               PD_OPTIM_MUON_SCALE_SHAPE } PdOptimMuonScale;
PETSC_EXTERN const char *const PdOptimComplexModes[];
PETSC_EXTERN const char *const PdOptimMuonScales[];
typedef enum { PD_SCHEDULE_CONSTANT,
               PD_SCHEDULE_STEP,
               PD_SCHEDULE_COSINE,
               PD_SCHEDULE_LINEAR,
               PD_SCHEDULE_ONECYCLE } PdScheduleType;
PETSC_EXTERN const char *const PdOptimTypes[];
PETSC_EXTERN const char *const PdScheduleTypes[];

typedef struct _n_PdOptim *PdOptim;

PETSC_EXTERN PetscErrorCode PdOptimCreate(PdParams, PdOptim *);
PETSC_EXTERN PetscErrorCode PdOptimDestroy(PdOptim *);
PETSC_EXTERN PetscErrorCode PdOptimSetType(PdOptim, PdOptimType);
PETSC_EXTERN PetscErrorCode PdOptimGetType(PdOptim, PdOptimType *);
PETSC_EXTERN PetscErrorCode PdOptimSetLearningRate(PdOptim, double);
PETSC_EXTERN PetscErrorCode PdOptimSetWeightDecay(PdOptim, double);
PETSC_EXTERN PetscErrorCode PdOptimSetMomentum(PdOptim, double);
PETSC_EXTERN PetscErrorCode PdOptimSetBetas(PdOptim, double, double);
PETSC_EXTERN PetscErrorCode PdOptimSetClipNorm(PdOptim, double);
/* schedule, total steps (cosine/linear), step size and gamma (step schedule) */
PETSC_EXTERN PetscErrorCode PdOptimSetSchedule(PdOptim, PdScheduleType, PetscInt, PetscInt, double);
/* Total number of steps for the cosine and linear schedules (a trainer sets it from epochs x batches;
   -lr_total_steps overrides; -help shows 0 while it is not known). Keeps the schedule type. */
PETSC_EXTERN PetscErrorCode PdOptimSetTotalSteps(PdOptim, PetscInt);
PETSC_EXTERN PetscErrorCode PdOptimGetTotalSteps(PdOptim, PetscInt *);
/* The one-cycle schedule (PyTorch's OneCycleLR with cosine annealing, learning rate only: beta1 and
   the momentum are not cycled): from lr/div up to lr over the first pct_start of the steps, then
   down to lr/(div final_div). Defaults 0.3, 25, 1e4 (-lr_pct_start -lr_div_factor -lr_final_div_factor). */
PETSC_EXTERN PetscErrorCode PdOptimSetOneCycle(PdOptim, double, double, double);
/* Muon and PolarGrad: Newton-Schulz steps and coefficients (default 5 and the quintic 3.4445,
   -4.7750, 2.0315), the momentum of the matrices (0.95, Nesterov), the learning rate of the other
   parameters' AdamW (0: the same as -lr), the complex mode and Muon's scale. */
PETSC_EXTERN PetscErrorCode PdOptimSetNewtonSchulz(PdOptim, PetscInt, const double[3]);
PETSC_EXTERN PetscErrorCode PdOptimSetMatrixMomentum(PdOptim, double, PetscBool);
PETSC_EXTERN PetscErrorCode PdOptimSetAdamLearningRate(PdOptim, double);
PETSC_EXTERN PetscErrorCode PdOptimSetComplexMode(PdOptim, PdOptimComplex);
PETSC_EXTERN PetscErrorCode PdOptimSetMuonScale(PdOptim, PdOptimMuonScale);
/* The approximate orthogonal polar factor O of the rows x cols matrix G (row-major; complex:
   interleaved re, im) by steps Newton-Schulz iterations X <- a X + (b A + c A^2) X, A = X X^H, from
   X = G / (||G||_F + 1e-7) (complex: sqrt(2) ||G||_F, the norm of its real embedding, so that both
   compute the same map); work holds PdPolarNewtonSchulzWorkSize floats. */
PETSC_EXTERN PetscErrorCode PdPolarNewtonSchulz(PetscInt, PetscInt, PetscBool, PetscInt, const double[3], const float[], float[], float[]);
PETSC_EXTERN PetscErrorCode PdPolarNewtonSchulzWorkSize(PetscInt, PetscInt, PetscBool, PetscInt *);
/* Options: -optim sgd|adam|adamw|muon|polargrad -lr -weight_decay -momentum -beta1 -beta2 -lr_schedule
   constant|step|cosine|linear|onecycle -lr_step_size -lr_gamma -lr_pct_start -lr_div_factor
   -lr_final_div_factor -clip_grad_norm -optim_ns_steps -optim_ns_coeffs -optim_matrix_momentum
   -optim_nesterov -optim_adam_lr -optim_complex embed|complex -optim_muon_scale rms|shape */
PETSC_EXTERN PetscErrorCode PdOptimSetFromOptions(PdOptim);
PETSC_EXTERN PetscErrorCode PdOptimWarnInapplicable(PdOptim);
PETSC_EXTERN PetscBool      PdOptimOptionApplies(const char[], const char[], const char[]);
PETSC_EXTERN PetscErrorCode PdOptimView(PdOptim, PetscViewer);
/* The settings under their options' names (optim, lr, ..., clip_grad_norm), added to a dictionary:
   what a checkpoint keeps for -resume. */
PETSC_EXTERN PetscErrorCode PdOptimGetSettings(PdOptim, PdDict);
/* One update from the current gradients; returns through the optional pointer the gradient norm
   before clipping. Allocates nothing. */
PETSC_EXTERN PetscErrorCode PdOptimStep(PdOptim, double *);
PETSC_EXTERN PetscErrorCode PdOptimGetLearningRate(PdOptim, double *);
PETSC_EXTERN PetscErrorCode PdOptimGetStepCount(PdOptim, PetscInt64 *);
/* State for checkpoints: step count and the moment buffers (NULL when the type has none). */
PETSC_EXTERN PetscErrorCode PdOptimGetState(PdOptim, PetscInt64 *, float **, float **);
PETSC_EXTERN PetscErrorCode PdOptimSetStepCount(PdOptim, PetscInt64);
