/* The PdProblem object: type registry, lifecycle (create, set type, options, set-up, solve,
   report, field output, destroy) and the checks every type relies on. */
#include "pde/interface/problemimpl.h"
#include <stddef.h>
#include <pdeop/registry.h>

static PdRegistry PdProblemRegistry = PD_REGISTRY_INITIALIZER("problem");

/*@
  PdProblemRegister - add a problem type: PdProblemRegister("name", "usage line", PdProblemCreate_Name)

  The usage line follows "pdeop solve " in `pdeop solve -help`; NULL for a type `pdeop solve` does
  not offer (a dataset recipe only). The strings must outlive the program (string literals).
@*/
PetscErrorCode PdProblemRegister(const char name[], const char usage[], PetscErrorCode (*create)(PdProblem))
{
  PetscFunctionBegin;
  PetscCall(PdRegistryAdd(&PdProblemRegistry, name, usage, (PetscVoidFunction)create));
  PetscFunctionReturn(0);
}

/*@ PdProblemRegisterAll - register the built-in problem types (called by PdRegisterAll) @*/
PetscErrorCode PdProblemRegisterAll(void)
{
  PetscBool todo;

  PetscFunctionBegin;
  PetscCall(PdRegistryBeginAll(&PdProblemRegistry, &todo));
  if (!todo) PetscFunctionReturn(0);
  PetscCall(PdProblemRegister(PDPROBLEMPOISSON, "poisson [options]   -Laplace(u) = f on DMDA (finite differences) or DMPlex (P1 FEM)", PdProblemCreate_Poisson));
  PetscCall(PdProblemRegister(PDPROBLEMDARCY, "darcy [options]     -div(a grad u) = f, a random or from a file", PdProblemCreate_Darcy));
  PetscCall(PdProblemRegister(PDPROBLEMCAVITY, "cavity [options]      lid-driven cavity (MAC grid, projection; -pressure_ksp/pc options)", PdProblemCreate_Cavity));
  PetscCall(PdProblemRegister(PDPROBLEMNSPERIODIC, "ns-periodic [options] 2D Navier-Stokes on the periodic square (pseudo-spectral)", PdProblemCreate_NSPeriodic));
  PetscCall(PdProblemRegister(PDPROBLEMSYSTEM, "-f system.petsc     any PETSc binary matrix (and right-hand side)", PdProblemCreate_System));
  PetscCall(PdProblemRegister(PDPROBLEMANTIDERIV, NULL, PdProblemCreate_Antiderivative)); /* pdeop data antiderivative only */
  PetscFunctionReturn(0);
}

/*@
  PdProblemGetTypes - the registered problem types, in registration order

  Output: n, names, usages (the one-line synopses); the arrays belong to the registry.
@*/
PetscErrorCode PdProblemGetTypes(PetscInt *n, const char *const **names, const char *const **usages)
{
  PetscFunctionBegin;
  PetscCall(PdProblemRegisterAll());
  if (n) *n = PdProblemRegistry.n;
  if (names) *names = PdProblemRegistry.names;
  if (usages) *usages = PdProblemRegistry.usages;
  PetscFunctionReturn(0);
}

/* whether a registered type's create sets the method at offset in PdProblemOps (a capability:
   families, dataset recipes); PETSC_FALSE for a name the registry does not hold */
PetscErrorCode PdProblemTypeHasOp(const char type[], size_t offset, PetscBool *has)
{
  PetscInt           n;
  const char *const *names;
  PetscBool          known = PETSC_FALSE;
  PdProblem          p;

  PetscFunctionBegin;
  *has = PETSC_FALSE;
  PetscCall(PdProblemGetTypes(&n, &names, NULL));
  for (PetscInt i = 0; i < n && !known; i++) PetscCall(PetscStrcmp(names[i], type, &known));
  if (!known) PetscFunctionReturn(0);
  PetscCall(PdProblemCreate(PETSC_COMM_SELF, &p));
  PetscCall(PdProblemSetType(p, type));
  *has = (PetscBool)(*(void **)((char *)&p->ops + offset) != NULL);
  PetscCall(PdProblemDestroy(&p));
  PetscFunctionReturn(0);
}

/* the registered types that have the method at offset, in registration order, joined by sep and
   the last two by last */
PetscErrorCode PdProblemListTypesWithOp(size_t offset, const char sep[], const char last[], char buf[], size_t len)
{
  PetscInt           n, m = 0, k = 0;
  const char *const *names;
  PetscBool         *has;

  PetscFunctionBegin;
  PetscCall(PdProblemGetTypes(&n, &names, NULL));
  PetscCall(PetscMalloc1(n, &has));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PdProblemTypeHasOp(names[i], offset, &has[i]));
    m += has[i];
  }
  buf[0] = 0;
  for (PetscInt i = 0; i < n; i++) {
    if (!has[i]) continue;
    if (k) PetscCall(PetscStrlcat(buf, k == m - 1 ? last : sep, len));
    PetscCall(PetscStrlcat(buf, names[i], len));
    k++;
  }
  PetscCall(PetscFree(has));
  PetscFunctionReturn(0);
}

/*@
  PdProblemTypeHasFamily - whether a registered problem type supports families of systems (PdFamily):
  it implements the per-index operator. PETSC_FALSE for a name the registry does not hold.
@*/
PetscErrorCode PdProblemTypeHasFamily(const char type[], PetscBool *has)
{
  PetscFunctionBegin;
  PetscCall(PdProblemTypeHasOp(type, offsetof(PdProblemOps, familyoperator), has));
  PetscFunctionReturn(0);
}

/*@
  PdProblemGetFamilyTypes - the types that support families, in registration order, joined by sep
  and the last two by last: (", ", " or ") gives "poisson, darcy or cavity"
@*/
PetscErrorCode PdProblemGetFamilyTypes(const char sep[], const char last[], char buf[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PdProblemListTypesWithOp(offsetof(PdProblemOps, familyoperator), sep, last, buf, len));
  PetscFunctionReturn(0);
}

/*@ PdProblemCreate - an empty problem on a communicator; set its type next @*/
PetscErrorCode PdProblemCreate(MPI_Comm comm, PdProblem *problem)
{
  PdProblem p;

  PetscFunctionBegin;
  PetscCheck(problem, comm, PETSC_ERR_ARG_NULL, "PdProblemCreate: give the address of a PdProblem");
  PetscCall(PdProblemRegisterAll());
  PetscCall(PetscNew(&p));
  p->comm = comm;
  PetscCall(PdDictCreate(&p->results));
  *problem = p;
  PetscFunctionReturn(0);
}

/*@ PdProblemSetType - choose the problem (poisson, darcy, cavity, ns-periodic, system, antiderivative) @*/
PetscErrorCode PdProblemSetType(PdProblem p, PdProblemType type)
{
  PetscErrorCode (*create)(PdProblem);

  PetscFunctionBegin;
  PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "PdProblemSetType: the problem is NULL");
  PetscCheck(type && type[0], p->comm, PETSC_ERR_ARG_NULL, "PdProblemSetType: give a type name");
  PetscCall(PdRegistryChange(&PdProblemRegistry, p->comm, p->type, type, (PetscVoidFunction *)&create));
  if (!create) PetscFunctionReturn(0);
  PetscCheck(!p->setupcalled, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Cannot change the type of a problem after PdProblemSetUp");
  if (p->ops.datadestroy) PetscCall(p->ops.datadestroy(p));
  if (p->ops.destroy) PetscCall(p->ops.destroy(p));
  PetscCall(PetscMemzero(&p->ops, sizeof(p->ops)));
  PetscCall(PdProblemSetFields(p, NULL, NULL, NULL, NULL));
  p->data                 = NULL;
  p->sdata                = NULL;
  p->setfromoptionscalled = PETSC_FALSE;
  PetscCall(PetscStrncpy(p->type, type, sizeof(p->type)));
  PetscCall(create(p));
  if (p->datamode && !p->ops.sample) { /* data mode was chosen for the previous type */
    p->datamode = PETSC_FALSE;
    SETERRQ(p->comm, PETSC_ERR_ARG_INCOMP, "PdProblemSetType: a '%s' problem has no dataset recipe (darcy, ns-periodic and antiderivative have), so data mode is now off", type);
  }
  PetscFunctionReturn(0);
}

/*@ PdProblemGetType - the problem's type name (empty before PdProblemSetType) @*/
PetscErrorCode PdProblemGetType(PdProblem p, PdProblemType *type)
{
  PetscFunctionBegin;
  *type = p->type;
  PetscFunctionReturn(0);
}

/*@ PdProblemGetComm - the problem's communicator @*/
PetscErrorCode PdProblemGetComm(PdProblem p, MPI_Comm *comm)
{
  PetscFunctionBegin;
  PetscCheck(p && comm, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "PdProblemGetComm: the problem or the output is NULL");
  *comm = p->comm;
  PetscFunctionReturn(0);
}

/* error unless the type was set */
static PetscErrorCode CheckHasType(PdProblem p, const char fn[])
{
  PetscFunctionBegin;
  PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: the problem is NULL", fn);
  PetscCheck(p->type[0], p->comm, PETSC_ERR_ARG_WRONGSTATE, "%s: set the problem's type first (PdProblemSetType)", fn);
  PetscFunctionReturn(0);
}

PetscErrorCode PdProblemCheckType(PdProblem p, PdProblemType type, const char fn[])
{
  PetscBool same;

  PetscFunctionBegin;
  PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: the problem is NULL", fn);
  PetscCall(PetscStrcmp(p->type, type, &same));
  PetscCheck(same, p->comm, PETSC_ERR_ARG_WRONG, "%s applies to '%s' problems; this one is '%s'", fn, type, p->type[0] ? p->type : "of no type yet");
  PetscFunctionReturn(0);
}

/* a type's setter: the problem is of the type and not set up yet */
PetscErrorCode PdProblemCheckSetter(PdProblem p, PdProblemType type, const char fn[])
{
  PetscFunctionBegin;
  PetscCall(PdProblemCheckType(p, type, fn));
  PetscCheck(!p->setupcalled, p->comm, PETSC_ERR_ARG_WRONGSTATE, "%s: call it before PdProblemSetUp", fn);
  PetscFunctionReturn(0);
}

/*@
  PdProblemSetOptionsPrefix - prefix for the problem's own options, its outputs' (-o, -vtk, -png, ...)
  and its solvers' (the grid's -da_grid_x and -dm_* options stay unprefixed)
@*/
PetscErrorCode PdProblemSetOptionsPrefix(PdProblem p, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(p->prefix));
  if (prefix && prefix[0]) PetscCall(PetscStrallocpy(prefix, &p->prefix));
  PetscFunctionReturn(0);
}

/*@
  PdProblemSetSeed - the seed of what the problem draws at random (-seed; default 0): darcy's
  coefficient and ns-periodic's initial vorticity in a solve, the stream (seed, i) of sample i in
  data mode. An error for the types that draw nothing (poisson, cavity, system). Before set-up.
@*/
PetscErrorCode PdProblemSetSeed(PdProblem p, PetscInt64 seed)
{
  PetscFunctionBegin;
  PetscCall(CheckHasType(p, "PdProblemSetSeed"));
  PetscCheck(!p->setupcalled, p->comm, PETSC_ERR_ARG_WRONGSTATE, "PdProblemSetSeed: call it before PdProblemSetUp");
  PetscCheck(p->ops.setseed || p->ops.setdataseed, p->comm, PETSC_ERR_SUP, "PdProblemSetSeed: a '%s' problem draws nothing at random", p->type);
  PetscCheck(seed >= 0 && seed <= PETSC_MAX_INT, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "PdProblemSetSeed: the seed must be in [0, %d], got %" PetscInt64_FMT, (int)PETSC_MAX_INT, seed);
  if (p->ops.setseed) PetscCall(p->ops.setseed(p, seed));
  if (p->ops.setdataseed) PetscCall(p->ops.setdataseed(p, seed));
  PetscFunctionReturn(0);
}

/*@
  PdProblemSetFromOptions - read the type's options (`pdeop solve <type> -help` lists them) and its
  solver's; unknown options are then checked as the type's command does (for linear solves, just
  before KSPSolve)
@*/
PetscErrorCode PdProblemSetFromOptions(PdProblem p)
{
  PetscFunctionBegin;
  PetscCall(CheckHasType(p, "PdProblemSetFromOptions"));
  PetscCheck(!p->setupcalled, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdProblemSetFromOptions before PdProblemSetUp");
  if (p->datamode) PetscCall(p->ops.datasetfromoptions(p));
  else {
    PetscBool flg; /* read before the type's options: some types check for unused options there */
    PetscOptionsBegin(p->comm, NULL, "Linear system output", "PdProblemWriteFields");
    PetscCall(PetscOptionsString("-o_system", "PETSc binary file for the assembled matrix and its right-hand side (what solve -f reads)", "", p->osystem, p->osystem, sizeof(p->osystem), &flg));
    PetscOptionsEnd();
    PetscCheck(!flg || !p->osystem[0] || p->ops.getoperator || p->field_A, p->comm, PETSC_ERR_SUP, "-o_system: a '%s' problem has no assembled linear system to write; drop -o_system", p->type);
    if (p->ops.setfromoptions) PetscCall(p->ops.setfromoptions(p));
  }
  p->setfromoptionscalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@ PdProblemSetUp - build the grid, the operator and the solver (called by PdProblemSolve if needed) @*/
PetscErrorCode PdProblemSetUp(PdProblem p)
{
  PetscFunctionBegin;
  PetscCall(CheckHasType(p, "PdProblemSetUp"));
  if (p->setupcalled) PetscFunctionReturn(0);
  if (p->datamode) PetscCall(p->ops.datasetup(p));
  else if (p->ops.setup) PetscCall(p->ops.setup(p));
  p->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@ PdProblemSolve - solve (linear problems) or march to the end (time-dependent ones) @*/
PetscErrorCode PdProblemSolve(PdProblem p)
{
  PetscFunctionBegin;
  PetscCheck(!p->datamode, p->comm, PETSC_ERR_ARG_WRONGSTATE, "PdProblemSolve: the problem is in data mode; draw samples with PdProblemSample");
  PetscCall(PdProblemSetUp(p));
  PetscCheck(!p->solved, p->comm, PETSC_ERR_ARG_WRONGSTATE, "The problem was solved already: create a new one");
  PetscCall(p->ops.solve(p));
  p->solved = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@
  PdProblemGetSolution - the solution and its DM (borrowed: do not destroy). Either may be NULL on
  output when the type has none (system: no DM); an error for types without a PETSc Vec solution.
@*/
PetscErrorCode PdProblemGetSolution(PdProblem p, DM *dm, Vec *u)
{
  DM  d = NULL;
  Vec v = NULL;

  PetscFunctionBegin;
  PetscCall(CheckHasType(p, "PdProblemGetSolution"));
  PetscCheck(p->ops.getsolution || p->field_u, p->comm, PETSC_ERR_SUP, "A '%s' problem has no PETSc Vec solution", p->type);
  PetscCheck(p->setupcalled, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdProblemSetUp (or PdProblemSolve) first");
  if (p->ops.getsolution) PetscCall(p->ops.getsolution(p, &d, &v));
  else {
    d = p->field_dm ? *p->field_dm : NULL;
    v = *p->field_u;
  }
  if (dm) *dm = d;
  if (u) *u = v;
  PetscFunctionReturn(0);
}

/*@
  PdProblemGetOperator - the assembled linear system A x = b (borrowed: do not destroy), after
  PdProblemSetUp; for cavity, the pressure matrix and the last pressure right-hand side. Either
  argument may be NULL.
@*/
PetscErrorCode PdProblemGetOperator(PdProblem p, Mat *A, Vec *b)
{
  Mat a = NULL;
  Vec v = NULL;

  PetscFunctionBegin;
  PetscCall(CheckHasType(p, "PdProblemGetOperator"));
  PetscCheck(p->ops.getoperator || p->field_A, p->comm, PETSC_ERR_SUP, "A '%s' problem has no assembled linear system", p->type);
  PetscCall(PdProblemSetUp(p));
  if (p->ops.getoperator) PetscCall(p->ops.getoperator(p, &a, &v));
  else {
    a = *p->field_A;
    v = p->field_b ? *p->field_b : NULL;
  }
  if (A) *A = a;
  if (b) *b = v;
  PetscFunctionReturn(0);
}

/* where the type keeps its DM, solution, matrix and right-hand side (see problemimpl.h) */
PetscErrorCode PdProblemSetFields(PdProblem p, DM *dm, Vec *u, Mat *A, Vec *b)
{
  PetscFunctionBegin;
  p->field_dm = dm;
  p->field_u  = u;
  p->field_A  = A;
  p->field_b  = b;
  PetscFunctionReturn(0);
}

/*@ PdProblemView - the type and its parameters @*/
PetscErrorCode PdProblemView(PdProblem p, PetscViewer viewer)
{
  PetscBool isascii;

  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(p->comm, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "PdProblem Object: %s%s\n", p->type[0] ? p->type : "(no type)", p->solved ? " (solved)" : p->setupcalled ? " (set up)"
                                                                                                                                                    : ""));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  if (p->ops.view) PetscCall(p->ops.view(p, viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

/*@
  PdProblemGetReport - add the results to a dictionary: the keys of the solve (iterations, ...,
  error, steps, ...) and of PdProblemWriteFields (the files written), as the `-report` JSON has them.
  Call after PdProblemSolve, and after PdProblemWriteFields to include the file names.
@*/
PetscErrorCode PdProblemGetReport(PdProblem p, PdDict report)
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCheck(p->solved, p->comm, PETSC_ERR_ARG_WRONGSTATE, "PdProblemGetReport: solve the problem first (PdProblemSolve)");
  PetscCall(PdDictGetSize(p->results, &n));
  for (PetscInt k = 0; k < n; k++) {
    const char *key;
    PdDictType  t;
    PetscCall(PdDictGetEntry(p->results, k, &key, &t));
    switch (t) {
    case PD_DICT_STRING: {
      const char *s;
      PetscCall(PdDictGetString(p->results, key, &s));
      PetscCall(PdDictSetString(report, key, s));
    } break;
    case PD_DICT_INT: {
      PetscInt64 i;
      PetscCall(PdDictGetInt(p->results, key, &i));
      PetscCall(PdDictSetInt(report, key, i));
    } break;
    case PD_DICT_REAL: {
      double r;
      PetscCall(PdDictGetReal(p->results, key, &r));
      PetscCall(PdDictSetReal(report, key, r));
    } break;
    case PD_DICT_BOOL: {
      PetscBool b;
      PetscCall(PdDictGetBool(p->results, key, &b));
      PetscCall(PdDictSetBool(report, key, b));
    } break;
    }
  }
  if (p->ops.getreport) PetscCall(p->ops.getreport(p, report));
  PetscFunctionReturn(0);
}

/* A then b in PETSc's binary format to the file given (PdProblemWriteSystem gives F.part, then renames it) */
static PetscErrorCode WriteBinarySystem(MPI_Comm comm, const char file[], Mat A, Vec b)
{
  PetscViewer v;

  PetscFunctionBegin;
  PetscCall(PetscViewerBinaryOpen(comm, file, FILE_MODE_WRITE, &v));
  PetscCall(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE)); /* no .info file beside it */
  PetscCall(MatView(A, v));
  PetscCall(VecView(b, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}

/*@
  PdProblemWriteSystem - write the assembled matrix followed by its right-hand side in PETSc's binary
  format, the file `pdeop solve -f` reads (what -o_system does); after PdProblemSetUp
@*/
PetscErrorCode PdProblemWriteSystem(PdProblem p, const char file[])
{
  Mat            A;
  Vec            b;
  char           tmp[PETSC_MAX_PATH_LEN + 8];
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PdProblemGetOperator(p, &A, &b));
  PetscCall(PdFileTempName(file, PETSC_FALSE, tmp, sizeof(tmp)));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = WriteBinarySystem(p->comm, tmp, A, b); /* through F.tmp: an existing F keeps its bytes until it is renamed */
  PetscCall(PetscPopErrorHandler());
  PetscCall(PdFileCommit(p->comm, tmp, file, "-o_system", ierr ? "PETSc's binary viewer failed (is the disk full?)" : NULL));
  PetscFunctionReturn(0);
}

/*@
  PdProblemWriteFields - write the fields the options asked for (-o file.h5, -vtk, -png, and the
  type's own: cavity's -ghia_png, ns-periodic's -log), and the linear system for -o_system; after
  PdProblemSolve
@*/
PetscErrorCode PdProblemWriteFields(PdProblem p)
{
  PetscFunctionBegin;
  PetscCheck(p->solved, p->comm, PETSC_ERR_ARG_WRONGSTATE, "PdProblemWriteFields: solve the problem first (PdProblemSolve)");
  if (p->ops.writefields) PetscCall(p->ops.writefields(p));
  if (p->osystem[0]) {
    PetscCall(PdProblemWriteSystem(p, p->osystem));
    PetscCall(PdDictSetString(p->results, "output_system", p->osystem));
  }
  PetscFunctionReturn(0);
}

/*@ PdProblemDestroy - free a problem; sets *p to NULL @*/
PetscErrorCode PdProblemDestroy(PdProblem *p)
{
  PetscFunctionBegin;
  if (!p || !*p) PetscFunctionReturn(0);
  if ((*p)->ops.datadestroy) PetscCall((*p)->ops.datadestroy(*p));
  if ((*p)->ops.destroy) PetscCall((*p)->ops.destroy(*p));
  PetscCall(PdDictDestroy(&(*p)->results));
  PetscCall(PetscFree((*p)->prefix));
  PetscCall(PetscFree(*p));
  PetscFunctionReturn(0);
}
