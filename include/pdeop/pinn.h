/* Physics-informed networks for the high-dimensional benchmark PDEs of the SDGD and STDE papers on
   the unit ball (Poisson, Allen-Cahn, Sine-Gordon with two- and three-body exact solutions), trained
   with Laplacians estimated by Taylor-mode jets (exact, SDGD, STDE). */
#pragma once
#include <pdeop/jet.h>
#include <pdeop/dict.h>
#include <pdeop/poisson.h>
#include <pdeop/train.h>

typedef enum { PD_PINN_POISSON,
               PD_PINN_ALLEN_CAHN,
               PD_PINN_SINE_GORDON } PdPinnPDE;
typedef enum { PD_PINN_TWO_BODY,
               PD_PINN_THREE_BODY } PdPinnSolution;
typedef enum { PD_PINN_HARD,
               PD_PINN_PENALTY } PdPinnBoundary;
/* Initial weights: Glorot-uniform U(+-sqrt(6/(in+out))) with zero biases, or the STDE reference code's
   "Kaiming-uniform": weights U(+-1/sqrt(in)), biases U(+-1/sqrt(length)) */
typedef enum { PD_PINN_INIT_GLOROT,
               PD_PINN_INIT_KAIMING } PdPinnInit;
/* A set of defaults: pdeop's own, or the STDE paper's protocol (3 hidden layers, Kaiming-uniform,
   evaluation every 1,000 steps) */
typedef enum { PD_PINN_PROTOCOL_DEFAULT,
               PD_PINN_PROTOCOL_STDE } PdPinnProtocol;
/* The right-hand side g: from the exact solution's Laplacian, or (three-body only) the STDE reference
   code's expression, which drops the chain-rule factors of d/dx_j exp(x_i x_{i+1} x_{i+2}): its g is not
   L u*, so a network trained on it converges to another function; for comparing with the paper */
typedef enum { PD_PINN_RHS_EXACT,
               PD_PINN_RHS_REFERENCE_CODE } PdPinnRHSType;
PETSC_EXTERN const char *const PdPinnPDEs[];
PETSC_EXTERN const char *const PdPinnSolutions[];
PETSC_EXTERN const char *const PdPinnBoundaries[];
PETSC_EXTERN const char *const PdPinnInits[];
PETSC_EXTERN const char *const PdPinnProtocols[];
PETSC_EXTERN const char *const PdPinnRHSTypes[];

typedef struct _n_PdPinn *PdPinn;

PETSC_EXTERN PetscErrorCode PdPinnCreate(MPI_Comm, PdPinn *);
PETSC_EXTERN PetscErrorCode PdPinnDestroy(PdPinn *);
/* The problem: PDE, exact solution, dimension and seed (coefficients c_i ~ N(0,1), network
   initialisation, sampling); PdPinnSetFromOptions reads the same from -pde -solution -dim -seed. */
PETSC_EXTERN PetscErrorCode PdPinnSetProblem(PdPinn, PdPinnPDE, PdPinnSolution, PetscInt, PetscInt64);
/* The coefficients' own seed (-1: the seed above; option -pinn_problem_seed), so that runs with
   several seeds solve one problem, as the STDE paper's five seeds do. */
PETSC_EXTERN PetscErrorCode PdPinnSetProblemSeed(PdPinn, PetscInt64);
/* Options: -protocol default|stde (read first: it sets the defaults of the others) -pde -solution
   -dim -seed -pinn_problem_seed -estimator exact|sdgd|stde -stde_dist sparse|rademacher|gaussian -stde_dirs V -batch B
   -iters N -boundary hard|penalty -boundary_weight -boundary_batch -test_points -eval_every
   -jet_max_rows -pinn_init glorot-uniform|kaiming-uniform -pinn_rhs exact|reference-code, the mlp's (-mlp_width 128 -mlp_depth 4
   -mlp_activation tanh) and the optimizer's (Adam, -lr 1e-3, -lr_schedule linear to 0 over the
   iterations). Builds the model. */
PETSC_EXTERN PetscErrorCode PdPinnSetFromOptions(PdPinn);
/* Before PdPinnSetFromOptions/PdPinnSetUp: the defaults of a protocol (hidden layers, initialisation,
   evaluation period), the initialisation alone, the evaluation period (0: none during training) */
PETSC_EXTERN PetscErrorCode PdPinnSetProtocol(PdPinn, PdPinnProtocol);
PETSC_EXTERN PetscErrorCode PdPinnSetInit(PdPinn, PdPinnInit);
PETSC_EXTERN PetscErrorCode PdPinnSetEvalEvery(PdPinn, PetscInt);
/* The right-hand side (option -pinn_rhs exact|reference-code; reference-code needs the three-body solution) */
PETSC_EXTERN PetscErrorCode PdPinnSetRHS(PdPinn, PdPinnRHSType);
/* The smallest relative L2 error over the evaluations on the run's test set (every -eval_every steps
   and each PdPinnEvaluate(pinn, 0)) and the iteration it was reached at; -1 and 0 if none yet */
PETSC_EXTERN PetscErrorCode PdPinnGetErrorMin(PdPinn, double *, PetscInt *);
PETSC_EXTERN PetscErrorCode PdPinnGetOptim(PdPinn, PdOptim *);
PETSC_EXTERN PetscErrorCode PdPinnGetModel(PdPinn, NOp *);
PETSC_EXTERN PetscErrorCode PdPinnSetUp(PdPinn);
/* Run the iterations (a progress line unless -quiet): the pinn-ball objective trained by PdTrainer;
   the loss of the last one. */
PETSC_EXTERN PetscErrorCode PdPinnTrain(PdPinn, double *);
/* The pinn-ball objective's PINN (see train.h's PdObjective; -iters steps by PdTrainer) */
PETSC_EXTERN PetscErrorCode PdObjectivePinnBallSetPinn(PdObjective, PdPinn);
/* Relative L2 error ||u - u*|| / ||u*|| on n held-out points (a Gaussian direction times a radius
   uniform in [0, 1], the STDE paper's sampling); n = 0 takes -test_points. */
PETSC_EXTERN PetscErrorCode PdPinnEvaluate(PdPinn, PetscInt, double *);
/* The held-out points of PdPinnEvaluate(pinn, n) as /points [n, d] in an HDF5 file */
PETSC_EXTERN PetscErrorCode PdPinnSaveTestPoints(PdPinn, PetscInt, const char[]);
/* Results: rel_l2 (after PdPinnEvaluate), rel_l2_min and rel_l2_min_iter (after evaluations on the
   test set), s_per_iter (wall clock of the training steps, evaluations excluded), cpu_s_per_iter
   (user + system), peak_memory_mb (peak resident set), iters, loss and the set-up. */
PETSC_EXTERN PetscErrorCode PdPinnReport(PdPinn, PdDict);
/* Checkpoint: the mlp, the optimizer state and the problem (attributes pinn_*, dataset c). */
PETSC_EXTERN PetscErrorCode PdPinnSave(PdPinn, const char[]);
PETSC_EXTERN PetscErrorCode PdPinnLoad(MPI_Comm, const char[], PdPinn *);
PETSC_EXTERN PetscErrorCode PdPinnResume(PdPinn, const char[]);
PETSC_EXTERN PetscErrorCode PdPinnSetCheckpoint(PdPinn, const char[], PetscInt);
PETSC_EXTERN PetscErrorCode PdPinnIsCheckpoint(MPI_Comm, const char[], PetscBool *);
/* u at n points x [n, d] */
PETSC_EXTERN PetscErrorCode PdPinnPredict(PdPinn, PetscInt, const float[], float[]);
/* The training's Laplacian estimate of u at n points, averaged over draws of the directions */
PETSC_EXTERN PetscErrorCode PdPinnLaplacianEstimate(PdPinn, PetscInt, const float[], PetscInt, PdRng *, double[]);
/* The exact solution u* and its Laplacian at n points (closed forms; with PD_PINN_RHS_REFERENCE_CODE
   the reference code's three-body expression in place of the Laplacian, the one g is made from) */
PETSC_EXTERN PetscErrorCode PdPinnExactSolution(PdPinn, PetscInt, const float[], double[], double[]);
PETSC_EXTERN PetscErrorCode PdPinnGetCoefficients(PdPinn, PetscInt *, const double **);
PETSC_EXTERN PetscErrorCode PdPinnGetDimension(PdPinn, PetscInt *);
PETSC_EXTERN PetscErrorCode PdPinnGetIterations(PdPinn, PetscInt *);
/* n points in the unit ball of R^d: x = r g/|g|, g ~ N(0, I), r ~ U[0, 1] (radius = 1: the sphere) */
PETSC_EXTERN PetscErrorCode PdPinnSampleBall(PdRng *, PetscInt, PetscInt, PetscBool, float[]);

/* ---- low-dimensional PINNs on PETSc meshes (solvers/train/impls/pinn_mesh/) ----

   -Laplace(u) + c u = f on a 2D simplicial DMPlex (PdScalarProblem: Poisson with f = 1 or a
   manufactured solution, or the Helmholtz benchmark of Wang, Teng & Perdikaris on [-1, 1]^2), the
   boundary condition as a penalty: loss = mean residual^2 + w mean (u - g)^2, the weight w fixed or
   annealed (w <- (1 - alpha) w + alpha max|grad_W L_r| / mean|grad_W (w L_b)| every few iterations).
   Collocation points are uniform in the cells and on the boundary faces; the PINN is compared with
   pdeop's own P1 FEM solution of the same problem on the same mesh. */
typedef enum { PD_PINN_WEIGHTS_FIXED,
               PD_PINN_WEIGHTS_ANNEALING } PdPinnWeights;
typedef enum { PD_PINN_ANNEAL_WEIGHTED,
               PD_PINN_ANNEAL_UNWEIGHTED } PdPinnAnnealForm;
PETSC_EXTERN const char *const PdPinnWeightsTypes[];
PETSC_EXTERN const char *const PdPinnAnnealForms[];
typedef struct _n_PdPinnMesh  *PdPinnMesh;
PETSC_EXTERN PetscErrorCode    PdPinnMeshCreate(MPI_Comm, PdPinnMesh *);
PETSC_EXTERN PetscErrorCode    PdPinnMeshDestroy(PdPinnMesh *);
PETSC_EXTERN PetscErrorCode    PdPinnMeshSetFromOptions(PdPinnMesh);
PETSC_EXTERN PetscErrorCode    PdPinnMeshSetUp(PdPinnMesh);
/* -iters steps: the pinn-mesh objective (its context the PdPinnMesh) trained by PdTrainer */
PETSC_EXTERN PetscErrorCode PdPinnMeshTrain(PdPinnMesh, double *);
PETSC_EXTERN PetscErrorCode PdObjectivePinnMeshSetPinn(PdObjective, PdPinnMesh);
PETSC_EXTERN PetscErrorCode PdPinnMeshPredict(PdPinnMesh, PetscInt, const float[], float[]);
PETSC_EXTERN PetscErrorCode PdPinnMeshPredictModel(NOp, PetscInt, const float[], float[]);
/* FEM solve and errors (rel_l2, rel_l2_fem, fem_rel_l2); the P1 fields PINN and PINN - FEM at the
   vertices on a boundary-free DM if dmout is not NULL */
PETSC_EXTERN PetscErrorCode PdPinnMeshEvaluate(PdPinnMesh, PdDict, DM *, Vec *, Vec *);
PETSC_EXTERN PetscErrorCode PdPinnMeshReport(PdPinnMesh, PdDict);
PETSC_EXTERN PetscErrorCode PdPinnMeshSave(PdPinnMesh, const char[]);
PETSC_EXTERN PetscErrorCode PdPinnMeshLoadProblem(MPI_Comm, const char[], PetscBool *, NOp *, PdScalarProblem *);
/* n points uniform in the cells (by area) / on the boundary faces (by length) */
PETSC_EXTERN PetscErrorCode PdPinnMeshSampleInterior(PdPinnMesh, PdRng *, PetscInt, float[]);
PETSC_EXTERN PetscErrorCode PdPinnMeshSampleBoundary(PdPinnMesh, PdRng *, PetscInt, float[]);
