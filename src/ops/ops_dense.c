/* Dense products of the engine on OpenBLAS sgemm: matrix product, batched product, linear layer
   (x w^T + b over all leading rows at once) and 1x1 convolution (channel mixing on a grid); the fused
   FNO pointwise path is in ops_mix.c. */
#include <pdeop/ops.h>
#include <cblas.h>
#include <string.h>
#include "ops_private.h"

PetscErrorCode PdOpsSizeError(const char *op, PdTensor a, PdTensor b, const char *why)
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
  if (a->ndim != 2 || b->ndim != 2) PetscCall(PdOpsSizeError("PdMatMul", a, b, "both must be matrices"));
  M  = ta ? a->shape[1] : a->shape[0];
  K  = ta ? a->shape[0] : a->shape[1];
  K2 = tb ? b->shape[1] : b->shape[0];
  N  = tb ? b->shape[0] : b->shape[1];
  if (K != K2) PetscCall(PdOpsSizeError("PdMatMul", a, b, "inner dimensions differ"));
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
  if (a->ndim != 3 || b->ndim != 3 || a->shape[0] != b->shape[0] || a->shape[2] != b->shape[1]) PetscCall(PdOpsSizeError("PdBatchMatMul", a, b, "need [B,M,K] and [B,K,N]"));
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
  if (w->ndim != 2 || x->shape[x->ndim - 1] != w->shape[1]) PetscCall(PdOpsSizeError("PdLinear", x, w, "the weight must be [out, in] with in = the input's last dimension"));
  if (b && (b->size != w->shape[0])) PetscCall(PdOpsSizeError("PdLinear", w, b, "the bias must have one entry per output"));
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
PetscErrorCode PdOpsChannelMixShape(const char op[], PdTensor x, PdTensor w, PdTensor b, PetscInt shape[], PetscInt *B, PetscInt *cin, PetscInt *cout, PetscInt *S)
{
  PetscFunctionBegin;
  if (x->ndim < 3 || w->ndim != 2 || w->shape[1] != x->shape[1]) PetscCall(PdOpsSizeError(op, x, w, "need x [B,Cin,grid...] and w [Cout,Cin]"));
  if (b && b->size != w->shape[0]) PetscCall(PdOpsSizeError(op, w, b, "the bias must have one entry per output channel"));
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
  PetscCall(PdOpsChannelMixShape("PdChannelMix", x, w, b, shape, &B, &cin, &cout, &S));
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
