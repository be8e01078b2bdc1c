/* The training objectives of learned preconditioners (PdObjective types learned-ic and dcdm, see
   train.h): the model trained and the family of systems it learns from. */
#pragma once
#include <pdeop/train.h>
#include <pdeop/learned.h>
#include <pdeop/systems.h>

/* learned-ic: the network (an NOp of type learned_ic; the seed orders the epochs); then the systems: count of the family with
   P (x, b) pairs, each rank making its own (r, r + size, ...), and nval validation systems whose CG
   iterations are checked every `every` epochs (the model with the fewest is kept). */
PETSC_EXTERN PetscErrorCode PdObjectiveLearnedICSetModel(PdObjective, NOp, PetscInt64);
PETSC_EXTERN PetscErrorCode PdObjectiveLearnedICSetSystems(PdObjective, PdFamily *, PetscInt, PetscInt, PetscInt, PetscInt);
/* or systems 0..count-1 of a list of files, validated on the next nval of the list */
PETSC_EXTERN PetscErrorCode PdObjectiveLearnedICSetSystemList(PdObjective, PdSystemList, PetscInt, PetscInt, PetscInt, PetscInt);
/* dcdm: the network (an MgNO on the grid); then count systems with m Ritz vectors each, S right-hand
   sides with the lower half of the spectrum weighted by bias. */
PETSC_EXTERN PetscErrorCode PdObjectiveDCDMSetModel(PdObjective, NOp, PetscInt64);
PETSC_EXTERN PetscErrorCode PdObjectiveDCDMSetSystems(PdObjective, PdFamily *, PetscInt, PetscInt, PetscInt, PetscReal);
PETSC_EXTERN PetscErrorCode PdObjectiveDCDMGetRitzCount(PdObjective, PetscInt *);
