/* Tensors and the reverse-mode autodiff tape: the core data structures of the pdeop engine.
   Every network in pdeop is built from operations that record themselves on a PdTape. */
#pragma once
#include <petscsys.h>
#include <petscviewer.h>

#define PD_MAX_DIMS 5

typedef struct _n_PdTensor *PdTensor;
typedef struct _n_PdTape   *PdTape;

/* Every recorded operation. Adding one: append here and name it in PdOpNames (tensor.c);
   a static assertion there breaks the build if the two disagree. */
typedef enum {
  PD_OP_LEAF,
  PD_OP_MATMUL,
  PD_OP_BMM,
  PD_OP_LINEAR,
  PD_OP_ADD,
  PD_OP_SUB,
  PD_OP_MUL,
  PD_OP_DIV,
  PD_OP_SCALE,
  PD_OP_ADD_SCALAR,
  PD_OP_SUM,
  PD_OP_MEAN,
  PD_OP_SUM_DIM,
  PD_OP_TANH,
  PD_OP_SIN,
  PD_OP_COS,
  PD_OP_EXP,
  PD_OP_GELU,
  PD_OP_RELU,
  PD_OP_SOFTPLUS,
  PD_OP_SQUARE,
  PD_OP_CONCAT,
  PD_OP_SLICE,
  PD_OP_RESHAPE,
  PD_OP_CHANNEL_MIX,
  PD_OP_SPECTRAL_CONV,
  PD_OP_CONV3X3,
  PD_OP_CONV3X3_T,
  PD_OP_MSE,
  PD_OP_REL_L2,
  PD_OP_GATHER,
  PD_OP_SCATTER_ADD,
  PD_OP_EDGE_MATVEC,
  PD_OP_JET_ACTIVATION,
  PD_OP_GATHER_COLUMNS,
  PD_OP_CHANNEL_MIX_FUSED,
  PD_OP_MAT_APPLY,
  PD_OP_PC_APPLY,
  PD_OP_SWAP_LEADING,
  PD_OP_CHANNEL_MLP,
  PD_OP_COUNT
} PdOpType;

PETSC_EXTERN const char *const PdOpNames[];

typedef PetscErrorCode (*PdBackwardFn)(PdTensor);

/* A tensor: contiguous row-major float32, up to PD_MAX_DIMS dimensions.
   Leaves owned by a PdParams (parameters) or by the caller have tape == NULL.
   grad is NULL when no gradient flows to this tensor. */
struct _n_PdTensor {
  int          ndim;
  PetscInt     shape[PD_MAX_DIMS];
  PetscInt     size;
  float       *data;
  float       *grad;
  PdTape       tape;
  PdOpType     op;
  PdTensor     src[4];
  PdBackwardFn backward;
  PetscInt     iarg[8];        /* op-specific integers saved for backward */
  float        farg[4];        /* op-specific scalars saved for backward */
  void        *aux;            /* op-specific scratch from the tape's arena */
  const char  *name;           /* parameter name, or NULL */
  PetscBool    grad_unset;     /* grad allocated but never written (PdTapeNewNodeUnsetGrad): not zero yet */
  PetscBool    grad_overwrite; /* this node's backward honours its sources' grad_unset (PdGradFirstWrite) */
};

PETSC_EXTERN PetscErrorCode PdTapeCreate(MPI_Comm, PdTape *);
PETSC_EXTERN PetscErrorCode PdTapeDestroy(PdTape *);
PETSC_EXTERN PetscErrorCode PdTapeReset(PdTape);
PETSC_EXTERN PetscErrorCode PdTapeSetGradEnabled(PdTape, PetscBool);
PETSC_EXTERN PetscErrorCode PdTapeGetGradEnabled(PdTape, PetscBool *);
PETSC_EXTERN PetscErrorCode PdTapeGetComm(PdTape, MPI_Comm *);
PETSC_EXTERN PetscErrorCode PdTapeBackward(PdTape, PdTensor);
PETSC_EXTERN PetscErrorCode PdTapeBackwardSeeded(PdTape, PdTensor);
PETSC_EXTERN PetscErrorCode PdTapeGetArenaSize(PdTape, size_t *, PetscInt *);
PETSC_EXTERN PetscErrorCode PdTapeAlloc(PdTape, size_t, void **);
/* The same without zeroing, for scratch an op overwrites entirely before reading it. */
PETSC_EXTERN PetscErrorCode PdTapeAllocUninit(PdTape, size_t, void **);
/* A point in the tape's arena. PdTapeRelease gives back everything allocated after PdTapeGetMark, for an
   operation's scratch: nothing allocated in between may be used after the release. */
typedef struct {
  void  *block;
  size_t used;
} PdTapeMark;
PETSC_EXTERN PetscErrorCode PdTapeGetMark(PdTape, PdTapeMark *);
PETSC_EXTERN PetscErrorCode PdTapeRelease(PdTape, const PdTapeMark *);
/* uninitialised memory in transparent huge pages where Linux gives them (large arrays filled once) */
PETSC_EXTERN PetscErrorCode PdMallocHuge(size_t *, void **);
PETSC_EXTERN PetscErrorCode PdFreeHuge(void *);
/* Leaves on the tape; the caller fills ->data (not initialised). */
PETSC_EXTERN PetscErrorCode PdTapeInput(PdTape, int, const PetscInt[], PdTensor *);
PETSC_EXTERN PetscErrorCode PdTapeVariable(PdTape, int, const PetscInt[], PdTensor *);

/* Used by operation implementations */
PETSC_EXTERN PetscErrorCode PdTapeNewNode(PdTape, PdOpType, int, const PetscInt[], PetscBool, PdTensor *);
/* PdTapeNewNodeUnsetGrad: the same, but the gradient is not zeroed: the first backward that writes it
   overwrites (PdGradFirstWrite), and the reverse sweep zeroes it only before a backward that does not
   know this (grad_overwrite false) or when nothing wrote it. A seed must then be assigned, not added. */
PETSC_EXTERN PetscErrorCode PdTapeNewNodeUnsetGrad(PdTape, PdOpType, int, const PetscInt[], PetscBool, PdTensor *);
/* PdTapeRecord: PdTapeNewNode for an op on up to three inputs (NULL: none), which become its sources
   src[0..2]; it needs a gradient when one of them has one (PdNeedsGrad), and backward is its rule. */
PETSC_EXTERN PetscErrorCode PdTapeRecord(PdTape, PdOpType, int, const PetscInt[], PdBackwardFn, PdTensor, PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscBool      PdGradFirstWrite(PdTensor);
PETSC_EXTERN PetscErrorCode PdOpGetTape(PdTensor, PdTensor, PdTensor, PdTape *);
PETSC_EXTERN PetscBool      PdNeedsGrad(PdTape, PdTensor, PdTensor, PdTensor);

/* Shape helpers */
PETSC_EXTERN PetscErrorCode PdShapeSize(int, const PetscInt[], PetscInt *);
PETSC_EXTERN PetscErrorCode PdShapeString(int, const PetscInt[], char[], size_t);
PETSC_EXTERN PetscBool      PdShapeEqual(PdTensor, PdTensor);

/* Standalone tensors (not on any tape): for data, parameters owned by callers, tests */
PETSC_EXTERN PetscErrorCode PdTensorCreate(int, const PetscInt[], PetscBool, PdTensor *);
PETSC_EXTERN PetscErrorCode PdTensorDestroy(PdTensor *);
PETSC_EXTERN PetscErrorCode PdTensorView(PdTensor, PetscViewer);
