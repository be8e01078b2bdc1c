/* Tests of -pc_type learned_sor: one omega is exactly SSOR; the bandits alone find the best arm;
   a sequence of Darcy systems through one KSP learns a good omega; a saved state continues the
   sequence exactly; out-of-range options are one clear error. */
#include "pdtest.h"
#include <pdeop/darcy.h>
#include <pdeop/field.h>
#include <pdeop/mesh.h>
#include <pdeop/precond.h>
#include "solvers/learned_sor_impl.h"

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

/* a CG solver configured from the options under prefix */
static PetscErrorCode CreateCG(const char prefix[], PetscReal rtol, PetscInt maxits, KSP *ksp)
{
  PetscFunctionBegin;
  PetscCall(KSPCreate(PETSC_COMM_SELF, ksp));
  PetscCall(KSPSetOptionsPrefix(*ksp, prefix));
  PetscCall(KSPSetType(*ksp, KSPCG));
  PetscCall(KSPSetTolerances(*ksp, rtol, PETSC_DEFAULT, PETSC_DEFAULT, maxits));
  PetscCall(KSPSetFromOptions(*ksp));
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

/* (1) a grid of one omega is plain SSOR with that omega: same iterations, same solution */
static void test_single_omega_is_ssor(void **state)
{
  const PetscInt  n        = 65;
  const char     *omegas[] = {"1.0", "1.5", "1.8"};
  DM              da;
  Mat             A;
  Vec             b, x, y;
  PetscReal       d, nrm;
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
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_type", "learned_sor"));
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_learned_sor_omega_count", "1"));
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_learned_sor_omega_min", omegas[k]));
    PDT(PetscOptionsSetValue(NULL, "-ref_pc_type", "sor"));
    PDT(PetscOptionsSetValue(NULL, "-ref_pc_sor_symmetric", NULL));
    PDT(PetscOptionsSetValue(NULL, "-ref_pc_sor_omega", omegas[k]));
    PDT(CreateCG("ls_", 1e-10, 10000, &ls));
    PDT(CreateCG("ref_", 1e-10, 10000, &ref));
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
    PDT(PetscOptionsClearValue(NULL, "-ls_pc_type"));
    PDT(PetscOptionsClearValue(NULL, "-ls_pc_learned_sor_omega_count"));
    PDT(PetscOptionsClearValue(NULL, "-ls_pc_learned_sor_omega_min"));
    PDT(PetscOptionsClearValue(NULL, "-ref_pc_type"));
    PDT(PetscOptionsClearValue(NULL, "-ref_pc_sor_symmetric"));
    PDT(PetscOptionsClearValue(NULL, "-ref_pc_sor_omega"));
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
  PetscInt       learned = 0, fixed[10] = {0}, best = 0, solves, total;
  PetscReal      omega;
  char           view[4096];
  PetscViewer    sv;
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, n, &da));
  PDT(DMCreateGlobalVector(da, &b));
  PDT(VecDuplicate(b, &x));
  PDT(PdDarcyRHS(da, NULL, 1, b));
  for (PetscInt s = 0; s < S; s++) PDT(DarcySystem(da, n, s, &A[s]));
  /* the sequence: every system a new matrix of the same KSP; loss = iterations / 200 */
  PDT(PetscOptionsSetValue(NULL, "-ls_pc_type", "learned_sor"));
  PDT(CreateCG("ls_", 1e-8, 200, &ls));
  for (PetscInt s = 0; s < S; s++) {
    PetscInt its;
    PDT(Solve(ls, A[s], b, x, &its));
    learned += its;
  }
  PDT(KSPGetPC(ls, &pc));
  PDT(PCLearnedSORGetStats(pc, &solves, &total));
  assert_int_equal(solves, S);
  assert_int_equal(total, learned);
  PDT(PCLearnedSORGetOmega(pc, &omega));
  assert_true(omega >= 1 && omega <= 1.9);
  PDT(PetscViewerASCIIOpen(PETSC_COMM_SELF, "learned_sor_view.txt", &sv));
  PDT(PCView(pc, sv));
  PDT(PetscViewerDestroy(&sv));
  {
    FILE  *f = fopen("learned_sor_view.txt", "r");
    size_t m = f ? fread(view, 1, sizeof(view) - 1, f) : 0;
    view[m]  = 0;
    if (f) fclose(f);
    remove("learned_sor_view.txt");
  }
  print_message("%s", view);
  if (!strstr(view, "solves: 40, total iterations:") || !strstr(view, "most likely omegas")) fail_msg("PCView says:\n%s", view);
  PDT(KSPDestroy(&ls));
  PDT(PetscOptionsClearValue(NULL, "-ls_pc_type"));
  /* every fixed omega of the default grid on every system */
  PDT(PetscOptionsSetValue(NULL, "-ref_pc_type", "sor"));
  PDT(PetscOptionsSetValue(NULL, "-ref_pc_sor_symmetric", NULL));
  PDT(CreateCG("ref_", 1e-8, 200, &ref));
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
  PDT(PetscOptionsClearValue(NULL, "-ref_pc_type"));
  PDT(PetscOptionsClearValue(NULL, "-ref_pc_sor_symmetric"));
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
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_type", "learned_sor"));
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_learned_sor_seed", "5"));
    PDT(CreateCG("ls_", 1e-8, 100, &ksp));
    PDT(KSPGetPC(ksp, &pc));
    for (PetscInt s = 0; s < S; s++) {
      if (contextual) PDT(PCLearnedSORSetContext(pc, 0.1 * s));
      PDT(Solve(ksp, A[s], b, x, &its_one[s]));
      PDT(PCLearnedSORGetOmega(pc, &omega_one[s]));
    }
    PDT(KSPDestroy(&ksp));
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_learned_sor_state", "learned_sor_state.bin"));
    for (int part = 0; part < 2; part++) {
      PDT(CreateCG("ls_", 1e-8, 100, &ksp));
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
    PDT(CreateCG("ls_", 1e-8, 100, &ksp));
    PDT(KSPGetPC(ksp, &pc));
    PDT(PCLearnedSORLoadState(pc, "learned_sor_state.bin"));
    PDT(PCLearnedSORSaveState(pc, "learned_sor_state2.bin"));
    PDT(PCLearnedSORGetStats(pc, &solves, &total2));
    assert_int_equal(solves, S);
    assert_int_equal(total2, total);
    PDT(KSPDestroy(&ksp));
    PDT(PetscOptionsSetValue(NULL, "-ls_pc_learned_sor_omega_count", "7"));
    PDT(CreateCG("ls_", 1e-8, 100, &ksp));
    PDT(KSPGetPC(ksp, &pc));
    PDT_FAILS(PCLearnedSORLoadState(pc, "learned_sor_state2.bin"));
    PDT_ERRMSG_HAS("-pc_learned_sor_omega_count");
    PDT(KSPDestroy(&ksp));
    PDT(PetscOptionsClearValue(NULL, "-ls_pc_learned_sor_omega_count"));
    PDT(PetscOptionsClearValue(NULL, "-ls_pc_type"));
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
    {"-bad_pc_learned_sor_omega_min",      "0"  },
    {"-bad_pc_learned_sor_omega_min",      "-1" },
    {"-bad_pc_learned_sor_omega_max",      "2"  },
    {"-bad_pc_learned_sor_omega_count",    "0"  },
    {"-bad_pc_learned_sor_context_degree", "-1" },
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

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_single_omega_is_ssor), cmocka_unit_test(test_tsallis_inf_finds_best_arm), cmocka_unit_test(test_squarecb_follows_context), cmocka_unit_test(test_darcy_sequence), cmocka_unit_test(test_state_file_continues_sequence), cmocka_unit_test(test_bad_options)};
PDT_MAIN("learned_sor", tests)
