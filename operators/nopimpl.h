/* Private interface between the NOp object (operators/nop.c) and its model types
   (operators/mlp.c, ...): the ops table a type fills in its create function. */
#pragma once
#include <pdeop/nop.h>
#include <pdeop/ops.h>

struct _NOpOps {
  PetscErrorCode (*setfromoptions)(NOp, PetscOptionItems *);
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
};

PETSC_EXTERN PetscErrorCode NOpCreate_MLP(NOp);
