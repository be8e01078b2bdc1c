/* Engine operations of Taylor mode: the Faa di Bruno combination of an elementwise activation on a
   jet (orders 1..4, fused forward and backward) and the column gather of sparse first layers. */
#include <pdeop/jetops.h>
#include <pdeop/vecmath.h>

const char *const PdJetFns[] = {"tanh", "sin", "softplus", "gelu", "PdJetFn", "PD_JET_", NULL};

typedef struct {
  PetscInt K, V, n;
  float   *s; /* s_1 .. s_{K+1}, each n entries: sigma^(j)(x0) / j! */
} JetAux;

/* s_j = sigma^(j)(x)/j! for j = 1..m (m <= 5), each an array of n entries */
PD_CLONES static void Derivatives(PdJetFn fn, PetscInt n, const float *x, PetscInt m, float *s)
{
  float *s1 = s, *s2 = s + n, *s3 = s + 2 * n, *s4 = s + 3 * n, *s5 = s + 4 * n;

  switch (fn) {
  case PD_JET_TANH: /* t = tanh x: sigma' = 1 - t^2, then polynomials in t */
    PD_SIMD
    for (PetscInt e = 0; e < n; e++) {
      float t = tanhf(x[e]), q = t * t;
      s1[e] = 1.0f - q;
      if (m >= 2) s2[e] = (-2.0f * t * (1.0f - q)) / 2.0f;
      if (m >= 3) s3[e] = (-2.0f + q * (8.0f - 6.0f * q)) / 6.0f;
      if (m >= 4) s4[e] = (t * (16.0f + q * (-40.0f + 24.0f * q))) / 24.0f;
      if (m >= 5) s5[e] = (16.0f + q * (-136.0f + q * (240.0f - 120.0f * q))) / 120.0f;
    }
    break;
  case PD_JET_SIN: /* sigma^(j) = sin(x + j pi/2) */
    PD_SIMD
    for (PetscInt e = 0; e < n; e++) {
      float sn = sinf(x[e]), cs = cosf(x[e]);
      s1[e] = cs;
      if (m >= 2) s2[e] = -sn / 2.0f;
      if (m >= 3) s3[e] = -cs / 6.0f;
      if (m >= 4) s4[e] = sn / 24.0f;
      if (m >= 5) s5[e] = cs / 120.0f;
    }
    break;
  case PD_JET_SOFTPLUS: /* p = sigmoid x: sigma' = p, then polynomials in p */
    PD_SIMD
    for (PetscInt e = 0; e < n; e++) {
      float p = 1.0f / (1.0f + expf(-x[e]));
      s1[e]   = p;
      if (m >= 2) s2[e] = (p - p * p) / 2.0f;
      if (m >= 3) s3[e] = (p * (1.0f + p * (-3.0f + 2.0f * p))) / 6.0f;
      if (m >= 4) s4[e] = (p * (1.0f + p * (-7.0f + p * (12.0f - 6.0f * p)))) / 24.0f;
      if (m >= 5) s5[e] = (p * (1.0f + p * (-15.0f + p * (50.0f + p * (-60.0f + 24.0f * p))))) / 120.0f;
    }
    break;
  case PD_JET_GELU: /* sigma = x Phi(x): sigma' = Phi + x phi, sigma^(j) = phi P_j(x) for j >= 2 */
    PD_SIMD
    for (PetscInt e = 0; e < n; e++) {
      float z = x[e], z2 = z * z, phi = expf(-0.5f * z2) * 0.3989422804014327f;
      s1[e] = 0.5f * (1.0f + erff(z * 0.7071067811865476f)) + z * phi;
      if (m >= 2) s2[e] = phi * (2.0f - z2) / 2.0f;
      if (m >= 3) s3[e] = phi * z * (z2 - 4.0f) / 6.0f;
      if (m >= 4) s4[e] = phi * (-z2 * z2 + 7.0f * z2 - 4.0f) / 24.0f;
      if (m >= 5) s5[e] = phi * z * (z2 * z2 - 11.0f * z2 + 18.0f) / 120.0f;
    }
    break;
  }
}

/* Forward of one direction's n entries; K is a constant in every call, so each order compiles to
   its own loop without the unused terms. */
static inline __attribute__((always_inline)) void JetForward(const PetscInt K, PetscInt n, PetscInt stride, const float *restrict s, const float *restrict X, float *restrict Y)
{
  const float *s1 = s, *s2 = s + n, *s3 = s + 2 * n, *s4 = s + 3 * n;
  const float *X1 = X, *X2 = X + stride, *X3 = X + 2 * stride, *X4 = X + 3 * stride;
  float       *Y1 = Y, *Y2 = Y + stride, *Y3 = Y + 2 * stride, *Y4 = Y + 3 * stride;

  PD_SIMD
  for (PetscInt e = 0; e < n; e++) {
    float a = X1[e], b = K >= 2 ? X2[e] : 0.0f, c = K >= 3 ? X3[e] : 0.0f, f = K >= 4 ? X4[e] : 0.0f;
    Y1[e] = s1[e] * a;
    if (K >= 2) Y2[e] = s1[e] * b + s2[e] * a * a;
    if (K >= 3) Y3[e] = s1[e] * c + 2.0f * s2[e] * a * b + s3[e] * a * a * a;
    if (K >= 4) Y4[e] = s1[e] * f + s2[e] * (b * b + 2.0f * a * c) + 3.0f * s3[e] * a * a * b + s4[e] * a * a * a * a;
  }
}

/* Backward of one direction: dX_k += sum_j G_j dY_j/dX_k; dx0 += sum_j G_j dY_j/dx0 using
   ds_j/dx0 = (j+1) s_{j+1}. K, WX (write dX) and W0 (write dx0) are constants in every call, so
   each case compiles to its own branch-free vector loop. */
static inline __attribute__((always_inline)) void JetBackward(const PetscInt K, const int WX, const int W0, PetscInt n, PetscInt stride, const float *restrict s, const float *restrict X, const float *restrict G, float *restrict dX, float *restrict dx0)
{
  const float *s1 = s, *s2 = s + n, *s3 = s + 2 * n, *s4 = s + 3 * n, *s5 = s + 4 * n;
  const float *X1 = X, *X2 = X + stride, *X3 = X + 2 * stride, *X4 = X + 3 * stride;
  const float *G1 = G, *G2 = G + stride, *G3 = G + 2 * stride, *G4 = G + 3 * stride;

  PD_SIMD
  for (PetscInt e = 0; e < n; e++) {
    float a = X1[e], b = K >= 2 ? X2[e] : 0.0f, c = K >= 3 ? X3[e] : 0.0f, f = K >= 4 ? X4[e] : 0.0f;
    float g1 = G1[e], g2 = K >= 2 ? G2[e] : 0.0f, g3 = K >= 3 ? G3[e] : 0.0f, g4 = K >= 4 ? G4[e] : 0.0f;
    float t1 = s1[e], t2 = s2[e], t3 = K >= 2 ? s3[e] : 0.0f, t4 = K >= 3 ? s4[e] : 0.0f, t5 = K >= 4 ? s5[e] : 0.0f;
    if (WX) {
      dX[e] += g1 * t1 + g2 * 2.0f * t2 * a + g3 * (2.0f * t2 * b + 3.0f * t3 * a * a) + g4 * (2.0f * t2 * c + 6.0f * t3 * a * b + 4.0f * t4 * a * a * a);
      if (K >= 2) dX[stride + e] += g2 * t1 + g3 * 2.0f * t2 * a + g4 * (2.0f * t2 * b + 3.0f * t3 * a * a);
      if (K >= 3) dX[2 * stride + e] += g3 * t1 + g4 * 2.0f * t2 * a;
      if (K >= 4) dX[3 * stride + e] += g4 * t1;
    }
    if (W0) {
      float acc = g1 * 2.0f * t2 * a;
      if (K >= 2) acc += g2 * (2.0f * t2 * b + 3.0f * t3 * a * a);
      if (K >= 3) acc += g3 * (2.0f * t2 * c + 6.0f * t3 * a * b + 4.0f * t4 * a * a * a);
      if (K >= 4) acc += g4 * (2.0f * t2 * f + 3.0f * t3 * (b * b + 2.0f * a * c) + 12.0f * t4 * a * a * b + 5.0f * t5 * a * a * a * a);
      dx0[e] += acc;
    }
  }
}

PD_CLONES static void ForwardAll(PetscInt K, PetscInt V, PetscInt n, const float *s, const float *X, float *Y)
{
  for (PetscInt v = 0; v < V; v++) {
    switch (K) {
    case 1:
      JetForward(1, n, V * n, s, X + v * n, Y + v * n);
      break;
    case 2:
      JetForward(2, n, V * n, s, X + v * n, Y + v * n);
      break;
    case 3:
      JetForward(3, n, V * n, s, X + v * n, Y + v * n);
      break;
    default:
      JetForward(4, n, V * n, s, X + v * n, Y + v * n);
      break;
    }
  }
}

#define JET_BWD_CASES(WX, W0) \
  switch (K) { \
  case 1: \
    JetBackward(1, WX, W0, n, stride, a->s, Xv, Gv, dXv, dx0); \
    break; \
  case 2: \
    JetBackward(2, WX, W0, n, stride, a->s, Xv, Gv, dXv, dx0); \
    break; \
  case 3: \
    JetBackward(3, WX, W0, n, stride, a->s, Xv, Gv, dXv, dx0); \
    break; \
  default: \
    JetBackward(4, WX, W0, n, stride, a->s, Xv, Gv, dXv, dx0); \
    break; \
  }

PD_CLONES static void BackwardAll(const JetAux *a, const float *X, const float *G, float *dX, float *dx0)
{
  PetscInt K = a->K, V = a->V, n = a->n, stride = V * n;

  for (PetscInt v = 0; v < V; v++) {
    const float *Xv = X + v * n, *Gv = G + v * n;
    float       *dXv = dX ? dX + v * n : NULL;
    if (dXv && dx0) JET_BWD_CASES(1, 1)
    else if (dXv) JET_BWD_CASES(1, 0)
    else JET_BWD_CASES(0, 1)
  }
}

static PetscErrorCode JetActivationBackward(PdTensor Y)
{
  PdTensor x0 = Y->src[0], X = Y->src[1];

  PetscFunctionBegin;
  if (!x0->grad && !X->grad) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(PD_EVENT_Pointwise, 0, 0, 0, 0));
  BackwardAll((JetAux *)Y->aux, X->data, Y->grad, X->grad, x0->grad);
  PetscCall(PetscLogEventEnd(PD_EVENT_Pointwise, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@
  PdJetActivation - Taylor coefficients 1..K of sigma(x(t)) from those of x(t) (Faa di Bruno)

  Input: fn (tanh, sin, softplus, gelu), K (1..4), x0 the primal (n entries), X coefficients laid
  out [K, V, n] (V directions sharing the primal).
  Output: Y, shaped like X.
@*/
PetscErrorCode PdJetActivation(PdJetFn fn, PetscInt K, PdTensor x0, PdTensor X, PdTensor *out)
{
  PdTape   tape;
  PdTensor Y;
  JetAux  *a;
  PetscInt n = x0->size, V;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x0, X, NULL, &tape));
  PetscCheck(K >= 1 && K <= PD_JET_MAX_ORDER, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdJetActivation: order %" PetscInt_FMT " outside 1..%d", K, PD_JET_MAX_ORDER);
  PetscCheck(fn >= PD_JET_TANH && fn <= PD_JET_GELU, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdJetActivation: unknown activation %d", (int)fn);
  PetscCheck(X->size % (K * n) == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdJetActivation: %" PetscInt_FMT " coefficients are not K = %" PetscInt_FMT " times a multiple of the %" PetscInt_FMT " primal entries", X->size, K, n);
  V = X->size / (K * n);
  PetscCall(PdTapeRecord(tape, PD_OP_JET_ACTIVATION, X->ndim, X->shape, JetActivationBackward, x0, X, NULL, &Y));
  PetscCall(PdTapeAlloc(tape, sizeof(JetAux), (void **)&a));
  PetscCall(PdTapeAlloc(tape, sizeof(float) * (size_t)(K + 1) * (size_t)n, (void **)&a->s));
  a->K       = K;
  a->V       = V;
  a->n       = n;
  Y->aux     = a;
  Y->iarg[0] = K;
  Y->iarg[1] = fn;
  PetscCall(PetscLogEventBegin(PD_EVENT_Pointwise, 0, 0, 0, 0));
  Derivatives(fn, n, x0->data, K + 1, a->s); /* s_{K+1} is for backward */
  ForwardAll(K, V, n, a->s, X->data, Y->data);
  PetscCall(PetscLogEventEnd(PD_EVENT_Pointwise, 0, 0, 0, 0));
  *out = Y;
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt  nnz;
  PetscInt *idx;
  float    *s;
} GatherColsAux;
#define GC_TILE 16

static PetscErrorCode GatherColumnsBackward(PdTensor y)
{
  PdTensor       W = y->src[0];
  GatherColsAux *a = (GatherColsAux *)y->aux;
  PetscInt       n = y->shape[0], out = W->shape[0], in = W->shape[1];

  PetscFunctionBegin;
  if (!W->grad) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  for (PetscInt o0 = 0; o0 < out; o0 += GC_TILE) { /* GC_TILE rows of W at a time stay in cache */
    PetscInt ob = PetscMin(GC_TILE, out - o0);
    for (PetscInt r = 0; r < n; r++)
      for (PetscInt q = 0; q < a->nnz; q++) {
        float       *dw = W->grad + o0 * in + a->idx[r * a->nnz + q];
        const float *g  = y->grad + r * out + o0;
        float        s  = a->s ? a->s[r * a->nnz + q] : 1.0f;
        for (PetscInt k = 0; k < ob; k++) dw[k * in] += s * g[k]; /* dW[:, j] += s dy[r, :] */
      }
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@
  PdGatherColumns - y[r,:] = sum_q s[r nnz + q] W[:, idx[r nnz + q]]: rows of x W^T for sparse x

  Input: tape (the weight is usually a parameter, which has none), W [out, in], n rows, nnz
  entries per row, idx and s (s may be NULL for ones; both copied).
  Output: y [n, out].
@*/
PetscErrorCode PdGatherColumns(PdTape tape, PdTensor W, PetscInt n, PetscInt nnz, const PetscInt idx[], const float s[], PdTensor *out)
{
  PdTensor       y;
  GatherColsAux *a;
  PetscInt       shape[2], o, in;

  PetscFunctionBegin;
  PetscCheck(!W->tape || W->tape == tape, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "PdGatherColumns: the weight is recorded on another tape");
  PetscCheck(W->ndim == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdGatherColumns: the weight must be a matrix [out, in], got %d dimensions", W->ndim);
  PetscCheck(n >= 1 && nnz >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdGatherColumns: need at least one row and one entry per row");
  o  = W->shape[0];
  in = W->shape[1];
  for (PetscInt k = 0; k < n * nnz; k++) PetscCheck(idx[k] >= 0 && idx[k] < in, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdGatherColumns: column %" PetscInt_FMT " at position %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", idx[k], k, in);
  shape[0] = n;
  shape[1] = o;
  PetscCall(PdTapeRecord(tape, PD_OP_GATHER_COLUMNS, 2, shape, GatherColumnsBackward, W, NULL, NULL, &y));
  PetscCall(PdTapeAlloc(tape, sizeof(GatherColsAux), (void **)&a));
  PetscCall(PdTapeAlloc(tape, sizeof(PetscInt) * (size_t)(n * nnz), (void **)&a->idx));
  PetscCall(PetscArraycpy(a->idx, idx, n * nnz));
  if (s) {
    PetscCall(PdTapeAlloc(tape, sizeof(float) * (size_t)(n * nnz), (void **)&a->s));
    PetscCall(PetscArraycpy(a->s, s, n * nnz));
  }
  a->nnz = nnz;
  y->aux = a;
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  PetscCall(PetscArrayzero(y->data, y->size));
  for (PetscInt o0 = 0; o0 < o; o0 += GC_TILE) { /* as in backward */
    PetscInt ob = PetscMin(GC_TILE, o - o0);
    for (PetscInt r = 0; r < n; r++)
      for (PetscInt q = 0; q < nnz; q++) {
        const float *w  = W->data + o0 * in + idx[r * nnz + q];
        float       *yr = y->data + r * o + o0, sc = s ? s[r * nnz + q] : 1.0f;
        for (PetscInt k = 0; k < ob; k++) yr[k] += sc * w[k * in];
      }
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}
