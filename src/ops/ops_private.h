/* Helpers shared by src/ops' files (private to the engine): the shape error every op raises, and the
   checks and output shape of the channel mixes. */
#pragma once
#include <pdeop/ops.h>
#include "clones.h"
#include <pdeop/vecmath.h>

PETSC_INTERN PetscErrorCode PdOpsSizeError(const char *, PdTensor, PdTensor, const char *);
PETSC_INTERN PetscErrorCode PdOpsChannelMixShape(const char[], PdTensor, PdTensor, PdTensor, PetscInt[], PetscInt *, PetscInt *, PetscInt *, PetscInt *);
PETSC_INTERN PetscBool      PdOpsRightProduct(PetscInt, PetscInt, PetscInt, const float *, const float *, float *, PetscBool);
