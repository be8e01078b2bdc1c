/* Model parameters in one flat buffer, their gradients and optimizer state in the same layout,
   so optimizers, checkpoints and MPI_Allreduce each see a single array. */
#pragma once
#include <pdeop/tensor.h>
#include <pdeop/rng.h>

typedef enum { PD_INIT_ZERO,
               PD_INIT_UNIFORM,
               PD_INIT_NORMAL,
               PD_INIT_CONSTANT } PdInit;
typedef struct _n_PdParams *PdParams;
/* What a parameter is, for optimizers that treat matrices as matrices (muon, polargrad): OTHER
   (biases, norms, scalars: element-wise), MATRIX ([out, in]: dense and 1x1 channel-mix weights),
   CONV ([out, in, k...]: read as [out, in k...]), SPECTRAL ([modes..., in, out, 2]: one complex
   [in, out] matrix per Fourier mode). PdParamsAdd declares OTHER; models tag their weights. */
typedef enum { PD_PARAM_OTHER,
               PD_PARAM_MATRIX,
               PD_PARAM_CONV,
               PD_PARAM_SPECTRAL } PdParamKind;
PETSC_EXTERN const char *const PdParamKinds[];

PETSC_EXTERN PetscErrorCode PdParamsCreate(MPI_Comm, PdParams *);
PETSC_EXTERN PetscErrorCode PdParamsDestroy(PdParams *);
/* Declare a parameter before PdParamsSetUp; uniform draws from [-scale, scale], normal has std scale. */
PETSC_EXTERN PetscErrorCode PdParamsAdd(PdParams, const char[], int, const PetscInt[], PdInit, float, PdTensor *);
PETSC_EXTERN PetscErrorCode PdParamsSetKind(PdParams, PdTensor, PdParamKind);
PETSC_EXTERN PetscErrorCode PdParamsGetKind(PdParams, PetscInt, PdParamKind *);
PETSC_EXTERN PetscErrorCode PdParamsGetOffset(PdParams, PetscInt, PetscInt *);
PETSC_EXTERN PetscErrorCode PdParamsSetUp(PdParams, PdRng *);
PETSC_EXTERN PetscErrorCode PdParamsZeroGrad(PdParams);
PETSC_EXTERN PetscErrorCode PdParamsGetSize(PdParams, PetscInt *);
PETSC_EXTERN PetscErrorCode PdParamsGetNumber(PdParams, PetscInt *);
PETSC_EXTERN PetscErrorCode PdParamsGetTensor(PdParams, PetscInt, PdTensor *);
PETSC_EXTERN PetscErrorCode PdParamsGetArrays(PdParams, float **, float **);
/* length of the flat buffers: slices are 64-byte aligned, so it can exceed PdParamsGetSize */
PETSC_EXTERN PetscErrorCode PdParamsGetBufferSize(PdParams, PetscInt *);
/* Sum gradients over the communicator (data-parallel training) and scale them. */
PETSC_EXTERN PetscErrorCode PdParamsAllreduceGrad(PdParams, float);
PETSC_EXTERN PetscErrorCode PdParamsGradNorm(PdParams, double *);
