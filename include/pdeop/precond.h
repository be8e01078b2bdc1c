/* Learned preconditioners registered as PETSc types */
#pragma once
#include <petscksp.h>

/* -pc_type learned_sor: SSOR whose omega a bandit learns over a sequence of KSPSolves
   (Khodak et al., ICLR 2024); solvers/pc_learned_sor.c */
PETSC_EXTERN PetscErrorCode PCCreate_LearnedSOR(PC);
PETSC_EXTERN PetscErrorCode PCLearnedSORSetContext(PC, PetscReal);
PETSC_EXTERN PetscErrorCode PCLearnedSORGetOmega(PC, PetscReal *);
PETSC_EXTERN PetscErrorCode PCLearnedSORGetGrid(PC, PetscInt *, const PetscReal **);
PETSC_EXTERN PetscErrorCode PCLearnedSORGetStats(PC, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode PCLearnedSORSaveState(PC, const char[]);
PETSC_EXTERN PetscErrorCode PCLearnedSORLoadState(PC, const char[]);
PETSC_EXTERN PetscErrorCode PCLearnedSORPretrain(PC, PetscInt, const PetscReal[], const PetscInt[]);
