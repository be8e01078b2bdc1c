/* Tests of the tape (arena reuse, backward sweep) and of the pointwise, reduction and layout
   operations: every backward against central finite differences (PdGradCheck), every forward
   against a direct evaluation in double precision. */
#include "pdtest.h"

static void FillRandom(PdTensor t, uint64_t seed, float lo, float hi)
{
  PdRng rng;
  PdRngSeed(&rng, seed, 3);
  PdRngFillUniform(&rng, t->size, t->data, lo, hi);
}

/* ---- gradient checks: one build function per op family ---- */
typedef struct {
  int      which; /* op selector */
  int      dim;
  PetscInt start, len;
} Ctx;

static PetscErrorCode BuildUnary(void *vctx, PdTape tape, PdTensor v[], PdTensor *out)
{
  Ctx *c = (Ctx *)vctx;
  PetscFunctionBegin;
  switch (c->which) {
  case 0: PetscCall(PdTanh(v[0], out)); break;
  case 1: PetscCall(PdSin(v[0], out)); break;
  case 2: PetscCall(PdCos(v[0], out)); break;
  case 3: PetscCall(PdExp(v[0], out)); break;
  case 4: PetscCall(PdGelu(v[0], out)); break;
  case 5: PetscCall(PdRelu(v[0], out)); break;
  case 6: PetscCall(PdSoftplus(v[0], out)); break;
  case 7: PetscCall(PdSquare(v[0], out)); break;
  case 8: PetscCall(PdScale(v[0], -1.7f, out)); break;
  case 9: PetscCall(PdAddScalar(v[0], 0.3f, out)); break;
  case 10: PetscCall(PdSum(v[0], out)); break;
  case 11: PetscCall(PdMean(v[0], out)); break;
  case 12: PetscCall(PdSumDim(v[0], c->dim, out)); break;
  case 13: PetscCall(PdSlice(v[0], c->dim, c->start, c->len, out)); break;
  case 14: {
    PetscInt s[2] = {v[0]->size / 4, 4};
    PdTensor r;
    PetscCall(PdReshape(v[0], 2, s, &r));
    PetscCall(PdTanh(r, out)); /* something non-linear after the reshape */
  } break;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildBinary(void *vctx, PdTape tape, PdTensor v[], PdTensor *out)
{
  Ctx *c = (Ctx *)vctx;
  PetscFunctionBegin;
  switch (c->which) {
  case 0: PetscCall(PdAdd(v[0], v[1], out)); break;
  case 1: PetscCall(PdSub(v[0], v[1], out)); break;
  case 2: PetscCall(PdMul(v[0], v[1], out)); break;
  case 3: PetscCall(PdDiv(v[0], v[1], out)); break;
  case 4: PetscCall(PdConcat(v[0], v[1], c->dim, out)); break;
  }
  PetscFunctionReturn(0);
}

/* Pointwise functions: h = 1e-2 in float gives central-difference error O(h^2) ~ 1e-4 relative and
   rounding error ~ 1e-7/h ~ 1e-5, so 2e-3 is a tight bound; a wrong derivative is off by O(1). */
static void test_unary_gradients(void **state)
{
  const char *names[]  = {"tanh", "sin", "cos", "exp", "gelu", "relu", "softplus", "square", "scale", "add_scalar", "sum", "mean"};
  PetscInt    shape[3] = {2, 3, 5};
  PdTensor    x;
  PetscReal   err;
  for (int w = 0; w < 12; w++) {
    Ctx c = {w, 0, 0, 0};
    PDT(PdTensorCreate(3, shape, PETSC_FALSE, &x));
    FillRandom(x, 100 + w, -2.0f, 2.0f);
    if (w == 5) /* keep ReLU's inputs away from its kink at 0 */
      for (PetscInt i = 0; i < x->size; i++) x->data[i] += x->data[i] > 0 ? 0.1f : -0.1f;
    PDT(PdGradCheck(PETSC_COMM_SELF, BuildUnary, &c, 1, &x, 1e-2f, &err));
    if (err > 2e-3) fail_msg("gradient of %s: relative error %g", names[w], err);
    PDT(PdTensorDestroy(&x));
  }
}

static void test_reduce_and_layout_gradients(void **state)
{
  PetscInt  shape[4] = {2, 3, 4, 2};
  PdTensor  x;
  PetscReal err;
  PDT(PdTensorCreate(4, shape, PETSC_FALSE, &x));
  FillRandom(x, 7, -1.0f, 1.0f);
  for (int d = 0; d < 4; d++) {
    Ctx c = {12, d, 0, 0};
    PDT(PdGradCheck(PETSC_COMM_SELF, BuildUnary, &c, 1, &x, 1e-2f, &err));
    if (err > 2e-3) fail_msg("gradient of sum_dim(%d): %g", d, err);
    Ctx s = {13, d, 1, shape[d] - 1};
    PDT(PdGradCheck(PETSC_COMM_SELF, BuildUnary, &s, 1, &x, 1e-2f, &err));
    if (err > 2e-3) fail_msg("gradient of slice along %d: %g", d, err);
  }
  Ctx r = {14, 0, 0, 0};
  PDT(PdGradCheck(PETSC_COMM_SELF, BuildUnary, &r, 1, &x, 1e-2f, &err));
  assert_true(err < 2e-3);
  PDT(PdTensorDestroy(&x));
}

static void test_binary_gradients_broadcast(void **state)
{
  /* a is [2,3,4]; b is the same shape, its trailing [3,4], [4], or one element, in either order */
  PetscInt  sa[3]     = {2, 3, 4};
  PetscInt  sbs[4][3] = {{2, 3, 4}, {3, 4, 0}, {4, 0, 0}, {1, 0, 0}};
  int       nbs[4]    = {3, 2, 1, 1};
  PetscReal err;
  for (int which = 0; which < 4; which++) {
    for (int k = 0; k < 4; k++) {
      for (int swap = 0; swap < 2; swap++) {
        PdTensor v[2], a, b;
        Ctx      c = {which, 0, 0, 0};
        PDT(PdTensorCreate(3, sa, PETSC_FALSE, &a));
        PDT(PdTensorCreate(nbs[k], sbs[k], PETSC_FALSE, &b));
        FillRandom(a, 11 + k, 0.5f, 2.0f); /* positive and away from 0: division is smooth */
        FillRandom(b, 21 + k, 0.5f, 2.0f);
        v[0] = swap ? b : a;
        v[1] = swap ? a : b;
        PDT(PdGradCheck(PETSC_COMM_SELF, BuildBinary, &c, 2, v, 1e-2f, &err));
        if (err > 2e-3) fail_msg("binary op %d, broadcast case %d, swap %d: relative error %g", which, k, swap, err);
        PDT(PdTensorDestroy(&a));
        PDT(PdTensorDestroy(&b));
      }
    }
  }
}

static void test_concat_gradients(void **state)
{
  PetscInt  sa[3] = {2, 3, 4}, sb[3] = {2, 3, 4};
  PetscReal err;
  for (int d = 0; d < 3; d++) {
    PdTensor v[2];
    Ctx      c = {4, d, 0, 0};
    sb[0]      = 2;
    sb[1]      = 3;
    sb[2]      = 4;
    sb[d]      = 2;
    PDT(PdTensorCreate(3, sa, PETSC_FALSE, &v[0]));
    PDT(PdTensorCreate(3, sb, PETSC_FALSE, &v[1]));
    FillRandom(v[0], 1, -1, 1);
    FillRandom(v[1], 2, -1, 1);
    PDT(PdGradCheck(PETSC_COMM_SELF, BuildBinary, &c, 2, v, 1e-2f, &err));
    if (err > 2e-3) fail_msg("concat along %d: %g", d, err);
    PDT(PdTensorDestroy(&v[0]));
    PDT(PdTensorDestroy(&v[1]));
  }
}

/* Forward values against direct double-precision evaluation. */
static void test_forward_values(void **state)
{
  PdTape   tape;
  PdTensor x, y, z, s;
  PetscInt shape[2] = {3, 4}, row[1] = {4};
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 2, shape, &x));
  for (PetscInt i = 0; i < 12; i++) x->data[i] = -1.5f + 0.25f * (float)i;
  PDT(PdGelu(x, &y));
  for (PetscInt i = 0; i < 12; i++) {
    double v = x->data[i];
    PDT_CLOSE(y->data[i], 0.5 * v * (1 + erf(v / sqrt(2.0))), 1e-6);
  }
  PDT(PdSoftplus(x, &y));
  for (PetscInt i = 0; i < 12; i++) PDT_CLOSE(y->data[i], log1p(exp((double)x->data[i])), 1e-6);
  PDT(PdTapeInput(tape, 1, row, &z));
  for (PetscInt i = 0; i < 4; i++) z->data[i] = (float)(i + 1);
  PDT(PdDiv(x, z, &y)); /* [3,4] / [4] */
  for (PetscInt i = 0; i < 12; i++) PDT_CLOSE(y->data[i], (double)x->data[i] / (double)(i % 4 + 1), 1e-6);
  PDT(PdSumDim(x, 0, &s)); /* column sums */
  assert_int_equal(s->ndim, 1);
  assert_int_equal(s->shape[0], 4);
  for (PetscInt j = 0; j < 4; j++) PDT_CLOSE(s->data[j], x->data[j] + x->data[4 + j] + x->data[8 + j], 1e-6);
  PDT(PdMean(x, &s));
  PDT_CLOSE(s->data[0], (-1.5 + 0.25 * 5.5), 1e-6); /* mean of an arithmetic sequence */
  PDT(PdTapeDestroy(&tape));
}

/* GELU (src/ops/gelu.c, without erf) over 2^20 points of [-12, 12] and special values, against
   0.5 x erfc(-x / sqrt 2) in double: |error| <= 1.5e-7 |x| (libmvec's erff form reaches 1.5e-7 |x|),
   and exactly 0 from x = -8 down (-1e30 included);
   its derivative, which the fused channel mix keeps for backward (one channel, weight 1), within
   1e-6 of Phi(x) + x phi(x), with the same forward values as PdGelu. */
static void test_gelu_sweep(void **state)
{
  const PetscInt nsweep = 1 << 20, nspecial = 9, n = nsweep + nspecial;
  const float    special[9] = {0.0f, -0.0f, 8.0f, -8.0f, 7.9999995f, -7.9999995f, 1e30f, -1e30f, 1e-40f};
  PdTape         tape;
  PdTensor       x, xv, w, y, yk;
  PetscInt       shape[3] = {1, 1, n}, ws[2] = {1, 1};
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 3, shape, &x));
  PDT(PdTapeVariable(tape, 3, shape, &xv));
  for (PetscInt i = 0; i < nsweep; i++) x->data[i] = (float)(-12.0 + 24.0 * (double)i / (double)nsweep);
  for (PetscInt i = 0; i < nspecial; i++) x->data[nsweep + i] = special[i];
  PetscArraycpy(xv->data, x->data, n);
  PDT(PdGelu(x, &y));
  for (PetscInt i = 0; i < n; i++) {
    double v = x->data[i], g = 0.5 * v * erfc(-v * M_SQRT1_2);
    if (!(fabs(y->data[i] - g) <= 1.5e-7 * fabs(v))) fail_msg("gelu(%.9g) = %.9g, exact %.9g", v, (double)y->data[i], g);
    if (v <= -8 && y->data[i] != 0) fail_msg("gelu(%.9g) = %.9g, not 0 (the exact value is above -5e-15)", v, (double)y->data[i]);
  }
  PDT(PdTensorCreate(2, ws, PETSC_FALSE, &w));
  w->data[0] = 1.0f;
  PDT(PdChannelMixFused(xv, w, NULL, NULL, PETSC_TRUE, &yk));
  for (PetscInt i = 0; i < n; i++) yk->grad[i] = 1.0f;
  PDT(PdTapeBackwardSeeded(tape, yk));
  for (PetscInt i = 0; i < n; i++) {
    double v = x->data[i], d = 0.5 * erfc(-v * M_SQRT1_2) + v * exp(-0.5 * v * v) / sqrt(2 * PETSC_PI);
    if (!(fabs(yk->data[i] - y->data[i]) <= 1.2e-7 * fabs(y->data[i]))) fail_msg("gelu(%.9g): %.9g in the fused mix, %.9g in PdGelu", v, (double)yk->data[i], (double)y->data[i]);
    if (!(fabs(xv->grad[i] - d) <= 1e-6)) fail_msg("gelu'(%.9g) = %.9g, exact %.9g", v, (double)xv->grad[i], d);
  }
  x->data[0] = NAN;
  x->data[1] = INFINITY;
  x->data[2] = -INFINITY;
  PDT(PdGelu(x, &y));
  assert_true(isnan(y->data[0]));
  assert_true(isinf(y->data[1]) && y->data[1] > 0);
  assert_true(y->data[2] == 0); /* the limit, not inf * 0 */
  PDT(PdTensorDestroy(&w));
  PDT(PdTapeDestroy(&tape));
}

static void test_shape_errors(void **state)
{
  PdTape   tape;
  PdTensor a, b, c;
  PetscInt sa[2] = {3, 4}, sb[2] = {4, 3};
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 2, sa, &a));
  PDT(PdTapeInput(tape, 2, sb, &b));
  PDT_FAILS(PdAdd(a, b, &c));
  PDT_ERRMSG_HAS("[3,4]");
  PDT_ERRMSG_HAS("do not broadcast");
  PDT_FAILS(PdConcat(a, b, 0, &c));
  PDT_ERRMSG_HAS("PdConcat");
  PDT_FAILS(PdSlice(a, 1, 2, 3, &c));
  PDT_ERRMSG_HAS("outside dimension 1");
  PDT_FAILS(PdReshape(a, 1, sb, &c));
  PDT_ERRMSG_HAS("sizes differ");
  PDT_FAILS(PdSumDim(a, 2, &c));
  PDT(PdTapeDestroy(&tape));
}

/* Gradients flow to parameters (tape-less leaves) and accumulate across backward passes. */
static void test_parameter_accumulation(void **state)
{
  PdTape   tape;
  PdTensor w, x, y, l;
  PetscInt s[1] = {5};
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTensorCreate(1, s, PETSC_TRUE, &w));
  for (int i = 0; i < 5; i++) w->data[i] = 0.1f * (float)i;
  for (int pass = 1; pass <= 2; pass++) {
    PDT(PdTapeReset(tape));
    PDT(PdTapeInput(tape, 1, s, &x));
    for (int i = 0; i < 5; i++) x->data[i] = (float)(i + 1);
    PDT(PdMul(x, w, &y));
    PDT(PdSum(y, &l));
    PDT(PdTapeBackward(tape, l));
    for (int i = 0; i < 5; i++) PDT_CLOSE(w->grad[i], pass * (i + 1), 0); /* d/dw sum(x w) = x */
  }
  PDT(PdTensorDestroy(&w));
  PDT(PdTapeDestroy(&tape));
}

/* After the first pass of a given graph, reset + the same graph does not grow the arena. */
static void test_arena_reuse(void **state)
{
  PdTape   tape;
  PdTensor w, x, y, l;
  PetscInt s[2] = {256, 1000}, growths0, growths1;
  size_t   bytes0, bytes1;
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTensorCreate(2, s, PETSC_TRUE, &w));
  for (int it = 0; it < 5; it++) {
    PDT(PdTapeReset(tape));
    PDT(PdTapeInput(tape, 2, s, &x));
    PDT(PdMul(x, w, &y));
    for (int k = 0; k < 10; k++) PDT(PdTanh(y, &y));
    PDT(PdMean(y, &l));
    PDT(PdTapeBackward(tape, l));
    if (it == 0) PDT(PdTapeGetArenaSize(tape, &bytes0, &growths0));
  }
  PDT(PdTapeGetArenaSize(tape, &bytes1, &growths1));
  assert_true(growths0 >= 2); /* 256*1000*4 bytes, data and gradient, 12 tensors: several 4 MiB blocks */
  assert_int_equal(growths0, growths1);
  assert_true(bytes0 == bytes1);
  PDT(PdTensorDestroy(&w));
  PDT(PdTapeDestroy(&tape));
}

/* PdTapeRelease gives back what was allocated after the mark, also across a new block, and keeps what
   came before it; a mark taken before the arena's first block rewinds to that block's start */
static void test_arena_mark_release(void **state)
{
  PdTape       tape;
  PdTapeMark   mark;
  float       *a, *b, *c, *d, *e;
  const size_t na = 1 << 18, nb = 3 << 20; /* 1 MiB, then 12 MiB: past the first block */
  PetscInt     growths0, growths1;
  size_t       bytes0, bytes1;
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeGetMark(tape, &mark)); /* no block yet */
  PDT(PdTapeAllocUninit(tape, sizeof(float) * 100, (void **)&d));
  PDT(PdTapeRelease(tape, &mark));
  PDT(PdTapeAllocUninit(tape, sizeof(float) * 100, (void **)&e));
  assert_ptr_equal(d, e);
  PDT(PdTapeReset(tape));
  PDT(PdTapeAllocUninit(tape, sizeof(float) * na, (void **)&a));
  for (size_t i = 0; i < na; i++) a[i] = (float)i;
  PDT(PdTapeGetMark(tape, &mark));
  PDT(PdTapeAllocUninit(tape, sizeof(float) * nb, (void **)&b));
  for (size_t i = 0; i < nb; i++) b[i] = -1.0f;
  PDT(PdTapeGetArenaSize(tape, &bytes0, &growths0));
  PDT(PdTapeRelease(tape, &mark));
  PDT(PdTapeAllocUninit(tape, sizeof(float) * nb, (void **)&c));
  PDT(PdTapeGetArenaSize(tape, &bytes1, &growths1));
  assert_ptr_equal(b, c);               /* the released memory is reused */
  assert_int_equal(growths0, growths1); /* and the arena did not grow */
  assert_true(bytes0 == bytes1);
  for (size_t i = 0; i < na; i++) assert_true(a[i] == (float)i); /* what came before the mark is intact */
  PDT(PdTapeDestroy(&tape));
}

static void test_no_tape_error(void **state)
{
  PdTensor a, b;
  PetscInt s[1] = {3};
  PDT(PdTensorCreate(1, s, PETSC_TRUE, &a));
  PDT_FAILS(PdTanh(a, &b));
  PDT_ERRMSG_HAS("no tape");
  PDT(PdTensorDestroy(&a));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_unary_gradients),
  cmocka_unit_test(test_reduce_and_layout_gradients),
  cmocka_unit_test(test_binary_gradients_broadcast),
  cmocka_unit_test(test_concat_gradients),
  cmocka_unit_test(test_forward_values),
  cmocka_unit_test(test_gelu_sweep),
  cmocka_unit_test(test_shape_errors),
  cmocka_unit_test(test_parameter_accumulation),
  cmocka_unit_test(test_arena_reuse),
  cmocka_unit_test(test_arena_mark_release),
  cmocka_unit_test(test_no_tape_error),
};
PDT_MAIN("tensor", tests)
