/* Private to solvers/: the PdProblem structure and its ops table, filled by each type's create
   function (solvers/pde/impls/<type>/), and the numerics the types share with the public functions. */
#pragma once
#include <pdeop/problem.h>
#include <pdeop/solve.h>

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
} PdProblemOps;

struct _n_PdProblem {
  MPI_Comm     comm;
  char         type[64];
  char        *prefix;
  PdProblemOps ops;
  void        *data;
  PetscBool    setfromoptionscalled, setupcalled, solved;
  PdDict       results; /* the report of the solve and the writes, in the order they were made */
};

/* The types (impls/<type>/<type>.c) */
PETSC_INTERN PetscErrorCode PdProblemCreate_Poisson(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemCreate_Darcy(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemCreate_Cavity(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemCreate_NSPeriodic(PdProblem);
PETSC_INTERN PetscErrorCode PdProblemCreate_System(PdProblem);

/* Error unless p is of the type (for the type-specific functions) */
PETSC_INTERN PetscErrorCode PdProblemCheckType(PdProblem, PdProblemType, const char[]);

/* Poisson numerics (solvers/pde/poisson.c) split into set-up and solve for the object:
   the FD KSP (rediscretising for -pc_type mg), b and u on a DMDA; the P1 FEM operator, b and u on
   a DMPlex (the DM keeps the problem) and its KSP. */
PETSC_INTERN PetscErrorCode PdPoissonFDSetUp(DM, PdMMSType, const char[], KSP *, Vec *, Vec *);
PETSC_INTERN PetscErrorCode PdScalarFEMSetUp(DM, const PdScalarProblem *, const char[], Mat *, Vec *, Vec *, KSP *);
PETSC_INTERN PetscErrorCode PdScalarFEMError(DM, const PdScalarProblem *, Vec, PetscReal *);
