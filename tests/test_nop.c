/* Tests of the NOp model object with the mlp type: forward against a hand-written evaluation,
   parameter gradients against finite differences, options, and checkpoints that rebuild the model. */
#include "pdtest.h"

static PetscErrorCode MakeMLP(PetscInt in, PetscInt out, NOp *nop)
{
  PetscFunctionBegin;
  PetscCall(NOpCreate(PETSC_COMM_SELF, nop));
  PetscCall(NOpSetType(*nop, NOPMLP));
  PetscCall(PetscOptionsSetValue(NULL, "-mlp_width", "5"));
  PetscCall(PetscOptionsSetValue(NULL, "-mlp_depth", "2"));
  PetscCall(PetscOptionsSetValue(NULL, "-seed", "3"));
  PetscCall(NOpSetFromOptions(*nop));
  PetscCall(PetscOptionsClearValue(NULL, "-mlp_width"));
  PetscCall(PetscOptionsClearValue(NULL, "-mlp_depth"));
  PetscCall(PetscOptionsClearValue(NULL, "-seed"));
  PetscCall(NOpSetShapes(*nop, 1, &in, 1, &out));
  PetscCall(NOpSetUp(*nop));
  PetscFunctionReturn(0);
}

/* y = W2 tanh(W1 tanh(W0 x + b0) + b1) + b2, evaluated in double from the parameter arrays */
static double ManualMLP(PdParams p, const float *x, PetscInt in, PetscInt k)
{
  PdTensor W[3], b[3];
  double   h[3][8] = {{0}}, a[8];
  PetscInt width   = 5;
  for (PetscInt l = 0; l < 3; l++) {
    PdParamsGetTensor(p, 2 * l, &W[l]);
    PdParamsGetTensor(p, 2 * l + 1, &b[l]);
  }
  for (PetscInt i = 0; i < in; i++) a[i] = x[i];
  for (PetscInt l = 0; l < 3; l++) {
    PetscInt fin = l ? width : in, fout = W[l]->shape[0];
    for (PetscInt o = 0; o < fout; o++) {
      double s = b[l]->data[o];
      for (PetscInt i = 0; i < fin; i++) s += (double)W[l]->data[o * fin + i] * a[i];
      h[l][o] = l < 2 ? tanh(s) : s;
    }
    for (PetscInt o = 0; o < fout; o++) a[o] = h[l][o];
  }
  return a[k];
}

static void test_mlp_forward(void **state)
{
  NOp      nop;
  PdTape   tape;
  PdTensor x, y;
  PdParams p;
  PetscInt shape[2] = {4, 3}, n;
  PDT(MakeMLP(3, 2, &nop));
  PDT(NOpGetParams(nop, &p));
  PDT(PdParamsGetNumber(p, &n));
  assert_int_equal(n, 6);
  PDT(NOpGetParamCount(nop, &n));
  assert_int_equal(n, 3 * 5 + 5 + 5 * 5 + 5 + 5 * 2 + 2);
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 2, shape, &x));
  for (PetscInt i = 0; i < 12; i++) x->data[i] = 0.3f * (float)i - 1.0f;
  /* biases start at zero; give them values so the check covers them */
  for (PetscInt l = 0; l < 3; l++) {
    PdTensor b;
    PDT(PdParamsGetTensor(p, 2 * l + 1, &b));
    for (PetscInt i = 0; i < b->size; i++) b->data[i] = 0.1f * (float)(i + l);
  }
  PDT(NOpForward(nop, tape, x, &y));
  assert_int_equal(y->ndim, 2);
  assert_int_equal(y->shape[1], 2);
  for (PetscInt s = 0; s < 4; s++)
    for (PetscInt k = 0; k < 2; k++) PDT_CLOSE(y->data[2 * s + k], ManualMLP(p, x->data + 3 * s, 3, k), 1e-5);
  PDT(PdTapeDestroy(&tape));
  PDT(NOpDestroy(&nop));
}

/* d loss / d params by backward against central differences on every parameter (in float, h=1e-2). */
static void test_mlp_param_gradients(void **state)
{
  NOp      nop;
  PdTape   tape;
  PdTensor x, y, t, l;
  PdParams p;
  float   *data, *grad, *g0;
  PetscInt shape[2] = {3, 2}, n;
  double   maxdiff = 0, maxg = 0;
  PDT(MakeMLP(2, 1, &nop));
  PDT(NOpGetParams(nop, &p));
  PDT(PdParamsGetSize(p, &n));
  PDT(PdParamsGetArrays(p, &data, &grad));
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PetscMalloc1(n, &g0));
  for (int pass = -1; pass < 2 * n; pass++) {
    double lv;
    float  save = 0;
    if (pass >= 0) {
      save = data[pass / 2];
      data[pass / 2] += (pass % 2 ? -1e-2f : 1e-2f);
    }
    PDT(PdTapeReset(tape));
    PDT(PdTapeInput(tape, 2, shape, &x));
    PetscInt ts[2] = {3, 1};
    PDT(PdTapeInput(tape, 2, ts, &t));
    for (PetscInt i = 0; i < 6; i++) x->data[i] = 0.4f * (float)i - 1.0f;
    for (PetscInt i = 0; i < 3; i++) t->data[i] = (float)i - 1.0f;
    PDT(NOpForward(nop, tape, x, &y));
    PDT(PdSub(y, t, &y));
    PDT(PdSquare(y, &y));
    PDT(PdSum(y, &l));
    lv = l->data[0];
    if (pass < 0) {
      PDT(PdParamsZeroGrad(p));
      PDT(PdTapeBackward(tape, l));
      PDT(PetscArraycpy(g0, grad, n));
    } else {
      static double lp;
      data[pass / 2] = save;
      if (pass % 2 == 0) lp = lv;
      else {
        double fd = (lp - lv) / 2e-2;
        maxdiff   = PetscMax(maxdiff, fabs(fd - g0[pass / 2]));
        maxg      = PetscMax(maxg, fabs(fd));
      }
    }
  }
  if (maxdiff > 2e-3 * (maxg + 1e-3)) fail_msg("MLP parameter gradient off by %g (max %g)", maxdiff, maxg);
  PDT(PetscFree(g0));
  PDT(PdTapeDestroy(&tape));
  PDT(NOpDestroy(&nop));
}

static void test_checkpoint_roundtrip(void **state)
{
  NOp      a, b;
  PdParams pa, pb;
  float   *da, *db, *g;
  PetscInt na, nb, epoch;
  NOpType  type;
  PDT(MakeMLP(3, 2, &a));
  PDT(NOpSave(a, "nop_ckpt.h5", NULL, 7));
  PDT(NOpLoad(PETSC_COMM_SELF, "nop_ckpt.h5", &b, &epoch));
  assert_int_equal(epoch, 7);
  PDT(NOpGetType(b, &type));
  assert_string_equal(type, NOPMLP);
  PDT(NOpGetParams(a, &pa));
  PDT(NOpGetParams(b, &pb));
  PDT(PdParamsGetSize(pa, &na));
  PDT(PdParamsGetSize(pb, &nb));
  assert_int_equal(na, nb);
  PDT(PdParamsGetArrays(pa, &da, &g));
  PDT(PdParamsGetArrays(pb, &db, &g));
  for (PetscInt i = 0; i < na; i++) assert_true(da[i] == db[i]);
  PDT(NOpDestroy(&a));
  PDT(NOpDestroy(&b));
}

static void test_bad_options(void **state)
{
  NOp nop;
  PDT(NOpCreate(PETSC_COMM_SELF, &nop));
  PDT_FAILS(NOpSetType(nop, "transformer"));
  PDT_ERRMSG_HAS("Unknown model type 'transformer'");
  PDT_ERRMSG_HAS("mlp");
  PDT(PetscOptionsSetValue(NULL, "-mlp_width", "0"));
  PDT_FAILS(NOpSetFromOptions(nop));
  PDT_ERRMSG_HAS("-mlp_width");
  PDT(PetscOptionsClearValue(NULL, "-mlp_width"));
  PDT_FAILS(NOpSetUp(nop)); /* no shapes */
  PDT_ERRMSG_HAS("shapes");
  PDT(NOpDestroy(&nop));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_mlp_forward), cmocka_unit_test(test_mlp_param_gradients), cmocka_unit_test(test_checkpoint_roundtrip), cmocka_unit_test(test_bad_options)};
PDT_MAIN("nop", tests)
