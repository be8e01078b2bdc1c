/* 3x3 (2D) and 3x3x3 (3D) convolution with zero padding 1 and stride 1 or 2, and its transpose (the
   exact adjoint), by im2col/col2im and OpenBLAS sgemm: the restriction/prolongation/smoothing blocks of MgNO. */
#include <pdeop/ops.h>
#include <cblas.h>
#include <string.h>

/* One convolution's geometry: C channels on a D x H x W grid (D = 1 in 2D), kernel depth kd (1 in 2D,
   3 in 3D) by 3 x 3, stride s, output grid Do x Ho x Wo */
typedef struct {
  PetscInt C, D, H, W, kd, s, Do, Ho, Wo;
} Geom;

/* The output columns ox whose input column ix = ox s + kx - 1 lies in [0, W): [lo, hi) */
static inline void ValidColumns(PetscInt W, PetscInt s, PetscInt kx, PetscInt Wo, PetscInt *lo, PetscInt *hi)
{
  *lo = kx == 0 ? 1 : 0; /* ix = -1 only at ox = 0, kx = 0 */
  *hi = PetscMin(Wo, (W - kx) / s + 1);
}

/* col[(((c kd + kz) 3 + ky) 3 + kx), (oz Ho + oy) Wo + ox] = in[c, oz s + kz - 1, oy s + ky - 1, ox s + kx - 1]
   (0 outside; in 2D the depth index is 0): zeros at the edges, a branch-free copy (stride 1) or
   strided gather (stride 2) inside */
static void Im2Col(const float *restrict in, const Geom *g, float *restrict col)
{
  const PetscInt s = g->s, H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo, pz = g->kd == 3 ? 1 : 0;
  for (PetscInt c = 0; c < g->C; c++)
    for (PetscInt kz = 0; kz < g->kd; kz++)
      for (PetscInt ky = 0; ky < 3; ky++)
        for (PetscInt kx = 0; kx < 3; kx++) {
          float   *row = col + (((c * g->kd + kz) * 3 + ky) * 3 + kx) * g->Do * Ho * Wo;
          PetscInt lo, hi;
          ValidColumns(W, s, kx, Wo, &lo, &hi);
          for (PetscInt oz = 0; oz < g->Do; oz++) {
            const PetscInt iz    = oz * s + kz - pz;
            float         *plane = row + oz * Ho * Wo;
            if (iz < 0 || iz >= g->D) {
              memset(plane, 0, sizeof(float) * (size_t)(Ho * Wo));
              continue;
            }
            for (PetscInt oy = 0; oy < Ho; oy++) {
              const PetscInt iy = oy * s + ky - 1;
              float         *r  = plane + oy * Wo;
              if (iy < 0 || iy >= H) {
                memset(r, 0, sizeof(float) * (size_t)Wo);
                continue;
              }
              const float *src = in + ((c * g->D + iz) * H + iy) * W + kx - 1; /* src[ox s] is column ox */
              for (PetscInt ox = 0; ox < lo; ox++) r[ox] = 0;
              if (s == 1) memcpy(r + lo, src + lo, sizeof(float) * (size_t)(hi - lo));
              else
                for (PetscInt ox = lo; ox < hi; ox++) r[ox] = src[ox * s];
              for (PetscInt ox = hi; ox < Wo; ox++) r[ox] = 0;
            }
          }
        }
}

/* the adjoint of Im2Col: out[c, iz, iy, ix] += col[...] */
static void Col2Im(const float *restrict col, const Geom *g, float *restrict out)
{
  const PetscInt s = g->s, H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo, pz = g->kd == 3 ? 1 : 0;
  for (PetscInt c = 0; c < g->C; c++)
    for (PetscInt kz = 0; kz < g->kd; kz++)
      for (PetscInt ky = 0; ky < 3; ky++)
        for (PetscInt kx = 0; kx < 3; kx++) {
          const float *row = col + (((c * g->kd + kz) * 3 + ky) * 3 + kx) * g->Do * Ho * Wo;
          PetscInt     lo, hi;
          ValidColumns(W, s, kx, Wo, &lo, &hi);
          for (PetscInt oz = 0; oz < g->Do; oz++) {
            const PetscInt iz = oz * s + kz - pz;
            if (iz < 0 || iz >= g->D) continue;
            for (PetscInt oy = 0; oy < Ho; oy++) {
              const PetscInt iy = oy * s + ky - 1;
              if (iy < 0 || iy >= H) continue;
              const float *restrict r   = row + (oz * Ho + oy) * Wo;
              float *restrict       dst = out + ((c * g->D + iz) * H + iy) * W + kx - 1;
              if (s == 1)
                for (PetscInt ox = lo; ox < hi; ox++) dst[ox] += r[ox];
              else
                for (PetscInt ox = lo; ox < hi; ox++) dst[ox * s] += r[ox];
            }
          }
        }
}

/* Checks shapes (2D [B,C,H,W] with w [.,.,3,3] or 3D [B,C,D,H,W] with w [.,.,3,3,3]) and returns the
   geometry of the underlying convolution: for the transpose, that of its adjoint (the forward
   convolution from the output grid to the input grid) */
static PetscErrorCode CheckConv(const char *op, PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PetscBool transpose, const PetscInt *og, Geom *g)
{
  char      sx[96], sw[96];
  PetscBool kok;
  PetscInt  n[3];

  PetscFunctionBegin;
  PetscCall(PdShapeString(x->ndim, x->shape, sx, sizeof(sx)));
  PetscCall(PdShapeString(w->ndim, w->shape, sw, sizeof(sw)));
  PetscCheck(stride == 1 || stride == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: stride must be 1 or 2, got %" PetscInt_FMT, op, stride);
  PetscCheck(x->ndim == 4 || x->ndim == 5, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: input %s must be [B,C,H,W] or [B,C,D,H,W]", op, sx);
  kok = (PetscBool)(w->ndim == x->ndim);
  for (int i = 2; kok && i < w->ndim; i++) kok = (PetscBool)(w->shape[i] == 3);
  PetscCheck(kok && w->shape[transpose ? 0 : 1] == x->shape[1], PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: weights %s must be %s%s with Cin = %" PetscInt_FMT, op, sw, transpose ? "[Cin,Cout,3,3" : "[Cout,Cin,3,3", x->ndim == 5 ? ",3]" : "]", x->shape[1]);
  PetscCheck(!b || b->size == w->shape[transpose ? 1 : 0], PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: the bias needs one entry per output channel", op);
  n[0] = x->ndim == 5 ? x->shape[2] : 1;
  n[1] = x->shape[x->ndim - 2];
  n[2] = x->shape[x->ndim - 1];
  g->kd = x->ndim == 5 ? 3 : 1;
  g->s  = stride;
  if (!transpose) {
    g->C = x->shape[1], g->D = n[0], g->H = n[1], g->W = n[2];
    g->Do = (n[0] - 1) / stride + 1, g->Ho = (n[1] - 1) / stride + 1, g->Wo = (n[2] - 1) / stride + 1;
  } else {
    g->C = w->shape[1], g->Do = n[0], g->Ho = n[1], g->Wo = n[2];
    g->D = x->ndim == 5 ? (n[0] - 1) * stride + 1 : 1, g->H = (n[1] - 1) * stride + 1, g->W = (n[2] - 1) * stride + 1;
    if (og) { /* an output grid the strided convolution maps onto x's grid, e.g. an even side */
      PetscInt nd = x->ndim - 2, o[3];
      o[0] = nd == 3 ? og[0] : 1, o[1] = og[nd - 2], o[2] = og[nd - 1];
      for (int i = 0; i < 3; i++) PetscCheck(o[i] >= 1 && (o[i] - 1) / stride + 1 == n[i], PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: output side %" PetscInt_FMT " does not map onto input side %" PetscInt_FMT " with stride %" PetscInt_FMT, op, o[i], n[i], stride);
      g->D = o[0], g->H = o[1], g->W = o[2];
    }
  }
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

/* the output shape: [B, Cout, grid...] */
static void OutShape(PdTensor x, PetscInt cout, PetscInt D, PetscInt H, PetscInt W, PetscInt shape[])
{
  shape[0] = x->shape[0];
  shape[1] = cout;
  if (x->ndim == 5) shape[2] = D;
  shape[x->ndim - 2] = H;
  shape[x->ndim - 1] = W;
}

/* ---- convolution: y_n [Cout, So] = Wm [Cout, Cin kd 9] col(x_n) + b ---- */
static PetscErrorCode ConvBackward(PdTensor y)
{
  PdTensor x = y->src[0], w = y->src[1], b = y->src[2];
  Geom     g;
  PetscInt B = x->shape[0], cout = y->shape[1], S, Si, K;
  float   *col;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscCall(CheckConv("PdConv3x3", x, w, b, y->iarg[0], PETSC_FALSE, NULL, &g));
  S  = g.Do * g.Ho * g.Wo;
  Si = g.D * g.H * g.W;
  K  = g.C * g.kd * 9;
  PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < B; n++) {
    const float *dy = y->grad + n * cout * S;
    if (w->grad) {
      Im2Col(x->data + n * g.C * Si, &g, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, K, S, 1.0f, dy, S, col, S, 1.0f, w->grad, K); /* dW += dy col^T */
    }
    if (b && b->grad) BiasGrad(dy, b->grad, cout, S);
    if (x->grad) {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, S, cout, 1.0f, w->data, K, dy, S, 0.0f, col, S); /* dcol = W^T dy */
      Col2Im(col, &g, x->grad + n * g.C * Si);
    }
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@ PdConv3x3 - 3x3 (2D) or 3x3x3 (3D) convolution, zero padding 1, stride 1 or 2 (see ops.h) @*/
PetscErrorCode PdConv3x3(PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  Geom     g;
  PetscInt shape[5], cout, S, Si, K;
  float   *col;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, w, b, &tape));
  PetscCall(CheckConv("PdConv3x3", x, w, b, stride, PETSC_FALSE, NULL, &g));
  cout = w->shape[0];
  S    = g.Do * g.Ho * g.Wo;
  Si   = g.D * g.H * g.W;
  K    = g.C * g.kd * 9;
  OutShape(x, cout, g.Do, g.Ho, g.Wo, shape);
  PetscCall(PdTapeNewNode(tape, PD_OP_CONV3X3, x->ndim, shape, PdNeedsGrad(tape, x, w, b), &y));
  y->src[0]   = x;
  y->src[1]   = w;
  y->src[2]   = b;
  y->iarg[0]  = stride;
  y->backward = ConvBackward;
  PetscCall(PetscLogEventBegin(PD_EVENT_Conv, 0, 0, 0, 0));
  PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < x->shape[0]; n++) {
    float *yn = y->data + n * cout * S;
    Im2Col(x->data + n * g.C * Si, &g, col);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, S, K, 1.0f, w->data, K, col, S, 0.0f, yn, S);
    if (b) AddBias(yn, b->data, cout, S);
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Conv, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}

/* ---- transpose: y_n = col2im(Wm^T x_n) + b, the adjoint of the convolution [Cout] -> [Cin] whose
   weights Wm [Cin, Cout kd 9] are w reshaped; g is that convolution's geometry (y's grid -> x's) ---- */
static PetscErrorCode ConvTBackward(PdTensor y)
{
  PdTensor x = y->src[0], w = y->src[1], b = y->src[2];
  Geom     g;
  PetscInt B = x->shape[0], cin = x->shape[1], cout, K, S, So;
  float   *col;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscCall(CheckConv("PdConv3x3Transpose", x, w, b, y->iarg[0], PETSC_TRUE, y->shape + 2, &g));
  cout = g.C;
  K    = cout * g.kd * 9;
  S    = g.Do * g.Ho * g.Wo; /* x's grid */
  So   = g.D * g.H * g.W;    /* y's grid */
  PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < B; n++) {
    const float *dy = y->grad + n * cout * So;
    if (b && b->grad) BiasGrad(dy, b->grad, cout, So);
    Im2Col(dy, &g, col); /* the forward's col2im, adjoint: im2col of dy */
    if (x->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cin, S, K, 1.0f, w->data, K, col, S, 1.0f, x->grad + n * cin * S, S); /* dx += Wm col(dy) */
    if (w->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cin, K, S, 1.0f, x->data + n * cin * S, S, col, S, 1.0f, w->grad, K); /* dWm += x col(dy)^T */
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@ PdConv3x3Transpose - transposed 3x3 (3x3x3) convolution, the adjoint of PdConv3x3 with the same stride @*/
PetscErrorCode PdConv3x3Transpose(PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(PdConv3x3TransposeTo(x, w, b, stride, NULL, out));
  PetscFunctionReturn(0);
}

/*@ PdConv3x3TransposeTo - PdConv3x3Transpose onto a given output grid (NULL: (n-1)s+1 per side): the
  adjoint of the strided PdConv3x3 from that grid, so even sides work too (n = 2 m maps onto m) @*/
PetscErrorCode PdConv3x3TransposeTo(PdTensor x, PdTensor w, PdTensor b, PetscInt stride, const PetscInt grid[], PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  Geom     g;
  PetscInt shape[5], cin, cout, K, S, So;
  float   *col;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, w, b, &tape));
  PetscCall(CheckConv("PdConv3x3Transpose", x, w, b, stride, PETSC_TRUE, grid, &g));
  cin  = x->shape[1];
  cout = g.C;
  K    = cout * g.kd * 9;
  S    = g.Do * g.Ho * g.Wo;
  So   = g.D * g.H * g.W;
  OutShape(x, cout, g.D, g.H, g.W, shape);
  PetscCall(PdTapeNewNode(tape, PD_OP_CONV3X3_T, x->ndim, shape, PdNeedsGrad(tape, x, w, b), &y));
  y->src[0]   = x;
  y->src[1]   = w;
  y->src[2]   = b;
  y->iarg[0]  = stride;
  y->backward = ConvTBackward;
  PetscCall(PetscLogEventBegin(PD_EVENT_Conv, 0, 0, 0, 0));
  PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < x->shape[0]; n++) {
    float *yn = y->data + n * cout * So;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, S, cin, 1.0f, w->data, K, x->data + n * cin * S, S, 0.0f, col, S); /* col = Wm^T x_n */
    PetscCall(PetscArrayzero(yn, cout * So));
    Col2Im(col, &g, yn);
    if (b) AddBias(yn, b->data, cout, So);
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Conv, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}
