/* Tests of Taylor mode: the fused jet activation and column gather against finite differences,
   jets of order 1-4 of small networks against double-precision finite differences and closed forms,
   weight gradients of jet-based outputs, and unbiasedness of the Laplacian and biharmonic estimators. */
#include "pdtest.h"
#include <pdeop/jet.h>

static const char *acts[] = {"tanh", "sin", "softplus", "gelu"};

static void FillRandom(float *x, PetscInt n, uint64_t seed, float lo, float hi)
{
  PdRng r;
  PdRngSeed(&r, seed, 5);
  PdRngFillUniform(&r, n, x, lo, hi);
}

/* an mlp NOp d -> width (depth hidden layers, act) -> 1 with random weights and biases */
static PetscErrorCode MakeNet(PetscInt d, PetscInt width, PetscInt depth, const char *act, uint64_t seed, float scale, NOp *nop)
{
  const PetscInt out = 1;
  PetscInt       a;
  PetscBool      found;
  float         *data, *grad;
  PetscInt       n;

  PetscFunctionBegin;
  PetscCall(PetscEnumFind(PdActivations, act, (PetscEnum *)&a, &found));
  PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "no activation %s", act);
  PetscCall(NOpCreate(PETSC_COMM_SELF, nop));
  PetscCall(NOpSetType(*nop, NOPMLP));
  PetscCall(NOpSetShapes(*nop, 1, &d, 1, &out));
  PetscCall(NOpSetSeed(*nop, 1));
  PetscCall(NOpMLPSetLayers(*nop, width, depth));
  PetscCall(NOpMLPSetActivation(*nop, (PdActivation)a));
  PetscCall(NOpSetUp(*nop));
  {
    PdParams p;
    PetscCall(NOpGetParams(*nop, &p));
    PetscCall(PdParamsGetArrays(p, &data, &grad));
    PetscCall(PdParamsGetBufferSize(p, &n));
    FillRandom(data, n, seed, -scale, scale);
  }
  PetscFunctionReturn(0);
}

static double Act(const char *a, double x)
{
  if (!strcmp(a, "tanh")) return tanh(x);
  if (!strcmp(a, "sin")) return sin(x);
  if (!strcmp(a, "softplus")) return log1p(exp(x));
  return 0.5 * x * erfc(-x / sqrt(2.0));
}

/* the network in double precision, from the parameters */
static double NetDouble(NOp nop, const char *act, const double *x)
{
  PdParams p;
  PetscInt np;
  double   a[64], h[64];
  PetscInt fin;
  NOpGetParams(nop, &p);
  PdParamsGetNumber(p, &np);
  {
    PdTensor W;
    PdParamsGetTensor(p, 0, &W);
    fin = W->shape[1];
  }
  for (PetscInt i = 0; i < fin; i++) a[i] = x[i];
  for (PetscInt l = 0; l < np / 2; l++) {
    PdTensor W, b;
    PdParamsGetTensor(p, 2 * l, &W);
    PdParamsGetTensor(p, 2 * l + 1, &b);
    for (PetscInt o = 0; o < W->shape[0]; o++) {
      double s = b->data[o];
      for (PetscInt i = 0; i < fin; i++) s += (double)W->data[o * fin + i] * a[i];
      h[o] = l < np / 2 - 1 ? Act(act, s) : s;
    }
    fin = W->shape[0];
    for (PetscInt o = 0; o < fin; o++) a[o] = h[o];
  }
  return a[0];
}

/* derivatives 0..4 of f(t) = g(x + t v) by 7-point central differences (O(h^4)) in double */
typedef double (*ScalarFn)(void *, const double *);
static void FDDerivs(ScalarFn g, void *ctx, PetscInt d, const double *x, const double *v, double h, double D[5])
{
  double f[7], y[64];
  for (int s = -3; s <= 3; s++) {
    for (PetscInt i = 0; i < d; i++) y[i] = x[i] + s * h * v[i];
    f[s + 3] = g(ctx, y);
  }
  D[0] = f[3];
  D[1] = (f[1] - 8 * f[2] + 8 * f[4] - f[5]) / (12 * h);
  D[2] = (-f[1] + 16 * f[2] - 30 * f[3] + 16 * f[4] - f[5]) / (12 * h * h);
  D[3] = (f[0] - 8 * f[1] + 13 * f[2] - 13 * f[4] + 8 * f[5] - f[6]) / (8 * h * h * h);
  D[4] = (-f[0] + 12 * f[1] - 39 * f[2] + 56 * f[3] - 39 * f[4] + 12 * f[5] - f[6]) / (6 * h * h * h * h);
}

typedef struct {
  NOp         nop;
  const char *act;
  PetscInt    d;
  PetscBool   ball; /* multiply by 1 - |x|^2 */
} NetCtx;

static double NetFn(void *vctx, const double *x)
{
  NetCtx *c = (NetCtx *)vctx;
  double  u = NetDouble(c->nop, c->act, x), r = 0;
  if (!c->ball) return u;
  for (PetscInt i = 0; i < c->d; i++) r += x[i] * x[i];
  return (1 - r) * u;
}

/* ---- the engine ops ---- */

typedef struct {
  PdJetFn  fn;
  PetscInt K, nnz, n;
  PetscInt idx[16];
  float    s[16];
} OpCtx;

static PetscErrorCode BuildJetAct(void *vctx, PdTape tape, PdTensor v[], PdTensor *out)
{
  OpCtx *c = (OpCtx *)vctx;
  PetscFunctionBegin;
  PetscCall(PdJetActivation(c->fn, c->K, v[0], v[1], out));
  PetscFunctionReturn(0);
}

/* h = 1e-2 float central differences of smooth functions: ~1e-4 relative, so 3e-3 is tight */
static void test_jet_activation_gradients(void **state)
{
  for (int f = 0; f < 4; f++)
    for (PetscInt K = 1; K <= 4; K++) {
      OpCtx     c  = {(PdJetFn)f, K, 0, 0, {0}, {0}};
      PetscInt  s0 = 6, s1[3] = {K, 2, 6};
      PdTensor  v[2];
      PetscReal err;
      PDT(PdTensorCreate(1, &s0, PETSC_FALSE, &v[0]));
      PDT(PdTensorCreate(3, s1, PETSC_FALSE, &v[1]));
      FillRandom(v[0]->data, 6, 11 + f, -1.5f, 1.5f);
      FillRandom(v[1]->data, v[1]->size, 21 + K, -1.0f, 1.0f);
      PDT(PdGradCheck(PETSC_COMM_SELF, BuildJetAct, &c, 2, v, 1e-2f, &err));
      if (err > 3e-3) fail_msg("jet activation %s order %" PetscInt_FMT ": gradient relative error %g", acts[f], K, err);
      PdTensorDestroy(&v[0]);
      PdTensorDestroy(&v[1]);
    }
}

static PetscErrorCode BuildGather(void *vctx, PdTape tape, PdTensor v[], PdTensor *out)
{
  OpCtx *c = (OpCtx *)vctx;
  PetscFunctionBegin;
  PetscCall(PdGatherColumns(tape, v[0], c->n, c->nnz, c->idx, c->nnz == 2 ? c->s : NULL, out));
  PetscFunctionReturn(0);
}

static void test_gather_columns(void **state)
{
  for (PetscInt nnz = 1; nnz <= 2; nnz++) {
    OpCtx     c     = {PD_JET_TANH, 1, nnz, 5, {0, 3, 2, 3, 1, 0, 4, 2, 2, 1}, {1, -2, 0.5f, 1, 3, 1, -1, 1, 2, 0.25f}};
    PetscInt  ws[2] = {4, 5};
    PdTensor  W, y;
    PdTape    tape;
    PetscReal err;
    PDT(PdTensorCreate(2, ws, PETSC_FALSE, &W));
    FillRandom(W->data, W->size, 3, -1, 1);
    PDT(PdGradCheck(PETSC_COMM_SELF, BuildGather, &c, 1, &W, 1e-2f, &err));
    if (err > 1e-3) fail_msg("gather columns: gradient relative error %g", err);
    /* forward = sparse rows times W^T */
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    {
      PdTensor Wt;
      PDT(PdTapeVariable(tape, 2, ws, &Wt));
      PetscArraycpy(Wt->data, W->data, W->size);
      PDT(PdGatherColumns(tape, Wt, c.n, nnz, c.idx, nnz == 2 ? c.s : NULL, &y));
    }
    for (PetscInt r = 0; r < c.n; r++)
      for (PetscInt o = 0; o < 4; o++) {
        double ref = 0;
        for (PetscInt q = 0; q < nnz; q++) ref += (nnz == 2 ? c.s[r * nnz + q] : 1.0) * W->data[o * 5 + c.idx[r * nnz + q]];
        PDT_CLOSE(y->data[r * 4 + o], ref, 1e-6);
      }
    PDT(PdTapeDestroy(&tape));
    PdTensorDestroy(&W);
  }
}

/* ---- jets of networks ---- */

/* a jet of order 4 along dense directions (V per point) at B points; dirs [V,B,d] */
static PetscErrorCode NetJet(NOp nop, PdTape tape, PetscInt B, PetscInt d, PetscInt V, const float *x, const float *dirs, PetscInt K, PetscBool ball, PdJet *jet)
{
  PdJetSeed seed;
  PetscInt  sx[2] = {B, d}, sd[3] = {V, B, d};

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&seed, sizeof(seed)));
  seed.B = B;
  seed.d = d;
  seed.V = V;
  PetscCall(PdTapeInput(tape, 2, sx, &seed.x));
  PetscCall(PetscArraycpy(seed.x->data, x, B * d));
  PetscCall(PdTapeInput(tape, 3, sd, &seed.dirs));
  PetscCall(PetscArraycpy(seed.dirs->data, dirs, V * B * d));
  PetscCall(NOpJetForward(nop, tape, &seed, K, jet));
  if (ball) {
    PdJet q;
    PetscCall(PdJetSeedSquaredNorm(&seed, tape, K, 1.0, -1.0, &q));
    PetscCall(PdJetMul(&q, jet, jet));
  }
  PetscFunctionReturn(0);
}

/* NOpJetForward's primal is NOpForward's output (every activation), and order 0 has no coefficients */
static void test_jet_primal_is_forward(void **state)
{
  const PetscInt d = 3, B = 4, V = 2;
  float          x[12], dirs[24];
  FillRandom(x, B * d, 7, -1.0f, 1.0f);
  FillRandom(dirs, V * B * d, 8, -1.0f, 1.0f);
  for (int a = 0; a < 4; a++)
    for (PetscInt K = 0; K <= 2; K += 2) {
      NOp      nop;
      PdTape   tape;
      PdJet    jet;
      PdTensor xt, y;
      PetscInt sx[2] = {B, d};
      PDT(MakeNet(d, 8, 2, acts[a], 3, 0.8f, &nop));
      PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
      PDT(NetJet(nop, tape, B, d, V, x, dirs, K, PETSC_FALSE, &jet));
      PDT(PdTapeInput(tape, 2, sx, &xt));
      PDT(PetscArraycpy(xt->data, x, B * d));
      PDT(NOpForward(nop, tape, xt, &y));
      assert_int_equal(jet.p->size, B);
      assert_true(K ? jet.c != NULL : jet.c == NULL);
      for (PetscInt b = 0; b < B; b++) PDT_CLOSE(jet.p->data[b], y->data[b], 1e-6);
      PDT(PdTapeDestroy(&tape));
      PDT(NOpDestroy(&nop));
    }
}

static void test_jets_against_finite_differences(void **state)
{
  const PetscInt d = 3, B = 2, V = 2, K = 4;
  float          x[6], dirs[12];
  double         worst[5] = {0};
  FillRandom(x, B * d, 1, -0.7f, 0.7f);
  FillRandom(dirs, V * B * d, 2, -1.0f, 1.0f);
  for (int a = 0; a < 4; a++)
    for (int ball = 0; ball < 2; ball++) {
      NOp      nop;
      PdTape   tape;
      PdJet    jet;
      NetCtx   ctx;
      PdTensor ck[5];
      PDT(MakeNet(d, 8, 2, acts[a], 40 + a, 0.8f, &nop));
      ctx = (NetCtx){nop, acts[a], d, (PetscBool)ball};
      PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
      PDT(NetJet(nop, tape, B, d, V, x, dirs, K, (PetscBool)ball, &jet));
      for (PetscInt k = 0; k <= K; k++) PDT(PdJetCoefficient(&jet, k, &ck[k]));
      /* the primal is the model's own forward */
      {
        PdTensor xin, y;
        PetscInt sx[2] = {B, d};
        PDT(PdTapeInput(tape, 2, sx, &xin));
        PetscArraycpy(xin->data, x, B * d);
        PDT(NOpForward(nop, tape, xin, &y));
        if (!ball)
          for (PetscInt b = 0; b < B; b++) PDT_CLOSE(ck[0]->data[b], y->data[b], 1e-6);
      }
      for (PetscInt v = 0; v < V; v++)
        for (PetscInt b = 0; b < B; b++) {
          double xd[3], vd[3], D[5], fact = 1;
          for (PetscInt i = 0; i < d; i++) {
            xd[i] = x[b * d + i];
            vd[i] = dirs[(v * B + b) * d + i];
          }
          FDDerivs(NetFn, &ctx, d, xd, vd, 0.02, D);
          PDT_CLOSE(ck[0]->data[b], D[0], 1e-5);
          for (PetscInt k = 1; k <= K; k++) {
            double got;
            fact *= (double)k;
            got      = fact * ck[k]->data[v * B + b];
            worst[k] = PetscMax(worst[k], fabs(got - D[k]) / (1 + fabs(D[k])));
            if (!(fabs(got - D[k]) <= 2e-4 * (1 + fabs(D[k]))))
              fail_msg("%s%s: D^%" PetscInt_FMT " u = %.8g by the jet, %.8g by finite differences", acts[a], ball ? " x (1-|x|^2)" : "", k, got, D[k]);
          }
        }
      PDT(PdTapeDestroy(&tape));
      PDT(NOpDestroy(&nop));
    }
  print_message("  largest |D^k u (jet) - D^k u (FD)| / (1 + |D^k u|), k = 1..4: %.1e %.1e %.1e %.1e\n", worst[1], worst[2], worst[3], worst[4]);
}

/* sparse seeds (a coordinate axis, a pair of axes) give the jets of the same dense directions,
   and every order K <= 4 gives the same leading coefficients */
static void test_sparse_seeds_and_orders(void **state)
{
  const PetscInt d = 4, B = 3, V = 2;
  PetscInt       idx[12], sx[2] = {B, d}, sd[3] = {V, B, d};
  float          val[12], x[12], dense[24]      = {0};
  NOp            nop;
  PdTape         tape;
  FillRandom(x, B * d, 7, -0.5f, 0.5f);
  for (PetscInt r = 0; r < V * B; r++) {
    idx[2 * r]     = r % d;
    idx[2 * r + 1] = (r + 1 + r / 2) % d == r % d ? (r + 2) % d : (r + 1 + r / 2) % d;
    val[2 * r]     = 1.0f;
    val[2 * r + 1] = r % 2 ? -1.0f : 1.0f;
    dense[r * d + idx[2 * r]] += val[2 * r];
    dense[r * d + idx[2 * r + 1]] += val[2 * r + 1];
  }
  PDT(MakeNet(d, 6, 2, "tanh", 9, 0.8f, &nop));
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  for (PetscInt K = 1; K <= 4; K++) {
    PdJetSeed sp, de;
    PdJet     js, jd;
    PetscMemzero(&sp, sizeof(sp));
    sp.B = B;
    sp.d = d;
    sp.V = V;
    PDT(PdTapeInput(tape, 2, sx, &sp.x));
    PetscArraycpy(sp.x->data, x, B * d);
    de     = sp;
    sp.nnz = 2;
    sp.idx = idx;
    sp.val = val;
    PDT(PdTapeInput(tape, 3, sd, &de.dirs));
    PetscArraycpy(de.dirs->data, dense, V * B * d);
    PDT(NOpJetForward(nop, tape, &sp, K, &js));
    PDT(NOpJetForward(nop, tape, &de, K, &jd));
    for (PetscInt i = 0; i < js.c->size; i++) PDT_CLOSE(js.c->data[i], jd.c->data[i], 1e-5);
  }
  PDT(PdTapeDestroy(&tape));
  PDT(NOpDestroy(&nop));
}

/* closed form: u = w2 . sin(W1 x + b1) + b2 has D_v^k u = sum_i w2_i sin(z_i + k pi/2) (W1 v)_i^k */
static void test_jets_closed_form(void **state)
{
  const PetscInt d = 3, B = 2, V = 3, K = 4, w = 7;
  float          x[6], dirs[18];
  NOp            nop;
  PdTape         tape;
  PdJet          jet;
  PdParams       p;
  PdTensor       W1, b1, W2, ck;
  FillRandom(x, B * d, 3, -1, 1);
  FillRandom(dirs, V * B * d, 4, -1, 1);
  PDT(MakeNet(d, w, 1, "sin", 5, 1.0f, &nop));
  PDT(NOpGetParams(nop, &p));
  PDT(PdParamsGetTensor(p, 0, &W1));
  PDT(PdParamsGetTensor(p, 1, &b1));
  PDT(PdParamsGetTensor(p, 2, &W2));
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(NetJet(nop, tape, B, d, V, x, dirs, K, PETSC_FALSE, &jet));
  for (PetscInt k = 1; k <= K; k++) {
    double fact = 1;
    for (PetscInt q = 2; q <= k; q++) fact *= q;
    PDT(PdJetCoefficient(&jet, k, &ck));
    for (PetscInt v = 0; v < V; v++)
      for (PetscInt b = 0; b < B; b++) {
        double ref = 0;
        for (PetscInt i = 0; i < w; i++) {
          double z = b1->data[i], a = 0;
          for (PetscInt j = 0; j < d; j++) {
            z += (double)W1->data[i * d + j] * x[b * d + j];
            a += (double)W1->data[i * d + j] * dirs[(v * B + b) * d + j];
          }
          ref += W2->data[i] * sin(z + k * M_PI / 2) * pow(a, (double)k);
        }
        PDT_CLOSE(fact * ck->data[v * B + b], ref, 2e-5 * (1 + fabs(ref)));
      }
  }
  PDT(PdTapeDestroy(&tape));
  PDT(NOpDestroy(&nop));
}

/* weight gradients of jet outputs (every coefficient of a 2-layer network's jets, with the
   1 - |x|^2 factor) against central differences */
typedef struct {
  PetscInt K, nnz;
  float    x[6], dirs[12];
  PetscInt idx[8];
  float    val[8];
  PdJetFn  fn;
} GradCtx;

static PetscErrorCode BuildJetNet(void *vctx, PdTape tape, PdTensor v[], PdTensor *out)
{
  GradCtx  *c = (GradCtx *)vctx;
  PdJetSeed seed;
  PdJet     jet, q;
  PetscInt  sx[2] = {2, 3}, sd[3] = {2, 2, 3};

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&seed, sizeof(seed)));
  seed.B = 2;
  seed.d = 3;
  seed.V = 2;
  PetscCall(PdTapeInput(tape, 2, sx, &seed.x));
  PetscCall(PetscArraycpy(seed.x->data, c->x, 6));
  if (c->nnz) {
    seed.nnz = c->nnz;
    seed.idx = c->idx;
    seed.val = c->val;
  } else {
    PetscCall(PdTapeInput(tape, 3, sd, &seed.dirs));
    PetscCall(PetscArraycpy(seed.dirs->data, c->dirs, 12));
  }
  PetscCall(PdJetSeedLinear(&seed, c->K, v[0], v[1], &jet));
  PetscCall(PdJetActivate(c->fn, &jet, &jet));
  PetscCall(PdJetLinear(&jet, v[2], v[3], &jet));
  PetscCall(PdJetActivate(c->fn, &jet, &jet));
  PetscCall(PdJetLinear(&jet, v[4], v[5], &jet));
  PetscCall(PdJetSeedSquaredNorm(&seed, tape, c->K, 1.0, -1.0, &q));
  PetscCall(PdJetMul(&q, &jet, &jet));
  *out = jet.c;
  PetscFunctionReturn(0);
}

static void test_weight_gradients(void **state)
{
  PetscInt shapes[6][2] = {{4, 3}, {4, 0}, {4, 4}, {4, 0}, {1, 4}, {1, 0}};
  for (int f = 0; f < 4; f++)
    for (PetscInt K = 2; K <= 4; K += 2)
      for (PetscInt nnz = 0; nnz <= 1; nnz++) {
        GradCtx   c = {K, nnz, {0}, {0}, {0, 2, 1, 1}, {1, 1, 1, 1}, (PdJetFn)f};
        PdTensor  v[6];
        PetscReal err;
        FillRandom(c.x, 6, 31, -0.6f, 0.6f);
        FillRandom(c.dirs, 12, 32, -1, 1);
        for (int i = 0; i < 6; i++) {
          PDT(PdTensorCreate(i % 2 ? 1 : 2, shapes[i], PETSC_FALSE, &v[i]));
          FillRandom(v[i]->data, v[i]->size, 50 + i, -0.9f, 0.9f);
        }
        PDT(PdGradCheck(PETSC_COMM_SELF, BuildJetNet, &c, 6, v, 1e-2f, &err));
        if (err > 5e-3) fail_msg("weight gradient of %s jets of order %" PetscInt_FMT " (%s seed): relative error %g", acts[f], K, nnz ? "sparse" : "dense", err);
        for (int i = 0; i < 6; i++) PdTensorDestroy(&v[i]);
      }
}

/* ---- estimators ---- */

/* the Laplacian and biharmonic of NetFn at x in double: 5-point second differences per axis,
   and the Laplacian of the Laplacian */
static double FDLaplacian(ScalarFn g, void *ctx, PetscInt d, const double *x, double h)
{
  double y[16], s = 0, f0 = g(ctx, x);
  for (PetscInt i = 0; i < d; i++) {
    double f[4];
    int    k = 0;
    for (int t = -2; t <= 2; t++) {
      if (!t) continue;
      for (PetscInt j = 0; j < d; j++) y[j] = x[j] + (j == i ? t * h : 0);
      f[k++] = g(ctx, y);
    }
    s += (-f[0] + 16 * f[1] - 30 * f0 + 16 * f[2] - f[3]) / (12 * h * h);
  }
  return s;
}

typedef struct {
  ScalarFn g;
  void    *ctx;
  PetscInt d;
} LapCtx;
static double LapFn(void *vctx, const double *x)
{
  LapCtx *c = (LapCtx *)vctx;
  return FDLaplacian(c->g, c->ctx, c->d, x, 0.02);
}

typedef struct {
  PdDiffOp        op;
  PdEstimatorType est;
  PetscInt        V;
  const char     *name;
} EstCase;

/* mean and standard error over M estimates at B points; exact by the exact estimator */
static void CheckUnbiased(NOp nop, PetscInt d, PetscInt B, const float *x, const double *ref, const EstCase *ec, PetscInt M, uint64_t seed)
{
  PdTape   tape;
  PdRng    rng;
  double  *s1, *s2;
  PetscInt sx[2] = {B, d};
  PetscCalloc2(B, &s1, B, &s2);
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeSetGradEnabled(tape, PETSC_FALSE));
  PdRngSeed(&rng, seed, 1);
  for (PetscInt m = 0; m < M; m++) {
    PdDirSet ds;
    PdTensor xt, Lu;
    PDT(PdTapeReset(tape));
    PDT(PdTapeInput(tape, 2, sx, &xt));
    PetscArraycpy(xt->data, x, B * d);
    PDT(PdDirSetSample(&ec->op, ec->est, ec->V, B, d, &rng, &ds));
    PDT(PdDiffOpEstimate(PdJetModelNOp, nop, xt, &ds, &Lu, NULL));
    for (PetscInt b = 0; b < B; b++) {
      s1[b] += Lu->data[b];
      s2[b] += (double)Lu->data[b] * Lu->data[b];
    }
    PDT(PdDirSetDestroy(&ds));
  }
  for (PetscInt b = 0; b < B; b++) {
    double mean = s1[b] / M, var = PetscMax(s2[b] / M - mean * mean, 0), se = sqrt(var / M);
    print_message("  %-28s point %" PetscInt_FMT ": mean %+.5f  exact %+.5f  (%.2f standard errors, se %.2e)\n", ec->name, b, mean, ref[b], se > 0 ? fabs(mean - ref[b]) / se : 0.0, se);
    if (!(fabs(mean - ref[b]) <= 4.5 * se + 1e-4 * (1 + fabs(ref[b])))) fail_msg("%s is biased at point %" PetscInt_FMT ": mean %g, exact %g, standard error %g", ec->name, b, mean, ref[b], se);
  }
  PDT(PdTapeDestroy(&tape));
  PetscFree2(s1, s2);
}

static void ExactEstimate(NOp nop, PetscInt d, PetscInt B, const float *x, const PdDiffOp *op, PetscInt chunk, double *out)
{
  PdTape   tape;
  PdRng    rng;
  PdDirSet ds;
  PetscInt sx[2] = {B, d};
  PdTensor xt, part;
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PdRngSeed(&rng, 1, 1);
  PDT(PdDirSetSample(op, PD_EST_EXACT, 0, B, d, &rng, &ds));
  for (PetscInt b = 0; b < B; b++) out[b] = 0;
  for (PetscInt t = 0; t < ds.nterms; t++)
    for (PetscInt v0 = 0; v0 < ds.V[t]; v0 += chunk) {
      PDT(PdTapeReset(tape));
      PDT(PdTapeInput(tape, 2, sx, &xt));
      PetscArraycpy(xt->data, x, B * d);
      PDT(PdDiffOpApply(PdJetModelNOp, nop, xt, &ds, t, v0, PetscMin(v0 + chunk, ds.V[t]), &part, NULL));
      for (PetscInt b = 0; b < B; b++) out[b] += part->data[b];
    }
  PDT(PdDirSetDestroy(&ds));
  PDT(PdTapeDestroy(&tape));
}

/* One operator (the Laplacian, or the biharmonic in d dimensions) on a random tanh network at B
   random points: its exact estimate (chunk directions per pass; again with chunk2 if not 0) against
   finite differences of step h (tolerance tol, relative to 1 + |fd|), then each of 4 estimators
   unbiased over 3000 draws (seeds seed0 + k). */
typedef struct {
  PetscBool biharmonic;
  PetscInt  d, B, width, chunk, chunk2;
  uint64_t  xseed, netseed, seed0;
  double    h, tol;
  struct {
    PdDirDist       dir;
    PdEstimatorType est;
    PetscInt        V;
    const char     *name;
  } cases[4];
} UnbiasedSpec;

static void MakeDiffOp(const UnbiasedSpec *u, PdDirDist dir, PdDiffOp *op)
{
  if (u->biharmonic) PDT(PdDiffOpBiharmonic(dir, u->d, op));
  else PDT(PdDiffOpLaplacian(dir, op));
}

static void CheckOperator(const UnbiasedSpec *u)
{
  const PetscInt d = u->d, B = u->B;
  float          x[16];
  double         exact[4], chunked[4];
  NOp            nop;
  PdDiffOp       op;
  NetCtx         ctx;
  LapCtx         lc;
  FillRandom(x, B * d, u->xseed, -0.5f, 0.5f);
  PDT(MakeNet(d, u->width, 2, "tanh", u->netseed, 0.7f, &nop));
  ctx = (NetCtx){nop, "tanh", d, PETSC_FALSE};
  lc  = (LapCtx){NetFn, &ctx, d};
  MakeDiffOp(u, PD_DIR_SPARSE, &op);
  ExactEstimate(nop, d, B, x, &op, u->chunk, exact);
  if (u->chunk2) ExactEstimate(nop, d, B, x, &op, u->chunk2, chunked);
  for (PetscInt b = 0; b < B; b++) {
    double xd[5], fd;
    for (PetscInt i = 0; i < d; i++) xd[i] = x[b * d + i];
    fd = u->biharmonic ? FDLaplacian(LapFn, &lc, d, xd, u->h) : FDLaplacian(NetFn, &ctx, d, xd, u->h);
    PDT_CLOSE(exact[b], fd, u->tol * (1 + fabs(fd)));
    if (u->chunk2) PDT_CLOSE(chunked[b], exact[b], 1e-5 * (1 + fabs(fd)));
  }
  for (int k = 0; k < 4; k++) {
    EstCase c;
    MakeDiffOp(u, u->cases[k].dir, &c.op);
    c.est  = u->cases[k].est;
    c.V    = u->cases[k].V;
    c.name = u->cases[k].name;
    CheckUnbiased(nop, d, B, x, exact, &c, 3000, u->seed0 + k);
  }
  PDT(NOpDestroy(&nop));
}

/* the Laplacian in 5 dimensions at 3 points (exact estimate also in chunks of 2 directions), the
   biharmonic in 4 at 2 */
static const UnbiasedSpec unbiased[2] = {
  {PETSC_FALSE, 5, 3, 16, 5, 2, 12, 77, 100, 0.02, 1e-4, {{PD_DIR_SPARSE, PD_EST_SDGD, 2, "laplacian sdgd (2 axes)"}, {PD_DIR_SPARSE, PD_EST_STDE, 2, "laplacian stde sparse (2)"}, {PD_DIR_RADEMACHER, PD_EST_STDE, 2, "laplacian stde rademacher (2)"}, {PD_DIR_GAUSSIAN, PD_EST_STDE, 2, "laplacian stde gaussian (2)"}}},
  {PETSC_TRUE, 4, 2, 12, 5, 0, 13, 78, 200, 0.05, 5e-3, {{PD_DIR_GAUSSIAN, PD_EST_STDE, 4, "biharmonic stde gaussian (4)"}, {PD_DIR_RADEMACHER, PD_EST_STDE, 4, "biharmonic stde rademacher (4)"}, {PD_DIR_SPARSE, PD_EST_STDE, 4, "biharmonic stde sparse (4)"}, {PD_DIR_SPARSE, PD_EST_SDGD, 4, "biharmonic sdgd (4)"}}},
};

static void test_unbiased_laplacian(void **state)
{
  CheckOperator(&unbiased[0]);
}

static void test_unbiased_biharmonic(void **state)
{
  CheckOperator(&unbiased[1]);
}

static void test_errors(void **state)
{
  PdDiffOp  op;
  PdDirSet  ds;
  PdRng     rng;
  NOp       nop;
  PdTape    tape;
  PdJet     jet;
  PdJetSeed seed;
  PetscInt  sx[2] = {1, 2}, idx[1] = {0};
  float     val[1] = {1};
  PdRngSeed(&rng, 1, 1);
  PDT(PdDiffOpLaplacian(PD_DIR_GAUSSIAN, &op));
  PDT_FAILS(PdDirSetSample(&op, PD_EST_EXACT, 4, 2, 3, &rng, &ds));
  PDT_ERRMSG_HAS("-estimator stde");
  PDT(MakeNet(2, 4, 1, "relu", 1, 1.0f, &nop));
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PetscMemzero(&seed, sizeof(seed));
  seed.B   = 1;
  seed.d   = 2;
  seed.V   = 1;
  seed.nnz = 1;
  seed.idx = idx;
  seed.val = val;
  PDT(PdTapeInput(tape, 2, sx, &seed.x));
  PDT_FAILS(NOpJetForward(nop, tape, &seed, 2, &jet));
  PDT_ERRMSG_HAS("smooth activation");
  PDT(NOpDestroy(&nop));
  {
    const double mean[2] = {0.5, 0.5}, sd[2] = {2.0, 2.0}; /* 2 input channels, 1 output */
    PDT(MakeNet(2, 4, 1, "tanh", 1, 1.0f, &nop));
    PDT(NOpSetNormalization(nop, mean, sd, mean, sd));
    PDT_FAILS(NOpJetForward(nop, tape, &seed, 2, &jet));
    PDT_ERRMSG_HAS("-normalize 0");
  }
  PDT(NOpDestroy(&nop));
  /* a type without the jet method: a clean error naming it */
  {
    const PetscInt in[3] = {1, 8, 8}, out[3] = {1, 8, 8};
    PDT(NOpCreate(PETSC_COMM_SELF, &nop));
    PDT(NOpSetType(nop, NOPFNO));
    PDT(NOpSetShapes(nop, 3, in, 3, out));
    PDT_FAILS(NOpJetForward(nop, tape, &seed, 2, &jet));
    PDT_ERRMSG_HAS("type fno has no Taylor-mode forward");
    PDT_FAILS(PdJetModelNOp(nop, tape, &seed, 2, &jet));
    PDT_ERRMSG_HAS("no Taylor-mode forward");
    PDT_FAILS(NOpMLPSetLayers(nop, 4, 1));
    PDT_ERRMSG_HAS("type mlp");
  }
  PDT(PdTapeDestroy(&tape));
  PDT(NOpDestroy(&nop));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_jet_activation_gradients),
  cmocka_unit_test(test_gather_columns),
  cmocka_unit_test(test_jet_primal_is_forward),
  cmocka_unit_test(test_jets_against_finite_differences),
  cmocka_unit_test(test_sparse_seeds_and_orders),
  cmocka_unit_test(test_jets_closed_form),
  cmocka_unit_test(test_weight_gradients),
  cmocka_unit_test(test_unbiased_laplacian),
  cmocka_unit_test(test_unbiased_biharmonic),
  cmocka_unit_test(test_errors),
};
PDT_MAIN("jet", tests)
