/* The poisson problem type (`pdeop solve poisson`): -Laplace(u) = f with Dirichlet data, finite
   differences on a DMDA or P1 elements on a DMPlex, with a manufactured solution's error. */
#include "pde/interface/problemimpl.h"
#include <pdeop/mesh.h>
#include <pdeop/output.h>
#include <pdeop/options.h>
#include <pdeop/darcy.h>

static const char *const discs[] = {"fd", "fem", "PdDiscretization", "", NULL};

typedef struct {
  PetscInt      dim, disc; /* disc: 0 fd (DMDA), 1 fem (DMPlex) */
  PdMMSType     mms;
  DM            dm;
  KSP           ksp;
  Mat           A; /* FEM: assembled for the KSP; FD: assembled on request (the KSP rediscretises) */
  Vec           b, u, err;
  PetscReal     error;
  PdFieldOutput out;
} Poisson;

static PetscErrorCode SetFromOptions_Poisson(PdProblem p)
{
  Poisson  *s      = (Poisson *)p->data;
  PetscBool mmsflg = PETSC_FALSE, mmsset, help;
  PdMMSType mms    = PD_MMS_TRIG;

  PetscFunctionBegin;
  PetscOptionsBegin(p->comm, p->prefix, "pdeop solve poisson: -Laplace(u) = f with Dirichlet data", "pdeop");
  PetscCall(PdOptionsInt("-dim", "Dimension (2 or 3)", "", s->dim, &s->dim, NULL));
  PetscCall(PdOptionsEList("-discretization", "fd (DMDA, finite differences) or fem (DMPlex, P1)", "", discs, 2, discs[s->disc], &s->disc, NULL));
  PetscCall(PetscOptionsBool("-mms", "Use the manufactured solution (trigonometric unless -mms_type)", "", mmsflg, &mmsflg, NULL));
  PetscCall(PdOptionsEnum("-mms_type", "Manufactured solution", "", PdMMSTypes, (PetscEnum)mms, (PetscEnum *)&mms, &mmsset));
  PetscOptionsEnd();
  if (mmsset) mmsflg = PETSC_TRUE; /* -mms_type alone turns it on */
  if (!mmsflg || mms == PD_MMS_NONE) mms = PD_MMS_NONE;
  s->mms = mms;
  PetscCall(PdOptionsHelp(&help));
  PetscCheck(s->dim == 2 || s->dim == 3, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-dim must be 2 or 3, got %" PetscInt_FMT, s->dim);
  PetscCall(DMDestroy(&s->dm));
  if (s->disc == 0) PetscCall(PdMeshCreateDA(p->comm, s->dim, 33, &s->dm));
  else PetscCall(PdMeshCreatePlex(p->comm, s->dim, &s->dm));
  if (help) { /* list the solver's options too */
    KSP k;
    PetscCall(KSPCreate(p->comm, &k));
    PetscCall(KSPSetOptionsPrefix(k, p->prefix));
    PetscCall(KSPSetType(k, KSPCG)); /* the solve's default (PdPoissonFDSetUp, PdScalarFEMSetUp) */
    PetscCall(KSPSetFromOptions(k));
    PetscCall(KSPDestroy(&k));
    PetscCall(PdFieldOutputReadOptions(p->comm, p->prefix, &s->out));
    PetscFunctionReturn(0);
  }
  PetscCall(PdFieldOutputReadOptions(p->comm, p->prefix, &s->out));
  /* unknown options are reported once the KSP has read its own, just before KSPSolve */
  PetscCall(PdOptionsCheckUnusedAtSolve("solve poisson"));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_Poisson(PdProblem p)
{
  Poisson *s = (Poisson *)p->data;

  PetscFunctionBegin;
  if (!s->dm) PetscCall(PdMeshCreateDA(p->comm, s->dim, 33, &s->dm)); /* the default 33^2 grid */
  else {
    PetscBool isda;
    PetscCall(PetscObjectTypeCompare((PetscObject)s->dm, DMDA, &isda));
    s->disc = isda ? 0 : 1;
  }
  if (s->disc == 0) PetscCall(PdPoissonFDSetUp(s->dm, s->mms, p->prefix, &s->ksp, &s->b, &s->u));
  else {
    PdScalarProblem pb = {s->mms, PETSC_FALSE, 0, 0, 0};
    PetscCall(PdScalarFEMSetUp(s->dm, &pb, p->prefix, &s->A, &s->b, &s->u, &s->ksp));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_Poisson(PdProblem p)
{
  Poisson *s = (Poisson *)p->data;
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(PdKSPSolveReport(s->ksp, s->b, s->u, p->results));
  s->error = -1;
  if (s->disc == 0) {
    PetscInt d, M, N, P;
    if (s->mms) PetscCall(PdPoissonFDError(s->dm, s->mms, s->u, NULL, &s->error));
    PetscCall(PdMeshGetGridSize(s->dm, &d, &M, &N, &P));
    n = M * N * P;
  } else {
    const PdScalarProblem *pb;
    PetscCall(PdScalarGetProblem(s->dm, &pb));
    PetscCall(PdScalarFEMError(s->dm, pb, s->u, &s->error));
    PetscCall(VecGetSize(s->u, &n));
  }
  PetscCall(PdDictSetInt(p->results, "unknowns", n));
  PetscCall(PdDictSetInt(p->results, "dim", s->dim));
  PetscCall(PdDictSetString(p->results, "discretization", discs[s->disc]));
  if (s->mms) {
    PetscReal e;
    PetscCall(PdDictSetString(p->results, "mms", PdMMSTypes[s->mms]));
    PetscCall(PdDictSetReal(p->results, "error", s->error));
    PetscCall(VecDuplicate(s->u, &s->err));
    PetscCall(PetscObjectSetName((PetscObject)s->err, "error"));
    if (s->disc == 0) PetscCall(PdPoissonFDError(s->dm, s->mms, s->u, s->err, &e));
    else { /* nodal error: u minus the interpolant of the exact solution */
      PdScalarProblem pb = {s->mms, PETSC_FALSE, 0, 0, 0};
      PetscCall(PdScalarProjectExact(s->dm, &pb, s->err));
      PetscCall(VecAYPX(s->err, -1.0, s->u));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFields_Poisson(PdProblem p)
{
  Poisson *s = (Poisson *)p->data;

  PetscFunctionBegin;
  PetscCall(PdFieldOutputWrite(&s->out, s->dm, s->u, s->err, p->results));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetOperator_Poisson(PdProblem p, Mat *A, Vec *b)
{
  Poisson *s = (Poisson *)p->data;

  PetscFunctionBegin;
  if (!s->A) { /* FD: the KSP assembles its own through KSPSetComputeOperators */
    PetscCall(DMCreateMatrix(s->dm, &s->A));
    PetscCall(PdPoissonFDOperator(s->dm, s->A));
  }
  *A = s->A;
  *b = s->b;
  PetscFunctionReturn(0);
}

/* a family's system (every one the same): in 3D the 7-point Laplacian, in 2D the Darcy operator of
   a = 1 (the 5-point Laplacian) */
static PetscErrorCode FamilyOperator_Poisson(PdProblem p, const PdFamily *f, PetscInt s, Mat A)
{
  const PetscInt n = PdFamilyUnknowns(f);
  double        *a;

  PetscFunctionBegin;
  if (f->dim == 3) {
    PetscCall(PdPoissonFDOperator(f->da, A));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(n, &a));
  for (PetscInt i = 0; i < n; i++) a[i] = 1;
  PetscCall(PdDarcyOperator(f->da, a, PD_FACE_HARMONIC, A));
  PetscCall(PetscFree(a));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_Poisson(PdProblem p, PetscViewer v)
{
  Poisson *s = (Poisson *)p->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "dimension %" PetscInt_FMT ", %s, manufactured solution %s\n", s->dim, s->disc ? "P1 FEM on a DMPlex" : "finite differences on a DMDA", PdMMSTypes[s->mms]));
  if (p->solved && s->mms) PetscCall(PetscViewerASCIIPrintf(v, "L2 error %g\n", (double)s->error));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Poisson(PdProblem p)
{
  Poisson *s = (Poisson *)p->data;

  PetscFunctionBegin;
  PetscCall(KSPDestroy(&s->ksp));
  PetscCall(MatDestroy(&s->A));
  PetscCall(VecDestroy(&s->b));
  PetscCall(VecDestroy(&s->u));
  PetscCall(VecDestroy(&s->err));
  PetscCall(DMDestroy(&s->dm));
  PetscCall(PetscFree(p->data));
  PetscFunctionReturn(0);
}

/*@ PdProblemPoissonSetDM - solve on this DMDA (finite differences) or DMPlex (P1 FEM) @*/
PetscErrorCode PdProblemPoissonSetDM(PdProblem p, DM dm)
{
  Poisson *s;

  PetscFunctionBegin;
  PetscCall(PdProblemCheckType(p, PDPROBLEMPOISSON, "PdProblemPoissonSetDM"));
  PetscCheck(dm, p->comm, PETSC_ERR_ARG_NULL, "PdProblemPoissonSetDM: the DM is NULL");
  {
    PetscBool isda;
    PetscInt  dof = 1;
    PetscCall(PetscObjectTypeCompare((PetscObject)dm, DMDA, &isda));
    if (isda) PetscCall(DMDAGetInfo(dm, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &dof, NULL, NULL, NULL, NULL, NULL));
    PetscCheck(dof == 1, p->comm, PETSC_ERR_ARG_WRONG, "PdProblemPoissonSetDM: a DMDA for Poisson needs 1 degree of freedom per node, this one has %" PetscInt_FMT, dof);
  }
  PetscCheck(!p->setupcalled, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the DM before PdProblemSetUp");
  s = (Poisson *)p->data;
  PetscCall(PetscObjectReference((PetscObject)dm));
  PetscCall(DMDestroy(&s->dm));
  s->dm = dm;
  PetscCall(DMGetDimension(dm, &s->dim));
  PetscFunctionReturn(0);
}

/*@ PdProblemPoissonSetMMS - the manufactured solution (PD_MMS_NONE: f = 1, u = 0 on the boundary) @*/
PetscErrorCode PdProblemPoissonSetMMS(PdProblem p, PdMMSType mms)
{
  PetscFunctionBegin;
  PetscCall(PdProblemCheckType(p, PDPROBLEMPOISSON, "PdProblemPoissonSetMMS"));
  PetscCheck(mms >= PD_MMS_NONE && mms <= PD_MMS_POLY, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "PdProblemPoissonSetMMS: unknown manufactured solution %d (PD_MMS_NONE, PD_MMS_TRIG or PD_MMS_POLY)", (int)mms);
  PetscCheck(!p->setupcalled, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Set the manufactured solution before PdProblemSetUp");
  ((Poisson *)p->data)->mms = mms;
  PetscFunctionReturn(0);
}

/*@ PdProblemPoissonGetError - the L2 error of the solution against the manufactured one (-1: none) @*/
PetscErrorCode PdProblemPoissonGetError(PdProblem p, PetscReal *error)
{
  PetscFunctionBegin;
  PetscCall(PdProblemCheckType(p, PDPROBLEMPOISSON, "PdProblemPoissonGetError"));
  PetscCheck(p->solved, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Solve the problem first (PdProblemSolve)");
  *error = ((Poisson *)p->data)->error;
  PetscFunctionReturn(0);
}

/* -dim 2|3, -discretization fd|fem, -mms, -mms_type trig|poly, DMDA (-da_grid_x ...) or DMPlex
   (-mesh file.msh, -dm_refine ...) options, every KSP/PC option, -o file.h5 -vtk file -png file.png */
PetscErrorCode PdProblemCreate_Poisson(PdProblem p)
{
  Poisson *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->dim                = 2;
  s->mms                = PD_MMS_NONE;
  s->error              = -1;
  p->data               = s;
  p->ops.setfromoptions = SetFromOptions_Poisson;
  p->ops.setup          = SetUp_Poisson;
  p->ops.solve          = Solve_Poisson;
  p->ops.writefields    = WriteFields_Poisson;
  p->ops.getoperator    = GetOperator_Poisson;
  p->ops.familyoperator = FamilyOperator_Poisson;
  p->ops.view           = View_Poisson;
  p->ops.destroy        = Destroy_Poisson;
  PetscCall(PdProblemSetFields(p, &s->dm, &s->u, NULL, NULL));
  PetscFunctionReturn(0);
}
