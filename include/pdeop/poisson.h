/* Poisson problems: -Laplace(u) = f with Dirichlet data, by finite differences on a DMDA (5-point
   in 2D, 7-point in 3D) or P1 finite elements on a DMPlex, with built-in manufactured solutions. */
#pragma once
#include <petscksp.h>
#include <pdeop/dict.h>

typedef enum { PD_MMS_NONE,
               PD_MMS_TRIG,
               PD_MMS_POLY } PdMMSType;
PETSC_EXTERN const char *const PdMMSTypes[];

/* exact solution and right-hand side of a manufactured solution at x (dim 1..3) */
PETSC_EXTERN PetscReal PdMMSExact(PdMMSType, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscReal PdMMSSource(PdMMSType, PetscInt, const PetscReal[]);

/* Finite differences on a node-based DMDA: the SPD operator (Dirichlet rows decoupled and scaled
   like the interior diagonal) and the right-hand side with the boundary data lifted. */
PETSC_EXTERN PetscErrorCode PdPoissonFDOperator(DM, Mat);
PETSC_EXTERN PetscErrorCode PdPoissonFDRHS(DM, PdMMSType, Vec);
/* discrete L2 error sqrt(h^d sum (u - exact)^2) and the error field (err may be NULL) */
PETSC_EXTERN PetscErrorCode PdPoissonFDError(DM, PdMMSType, Vec, Vec, PetscReal *);
/* Solve on a DMDA with the KSP from the options; report as PdKSPSolveReport (+ error). u is created. */
PETSC_EXTERN PetscErrorCode PdPoissonSolveFD(DM, PdMMSType, PdDict, Vec *, PetscReal *);
/* P1 finite elements on a DMPlex (essential conditions on the "boundary" label); u is created. */
PETSC_EXTERN PetscErrorCode PdPoissonSolveFEM(DM, PdMMSType, PdDict, Vec *, PetscReal *);

/* -Laplace(u) + c u = f with u = g on the boundary, for the P1 solver and the mesh PINNs: a
   manufactured solution (c = 0; f, g from PdMMS; none: f = 1, g = 0), or the 2D Helmholtz benchmark
   of Wang, Teng & Perdikaris, Delta u + k^2 u = q with u = sin(a1 pi x) sin(a2 pi y) (c = -k^2, f = -q). */
typedef struct {
  PdMMSType mms;
  PetscBool helmholtz;
  PetscReal k, a1, a2;
} PdScalarProblem;
PETSC_EXTERN PetscReal PdScalarProblemExact(const PdScalarProblem *, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscReal PdScalarProblemSource(const PdScalarProblem *, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscReal PdScalarProblemReaction(const PdScalarProblem *);
PETSC_EXTERN PetscBool PdScalarProblemHasExact(const PdScalarProblem *);
/* P1 FEM solve (the DM keeps the field, the boundary condition and a copy of the problem); error is
   the L2 distance to the exact solution, -1 without one */
PETSC_EXTERN PetscErrorCode PdScalarSolveFEM(DM, const PdScalarProblem *, PdDict, Vec *, PetscReal *);
PETSC_EXTERN PetscErrorCode PdScalarGetProblem(DM, const PdScalarProblem **);
PETSC_EXTERN PetscErrorCode PdScalarProjectExact(DM, const PdScalarProblem *, Vec);
