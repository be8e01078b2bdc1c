/* The preconditioner benchmark: CG over a sequence of systems (a PdFamily's or PETSc binary files'
   through a PdSystemList) with each of a list of preconditioners (PETSc's and the learned ones),
   timing set-up and solve separately, and for learned_sor the iterations of every fixed relaxation
   factor of its grid in hindsight. `pdeop precond bench` is its driver (cli/precond_bench.c);
   solvers/precond/bench.c. */
#pragma once
#include <petscksp.h>
#include <pdeop/dict.h>
#include <pdeop/learned.h>
#include <pdeop/systems.h>

typedef struct _n_PdPrecondBench *PdPrecondBench;

/* one method's totals over the sequence */
typedef struct {
  char           name[32];        /* the PC type (or dcdm, a KSP type of its own) */
  PetscInt       iterations;      /* summed over the systems */
  PetscReal      mean_iterations; /* per system */
  PetscInt       failed;          /* systems whose solve did not converge */
  PetscLogDouble setup, solve;    /* seconds, summed */
  PetscInt       fallbacks;       /* learned_ic: set-ups whose trial kept ICC(0) */
  PetscLogDouble trial;           /* learned_ic: seconds of its trials against ICC(0) */
} PdPrecondBenchResult;

PETSC_EXTERN PetscErrorCode PdPrecondBenchCreate(MPI_Comm, PdPrecondBench *);
/* -model -dcdm_model -sor_model -f a.petsc,b.petsc | -problem -res -count (and the family's
   options) -seed -rtol -methods -sor_hindsight; each method's KSP reads -<method>_ options at set-up */
PETSC_EXTERN PetscErrorCode PdPrecondBenchSetFromOptions(PdPrecondBench);
/* the systems: the first count of a family (set up or not) or of a list (count PETSC_DETERMINE:
   all of them); borrowed, they must outlive the benchmark */
PETSC_EXTERN PetscErrorCode PdPrecondBenchSetSystems(PdPrecondBench, PdFamily *, PdSystemList, PetscInt);
/* the preconditioners (default: every type for a family, icc gamg hypre and the learned ones with
   a model for files) */
PETSC_EXTERN PetscErrorCode PdPrecondBenchSetMethods(PdPrecondBench, PetscInt, const char *const[]);
PETSC_EXTERN PetscErrorCode PdPrecondBenchSetTolerance(PdPrecondBench, PetscReal);
/* model files of learned_ic, dcdm and learned_sor (NULL or "": none) */
PETSC_EXTERN PetscErrorCode PdPrecondBenchSetModels(PdPrecondBench, const char[], const char[], const char[]);
PETSC_EXTERN PetscErrorCode PdPrecondBenchSetHindsight(PdPrecondBench, PetscBool);
/* checks the settings and makes each method's KSP (which reads its options) */
PETSC_EXTERN PetscErrorCode PdPrecondBenchSetUp(PdPrecondBench);
PETSC_EXTERN PetscErrorCode PdPrecondBenchRun(PdPrecondBench);
PETSC_EXTERN PetscErrorCode PdPrecondBenchGetResults(PdPrecondBench, PetscInt *, const PdPrecondBenchResult *[]);
/* with learned_sor and hindsight: the grid's omegas and the iterations at each (NULL, 0 otherwise) */
PETSC_EXTERN PetscErrorCode PdPrecondBenchGetHindsight(PdPrecondBench, PetscInt *, const PetscReal *[], const PetscInt *[]);
/* the systems run, and their description */
PETSC_EXTERN PetscErrorCode PdPrecondBenchGetSystems(PdPrecondBench, PetscInt *, const char *[]);
/* the table (and the hindsight lines) */
PETSC_EXTERN PetscErrorCode PdPrecondBenchView(PdPrecondBench);
/* <method>_iterations, _setup_seconds, _solve_seconds, _total_seconds, _failed, learned_ic_fallbacks,
   learned_ic_trial_seconds, sor_fixed_omega_k, sor_fixed_iterations_k, sor_best_omega,
   sor_best_fixed_iterations, sor_default_omega_iterations, systems, family */
PETSC_EXTERN PetscErrorCode PdPrecondBenchReport(PdPrecondBench, PdDict);
PETSC_EXTERN PetscErrorCode PdPrecondBenchDestroy(PdPrecondBench *);
