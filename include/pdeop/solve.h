/* Entry points of the PDE problems (floor 4), one per `pdeop solve` / `pdeop data` subcommand,
   and the shared KSP solve-and-report step every problem uses. Each entry point reads its own
   options (PETSc style) and adds its results to the report dictionary. */
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

/* pdeop solve poisson | darcy | -f file, pdeop data darcy */
PETSC_EXTERN PetscErrorCode PdPoissonRun(MPI_Comm, PdDict);
PETSC_EXTERN PetscErrorCode PdDarcyRun(MPI_Comm, PdDict);
PETSC_EXTERN PetscErrorCode PdSystemRun(MPI_Comm, const char[], PdDict);
PETSC_EXTERN PetscErrorCode PdDataDarcyRun(MPI_Comm, PdDict);
PETSC_EXTERN PetscErrorCode PdDataAntiderivativeRun(MPI_Comm, PdDict);
PETSC_EXTERN PetscErrorCode PdNSPeriodicRun(MPI_Comm, PdDict);
PETSC_EXTERN PetscErrorCode PdCavityRun(MPI_Comm, PdDict);
/* The cavity's pressure matrix (SPD: Neumann Laplacian with one pinned cell) on an n x n DMDA */
PETSC_EXTERN PetscErrorCode PdCavityPressureOperator(DM, Mat);
PETSC_EXTERN PetscErrorCode PdDataNSRun(MPI_Comm, PdDict);
