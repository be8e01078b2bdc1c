/* Where the engine meets PETSc's linear algebra: one sparse matrix (Mat) or preconditioner (PC) per
   sample of a batch applied to a tensor on the tape, y_b = A_b x_b, with the transpose in backward.
   Residual losses of PDE discretisations (A u - f) and their preconditioned forms use them. */
#include <pdeop/ops.h>

typedef enum { APPLY_MAT,
               APPLY_PC } ApplyKind;

typedef struct {
  ApplyKind kind;
  PetscInt  n;  /* samples */
  void    **op; /* n Mats or PCs: the caller's, which must stay alive until backward */
} ApplyCtx;

/* the sizes of sample b's operator (a PC's: of its operator) on one process */
static PetscErrorCode OperatorSizes(const ApplyCtx *c, PetscInt b, PetscInt *rows, PetscInt *cols)
{
  Mat         A = (Mat)c->op[b];
  PetscMPIInt size;

  PetscFunctionBegin;
  if (c->kind == APPLY_PC) {
    PetscBool set;
    PetscCall(PCGetOperatorsSet((PC)c->op[b], &set, NULL));
    PetscCheck(set, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "PdPCApply: the preconditioner of sample %" PetscInt_FMT " has no operator: call PCSetOperators first", b);
    PetscCall(PCGetOperators((PC)c->op[b], &A, NULL));
  }
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)A), &size));
  PetscCheck(size == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: the operator of sample %" PetscInt_FMT " lives on %d processes; each rank applies its samples' operators alone, so create them on PETSC_COMM_SELF", c->kind == APPLY_MAT ? "PdMatApply" : "PdPCApply", b, size);
  PetscCall(MatGetSize(A, rows, cols));
  PetscFunctionReturn(0);
}

/* out = A_b in, or its transpose */
static PetscErrorCode ApplyOne(const ApplyCtx *c, PetscInt b, PetscBool transpose, Vec in, Vec out)
{
  PetscFunctionBegin;
  if (c->kind == APPLY_MAT) {
    if (transpose) PetscCall(MatMultTranspose((Mat)c->op[b], in, out));
    else PetscCall(MatMult((Mat)c->op[b], in, out));
  } else {
    if (transpose) PetscCall(PCApplyTranspose((PC)c->op[b], in, out));
    else PetscCall(PCApply((PC)c->op[b], in, out));
  }
  PetscFunctionReturn(0);
}

/* for each sample b: dst_b (+)= A_b src_b (or A_b^T), floats in, floats out, the product in double */
static PetscErrorCode ApplyAll(const ApplyCtx *c, PetscBool transpose, PetscBool add, PetscInt nin, const float *src, PetscInt nout, float *dst)
{
  Vec vin, vout;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_PetscApply, 0, 0, 0, 0));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, nin, &vin));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, nout, &vout));
  for (PetscInt b = 0; b < c->n; b++) {
    PetscScalar       *xi;
    const PetscScalar *yo;
    const float       *s = src + b * nin;
    float             *d = dst + b * nout;

    PetscCall(VecGetArrayWrite(vin, &xi));
    for (PetscInt i = 0; i < nin; i++) xi[i] = s[i];
    PetscCall(VecRestoreArrayWrite(vin, &xi));
    PetscCall(ApplyOne(c, b, transpose, vin, vout));
    PetscCall(VecGetArrayRead(vout, &yo));
    if (add)
      for (PetscInt i = 0; i < nout; i++) d[i] += (float)PetscRealPart(yo[i]);
    else
      for (PetscInt i = 0; i < nout; i++) d[i] = (float)PetscRealPart(yo[i]);
    PetscCall(VecRestoreArrayRead(vout, &yo));
  }
  PetscCall(VecDestroy(&vin));
  PetscCall(VecDestroy(&vout));
  PetscCall(PetscLogEventEnd(PD_EVENT_PetscApply, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode ApplyBackward(PdTensor y)
{
  PdTensor        x = y->src[0];
  const ApplyCtx *c = (const ApplyCtx *)y->aux;

  PetscFunctionBegin;
  /* y_b = A_b x_b;  dx_b += A_b^T dy_b */
  if (x->grad) PetscCall(ApplyAll(c, PETSC_TRUE, PETSC_TRUE, y->size / c->n, y->grad, x->size / c->n, x->grad));
  PetscFunctionReturn(0);
}

/* The shared constructor: checks every operator against x [n, ...] (m values per sample), records
   y: x's shape when the operators are square, else [n, rows] */
static PetscErrorCode ApplyCreate(ApplyKind kind, const char *name, PdTensor x, PetscInt n, void *const ops[], PdTensor *out)
{
  PdTape    tape;
  PdTensor  y;
  ApplyCtx *c;
  PetscInt  m, rows = 0, shape[PD_MAX_DIMS];
  int       nd;
  char      sx[96];

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(PdShapeString(x->ndim, x->shape, sx, sizeof(sx)));
  PetscCheck(x->ndim >= 2 && x->shape[0] == n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: %" PetscInt_FMT " operators for a tensor %s; give one per sample of the batch (dimension 0)", name, n, sx);
  m = x->size / n;
  PetscCall(PdTapeAlloc(tape, sizeof(ApplyCtx), (void **)&c));
  PetscCall(PdTapeAlloc(tape, sizeof(void *) * (size_t)n, (void **)&c->op));
  c->kind = kind;
  c->n    = n;
  for (PetscInt b = 0; b < n; b++) {
    PetscInt r, k;
    PetscCheck(ops[b], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: the operator of sample %" PetscInt_FMT " is NULL", name, b);
    c->op[b] = ops[b];
    PetscCall(OperatorSizes(c, b, &r, &k));
    PetscCheck(k == m, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: the operator of sample %" PetscInt_FMT " has %" PetscInt_FMT " columns but the samples of %s have %" PetscInt_FMT " values", name, b, k, sx, m);
    PetscCheck(b == 0 || r == rows, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: the operator of sample %" PetscInt_FMT " has %" PetscInt_FMT " rows, that of sample 0 %" PetscInt_FMT "; all must agree", name, b, r, rows);
    rows = r;
  }
  if (rows == m) {
    nd = x->ndim;
    for (int i = 0; i < nd; i++) shape[i] = x->shape[i];
  } else {
    nd       = 2;
    shape[0] = n;
    shape[1] = rows;
  }
  PetscCall(PdTapeRecord(tape, kind == APPLY_MAT ? PD_OP_MAT_APPLY : PD_OP_PC_APPLY, nd, shape, ApplyBackward, x, NULL, NULL, &y));
  if (y->grad && kind == APPLY_PC)
    for (PetscInt b = 0; b < n; b++) {
      PetscBool has;
      PCType    type;
      PetscCall(PCApplyTransposeExists((PC)ops[b], &has));
      PetscCall(PCGetType((PC)ops[b], &type));
      PetscCheck(has, PETSC_COMM_SELF, PETSC_ERR_SUP, "PdPCApply: the preconditioner type %s has no transpose (PCApplyTranspose), which the gradient needs; choose another type", type ? type : "(unset)");
    }
  y->aux = c;
  PetscCall(ApplyAll(c, PETSC_FALSE, PETSC_FALSE, m, x->data, rows, y->data));
  *out = y;
  PetscFunctionReturn(0);
}

/*@
  PdMatApply - y_b = A_b x_b for each sample b of x [n, ...] (MatMult; backward MatMultTranspose)

  Input: x, n (= x's first dimension), A[] (n sequential Mats with as many columns as a sample has
  values, in the sample's row-major order; the caller keeps them alive until backward).
  Output: y with x's shape for square matrices, else [n, rows]. Computed in PetscScalar, stored as float.
@*/
PetscErrorCode PdMatApply(PdTensor x, PetscInt n, const Mat A[], PdTensor *y)
{
  PetscFunctionBegin;
  PetscCall(ApplyCreate(APPLY_MAT, "PdMatApply", x, n, (void *const *)A, y));
  PetscFunctionReturn(0);
}

/*@
  PdPCApply - y_b = M_b^{-1} x_b for each sample b of x [n, ...] (PCApply; backward PCApplyTranspose)

  Input: x, n, pc[] (n preconditioners with operators on PETSC_COMM_SELF, kept alive by the caller).
  A PC whose type has no transpose is an error when a gradient is wanted.
@*/
PetscErrorCode PdPCApply(PdTensor x, PetscInt n, const PC pc[], PdTensor *y)
{
  PetscFunctionBegin;
  PetscCall(ApplyCreate(APPLY_PC, "PdPCApply", x, n, (void *const *)pc, y));
  PetscFunctionReturn(0);
}
