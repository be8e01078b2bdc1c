/* Private interface between the NOp object (operators/nop.c) and its model types
   (operators/mlp.c, ...): the ops table a type fills in its create function. */
#pragma once
#include <pdeop/nop.h>
#include <pdeop/ops.h>

struct _NOpOps {
  PetscErrorCode (*setfromoptions)(NOp, PetscOptionItems *);
  PetscErrorCode (*check)(NOp); /* validate hyperparameters (outside PetscOptionsBegin/End, whose items an error would leak) */
  PetscErrorCode (*setup)(NOp); /* declare parameters with PdParamsAdd on nop->params */
  PetscErrorCode (*forward)(NOp, PdTape, PdTensor, PdTensor *);
  PetscErrorCode (*view)(NOp, PetscViewer);
  PetscErrorCode (*getmeta)(NOp, PdDict); /* hyperparameters */
  PetscErrorCode (*setmeta)(NOp, PdDict);
  PetscErrorCode (*destroy)(NOp);
};

struct _n_NOp {
  MPI_Comm       comm;
  char           type[64];
  struct _NOpOps ops;
  void          *data;
  PdParams       params;
  PetscInt64     seed;
  PetscBool      setupcalled;
  int            in_ndim, out_ndim; /* per-sample shapes, without the batch dimension */
  PetscInt       in_shape[PD_MAX_DIMS], out_shape[PD_MAX_DIMS];
  PetscInt       in_size, out_size;
  /* optional per-channel normalisation x' = (x - in_mean) / in_std, y = y' out_std + out_mean */
  PetscBool      normalized;
  double        *in_mean, *in_std, *out_mean, *out_std;
  /* recurrent use (0: none): the model maps the last in_shape[0] snapshots of a time series to the
     next one and was trained unrolling this many steps (NOpSetRollout, saved in checkpoints) */
  PetscInt rollout;
};

/* fully connected stacks (operators/dense.c), shared by mlp and deeponet */
typedef enum { PD_ACT_TANH, PD_ACT_GELU, PD_ACT_RELU, PD_ACT_SIN, PD_ACT_SOFTPLUS } PdActivation;
PETSC_EXTERN const char *const PdActivations[];
typedef struct {
  PetscInt     n; /* layers */
  PdActivation act;
  PetscBool    act_last; /* activation after the last layer too (DeepONet's trunk) */
  PdTensor    *W, *b;
} PdDenseStack;
PETSC_EXTERN PetscErrorCode PdDenseStackSetUp(PdDenseStack *, PdParams, const char[], PetscInt, const PetscInt[], PdActivation, PetscBool);
PETSC_EXTERN PetscErrorCode PdDenseStackForward(PdDenseStack *, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdDenseStackDestroy(PdDenseStack *);
PETSC_EXTERN PetscErrorCode PdActivate(PdActivation, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdActivationFromString(MPI_Comm, const char[], PdActivation *);

PETSC_EXTERN PetscErrorCode NOpCreate_MLP(NOp);
PETSC_EXTERN PetscErrorCode NOpCreate_FNO(NOp);
PETSC_EXTERN PetscErrorCode NOpCreate_DeepONet(NOp);
PETSC_EXTERN PetscErrorCode NOpCreate_MgNO(NOp);
