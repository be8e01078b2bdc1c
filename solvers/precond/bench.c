/* PdPrecondBench: CG over a sequence of systems of a family (or of files) with each
   preconditioner (PETSc's and the learned ones), timing set-up and solve separately, and for
   learned_sor the iterations against every fixed relaxation factor in hindsight. */
#include <pdeop/precondbench.h>
#include <pdeop/precond.h>
#include <pdeop/options.h>
#include <pdeop/progress.h>

#define MAX_METHODS 16
#define MAX_OMEGAS  64
#define MAX_FILES   64

typedef struct {
  PdPrecondBenchResult *r; /* in the benchmark's res */
  KSP                   ksp;
} Method;

struct _n_PdPrecondBench {
  MPI_Comm             comm;
  char                 model[PETSC_MAX_PATH_LEN], dcdm[PETSC_MAX_PATH_LEN], sor[PETSC_MAX_PATH_LEN];
  PetscReal            rtol;
  PetscBool            hindsight;
  PetscInt             nm; /* methods given (0: the defaults at set-up) */
  char                *names[MAX_METHODS];
  Method               m[MAX_METHODS];
  PdPrecondBenchResult res[MAX_METHODS];
  PetscInt             nfiles; /* -f: the list is made from these at the run */
  char                *files[MAX_FILES];
  PdFamily             ownfam, *fam; /* fam: the family run (ownfam from the options, or the caller's) */
  PetscBool            hasownfam;
  PdSystemList         list;
  PetscBool            ownlist;
  PetscInt             count;
  PetscInt64           seed;
  char                 desc[128];
  PetscInt             iw, nomega; /* learned_sor's place, its grid */
  const PetscReal     *omegas;
  PetscInt             wits[MAX_OMEGAS]; /* iterations at each fixed omega */
  PetscBool            setup, ran;
};

PetscErrorCode PdPrecondBenchCreate(MPI_Comm comm, PdPrecondBench *bench)
{
  PdPrecondBench b;

  PetscFunctionBegin;
  PetscCheck(bench, comm, PETSC_ERR_ARG_NULL, "PdPrecondBenchCreate: the output argument is NULL");
  PetscCall(PetscNew(&b));
  b->comm      = comm;
  b->rtol      = 1e-8;
  b->hindsight = PETSC_TRUE;
  b->count     = 100;
  b->seed      = 1000;
  b->iw        = -1;
  *bench       = b;
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeNames(PdPrecondBench b)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < b->nm; i++) PetscCall(PetscFree(b->names[i]));
  b->nm = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeSystems(PdPrecondBench b)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < b->nfiles; k++) PetscCall(PetscFree(b->files[k]));
  b->nfiles = 0;
  if (b->hasownfam) PetscCall(PdFamilyDestroy(&b->ownfam));
  b->hasownfam = PETSC_FALSE;
  b->fam       = NULL;
  if (b->ownlist) PetscCall(PdSystemListDestroy(&b->list));
  b->list    = NULL;
  b->ownlist = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The systems' source: with -f the files (a family's options would be ignored, so they are an
   error), otherwise the family of -problem, -res and -count (seed: the family's) */
static PetscErrorCode FamilyFromOptions(PdPrecondBench b, PetscBool setf, PetscBool setres, PetscBool setcount, PetscInt res)
{
  PetscFunctionBegin;
  PetscCall(PdFamilyCreateFromOptions(b->comm, setf, setres, setcount, res, b->seed, &b->ownfam));
  b->hasownfam = PETSC_TRUE;
  if (!setf) b->fam = &b->ownfam;
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchSetFromOptions(PdPrecondBench b)
{
  char     *names[MAX_METHODS], *files[MAX_FILES];
  PetscInt  res = 64, count = b->count, seed = (PetscInt)b->seed, nm = MAX_METHODS, nf = MAX_FILES;
  PetscBool setf, setres = PETSC_FALSE, setcount = PETSC_FALSE, setm;

  PetscFunctionBegin;
  PetscOptionsBegin(b->comm, NULL, "pdeop precond bench", "pdeop");
  PetscCall(PetscOptionsString("-model", "learned_ic model (from pdeop precond train)", "", b->model, b->model, sizeof(b->model), NULL));
  PetscCall(PetscOptionsString("-dcdm_model", "dcdm model (from pdeop precond train -type dcdm)", "", b->dcdm, b->dcdm, sizeof(b->dcdm), NULL));
  PetscCall(PetscOptionsString("-sor_model", "learned_sor starts from this bandit (from pdeop precond train -type learned_sor)", "", b->sor, b->sor, sizeof(b->sor), NULL));
  PetscCall(PdOptionsStringArray("-f", "The systems of these PETSc binary files instead of a family", "", files, &nf, &setf));
  PetscCall(PdOptionsInt("-res", "Grid nodes per side", "", res, &res, &setres));
  PetscCall(PdOptionsInt("-count", "Systems in the sequence", "", count, &count, &setcount));
  PetscCall(PdOptionsInt("-seed", "Seed of the sequence (held out: training uses 0 by default)", "", seed, &seed, NULL));
  PetscCall(PdOptionsReal("-rtol", "Relative tolerance of CG", "", b->rtol, &b->rtol, NULL));
  PetscCall(PdOptionsStringArray("-methods", "Preconditioners to compare", "", names, &nm, &setm));
  PetscCall(PetscOptionsBool("-sor_hindsight", "With learned_sor: solve with every fixed omega too", "", b->hindsight, &b->hindsight, NULL));
  PetscOptionsEnd();
  if (setm) {
    PetscCall(FreeNames(b));
    for (PetscInt i = 0; i < nm; i++) b->names[i] = names[i];
    b->nm = nm;
  }
  b->count = count;
  b->seed  = seed;
  PetscCall(FreeSystems(b));
  if (setf) {
    for (PetscInt k = 0; k < nf; k++) b->files[k] = files[k];
    b->nfiles = nf;
  }
  PetscCall(FamilyFromOptions(b, setf, setres, setcount, res));
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchSetSystems(PdPrecondBench b, PdFamily *fam, PdSystemList list, PetscInt count)
{
  PetscFunctionBegin;
  PetscCheck(!fam != !list, b->comm, PETSC_ERR_ARG_WRONG, "PdPrecondBenchSetSystems: give a family or a list of systems, one of them");
  PetscCall(FreeSystems(b));
  b->fam  = fam;
  b->list = list;
  if (fam) b->seed = fam->seed;
  if (list && count == PETSC_DETERMINE) PetscCall(PdSystemListGetSize(list, &count));
  b->count = count;
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchSetMethods(PdPrecondBench b, PetscInt n, const char *const names[])
{
  PetscFunctionBegin;
  PetscCheck(n >= 1 && n <= MAX_METHODS, b->comm, PETSC_ERR_ARG_OUTOFRANGE, "The benchmark takes 1 to %d methods, got %" PetscInt_FMT, MAX_METHODS, n);
  PetscCall(FreeNames(b));
  for (PetscInt i = 0; i < n; i++) PetscCall(PetscStrallocpy(names[i], &b->names[i]));
  b->nm = n;
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchSetTolerance(PdPrecondBench b, PetscReal rtol)
{
  PetscFunctionBegin;
  b->rtol = rtol;
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchSetModels(PdPrecondBench b, const char ic[], const char dcdm[], const char sor[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(b->model, ic ? ic : "", sizeof(b->model)));
  PetscCall(PetscStrncpy(b->dcdm, dcdm ? dcdm : "", sizeof(b->dcdm)));
  PetscCall(PetscStrncpy(b->sor, sor ? sor : "", sizeof(b->sor)));
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchSetHindsight(PdPrecondBench b, PetscBool hindsight)
{
  PetscFunctionBegin;
  b->hindsight = hindsight;
  PetscFunctionReturn(0);
}

static PetscErrorCode MethodCreate(PdPrecondBench b, Method *m)
{
  PC   pc;
  char prefix[40];

  PetscFunctionBegin;
  PetscCall(KSPCreate(PETSC_COMM_SELF, &m->ksp));
  PetscCall(KSPSetType(m->ksp, KSPCG));
  PetscCall(KSPSetTolerances(m->ksp, b->rtol, 1e-50, PETSC_DEFAULT, 100000));
  PetscCall(KSPSetErrorIfNotConverged(m->ksp, PETSC_FALSE));
  PetscCall(KSPGetPC(m->ksp, &pc));
  if (!strcmp(m->r->name, "dcdm")) { /* a Krylov method of its own, no preconditioner */
    PetscCheck(b->dcdm[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The dcdm column needs -dcdm_model dcdm.h5 (from pdeop precond train -type dcdm)");
    PetscCall(KSPSetType(m->ksp, "dcdm"));
    PetscCall(PCSetType(pc, PCNONE));
    PetscCall(PetscOptionsSetValue(NULL, "-dcdm_ksp_dcdm_model", b->dcdm));
  } else PetscCall(PCSetType(pc, m->r->name));
  if (!strcmp(m->r->name, "learned_ic")) {
    PetscCheck(b->model[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The learned_ic column needs -model ic.h5 (from pdeop precond train -type learned_ic)");
    PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "-%s_pc_learned_model", m->r->name));
    PetscCall(PetscOptionsSetValue(NULL, prefix, b->model));
  }
  if (!strcmp(m->r->name, "learned_sor") && b->sor[0]) PetscCall(PetscOptionsSetValue(NULL, "-learned_sor_pc_learned_model", b->sor));
  /* each method's own options: -<method>_<option>, e.g. -gamg_pc_gamg_threshold 0.02 */
  PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "%s_", m->r->name));
  PetscCall(KSPSetOptionsPrefix(m->ksp, prefix));
  PetscCall(KSPSetFromOptions(m->ksp));
  PetscFunctionReturn(0);
}

/* Systems of files may change size: a method then starts afresh (learned_sor keeps what its
   bandit learned: its PC is only reset) */
static PetscErrorCode MethodResize(PdPrecondBench b, Method *m, Mat A)
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
  if (!strcmp(m->r->name, "learned_sor")) PetscCall(KSPReset(m->ksp));
  else {
    PetscCall(KSPDestroy(&m->ksp));
    PetscCall(MethodCreate(b, m));
  }
  PetscFunctionReturn(0);
}

/* The methods without -methods: for files ICC(0), GAMG, BoomerAMG (when PETSc has hypre) and the
   learned ones given a model; for a family every type */
static PetscErrorCode DefaultMethods(PdPrecondBench b, PetscBool files)
{
  char    **names = b->names;
  PetscInt *nm    = &b->nm;

  PetscFunctionBegin;
  if (files) {
    PetscBool hypre;
    PetscCall(PetscHasExternalPackage("hypre", &hypre));
    *nm = 0;
    PetscCall(PetscStrallocpy("icc", &names[(*nm)++]));
    PetscCall(PetscStrallocpy("gamg", &names[(*nm)++]));
    if (hypre) PetscCall(PetscStrallocpy("hypre", &names[(*nm)++]));
    if (b->sor[0]) PetscCall(PetscStrallocpy("learned_sor", &names[(*nm)++]));
    if (b->model[0]) PetscCall(PetscStrallocpy("learned_ic", &names[(*nm)++]));
  } else {
    const char *def[] = {"none", "jacobi", "sor", "icc", "gamg", "hypre", "learned_sor"};
    *nm               = 7;
    for (PetscInt i = 0; i < *nm; i++) PetscCall(PetscStrallocpy(def[i], &names[i]));
    if (b->model[0]) PetscCall(PetscStrallocpy("learned_ic", &names[(*nm)++]));
    if (b->dcdm[0]) PetscCall(PetscStrallocpy("dcdm", &names[(*nm)++]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchSetUp(PdPrecondBench b)
{
  PetscMPIInt size;

  PetscFunctionBegin;
  if (b->setup) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_size(b->comm, &size));
  PetscCheck(size == 1, b->comm, PETSC_ERR_SUP, "pdeop precond bench runs on one rank (it times sequential solves)");
  PetscCheck(b->count >= 1, b->comm, PETSC_ERR_ARG_OUTOFRANGE, "-count must be at least 1");
  PetscCheck(b->rtol > 0 && b->rtol < 1, b->comm, PETSC_ERR_ARG_OUTOFRANGE, "-rtol must be in (0, 1)");
  PetscCheck(b->fam || b->list || b->nfiles, b->comm, PETSC_ERR_ARG_WRONGSTATE, "PdPrecondBenchSetUp: no systems (PdPrecondBenchSetSystems or -f / -problem)");
  if (!b->nm) PetscCall(DefaultMethods(b, b->list || b->nfiles ? PETSC_TRUE : PETSC_FALSE));
  for (PetscInt i = 0; i < b->nm; i++) {
    PetscCall(PetscMemzero(&b->m[i], sizeof(b->m[i])));
    PetscCall(PetscMemzero(&b->res[i], sizeof(b->res[i])));
    b->m[i].r = &b->res[i];
    PetscCall(PetscStrncpy(b->m[i].r->name, b->names[i], sizeof(b->m[i].r->name)));
    if (!strcmp(b->m[i].r->name, "learned_sor")) b->iw = i;
  }
  for (PetscInt i = 0; i < b->nm; i++) PetscCall(MethodCreate(b, &b->m[i]));
  if (b->iw >= 0 && b->hindsight) { /* the same grid as the bandit's: -learned_sor_pc_learned_sor_omega_* */
    PC pc;
    PetscCall(KSPGetPC(b->m[b->iw].ksp, &pc));
    PetscCall(PCLearnedSORGetGrid(pc, &b->nomega, &b->omegas));
    PetscCheck(b->nomega <= MAX_OMEGAS, b->comm, PETSC_ERR_SUP, "The hindsight comparison handles at most %d omegas", MAX_OMEGAS);
  }
  b->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The systems made ready: the files' list loaded, the family set up; the count and description */
static PetscErrorCode SetUpSystems(PdPrecondBench b)
{
  PetscFunctionBegin;
  if (b->nfiles) {
    PetscCall(PdSystemListCreate(b->comm, b->seed, &b->list));
    b->ownlist = PETSC_TRUE;
    PetscCall(PdSystemListAddFiles(b->list, b->nfiles, b->files));
    for (PetscInt k = 0; k < b->nfiles; k++) PetscCall(PetscFree(b->files[k]));
    b->nfiles = 0;
    PetscCall(PdSystemListGetSize(b->list, &b->count));
  }
  if (b->list) {
    PetscInt n;
    PetscCall(PdSystemListGetSize(b->list, &n));
    PetscCheck(b->count <= n, b->comm, PETSC_ERR_ARG_OUTOFRANGE, "%" PetscInt_FMT " systems asked of a list of %" PetscInt_FMT, b->count, n);
    PetscCall(PdSystemListDescribe(b->list, b->desc, sizeof(b->desc)));
  } else {
    PetscCall(PdFamilySetUp(b->fam));
    PetscCall(PdFamilyDescribe(b->fam, b->desc, sizeof(b->desc)));
  }
  PetscFunctionReturn(0);
}

/* The sequence's system s: a family's (A refilled, f = 1) or a file's (a new A, its right-hand side) */
static PetscErrorCode BenchSystem(PdPrecondBench b, PetscInt s, Mat *A, Vec *rhs)
{
  PetscFunctionBegin;
  if (b->list) {
    PetscCall(MatDestroy(A));
    PetscCall(VecDestroy(rhs));
    PetscCall(PdSystemListLoad(b->list, s, A));
  } else PetscCall(PdFamilyOperator(b->fam, s, A));
  if (!*rhs) PetscCall(MatCreateVecs(*A, NULL, rhs));
  if (b->list) PetscCall(PdSystemListRHS(b->list, s, 0, *A, *rhs));
  else PetscCall(PdFamilyRHS(b->fam, s, 0, *rhs));
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve(KSP ksp, Mat A, Vec rhs, Vec x, PetscInt *its, PetscBool *ok, PetscLogDouble *tsetup, PetscLogDouble *tsolve)
{
  PetscLogDouble     t0, t1, t2;
  KSPConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(VecZeroEntries(x));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(PetscTime(&t0));
  PetscCall(KSPSetUp(ksp));
  PetscCall(PetscTime(&t1));
  PetscCall(KSPSolve(ksp, rhs, x));
  PetscCall(PetscTime(&t2));
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  *ok = reason > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (tsetup) *tsetup += t1 - t0;
  if (tsolve) *tsolve += t2 - t1;
  PetscFunctionReturn(0);
}

/* every method on system A x = rhs, and with learned_sor every fixed omega */
static PetscErrorCode RunSystem(PdPrecondBench b, Mat A, Vec rhs, Vec x)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < b->nm; i++) {
    Method   *m = &b->m[i];
    PetscInt  its;
    PetscBool ok = PETSC_FALSE;
    PetscCall(MethodResize(b, m, A));
    PetscCall(Solve(m->ksp, A, rhs, x, &its, &ok, &m->r->setup, &m->r->solve));
    m->r->iterations += its;
    if (!ok) m->r->failed++;
    if (!strcmp(m->r->name, "learned_ic")) {
      PC          pc;
      const char *ran;
      PetscCall(KSPGetPC(m->ksp, &pc));
      PetscCall(PCLearnedICGetRan(pc, &ran));
      if (strcmp(ran, "learned")) m->r->fallbacks++;
      PetscCall(PCLearnedICGetTrials(pc, NULL, NULL, &m->r->trial));
    }
  }
  if (b->iw >= 0 && b->hindsight) {
    PetscInt its[MAX_OMEGAS];
    PetscCall(PdSSORIterations(A, rhs, x, b->rtol, b->nomega, b->omegas, its));
    for (PetscInt k = 0; k < b->nomega; k++) b->wits[k] += its[k] >= 0 ? its[k] : 100000;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchRun(PdPrecondBench b)
{
  Mat        A   = NULL;
  Vec        rhs = NULL, x = NULL;
  PdProgress prog;

  PetscFunctionBegin;
  PetscCall(PdPrecondBenchSetUp(b));
  PetscCheck(!b->ran, b->comm, PETSC_ERR_ARG_WRONGSTATE, "PdPrecondBenchRun: the benchmark ran already");
  PetscCall(SetUpSystems(b));
  PetscCall(PdProgressBegin(b->comm, "systems", b->count, &prog));
  for (PetscInt s = 0; s < b->count; s++) {
    PetscCall(BenchSystem(b, s, &A, &rhs));
    if (x) {
      PetscInt n, m;
      PetscCall(VecGetSize(x, &n));
      PetscCall(VecGetSize(rhs, &m));
      if (m != n) PetscCall(VecDestroy(&x));
    }
    if (!x) PetscCall(VecDuplicate(rhs, &x));
    PetscCall(RunSystem(b, A, rhs, x));
    PetscCall(PdProgressUpdate(&prog, s + 1, NULL));
  }
  PetscCall(PdProgressEnd(&prog));
  for (PetscInt i = 0; i < b->nm; i++) b->m[i].r->mean_iterations = (PetscReal)b->m[i].r->iterations / b->count;
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&rhs));
  PetscCall(MatDestroy(&A));
  b->ran = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchGetResults(PdPrecondBench b, PetscInt *n, const PdPrecondBenchResult *r[])
{
  PetscFunctionBegin;
  PetscCheck(b->ran, b->comm, PETSC_ERR_ARG_WRONGSTATE, "PdPrecondBenchGetResults: run the benchmark first");
  if (n) *n = b->nm;
  if (r) *r = b->res;
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchGetHindsight(PdPrecondBench b, PetscInt *n, const PetscReal *omegas[], const PetscInt *its[])
{
  PetscBool has = b->ran && b->iw >= 0 && b->hindsight ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBegin;
  if (n) *n = has ? b->nomega : 0;
  if (omegas) *omegas = has ? b->omegas : NULL;
  if (its) *its = has ? b->wits : NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchGetSystems(PdPrecondBench b, PetscInt *count, const char *desc[])
{
  PetscFunctionBegin;
  if (count) *count = b->count;
  if (desc) *desc = b->desc;
  PetscFunctionReturn(0);
}

/* the best fixed omega in hindsight and omega 1's place (-1 when the grid has none) */
static void Hindsight(PdPrecondBench b, PetscInt *best, PetscInt *one)
{
  *best = 0;
  *one  = -1;
  for (PetscInt k = 0; k < b->nomega; k++) {
    if (b->wits[k] < b->wits[*best]) *best = k;
    if (PetscAbsReal(b->omegas[k] - 1.0) < 1e-12) *one = k;
  }
}

PetscErrorCode PdPrecondBenchView(PdPrecondBench b)
{
  MPI_Comm comm = b->comm;

  PetscFunctionBegin;
  PetscCheck(b->ran, comm, PETSC_ERR_ARG_WRONGSTATE, "PdPrecondBenchView: run the benchmark first");
  PetscCall(PdPrintf(comm, "CG to rtol %g on %" PetscInt_FMT " systems of %s (seed %" PetscInt_FMT "), totals over the sequence:\n\n", (double)b->rtol, b->count, b->desc, (PetscInt)b->seed));
  PetscCall(PdPrintf(comm, "| method      | setup s | solve s | total s | iterations | its/system | failed |\n|-------------|--------:|--------:|--------:|-----------:|-----------:|-------:|\n"));
  for (PetscInt i = 0; i < b->nm; i++) {
    const PdPrecondBenchResult *r = &b->res[i];
    PetscCall(PdPrintf(comm, "| %-11s | %7.3f | %7.3f | %7.3f | %10" PetscInt_FMT " | %10.1f | %6" PetscInt_FMT " |\n", r->name, r->setup, r->solve, r->setup + r->solve, r->iterations, (double)r->iterations / b->count, r->failed));
  }
  if (b->iw >= 0 && b->hindsight) {
    PetscInt best, one, its = b->res[b->iw].iterations;
    Hindsight(b, &best, &one);
    PetscCall(PdPrintf(comm, "\nlearned_sor: %" PetscInt_FMT " iterations; best fixed omega in hindsight %.3f: %" PetscInt_FMT " (learned/best %.3f)", its, (double)b->omegas[best], b->wits[best], (double)its / (double)b->wits[best]));
    if (one >= 0) PetscCall(PdPrintf(comm, "; default omega 1: %" PetscInt_FMT " (saved %" PetscInt_FMT ")", b->wits[one], b->wits[one] - its));
    PetscCall(PdPrintf(comm, "\n"));
    PetscCall(PdPrintf(comm, "fixed omega:"));
    for (PetscInt k = 0; k < b->nomega; k++) PetscCall(PdPrintf(comm, " %.3f: %" PetscInt_FMT "%s", (double)b->omegas[k], b->wits[k], k + 1 < b->nomega ? "," : "\n"));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchReport(PdPrecondBench b, PdDict report)
{
  char key[64];

  PetscFunctionBegin;
  PetscCheck(b->ran, b->comm, PETSC_ERR_ARG_WRONGSTATE, "PdPrecondBenchReport: run the benchmark first");
  for (PetscInt i = 0; i < b->nm; i++) {
    const PdPrecondBenchResult *r = &b->res[i];
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_iterations", r->name));
    PetscCall(PdDictSetInt(report, key, r->iterations));
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_setup_seconds", r->name));
    PetscCall(PdDictSetReal(report, key, r->setup));
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_solve_seconds", r->name));
    PetscCall(PdDictSetReal(report, key, r->solve));
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_total_seconds", r->name));
    PetscCall(PdDictSetReal(report, key, r->setup + r->solve));
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_failed", r->name));
    PetscCall(PdDictSetInt(report, key, r->failed));
    if (!strcmp(r->name, "learned_ic")) PetscCall(PdDictSetInt(report, "learned_ic_fallbacks", r->fallbacks));
    if (!strcmp(r->name, "learned_ic")) PetscCall(PdDictSetReal(report, "learned_ic_trial_seconds", r->trial));
  }
  if (b->iw >= 0 && b->hindsight) {
    PetscInt best, one;
    Hindsight(b, &best, &one);
    for (PetscInt k = 0; k < b->nomega; k++) { /* sor_fixed_omega_k and sor_fixed_iterations_k, k = 0.. */
      PetscCall(PetscSNPrintf(key, sizeof(key), "sor_fixed_omega_%" PetscInt_FMT, k));
      PetscCall(PdDictSetReal(report, key, b->omegas[k]));
      PetscCall(PetscSNPrintf(key, sizeof(key), "sor_fixed_iterations_%" PetscInt_FMT, k));
      PetscCall(PdDictSetInt(report, key, b->wits[k]));
    }
    PetscCall(PdDictSetReal(report, "sor_best_omega", b->omegas[best]));
    PetscCall(PdDictSetInt(report, "sor_best_fixed_iterations", b->wits[best]));
    if (one >= 0) PetscCall(PdDictSetInt(report, "sor_default_omega_iterations", b->wits[one]));
  }
  PetscCall(PdDictSetInt(report, "systems", b->count));
  PetscCall(PdDictSetString(report, "family", b->desc));
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrecondBenchDestroy(PdPrecondBench *bench)
{
  PdPrecondBench b;

  PetscFunctionBegin;
  if (!bench || !*bench) PetscFunctionReturn(0);
  b = *bench;
  for (PetscInt i = 0; i < b->nm; i++) PetscCall(KSPDestroy(&b->m[i].ksp));
  PetscCall(FreeNames(b));
  PetscCall(FreeSystems(b));
  PetscCall(PetscFree(*bench));
  PetscFunctionReturn(0);
}
