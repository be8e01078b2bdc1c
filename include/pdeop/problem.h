/* PdProblem (floor 4): a PDE problem as an object with PETSc's lifecycle and a type registry
   (poisson, darcy, cavity, ns-periodic, system, antiderivative). `pdeop solve` is a thin driver over
   it, and `pdeop data` over its samples (PdDatasetGenerate). */
#pragma once
#include <petscksp.h>
#include <pdeop/dict.h>
#include <pdeop/io.h>
#include <pdeop/progress.h>
#include <pdeop/poisson.h>

typedef struct _n_PdProblem *PdProblem;
typedef const char          *PdProblemType;
#define PDPROBLEMPOISSON    "poisson"
#define PDPROBLEMDARCY      "darcy"
#define PDPROBLEMCAVITY     "cavity"
#define PDPROBLEMNSPERIODIC "ns-periodic"
#define PDPROBLEMSYSTEM     "system"
#define PDPROBLEMANTIDERIV  "antiderivative"

/* The registry: usage is the one-line synopsis `pdeop solve -help` prints after "pdeop solve " */
PETSC_EXTERN PetscErrorCode PdProblemRegister(const char[], const char[], PetscErrorCode (*)(PdProblem));
PETSC_EXTERN PetscErrorCode PdProblemRegisterAll(void);
/* The registered types in registration order (n, names, usages; arrays owned by the registry) */
PETSC_EXTERN PetscErrorCode PdProblemGetTypes(PetscInt *, const char *const **, const char *const **);

/* Families of systems (PdFamily, <pdeop/learned.h>): whether a registered type supports them (it
   assembles system s of a family: darcy, poisson, cavity), and those types in registration order
   joined by sep, the last two by last ("poisson, darcy or cavity"; "|", "|": "poisson|darcy|cavity") */
PETSC_EXTERN PetscErrorCode PdProblemTypeHasFamily(const char[], PetscBool *);
PETSC_EXTERN PetscErrorCode PdProblemGetFamilyTypes(const char[], const char[], char[], size_t);

PETSC_EXTERN PetscErrorCode PdProblemCreate(MPI_Comm, PdProblem *);
PETSC_EXTERN PetscErrorCode PdProblemSetType(PdProblem, PdProblemType);
PETSC_EXTERN PetscErrorCode PdProblemGetType(PdProblem, PdProblemType *);
PETSC_EXTERN PetscErrorCode PdProblemGetComm(PdProblem, MPI_Comm *);
PETSC_EXTERN PetscErrorCode PdProblemSetOptionsPrefix(PdProblem, const char[]);
PETSC_EXTERN PetscErrorCode PdProblemSetFromOptions(PdProblem);
/* The seed of the problem's random input (darcy, ns-periodic) or of its dataset's stream (data mode: darcy, ns-periodic, antiderivative) */
PETSC_EXTERN PetscErrorCode PdProblemSetSeed(PdProblem, PetscInt64);
PETSC_EXTERN PetscErrorCode PdProblemSetUp(PdProblem);
PETSC_EXTERN PetscErrorCode PdProblemSolve(PdProblem);
PETSC_EXTERN PetscErrorCode PdProblemGetSolution(PdProblem, DM *, Vec *);
PETSC_EXTERN PetscErrorCode PdProblemGetOperator(PdProblem, Mat *, Vec *);
PETSC_EXTERN PetscErrorCode PdProblemView(PdProblem, PetscViewer);
PETSC_EXTERN PetscErrorCode PdProblemGetReport(PdProblem, PdDict);
PETSC_EXTERN PetscErrorCode PdProblemWriteFields(PdProblem);
/* The assembled A and b in PETSc binary (matrix, then vector: what `pdeop solve -f` reads) */
PETSC_EXTERN PetscErrorCode PdProblemWriteSystem(PdProblem, const char[]);
PETSC_EXTERN PetscErrorCode PdProblemDestroy(PdProblem *);

/* Data mode (`pdeop data <problem>`): before PdProblemSetFromOptions, choose the type's dataset
   recipe (darcy, ns-periodic, antiderivative); set-from-options then reads the data command's
   options (-n, -o and the recipe's), set-up builds what every sample shares. */
PETSC_EXTERN PetscErrorCode PdProblemSetDataMode(PdProblem, PetscBool);
/* -n and -o as read by set-from-options in data mode (the string belongs to the problem) */
PETSC_EXTERN PetscErrorCode PdProblemGetDataOptions(PdProblem, PetscInt *, const char **);
/* the registered types with a dataset recipe, as "a, b, c" */
PETSC_EXTERN PetscErrorCode PdProblemGetDataTypes(char[], size_t);
/* The shape of one sample's input and output (without the sample axis): ndim, shape each */
PETSC_EXTERN PetscErrorCode PdProblemGetSampleShapes(PdProblem, PetscInt *, PetscInt[], PetscInt *, PetscInt[]);
/* Sample index: one random instance from the stream (seed, index), its input and output as floats
   (not collective: each rank draws its own indices) */
PETSC_EXTERN PetscErrorCode PdProblemSample(PdProblem, PetscInt, float[], float[]);
/* For a driver's progress line: what the line counts (label) and how many of those one sample is
   (ns-periodic: units of simulated time; others: 1, "<type> samples"); and the line the next
   samples advance from done_before on, as sample index of n (NULL: none) */
PETSC_EXTERN PetscErrorCode PdProblemGetSampleWork(PdProblem, const char **, PetscInt *);
PETSC_EXTERN PetscErrorCode PdProblemSetSampleProgress(PdProblem, PdProgress *, PetscInt, PetscInt);
/* The dataset attributes of the recipe (pde, equation, n, seed, grid, ...) */
PETSC_EXTERN PetscErrorCode PdProblemGetDataAttributes(PdProblem, PdDict);
/* Collective: the recipe's keys of the `-report` JSON after n samples that took busy seconds over
   all ranks; and the one-line summary of `pdeop data` from that report */
PETSC_EXTERN PetscErrorCode PdProblemGetDataReport(PdProblem, double, PdDict);
PETSC_EXTERN PetscErrorCode PdProblemGetDataSummary(PdProblem, PdDict, char[], size_t);

/* poisson: the grid or mesh (a DMDA: finite differences; a DMPlex with a "boundary" label: P1
   FEM; the problem keeps a reference) and the manufactured solution, instead of the options */
PETSC_EXTERN PetscErrorCode PdProblemPoissonSetDM(PdProblem, DM);
PETSC_EXTERN PetscErrorCode PdProblemPoissonSetMMS(PdProblem, PdMMSType);
/* poisson: the L2 error against the manufactured solution after PdProblemSolve (-1 without one) */
PETSC_EXTERN PetscErrorCode PdProblemPoissonGetError(PdProblem, PetscReal *);

/* darcy, data mode: samples stored at res x res nodes, solved at fine x fine (-res, -fine) */
PETSC_EXTERN PetscErrorCode PdProblemDarcySetSampleGrid(PdProblem, PetscInt, PetscInt);
/* darcy, a solve: nodes per side (-da_grid_x wins when given) */
PETSC_EXTERN PetscErrorCode PdProblemDarcySetGridSize(PdProblem, PetscInt);

/* ns-periodic: grid points per side, viscosity, time step and final time, the initial vorticity
   (Taylor-Green wavenumber k, or 0 and a seed for the random field); before PdProblemSetUp */
PETSC_EXTERN PetscErrorCode PdProblemNSPeriodicSetGridSize(PdProblem, PetscInt);
PETSC_EXTERN PetscErrorCode PdProblemNSPeriodicSetViscosity(PdProblem, PetscReal);
PETSC_EXTERN PetscErrorCode PdProblemNSPeriodicSetTimes(PdProblem, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode PdProblemNSPeriodicSetInitial(PdProblem, PetscInt, PetscInt64);
/* system: the PETSc binary file of the matrix (and right-hand side) to solve */
PETSC_EXTERN PetscErrorCode PdProblemSystemSetFile(PdProblem, const char[]);
/* antiderivative (data mode only): sensors and fine points per interval; the kernel's length scale */
PETSC_EXTERN PetscErrorCode PdProblemAntiderivativeSetSensors(PdProblem, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode PdProblemAntiderivativeSetLengthScale(PdProblem, PetscReal);
/* ns-periodic, data mode: the stored and solved grids; the time step and the snapshots 1..T, the first t_in the input */
PETSC_EXTERN PetscErrorCode PdProblemNSPeriodicSetSampleGrid(PdProblem, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode PdProblemNSPeriodicSetSampleTimes(PdProblem, PetscReal, PetscInt, PetscInt);
/* cavity: parameters before PdProblemSetUp (the options -re, -n, -t_max set them too) */
PETSC_EXTERN PetscErrorCode PdProblemCavitySetReynolds(PdProblem, PetscReal);
PETSC_EXTERN PetscErrorCode PdProblemCavitySetGridSize(PdProblem, PetscInt);
PETSC_EXTERN PetscErrorCode PdProblemCavitySetMaxTime(PdProblem, PetscReal);
/* cavity: up to n more time steps (fewer when steady or at -t_max); *done says the run is over */
PETSC_EXTERN PetscErrorCode PdProblemCavityStep(PdProblem, PetscInt, PetscBool *);
/* cavity: the node fields u, v, p, psi, omega (each N x N, [j][i], walls included) of the current
   state, gathered on rank 0 (NULL on the other ranks); valid until the next step or destroy */
PETSC_EXTERN PetscErrorCode PdProblemCavityGetNodeFields(PdProblem, PetscInt *, const double *[5]);

/* The dataset driver (solvers/data/data.c), collective: samples 0..n-1 of a data-mode problem,
   each rank its contiguous share, gathered on rank 0 (ds holds the arrays and attributes there;
   elsewhere they are NULL; free with PdDatasetFree). Adds samples, seconds, samples_per_s,
   samples_per_s_per_core and the recipe's keys to report (may be NULL). */
PETSC_EXTERN PetscErrorCode PdDatasetGenerate(PdProblem, PetscInt, PdDataset *, PdDict);
