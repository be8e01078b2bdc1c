/* Tests of recurrent training (NOpSetRollout, PdTrainerRolloutLoss): the gradient of a K-step
   rollout, recomputed step by step, against central differences of the rollout loss; K = 1 is
   ordinary training on the first output snapshot; checkpoints keep the rollout; bad data and
   options give one clear error. */
#include "pdtest.h"
#include <pdeop/train.h>

#define GRID 8

/* A time series of N samples: D input and M output snapshots on a GRID x GRID grid, smooth
   travelling waves with random amplitudes, and the attributes `pdeop data ns` writes. */
static PetscErrorCode SeriesData(PetscInt N, PetscInt D, PetscInt M, PetscBool attrs, PdDataset *ds)
{
  PdRng    rng;
  PetscInt per = GRID * GRID;

  PetscFunctionBegin;
  PetscCall(PdtDatasetAlloc(N, 3, (PetscInt[]){D, GRID, GRID}, 3, (PetscInt[]){M, GRID, GRID}, ds));
  PetscCall(PdRngSeed(&rng, 11, 0));
  for (PetscInt i = 0; i < N; i++) {
    double a = 0.5 + PdRngUniform(&rng), b = PdRngUniform(&rng);
    for (PetscInt t = 0; t < D + M; t++)
      for (PetscInt j = 0; j < GRID; j++)
        for (PetscInt k = 0; k < GRID; k++) {
          double x = (double)k / GRID, y = (double)j / GRID, v = a * PetscSinReal(2 * PETSC_PI * (x + 0.1 * t)) + b * PetscCosReal(2 * PETSC_PI * (y - 0.05 * t)) + 0.1;
          if (t < D) ds->inputs[((size_t)i * D + t) * per + j * GRID + k] = (float)v;
          else ds->outputs[((size_t)i * M + t - D) * per + j * GRID + k] = (float)v;
        }
  }
  if (attrs) {
    PetscCall(PdDictCreate(&ds->attrs));
    PetscCall(PdDictSetInt(ds->attrs, "t_in", D));
    PetscCall(PdDictSetInt(ds->attrs, "T", D + M));
  }
  PetscFunctionReturn(0);
}

/* a small FNO [tin, GRID, GRID] -> [1, GRID, GRID], recurrent with K steps (K = 0: a direct map) */
static PetscErrorCode SmallFNO(PetscInt tin, PetscInt K, NOp *nop)
{
  const char *opts[][2] = {{"-fno_width", "4"}, {"-fno_modes", "3"}, {"-fno_layers", "2"}, {"-fno_hidden", "8"}, {"-seed", "3"}};
  PetscInt    si[3] = {tin, GRID, GRID}, so[3] = {1, GRID, GRID};

  PetscFunctionBegin;
  PetscCall(PDT_NOP_FROM_OPTIONS(NOPFNO, opts, nop));
  PetscCall(NOpSetShapes(*nop, 3, si, 3, so));
  if (K > 0) PetscCall(NOpSetRollout(*nop, K));
  PetscFunctionReturn(0);
}

/* The gradient of a 3-step rollout (t_in = 2 of 3 input snapshots, so steps 2 and 3 read earlier
   predictions) agrees with central differences of the loss along random directions and along the
   gradient itself. Differences in float with h = 1e-2: agreement to 0.2% of |g.v| (measured: below
   0.01%); dropping the adjoint of the fed-back predictions is off by 5% and fails. */
typedef struct {
  PdTrainer  tr;
  PdDataset *ds;
  PetscInt  *idx;
} RolloutCtx;

static PetscErrorCode RolloutLossFn(void *ctx, PetscBool grad, double *L)
{
  RolloutCtx *c = (RolloutCtx *)ctx;
  PetscFunctionBegin;
  PetscCall(PdTrainerRolloutLoss(c->tr, c->ds, 3, c->idx, grad, L));
  PetscFunctionReturn(0);
}

static void test_rollout_gradient(void **state)
{
  PdDataset ds;
  NOp       nop;
  PdTrainer tr;
  PdParams  p;
  PetscInt  idx[3] = {0, 2, 3};

  for (int lossk = 0; lossk < 2; lossk++) {
    PdLossType loss = lossk ? PD_LOSS_MSE : PD_LOSS_REL_L2;
    RolloutCtx c;
    PDT(SeriesData(4, 3, 4, PETSC_TRUE, &ds));
    PDT(SmallFNO(2, 3, &nop));
    PDT(PdTrainerCreate(nop, &tr));
    PDT(PdTrainerSetLoss(tr, loss));
    PDT(PdTrainerSetData(tr, &ds, NULL));
    PDT(NOpGetParams(nop, &p));
    c.tr  = tr;
    c.ds  = &ds;
    c.idx = idx;
    pdt_check_directional(p, 3, RolloutLossFn, &c, PdLossTypes[loss]);
    PDT(PdTrainerDestroy(&tr));
    PDT(NOpDestroy(&nop));
    PDT(PdDatasetFree(&ds));
  }
}

/* K = 1: the same parameters, step for step, as ordinary training on (last t_in inputs -> first
   output snapshot), with normalisation off (a recurrent model's output statistics pool all output
   snapshots, a direct one's only the first) */
static void test_rollout_one_is_ordinary(void **state)
{
  PdDataset ser, dir;
  NOp       a, b;
  PdTrainer ta, tb;
  PdOptim   oa, ob;
  PdParams  pa, pb;
  float    *da, *db, *g;
  PetscInt  n, per = GRID * GRID, D = 3, tin = 2;
  double    ea, eb;

  PDT(SeriesData(6, D, 4, PETSC_TRUE, &ser));
  PDT(SeriesData(6, D, 4, PETSC_FALSE, &dir));
  /* the direct set: inputs = snapshots D - tin .. D - 1, outputs = snapshot D */
  dir.in_shape[1]  = tin;
  dir.out_shape[1] = 1;
  dir.in_size      = tin * per;
  dir.out_size     = per;
  for (PetscInt i = 0; i < 6; i++) {
    PDT(PetscArraycpy(dir.inputs + i * tin * per, ser.inputs + (i * D + D - tin) * per, tin * per));
    PDT(PetscArraycpy(dir.outputs + i * per, ser.outputs + i * 4 * per, per));
  }
  PDT(SmallFNO(tin, 1, &a));
  PDT(SmallFNO(tin, 0, &b));
  PDT(PdTrainerCreate(a, &ta));
  PDT(PdTrainerCreate(b, &tb));
  PDT(PdTrainerSetData(ta, &ser, NULL));
  PDT(PdTrainerSetData(tb, &dir, NULL));
  PDT(PetscOptionsSetValue(NULL, "-quiet", NULL));
  for (int k = 0; k < 2; k++) {
    PdTrainer t = k ? tb : ta;
    PdOptim   o;
    PDT(PdTrainerSetLoss(t, PD_LOSS_REL_L2));
    PDT(PdTrainerSetEpochs(t, 3));
    PDT(PdTrainerSetBatchSize(t, 4));
    PDT(PdTrainerGetOptim(t, &o));
    PDT(PdOptimSetType(o, PD_OPTIM_ADAM));
    PDT(PdOptimSetLearningRate(o, 1e-2));
  }
  PDT(PdTrainerGetOptim(ta, &oa));
  PDT(PdTrainerGetOptim(tb, &ob));
  PDT(PdTrainerTrain(ta));
  PDT(PdTrainerTrain(tb));
  PDT(PdTrainerGetResults(ta, &ea, NULL, NULL, NULL, NULL));
  PDT(PdTrainerGetResults(tb, &eb, NULL, NULL, NULL, NULL));
  PDT_CLOSE(ea, eb, 1e-6 * eb);
  PDT(NOpGetParams(a, &pa));
  PDT(NOpGetParams(b, &pb));
  PDT(PdParamsGetBufferSize(pa, &n));
  PDT(PdParamsGetArrays(pa, &da, &g));
  PDT(PdParamsGetArrays(pb, &db, &g));
  for (PetscInt i = 0; i < n; i++) PDT_CLOSE(da[i], db[i], 1e-6 * (1 + PetscAbsReal(db[i])));
  PDT(PdTrainerDestroy(&ta));
  PDT(PdTrainerDestroy(&tb));
  PDT(NOpDestroy(&a));
  PDT(NOpDestroy(&b));
  PDT(PdDatasetFree(&ser));
  PDT(PdDatasetFree(&dir));
}

/* a checkpoint keeps rollout and t_in: the loaded model rolls out to the same errors */
static void test_rollout_checkpoint(void **state)
{
  PdDataset       ds;
  NOp             nop, back;
  PdTrainer       tr, tb;
  PetscInt        K, epoch, steps = 4;
  double          e0, e1, s0[4], s1[4], c0, c1;
  const PetscInt *in_s, *out_s;

  PDT(SeriesData(4, 3, steps, PETSC_TRUE, &ds));
  PDT(SmallFNO(2, 2, &nop));
  PDT(PdTrainerCreate(nop, &tr));
  PDT(PdTrainerSetData(tr, &ds, &ds));
  PDT(PdTrainerSetEpochs(tr, 1));
  PDT(PdTrainerSetNormalize(tr, PETSC_TRUE));
  PDT(PdTrainerSetOutput(tr, "rollout.h5"));
  PDT(PetscOptionsSetValue(NULL, "-quiet", NULL));
  PDT(PdTrainerTrain(tr));
  PDT(PdTrainerEvaluateRollout(tr, &ds, PD_LOSS_REL_L2, &e0, NULL, s0, &c0));
  PDT(NOpLoad(PETSC_COMM_SELF, "rollout.h5", &back, &epoch));
  assert_int_equal(epoch, 1);
  PDT(NOpGetRollout(back, &K));
  assert_int_equal(K, 2);
  PDT(NOpGetShapes(back, NULL, &in_s, NULL, &out_s));
  assert_int_equal(in_s[0], 2);
  assert_int_equal(out_s[0], 1);
  PDT(PdTrainerCreate(back, &tb));
  PDT(PdTrainerEvaluateRollout(tb, &ds, PD_LOSS_REL_L2, &e1, NULL, s1, &c1));
  assert_true(e0 == e1 && c0 == c1);
  for (int k = 0; k < steps; k++) assert_true(s0[k] == s1[k]);
  /* the whole-rollout error lies between the best and worst steps; later steps are no better than
     the first on this untrained model's rollout, and the copy-last baseline is positive */
  assert_true(c0 > 0);
  {
    double lo = s0[0], hi = s0[0];
    for (int k = 1; k < steps; k++) lo = PetscMin(lo, s0[k]), hi = PetscMax(hi, s0[k]);
    assert_true(e0 >= 0.999 * lo && e0 <= 1.001 * hi);
  }
  PDT(PdTrainerDestroy(&tb));
  PDT(NOpDestroy(&back));
  PDT(PdTrainerDestroy(&tr));
  PDT(NOpDestroy(&nop));
  PDT(PdDatasetFree(&ds));
}

static void test_rollout_errors(void **state)
{
  PdDataset ds, flat;
  NOp       nop;
  PdTrainer tr;

  PDT(SeriesData(4, 3, 4, PETSC_TRUE, &ds));
  PDT(SeriesData(4, 3, 4, PETSC_FALSE, &flat));
  PDT(SmallFNO(2, 0, &nop));
  PDT_FAILS(NOpSetRollout(nop, -1));
  PDT_ERRMSG_HAS("at least 1");
  PDT(NOpSetRollout(nop, 5));
  PDT(PdTrainerCreate(nop, &tr));
  PDT_FAILS(PdTrainerSetData(tr, &ds, NULL));
  PDT_ERRMSG_HAS("-rollout 5 is longer than the 4 output snapshots");
  PDT(NOpSetRollout(nop, 2));
  PDT_FAILS(PdTrainerSetData(tr, &flat, NULL));
  PDT_ERRMSG_HAS("no time axis");
  PDT(PdTrainerSetData(tr, &ds, NULL));
  PDT(PdTrainerDestroy(&tr));
  PDT(NOpDestroy(&nop));
  PDT(SmallFNO(4, 1, &nop));
  PDT(PdTrainerCreate(nop, &tr));
  PDT_FAILS(PdTrainerSetData(tr, &ds, NULL));
  PDT_ERRMSG_HAS("-t_in 4 is larger than the 3 input snapshots");
  PDT(PdTrainerDestroy(&tr));
  PDT(NOpDestroy(&nop));
  PDT(PdDatasetFree(&ds));
  PDT(PdDatasetFree(&flat));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_rollout_gradient), cmocka_unit_test(test_rollout_one_is_ordinary), cmocka_unit_test(test_rollout_checkpoint), cmocka_unit_test(test_rollout_errors)};
PDT_MAIN("rollout", tests)
