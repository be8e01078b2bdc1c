/* `pdeop precond bench`: CG over a sequence of held-out systems of a family with each
   preconditioner (PETSc's and the learned ones), timing set-up and solve separately, and for
   learned_sor the iterations against every fixed relaxation factor in hindsight. */
#include "cli.h"
#include <pdeop/learned.h>
#include <pdeop/precond.h>
#include <pdeop/pdeop.h>
#include <pdeop/systems.h>

#define MAX_METHODS 16
#define MAX_OMEGAS  64

typedef struct {
  char           name[32];
  KSP            ksp;
  PetscInt       its, failed, fallbacks; /* learned_ic: set-ups whose trial kept ICC(0) */
  PetscLogDouble trial;                  /* learned_ic: seconds of its trials against ICC(0) */
  PetscLogDouble setup, solve;
} Method;

static PetscErrorCode MethodCreate(Method *m, const char model[], const char dcdm[], const char sor[], PetscReal rtol)
{
  PC   pc;
  char prefix[40];

  PetscFunctionBegin;
  PetscCall(KSPCreate(PETSC_COMM_SELF, &m->ksp));
  PetscCall(KSPSetType(m->ksp, KSPCG));
  PetscCall(KSPSetTolerances(m->ksp, rtol, 1e-50, PETSC_DEFAULT, 100000));
  PetscCall(KSPSetErrorIfNotConverged(m->ksp, PETSC_FALSE));
  PetscCall(KSPGetPC(m->ksp, &pc));
  if (!strcmp(m->name, "dcdm")) { /* a Krylov method of its own, no preconditioner */
    PetscCheck(dcdm[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The dcdm column needs -dcdm_model dcdm.h5 (from pdeop precond train -type dcdm)");
    PetscCall(KSPSetType(m->ksp, "dcdm"));
    PetscCall(PCSetType(pc, PCNONE));
    PetscCall(PetscOptionsSetValue(NULL, "-dcdm_ksp_dcdm_model", dcdm));
  } else PetscCall(PCSetType(pc, m->name));
  if (!strcmp(m->name, "learned_ic")) {
    PetscCheck(model[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The learned_ic column needs -model ic.h5 (from pdeop precond train -type learned_ic)");
    PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "-%s_pc_learned_model", m->name));
    PetscCall(PetscOptionsSetValue(NULL, prefix, model));
  }
  if (!strcmp(m->name, "learned_sor") && sor[0]) PetscCall(PetscOptionsSetValue(NULL, "-learned_sor_pc_learned_model", sor));
  /* each method's own options: -<method>_<option>, e.g. -gamg_pc_gamg_threshold 0.02 */
  PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "%s_", m->name));
  PetscCall(KSPSetOptionsPrefix(m->ksp, prefix));
  PetscCall(KSPSetFromOptions(m->ksp));
  PetscFunctionReturn(0);
}

/* Systems of files may change size: a method then starts afresh (learned_sor keeps what its
   bandit learned: its PC is only reset) */
static PetscErrorCode MethodResize(Method *m, Mat A, const char model[], const char dcdm[], const char sor[], PetscReal rtol)
{
  PetscBool has;
  Mat       P;
  PetscInt  r, n;

  PetscFunctionBegin;
  PetscCall(KSPGetOperatorsSet(m->ksp, NULL, &has));
  if (!has) PetscFunctionReturn(0);
  PetscCall(KSPGetOperators(m->ksp, NULL, &P));
  PetscCall(MatGetSize(P, &r, NULL));
  PetscCall(MatGetSize(A, &n, NULL));
  if (r == n) PetscFunctionReturn(0);
  if (!strcmp(m->name, "learned_sor")) PetscCall(KSPReset(m->ksp));
  else {
    PetscCall(KSPDestroy(&m->ksp));
    PetscCall(MethodCreate(m, model, dcdm, sor, rtol));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve(KSP ksp, Mat A, Vec b, Vec x, PetscInt *its, PetscBool *ok, PetscLogDouble *tsetup, PetscLogDouble *tsolve)
{
  PetscLogDouble     t0, t1, t2;
  KSPConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(VecZeroEntries(x));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(PetscTime(&t0));
  PetscCall(KSPSetUp(ksp));
  PetscCall(PetscTime(&t1));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(PetscTime(&t2));
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  *ok = reason > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (tsetup) *tsetup += t1 - t0;
  if (tsolve) *tsolve += t2 - t1;
  PetscFunctionReturn(0);
}

/* The methods without -methods: for files ICC(0), GAMG, BoomerAMG (when PETSc has hypre) and the
   learned ones given a model; for a family every type */
static PetscErrorCode DefaultMethods(PetscBool files, const char model[], const char dcdm[], const char sor[], char *names[], PetscInt *nm)
{
  PetscFunctionBegin;
  if (files) {
    PetscBool hypre;
    PetscCall(PetscHasExternalPackage("hypre", &hypre));
    *nm = 0;
    PetscCall(PetscStrallocpy("icc", &names[(*nm)++]));
    PetscCall(PetscStrallocpy("gamg", &names[(*nm)++]));
    if (hypre) PetscCall(PetscStrallocpy("hypre", &names[(*nm)++]));
    if (sor[0]) PetscCall(PetscStrallocpy("learned_sor", &names[(*nm)++]));
    if (model[0]) PetscCall(PetscStrallocpy("learned_ic", &names[(*nm)++]));
  } else {
    const char *def[] = {"none", "jacobi", "sor", "icc", "gamg", "hypre", "learned_sor"};
    *nm = 7;
    for (PetscInt i = 0; i < *nm; i++) PetscCall(PetscStrallocpy(def[i], &names[i]));
    if (model[0]) PetscCall(PetscStrallocpy("learned_ic", &names[(*nm)++]));
    if (dcdm[0]) PetscCall(PetscStrallocpy("dcdm", &names[(*nm)++]));
  }
  PetscFunctionReturn(0);
}

/* The table of the methods' totals, and the same numbers in the report (<method>_iterations, ...) */
static PetscErrorCode ReportTable(MPI_Comm comm, PetscInt nm, const Method m[], PetscInt count, PdDict report)
{
  PetscFunctionBegin;
  PetscCall(PdPrintf(comm, "| method      | setup s | solve s | total s | iterations | its/system | failed |\n|-------------|--------:|--------:|--------:|-----------:|-----------:|-------:|\n"));
  for (PetscInt i = 0; i < nm; i++) {
    char key[64];
    PetscCall(PdPrintf(comm, "| %-11s | %7.3f | %7.3f | %7.3f | %10" PetscInt_FMT " | %10.1f | %6" PetscInt_FMT " |\n", m[i].name, m[i].setup, m[i].solve, m[i].setup + m[i].solve, m[i].its, (double)m[i].its / count, m[i].failed));
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_iterations", m[i].name));
    PetscCall(PdDictSetInt(report, key, m[i].its));
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_setup_seconds", m[i].name));
    PetscCall(PdDictSetReal(report, key, m[i].setup));
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_solve_seconds", m[i].name));
    PetscCall(PdDictSetReal(report, key, m[i].solve));
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_total_seconds", m[i].name));
    PetscCall(PdDictSetReal(report, key, m[i].setup + m[i].solve));
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_failed", m[i].name));
    PetscCall(PdDictSetInt(report, key, m[i].failed));
    if (!strcmp(m[i].name, "learned_ic")) PetscCall(PdDictSetInt(report, "learned_ic_fallbacks", m[i].fallbacks));
    if (!strcmp(m[i].name, "learned_ic")) PetscCall(PdDictSetReal(report, "learned_ic_trial_seconds", m[i].trial));
  }
  PetscFunctionReturn(0);
}

/* The sequence's system s: a family's (A refilled, f = 1) or a file's (a new A, its right-hand side) */
static PetscErrorCode BenchSystem(PdFamily *fam, PdSystemList list, PetscInt s, Mat *A, Vec *b)
{
  PetscFunctionBegin;
  if (list) {
    PetscCall(MatDestroy(A));
    PetscCall(VecDestroy(b));
    PetscCall(PdSystemListLoad(list, s, A));
  } else PetscCall(PdFamilyOperator(fam, s, A));
  if (!*b) PetscCall(MatCreateVecs(*A, NULL, b));
  if (list) PetscCall(PdSystemListRHS(list, s, 0, *A, *b));
  else PetscCall(PdFamilyRHS(fam, s, 0, *b));
  PetscFunctionReturn(0);
}

/*@
  PdCommandPrecondBench - `pdeop precond bench [-model ic.h5] [-dcdm_model dcdm.h5] [-sor_model sor.bin] -problem darcy|poisson|cavity -res N -count 100
  -seed S -rtol 1e-8 -methods none,jacobi,sor,icc,gamg,hypre,learned_ic,learned_sor`, or -f a.petsc,b.petsc
  (every system of PETSc binary files; default methods icc, gamg, hypre if PETSc has it, learned_ic with -model)

  Every system is solved by CG with each method from a zero guess; the table has set-up, solve and
  total seconds and iterations, summed over the sequence. With learned_sor in the list the same
  systems are also solved with SSOR at every fixed omega of the grid (the bandit's own grid) to report the best fixed omega in hindsight.
@*/
PetscErrorCode PdCommandPrecondBench(MPI_Comm comm, PdDict report)
{
  char        model[PETSC_MAX_PATH_LEN] = "", dcdm[PETSC_MAX_PATH_LEN] = "", sor[PETSC_MAX_PATH_LEN] = "", *names[MAX_METHODS], desc[128], *files[64];
  PetscInt    res = 64, count = 100, seed = 1000, nm = MAX_METHODS, nomega = 0, iw = -1, nf = 64;
  PetscBool   setf, setres = PETSC_FALSE, setcount = PETSC_FALSE;
  PdSystemList list = NULL;
  PetscReal   rtol = 1e-8;
  const PetscReal *omegas = NULL;
  PetscBool   help, setm, hindsight = PETSC_TRUE;
  PetscMPIInt size;
  Method      m[MAX_METHODS];
  PdFamily    fam;
  Mat         A = NULL;
  Vec         b = NULL, x = NULL;
  PetscInt    wits[MAX_OMEGAS];
  PdProgress  prog;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(m, sizeof(m)));
  PetscCall(PetscMemzero(wits, sizeof(wits)));
  PetscOptionsBegin(comm, NULL, "pdeop precond bench", "pdeop");
  PetscCall(PetscOptionsString("-model", "learned_ic model (from pdeop precond train)", "", model, model, sizeof(model), NULL));
  PetscCall(PetscOptionsString("-dcdm_model", "dcdm model (from pdeop precond train -type dcdm)", "", dcdm, dcdm, sizeof(dcdm), NULL));
  PetscCall(PetscOptionsString("-sor_model", "learned_sor starts from this bandit (from pdeop precond train -type learned_sor)", "", sor, sor, sizeof(sor), NULL));
  PetscCall(PdOptionsStringArray("-f", "The systems of these PETSc binary files instead of a family", "", files, &nf, &setf));
  PetscCall(PdOptionsInt("-res", "Grid nodes per side", "", res, &res, &setres));
  PetscCall(PdOptionsInt("-count", "Systems in the sequence", "", count, &count, &setcount));
  PetscCall(PdOptionsInt("-seed", "Seed of the sequence (held out: training uses 0 by default)", "", seed, &seed, NULL));
  PetscCall(PdOptionsReal("-rtol", "Relative tolerance of CG", "", rtol, &rtol, NULL));
  PetscCall(PdOptionsStringArray("-methods", "Preconditioners to compare", "", names, &nm, &setm));
  PetscCall(PetscOptionsBool("-sor_hindsight", "With learned_sor: solve with every fixed omega too", "", hindsight, &hindsight, NULL));
  PetscOptionsEnd();
  if (!setf) nf = 0;
  PetscCall(PdCommandPrecondFamily(comm, setf, setres, setcount, res, seed, &fam));
  PetscCall(PdOptionsHelp(&help));
  if (help) {
    for (PetscInt i = 0; setm && i < nm; i++) PetscCall(PetscFree(names[i]));
    for (PetscInt k = 0; k < nf; k++) PetscCall(PetscFree(files[k]));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(size == 1, comm, PETSC_ERR_SUP, "pdeop precond bench runs on one rank (it times sequential solves)");
  PetscCheck(count >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-count must be at least 1");
  PetscCheck(rtol > 0 && rtol < 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-rtol must be in (0, 1)");
  if (!setm) PetscCall(DefaultMethods(setf, model, dcdm, sor, names, &nm));
  for (PetscInt i = 0; i < nm; i++) {
    PetscCall(PetscStrncpy(m[i].name, names[i], sizeof(m[i].name)));
    PetscCall(PetscFree(names[i]));
    if (!strcmp(m[i].name, "learned_sor")) iw = i;
  }
  for (PetscInt i = 0; i < nm; i++) PetscCall(MethodCreate(&m[i], model, dcdm, sor, rtol));
  if (iw >= 0 && hindsight) { /* the same grid as the bandit's: -learned_sor_pc_learned_sor_omega_* */
    PC pc;
    PetscCall(KSPGetPC(m[iw].ksp, &pc));
    PetscCall(PCLearnedSORGetGrid(pc, &nomega, &omegas));
    PetscCheck(nomega <= MAX_OMEGAS, comm, PETSC_ERR_SUP, "The hindsight comparison handles at most %d omegas", MAX_OMEGAS);
  }
  PetscCall(PdOptionsCheckUnused(comm, "precond bench"));
  if (setf) {
    PetscCall(PdSystemListCreate(comm, seed, &list));
    PetscCall(PdSystemListAddFiles(list, nf, files));
    for (PetscInt k = 0; k < nf; k++) PetscCall(PetscFree(files[k]));
    PetscCall(PdSystemListGetSize(list, &count));
    PetscCall(PdSystemListDescribe(list, desc, sizeof(desc)));
  } else {
    PetscCall(PdFamilySetUp(&fam));
    PetscCall(PdFamilyDescribe(&fam, desc, sizeof(desc)));
  }
  PetscCall(PdProgressBegin(comm, "systems", count, &prog));
  for (PetscInt s = 0; s < count; s++) {
    PetscCall(BenchSystem(&fam, list, s, &A, &b));
    if (x) {
      PetscInt n, m;
      PetscCall(VecGetSize(x, &n));
      PetscCall(VecGetSize(b, &m));
      if (m != n) PetscCall(VecDestroy(&x));
    }
    if (!x) PetscCall(VecDuplicate(b, &x));
    for (PetscInt i = 0; i < nm; i++) {
      PetscInt  its;
      PetscBool ok = PETSC_FALSE;
      PetscCall(MethodResize(&m[i], A, model, dcdm, sor, rtol));
      PetscCall(Solve(m[i].ksp, A, b, x, &its, &ok, &m[i].setup, &m[i].solve));
      m[i].its += its;
      if (!ok) m[i].failed++;
      if (!strcmp(m[i].name, "learned_ic")) {
        PC          pc;
        const char *ran;
        PetscCall(KSPGetPC(m[i].ksp, &pc));
        PetscCall(PCLearnedICGetRan(pc, &ran));
        if (strcmp(ran, "learned")) m[i].fallbacks++;
        PetscCall(PCLearnedICGetTrials(pc, NULL, NULL, &m[i].trial));
      }
    }
    if (iw >= 0 && hindsight) {
      PetscInt its[MAX_OMEGAS];
      PetscCall(PdSSORIterations(A, b, x, rtol, nomega, omegas, its));
      for (PetscInt k = 0; k < nomega; k++) wits[k] += its[k] >= 0 ? its[k] : 100000;
    }
    PetscCall(PdProgressUpdate(&prog, s + 1, NULL));
  }
  PetscCall(PdProgressEnd(&prog));

  PetscCall(PdPrintf(comm, "CG to rtol %g on %" PetscInt_FMT " systems of %s (seed %" PetscInt_FMT "), totals over the sequence:\n\n", (double)rtol, count, desc, seed));
  PetscCall(ReportTable(comm, nm, m, count, report));
  if (iw >= 0 && hindsight) {
    PetscInt best = 0, one = -1;
    for (PetscInt k = 0; k < nomega; k++) {
      PetscReal w = omegas[k];
      if (wits[k] < wits[best]) best = k;
      if (PetscAbsReal(w - 1.0) < 1e-12) one = k;
    }
    const PetscReal wb = omegas[best];
    PetscCall(PdPrintf(comm, "\nlearned_sor: %" PetscInt_FMT " iterations; best fixed omega in hindsight %.3f: %" PetscInt_FMT " (learned/best %.3f)", m[iw].its, (double)wb, wits[best], (double)m[iw].its / (double)wits[best]));
    if (one >= 0) PetscCall(PdPrintf(comm, "; default omega 1: %" PetscInt_FMT " (saved %" PetscInt_FMT ")", wits[one], wits[one] - m[iw].its));
    PetscCall(PdPrintf(comm, "\n"));
    PetscCall(PdPrintf(comm, "fixed omega:"));
    for (PetscInt k = 0; k < nomega; k++) PetscCall(PdPrintf(comm, " %.3f: %" PetscInt_FMT "%s", (double)omegas[k], wits[k], k + 1 < nomega ? "," : "\n"));
    for (PetscInt k = 0; k < nomega; k++) { /* sor_fixed_omega_k and sor_fixed_iterations_k, k = 0.. */
      char key[64];
      PetscCall(PetscSNPrintf(key, sizeof(key), "sor_fixed_omega_%" PetscInt_FMT, k));
      PetscCall(PdDictSetReal(report, key, omegas[k]));
      PetscCall(PetscSNPrintf(key, sizeof(key), "sor_fixed_iterations_%" PetscInt_FMT, k));
      PetscCall(PdDictSetInt(report, key, wits[k]));
    }
    PetscCall(PdDictSetReal(report, "sor_best_omega", wb));
    PetscCall(PdDictSetInt(report, "sor_best_fixed_iterations", wits[best]));
    if (one >= 0) PetscCall(PdDictSetInt(report, "sor_default_omega_iterations", wits[one]));
  }
  PetscCall(PdDictSetInt(report, "systems", count));
  PetscCall(PdDictSetString(report, "family", desc));
  for (PetscInt i = 0; i < nm; i++) PetscCall(KSPDestroy(&m[i].ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscCall(PdFamilyDestroy(&fam));
  PetscCall(PdSystemListDestroy(&list));
  PetscFunctionReturn(0);
}
