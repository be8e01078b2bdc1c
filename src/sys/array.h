/* Private to src/: arrays that grow by doubling (array.c). */
#pragma once
#include <petscsys.h>

PETSC_INTERN PetscErrorCode PdArrayMakeRoom(size_t, PetscInt, PetscInt, PetscInt *, void **);
