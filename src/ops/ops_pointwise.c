/* Elementwise arithmetic with broadcasting, pointwise functions, reductions and layout operations
   (concat, slice, reshape) of the engine, each with its backward rule. */
#include <pdeop/ops.h>
#include <pdeop/vecmath.h>
#include "ops_private.h"

/* ---------- broadcasting binary operations ---------- */

/* The smaller operand must match a trailing part of the larger one's shape (or have one element).
   Returns which operand is the large one (0 = a, 1 = b) and the size of the repeated block. */
static PetscErrorCode BroadcastShape(PdTensor a, PdTensor b, const char *opname, int *big, PetscInt *inner)
{
  PdTensor L, S;
  char     sa[96], sb[96];

  PetscFunctionBegin;
  *big = (b->size > a->size) ? 1 : 0;
  L    = *big ? b : a;
  S    = *big ? a : b;
  if (S->size == 1) {
    *inner = 1;
    PetscFunctionReturn(0);
  }
  PetscBool ok = (PetscBool)(S->ndim <= L->ndim);
  for (int i = 0; ok && i < S->ndim; i++) ok = (PetscBool)(S->shape[i] == L->shape[L->ndim - S->ndim + i]);
  if (!ok) {
    PetscCall(PdShapeString(a->ndim, a->shape, sa, sizeof(sa)));
    PetscCall(PdShapeString(b->ndim, b->shape, sb, sizeof(sb)));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: shapes %s and %s do not broadcast; the smaller shape must equal the trailing dimensions of the larger", opname, sa, sb);
  }
  *inner = S->size;
  PetscFunctionReturn(0);
}

static PetscErrorCode BinaryBackward(PdTensor c)
{
  PdTensor       a = c->src[0], b = c->src[1];
  const PetscInt n = c->size, inner = c->iarg[1];
  const int      big = (int)c->iarg[0];
  const float   *dc = c->grad, *ad = a->data, *bd = b->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_Pointwise, 0, 0, 0, 0));
  /* index of a and b for output element i: the big one is i, the small one i % inner */
  for (PetscInt i = 0; i < n; i++) {
    PetscInt ia = big == 0 ? i : i % inner, ib = big == 1 ? i : i % inner;
    float    ga, gb;
    switch (c->op) {
    case PD_OP_ADD: /* c = a + b */
      ga = dc[i];
      gb = dc[i];
      break;
    case PD_OP_SUB: /* c = a - b */
      ga = dc[i];
      gb = -dc[i];
      break;
    case PD_OP_MUL: /* c = a * b */
      ga = dc[i] * bd[ib];
      gb = dc[i] * ad[ia];
      break;
    default: /* c = a / b */
      ga = dc[i] / bd[ib];
      gb = -dc[i] * ad[ia] / (bd[ib] * bd[ib]);
      break;
    }
    if (a->grad) a->grad[ia] += ga;
    if (b->grad) b->grad[ib] += gb;
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Pointwise, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode Binary(PdOpType op, const char *name, PdTensor a, PdTensor b, PdTensor *out)
{
  PdTape   tape;
  PdTensor c, L;
  int      big   = 0;
  PetscInt inner = 1;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(a, b, NULL, &tape));
  PetscCall(BroadcastShape(a, b, name, &big, &inner));
  L = big ? b : a;
  PetscCall(PdTapeRecord(tape, op, L->ndim, L->shape, BinaryBackward, a, b, NULL, &c));
  c->iarg[0] = big;
  c->iarg[1] = inner;
  PetscCall(PetscLogEventBegin(PD_EVENT_Pointwise, 0, 0, 0, 0));
  {
    const float   *ad = a->data, *bd = b->data;
    float         *cd = c->data;
    const PetscInt n  = c->size;
    if (a->size == b->size) {
      switch (op) {
      case PD_OP_ADD:
        for (PetscInt i = 0; i < n; i++) cd[i] = ad[i] + bd[i];
        break;
      case PD_OP_SUB:
        for (PetscInt i = 0; i < n; i++) cd[i] = ad[i] - bd[i];
        break;
      case PD_OP_MUL:
        for (PetscInt i = 0; i < n; i++) cd[i] = ad[i] * bd[i];
        break;
      default:
        for (PetscInt i = 0; i < n; i++) cd[i] = ad[i] / bd[i];
        break;
      }
    } else {
      for (PetscInt o = 0; o < n; o += inner) {
        for (PetscInt k = 0; k < inner; k++) {
          float x = big == 0 ? ad[o + k] : ad[k], y = big == 1 ? bd[o + k] : bd[k];
          switch (op) {
          case PD_OP_ADD:
            cd[o + k] = x + y;
            break;
          case PD_OP_SUB:
            cd[o + k] = x - y;
            break;
          case PD_OP_MUL:
            cd[o + k] = x * y;
            break;
          default:
            cd[o + k] = x / y;
            break;
          }
        }
      }
    }
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Pointwise, 0, 0, 0, 0));
  *out = c;
  PetscFunctionReturn(0);
}

/* The public binary ops: Name(a, b, &c) records OP on the inputs' tape through Binary */
#define PD_BINARY(Name, OP) \
  PetscErrorCode Name(PdTensor a, PdTensor b, PdTensor *c) \
  { \
    PetscFunctionBegin; \
    PetscCall(Binary(OP, #Name, a, b, c)); \
    PetscFunctionReturn(0); \
  }

/*@ PdAdd - c = a + b with broadcasting of leading dimensions @*/
PD_BINARY(PdAdd, PD_OP_ADD)

/*@ PdSub - c = a - b with broadcasting of leading dimensions @*/
PD_BINARY(PdSub, PD_OP_SUB)

/*@ PdMul - c = a * b (elementwise) with broadcasting of leading dimensions @*/
PD_BINARY(PdMul, PD_OP_MUL)

/*@ PdDiv - c = a / b (elementwise) with broadcasting of leading dimensions @*/
PD_BINARY(PdDiv, PD_OP_DIV)

/* ---------- pointwise functions of one tensor ---------- */

/* one vectorised pass over the n entries: PD_EACH(yd[i] = tanhf(xd[i])) */
#define PD_EACH(stmt) \
  do { \
    PD_SIMD \
    for (PetscInt i = 0; i < n; i++) stmt; \
  } while (0)

static inline float SoftplusF(float x)
{
  return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x)));
}
static inline float SigmoidF(float x) { return 1.0f / (1.0f + expf(-x)); } /* expf(88+) = inf gives 0 */

static PetscErrorCode UnaryBackward(PdTensor y)
{
  PdTensor       x  = y->src[0];
  const float   *xd = x->data, *yd = y->data, *dy = y->grad;
  float         *dx = x->grad;
  const PetscInt n  = y->size;
  const float    s  = y->farg[0];

  PetscFunctionBegin;
  if (!dx) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(PD_EVENT_Pointwise, 0, 0, 0, 0));
  switch (y->op) {
  case PD_OP_TANH: /* y = tanh(x) */
    PD_EACH(dx[i] += dy[i] * (1.0f - yd[i] * yd[i]));
    break;
  case PD_OP_SIN: /* y = sin(x) */
    PD_EACH(dx[i] += dy[i] * cosf(xd[i]));
    break;
  case PD_OP_COS: /* y = cos(x) */
    PD_EACH(dx[i] -= dy[i] * sinf(xd[i]));
    break;
  case PD_OP_EXP: /* y = exp(x) */
    PD_EACH(dx[i] += dy[i] * yd[i]);
    break;
  case PD_OP_GELU: /* y = x Phi(x) */
    PD_EACH(dx[i] += dy[i] * PdGeluGradF(xd[i]));
    break;
  case PD_OP_RELU: /* y = max(x, 0) */
    PD_EACH(dx[i] += xd[i] > 0 ? dy[i] : 0.0f);
    break;
  case PD_OP_SOFTPLUS: /* y = log(1 + exp(x)) */
    PD_EACH(dx[i] += dy[i] * SigmoidF(xd[i]));
    break;
  case PD_OP_SQUARE: /* y = x^2 */
    PD_EACH(dx[i] += 2.0f * dy[i] * xd[i]);
    break;
  case PD_OP_SCALE: /* y = s x */
    PD_EACH(dx[i] += s * dy[i]);
    break;
  case PD_OP_ADD_SCALAR: /* y = x + s */
  case PD_OP_RESHAPE:    /* y = x, new shape */
    PD_EACH(dx[i] += dy[i]);
    break;
  default:
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "No pointwise backward for op %s", PdOpNames[y->op]);
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Pointwise, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode Unary(PdOpType op, PdTensor x, float s, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(PdTapeRecord(tape, op, x->ndim, x->shape, UnaryBackward, x, NULL, NULL, &y));
  y->farg[0] = s;
  PetscCall(PetscLogEventBegin(PD_EVENT_Pointwise, 0, 0, 0, 0));
  {
    const float   *xd = x->data;
    float         *yd = y->data;
    const PetscInt n  = x->size;
    switch (op) {
    case PD_OP_TANH:
      PD_EACH(yd[i] = tanhf(xd[i]));
      break;
    case PD_OP_SIN:
      PD_EACH(yd[i] = sinf(xd[i]));
      break;
    case PD_OP_COS:
      PD_EACH(yd[i] = cosf(xd[i]));
      break;
    case PD_OP_EXP:
      PD_EACH(yd[i] = expf(xd[i]));
      break;
    case PD_OP_GELU: /* gelu.c: the same values as the fused channel mix's */
      PdOpsGelu(n, xd, yd);
      break;
    case PD_OP_RELU:
      PD_EACH(yd[i] = xd[i] > 0 ? xd[i] : 0.0f);
      break;
    case PD_OP_SOFTPLUS:
      PD_EACH(yd[i] = SoftplusF(xd[i]));
      break;
    case PD_OP_SQUARE:
      PD_EACH(yd[i] = xd[i] * xd[i]);
      break;
    case PD_OP_SCALE:
      PD_EACH(yd[i] = s * xd[i]);
      break;
    case PD_OP_ADD_SCALAR:
      PD_EACH(yd[i] = xd[i] + s);
      break;
    default:
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "No pointwise forward for op %s", PdOpNames[op]);
    }
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Pointwise, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}

/* The public unary ops: Name(x, &y), or Name(x, s, &y) for the ops with a scalar, record OP on x's
   tape through Unary */
#define PD_UNARY(Name, OP) \
  PetscErrorCode Name(PdTensor x, PdTensor *y) \
  { \
    PetscFunctionBegin; \
    PetscCall(Unary(OP, x, 0, y)); \
    PetscFunctionReturn(0); \
  }
#define PD_UNARY_SCALAR(Name, OP) \
  PetscErrorCode Name(PdTensor x, float s, PdTensor *y) \
  { \
    PetscFunctionBegin; \
    PetscCall(Unary(OP, x, s, y)); \
    PetscFunctionReturn(0); \
  }

/*@ PdTanh - y = tanh(x) @*/
PD_UNARY(PdTanh, PD_OP_TANH)
/*@ PdSin - y = sin(x) @*/
PD_UNARY(PdSin, PD_OP_SIN)
/*@ PdCos - y = cos(x) @*/
PD_UNARY(PdCos, PD_OP_COS)
/*@ PdExp - y = exp(x) @*/
PD_UNARY(PdExp, PD_OP_EXP)
/*@ PdGelu - y = x Phi(x), Phi the standard normal CDF (exact erf form) @*/
PD_UNARY(PdGelu, PD_OP_GELU)
/*@ PdRelu - y = max(x, 0); the derivative at 0 is taken as 0 @*/
PD_UNARY(PdRelu, PD_OP_RELU)
/*@ PdSoftplus - y = log(1 + exp(x)), evaluated without overflow @*/
PD_UNARY(PdSoftplus, PD_OP_SOFTPLUS)
/*@ PdSquare - y = x^2 @*/
PD_UNARY(PdSquare, PD_OP_SQUARE)
/*@ PdScale - y = s x @*/
PD_UNARY_SCALAR(PdScale, PD_OP_SCALE)
/*@ PdAddScalar - y = x + s @*/
PD_UNARY_SCALAR(PdAddScalar, PD_OP_ADD_SCALAR)

/* ---------- reductions ---------- */

static PetscErrorCode ReduceBackward(PdTensor y)
{
  PdTensor x = y->src[0];

  PetscFunctionBegin;
  if (!x->grad) PetscFunctionReturn(0);
  if (y->op == PD_OP_SUM_DIM) { /* y[o,k] = sum_j x[o,j,k] */
    const PetscInt outer = y->iarg[0], n = y->iarg[1], inner = y->iarg[2];
    for (PetscInt o = 0; o < outer; o++)
      for (PetscInt j = 0; j < n; j++)
        for (PetscInt k = 0; k < inner; k++) x->grad[(o * n + j) * inner + k] += y->grad[o * inner + k];
  } else { /* y = s * sum(x), s = 1 or 1/n */
    const float g = y->grad[0] * y->farg[0];
    for (PetscInt i = 0; i < x->size; i++) x->grad[i] += g;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SumAll(PdOpType op, PdTensor x, float s, PdTensor *out)
{
  PdTape         tape;
  PdTensor       y;
  const PetscInt one = 1;
  double         acc = 0;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(PdTapeRecord(tape, op, 1, &one, ReduceBackward, x, NULL, NULL, &y));
  y->farg[0] = s;
  for (PetscInt i = 0; i < x->size; i++) acc += x->data[i];
  y->data[0] = (float)(s * acc);
  *out       = y;
  PetscFunctionReturn(0);
}

/*@ PdSum - y = sum of all entries of x, shape [1] @*/
PetscErrorCode PdSum(PdTensor x, PdTensor *y)
{
  PetscFunctionBegin;
  PetscCall(SumAll(PD_OP_SUM, x, 1.0f, y));
  PetscFunctionReturn(0);
}

/*@ PdMean - y = mean of all entries of x, shape [1] @*/
PetscErrorCode PdMean(PdTensor x, PdTensor *y)
{
  PetscFunctionBegin;
  PetscCall(SumAll(PD_OP_MEAN, x, (float)(1.0 / (double)x->size), y));
  PetscFunctionReturn(0);
}

/* Split x's shape around dimension dim into outer x n x inner. */
static PetscErrorCode SplitAt(PdTensor x, int dim, const char *opname, PetscInt *outer, PetscInt *n, PetscInt *inner)
{
  PetscFunctionBegin;
  PetscCheck(dim >= 0 && dim < x->ndim, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: dimension %d out of range for a rank-%d tensor", opname, dim, x->ndim);
  *outer = 1;
  *inner = 1;
  for (int i = 0; i < dim; i++) *outer *= x->shape[i];
  for (int i = dim + 1; i < x->ndim; i++) *inner *= x->shape[i];
  *n = x->shape[dim];
  PetscFunctionReturn(0);
}

/*@ PdSumDim - sum over one dimension, which is removed from the shape (a rank-1 input gives [1]) @*/
PetscErrorCode PdSumDim(PdTensor x, int dim, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt outer, n, inner, shape[PD_MAX_DIMS];
  int      nd = 0;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(SplitAt(x, dim, "PdSumDim", &outer, &n, &inner));
  for (int i = 0; i < x->ndim; i++)
    if (i != dim) shape[nd++] = x->shape[i];
  if (!nd) shape[nd++] = 1;
  PetscCall(PdTapeRecord(tape, PD_OP_SUM_DIM, nd, shape, ReduceBackward, x, NULL, NULL, &y));
  y->iarg[0] = outer;
  y->iarg[1] = n;
  y->iarg[2] = inner;
  PetscCall(PetscArrayzero(y->data, y->size));
  for (PetscInt o = 0; o < outer; o++)
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt k = 0; k < inner; k++) y->data[o * inner + k] += x->data[(o * n + j) * inner + k];
  *out = y;
  PetscFunctionReturn(0);
}

/* ---------- layout ---------- */

static PetscErrorCode ConcatBackward(PdTensor c)
{
  PdTensor       a = c->src[0], b = c->src[1];
  const PetscInt outer = c->iarg[0], na = c->iarg[1], nb = c->iarg[2], inner = c->iarg[3];
  const PetscInt n = na + nb;

  PetscFunctionBegin;
  for (PetscInt o = 0; o < outer; o++) {
    const float *g = c->grad + o * n * inner;
    if (a->grad)
      for (PetscInt k = 0; k < na * inner; k++) a->grad[o * na * inner + k] += g[k];
    if (b->grad)
      for (PetscInt k = 0; k < nb * inner; k++) b->grad[o * nb * inner + k] += g[na * inner + k];
  }
  PetscFunctionReturn(0);
}

/*@ PdConcat - join a and b along dimension dim; all other dimensions must agree @*/
PetscErrorCode PdConcat(PdTensor a, PdTensor b, int dim, PdTensor *out)
{
  PdTape   tape;
  PdTensor c;
  PetscInt outer, na, nb, inner, shape[PD_MAX_DIMS];
  char     sa[96], sb[96];

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(a, b, NULL, &tape));
  PetscBool ok = (PetscBool)(a->ndim == b->ndim && dim >= 0 && dim < a->ndim);
  for (int i = 0; ok && i < a->ndim; i++) ok = (PetscBool)(i == dim || a->shape[i] == b->shape[i]);
  if (!ok) {
    PetscCall(PdShapeString(a->ndim, a->shape, sa, sizeof(sa)));
    PetscCall(PdShapeString(b->ndim, b->shape, sb, sizeof(sb)));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdConcat: cannot join %s and %s along dimension %d; all other dimensions must agree", sa, sb, dim);
  }
  PetscCall(SplitAt(a, dim, "PdConcat", &outer, &na, &inner));
  nb = b->shape[dim];
  for (int i = 0; i < a->ndim; i++) shape[i] = a->shape[i];
  shape[dim] = na + nb;
  PetscCall(PdTapeRecord(tape, PD_OP_CONCAT, a->ndim, shape, ConcatBackward, a, b, NULL, &c));
  c->iarg[0] = outer;
  c->iarg[1] = na;
  c->iarg[2] = nb;
  c->iarg[3] = inner;
  for (PetscInt o = 0; o < outer; o++) {
    PetscCall(PetscArraycpy(c->data + o * (na + nb) * inner, a->data + o * na * inner, na * inner));
    PetscCall(PetscArraycpy(c->data + (o * (na + nb) + na) * inner, b->data + o * nb * inner, nb * inner));
  }
  *out = c;
  PetscFunctionReturn(0);
}

static PetscErrorCode SliceBackward(PdTensor y)
{
  PdTensor       x     = y->src[0];
  const PetscInt outer = y->iarg[0], n = y->iarg[1], inner = y->iarg[2], start = y->iarg[3], len = y->iarg[4];

  PetscFunctionBegin;
  if (!x->grad) PetscFunctionReturn(0);
  for (PetscInt o = 0; o < outer; o++)
    for (PetscInt k = 0; k < len * inner; k++) x->grad[(o * n + start) * inner + k] += y->grad[o * len * inner + k];
  PetscFunctionReturn(0);
}

/*@ PdSlice - entries start..start+len-1 of x along dimension dim @*/
PetscErrorCode PdSlice(PdTensor x, int dim, PetscInt start, PetscInt len, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt outer, n, inner, shape[PD_MAX_DIMS];

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(SplitAt(x, dim, "PdSlice", &outer, &n, &inner));
  PetscCheck(start >= 0 && len >= 1 && start + len <= n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdSlice: range %" PetscInt_FMT "..%" PetscInt_FMT " outside dimension %d of size %" PetscInt_FMT, start, start + len - 1, dim, n);
  for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[dim] = len;
  PetscCall(PdTapeRecord(tape, PD_OP_SLICE, x->ndim, shape, SliceBackward, x, NULL, NULL, &y));
  y->iarg[0] = outer;
  y->iarg[1] = n;
  y->iarg[2] = inner;
  y->iarg[3] = start;
  y->iarg[4] = len;
  for (PetscInt o = 0; o < outer; o++) PetscCall(PetscArraycpy(y->data + o * len * inner, x->data + (o * n + start) * inner, len * inner));
  *out = y;
  PetscFunctionReturn(0);
}

/*@ PdReshape - the same entries in a new shape of the same size @*/
PetscErrorCode PdReshape(PdTensor x, int ndim, const PetscInt shape[], PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt size;
  char     sa[96], sb[96];

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCall(PdShapeSize(ndim, shape, &size));
  if (size != x->size) {
    PetscCall(PdShapeString(x->ndim, x->shape, sa, sizeof(sa)));
    PetscCall(PdShapeString(ndim, shape, sb, sizeof(sb)));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdReshape: cannot view %s as %s; sizes differ", sa, sb);
  }
  PetscCall(PdTapeRecord(tape, PD_OP_RESHAPE, ndim, shape, UnaryBackward, x, NULL, NULL, &y));
  PetscCall(PetscArraycpy(y->data, x->data, size));
  *out = y;
  PetscFunctionReturn(0);
}

/* y[j][i][k] = x[i][j][k] for x [n0, n1, inner]: the copy both ways (the map is its own adjoint up to
   the swapped shape); add: y += instead of y = */
static void SwapLeadingCopy(PetscInt n0, PetscInt n1, PetscInt inner, const float *x, float *y, PetscBool add)
{
  for (PetscInt i = 0; i < n0; i++)
    for (PetscInt j = 0; j < n1; j++) {
      const float *xi = x + (i * n1 + j) * inner;
      float       *yj = y + (j * n0 + i) * inner;
      if (add) {
        PD_SIMD
        for (PetscInt k = 0; k < inner; k++) yj[k] += xi[k];
      } else {
        PD_SIMD
        for (PetscInt k = 0; k < inner; k++) yj[k] = xi[k];
      }
    }
}

static PetscErrorCode SwapLeadingBackward(PdTensor y)
{
  PdTensor x = y->src[0];

  PetscFunctionBegin;
  if (x->grad) SwapLeadingCopy(y->shape[0], y->shape[1], y->size / (y->shape[0] * y->shape[1]), y->grad, x->grad, (PetscBool)!PdGradFirstWrite(x));
  PetscFunctionReturn(0);
}

/*@
  PdSwapLeading - exchange the first two dimensions: y [n1, n0, ...] with y[j][i][...] = x[i][j][...]
  for x [n0, n1, ...]; turns [B,C,grid...] into the channel-major [C,B,grid...] of the *CB operations
  and back.
@*/
PetscErrorCode PdSwapLeading(PdTensor x, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt shape[PD_MAX_DIMS];

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, NULL, NULL, &tape));
  PetscCheck(x->ndim >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdSwapLeading: needs a tensor of rank at least 2, got rank %d", x->ndim);
  for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[0] = x->shape[1];
  shape[1] = x->shape[0];
  PetscCall(PdTapeRecord(tape, PD_OP_SWAP_LEADING, x->ndim, shape, SwapLeadingBackward, x, NULL, NULL, &y));
  y->grad_overwrite = PETSC_TRUE;
  SwapLeadingCopy(x->shape[0], x->shape[1], x->size / (x->shape[0] * x->shape[1]), x->data, y->data, PETSC_FALSE);
  *out = y;
  PetscFunctionReturn(0);
}
