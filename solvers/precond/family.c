/* Families of sparse SPD systems for learned preconditioners: a thin layer over a PdProblem of a
   type that supports families (darcy: random coefficients, FNO's 12/3 thresholding or log-normal;
   poisson, 2D or 3D; the lid-driven cavity's pressure operator): the type assembles system s on
   the family's res^dim grid, the family adds the PDE's own right-hand side and smooth or
   white-noise random ones. */
#include "pde/interface/problemimpl.h"
#include <pdeop/learned.h>
#include <pdeop/options.h>
#include <pdeop/darcy.h>
#include <pdeop/field.h>

const char *const PdFamilyCoefficients[] = {"threshold", "lognormal", "PdFamilyCoefficient", "PD_COEF_", NULL};

/* streams: coefficient of system s = (seed, 2s), right-hand side k of system s = (seed + k, 2s + 1) */
PetscErrorCode PdFamilyCreate(PetscInt res, PetscInt64 seed, PdFamily *f)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(f, sizeof(*f)));
  PetscCall(PetscStrncpy(f->problem, PDPROBLEMDARCY, sizeof(f->problem)));
  f->coefficient = PD_COEF_THRESHOLD;
  f->res         = res;
  f->dim         = 2;
  f->seed        = seed;
  f->alpha       = PD_DARCY_ALPHA;
  f->tau         = PD_DARCY_TAU;
  f->sigma       = 1;
  f->rhs_ones    = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@
  PdFamilySetProblem - the family's PdProblem type: one the registry holds that supports families
  (PdProblemTypeHasFamily); the error lists them. Before set-up.
@*/
PetscErrorCode PdFamilySetProblem(PdFamily *f, PdProblemType type)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(PdProblemTypeHasFamily(type, &has));
  if (!has) {
    char list[256];
    PetscCall(PdProblemGetFamilyTypes(", ", " or ", list, sizeof(list)));
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "Unknown -problem %s: use %s", type, list);
  }
  PetscCheck(!f->da, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONGSTATE, "PdFamilySetProblem: call it before PdFamilySetUp");
  PetscCall(PdProblemDestroy(&f->prob));
  PetscCall(PetscStrncpy(f->problem, type, sizeof(f->problem)));
  PetscFunctionReturn(0);
}

/* the family's problem (made once); the type checks the family's parameters (cavity: 2D) */
static PetscErrorCode FamilyProblem(PdFamily *f)
{
  PetscFunctionBegin;
  if (!f->prob) {
    PetscCall(PdProblemCreate(PETSC_COMM_SELF, &f->prob));
    PetscCall(PdProblemSetType(f->prob, f->problem));
  }
  PetscCheck(f->prob->ops.familyoperator, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "A '%s' problem makes no family of systems", f->problem);
  f->rhs_ones = PETSC_TRUE;
  if (f->prob->ops.familysetup) PetscCall(f->prob->ops.familysetup(f->prob, f));
  PetscFunctionReturn(0);
}

/*@
  PdFamilySetFromOptions - -problem (darcy, or another type that supports families), -dim 2|3 (3D:
  poisson or darcy), -darcy_coefficient threshold|lognormal, -darcy_alpha, -darcy_tau, -darcy_sigma
@*/
PetscErrorCode PdFamilySetFromOptions(PdFamily *f)
{
  char      prob[64], list[256], help[300];
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(prob, f->problem, sizeof(prob)));
  PetscCall(PdProblemGetFamilyTypes(", ", " or ", list, sizeof(list)));
  PetscCall(PetscSNPrintf(help, sizeof(help), "Family of systems: %s", list));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Family of systems", "pdeop");
  PetscCall(PdOptionsNeedValue(PetscOptionsObject, "-problem", "a problem type"));
  PetscCall(PetscOptionsString("-problem", help, "", prob, prob, sizeof(prob), &set));
  PetscCall(PdOptionsInt("-dim", "Space dimension of the grid: 2, or 3 for -problem poisson and darcy", "", f->dim, &f->dim, NULL));
  PetscCall(PdOptionsEnum("-darcy_coefficient", "Darcy coefficient", "", PdFamilyCoefficients, (PetscEnum)f->coefficient, (PetscEnum *)&f->coefficient, NULL));
  PetscCall(PdOptionsReal("-darcy_alpha", "Random field smoothness alpha", "", f->alpha, &f->alpha, NULL));
  PetscCall(PdOptionsReal("-darcy_tau", "Random field inverse length scale tau", "", f->tau, &f->tau, NULL));
  PetscCall(PdOptionsReal("-darcy_sigma", "Log-normal amplitude sigma", "", f->sigma, &f->sigma, NULL));
  PetscOptionsEnd();
  PetscCall(PdFamilySetProblem(f, prob));
  PetscCheck(f->dim == 2 || f->dim == 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-dim must be 2 or 3, got %" PetscInt_FMT, f->dim);
  PetscCall(FamilyProblem(f));
  PetscCheck(f->alpha > 0 && f->tau > 0 && f->sigma > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-darcy_alpha, -darcy_tau and -darcy_sigma must be positive");
  PetscFunctionReturn(0);
}

PetscErrorCode PdFamilySetUp(PdFamily *f)
{
  PetscFunctionBegin;
  PetscCheck(f->res >= 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-res must be at least 3, got %" PetscInt_FMT, f->res);
  PetscCheck(f->seed >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  if (f->da) PetscFunctionReturn(0);
  PetscCall(FamilyProblem(f));
  if (f->dim == 3) PetscCall(DMDACreate3d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, f->res, f->res, f->res, 1, 1, 1, 1, 1, NULL, NULL, NULL, &f->da));
  else PetscCall(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, f->res, f->res, 1, 1, 1, 1, NULL, NULL, &f->da));
  PetscCall(DMSetUp(f->da));
  PetscCall(DMDASetUniformCoordinates(f->da, 0, 1, 0, 1, 0, 1));
  PetscFunctionReturn(0);
}

PetscErrorCode PdFamilyDuplicate(const PdFamily *f, PetscInt64 seed, PdFamily *g)
{
  PetscFunctionBegin;
  *g      = *f;
  g->seed = seed;
  g->prob = NULL;
  g->da   = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode PdFamilyDestroy(PdFamily *f)
{
  PetscFunctionBegin;
  PetscCall(DMDestroy(&f->da));
  PetscCall(PdProblemDestroy(&f->prob));
  PetscFunctionReturn(0);
}

PetscInt PdFamilyUnknowns(const PdFamily *f)
{
  return f->dim == 3 ? f->res * f->res * f->res : f->res * f->res;
}

/* the type's description of the grid's family, "<type> <grid>" by default (before set-up too) */
PetscErrorCode PdFamilyDescribe(const PdFamily *f, char buf[], size_t len)
{
  char      grid[64];
  PdProblem p = f->prob;

  PetscFunctionBegin;
  if (f->dim == 3) PetscCall(PetscSNPrintf(grid, sizeof(grid), "%" PetscInt_FMT "x%" PetscInt_FMT "x%" PetscInt_FMT, f->res, f->res, f->res));
  else PetscCall(PetscSNPrintf(grid, sizeof(grid), "%" PetscInt_FMT "x%" PetscInt_FMT, f->res, f->res));
  if (!p) {
    PetscCall(PdProblemCreate(PETSC_COMM_SELF, &p));
    PetscCall(PdProblemSetType(p, f->problem));
  }
  if (p->ops.familydescribe) PetscCall(p->ops.familydescribe(p, f, grid, buf, len));
  else PetscCall(PetscSNPrintf(buf, len, "%s %s", f->problem, grid));
  if (p != f->prob) PetscCall(PdProblemDestroy(&p));
  PetscFunctionReturn(0);
}

PetscErrorCode PdFamilyOperator(PdFamily *f, PetscInt s, Mat *A)
{
  PetscFunctionBegin;
  PetscCall(PdFamilySetUp(f));
  if (!*A) PetscCall(DMCreateMatrix(f->da, A));
  PetscCall(f->prob->ops.familyoperator(f->prob, f, s, *A));
  PetscFunctionReturn(0);
}

/* 3D right-hand sides at interior nodes, 0 on the boundary: f = 1 (k = 0), white noise (even k > 0),
   or a smooth random sine series sum c_pqr sin(p pi x) sin(q pi y) sin(r pi z) over p, q, r <= 8 with
   c ~ N(0,1) (pi^2 |k|^2 + 9)^(-1), the 2D field's spectral decay (odd k) */
static PetscErrorCode FamilyRHS3D(PdFamily *f, PetscInt s, PetscInt k, Vec b)
{
  const PetscInt K = 8, M = f->res;
  PetscScalar ***x;
  PdRng          rng;
  double        *c = NULL, *sn = NULL;

  PetscFunctionBegin;
  PetscCall(PdRngSeed(&rng, (uint64_t)(f->seed + k), (uint64_t)(2 * s + 1)));
  if (k % 2 == 1) {
    PetscCall(PetscMalloc2(K * K * K, &c, K * M, &sn));
    for (PetscInt p = 0; p < K; p++)
      for (PetscInt q = 0; q < K; q++)
        for (PetscInt r = 0; r < K; r++) c[(p * K + q) * K + r] = PdRngNormal(&rng) / (PETSC_PI * PETSC_PI * ((p + 1) * (p + 1) + (q + 1) * (q + 1) + (r + 1) * (r + 1)) + 9.0);
    for (PetscInt p = 0; p < K; p++)
      for (PetscInt i = 0; i < M; i++) sn[p * M + i] = PetscSinReal(PETSC_PI * (p + 1) * i / (M - 1.0));
  }
  PetscCall(DMDAVecGetArray(f->da, b, &x));
  for (PetscInt l = 0; l < M; l++)
    for (PetscInt j = 0; j < M; j++)
      for (PetscInt i = 0; i < M; i++) {
        double v = 0;
        if (i == 0 || j == 0 || l == 0 || i == M - 1 || j == M - 1 || l == M - 1) v = 0;
        else if (k == 0) v = 1;
        else if (k % 2 == 0) v = PdRngNormal(&rng);
        else
          for (PetscInt p = 0; p < K; p++)
            for (PetscInt q = 0; q < K; q++)
              for (PetscInt r = 0; r < K; r++) v += c[(p * K + q) * K + r] * sn[p * M + i] * sn[q * M + j] * sn[r * M + l];
        x[l][j][i] = v;
      }
  PetscCall(DMDAVecRestoreArray(f->da, b, &x));
  PetscCall(PetscFree2(c, sn));
  PetscFunctionReturn(0);
}

PetscErrorCode PdFamilyRHS(PdFamily *f, PetscInt s, PetscInt k, Vec b)
{
  PetscFunctionBegin;
  PetscCall(PdFamilySetUp(f));
  if (f->dim == 3) {
    PetscCall(FamilyRHS3D(f, s, k, b));
    PetscFunctionReturn(0);
  }
  if (k == 0 && f->rhs_ones) PetscCall(PdDarcyRHS(f->da, NULL, 1.0, b));
  else if (k % 2 == 0 && k > 0) { /* white noise: weighs every part of the spectrum */
    double *g;
    PdRng   rng;
    PetscCall(PetscMalloc1(f->res * f->res, &g));
    PetscCall(PdRngSeed(&rng, (uint64_t)(f->seed + k), (uint64_t)(2 * s + 1)));
    for (PetscInt i = 0; i < f->res * f->res; i++) g[i] = PdRngNormal(&rng);
    PetscCall(PdDarcyRHS(f->da, g, 0.0, b));
    PetscCall(PetscFree(g));
  } else {
    double *g;
    PdRng   rng;
    PetscCall(PetscMalloc1(f->res * f->res, &g));
    PetscCall(PdRngSeed(&rng, (uint64_t)(f->seed + k), (uint64_t)(2 * s + 1)));
    PetscCall(PdGaussianRandomField2D(f->res, PD_DARCY_ALPHA, PD_DARCY_TAU, &rng, g));
    PetscCall(PdDarcyRHS(f->da, g, 0.0, b));
    PetscCall(PetscFree(g));
  }
  PetscFunctionReturn(0);
}

/*@
  PdSSORIterations - CG + SSOR at every omega of a grid on one system (see learned.h)
@*/
PetscErrorCode PdSSORIterations(Mat A, Vec b, Vec x, PetscReal rtol, PetscInt K, const PetscReal omega[], PetscInt its[])
{
  KSP ksp;
  PC  pc;

  PetscFunctionBegin;
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetTolerances(ksp, rtol, 1e-50, PETSC_DEFAULT, 100000));
  PetscCall(KSPSetErrorIfNotConverged(ksp, PETSC_FALSE));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCSOR));
  PetscCall(PCSORSetSymmetric(pc, SOR_LOCAL_SYMMETRIC_SWEEP));
  for (PetscInt k = 0; k < K; k++) {
    KSPConvergedReason reason;
    PetscCall(PCSORSetOmega(pc, omega[k]));
    PetscCall(VecZeroEntries(x));
    PetscCall(KSPSolve(ksp, b, x));
    PetscCall(KSPGetConvergedReason(ksp, &reason));
    PetscCall(KSPGetIterationNumber(ksp, &its[k]));
    if (reason < 0) its[k] = -1;
  }
  PetscCall(KSPDestroy(&ksp));
  PetscFunctionReturn(0);
}

/*@
  PdFamilyCreateFromOptions - the systems' source of a command that takes either files (-f) or a
  built-in family: with setf the files are the systems, and -res, -count or -problem (which would be
  ignored) are an error; otherwise the family of -problem, -dim and the Darcy options, on res^dim
  nodes with the seed. The family is created either way (set from options only without -f).
@*/
PetscErrorCode PdFamilyCreateFromOptions(MPI_Comm comm, PetscBool setf, PetscBool setres, PetscBool setcount, PetscInt res, PetscInt64 seed, PdFamily *fam)
{
  PetscFunctionBegin;
  if (setf) {
    PetscBool   setprob;
    const char *given = "-problem";

    PetscCall(PetscOptionsHasName(NULL, NULL, "-problem", &setprob));
    if (setcount) given = "-count";
    if (setres) given = "-res";
    PetscCheck(!setres && !setcount && !setprob, comm, PETSC_ERR_ARG_INCOMP, "%s describes a built-in family; with -f the systems are the files': leave it out", given);
  }
  PetscCall(PdFamilyCreate(res, seed, fam));
  if (!setf) PetscCall(PdFamilySetFromOptions(fam));
  PetscFunctionReturn(0);
}
