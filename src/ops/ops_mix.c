/* The FNO's fused pointwise path: the channel mix with its bias, added branch and GELU as one tape
   node, on its own register-blocked kernels (product, input gradient, weight gradient) or sgemm. */
#include <pdeop/ops.h>
#include <cblas.h>
#include <string.h>
#include "ops_private.h"

/* ---- fused channel mix: y = act(w x + bias + a) ---- */

/* z = bias + a, the sgemm then adds w x (beta 1); b and a may be NULL */
PD_VECTOR_CLONES static void FusedInit(PetscInt cout, PetscInt S, const float *bias, const float *a, float *z)
{
  for (PetscInt o = 0; o < cout; o++) {
    const float bo = bias ? bias[o] : 0.0f;
    float      *zo = z + o * S;
    if (a) {
      const float *ao = a + o * S;
      PD_SIMD
      for (PetscInt k = 0; k < S; k++) zo[k] = ao[k] + bo;
    } else {
      PD_SIMD
      for (PetscInt k = 0; k < S; k++) zo[k] = bo;
    }
  }
}

/* ---- The channel mix's product z [M, N] = w [M, K] x [K, N] (+ bias per row) (+ an added [M, N]) for
   M a multiple of 16 and a short inner dimension K (FNO's 32 channels): sgemm packs its [K, N] operand
   on every call and runs at 40-60% of its peak here, while each block of 16 columns of x, loaded once
   per k, can feed 16 rows of accumulators in registers, the weights broadcast from a copy repacked
   as [M / 16][K][16] (constant offsets from one pointer). The epilogue adds the bias and the added
   tensor, so z is written once and never read back. Plain C on GCC's vector type, built for
   AVX-512, AVX2 and the baseline. ---- */
typedef float    PdV16 __attribute__((vector_size(64), aligned(4)));
static PetscBool mix_direct = PETSC_TRUE;

/*@ PdChannelMixSetDirect - whether the fused channel mix uses its own product for M a multiple of 16 (default) or sgemm always; returns the previous value. For tests and benchmarks. @*/
PetscBool PdChannelMixSetDirect(PetscBool flg)
{
  PetscBool old = mix_direct;
  mix_direct    = flg;
  return old;
}

/* wp [M / 16][K][16] from w [M, K] (trans false) or from w [K, M] read transposed (trans true) */
static void MixRepack(PetscInt M, PetscInt K, const float *w, PetscBool trans, float *wp)
{
  for (PetscInt h = 0; h < M / 16; h++)
    for (PetscInt k = 0; k < K; k++)
      for (PetscInt i = 0; i < 16; i++) wp[(h * K + k) * 16 + i] = trans ? w[k * M + h * 16 + i] : w[(h * 16 + i) * K + k];
}

/* What the product's epilogue does with t = wp x + bias + add: store it (PD_MIX_NONE), store GELU(t)
   (PD_MIX_GELU: inference, nothing keeps t), or store GELU(t) in y and GELU'(t) in z for backward
   (PD_MIX_GELU_KEEP), so that no separate pass reads the product again */
typedef enum {
  PD_MIX_NONE,
  PD_MIX_GELU,
  PD_MIX_GELU_KEEP
} PdMixAct;

/* dst[0..n) = src[0..n) in whole vectors: GCC turns a memcpy of a variable length, or a plain copy
   loop, into rep movs, whose start-up costs more than these few hundred bytes */
static inline void CopyFloats(float *dst, const float *src, PetscInt n)
{
  PetscInt l = 0;
  for (; l + 16 <= n; l += 16) {
    PdV16 v;
    memcpy(&v, src + l, sizeof(v));
    memcpy(dst + l, &v, sizeof(v));
  }
  for (; l < n; l++) dst[l] = src[l];
}

/* the epilogue of one row's n products t: z = act(t + bias + add) (and y) */
static inline __attribute__((always_inline)) void MixEpilogue(PdMixAct act, PetscInt n, float *t, float bias, const float *add, float *z, float *y)
{
  if (add) {
    PD_SIMD
    for (PetscInt l = 0; l < n; l++) t[l] += bias + add[l];
  } else {
    PD_SIMD
    for (PetscInt l = 0; l < n; l++) t[l] += bias;
  }
  if (act == PD_MIX_NONE) {
    if (z != t) CopyFloats(z, t, n);
  } else if (act == PD_MIX_GELU) PdGeluRow(PdOpsGeluTable(), n, t, z, NULL);
  else PdGeluRow(PdOpsGeluTable(), n, t, y, z);
}

/* z = act(wp x + bias + add) (bias, add may be NULL; add may be z itself; y only for PD_MIX_GELU_KEEP).
   The columns go in tiles of T. A tile's [K, T] block of x is first copied into a contiguous buffer
   that stays in L1 for all M / 16 row blocks (MixPackTile): x's rows are N floats apart, and when N is
   a multiple of a large power of two (a batch of 64x64 grids: 2^16 bytes and more) they all fall in the
   same cache sets, where the hardware's prefetch fails, so the copy asks for the tile PD_MIX_AHEAD
   tiles on itself. The products of 16 rows go to a [16, T] buffer (MixTileRows), and the epilogue then
   runs along each row's T columns, so that the added tensor and the output are read and written in
   runs of T. A tile's last columns are zero-padded to whole blocks of 16. K <= PD_MIX_KMAX. */
#define PD_MIX_TILE  4096 /* floats in the packed tile: 16 KB */
#define PD_MIX_KMAX  (PD_MIX_TILE / 16)
#define PD_MIX_TMAX  256 /* columns in a tile at most */
#define PD_MIX_AHEAD 2

static inline PetscInt MixTileColumns(PetscInt K)
{
  return PetscMin(PD_MIX_TMAX, PetscMax(16, PD_MIX_TILE / K / 16 * 16));
}

/* xp [K, np] = x [K, n0 : n0 + nt] (rows N apart), zero-padded to np = nt rounded up to 16 */
static inline void MixPackTile(PetscInt K, PetscInt N, PetscInt n0, PetscInt nt, PetscInt T, const float *x, float *xp)
{
  const PetscInt np = (nt + 15) / 16 * 16;
  for (PetscInt k = 0; k < K; k++) {
    CopyFloats(xp + k * np, x + k * N + n0, nt);
    for (PetscInt l = nt; l < np; l++) xp[k * np + l] = 0.0f;
    if (n0 + PD_MIX_AHEAD * T + nt <= N) /* within the row: no address past the end */
      for (PetscInt l = 0; l < nt; l += 16) __builtin_prefetch(x + k * N + n0 + PD_MIX_AHEAD * T + l);
  }
}

/* acc[i] = sum_k w[k 16 + i] xp[k np + c .. + 16]: 16 rows of the product for 16 columns, in registers */
static inline __attribute__((always_inline)) void MixTileColumns16(PetscInt K, PetscInt np, PetscInt c, const float *w, const float *xp, PdV16 acc[16])
{
  for (int i = 0; i < 16; i++) acc[i] = (PdV16){0};
  for (PetscInt k = 0; k < K; k++) {
    PdV16 v;
    memcpy(&v, xp + k * np + c, sizeof(v));
    for (int i = 0; i < 16; i++) acc[i] += w[k * 16 + i] * v;
  }
}

/* zt [16, np] = w [16 rows of wp] xp [K, np] */
static inline void MixTileRows(PetscInt K, PetscInt np, const float *w, const float *xp, float *zt)
{
  for (PetscInt c = 0; c < np; c += 16) {
    PdV16 acc[16];
    MixTileColumns16(K, np, c, w, xp, acc);
    for (int i = 0; i < 16; i++) memcpy(zt + i * np + c, &acc[i], sizeof(PdV16));
  }
}

PD_VECTOR_CLONES static void MixProduct(PetscInt M, PetscInt K, PetscInt N, const float *restrict wp, const float *restrict x, const float *bias, const float *add, float *z, float *y, PdMixAct act)
{
  const PetscInt T = MixTileColumns(K);
  float          xp[PD_MIX_TILE] __attribute__((aligned(64))), zt[16 * PD_MIX_TMAX] __attribute__((aligned(64)));
  for (PetscInt n0 = 0; n0 < N; n0 += T) {
    const PetscInt nt = PetscMin(T, N - n0), np = (nt + 15) / 16 * 16;
    MixPackTile(K, N, n0, nt, T, x, xp);
    for (PetscInt h = 0; h < M / 16; h++) {
      MixTileRows(K, np, wp + h * K * 16, xp, zt);
      for (int i = 0; i < 16; i++) {
        const PetscInt r = h * 16 + i, o = r * N + n0;
        if (add && n0 + PD_MIX_AHEAD * T + nt <= N)
          for (PetscInt l = 0; l < nt; l += 16) __builtin_prefetch(add + o + PD_MIX_AHEAD * T + l);
        MixEpilogue(act, nt, zt + i * np, bias ? bias[r] : 0.0f, add ? add + o : NULL, z + o, y ? y + o : NULL);
      }
    }
  }
}

/* The channel mix's product for other ops' small products, which sgemm would pack on every call
   (Winograd's 16 [Cout, Cin] x [Cin, tiles] products per block of tiles): PdOpsMixFits says whether
   it takes [M, K] weights, PdOpsMixRepack stores alpha w in its layout (M K floats), PdOpsMixProduct
   computes z [M, N] = wp x [K, N] */
PetscBool PdOpsMixFits(PetscInt M, PetscInt K)
{
  return (PetscBool)(mix_direct && M % 16 == 0 && K >= 1 && K <= PD_MIX_KMAX);
}

void PdOpsMixRepack(PetscInt M, PetscInt K, float alpha, const float *w, float *wp)
{
  MixRepack(M, K, w, PETSC_FALSE, wp);
  if (alpha != 1.0f)
    for (PetscInt i = 0; i < M * K; i++) wp[i] *= alpha;
}

void PdOpsMixProduct(PetscInt M, PetscInt K, PetscInt N, const float *wp, const float *x, float *z)
{
  MixProduct(M, K, N, wp, x, NULL, NULL, z, NULL, PD_MIX_NONE);
}

/* yt [C2, np] += w2 [C2, 16 of H] GELU(w [16 rows of wp1] xp [K, np] + b1): the products of 16 hidden
   rows for 16 columns (MixTileColumns16), then, while they are still in registers, their bias, their
   GELU (16 independent polynomials) and their sums into the C2 output rows; the hidden values are never
   stored (storing them per tile and reading them back in a GELU pass per row measured 1% slower) */
static inline __attribute__((always_inline)) void MlpTileRows(PetscInt K, PetscInt np, PetscInt C2, PetscInt H, const float *w, const float *b1, const float *w2, const PdGeluV c[PD_GELU_DEG + 1], const float *xp, float *yt)
{
  for (PetscInt col = 0; col < np; col += 16) {
    PdV16 acc[16];
    MixTileColumns16(K, np, col, w, xp, acc);
    for (int i = 0; i < 16; i++) {
      PdGeluV t = (PdGeluV)acc[i] + (b1 ? b1[i] : 0.0f), g;
      PdGeluV16(c, &t, &g, NULL);
      acc[i] = (PdV16)g;
    }
    for (PetscInt o = 0; o < C2; o++) {
      PdV16 yo;
      memcpy(&yo, yt + o * np + col, sizeof(yo));
      for (int i = 0; i < 16; i++) yo += w2[o * H + i] * acc[i];
      memcpy(yt + o * np + col, &yo, sizeof(yo));
    }
  }
}

/* y [C2, N] = w2 GELU(wp1 x + b1) + b2 with x [K, N], wp1 the repacked [H, K] (H a multiple of 16),
   w2 [C2, H], C2 <= PD_MLP_C2MAX: per tile, the hidden rows come 16 at a time (MlpTileRows) and are
   added into the tile's C2 output rows at once, so the hidden [H, N] tensor is never stored */
#define PD_MLP_C2MAX 16
PD_VECTOR_CLONES static void MlpProduct(PetscInt H, PetscInt K, PetscInt C2, PetscInt N, const float *restrict wp1, const float *b1, const float *w2, const float *b2, const float *restrict x, float *y)
{
  const PetscInt T = MixTileColumns(K);
  float          xp[PD_MIX_TILE] __attribute__((aligned(64))), yt[PD_MLP_C2MAX * PD_MIX_TMAX] __attribute__((aligned(64)));
  PdGeluV        c[PD_GELU_DEG + 1];
  __builtin_memcpy(c, PdOpsGeluTable(), sizeof(c));
  for (PetscInt n0 = 0; n0 < N; n0 += T) {
    const PetscInt nt = PetscMin(T, N - n0), np = (nt + 15) / 16 * 16;
    MixPackTile(K, N, n0, nt, T, x, xp);
    for (PetscInt o = 0; o < C2; o++) {
      const float bo = b2 ? b2[o] : 0.0f;
      PD_SIMD
      for (PetscInt l = 0; l < np; l++) yt[o * np + l] = bo;
    }
    for (PetscInt h = 0; h < H / 16; h++) MlpTileRows(K, np, C2, H, wp1 + h * K * 16, b1 ? b1 + h * 16 : NULL, w2 + h * 16, c, xp, yt);
    for (PetscInt o = 0; o < C2; o++) CopyFloats(y + o * N + n0, yt + o * np, nt);
  }
}

/* The weight gradient's reduction dw [M,K] += dz [M,S] x [K,S]^T over a long S, in two steps:
   MixWeightGradAdd adds 16-lane partial sums into p [M][K][16] (columns in blocks of PD_MIX_SB, which
   keep a block of dz and x in cache while every 4x4 tile of (row of dz, row of x) pairs runs over it;
   the last S % 16 columns go to lane 0), MixWeightGradFinish adds p's lane sums to dw. M and K are
   multiples of 4. 1.5-1.8x sgemm's rate on [32 x 81,920] x [81,920 x 32] (docs/benchmarks.md). */
#define PD_MIX_SB 512
PD_VECTOR_CLONES static void MixWeightGradAdd(PetscInt M, PetscInt K, PetscInt S, const float *restrict dz, const float *restrict x, float *restrict p)
{
  const PetscInt S16 = S - S % 16;
  for (PetscInt s0 = 0; s0 < S16; s0 += PD_MIX_SB) {
    const PetscInt s1 = PetscMin(s0 + PD_MIX_SB, S16);
    for (PetscInt i = 0; i < M; i += 4)
      for (PetscInt j = 0; j < K; j += 4) {
        PdV16 acc[4][4];
        for (int u = 0; u < 4; u++)
          for (int v = 0; v < 4; v++) memcpy(&acc[u][v], p + ((i + u) * K + j + v) * 16, sizeof(PdV16));
        for (PetscInt c = s0; c < s1; c += 16) {
          PdV16 d[4], y[4];
          for (int u = 0; u < 4; u++) memcpy(&d[u], dz + (i + u) * S + c, sizeof(PdV16));
          for (int v = 0; v < 4; v++) memcpy(&y[v], x + (j + v) * S + c, sizeof(PdV16));
          for (int u = 0; u < 4; u++)
            for (int v = 0; v < 4; v++) acc[u][v] += d[u] * y[v];
        }
        for (int u = 0; u < 4; u++)
          for (int v = 0; v < 4; v++) memcpy(p + ((i + u) * K + j + v) * 16, &acc[u][v], sizeof(PdV16));
      }
  }
  for (PetscInt i = 0; i < M; i++)
    for (PetscInt j = 0; j < K; j++)
      for (PetscInt c = S16; c < S; c++) p[(i * K + j) * 16] += dz[i * S + c] * x[j * S + c];
}

static void MixWeightGradFinish(PetscInt M, PetscInt K, const float *p, float *dw)
{
  for (PetscInt e = 0; e < M * K; e++) {
    float t = 0;
    for (int l = 0; l < 16; l++) t += p[e * 16 + l];
    dw[e] += t;
  }
}

/* The channel mix's weight-gradient reduction for other ops' long reductions (Winograd's weight
   gradient, 16 [Cout, tiles] x [tiles, Cin] products per block): PdOpsMixWeightGradFits says whether it
   takes [M, K], PdOpsMixWeightGradAdd adds the 16-lane partial sums of dz [M, S] x [K, S]^T to p
   [M][K][16] (S a multiple of 16 keeps every column in vectors), PdOpsMixWeightGradFinish adds p's lane
   sums to dw [M, K] */
PetscBool PdOpsMixWeightGradFits(PetscInt M, PetscInt K)
{
  return (PetscBool)(mix_direct && M % 4 == 0 && K % 4 == 0);
}

void PdOpsMixWeightGradAdd(PetscInt M, PetscInt K, PetscInt S, const float *dz, const float *x, float *p)
{
  MixWeightGradAdd(M, K, S, dz, x, p);
}

void PdOpsMixWeightGradFinish(PetscInt M, PetscInt K, const float *p, float *dw)
{
  MixWeightGradFinish(M, K, p, dw);
}

/* One pass over a row of S values of the output gradient: dz = dy gelu'(z) in place, with gp =
   gelu'(z) from the forward pass (gp NULL: the identity, dz = dy), da += dz (da NULL: none; daset:
   da = dz), and the row's sum of dz (for the bias) */
PD_VECTOR_CLONES static float FusedBackwardRow(PetscInt S, const float *gp, float *dy, float *da, PetscBool daset)
{
  float s = 0;
  if (gp) {
    _Pragma("omp simd reduction(+:s)")
    for (PetscInt k = 0; k < S; k++) {
      const float d = dy[k] * gp[k];
      dy[k]         = d;
      s += d;
    }
  } else {
    _Pragma("omp simd reduction(+:s)")
    for (PetscInt k = 0; k < S; k++) s += dy[k];
  }
  if (da && daset) {
    PD_SIMD
    for (PetscInt k = 0; k < S; k++) da[k] = dy[k];
  } else if (da) {
    PD_SIMD
    for (PetscInt k = 0; k < S; k++) da[k] += dy[k];
  }
  return s;
}

/*
  Backward, derived. Forward per sample n: z_n = w x_n + b + a_n, y_n = g(z_n) (g = GELU or the
  identity). With dz = dy g'(z) (computed in place in y->grad: nothing reads y's gradient after this
  node): da += dz, db += row sums of dz, dw += sum_n dz_n x_n^T, dx_n += w^T dz_n.
  With GELU, g'(z) is computed in forward and kept in aux (no z is needed otherwise). In the channel-major layout [C,B,S] (cb)
  the samples are one matrix [C, B S], and the products are one sgemm each. The bias sums run per
  row of S points in both layouts, in the same order (sample by sample for each channel).
*/
static PetscErrorCode ChannelMixFusedBackward(PdTensor y)
{
  PdTensor     x = y->src[0], w = y->src[1], b = y->src[2], a = y->src[3];
  const float *gp = y->iarg[0] ? (const float *)y->aux : NULL; /* gelu'(z) */
  PetscInt     B = y->iarg[1], S = y->iarg[2], cin = w->shape[1], cout = w->shape[0];
  PetscBool    cb = (PetscBool)y->iarg[3];
  float       *dz = y->grad, *da = a && a->grad ? a->grad : NULL;
  PetscBool    daset = da ? PdGradFirstWrite(a) : PETSC_FALSE, dxset = x->grad ? PdGradFirstWrite(x) : PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_Pointwise, 0, 0, 0, 0));
  for (PetscInt r = 0; r < B * cout; r++) {
    const float s = FusedBackwardRow(S, gp ? gp + r * S : NULL, dz + r * S, da ? da + r * S : NULL, daset);
    if (b && b->grad) b->grad[cb ? r / B : r % cout] += s; /* db += row sums of dz */
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_Pointwise, 0, 0, 0, 0));
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  if (cb) S *= B, B = 1;                                               /* one product over all samples */
  if (x->grad && mix_direct && cin % 16 == 0 && cout <= PD_MIX_KMAX) { /* dx_n (+)= w^T dz_n by the channel mix's own product */
    float *wp;
    PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * (size_t)(cout * cin), (void **)&wp));
    MixRepack(cin, cout, w->data, PETSC_TRUE, wp);
    for (PetscInt n = 0; n < B; n++) MixProduct(cin, cout, S, wp, dz + n * cout * S, NULL, dxset ? NULL : x->grad + n * cin * S, x->grad + n * cin * S, NULL, PD_MIX_NONE);
  }
  if (w->grad && mix_direct && cin % 4 == 0 && cout % 4 == 0) { /* dw += sum_n dz_n x_n^T by the channel mix's own reduction */
    float *p;
    PetscCall(PdTapeAlloc(y->tape, sizeof(float) * (size_t)(16 * cout * cin), (void **)&p));
    for (PetscInt n = 0; n < B; n++) MixWeightGradAdd(cout, cin, S, dz + n * cout * S, x->data + n * cin * S, p);
    MixWeightGradFinish(cout, cin, p, w->grad);
  }
  for (PetscInt n = 0; n < B; n++) {
    const float *dzn = dz + n * cout * S;
    if (x->grad && !(mix_direct && cin % 16 == 0 && cout <= PD_MIX_KMAX)) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, cin, S, cout, 1.0f, w->data, cin, dzn, S, dxset ? 0.0f : 1.0f, x->grad + n * cin * S, S); /* dx_n += w^T dz_n */
    if (w->grad && !(mix_direct && cin % 4 == 0 && cout % 4 == 0)) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, cin, S, 1.0f, dzn, S, x->data + n * cin * S, S, 1.0f, w->grad, cin);                       /* dw += dz_n x_n^T */
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The fused channel mix in either layout: x [B,Cin,grid...] (cb false) or [Cin,B,grid...] (cb true) */
static PetscErrorCode ChannelMixFusedLayout(const char op[], PdTensor x, PdTensor w, PdTensor b, PdTensor a, PetscBool gelu, PetscBool cb, PdTensor *out)
{
  PdTape    tape;
  PdTensor  y;
  PetscInt  shape[PD_MAX_DIMS], B, cin, cout, S, nb, ns;
  PetscBool needgrad;
  float    *z;

  PetscFunctionBegin;
  if (a && a->tape) PetscCall(PdOpGetTape(x, a, NULL, &tape));
  else PetscCall(PdOpGetTape(x, w, b, &tape));
  if (cb) {
    if (x->ndim < 2 || w->ndim != 2 || w->shape[1] != x->shape[0]) PetscCall(PdOpsSizeError(op, x, w, "need x [Cin,B,grid...] and w [Cout,Cin]"));
    if (b && b->size != w->shape[0]) PetscCall(PdOpsSizeError(op, w, b, "the bias must have one entry per output channel"));
    cin  = x->shape[0];
    cout = w->shape[0];
    B    = x->shape[1];
    S    = x->size / (cin * B);
    for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
    shape[0] = cout;
  } else PetscCall(PdOpsChannelMixShape(op, x, w, b, shape, &B, &cin, &cout, &S));
  if (a) {
    PetscBool ok = (PetscBool)(a->ndim == x->ndim);
    for (int i = 0; ok && i < x->ndim; i++) ok = (PetscBool)(a->shape[i] == shape[i]);
    if (!ok) PetscCall(PdOpsSizeError(op, x, a, cb ? "the added tensor must have the output's shape [Cout,B,grid...]" : "the added tensor must have the output's shape [B,Cout,grid...]"));
  }
  needgrad = (PetscBool)(PdNeedsGrad(tape, x, w, b) || PdNeedsGrad(tape, a, NULL, NULL));
  /* channel-major: the gradient is left unset; the backward of each FNO op overwrites on first write */
  if (cb) PetscCall(PdTapeNewNodeUnsetGrad(tape, PD_OP_CHANNEL_MIX_FUSED, x->ndim, shape, needgrad, &y));
  else PetscCall(PdTapeNewNode(tape, PD_OP_CHANNEL_MIX_FUSED, x->ndim, shape, needgrad, &y));
  y->grad_overwrite = PETSC_TRUE;
  y->src[0]         = x;
  y->src[1]         = w;
  y->src[2]         = b;
  y->src[3]         = a;
  y->iarg[0]        = gelu;
  y->iarg[1]        = B;
  y->iarg[2]        = S;
  y->iarg[3]        = cb;
  y->backward       = ChannelMixFusedBackward;
  /* the pre-activation: its own buffer only when backward needs it (as gelu'(z)) next to y */
  if (gelu && y->grad) PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)y->size, (void **)&z));
  else z = y->data;
  y->aux = z;
  nb     = cb ? 1 : B; /* channel-major: one product over all samples */
  ns     = cb ? B * S : S;
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  if (mix_direct && cout % 16 == 0 && cin <= PD_MIX_KMAX) { /* the product with the bias, the branch and GELU in its epilogue */
    float         *wp;
    const PdMixAct act = !gelu ? PD_MIX_NONE : z == y->data ? PD_MIX_GELU
                                                            : PD_MIX_GELU_KEEP;
    PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)(cout * cin), (void **)&wp));
    MixRepack(cout, cin, w->data, PETSC_FALSE, wp);
    for (PetscInt n = 0; n < nb; n++) MixProduct(cout, cin, ns, wp, x->data + n * cin * ns, b ? b->data : NULL, a ? a->data + n * cout * ns : NULL, z + n * cout * ns, act == PD_MIX_GELU_KEEP ? y->data + n * cout * ns : NULL, act);
    PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  } else {
    for (PetscInt n = 0; n < nb; n++) {
      float *zn = z + n * cout * ns;
      FusedInit(cout, ns, b ? b->data : NULL, a ? a->data + n * cout * ns : NULL, zn);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, ns, cin, 1.0f, w->data, cin, x->data + n * cin * ns, ns, 1.0f, zn, ns);
    }
    PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
    if (gelu) {
      PetscCall(PetscLogEventBegin(PD_EVENT_Pointwise, 0, 0, 0, 0));
      if (z != y->data) PdOpsGeluKeep(y->size, z, y->data); /* z becomes gelu'(z) for backward */
      else PdOpsGelu(y->size, z, y->data);
      PetscCall(PetscLogEventEnd(PD_EVENT_Pointwise, 0, 0, 0, 0));
    }
  }
  *out = y;
  PetscFunctionReturn(0);
}

/*@
  PdChannelMixFused - y = act(w x + bias + a): a 1x1 convolution on [B,Cin,S...] with w [Cout,Cin],
  bias [Cout] or NULL, an added tensor a [B,Cout,S...] or NULL (FNO's spectral branch), and act GELU
  when gelu is true, else the identity. One tape node instead of three or four, and one full-size
  buffer (GELU's derivative at the pre-activation, kept for backward only with GELU) besides the
  output and its gradient.
  With GELU, backward overwrites y's gradient with the pre-activation's (nothing else reads it).
@*/
PetscErrorCode PdChannelMixFused(PdTensor x, PdTensor w, PdTensor b, PdTensor a, PetscBool gelu, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(ChannelMixFusedLayout("PdChannelMixFused", x, w, b, a, gelu, PETSC_FALSE, out));
  PetscFunctionReturn(0);
}

/*@
  PdChannelMixFusedCB - PdChannelMixFused in the channel-major layout: x [Cin,B,grid...], a and y
  [Cout,B,grid...]. The whole batch is one matrix [Cin, B S], so each product is one sgemm with a long
  inner loop instead of one per sample; the values are those of PdChannelMixFused on the swapped
  tensors (to round-off in the weight gradient, whose sum over samples is one product).
@*/
PetscErrorCode PdChannelMixFusedCB(PdTensor x, PdTensor w, PdTensor b, PdTensor a, PetscBool gelu, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(ChannelMixFusedLayout("PdChannelMixFusedCB", x, w, b, a, gelu, PETSC_TRUE, out));
  PetscFunctionReturn(0);
}

/*@
  PdChannelMLPCB - y = w2 GELU(w1 x + b1) + b2 on the channel-major layout: x [Cin,B,grid...], w1 [H,Cin],
  b1 [H] or NULL, w2 [Cout,H], b2 [Cout] or NULL; y [Cout,B,grid...] (the FNO's projection). When no
  gradient is needed (inference), with H a multiple of 16, Cin <= 256 and Cout <= 16, it runs tile by
  tile and never stores the hidden [H,B,grid...] tensor (H / Cin times the input's size); otherwise, and
  whenever gradients flow, it is PdChannelMixFusedCB twice, with the same values to round-off.
@*/
PetscErrorCode PdChannelMLPCB(PdTensor x, PdTensor w1, PdTensor b1, PdTensor w2, PdTensor b2, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt shape[PD_MAX_DIMS], cin, hid, cout, N;
  float   *wp;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, w1, b1, &tape));
  if (x->ndim < 2 || w1->ndim != 2 || w1->shape[1] != x->shape[0]) PetscCall(PdOpsSizeError("PdChannelMLPCB", x, w1, "need x [Cin,B,grid...] and w1 [H,Cin]"));
  if (w2->ndim != 2 || w2->shape[1] != w1->shape[0]) PetscCall(PdOpsSizeError("PdChannelMLPCB", w1, w2, "need w1 [H,Cin] and w2 [Cout,H]"));
  if (b1 && b1->size != w1->shape[0]) PetscCall(PdOpsSizeError("PdChannelMLPCB", w1, b1, "the bias b1 must have one entry per hidden channel"));
  if (b2 && b2->size != w2->shape[0]) PetscCall(PdOpsSizeError("PdChannelMLPCB", w2, b2, "the bias b2 must have one entry per output channel"));
  cin  = x->shape[0];
  hid  = w1->shape[0];
  cout = w2->shape[0];
  N    = x->size / cin;
  if (PdNeedsGrad(tape, x, w1, b1) || PdNeedsGrad(tape, w2, b2, NULL) || !mix_direct || hid % 16 || cin > PD_MIX_KMAX || cout > PD_MLP_C2MAX) {
    PdTensor h;
    PetscCall(PdChannelMixFusedCB(x, w1, b1, NULL, PETSC_TRUE, &h));
    PetscCall(PdChannelMixFusedCB(h, w2, b2, NULL, PETSC_FALSE, out));
    PetscFunctionReturn(0);
  }
  for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[0] = cout;
  PetscCall(PdTapeNewNode(tape, PD_OP_CHANNEL_MLP, x->ndim, shape, PETSC_FALSE, &y));
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)(hid * cin), (void **)&wp));
  MixRepack(hid, cin, w1->data, PETSC_FALSE, wp);
  MlpProduct(hid, cin, cout, N, wp, b1 ? b1->data : NULL, w2->data, b2 ? b2->data : NULL, x->data, y->data);
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}
