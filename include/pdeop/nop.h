/* NOp: a neural model object with PETSc's lifecycle (Create / SetType / SetFromOptions / SetUp /
   Forward / View / Destroy). Types: mlp, fno, deeponet, mgno. A model maps
   a batch [B, input sample shape] to [B, output sample shape] on a PdTape. */
#pragma once
#include <pdeop/params.h>
#include <pdeop/optim.h>
#include <pdeop/dict.h>
#include <pdeop/io.h>

typedef struct _n_NOp *NOp;
typedef const char    *NOpType;
#define NOPMLP "mlp"
#define NOPFNO "fno"
#define NOPDEEPONET "deeponet"
#define NOPMGNO "mgno"

PETSC_EXTERN PetscFunctionList NOpList;
PETSC_EXTERN PetscErrorCode    NOpRegister(const char[], PetscErrorCode (*)(NOp));
PETSC_EXTERN PetscErrorCode    NOpRegisterAll(void);

PETSC_EXTERN PetscErrorCode NOpCreate(MPI_Comm, NOp *);
PETSC_EXTERN PetscErrorCode NOpDestroy(NOp *);
PETSC_EXTERN PetscErrorCode NOpSetType(NOp, NOpType);
PETSC_EXTERN PetscErrorCode NOpGetType(NOp, NOpType *);
PETSC_EXTERN PetscErrorCode NOpGetComm(NOp, MPI_Comm *);
/* Per-sample shapes (without the batch dimension), e.g. from a dataset. */
PETSC_EXTERN PetscErrorCode NOpSetShapes(NOp, int, const PetscInt[], int, const PetscInt[]);
PETSC_EXTERN PetscErrorCode NOpGetShapes(NOp, int *, const PetscInt **, int *, const PetscInt **);
PETSC_EXTERN PetscErrorCode NOpSetSeed(NOp, PetscInt64);
PETSC_EXTERN PetscErrorCode NOpGetSeed(NOp, PetscInt64 *);
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
PETSC_EXTERN PetscErrorCode NOpLoad(MPI_Comm, const char[], NOp *, PetscInt *);
