/* NOp: a neural model object with PETSc's lifecycle (Create / SetType / SetFromOptions / SetUp /
   Forward / View / Destroy). Types: mlp, fno, deeponet, mgno, learned_ic. A model maps a batch
   [B, input sample shape] to [B, output sample shape] on a PdTape; learned_ic is a graph network,
   evaluated with NOpLearnedICForward. Taylor-mode jets (NOpJetForward) are in <pdeop/jet.h>. */
#pragma once
#include <pdeop/params.h>
#include <pdeop/optim.h>
#include <pdeop/dict.h>
#include <pdeop/io.h>

typedef struct _n_NOp *NOp;
typedef const char    *NOpType;
#define NOPMLP       "mlp"
#define NOPFNO       "fno"
#define NOPDEEPONET  "deeponet"
#define NOPMGNO      "mgno"
#define NOPLEARNEDIC "learned_ic"

/* Activations of dense layers (mlp, deeponet); the names are the option values. */
typedef enum { PD_ACT_TANH,
               PD_ACT_GELU,
               PD_ACT_RELU,
               PD_ACT_SIN,
               PD_ACT_SOFTPLUS } PdActivation;
PETSC_EXTERN const char *const PdActivations[];

PETSC_EXTERN PetscErrorCode NOpRegister(const char[], PetscErrorCode (*)(NOp));
PETSC_EXTERN PetscErrorCode NOpRegisterAll(void);

PETSC_EXTERN PetscErrorCode NOpCreate(MPI_Comm, NOp *);
PETSC_EXTERN PetscErrorCode NOpDestroy(NOp *);
PETSC_EXTERN PetscErrorCode NOpSetType(NOp, NOpType);
PETSC_EXTERN PetscErrorCode NOpGetType(NOp, NOpType *);
PETSC_EXTERN PetscErrorCode NOpGetComm(NOp, MPI_Comm *);
/* Per-sample shapes (without the batch dimension), e.g. from a dataset. */
PETSC_EXTERN PetscErrorCode NOpSetShapes(NOp, int, const PetscInt[], int, const PetscInt[]);
PETSC_EXTERN PetscErrorCode NOpGetShapes(NOp, int *, const PetscInt **, int *, const PetscInt **);
/* The dataset's samples (inputs, or outputs) have the model's spatial dimensions and channels. */
PETSC_EXTERN PetscErrorCode NOpCheckData(NOp, const PdDataset *, PetscBool, const char[]);
PETSC_EXTERN PetscErrorCode NOpSetSeed(NOp, PetscInt64);
PETSC_EXTERN PetscErrorCode NOpGetSeed(NOp, PetscInt64 *);
/* Whether NOpSetFromOptions reads -seed (default PETSC_TRUE). */
PETSC_EXTERN PetscErrorCode NOpSetSeedOption(NOp, PetscBool);
/* Options: -model <type> -seed <n> and the type's own (-mlp_width, -mlp_depth, -mlp_activation) */
PETSC_EXTERN PetscErrorCode NOpSetFromOptions(NOp);
PETSC_EXTERN PetscErrorCode NOpSetUp(NOp);
/* Per-channel normalisation applied around the type's forward (as the FNO reference's
   UnitGaussianNormalizer, but per channel so it holds at any resolution); saved in checkpoints.
   Arrays have one entry per input (output) channel, i.e. the first sample dimension. */
PETSC_EXTERN PetscErrorCode NOpSetNormalization(NOp, const double[], const double[], const double[], const double[]);
PETSC_EXTERN PetscErrorCode NOpGetNormalized(NOp, PetscBool *);
/* Recurrent use: the model maps the last t_in snapshots (its input channels) of a time series to
   the next one (one output channel), trained by unrolling K >= 1 steps; 0 means a direct map.
   Saved in checkpoints ("rollout", "t_in"), so eval and predict roll out without options. */
PETSC_EXTERN PetscErrorCode NOpSetRollout(NOp, PetscInt);
PETSC_EXTERN PetscErrorCode NOpGetRollout(NOp, PetscInt *);
PETSC_EXTERN PetscErrorCode NOpForward(NOp, PdTape, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode NOpView(NOp, PetscViewer);
PETSC_EXTERN PetscErrorCode NOpGetParams(NOp, PdParams *);
PETSC_EXTERN PetscErrorCode NOpGetParamCount(NOp, PetscInt *);
/* Type and hyperparameters as a dictionary (what a checkpoint records) and back. */
PETSC_EXTERN PetscErrorCode NOpGetMeta(NOp, PdDict);
PETSC_EXTERN PetscErrorCode NOpCreateFromMeta(MPI_Comm, PdDict, NOp *);
/* Predictions for every sample of in (split over ranks, complete on every rank): out gets the
   dataset of outputs (shape [N, model output at that resolution]), allocated here. */
PETSC_EXTERN PetscErrorCode NOpPredict(NOp, const PdDataset *, PetscInt, PdDataset *);

/* Checkpoints: NOpSave writes meta, parameters, optional optimizer state and the epoch;
   NOpLoad rebuilds the model from a checkpoint alone (no model options needed). */
PETSC_EXTERN PetscErrorCode NOpSave(NOp, const char[], PdOptim, PetscInt);
/* NOpSave with the training run's settings (PdTrainerGetSettings), which -resume restores */
PETSC_EXTERN PetscErrorCode NOpSaveTraining(NOp, const char[], PdOptim, PetscInt, PdDict);
PETSC_EXTERN PetscErrorCode NOpLoad(MPI_Comm, const char[], NOp *, PetscInt *);
/* after NOpLoad for -resume: -model and the type's options, if given, must agree with the file */
PETSC_EXTERN PetscErrorCode NOpCheckLoadedOptions(NOp, const char[]);

/* ---- type-specific set-up (before NOpSetUp; an error on a model of another type) ---- */
/* mlp: -mlp_width, -mlp_depth (hidden layers), -mlp_activation */
PETSC_EXTERN PetscErrorCode NOpMLPSetLayers(NOp, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode NOpMLPGetLayers(NOp, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode NOpMLPSetActivation(NOp, PdActivation);

/* ---- learned_ic: the graph network of the learned incomplete Cholesky factor ----

   The graph of a sparse SPD matrix scaled to unit diagonal: n nodes (unknowns), E directed edges
   j -> i (the nonzero off-diagonal entries A_ij: esrc[e] = j, edst[e] = i), and the factor's entries:
   lrow/lcol hold n + El (row, column) pairs, the n diagonal ones first, then the El strictly lower
   edges (i > j). Arrays belong to the caller. */
typedef struct {
  PetscInt        n, E, El;
  const PetscInt *esrc, *edst;
  const PetscInt *lrow, *lcol;
} NOpGraph;
#define NOP_LEARNEDIC_NODE_FEATURES 3 /* per node: 1, sum_j A_ij, sum_j |A_ij| of the scaled matrix */
/* -ic_width (W), -ic_layers (message-passing layers) */
PETSC_EXTERN PetscErrorCode NOpLearnedICSetLayers(NOp, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode NOpLearnedICGetLayers(NOp, PetscInt *, PetscInt *);
/* -ic_correction: predict a correction L = L_icc exp(c) to ICC(0)'s factor (default) or L itself */
PETSC_EXTERN PetscErrorCode NOpLearnedICSetCorrection(NOp, PetscBool);
PETSC_EXTERN PetscErrorCode NOpLearnedICGetCorrection(NOp, PetscBool *);
/* Node features [n, NOP_LEARNEDIC_NODE_FEATURES], edge values [E, 1], values of the strictly lower edges [El, 1], ICC(0)'s
   factor [n + El, 1] (tape tensors) -> the factor's values [n + El, 1] in the graph's ordering of lrow/lcol. */
PETSC_EXTERN PetscErrorCode NOpLearnedICForward(NOp, PdTape, const NOpGraph *, PdTensor, PdTensor, PdTensor, PdTensor, PdTensor *);
