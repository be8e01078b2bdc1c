/* The kernels of the 3x3(x3) convolutions (ops_conv.c): im2col/col2im for sgemm and a register-blocked
   direct 3x3x3 kernel for few channels (Winograd for 2D convolutions with many: conv_winograd.c). */
#include "conv_kernels.h"
#include "clones.h"
#include "ops_private.h"
#include <cblas.h>
#include <string.h>

/* The output columns ox whose input column ix = ox s + kx - 1 lies in [0, W): [lo, hi) */
static inline void ValidColumns(PetscInt W, PetscInt s, PetscInt kx, PetscInt Wo, PetscInt *lo, PetscInt *hi)
{
  *lo = kx == 0 ? 1 : 0;                             /* ix = -1 only at ox = 0, kx = 0 */
  *hi = W < kx ? 0 : PetscMin(Wo, (W - kx) / s + 1); /* W - kx = -1 would round up to 0 in C, not down */
}

/* col[(((c kd + kz) 3 + ky) 3 + kx), (oz Ho + oy) Wo + ox] = in[c, oz s + kz - 1, oy s + ky - 1, ox s + kx - 1]
   (0 outside; in 2D the depth index is 0): zeros at the edges, a branch-free copy (stride 1) or
   strided gather (stride 2) inside */
void PdConvIm2Col(const float *restrict in, const Geom *g, float *restrict col)
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

/* the adjoint of PdConvIm2Col: out[c, iz, iy, ix] += col[...] */
void PdConvCol2Im(const float *restrict col, const Geom *g, float *restrict out)
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
              const float *restrict r = row + (oz * Ho + oy) * Wo;
              float *restrict dst     = out + ((c * g->D + iz) * H + iy) * W + kx - 1;
              if (s == 1)
                for (PetscInt ox = lo; ox < hi; ox++) dst[ox] += r[ox];
              else
                for (PetscInt ox = lo; ox < hi; ox++) dst[ox * s] += r[ox];
            }
          }
        }
}

/* ---- direct stride-1 and stride-2 3x3x3 convolution for few channels (dcdm's 3D V-cycles: 4 channels): with
   Cout that small, sgemm cannot use its register blocking and im2col's 27 Cin rows per point
   dominate. Instead the input rows are copied once with a zero column on each side (and zeros up to
   whole chunks), and each chunk of output points (three vectors) of up to four output channels is
   accumulated in registers over all 27 Cin taps, nine loads of the input row and twelve weight
   broadcasts for 36 multiply-adds, before one update of y (stride 2: the row split into odd and even columns, so that the three loads
   stay contiguous). In 2D, and from 8 channels on, im2col + sgemm is as fast or faster, so it
   keeps those (bench_ops -only conv3d has both). ---- */
#define PD_DIRECT_MAX 64              /* the most Cin Cout the direct kernels take, whatever PdConvSetDirectMax says */
static PetscInt conv_direct_max = 16; /* 3D, Cin Cout at or below this: direct (PdConvSetDirectMax) */

/*@ PdConvSetDirectMax - 3D PdConv3x3 (stride 1 or 2) and stride-2 PdConv3x3Transpose with Cin Cout <= n
  use the direct kernels, above it im2col + sgemm (default 16; 0 always im2col). Returns the previous value; for tests and benchmarks. @*/
PetscInt PdConvSetDirectMax(PetscInt n)
{
  PetscInt old    = conv_direct_max;
  conv_direct_max = n;
  return old;
}

#define PD_DIRECT_L 16 /* output points per chunk: one AVX-512 register of floats */
/* CHUNK(NB, ...) for nb output channels, NB = 1..4 a constant in each call so that the chunk's
   accumulators stay in registers */
#define PD_NB_DISPATCH(nb, CHUNK, ...) \
  do { \
    switch (nb) { \
    case 4: \
      CHUNK(4, __VA_ARGS__); \
      break; \
    case 3: \
      CHUNK(3, __VA_ARGS__); \
      break; \
    case 2: \
      CHUNK(2, __VA_ARGS__); \
      break; \
    default: \
      CHUNK(1, __VA_ARGS__); \
      break; \
    } \
  } while (0)

/* row length of the padded copy: a zero column before the row, whole chunks, and two more columns */
static inline PetscInt DirectRow(PetscInt W)
{
  return (W + PD_DIRECT_L - 1) / PD_DIRECT_L * PD_DIRECT_L + 2;
}

PetscBool PdConvUseDirect(const Geom *g, PetscInt cin, PetscInt cout)
{
  return (PetscBool)((g->s == 1 || g->s == 2) && g->kd == 3 && cin * cout <= PetscMin(conv_direct_max, PD_DIRECT_MAX));
}

/* Stride 1 pads each plane of x as one flat array: rows of W + 2 floats (a zero column on each side),
   a zero row above and below, and PD_DIRECT_PAD zeros after. An output chunk then runs along the
   flat index f = y (W + 2) + x across row ends: its taps read f + ky (W + 2) + kx, the zero columns
   and rows stand in for the grid's edges, and only the two padding columns of each row are wasted
   (a chunk per row would waste up to 15 of every row's last 16 points: 80 computed for 65). */
#define PD_DIRECT_PAD (4 * PD_DIRECT_L + 2)
static inline PetscInt FlatPlane(PetscInt H, PetscInt W)
{
  return (H + 2) * (W + 2) + PD_DIRECT_PAD;
}

/* floats of the padded copy of x [cin, D, H, W] that PdConvDirect needs: stride 1, flat planes of
   FlatPlane(H, W); stride 2, rows of two half rows of DirectRow(Wo) - 1 */
size_t PdConvDirectScratch(PetscInt cin, const Geom *g)
{
  return (size_t)cin * g->D * (g->s == 1 ? FlatPlane(g->H, g->W) : g->H * 2 * (DirectRow(g->Wo) - 1));
}

/* Where a chunk reads its input: plane (ci, iz) at xp + (ci D + iz) Pz, the tap row ky at (iy0 + ky) Ry
   from there (check: skip rows outside [0, H)), and the chunk's first point at x0 */
typedef struct {
  PetscInt  cin, D, H, Pz, Ry, iy0, x0;
  PetscBool check;
} ChunkAt;

/* acc[b L + l] = sum over the 27 cin taps of output channel co0 + b at output point l of the chunk,
   plane oz, of the stride-S convolution, b < NB, l < L (NB L <= PD_DIRECT_ACC; up to PD_DIRECT_SPLIT
   values the three column taps kx go to separate sums, so that few sums still make independent chains). Stride 1 (flat
   planes): taps kx = 0, 1, 2 of point l read entries l + kx. Stride 2: each row holds the row's odd
   columns x[-1] (zero), x[1], x[3], ... then, from Ry / 2 on, its even columns x[0], x[2], ...: taps
   kx = 0, 1, 2 read odd entry l, even entry l, odd entry l + 1, all three contiguous in l. */
#define PD_DIRECT_SPLIT (4 * PD_DIRECT_L)
#define PD_DIRECT_WIDE  (3 * PD_DIRECT_L)
#define PD_DIRECT_ACC   (4 * PD_DIRECT_WIDE)
static inline __attribute__((always_inline)) void DirectChunk(const int NB, const int L, const int S, const float *restrict xp, const float *restrict wp, const ChunkAt *at, PetscInt oz, float acc[PD_DIRECT_ACC])
{
  const PetscInt  cin = at->cin, D = at->D, H = at->H, Pz = at->Pz, Ry = at->Ry, iy0 = at->iy0, x0 = at->x0; /* in registers, not reloaded after every store */
  const PetscBool check = at->check;
  const PetscInt  o1 = S == 1 ? 1 : Ry / 2, o2 = S == 1 ? 2 : 1; /* the offsets of taps kx = 1, 2 */
  float           a1[PD_DIRECT_ACC], a2[PD_DIRECT_ACC];          /* the three column taps in separate sums: independent chains */
  for (int b = 0; b < NB; b++)
    for (int l = 0; l < L; l++) acc[b * L + l] = a1[b * L + l] = a2[b * L + l] = 0;
  for (PetscInt ci = 0; ci < cin; ci++)
    for (PetscInt kz = 0; kz < 3; kz++) {
      const PetscInt iz = oz * S + kz - 1;
      if (iz < 0 || iz >= D) continue;
      for (PetscInt ky = 0; ky < 3; ky++) {
        const PetscInt iy = iy0 + ky;
        const float   *xr = xp + (ci * D + iz) * Pz + iy * Ry + x0;
        const float   *wr = wp + ((ci * 3 + kz) * 3 + ky) * 12; /* [kx][b]: constant offsets from one pointer */
        float          wv[4][3];
        if (check && (iy < 0 || iy >= H)) continue;
        for (int b = 0; b < NB; b++)
          for (int k = 0; k < 3; k++) wv[b][k] = wr[k * 4 + b];
        for (int l = 0; l < L; l++) {
          const float v0 = xr[l], v1 = xr[l + o1], v2 = xr[l + o2];
          for (int b = 0; b < NB; b++) {
            if (NB * L > PD_DIRECT_SPLIT) { /* enough chunks for independent chains: one sum */
              acc[b * L + l] += wv[b][0] * v0;
              acc[b * L + l] += wv[b][1] * v1;
              acc[b * L + l] += wv[b][2] * v2;
            } else {
              acc[b * L + l] += wv[b][0] * v0;
              a1[b * L + l] += wv[b][1] * v1;
              a2[b * L + l] += wv[b][2] * v2;
            }
          }
        }
      }
    }
  if (NB * L <= PD_DIRECT_SPLIT)
    for (int b = 0; b < NB; b++)
      for (int l = 0; l < L; l++) acc[b * L + l] += a1[b * L + l] + a2[b * L + l];
}

/* DirectChunk for a chunk of n points (16, 48 or 64) and nb output channels, the block's sizes as
   constants so that acc stays in registers: a whole chunk (also for a short last one: the padded copy
   holds whole chunks, and GCC left the loops of a half chunk scalar). n = PD_DIRECT_WIDE (several
   output channels): three vectors per channel, so that each weight broadcast serves three
   multiply-adds and 12 sums run independently (with 16 points it served one, and the loads bound the
   kernel: 76 against 115-137 GFLOP/s at 4 channels, bench_ops -only conv3d). n = PD_DIRECT_SPLIT, a
   single output channel: four vectors, the three column taps in separate sums (twelve independent
   chains again). Returns the points per channel in acc. */
static inline __attribute__((always_inline)) int DirectBlock(const int S, PetscInt n, PetscInt nb, const float *restrict xp, const float *restrict wp, const ChunkAt *at, PetscInt oz, float acc[PD_DIRECT_ACC])
{
  if (n == PD_DIRECT_SPLIT && nb == 1) {
    DirectChunk(1, PD_DIRECT_SPLIT, S, xp, wp, at, oz, acc);
    return PD_DIRECT_SPLIT;
  }
  if (n == PD_DIRECT_WIDE) {
    PD_NB_DISPATCH(nb, DirectChunk, PD_DIRECT_WIDE, S, xp, wp, at, oz, acc);
    return PD_DIRECT_WIDE;
  }
  PD_NB_DISPATCH(nb, DirectChunk, PD_DIRECT_L, S, xp, wp, at, oz, acc);
  return PD_DIRECT_L;
}

/* w [cout, cin, 3, 3, 3] repacked [cout / 4][cin][kz][ky][kx][4] (zeros past cout) */
static void DirectRepack(const float *w, PetscInt cin, PetscInt cout, float *wp)
{
  for (PetscInt co0 = 0; co0 < cout; co0 += 4)
    for (PetscInt t = 0; t < cin * 27; t++)
      for (PetscInt b = 0; b < 4; b++) wp[(co0 / 4 * cin * 27 + t) * 4 + b] = co0 + b < cout ? w[(co0 + b) * cin * 27 + t] : 0;
}

/* one chunk's outputs (co0 + b, b < nb) stored: y[o(l)] = z[o(l)] + alpha acc[b L + l] for the chunk's
   points l < n that are grid points (flat stride 1: x = (f0 + l) mod (W + 2) < W) */
static inline __attribute__((always_inline)) void DirectStore(const int S, PetscInt n, PetscInt nb, int L, const float *acc, PetscInt co0, PetscInt oz, PetscInt oy, PetscInt x0, const Geom *g, float alpha, const float *z, float *y)
{
  const PetscInt Do = g->Do, Ho = g->Ho, Wo = g->Wo, Wf = Wo + 2;
  for (PetscInt b = 0; b < nb; b++) {
    const float *ab = acc + b * L;
    if (S == 1) { /* x0 is the flat index of the chunk's first point: the chunk in runs along rows */
      const size_t o0 = (size_t)((co0 + b) * Do + oz) * Ho * Wo;
      for (PetscInt l = 0, f = x0; l < n;) {
        const PetscInt yy = f / Wf, xx = f - yy * Wf, run = PetscMin(n - l, Wf - xx), valid = xx < Wo ? PetscMin(run, Wo - xx) : 0;
        const size_t   o = o0 + (size_t)yy * Wo + xx;
        if (yy >= Ho) break;
        if (z)
          for (PetscInt k = 0; k < valid; k++) y[o + k] = z[o + k] + alpha * ab[l + k];
        else
          for (PetscInt k = 0; k < valid; k++) y[o + k] = alpha * ab[l + k];
        l += run;
        f += run;
      }
    } else {
      const PetscInt o  = (((co0 + b) * Do + oz) * Ho + oy) * Wo + x0;
      float         *yr = y + o;
      if (z)
        for (PetscInt l = 0; l < n; l++) yr[l] = z[o + l] + alpha * ab[l];
      else
        for (PetscInt l = 0; l < n; l++) yr[l] = alpha * ab[l];
    }
  }
}

/* y [cout, Do, Ho, Wo] = z + alpha conv(x [cin, D, H, W], w [cout, cin, 3, 3, 3]) with stride S, from the
   padded copy xp. Stride 1: each output plane's flat index in chunks of PD_DIRECT_WIDE points (one output
   channel: PD_DIRECT_SPLIT while that many remain, then PD_DIRECT_L). Stride 2: each output row (rows of
   Wp floats) in chunks of PD_DIRECT_WIDE while more than 2 PD_DIRECT_L points remain, then PD_DIRECT_L. */
static inline __attribute__((always_inline)) void DirectRun(const int S, const float *restrict xp, const float *restrict w, PetscInt cin, PetscInt cout, const Geom *g, PetscInt Wp, float alpha, const float *z, float *y)
{
  const PetscInt Do = g->Do, Ho = g->Ho, Wo = g->Wo;
  float          wp[PD_DIRECT_MAX * 27 * 4];

  DirectRepack(w, cin, cout, wp);
  for (PetscInt oz = 0; oz < Do; oz++) {
    if (S == 1) {
      const PetscInt nf = Ho * (Wo + 2);
      ChunkAt        at = {cin, g->D, g->H, FlatPlane(g->H, g->W), g->W + 2, 0, 0, PETSC_FALSE};
      for (PetscInt f0 = 0, n; f0 < nf; f0 += n) {
        n     = cout == 1 ? (nf - f0 >= PD_DIRECT_SPLIT ? PD_DIRECT_SPLIT : PD_DIRECT_L) : PD_DIRECT_WIDE;
        at.x0 = f0;
        for (PetscInt co0 = 0; co0 < cout; co0 += 4) {
          const PetscInt nb = PetscMin(4, cout - co0);
          float          acc[PD_DIRECT_ACC];
          const int      L = DirectBlock(S, n, nb, xp, wp + co0 / 4 * cin * 108, &at, oz, acc);
          DirectStore(S, n, nb, L, acc, co0, oz, 0, f0, g, alpha, z, y);
        }
      }
    } else
      for (PetscInt oy = 0; oy < Ho; oy++)
        for (PetscInt x0 = 0, chunk; x0 < Wo; x0 += chunk) {
          const PetscInt n  = PetscMin(chunk = cout > 1 && Wo - x0 > 2 * PD_DIRECT_L ? PD_DIRECT_WIDE : PD_DIRECT_L, Wo - x0); /* a wide chunk only where it wastes no more than narrow ones */
          ChunkAt        at = {cin, g->D, g->H, g->H * Wp, Wp, oy * S - 1, x0, PETSC_TRUE};
          for (PetscInt co0 = 0; co0 < cout; co0 += 4) {
            const PetscInt nb = PetscMin(4, cout - co0);
            float          acc[PD_DIRECT_ACC];
            const int      L = DirectBlock(S, chunk, nb, xp, wp + co0 / 4 * cin * 108, &at, oz, acc);
            DirectStore(S, n, nb, L, acc, co0, oz, oy, x0, g, alpha, z, y);
          }
        }
  }
}

/* stride 1: the flat padded planes (FlatPlane) */
PD_VECTOR_CLONES static void DirectStride1(const float *restrict x, const float *restrict w, PetscInt cin, PetscInt cout, const Geom *g, float alpha, const float *z, float *y, float *restrict xp)
{
  const PetscInt H = g->H, W = g->W, Wf = W + 2, Pz = FlatPlane(H, W);
  for (PetscInt p = 0; p < cin * g->D; p++) {
    float       *pl = xp + p * Pz;
    const float *xs = x + p * H * W;
    for (PetscInt i = 0; i < Wf + 1; i++) pl[i] = 0; /* the row above, and the first row's left column */
    for (PetscInt iy = 0; iy < H; iy++) {
      float *pr = pl + (iy + 1) * Wf + 1;
      for (PetscInt ix = 0; ix < W; ix++) pr[ix] = xs[iy * W + ix];
      pr[W]     = 0; /* this row's right column */
      pr[W + 1] = 0; /* the next row's left column */
    }
    for (PetscInt i = (H + 1) * Wf + 1; i < Pz; i++) pl[i] = 0; /* the row below and the tail */
  }
  DirectRun(1, xp, w, cin, cout, g, 0, alpha, z, y);
}

/* stride 2: each row split into its odd columns (x[-1] = 0, x[1], x[3], ...) and its even ones (x[0],
   x[2], ...), each padded with zeros to Wq = DirectRow(Wo) - 1 floats (whole chunks of output points
   and one more) */
PD_VECTOR_CLONES static void DirectStride2(const float *restrict x, const float *restrict w, PetscInt cin, PetscInt cout, const Geom *g, float alpha, const float *z, float *y, float *restrict xp)
{
  const PetscInt W = g->W, Wq = DirectRow(g->Wo) - 1, ne = (W + 1) / 2, no = W / 2; /* even, odd columns */
  for (PetscInt r = 0; r < cin * g->D * g->H; r++) {
    const float *xr = x + r * W;
    float       *po = xp + 2 * r * Wq, *pe = po + Wq;
    po[0] = 0;
    for (PetscInt m = 1; m <= no; m++) po[m] = xr[2 * m - 1];
    for (PetscInt m = no + 1; m < Wq; m++) po[m] = 0;
    for (PetscInt m = 0; m < ne; m++) pe[m] = xr[2 * m];
    for (PetscInt m = ne; m < Wq; m++) pe[m] = 0;
  }
  DirectRun(2, xp, w, cin, cout, g, 2 * Wq, alpha, z, y);
}

/* y [cout, Do, Ho, Wo] = z + alpha conv(x [cin, D, H, W], w [cout, cin, 3, 3, 3]), stride 1 or 2 (z NULL:
   none; z = y: y is added to); xp holds PdConvDirectScratch(cin, g) floats */
void PdConvDirect(const float *restrict x, const float *restrict w, PetscInt cin, PetscInt cout, const Geom *g, float alpha, const float *z, float *y, float *restrict xp)
{
  if (g->s == 1) DirectStride1(x, w, cin, cout, g, alpha, z, y, xp);
  else DirectStride2(x, w, cin, cout, g, alpha, z, y, xp);
}

/* ---- the transposed stride-2 3x3x3 convolution (the adjoint of the above: col2im's scatter) for the
   same few channels, gathering instead: a fine point iz is reached from the coarse oz = (iz + 1 - kz) / 2
   for the kz that make iz + 1 - kz even, i.e. kz = 1 if iz is even and kz = 0, 2 if it is odd, alike in
   y and x. So per fine row (iz, iy) and chunk of PD_DIRECT_L coarse columns m, the even fine columns
   2 m take tap kx = 1 of x[m] and the odd ones 2 m + 1 taps kx = 2 of x[m] and kx = 0 of x[m + 1]: two
   contiguous loads for 3 multiply-adds per output channel, the output interleaved once per chunk. ---- */

/* ev[b][l], od[b][l]: output channel co0 + b at fine points (iz, iy, 2 (m0 + l)) and (iz, iy, 2 (m0 + l)
   + 1), b < NB, l < L; xp holds x [cin, Do, Ho, .] in rows of Wq floats padded with zeros, w is
   [cin, cout, 3, 3, 3] */
static inline __attribute__((always_inline)) void TransposedChunk(const int NB, const int L, const float *restrict xp, const float *restrict wp, PetscInt cin, PetscInt Do, PetscInt Ho, PetscInt Wq, PetscInt iz, PetscInt iy, PetscInt m0, float ev[4][PD_DIRECT_L], float od[4][PD_DIRECT_L])
{
  float o2[4][PD_DIRECT_L]; /* the odd points' second tap in a separate sum */
  for (int b = 0; b < NB; b++)
    for (int l = 0; l < L; l++) ev[b][l] = od[b][l] = o2[b][l] = 0;
  for (PetscInt ci = 0; ci < cin; ci++)
    for (PetscInt kz = (iz + 1) % 2; kz < 3; kz += 2) {
      const PetscInt oz = (iz + 1 - kz) / 2;
      if (oz >= Do) continue;
      for (PetscInt ky = (iy + 1) % 2; ky < 3; ky += 2) {
        const PetscInt oy = (iy + 1 - ky) / 2;
        const float   *xr = xp + ((ci * Do + oz) * Ho + oy) * Wq + m0;
        const float   *wr = wp + ((ci * 3 + kz) * 3 + ky) * 12; /* [kx][b] */
        float          wv[4][3];
        if (oy >= Ho) continue;
        for (int b = 0; b < NB; b++)
          for (int k = 0; k < 3; k++) wv[b][k] = wr[k * 4 + b];
        for (int l = 0; l < L; l++) {
          const float v0 = xr[l], v1 = xr[l + 1];
          for (int b = 0; b < NB; b++) {
            ev[b][l] += wv[b][1] * v0;
            od[b][l] += wv[b][2] * v0;
            o2[b][l] += wv[b][0] * v1;
          }
        }
      }
    }
  for (int b = 0; b < NB; b++)
    for (int l = 0; l < L; l++) od[b][l] += o2[b][l];
}

/* TransposedChunk for nb output channels, the sizes as constants; a short last chunk is computed whole
   (the padded copy holds whole chunks): GCC leaves a half chunk's loops scalar, which made the one
   coarse column past the last whole chunk of a 2^k + 1 grid cost more than the whole chunks of its row */
static inline __attribute__((always_inline)) void TransposedBlock(PetscInt nb, const float *restrict xp, const float *restrict wp, PetscInt cin, PetscInt Do, PetscInt Ho, PetscInt Wq, PetscInt iz, PetscInt iy, PetscInt m0, float ev[4][PD_DIRECT_L], float od[4][PD_DIRECT_L])
{
  PD_NB_DISPATCH(nb, TransposedChunk, PD_DIRECT_L, xp, wp, cin, Do, Ho, Wq, iz, iy, m0, ev, od);
}

PetscBool PdConvUseDirectT(const Geom *g, PetscInt cin, PetscInt cout)
{
  return (PetscBool)(g->s == 2 && g->kd == 3 && cin * cout <= PetscMin(conv_direct_max, PD_DIRECT_MAX));
}

size_t PdConvDirectTScratch(PetscInt cin, const Geom *g)
{
  return (size_t)cin * g->Do * g->Ho * (DirectRow(g->Wo) - 1);
}

/* y [cout, D, H, W] = z + alpha convT(x [cin, Do, Ho, Wo], w [cin, cout, 3, 3, 3]), the transpose of the
   stride-2 convolution of geometry g (z NULL: none; z = y: y is added to); xp holds
   PdConvDirectTScratch(cin, g) floats */
PD_VECTOR_CLONES void PdConvDirectT(const float *restrict x, const float *restrict w, PetscInt cin, PetscInt cout, const Geom *g, float alpha, const float *z, float *y, float *restrict xp)
{
  const PetscInt D = g->D, H = g->H, W = g->W, Do = g->Do, Ho = g->Ho, Wo = g->Wo, Wq = DirectRow(Wo) - 1;
  float          wp[PD_DIRECT_MAX * 27 * 4]; /* w repacked [cout / 4][cin][kz][ky][kx][4] (zeros past cout) */

  for (PetscInt co0 = 0; co0 < cout; co0 += 4)
    for (PetscInt ci = 0; ci < cin; ci++)
      for (PetscInt t = 0; t < 27; t++)
        for (PetscInt b = 0; b < 4; b++) wp[((co0 / 4 * cin + ci) * 27 + t) * 4 + b] = co0 + b < cout ? w[(ci * cout + co0 + b) * 27 + t] : 0;
  for (PetscInt r = 0; r < cin * Do * Ho; r++) { /* the padded copy: whole chunks and one more column */
    float *pr = xp + r * Wq;
    for (PetscInt m = 0; m < Wo; m++) pr[m] = x[r * Wo + m];
    for (PetscInt m = Wo; m < Wq; m++) pr[m] = 0;
  }
  for (PetscInt iz = 0; iz < D; iz++)
    for (PetscInt iy = 0; iy < H; iy++)
      for (PetscInt m0 = 0; m0 < Wo; m0 += PD_DIRECT_L) {
        const PetscInt n = PetscMin(PD_DIRECT_L, Wo - m0), nodd = PetscMin(n, W / 2 - m0); /* 2 (m0 + l) + 1 < W */
        for (PetscInt co0 = 0; co0 < cout; co0 += 4) {
          const PetscInt nb = PetscMin(4, cout - co0);
          float          ev[4][PD_DIRECT_L], od[4][PD_DIRECT_L];
          TransposedBlock(nb, xp, wp + co0 / 4 * cin * 108, cin, Do, Ho, Wq, iz, iy, m0, ev, od);
          for (PetscInt b = 0; b < nb; b++) {
            const PetscInt o  = (((co0 + b) * D + iz) * H + iy) * W + 2 * m0;
            float         *yr = y + o;
            const float   *zr = z ? z + o : NULL;
            for (PetscInt l = 0; l < nodd; l++) {
              yr[2 * l]     = (zr ? zr[2 * l] : 0) + alpha * ev[b][l];
              yr[2 * l + 1] = (zr ? zr[2 * l + 1] : 0) + alpha * od[b][l];
            }
            for (PetscInt l = nodd; l < n; l++) yr[2 * l] = (zr ? zr[2 * l] : 0) + alpha * ev[b][l];
          }
        }
      }
}
