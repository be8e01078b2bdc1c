/* Learned preconditioners: the graph and factor of the learned incomplete Cholesky preconditioner
   (-pc_type learned_ic; its network is the NOp type learned_ic), the families of systems they are
   trained on, and their training. */
#pragma once
#include <petscksp.h>
#include <petscdmda.h>
#include <pdeop/dict.h>
#include <pdeop/params.h>
#include <pdeop/nop.h>
#include <pdeop/problem.h>

/* ---- families of sparse SPD systems made with pdeop's own solvers ----
   A family is a thin layer over a PdProblem (<pdeop/problem.h>) of a type that supports families
   (implements the per-index operator: darcy, poisson, cavity; PdProblemTypeHasFamily): the type
   assembles system s on the family's grid, the family adds the grid and the right-hand sides. */
typedef enum { PD_COEF_THRESHOLD,
               PD_COEF_LOGNORMAL } PdFamilyCoefficient;
PETSC_EXTERN const char *const PdFamilyCoefficients[];

typedef struct {
  char                problem[64]; /* the PdProblem type (default darcy) */
  PdFamilyCoefficient coefficient;
  PetscInt            res;        /* nodes per side */
  PetscInt            dim;        /* 2, or 3 (poisson and darcy) */
  PetscInt64          seed;       /* system s draws its coefficient from the stream (seed, 2s), its right-hand sides from (seed, 2s + 1) */
  PetscReal           alpha, tau; /* random field of the coefficient */
  PetscReal           sigma;      /* log-normal amplitude */
  PetscBool           rhs_ones;   /* right-hand side 0 is f = 1, the PDE's own (the type's family set-up may say not) */
  PdProblem           prob;       /* of type problem: assembles the operators (made by set-from-options or set-up) */
  DM                  da;         /* res^dim node grid, on one rank */
} PdFamily;

/* Options (prefix-free): -problem (a type that supports families) -dim 2|3 -darcy_coefficient
   threshold|lognormal -darcy_alpha -darcy_tau -darcy_sigma; res and seed come from the caller. */
PETSC_EXTERN PetscErrorCode PdFamilyCreate(PetscInt, PetscInt64, PdFamily *);
/* the problem type (an error unless it supports families, listing those that do); before set-up */
PETSC_EXTERN PetscErrorCode PdFamilySetProblem(PdFamily *, PdProblemType);
PETSC_EXTERN PetscErrorCode PdFamilySetFromOptions(PdFamily *);
/* for commands that take -f files or a family: the -f / family options checked, the family created
   (and set from options without -f): comm, setf, setres, setcount, res, seed */
PETSC_EXTERN PetscErrorCode PdFamilyCreateFromOptions(MPI_Comm, PetscBool, PetscBool, PetscBool, PetscInt, PetscInt64, PdFamily *);
PETSC_EXTERN PetscErrorCode PdFamilySetUp(PdFamily *);
/* the same family (parameters, not its grid or problem) with another seed: held-out systems */
PETSC_EXTERN PetscErrorCode PdFamilyDuplicate(const PdFamily *, PetscInt64, PdFamily *);
PETSC_EXTERN PetscErrorCode PdFamilyDestroy(PdFamily *);
PETSC_EXTERN PetscErrorCode PdFamilyDescribe(const PdFamily *, char[], size_t);
/* Unknowns of each system: res^dim */
PETSC_EXTERN PetscInt PdFamilyUnknowns(const PdFamily *);
/* A new matrix (SeqAIJ on PETSC_COMM_SELF) or refill one made by an earlier call */
PETSC_EXTERN PetscErrorCode PdFamilyOperator(PdFamily *, PetscInt, Mat *);
/* Right-hand side k of system s: k = 0 is f = 1 (the PDE's own; for the cavity a smooth random
   source), odd k a smooth random source (a Gaussian random field, alpha = 2, tau = 3; in 3D a sine
   series with the same spectral decay), even k > 0 white noise; zero on the boundary rows. */
PETSC_EXTERN PetscErrorCode PdFamilyRHS(PdFamily *, PetscInt, PetscInt, Vec);
/* CG iterations (from a zero guess, to rtol) of A x = b with SSOR (local symmetric sweeps) at each of
   K omegas; its[k] = -1 when the solve did not converge. Used to train learned_sor and to find the
   best fixed omega in hindsight. */
PETSC_EXTERN PetscErrorCode PdSSORIterations(Mat, Vec, Vec, PetscReal, PetscInt, const PetscReal[], PetscInt[]);

/* ---- learned incomplete Cholesky ----
   The network is an NOp of type learned_ic (<pdeop/nop.h>: NOpLearnedICForward, -ic_width,
   -ic_layers), saved and loaded with NOpSave/NOpLoad like every model; here are the parts that need
   the matrix: its graph, the training loss and the factor. */
typedef struct _n_PdICGraph *PdICGraph;

/* The graph of a sequential AIJ matrix: unknowns as nodes, off-diagonal nonzeros as edges, values
   scaled to unit diagonal (D^-1/2 A D^-1/2). A non-positive diagonal entry is an error (not SPD). */
PETSC_EXTERN PetscErrorCode PdICGraphCreate(Mat, PdICGraph *);
/* The factor's pattern: IC(levels) (level of fill, as PETSc's ICC(k); 0 is ICC(0)'s, A's lower part)
   in an ordering the graph computes from the matrix: natural, or lines (PdICLinesOrdering: the
   lines of strong coupling numbered as the slow index; natural when the matrix has none). Fill
   entries are edges of value 0. The factor is applied in the matrix's own order. */
typedef enum { PD_IC_ORDERING_NATURAL,
               PD_IC_ORDERING_LINES } PdICOrdering;
PETSC_EXTERN const char *const PdICOrderings[];
#define PD_IC_MAX_LEVELS 2
PETSC_EXTERN PetscErrorCode PdICGraphCreatePattern(Mat, PetscInt, PdICOrdering, PdICGraph *);
PETSC_EXTERN PetscErrorCode PdICGraphGetPattern(PdICGraph, PetscInt *, PdICOrdering *, PetscBool *);
/* whether the graph's own factor is PETSc's ICC(0) of the matrix (pattern 0, natural, no explicit zeros) */
PETSC_EXTERN PetscErrorCode PdICGraphIsICC(PdICGraph, PetscBool *);
PETSC_EXTERN PetscErrorCode PdICLinesOrdering(Mat, PetscInt **);
/* a learned_ic model's pattern: levels and the ordering as a PdICOrdering's number (NOp options
   -ic_levels, -ic_ordering; recorded in its file; the NOp is operators/impls/learned_ic) */
PETSC_EXTERN PetscErrorCode NOpLearnedICSetPattern(NOp, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode NOpLearnedICGetPattern(NOp, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode PdICGraphDestroy(PdICGraph *);
/* Attach (x, b) pairs of A x = b (columns of n x P arrays, unscaled) for the training loss. */
PETSC_EXTERN PetscErrorCode PdICGraphSetPairs(PdICGraph, PetscInt, const double[], const double[]);
/* Training loss of one system: mean over pairs of ||L L^T x - b||^2 / ||b||^2 in the scaled
   variables (recorded on the tape; backward gives the parameter gradients). */
PETSC_EXTERN PetscErrorCode PdLearnedICLoss(NOp, PdTape, PdICGraph, PdTensor *);

/* The factor L (lower triangular, A's sparsity, positive diagonal) the model predicts for a
   matrix, applied as M^-1 r = D^-1/2 L^-T L^-1 D^-1/2 r. The tape (no gradients) is reset and
   reused; NULL makes a temporary one. */
typedef struct _n_PdICFactor *PdICFactor;
PETSC_EXTERN PetscErrorCode   PdLearnedICFactor(NOp, PdTape, PdICGraph, PdICFactor *);
/* IC(levels) of the graph's matrix on its pattern and ordering (the factor an untrained correction
   model predicts; ICC(0) for the default pattern) and its diagonal shift */
PETSC_EXTERN PetscErrorCode PdICGraphICCFactor(PdICGraph, PdICFactor *, PetscReal *);
PETSC_EXTERN PetscErrorCode PdICFactorApply(PdICFactor, const PetscScalar[], PetscScalar[]);
/* the same as a PCSHELL's apply, the shell's context being the factor */
PETSC_EXTERN PetscErrorCode PdICFactorShellApply(PC, Vec, Vec);
PETSC_EXTERN PetscErrorCode PdICFactorMult(PdICFactor, const PetscScalar[], PetscScalar[]);
PETSC_EXTERN PetscErrorCode PdICFactorGetSize(PdICFactor, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode PdICFactorDestroy(PdICFactor *);

/* Ritz pairs of a sequential SPD matrix by Lanczos (m steps, full reorthogonalisation): values
   ascending, unit vectors as rows of a float [m, n] array; m is lowered if the space is exhausted. */
PETSC_EXTERN PetscErrorCode PdRitzVectors(Mat, PetscInt *, PetscInt64, PetscReal **, float **);

/* PETSc types: -pc_type learned_ic (-pc_learned_model file.h5), -ksp_type dcdm (-ksp_dcdm_model) */
typedef enum { PC_LEARNED_IC_FALLBACK_NONE,
               PC_LEARNED_IC_FALLBACK_ICC } PCLearnedICFallback;
PETSC_EXTERN const char *const PCLearnedICFallbacks[];
/* "learned", "icc" (the trial kept ICC(0)), "mixed" (on some ranks' blocks) or "none" (no set-up) */
PETSC_EXTERN PetscErrorCode PCLearnedICGetRan(PC, const char **);
/* trials against ICC(0) run, set-ups done (-pc_learned_ic_trial_every keeps a verdict in between), trials' seconds */
PETSC_EXTERN PetscErrorCode PCLearnedICGetTrials(PC, PetscInt *, PetscInt *, PetscLogDouble *);
PETSC_EXTERN PetscErrorCode PCCreate_LearnedIC(PC);
PETSC_EXTERN PetscErrorCode KSPCreate_DCDM(KSP);
