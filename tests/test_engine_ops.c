/* Tests of the dense, loss, spectral and convolution operations: every backward against central
   finite differences (PdGradCheck), every forward against a naive double-precision reference
   (triple loops, a direct DFT, a direct convolution), and adjoint identities <A x, y> = <x, A^T y>. */
#include "pdtest.h"

static void Fill(PdTensor t, uint64_t seed)
{
  PdRng r;
  PdRngSeed(&r, seed, 9);
  PdRngFillUniform(&r, t->size, t->data, -1.0f, 1.0f);
}

static PdTensor New(int nd, PetscInt s0, PetscInt s1, PetscInt s2, PetscInt s3, PetscInt s4, uint64_t seed)
{
  PetscInt s[5] = {s0, s1, s2, s3, s4};
  PdTensor t;
  PdTensorCreate(nd, s, PETSC_FALSE, &t);
  Fill(t, seed);
  return t;
}

typedef struct {
  int       which;
  PetscBool ta, tb, bias;
  PetscInt  stride;
  PdTensor  target; /* fixed target of the losses */
} Ctx;

/* the graph of the graph-operation checks: edges, output rows, edge ends */
static struct {
  PetscInt        E, n;
  const PetscInt *src, *dst;
} G;

static PetscErrorCode Build(void *vctx, PdTape tape, PdTensor v[], PdTensor *out)
{
  Ctx *c = (Ctx *)vctx;
  PetscFunctionBegin;
  switch (c->which) {
  case 0: PetscCall(PdMatMul(v[0], v[1], c->ta, c->tb, out)); break;
  case 1: PetscCall(PdBatchMatMul(v[0], v[1], out)); break;
  case 2: PetscCall(PdLinear(v[0], v[1], c->bias ? v[2] : NULL, out)); break;
  case 3: PetscCall(PdChannelMix(v[0], v[1], c->bias ? v[2] : NULL, out)); break;
  case 4: PetscCall(PdMSELoss(v[0], c->target, out)); break;
  case 5: PetscCall(PdRelL2Loss(v[0], c->target, out)); break;
  case 6: PetscCall(PdSpectralConv(v[0], v[1], out)); break;
  case 7: PetscCall(PdConv3x3(v[0], v[1], c->bias ? v[2] : NULL, c->stride, out)); break;
  case 8: PetscCall(PdConv3x3Transpose(v[0], v[1], c->bias ? v[2] : NULL, c->stride, out)); break;
  case 9: PetscCall(PdGather(v[0], G.E, G.src, out)); break;
  case 10: PetscCall(PdScatterAdd(v[0], G.n, G.E, G.dst, out)); break;
  case 11: PetscCall(PdEdgeMatVec(v[0], v[1], G.E, G.src, G.dst, G.n, out)); break;
  case 13: /* z + alpha conv: z is v[2], the bias v[3] */
    PetscCall(PdConv3x3Add(v[2], c->target ? -0.7 : 0.6, v[0], v[1], c->bias ? v[3] : NULL, c->stride, out));
    break;
  case 14:
    PetscCall(PdConv3x3TransposeAdd(v[2], c->target ? -0.7 : 0.6, v[0], v[1], c->bias ? v[3] : NULL, c->stride, out));
    break;
  case 15: /* channel-major fused channel mix, as case 12 */
    PetscCall(PdChannelMixFusedCB(v[0], v[1], c->bias ? v[2] : NULL, c->tb ? v[c->bias ? 3 : 2] : NULL, c->ta, out));
    break;
  case 16: PetscCall(PdSpectralConvCB(v[0], v[1], out)); break;
  case 17: PetscCall(PdSwapLeading(v[0], out)); break;
  case 12: /* fused channel mix: ta = GELU, tb = with the added tensor (last variable) */
    PetscCall(PdChannelMixFused(v[0], v[1], c->bias ? v[2] : NULL, c->tb ? v[c->bias ? 3 : 2] : NULL, c->ta, out));
    break;
  }
  PetscFunctionReturn(0);
}

/* float32 central differences with h = 1e-2 on these (multi)linear maps are exact up to rounding
   (~1e-5 relative), so 1e-3 is tight; a wrong backward is off by O(1). */
static void Check(Ctx *c, PetscInt n, PdTensor v[], const char *what)
{
  PetscReal err;
  PDT(PdGradCheck(PETSC_COMM_SELF, Build, c, n, v, 1e-2f, &err));
  if (err > 1e-3) fail_msg("%s: gradient relative error %g", what, err);
  for (PetscInt i = 0; i < n; i++) PdTensorDestroy(&v[i]);
}

static void test_matmul(void **state)
{
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++) {
      Ctx      c = {0, (PetscBool)ta, (PetscBool)tb, PETSC_FALSE, 1, NULL};
      PdTensor v[2];
      v[0] = ta ? New(2, 4, 3, 0, 0, 0, 1) : New(2, 3, 4, 0, 0, 0, 1);
      v[1] = tb ? New(2, 5, 4, 0, 0, 0, 2) : New(2, 4, 5, 0, 0, 0, 2);
      /* forward against a triple loop */
      PdTape   tape;
      PdTensor a, b, y;
      PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
      PDT(PdTapeInput(tape, 2, v[0]->shape, &a));
      PDT(PdTapeInput(tape, 2, v[1]->shape, &b));
      PetscArraycpy(a->data, v[0]->data, a->size);
      PetscArraycpy(b->data, v[1]->data, b->size);
      PDT(PdMatMul(a, b, (PetscBool)ta, (PetscBool)tb, &y));
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++) {
          double s = 0;
          for (int k = 0; k < 4; k++) s += (double)(ta ? a->data[k * 3 + i] : a->data[i * 4 + k]) * (tb ? b->data[j * 4 + k] : b->data[k * 5 + j]);
          PDT_CLOSE(y->data[i * 5 + j], s, 1e-5);
        }
      PDT(PdTapeDestroy(&tape));
      Check(&c, 2, v, "matmul");
    }
  Ctx      c    = {1, 0, 0, 0, 1, NULL};
  PdTensor v[2] = {New(3, 2, 3, 4, 0, 0, 3), New(3, 2, 4, 2, 0, 0, 4)};
  Check(&c, 2, v, "batched matmul");
}

static void test_linear_and_channel_mix(void **state)
{
  for (int bias = 0; bias < 2; bias++) {
    Ctx      c    = {2, 0, 0, (PetscBool)bias, 1, NULL};
    PdTensor v[3] = {New(3, 2, 3, 4, 0, 0, 5), New(2, 5, 4, 0, 0, 0, 6), New(1, 5, 0, 0, 0, 0, 7)};
    Check(&c, bias ? 3 : 2, v, "linear");
    if (!bias) PdTensorDestroy(&v[2]);
  }
  for (int sd = 1; sd <= 3; sd++)
    for (int bias = 0; bias < 2; bias++) {
      Ctx      c = {3, 0, 0, (PetscBool)bias, 1, NULL};
      PdTensor v[3];
      v[0] = sd == 1 ? New(3, 2, 3, 5, 0, 0, 8) : sd == 2 ? New(4, 2, 3, 4, 3, 0, 8)
                                                          : New(5, 2, 3, 2, 3, 2, 8);
      v[1] = New(2, 4, 3, 0, 0, 0, 9);
      v[2] = New(1, 4, 0, 0, 0, 0, 10);
      Check(&c, bias ? 3 : 2, v, "channel mix");
      if (!bias) PdTensorDestroy(&v[2]);
    }
}

/* The fused FNO pointwise path: gradients of x, w, bias and the added tensor through GELU or the
   identity (GELU makes it nonlinear: 2e-3 as for the pointwise functions in test_tensor), and its
   output against the unfused composition PdChannelMix, PdAdd, PdGelu on the same tape. */

/* the fused channel mix's input v[0] and (add) its added tensor v[nv - 1] as inputs on the tape */
static void MixInputs(PdTape tape, PdTensor v[], PetscInt nv, PetscBool add, PdTensor *x, PdTensor *a)
{
  PDT(PdTapeInput(tape, v[0]->ndim, v[0]->shape, x));
  PetscArraycpy((*x)->data, v[0]->data, (*x)->size);
  if (add) {
    PDT(PdTapeInput(tape, v[nv - 1]->ndim, v[nv - 1]->shape, a));
    PetscArraycpy((*a)->data, v[nv - 1]->data, (*a)->size);
  }
}
static void test_channel_mix_fused(void **state)
{
  for (int sd = 1; sd <= 2; sd++)
    for (int gelu = 0; gelu < 2; gelu++)
      for (int add = 0; add < 2; add++)
        for (int bias = 0; bias < 2; bias++) {
          Ctx       c = {12, (PetscBool)gelu, (PetscBool)add, (PetscBool)bias, 1, NULL};
          PdTensor  v[4];
          PetscInt  n = 2, nv;
          PetscReal err;
          v[0] = sd == 1 ? New(3, 2, 3, 5, 0, 0, 40) : New(4, 2, 3, 4, 3, 0, 40);
          v[1] = New(2, 4, 3, 0, 0, 0, 41);
          if (bias) v[n++] = New(1, 4, 0, 0, 0, 0, 42);
          if (add) v[n++] = sd == 1 ? New(3, 2, 4, 5, 0, 0, 43) : New(4, 2, 4, 4, 3, 0, 43);
          nv = n;
          {
            PdTape   tape;
            PdTensor x, a = NULL, y, r;
            PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
            MixInputs(tape, v, nv, (PetscBool)add, &x, &a);
            PDT(PdChannelMixFused(x, v[1], bias ? v[2] : NULL, a, (PetscBool)gelu, &y));
            PDT(PdChannelMix(x, v[1], bias ? v[2] : NULL, &r));
            if (add) PDT(PdAdd(r, a, &r));
            if (gelu) PDT(PdGelu(r, &r));
            assert_true(PdShapeEqual(y, r));
            for (PetscInt i = 0; i < y->size; i++) PDT_CLOSE(y->data[i], r->data[i], 1e-6);
            PDT(PdTapeDestroy(&tape));
          }
          PDT(PdGradCheck(PETSC_COMM_SELF, Build, &c, nv, v, 1e-2f, &err));
          if (err > (gelu ? 2e-3 : 1e-3)) fail_msg("fused channel mix (%dD, gelu %d, add %d, bias %d): gradient relative error %g", sd, gelu, add, bias, err);
          for (PetscInt i = 0; i < nv; i++) PdTensorDestroy(&v[i]);
        }
  /* the added tensor must have the output's shape */
  {
    PdTape   tape;
    PdTensor x, a, y, w = New(2, 4, 3, 0, 0, 0, 44);
    PetscInt xs[3] = {2, 3, 5}, as[3] = {2, 3, 5};
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 3, xs, &x));
    PDT(PdTapeInput(tape, 3, as, &a));
    PDT_FAILS(PdChannelMixFused(x, w, NULL, a, PETSC_TRUE, &y));
    PDT_ERRMSG_HAS("output's shape");
    PDT(PdTensorDestroy(&w));
    PDT(PdTapeDestroy(&tape));
  }
}

static void test_losses(void **state)
{
  for (int which = 4; which <= 5; which++) {
    Ctx      c    = {which, 0, 0, 0, 1, New(2, 3, 4, 0, 0, 0, 12)};
    PdTensor v[1] = {New(2, 3, 4, 0, 0, 0, 11)};
    Check(&c, 1, v, which == 4 ? "mse" : "relative L2");
    PdTensorDestroy(&c.target);
  }
  /* closed forms: p = 2t gives rel L2 exactly 1 and MSE = mean(t^2) */
  PdTape   tape;
  PdTensor p, t, l;
  PetscInt s[2] = {2, 3};
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 2, s, &p));
  PDT(PdTapeInput(tape, 2, s, &t));
  for (int i = 0; i < 6; i++) {
    t->data[i] = (float)(i + 1);
    p->data[i] = 2.0f * t->data[i];
  }
  PDT(PdRelL2Loss(p, t, &l));
  PDT_CLOSE(l->data[0], 1.0, 1e-6);
  PDT(PdMSELoss(p, t, &l));
  PDT_CLOSE(l->data[0], 91.0 / 6.0, 1e-5);
  for (int i = 0; i < 3; i++) t->data[i] = 0;
  PDT_FAILS(PdRelL2Loss(p, t, &l));
  PDT_ERRMSG_HAS("all zeros");
  PDT(PdTapeDestroy(&tape));
}

/* Naive reference of the spectral convolution: direct DFT of x, mode product, direct inverse DFT
   of the Hermitian-extended spectrum, all in double. */
static double NaiveSpectral(PdTensor x, PdTensor w, PetscInt b, PetscInt o, PetscInt j, PetscInt i)
{
  int      sd  = x->ndim - 2;
  PetscInt cin = x->shape[1], H = sd == 2 ? x->shape[2] : 1, W = x->shape[x->ndim - 1];
  PetscInt m1 = sd == 2 ? w->shape[0] / 2 : 1, m2 = sd == 2 ? w->shape[1] : w->shape[0], cout = sd == 2 ? w->shape[3] : w->shape[2];
  double   y = 0;
  for (PetscInt ri = 0; ri < (sd == 2 ? 2 * m1 : 1); ri++) {
    PetscInt kr = sd == 1 ? 0 : (ri < m1 ? ri : H - 2 * m1 + ri);
    for (PetscInt kc = 0; kc < m2; kc++) {
      double Yr = 0, Yi = 0;
      for (PetscInt c = 0; c < cin; c++) {
        double Xr = 0, Xi = 0;
        for (PetscInt jj = 0; jj < H; jj++)
          for (PetscInt ii = 0; ii < W; ii++) {
            double ph = -2 * PETSC_PI * ((double)kr * jj / H + (double)kc * ii / W), v = x->data[((b * cin + c) * H + jj) * W + ii];
            Xr += v * cos(ph);
            Xi += v * sin(ph);
          }
        const float *wm = w->data + 2 * (((ri * m2 + kc) * cin + c) * cout + o);
        Yr += Xr * wm[0] - Xi * wm[1];
        Yi += Xr * wm[1] + Xi * wm[0];
      }
      /* inverse: Hermitian extension, only the real part of columns 0 and Nyquist counts */
      double ck = (kc == 0 || (W % 2 == 0 && kc == W / 2)) ? 1 : 2, ph = 2 * PETSC_PI * ((double)kr * j / H + (double)kc * i / W);
      y += ck * (Yr * cos(ph) - Yi * sin(ph));
    }
  }
  return y / (double)(H * W);
}

static void test_spectral(void **state)
{
  /* 2D even and odd grids, 1D even and odd: FFTW's row transforms (m > W/4); then the same with the
     row DFT as an sgemm (m <= W/4 and m <= 2 log2 W) */
  PetscInt cases[7][3] = {{8, 6, 2}, {7, 5, 2}, {1, 8, 3}, {1, 7, 3}, {8, 16, 3}, {9, 17, 4}, {1, 16, 4}};
  for (int k = 0; k < 7; k++) {
    PetscInt H = cases[k][0], W = cases[k][1], m = cases[k][2];
    PdTensor v[2];
    if (H > 1) {
      v[0] = New(4, 2, 2, H, W, 0, 20 + k);
      v[1] = New(5, 2 * m, m, 2, 3, 2, 30 + k);
    } else {
      v[0] = New(3, 2, 2, W, 0, 0, 20 + k);
      v[1] = New(4, m, 2, 3, 2, 0, 30 + k);
    }
    /* forward against the naive DFT */
    PdTape   tape;
    PdTensor x, y;
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, v[0]->ndim, v[0]->shape, &x));
    PetscArraycpy(x->data, v[0]->data, x->size);
    PDT(PdSpectralConv(x, v[1], &y));
    for (PetscInt b = 0; b < 2; b++)
      for (PetscInt o = 0; o < 3; o++)
        for (PetscInt j = 0; j < H; j++)
          for (PetscInt i = 0; i < W; i++) PDT_CLOSE(y->data[((b * 3 + o) * H + j) * W + i], NaiveSpectral(x, v[1], b, o, j, i), 2e-5);
    PDT(PdTapeDestroy(&tape));
    Ctx c = {6, 0, 0, 0, 1, NULL};
    Check(&c, 2, v, "spectral conv");
  }
}

/* More planes than the spectral layer's transpose block (16) and not a multiple of it: 5 samples x 7
   input channels, 11 output channels, both layouts ([B,C,grid] and [C,B,grid]), 2D with the row DFT and
   with FFTW's rows, and 1D. The forward against the naive DFT; the backward through the adjoint
   identities of a bilinear map: <seed, y> = <x, dx> = <w, dw>. */
static void test_spectral_many_planes(void **state)
{
  const PetscInt B = 5, cin = 7, cout = 11;
  PetscInt       cases[3][3] = {{8, 16, 3}, {8, 6, 2}, {1, 16, 4}};
  for (int cb = 0; cb <= 1; cb++)
    for (int k = 0; k < 3; k++) {
      PetscInt H = cases[k][0], W = cases[k][1], m = cases[k][2], shape[4], nd = H > 1 ? 4 : 3;
      PdTensor w  = H > 1 ? New(5, 2 * m, m, cin, cout, 2, 80 + k) : New(4, m, cin, cout, 2, 0, 80 + k);
      PdTensor x0 = H > 1 ? New(4, B, cin, H, W, 0, 90 + k) : New(3, B, cin, W, 0, 0, 90 + k), x, y, wv;
      PdTape   tape;
      double   sy = 0, sx = 0, sw = 0, scale = 0;
      shape[0] = cb ? cin : B;
      shape[1] = cb ? B : cin;
      shape[2] = H > 1 ? H : W;
      shape[3] = W;
      PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
      PDT(PdTapeVariable(tape, (int)nd, shape, &x));
      for (PetscInt b = 0; b < B; b++)
        for (PetscInt c = 0; c < cin; c++)
          for (PetscInt p = 0; p < H * W; p++) x->data[((cb ? c * B + b : b * cin + c) * H * W) + p] = x0->data[(b * cin + c) * H * W + p];
      PDT(PdTensorCreate(w->ndim, w->shape, PETSC_TRUE, &wv));
      PetscArraycpy(wv->data, w->data, w->size);
      PDT((cb ? PdSpectralConvCB : PdSpectralConv)(x, wv, &y));
      for (PetscInt b = 0; b < B; b++)
        for (PetscInt o = 0; o < cout; o++)
          for (PetscInt j = 0; j < H; j++)
            for (PetscInt i = 0; i < W; i++) {
              PetscInt at = (cb ? o * B + b : b * cout + o) * H * W + j * W + i;
              PDT_CLOSE(y->data[at], NaiveSpectral(x0, w, b, o, j, i), 2e-5);
            }
      for (PetscInt i = 0; i < y->size; i++) {
        y->grad[i] = (float)sin(0.7 * (double)i + 0.3);
        sy += (double)y->grad[i] * y->data[i];
        scale += fabs((double)y->grad[i] * y->data[i]);
      }
      PDT(PdTapeBackwardSeeded(tape, y));
      for (PetscInt i = 0; i < x->size; i++) sx += (double)x->data[i] * x->grad[i];
      for (PetscInt i = 0; i < wv->size; i++) sw += (double)wv->data[i] * wv->grad[i];
      if (fabs(sx - sy) > 1e-5 * scale || fabs(sw - sy) > 1e-5 * scale)
        fail_msg("spectral conv (layout %s, %" PetscInt_FMT "x%" PetscInt_FMT "): <seed,y> = %g, <x,dx> = %g, <w,dw> = %g", cb ? "CB" : "BC", H, W, sy, sx, sw);
      PDT(PdTapeDestroy(&tape));
      PDT(PdTensorDestroy(&wv));
      PDT(PdTensorDestroy(&w));
      PDT(PdTensorDestroy(&x0));
    }
}

/* The spectral layer's own kernels (PdSpectralSetDirect) against sgemm and cgemm. Row DFTs: the
   symmetric forward (row_dft.c) serves the even widths with 4, 8, 12 or 16 modes (40 with 10 falls
   back to sgemm); its inverse the widths 64 (2 vectors a half row), 32, 96 and 128 (1, 3, 4); the plain
   product (right_product.c) the other inverses: 48 with 12 modes (width 48), 40 with 10 (40), 16 with 4
   (16), and the forward of 49 points (24; its inverse falls back to sgemm). 1D with 64 and 16 points
   and 256 (the symmetric forward's widest rows). Each case in both layouts; channel-major, the mode
   products (mode_product.c) run too, with B = 3 (one vector a row), 20 (the FNO benchmark's batch:
   2.5 vectors) and 27 (4 vectors, the last partial), 5 input and 4 output channels (a whole block of
   4 rows forward, one more row for the input gradient). 7 rows (3 row modes), so that the rows are no
   whole number of the kernels' row blocks, and 2m = 8 floats a row checks the forward's stores at the
   array's end. Planes of 8, 64 (the benchmark's), 10, 16 and 12 rows too, with 16 and 4 columns. Forward values, and the input and weight gradients of a seeded backward (whose inverse
   adds into the input's gradient). */
static void test_spectral_direct(void **state)
{
  PetscInt cases[17][4] = {{7, 64, 12, 3}, {7, 32, 8, 3}, {7, 48, 12, 3}, {7, 40, 10, 3}, {1, 64, 12, 3}, {1, 16, 4, 3}, {7, 128, 16, 3}, {7, 96, 12, 3}, {7, 49, 12, 3}, {1, 256, 16, 3}, {7, 64, 12, 20}, {1, 32, 8, 27}, {8, 32, 8, 3}, {64, 64, 12, 20}, {10, 64, 16, 5}, {16, 32, 4, 27}, {12, 48, 12, 2}};
  for (int k = 0; k < 17; k++)
    for (int cb = 0; cb < 2; cb++) {
      PetscInt H = cases[k][0], W = cases[k][1], m = cases[k][2], B = cases[k][3], s0 = cb ? 5 : B, s1 = cb ? B : 5;
      PdTensor x0 = H > 1 ? New(4, s0, s1, H, W, 0, 110 + k) : New(3, s0, s1, W, 0, 0, 110 + k);
      PdTensor w0 = H > 1 ? New(5, 6, m, 5, 4, 2, 120 + k) : New(4, m, 5, 4, 2, 0, 120 + k), r[2][3];
      for (int d = 0; d < 2; d++) {
        PetscBool old = PdSpectralSetDirect((PetscBool)d);
        PdTape    tape;
        PdTensor  x, w, y;
        PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
        PDT(PdTapeVariable(tape, x0->ndim, x0->shape, &x));
        PetscArraycpy(x->data, x0->data, x->size);
        PDT(PdTensorCreate(w0->ndim, w0->shape, PETSC_TRUE, &w));
        PetscArraycpy(w->data, w0->data, w->size);
        PDT((cb ? PdSpectralConvCB : PdSpectralConv)(x, w, &y));
        for (PetscInt i = 0; i < y->size; i++) y->grad[i] = (float)sin(0.61 * (double)i);
        PDT(PdTapeBackwardSeeded(tape, y));
        PDT(PdTensorCreate(y->ndim, y->shape, PETSC_FALSE, &r[d][0]));
        PDT(PdTensorCreate(x->ndim, x->shape, PETSC_FALSE, &r[d][1]));
        PDT(PdTensorCreate(w->ndim, w->shape, PETSC_FALSE, &r[d][2]));
        PetscArraycpy(r[d][0]->data, y->data, y->size);
        PetscArraycpy(r[d][1]->data, x->grad, x->size);
        PetscArraycpy(r[d][2]->data, w->grad, w->size);
        PDT(PdTensorDestroy(&w));
        PDT(PdTapeDestroy(&tape));
        PdSpectralSetDirect(old);
      }
      /* round-off of two summation orders over the plane's H W points: 2e-6 of the largest entry up to
         256 points, growing as the square root of the count */
      const PetscReal tol = 2e-6 * PetscMax(1.0, PetscSqrtReal((PetscReal)(H * W) / 256.0));
      for (int i = 0; i < 3; i++) {
        PetscReal scale = 0;
        for (PetscInt e = 0; e < r[0][i]->size; e++) scale = PetscMax(scale, PetscAbsReal(r[0][i]->data[e]));
        for (PetscInt e = 0; e < r[0][i]->size; e++)
          if (PetscAbsReal(r[1][i]->data[e] - r[0][i]->data[e]) > tol * scale)
            fail_msg("spectral kernels (%s, B %" PetscInt_FMT ", %" PetscInt_FMT "x%" PetscInt_FMT ", %" PetscInt_FMT " modes): %s entry %" PetscInt_FMT ": %g against sgemm/cgemm's %g", cb ? "channel-major" : "[B,C]", B, H, W, m, i == 0 ? "output" : i == 1 ? "input gradient"
                                                                                                                                                                                                                                                                 : "weight gradient",
                     e, (double)r[1][i]->data[e], (double)r[0][i]->data[e]);
        PdTensorDestroy(&r[0][i]);
        PdTensorDestroy(&r[1][i]);
      }
      PdTensorDestroy(&x0);
      PdTensorDestroy(&w0);
    }
}

/* Keeping every mode with identity weights reproduces a band-limited input exactly: W = 8 with FFTW's
   rows, W = 16 with the row DFT. */
static void test_spectral_identity(void **state)
{
  for (PetscInt W = 8; W <= 16; W += 8) {
    PetscInt H = 8, m1 = 4, m2 = 4; /* rows 0..3 and 4..7: all; columns 0..3 (Nyquist dropped) */
    PdTape   tape;
    PdTensor x, w, y;
    PetscInt ws[5] = {2 * m1, m2, 1, 1, 2}, xs[4] = {1, 1, H, W};
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTensorCreate(5, ws, PETSC_FALSE, &w));
    for (PetscInt k = 0; k < 2 * m1 * m2; k++) w->data[2 * k] = 1.0f;
    PDT(PdTapeInput(tape, 4, xs, &x));
    for (PetscInt j = 0; j < H; j++)
      for (PetscInt i = 0; i < W; i++) x->data[j * W + i] = (float)(0.3 + cos(2 * PETSC_PI * (2.0 * i / W + 1.0 * j / H)) - 0.5 * sin(2 * PETSC_PI * 3.0 * i / W));
    PDT(PdSpectralConv(x, w, &y));
    for (PetscInt i = 0; i < H * W; i++) PDT_CLOSE(y->data[i], x->data[i], 1e-5);
    PDT(PdTensorDestroy(&w));
    PDT(PdTapeDestroy(&tape));
  }
}

static void test_spectral_errors(void **state)
{
  PdTape   tape;
  PdTensor x, w, y;
  PetscInt xs[4] = {1, 2, 8, 8}, ws[5] = {10, 3, 2, 2, 2}, w2[5] = {4, 6, 2, 2, 2}, w3[5] = {4, 3, 3, 2, 2};
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 4, xs, &x));
  PDT(PdTensorCreate(5, ws, PETSC_FALSE, &w));
  PDT_FAILS(PdSpectralConv(x, w, &y)); /* 5 row modes need 10 rows */
  PDT_ERRMSG_HAS("row modes");
  PDT(PdTensorDestroy(&w));
  PDT(PdTensorCreate(5, w2, PETSC_FALSE, &w));
  PDT_FAILS(PdSpectralConv(x, w, &y)); /* 6 column modes > 8/2+1 */
  PDT(PdTensorDestroy(&w));
  PDT(PdTensorCreate(5, w3, PETSC_FALSE, &w));
  PDT_FAILS(PdSpectralConv(x, w, &y)); /* Cin mismatch */
  PDT_ERRMSG_HAS("Cin=2");
  PDT(PdTensorDestroy(&w));
  PDT(PdTapeDestroy(&tape));
}

/* naive direct convolution with zero padding 1 */
static double NaiveConv(PdTensor x, PdTensor w, PdTensor b, PetscInt s, PetscInt n, PetscInt o, PetscInt oy, PetscInt ox)
{
  PetscInt cin = x->shape[1], H = x->shape[2], W = x->shape[3];
  double   v = b ? b->data[o] : 0;
  for (PetscInt c = 0; c < cin; c++)
    for (PetscInt ky = 0; ky < 3; ky++)
      for (PetscInt kx = 0; kx < 3; kx++) {
        PetscInt iy = oy * s + ky - 1, ix = ox * s + kx - 1;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W) v += (double)w->data[((o * cin + c) * 3 + ky) * 3 + kx] * x->data[((n * cin + c) * H + iy) * W + ix];
      }
  return v;
}

static void ConvChecks(void)
{
  /* odd sides, even sides (Winograd's 2x2 tiles fit exactly), a single row (half-empty tiles) and a
     single column (stride 2: the last column tap starts past the row) */
  const PetscInt grids[4][2] = {
    {5, 7},
    {6, 4},
    {1, 3},
    {3, 1}};
  for (int gi = 0; gi < 4; gi++)
    for (PetscInt s = 1; s <= 2; s++)
      for (int bias = 0; bias < 2; bias++) {
        const PetscInt H = grids[gi][0], W = grids[gi][1];
        PdTensor       v[3] = {New(4, 2, 2, H, W, 0, 40 + gi), New(4, 3, 2, 3, 3, 0, 41), New(1, 3, 0, 0, 0, 0, 42)};
        PdTape         tape;
        PdTensor       x, y;
        PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
        PDT(PdTapeInput(tape, 4, v[0]->shape, &x));
        PetscArraycpy(x->data, v[0]->data, x->size);
        PDT(PdConv3x3(x, v[1], bias ? v[2] : NULL, s, &y));
        assert_int_equal(y->shape[2], (H - 1) / s + 1);
        assert_int_equal(y->shape[3], (W - 1) / s + 1);
        for (PetscInt n = 0; n < 2; n++)
          for (PetscInt o = 0; o < 3; o++)
            for (PetscInt oy = 0; oy < y->shape[2]; oy++)
              for (PetscInt ox = 0; ox < y->shape[3]; ox++) PDT_CLOSE(y->data[((n * 3 + o) * y->shape[2] + oy) * y->shape[3] + ox], NaiveConv(x, v[1], bias ? v[2] : NULL, s, n, o, oy, ox), 1e-5);
        PDT(PdTapeDestroy(&tape));
        Ctx c = {7, 0, 0, (PetscBool)bias, s, NULL};
        Check(&c, bias ? 3 : 2, v, "conv3x3");
        if (!bias) PdTensorDestroy(&v[2]);
        if (gi) continue;
        /* transposed: x [2,3,3,4] -> [2,2,(3-1)s+1,(4-1)s+1], weights [Cin=3, Cout=2, 3, 3] */
        PdTensor u[3] = {New(4, 2, 3, 3, 4, 0, 43), New(4, 3, 2, 3, 3, 0, 44), New(1, 2, 0, 0, 0, 0, 45)};
        Ctx      ct   = {8, 0, 0, (PetscBool)bias, s, NULL};
        Check(&ct, bias ? 3 : 2, u, "conv3x3 transpose");
        if (!bias) PdTensorDestroy(&u[2]);
      }
}

/* <conv(x), z> = <x, conv_t(z)> with the same weights (conv [Cout, Cin, ...] is the transpose's
   [Cin', Cout', ...]: the same array): the transpose is the adjoint. x has shape xs (nd = 4 or 5),
   the weights ws, z the convolution's output shape; the transpose goes onto x's grid. */
static void CheckAdjoint(int nd, const PetscInt xs[], const PetscInt ws[], PetscInt s, uint64_t seed)
{
  PdTape   tape;
  PdTensor x, z, cx, tz, w;
  double   l = 0, r = 0;
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTensorCreate(nd, ws, PETSC_FALSE, &w));
  Fill(w, seed);
  PDT(PdTapeInput(tape, nd, xs, &x));
  Fill(x, seed + 1);
  PDT(PdConv3x3(x, w, NULL, s, &cx));
  PDT(PdTapeInput(tape, nd, cx->shape, &z));
  Fill(z, seed + 2);
  PDT(PdConv3x3TransposeTo(z, w, NULL, s, xs + 2, &tz));
  assert_int_equal(tz->size, x->size);
  for (PetscInt i = 0; i < z->size; i++) l += (double)cx->data[i] * z->data[i];
  for (PetscInt i = 0; i < x->size; i++) r += (double)x->data[i] * tz->data[i];
  PDT_CLOSE(l, r, 1e-4 * fabs(l));
  PDT(PdTensorDestroy(&w));
  PDT(PdTapeDestroy(&tape));
}

static void ConvAdjointChecks(void)
{
  PetscInt ws[4] = {4, 3, 3, 3}, odd[4] = {2, 3, 9, 7}, even[4] = {2, 3, 8, 6};
  for (PetscInt s = 1; s <= 2; s++) CheckAdjoint(4, odd, ws, s, 50);
  CheckAdjoint(4, even, ws, 2, 53); /* stride 2 from even sides (8 x 6 -> 4 x 3): onto the even grid */
  {                                 /* without a grid, the transpose's natural size (n - 1) s + 1 */
    PdTape   tape;
    PdTensor z, tz, w;
    PetscInt zs[4] = {1, 4, 4, 3};
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTensorCreate(4, ws, PETSC_FALSE, &w));
    PDT(PdTapeInput(tape, 4, zs, &z));
    PDT(PdConv3x3Transpose(z, w, NULL, 2, &tz));
    assert_int_equal(tz->shape[2], 7);
    assert_int_equal(tz->shape[3], 5);
    PDT(PdTensorDestroy(&w));
    PDT(PdTapeDestroy(&tape));
  }
}

/* naive direct 3x3x3 convolution with zero padding 1 */
static double NaiveConv3D(PdTensor x, PdTensor w, PdTensor b, PetscInt s, PetscInt n, PetscInt o, PetscInt oz, PetscInt oy, PetscInt ox)
{
  PetscInt cin = x->shape[1], D = x->shape[2], H = x->shape[3], W = x->shape[4];
  double   v = b ? b->data[o] : 0;
  for (PetscInt c = 0; c < cin; c++)
    for (PetscInt kz = 0; kz < 3; kz++)
      for (PetscInt ky = 0; ky < 3; ky++)
        for (PetscInt kx = 0; kx < 3; kx++) {
          PetscInt iz = oz * s + kz - 1, iy = oy * s + ky - 1, ix = ox * s + kx - 1;
          if (iz >= 0 && iz < D && iy >= 0 && iy < H && ix >= 0 && ix < W) v += (double)w->data[(((o * cin + c) * 3 + kz) * 3 + ky) * 3 + kx] * x->data[(((n * cin + c) * D + iz) * H + iy) * W + ix];
        }
  return v;
}

/* 3D: the forward against a direct convolution, both backwards against finite differences, and the
   transpose as the adjoint, on a grid with three different sides */
static void Conv3dChecks(void)
{
  for (PetscInt s = 1; s <= 2; s++)
    for (int bias = 0; bias < 2; bias++) {
      PdTensor v[3] = {New(5, 2, 2, 5, 3, 4, 60), New(5, 3, 2, 3, 3, 3, 61), New(1, 3, 0, 0, 0, 0, 62)};
      PdTape   tape;
      PdTensor x, y;
      PetscInt Do = (5 - 1) / s + 1, Ho = (3 - 1) / s + 1, Wo = (4 - 1) / s + 1;
      PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
      PDT(PdTapeInput(tape, 5, v[0]->shape, &x));
      PetscArraycpy(x->data, v[0]->data, x->size);
      PDT(PdConv3x3(x, v[1], bias ? v[2] : NULL, s, &y));
      assert_int_equal(y->ndim, 5);
      assert_int_equal(y->shape[2], Do);
      assert_int_equal(y->shape[3], Ho);
      assert_int_equal(y->shape[4], Wo);
      for (PetscInt n = 0; n < 2; n++)
        for (PetscInt o = 0; o < 3; o++)
          for (PetscInt oz = 0; oz < Do; oz++)
            for (PetscInt oy = 0; oy < Ho; oy++)
              for (PetscInt ox = 0; ox < Wo; ox++) PDT_CLOSE(y->data[(((n * 3 + o) * Do + oz) * Ho + oy) * Wo + ox], NaiveConv3D(x, v[1], bias ? v[2] : NULL, s, n, o, oz, oy, ox), 1e-5);
      PDT(PdTapeDestroy(&tape));
      Ctx c = {7, 0, 0, (PetscBool)bias, s, NULL};
      Check(&c, bias ? 3 : 2, v, "conv3x3x3");
      if (!bias) PdTensorDestroy(&v[2]);
      PdTensor u[3] = {New(5, 2, 3, 3, 2, 3, 63), New(5, 3, 2, 3, 3, 3, 64), New(1, 2, 0, 0, 0, 0, 65)};
      Ctx      ct   = {8, 0, 0, (PetscBool)bias, s, NULL};
      Check(&ct, bias ? 3 : 2, u, "conv3x3x3 transpose");
      if (!bias) PdTensorDestroy(&u[2]);
    }
  for (PetscInt s = 1; s <= 2; s++) { /* one output channel on rows long enough for the direct kernel's four-chunk blocks (64 points), then a chunk of 16 and a short last one */
    PdTensor v[2] = {New(5, 1, 2, 3, 2, 2 * 150 - 1, 70), New(5, 1, 2, 3, 3, 3, 71)};
    PdTape   tape;
    PdTensor x, y;
    PetscInt Wo = s == 1 ? 299 : 150, Ho = s == 1 ? 2 : 1, Do = s == 1 ? 3 : 2;
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 5, v[0]->shape, &x));
    PetscArraycpy(x->data, v[0]->data, x->size);
    PDT(PdConv3x3(x, v[1], NULL, s, &y));
    assert_int_equal(y->shape[1], 1);
    assert_int_equal(y->shape[4], Wo);
    for (PetscInt oz = 0; oz < Do; oz++)
      for (PetscInt oy = 0; oy < Ho; oy++)
        for (PetscInt ox = 0; ox < Wo; ox++) PDT_CLOSE(y->data[(oz * Ho + oy) * Wo + ox], NaiveConv3D(x, v[1], NULL, s, 0, 0, oz, oy, ox), 1e-5);
    PDT(PdTapeDestroy(&tape));
    PdTensorDestroy(&v[0]);
    PdTensorDestroy(&v[1]);
  }
  {
    PetscInt xs[5] = {2, 3, 5, 7, 9}, ws[5] = {4, 3, 3, 3, 3}, even[5] = {1, 3, 4, 6, 5};
    for (PetscInt s = 1; s <= 2; s++) CheckAdjoint(5, xs, ws, s, 66);
    CheckAdjoint(5, even, ws, 2, 69);
  }
}

/* The fused forms z + alpha conv(x) and z + alpha conv_t(x): forward against the two-node
   composition, every gradient (z's included) against finite differences, 2D and 3D, both strides,
   both signs of alpha, an even grid for the strided transpose; and a wrong-shaped addend. */
static void ConvAddChecks(void)
{
  for (int nd = 4; nd <= 5; nd++)
    for (PetscInt s = 1; s <= 2; s++)
      for (int bias = 0; bias < 2; bias++)
        for (int t = 0; t < 2; t++) {
          PetscInt xs[5], ws[5], zs[5], grid[3];
          PdTensor v[4], x, z, y, cy;
          PdTape   tape;
          Ctx      c = {t ? 14 : 13, 0, 0, (PetscBool)bias, s, NULL};
          /* conv: x [2,2,grid], w [3,2,3,3(,3)]; transpose: x [2,3,grid], w [3,2,...] onto an even grid */
          xs[0] = 2, xs[1] = t ? 3 : 2, ws[0] = 3, ws[1] = 2, zs[0] = 2, zs[1] = t ? 2 : 3;
          for (int d = 2; d < nd; d++) {
            ws[d]       = 3;
            xs[d]       = t ? 3 + (d - 2) % 2 : 5 + 2 * ((d - 2) % 2);
            zs[d]       = t ? (s == 2 ? 2 * xs[d] : xs[d]) : (xs[d] - 1) / s + 1;
            grid[d - 2] = zs[d];
          }
          v[0] = New(nd, xs[0], xs[1], xs[2], xs[3], nd == 5 ? xs[4] : 0, 80 + s);
          v[1] = New(nd, ws[0], ws[1], 3, 3, nd == 5 ? 3 : 0, 82 + bias);
          v[2] = New(nd, zs[0], zs[1], zs[2], zs[3], nd == 5 ? zs[4] : 0, 84 + t);
          v[3] = New(1, t ? 2 : 3, 0, 0, 0, 0, 86);
          PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
          PDT(PdTapeInput(tape, nd, xs, &x));
          PetscArraycpy(x->data, v[0]->data, x->size);
          PDT(PdTapeInput(tape, nd, zs, &z));
          PetscArraycpy(z->data, v[2]->data, z->size);
          if (t) PDT(PdConv3x3TransposeTo(x, v[1], bias ? v[3] : NULL, s, grid, &cy));
          else PDT(PdConv3x3(x, v[1], bias ? v[3] : NULL, s, &cy));
          if (t) PDT(PdConv3x3TransposeAdd(z, -0.7, x, v[1], bias ? v[3] : NULL, s, &y));
          else PDT(PdConv3x3Add(z, -0.7, x, v[1], bias ? v[3] : NULL, s, &y));
          assert_int_equal(y->size, z->size);
          for (PetscInt i = 0; i < y->size; i++) PDT_CLOSE(y->data[i], z->data[i] - 0.7 * cy->data[i], 1e-5);
          PDT(PdTapeDestroy(&tape));
          for (int sign = 0; sign < 2; sign++) {
            PdTensor u[4];
            c.target = sign ? v[2] : NULL; /* only its being set matters: alpha = -0.7, else 0.6 */
            for (int i = 0; i < 4; i++) {
              PDT(PdTensorCreate(v[i]->ndim, v[i]->shape, PETSC_FALSE, &u[i]));
              PetscArraycpy(u[i]->data, v[i]->data, v[i]->size);
            }
            if (!bias) PdTensorDestroy(&u[3]);
            /* Check destroys its variables: the bias is the last one only with bias */
            Check(&c, bias ? 4 : 3, u, t ? "conv3x3 transpose + z" : "conv3x3 + z");
          }
          for (int i = 0; i < 4; i++) PdTensorDestroy(&v[i]);
        }
  { /* the addend must have the output's shape */
    PdTape   tape;
    PdTensor x, z, w, y;
    PetscInt xs[4] = {1, 2, 5, 5}, ws[4] = {3, 2, 3, 3}, zs[4] = {1, 3, 5, 4};
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 4, xs, &x));
    PDT(PdTapeInput(tape, 4, zs, &z));
    PDT(PdTensorCreate(4, ws, PETSC_FALSE, &w));
    PDT_FAILS(PdConv3x3Add(z, 1.0, x, w, NULL, 1, &y));
    PDT_ERRMSG_HAS("must have the output's shape");
    PDT_FAILS(PdConv3x3Add(NULL, 1.0, x, w, NULL, 1, &y));
    PDT_ERRMSG_HAS("added tensor is NULL");
    { /* the transpose takes its output grid from z: 5 x 4 does not come from 5 x 5 with stride 2 */
      PdTensor wt, zt;
      PetscInt wts[4] = {2, 3, 3, 3}, zts[4] = {1, 3, 9, 4};
      PDT(PdTensorCreate(4, wts, PETSC_FALSE, &wt));
      PDT(PdTapeInput(tape, 4, zts, &zt));
      PDT_FAILS(PdConv3x3TransposeAdd(zt, 1.0, x, wt, NULL, 2, &y));
      PDT_ERRMSG_HAS("does not map onto input side");
      zts[3] = 9, zts[1] = 2; /* right grid, wrong channel count: [1,2,9,9] against the output's 3 channels */
      PDT(PdTapeInput(tape, 4, zts, &zt));
      PDT_FAILS(PdConv3x3TransposeAdd(zt, 1.0, x, wt, NULL, 2, &y));
      PDT_ERRMSG_HAS("must have the output's shape");
      PDT(PdTensorDestroy(&wt));
    }
    PDT(PdTensorDestroy(&w));
    PDT(PdTapeDestroy(&tape));
  }
}

/* every convolution check three times: through im2col + sgemm only, with the direct kernels allowed
   for every channel count (they serve 3x3x3 convolutions of stride 1 and 2 and the stride-2
   transpose; the 3D checks use them), and with
   Winograd for every channel count (stride-1 2D convolutions and their input gradients) */
static void AllKernels(void (*checks)(void))
{
  for (int k = 0; k < 3; k++) {
    PetscInt oldd = PdConvSetDirectMax(k == 1 ? 1000 : 0), oldw = PdConvSetWinogradMin(k == 2 ? 1 : 0), oldt = PdConvSetWinogradMinTiles(0);
    checks();
    PdConvSetDirectMax(oldd);
    PdConvSetWinogradMin(oldw);
    PdConvSetWinogradMinTiles(oldt);
  }
}
static void test_conv(void **state) { AllKernels(ConvChecks); }
static void test_conv_adjoint(void **state) { AllKernels(ConvAdjointChecks); }
static void test_conv3d(void **state) { AllKernels(Conv3dChecks); }
static void test_conv_add(void **state) { AllKernels(ConvAddChecks); }

/* the fused channel mix of v (x, w, then the bias and the added tensor if asked) by sgemm (k = 0) and by
   its own kernels (k = 1): the outputs in y[k], the weight gradients of sum(y) in dw[k] */
static void MixBothPaths(PdTensor v[], PetscInt nv, int cb, int gelu, int add, int bias, PdTensor y[2], PdTensor dw[2])
{
  for (int k = 0; k < 2; k++) { /* k = 0: sgemm, k = 1: the direct product */
    PdTape    tape;
    PdTensor  x, a = NULL, w, out, l;
    PetscBool old = PdChannelMixSetDirect((PetscBool)k);
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    MixInputs(tape, v, nv, (PetscBool)add, &x, &a);
    PDT(PdTapeVariable(tape, v[1]->ndim, v[1]->shape, &w));
    PetscArraycpy(w->data, v[1]->data, w->size);
    if (cb) PDT(PdChannelMixFusedCB(x, w, bias ? v[2] : NULL, a, (PetscBool)gelu, &out));
    else PDT(PdChannelMixFused(x, w, bias ? v[2] : NULL, a, (PetscBool)gelu, &out));
    PDT(PdTensorCreate(out->ndim, out->shape, PETSC_FALSE, &y[k]));
    PetscArraycpy(y[k]->data, out->data, out->size);
    PDT(PdSum(out, &l));
    PDT(PdTapeBackward(tape, l));
    PDT(PdTensorCreate(w->ndim, w->shape, PETSC_FALSE, &dw[k]));
    PetscArraycpy(dw[k]->data, w->grad, w->size);
    PDT(PdTapeDestroy(&tape));
    PdChannelMixSetDirect(old);
  }
}

/* The fused channel mix's own kernels over several column tiles (x packed tile by tile, K = 32 gives
   tiles of 128 columns) with a partial last tile and a partial last block of 16: the channel-major
   [32, 3, 13, 17] (663 columns) and the sample-major [3, 32, 13, 17] (221 per sample) to 48 channels,
   with the bias, the added tensor and GELU, inference (GELU in the product's epilogue) and training
   (GELU and its derivative there): the values, and with gradients the input, weight, bias and added
   tensor's gradients of a seeded backward, against the sgemm path. */
static void test_channel_mix_tiles(void **state)
{
  for (int cb = 0; cb < 2; cb++)
    for (int grad = 0; grad < 2; grad++) {
      PdTensor v[4], r[2][5];
      v[0] = cb ? New(4, 32, 3, 13, 17, 0, 95) : New(4, 3, 32, 13, 17, 0, 95);
      v[1] = New(2, 48, 32, 0, 0, 0, 96);
      v[2] = New(1, 48, 0, 0, 0, 0, 97);
      v[3] = cb ? New(4, 48, 3, 13, 17, 0, 98) : New(4, 3, 48, 13, 17, 0, 98);
      for (int k = 0; k < 2; k++) { /* k = 0: sgemm, k = 1: the direct product */
        PdTape    tape;
        PdTensor  t[4], y;
        PetscBool old = PdChannelMixSetDirect((PetscBool)k);
        PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
        PDT(PdTapeSetGradEnabled(tape, (PetscBool)grad));
        for (int i = 0; i < 4; i++) {
          if (i == 1 || i == 2) PDT(PdTensorCreate(v[i]->ndim, v[i]->shape, (PetscBool)grad, &t[i]));
          else PDT(PdTapeVariable(tape, v[i]->ndim, v[i]->shape, &t[i]));
          PetscArraycpy(t[i]->data, v[i]->data, v[i]->size);
        }
        PDT((cb ? PdChannelMixFusedCB : PdChannelMixFused)(t[0], t[1], t[2], t[3], PETSC_TRUE, &y));
        assert_true(grad ? y->grad != NULL : y->grad == NULL);
        PDT(PdTensorCreate(y->ndim, y->shape, PETSC_FALSE, &r[k][0]));
        PetscArraycpy(r[k][0]->data, y->data, y->size);
        for (int i = 0; i < 4; i++) r[k][i + 1] = NULL;
        if (grad) {
          for (PetscInt i = 0; i < y->size; i++) y->grad[i] = (float)cos(0.37 * (double)i);
          PDT(PdTapeBackwardSeeded(tape, y));
          for (int i = 0; i < 4; i++) {
            PDT(PdTensorCreate(t[i]->ndim, t[i]->shape, PETSC_FALSE, &r[k][i + 1]));
            PetscArraycpy(r[k][i + 1]->data, t[i]->grad, t[i]->size);
          }
        }
        PDT(PdTensorDestroy(&t[1]));
        PDT(PdTensorDestroy(&t[2]));
        PDT(PdTapeDestroy(&tape));
        PdChannelMixSetDirect(old);
      }
      for (int i = 0; i < 5; i++) {
        PetscReal scale = 0;
        if (!r[0][i]) continue;
        for (PetscInt e = 0; e < r[0][i]->size; e++) scale = PetscMax(scale, PetscAbsReal(r[0][i]->data[e]));
        for (PetscInt e = 0; e < r[0][i]->size; e++)
          if (PetscAbsReal(r[1][i]->data[e] - r[0][i]->data[e]) > 2e-6 * (1 + scale)) fail_msg("channel mix over tiles (cb %d, grad %d): %s entry %" PetscInt_FMT ": %g (direct) against %g (sgemm)", cb, grad, i ? "gradient" : "output", e, (double)r[1][i]->data[e], (double)r[0][i]->data[e]);
        PdTensorDestroy(&r[0][i]);
        PdTensorDestroy(&r[1][i]);
      }
      for (int i = 0; i < 4; i++) PdTensorDestroy(&v[i]);
    }
}

/* PdChannelMLPCB against its definition, two PdChannelMixFusedCB, over several tiles with partial
   ones ([32, 3, 13, 17] through 48 hidden channels to 1 and to 3): without gradients (the tiled
   kernel, the hidden tensor never stored: one channel_mlp node) and with them (the two mixes, whose
   gradients test_channel_mix_tiles checks); then its shape errors */
static void test_channel_mlp(void **state)
{
  for (int c2 = 1; c2 <= 3; c2 += 2)
    for (int grad = 0; grad < 2; grad++) {
      PdTensor x0 = New(4, 32, 3, 13, 17, 0, 101), w1 = New(2, 48, 32, 0, 0, 0, 102), b1 = New(1, 48, 0, 0, 0, 0, 103);
      PdTensor w2 = New(2, c2, 48, 0, 0, 0, 104), b2 = New(1, c2, 0, 0, 0, 0, 105), x, h, y, ref;
      PdTape   tape;
      PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
      PDT(PdTapeSetGradEnabled(tape, (PetscBool)grad));
      PDT(PdTapeVariable(tape, 4, x0->shape, &x));
      PetscArraycpy(x->data, x0->data, x->size);
      PDT(PdChannelMixFusedCB(x, w1, b1, NULL, PETSC_TRUE, &h));
      PDT(PdChannelMixFusedCB(h, w2, b2, NULL, PETSC_FALSE, &ref));
      PDT(PdChannelMLPCB(x, w1, b1, w2, b2, &y));
      assert_int_equal(y->op, grad ? PD_OP_CHANNEL_MIX_FUSED : PD_OP_CHANNEL_MLP); /* the tiled kernel ran without gradients */
      assert_int_equal(y->shape[0], c2);
      assert_int_equal(y->size, ref->size);
      for (PetscInt e = 0; e < y->size; e++) PDT_CLOSE(y->data[e], ref->data[e], 2e-6 * (1 + PetscAbsReal(ref->data[e])));
      if (!grad) {
        PDT_FAILS(PdChannelMLPCB(x, w2, b1, w2, b2, &y)); /* w1 [c2, 48] does not take 32 channels */
        PDT_ERRMSG_HAS("w1 [H,Cin]");
        PDT_FAILS(PdChannelMLPCB(x, w1, b1, w1, b2, &y)); /* w2 [48, 32] does not take 48 hidden channels */
        PDT_ERRMSG_HAS("w2 [Cout,H]");
        PDT_FAILS(PdChannelMLPCB(x, w1, b2, w2, b2, &y));
        PDT_ERRMSG_HAS("b1");
      }
      PDT(PdTapeDestroy(&tape));
      PdTensorDestroy(&x0);
      PdTensorDestroy(&w1);
      PdTensorDestroy(&b1);
      PdTensorDestroy(&w2);
      PdTensorDestroy(&b2);
    }
}

/* The fused channel mix's own product (Cout, and Cin for the input gradient, multiples of 16;
   PdChannelMixSetDirect): in both layouts, with and without GELU, the added tensor and the bias, on a
   grid of 21 points (the last block of 16 columns partial): the same forward values and weight
   gradient (its own reduction, Cin and Cout multiples of 4) as the sgemm path, and gradients against
   central differences */
static void test_channel_mix_direct(void **state)
{
  for (int cb = 0; cb < 2; cb++)
    for (int gelu = 0; gelu < 2; gelu++)
      for (int add = 0; add < 2; add++)
        for (int bias = 0; bias < 2; bias++) {
          Ctx       c = {cb ? 15 : 12, (PetscBool)gelu, (PetscBool)add, (PetscBool)bias, 1, NULL};
          PdTensor  v[4], y[2], dw[2];
          PetscInt  n = 2, nv;
          PetscReal err;
          v[0] = cb ? New(4, 16, 2, 3, 7, 0, 90) : New(4, 2, 16, 3, 7, 0, 90);
          v[1] = New(2, 32, 16, 0, 0, 0, 91);
          if (bias) v[n++] = New(1, 32, 0, 0, 0, 0, 92);
          if (add) v[n++] = cb ? New(4, 32, 2, 3, 7, 0, 93) : New(4, 2, 32, 3, 7, 0, 93);
          nv = n;
          MixBothPaths(v, nv, cb, gelu, add, bias, y, dw);
          for (PetscInt i = 0; i < y[0]->size; i++) PDT_CLOSE(y[1]->data[i], y[0]->data[i], 1e-5);
          for (PetscInt i = 0; i < dw[0]->size; i++) PDT_CLOSE(dw[1]->data[i], dw[0]->data[i], 1e-5);
          PDT(PdGradCheck(PETSC_COMM_SELF, Build, &c, nv, v, 1e-2f, &err));
          if (err > (gelu ? 2e-3 : 1e-3)) fail_msg("direct channel mix (cb %d, gelu %d, add %d, bias %d): gradient relative error %g", cb, gelu, add, bias, err);
          for (PetscInt i = 0; i < nv; i++) PdTensorDestroy(&v[i]);
          for (int k = 0; k < 2; k++) {
            PdTensorDestroy(&y[k]);
            PdTensorDestroy(&dw[k]);
          }
        }
}

/* The weight gradient's own reduction where the forward and input-gradient products stay sgemm (Cin
   12, Cout 8: multiples of 4, not of 16), on fewer columns than one vector (5) and on more than two of
   its 512-column blocks (1,100 per sample, 2,200 channel-major): the same gradient as sgemm's */
static void test_channel_mix_weight_grad(void **state)
{
  for (int cb = 0; cb < 2; cb++)
    for (PetscInt S = 5; S <= 1100; S += 1095) {
      PdTensor v[2]  = {cb ? New(3, 12, 2, S, 0, 0, 94) : New(3, 2, 12, S, 0, 0, 94), New(2, 8, 12, 0, 0, 0, 95)}, y[2], dw[2];
      double   scale = 0;
      MixBothPaths(v, 2, cb, 1, 0, 0, y, dw);
      for (PetscInt i = 0; i < dw[0]->size; i++) scale = PetscMax(scale, fabs(dw[0]->data[i]));
      for (PetscInt i = 0; i < y[0]->size; i++) PDT_CLOSE(y[1]->data[i], y[0]->data[i], 1e-5);
      for (PetscInt i = 0; i < dw[0]->size; i++) PDT_CLOSE(dw[1]->data[i], dw[0]->data[i], 1e-6 * scale);
      for (int k = 0; k < 2; k++) {
        PdTensorDestroy(&v[k]);
        PdTensorDestroy(&y[k]);
        PdTensorDestroy(&dw[k]);
      }
    }
}

/* y = conv(x0, w, b) with stride s (t = 0), or its transpose onto grid (t = 1), through the kernel the
   caller selected, and the gradients of sum(r * y) + sum(x0 * x): copies of y, dx and dw in out, dx,
   dw (one PetscMalloc3, freed by the caller). The second term makes the convolution's input gradient
   add to a gradient already there, as when x feeds several operations. */
static void ConvAndGrads(int nd, int t, PetscInt s, const PetscInt grid[], PdTensor x0, PdTensor w, PdTensor b, PdTensor r, float **out, float **dx, float **dw)
{
  PdTape   tape;
  PdTensor x, y, ry, l, xc, xx, lx;
  PDT(PetscArrayzero(w->grad, w->size));
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeVariable(tape, nd, x0->shape, &x));
  PDT(PetscArraycpy(x->data, x0->data, x->size));
  if (t) PDT(PdConv3x3TransposeTo(x, w, b, s, grid, &y));
  else PDT(PdConv3x3(x, w, b, s, &y));
  assert_int_equal(y->size, r->size);
  PDT(PdMul(y, r, &ry));
  PDT(PdSum(ry, &l));
  PDT(PdTapeInput(tape, nd, x0->shape, &xc));       /* + sum(x x0), recorded after the convolution: its gradient x0 is */
  PDT(PetscArraycpy(xc->data, x0->data, xc->size)); /* in x->grad before the convolution's backward adds to it */
  PDT(PdMul(x, xc, &xx));
  PDT(PdSum(xx, &lx));
  PDT(PdAdd(l, lx, &l));
  PDT(PdTapeBackward(tape, l));
  PDT(PetscMalloc3(y->size, out, x->size, dx, w->size, dw));
  PDT(PetscArraycpy(*out, y->data, y->size));
  PDT(PetscArraycpy(*dx, x->grad, x->size));
  PDT(PetscArraycpy(*dw, w->grad, w->size));
  PDT(PdTapeDestroy(&tape));
}

/* Winograd's products through the channel mix's kernel (Cout a multiple of 16) and through sgemm
   (Cout 12), with alpha folded into the repacked kernel transform: y = z + alpha conv(x) + alpha b of
   PdConv3x3Add against the naive convolution at every point, for 12 -> 16 and 16 -> 12 channels on
   grids with odd sides (half-empty tiles), even sides, and one or two rows or columns (the spare tile
   of each tile row and the polyphase planes' padding at every edge) */
static void test_conv_winograd_mix(void **state)
{
  const PetscInt ch[2][2] = {
    {12, 16},
    {16, 12}};
  const PetscInt grid[6][2] = {
    {9, 11},
    {1, 1},
    {2, 3},
    {4, 6},
    {6, 2},
    {1, 5}};
  PetscInt old = PdConvSetWinogradMin(1), oldt = PdConvSetWinogradMinTiles(0);
  for (int gi = 0; gi < 6; gi++)
    for (int c = 0; c < 2; c++) {
      const PetscInt H = grid[gi][0], W = grid[gi][1], cin = ch[c][0], cout = ch[c][1], xs[4] = {2, cin, H, W}, zs[4] = {2, cout, H, W};
      const double   alpha = -0.7;
      PdTensor       w = New(4, cout, cin, 3, 3, 0, 90 + c), b = New(1, cout, 0, 0, 0, 0, 92 + c), x0 = New(4, 2, cin, H, W, 0, 94 + c), z0 = New(4, 2, cout, H, W, 0, 96 + c), x, z, y;
      PdTape         tape;
      PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
      PDT(PdTapeSetGradEnabled(tape, PETSC_FALSE));
      PDT(PdTapeInput(tape, 4, xs, &x));
      PDT(PdTapeInput(tape, 4, zs, &z));
      PetscArraycpy(x->data, x0->data, x->size);
      PetscArraycpy(z->data, z0->data, z->size);
      PDT(PdConv3x3Add(z, alpha, x, w, b, 1, &y));
      for (PetscInt n = 0; n < 2; n++)
        for (PetscInt o = 0; o < cout; o++)
          for (PetscInt oy = 0; oy < H; oy++)
            for (PetscInt ox = 0; ox < W; ox++) {
              const PetscInt i = ((n * cout + o) * H + oy) * W + ox;
              PDT_CLOSE(y->data[i], z0->data[i] + alpha * NaiveConv(x0, w, b, 1, n, o, oy, ox), 1e-4);
            }
      PDT(PdTapeDestroy(&tape));
      PDT(PdTensorDestroy(&w));
      PDT(PdTensorDestroy(&b));
      PDT(PdTensorDestroy(&x0));
      PDT(PdTensorDestroy(&z0));
    }
  PdConvSetWinogradMin(old);
  PdConvSetWinogradMinTiles(oldt);
}

/* Winograd on a grid large enough for several tile-row blocks (16 + 12 channels at 67 x 35: a block of
   30 tile rows and a partial one of 4; odd sides), and on grids of 1 x 1, 2 x 3 and 5 x 4 (every tile
   at an edge): output, input gradient and weight gradient of sum(r * conv(x)) for a random r equal
   im2col + sgemm's to float rounding, and the output matches the naive double-precision convolution */
static void test_conv_winograd_blocks(void **state)
{
  const PetscInt ws[4]      = {12, 16, 3, 3};
  const PetscInt grid[4][2] = {
    {67, 35},
    {1, 1},
    {2, 3},
    {5, 4}};
  for (int gi = 0; gi < 4; gi++) {
    const PetscInt H = grid[gi][0], W = grid[gi][1];
    float         *out[2], *dx[2], *dw[2];
    PdTensor       w, r = New(4, 2, 12, H, W, 0, 71), x0 = New(4, 2, 16, H, W, 0, 72);
    PDT(PdTensorCreate(4, ws, PETSC_TRUE, &w));
    Fill(w, 70);
    for (int k = 0; k < 2; k++) {
      PetscInt old = PdConvSetWinogradMin(k ? 1 : 0), oldt = PdConvSetWinogradMinTiles(0);
      ConvAndGrads(4, 0, 1, NULL, x0, w, NULL, r, &out[k], &dx[k], &dw[k]);
      PdConvSetWinogradMin(old);
      PdConvSetWinogradMinTiles(oldt);
    }
    for (PetscInt n = 0; n < 2; n++) /* Winograd's output against the naive convolution */
      for (PetscInt o = 0; o < 12; o += 5)
        for (PetscInt oy = 0; oy<H; oy += H> 9 ? 11 : 1)
          for (PetscInt ox = 0; ox<W; ox += W> 9 ? 3 : 1) PDT_CLOSE(out[1][((n * 12 + o) * H + oy) * W + ox], NaiveConv(x0, w, NULL, 1, n, o, oy, ox), 1e-4);
    for (PetscInt i = 0; i < 2 * 12 * H * W; i++) PDT_CLOSE(out[1][i], out[0][i], 1e-4);
    for (PetscInt i = 0; i < x0->size; i++) PDT_CLOSE(dx[1][i], dx[0][i], 1e-4);
    for (PetscInt i = 0; i < w->size; i++) PDT_CLOSE(dw[1][i], dw[0][i], 1e-3 * (1 + fabs(dw[0][i])));
    for (int k = 0; k < 2; k++) PDT(PetscFree3(out[k], dx[k], dw[k]));
    PDT(PdTensorDestroy(&w));
    PDT(PdTensorDestroy(&r));
    PDT(PdTensorDestroy(&x0));
  }
}

/* The direct 3x3x3 kernel works along each padded plane's flat index in chunks of 48 points (rows of
   W + 2) and on output channels in blocks of 4: rows of 8, 16, 17, 25 and 41 points (planes of 30 to
   129 flat points: one chunk, two, three with the last past the plane's end) and 5 output channels (a
   block of 4 and one of 1) give every case. Output against the naive convolution at every point; output,
   input gradient and weight gradient of sum(r * conv(x)) against im2col + sgemm. */
static void test_conv3d_direct_rows(void **state)
{
  const PetscInt Ws[5] = {8, 16, 17, 25, 41};
  for (int iw = 0; iw < 5; iw++) {
    const PetscInt W = Ws[iw], ws[5] = {5, 3, 3, 3, 3};
    float         *out[2], *dx[2], *dw[2];
    PdTensor       w, b = New(1, 5, 0, 0, 0, 0, 82), r = New(5, 2, 5, 4, 3, W, 80), x0 = New(5, 2, 3, 4, 3, W, 81);
    PDT(PdTensorCreate(5, ws, PETSC_TRUE, &w));
    Fill(w, 83);
    for (int k = 0; k < 2; k++) { /* k = 0: im2col + sgemm, k = 1: direct */
      PetscInt old = PdConvSetDirectMax(k ? 1000 : 0);
      ConvAndGrads(5, 0, 1, NULL, x0, w, b, r, &out[k], &dx[k], &dw[k]);
      PdConvSetDirectMax(old);
      for (PetscInt n = 0; n < 2; n++)
        for (PetscInt o = 0; o < 5; o++)
          for (PetscInt oz = 0; oz < 4; oz++)
            for (PetscInt oy = 0; oy < 3; oy++)
              for (PetscInt ox = 0; ox < W; ox++) PDT_CLOSE(out[k][(((n * 5 + o) * 4 + oz) * 3 + oy) * W + ox], NaiveConv3D(x0, w, b, 1, n, o, oz, oy, ox), 1e-5);
    }
    for (PetscInt i = 0; i < x0->size; i++) PDT_CLOSE(dx[1][i], dx[0][i], 1e-5);
    for (PetscInt i = 0; i < w->size; i++) PDT_CLOSE(dw[1][i], dw[0][i], 1e-5 * (1 + fabs(dw[0][i])));
    for (int k = 0; k < 2; k++) PDT(PetscFree3(out[k], dx[k], dw[k]));
    PDT(PdTensorDestroy(&w));
    PDT(PdTensorDestroy(&b));
    PDT(PdTensorDestroy(&r));
    PDT(PdTensorDestroy(&x0));
  }
}

/* the transposed stride-2 3x3x3 convolution y [B, Cout, grid] of x [B, Cin, ...] with w [Cin, Cout, 3,
   3, 3], naively in double: every input point scattered through the 27 taps (PetscFree the result) */
static double *NaiveConvT3D(PdTensor x, PdTensor w, const PetscInt grid[])
{
  const PetscInt B = x->shape[0], cin = x->shape[1], cout = w->shape[1], Do = x->shape[2], Ho = x->shape[3], Wo = x->shape[4], D = grid[0], H = grid[1], W = grid[2];
  double        *y;
  PDT(PetscCalloc1(B * cout * D * H * W, &y));
  for (PetscInt n = 0; n < B; n++)
    for (PetscInt ci = 0; ci < cin; ci++)
      for (PetscInt oz = 0; oz < Do; oz++)
        for (PetscInt oy = 0; oy < Ho; oy++)
          for (PetscInt ox = 0; ox < Wo; ox++)
            for (PetscInt co = 0; co < cout; co++)
              for (PetscInt k = 0; k < 27; k++) {
                const PetscInt iz = 2 * oz + k / 9 - 1, iy = 2 * oy + k / 3 % 3 - 1, ix = 2 * ox + k % 3 - 1;
                if (iz < 0 || iz >= D || iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                y[(((n * cout + co) * D + iz) * H + iy) * W + ix] += (double)w->data[(ci * cout + co) * 27 + k] * x->data[(((n * cin + ci) * Do + oz) * Ho + oy) * Wo + ox];
              }
  return y;
}

/* The direct stride-2 kernel and the direct transposed one (t = 1) for one fine grid and channel
   pair, against im2col + sgemm: outputs against the naive convolution at every point, then output,
   input gradient and weight gradient of sum(r * y) against im2col's to float rounding. Adds to
   diff[0], diff[1] how many entries of the output and of the input gradient differ bitwise between
   the two kernels (they sum in different orders: the same kernel twice would show none). */
static void StridedCase(int t, const PetscInt fine[], PetscInt cin, PetscInt cout, uint64_t seed, PetscInt diff[2])
{
  const PetscInt  coarse[3] = {(fine[0] - 1) / 2 + 1, (fine[1] - 1) / 2 + 1, (fine[2] - 1) / 2 + 1};
  const PetscInt *xg = t ? coarse : fine, *yg = t ? fine : coarse, ws[5] = {t ? cin : cout, t ? cout : cin, 3, 3, 3};
  float          *out[2], *dx[2], *dw[2];
  double         *ref = NULL;
  PdTensor        w, r = New(5, 2, cout, yg[0], yg[1], yg[2], seed), x0 = New(5, 2, cin, xg[0], xg[1], xg[2], seed + 1);
  PDT(PdTensorCreate(5, ws, PETSC_TRUE, &w));
  Fill(w, seed + 2);
  for (int k = 0; k < 2; k++) { /* k = 0: im2col + sgemm, k = 1: direct */
    PetscInt old = PdConvSetDirectMax(k ? 1000 : 0);
    ConvAndGrads(5, t, 2, fine, x0, w, NULL, r, &out[k], &dx[k], &dw[k]);
    PdConvSetDirectMax(old);
  }
  if (t) ref = NaiveConvT3D(x0, w, fine);
  for (PetscInt i = 0; i < r->size; i++) {
    const PetscInt sz = yg[0] * yg[1] * yg[2], n = i / (cout * sz), o = i / sz % cout, p = i % sz;
    const double   v = t ? ref[i] : NaiveConv3D(x0, w, NULL, 2, n, o, p / (yg[1] * yg[2]), p / yg[2] % yg[1], p % yg[2]);
    PDT_CLOSE(out[1][i], v, 1e-5 * (1 + fabs(v)));
    PDT_CLOSE(out[1][i], out[0][i], 1e-5 * (1 + fabs(out[0][i])));
    diff[0] += out[1][i] != out[0][i];
  }
  for (PetscInt i = 0; i < x0->size; i++) {
    PDT_CLOSE(dx[1][i], dx[0][i], 1e-5 * (1 + fabs(dx[0][i])));
    diff[1] += dx[1][i] != dx[0][i];
  }
  for (PetscInt i = 0; i < w->size; i++) PDT_CLOSE(dw[1][i], dw[0][i], 1e-5 * (1 + fabs(dw[0][i])));
  for (int k = 0; k < 2; k++) PDT(PetscFree3(out[k], dx[k], dw[k]));
  PDT(PetscFree(ref));
  PDT(PdTensorDestroy(&w));
  PDT(PdTensorDestroy(&r));
  PDT(PdTensorDestroy(&x0));
}

/* The stride-2 direct kernels on odd and even fine grids whose coarse rows give every chunk case (5, 9,
   13, 17 and 20 coarse points: half chunks, whole ones, a whole one and a short one; 33 and 50: a wide
   chunk of 48 alone, and one followed by a narrow one of 2), channel pairs
   from 1 x 1 to 4 x 4 and 3 x 5 (a block of 4 output channels and one of 1): the strided convolution
   and the transpose, outputs and both gradients against im2col + sgemm (StridedCase). The direct
   kernels must really have run, in the forward and in the input gradient: their results are not
   bitwise im2col's. */
static void test_conv3d_direct_strided(void **state)
{
  const PetscInt grids[8][3] = {
    {5, 7, 9},
    {8, 6, 10},
    {17, 17, 17},
    {3, 4, 33},
    {2, 3, 40},
    {3, 2, 25},
    {2, 3, 65},
    {3, 2, 100}};
  const PetscInt ch[5][2] = {
    {1, 1},
    {1, 4},
    {2, 3},
    {4, 4},
    {3, 5}};
  for (int t = 0; t < 2; t++) {
    PetscInt diff[2] = {0, 0};
    for (int gi = 0; gi < 8; gi++)
      for (int ci = 0; ci < 5; ci++) StridedCase(t, grids[gi], ch[ci][0], ch[ci][1], 100 + 10 * gi + ci, diff);
    for (int d = 0; d < 2; d++)
      if (!diff[d]) fail_msg("%s %s: the direct kernel gave im2col's results bit for bit: did it run?", t ? "transpose" : "stride 2", d ? "input gradient" : "forward");
  }
}

/* Gradients through the direct stride-2 kernels against finite differences, on an even fine grid
   4 x 6 x 10 (coarse 2 x 3 x 5): the strided convolution with a bias, and the fused transpose
   z + alpha convT(x) onto the even grid */
static void test_conv3d_direct_strided_grad(void **state)
{
  PetscInt old = PdConvSetDirectMax(1000);
  {
    PdTensor v[3] = {New(5, 2, 2, 4, 6, 10, 120), New(5, 3, 2, 3, 3, 3, 121), New(1, 3, 0, 0, 0, 0, 122)};
    Ctx      c    = {7, 0, 0, PETSC_TRUE, 2, NULL};
    Check(&c, 3, v, "direct conv3x3x3 stride 2");
  }
  {
    PdTensor v[3] = {New(5, 2, 3, 2, 3, 5, 123), New(5, 3, 2, 3, 3, 3, 124), New(5, 2, 2, 4, 6, 10, 125)};
    Ctx      c    = {14, 0, 0, PETSC_FALSE, 2, NULL};
    Check(&c, 3, v, "direct conv3x3x3 transpose stride 2 + z");
  }
  PdConvSetDirectMax(old);
}

static void test_conv_errors(void **state)
{
  PdTape   tape;
  PdTensor x, w, y;
  PetscInt xs[4] = {1, 2, 5, 5}, ws[4] = {3, 3, 3, 3};
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 4, xs, &x));
  PDT(PdTensorCreate(4, ws, PETSC_FALSE, &w));
  PDT_FAILS(PdConv3x3(x, w, NULL, 1, &y));
  PDT_ERRMSG_HAS("Cin = 2");
  ws[1] = 2;
  PDT(PdTensorDestroy(&w));
  PDT(PdTensorCreate(4, ws, PETSC_FALSE, &w));
  PDT_FAILS(PdConv3x3(x, w, NULL, 3, &y));
  PDT_ERRMSG_HAS("stride must be 1 or 2");
  {
    PetscInt x3[5] = {1, 2, 5, 5, 5};
    PdTensor x5;
    PDT(PdTapeInput(tape, 5, x3, &x5));
    PDT_FAILS(PdConv3x3(x5, w, NULL, 1, &y)); /* 2D weights on a 3D grid */
    PDT_ERRMSG_HAS("[Cout,Cin,3,3,3]");
  }
  PDT(PdTensorDestroy(&w));
  PDT(PdTapeDestroy(&tape));
}

static void test_dense_errors(void **state)
{
  PdTape   tape;
  PdTensor a, b, y;
  PetscInt sa[2] = {3, 4}, sb[2] = {3, 4};
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 2, sa, &a));
  PDT(PdTapeInput(tape, 2, sb, &b));
  PDT_FAILS(PdMatMul(a, b, PETSC_FALSE, PETSC_FALSE, &y));
  PDT_ERRMSG_HAS("inner dimensions");
  PDT(PdMatMul(a, b, PETSC_FALSE, PETSC_TRUE, &y));
  assert_int_equal(y->shape[1], 3);
  PDT(PdLinear(a, b, NULL, &y)); /* w [3,4]: in = 4 matches */
  assert_int_equal(y->shape[1], 3);
  PDT_FAILS(PdLinear(y, b, NULL, &y)); /* y has 3 columns, w wants 4 */
  PDT_ERRMSG_HAS("PdLinear");
  PDT_FAILS(PdBatchMatMul(a, b, &y));
  PDT_ERRMSG_HAS("[B,M,K]");
  PDT(PdTapeDestroy(&tape));
}

/* Graph operations: gradients by finite differences; the edge product against a dense matrix built
   from the same (dst, src, value) triples, repeated edges included (they add). */
static void test_graph(void **state)
{
  const PetscInt src[7] = {0, 1, 2, 3, 4, 4, 0}, dst[7] = {2, 0, 1, 1, 3, 3, 0}; /* 5 nodes in, 4 out */
  Ctx            c = {9, 0, 0, 0, 1, NULL};
  PdTensor       v[2];

  G.E   = 7;
  G.n   = 4;
  G.src = src;
  G.dst = dst;

  v[0] = New(2, 5, 3, 0, 0, 0, 21);
  Check(&c, 1, v, "gather");
  c.which = 10;
  v[0]    = New(2, 7, 3, 0, 0, 0, 22);
  Check(&c, 1, v, "scatter-add");
  c.which = 11;
  v[0]    = New(1, 7, 0, 0, 0, 0, 23);
  v[1]    = New(2, 5, 2, 0, 0, 0, 24);
  {
    PdTape   tape;
    PdTensor a, z, y;
    double   M[4][5] = {{0}};
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 1, v[0]->shape, &a));
    PDT(PdTapeInput(tape, 2, v[1]->shape, &z));
    PetscArraycpy(a->data, v[0]->data, 7);
    PetscArraycpy(z->data, v[1]->data, 10);
    PDT(PdEdgeMatVec(a, z, 7, src, dst, 4, &y));
    for (int e = 0; e < 7; e++) M[dst[e]][src[e]] += a->data[e];
    for (int i = 0; i < 4; i++)
      for (int p = 0; p < 2; p++) {
        double s = 0;
        for (int j = 0; j < 5; j++) s += M[i][j] * z->data[j * 2 + p];
        PDT_CLOSE(y->data[i * 2 + p], s, 1e-6);
      }
    /* an index out of range is an error naming the operation */
    PDT_FAILS(PdEdgeMatVec(a, z, 7, dst, src, 4, &y));
    PDT_ERRMSG_HAS("PdEdgeMatVec");
    PDT(PdTapeDestroy(&tape));
  }
  Check(&c, 2, v, "edge matvec");
}

/* a copy of t with its first two dimensions exchanged (a standalone tensor, no tape) */
static PdTensor Swapped(PdTensor t)
{
  PetscInt s[PD_MAX_DIMS], n0 = t->shape[0], n1 = t->shape[1], in = t->size / (n0 * n1);
  PdTensor u;
  for (int i = 0; i < t->ndim; i++) s[i] = t->shape[i];
  s[0] = n1;
  s[1] = n0;
  PDT(PdTensorCreate(t->ndim, s, PETSC_FALSE, &u));
  for (PetscInt i = 0; i < n0; i++)
    for (PetscInt j = 0; j < n1; j++)
      for (PetscInt k = 0; k < in; k++) u->data[(j * n0 + i) * in + k] = t->data[(i * n1 + j) * in + k];
  return u;
}

/* The channel-major ops [C,B,grid...]: PdSwapLeading by index, twice = identity; PdChannelMixFusedCB
   and PdSpectralConvCB against PdChannelMixFused and PdSpectralConv on the [B,C,grid...] layout
   (outputs, and all gradients with the same output weights, to 1e-6), and their own gradients
   against finite differences. */
static void test_channel_major(void **state)
{
  for (int sd = 1; sd <= 2; sd++) {
    for (int which = 0; which < 2; which++) /* 0: fused channel mix (GELU, added tensor, bias), 1: spectral */
      for (int gelu = 0; gelu <= (which ? 0 : 1); gelu++) {
        PdTensor  v[4], cv[4];
        PetscInt  nv;
        PdTape    t1, t2;
        PdTensor  x1, x2, a1 = NULL, a2 = NULL, y1, y2, w1, w2, b1 = NULL, b2 = NULL;
        PetscReal err;
        if (which == 0) {
          v[0] = sd == 1 ? New(3, 3, 2, 5, 0, 0, 60) : New(4, 3, 2, 4, 6, 0, 60); /* [B,Cin,grid] */
          v[1] = New(2, 4, 2, 0, 0, 0, 61);
          v[2] = New(1, 4, 0, 0, 0, 0, 62);
          v[3] = sd == 1 ? New(3, 3, 4, 5, 0, 0, 63) : New(4, 3, 4, 4, 6, 0, 63);
          nv   = 4;
        } else { /* 12 of 16 points: the row DFT; 16 x 6 in 2D: FFTW's rows */
          v[0] = sd == 1 ? New(3, 3, 2, 16, 0, 0, 64) : New(4, 3, 2, 8, 6, 0, 64);
          v[1] = sd == 1 ? New(4, 3, 2, 3, 2, 0, 65) : New(5, 4, 2, 2, 3, 2, 65);
          nv   = 2;
        }
        PDT(PdTapeCreate(PETSC_COMM_SELF, &t1));
        PDT(PdTapeCreate(PETSC_COMM_SELF, &t2));
        PDT(PdTapeVariable(t1, v[0]->ndim, v[0]->shape, &x1));
        PetscArraycpy(x1->data, v[0]->data, x1->size);
        cv[0] = Swapped(v[0]);
        PDT(PdTapeVariable(t2, cv[0]->ndim, cv[0]->shape, &x2));
        PetscArraycpy(x2->data, cv[0]->data, x2->size);
        PDT(PdTensorCreate(v[1]->ndim, v[1]->shape, PETSC_TRUE, &w1));
        PDT(PdTensorCreate(v[1]->ndim, v[1]->shape, PETSC_TRUE, &w2));
        PetscArraycpy(w1->data, v[1]->data, w1->size);
        PetscArraycpy(w2->data, v[1]->data, w2->size);
        cv[1] = NULL;
        if (which == 0) {
          PDT(PdTensorCreate(1, v[2]->shape, PETSC_TRUE, &b1));
          PDT(PdTensorCreate(1, v[2]->shape, PETSC_TRUE, &b2));
          PetscArraycpy(b1->data, v[2]->data, 4);
          PetscArraycpy(b2->data, v[2]->data, 4);
          PDT(PdTapeVariable(t1, v[3]->ndim, v[3]->shape, &a1));
          PetscArraycpy(a1->data, v[3]->data, a1->size);
          cv[3] = Swapped(v[3]);
          PDT(PdTapeVariable(t2, cv[3]->ndim, cv[3]->shape, &a2));
          PetscArraycpy(a2->data, cv[3]->data, a2->size);
          PDT(PdChannelMixFused(x1, w1, b1, a1, (PetscBool)gelu, &y1));
          PDT(PdChannelMixFusedCB(x2, w2, b2, a2, (PetscBool)gelu, &y2));
        } else {
          PDT(PdSpectralConv(x1, w1, &y1));
          PDT(PdSpectralConvCB(x2, w2, &y2));
        }
        /* outputs: y2 is y1 swapped; seed both with the same (swapped) weights */
        assert_int_equal(y1->shape[0], y2->shape[1]);
        assert_int_equal(y1->shape[1], y2->shape[0]);
        {
          PetscInt n0 = y1->shape[0], n1 = y1->shape[1], in = y1->size / (n0 * n1);
          for (PetscInt i = 0; i < n0; i++)
            for (PetscInt j = 0; j < n1; j++)
              for (PetscInt k = 0; k < in; k++) {
                const float seed = (float)sin(1.3 * (double)((i * n1 + j) * in + k));
                PDT_CLOSE(y2->data[(j * n0 + i) * in + k], y1->data[(i * n1 + j) * in + k], 1e-6);
                y1->grad[(i * n1 + j) * in + k] = seed;
                y2->grad[(j * n0 + i) * in + k] = seed;
              }
        }
        PDT(PdTapeBackwardSeeded(t1, y1));
        PDT(PdTapeBackwardSeeded(t2, y2));
        {
          PetscInt n1 = x2->shape[0], n0 = x2->shape[1], in = x2->size / (n0 * n1);
          for (PetscInt i = 0; i < n0; i++)
            for (PetscInt j = 0; j < n1; j++)
              for (PetscInt k = 0; k < in; k++) PDT_CLOSE(x2->grad[(j * n0 + i) * in + k], x1->grad[(i * n1 + j) * in + k], 1e-6);
          if (a1)
            for (PetscInt i = 0; i < a1->shape[0]; i++)
              for (PetscInt j = 0; j < a1->shape[1]; j++)
                for (PetscInt k = 0; k < a1->size / (a1->shape[0] * a1->shape[1]); k++) {
                  PetscInt m0 = a1->shape[0], m1 = a1->shape[1], ia = a1->size / (m0 * m1);
                  PDT_CLOSE(a2->grad[(j * m0 + i) * ia + k], a1->grad[(i * m1 + j) * ia + k], 1e-6);
                }
        }
        for (PetscInt i = 0; i < w1->size; i++) PDT_CLOSE(w2->grad[i], w1->grad[i], 1e-5);
        if (b1)
          for (PetscInt i = 0; i < 4; i++) PDT_CLOSE(b2->grad[i], b1->grad[i], 1e-5);
        PDT(PdTapeDestroy(&t1));
        PDT(PdTapeDestroy(&t2));
        PDT(PdTensorDestroy(&w1));
        PDT(PdTensorDestroy(&w2));
        if (b1) {
          PDT(PdTensorDestroy(&b1));
          PDT(PdTensorDestroy(&b2));
          PDT(PdTensorDestroy(&cv[3]));
        }
        /* the channel-major op's own gradients by finite differences */
        {
          Ctx      c = {which == 0 ? 15 : 16, (PetscBool)gelu, (PetscBool)(which == 0), (PetscBool)(which == 0), 1, NULL};
          PdTensor u[4];
          u[0] = cv[0];
          u[1] = v[1];
          if (which == 0) {
            u[2] = v[2];
            u[3] = Swapped(v[3]);
          }
          PDT(PdGradCheck(PETSC_COMM_SELF, Build, &c, nv, u, 1e-2f, &err));
          if (err > (gelu ? 2e-3 : 1e-3)) fail_msg("channel-major %s (%dD, gelu %d): gradient relative error %g", which ? "spectral conv" : "channel mix", sd, gelu, err);
          for (PetscInt i = 0; i < nv; i++) PdTensorDestroy(&u[i]);
          PdTensorDestroy(&v[0]);
          if (which == 0) PdTensorDestroy(&v[3]);
        }
      }
  }
  /* PdSwapLeading: by index, twice is the identity, and its gradient */
  {
    PdTape   tape;
    PdTensor x, y, z, v[1];
    PetscInt xs[4] = {3, 2, 4, 5};
    Ctx      c     = {17, 0, 0, 0, 1, NULL};
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 4, xs, &x));
    for (PetscInt i = 0; i < x->size; i++) x->data[i] = (float)i;
    PDT(PdSwapLeading(x, &y));
    assert_int_equal(y->shape[0], 2);
    assert_int_equal(y->shape[1], 3);
    assert_true(y->data[(1 * 3 + 2) * 20 + 7] == x->data[(2 * 2 + 1) * 20 + 7]);
    PDT(PdSwapLeading(y, &z));
    assert_true(PdShapeEqual(x, z));
    for (PetscInt i = 0; i < x->size; i++) assert_true(z->data[i] == x->data[i]);
    PDT(PdTapeDestroy(&tape));
    v[0] = New(3, 3, 2, 5, 0, 0, 66);
    Check(&c, 1, v, "swap leading");
  }
  /* shapes: the channel-major mix takes [Cin,B,...], the added tensor [Cout,B,...] */
  {
    PdTape   tape;
    PdTensor x, a, y, w = New(2, 4, 3, 0, 0, 0, 67);
    PetscInt xs[3] = {2, 3, 5}, as[3] = {4, 3, 5};
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 3, xs, &x));
    PDT(PdTapeInput(tape, 3, as, &a));
    PDT_FAILS(PdChannelMixFusedCB(x, w, NULL, NULL, PETSC_TRUE, &y)); /* x has 2 channels, w wants 3 */
    PDT_ERRMSG_HAS("[Cin,B,grid...]");
    xs[0] = 3;
    PDT(PdTapeInput(tape, 3, xs, &x));
    PetscArrayzero(x->data, x->size); /* inputs are not initialised: valgrind would see GELU read them */
    PetscArrayzero(a->data, a->size);
    PDT_FAILS(PdChannelMixFusedCB(x, w, NULL, x, PETSC_TRUE, &y)); /* a must be [4,2,5] */
    PDT_ERRMSG_HAS("[Cout,B,grid...]");
    PDT(PdChannelMixFusedCB(x, w, NULL, a, PETSC_TRUE, &y));
    assert_int_equal(y->shape[0], 4);
    for (PetscInt i = 0; i < y->size; i++) assert_true(y->data[i] == 0.0f); /* GELU(w 0 + 0) */
    PDT(PdTensorDestroy(&w));
    PDT(PdTapeDestroy(&tape));
  }
}

/* dead = mix(x); h = gelu(mix(x) + spectral(x)); u = h + h; out = mix(u): once with the channel-major
   ops (whose gradients start unset) on x [C,1,grid] and once with the [B,C,grid] ops (zeroed
   gradients) on x [1,C,grid], the same memory. The tape zeroes an unset gradient before PdAdd adds to
   it and when nothing wrote it (dead); the channel-major run first fills the arena with 7s so that an
   unzeroed gradient would show. */
static void UnsetGradComposite(PetscBool cb, PdTensor w, PdTensor k, float *gx, float *gw, float *gk)
{
  PdTape   tape;
  PdTensor x, dead, s, h, u, out;
  PetscInt xs[4] = {cb ? 3 : 1, cb ? 1 : 3, 8, 6}, big = 4096;
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  if (cb) {
    PdTensor d;
    PDT(PdTapeVariable(tape, 1, &big, &d));
    for (PetscInt i = 0; i < big; i++) d->data[i] = d->grad[i] = 7.0f;
    PDT(PdTapeReset(tape));
  }
  PDT(PdTapeVariable(tape, 4, xs, &x));
  for (PetscInt i = 0; i < x->size; i++) x->data[i] = (float)cos(0.7 * i);
  PetscArrayzero(w->grad, w->size);
  PetscArrayzero(k->grad, k->size);
  PDT((cb ? PdChannelMixFusedCB : PdChannelMixFused)(x, w, NULL, NULL, PETSC_FALSE, &dead));
  PDT((cb ? PdSpectralConvCB : PdSpectralConv)(x, k, &s));
  PDT((cb ? PdChannelMixFusedCB : PdChannelMixFused)(x, w, NULL, s, PETSC_TRUE, &h));
  PDT(PdAdd(h, h, &u));
  PDT((cb ? PdChannelMixFusedCB : PdChannelMixFused)(u, w, NULL, NULL, PETSC_FALSE, &out));
  for (PetscInt i = 0; i < out->size; i++) out->grad[i] = (float)sin(0.3 * i);
  PDT(PdTapeBackwardSeeded(tape, out));
  PetscArraycpy(gx, x->grad, x->size);
  PetscArraycpy(gw, w->grad, w->size);
  PetscArraycpy(gk, k->grad, k->size);
  PDT(PdTapeDestroy(&tape));
}

static void test_unset_grads(void **state)
{
  PdTensor w, k;
  PetscInt ws[2] = {3, 3}, ks[5] = {4, 2, 3, 3, 2};
  float    gx[2][144], gw[2][9], gk[2][144];
  PDT(PdTensorCreate(2, ws, PETSC_TRUE, &w));
  PDT(PdTensorCreate(5, ks, PETSC_TRUE, &k));
  Fill(w, 70);
  Fill(k, 71);
  for (int cb = 0; cb < 2; cb++) UnsetGradComposite((PetscBool)cb, w, k, gx[cb], gw[cb], gk[cb]);
  /* the layouts' products differ (cgemm against pdeop's mode products), so agreement is to round-off
     relative to the entries (up to 15 here); an unzeroed gradient would add whole 7s */
  for (int i = 0; i < 144; i++) PDT_CLOSE(gx[1][i], gx[0][i], 1e-6 * PetscMax(1.0, PetscAbsReal(gx[0][i])));
  for (int i = 0; i < 9; i++) PDT_CLOSE(gw[1][i], gw[0][i], 1e-6 * PetscMax(1.0, PetscAbsReal(gw[0][i])));
  for (int i = 0; i < 144; i++) PDT_CLOSE(gk[1][i], gk[0][i], 1e-6 * PetscMax(1.0, PetscAbsReal(gk[0][i])));
  PDT(PdTensorDestroy(&w));
  PDT(PdTensorDestroy(&k));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_graph),
  cmocka_unit_test(test_matmul),
  cmocka_unit_test(test_linear_and_channel_mix),
  cmocka_unit_test(test_channel_mix_fused),
  cmocka_unit_test(test_channel_major),
  cmocka_unit_test(test_unset_grads),
  cmocka_unit_test(test_losses),
  cmocka_unit_test(test_spectral),
  cmocka_unit_test(test_spectral_many_planes),
  cmocka_unit_test(test_spectral_direct),
  cmocka_unit_test(test_channel_mix_tiles),
  cmocka_unit_test(test_channel_mlp),
  cmocka_unit_test(test_spectral_identity),
  cmocka_unit_test(test_spectral_errors),
  cmocka_unit_test(test_conv),
  cmocka_unit_test(test_conv_adjoint),
  cmocka_unit_test(test_conv3d),
  cmocka_unit_test(test_conv3d_direct_rows),
  cmocka_unit_test(test_conv3d_direct_strided),
  cmocka_unit_test(test_conv3d_direct_strided_grad),
  cmocka_unit_test(test_conv_add),
  cmocka_unit_test(test_channel_mix_direct),
  cmocka_unit_test(test_channel_mix_weight_grad),
  cmocka_unit_test(test_conv_winograd_blocks),
  cmocka_unit_test(test_conv_winograd_mix),
  cmocka_unit_test(test_conv_errors),
  cmocka_unit_test(test_dense_errors),
};
PDT_MAIN("engine_ops", tests)
