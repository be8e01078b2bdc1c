/* Benchmark of the engine's main kernels against the raw library calls they make: PdMatMul against
   cblas_sgemm, and the 2D spectral convolution (forward, forward+backward) against its FFTW
   transforms plus the per-mode complex products. Prints a table; asserts nothing.
   Usage: bench_ops [-reps N] [-only sgemm|spectral|mix|conv2d|conv3d] [-cputime]   (set OPENBLAS_NUM_THREADS to
   control threads; -cputime times by the process's CPU clock, steadier on a loaded machine, meaningful
   with one thread only) */
#include <pdeop/pdeop.h>
#include <complex.h>
#include <fftw3.h>
#include <cblas.h>
#include <time.h>

static PetscBool cputime = PETSC_FALSE; /* -cputime: the process's CPU clock instead of the wall clock */

static double Now(void)
{
  PetscLogDouble t;
  if (cputime) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
  }
  PetscTime(&t);
  return t;
}

static int CmpD(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* median of reps timings */
#define TIME(reps, out, body) \
  do { \
    double ts_[64]; \
    for (int r_ = 0; r_ < (reps); r_++) { \
      double t0_ = Now(); \
      body; \
      ts_[r_] = Now() - t0_; \
    } \
    qsort(ts_, (size_t)(reps), sizeof(double), CmpD); \
    out = ts_[(reps) / 2]; \
  } while (0)

/* median forward and forward+backward times of PdConv3x3 (t = 0) or PdConv3x3Transpose (t = 1) with
   stride s on input shape xs, weights ws */
static PetscErrorCode TimeConv(int nd, const PetscInt xs[], const PetscInt ws[], PetscInt s, int t, PetscInt reps, PdRng *rng, double *tf, double *tfb)
{
  PdTape   tape;
  PdTensor x, w, y, l;

  PetscFunctionBegin;
  PetscCall(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(PdTensorCreate(nd, ws, PETSC_TRUE, &w));
  PetscCall(PdRngFillUniform(rng, w->size, w->data, -0.1f, 0.1f));
  TIME(reps, *tf, {
    PdTapeReset(tape);
    PdTapeInput(tape, nd, xs, &x);
    if (t) PdConv3x3Transpose(x, w, NULL, s, &y);
    else PdConv3x3(x, w, NULL, s, &y);
  });
  TIME(reps, *tfb, {
    PdTapeReset(tape);
    PdTapeVariable(tape, nd, xs, &x);
    if (t) PdConv3x3Transpose(x, w, NULL, s, &y);
    else PdConv3x3(x, w, NULL, s, &y);
    PdSum(y, &l);
    PdTapeBackward(tape, l);
  });
  PetscCall(PdTensorDestroy(&w));
  PetscCall(PdTapeDestroy(&tape));
  PetscFunctionReturn(0);
}

/* 3x3x3 convolutions 4 -> 4 channels, direct against im2col + sgemm: stride 1, stride 2 (the V-cycle's
   restriction, fine grid given) and the stride-2 transpose (its prolongation, coarse grid given, onto
   (n - 1) 2 + 1). GFLOP/s count 2 Cin Cout 27 per coarse point for the strided ones. */
static PetscErrorCode Conv3d(PetscInt reps, PdRng *rng)
{
  const PetscInt xs[2][5] = {{16, 4, 33, 33, 33}, {1, 4, 65, 65, 65}}, ct[2][5] = {{16, 4, 17, 17, 17}, {1, 4, 33, 33, 33}}, ws[5] = {4, 4, 3, 3, 3};
  const char    *name[3] = {"stride 1", "stride 2", "transpose, stride 2"};

  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n## 3x3x3 convolution, 4 -> 4 channels\n\n| op | grid | batch | kernel | forward ms | GFLOP/s | forward+backward ms |\n|---|---|---|---|---|---|---|\n"));
  for (int op = 0; op < 3; op++)
    for (int c = 0; c < 2; c++)
      for (int k = 0; k < 2; k++) {
        const PetscInt *x = op == 2 ? ct[c] : xs[c], s = op ? 2 : 1, n = (x[2] - 1) / (op == 1 ? 2 : 1) + 1; /* n: the coarse (output, or transpose input) side */
        const double    flops = 2.0 * x[0] * 4 * 4 * 27 * n * n * n;
        PetscInt        old   = PdConvSetDirectMax(k ? 0 : 16);
        double          tf, tfb;
        PetscCall(TimeConv(5, x, ws, s, op == 2, reps, rng, &tf, &tfb));
        PdConvSetDirectMax(old);
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| %s | %" PetscInt_FMT "^3 | %" PetscInt_FMT " | %s | %.2f | %.1f | %.2f |\n", name[op], x[2], x[0], k ? "im2col + sgemm" : "direct", 1e3 * tf, flops / tf * 1e-9, 1e3 * tfb));
      }
  PetscFunctionReturn(0);
}

/* The FNO's fused channel mix in the channel-major layout, inference (no gradients): x [Cin, 20, 64, 64]
   -> [Cout, 20, 64, 64], with the bias, the spectral branch added (Cout = Cin) and GELU as in the FNO's
   layers and projection, against one raw sgemm of the same product */
static PetscErrorCode Mix(PetscInt reps, PdRng *rng)
{
  const PetscInt cases[4][3] = {{32, 32, 0}, {32, 32, 1}, {32, 128, 1}, {128, 16, 0}}; /* cin, cout, gelu */
  const PetscInt B = 20, S = 64 * 64, N = B * S;

  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n## channel mix, channel-major, batch %" PetscInt_FMT " of 64x64, inference\n\n| Cin -> Cout | GELU | branch | PdChannelMixFusedCB ms | GFLOP/s | the same through sgemm ms | raw sgemm (no bias, no GELU) ms | GFLOP/s |\n|---|---|---|---|---|---|---|---|\n", B));
  for (int c = 0; c < 4; c++) {
    const PetscInt  cin = cases[c][0], cout = cases[c][1], xs[4] = {cin, B, 64, 64}, ys[4] = {cout, B, 64, 64}, ws[2] = {cout, cin};
    const PetscBool gelu = (PetscBool)cases[c][2], branch = (PetscBool)(cin == cout);
    const double    flops = 2.0 * cin * cout * N;
    PdTape          tape;
    PdTensor        x, a = NULL, w, b, y;
    float          *X, *Y;
    double          tmix, tgemm, tset, tsg;

    PetscCall(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PetscCall(PdTapeSetGradEnabled(tape, PETSC_FALSE));
    PetscCall(PdTensorCreate(2, ws, PETSC_FALSE, &w));
    PetscCall(PdTensorCreate(1, ws, PETSC_FALSE, &b));
    PetscCall(PdRngFillUniform(rng, w->size, w->data, -0.2f, 0.2f));
    PetscCall(PdRngFillUniform(rng, b->size, b->data, -0.2f, 0.2f));
    PetscCall(PetscMalloc2(cin * N, &X, cout * N, &Y));
    PetscCall(PdRngFillUniform(rng, cin * N, X, -1, 1));
    PetscCall(PdRngFillUniform(rng, cout * N, Y, -1, 1));
    /* the tape's set-up and the inputs' copies are timed alone and subtracted */
#define PD_MIX_SETUP \
  do { \
    PdTapeReset(tape); \
    PdTapeInput(tape, 4, xs, &x); \
    memcpy(x->data, X, sizeof(float) * x->size); \
    if (branch) { \
      PdTapeInput(tape, 4, ys, &a); \
      memcpy(a->data, X, sizeof(float) * a->size); \
    } \
  } while (0)
    TIME(reps, tset, PD_MIX_SETUP);
    {
      PetscBool old = PdChannelMixSetDirect(PETSC_FALSE);
      TIME(reps, tsg, {
        PD_MIX_SETUP;
        PdChannelMixFusedCB(x, w, b, a, gelu, &y);
      });
      PdChannelMixSetDirect(old);
      tsg -= tset;
    }
    TIME(reps, tmix, {
      PD_MIX_SETUP;
      PdChannelMixFusedCB(x, w, b, a, gelu, &y);
    });
#undef PD_MIX_SETUP
    tmix -= tset;
    TIME(reps, tgemm, cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, N, cin, 1.0f, w->data, cin, X, N, branch ? 1.0f : 0.0f, Y, N));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| %" PetscInt_FMT " -> %" PetscInt_FMT " | %s | %s | %.2f | %.1f | %.2f | %.2f | %.1f |\n", cin, cout, gelu ? "yes" : "no", branch ? "yes" : "no", 1e3 * tmix, flops / tmix * 1e-9, 1e3 * tsg, 1e3 * tgemm, flops / tgemm * 1e-9));
    PetscCall(PetscFree2(X, Y));
    PetscCall(PdTensorDestroy(&w));
    PetscCall(PdTensorDestroy(&b));
    PetscCall(PdTapeDestroy(&tape));
  }
  { /* the FNO's projection 32 -> 128 -> 1 with GELU between: PdChannelMLPCB against the two fused mixes */
    const PetscInt xs[4] = {32, B, 64, 64}, w1s[2] = {128, 32}, w2s[2] = {1, 128};
    PdTape         tape;
    PdTensor       x, w1, b1, w2, b2, h, y;
    double         tset, tmlp, ttwo;
    PetscCall(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PetscCall(PdTapeSetGradEnabled(tape, PETSC_FALSE));
    PetscCall(PdTensorCreate(2, w1s, PETSC_FALSE, &w1));
    PetscCall(PdTensorCreate(1, w1s, PETSC_FALSE, &b1));
    PetscCall(PdTensorCreate(2, w2s, PETSC_FALSE, &w2));
    PetscCall(PdTensorCreate(1, w2s, PETSC_FALSE, &b2));
    PetscCall(PdRngFillUniform(rng, w1->size, w1->data, -0.2f, 0.2f));
    PetscCall(PdRngFillUniform(rng, b1->size, b1->data, -0.2f, 0.2f));
    PetscCall(PdRngFillUniform(rng, w2->size, w2->data, -0.2f, 0.2f));
    PetscCall(PdRngFillUniform(rng, b2->size, b2->data, -0.2f, 0.2f));
    TIME(reps, tset, {
      PdTapeReset(tape);
      PdTapeInput(tape, 4, xs, &x);
      PdRngFillUniform(rng, x->size, x->data, -1, 1);
    });
    TIME(reps, tmlp, {
      PdTapeReset(tape);
      PdTapeInput(tape, 4, xs, &x);
      PdRngFillUniform(rng, x->size, x->data, -1, 1);
      PdChannelMLPCB(x, w1, b1, w2, b2, &y);
    });
    TIME(reps, ttwo, {
      PdTapeReset(tape);
      PdTapeInput(tape, 4, xs, &x);
      PdRngFillUniform(rng, x->size, x->data, -1, 1);
      PdChannelMixFusedCB(x, w1, b1, NULL, PETSC_TRUE, &h);
      PdChannelMixFusedCB(h, w2, b2, NULL, PETSC_FALSE, &y);
    });
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n| projection 32 -> 128 -> 1, GELU | PdChannelMLPCB %.2f ms (%.1f GFLOP/s) | two PdChannelMixFusedCB %.2f ms |\n", 1e3 * (tmlp - tset), 2.0 * (32 * 128 + 128) * N / (tmlp - tset) * 1e-9, 1e3 * (ttwo - tset)));
    PetscCall(PdTensorDestroy(&w1));
    PetscCall(PdTensorDestroy(&b1));
    PetscCall(PdTensorDestroy(&w2));
    PetscCall(PdTensorDestroy(&b2));
    PetscCall(PdTapeDestroy(&tape));
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt reps = 7;
  PdRng    rng;
  char     only[32] = "";

  PetscCall(PdInitialize(&argc, &argv, NULL, "bench_ops: engine kernels against raw sgemm and FFTW"));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-only", only, sizeof(only), NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-cputime", &cputime, NULL));
  reps = PetscMin(PetscMax(reps, 3), 63);
  PetscCall(PdRngSeed(&rng, 1, 0));
#define SECTION(name) if (!only[0] || !strcmp(only, name))
  SECTION("sgemm") PetscCall(PetscPrintf(PETSC_COMM_WORLD, "## matrix product (median of %" PetscInt_FMT ")\n\n| n | raw sgemm ms | PdMatMul ms | ratio | GFLOP/s (PdMatMul) |\n|---|---|---|---|---|\n", reps));
  SECTION("sgemm")
    for (PetscInt n = 256; n <= 1024; n *= 2) {
      PdTape   tape;
      PdTensor a, b, c;
      PetscInt s[2] = {n, n};
      float   *C;
      double   traw, top;

      PetscCall(PdTapeCreate(PETSC_COMM_SELF, &tape));
      PetscCall(PdTapeSetGradEnabled(tape, PETSC_FALSE));
      PetscCall(PdTapeInput(tape, 2, s, &a));
      PetscCall(PdTapeInput(tape, 2, s, &b));
      PetscCall(PdRngFillUniform(&rng, n * n, a->data, -1, 1));
      PetscCall(PdRngFillUniform(&rng, n * n, b->data, -1, 1));
      PetscCall(PetscMalloc1(n * n, &C));
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a->data, n, b->data, n, 0.0f, C, n); /* warm-up */
      TIME(reps, traw, cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a->data, n, b->data, n, 0.0f, C, n));
      /* the op on a tape that is reset each time: what a training step does */
      {
        TIME(reps, top, {
          PdTapeReset(tape);
          PdTapeInput(tape, 2, s, &a);
          PdTapeInput(tape, 2, s, &b);
          PdMatMul(a, b, PETSC_FALSE, PETSC_FALSE, &c);
        });
      }
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| %" PetscInt_FMT " | %.3f | %.3f | %.3f | %.1f |\n", n, 1e3 * traw, 1e3 * top, top / traw, 2.0 * n * n * n / top * 1e-9));
      PetscCall(PetscFree(C));
      PetscCall(PdTapeDestroy(&tape));
    }

  /* spectral convolution: 32 channels, 64x64, 12x12 modes (rows 0..11 and 52..63), batch 20 */
  SECTION("spectral") {
    const PetscInt B = 20, C = 32, H = 64, W = 64, m = 12, Wh = W / 2 + 1, nm = 2 * m * m;
    PetscInt       xs[4] = {B, C, H, W}, ws[5] = {2 * m, m, C, C, 2};
    PdTape         tape;
    PdTensor       x, w, y, l;
    double         tfwd, tfb, tr2c, tc2r, tmul, tf[2], tfbs[2];
    float         *re, *sx;
    fftwf_complex *X, *Xm, *Ym;
    fftwf_plan     pf, pb;
    const float    one[2] = {1, 0}, zero[2] = {0, 0};
    int            n2[2] = {(int)H, (int)W};

    PetscCall(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PetscCall(PdTensorCreate(5, ws, PETSC_TRUE, &w));
    PetscCall(PdRngFillUniform(&rng, w->size, w->data, -1e-3f, 1e-3f));
    PetscCall(PetscMalloc1(B * C * H * W, &sx));
    PetscCall(PdRngFillUniform(&rng, B * C * H * W, sx, -1, 1));
    /* raw pieces: r2c of B*C planes, cgemm per mode, c2r of B*C planes */
    re = fftwf_alloc_real((size_t)B * C * H * W);
    X  = fftwf_alloc_complex((size_t)B * C * H * Wh);
    Xm = fftwf_alloc_complex((size_t)nm * B * C);
    Ym = fftwf_alloc_complex((size_t)nm * B * C);
    pf = fftwf_plan_many_dft_r2c(2, n2, (int)(B * C), re, NULL, 1, (int)(H * W), X, NULL, 1, (int)(H * Wh), FFTW_ESTIMATE);
    pb = fftwf_plan_many_dft_c2r(2, n2, (int)(B * C), X, NULL, 1, (int)(H * Wh), re, NULL, 1, (int)(H * W), FFTW_ESTIMATE);
    memcpy(re, sx, sizeof(float) * B * C * H * W);
    TIME(reps, tr2c, fftwf_execute(pf));
    TIME(reps, tc2r, fftwf_execute(pb));
    for (PetscInt i = 0; i < nm * B * C; i++) Xm[i] = 0.5f;
    TIME(reps, tmul, for (PetscInt k = 0; k < nm; k++) cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, C, C, one, Xm + k * B * C, C, w->data + 2 * k * C * C, C, zero, Ym + k * B * C, C));
    for (int d = 1; d >= 0; d--) { /* d = 1: the row DFTs on pdeop's own product (the default), 0: on sgemm */
      PetscBool old = PdSpectralSetDirect((PetscBool)d);
      PdTapeSetGradEnabled(tape, PETSC_FALSE);
      TIME(reps, tf[d], {
        PdTapeReset(tape);
        PdTapeInput(tape, 4, xs, &x);
        memcpy(x->data, sx, sizeof(float) * x->size);
        PdSpectralConv(x, w, &y);
      });
      PdTapeSetGradEnabled(tape, PETSC_TRUE);
      TIME(reps, tfbs[d], {
        PdTapeReset(tape);
        PdTapeVariable(tape, 4, xs, &x);
        memcpy(x->data, sx, sizeof(float) * x->size);
        PdSpectralConv(x, w, &y);
        PdSum(y, &l);
        PdTapeBackward(tape, l);
      });
      PdSpectralSetDirect(old);
    }
    tfwd = tf[1];
    tfb  = tfbs[1];
    {
      double raw_f = tr2c + tmul + tc2r, raw_fb = 2 * raw_f + tmul; /* backward: r2c + c2r + two mode products */
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n## spectral convolution 2D: batch %" PetscInt_FMT ", %" PetscInt_FMT " channels, %" PetscInt_FMT "x%" PetscInt_FMT " grid, %" PetscInt_FMT "x%" PetscInt_FMT " modes\n\n", B, C, H, W, m, m));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| piece | ms |\n|---|---|\n| raw r2c (%" PetscInt_FMT " planes) | %.2f |\n| raw c2r | %.2f |\n| raw mode products (cgemm x %" PetscInt_FMT ") | %.2f |\n", B * C, 1e3 * tr2c, 1e3 * tc2r, nm, 1e3 * tmul));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| PdSpectralConv forward | %.2f (%.2fx raw r2c+cgemm+c2r) |\n", 1e3 * tfwd, tfwd / raw_f));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| PdSpectralConv forward+backward | %.2f (%.2fx raw 2 r2c + 2 c2r + 3 cgemm) |\n", 1e3 * tfb, tfb / raw_fb));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| the same with the row DFTs on sgemm (PdSpectralSetDirect false): forward, forward+backward | %.2f, %.2f |\n", 1e3 * tf[0], 1e3 * tfbs[0]));
    }
    fftwf_destroy_plan(pf);
    fftwf_destroy_plan(pb);
    fftwf_free(re);
    fftwf_free(X);
    fftwf_free(Xm);
    fftwf_free(Ym);
    PetscCall(PetscFree(sx));
    PetscCall(PdTensorDestroy(&w));
    PetscCall(PdTapeDestroy(&tape));
  }

  /* 3x3 convolution, 32 -> 32 channels at 65x65, batch 20: im2col + sgemm, then Winograd F(2x2,3x3)
     (forward and input gradient; GFLOP/s counts the direct method's 2 Cout Cin 9 flops per point) */
  SECTION("conv2d") {
    const PetscInt xs[4] = {20, 32, 65, 65}, ws[4] = {32, 32, 3, 3};
    double         tf, tfb;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n## 3x3 convolution: batch 20, 32 -> 32 channels, 65x65\n\n| kernel | forward ms | GFLOP/s | forward+backward ms |\n|---|---|---|---|\n"));
    for (int k = 0; k < 2; k++) {
      PetscInt old = PdConvSetWinogradMin(k ? 1 : 0);
      PetscCall(TimeConv(4, xs, ws, 1, 0, reps, &rng, &tf, &tfb));
      PdConvSetWinogradMin(old);
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| %s | %.2f | %.1f | %.2f |\n", k ? "Winograd F(2x2,3x3)" : "im2col + sgemm", 1e3 * tf, 2.0 * 20 * 32 * 32 * 9 * 65 * 65 / tf * 1e-9, 1e3 * tfb));
    }
  }

  /* 3x3x3 convolution (dcdm's 3D learned V-cycle): 4 -> 4 channels at 33^3 (batch 16, training) and
     65^3 (batch 1, one cycle of a solve), the direct kernel against im2col + sgemm */
  SECTION("mix") PetscCall(Mix(reps, &rng));
  SECTION("conv3d") PetscCall(Conv3d(reps, &rng));
  PetscCall(PetscFinalize());
  return 0;
}
