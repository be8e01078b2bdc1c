/* Tests of the NOp model object with the mlp type: forward against a hand-written evaluation,
   parameter gradients against finite differences, options, and checkpoints that rebuild the model. */
#include "pdtest.h"

static PetscErrorCode MakeMLP(PetscInt in, PetscInt out, NOp *nop)
{
  const char *opts[][2] = {{"-mlp_width", "5"}, {"-mlp_depth", "2"}, {"-seed", "3"}};

  PetscFunctionBegin;
  PetscCall(PDT_NOP_FROM_OPTIONS(NOPMLP, opts, nop));
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
  PDT(PdParamsGetBufferSize(p, &n));
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
  PetscInt epoch;
  NOpType  type;
  PDT(MakeMLP(3, 2, &a));
  PDT(NOpSave(a, "nop_ckpt.h5", NULL, 7));
  PDT(NOpLoad(PETSC_COMM_SELF, "nop_ckpt.h5", &b, &epoch));
  assert_int_equal(epoch, 7);
  PDT(NOpGetType(b, &type));
  assert_string_equal(type, NOPMLP);
  pdt_assert_same_params(a, b);
  PDT(NOpDestroy(&a));
  PDT(NOpDestroy(&b));
}

/* The type-specific setters build the same model as the options (mlp: -mlp_width 5 -mlp_depth 2,
   seed 3; identical parameters); wrong values, a setter after set-up or on another type are errors;
   a learned_ic network reads -ic_width/-ic_layers and views itself. */
static void test_setters(void **state)
{
  const char *icopts[][2] = {{"-ic_width", "6"}, {"-ic_layers", "2"}};
  NOp         a, b, c;
  PetscInt    n, w, d, in = 3, out = 2;
  PDT(MakeMLP(in, out, &a));
  PDT(NOpCreate(PETSC_COMM_SELF, &b));
  PDT(NOpSetType(b, NOPMLP));
  PDT(NOpSetShapes(b, 1, &in, 1, &out));
  PDT(NOpSetSeed(b, 3));
  PDT(NOpMLPSetLayers(b, 5, 2));
  PDT(NOpMLPSetActivation(b, PD_ACT_TANH));
  PDT_FAILS(NOpMLPSetLayers(b, 0, 2));
  PDT_ERRMSG_HAS("-mlp_width");
  PDT(NOpMLPSetLayers(b, 5, 2));
  PDT(NOpSetUp(b));
  PDT_FAILS(NOpMLPSetActivation(b, PD_ACT_SIN));
  PDT_ERRMSG_HAS("already set up");
  PDT(NOpMLPGetLayers(b, &w, &d));
  assert_int_equal(w, 5);
  assert_int_equal(d, 2);
  pdt_assert_same_params(a, b);
  PDT_FAILS(NOpLearnedICSetLayers(b, 4, 1));
  PDT_ERRMSG_HAS("type learned_ic");
  PDT(NOpDestroy(&a));
  PDT(NOpDestroy(&b));

  PDT(PDT_NOP_FROM_OPTIONS(NOPLEARNEDIC, icopts, &c));
  PDT(NOpLearnedICGetLayers(c, &w, &d));
  assert_int_equal(w, 6);
  assert_int_equal(d, 2);
  PDT_FAILS(NOpSetShapes(c, 1, &in, 1, &out));
  PDT_ERRMSG_HAS("fixed shapes");
  PDT_FAILS(NOpLearnedICSetLayers(c, 2000, 1));
  PDT_ERRMSG_HAS("-ic_width");
  PDT(NOpGetParamCount(c, &n));
  assert_int_equal(n, 6 * 3 + 6 + 2 * (6 * 12 + 6) + 6 + 1 + 6 + 6 + 1); /* encoder, layers, heads */
  PDT(NOpDestroy(&c));
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

/* loss = sum(w * model(x)) for fixed w; returns it and (when grad) fills parameter gradients */
static double Loss(NOp nop, PdTape tape, PdTensor xs, const float *w, PetscBool grad)
{
  PdTensor x, y;
  double   l = 0;
  PdTapeReset(tape);
  PdTapeInput(tape, xs->ndim, xs->shape, &x);
  PetscArraycpy(x->data, xs->data, xs->size);
  assert_int_equal(NOpForward(nop, tape, x, &y), 0);
  for (PetscInt i = 0; i < y->size; i++) l += (double)w[i] * y->data[i];
  if (grad) {
    PdParams p;
    NOpGetParams(nop, &p);
    PdParamsZeroGrad(p);
    for (PetscInt i = 0; i < y->size; i++) y->grad[i] = w[i];
    assert_int_equal(PdTapeBackwardSeeded(tape, y), 0);
  }
  return l;
}

/* parameter gradients of a whole model against central differences on a sample of parameters */
static void CheckModelGradient(NOp nop, PdTensor xs, PetscInt outsize, const char *what)
{
  PdTape   tape;
  PdParams p;
  float   *d, *g, *w, *g0;
  PetscInt n;
  PdRng    rng;
  double   maxdiff = 0, maxg = 0;
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(NOpGetParams(nop, &p));
  PDT(PdParamsGetBufferSize(p, &n));
  PDT(PdParamsGetArrays(p, &d, &g));
  PDT(PetscMalloc2(outsize, &w, n, &g0));
  PDT(PdRngSeed(&rng, 99, 0));
  PDT(PdRngFillUniform(&rng, outsize, w, -1, 1));
  Loss(nop, tape, xs, w, PETSC_TRUE);
  PDT(PetscArraycpy(g0, g, n));
  for (PetscInt i = 0; i < n; i += PetscMax(1, n / 80)) {
    float  x0 = d[i];
    double h  = 1e-2, lp, lm;
    d[i]      = x0 + (float)h;
    lp        = Loss(nop, tape, xs, w, PETSC_FALSE);
    d[i]      = x0 - (float)h;
    lm        = Loss(nop, tape, xs, w, PETSC_FALSE);
    d[i]      = x0;
    maxdiff   = PetscMax(maxdiff, fabs((lp - lm) / (2 * h) - g0[i]));
    maxg      = PetscMax(maxg, fabs(g0[i]));
  }
  if (maxdiff > 5e-3 * (maxg + 1e-3)) fail_msg("%s: parameter gradient off by %g (largest %g)", what, maxdiff, maxg);
  PDT(PetscFree2(w, g0));
  PDT(PdTapeDestroy(&tape));
}

static NOp MakeModel(NOpType type, int nd, const PetscInt *in, const PetscInt *out, const char *o1, const char *v1, const char *o2, const char *v2)
{
  NOp nop;
  NOpCreate(PETSC_COMM_SELF, &nop);
  NOpSetType(nop, type);
  if (o1) PetscOptionsSetValue(NULL, o1, v1);
  if (o2) PetscOptionsSetValue(NULL, o2, v2);
  assert_int_equal(NOpSetFromOptions(nop), 0);
  if (o1) PetscOptionsClearValue(NULL, o1);
  if (o2) PetscOptionsClearValue(NULL, o2);
  NOpSetShapes(nop, nd, in, nd, out);
  assert_int_equal(NOpSetUp(nop), 0);
  return nop;
}

/* FNO: gradients in 1D and 2D, the same weights evaluate at another resolution, and a band-limited
   input sampled at two resolutions gives nearly the same output where the grids meet. */
static void test_fno(void **state)
{
  PetscInt in1[2] = {1, 16}, out1[2] = {2, 16}, in2[3] = {2, 12, 10}, out2[3] = {1, 12, 10};
  PetscInt xs1[3] = {2, 1, 16}, xs2[4] = {2, 2, 12, 10};
  NOp      f1 = MakeModel(NOPFNO, 2, in1, out1, "-fno_width", "4", "-fno_modes", "3");
  NOp      f2 = MakeModel(NOPFNO, 3, in2, out2, "-fno_width", "3", "-fno_modes", "2");
  PdTensor x1, x2;
  PdRng    rng;
  PDT(PdRngSeed(&rng, 5, 0));
  PDT(PdTensorCreate(3, xs1, PETSC_FALSE, &x1));
  PDT(PdTensorCreate(4, xs2, PETSC_FALSE, &x2));
  PDT(PdRngFillUniform(&rng, x1->size, x1->data, -1, 1));
  PDT(PdRngFillUniform(&rng, x2->size, x2->data, -1, 1));
  CheckModelGradient(f1, x1, 2 * 2 * 16, "FNO-1D");
  CheckModelGradient(f2, x2, 2 * 12 * 10, "FNO-2D");
  {
    PdTape   tape;
    PdTensor x, y;
    PetscInt big[4] = {1, 2, 24, 20};
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 4, big, &x));
    for (PetscInt i = 0; i < x->size; i++) x->data[i] = 0.1f;
    PDT(NOpForward(f2, tape, x, &y)); /* trained at 12x10, evaluated at 24x20 */
    assert_int_equal(y->shape[2], 24);
    assert_int_equal(y->shape[3], 20);
    PDT(PdTapeDestroy(&tape));
  }
  PDT(PdTensorDestroy(&x1));
  PDT(PdTensorDestroy(&x2));
  PDT(NOpDestroy(&f1));
  PDT(NOpDestroy(&f2));
}

static PdTensor ParamByName(NOp nop, const char *name)
{
  PdParams ps;
  PetscInt n;
  PDT(NOpGetParams(nop, &ps));
  PDT(PdParamsGetNumber(ps, &n));
  for (PetscInt k = 0; k < n; k++) {
    PdTensor  t;
    PetscBool same;
    PDT(PdParamsGetTensor(ps, k, &t));
    PDT(PetscStrcmp(t->name, name, &same));
    if (same) return t;
  }
  fail_msg("no parameter %s", name);
  return NULL;
}

/* The FNO forward written with the unfused ops it was first built from (PdChannelMix, PdAdd, PdGelu:
   the implementation before the fused channel mix), in the [B,C,grid] layout (the model works in the
   channel-major [C,B,grid] one), on the model's own parameters, with its parameter names: the model
   must give the same output and the same parameter gradients. */
static void test_fno_reference(void **state)
{
  PetscInt in1[2] = {1, 16}, out1[2] = {2, 16}, in2[3] = {2, 12, 10}, out2[3] = {1, 12, 10};
  PetscInt xs1[3] = {2, 1, 16}, xs2[4] = {2, 2, 12, 10};
  for (int sd = 1; sd <= 2; sd++) {
    NOp       f = sd == 1 ? MakeModel(NOPFNO, 2, in1, out1, "-fno_width", "4", "-fno_modes", "3") : MakeModel(NOPFNO, 3, in2, out2, "-fno_width", "3", "-fno_modes", "2");
    PdTape    tape, rtape;
    PdTensor  x, xr, g, h, s, p, y, r, lf, lr;
    PdParams  ps;
    PetscInt  np, gs[4], L = 4, H, W;
    float    *pd, *pg, *g1;
    PetscInt *sh = sd == 1 ? xs1 : xs2;
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, sd + 2, sh, &x));
    for (PetscInt i = 0; i < x->size; i++) x->data[i] = (float)sin(0.37 * i) + 0.5f;
    PDT(NOpGetParams(f, &ps));
    PDT(PdParamsGetBufferSize(ps, &np));
    PDT(PdParamsGetArrays(ps, &pd, &pg));
    PDT(PdParamsZeroGrad(ps));
    PDT(NOpForward(f, tape, x, &y));
    PDT(PdSum(y, &lf));
    PDT(PdTapeBackward(tape, lf));
    PDT(PetscMalloc1(np, &g1));
    PetscArraycpy(g1, pg, np);
    /* reference, on its own tape: grid channels, lift, L Fourier layers, projection */
    PDT(PdTapeCreate(PETSC_COMM_SELF, &rtape));
    PDT(PdTapeInput(rtape, sd + 2, sh, &xr));
    PetscArraycpy(xr->data, x->data, x->size);
    H     = sd == 2 ? sh[2] : 1;
    W     = sh[sd + 1];
    gs[0] = sh[0];
    gs[1] = sd;
    gs[2] = sh[2];
    gs[3] = sd == 2 ? sh[3] : 0;
    PDT(PdTapeInput(rtape, sd + 2, gs, &g));
    for (PetscInt b = 0; b < sh[0]; b++)
      for (PetscInt j = 0; j < H; j++)
        for (PetscInt i = 0; i < W; i++) {
          if (sd == 1) g->data[b * W + i] = (float)i / (float)(W - 1);
          else {
            g->data[((b * 2) * H + j) * W + i]     = (float)j / (float)(H - 1);
            g->data[((b * 2 + 1) * H + j) * W + i] = (float)i / (float)(W - 1);
          }
        }
    PDT(PdConcat(xr, g, 1, &h));
    PDT(PdChannelMix(h, ParamByName(f, "lift.weight"), ParamByName(f, "lift.bias"), &h));
    for (PetscInt l = 0; l < L; l++) {
      char n1[64], n2[64], n3[64];
      PetscSNPrintf(n1, sizeof(n1), "layer%" PetscInt_FMT ".spectral", l);
      PetscSNPrintf(n2, sizeof(n2), "layer%" PetscInt_FMT ".pointwise.weight", l);
      PetscSNPrintf(n3, sizeof(n3), "layer%" PetscInt_FMT ".pointwise.bias", l);
      PDT(PdSpectralConv(h, ParamByName(f, n1), &s));
      PDT(PdChannelMix(h, ParamByName(f, n2), ParamByName(f, n3), &p));
      PDT(PdAdd(s, p, &h));
      if (l < L - 1) PDT(PdGelu(h, &h));
    }
    PDT(PdChannelMix(h, ParamByName(f, "proj1.weight"), ParamByName(f, "proj1.bias"), &h));
    PDT(PdGelu(h, &h));
    PDT(PdChannelMix(h, ParamByName(f, "proj2.weight"), ParamByName(f, "proj2.bias"), &r));
    assert_true(PdShapeEqual(y, r));
    {
      double dy = 0, dg = 0, gmax = 0;
      for (PetscInt i = 0; i < y->size; i++) PDT_CLOSE(y->data[i], r->data[i], 1e-5);
      for (PetscInt i = 0; i < y->size; i++) dy = PetscMax(dy, PetscAbsReal(y->data[i] - r->data[i]));
      PDT(PdParamsZeroGrad(ps));
      PDT(PdSum(r, &lr));
      PDT(PdTapeBackward(rtape, lr));
      for (PetscInt i = 0; i < np; i++) PDT_CLOSE(g1[i], pg[i], 1e-4);
      for (PetscInt i = 0; i < np; i++) dg = PetscMax(dg, PetscAbsReal(g1[i] - pg[i]));
      for (PetscInt i = 0; i < np; i++) gmax = PetscMax(gmax, PetscAbsReal(pg[i]));
      print_message("FNO-%dD against the reference in the [B,C,grid] layout: max |output difference| %.3g, max |gradient difference| %.3g (largest gradient entry %.3g)\n", sd, dy, dg, gmax);
    }
    PDT(PetscFree(g1));
    PDT(PdTapeDestroy(&tape));
    PDT(PdTapeDestroy(&rtape));
    PDT(NOpDestroy(&f));
  }
}

static void test_deeponet(void **state)
{
  PetscInt in[2] = {1, 12}, out[2] = {1, 12}, xs[3] = {3, 1, 12};
  /* tanh: ReLU's kinks would make central differences unreliable, not the backward */
  NOp      d = MakeModel(NOPDEEPONET, 2, in, out, "-deeponet_activation", "tanh", "-deeponet_p", "5");
  PdTensor x;
  PdRng    rng;
  PDT(PdRngSeed(&rng, 6, 0));
  PDT(PdTensorCreate(3, xs, PETSC_FALSE, &x));
  PDT(PdRngFillUniform(&rng, x->size, x->data, -1, 1));
  CheckModelGradient(d, x, 3 * 12, "DeepONet");
  PDT(PdTensorDestroy(&x));
  PDT(NOpDestroy(&d));
}

/* MgNO: parameter gradients through the V-cycle (restriction, prolongation, smoothers), the output
   grid equals the input grid, and a grid that does not coarsen is refused */
static void test_mgno(void **state)
{
  PetscInt in[3] = {1, 9, 9}, out[3] = {1, 9, 9}, xs[4] = {2, 1, 9, 9};
  NOp      m = MakeModel(NOPMGNO, 3, in, out, "-mgno_width", "3", "-mgno_levels", "3");
  PdTensor x;
  PdRng    rng;
  PdTape   tape;
  PdTensor xi, y;
  PetscInt bad[4] = {1, 1, 3, 3};
  PDT(PdRngSeed(&rng, 8, 0));
  PDT(PdTensorCreate(4, xs, PETSC_FALSE, &x));
  PDT(PdRngFillUniform(&rng, x->size, x->data, -1, 1));
  CheckModelGradient(m, x, 2 * 81, "MgNO");
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 4, bad, &xi));
  PDT_FAILS(NOpForward(m, tape, xi, &y));
  PDT_ERRMSG_HAS("Lower -mgno_levels");
  PDT(PdTapeDestroy(&tape));
  PDT(PdTensorDestroy(&x));
  PDT(NOpDestroy(&m));
  { /* 3 levels on sides that do not coarsen exactly (10 -> 5 -> 3, 7 -> 4 -> 2), two smoothing steps per level */
    PetscInt in2[3] = {1, 10, 7}, xs2[4] = {2, 1, 10, 7};
    NOp      m2 = MakeModel(NOPMGNO, 3, in2, in2, "-mgno_width", "3", "-mgno_smooth", "2");
    PDT(PdTensorCreate(4, xs2, PETSC_FALSE, &x));
    PDT(PdRngFillUniform(&rng, x->size, x->data, -1, 1));
    CheckModelGradient(m2, x, 2 * 70, "MgNO on 10 x 7");
    PDT(PdTensorDestroy(&x));
    PDT(NOpDestroy(&m2));
  }
}

/* normalisation: the model sees (x - m)/s and its output is scaled back; a checkpoint keeps it */
static void test_normalization(void **state)
{
  PetscInt in[2] = {2, 8}, out[2] = {1, 8}, xs[3] = {2, 2, 8};
  NOp      a     = MakeModel(NOPFNO, 2, in, out, "-fno_width", "3", "-fno_modes", "2"), b;
  double   im[2] = {1.5, -2}, is[2] = {2, 0.5}, om[1] = {3}, os[1] = {0.25};
  PdTape   tape;
  PdTensor x, xn, ya, yb;
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 3, xs, &x));
  PDT(PdTapeInput(tape, 3, xs, &xn));
  for (PetscInt i = 0; i < x->size; i++) {
    x->data[i]  = (float)sin(i);
    xn->data[i] = (float)((x->data[i] - im[(i / 8) % 2]) / is[(i / 8) % 2]);
  }
  PDT(NOpForward(a, tape, xn, &ya)); /* plain model on normalised input */
  PDT(NOpSetNormalization(a, im, is, om, os));
  PDT(NOpForward(a, tape, x, &yb));
  for (PetscInt i = 0; i < ya->size; i++) PDT_CLOSE(yb->data[i], ya->data[i] * 0.25 + 3, 1e-5);
  PDT(NOpSave(a, "nop_norm.h5", NULL, 0));
  PDT(NOpLoad(PETSC_COMM_SELF, "nop_norm.h5", &b, NULL));
  PDT(NOpForward(b, tape, x, &ya));
  for (PetscInt i = 0; i < ya->size; i++) assert_true(ya->data[i] == yb->data[i]);
  PDT(PdTapeDestroy(&tape));
  PDT(NOpDestroy(&a));
  PDT(NOpDestroy(&b));
}

/* a model whose outputs overflow (a normalisation that scales inputs past float's range) makes
   NOpPredict an error naming the cause, never NaN written as a prediction; non-finite normalisation
   statistics are refused */
static void test_predict_nonfinite(void **state)
{
  PetscInt  in[2] = {2, 8}, out[2] = {1, 8};
  NOp       a     = MakeModel(NOPFNO, 2, in, out, "-fno_width", "3", "-fno_modes", "2");
  double    im[2] = {0, 0}, is[2] = {1e-37, 1e-37}, om[1] = {0}, os[1] = {1}, bad[2] = {INFINITY, 0};
  float     x[2 * 2 * 8];
  PdDataset ds, pred;
  PDT(PetscMemzero(&ds, sizeof(ds)));
  for (int i = 0; i < 32; i++) x[i] = 1e3f * (float)(1 + i % 5);
  ds.N           = 2;
  ds.in_ndim     = 3;
  ds.in_shape[0] = 2, ds.in_shape[1] = 2, ds.in_shape[2] = 8;
  ds.in_size = 16;
  ds.inputs  = x;
  PDT(NOpPredict(a, &ds, 2, &pred)); /* finite as it is */
  PDT(PetscFree(pred.outputs));
  PDT(NOpSetNormalization(a, im, is, om, os));
  PDT_FAILS(NOpPredict(a, &ds, 2, &pred));
  PDT_ERRMSG_HAS("NaN or Inf");
  PDT_FAILS(NOpSetNormalization(a, bad, is, om, os));
  PDT_ERRMSG_HAS("must be finite");
  PDT(NOpDestroy(&a));
}

/* -mgno_linear (with -mgno_post_smoothing): y(a x1 + b x2) = a y(x1) + b y(x2) to float rounding
   (the default MgNO is not), gradients, and a checkpoint that rebuilds the same linear map */
static PetscErrorCode MgNOApply(NOp m, PdTape tape, const float *x, PetscInt n, float *y)
{
  PdTensor xi, yo;
  PetscInt s[4] = {1, 1, 9, 9};

  PetscFunctionBegin;
  PetscCall(PdTapeReset(tape));
  PetscCall(PdTapeInput(tape, 4, s, &xi));
  PetscCall(PetscArraycpy(xi->data, x, n));
  PetscCall(NOpForward(m, tape, xi, &yo));
  PetscCall(PetscArraycpy(y, yo->data, n));
  PetscFunctionReturn(0);
}

static void test_mgno_linear(void **state)
{
  PetscInt in[3] = {1, 9, 9}, out[3] = {1, 9, 9}, xs[4] = {2, 1, 9, 9}, epoch;
  float    x1[81], x2[81], xc[81], y1[81], y2[81], yc[81], z[81];
  PdRng    rng;
  PdTape   tape;
  PdTensor x;
  PDT(PdRngSeed(&rng, 12, 0));
  PDT(PdRngFillUniform(&rng, 81, x1, -1, 1));
  PDT(PdRngFillUniform(&rng, 81, x2, -1, 1));
  for (PetscInt i = 0; i < 81; i++) xc[i] = 0.7f * x1[i] - 1.3f * x2[i];
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  for (int linear = 1; linear >= 0; linear--) {
    NOp m, l;
    if (linear) PDT(PetscOptionsSetValue(NULL, "-mgno_post_smoothing", "true")); /* V(1,1) cycles */
    m = MakeModel(NOPMGNO, 3, in, out, "-mgno_width", "2", "-mgno_linear", linear ? "true" : "false");
    PDT(PetscOptionsClearValue(NULL, "-mgno_post_smoothing"));
    double err = 0, scale = 0;
    PDT(MgNOApply(m, tape, x1, 81, y1));
    PDT(MgNOApply(m, tape, x2, 81, y2));
    PDT(MgNOApply(m, tape, xc, 81, yc));
    for (PetscInt i = 0; i < 81; i++) {
      err   = PetscMax(err, fabs(yc[i] - (0.7 * y1[i] - 1.3 * y2[i])));
      scale = PetscMax(scale, fabs(yc[i]));
    }
    print_message("MgNO%s: superposition error %.3g (output scale %.3g)\n", linear ? " -mgno_linear" : "", err, scale);
    if (linear) {
      if (!(err <= 1e-5 * scale)) fail_msg("the linear MgNO breaks superposition by %g (scale %g)", err, scale);
      PDT(PetscArrayzero(z, 81));
      PDT(MgNOApply(m, tape, z, 81, y1));
      for (PetscInt i = 0; i < 81; i++) assert_true(y1[i] == 0);
      PDT(PdTensorCreate(4, xs, PETSC_FALSE, &x));
      PDT(PdRngFillUniform(&rng, x->size, x->data, -1, 1));
      CheckModelGradient(m, x, 2 * 81, "linear MgNO");
      PDT(PdTensorDestroy(&x));
      PDT(NOpSave(m, "mgno_linear.h5", NULL, 1));
      PDT(NOpLoad(PETSC_COMM_SELF, "mgno_linear.h5", &l, &epoch));
      PDT(MgNOApply(m, tape, xc, 81, y1));
      PDT(MgNOApply(l, tape, xc, 81, y2));
      for (PetscInt i = 0; i < 81; i++) assert_true(y1[i] == y2[i]);
      PDT(NOpDestroy(&l));
      remove("mgno_linear.h5");
    } else if (!(err > 1e-3 * scale)) fail_msg("the default MgNO looks linear (superposition error %g)", err);
    PDT(NOpDestroy(&m));
  }
  PDT(PdTapeDestroy(&tape));
}

/* The linear MgNO's inference path (a tape without gradients) folds its first and last finest-level
   convolutions into the lift and the projection: the same map as the recorded path, to float rounding,
   in 2D and 3D, with one or two layers, with and without post-smoothing and extra smoothing steps, for
   one and for two input and output channels (the second method is the unfolded forward itself) */
static void test_mgno_fold(void **state)
{
  PdRng  rng;
  PdTape tape;
  PDT(PdRngSeed(&rng, 17, 0));
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  for (int nd = 2; nd <= 3; nd++)
    for (int c = 1; c <= 2; c++)
      for (int layers = 1; layers <= 2; layers++)
        for (int post = 0; post < 2; post++)
          for (int smooth = 1; smooth <= 2; smooth++) {
            PetscInt  io[4] = {c, 9, 9, 7}, xs[5] = {1, c, 9, 9, 7};
            NOp       m;
            PdTensor  x, y;
            float    *y0;
            double    err = 0, scale = 0;
            char      sl[8], ss[8];
            PetscBool grad;
            PDT(PetscSNPrintf(sl, sizeof(sl), "%d", layers));
            PDT(PetscSNPrintf(ss, sizeof(ss), "%d", smooth));
            PDT(PetscOptionsSetValue(NULL, "-mgno_post_smoothing", post ? "true" : "false"));
            PDT(PetscOptionsSetValue(NULL, "-mgno_layers", sl));
            PDT(PetscOptionsSetValue(NULL, "-mgno_smooth", ss));
            m = MakeModel(NOPMGNO, nd + 1, io, io, "-mgno_width", "4", "-mgno_linear", "true");
            PDT(PetscOptionsClearValue(NULL, "-mgno_post_smoothing"));
            PDT(PetscOptionsClearValue(NULL, "-mgno_layers"));
            PDT(PetscOptionsClearValue(NULL, "-mgno_smooth"));
            PDT(PetscMalloc1(c * 9 * 9 * 7, &y0));
            for (int g = 1; g >= 0; g--) { /* recorded (gradients on), then folded */
              PDT(PdTapeReset(tape));
              PDT(PdTapeSetGradEnabled(tape, (PetscBool)g));
              PDT(PdTapeInput(tape, nd + 2, xs, &x));
              PDT(PdRngSeed(&rng, 17, 0));
              PDT(PdRngFillUniform(&rng, x->size, x->data, -1, 1));
              PDT(NOpForward(m, tape, x, &y));
              PDT(PdTapeGetGradEnabled(tape, &grad));
              assert_int_equal(grad, g);
              /* with post-smoothing the folded output comes from the composed convolution, else from the projection */
              assert_int_equal(y->op, !g && post ? PD_OP_CONV3X3 : PD_OP_CHANNEL_MIX);
              if (g) PDT(PetscArraycpy(y0, y->data, y->size));
              else
                for (PetscInt i = 0; i < y->size; i++) {
                  err   = PetscMax(err, fabs(y->data[i] - y0[i]));
                  scale = PetscMax(scale, fabs(y0[i]));
                }
            }
            if (!(err <= 2e-6 * scale && scale > 0)) fail_msg("folded linear MgNO (%dD, %d channels, %d layers, post %d, smooth %d) differs by %g (scale %g)", nd, c, layers, post, smooth, err, scale);
            PDT(PetscFree(y0));
            PDT(NOpDestroy(&m));
          }
  PDT(PdTapeSetGradEnabled(tape, PETSC_TRUE));
  PDT(PdTapeDestroy(&tape));
}

/* 3D MgNO: on a grid one point deep, the 3x3x3 kernels' outer depth slices meet only the zero
   padding, so a 3D model whose centre slices hold a 2D model's weights is that 2D model (the second
   method); then gradients on a genuinely 3D grid, and the grid check on the depth */
static void test_mgno3d(void **state)
{
  PetscInt in2[3] = {1, 9, 9}, in3[4] = {1, 1, 9, 9}, s2[4] = {1, 1, 9, 9}, s3[5] = {1, 1, 1, 9, 9};
  PetscInt g3[4] = {1, 5, 5, 9}, xs[5] = {2, 1, 5, 5, 9}, bad[5] = {1, 1, 4, 5, 9};
  PdRng    rng;
  PdTape   tape;
  PdTensor x2, x3, y2, y3, x;
  PDT(PdRngSeed(&rng, 31, 0));
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  for (int linear = 0; linear < 2; linear++) {
    NOp      m2, m3;
    PdParams p2, p3;
    PetscInt np;
    double   err = 0, scale = 0;
    PDT(PetscOptionsSetValue(NULL, "-mgno_post_smoothing", "true"));
    m2 = MakeModel(NOPMGNO, 3, in2, in2, "-mgno_width", "3", "-mgno_linear", linear ? "true" : "false");
    m3 = MakeModel(NOPMGNO, 4, in3, in3, "-mgno_width", "3", "-mgno_linear", linear ? "true" : "false");
    PDT(PetscOptionsClearValue(NULL, "-mgno_post_smoothing"));
    PDT(NOpGetParams(m2, &p2));
    PDT(NOpGetParams(m3, &p3));
    PDT(PdParamsGetNumber(p2, &np));
    for (PetscInt i = 0; i < np; i++) {
      PdTensor t2, t3;
      PDT(PdParamsGetTensor(p2, i, &t2));
      PDT(PdParamsGetTensor(p3, i, &t3));
      if (t3->ndim == 5) /* [o, c, 3, 3, 3] <- [o, c, 3, 3] in the centre slice kz = 1 */
        for (PetscInt oc = 0; oc < t2->shape[0] * t2->shape[1]; oc++) PDT(PetscArraycpy(t3->data + oc * 27 + 9, t2->data + oc * 9, 9));
      else if (t3->size != t2->size) { /* the lift: input channel, then the coordinates z (0 here), y, x */
        PetscInt w = t2->shape[0], c2 = t2->shape[1], c3 = t3->shape[1];
        assert_int_equal(c3, c2 + 1);
        for (PetscInt o = 0; o < w; o++) {
          t3->data[o * c3]     = t2->data[o * c2];
          t3->data[o * c3 + 2] = t2->data[o * c2 + 1];
          t3->data[o * c3 + 3] = t2->data[o * c2 + 2];
        }
      } else PDT(PetscArraycpy(t3->data, t2->data, t2->size));
    }
    PDT(PdTapeReset(tape));
    PDT(PdTapeInput(tape, 4, s2, &x2));
    PDT(PdTapeInput(tape, 5, s3, &x3));
    PDT(PdRngFillUniform(&rng, x2->size, x2->data, -1, 1));
    PDT(PetscArraycpy(x3->data, x2->data, x2->size));
    PDT(NOpForward(m2, tape, x2, &y2));
    PDT(NOpForward(m3, tape, x3, &y3));
    assert_int_equal(y3->ndim, 5);
    assert_int_equal(y3->size, y2->size);
    for (PetscInt i = 0; i < y2->size; i++) {
      err   = PetscMax(err, fabs(y3->data[i] - y2->data[i]));
      scale = PetscMax(scale, fabs(y2->data[i]));
    }
    if (!(err <= 1e-5 * scale && scale > 0)) fail_msg("3D MgNO%s on one plane differs from the 2D one by %g (scale %g)", linear ? " (linear)" : "", err, scale);
    PDT(NOpDestroy(&m2));
    PDT(NOpDestroy(&m3));
  }
  {
    NOp m = MakeModel(NOPMGNO, 4, g3, g3, "-mgno_width", "2", "-mgno_levels", "3");
    PDT(PdTensorCreate(5, xs, PETSC_FALSE, &x));
    PDT(PdRngFillUniform(&rng, x->size, x->data, -1, 1));
    CheckModelGradient(m, x, x->size, "3D MgNO");
    PDT(PdTensorDestroy(&x));
    PDT(PdTapeReset(tape));
    PDT(PdTapeInput(tape, 5, bad, &x3));
    PDT_FAILS(NOpForward(m, tape, x3, &y3));
    PDT_ERRMSG_HAS("side of 4");
    PDT(NOpDestroy(&m));
  }
  PDT(PdTapeDestroy(&tape));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_mlp_forward), cmocka_unit_test(test_mlp_param_gradients), cmocka_unit_test(test_checkpoint_roundtrip), cmocka_unit_test(test_setters), cmocka_unit_test(test_bad_options), cmocka_unit_test(test_fno), cmocka_unit_test(test_fno_reference), cmocka_unit_test(test_deeponet), cmocka_unit_test(test_normalization), cmocka_unit_test(test_predict_nonfinite), cmocka_unit_test(test_mgno), cmocka_unit_test(test_mgno_linear), cmocka_unit_test(test_mgno_fold), cmocka_unit_test(test_mgno3d)};
PDT_MAIN("nop", tests)
