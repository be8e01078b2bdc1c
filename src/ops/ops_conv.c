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

/* ---- direct stride-1 3x3x3 convolution for few channels (dcdm's 3D V-cycles: 4 channels): with
   Cout that small, sgemm cannot use its register blocking and im2col's 27 Cin rows per point
   dominate. Instead the input rows are copied once with a zero column on each side (and zeros up to
   whole chunks), and each chunk of PD_DIRECT_L output points of up to four output channels is
   accumulated in registers over all 27 Cin taps, three loads of the input row for 12 multiply-adds,
   before one update of y. In 2D, and from 8 channels on, im2col + sgemm is as fast or faster, so it
   keeps those (bench_ops -only conv3d has both). ---- */
static PetscInt conv_direct_max = 16; /* 3D, Cin Cout at or below this: direct (PdConvSetDirectMax) */

/*@ PdConvSetDirectMax - stride-1 3D PdConv3x3 with Cin Cout <= n uses the direct kernel, above it
  im2col + sgemm (default 16; 0 always im2col). Returns the previous value; for tests and benchmarks. @*/
PetscInt PdConvSetDirectMax(PetscInt n)
{
  PetscInt old    = conv_direct_max;
  conv_direct_max = n;
  return old;
}

#define PD_DIRECT_L 16 /* output points per chunk: one AVX-512 register of floats */

/* row length of the padded copy: a zero column before the row, whole chunks, and two more columns */
static inline PetscInt DirectRow(PetscInt W)
{
  return (W + PD_DIRECT_L - 1) / PD_DIRECT_L * PD_DIRECT_L + 2;
}

/* floats of the padded copy of x [cin, D, H, W] that DirectConv needs */
static size_t DirectScratch(PetscInt cin, const Geom *g)
{
  return (size_t)cin * g->D * g->H * DirectRow(g->W);
}

/* The direct kernel is plain loops: built for AVX-512, AVX2 and the baseline, chosen at load time */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
  #define PD_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3")))
#elif defined(__GNUC__) && !defined(__clang__)
  /* sanitizer builds are -O0: the kernels' register blocks would run 30 times slower than their work */
  #define PD_VECTOR_CLONES __attribute__((optimize("O3")))
#else
  #define PD_VECTOR_CLONES
#endif

/* acc[b][l] = sum over the 27 cin taps of output channel co0 + b at (oz, oy, x0 + l), b < NB, l < L; xp is
   the padded copy, whose entry x0 + l + kx of a row is x's column x0 + l + kx - 1 */
static inline __attribute__((always_inline)) void DirectChunk(const int NB, const int L, const float *restrict xp, const float *restrict w, PetscInt cin, PetscInt co0, PetscInt D, PetscInt H, PetscInt Wp, PetscInt oz, PetscInt oy, PetscInt x0, float acc[4][PD_DIRECT_L])
{
  float a1[4][PD_DIRECT_L], a2[4][PD_DIRECT_L]; /* the three column taps in separate sums: independent chains */
  for (int b = 0; b < NB; b++)
    for (int l = 0; l < L; l++) acc[b][l] = a1[b][l] = a2[b][l] = 0;
  for (PetscInt ci = 0; ci < cin; ci++)
    for (PetscInt kz = 0; kz < 3; kz++) {
      const PetscInt iz = oz + kz - 1;
      if (iz < 0 || iz >= D) continue;
      for (PetscInt ky = 0; ky < 3; ky++) {
        const PetscInt iy = oy + ky - 1;
        const float   *xr = xp + ((ci * D + iz) * H + iy) * Wp + x0;
        float          wv[4][3];
        if (iy < 0 || iy >= H) continue;
        for (int b = 0; b < NB; b++)
          for (int k = 0; k < 3; k++) wv[b][k] = w[((((co0 + b) * cin + ci) * 3 + kz) * 3 + ky) * 3 + k];
        for (int l = 0; l < L; l++) {
          const float v0 = xr[l], v1 = xr[l + 1], v2 = xr[l + 2];
          for (int b = 0; b < NB; b++) {
            acc[b][l] += wv[b][0] * v0;
            a1[b][l] += wv[b][1] * v1;
            a2[b][l] += wv[b][2] * v2;
          }
        }
      }
    }
  for (int b = 0; b < NB; b++)
    for (int l = 0; l < L; l++) acc[b][l] += a1[b][l] + a2[b][l];
}

/* y [cout, D, H, W] += alpha conv(x [cin, D, H, W], w [cout, cin, 3, 3, 3]), stride 1; xp holds
   DirectScratch(cin, g) floats */
PD_VECTOR_CLONES static void DirectConv(const float *restrict x, const float *restrict w, PetscInt cin, PetscInt cout, const Geom *g, float alpha, float *restrict y, float *restrict xp)
{
  const PetscInt D = g->D, H = g->H, W = g->W, Wp = DirectRow(W);
  for (PetscInt r = 0; r < cin * D * H; r++) { /* the padded copy */
    float *pr = xp + r * Wp;
    pr[0]     = 0;
    for (PetscInt ix = 0; ix < W; ix++) pr[ix + 1] = x[r * W + ix];
    for (PetscInt ix = W + 1; ix < Wp; ix++) pr[ix] = 0;
  }
  for (PetscInt oz = 0; oz < D; oz++)
    for (PetscInt oy = 0; oy < H; oy++)
      for (PetscInt x0 = 0; x0 < W; x0 += PD_DIRECT_L) {
        const PetscInt n = PetscMin(PD_DIRECT_L, W - x0);
        for (PetscInt co0 = 0; co0 < cout; co0 += 4) {
          const PetscInt nb = PetscMin(4, cout - co0);
          float          acc[4][PD_DIRECT_L];
          if (n > PD_DIRECT_L / 2) switch (nb) { /* the block's sizes as constants, so that acc stays in registers */
            case 4: DirectChunk(4, PD_DIRECT_L, xp, w, cin, co0, D, H, Wp, oz, oy, x0, acc); break;
            case 3: DirectChunk(3, PD_DIRECT_L, xp, w, cin, co0, D, H, Wp, oz, oy, x0, acc); break;
            case 2: DirectChunk(2, PD_DIRECT_L, xp, w, cin, co0, D, H, Wp, oz, oy, x0, acc); break;
            default: DirectChunk(1, PD_DIRECT_L, xp, w, cin, co0, D, H, Wp, oz, oy, x0, acc); break;
            }
          else switch (nb) { /* a short last chunk: half the points */
            case 4: DirectChunk(4, PD_DIRECT_L / 2, xp, w, cin, co0, D, H, Wp, oz, oy, x0, acc); break;
            case 3: DirectChunk(3, PD_DIRECT_L / 2, xp, w, cin, co0, D, H, Wp, oz, oy, x0, acc); break;
            case 2: DirectChunk(2, PD_DIRECT_L / 2, xp, w, cin, co0, D, H, Wp, oz, oy, x0, acc); break;
            default: DirectChunk(1, PD_DIRECT_L / 2, xp, w, cin, co0, D, H, Wp, oz, oy, x0, acc); break;
            }
          for (PetscInt b = 0; b < nb; b++) {
            float *yr = y + (((co0 + b) * D + oz) * H + oy) * W + x0;
            for (PetscInt l = 0; l < n; l++) yr[l] += alpha * acc[b][l];
          }
        }
      }
}

/* ---- Winograd F(2x2, 3x3) for stride-1 2D convolutions with many channels (MgNO's smoothers at width
   32): each 2x2 output tile is A^T [(G g G^T) .* (B^T d B)] A over the 4x4 input tile d around it
   (Lavin and Gray 2016), so the channel sums become 16 sgemms [Cout x Cin] x [Cin x tiles] with 16
   products per 4 outputs instead of im2col's 36. The transforms are adds only; the kernel's G has
   halves, exact in binary. ---- */
static PetscInt conv_winograd_min = 16; /* 2D stride 1 with min(Cin, Cout) at or above this (0: never) */

/*@ PdConvSetWinogradMin - stride-1 2D PdConv3x3 (and its input gradient) with min(Cin, Cout) >= n use
  Winograd F(2x2,3x3), below it im2col + sgemm (default 16; 0 never). Returns the previous value; for
  tests and benchmarks. @*/
PetscInt PdConvSetWinogradMin(PetscInt n)
{
  PetscInt old      = conv_winograd_min;
  conv_winograd_min = n;
  return old;
}

static inline PetscBool UseWinograd(const Geom *g, PetscInt cin, PetscInt cout)
{
  return (PetscBool)(conv_winograd_min > 0 && g->kd == 1 && g->s == 1 && PetscMin(cin, cout) >= conv_winograd_min);
}

/* U[xi, co, ci] = (G w[co, ci] G^T)[xi], xi = 4 i + j; G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] */
static void WinogradKernel(const float *w, PetscInt cout, PetscInt cin, float *U)
{
  for (PetscInt co = 0; co < cout; co++)
    for (PetscInt ci = 0; ci < cin; ci++) {
      const float *k = w + (co * cin + ci) * 9;
      float        t[4][3];
      for (int j = 0; j < 3; j++) {
        t[0][j] = k[j];
        t[1][j] = 0.5f * (k[j] + k[3 + j] + k[6 + j]);
        t[2][j] = 0.5f * (k[j] - k[3 + j] + k[6 + j]);
        t[3][j] = k[6 + j];
      }
      for (int i = 0; i < 4; i++) {
        const float u[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]), t[i][2]};
        for (int j = 0; j < 4; j++) U[((i * 4 + j) * cout + co) * cin + ci] = u[j];
      }
    }
}

/* V[xi, c, ty tw + tx] = (B^T d B)[xi] for the 4x4 tile d = x[c, 2ty-1 .. 2ty+2, 2tx-1 .. 2tx+2] (zero
   outside the grid); B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. Per tile row, B^T acts on whole
   padded rows first, then B along them (stride-2 reads, contiguous writes), so both loops vectorize.
   Only tile rows ty0 <= ty < ty1, stored from V's start; work holds 8 (2 tw + 2) floats. */
PD_VECTOR_CLONES static void WinogradInput(const float *x, PetscInt C, PetscInt H, PetscInt W, PetscInt ty0, PetscInt ty1, PetscInt tw, float *work, float *V)
{
  const PetscInt T = (ty1 - ty0) * tw, Wp = 2 * tw + 2;
  float *restrict p = work, *restrict t = work + 4 * Wp;
  for (PetscInt c = 0; c < C; c++)
    for (PetscInt ty = ty0; ty < ty1; ty++) {
      for (int i = 0; i < 4; i++) { /* the tile row's 4 input rows, zero-padded to 2 tw + 2 columns */
        const PetscInt iy = 2 * ty - 1 + i;
        memset(p + i * Wp, 0, sizeof(float) * (size_t)Wp);
        if (iy >= 0 && iy < H) memcpy(p + i * Wp + 1, x + (c * H + iy) * W, sizeof(float) * (size_t)W);
      }
      {
        const float *restrict p0 = p, *restrict p1 = p + Wp, *restrict p2 = p + 2 * Wp, *restrict p3 = p + 3 * Wp;
        float *restrict       t0 = t, *restrict t1 = t + Wp, *restrict t2 = t + 2 * Wp, *restrict t3 = t + 3 * Wp;
        for (PetscInt k = 0; k < Wp; k++) {
          t0[k] = p0[k] - p2[k];
          t1[k] = p1[k] + p2[k];
          t2[k] = p2[k] - p1[k];
          t3[k] = p1[k] - p3[k];
        }
      }
      for (int i = 0; i < 4; i++) {
        const float *restrict r  = t + i * Wp;
        float *restrict       v0 = V + ((i * 4 + 0) * C + c) * T + (ty - ty0) * tw, *restrict v1 = v0 + C * T, *restrict v2 = v1 + C * T, *restrict v3 = v2 + C * T;
        for (PetscInt tx = 0; tx < tw; tx++) {
          const float d0 = r[2 * tx], d1 = r[2 * tx + 1], d2 = r[2 * tx + 2], d3 = r[2 * tx + 3];
          v0[tx] = d0 - d2;
          v1[tx] = d1 + d2;
          v2[tx] = d2 - d1;
          v3[tx] = d1 - d3;
        }
      }
    }
}

/* y[c, 2ty + i, 2tx + j] (+)= (A^T m A)[i, j] for the outputs inside the grid, m[xi] = M[xi, c, ty tw +
   tx], A^T = [1 1 1 0; 0 1 -1 -1]: added to y (add) or written over it. Only tile rows ty0 <= ty < ty1,
   read from M's start; work holds 12 tw floats. */
PD_VECTOR_CLONES static void WinogradOutput(const float *M, PetscInt C, PetscInt H, PetscInt W, PetscInt ty0, PetscInt ty1, PetscInt tw, PetscBool add, float *work, float *y)
{
  const PetscInt T = (ty1 - ty0) * tw;
  float *restrict o0 = work, *restrict o1 = work + 4 * tw, *r[2] = {work + 8 * tw, work + 10 * tw};
  for (PetscInt c = 0; c < C; c++)
    for (PetscInt ty = ty0; ty < ty1; ty++) {
      const PetscInt st = C * T; /* between consecutive xi */
      for (int j = 0; j < 4; j++) { /* A^T down the columns: o0, o1 hold row 0 and 1 of each column j */
        const float *restrict m0 = M + (j * C + c) * T + (ty - ty0) * tw, *restrict m1 = m0 + 4 * st, *restrict m2 = m0 + 8 * st, *restrict m3 = m0 + 12 * st;
        float *restrict       s0 = o0 + j * tw, *restrict s1 = o1 + j * tw;
        for (PetscInt tx = 0; tx < tw; tx++) {
          s0[tx] = m0[tx] + m1[tx] + m2[tx];
          s1[tx] = m1[tx] - m2[tx] - m3[tx];
        }
      }
      for (int i = 0; i < 2; i++) { /* A along the rows, interleaving the tile's two columns */
        const float *restrict a0 = (i ? o1 : o0), *restrict a1 = a0 + tw, *restrict a2 = a0 + 2 * tw, *restrict a3 = a0 + 3 * tw;
        float *restrict       e = r[i];
        for (PetscInt tx = 0; tx < tw; tx++) {
          e[2 * tx]     = a0[tx] + a1[tx] + a2[tx];
          e[2 * tx + 1] = a1[tx] - a2[tx] - a3[tx];
        }
      }
      for (int i = 0; i < 2 && 2 * ty + i < H; i++) {
        const float *restrict o  = r[i];
        float *restrict       yr = y + (c * H + 2 * ty + i) * W;
        if (add)
          for (PetscInt ox = 0; ox < W; ox++) yr[ox] += o[ox];
        else
          for (PetscInt ox = 0; ox < W; ox++) yr[ox] = o[ox];
      }
    }
}

/* Tile rows per block: V and M of a block (16 (Cin + Cout) floats per tile) stay within about 1 MiB,
   so the transforms and the sgemms work in cache rather than streaming whole-grid transforms */
static PetscInt WinogradBlockRows(PetscInt cin, PetscInt cout, PetscInt H, PetscInt W)
{
  const PetscInt tw = (W + 1) / 2, th = (H + 1) / 2, per_row = 16 * (cin + cout) * tw;
  return PetscMax(1, PetscMin(th, (PetscInt)((1 << 18) / per_row)));
}

/* Scratch floats WinogradConv needs: the kernel transform, one block's V and M, and the row buffers */
static size_t WinogradScratch(PetscInt cin, PetscInt cout, PetscInt H, PetscInt W)
{
  const size_t tw = (size_t)((W + 1) / 2), Tb = (size_t)WinogradBlockRows(cin, cout, H, W) * tw;
  return 16 * (size_t)cin * (size_t)cout + 16 * Tb * (size_t)(cin + cout) + 8 * (2 * tw + 2); /* rows: the input's 8 (2 tw + 2) floats, more than the output's 12 tw */
}

/* y_n [cout, H, W] (+)= alpha conv(x_n [cin, H, W], w [cout, cin, 3, 3]) for the B samples, stride 1,
   added to y (add) or written over it; work holds WinogradScratch floats */
static void WinogradConv(PetscInt B, const float *x, const float *w, PetscInt cin, PetscInt cout, PetscInt H, PetscInt W, float alpha, PetscBool add, float *y, float *work)
{
  const PetscInt th = (H + 1) / 2, tw = (W + 1) / 2, rb = WinogradBlockRows(cin, cout, H, W);
  float         *U = work, *V = U + 16 * cin * cout, *M = V + 16 * rb * tw * cin, *rows = M + 16 * rb * tw * cout;
  WinogradKernel(w, cout, cin, U);
  for (PetscInt n = 0; n < B; n++)
    for (PetscInt ty0 = 0; ty0 < th; ty0 += rb) {
      const PetscInt ty1 = PetscMin(th, ty0 + rb), T = (ty1 - ty0) * tw;
      WinogradInput(x + n * cin * H * W, cin, H, W, ty0, ty1, tw, rows, V);
      for (int xi = 0; xi < 16; xi++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, T, cin, alpha, U + xi * cout * cin, cin, V + xi * cin * T, T, 0.0f, M + xi * cout * T, T);
      WinogradOutput(M, cout, H, W, ty0, ty1, tw, add, rows, y + n * cout * H * W);
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
  float      *col, *wf = NULL;
  const float alpha = y->farg[0];
  PetscBool   direct, wino;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_ConvBwd, 0, 0, 0, 0));
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
  direct = (PetscBool)(g.s == 1 && g.kd == 3 && g.C * cout <= conv_direct_max); /* dx by the direct kernel; dW stays an sgemm */
  wino   = (PetscBool)(x->grad && UseWinograd(&g, cout, g.C));                   /* dx by Winograd, after the loop */
  PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * PetscMax((size_t)PetscMax(K, Kt) * S, direct ? DirectScratch(cout, &gt) : 0), (void **)&col)); /* every entry written before it is read */
  for (PetscInt n = 0; n < B; n++) {
    const float *dy = y->grad + n * cout * S;
    if (w->grad) {
      Im2Col(x->data + n * g.C * Si, &g, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, K, S, alpha, dy, S, col, S, 1.0f, w->grad, K); /* dW += alpha dy col^T */
    }
    if (b && b->grad) BiasGrad(dy, b->grad, alpha, cout, S);
    if (!x->grad || wino) continue;
    if (direct) DirectConv(dy, wf, cout, g.C, &gt, alpha, x->grad + n * g.C * Si, col);
    else if (wf) {
      Im2Col(dy, &gt, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.C, S, Kt, alpha, wf, Kt, col, S, 1.0f, x->grad + n * g.C * Si, S); /* dx += alpha Wf col(dy) */
    } else {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, S, cout, alpha, w->data, K, dy, S, 0.0f, col, S); /* dcol = alpha W^T dy */
      Col2Im(col, &g, x->grad + n * g.C * Si);
    }
  }
  if (wino) {
    float *work;
    PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * WinogradScratch(cout, g.C, g.H, g.W), (void **)&work)); /* every entry written before it is read */
    WinogradConv(B, y->grad, wf, cout, g.C, g.H, g.W, alpha, PETSC_TRUE, x->grad, work);
  }
  AddendGrad(y);
  PetscCall(PetscLogFlops(2.0 * B * cout * K * S * ((w->grad ? 1 : 0) + (x->grad ? 1 : 0))));
  PetscCall(PetscLogEventEnd(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* y = z + alpha (conv(x, w) + b), z optional */
static PetscErrorCode ConvForward(const char *op, PdTensor z, PetscReal alpha, PdTensor x, PdTensor w, PdTensor b, PetscInt stride, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  Geom     g;
  PetscInt shape[5], cout, S, Si, K;
  float   *col;

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
  if (UseWinograd(&g, g.C, cout)) {
    float *work;
    PetscCall(PdTapeAllocUninit(tape, sizeof(float) * WinogradScratch(g.C, cout, g.H, g.W), (void **)&work)); /* every entry written before it is read */
    if (z) PetscCall(PetscArraycpy(y->data, z->data, y->size));
    WinogradConv(x->shape[0], x->data, w->data, g.C, cout, g.H, g.W, (float)alpha, (PetscBool)!!z, y->data, work);
    if (b)
      for (PetscInt n = 0; n < x->shape[0]; n++) AddBias(y->data + n * cout * S, b->data, (float)alpha, cout, S);
  } else if (stride == 1 && g.kd == 3 && g.C * cout <= conv_direct_max) {
    float *xp;
    PetscCall(PdTapeAllocUninit(tape, sizeof(float) * DirectScratch(g.C, &g), (void **)&xp)); /* every entry written before it is read */
    PetscCall(StartOutput(z, y->data, y->size));
    for (PetscInt n = 0; n < x->shape[0]; n++) {
      float *yn = y->data + n * cout * S;
      DirectConv(x->data + n * g.C * Si, w->data, g.C, cout, &g, (float)alpha, yn, xp);
      if (b) AddBias(yn, b->data, (float)alpha, cout, S);
    }
  } else {
    PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
    if (z) PetscCall(PetscArraycpy(y->data, z->data, y->size));
    for (PetscInt n = 0; n < x->shape[0]; n++) {
      float *yn = y->data + n * cout * S;
      Im2Col(x->data + n * g.C * Si, &g, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, S, K, (float)alpha, w->data, K, col, S, z ? 1.0f : 0.0f, yn, S);
      if (b) AddBias(yn, b->data, (float)alpha, cout, S);
    }
  }
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
    if (b && b->grad) BiasGrad(dy, b->grad, alpha, cout, So);
    Im2Col(dy, &g, col); /* the forward's col2im, adjoint: im2col of dy */
    if (x->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cin, S, K, alpha, w->data, K, col, S, 1.0f, x->grad + n * cin * S, S); /* dx += alpha Wm col(dy) */
    if (w->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cin, K, S, alpha, x->data + n * cin * S, S, col, S, 1.0f, w->grad, K); /* dWm += alpha x col(dy)^T */
  }
  AddendGrad(y);
  PetscCall(PetscLogFlops(2.0 * B * cin * K * S * ((w->grad ? 1 : 0) + (x->grad ? 1 : 0))));
  PetscCall(PetscLogEventEnd(PD_EVENT_ConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* y = z + alpha (convT(x, w) + b) onto grid (NULL: (n-1)s+1 per side, or z's grid) */
static PetscErrorCode ConvTForward(const char *op, PdTensor z, PetscReal alpha, PdTensor x, PdTensor w, PdTensor b, PetscInt stride, const PetscInt grid[], PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  Geom     g;
  PetscInt shape[5], cin, cout, K, S, So;
  float   *col;

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
  PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)K * S, (void **)&col)); /* every entry written before it is read */
  PetscCall(StartOutput(z, y->data, y->size));
  for (PetscInt n = 0; n < x->shape[0]; n++) {
    float *yn = y->data + n * cout * So;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, S, cin, (float)alpha, w->data, K, x->data + n * cin * S, S, 0.0f, col, S); /* col = alpha Wm^T x_n */
    Col2Im(col, &g, yn);
    if (b) AddBias(yn, b->data, (float)alpha, cout, So);
  }
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
