/* Graph operations of the engine: row gather, scatter-add and the edge-weighted sparse product
   y[dst] += v * z[src]. Graph networks (learned preconditioners) and losses on sparse matrices use them. */
#include <pdeop/ops.h>

typedef struct {
  const PetscInt *src, *dst;
} EdgeIdx;

static PetscErrorCode CheckTable(const char *op, PdTensor x, PetscInt *rows, PetscInt *cols)
{
  PetscFunctionBegin;
  PetscCheck(x->ndim == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: expected a table [rows, C], got %d dimensions", op, x->ndim);
  *rows = x->shape[0];
  *cols = x->shape[1];
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckIndices(const char *op, PetscInt m, const PetscInt idx[], PetscInt n)
{
  PetscFunctionBegin;
  for (PetscInt e = 0; e < m; e++) PetscCheck(idx[e] >= 0 && idx[e] < n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: index %" PetscInt_FMT " at position %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", op, idx[e], e, n);
  PetscFunctionReturn(0);
}

/* y[yi[e],:] += x[xi[e],:] for e < m, rows of C; a NULL index list is the identity (row e) */
static void AddRows(PetscInt m, PetscInt C, const PetscInt *yi, float *y, const PetscInt *xi, const float *x)
{
  for (PetscInt e = 0; e < m; e++) {
    float       *yd = y + (yi ? yi[e] : e) * C;
    const float *xd = x + (xi ? xi[e] : e) * C;
    _Pragma("omp simd")
    for (PetscInt c = 0; c < C; c++) yd[c] += xd[c];
  }
}

/* the output node [rows, C] of a graph op on a (and b), keeping the edges' index arrays (not copied) for backward */
static PetscErrorCode NewEdgeNode(PdTape tape, PdOpType op, PetscInt rows, PetscInt C, PdBackwardFn backward, PdTensor a, PdTensor b, const PetscInt *src, const PetscInt *dst, PdTensor *y)
{
  PetscInt shape[2] = {rows, C};
  EdgeIdx *ei;

  PetscFunctionBegin;
  PetscCall(PdTapeRecord(tape, op, 2, shape, backward, a, b, NULL, y));
  PetscCall(PdTapeAlloc(tape, sizeof(EdgeIdx), (void **)&ei));
  ei->src   = src;
  ei->dst   = dst;
  (*y)->aux = ei;
  PetscFunctionReturn(0);
}

static PetscErrorCode GatherBackward(PdTensor y)
{
  PdTensor x = y->src[0];

  PetscFunctionBegin;
  if (x->grad) AddRows(y->shape[0], y->shape[1], ((EdgeIdx *)y->aux)->src, x->grad, NULL, y->grad);
  PetscFunctionReturn(0);
}

/*@ PdGather - y[e,:] = x[idx[e],:] for e < m @*/
PetscErrorCode PdGather(PdTensor x, PetscInt m, const PetscInt idx[], PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt n, C;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(CheckTable("PdGather", x, &n, &C));
  PetscCall(CheckIndices("PdGather", m, idx, n));
  PetscCall(NewEdgeNode(tape, PD_OP_GATHER, m, C, GatherBackward, x, NULL, idx, NULL, &y));
  for (PetscInt e = 0; e < m; e++) PetscCall(PetscArraycpy(y->data + e * C, x->data + idx[e] * C, C));
  *out = y;
  PetscFunctionReturn(0);
}

static PetscErrorCode ScatterBackward(PdTensor y)
{
  PdTensor x = y->src[0];

  PetscFunctionBegin;
  if (x->grad) AddRows(x->shape[0], x->shape[1], NULL, x->grad, ((EdgeIdx *)y->aux)->dst, y->grad);
  PetscFunctionReturn(0);
}

/*@ PdScatterAdd - y[idx[e],:] += x[e,:]; y has n rows, zero where no index points @*/
PetscErrorCode PdScatterAdd(PdTensor x, PetscInt n, PetscInt m, const PetscInt idx[], PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt mx, C;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(CheckTable("PdScatterAdd", x, &mx, &C));
  PetscCheck(mx == m, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdScatterAdd: %" PetscInt_FMT " rows but %" PetscInt_FMT " indices", mx, m);
  PetscCall(CheckIndices("PdScatterAdd", m, idx, n));
  PetscCall(NewEdgeNode(tape, PD_OP_SCATTER_ADD, n, C, ScatterBackward, x, NULL, NULL, idx, &y));
  PetscCall(PetscArrayzero(y->data, y->size));
  AddRows(m, C, idx, y->data, NULL, x->data);
  *out = y;
  PetscFunctionReturn(0);
}

static PetscErrorCode EdgeMatVecBackward(PdTensor y)
{
  PdTensor       v = y->src[0], z = y->src[1];
  const EdgeIdx *ei = (const EdgeIdx *)y->aux;
  const PetscInt E = v->size, P = z->shape[1];

  PetscFunctionBegin;
  for (PetscInt e = 0; e < E; e++) {
    const float *gy = y->grad + ei->dst[e] * P;
    if (v->grad) {
      const float *zs = z->data + ei->src[e] * P;
      double       s  = 0;
      _Pragma("omp simd reduction(+ : s)")
      for (PetscInt p = 0; p < P; p++) s += (double)gy[p] * zs[p];
      v->grad[e] += (float)s;
    }
    if (z->grad) {
      float      *gz = z->grad + ei->src[e] * P;
      const float ve = v->data[e];
      _Pragma("omp simd")
      for (PetscInt p = 0; p < P; p++) gz[p] += ve * gy[p];
    }
  }
  PetscFunctionReturn(0);
}

/*@
  PdEdgeMatVec - y[dst[e],:] += vals[e] z[src[e],:] for the E edges: the product of the sparse
  matrix with entries (dst[e], src[e]) = vals[e] and the columns of z [n,P]; y has nout rows.
@*/
PetscErrorCode PdEdgeMatVec(PdTensor vals, PdTensor z, PetscInt E, const PetscInt src[], const PetscInt dst[], PetscInt nout, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt n, P;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(vals, z, NULL, &tape));
  PetscCall(CheckTable("PdEdgeMatVec", z, &n, &P));
  PetscCheck(vals->size == E, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdEdgeMatVec: %" PetscInt_FMT " values for %" PetscInt_FMT " edges", vals->size, E);
  PetscCall(CheckIndices("PdEdgeMatVec (source)", E, src, n));
  PetscCall(CheckIndices("PdEdgeMatVec (destination)", E, dst, nout));
  PetscCall(NewEdgeNode(tape, PD_OP_EDGE_MATVEC, nout, P, EdgeMatVecBackward, vals, z, src, dst, &y));
  PetscCall(PetscArrayzero(y->data, y->size));
  for (PetscInt e = 0; e < E; e++) {
    float       *yd = y->data + dst[e] * P;
    const float *zs = z->data + src[e] * P, ve = vals->data[e];
    _Pragma("omp simd")
    for (PetscInt p = 0; p < P; p++) yd[p] += ve * zs[p];
  }
  *out = y;
  PetscFunctionReturn(0);
}
