/* The darcy problem type (`pdeop solve darcy`): -div(a grad u) = f, u = 0 on the boundary of the
   unit square, with a random (thresholded or log-normal) coefficient or one read from a file. */
#include "pde/interface/problemimpl.h"
#include <pdeop/darcy.h>
#include <pdeop/guess.h>
#include <pdeop/field.h>
#include <pdeop/mesh.h>
#include <pdeop/output.h>
#include <pdeop/options.h>
#include <pdeop/io.h>
#include <pdeop/rng.h>
#include <petscviewerhdf5.h>

static const char *const coefs[] = {"threshold", "lognormal", "file", "PdCoefficient", "", NULL};

typedef struct {
  PetscBool     compare_zero;       /* -compare_zero_guess: solve again from a zero initial guess */
  PetscInt      coef, seed, aindex; /* aindex: the sample of a dataset file (-1: the file's only one) */
  PetscInt      grid;               /* nodes per side unless -da_grid_x says otherwise */
  PetscReal     alpha, tau, sigma, fval;
  PdFaceAverage avg;
  char          afile[PETSC_MAX_PATH_LEN];
  DM            da;
  KSP           ksp;
  Mat           A;
  Vec           b, u, a; /* a: the coefficient at the nodes (named "a"), written beside u by -o (float32) */
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
  PetscCall(PdOptionsEList("-darcy_coefficient", "Coefficient a", "", coefs, 3, coefs[s->coef], &s->coef, NULL));
  PetscCall(PetscOptionsString("-darcy_coefficient_file", "HDF5 file with the coefficient (dataset a, or /inputs)", "", s->afile, s->afile, sizeof(s->afile), NULL));
  PetscCall(PdOptionsInt("-darcy_coefficient_index", "Sample of a dataset file to take (0-based; a file of one sample needs none)", "", s->aindex, &s->aindex, NULL));
  PetscCall(PdOptionsReal("-darcy_alpha", "Random field smoothness alpha", "", s->alpha, &s->alpha, NULL));
  PetscCall(PdOptionsReal("-darcy_tau", "Random field inverse length scale tau", "", s->tau, &s->tau, NULL));
  PetscCall(PdOptionsReal("-darcy_sigma", "Log-normal amplitude sigma", "", s->sigma, &s->sigma, NULL));
  PetscCall(PdOptionsReal("-darcy_f", "Constant right-hand side f", "", s->fval, &s->fval, NULL));
  PetscCall(PdOptionsEnum("-darcy_face_average", "Face coefficient", "", PdFaceAverages, (PetscEnum)s->avg, (PetscEnum *)&s->avg, NULL));
  PetscCall(PdOptionsInt("-seed", "Seed of the random coefficient", "", s->seed, &s->seed, NULL));
  PetscCall(PetscOptionsBool("-compare_zero_guess", "Solve again from a zero initial guess and report both", "", s->compare_zero, &s->compare_zero, NULL));
  PetscOptionsEnd();
  if (s->afile[0]) s->coef = 2;
  PetscCheck(s->alpha > 0 && s->tau > 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-darcy_alpha and -darcy_tau must be positive");
  PetscCheck(s->seed >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscCheck(s->coef != 2 || s->afile[0], p->comm, PETSC_ERR_ARG_WRONG, "-darcy_coefficient file needs -darcy_coefficient_file a.h5");
  PetscCheck(s->aindex >= -1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-darcy_coefficient_index must be 0 or more, got %" PetscInt_FMT, s->aindex);
  if (s->compare_zero) {
    PetscBool guess;
    PetscCall(PetscOptionsHasName(NULL, p->prefix, "-ksp_guess_type", &guess));
    PetscCheck(guess, p->comm, PETSC_ERR_ARG_WRONG, "-compare_zero_guess compares an initial guess with a zero one: give -ksp_guess_type too (nop, fischer, pod)");
  }
  PetscCall(DMDestroy(&s->da));
  PetscCall(PdMeshCreateDA(p->comm, 2, s->grid, &s->da));
  PetscCall(PdFieldOutputReadOptions(p->comm, p->prefix, &s->out));
  PetscCall(KSPDestroy(&s->ksp));
  PetscCall(CreateKSP(p, s));
  PetscCall(KSPSetFromOptions(s->ksp));
  PetscCall(PdKSPUseGalerkinMG(s->ksp));
  PetscFunctionReturn(0);
}

/* The coefficient of sample aindex (-1: the only one) in a file: dataset "a" (as -o writes it) or a
   dataset's /inputs (N x ...), M x M values, positive */
static PetscErrorCode ReadCoefficient(MPI_Comm comm, const char file[], PetscInt aindex, PetscInt M, double a[])
{
  int            nd;
  PetscInt       shape[8], size = 1, nsamples = 1, k = aindex < 0 ? 0 : aindex;
  float         *fa;
  PetscBool      isdataset;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = PdH5ReadFloatArray(comm, file, "a", &nd, shape, &fa);
  PetscCall(PetscPopErrorHandler());
  isdataset = (PetscBool)(ierr != 0);
  if (isdataset) PetscCall(PdH5ReadFloatArray(comm, file, "/inputs", &nd, shape, &fa));
  for (int i = 0; i < nd; i++) size *= shape[i];
  if (isdataset && nd > 1 && size != M * M) nsamples = shape[0], size /= shape[0]; /* N x 1 x M x M */
  if (size != M * M || k >= nsamples || (aindex < 0 && nsamples > 1)) {
    PetscCall(PetscFree(fa));
    PetscCheck(size == M * M, comm, PETSC_ERR_ARG_SIZ, "'%s' holds %" PetscInt_FMT " coefficient values per sample; the %" PetscInt_FMT " x %" PetscInt_FMT " grid needs %" PetscInt_FMT " (set -da_grid_x)", file, size, M, M, M * M);
    PetscCheck(aindex >= 0, comm, PETSC_ERR_ARG_WRONG, "'%s' holds %" PetscInt_FMT " samples: choose one with -darcy_coefficient_index k (0 to %" PetscInt_FMT ")", file, nsamples, nsamples - 1);
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "-darcy_coefficient_index %" PetscInt_FMT " is out of range: '%s' holds %" PetscInt_FMT " sample%s (0 to %" PetscInt_FMT ")", aindex, file, nsamples, nsamples == 1 ? "" : "s", nsamples - 1);
  }
  for (PetscInt i = 0; i < M * M; i++) a[i] = fa[k * M * M + i];
  PetscCall(PetscFree(fa));
  for (PetscInt i = 0; i < M * M; i++) PetscCheck(a[i] > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "'%s': the coefficient must be positive, found %g", file, a[i]);
  PetscFunctionReturn(0);
}

/* the coefficient on the M x M grid: read from the file, or drawn from the seed */
static PetscErrorCode Coefficient(PdProblem p, Darcy *s, PetscInt M, double a[])
{
  PetscFunctionBegin;
  if (s->coef == 2) PetscCall(ReadCoefficient(p->comm, s->afile, s->aindex, M, a));
  else {
    PdRng rng;
    PetscCall(PdRngSeed(&rng, (uint64_t)s->seed, PD_RNG_STREAM_MAIN));
    PetscCall(PdGaussianRandomField2D(M, s->alpha, s->tau, &rng, a));
    if (s->coef == 0) PetscCall(PdFieldThreshold(M * M, a, PD_DARCY_A_HIGH, PD_DARCY_A_LOW));
    else PetscCall(PdFieldLogNormal(M * M, a, s->sigma));
  }
  PetscFunctionReturn(0);
}

/* the node array a (x fastest) as a vector of the DMDA named "a" */
static PetscErrorCode CoefficientVec(DM da, const double a[], Vec *v)
{
  PetscInt      M, xs, ys, xm, ym;
  PetscScalar **x;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(da, NULL, &M, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCall(DMCreateGlobalVector(da, v));
  PetscCall(PetscObjectSetName((PetscObject)*v, "a"));
  PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
  PetscCall(DMDAVecGetArray(da, *v, &x));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) x[j][i] = a[j * M + i];
  PetscCall(DMDAVecRestoreArray(da, *v, &x));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_Darcy(PdProblem p)
{
  Darcy         *s = (Darcy *)p->data;
  PetscInt       M, N;
  double        *a;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  if (!s->da) PetscCall(PdMeshCreateDA(p->comm, 2, s->grid, &s->da));
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
  PetscCall(CoefficientVec(s->da, a, &s->a));
  PetscCall(PetscObjectCompose((PetscObject)s->A, KSPGUESSNOP_INPUT, (PetscObject)s->a)); /* the model input of -ksp_guess_type nop */
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
  PetscCall(PdKSPGuessReport(s->ksp, s->b, s->compare_zero, p->results));
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
  s->out.extra = s->a; /* the coefficient beside u, so the file can be solved again (-darcy_coefficient_file) */
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
  PetscCall(VecDestroy(&s->a));
  PetscCall(DMDestroy(&s->da));
  PetscCall(PetscFree(p->data));
  PetscFunctionReturn(0);
}

/*@
  PdProblemDarcySetGridSize - nodes per side of the square grid of a solve (default 85; -da_grid_x,
  when given, wins as for any DMDA). Before set-up.
@*/
PetscErrorCode PdProblemDarcySetGridSize(PdProblem p, PetscInt n)
{
  Darcy *s = (Darcy *)p->data;

  PetscFunctionBegin;
  PetscCall(PdProblemCheckSetter(p, PDPROBLEMDARCY, "PdProblemDarcySetGridSize"));
  PetscCheck(n >= 3 && n <= 46340, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "PdProblemDarcySetGridSize: the grid needs 3 to 46340 nodes per side, got %" PetscInt_FMT, n);
  s->grid = n;
  PetscCall(DMDestroy(&s->da)); /* made again at set-up, with the new size */
  PetscCall(KSPDestroy(&s->ksp));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetSeed_Darcy(PdProblem p, PetscInt64 seed)
{
  PetscFunctionBegin;
  ((Darcy *)p->data)->seed = (PetscInt)seed;
  PetscFunctionReturn(0);
}

/* system s of a family: a coefficient drawn from the stream (seed, 2s) on the family's grid (2D or
   3D; thresholded or log-normal), harmonic face means */
static PetscErrorCode FamilyOperator_Darcy(PdProblem p, const PdFamily *f, PetscInt s, Mat A)
{
  const PetscInt n = PdFamilyUnknowns(f);
  double        *a;
  PdRng          rng;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &a));
  PetscCall(PdRngSeed(&rng, (uint64_t)f->seed, (uint64_t)(2 * s)));
  if (f->dim == 3) PetscCall(PdGaussianRandomField3D(f->res, f->alpha, f->tau, &rng, a));
  else PetscCall(PdGaussianRandomField2D(f->res, f->alpha, f->tau, &rng, a));
  if (f->coefficient == PD_COEF_THRESHOLD) PetscCall(PdFieldThreshold(n, a, PD_DARCY_A_HIGH, PD_DARCY_A_LOW));
  else PetscCall(PdFieldLogNormal(n, a, f->sigma));
  PetscCall(PdDarcyOperator(f->da, a, PD_FACE_HARMONIC, A));
  PetscCall(PetscFree(a));
  PetscFunctionReturn(0);
}

static PetscErrorCode FamilyDescribe_Darcy(PdProblem p, const PdFamily *f, const char grid[], char buf[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "darcy (%s) %s", PdFamilyCoefficients[f->coefficient], grid));
  PetscFunctionReturn(0);
}

/* -da_grid_x (nodes per side, default 85), -darcy_coefficient threshold|lognormal|file,
   -darcy_coefficient_file a.h5 (a dataset "a" of the grid's size, or a dataset's /inputs, sample
   -darcy_coefficient_index k),
   -darcy_alpha 2 -darcy_tau 3 -darcy_sigma 1 -seed 0, -darcy_f 1, -darcy_face_average
   harmonic|arithmetic, every KSP/PC option, -o/-vtk/-png, -compare_zero_guess; the coefficient is
   composed on the operator as the model input of -ksp_guess_type nop */
PetscErrorCode PdProblemCreate_Darcy(PdProblem p)
{
  Darcy *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->alpha              = PD_DARCY_ALPHA;
  s->tau                = PD_DARCY_TAU;
  s->sigma              = 1;
  s->fval               = 1;
  s->avg                = PD_FACE_HARMONIC;
  s->aindex             = -1;
  s->grid               = 85;
  p->data               = s;
  p->ops.setfromoptions = SetFromOptions_Darcy;
  p->ops.setup          = SetUp_Darcy;
  p->ops.solve          = Solve_Darcy;
  p->ops.writefields    = WriteFields_Darcy;
  p->ops.view           = View_Darcy;
  p->ops.destroy        = Destroy_Darcy;
  p->ops.setseed        = SetSeed_Darcy;
  p->ops.familyoperator = FamilyOperator_Darcy;
  p->ops.familydescribe = FamilyDescribe_Darcy;
  PetscCall(PdProblemSetFields(p, &s->da, &s->u, &s->A, &s->b));
  PetscCall(PdProblemSetDataOps_Darcy(p));
  PetscFunctionReturn(0);
}
