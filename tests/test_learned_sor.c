/* Tests of -pc_type learned_sor: one omega is exactly SSOR; the bandits alone find the best arm;
   a sequence of Darcy systems through one KSP learns a good omega; a saved state continues the
   sequence exactly; out-of-range options are one clear error; a bandit pretrained with full
   information starts a sequence closer to the best omega, and -pc_learned_model loads it. */
#include "pdtest.h"
#include <pdeop/darcy.h>
#include <pdeop/field.h>
#include <pdeop/mesh.h>
#include <pdeop/precond.h>
#include "precond/impls/learned_sor/learned_sor_impl.h"

/* the FNO Darcy coefficient (12 / 3 thresholded Gaussian random field) of system s */
static PetscErrorCode DarcySystem(DM da, PetscInt n, PetscInt s, Mat *A)
{
  PdRng   rng;
  double *a;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n * n, &a));
  PetscCall(PdRngSeed(&rng, 11, (uint64_t)s));
  PetscCall(PdGaussianRandomField2D(n, 2, 3, &rng, a));
  PetscCall(PdFieldThreshold(n * n, a, 12, 3));
  PetscCall(DMCreateMatrix(da, A));
  PetscCall(PdDarcyOperator(da, a, PD_FACE_HARMONIC, *A));
  PetscCall(PetscFree(a));
  PetscFunctionReturn(0);
}

/* a CG solver with a PC of the type (NULL: the default), then, given a prefix, the options under it
   (the learned_sor settings that have no setters: -pc_learned_sor_*, -pc_learned_model) */
static PetscErrorCode CreateCG(const char prefix[], PCType pctype, PetscReal rtol, PetscInt maxits, KSP *ksp)
{
  PetscFunctionBegin;
  PetscCall(KSPCreate(PETSC_COMM_SELF, ksp));
  PetscCall(KSPSetType(*ksp, KSPCG));
  PetscCall(KSPSetTolerances(*ksp, rtol, PETSC_DEFAULT, PETSC_DEFAULT, maxits));
  if (pctype) {
    PC pc;
    PetscCall(KSPGetPC(*ksp, &pc));
    PetscCall(PCSetType(pc, pctype));
  }
  if (prefix) {
    PetscCall(KSPSetOptionsPrefix(*ksp, prefix));
    PetscCall(KSPSetFromOptions(*ksp));
  }
  PetscFunctionReturn(0);
}

/* CG + SSOR with the omega, by the setters */
static PetscErrorCode CreateSSOR(PetscReal omega, PetscReal rtol, PetscInt maxits, KSP *ksp)
{
  PC pc;

  PetscFunctionBegin;
  PetscCall(CreateCG(NULL, PCSOR, rtol, maxits, ksp));
  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PCSORSetSymmetric(pc, SOR_SYMMETRIC_SWEEP));
  PetscCall(PCSORSetOmega(pc, omega));
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve(KSP ksp, Mat A, Vec b, Vec x, PetscInt *its)
{
  KSPConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCheck(reason > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "solve diverged: %s", KSPConvergedReasons[reason]);
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscFunctionReturn(0);
}

/* S systems through one new CG + learned_sor KSP (its other settings from the options under ls_): total iterations, which the
   PC's own statistics must match */
static PetscErrorCode RunSequence(PetscInt S, Mat A[], Vec b, Vec x, KSP *ksp, PetscInt *total)
{
  PC       pc;
  PetscInt solves, counted;

  PetscFunctionBegin;
  *total = 0;
  PetscCall(CreateCG("ls_", "learned_sor", 1e-8, 200, ksp));
  for (PetscInt s = 0; s < S; s++) {
    PetscInt its;
    PetscCall(Solve(*ksp, A[s], b, x, &its));
    *total += its;
  }
  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PCLearnedSORGetStats(pc, &solves, &counted));
  PetscCheck(solves == S && counted == *total, PETSC_COMM_SELF, PETSC_ERR_PLIB, "learned_sor counted %" PetscInt_FMT " solves and %" PetscInt_FMT " iterations, not %" PetscInt_FMT " and %" PetscInt_FMT, solves, counted, S, *total);
  PetscFunctionReturn(0);
}

/* what PCView prints */
static PetscErrorCode ViewString(PC pc, char view[], size_t len)
{
  PetscViewer sv;
  FILE       *f;
  size_t      m;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIOpen(PETSC_COMM_SELF, "learned_sor_view.txt", &sv));
  PetscCall(PCView(pc, sv));
  PetscCall(PetscViewerDestroy(&sv));
  f       = fopen("learned_sor_view.txt", "r");
  m       = f ? fread(view, 1, len - 1, f) : 0;
  view[m] = 0;
  if (f) fclose(f);
  remove("learned_sor_view.txt");
  PetscFunctionReturn(0);
}

/* (1) a grid of one omega is plain SSOR with that omega: same iterations, same solution */
static void test_single_omega_is_ssor(void **state)
{
  const PetscInt n        = 65;
  const char    *omegas[] = {"1.0", "1.5", "1.8"};
  DM             da;
  Mat            A;
  Vec            b, x, y;
  PetscReal      d, nrm;
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, n, &da));
  PDT(DarcySystem(da, n, 0, &A));
  PDT(DMCreateGlobalVector(da, &b));
  PDT(VecDuplicate(b, &x));
  PDT(VecDuplicate(b, &y));
  PDT(PdDarcyRHS(da, NULL, 1, b));
  for (int k = 0; k < 3; k++) {
    KSP       ls, ref;
    PC        pc;
    PetscInt  its_ls, its_ref, solves, total;
    PetscReal omega;
    /* the grid of omegas has no setter: options */
    const char *opts[][2] = {{"-ls_pc_learned_sor_omega_count", "1"}, {"-ls_pc_learned_sor_omega_min", omegas[k]}};
    PDT_SET_OPTIONS(opts);
    PDT(CreateCG("ls_", "learned_sor", 1e-10, 10000, &ls));
    PDT(CreateSSOR(atof(omegas[k]), 1e-10, 10000, &ref));
    PDT(Solve(ls, A, b, x, &its_ls));
    PDT(Solve(ref, A, b, y, &its_ref));
    assert_int_equal(its_ls, its_ref);
    PDT(KSPGetPC(ls, &pc));
    PDT(PCLearnedSORGetOmega(pc, &omega));
    PDT_CLOSE(omega, atof(omegas[k]), 1e-15);
    PDT(PCLearnedSORGetStats(pc, &solves, &total));
    assert_int_equal(solves, 1);
    assert_int_equal(total, its_ls);
    PDT(VecNorm(y, NORM_2, &nrm));
    PDT(VecAXPY(y, -1, x));
    PDT(VecNorm(y, NORM_2, &d));
    PDT_CLOSE(d / nrm, 0, 1e-13);
    PDT(KSPDestroy(&ls));
    PDT(KSPDestroy(&ref));
    PDT_CLEAR_OPTIONS(opts);
  }
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&x));
  PDT(VecDestroy(&y));
  PDT(MatDestroy(&A));
  PDT(DMDestroy(&da));
}

/* (2a) Tsallis-INF on Bernoulli losses, arm 2 best by 0.2: it settles on arm 2 */
static void test_tsallis_inf_finds_best_arm(void **state)
{
  const PetscInt  K = 5, T = 2000;
  const PetscReal mean[5] = {0.5, 0.7, 0.3, 0.8, 0.6};
  PdTsallisINF    inf;
  PdRng           rng;
  PetscReal       p[5];
  PetscInt        best = 0;
  PDT(PdTsallisINFCreate(K, &inf));
  PDT(PdRngSeed(&rng, 3, 0));
  for (PetscInt t = 0; t < T; t++) {
    PetscReal s = 0, loss;
    PetscInt  a;
    PDT(PdTsallisINFProbabilities(&inf, p));
    for (PetscInt i = 0; i < K; i++) {
      assert_true(p[i] > 0);
      s += p[i];
    }
    PDT_CLOSE(s, 1, 1e-12);
    if (t == 0)
      for (PetscInt i = 0; i < K; i++) PDT_CLOSE(p[i], 1.0 / K, 1e-12);
    a    = PdBanditSample(&rng, K, p);
    loss = PdRngUniform(&rng) < mean[a] ? 1 : 0;
    PDT(PdTsallisINFUpdate(&inf, a, p[a], loss));
    if (t >= T - 500 && a == 2) best++;
  }
  assert_int_equal(inf.t, T);
  if (!(best > 0.8 * 500)) fail_msg("best arm played %d times in the last 500 rounds", (int)best);
  PDT(PdTsallisINFDestroy(&inf));
}

/* (2b) SquareCB: the best arm depends on the context (arm 0 near c = 0, arm 2 near c = 1) */
static void test_squarecb_follows_context(void **state)
{
  const PetscInt K = 3, T = 2000;
  PdSquareCB     cb;
  PdRng          rng;
  PetscReal      p[3], yhat[3];
  PetscInt       right = 0;
  PDT(PdSquareCBCreate(K, 3, 0, 1, &cb));
  PDT(PdRngSeed(&rng, 4, 0));
  for (PetscInt t = 0; t < T; t++) {
    PetscReal c = PdRngUniform(&rng) < 0.5 ? 0.1 : 0.9, mean[3], s = 0;
    PetscInt  a;
    mean[0] = c < 0.5 ? 0.2 : 0.8;
    mean[1] = 0.5;
    mean[2] = c < 0.5 ? 0.8 : 0.2;
    PDT(PdSquareCBProbabilities(&cb, c, p));
    for (PetscInt i = 0; i < K; i++) {
      assert_true(p[i] > 0);
      s += p[i];
    }
    PDT_CLOSE(s, 1, 1e-12);
    a = PdBanditSample(&rng, K, p);
    PDT(PdSquareCBUpdate(&cb, a, c, PdRngUniform(&rng) < mean[a] ? 1 : 0));
    if (t >= T - 500 && a == (c < 0.5 ? 0 : 2)) right++;
  }
  if (!(right > 0.8 * 500)) fail_msg("best arm of the context played %d times in the last 500 rounds", (int)right);
  PDT(PdSquareCBPredict(&cb, 0.1, yhat));
  PDT_CLOSE(yhat[0], 0.2, 0.05);
  PDT(PdSquareCBPredict(&cb, 0.9, yhat));
  PDT_CLOSE(yhat[2], 0.2, 0.05);
  PDT(PdSquareCBDestroy(&cb));
}

/* (3) 40 Darcy systems (64 x 64, rtol 1e-8) through one KSP: the learned omega against SSOR with
   omega = 1 and against the best fixed omega of the grid in hindsight */
static void test_darcy_sequence(void **state)
{
  const PetscInt n = 64, S = 40, K = 10;
  DM             da;
  Mat            A[40];
  Vec            b, x;
  KSP            ls, ref;
  PC             pc;
  PetscInt       learned = 0, fixed[10] = {0}, best = 0;
  PetscReal      omega;
  char           view[4096];
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, n, &da));
  PDT(DMCreateGlobalVector(da, &b));
  PDT(VecDuplicate(b, &x));
  PDT(PdDarcyRHS(da, NULL, 1, b));
  for (PetscInt s = 0; s < S; s++) PDT(DarcySystem(da, n, s, &A[s]));
  /* the sequence: every system a new matrix of the same KSP; loss = iterations / 200 */
  PDT(RunSequence(S, A, b, x, &ls, &learned));
  PDT(KSPGetPC(ls, &pc));
  PDT(PCLearnedSORGetOmega(pc, &omega));
  assert_true(omega >= 1 && omega <= 1.9);
  PDT(ViewString(pc, view, sizeof(view)));
  print_message("%s", view);
  if (!strstr(view, "solves: 40, total iterations:") || !strstr(view, "most likely omegas")) fail_msg("PCView says:\n%s", view);
  PDT(KSPDestroy(&ls));
  /* every fixed omega of the default grid on every system */
  PDT(CreateSSOR(1.0, 1e-8, 200, &ref));
  PDT(KSPGetPC(ref, &pc));
  for (PetscInt k = 0; k < K; k++) {
    PDT(PCSORSetOmega(pc, 1.0 + 0.1 * k));
    for (PetscInt s = 0; s < S; s++) {
      PetscInt its;
      PDT(Solve(ref, A[s], b, x, &its));
      fixed[k] += its;
    }
    if (fixed[k] < fixed[best]) best = k;
  }
  PDT(KSPDestroy(&ref));
  print_message("learned_sor over %d systems: %d iterations; omega = 1: %d; best fixed omega %.2f: %d (ratio %.3f)\n", (int)S, (int)learned, (int)fixed[0], 1.0 + 0.1 * best, (int)fixed[best], (double)learned / fixed[best]);
  assert_true(learned < fixed[0]);
  /* measured 1.117 x the best fixed omega (1.8) after 40 systems; 1.25 leaves room for a different
     draw sequence, while a bandit that does not learn (uniform over the grid) is at 1.5 */
  if (!(learned <= 1.25 * fixed[best])) fail_msg("learned_sor took %d iterations, more than 1.25 x the best fixed omega's %d", (int)learned, (int)fixed[best]);
  {
    PetscInt sum = 0;
    for (PetscInt k = 0; k < K; k++) sum += fixed[k];
    print_message("uniformly random omega: %.1f iterations expected\n", (double)sum / K);
  }
  /* warm start: every omega on 40 other systems of the family (full information, as pdeop precond
     train -type learned_sor does), saved as a model; the same 40 systems through a KSP that starts
     from it (-pc_learned_model), which reads the file and never writes it */
  {
    const PetscInt T = 40;
    PetscInt       its_tr[40 * 10], warm = 0;
    char           before[512], after[512];
    size_t         nb, na;
    FILE          *f;
    PDT(CreateSSOR(1.0, 1e-8, 200, &ref));
    PDT(KSPGetPC(ref, &pc));
    for (PetscInt s = 0; s < T; s++) {
      Mat At;
      PDT(DarcySystem(da, n, 500 + s, &At));
      for (PetscInt k = 0; k < K; k++) {
        PDT(PCSORSetOmega(pc, 1.0 + 0.1 * k));
        PDT(Solve(ref, At, b, x, &its_tr[s * K + k]));
      }
      PDT(MatDestroy(&At));
    }
    PDT(KSPDestroy(&ref));
    PDT(PCCreate(PETSC_COMM_SELF, &pc));
    PDT(PCSetType(pc, "learned_sor"));
    PDT(PCLearnedSORPretrain(pc, T, NULL, its_tr));
    PDT(PCLearnedSORSaveState(pc, "learned_sor_model.bin"));
    PDT(PCDestroy(&pc));
    f  = fopen("learned_sor_model.bin", "rb");
    nb = f ? fread(before, 1, sizeof(before), f) : 0;
    if (f) fclose(f);
    assert_true(nb > 0);
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_learned_model", "learned_sor_model.bin"));
    PDT(RunSequence(S, A, b, x, &ls, &warm)); /* the statistics are this sequence's, not the training's */
    PDT(KSPGetPC(ls, &pc));
    PDT(ViewString(pc, view, sizeof(view)));
    if (!strstr(view, "started from: learned_sor_model.bin") || !strstr(view, "80 rounds")) fail_msg("PCView says:\n%s", view);
    PDT(KSPDestroy(&ls));
    PDT(PetscOptionsClearValue(NULL, "-ls_pc_learned_model"));
    f  = fopen("learned_sor_model.bin", "rb");
    na = f ? fread(after, 1, sizeof(after), f) : 0;
    if (f) fclose(f);
    assert_true(na == nb && !memcmp(before, after, nb));
    remove("learned_sor_model.bin");
    print_message("warm-started learned_sor over the same %d systems: %d iterations (ratio %.3f; cold %.3f)\n", (int)S, (int)warm, (double)warm / fixed[best], (double)learned / fixed[best]);
    /* the target: within 10% of the best fixed omega in hindsight, and better than cold */
    if (!(warm <= 1.10 * fixed[best] && warm < learned)) fail_msg("warm start: %d iterations against the best fixed omega's %d and the cold start's %d", (int)warm, (int)fixed[best], (int)learned);
  }
  for (PetscInt s = 0; s < S; s++) PDT(MatDestroy(&A[s]));
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&x));
  PDT(DMDestroy(&da));
}

/* (5) -pc_learned_sor_state: 6 + 6 solves in two KSPs (the second loads the first's file at set-up)
   draw the same omegas and iterations as 12 solves in one, with and without a context */
static void test_state_file_continues_sequence(void **state)
{
  const PetscInt n = 33, S = 12;
  DM             da;
  Mat            A[12];
  Vec            b, x;
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, n, &da));
  PDT(DMCreateGlobalVector(da, &b));
  PDT(VecDuplicate(b, &x));
  PDT(PdDarcyRHS(da, NULL, 1, b));
  for (PetscInt s = 0; s < S; s++) PDT(DarcySystem(da, n, 100 + s, &A[s]));
  for (int contextual = 0; contextual < 2; contextual++) {
    PetscReal omega_one[12], omega;
    PetscInt  its_one[12], its, solves, total = 0, total2;
    KSP       ksp;
    PC        pc;
    remove("learned_sor_state.bin");
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_learned_sor_seed", "5"));
    PDT(CreateCG("ls_", "learned_sor", 1e-8, 100, &ksp));
    PDT(KSPGetPC(ksp, &pc));
    for (PetscInt s = 0; s < S; s++) {
      if (contextual) PDT(PCLearnedSORSetContext(pc, 0.1 * s));
      PDT(Solve(ksp, A[s], b, x, &its_one[s]));
      PDT(PCLearnedSORGetOmega(pc, &omega_one[s]));
    }
    PDT(KSPDestroy(&ksp));
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_learned_sor_state", "learned_sor_state.bin"));
    for (int part = 0; part < 2; part++) {
      PDT(CreateCG("ls_", "learned_sor", 1e-8, 100, &ksp));
      PDT(KSPGetPC(ksp, &pc));
      for (PetscInt s = part * S / 2; s < (part + 1) * S / 2; s++) {
        if (contextual) PDT(PCLearnedSORSetContext(pc, 0.1 * s));
        PDT(Solve(ksp, A[s], b, x, &its));
        PDT(PCLearnedSORGetOmega(pc, &omega));
        assert_int_equal(its, its_one[s]);
        assert_true(omega == omega_one[s]);
        total += its;
      }
      PDT(PCLearnedSORGetStats(pc, &solves, &total2));
      assert_int_equal(solves, (part + 1) * S / 2);
      assert_int_equal(total2, total);
      PDT(KSPDestroy(&ksp));
    }
    /* the public pair: save, load into a fresh PC, same statistics */
    PDT(PetscOptionsClearValue(NULL, "-ls_pc_learned_sor_state"));
    PDT(CreateCG("ls_", "learned_sor", 1e-8, 100, &ksp));
    PDT(KSPGetPC(ksp, &pc));
    PDT(PCLearnedSORLoadState(pc, "learned_sor_state.bin"));
    PDT(PCLearnedSORSaveState(pc, "learned_sor_state2.bin"));
    PDT(PCLearnedSORGetStats(pc, &solves, &total2));
    assert_int_equal(solves, S);
    assert_int_equal(total2, total);
    PDT(KSPDestroy(&ksp));
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_learned_sor_omega_count", "7"));
    PDT(CreateCG("ls_", "learned_sor", 1e-8, 100, &ksp));
    PDT(KSPGetPC(ksp, &pc));
    PDT_FAILS(PCLearnedSORLoadState(pc, "learned_sor_state2.bin"));
    PDT_ERRMSG_HAS("-pc_learned_sor_omega_count");
    PDT(KSPDestroy(&ksp));
    PDT(PetscOptionsClearValue(NULL, "-ls_pc_learned_sor_omega_count"));
    PDT(PetscOptionsClearValue(NULL, "-ls_pc_learned_sor_seed"));
    remove("learned_sor_state.bin");
    remove("learned_sor_state2.bin");
  }
  for (PetscInt s = 0; s < S; s++) PDT(MatDestroy(&A[s]));
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&x));
  PDT(DMDestroy(&da));
}

/* (4) out-of-range options: one PETSC_ERR_ARG_OUTOFRANGE naming the option */
static void test_bad_options(void **state)
{
  const char *bad[][2] = {
    {"-bad_pc_learned_sor_omega_min", "0"},
    {"-bad_pc_learned_sor_omega_min", "-1"},
    {"-bad_pc_learned_sor_omega_max", "2"},
    {"-bad_pc_learned_sor_omega_count", "0"},
    {"-bad_pc_learned_sor_context_degree", "-1"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    KSP            ksp;
    PC             pc;
    PetscErrorCode ierr;
    PDT(PetscOptionsSetValue(NULL, bad[i][0], bad[i][1]));
    PDT(KSPCreate(PETSC_COMM_SELF, &ksp));
    PDT(KSPSetOptionsPrefix(ksp, "bad_"));
    PDT(KSPGetPC(ksp, &pc));
    PDT(PCSetType(pc, "learned_sor"));
    pdt_errmsg[0] = 0;
    PDT(PetscPushErrorHandler(pdt_silent_handler, NULL));
    ierr = KSPSetFromOptions(ksp);
    PDT(PetscPopErrorHandler());
    assert_int_equal(ierr, PETSC_ERR_ARG_OUTOFRANGE);
    PDT_ERRMSG_HAS(bad[i][0] + 5); /* the option without the prefix "-bad_" */
    PDT(KSPDestroy(&ksp));
    PDT(PetscOptionsClearValue(NULL, bad[i][0]));
  }
}

/* (6) PCLearnedSORPretrain gives the bandit exactly the full-information losses: the distribution of
   the next solve is Tsallis-INF's (resp. SquareCB's) after the same rounds, computed here by hand;
   -pc_learned_model loads such a bandit and names the file when it is missing or does not fit */
static void test_pretrain_and_model(void **state)
{
  const PetscInt K = 10, n = 30, nc = 50;
  PetscInt       its[50 * 10];
  PetscReal      ctx[50], p[10], L[10];
  PdTsallisINF   inf;
  PdSquareCB     cb;
  PC             pc;
  KSP            ksp;
  Mat            A;
  DM             da;
  char           view[4096], want[64];

  /* without a context: omega 1.6 (arm 6) best, iterations 20 + 3 |k - 6|, loss scale the worst (38) */
  for (PetscInt r = 0; r < n; r++)
    for (PetscInt k = 0; k < K; k++) its[r * K + k] = 20 + 3 * PetscAbsInt(k - 6);
  PDT(PCCreate(PETSC_COMM_SELF, &pc));
  PDT(PCSetType(pc, "learned_sor"));
  PDT(PCLearnedSORPretrain(pc, n, NULL, its));
  PDT(ViewString(pc, view, sizeof(view)));
  PDT(PdTsallisINFCreate(K, &inf));
  inf.eta_scale = 4;
  inf.t         = n;
  for (PetscInt k = 0; k < K; k++) L[k] = inf.L[k] = n * (20.0 + 3 * PetscAbsInt(k - 6)) / 38.0;
  PDT(PdTsallisINFProbabilities(&inf, p));
  PDT(PetscSNPrintf(want, sizeof(want), "most likely omegas: 1.6 (p %.3f), 1.5 (p %.3f)", (double)p[6], (double)p[5]));
  print_message("%s\n", want);
  if (!strstr(view, want) || !strstr(view, "30 rounds")) fail_msg("expected \"%s\" after 30 rounds; PCView says:\n%s", want, view);
  assert_true(p[6] > 0.5 && L[6] < L[5]);
  PDT(PCLearnedSORSaveState(pc, "learned_sor_pre.bin"));
  PDT(PCDestroy(&pc));
  PDT(PdTsallisINFDestroy(&inf));

  /* with a context c in [0, 1]: the best omega is 1 + 0.9 c, iterations 20 + 40 (k/9 - c)^2 */
  for (PetscInt r = 0; r < nc; r++) {
    ctx[r] = (PetscReal)r / (nc - 1);
    for (PetscInt k = 0; k < K; k++) its[r * K + k] = 20 + (PetscInt)round(40 * PetscSqr(k / 9.0 - ctx[r]));
  }
  PDT(PdSquareCBCreate(K, 3, 0, 1, &cb));
  for (PetscInt r = 0; r < nc; r++)
    for (PetscInt k = 0; k < K; k++) PDT(PdSquareCBUpdate(&cb, k, ctx[r], its[r * K + k] / 60.0)); /* scale: 20 + 40 */
  cb.t = nc;
  PDT(PCCreate(PETSC_COMM_SELF, &pc));
  PDT(PCSetType(pc, "learned_sor"));
  PDT(PCLearnedSORPretrain(pc, nc, ctx, its));
  for (int i = 0; i < 2; i++) {
    const PetscReal c    = i ? 0.8 : 0.1;
    PetscInt        best = 0;
    PDT(PCLearnedSORSetContext(pc, c));
    PDT(ViewString(pc, view, sizeof(view)));
    PDT(PdSquareCBProbabilities(&cb, c, p));
    for (PetscInt k = 1; k < K; k++)
      if (p[k] > p[best]) best = k;
    assert_int_equal(best, i ? 7 : 1);
    PDT(PetscSNPrintf(want, sizeof(want), "most likely omegas: %g (p %.3f)", 1.0 + 0.1 * best, (double)p[best]));
    print_message("context %g: %s\n", (double)c, want);
    if (!strstr(view, want) || !strstr(view, "SquareCB")) fail_msg("expected \"%s\"; PCView says:\n%s", want, view);
  }
  PDT(PCDestroy(&pc));
  PDT(PdSquareCBDestroy(&cb));

  /* -pc_learned_model at set-up: missing, then a grid that does not fit */
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, 9, &da));
  PDT(DarcySystem(da, 9, 0, &A));
  PDT(PetscOptionsSetValue(NULL, "-m_pc_learned_model", "no_such_model.bin"));
  for (int k = 0; k < 2; k++) {
    if (k) PDT(PetscOptionsSetValue(NULL, "-m_pc_learned_model", "learned_sor_pre.bin"));
    if (k) PDT(PetscOptionsSetValue(NULL, "-m_pc_learned_sor_omega_count", "7"));
    PDT(CreateCG("m_", "learned_sor", 1e-8, 100, &ksp));
    PDT(KSPSetOperators(ksp, A, A));
    PDT_FAILS(KSPSetUp(ksp));
    PDT_ERRMSG_HAS(k ? "-pc_learned_sor_omega_count" : "no_such_model.bin");
    PDT(KSPDestroy(&ksp));
  }
  PDT(PetscOptionsClearValue(NULL, "-m_pc_learned_model"));
  PDT(PetscOptionsClearValue(NULL, "-m_pc_learned_sor_omega_count"));
  remove("learned_sor_pre.bin");
  PDT(MatDestroy(&A));
  PDT(DMDestroy(&da));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_single_omega_is_ssor), cmocka_unit_test(test_tsallis_inf_finds_best_arm), cmocka_unit_test(test_squarecb_follows_context), cmocka_unit_test(test_darcy_sequence), cmocka_unit_test(test_state_file_continues_sequence), cmocka_unit_test(test_bad_options), cmocka_unit_test(test_pretrain_and_model)};
PDT_MAIN("learned_sor", tests)
