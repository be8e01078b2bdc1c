/* PdProblem (floor 4): a PDE problem as an object with PETSc's lifecycle and a type registry
   (poisson, darcy, cavity, ns-periodic, system). `pdeop solve` is a thin driver over it. */
#pragma once
#include <petscksp.h>
#include <pdeop/dict.h>
#include <pdeop/poisson.h>

typedef struct _n_PdProblem *PdProblem;
typedef const char          *PdProblemType;
#define PDPROBLEMPOISSON    "poisson"
#define PDPROBLEMDARCY      "darcy"
#define PDPROBLEMCAVITY     "cavity"
#define PDPROBLEMNSPERIODIC "ns-periodic"
#define PDPROBLEMSYSTEM     "system"

/* The registry: usage is the one-line synopsis `pdeop solve -help` prints after "pdeop solve " */
PETSC_EXTERN PetscErrorCode PdProblemRegister(const char[], const char[], PetscErrorCode (*)(PdProblem));
PETSC_EXTERN PetscErrorCode PdProblemRegisterAll(void);
/* The registered types in registration order (n, names, usages; arrays owned by the registry) */
PETSC_EXTERN PetscErrorCode PdProblemGetTypes(PetscInt *, const char *const **, const char *const **);

PETSC_EXTERN PetscErrorCode PdProblemCreate(MPI_Comm, PdProblem *);
PETSC_EXTERN PetscErrorCode PdProblemSetType(PdProblem, PdProblemType);
PETSC_EXTERN PetscErrorCode PdProblemGetType(PdProblem, PdProblemType *);
PETSC_EXTERN PetscErrorCode PdProblemSetOptionsPrefix(PdProblem, const char[]);
PETSC_EXTERN PetscErrorCode PdProblemSetFromOptions(PdProblem);
PETSC_EXTERN PetscErrorCode PdProblemSetUp(PdProblem);
PETSC_EXTERN PetscErrorCode PdProblemSolve(PdProblem);
PETSC_EXTERN PetscErrorCode PdProblemGetSolution(PdProblem, DM *, Vec *);
PETSC_EXTERN PetscErrorCode PdProblemGetOperator(PdProblem, Mat *, Vec *);
PETSC_EXTERN PetscErrorCode PdProblemView(PdProblem, PetscViewer);
PETSC_EXTERN PetscErrorCode PdProblemGetReport(PdProblem, PdDict);
PETSC_EXTERN PetscErrorCode PdProblemWriteFields(PdProblem);
PETSC_EXTERN PetscErrorCode PdProblemDestroy(PdProblem *);

/* poisson: the grid or mesh (a DMDA: finite differences; a DMPlex with a "boundary" label: P1
   FEM; the problem keeps a reference) and the manufactured solution, instead of the options */
PETSC_EXTERN PetscErrorCode PdProblemPoissonSetDM(PdProblem, DM);
PETSC_EXTERN PetscErrorCode PdProblemPoissonSetMMS(PdProblem, PdMMSType);
/* poisson: the L2 error against the manufactured solution after PdProblemSolve (-1 without one) */
PETSC_EXTERN PetscErrorCode PdProblemPoissonGetError(PdProblem, PetscReal *);

/* cavity: parameters before PdProblemSetUp (the options -re, -n, -t_max set them too) */
PETSC_EXTERN PetscErrorCode PdProblemCavitySetReynolds(PdProblem, PetscReal);
PETSC_EXTERN PetscErrorCode PdProblemCavitySetGridSize(PdProblem, PetscInt);
PETSC_EXTERN PetscErrorCode PdProblemCavitySetMaxTime(PdProblem, PetscReal);
/* cavity: up to n more time steps (fewer when steady or at -t_max); *done says the run is over */
PETSC_EXTERN PetscErrorCode PdProblemCavityStep(PdProblem, PetscInt, PetscBool *);
/* cavity: the node fields u, v, p, psi, omega (each N x N, [j][i], walls included) of the current
   state, gathered on rank 0 (NULL on the other ranks); valid until the next step or destroy */
PETSC_EXTERN PetscErrorCode PdProblemCavityGetNodeFields(PdProblem, PetscInt *, const double *[5]);
