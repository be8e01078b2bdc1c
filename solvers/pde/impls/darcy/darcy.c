/* The darcy problem type (`pdeop solve darcy`): -div(a grad u) = f, u = 0 on the boundary of the
   unit square, with a random (thresholded or log-normal) coefficient or one read from a file. */
#include "pde/interface/problemimpl.h"
#include <pdeop/darcy.h>
#include <pdeop/field.h>
#include <pdeop/mesh.h>
#include <pdeop/output.h>
#include <pdeop/options.h>
#include <pdeop/io.h>
#include <pdeop/rng.h>

static const char *const coefs[] = { "threshold", "lognormal", "file", "PdCoefficient", "", NULL };

typedef struct {
  PetscInt      coef, seed;
  PetscReal     alpha, tau, sigma, fval;
  PdFaceAverage avg;
  char          afile[PETSC_MAX_PATH_LEN];
  DM            da;
  KSP           ksp;
  Mat           A;
  Vec           b, u;
  PdFieldOutput out;
} Darcy;

/* the KSP (CG unless told), with the DMDA for geometric multigrid's interpolation */
static PetscErrorCode CreateKSP(PdProblem p, Darcy *s)
{
  PetscFunctionBegin;
  PetscCall(KSPCreate(p->comm, &s->ksp));
  PetscCall(KSPSetOptionsPrefix(s->ksp, p->prefix));
  PetscCall(KSPSetType(s->ksp, KSPCG));
  PetscCall(KSPSetDM(s->ksp, s->da)); /* the operator is ours */
  PetscCall(KSPSetDMActive(s->ksp, PETSC_FALSE));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_Darcy(PdProblem p)
{
  Darcy *s = (Darcy *)p->data;

  PetscFunctionBegin;
  PetscOptionsBegin(p->comm, p->prefix, "pdeop solve darcy: -div(a grad u) = f, u = 0 on the boundary", "pdeop");
  PetscCall(PetscOptionsEList("-darcy_coefficient", "Coefficient a", "", coefs, 3, coefs[s->coef], &s->coef, NULL));
  PetscCall(PetscOptionsString("-darcy_coefficient_file", "HDF5 file with the coefficient (dataset a, or /inputs)", "", s->afile, s->afile, sizeof(s->afile), NULL));
  PetscCall(PetscOptionsReal("-darcy_alpha", "Random field smoothness alpha", "", s->alpha, &s->alpha, NULL));
  PetscCall(PetscOptionsReal("-darcy_tau", "Random field inverse length scale tau", "", s->tau, &s->tau, NULL));
  PetscCall(PetscOptionsReal("-darcy_sigma", "Log-normal amplitude sigma", "", s->sigma, &s->sigma, NULL));
  PetscCall(PetscOptionsReal("-darcy_f", "Constant right-hand side f", "", s->fval, &s->fval, NULL));
  PetscCall(PetscOptionsEnum("-darcy_face_average", "Face coefficient", "", PdFaceAverages, (PetscEnum)s->avg, (PetscEnum *)&s->avg, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the random coefficient", "", s->seed, &s->seed, NULL));
  PetscOptionsEnd();
  if (s->afile[0]) s->coef = 2;
  PetscCheck(s->alpha > 0 && s->tau > 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-darcy_alpha and -darcy_tau must be positive");
  PetscCheck(s->seed >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscCheck(s->coef != 2 || s->afile[0], p->comm, PETSC_ERR_ARG_WRONG, "-darcy_coefficient file needs -darcy_coefficient_file a.h5");
  PetscCall(DMDestroy(&s->da));
  PetscCall(PdMeshCreateDA(p->comm, 2, 85, &s->da));
  PetscCall(PdFieldOutputReadOptions(p->comm, &s->out));
  PetscCall(KSPDestroy(&s->ksp));
  PetscCall(CreateKSP(p, s));
  PetscCall(KSPSetFromOptions(s->ksp));
  PetscCall(PdKSPUseGalerkinMG(s->ksp));
  PetscFunctionReturn(0);
}

/* the coefficient on the M x M grid: read from the file, or drawn from the seed */
static PetscErrorCode Coefficient(PdProblem p, Darcy *s, PetscInt M, double a[])
{
  PetscFunctionBegin;
  if (s->coef == 2) {
    int            nd;
    PetscInt       shape[5], size = 1;
    float         *fa;
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PdH5ReadFloatArray(p->comm, s->afile, "a", &nd, shape, &fa);
    PetscCall(PetscPopErrorHandler());
    if (ierr) PetscCall(PdH5ReadFloatArray(p->comm, s->afile, "/inputs", &nd, shape, &fa));
    for (int i = 0; i < nd; i++) size *= shape[i];
    if (size != M * M) {
      PetscCall(PetscFree(fa));
      SETERRQ(p->comm, PETSC_ERR_ARG_SIZ, "'%s' holds %" PetscInt_FMT " coefficient values; the %" PetscInt_FMT " x %" PetscInt_FMT " grid needs %" PetscInt_FMT " (set -da_grid_x)", s->afile, size, M, M, M * M);
    }
    for (PetscInt i = 0; i < M * M; i++) a[i] = fa[i];
    PetscCall(PetscFree(fa));
    for (PetscInt i = 0; i < M * M; i++) PetscCheck(a[i] > 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "'%s': the coefficient must be positive, found %g", s->afile, a[i]);
  } else {
    PdRng rng;
    PetscCall(PdRngSeed(&rng, (uint64_t)s->seed, PD_RNG_STREAM_MAIN));
    PetscCall(PdGaussianRandomField2D(M, s->alpha, s->tau, &rng, a));
    if (s->coef == 0) PetscCall(PdFieldThreshold(M * M, a, 12.0, 3.0));
    else PetscCall(PdFieldLogNormal(M * M, a, s->sigma));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_Darcy(PdProblem p)
{
  Darcy         *s = (Darcy *)p->data;
  PetscInt       M, N;
  double        *a;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  if (!s->da) PetscCall(PdMeshCreateDA(p->comm, 2, 85, &s->da));
  if (!s->ksp) PetscCall(CreateKSP(p, s));
  PetscCall(DMDAGetInfo(s->da, NULL, &M, &N, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCheck(M == N, p->comm, PETSC_ERR_ARG_SIZ, "Darcy grids are square: give -da_grid_x only (or equal -da_grid_y)");
  PetscCall(PetscMalloc1(M * N, &a));
  ierr = Coefficient(p, s, M, a);
  if (ierr) PetscCall(PetscFree(a));
  PetscCall(ierr);
  PetscCall(DMCreateMatrix(s->da, &s->A));
  PetscCall(PdDarcyOperator(s->da, a, s->avg, s->A));
  PetscCall(KSPSetOperators(s->ksp, s->A, s->A));
  PetscCall(DMCreateGlobalVector(s->da, &s->b));
  PetscCall(DMCreateGlobalVector(s->da, &s->u));
  PetscCall(PetscObjectSetName((PetscObject)s->u, "u"));
  PetscCall(PdDarcyRHS(s->da, NULL, s->fval, s->b));
  PetscCall(PetscFree(a));
  if (p->setfromoptionscalled) PetscCall(PdOptionsCheckUnusedAtSolve("solve darcy"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_Darcy(PdProblem p)
{
  Darcy    *s = (Darcy *)p->data;
  PetscInt  M;
  PetscReal umax;

  PetscFunctionBegin;
  PetscCall(PdKSPSolveReport(s->ksp, s->b, s->u, p->results));
  PetscCall(VecGetSize(s->u, &M));
  PetscCall(PdDictSetInt(p->results, "unknowns", M));
  PetscCall(PdDictSetString(p->results, "coefficient", coefs[s->coef]));
  PetscCall(PdDictSetString(p->results, "face_average", PdFaceAverages[s->avg]));
  PetscCall(VecMax(s->u, NULL, &umax));
  PetscCall(PdDictSetReal(p->results, "u_max", umax));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFields_Darcy(PdProblem p)
{
  Darcy *s = (Darcy *)p->data;

  PetscFunctionBegin;
  PetscCall(PdFieldOutputWrite(&s->out, s->da, s->u, NULL, p->results));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_Darcy(PdProblem p, PetscViewer v)
{
  Darcy *s = (Darcy *)p->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "coefficient %s (seed %" PetscInt_FMT ", alpha %g, tau %g), %s face average, f = %g\n", coefs[s->coef], s->seed, (double)s->alpha, (double)s->tau, PdFaceAverages[s->avg], (double)s->fval));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Darcy(PdProblem p)
{
  Darcy *s = (Darcy *)p->data;

  PetscFunctionBegin;
  PetscCall(KSPDestroy(&s->ksp));
  PetscCall(MatDestroy(&s->A));
  PetscCall(VecDestroy(&s->b));
  PetscCall(VecDestroy(&s->u));
  PetscCall(DMDestroy(&s->da));
  PetscCall(PetscFree(p->data));
  PetscFunctionReturn(0);
}

/* -da_grid_x (nodes per side, default 85), -darcy_coefficient threshold|lognormal|file,
   -darcy_coefficient_file a.h5 (a dataset "a" of the grid's size, or /inputs with one sample),
   -darcy_alpha 2 -darcy_tau 3 -darcy_sigma 1 -seed 0, -darcy_f 1, -darcy_face_average
   harmonic|arithmetic, every KSP/PC option, -o/-vtk/-png */
PetscErrorCode PdProblemCreate_Darcy(PdProblem p)
{
  Darcy *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->alpha              = 2;
  s->tau                = 3;
  s->sigma              = 1;
  s->fval               = 1;
  s->avg                = PD_FACE_HARMONIC;
  p->data               = s;
  p->ops.setfromoptions = SetFromOptions_Darcy;
  p->ops.setup          = SetUp_Darcy;
  p->ops.solve          = Solve_Darcy;
  p->ops.writefields    = WriteFields_Darcy;
  p->ops.view           = View_Darcy;
  p->ops.destroy        = Destroy_Darcy;
  PetscCall(PdProblemSetFields(p, &s->da, &s->u, &s->A, &s->b));
  PetscCall(PdProblemSetDataOps_Darcy(p));
  PetscFunctionReturn(0);
}
