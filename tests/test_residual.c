/* Tests of the residual and hybrid losses on Darcy data (solvers/train/impls/supervised/residual.c):
   the residual of the exact discrete solution vanishes; with an exact preconditioner (LU) the
   residual loss is the relative L2 error against that solution, computed a second way by
   PdTrainerEvaluate; gradients against central differences on a tiny FNO; a residual-only run
   lowers the test error against the data; bad data and settings give one clear error. */
#include "pdtest.h"
#include <pdeop/train.h>

#define S 17 /* grid points per side: the data are solved on this grid itself (-fine = -res) */

/* `pdeop data darcy -n N -res S -fine S -seed 0`, in memory; the last ntest samples are a test set
   (a view of the same arrays, not to be freed) */
static PetscErrorCode DarcyData(PetscInt N, PetscInt ntest, PdDataset *ds, PdDataset *test)
{
  PdProblem p;

  PetscFunctionBegin;
  PetscCall(PdProblemCreate(PETSC_COMM_SELF, &p));
  PetscCall(PdProblemSetType(p, PDPROBLEMDARCY));
  PetscCall(PdProblemSetDataMode(p, PETSC_TRUE));
  PetscCall(PdProblemDarcySetSampleGrid(p, S, S));
  PetscCall(PdDatasetGenerate(p, N, ds, NULL));
  PetscCall(PdProblemDestroy(&p));
  if (test) {
    *test   = *ds;
    test->N = test->in_shape[0] = test->out_shape[0] = ntest;
    test->inputs += (size_t)(N - ntest) * ds->in_size;
    test->outputs += (size_t)(N - ntest) * ds->out_size;
    ds->N = ds->in_shape[0] = ds->out_shape[0] = N - ntest; /* the arrays stay whole */
  }
  PetscFunctionReturn(0);
}

/* a tiny FNO on the S x S grid */
static PetscErrorCode TinyFNO(PetscInt width, NOp *nop)
{
  char        w[16];
  const char *opts[][2] = {{"-fno_width", w}, {"-fno_modes", "4"}, {"-fno_layers", "2"}, {"-fno_hidden", "16"}, {"-seed", "7"}};
  PetscInt    sh[3]     = {1, S, S};

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(w, sizeof(w), "%" PetscInt_FMT, width));
  PetscCall(PDT_NOP_FROM_OPTIONS(NOPFNO, opts, nop));
  PetscCall(NOpSetShapes(*nop, 3, sh, 3, sh));
  PetscFunctionReturn(0);
}

/* The data's own solutions have a relative residual at float rounding (measured ~1e-6 at S = 17);
   1% more in one sample's solution gives 1e-2 / 4 samples, and is caught. With LU, M^{-1} A = I: the
   residual loss of the model's prediction is its relative L2 error against the data, which
   PdTrainerEvaluate computes without any matrix. */
static void test_exact_solution(void **state)
{
  PdDataset ds;
  NOp       nop;
  PdTrainer tr;
  PetscInt  idx[4] = {0, 3, 1, 5};
  float    *u;
  double    L, e, per[6];

  PDT(DarcyData(6, 0, &ds, NULL));
  PDT(TinyFNO(4, &nop));
  PDT(PdTrainerCreate(nop, &tr));
  PDT(PdTrainerSetLoss(tr, PD_LOSS_RESIDUAL));
  PDT(PdTrainerSetData(tr, &ds, NULL));
  PDT(PetscMalloc1(4 * ds.out_size, &u));
  for (int k = 0; k < 4; k++) PetscArraycpy(u + k * ds.out_size, ds.outputs + idx[k] * ds.out_size, ds.out_size);
  PDT(PdTrainerResidualLoss(tr, 4, idx, u, PETSC_FALSE, &L));
  print_message("# relative residual of the data's solutions: %.3e\n", L);
  assert_true(L < 1e-4);
  for (PetscInt i = 0; i < ds.out_size; i++) u[ds.out_size + i] *= 1.01f;
  PDT(PdTrainerResidualLoss(tr, 4, idx, u, PETSC_FALSE, &L));
  assert_true(L > 2e-3);
  /* exact preconditioner: the loss is the data error */
  PDT(PdTrainerSetResidualPCType(tr, PCLU));
  PDT(PdTrainerResidualLoss(tr, 4, idx, u, PETSC_FALSE, &L));
  PDT_CLOSE(L, 0.01 / 4, 1e-4);
  PDT(PdTrainerEvaluate(tr, &ds, PD_LOSS_REL_L2, &e, per));
  PDT(PdTrainerResidualLoss(tr, 4, idx, NULL, PETSC_FALSE, &L));
  print_message("# LU-preconditioned residual %.6e, data error %.6e\n", L, (per[0] + per[3] + per[1] + per[5]) / 4);
  assert_true(L > 0.1); /* an untrained model */
  PDT_CLOSE(L, (per[0] + per[3] + per[1] + per[5]) / 4, 1e-4 * L);
  PDT(PetscFree(u));
  PDT(PdTrainerDestroy(&tr));
  PDT(NOpDestroy(&nop));
  PDT(PdDatasetFree(&ds));
}

/* g.v against central differences of the loss along random directions and the gradient itself, for
   the raw residual, the multigrid-preconditioned one and the hybrid loss with half the samples
   labelled. Measured agreement: 1e-5 relative; 2e-3 allowed (float differences with h = 1e-2). */
typedef struct {
  PdTrainer tr;
  PetscInt *idx;
} ResidualCtx;

static PetscErrorCode ResidualLossFn(void *ctx, PetscBool grad, double *L)
{
  ResidualCtx *c = (ResidualCtx *)ctx;
  PetscFunctionBegin;
  PetscCall(PdTrainerResidualLoss(c->tr, 3, c->idx, NULL, grad, L));
  PetscFunctionReturn(0);
}

static void test_gradient(void **state)
{
  PdDataset ds;
  NOp       nop;
  PdTrainer tr;
  PdParams  p;
  PetscInt  idx[3] = {0, 2, 3};

  PDT(DarcyData(4, 0, &ds, NULL));
  for (int kind = 0; kind < 3; kind++) {
    const char *names[] = {"raw residual", "mg residual", "hybrid"};
    ResidualCtx c;
    PDT(TinyFNO(4, &nop));
    PDT(PdTrainerCreate(nop, &tr));
    PDT(PdTrainerSetNormalize(tr, PETSC_FALSE));
    PDT(PdTrainerSetLoss(tr, PD_LOSS_RESIDUAL));
    if (kind == 1) {
      PDT(PetscOptionsSetValue(NULL, "-residual_pc_mg_levels", "3"));
      PDT(PdTrainerSetResidualPCType(tr, PCMG));
    }
    if (kind == 2) PDT(PdTrainerSetHybrid(tr, 0.5, 0.5));
    PDT(PdTrainerSetData(tr, &ds, NULL));
    PDT(NOpGetParams(nop, &p));
    c.tr  = tr;
    c.idx = idx;
    pdt_check_directional(p, 2, ResidualLossFn, &c, names[kind]);
    PDT(PdTrainerDestroy(&tr));
    PDT(NOpDestroy(&nop));
    if (kind == 1) PDT(PetscOptionsClearValue(NULL, "-residual_pc_mg_levels"));
  }
  PDT(PdDatasetFree(&ds));
}

/* training by the LU-preconditioned residual alone, which never reads /outputs (the training
   set here has none), lowers the relative L2 error against the test set's solutions far below that
   of the untrained model (30: its outputs are not yet scaled) and of the zero field (1): measured
   0.17 after 10 epochs */
static void test_residual_training(void **state)
{
  PdDataset ds, te, inputs_only;
  NOp       nop;
  PdTrainer tr;
  PdOptim   opt;
  double    e0, e1;

  PDT(DarcyData(40, 10, &ds, &te));
  inputs_only         = ds;
  inputs_only.outputs = NULL;
  PDT(TinyFNO(8, &nop));
  PDT(PdTrainerCreate(nop, &tr));
  PDT(PdTrainerSetLoss(tr, PD_LOSS_RESIDUAL));
  PDT(PdTrainerSetNormalize(tr, PETSC_TRUE));
  PDT(PdTrainerSetResidualPCType(tr, PCLU));
  PDT(PdTrainerSetData(tr, &inputs_only, &te));
  PDT(PdTrainerSetBatchSize(tr, 10));
  PDT(PdTrainerSetEpochs(tr, 10));
  PDT(PdTrainerGetOptim(tr, &opt));
  PDT(PdOptimSetType(opt, PD_OPTIM_ADAM));
  PDT(PdOptimSetLearningRate(opt, 1e-2));
  PDT(PdTrainerEvaluate(tr, &te, PD_LOSS_REL_L2, &e0, NULL));
  PDT(PdTrainerTrain(tr));
  PDT(PdTrainerEvaluate(tr, &te, PD_LOSS_REL_L2, &e1, NULL));
  print_message("# test rel_l2 %.4e -> %.4e\n", e0, e1);
  assert_true(e1 < e0 && e1 < 0.3);
  PDT(PdTrainerDestroy(&tr));
  PDT(NOpDestroy(&nop));
  PDT(PdDatasetFree(&ds));
}

/* residual losses need Darcy data; hybrid needs outputs and a labelled sample; data losses need
   outputs; the settings' ranges */
static void test_bad_inputs(void **state)
{
  PdDataset ds, other;
  NOp       nop;
  PdTrainer tr;
  double    L;
  PetscInt  idx[1] = {0};

  PDT(DarcyData(4, 0, &ds, NULL));
  other = ds;
  PDT(PdDictCreate(&other.attrs));
  PDT(PdDictSetString(other.attrs, "pde", "poisson"));
  PDT(TinyFNO(4, &nop));
  PDT(PdTrainerCreate(nop, &tr));
  PDT(PdTrainerSetLoss(tr, PD_LOSS_RESIDUAL));
  PDT(PdTrainerSetData(tr, &other, NULL));
  PDT_FAILS(PdTrainerResidualLoss(tr, 1, idx, NULL, PETSC_FALSE, &L));
  PDT_ERRMSG_HAS("Darcy dataset");
  PDT_FAILS(PdTrainerSetHybrid(tr, -1, 0.5));
  PDT_ERRMSG_HAS("-residual_weight");
  PDT_FAILS(PdTrainerSetHybrid(tr, 1, 0));
  PDT_ERRMSG_HAS("-labelled_fraction");
  PDT_FAILS(PdTrainerSetHybrid(tr, 1, 1.5));
  PDT_ERRMSG_HAS("-labelled_fraction");
  /* a fraction that labels no sample of 4 */
  PDT(PdTrainerSetData(tr, &ds, NULL));
  PDT(PdTrainerSetHybrid(tr, 1, 0.1));
  PDT_FAILS(PdTrainerResidualLoss(tr, 1, idx, NULL, PETSC_FALSE, &L));
  PDT_ERRMSG_HAS("labels no sample");
  /* inputs alone: hybrid and data losses cannot train */
  other.outputs = NULL;
  PDT(PdDictDestroy(&other.attrs));
  other.attrs = ds.attrs;
  PDT(PdTrainerSetData(tr, &other, NULL));
  PDT(PdTrainerSetHybrid(tr, 1, 0.5));
  PDT_FAILS(PdTrainerResidualLoss(tr, 1, idx, NULL, PETSC_FALSE, &L));
  PDT_ERRMSG_HAS("only /inputs");
  PDT(PdTrainerSetLoss(tr, PD_LOSS_REL_L2));
  PDT_FAILS(PdTrainerTrain(tr));
  PDT_ERRMSG_HAS("only /inputs");
  PDT_FAILS(PdTrainerResidualLoss(tr, 1, idx, NULL, PETSC_FALSE, &L));
  PDT_ERRMSG_HAS("not residual or hybrid");
  PDT(PdTrainerDestroy(&tr));
  /* a coefficient that is not positive somewhere: one error naming the sample and the node */
  {
    float *saved = ds.inputs, *in;
    PDT(PetscMalloc1(ds.N * ds.in_size, &in));
    PDT(PetscArraycpy(in, saved, ds.N * ds.in_size));
    in[ds.in_size + 7] = 0;
    ds.inputs          = in;
    PDT(PdTrainerCreate(nop, &tr));
    PDT(PdTrainerSetLoss(tr, PD_LOSS_RESIDUAL));
    PDT(PdTrainerSetData(tr, &ds, NULL));
    idx[0] = 1;
    PDT_FAILS(PdTrainerResidualLoss(tr, 1, idx, NULL, PETSC_FALSE, &L));
    PDT_ERRMSG_HAS("sample 1 of the training set has coefficient 0");
    PDT_ERRMSG_HAS("at node 7");
    PDT(PdTrainerDestroy(&tr));
    ds.inputs = saved;
    PDT(PetscFree(in));
  }
  PDT(NOpDestroy(&nop));
  PDT(PdDatasetFree(&ds));
}

/* preconditioners that are not a fixed linear operator with a transpose are refused by name */
static void test_nonlinear_pcs(void **state)
{
  const char *bad[][4] = {
    {"eisenstat", "", "", "inside a KSP's pre-solve"},
    {"hypre", "", "", "returns zero for its transpose"},
    {"ksp", "", "", "not a linear operator"},
    {"mg", "-residual_mg_levels_ksp_type", "gmres", "a Krylov method"},
    {"mg", "-residual_pc_mg_levels", "0", "must be at least 1"},
  };
  PdDataset ds;
  NOp       nop;
  PdTrainer tr;
  double    L;
  PetscInt  idx[1] = {0};

  PDT(DarcyData(2, 0, &ds, NULL));
  PDT(TinyFNO(4, &nop));
  for (size_t k = 0; k <= sizeof(bad) / sizeof(bad[0]); k++) {
    const PetscBool good = (PetscBool)(k == sizeof(bad) / sizeof(bad[0])); /* last: mg with its default, linear smoothers */
    PDT(PdTrainerCreate(nop, &tr));
    PDT(PdTrainerSetLoss(tr, PD_LOSS_RESIDUAL));
    PDT(PdTrainerSetResidualPCType(tr, good ? "mg" : bad[k][0]));
    PDT(PdTrainerSetData(tr, &ds, NULL));
    if (good) PDT(PdTrainerResidualLoss(tr, 1, idx, NULL, PETSC_FALSE, &L));
    else {
      if (bad[k][1][0]) PDT(PetscOptionsSetValue(NULL, bad[k][1], bad[k][2]));
      PDT_FAILS(PdTrainerResidualLoss(tr, 1, idx, NULL, PETSC_FALSE, &L));
      PDT_ERRMSG_HAS(bad[k][3]);
      if (bad[k][1][0]) PDT(PetscOptionsClearValue(NULL, bad[k][1]));
    }
    PDT(PdTrainerDestroy(&tr));
  }
  assert_true(L > 0);
  PDT(NOpDestroy(&nop));
  PDT(PdDatasetFree(&ds));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_exact_solution),
  cmocka_unit_test(test_gradient),
  cmocka_unit_test(test_residual_training),
  cmocka_unit_test(test_bad_inputs),
  cmocka_unit_test(test_nonlinear_pcs),
};
PDT_MAIN("residual", tests)
