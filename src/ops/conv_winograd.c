/* Winograd F(2x2,3x3) for the stride-1 2D convolutions of PdConv3x3 with many channels (MgNO's
   smoothers at width 32): the output, the input gradient (the same convolution of dy with the flipped
   kernel) and the weight gradient. */
#include "conv_kernels.h"
#include "clones.h"
#include "ops_private.h"
#include <cblas.h>
#include <string.h>

/* ---- Winograd F(2x2, 3x3) for stride-1 2D convolutions with many channels (MgNO's smoothers at width
   32): each 2x2 output tile is A^T [(G g G^T) .* (B^T d B)] A over the 4x4 input tile d around it
   (Lavin and Gray 2016), so the channel sums become 16 sgemms [Cout x Cin] x [Cin x tiles] with 16
   products per 4 outputs instead of im2col's 36. The transforms are adds only; the kernel's G has
   halves, exact in binary. ---- */
static PetscInt conv_winograd_min       = 16; /* 2D stride 1 with min(Cin, Cout) at or above this (0: never) */
static PetscInt conv_winograd_min_tiles = 16; /* and at least this many 2x2 output tiles */

/*@ PdConvSetWinogradMin - stride-1 2D PdConv3x3 (and its gradients) with min(Cin, Cout) >= n use
  Winograd F(2x2,3x3), below it im2col + sgemm (default 16; 0 never). Returns the previous value; for
  tests and benchmarks. @*/
PetscInt PdConvSetWinogradMin(PetscInt n)
{
  PetscInt old      = conv_winograd_min;
  conv_winograd_min = n;
  return old;
}

/*@ PdConvSetWinogradMinTiles - Winograd only on grids of at least n 2x2 output tiles (default 16, about
  8 x 8 points): on smaller grids the per-call kernel transform (16 Cin Cout values, twice for the mix
  kernel's layout) outweighs the products it saves; MgNO's 6 x 6 and coarser levels train 7% faster
  on im2col. Returns the previous value; for tests and benchmarks. @*/
PetscInt PdConvSetWinogradMinTiles(PetscInt n)
{
  PetscInt old            = conv_winograd_min_tiles;
  conv_winograd_min_tiles = n;
  return old;
}

PetscBool PdConvUseWinograd(const Geom *g, PetscInt cin, PetscInt cout)
{
  return (PetscBool)(conv_winograd_min > 0 && g->kd == 1 && g->s == 1 && PetscMin(cin, cout) >= conv_winograd_min && ((g->H + 1) / 2) * ((g->W + 1) / 2) >= conv_winograd_min_tiles);
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

/* Tiles are indexed q = ty pw + tx with pw = tw + 1: each tile row carries one spare tile (tx = tw),
   so that the tile element d[i][j] of every tile lies at q + (i / 2) pw + j / 2 in the polyphase plane
   P_(i%2, j%2)[R][K] = x[2R + i%2 - 1][2K + j%2 - 1] (zero outside the grid). Both transforms are then
   long unit-stride loops over q, with the tile in registers; the spare tiles' results are dropped.
   At 43^2 this is 1/23 more tiles through the products, against transforms that ran on rows of 22.
   A block's tile count is rounded up to a multiple of 16 (WinogradTiles; the extra tiles' outputs are
   dropped and their dy transforms are zero), so that the weight gradient's reduction runs on whole
   vectors. */

/* the tiles of tile rows ty0 <= ty < ty1 as stored: (ty1 - ty0) pw rounded up to a multiple of 16 */
static inline PetscInt WinogradTiles(PetscInt ty0, PetscInt ty1, PetscInt pw)
{
  return ((ty1 - ty0) * pw + 15) / 16 * 16;
}

/* The four polyphase planes of channel plane xc for tile rows ty0 <= ty < ty1: plane (a, b) at P + (2 a +
   b) Lp, row R - ty0 of pw floats, every entry written (Lp >= (ty1 - ty0 + 1) pw + 1; zero past the rows) */
static inline __attribute__((always_inline)) void WinogradPolyphase(const float *xc, PetscInt H, PetscInt W, PetscInt ty0, PetscInt ty1, PetscInt pw, PetscInt Lp, float *restrict P)
{
  for (int a = 0; a < 2; a++) {
    float *restrict e = P + 2 * a * Lp, *restrict o = e + Lp;
    for (PetscInt R = ty0; R <= ty1; R++) {
      const PetscInt iy  = 2 * R + a - 1;
      float *restrict er = e + (R - ty0) * pw, *restrict orow = o + (R - ty0) * pw;
      if (iy < 0 || iy >= H) {
        memset(er, 0, sizeof(float) * (size_t)pw);
        memset(orow, 0, sizeof(float) * (size_t)pw);
        continue;
      }
      const float *restrict xr = xc + iy * W;
      const PetscInt ke = W / 2 + 1, ko = (W + 1) / 2; /* columns 2K - 1 < W for 1 <= K < ke, 2K < W for K < ko */
      er[0] = 0;                                       /* column -1 */
      for (PetscInt K = 1; K < ke; K++) er[K] = xr[2 * K - 1];
      for (PetscInt K = ke; K < pw; K++) er[K] = 0;
      for (PetscInt K = 0; K < ko; K++) orow[K] = xr[2 * K];
      for (PetscInt K = ko; K < pw; K++) orow[K] = 0;
    }
    for (PetscInt k = (ty1 - ty0 + 1) * pw; k < Lp; k++) e[k] = o[k] = 0;
  }
}

/* V[xi, c, q] = (B^T d B)[xi] for the tiles q of tile rows ty0 <= ty < ty1 (T = WinogradTiles of them,
   spare and extra tiles included); B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. work holds 4 (T + pw +
   1) floats. */
PD_VECTOR_CLONES static void WinogradInput(const float *x, PetscInt C, PetscInt H, PetscInt W, PetscInt ty0, PetscInt ty1, PetscInt pw, float *work, float *V)
{
  const PetscInt T = WinogradTiles(ty0, ty1, pw), Lp = T + pw + 1;
  for (PetscInt c = 0; c < C; c++) {
    WinogradPolyphase(x + c * H * W, H, W, ty0, ty1, pw, Lp, work);
    const float *restrict p00 = work, *restrict p01 = work + Lp, *restrict p10 = work + 2 * Lp, *restrict p11 = work + 3 * Lp;
    float *restrict v = V + c * T;
    const size_t st   = (size_t)C * (size_t)T; /* between consecutive xi */
#pragma GCC ivdep                              /* the 16 output streams are disjoint (too many for GCC's run-time alias checks) */
    for (PetscInt q = 0; q < T; q++) {
      float d[4][4], t[4][4];
      for (int i = 0; i < 4; i++) {
        const PetscInt r         = q + (i >> 1) * pw;
        const float *restrict pe = (i & 1) ? p10 : p00, *restrict po = (i & 1) ? p11 : p01;
        d[i][0] = pe[r];
        d[i][1] = po[r];
        d[i][2] = pe[r + 1];
        d[i][3] = po[r + 1];
      }
      for (int j = 0; j < 4; j++) {
        t[0][j] = d[0][j] - d[2][j];
        t[1][j] = d[1][j] + d[2][j];
        t[2][j] = d[2][j] - d[1][j];
        t[3][j] = d[1][j] - d[3][j];
      }
      for (int i = 0; i < 4; i++) {
        v[(4 * i + 0) * st + q] = t[i][0] - t[i][2];
        v[(4 * i + 1) * st + q] = t[i][1] + t[i][2];
        v[(4 * i + 2) * st + q] = t[i][2] - t[i][1];
        v[(4 * i + 3) * st + q] = t[i][1] - t[i][3];
      }
    }
  }
}

/* y[c, 2ty + a, 2tx + b] (+)= (A^T m A)[a, b] for the outputs inside the grid, m[xi] = M[xi, c, q] over
   the tiles q of tile rows ty0 <= ty < ty1 (WinogradTiles), A^T = [1 1 1 0; 0 1 -1 -1], plus z (NULL:
   nothing; z = y: added to y). work holds 4 WinogradTiles floats. */
PD_VECTOR_CLONES static void WinogradOutput(const float *M, PetscInt C, PetscInt H, PetscInt W, PetscInt ty0, PetscInt ty1, PetscInt pw, const float *z, float *work, float *y)
{
  const PetscInt T = WinogradTiles(ty0, ty1, pw), tw = pw - 1;
  const size_t   st = (size_t)C * (size_t)T;
  for (PetscInt c = 0; c < C; c++) {
    const float *restrict m = M + c * T;
    float *restrict y00 = work, *restrict y01 = work + T, *restrict y10 = work + 2 * T, *restrict y11 = work + 3 * T;
#pragma GCC ivdep
    for (PetscInt q = 0; q < T; q++) {
      float s[2][4];
      for (int j = 0; j < 4; j++) {
        const float m0 = m[j * st + q], m1 = m[(4 + j) * st + q], m2 = m[(8 + j) * st + q], m3 = m[(12 + j) * st + q];
        s[0][j] = m0 + m1 + m2;
        s[1][j] = m1 - m2 - m3;
      }
      y00[q] = s[0][0] + s[0][1] + s[0][2];
      y01[q] = s[0][1] - s[0][2] - s[0][3];
      y10[q] = s[1][0] + s[1][1] + s[1][2];
      y11[q] = s[1][1] - s[1][2] - s[1][3];
    }
    for (PetscInt ty = ty0; ty < ty1; ty++)
      for (int a = 0; a < 2 && 2 * ty + a < H; a++) {
        const float *restrict e = (a ? y10 : y00) + (ty - ty0) * pw, *restrict o = (a ? y11 : y01) + (ty - ty0) * pw;
        float         *yr   = y + (c * H + 2 * ty + a) * W; /* zr may be yr */
        const float   *zr   = z ? z + (c * H + 2 * ty + a) * W : NULL;
        const PetscInt nodd = W / 2; /* output columns 2 tx + 1 inside the grid */
        if (zr) {
          for (PetscInt tx = 0; tx < nodd; tx++) {
            yr[2 * tx]     = zr[2 * tx] + e[tx];
            yr[2 * tx + 1] = zr[2 * tx + 1] + o[tx];
          }
          if (W & 1) yr[W - 1] = zr[W - 1] + e[tw - 1];
        } else {
          for (PetscInt tx = 0; tx < nodd; tx++) {
            yr[2 * tx]     = e[tx];
            yr[2 * tx + 1] = o[tx];
          }
          if (W & 1) yr[W - 1] = e[tw - 1];
        }
      }
  }
}

/* Tile rows per block: V and M of a block (16 (Cin + Cout) floats per tile) stay within about 1 MiB,
   so the transforms and the products work in cache rather than streaming whole-grid transforms */
static PetscInt WinogradBlockRows(PetscInt cin, PetscInt cout, PetscInt H, PetscInt W)
{
  const PetscInt pw = (W + 1) / 2 + 1, th = (H + 1) / 2, per_row = 16 * (cin + cout) * pw;
  return PetscMax(1, PetscMin(th, (PetscInt)((1 << 18) / per_row)));
}

/* Scratch floats PdConvWinograd and PdConvWinogradWeightGrad need: the kernel transform (twice: as
   sgemm and as the channel mix's product read it; the weight gradient's dU and the 16-lane partial sums
   of its 16 products instead), one block's V and M, and the polyphase planes (more than the output's 4 T) */
size_t PdConvWinogradScratch(PetscInt cin, PetscInt cout, PetscInt H, PetscInt W)
{
  const PetscInt rb = WinogradBlockRows(cin, cout, H, W), pw = (W + 1) / 2 + 1;
  const size_t   Tb = (size_t)WinogradTiles(0, rb, pw), cc = (size_t)cin * (size_t)cout;
  return 16 * cc + 256 * cc + 16 * Tb * (size_t)(cin + cout) + 4 * (Tb + (size_t)pw + 1);
}

/* y_n [cout, H, W] = z_n + alpha conv(x_n [cin, H, W], w [cout, cin, 3, 3]) for the B samples, stride 1
   (z NULL: none; z = y: added to y); work holds PdConvWinogradScratch floats. The 16 products per
   block ([cout, cin] x [cin, T], T a few hundred tiles) take the channel mix's product where it fits
   (cout a multiple of 16): sgemm packed both operands on every call, a third of its time at MgNO's
   width 32 */
void PdConvWinograd(PetscInt B, const float *x, const float *w, PetscInt cin, PetscInt cout, PetscInt H, PetscInt W, float alpha, const float *z, float *y, float *work)
{
  const PetscInt  th = (H + 1) / 2, pw = (W + 1) / 2 + 1, rb = WinogradBlockRows(cin, cout, H, W), Tb = WinogradTiles(0, rb, pw);
  float          *U = work, *Up = U + 16 * cin * cout, *V = Up + 256 * cin * cout, *M = V + 16 * Tb * cin, *rows = M + 16 * Tb * cout;
  const PetscBool mix = PdOpsMixFits(cout, cin);
  WinogradKernel(w, cout, cin, U);
  if (mix)
    for (int xi = 0; xi < 16; xi++) PdOpsMixRepack(cout, cin, alpha, U + xi * cout * cin, Up + xi * cout * cin);
  for (PetscInt n = 0; n < B; n++)
    for (PetscInt ty0 = 0; ty0 < th; ty0 += rb) {
      const PetscInt ty1 = PetscMin(th, ty0 + rb), T = WinogradTiles(ty0, ty1, pw);
      WinogradInput(x + n * cin * H * W, cin, H, W, ty0, ty1, pw, rows, V);
      for (int xi = 0; xi < 16; xi++) {
        if (mix) PdOpsMixProduct(cout, cin, T, Up + xi * cout * cin, V + xi * cin * T, M + xi * cout * T);
        else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, T, cin, alpha, U + xi * cout * cin, cin, V + xi * cin * T, T, 0.0f, M + xi * cout * T, T);
      }
      WinogradOutput(M, cout, H, W, ty0, ty1, pw, z ? z + n * cout * H * W : NULL, rows, y + n * cout * H * W);
    }
}

/* M[xi, c, q] = (A g A^T)[xi] for the 2x2 tile g = dy[c, 2ty .. 2ty + 1, 2tx .. 2tx + 1] of every tile q
   of tile rows ty0 <= ty < ty1 (WinogradTiles; zero outside the grid and for the spare and extra
   tiles), A = [1 0; 1 1; 1 -1; 0 -1]: the adjoint of WinogradOutput. work holds 4 WinogradTiles floats. */
PD_VECTOR_CLONES static void WinogradOutputAdjoint(const float *dy, PetscInt C, PetscInt H, PetscInt W, PetscInt ty0, PetscInt ty1, PetscInt pw, float *work, float *M)
{
  const PetscInt T = WinogradTiles(ty0, ty1, pw), tw = pw - 1, nodd = W / 2;
  const size_t   st = (size_t)C * (size_t)T;
  for (PetscInt c = 0; c < C; c++) {
    float *restrict g00 = work, *restrict g01 = work + T, *restrict g10 = work + 2 * T, *restrict g11 = work + 3 * T, *restrict m = M + c * T;
    for (PetscInt k = (ty1 - ty0) * pw; k < T; k++) g00[k] = g01[k] = g10[k] = g11[k] = 0; /* the extra tiles */
    for (PetscInt ty = ty0; ty < ty1; ty++)
      for (int a = 0; a < 2; a++) { /* the polyphase planes of dy's tile rows, zero outside */
        float *restrict e = (a ? g10 : g00) + (ty - ty0) * pw, *restrict o = (a ? g11 : g01) + (ty - ty0) * pw;
        if (2 * ty + a >= H) {
          memset(e, 0, sizeof(float) * (size_t)pw);
          memset(o, 0, sizeof(float) * (size_t)pw);
          continue;
        }
        const float *restrict yr = dy + (c * H + 2 * ty + a) * W;
        for (PetscInt tx = 0; tx < nodd; tx++) {
          e[tx] = yr[2 * tx];
          o[tx] = yr[2 * tx + 1];
        }
        if (W & 1) e[tw - 1] = yr[W - 1], o[tw - 1] = 0;
        e[tw] = o[tw] = 0; /* the spare tile */
      }
#pragma GCC ivdep
    for (PetscInt q = 0; q < T; q++) {
      const float g[2][2] = {
        {g00[q], g01[q]},
        {g10[q], g11[q]}};
      float h[4][2];
      for (int b = 0; b < 2; b++) {
        h[0][b] = g[0][b];
        h[1][b] = g[0][b] + g[1][b];
        h[2][b] = g[0][b] - g[1][b];
        h[3][b] = -g[1][b];
      }
      for (int i = 0; i < 4; i++) {
        m[(4 * i + 0) * st + q] = h[i][0];
        m[(4 * i + 1) * st + q] = h[i][0] + h[i][1];
        m[(4 * i + 2) * st + q] = h[i][0] - h[i][1];
        m[(4 * i + 3) * st + q] = -h[i][1];
      }
    }
  }
}

/* dw[co, ci] += alpha G^T dU[co, ci] G, the adjoint of WinogradKernel (dU as U: [16, cout, cin]) */
static void WinogradKernelAdjoint(const float *dU, PetscInt cout, PetscInt cin, float alpha, float *dw)
{
  const size_t st = (size_t)cout * (size_t)cin;
  for (PetscInt co = 0; co < cout; co++)
    for (PetscInt ci = 0; ci < cin; ci++) {
      const float *u = dU + co * cin + ci;
      float       *k = dw + (co * cin + ci) * 9, r[3][4];
      for (int j = 0; j < 4; j++) { /* r = G^T dU */
        const float u0 = u[j * st], u1 = u[(4 + j) * st], u2 = u[(8 + j) * st], u3 = u[(12 + j) * st];
        r[0][j] = u0 + 0.5f * (u1 + u2);
        r[1][j] = 0.5f * (u1 - u2);
        r[2][j] = 0.5f * (u1 + u2) + u3;
      }
      for (int i = 0; i < 3; i++) { /* (G^T dU) G */
        k[3 * i + 0] += alpha * (r[i][0] + 0.5f * (r[i][1] + r[i][2]));
        k[3 * i + 1] += alpha * (0.5f * (r[i][1] - r[i][2]));
        k[3 * i + 2] += alpha * (0.5f * (r[i][1] + r[i][2]) + r[i][3]);
      }
    }
}

/* dw [cout, cin, 3, 3] += alpha sum_n corr(dy_n [cout, H, W], x_n [cin, H, W]), the weight gradient of
   PdConvWinograd's convolution: per block of tiles, 16 products [cout, T] x [T, cin] of dy's and x's
   transforms, summed over blocks and samples in the transform domain and brought back by G^T . G once.
   16 products per 4 outputs against im2col's 36, and no [cin 9, H W] column matrix to pack. work holds
   PdConvWinogradScratch(cin, cout, H, W) floats. */
void PdConvWinogradWeightGrad(PetscInt B, const float *x, const float *dy, PetscInt cin, PetscInt cout, PetscInt H, PetscInt W, float alpha, float *dw, float *work)
{
  const PetscInt  th = (H + 1) / 2, pw = (W + 1) / 2 + 1, rb = WinogradBlockRows(cin, cout, H, W), Tb = WinogradTiles(0, rb, pw);
  const size_t    cc = (size_t)cin * (size_t)cout;
  float          *dU = work, *P = dU + 16 * cc, *V = P + 256 * cc, *M = V + 16 * Tb * cin, *rows = M + 16 * Tb * cout;
  const PetscBool mix = PdOpsMixWeightGradFits(cout, cin);
  memset(dU, 0, sizeof(float) * 16 * cc);
  if (mix) memset(P, 0, sizeof(float) * 256 * cc);
  for (PetscInt n = 0; n < B; n++)
    for (PetscInt ty0 = 0; ty0 < th; ty0 += rb) {
      const PetscInt ty1 = PetscMin(th, ty0 + rb), T = WinogradTiles(ty0, ty1, pw);
      WinogradInput(x + n * cin * H * W, cin, H, W, ty0, ty1, pw, rows, V);
      WinogradOutputAdjoint(dy + n * cout * H * W, cout, H, W, ty0, ty1, pw, rows, M);
      for (int xi = 0; xi < 16; xi++) {
        if (mix) PdOpsMixWeightGradAdd(cout, cin, T, M + xi * cout * T, V + xi * cin * T, P + xi * 16 * cc);
        else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, cin, T, 1.0f, M + xi * cout * T, T, V + xi * cin * T, T, 1.0f, dU + xi * cc, cin);
      }
    }
  if (mix)
    for (int xi = 0; xi < 16; xi++) PdOpsMixWeightGradFinish(cout, cin, P + xi * 16 * cc, dU + xi * cc);
  WinogradKernelAdjoint(dU, cout, cin, alpha, dw);
}
