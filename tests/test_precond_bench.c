/* Tests of PdPrecondBench built directly (no options database) on a small Poisson family: its
   totals are the sums of the same CG solves made here one by one, ICC(0) needs fewer iterations
   than no preconditioner on every system, learned_sor's hindsight grid is filled, the report has
   the keys pdeop precond bench writes, and misuse is one clear error. */
#include "pdtest.h"

#define RES   17
#define COUNT 3

/* CG iterations of system s of the family with the PC type, as the benchmark solves it */
static PetscErrorCode Iterations(PdFamily *fam, PetscInt s, const char pc[], PetscInt *its)
{
  KSP                ksp;
  PC                 p;
  Mat                A = NULL;
  Vec                b, x;
  KSPConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(PdFamilyOperator(fam, s, &A));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(PdFamilyRHS(fam, s, 0, b));
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetTolerances(ksp, 1e-8, 1e-50, PETSC_DEFAULT, 100000));
  PetscCall(KSPGetPC(ksp, &p));
  PetscCall(PCSetType(p, pc));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCheck(reason > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "CG with %s did not converge on system %" PetscInt_FMT, pc, s);
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

static void test_family(void **state)
{
  const char *const           methods[] = {"none", "icc", "learned_sor"};
  PdFamily                    fam;
  PdPrecondBench              bench;
  const PdPrecondBenchResult *r;
  const PetscReal            *omegas;
  const PetscInt             *wits;
  const char                 *desc, *family;
  PetscInt                    n, count, nomega, none = 0, icc = 0;
  PetscInt64                  v;
  PdDict                      report;
  PetscBool                   has;

  (void)state;
  PDT(PdFamilyCreate(RES, 1000, &fam));
  PDT(PdFamilySetProblem(&fam, PDPROBLEMPOISSON));
  PDT(PdFamilySetUp(&fam));
  for (PetscInt s = 0; s < COUNT; s++) { /* ICC(0) beats no preconditioner on every system */
    PetscInt a, c;
    PDT(Iterations(&fam, s, PCNONE, &a));
    PDT(Iterations(&fam, s, PCICC, &c));
    if (!(c < a)) fail_msg("system %d: ICC(0) %d iterations, none %d", (int)s, (int)c, (int)a);
    none += a;
    icc += c;
  }

  PDT(PdPrecondBenchCreate(PETSC_COMM_SELF, &bench));
  PDT_FAILS(PdPrecondBenchGetResults(bench, &n, &r));
  PDT_ERRMSG_HAS("run the benchmark first");
  PDT_FAILS(PdPrecondBenchSetSystems(bench, NULL, NULL, COUNT));
  PDT_ERRMSG_HAS("give a family or a list");
  PDT_FAILS(PdPrecondBenchSetUp(bench));
  PDT_ERRMSG_HAS("no systems");
  PDT(PdPrecondBenchSetSystems(bench, &fam, NULL, COUNT));
  PDT(PdPrecondBenchSetMethods(bench, 3, methods));
  PDT(PdPrecondBenchSetTolerance(bench, 1e-8));
  PDT(PdPrecondBenchRun(bench)); /* sets itself up */
  PDT_FAILS(PdPrecondBenchRun(bench));
  PDT_ERRMSG_HAS("ran already");

  PDT(PdPrecondBenchGetResults(bench, &n, &r));
  assert_int_equal(n, 3);
  assert_string_equal(r[0].name, "none");
  assert_string_equal(r[1].name, "icc");
  assert_string_equal(r[2].name, "learned_sor");
  assert_int_equal(r[0].iterations, none); /* the same solves as above, summed */
  assert_int_equal(r[1].iterations, icc);
  assert_true(r[1].iterations < r[0].iterations);
  for (PetscInt i = 0; i < n; i++) {
    assert_int_equal(r[i].failed, 0);
    PDT_CLOSE(r[i].mean_iterations, (double)r[i].iterations / COUNT, 1e-12);
    assert_true(r[i].setup >= 0 && r[i].solve > 0);
  }
  PDT(PdPrecondBenchGetSystems(bench, &count, &desc));
  assert_int_equal(count, COUNT);
  assert_string_equal(desc, "poisson 17x17");

  /* learned_sor: the SSOR iterations at every omega of its grid, summed over the systems */
  PDT(PdPrecondBenchGetHindsight(bench, &nomega, &omegas, &wits));
  assert_int_equal(nomega, 10);
  PDT_CLOSE(omegas[0], 1.0, 1e-12);
  for (PetscInt k = 0; k < nomega; k++) assert_true(wits[k] >= COUNT && wits[k] < 100000);

  PDT(PdDictCreate(&report));
  PDT(PdPrecondBenchReport(bench, report));
  for (PetscInt i = 0; i < n; i++) {
    const char *suffix[] = {"iterations", "setup_seconds", "solve_seconds", "total_seconds", "failed"};
    for (size_t k = 0; k < sizeof(suffix) / sizeof(suffix[0]); k++) {
      char key[64];
      snprintf(key, sizeof(key), "%s_%s", r[i].name, suffix[k]);
      PDT(PdDictHas(report, key, &has));
      if (!has) fail_msg("the report has no %s", key);
    }
  }
  PDT(PdDictGetInt(report, "icc_iterations", &v));
  assert_int_equal(v, icc);
  PDT(PdDictGetInt(report, "systems", &v));
  assert_int_equal(v, COUNT);
  PDT(PdDictGetString(report, "family", &family));
  assert_string_equal(family, "poisson 17x17");
  PDT(PdDictGetInt(report, "sor_default_omega_iterations", &v));
  assert_int_equal(v, wits[0]);
  PDT(PdDictHas(report, "sor_best_omega", &has));
  assert_true(has);
  PDT(PdDictHas(report, "sor_fixed_iterations_9", &has));
  assert_true(has);
  PDT(PdDictHas(report, "learned_ic_fallbacks", &has)); /* only with learned_ic */
  assert_false(has);
  PDT(PdDictDestroy(&report));
  PDT(PdPrecondBenchDestroy(&bench));
  assert_null(bench);
  PDT(PdFamilyDestroy(&fam));
}

/* the learned methods without their model, and out-of-range settings: errors at set-up */
static void test_errors(void **state)
{
  const char *const lic[] = {"learned_ic"};
  PdFamily          fam;
  PdPrecondBench    bench;

  (void)state;
  PDT(PdFamilyCreate(9, 1, &fam));
  PDT(PdFamilySetProblem(&fam, PDPROBLEMPOISSON));
  PDT(PdPrecondBenchCreate(PETSC_COMM_SELF, &bench));
  PDT(PdPrecondBenchSetSystems(bench, &fam, NULL, 2));
  PDT(PdPrecondBenchSetMethods(bench, 1, lic));
  PDT_FAILS(PdPrecondBenchSetUp(bench));
  PDT_ERRMSG_HAS("needs -model ic.h5");
  PDT(PdPrecondBenchDestroy(&bench));
  PDT(PdPrecondBenchCreate(PETSC_COMM_SELF, &bench));
  PDT(PdPrecondBenchSetSystems(bench, &fam, NULL, 0));
  PDT_FAILS(PdPrecondBenchSetUp(bench));
  PDT_ERRMSG_HAS("-count must be at least 1");
  PDT(PdPrecondBenchSetSystems(bench, &fam, NULL, 2));
  PDT(PdPrecondBenchSetTolerance(bench, 2));
  PDT_FAILS(PdPrecondBenchSetUp(bench));
  PDT_ERRMSG_HAS("-rtol must be in (0, 1)");
  PDT_FAILS(PdPrecondBenchSetMethods(bench, 0, lic));
  PDT(PdPrecondBenchDestroy(&bench));
  PDT(PdPrecondBenchDestroy(NULL));
  PDT(PdFamilyDestroy(&fam));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_family),
  cmocka_unit_test(test_errors),
};
PDT_MAIN("test_precond_bench", tests)
