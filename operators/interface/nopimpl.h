/* Private interface between the NOp object (operators/interface/nop.c) and its model types
   (operators/impls/mlp/mlp.c, ...): the ops table a type fills in its create function. */
#pragma once
#include <pdeop/nop.h>
#include <pdeop/jet.h>
#include <pdeop/ops.h>
#include <pdeop/rng.h>

/* A type's hyperparameters in one table (operators/interface/hyper.c): its options, and the
   attributes a checkpoint records them under, read back by NOpCreateFromMeta */
typedef enum { NOP_HYPER_INT,
               NOP_HYPER_BOOL,
               NOP_HYPER_ACTIVATION } NOpHyperKind;
typedef struct {
  const char  *key;    /* checkpoint attribute */
  const char  *option; /* options database key, "-fno_width" */
  const char  *help;
  NOpHyperKind kind;     /* the field is a PetscInt, a PetscBool or a PdActivation */
  size_t       offset;   /* offsetof(NOp_<Type>, field) */
  PetscBool    optional; /* absent from older checkpoints: the default stays */
  PetscInt     min, max; /* NOP_HYPER_INT: the values allowed (NOpHyperCheck) */
} NOpHyper;
/* widths, depths and counts: far above any model that fits in memory, far below overflow */
#define NOP_HYPER_INT_MAX 100000
typedef struct {
  const char     *title; /* of the options group: "FNO options" */
  const char     *man;   /* the manual page the options name: "NOpCreate_FNO" */
  PetscInt        n;
  const NOpHyper *h;
} NOpHyperTable;

struct _NOpOps {
  const NOpHyperTable *hyper; /* read and recorded before the setfromoptions, getmeta and setmeta below */
  PetscErrorCode (*setfromoptions)(NOp, PetscOptionItems *);
  PetscErrorCode (*check)(NOp);                                             /* optional: checks beyond the table's ranges (NOpHyperCheck runs both) */
  PetscErrorCode (*setup)(NOp);                                             /* declare parameters with PdParamsAdd on nop->params */
  PetscErrorCode (*forward)(NOp, PdTape, PdTensor, PdTensor *);             /* NULL: the type has no tensor-to-tensor forward (learned_ic) */
  PetscErrorCode (*jet)(NOp, PdTape, const PdJetSeed *, PetscInt, PdJet *); /* optional: Taylor-mode forward (NOpJetForward) */
  PetscErrorCode (*view)(NOp, PetscViewer);
  PetscErrorCode (*getmeta)(NOp, PdDict); /* hyperparameters */
  PetscErrorCode (*setmeta)(NOp, PdDict);
  PetscErrorCode (*destroy)(NOp);
};

struct _n_NOp {
  MPI_Comm       comm;
  char           type[64];
  struct _NOpOps ops;
  void          *data;
  PdParams       params;
  PetscInt64     seed;
  PetscBool      seed_option;  /* NOpSetFromOptions reads -seed (the PINNs own it: off) */
  PdRngStream    init_stream;  /* stream of the initial weights: PD_RNG_STREAM_NOP_INIT unless the type's create says otherwise */
  PetscBool      fixed_shapes; /* the type's create set the shapes (learned_ic); checkpoints need not record them */
  PetscBool      setupcalled;
  int            in_ndim, out_ndim; /* per-sample shapes, without the batch dimension */
  PetscInt       in_shape[PD_MAX_DIMS], out_shape[PD_MAX_DIMS];
  PetscInt       in_size, out_size;
  /* optional per-channel normalisation x' = (x - in_mean) / in_std, y = y' out_std + out_mean */
  PetscBool normalized;
  double   *in_mean, *in_std, *out_mean, *out_std;
  /* recurrent use (0: none): the model maps the last in_shape[0] snapshots of a time series to the
     next one and was trained unrolling this many steps (NOpSetRollout, saved in checkpoints) */
  PetscInt rollout;
};

/* fully connected stacks (operators/interface/dense.c), shared by mlp and deeponet */
typedef struct {
  PetscInt     n; /* layers */
  PdActivation act;
  PetscBool    act_last; /* activation after the last layer too (DeepONet's trunk) */
  PdTensor    *W, *b;
} PdDenseStack;
PETSC_EXTERN PetscErrorCode PdDenseStackSetUp(PdDenseStack *, PdParams, const char[], PetscInt, const PetscInt[], PdActivation, PetscBool);
PETSC_EXTERN PetscErrorCode PdDenseStackForward(PdDenseStack *, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdDenseStackDestroy(PdDenseStack *);
PETSC_EXTERN PetscErrorCode PdActivate(PdActivation, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode PdActivationFromString(MPI_Comm, const char[], PdActivation *);
/* the jet of a dense stack (smooth activation) on a seed: the network PdDenseStackForward evaluates */
PETSC_EXTERN PetscErrorCode PdDenseStackJetForward(PdDenseStack *, const PdJetSeed *, PetscInt, PdJet *);
PETSC_INTERN PetscErrorCode NOpHyperSetFromOptions(NOp, PetscOptionItems *);
PETSC_INTERN PetscErrorCode NOpHyperGetMeta(NOp, PdDict);
PETSC_INTERN PetscErrorCode NOpHyperSetMeta(NOp, PdDict);
/* the table's integer ranges, then the type's check (outside PetscOptionsBegin/End, whose items an error would leak) */
PETSC_INTERN PetscErrorCode NOpHyperCheck(NOp);
/* the setters NOpMLPSetLayers & co.: new values that the type's check rejects leave the model as it was */
PETSC_INTERN PetscErrorCode NOpHyperSetIntsChecked(NOp, PetscInt, PetscInt *const[], const PetscInt[]);
/* NOpMLPSetLayers & co.: the model's type must be this one, and it must not be set up yet */
PETSC_EXTERN PetscErrorCode NOpCheckTypeForSetter(NOp, NOpType, const char[]);

PETSC_EXTERN PetscErrorCode NOpCreate_MLP(NOp);
PETSC_EXTERN PetscErrorCode NOpCreate_FNO(NOp);
PETSC_EXTERN PetscErrorCode NOpCreate_DeepONet(NOp);
PETSC_EXTERN PetscErrorCode NOpCreate_MgNO(NOp);
PETSC_EXTERN PetscErrorCode NOpCreate_LearnedIC(NOp);
