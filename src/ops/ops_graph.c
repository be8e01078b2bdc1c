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

static PetscErrorCode GatherBackward(PdTensor y)
{
  PdTensor        x   = y->src[0];
  const PetscInt *idx = ((EdgeIdx *)y->aux)->src, m = y->shape[0], C = y->shape[1];

  PetscFunctionBegin;
  if (!x->grad) PetscFunctionReturn(0);
  for (PetscInt e = 0; e < m; e++) {
    float       *gx = x->grad + idx[e] * C;
    const float *gy = y->grad + e * C;
    _Pragma("omp simd")
    for (PetscInt c = 0; c < C; c++) gx[c] += gy[c];
  }
  PetscFunctionReturn(0);
}

/*@ PdGather - y[e,:] = x[idx[e],:] for e < m @*/
PetscErrorCode PdGather(PdTensor x, PetscInt m, const PetscInt idx[], PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt n, C, shape[2];
  EdgeIdx *ei;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(CheckTable("PdGather", x, &n, &C));
  PetscCall(CheckIndices("PdGather", m, idx, n));
  shape[0] = m;
  shape[1] = C;
  PetscCall(PdTapeNewNode(tape, PD_OP_GATHER, 2, shape, PdNeedsGrad(tape, x, NULL, NULL), &y));
  PetscCall(PdTapeAlloc(tape, sizeof(EdgeIdx), (void **)&ei));
  ei->src     = idx;
  y->aux      = ei;
  y->src[0]   = x;
  y->backward = GatherBackward;
  for (PetscInt e = 0; e < m; e++) PetscCall(PetscArraycpy(y->data + e * C, x->data + idx[e] * C, C));
  *out = y;
  PetscFunctionReturn(0);
}

static PetscErrorCode ScatterBackward(PdTensor y)
{
  PdTensor        x   = y->src[0];
  const PetscInt *idx = ((EdgeIdx *)y->aux)->dst, m = x->shape[0], C = x->shape[1];

  PetscFunctionBegin;
  if (!x->grad) PetscFunctionReturn(0);
  for (PetscInt e = 0; e < m; e++) {
    float       *gx = x->grad + e * C;
    const float *gy = y->grad + idx[e] * C;
    _Pragma("omp simd")
    for (PetscInt c = 0; c < C; c++) gx[c] += gy[c];
  }
  PetscFunctionReturn(0);
}

/*@ PdScatterAdd - y[idx[e],:] += x[e,:]; y has n rows, zero where no index points @*/
PetscErrorCode PdScatterAdd(PdTensor x, PetscInt n, PetscInt m, const PetscInt idx[], PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt mx, C, shape[2];
  EdgeIdx *ei;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(CheckTable("PdScatterAdd", x, &mx, &C));
  PetscCheck(mx == m, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdScatterAdd: %" PetscInt_FMT " rows but %" PetscInt_FMT " indices", mx, m);
  PetscCall(CheckIndices("PdScatterAdd", m, idx, n));
  shape[0] = n;
  shape[1] = C;
  PetscCall(PdTapeNewNode(tape, PD_OP_SCATTER_ADD, 2, shape, PdNeedsGrad(tape, x, NULL, NULL), &y));
  PetscCall(PdTapeAlloc(tape, sizeof(EdgeIdx), (void **)&ei));
  ei->dst     = idx;
  y->aux      = ei;
  y->src[0]   = x;
  y->backward = ScatterBackward;
  PetscCall(PetscArrayzero(y->data, y->size));
  for (PetscInt e = 0; e < m; e++) {
    float       *yd = y->data + idx[e] * C;
    const float *xd = x->data + e * C;
    _Pragma("omp simd")
    for (PetscInt c = 0; c < C; c++) yd[c] += xd[c];
  }
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
  PetscInt n, P, shape[2];
  EdgeIdx *ei;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(vals, z, NULL, &tape));
  PetscCall(CheckTable("PdEdgeMatVec", z, &n, &P));
  PetscCheck(vals->size == E, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdEdgeMatVec: %" PetscInt_FMT " values for %" PetscInt_FMT " edges", vals->size, E);
  PetscCall(CheckIndices("PdEdgeMatVec (source)", E, src, n));
  PetscCall(CheckIndices("PdEdgeMatVec (destination)", E, dst, nout));
  shape[0] = nout;
  shape[1] = P;
  PetscCall(PdTapeNewNode(tape, PD_OP_EDGE_MATVEC, 2, shape, PdNeedsGrad(tape, vals, z, NULL), &y));
  PetscCall(PdTapeAlloc(tape, sizeof(EdgeIdx), (void **)&ei));
  ei->src     = src;
  ei->dst     = dst;
  y->aux      = ei;
  y->src[0]   = vals;
  y->src[1]   = z;
  y->backward = EdgeMatVecBackward;
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
