/* The system problem type (`pdeop solve -f system.petsc`): any linear system in PETSc's binary
   format (a matrix, then an optional right-hand side as in PETSc's KSP tutorial ex10), solved with
   the options' KSP. */
#include "pde/interface/problemimpl.h"
#include <pdeop/options.h>
#include <pdeop/systems.h>

typedef struct {
  char      file[PETSC_MAX_PATH_LEN];
  Mat       A;
  Vec       b, x;
  KSP       ksp;
  PetscBool hasrhs;
} System;

/* -f file (read as `pdeop solve` always has, without a help line); with -help, the KSP's options */
static PetscErrorCode SetFromOptions_System(PdProblem p)
{
  System   *s = (System *)p->data;
  PetscBool help, flg;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, p->prefix, "-f", s->file, sizeof(s->file), &flg));
  PetscCall(PdOptionsHelp(&help));
  if (help) {
    KSP ksp;
    PetscCall(KSPCreate(p->comm, &ksp));
    PetscCall(KSPSetOptionsPrefix(ksp, p->prefix));
    PetscCall(KSPSetFromOptions(ksp));
    PetscCall(KSPDestroy(&ksp));
  }
  PetscFunctionReturn(0);
}

/* A from the file, and b if one follows it (else b = 1) */
static PetscErrorCode Load(PdProblem p, System *s)
{
  PetscViewer v;
  PetscInt    m, n;

  PetscFunctionBegin;
  PetscCall(PdSystemFileCheck(p->comm, s->file, 1, NULL, &s->hasrhs));
  PetscCall(PetscViewerBinaryOpen(p->comm, s->file, FILE_MODE_READ, &v));
  PetscCall(MatCreate(p->comm, &s->A));
  PetscCall(MatSetFromOptions(s->A));
  PetscCall(MatLoad(s->A, v));
  PetscCall(MatGetSize(s->A, &m, &n));
  if (m != n) {
    PetscCall(PetscViewerDestroy(&v));
    SETERRQ(p->comm, PETSC_ERR_ARG_SIZ, "'%s' holds a %" PetscInt_FMT " x %" PetscInt_FMT " matrix; a linear solve needs a square one", s->file, m, n);
  }
  PetscCall(MatCreateVecs(s->A, &s->x, &s->b));
  if (s->hasrhs) PetscCall(VecLoad(s->b, v)); /* the right-hand side follows the matrix */
  else PetscCall(VecSet(s->b, 1.0));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_System(PdProblem p)
{
  System *s = (System *)p->data;

  PetscFunctionBegin;
  PetscCheck(s->file[0], p->comm, PETSC_ERR_ARG_WRONGSTATE, "A system problem needs a file: -f system.petsc");
  PetscCall(Load(p, s));
  PetscCall(KSPCreate(p->comm, &s->ksp));
  PetscCall(KSPSetOptionsPrefix(s->ksp, p->prefix));
  PetscCall(KSPSetOperators(s->ksp, s->A, s->A));
  PetscCall(KSPSetFromOptions(s->ksp));
  if (p->setfromoptionscalled) PetscCall(PdOptionsCheckUnusedAtSolve("solve"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_System(PdProblem p)
{
  System  *s = (System *)p->data;
  PetscInt m;
  MatInfo  info;

  PetscFunctionBegin;
  PetscCall(MatGetSize(s->A, &m, NULL));
  PetscCall(MatGetInfo(s->A, MAT_GLOBAL_SUM, &info));
  PetscCall(PdDictSetString(p->results, "file", s->file));
  PetscCall(PdDictSetInt(p->results, "rows", m));
  PetscCall(PdDictSetInt(p->results, "nonzeros", (PetscInt64)info.nz_used));
  PetscCall(PdDictSetBool(p->results, "rhs_from_file", s->hasrhs));
  PetscCall(PdKSPSolveReport(s->ksp, s->b, s->x, p->results));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_System(PdProblem p, PetscViewer v)
{
  System *s = (System *)p->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "file %s%s\n", s->file[0] ? s->file : "(none)", s->hasrhs ? " (with its right-hand side)" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_System(PdProblem p)
{
  System *s = (System *)p->data;

  PetscFunctionBegin;
  PetscCall(KSPDestroy(&s->ksp));
  PetscCall(MatDestroy(&s->A));
  PetscCall(VecDestroy(&s->b));
  PetscCall(VecDestroy(&s->x));
  PetscCall(PetscFree(p->data));
  PetscFunctionReturn(0);
}

/*@
  PdProblemSystemSetFile - the PETSc binary file to solve (what -f names): a square matrix, then
  optionally its right-hand side (else b = 1). Read at set-up, which checks it; before set-up.
@*/
PetscErrorCode PdProblemSystemSetFile(PdProblem p, const char file[])
{
  System *s = (System *)p->data;

  PetscFunctionBegin;
  PetscCall(PdProblemCheckSetter(p, PDPROBLEMSYSTEM, "PdProblemSystemSetFile"));
  PetscCall(PetscStrncpy(s->file, file ? file : "", sizeof(s->file)));
  PetscFunctionReturn(0);
}

/* -f file.petsc (a matrix, then optionally the right-hand side; else b = 1), every KSP/PC option */
PetscErrorCode PdProblemCreate_System(PdProblem p)
{
  System *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  p->data               = s;
  p->ops.setfromoptions = SetFromOptions_System;
  p->ops.setup          = SetUp_System;
  p->ops.solve          = Solve_System;
  p->ops.view           = View_System;
  p->ops.destroy        = Destroy_System;
  PetscCall(PdProblemSetFields(p, NULL, &s->x, &s->A, &s->b));
  PetscFunctionReturn(0);
}
