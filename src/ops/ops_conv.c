/* 3x3 (2D) and 3x3x3 (3D) convolution with zero padding 1 and stride 1 or 2, and its transpose (the
   exact adjoint), by im2col/col2im and OpenBLAS sgemm, a direct kernel or Winograd F(2x2,3x3): the
   restriction/prolongation/smoothing blocks of MgNO. The kernels are in conv_kernels.c. */
#include "conv_kernels.h"
#include <cblas.h>
#include <string.h>

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
  n[0]  = x->ndim == 5 ? x->shape[2] : 1;
  n[1]  = x->shape[x->ndim - 2];
  n[2]  = x->shape[x->ndim - 1];
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

static void AddBias(float *y, const float *b, float alpha, PetscInt C, PetscInt S)
{
  for (PetscInt c = 0; c < C; c++)
    for (PetscInt k = 0; k < S; k++) y[c * S + k] += alpha * b[c];
}

static void BiasGrad(const float *dy, float *db, float alpha, PetscInt C, PetscInt S)
{
  for (PetscInt c = 0; c < C; c++) {
    double s = 0;
    for (PetscInt k = 0; k < S; k++) s += dy[c * S + k];
    db[c] += alpha * (float)s;
  }
}

/* Checks that the addend z of a fused convolution has the output's shape */
static PetscErrorCode CheckAddend(const char *op, PdTensor z, int ndim, const PetscInt shape[])
{
  char      sz[96], so[96];
  PetscBool ok;

  PetscFunctionBegin;
  if (!z) PetscFunctionReturn(0);
  ok = (PetscBool)(z->ndim == ndim);
  for (int i = 0; ok && i < ndim; i++) ok = (PetscBool)(z->shape[i] == shape[i]);
  if (!ok) {
    PetscCall(PdShapeString(z->ndim, z->shape, sz, sizeof(sz)));
    PetscCall(PdShapeString(ndim, shape, so, sizeof(so)));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: the added tensor %s must have the output's shape %s", op, sz, so);
  }
  PetscFunctionReturn(0);
}

/* The tape the node records on: the addend's, else that of x, w or b */
static PetscErrorCode ConvTape(PdTensor z, PdTensor x, PdTensor w, PdTensor b, PdTape *tape)
{
  PetscFunctionBegin;
  if (z && z->tape) *tape = z->tape;
  else PetscCall(PdOpGetTape(x, w, b, tape));
  PetscFunctionReturn(0);
}

/* The node y [shape] = z + alpha conv(x, w, b) (or its transpose) with stride: the addend checked, the
   sources and arguments its backward reads recorded */
static PetscErrorCode NewConvNode(const char *opname, PdOpType op, PdTape tape, PdTensor z, PetscReal alpha, PdTensor x, PdTensor w, PdTensor b, PetscInt stride, const PetscInt shape[], PdBackwardFn backward, PdTensor *out)
{
  PdTensor y;

  PetscFunctionBegin;
  PetscCall(CheckAddend(opname, z, x->ndim, shape));
  PetscCall(PdTapeNewNode(tape, op, x->ndim, shape, (PetscBool)(PdNeedsGrad(tape, x, w, b) || PdNeedsGrad(tape, z, NULL, NULL)), &y));
  y->src[0]   = x;
  y->src[1]   = w;
  y->src[2]   = b;
  y->src[3]   = z;
  y->farg[0]  = (float)alpha;
  y->iarg[0]  = stride;
  y->backward = backward;
  *out        = y;
  PetscFunctionReturn(0);
}

/* y = z + ... : the output starts as a copy of the addend, or zero */
static PetscErrorCode StartOutput(PdTensor z, float *y, PetscInt n)
{
  PetscFunctionBegin;
  if (z) PetscCall(PetscArraycpy(y, z->data, n));
  else PetscCall(PetscArrayzero(y, n));
  PetscFunctionReturn(0);
}

/* dz += dy for the addend */
static void AddendGrad(PdTensor y)
{
  PdTensor z = y->src[3];
  if (z && z->grad)
    for (PetscInt i = 0; i < y->size; i++) z->grad[i] += y->grad[i];
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

/* The stride-1 input gradient is itself a stride-1 convolution of dy with the kernel flipped in space
   and transposed in channels: Wf [Cin, Cout kd 9], Wf[ci, (co kd + kz) 9 + ky 3 + kx] =
   W[co, ci, kd-1-kz, 2-ky, 2-kx]. Its sgemm has inner dimension Cout kd 9 rather than Cout, and it
   needs no col2im scatter. */
static void FlipKernel(const float *w, PetscInt cout, PetscInt cin, PetscInt kd, float *wf)
{
  const PetscInt kk = kd * 9;
  for (PetscInt co = 0; co < cout; co++)
    for (PetscInt ci = 0; ci < cin; ci++)
      for (PetscInt k = 0; k < kk; k++) wf[ci * cout * kk + co * kk + (kk - 1 - k)] = w[(co * cin + ci) * kk + k];
}

static PetscErrorCode ConvBackward(PdTensor y)
{
  PdTensor    x = y->src[0], w = y->src[1], b = y->src[2];
  Geom        g, gt;
  PetscInt    B = x->shape[0], cout = y->shape[1], S, Si, K, Kt;
  float      *col = NULL, *wf = NULL;
  const float alpha = y->farg[0];
  PetscBool   direct, wino, winow;
  size_t      ds;
  PdTapeMark  mark;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscCall(PdTapeGetMark(y->tape, &mark)); /* every allocation below is scratch, given back at the end */
  PetscCall(CheckConv("PdConv3x3", x, w, b, y->iarg[0], PETSC_FALSE, NULL, &g));
  S  = g.Do * g.Ho * g.Wo;
  Si = g.D * g.H * g.W;
  K  = g.C * g.kd * 9;
  gt = g, gt.C = cout; /* stride 1: the convolution of dy that gives dx */
  Kt = cout * g.kd * 9;
  if (x->grad && g.s == 1) {
    PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * (size_t)Kt * g.C, (void **)&wf));
    FlipKernel(w->data, cout, g.C, g.kd, wf);
  }
  direct = PdConvUseDirect(&g, g.C, cout);                           /* dx by a direct kernel (stride 2: the transposed one); dW by sgemm here */
  wino   = (PetscBool)(x->grad && PdConvUseWinograd(&g, cout, g.C)); /* dx by Winograd, after the loop */
  winow  = (PetscBool)(w->grad && PdConvUseWinograd(&g, g.C, cout)); /* dW by Winograd, after the loop */
  ds     = !direct ? 0 : g.s == 1 ? PdConvDirectScratch(cout, &gt)
                                  : PdConvDirectTScratch(cout, &g);
  if ((w->grad && !winow) || (x->grad && !wino)) PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * PetscMax((size_t)PetscMax(K, Kt) * S, ds), (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < B; n++) {
    const float *dy = y->grad + n * cout * S;
    if (w->grad && !winow) {
      PdConvIm2Col(x->data + n * g.C * Si, &g, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, K, S, alpha, dy, S, col, S, 1.0f, w->grad, K); /* dW += alpha dy col^T */
    }
    if (b && b->grad) BiasGrad(dy, b->grad, alpha, cout, S);
    if (!x->grad || wino) continue;
    if (direct && wf) PdConvDirect(dy, wf, cout, g.C, &gt, alpha, x->grad + n * g.C * Si, x->grad + n * g.C * Si, col);
    else if (direct) PdConvDirectT(dy, w->data, cout, g.C, &g, alpha, x->grad + n * g.C * Si, x->grad + n * g.C * Si, col); /* W^T dy, col2im'd: the transpose of dy */
    else if (wf) {
      PdConvIm2Col(dy, &gt, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.C, S, Kt, alpha, wf, Kt, col, S, 1.0f, x->grad + n * g.C * Si, S); /* dx += alpha Wf col(dy) */
    } else {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, S, cout, alpha, w->data, K, dy, S, 0.0f, col, S); /* dcol = alpha W^T dy */
      PdConvCol2Im(col, &g, x->grad + n * g.C * Si);
    }
  }
  if (wino) {
    float *work;
    PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * PdConvWinogradScratch(cout, g.C, g.H, g.W), (void **)&work)); /* every entry written before it is read */
    PdConvWinograd(B, y->grad, wf, cout, g.C, g.H, g.W, alpha, x->grad, x->grad, work);
  }
  if (winow) {
    float *work;
    PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * PdConvWinogradScratch(g.C, cout, g.H, g.W), (void **)&work)); /* every entry written before it is read */
    PdConvWinogradWeightGrad(B, x->data, y->grad, g.C, cout, g.H, g.W, alpha, w->grad, work);
  }
  PetscCall(PdTapeRelease(y->tape, &mark));
  AddendGrad(y);
  PetscCall(PetscLogFlops(2.0 * B * cout * K * S * ((w->grad ? 1 : 0) + (x->grad ? 1 : 0))));
  PetscCall(PetscLogEventEnd(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* y = z + alpha (conv(x, w) + b), z optional */
static PetscErrorCode ConvForward(const char *op, PdTensor z, PetscReal alpha, PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PdTape     tape;
  PdTensor   y;
  Geom       g;
  PetscInt   shape[5], cout, S, Si, K;
  float     *col;
  PdTapeMark mark;

  PetscFunctionBegin;
  PetscCall(ConvTape(z, x, w, b, &tape));
  PetscCall(CheckConv(op, x, w, b, stride, PETSC_FALSE, NULL, &g));
  cout = w->shape[0];
  S    = g.Do * g.Ho * g.Wo;
  Si   = g.D * g.H * g.W;
  K    = g.C * g.kd * 9;
  OutShape(x, cout, g.Do, g.Ho, g.Wo, shape);
  PetscCall(NewConvNode(op, PD_OP_CONV3X3, tape, z, alpha, x, w, b, stride, shape, ConvBackward, &y));
  PetscCall(PetscLogEventBegin(PD_EVENT_Conv, 0, 0, 0, 0));
  PetscCall(PdTapeGetMark(tape, &mark)); /* the scratch below is given back at the end */
  if (PdConvUseWinograd(&g, g.C, cout)) {
    float *work;
    PetscCall(PdTapeAllocUninit(tape, sizeof(float) * PdConvWinogradScratch(g.C, cout, g.H, g.W), (void **)&work)); /* every entry written before it is read */
    PdConvWinograd(x->shape[0], x->data, w->data, g.C, cout, g.H, g.W, (float)alpha, z ? z->data : NULL, y->data, work);
    if (b)
      for (PetscInt n = 0; n < x->shape[0]; n++) AddBias(y->data + n * cout * S, b->data, (float)alpha, cout, S);
  } else if (PdConvUseDirect(&g, g.C, cout)) {
    float *xp;
    PetscCall(PdTapeAllocUninit(tape, sizeof(float) * PdConvDirectScratch(g.C, &g), (void **)&xp)); /* every entry written before it is read */
    for (PetscInt n = 0; n < x->shape[0]; n++) {                                                    /* the kernel writes every entry: y = z + alpha conv */
      float *yn = y->data + n * cout * S;
      PdConvDirect(x->data + n * g.C * Si, w->data, g.C, cout, &g, (float)alpha, z ? z->data + n * cout * S : NULL, yn, xp);
      if (b) AddBias(yn, b->data, (float)alpha, cout, S);
    }
  } else {
    PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
    if (z) PetscCall(PetscArraycpy(y->data, z->data, y->size));
    for (PetscInt n = 0; n < x->shape[0]; n++) {
      float *yn = y->data + n * cout * S;
      PdConvIm2Col(x->data + n * g.C * Si, &g, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, S, K, (float)alpha, w->data, K, col, S, z ? 1.0f : 0.0f, yn, S);
      if (b) AddBias(yn, b->data, (float)alpha, cout, S);
    }
  }
  PetscCall(PdTapeRelease(tape, &mark));
  PetscCall(PetscLogFlops(2.0 * x->shape[0] * cout * K * S));
  PetscCall(PetscLogEventEnd(PD_EVENT_Conv, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}

/*@ PdConv3x3 - 3x3 (2D) or 3x3x3 (3D) convolution, zero padding 1, stride 1 or 2 (see ops.h) @*/
PetscErrorCode PdConv3x3(PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(ConvForward("PdConv3x3", NULL, 1.0, x, w, b, stride, out));
  PetscFunctionReturn(0);
}

/*@ PdConv3x3Add - z + alpha PdConv3x3(x, w, b, stride) in one node: a residual f - A u or an update
  u + B r without a separate pointwise pass @*/
PetscErrorCode PdConv3x3Add(PdTensor z, PetscReal alpha, PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCheck(z, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "PdConv3x3Add: the added tensor is NULL (use PdConv3x3)");
  PetscCall(ConvForward("PdConv3x3Add", z, alpha, x, w, b, stride, out));
  PetscFunctionReturn(0);
}

/* ---- transpose: y_n = col2im(Wm^T x_n) + b, the adjoint of the convolution [Cout] -> [Cin] whose
   weights Wm [Cin, Cout kd 9] are w reshaped; g is that convolution's geometry (y's grid -> x's) ---- */
static PetscErrorCode ConvTBackward(PdTensor y)
{
  PdTensor    x = y->src[0], w = y->src[1], b = y->src[2];
  Geom        g;
  PetscInt    B = x->shape[0], cin = x->shape[1], cout, K, S, So;
  float      *col;
  const float alpha = y->farg[0];
  PetscBool   direct;
  PdTapeMark  mark;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscCall(PdTapeGetMark(y->tape, &mark)); /* col is scratch, given back at the end */
  PetscCall(CheckConv("PdConv3x3Transpose", x, w, b, y->iarg[0], PETSC_TRUE, y->shape + 2, &g));
  cout = g.C;
  K    = cout * g.kd * 9;
  S    = g.Do * g.Ho * g.Wo; /* x's grid */
  So   = g.D * g.H * g.W;    /* y's grid */
  /* dx = alpha Wm col(dy) is the convolution of dy with w as [Cin, Cout, ...] weights: direct for few channels */
  direct = (PetscBool)(x->grad && PdConvUseDirect(&g, cout, cin));
  PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * PetscMax((size_t)K * S, direct ? PdConvDirectScratch(cout, &g) : 0), (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < B; n++) {
    const float *dy = y->grad + n * cout * So;
    if (b && b->grad) BiasGrad(dy, b->grad, alpha, cout, So);
    if (direct) PdConvDirect(dy, w->data, cout, cin, &g, alpha, x->grad + n * cin * S, x->grad + n * cin * S, col); /* before col holds im2col(dy) */
    if (!w->grad && direct) continue;
    PdConvIm2Col(dy, &g, col);                                                                                                                            /* the forward's col2im, adjoint: im2col of dy */
    if (x->grad && !direct) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cin, S, K, alpha, w->data, K, col, S, 1.0f, x->grad + n * cin * S, S); /* dx += alpha Wm col(dy) */
    if (w->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cin, K, S, alpha, x->data + n * cin * S, S, col, S, 1.0f, w->grad, K);              /* dWm += alpha x col(dy)^T */
  }
  PetscCall(PdTapeRelease(y->tape, &mark));
  AddendGrad(y);
  PetscCall(PetscLogFlops(2.0 * B * cin * K * S * ((w->grad ? 1 : 0) + (x->grad ? 1 : 0))));
  PetscCall(PetscLogEventEnd(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* y = z + alpha (convT(x, w) + b) onto grid (NULL: (n-1)s+1 per side, or z's grid) */
static PetscErrorCode ConvTForward(const char *op, PdTensor z, PetscReal alpha, PdTensor x, PdTensor w, PdTensor b, PetscInt stride, const PetscInt grid[], PdTensor *out)
{
  PdTape     tape;
  PdTensor   y;
  Geom       g;
  PetscInt   shape[5], cin, cout, K, S, So;
  float     *col;
  PetscBool  direct;
  PdTapeMark mark;

  PetscFunctionBegin;
  PetscCall(ConvTape(z, x, w, b, &tape));
  if (z && !grid) {
    PetscCheck(z->ndim == x->ndim, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: the added tensor has %d dimensions, the input %d", op, z->ndim, x->ndim);
    grid = z->shape + 2;
  }
  PetscCall(CheckConv(op, x, w, b, stride, PETSC_TRUE, grid, &g));
  cin  = x->shape[1];
  cout = g.C;
  K    = cout * g.kd * 9;
  S    = g.Do * g.Ho * g.Wo;
  So   = g.D * g.H * g.W;
  OutShape(x, cout, g.D, g.H, g.W, shape);
  PetscCall(NewConvNode(op, PD_OP_CONV3X3_T, tape, z, alpha, x, w, b, stride, shape, ConvTBackward, &y));
  PetscCall(PetscLogEventBegin(PD_EVENT_Conv, 0, 0, 0, 0));
  PetscCall(PdTapeGetMark(tape, &mark)); /* col is scratch, given back at the end */
  direct = PdConvUseDirectT(&g, cin, cout);
  PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (direct ? PdConvDirectTScratch(cin, &g) : (size_t)K * S), (void **)&col)); /* every entry written before it is read */
  if (!direct) PetscCall(StartOutput(z, y->data, y->size));                                                                    /* the direct kernel writes every entry: y = z + alpha convT */
  for (PetscInt n = 0; n < x->shape[0]; n++) {
    float *yn = y->data + n * cout * So;
    if (direct) PdConvDirectT(x->data + n * cin * S, w->data, cin, cout, &g, (float)alpha, z ? z->data + n * cout * So : NULL, yn, col);
    else {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, S, cin, (float)alpha, w->data, K, x->data + n * cin * S, S, 0.0f, col, S); /* col = alpha Wm^T x_n */
      PdConvCol2Im(col, &g, yn);
    }
    if (b) AddBias(yn, b->data, (float)alpha, cout, So);
  }
  PetscCall(PdTapeRelease(tape, &mark));
  PetscCall(PetscLogFlops(2.0 * x->shape[0] * cin * K * S));
  PetscCall(PetscLogEventEnd(PD_EVENT_Conv, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}

/*@ PdConv3x3Transpose - transposed 3x3 (3x3x3) convolution, the adjoint of PdConv3x3 with the same stride @*/
PetscErrorCode PdConv3x3Transpose(PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(ConvTForward("PdConv3x3Transpose", NULL, 1.0, x, w, b, stride, NULL, out));
  PetscFunctionReturn(0);
}

/*@ PdConv3x3TransposeTo - PdConv3x3Transpose onto a given output grid (NULL: (n-1)s+1 per side): the
  adjoint of the strided PdConv3x3 from that grid, so even sides work too (n = 2 m maps onto m) @*/
PetscErrorCode PdConv3x3TransposeTo(PdTensor x, PdTensor w, PdTensor b, PetscInt stride, const PetscInt grid[], PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(ConvTForward("PdConv3x3Transpose", NULL, 1.0, x, w, b, stride, grid, out));
  PetscFunctionReturn(0);
}

/*@ PdConv3x3TransposeAdd - z + alpha PdConv3x3TransposeTo(x, w, b, stride, z's grid) in one node: a
  prolongation added to the fine-grid iterate @*/
PetscErrorCode PdConv3x3TransposeAdd(PdTensor z, PetscReal alpha, PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCheck(z, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "PdConv3x3TransposeAdd: the added tensor is NULL (use PdConv3x3TransposeTo)");
  PetscCall(ConvTForward("PdConv3x3TransposeAdd", z, alpha, x, w, b, stride, NULL, out));
  PetscFunctionReturn(0);
}
