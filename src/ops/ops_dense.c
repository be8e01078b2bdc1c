/* Dense products of the engine on OpenBLAS sgemm: matrix product, batched product, linear layer
   (x w^T + b over all leading rows at once), 1x1 convolution (channel mixing on a grid) and the fused
   FNO pointwise path (channel mix + bias + added branch + GELU as one tape node). */
#include <pdeop/ops.h>
#include <cblas.h>
#include <string.h>
#include "clones.h"
#include <pdeop/vecmath.h>

static PetscErrorCode SizeError(const char *op, PdTensor a, PdTensor b, const char *why)
{
  char sa[96], sb[96];

  PetscFunctionBegin;
  PetscCall(PdShapeString(a->ndim, a->shape, sa, sizeof(sa)));
  PetscCall(PdShapeString(b->ndim, b->shape, sb, sizeof(sb)));
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: shapes %s and %s: %s", op, sa, sb, why);
}

/* ---- c = op(a) op(b) ---- */
static PetscErrorCode MatMulBackward(PdTensor c)
{
  PdTensor  a = c->src[0], b = c->src[1];
  PetscBool ta = (PetscBool)c->iarg[0], tb = (PetscBool)c->iarg[1];
  PetscInt  M = c->shape[0], N = c->shape[1], K = c->iarg[2];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  /* c = A B with A = op(a) [M,K], B = op(b) [K,N]: dA = dC B^T, dB = A^T dC */
  if (a->grad) {
    if (!ta) cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasNoTrans : CblasTrans, M, K, N, 1.0f, c->grad, N, b->data, tb ? K : N, 1.0f, a->grad, K); /* da[M,K] += dC B^T */
    else cblas_sgemm(CblasRowMajor, tb ? CblasTrans : CblasNoTrans, CblasTrans, K, M, N, 1.0f, b->data, tb ? K : N, c->grad, N, 1.0f, a->grad, M);       /* da[K,M] += B dC^T */
  }
  if (b->grad) {
    if (!tb) cblas_sgemm(CblasRowMajor, ta ? CblasNoTrans : CblasTrans, CblasNoTrans, K, N, M, 1.0f, a->data, ta ? M : K, c->grad, N, 1.0f, b->grad, N); /* db[K,N] += A^T dC */
    else cblas_sgemm(CblasRowMajor, CblasTrans, ta ? CblasTrans : CblasNoTrans, N, K, M, 1.0f, c->grad, N, a->data, ta ? M : K, 1.0f, b->grad, K);       /* db[N,K] += dC^T A */
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@ PdMatMul - c = op(a) op(b) for matrices, op = transpose when ta/tb @*/
PetscErrorCode PdMatMul(PdTensor a, PdTensor b, PetscBool ta, PetscBool tb, PdTensor *out)
{
  PdTape   tape;
  PdTensor c;
  PetscInt M, K, K2, N, shape[2];

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(a, b, NULL, &tape));
  if (a->ndim != 2 || b->ndim != 2) PetscCall(SizeError("PdMatMul", a, b, "both must be matrices"));
  M  = ta ? a->shape[1] : a->shape[0];
  K  = ta ? a->shape[0] : a->shape[1];
  K2 = tb ? b->shape[1] : b->shape[0];
  N  = tb ? b->shape[0] : b->shape[1];
  if (K != K2) PetscCall(SizeError("PdMatMul", a, b, "inner dimensions differ"));
  shape[0] = M;
  shape[1] = N;
  PetscCall(PdTapeRecord(tape, PD_OP_MATMUL, 2, shape, MatMulBackward, a, b, NULL, &c));
  c->iarg[0] = ta;
  c->iarg[1] = tb;
  c->iarg[2] = K;
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, a->data, ta ? M : K, b->data, tb ? K : N, 0.0f, c->data, N);
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  *out = c;
  PetscFunctionReturn(0);
}

/* ---- batched ---- */
static PetscErrorCode BMMBackward(PdTensor c)
{
  PdTensor a = c->src[0], b = c->src[1];
  PetscInt B = c->shape[0], M = c->shape[1], N = c->shape[2], K = a->shape[2];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  for (PetscInt i = 0; i < B; i++) {
    const float *dc = c->grad + i * M * N;
    if (a->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, K, N, 1.0f, dc, N, b->data + i * K * N, N, 1.0f, a->grad + i * M * K, K); /* da = dc b^T */
    if (b->grad) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, M, 1.0f, a->data + i * M * K, K, dc, N, 1.0f, b->grad + i * K * N, N); /* db = a^T dc */
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@ PdBatchMatMul - c[i] = a[i] b[i], a [B,M,K], b [B,K,N] @*/
PetscErrorCode PdBatchMatMul(PdTensor a, PdTensor b, PdTensor *out)
{
  PdTape   tape;
  PdTensor c;
  PetscInt shape[3];

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(a, b, NULL, &tape));
  if (a->ndim != 3 || b->ndim != 3 || a->shape[0] != b->shape[0] || a->shape[2] != b->shape[1]) PetscCall(SizeError("PdBatchMatMul", a, b, "need [B,M,K] and [B,K,N]"));
  shape[0] = a->shape[0];
  shape[1] = a->shape[1];
  shape[2] = b->shape[2];
  PetscCall(PdTapeRecord(tape, PD_OP_BMM, 3, shape, BMMBackward, a, b, NULL, &c));
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  for (PetscInt i = 0; i < shape[0]; i++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, shape[1], shape[2], a->shape[2], 1.0f, a->data + i * shape[1] * a->shape[2], a->shape[2], b->data + i * a->shape[2] * shape[2], shape[2], 0.0f, c->data + i * shape[1] * shape[2], shape[2]);
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  *out = c;
  PetscFunctionReturn(0);
}

/* ---- linear layer ---- */
static PetscErrorCode LinearBackward(PdTensor y)
{
  PdTensor x = y->src[0], w = y->src[1], b = y->src[2];
  PetscInt out = w->shape[0], in = w->shape[1], R = y->size / out;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  /* y[R,out] = x[R,in] w^T + b */
  if (x->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, in, out, 1.0f, y->grad, out, w->data, in, 1.0f, x->grad, in); /* dx += dy w */
  if (w->grad) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, R, 1.0f, y->grad, out, x->data, in, 1.0f, w->grad, in);   /* dw += dy^T x */
  if (b && b->grad)
    for (PetscInt r = 0; r < R; r++)
      for (PetscInt o = 0; o < out; o++) b->grad[o] += y->grad[r * out + o]; /* db += column sums of dy */
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@ PdLinear - y = x w^T + bias over all leading rows; x [..., in], w [out, in], bias [out] or NULL @*/
PetscErrorCode PdLinear(PdTensor x, PdTensor w, PdTensor b, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt shape[PD_MAX_DIMS], in, o, R;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, w, b, &tape));
  if (w->ndim != 2 || x->shape[x->ndim - 1] != w->shape[1]) PetscCall(SizeError("PdLinear", x, w, "the weight must be [out, in] with in = the input's last dimension"));
  if (b && (b->size != w->shape[0])) PetscCall(SizeError("PdLinear", w, b, "the bias must have one entry per output"));
  o  = w->shape[0];
  in = w->shape[1];
  R  = x->size / in;
  for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[x->ndim - 1] = o;
  PetscCall(PdTapeRecord(tape, PD_OP_LINEAR, x->ndim, shape, LinearBackward, x, w, b, &y));
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  if (b)
    for (PetscInt r = 0; r < R; r++) PetscCall(PetscArraycpy(y->data + r * o, b->data, o));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, o, in, 1.0f, x->data, in, w->data, in, b ? 1.0f : 0.0f, y->data, o);
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}

/* ---- 1x1 convolution ---- */
static PetscErrorCode ChannelMixBackward(PdTensor y)
{
  PdTensor x = y->src[0], w = y->src[1], b = y->src[2];
  PetscInt B = x->shape[0], cin = x->shape[1], cout = w->shape[0], S = x->size / (B * cin);

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  for (PetscInt n = 0; n < B; n++) {
    const float *dy = y->grad + n * cout * S;
    /* y_n[cout,S] = w[cout,cin] x_n[cin,S] + b */
    if (x->grad) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, cin, S, cout, 1.0f, w->data, cin, dy, S, 1.0f, x->grad + n * cin * S, S); /* dx_n += w^T dy_n */
    if (w->grad) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, cin, S, 1.0f, dy, S, x->data + n * cin * S, S, 1.0f, w->grad, cin); /* dw += dy_n x_n^T */
    if (b && b->grad)
      for (PetscInt o = 0; o < cout; o++) {
        double s = 0;
        for (PetscInt k = 0; k < S; k++) s += dy[o * S + k];
        b->grad[o] += (float)s;
      }
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* the checks and output shape shared by the channel mixes: x [B,Cin,grid...], w [Cout,Cin], b [Cout] or NULL */
static PetscErrorCode ChannelMixShape(const char op[], PdTensor x, PdTensor w, PdTensor b, PetscInt shape[], PetscInt *B, PetscInt *cin, PetscInt *cout, PetscInt *S)
{
  PetscFunctionBegin;
  if (x->ndim < 3 || w->ndim != 2 || w->shape[1] != x->shape[1]) PetscCall(SizeError(op, x, w, "need x [B,Cin,grid...] and w [Cout,Cin]"));
  if (b && b->size != w->shape[0]) PetscCall(SizeError(op, w, b, "the bias must have one entry per output channel"));
  *B    = x->shape[0];
  *cin  = x->shape[1];
  *cout = w->shape[0];
  *S    = x->size / (*B * *cin);
  for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[1] = *cout;
  PetscFunctionReturn(0);
}

/*@ PdChannelMix - 1x1 convolution on [B,Cin,S...]: y_b = w x_b + bias, w [Cout,Cin] @*/
PetscErrorCode PdChannelMix(PdTensor x, PdTensor w, PdTensor b, PdTensor *out)
{
  PdTape   tape;
  PdTensor y;
  PetscInt shape[PD_MAX_DIMS], B, cin, cout, S;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, w, b, &tape));
  PetscCall(ChannelMixShape("PdChannelMix", x, w, b, shape, &B, &cin, &cout, &S));
  PetscCall(PdTapeRecord(tape, PD_OP_CHANNEL_MIX, x->ndim, shape, ChannelMixBackward, x, w, b, &y));
  PetscCall(PetscLogEventBegin(PD_EVENT_MatMul, 0, 0, 0, 0));
  for (PetscInt n = 0; n < B; n++) {
    float *yn = y->data + n * cout * S;
    if (b)
      for (PetscInt o = 0; o < cout; o++)
        for (PetscInt k = 0; k < S; k++) yn[o * S + k] = b->data[o];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, S, cin, 1.0f, w->data, cin, x->data + n * cin * S, S, b ? 1.0f : 0.0f, yn, S);
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}

/* ---- fused channel mix: y = act(w x + bias + a) ---- */

/* z = bias + a, the sgemm then adds w x (beta 1); b and a may be NULL */
PD_CLONES static void FusedInit(PetscInt cout, PetscInt S, const float *bias, const float *a, float *z)
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

/* z = wp x + bias + add (bias, add may be NULL; add may be z itself); the last block of fewer than
   16 columns goes through zero-padded copies */
PD_VECTOR_CLONES static void MixProduct(PetscInt M, PetscInt K, PetscInt N, const float *restrict wp, const float *restrict x, const float *bias, const float *add, float *z)
{
  for (PetscInt n = 0; n < N; n += 16) {
    const PetscInt nc = PetscMin(16, N - n);
    for (PetscInt h = 0; h < M / 16; h++) {
      PdV16        acc[16];
      const float *w = wp + h * K * 16;
      for (int i = 0; i < 16; i++) acc[i] = (PdV16){0};
      if (nc == 16)
        for (PetscInt k = 0; k < K; k++) {
          PdV16 v;
          memcpy(&v, x + k * N + n, sizeof(v)); /* an unaligned vector load */
          for (int i = 0; i < 16; i++) acc[i] += w[k * 16 + i] * v;
        }
      else
        for (PetscInt k = 0; k < K; k++) {
          PdV16 v = (PdV16){0};
          memcpy(&v, x + k * N + n, sizeof(float) * (size_t)nc);
          for (int i = 0; i < 16; i++) acc[i] += w[k * 16 + i] * v;
        }
      for (int i = 0; i < 16; i++) {
        const PetscInt r = h * 16 + i;
        PdV16          t = acc[i] + (bias ? bias[r] : 0.0f), u;
        if (nc == 16) { /* whole blocks: vector loads and stores */
          if (add) {
            memcpy(&u, add + r * N + n, sizeof(u));
            t += u;
          }
          memcpy(z + r * N + n, &t, sizeof(t));
        } else {
          float out[16];
          memcpy(out, &t, sizeof(out));
          for (PetscInt l = 0; l < nc; l++) z[r * N + n + l] = out[l] + (add ? add[r * N + n + l] : 0.0f);
        }
      }
    }
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

/* y = gelu(z); with keep, z is then overwritten by gelu'(z) for backward (PdGeluF and PdGeluGradF
   with their common erf computed once: the derivative costs one exp more here, and backward no
   erf at all) */
PD_CLONES static void GeluForward(PetscInt n, float *z, float *y, PetscBool keep)
{
  if (keep) {
    PD_SIMD
    for (PetscInt i = 0; i < n; i++) {
      const float t = z[i], e = erff(t * (float)M_SQRT1_2);
      y[i] = 0.5f * t * (1.0f + e);
      z[i] = 0.5f * (1.0f + e) + t * expf(-0.5f * t * t) * (float)(0.5 * M_2_SQRTPI * M_SQRT1_2);
    }
  } else {
    PD_SIMD
    for (PetscInt i = 0; i < n; i++) y[i] = PdGeluF(z[i]);
  }
}

/* One pass over a row of S values of the output gradient: dz = dy gelu'(z) in place, with gp =
   gelu'(z) from the forward pass (gp NULL: the identity, dz = dy), da += dz (da NULL: none; daset:
   da = dz), and the row's sum of dz (for the bias) */
PD_CLONES static float FusedBackwardRow(PetscInt S, const float *gp, float *dy, float *da, PetscBool daset)
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
  if (cb) S *= B, B = 1;                        /* one product over all samples */
  if (x->grad && mix_direct && cin % 16 == 0) { /* dx_n (+)= w^T dz_n by the channel mix's own product */
    float *wp;
    PetscCall(PdTapeAllocUninit(y->tape, sizeof(float) * (size_t)(cout * cin), (void **)&wp));
    MixRepack(cin, cout, w->data, PETSC_TRUE, wp);
    for (PetscInt n = 0; n < B; n++) MixProduct(cin, cout, S, wp, dz + n * cout * S, NULL, dxset ? NULL : x->grad + n * cin * S, x->grad + n * cin * S);
  }
  if (w->grad && mix_direct && cin % 4 == 0 && cout % 4 == 0) { /* dw += sum_n dz_n x_n^T by the channel mix's own reduction */
    float *p;
    PetscCall(PdTapeAlloc(y->tape, sizeof(float) * (size_t)(16 * cout * cin), (void **)&p));
    for (PetscInt n = 0; n < B; n++) MixWeightGradAdd(cout, cin, S, dz + n * cout * S, x->data + n * cin * S, p);
    MixWeightGradFinish(cout, cin, p, w->grad);
  }
  for (PetscInt n = 0; n < B; n++) {
    const float *dzn = dz + n * cout * S;
    if (x->grad && !(mix_direct && cin % 16 == 0)) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, cin, S, cout, 1.0f, w->data, cin, dzn, S, dxset ? 0.0f : 1.0f, x->grad + n * cin * S, S);  /* dx_n += w^T dz_n */
    if (w->grad && !(mix_direct && cin % 4 == 0 && cout % 4 == 0)) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, cin, S, 1.0f, dzn, S, x->data + n * cin * S, S, 1.0f, w->grad, cin); /* dw += dz_n x_n^T */
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
    if (x->ndim < 2 || w->ndim != 2 || w->shape[1] != x->shape[0]) PetscCall(SizeError(op, x, w, "need x [Cin,B,grid...] and w [Cout,Cin]"));
    if (b && b->size != w->shape[0]) PetscCall(SizeError(op, w, b, "the bias must have one entry per output channel"));
    cin  = x->shape[0];
    cout = w->shape[0];
    B    = x->shape[1];
    S    = x->size / (cin * B);
    for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
    shape[0] = cout;
  } else PetscCall(ChannelMixShape(op, x, w, b, shape, &B, &cin, &cout, &S));
  if (a) {
    PetscBool ok = (PetscBool)(a->ndim == x->ndim);
    for (int i = 0; ok && i < x->ndim; i++) ok = (PetscBool)(a->shape[i] == shape[i]);
    if (!ok) PetscCall(SizeError(op, x, a, cb ? "the added tensor must have the output's shape [Cout,B,grid...]" : "the added tensor must have the output's shape [B,Cout,grid...]"));
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
  if (mix_direct && cout % 16 == 0) { /* the product with the bias and the branch in its epilogue */
    float *wp;
    PetscCall(PdTapeAllocUninit(tape, sizeof(float) * (size_t)(cout * cin), (void **)&wp));
    MixRepack(cout, cin, w->data, PETSC_FALSE, wp);
    for (PetscInt n = 0; n < nb; n++) MixProduct(cout, cin, ns, wp, x->data + n * cin * ns, b ? b->data : NULL, a ? a->data + n * cout * ns : NULL, z + n * cout * ns);
  } else
    for (PetscInt n = 0; n < nb; n++) {
      float *zn = z + n * cout * ns;
      FusedInit(cout, ns, b ? b->data : NULL, a ? a->data + n * cout * ns : NULL, zn);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, ns, cin, 1.0f, w->data, cin, x->data + n * cin * ns, ns, 1.0f, zn, ns);
    }
  PetscCall(PetscLogEventEnd(PD_EVENT_MatMul, 0, 0, 0, 0));
  if (gelu) {
    PetscCall(PetscLogEventBegin(PD_EVENT_Pointwise, 0, 0, 0, 0));
    GeluForward(y->size, z, y->data, (PetscBool)(z != y->data));
    PetscCall(PetscLogEventEnd(PD_EVENT_Pointwise, 0, 0, 0, 0));
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
