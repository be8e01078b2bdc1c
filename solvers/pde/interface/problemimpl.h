/* Private to solvers/: the PdProblem structure and its ops table, filled by each type's create
   function (solvers/pde/impls/<type>/), and the numerics the types share with the public functions. */
#pragma once
#include <pdeop/problem.h>
#include <pdeop/solve.h>
#include <pdeop/learned.h>

typedef struct {
  PetscErrorCode (*setfromoptions)(PdProblem);
  PetscErrorCode (*setup)(PdProblem);
  PetscErrorCode (*solve)(PdProblem);
  PetscErrorCode (*getsolution)(PdProblem, DM *, Vec *);
  PetscErrorCode (*getoperator)(PdProblem, Mat *, Vec *);
  PetscErrorCode (*getreport)(PdProblem, PdDict); /* after the generic results (p->results) */
  PetscErrorCode (*writefields)(PdProblem);
  PetscErrorCode (*view)(PdProblem, PetscViewer);
  PetscErrorCode (*destroy)(PdProblem);
  PetscErrorCode (*setseed)(PdProblem, PetscInt64);     /* the solve's random input (NULL: none) */
  PetscErrorCode (*setdataseed)(PdProblem, PetscInt64); /* the dataset's stream (NULL: no recipe) */
  /* data mode (`pdeop data`, PdProblemSetDataMode): the type's dataset recipe */
  PetscErrorCode (*datasetfromoptions)(PdProblem); /* the command's options, -n and -o included */
  PetscErrorCode (*datasetup)(PdProblem);
  PetscErrorCode (*getsampleshapes)(PdProblem, PetscInt *, PetscInt[], PetscInt *, PetscInt[]);
  PetscErrorCode (*sample)(PdProblem, PetscInt, float[], float[]);
  PetscErrorCode (*getsamplework)(PdProblem, const char **, PetscInt *); /* default "<type> samples", 1 */
  PetscErrorCode (*getdataattributes)(PdProblem, PdDict);
  PetscErrorCode (*getdatareport)(PdProblem, double, PdDict); /* collective; the summed busy seconds */
  PetscErrorCode (*getdatasummary)(PdProblem, PdDict, char[], size_t);
  PetscErrorCode (*datadestroy)(PdProblem);
  /* families of systems (PdFamily): system s on the family's grid f->da into a matrix of that grid
     (a type that sets it supports families); optional: the type's checks of the family's parameters
     and its defaults (called before the grid is made), the family's one-line description of the
     grid's (default "<type> <grid>") */
  PetscErrorCode (*familyoperator)(PdProblem, const PdFamily *, PetscInt, Mat);
  PetscErrorCode (*familysetup)(PdProblem, PdFamily *);
  PetscErrorCode (*familydescribe)(PdProblem, const PdFamily *, const char[], char[], size_t);
} PdProblemOps;

struct _n_PdProblem {
  MPI_Comm     comm;
  char         type[64];
  char        *prefix;
  PdProblemOps ops;
  void        *data;
  PetscBool    setfromoptionscalled, setupcalled, solved;
  PdDict       results;                    /* the report of the solve and the writes, in the order they were made */
  PetscBool    datamode;                   /* set-from-options and set-up follow the dataset recipe */
  PetscInt     nsamples;                   /* data mode: -n */
  char         output[PETSC_MAX_PATH_LEN]; /* data mode: -o */
  void        *sdata;                      /* data mode: the type's sampling state */
  PdProgress  *progress;                   /* data mode: the line a sample advances (may be NULL) */
  PetscInt     progress_base, progress_n;  /* its count before this sample; the samples in all */
  char         worklabel[96];
  /* where the type keeps its solution, its DM and its linear system (PdProblemSetFields); read by
     PdProblemGetSolution and PdProblemGetOperator unless the ops getsolution, getoperator are set */
  DM  *field_dm;
  Vec *field_u, *field_b;
  Mat *field_A;
  char osystem[PETSC_MAX_PATH_LEN]; /* -o_system: the assembled system A, b in PETSc binary */
};

/* The types (impls/<type>/<type>.c) */
/* capabilities by method: whether a registered type sets the method at offsetof(PdProblemOps, m), and
   the types that do, joined by sep and the last two by last (problem.c) */
PETSC_INTERN PetscErrorCode PdProblemTypeHasOp(const char[], size_t, PetscBool *);
PETSC_INTERN PetscErrorCode PdProblemListTypesWithOp(size_t, const char[], const char[], char[], size_t);
PETSC_INTERN PetscErrorCode PdProblemCreate_Poisson(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemCreate_Darcy(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemCreate_Cavity(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemCreate_NSPeriodic(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemCreate_System(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemCreate_Antiderivative(PdProblem);
/* The data-mode ops of the types that have a dataset recipe (impls/<type>/<type>_data.c) */
PETSC_INTERN PetscErrorCode PdProblemSetDataOps_Darcy(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemSetDataOps_NSPeriodic(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemNSPeriodicSetDataViscosity(PdProblem, PetscReal);

/* A type's create names the fields of its data that hold the DM, the solution, the matrix and the
   right-hand side (any may be NULL: none), so the generic accessors return them */
PETSC_INTERN PetscErrorCode PdProblemSetFields(PdProblem, DM *, Vec *, Mat *, Vec *);

/* Error unless p is of the type (for the type-specific functions) */
PETSC_INTERN PetscErrorCode PdProblemCheckType(PdProblem, PdProblemType, const char[]);
/* ... and not set up yet (for the setters) */
PETSC_INTERN PetscErrorCode PdProblemCheckSetter(PdProblem, PdProblemType, const char[]);

/* Poisson numerics (solvers/pde/poisson.c) split into set-up and solve for the object:
   the FD KSP (rediscretising for -pc_type mg), b and u on a DMDA; the P1 FEM operator, b and u on
   a DMPlex (the DM keeps the problem) and its KSP. */
PETSC_INTERN PetscErrorCode PdPoissonFDSetUp(DM, PdMMSType, const char[], KSP *, Vec *, Vec *);
PETSC_INTERN PetscErrorCode PdScalarFEMSetUp(DM, const PdScalarProblem *, const char[], Mat *, Vec *, Vec *, KSP *);
PETSC_INTERN PetscErrorCode PdScalarFEMError(DM, const PdScalarProblem *, Vec, PetscReal *);

/* One row of a stencil operator at the point row (solvers/pde/stencil.c): its n entries, the
   diagonal usually first; PdDMDAAssembleSPD calls it for each owned point of the DMDA */
#define PD_STENCIL_MAX 7
typedef PetscErrorCode (*PdStencilRowFn)(void *, MatStencil, PetscInt *, MatStencil[], PetscScalar[]);
PETSC_INTERN PetscErrorCode PdDMDAAssembleSPD(DM, Mat, PdStencilRowFn, void *);
