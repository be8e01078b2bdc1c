/* Learned preconditioners registered as PETSc types */
#pragma once
#include <petscksp.h>
#include <pdeop/progress.h>

/* -pc_type learned_sor: SSOR whose omega a bandit learns over a sequence of KSPSolves
   (Khodak et al., ICLR 2024); solvers/precond/impls/learned_sor/pc_learned_sor.c */
PETSC_EXTERN PetscErrorCode PCCreate_LearnedSOR(PC);
PETSC_EXTERN PetscErrorCode PCLearnedSORSetContext(PC, PetscReal);
PETSC_EXTERN PetscErrorCode PCLearnedSORGetOmega(PC, PetscReal *);
PETSC_EXTERN PetscErrorCode PCLearnedSORGetGrid(PC, PetscInt *, const PetscReal **);
PETSC_EXTERN PetscErrorCode PCLearnedSORGetStats(PC, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode PCLearnedSORSaveState(PC, const char[]);
PETSC_EXTERN PetscErrorCode PCLearnedSORLoadState(PC, const char[]);
PETSC_EXTERN PetscErrorCode PCLearnedSORPretrain(PC, PetscInt, const PetscReal[], const PetscInt[]);
/* CG + SSOR at every omega of the grid on n systems made by a callback (split over the ranks), then PCLearnedSORPretrain */
PETSC_EXTERN PetscErrorCode PCLearnedSORPretrainSystems(PC, PetscInt, PetscErrorCode (*)(void *, PetscInt, Mat *, Vec *), void *, PdProgress *, PetscInt[]);
