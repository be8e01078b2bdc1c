/* The KSP solve-and-report step every PDE problem uses (floor 4). The problems of `pdeop solve`
   are PdProblem objects (problem.h); `pdeop data` draws their samples (PdDatasetGenerate). */
#pragma once
#include <petscksp.h>
#include <pdeop/dict.h>

/* KSPSolve timed; adds iterations, residual_norm, converged_reason, solve_seconds (and
   setup_seconds) to report (may be NULL). A diverged solve is an error naming the reason. */
PETSC_EXTERN PetscErrorCode PdKSPSolveReport(KSP, Vec, Vec, PdDict);

/* Defer the unused-option check to just before the next PdKSPSolveReport solve (after
   KSPSetFromOptions has read the solver's options); the string names the command. */
PETSC_EXTERN PetscErrorCode PdOptionsCheckUnusedAtSolve(const char[]);

/* With -pc_type mg on a grid operator: Galerkin coarse operators unless -pc_mg_galerkin is given. */
PETSC_EXTERN PetscErrorCode PdKSPUseGalerkinMG(KSP);
PETSC_EXTERN PetscErrorCode PdPCUseGalerkinMG(PC);

/* The cavity's pressure matrix (SPD: Neumann Laplacian with one pinned cell) on an n x n DMDA */
PETSC_EXTERN PetscErrorCode PdCavityPressureOperator(DM, Mat);
