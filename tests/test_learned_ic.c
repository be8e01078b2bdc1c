/* Tests of the learned incomplete Cholesky preconditioner: the factor's solves invert its own
   product L L^T, the engine's loss equals the same quantity computed from the assembled factor,
   parameter gradients match finite differences, a short training beats ICC(0) in CG iterations on
   held-out Darcy systems, and bad models and matrices are clear errors. */
#include "pdtest.h"
#include "pdtest_learned_ic.h"
#include <pdeop/learned.h>

static PetscErrorCode MakeGraph(PetscInt res, PetscInt s, PetscInt P, PdFamily *fam, Mat *A, PdICGraph *g)
{
  Vec      b, x;
  KSP      ksp;
  PetscInt n;
  double  *xs, *bs;

  PetscFunctionBegin;
  PetscCall(PdFamilyOperator(fam, s, A));
  PetscCall(MatCreateVecs(*A, &x, &b));
  PetscCall(VecGetSize(b, &n));
  PetscCall(PetscMalloc2(n * P, &xs, n * P, &bs));
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetOperators(ksp, *A, *A));
  PetscCall(KSPSetType(ksp, KSPPREONLY));
  {
    PC pc;
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(PCSetType(pc, PCCHOLESKY));
  }
  for (PetscInt k = 0; k < P; k++) {
    const PetscScalar *xa, *ba;
    PetscCall(PdFamilyRHS(fam, s, k, b));
    PetscCall(KSPSolve(ksp, b, x));
    PetscCall(VecGetArrayRead(x, &xa));
    PetscCall(VecGetArrayRead(b, &ba));
    for (PetscInt i = 0; i < n; i++) {
      xs[i * P + k] = xa[i];
      bs[i * P + k] = ba[i];
    }
    PetscCall(VecRestoreArrayRead(x, &xa));
    PetscCall(VecRestoreArrayRead(b, &ba));
  }
  PetscCall(PdICGraphCreate(*A, g));
  PetscCall(PdICGraphSetPairs(*g, P, xs, bs));
  PetscCall(PetscFree2(xs, bs));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscFunctionReturn(0);
}

/* a learned_ic NOp of width W and K layers from the seed, through the object API: a correction to
   ICC(0)'s factor, or (correction false) a network that predicts the factor itself */
static PetscErrorCode MakeModelAs(PetscInt W, PetscInt K, PetscInt64 seed, PetscBool correction, NOp *m)
{
  PetscFunctionBegin;
  PetscCall(NOpCreate(PETSC_COMM_SELF, m));
  PetscCall(NOpSetType(*m, NOPLEARNEDIC));
  PetscCall(NOpSetSeed(*m, seed));
  PetscCall(NOpLearnedICSetLayers(*m, W, K));
  PetscCall(NOpLearnedICSetCorrection(*m, correction));
  PetscCall(NOpSetUp(*m));
  PetscFunctionReturn(0);
}

static PetscErrorCode MakeModel(PetscInt W, PetscInt K, PetscInt64 seed, NOp *m)
{
  PetscFunctionBegin;
  PetscCall(MakeModelAs(W, K, seed, PETSC_TRUE, m));
  PetscFunctionReturn(0);
}

/* MakeModelAs(8, 2, 5) with every parameter moved by a uniform draw in [-0.15, 0.15) from *rng, seeded
   (11, 0) here and left for the caller to draw on: random, but not trivial (perturbed heads) */
static PetscErrorCode PerturbedModel(PdRng *rng, PetscBool correction, NOp *m)
{
  PetscFunctionBegin;
  PetscCall(MakeModelAs(8, 2, 5, correction, m));
  PetscCall(PdtPerturbParams(*m, rng));
  PetscFunctionReturn(0);
}

/* Apply inverts Mult; the engine's loss equals ||D^-1/2 (M x - b)||^2 / ||D^-1/2 b||^2 from the
   assembled factor in double precision; gradients match differences. The model is random but not
   trivial (perturbed heads), of either parameterisation. */
static void FactorAndLoss(PetscBool correction)
{
  PdFamily     fam;
  Mat          A = NULL;
  PdICGraph    g;
  NOp          m;
  PdICFactor   f;
  PdParams     p;
  PdTape       tape;
  PdTensor     l;
  float       *data, *grad;
  PetscInt     n, np, nnz, P = 2;
  PetscScalar *x, *y, *z, *b, *xx;
  Vec          bv, xv;
  KSP          ksp;
  PC           pc;
  PdRng        rng;
  double       err = 0, loss = 0;

  PDT(PdFamilyCreate(9, 3, &fam));
  PDT(MakeGraph(9, 0, P, &fam, &A, &g));
  PDT(PerturbedModel(&rng, correction, &m));
  PDT(NOpGetParams(m, &p));
  PDT(PdParamsGetArrays(p, &data, &grad));
  PDT(PdParamsGetBufferSize(p, &np));
  PDT(PdLearnedICFactor(m, NULL, g, &f));
  PDT(PdICFactorGetSize(f, &n, &nnz));
  assert_int_equal(n, 81);
  assert_true(nnz > n && nnz < 3 * n); /* diagonal plus the nonzero lower entries of a 5-point stencil */
  PDT(PetscMalloc5(n, &x, n, &y, n, &z, n, &b, n, &xx));
  for (PetscInt i = 0; i < n; i++) x[i] = PdRngNormal(&rng);
  PDT(PdICFactorMult(f, x, y));
  PDT(PdICFactorApply(f, y, z));
  for (PetscInt i = 0; i < n; i++) err = PetscMax(err, PetscAbsScalar(z[i] - x[i]));
  if (err > 1e-10) fail_msg("L^-T L^-1 (L L^T x) differs from x by %g", err);
  /* symmetric: <M x, x2> = <x, M x2> */
  {
    double a1 = 0, a2 = 0;
    for (PetscInt i = 0; i < n; i++) xx[i] = PdRngNormal(&rng);
    PDT(PdICFactorMult(f, xx, z));
    for (PetscInt i = 0; i < n; i++) {
      a1 += y[i] * xx[i];
      a2 += x[i] * z[i];
    }
    PDT_CLOSE(a1, a2, 1e-10 * PetscAbsReal(a1));
  }
  /* the loss from the factor, pair by pair */
  PDT(MatCreateVecs(A, &xv, &bv));
  PDT(KSPCreate(PETSC_COMM_SELF, &ksp));
  PDT(KSPSetOperators(ksp, A, A));
  PDT(KSPSetType(ksp, KSPPREONLY));
  PDT(KSPGetPC(ksp, &pc));
  PDT(PCSetType(pc, PCCHOLESKY));
  for (PetscInt k = 0; k < P; k++) {
    const PetscScalar *xa, *ba;
    double             num = 0, den = 0;
    Vec                d;
    const PetscScalar *da;
    PDT(PdFamilyRHS(&fam, 0, k, bv));
    PDT(KSPSolve(ksp, bv, xv));
    PDT(MatCreateVecs(A, &d, NULL));
    PDT(MatGetDiagonal(A, d));
    PDT(VecGetArrayRead(xv, &xa));
    PDT(VecGetArrayRead(bv, &ba));
    PDT(VecGetArrayRead(d, &da));
    PDT(PdICFactorMult(f, xa, y));
    for (PetscInt i = 0; i < n; i++) {
      num += PetscSqr(y[i] - ba[i]) / da[i];
      den += PetscSqr(ba[i]) / da[i];
    }
    loss += num / den / P;
    PDT(VecRestoreArrayRead(d, &da));
    PDT(VecRestoreArrayRead(xv, &xa));
    PDT(VecRestoreArrayRead(bv, &ba));
    PDT(VecDestroy(&d));
  }
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdLearnedICLoss(m, tape, g, &l));
  if (fabs(l->data[0] - loss) > 1e-4 * loss) fail_msg("engine loss %.7g, loss from the assembled factor %.7g", (double)l->data[0], loss);

  /* parameter gradients against central differences (every parameter) */
  {
    double maxdiff = 0, maxg = 0;
    PDT(PdtLearnedICGradCheck(m, tape, g, l, &maxdiff, &maxg));
    if (!(maxg > 1e-3)) fail_msg("learned_ic parameter gradients all vanish (largest %g): the check would check nothing", maxg);
    if (maxdiff > 2e-2 * maxg) fail_msg("learned_ic parameter gradient off by %g (largest %g)", maxdiff, maxg);
  }
  PDT(KSPDestroy(&ksp));
  PDT(VecDestroy(&xv));
  PDT(VecDestroy(&bv));
  PDT(PdTapeDestroy(&tape));
  PDT(PetscFree5(x, y, z, b, xx));
  PDT(PdICFactorDestroy(&f));
  PDT(PdICGraphDestroy(&g));
  PDT(NOpDestroy(&m));
  PDT(MatDestroy(&A));
  PDT(PdFamilyDestroy(&fam));
}

static void test_factor_and_loss(void **state)
{
  FactorAndLoss(PETSC_TRUE);
  FactorAndLoss(PETSC_FALSE);
}

/* CG to rtol 1e-8 with the PC (and its model file, through -pc_learned_model): the iterations */
static PetscErrorCode CGIterations(Mat A, Vec b, const char *pctype, const char *model, PetscInt *its)
{
  Vec            x;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(b, &x));
  ierr = PdtKSPSolve(A, b, x, NULL, KSPCG, pctype, 1e-8, 10000, "pc_learned_model", model, its);
  PetscCall(VecDestroy(&x));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* 12 Darcy systems at 33^2, 25 epochs of Adam (about a second): on 4 held-out systems CG with the
   saved and reloaded model needs fewer iterations than with ICC(0) (measured: about 25 against 35),
   and the solution equals a direct solve. */
static void test_training_beats_icc(void **state)
{
  const PetscInt count = 12, P = 3, epochs = 25;
  PdFamily       fam, held;
  PdICGraph      g[12];
  Mat            A = NULL;
  NOp            m;
  PdParams       p;
  PdOptim        opt;
  PdTape         tape;
  PetscInt       itl = 0, iti = 0;
  double         first = 0, last = 0;

  PDT(PdFamilyCreate(33, 0, &fam));
  for (PetscInt s = 0; s < count; s++) PDT(MakeGraph(33, s, P, &fam, &A, &g[s]));
  PDT(MakeModel(4, 1, 0, &m));
  PDT(NOpGetParams(m, &p));
  PDT(PdOptimCreate(p, &opt));
  PDT(PdOptimSetType(opt, PD_OPTIM_ADAM));
  PDT(PdOptimSetLearningRate(opt, 3e-3));
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  for (PetscInt e = 0; e < epochs; e++) {
    double sum = 0;
    for (PetscInt s = 0; s < count; s++) {
      PdTensor l;
      PDT(PdParamsZeroGrad(p));
      PDT(PdTapeReset(tape));
      PDT(PdLearnedICLoss(m, tape, g[s], &l));
      sum += l->data[0];
      PDT(PdTapeBackward(tape, l));
      PDT(PdOptimStep(opt, NULL));
    }
    if (e == 0) first = sum / count;
    last = sum / count;
  }
  if (!(last < 0.05 * first)) fail_msg("training did not reduce the loss: %g -> %g", first, last);
  PDT(NOpSave(m, "ic_test.h5", NULL, 0));

  PDT(PdFamilyCreate(33, 777, &held));
  for (PetscInt s = 0; s < 4; s++) {
    Mat      B = NULL;
    Vec      b;
    PetscInt i1, i2;
    PDT(PdFamilyOperator(&held, s, &B));
    PDT(MatCreateVecs(B, NULL, &b));
    PDT(PdFamilyRHS(&held, s, 0, b));
    PDT(CGIterations(B, b, "learned_ic", "ic_test.h5", &i1));
    PDT(CGIterations(B, b, PCICC, NULL, &i2));
    itl += i1;
    iti += i2;
    PDT(VecDestroy(&b));
    PDT(MatDestroy(&B));
  }
  print_message("held-out CG iterations: learned_ic %d, icc %d (4 systems)\n", (int)itl, (int)iti);
  if (!(itl < iti)) fail_msg("learned_ic took %d CG iterations, ICC(0) %d", (int)itl, (int)iti);
  PDT(PdFamilyDestroy(&held));
  for (PetscInt s = 0; s < count; s++) PDT(PdICGraphDestroy(&g[s]));
  PDT(PdTapeDestroy(&tape));
  PDT(PdOptimDestroy(&opt));
  PDT(NOpDestroy(&m));
  PDT(MatDestroy(&A));
  PDT(PdFamilyDestroy(&fam));
}

/* M x for a factor, into y (n values) */
static PetscErrorCode FactorsEqual(PdICFactor f1, PdICFactor f2, PetscInt n, PetscBool *equal)
{
  PetscScalar *x, *y1, *y2;
  PdRng        rng;
  PetscInt     n1, n2, z1, z2;

  PetscFunctionBegin;
  PetscCall(PdICFactorGetSize(f1, &n1, &z1));
  PetscCall(PdICFactorGetSize(f2, &n2, &z2));
  *equal = (PetscBool)(n1 == n && n2 == n && z1 == z2);
  if (!*equal) PetscFunctionReturn(0);
  PetscCall(PetscMalloc3(n, &x, n, &y1, n, &y2));
  PetscCall(PdRngSeed(&rng, 3, 0));
  for (PetscInt i = 0; i < n; i++) x[i] = PdRngNormal(&rng);
  PetscCall(PdICFactorMult(f1, x, y1));
  PetscCall(PdICFactorMult(f2, x, y2));
  for (PetscInt i = 0; i < n; i++) *equal = (PetscBool)(*equal && y1[i] == y2[i]);
  PetscCall(PdICFactorApply(f1, x, y1));
  PetscCall(PdICFactorApply(f2, x, y2));
  for (PetscInt i = 0; i < n; i++) *equal = (PetscBool)(*equal && y1[i] == y2[i]);
  PetscCall(PetscFree3(x, y1, y2));
  PetscFunctionReturn(0);
}

/* save, load, and compare: type, hyperparameters, seed, parameters bit for bit, the factor on g */
static PetscErrorCode CheckRoundTrip(NOp m, PdICGraph g, PetscInt n, const char *file)
{
  NOp        m2;
  NOpType    type;
  PdParams   p1, p2;
  PetscInt   n1, n2, w1, w2, k1, k2;
  PetscInt64 s1, s2;
  PdICFactor f1, f2;
  PetscBool  same;

  PetscFunctionBegin;
  PetscCall(NOpSave(m, file, NULL, 0));
  PetscCall(NOpLoad(PETSC_COMM_SELF, file, &m2, NULL));
  PetscCall(NOpGetType(m2, &type));
  PetscCall(PetscStrcmp(type, NOPLEARNEDIC, &same));
  PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_PLIB, "reloaded model has type %s", type);
  PetscCall(NOpLearnedICGetLayers(m, &w1, &k1));
  PetscCall(NOpLearnedICGetLayers(m2, &w2, &k2));
  PetscCall(NOpGetSeed(m, &s1));
  PetscCall(NOpGetSeed(m2, &s2));
  PetscCheck(w1 == w2 && k1 == k2 && s1 == s2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "reloaded width/layers/seed differ");
  {
    PetscBool c1, c2;
    PetscCall(NOpLearnedICGetCorrection(m, &c1));
    PetscCall(NOpLearnedICGetCorrection(m2, &c2));
    PetscCheck(c1 == c2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "reloaded parameterisation differs");
  }
  PetscCall(NOpGetParams(m, &p1));
  PetscCall(NOpGetParams(m2, &p2));
  PetscCall(PdParamsGetNumber(p1, &n1));
  PetscCall(PdParamsGetNumber(p2, &n2));
  PetscCheck(n1 == n2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "reloaded model has %" PetscInt_FMT " parameter tensors, not %" PetscInt_FMT, n2, n1);
  for (PetscInt t = 0; t < n1; t++) {
    PdTensor t1, t2;
    PetscCall(PdParamsGetTensor(p1, t, &t1));
    PetscCall(PdParamsGetTensor(p2, t, &t2));
    PetscCall(PetscStrcmp(t1->name, t2->name, &same));
    PetscCheck(same && t1->size == t2->size && !memcmp(t1->data, t2->data, sizeof(float) * (size_t)t1->size), PETSC_COMM_SELF, PETSC_ERR_PLIB, "reloaded parameter %s differs", t1->name);
  }
  PetscCall(PdLearnedICFactor(m, NULL, g, &f1));
  PetscCall(PdLearnedICFactor(m2, NULL, g, &f2));
  PetscCall(FactorsEqual(f1, f2, n, &same));
  PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_PLIB, "the reloaded model gives another factor");
  PetscCall(PdICFactorDestroy(&f1));
  PetscCall(PdICFactorDestroy(&f2));
  PetscCall(NOpDestroy(&m2));
  PetscFunctionReturn(0);
}

/* The learned_ic network is an NOp: NOpSave/NOpLoad give identical parameters and an identical factor
   on a Darcy and a Poisson matrix; NOpView names it; a file of the former PdLearnedICSave format
   (tests/data/learned_ic_v0.h5: width 4, one layer, written before the network became an NOp) loads
   through NOpLoad and the PC, and round-trips too. cli_precond checks that file's iterations against
   the former code's. */
static void test_nop_save_load(void **state)
{
  PdFamily    darcy, poisson;
  Mat         A = NULL, B = NULL;
  PdICGraph   g, gp;
  NOp         m, old;
  PetscInt    w, k, its;
  PdRng       rng;
  char        buf[512], file[PETSC_MAX_PATH_LEN];
  PetscViewer v;
  Vec         b;
  const char *src = getenv("PDEOP_SOURCE_DIR");

  PDT(PdFamilyCreate(9, 3, &darcy));
  PDT(MakeGraph(9, 0, 2, &darcy, &A, &g));
  PDT(PdFamilyCreate(9, 4, &poisson));
  PDT(PdFamilySetProblem(&poisson, PDPROBLEMPOISSON));
  PDT(MakeGraph(9, 0, 2, &poisson, &B, &gp));
  PDT(PerturbedModel(&rng, PETSC_TRUE, &m));
  PDT(CheckRoundTrip(m, g, 81, "ic_rt.h5"));
  PDT(CheckRoundTrip(m, gp, 81, "ic_rt.h5"));
  {
    NOp       d;
    PetscBool c;
    PDT(PerturbedModel(&rng, PETSC_FALSE, &d));
    PDT(CheckRoundTrip(d, g, 81, "ic_rt_direct.h5"));
    PDT(NOpLearnedICGetCorrection(d, &c));
    assert_false(c);
    PDT(NOpDestroy(&d));
  }
  PDT(PetscViewerASCIIOpen(PETSC_COMM_SELF, "ic_view.txt", &v));
  PDT(NOpView(m, v));
  PDT(PetscViewerDestroy(&v));
  {
    FILE  *fp = fopen("ic_view.txt", "r");
    size_t nr;
    assert_non_null(fp);
    nr      = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[nr] = 0;
    fclose(fp);
  }
  if (!strstr(buf, "learned_ic") || !strstr(buf, "width 8, 2 message-passing layers") || !strstr(buf, "correction to ICC(0)")) fail_msg("NOpView: %s", buf);
  PDT_FAILS(NOpMLPSetLayers(m, 4, 1));
  PDT_ERRMSG_HAS("type mlp");
  {
    PdTape   tape;
    PdTensor x, y;
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 2, (PetscInt[]){1, 3}, &x));
    PDT_FAILS(NOpForward(m, tape, x, &y));
    PDT_ERRMSG_HAS("NOpLearnedICForward");
    PDT(PdTapeDestroy(&tape));
  }
  PDT(NOpDestroy(&m));

  assert_non_null(src);
  PDT(PetscSNPrintf(file, sizeof(file), "%s/tests/data/learned_ic_v0.h5", src));
  PDT(NOpLoad(PETSC_COMM_SELF, file, &old, NULL));
  PDT(NOpLearnedICGetLayers(old, &w, &k));
  assert_int_equal(w, 4);
  assert_int_equal(k, 1);
  {
    PetscBool c;
    PDT(NOpLearnedICGetCorrection(old, &c));
    assert_false(c); /* written before the correction existed: the network predicts the factor */
  }
  PDT(CheckRoundTrip(old, gp, 81, "ic_v0_rt.h5"));
  PDT(MatCreateVecs(B, NULL, &b));
  PDT(VecSet(b, 1.0));
  PDT(CGIterations(B, b, "learned_ic", file, &its));
  assert_true(its > 0 && its < 81);
  PDT(VecDestroy(&b));
  PDT(NOpDestroy(&old));
  PDT(PdICGraphDestroy(&g));
  PDT(PdICGraphDestroy(&gp));
  PDT(MatDestroy(&A));
  PDT(MatDestroy(&B));
  PDT(PdFamilyDestroy(&darcy));
  PDT(PdFamilyDestroy(&poisson));
}

/* An untrained correction model is ICC(0): its preconditioner equals PETSc's PCICC on random vectors
   to float precision (the graph's own ICC(0), PdICGraphICCFactor, to double precision), on a Darcy system and on a Poisson system of another size, and CG needs the
   same iterations with either (through the PC and a saved model file) */
static void test_untrained_is_icc(void **state)
{
  NOp      m;
  PetscInt sizes[2] = {33, 20};

  PDT(MakeModel(4, 1, 0, &m));
  PDT(NOpSave(m, "ic_untrained.h5", NULL, 0));
  for (int c = 0; c < 2; c++) {
    PdFamily           fam;
    Mat                A = NULL;
    PdICGraph          g;
    PdICFactor         f;
    PC                 icc;
    Vec                r, y, b;
    PetscScalar       *ya, *z;
    const PetscScalar *ra;
    PetscInt           n, i1, i2;
    PdRng              rng;
    double             err = 0, nrm = 0;

    PDT(PdFamilyCreate(sizes[c], 5, &fam));
    if (c == 1) PDT(PdFamilySetProblem(&fam, PDPROBLEMPOISSON));
    PDT(PdFamilyOperator(&fam, 0, &A));
    PDT(PdICGraphCreate(A, &g));
    PDT(PdLearnedICFactor(m, NULL, g, &f));
    PDT(PCCreate(PETSC_COMM_SELF, &icc));
    PDT(PCSetType(icc, PCICC));
    PDT(PCSetOperators(icc, A, A));
    PDT(PCSetUp(icc));
    PDT(MatCreateVecs(A, &r, &y));
    PDT(VecGetLocalSize(r, &n));
    PDT(PdRngSeed(&rng, 7, 0));
    PDT(VecGetArrayWrite(r, &ya));
    for (PetscInt i = 0; i < n; i++) ya[i] = PdRngNormal(&rng);
    PDT(VecRestoreArrayWrite(r, &ya));
    PDT(PCApply(icc, r, y));
    PDT(PetscMalloc1(n, &z));
    PDT(VecGetArrayRead(r, &ra));
    PDT(PdICFactorApply(f, ra, z));
    PDT(VecRestoreArrayRead(r, &ra));
    PDT(VecGetArrayRead(y, &ra));
    for (PetscInt i = 0; i < n; i++) {
      err = PetscMax(err, PetscAbsScalar(z[i] - ra[i]));
      nrm = PetscMax(nrm, PetscAbsScalar(ra[i]));
    }
    PDT(VecRestoreArrayRead(y, &ra));
    if (!(err <= 1e-5 * nrm)) fail_msg("untrained correction model against ICC(0): max difference %g (max entry %g)", err, nrm);
    { /* the graph's own ICC(0) in double precision: PETSc's to rounding, no shift on these M-matrices */
      PdICFactor f0;
      PetscReal  shift;
      err = 0;
      PDT(PdICGraphICCFactor(g, &f0, &shift));
      assert_true(shift == 0);
      PDT(VecGetArrayRead(r, &ra));
      PDT(PdICFactorApply(f0, ra, z));
      PDT(VecRestoreArrayRead(r, &ra));
      PDT(VecGetArrayRead(y, &ra));
      for (PetscInt i = 0; i < n; i++) err = PetscMax(err, PetscAbsScalar(z[i] - ra[i]));
      PDT(VecRestoreArrayRead(y, &ra));
      if (!(err <= 1e-12 * nrm)) fail_msg("the graph's ICC(0) against PETSc's: max difference %g (max entry %g)", err, nrm);
      PDT(PdICFactorDestroy(&f0));
    }
    PDT(MatCreateVecs(A, NULL, &b));
    PDT(PdFamilyRHS(&fam, 0, 0, b));
    PDT(CGIterations(A, b, "learned_ic", "ic_untrained.h5", &i1));
    PDT(CGIterations(A, b, PCICC, NULL, &i2));
    assert_int_equal(i1, i2);
    PDT(PetscFree(z));
    PDT(VecDestroy(&b));
    PDT(VecDestroy(&r));
    PDT(VecDestroy(&y));
    PDT(PCDestroy(&icc));
    PDT(PdICFactorDestroy(&f));
    PDT(PdICGraphDestroy(&g));
    PDT(MatDestroy(&A));
    PDT(PdFamilyDestroy(&fam));
  }
  PDT(NOpDestroy(&m));
}

/* The trial's verdict is kept for a sequence: with -pc_learned_ic_trial_every 3 one KSP solving 5
   Darcy systems runs the trial at set-ups 1 and 4, and each solve with the weak former-format model
   (which loses to ICC(0)) takes ICC(0)'s iterations, the kept verdict included; a Poisson system of
   another size runs it again, and -pc_learned_ic_trial_every 1 runs it at every set-up */
static void test_trial_every(void **state)
{
  PdFamily    fam, poisson;
  Mat         A = NULL, B = NULL;
  Vec         b, x;
  KSP         ksp;
  PC          pc;
  PetscInt    trials, setups, its, iti;
  char        file[PETSC_MAX_PATH_LEN];
  const char *src = getenv("PDEOP_SOURCE_DIR"), *ran;

  assert_non_null(src);
  PDT(PetscSNPrintf(file, sizeof(file), "%s/tests/data/learned_ic_v0.h5", src));
  PDT(PdFamilyCreate(17, 9, &fam));
  PDT(KSPCreate(PETSC_COMM_SELF, &ksp));
  PDT(KSPSetType(ksp, KSPCG));
  PDT(KSPSetTolerances(ksp, 1e-8, 1e-50, PETSC_DEFAULT, 1000));
  PDT(KSPGetPC(ksp, &pc));
  PDT(PCSetType(pc, "learned_ic"));
  PDT(KSPSetOptionsPrefix(ksp, "te_"));
  PDT(PetscOptionsSetValue(NULL, "-te_pc_learned_model", file));
  PDT(PetscOptionsSetValue(NULL, "-te_pc_learned_ic_trial_every", "3"));
  PDT(KSPSetFromOptions(ksp));
  for (PetscInt s = 0; s < 5; s++) {
    PDT(PdFamilyOperator(&fam, s, &A));
    if (!s) PDT(MatCreateVecs(A, &x, &b));
    PDT(PdFamilyRHS(&fam, s, 0, b));
    PDT(KSPSetOperators(ksp, A, A));
    PDT(KSPSolve(ksp, b, x));
    PDT(KSPGetIterationNumber(ksp, &its));
    PDT(PCLearnedICGetRan(pc, &ran));
    assert_string_equal(ran, "icc");
    PDT(CGIterations(A, b, PCICC, NULL, &iti));
    assert_int_equal(its, iti);
  }
  PDT(PCLearnedICGetTrials(pc, &trials, &setups, NULL));
  assert_int_equal(setups, 5);
  assert_int_equal(trials, 2);
  PDT(PdFamilyCreate(9, 4, &poisson));
  PDT(PdFamilySetProblem(&poisson, PDPROBLEMPOISSON));
  PDT(PdFamilyOperator(&poisson, 0, &B));
  PDT(KSPReset(ksp));
  PDT(KSPSetOperators(ksp, B, B));
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&x));
  PDT(MatCreateVecs(B, &x, &b));
  PDT(VecSet(b, 1.0));
  PDT(KSPSolve(ksp, b, x));
  PDT(PCLearnedICGetTrials(pc, &trials, &setups, NULL));
  assert_int_equal(trials, 3);
  PDT(PetscOptionsSetValue(NULL, "-te_pc_learned_ic_trial_every", "1"));
  PDT(KSPSetFromOptions(ksp));
  for (PetscInt s = 1; s < 3; s++) { /* refilled: a new set-up */
    PDT(PdFamilyOperator(&poisson, s, &B));
    PDT(KSPSetOperators(ksp, B, B));
    PDT(KSPSolve(ksp, b, x));
  }
  PDT(PCLearnedICGetTrials(pc, &trials, &setups, NULL));
  assert_int_equal(trials, 5);
  assert_int_equal(setups, 8);
  PDT(PetscOptionsClearValue(NULL, "-te_pc_learned_model"));
  PDT(PetscOptionsClearValue(NULL, "-te_pc_learned_ic_trial_every"));
  PDT(KSPDestroy(&ksp));
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&x));
  PDT(MatDestroy(&A));
  PDT(MatDestroy(&B));
  PDT(PdFamilyDestroy(&fam));
  PDT(PdFamilyDestroy(&poisson));
}

/* No model, a missing file, a file of another kind, a matrix that is not SPD */
static void test_errors(void **state)
{
  PdFamily  fam;
  Mat       A = NULL, B;
  Vec       b;
  PetscInt  its;
  NOp       m;
  PdICGraph g;

  PDT(PdFamilyCreate(9, 0, &fam));
  PDT(PdFamilyOperator(&fam, 0, &A));
  PDT(MatCreateVecs(A, NULL, &b));
  PDT(VecSet(b, 1.0));
  PDT_FAILS(CGIterations(A, b, "learned_ic", NULL, &its));
  PDT_ERRMSG_HAS("-pc_learned_model");
  PDT_FAILS(CGIterations(A, b, "learned_ic", "no_such_model.h5", &its));
  PDT_ERRMSG_HAS("no_such_model.h5");
  {
    PdDict d;
    PDT(PdDictCreate(&d));
    PDT(PdDictSetString(d, "model", "fno"));
    PDT(MakeModel(4, 1, 0, &m));
    PdParams p;
    PDT(NOpGetParams(m, &p));
    PDT(PdCheckpointWrite(PETSC_COMM_SELF, "not_ic.h5", d, p, NULL, 0));
    PDT(PdDictDestroy(&d));
    PDT(NOpDestroy(&m));
  }
  PDT_FAILS(CGIterations(A, b, "learned_ic", "not_ic.h5", &its));
  PDT_ERRMSG_HAS("not a learned_ic");
  PDT(MatDuplicate(A, MAT_COPY_VALUES, &B));
  PDT(MatSetValue(B, 40, 40, -1.0, INSERT_VALUES));
  PDT(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
  PDT(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
  PDT_FAILS(PdICGraphCreate(B, &g));
  PDT_ERRMSG_HAS("positive definite");
  PDT(MatDestroy(&B));
  PDT(VecDestroy(&b));
  PDT(MatDestroy(&A));
  PDT(PdFamilyDestroy(&fam));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_factor_and_loss),
  cmocka_unit_test(test_training_beats_icc),
  cmocka_unit_test(test_nop_save_load),
  cmocka_unit_test(test_untrained_is_icc),
  cmocka_unit_test(test_trial_every),
  cmocka_unit_test(test_errors),
};
PDT_MAIN("learned_ic", tests)
