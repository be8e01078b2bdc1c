/* Tests of the training loop: it recovers a known linear map (least-squares reference), and a
   diverging run stops with a message while the last good checkpoint stays intact. */
#include "pdtest.h"
#include <pdeop/train.h>

/* N samples x in [-1,1]^3, y = A x + c with fixed A, c */
static const float A[2][3] = {{0.5f, -1.0f, 2.0f}, {1.5f, 0.25f, -0.75f}}, C[2] = {0.1f, -0.2f};
static void        LinearData(PetscInt N, PdDataset *ds)
{
  PdRng rng;
  memset(ds, 0, sizeof(*ds));
  ds->N       = N;
  ds->in_ndim = ds->out_ndim = 2;
  ds->in_shape[0] = ds->out_shape[0] = N;
  ds->in_shape[1] = ds->in_size = 3;
  ds->out_shape[1] = ds->out_size = 2;
  PetscMalloc2(3 * N, &ds->inputs, 2 * N, &ds->outputs);
  PdRngSeed(&rng, 5, 0);
  PdRngFillUniform(&rng, 3 * N, ds->inputs, -1, 1);
  for (PetscInt i = 0; i < N; i++)
    for (int o = 0; o < 2; o++) ds->outputs[2 * i + o] = C[o] + A[o][0] * ds->inputs[3 * i] + A[o][1] * ds->inputs[3 * i + 1] + A[o][2] * ds->inputs[3 * i + 2];
}

static PetscErrorCode LinearModel(NOp *nop)
{
  const char *opts[][2] = {{"-mlp_depth", "0"}};
  PetscInt    in = 3, out = 2;
  PetscFunctionBegin;
  PetscCall(PDT_NOP_FROM_OPTIONS(NOPMLP, opts, nop));
  PetscCall(NOpSetShapes(*nop, 1, &in, 1, &out));
  PetscFunctionReturn(0);
}

static void test_recovers_linear_map(void **state)
{
  PdDataset ds;
  NOp       nop;
  PdTrainer tr;
  PdOptim   opt;
  PdParams  p;
  PdTensor  W, b;
  double    mse;
  LinearData(256, &ds);
  PDT(LinearModel(&nop));
  PDT(PdTrainerCreate(nop, &tr));
  PDT(PdTrainerSetData(tr, &ds, NULL));
  PDT(PdTrainerSetEpochs(tr, 60));
  PDT(PdTrainerSetBatchSize(tr, 32));
  PDT(PdTrainerGetOptim(tr, &opt));
  PDT(PdOptimSetType(opt, PD_OPTIM_ADAM));
  PDT(PdOptimSetLearningRate(opt, 2e-2));
  PDT(PetscOptionsSetValue(NULL, "-quiet", NULL));
  PDT(PdTrainerTrain(tr));
  PDT(PdTrainerEvaluate(tr, &ds, PD_LOSS_MSE, &mse, NULL));
  assert_true(mse < 1e-6);
  /* the exact least-squares solution is A, c: the data are noise-free */
  PDT(NOpGetParams(nop, &p));
  PDT(PdParamsGetTensor(p, 0, &W));
  PDT(PdParamsGetTensor(p, 1, &b));
  for (int o = 0; o < 2; o++) {
    for (int i = 0; i < 3; i++) PDT_CLOSE(W->data[3 * o + i], A[o][i], 2e-3);
    PDT_CLOSE(b->data[o], C[o], 2e-3);
  }
  PDT(PdTrainerDestroy(&tr));
  PDT(NOpDestroy(&nop));
  PetscFree2(ds.inputs, ds.outputs);
}

static void test_divergence_keeps_checkpoint(void **state)
{
  PdDataset ds;
  NOp       nop, back;
  PdTrainer tr;
  PdOptim   opt;
  PdParams  p0, p1;
  float    *d0, *d1, *g, *saved;
  PetscInt  n, epoch;
  LinearData(128, &ds);
  PDT(LinearModel(&nop));
  PDT(PdTrainerCreate(nop, &tr));
  PDT(PdTrainerSetData(tr, &ds, NULL));
  PDT(PdTrainerSetEpochs(tr, 2));
  PDT(PdTrainerSetOutput(tr, "diverge.h5"));
  PDT(PdTrainerGetOptim(tr, &opt));
  PDT(PdOptimSetType(opt, PD_OPTIM_SGD));
  PDT(PdOptimSetLearningRate(opt, 1e-2));
  PDT(PdTrainerTrain(tr));
  PDT(NOpGetParams(nop, &p0));
  PDT(PdParamsGetBufferSize(p0, &n));
  PDT(PdParamsGetArrays(p0, &d0, &g));
  PDT(PetscMalloc1(n, &saved));
  PDT(PetscArraycpy(saved, d0, n));
  /* now an absurd step size: the loss overflows within a few steps */
  PDT(PdOptimSetLearningRate(opt, 1e30));
  PDT(PdTrainerSetEpochs(tr, 4));
  PDT_FAILS(PdTrainerTrain(tr));
  PDT_ERRMSG_HAS("diverged");
  PDT_ERRMSG_HAS("diverge.h5");
  PDT(NOpLoad(PETSC_COMM_SELF, "diverge.h5", &back, &epoch));
  assert_int_equal(epoch, 2);
  PDT(NOpGetParams(back, &p1));
  PDT(PdParamsGetArrays(p1, &d1, &g));
  for (PetscInt i = 0; i < n; i++) assert_true(d1[i] == saved[i]);
  PDT(PetscFree(saved));
  PDT(NOpDestroy(&back));
  PDT(PdTrainerDestroy(&tr));
  PDT(NOpDestroy(&nop));
  PetscFree2(ds.inputs, ds.outputs);
}

static void test_shape_mismatch(void **state)
{
  PdDataset ds;
  NOp       nop;
  PdTrainer tr;
  PetscInt  in = 4, out = 2;
  LinearData(16, &ds);
  PDT(NOpCreate(PETSC_COMM_SELF, &nop));
  PDT(NOpSetType(nop, NOPMLP));
  PDT(NOpSetShapes(nop, 1, &in, 1, &out));
  PDT(PdTrainerCreate(nop, &tr));
  PDT_FAILS(PdTrainerSetData(tr, &ds, NULL));
  PDT_ERRMSG_HAS("do not fit the model");
  PDT(PdTrainerDestroy(&tr));
  PDT(NOpDestroy(&nop));
  PetscFree2(ds.inputs, ds.outputs);
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_recovers_linear_map), cmocka_unit_test(test_divergence_keeps_checkpoint), cmocka_unit_test(test_shape_mismatch)};
PDT_MAIN("train", tests)
