/* 3x3 convolution with zero padding 1 and stride 1 or 2, and its transpose (the exact adjoint),
   by im2col/col2im and OpenBLAS sgemm: the restriction/prolongation/smoothing blocks of MgNO. */
#include <pdeop/ops.h>
#include <cblas.h>
#include <string.h>

/* The output columns ox whose input column ix = ox s + kx - 1 lies in [0, W): [lo, hi) */
static inline void ValidColumns(PetscInt W, PetscInt s, PetscInt kx, PetscInt Wo, PetscInt *lo, PetscInt *hi)
{
  *lo = kx == 0 ? 1 : 0; /* ix = -1 only at ox = 0, kx = 0 */
  *hi = PetscMin(Wo, (W - kx) / s + 1);
}

/* col[(c*9 + ky*3 + kx), oy*Wo + ox] = in[c, oy*s + ky - 1, ox*s + kx - 1] (0 outside): zeros at the
   edges, a branch-free copy (stride 1) or strided gather (stride 2) inside */
static void Im2Col(const float *restrict in, PetscInt C, PetscInt H, PetscInt W, PetscInt s, PetscInt Ho, PetscInt Wo, float *restrict col)
{
  for (PetscInt c = 0; c < C; c++)
    for (PetscInt ky = 0; ky < 3; ky++)
      for (PetscInt kx = 0; kx < 3; kx++) {
        float   *row = col + ((c * 3 + ky) * 3 + kx) * Ho * Wo;
        PetscInt lo, hi;
        ValidColumns(W, s, kx, Wo, &lo, &hi);
        for (PetscInt oy = 0; oy < Ho; oy++) {
          const PetscInt iy = oy * s + ky - 1;
          float         *r  = row + oy * Wo;
          if (iy < 0 || iy >= H) {
            memset(r, 0, sizeof(float) * (size_t)Wo);
            continue;
          }
          const float *src = in + (c * H + iy) * W + kx - 1; /* src[ox s] is column ox */
          for (PetscInt ox = 0; ox < lo; ox++) r[ox] = 0;
          if (s == 1) memcpy(r + lo, src + lo, sizeof(float) * (size_t)(hi - lo));
          else
            for (PetscInt ox = lo; ox < hi; ox++) r[ox] = src[ox * s];
          for (PetscInt ox = hi; ox < Wo; ox++) r[ox] = 0;
        }
      }
}

/* the adjoint of Im2Col: out[c, iy, ix] += col[...] */
static void Col2Im(const float *restrict col, PetscInt C, PetscInt H, PetscInt W, PetscInt s, PetscInt Ho, PetscInt Wo, float *restrict out)
{
  for (PetscInt c = 0; c < C; c++)
    for (PetscInt ky = 0; ky < 3; ky++)
      for (PetscInt kx = 0; kx < 3; kx++) {
        const float *row = col + ((c * 3 + ky) * 3 + kx) * Ho * Wo;
        PetscInt     lo, hi;
        ValidColumns(W, s, kx, Wo, &lo, &hi);
        for (PetscInt oy = 0; oy < Ho; oy++) {
          const PetscInt iy = oy * s + ky - 1;
          if (iy < 0 || iy >= H) continue;
          const float *restrict r   = row + oy * Wo;
          float *restrict       dst = out + (c * H + iy) * W + kx - 1;
          if (s == 1)
            for (PetscInt ox = lo; ox < hi; ox++) dst[ox] += r[ox];
          else
            for (PetscInt ox = lo; ox < hi; ox++) dst[ox * s] += r[ox];
        }
      }
}

static PetscErrorCode CheckConv(const char *op, PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PetscBool transpose)
{
  char sx[96], sw[96];

  PetscFunctionBegin;
  PetscCall(PdShapeString(x->ndim, x->shape, sx, sizeof(sx)));
  PetscCall(PdShapeString(w->ndim, w->shape, sw, sizeof(sw)));
  PetscCheck(stride == 1 || stride == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: stride must be 1 or 2, got %" PetscInt_FMT, op, stride);
  PetscCheck(x->ndim == 4, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: input %s must be [B,C,H,W]", op, sx);
  PetscCheck(w->ndim == 4 && w->shape[2] == 3 && w->shape[3] == 3 && w->shape[transpose ? 0 : 1] == x->shape[1], PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: weights %s must be %s with Cin = %" PetscInt_FMT, op, sw, transpose ? "[Cin,Cout,3,3]" : "[Cout,Cin,3,3]", x->shape[1]);
  PetscCheck(!b || b->size == w->shape[transpose ? 1 : 0], PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: the bias needs one entry per output channel", op);
  PetscFunctionReturn(0);
}

static void AddBias(float *y, const float *b, PetscInt C, PetscInt S)
{
  for (PetscInt c = 0; c < C; c++)
    for (PetscInt k = 0; k < S; k++) y[c * S + k] += b[c];
}

static void BiasGrad(const float *dy, float *db, PetscInt C, PetscInt S)
{
  for (PetscInt c = 0; c < C; c++) {
    double s = 0;
    for (PetscInt k = 0; k < S; k++) s += dy[c * S + k];
    db[c] += (float)s;
  }
}

/* ---- convolution: y_n [Cout, Ho Wo] = Wm [Cout, Cin 9] col(x_n) + b ---- */
static PetscErrorCode ConvBackward(PdTensor y)
{
  PdTensor x = y->src[0], w = y->src[1], b = y->src[2];
  PetscInt B = x->shape[0], cin = x->shape[1], H = x->shape[2], W = x->shape[3], s = y->iarg[0];
  PetscInt cout = y->shape[1], Ho = y->shape[2], Wo = y->shape[3], S = Ho * Wo, K = cin * 9;
  float   *col;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < B; n++) {
    const float *dy = y->grad + n * cout * S;
    if (w->grad) {
      Im2Col(x->data + n * cin * H * W, cin, H, W, s, Ho, Wo, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, K, S, 1.0f, dy, S, col, S, 1.0f, w->grad, K); /* dW += dy col^T */
    }
    if (b && b->grad) BiasGrad(dy, b->grad, cout, S);
    if (x->grad) {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, S, cout, 1.0f, w->data, K, dy, S, 0.0f, col, S); /* dcol = W^T dy */
      Col2Im(col, cin, H, W, s, Ho, Wo, x->grad + n * cin * H * W);
    }
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@ PdConv3x3 - 3x3 convolution, zero padding 1, stride 1 or 2 (see ops.h) @*/
PetscErrorCode PdConv3x3(PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt shape[4], B, cin, H, W, cout, Ho, Wo, K;
  float   *col;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, w, b, &tape));
  PetscCall(CheckConv("PdConv3x3", x, w, b, stride, PETSC_FALSE));
  B        = x->shape[0];
  cin      = x->shape[1];
  H        = x->shape[2];
  W        = x->shape[3];
  cout     = w->shape[0];
  Ho       = (H - 1) / stride + 1;
  Wo       = (W - 1) / stride + 1;
  K        = cin * 9;
  shape[0] = B;
  shape[1] = cout;
  shape[2] = Ho;
  shape[3] = Wo;
  PetscCall(PdTapeNewNode(tape, PD_OP_CONV3X3, 4, shape, PdNeedsGrad(tape, x, w, b), &y));
  y->src[0]   = x;
  y->src[1]   = w;
  y->src[2]   = b;
  y->iarg[0]  = stride;
  y->backward = ConvBackward;
  PetscCall(PetscLogEventBegin(PD_EVENT_Conv, 0, 0, 0, 0));
  PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)K * Ho * Wo, (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < B; n++) {
    float *yn = y->data + n * cout * Ho * Wo;
    Im2Col(x->data + n * cin * H * W, cin, H, W, stride, Ho, Wo, col);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, Ho * Wo, K, 1.0f, w->data, K, col, Ho * Wo, 0.0f, yn, Ho * Wo);
    if (b) AddBias(yn, b->data, cout, Ho * Wo);
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Conv, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}

/* ---- transpose: y_n = col2im(Wm^T x_n) + b, the adjoint of the convolution [Cout] -> [Cin] whose
   weights Wm [Cin, Cout 9] are w reshaped ---- */
static PetscErrorCode ConvTBackward(PdTensor y)
{
  PdTensor x = y->src[0], w = y->src[1], b = y->src[2];
  PetscInt B = x->shape[0], cin = x->shape[1], H = x->shape[2], W = x->shape[3], s = y->iarg[0];
  PetscInt cout = y->shape[1], Ho = y->shape[2], Wo = y->shape[3], K = cout * 9, S = H * W;
  float   *col;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < B; n++) {
    const float *dy = y->grad + n * cout * Ho * Wo;
    if (b && b->grad) BiasGrad(dy, b->grad, cout, Ho * Wo);
    Im2Col(dy, cout, Ho, Wo, s, H, W, col); /* the forward's col2im, adjoint: im2col of dy */
    if (x->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cin, S, K, 1.0f, w->data, K, col, S, 1.0f, x->grad + n * cin * S, S); /* dx += Wm col(dy) */
    if (w->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cin, K, S, 1.0f, x->data + n * cin * S, S, col, S, 1.0f, w->grad, K); /* dWm += x col(dy)^T */
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@ PdConv3x3Transpose - transposed 3x3 convolution, the adjoint of PdConv3x3 with the same stride @*/
PetscErrorCode PdConv3x3Transpose(PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt shape[4], B, cin, H, W, cout, Ho, Wo, K, S;
  float   *col;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, w, b, &tape));
  PetscCall(CheckConv("PdConv3x3Transpose", x, w, b, stride, PETSC_TRUE));
  B        = x->shape[0];
  cin      = x->shape[1];
  H        = x->shape[2];
  W        = x->shape[3];
  cout     = w->shape[1];
  Ho       = (H - 1) * stride + 1;
  Wo       = (W - 1) * stride + 1;
  K        = cout * 9;
  S        = H * W;
  shape[0] = B;
  shape[1] = cout;
  shape[2] = Ho;
  shape[3] = Wo;
  PetscCall(PdTapeNewNode(tape, PD_OP_CONV3X3_T, 4, shape, PdNeedsGrad(tape, x, w, b), &y));
  y->src[0]   = x;
  y->src[1]   = w;
  y->src[2]   = b;
  y->iarg[0]  = stride;
  y->backward = ConvTBackward;
  PetscCall(PetscLogEventBegin(PD_EVENT_Conv, 0, 0, 0, 0));
  PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < B; n++) {
    float *yn = y->data + n * cout * Ho * Wo;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, S, cin, 1.0f, w->data, K, x->data + n * cin * S, S, 0.0f, col, S); /* col = Wm^T x_n */
    PetscCall(PetscArrayzero(yn, cout * Ho * Wo));
    Col2Im(col, cout, Ho, Wo, stride, H, W, yn);
    if (b) AddBias(yn, b->data, cout, Ho * Wo);
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Conv, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}
