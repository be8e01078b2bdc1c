/* The darcy type's dataset recipe (`pdeop data darcy`, the FNO paper's Darcy dataset): per sample a
   Gaussian random field thresholded 12/3 on the fine grid, drawn from the stream (seed, sample), a
   solve on the fine grid, and both fields subsampled to -res. */
#include "pde/interface/problemimpl.h"
#include <pdeop/darcy.h>
#include <pdeop/field.h>
#include <pdeop/options.h>
#include <pdeop/rng.h>

typedef struct {
  PetscInt      res, fine, seed, step, its;
  PetscReal     alpha, tau, fval;
  PdFaceAverage avg;
  DM            da; /* the fine grid, on PETSC_COMM_SELF: each rank solves its samples alone */
  Mat           A;
  Vec           b, u;
  double       *a;
  double        tsolve;
} DarcyData;

/* CG with BoomerAMG (hypre): the fastest of gamg, hypre and icc at 421^2 (3.0 samples/s against
   2.15 and 0.6, docs/benchmarks.md), tight tolerance, then the options */
static PetscErrorCode MakeKSP(PdProblem p, Mat A, KSP *ksp)
{
  PC pc;

  PetscFunctionBegin;
  PetscCall(KSPCreate(PETSC_COMM_SELF, ksp));
  PetscCall(KSPSetOptionsPrefix(*ksp, p->prefix));
  if (A) PetscCall(KSPSetOperators(*ksp, A, A)); /* NULL: for -help, which shows these defaults */
  PetscCall(KSPSetType(*ksp, KSPCG));
  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PCSetType(pc, PCHYPRE));
  PetscCall(KSPSetTolerances(*ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(KSPSetFromOptions(*ksp));
  PetscFunctionReturn(0);
}

/* the -res values that -fine subsamples to evenly, in an error message */
static PetscErrorCode CheckSubsample(MPI_Comm comm, PetscInt res, PetscInt fine)
{
  char     list[512] = "";
  size_t   len       = 0;
  PetscInt shown     = 0;

  PetscFunctionBegin;
  if ((fine - 1) % (res - 1) == 0) PetscFunctionReturn(0);
  for (PetscInt d = fine - 1; d >= 1 && shown < 12; d--)
    if ((fine - 1) % d == 0 && (fine - 1) / d + 1 >= 3) {
      len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%" PetscInt_FMT, shown ? ", " : "", (fine - 1) / d + 1);
      shown++;
    }
  SETERRQ(comm, PETSC_ERR_ARG_INCOMP, "-fine %" PetscInt_FMT " does not subsample evenly to -res %" PetscInt_FMT ": (fine-1)/(res-1) must be a whole number. With -fine %" PetscInt_FMT ", -res can be %s", fine, res, fine, list);
}

static PetscErrorCode DataSetFromOptions_Darcy(PdProblem p)
{
  DarcyData *s = (DarcyData *)p->sdata;
  PetscBool  help;

  PetscFunctionBegin;
  PetscOptionsBegin(p->comm, p->prefix, "pdeop data darcy: the FNO Darcy dataset", "pdeop");
  PetscCall(PdOptionsInt("-n", "Number of samples", "", p->nsamples, &p->nsamples, NULL));
  PetscCall(PdOptionsInt("-res", "Resolution stored (points per side)", "", s->res, &s->res, NULL));
  PetscCall(PdOptionsInt("-fine", "Resolution solved (points per side)", "", s->fine, &s->fine, NULL));
  PetscCall(PdOptionsInt("-seed", "Seed: sample i uses the stream (seed, i)", "", s->seed, &s->seed, NULL));
  PetscCall(PdOptionsReal("-darcy_alpha", "Random field smoothness alpha", "", s->alpha, &s->alpha, NULL));
  PetscCall(PdOptionsReal("-darcy_tau", "Random field inverse length scale tau", "", s->tau, &s->tau, NULL));
  PetscCall(PdOptionsReal("-darcy_f", "Constant right-hand side f", "", s->fval, &s->fval, NULL));
  PetscCall(PdOptionsEnum("-darcy_face_average", "Face coefficient", "", PdFaceAverages, (PetscEnum)s->avg, (PetscEnum *)&s->avg, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 file to write", "", p->output, p->output, sizeof(p->output), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) { /* list the solver's options too, with the defaults the samples use */
    KSP ksp;
    PetscCall(MakeKSP(p, NULL, &ksp));
    PetscCall(KSPDestroy(&ksp));
    PetscFunctionReturn(0);
  }
  PetscCheck(p->nsamples >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-n must be at least 1, got %" PetscInt_FMT, p->nsamples);
  PetscCheck(s->res >= 3 && s->fine >= s->res, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Need 3 <= -res <= -fine, got -res %" PetscInt_FMT " -fine %" PetscInt_FMT, s->res, s->fine);
  PetscCheck(s->fine <= 46340, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-fine %" PetscInt_FMT ": a %" PetscInt_FMT " x %" PetscInt_FMT " solve grid has more unknowns than PETSc's 32-bit indices reach (at most 46340 per side)", s->fine, s->fine, s->fine);
  PetscCheck(s->seed >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscCall(CheckSubsample(p->comm, s->res, s->fine));
  PetscFunctionReturn(0);
}

static PetscErrorCode DataSetUp_Darcy(PdProblem p)
{
  DarcyData *s = (DarcyData *)p->sdata;
  KSP        ksp;

  PetscFunctionBegin;
  PetscCheck(s->res >= 3 && s->fine >= s->res, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Need 3 <= -res <= -fine, got -res %" PetscInt_FMT " -fine %" PetscInt_FMT, s->res, s->fine);
  PetscCall(CheckSubsample(p->comm, s->res, s->fine));
  s->step = (s->fine - 1) / (s->res - 1);
  PetscCall(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, s->fine, s->fine, 1, 1, 1, 1, NULL, NULL, &s->da));
  PetscCall(DMSetUp(s->da));
  PetscCall(DMCreateMatrix(s->da, &s->A));
  PetscCall(DMCreateGlobalVector(s->da, &s->b));
  PetscCall(DMCreateGlobalVector(s->da, &s->u));
  PetscCall(MakeKSP(p, s->A, &ksp)); /* read the solver options once, for the check */
  PetscCall(KSPDestroy(&ksp));
  if (p->setfromoptionscalled) PetscCall(PdOptionsCheckUnused(p->comm, "data darcy"));
  PetscCall(PdDarcyRHS(s->da, NULL, s->fval, s->b));
  PetscCall(PetscMalloc1(s->fine * s->fine, &s->a));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetSampleShapes_Darcy(PdProblem p, PetscInt *ni, PetscInt si[], PetscInt *no, PetscInt so[])
{
  DarcyData *s = (DarcyData *)p->sdata;

  PetscFunctionBegin;
  *ni = *no = 3;
  si[0] = so[0] = 1;
  si[1] = si[2] = so[1] = so[2] = s->res;
  PetscFunctionReturn(0);
}

static PetscErrorCode Sample_Darcy(PdProblem p, PetscInt index, float in[], float out[])
{
  DarcyData         *s    = (DarcyData *)p->sdata;
  const PetscInt     fine = s->fine, res = s->res, step = s->step;
  PdRng              rng;
  PetscInt           its;
  KSP                ksp;
  KSPConvergedReason reason;
  const PetscScalar *ua;
  PetscLogDouble     ts0, ts1;

  PetscFunctionBegin;
  PetscCall(PdRngSeed(&rng, (uint64_t)s->seed, (uint64_t)index));
  PetscCall(PdGaussianRandomField2D(fine, s->alpha, s->tau, &rng, s->a));
  PetscCall(PdFieldThreshold(fine * fine, s->a, PD_DARCY_A_HIGH, PD_DARCY_A_LOW));
  PetscCall(PetscTime(&ts0));
  PetscCall(PdDarcyOperator(s->da, s->a, s->avg, s->A));
  /* a fresh solver per sample: a reused one carries state (AMG's random eigenvalue estimates), and
     the same sample must give the same numbers whichever rank solves it after whichever others */
  PetscCall(MakeKSP(p, s->A, &ksp));
  PetscCall(KSPSolve(ksp, s->b, s->u));
  PetscCall(PetscTime(&ts1));
  s->tsolve += ts1 - ts0;
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPDestroy(&ksp));
  PetscCheck(reason > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "Sample %" PetscInt_FMT ": the fine solve diverged (%s after %" PetscInt_FMT " iterations)", index, KSPConvergedReasons[reason], its);
  s->its += its;
  PetscCall(VecGetArrayRead(s->u, &ua)); /* one rank: global order is natural order */
  for (PetscInt j = 0; j < res; j++)
    for (PetscInt i = 0; i < res; i++) {
      PetscInt k       = (j * step) * fine + i * step;
      in[j * res + i]  = (float)s->a[k];
      out[j * res + i] = (float)PetscRealPart(ua[k]);
    }
  PetscCall(VecRestoreArrayRead(s->u, &ua));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetDataAttributes_Darcy(PdProblem p, PdDict attrs)
{
  DarcyData *s = (DarcyData *)p->sdata;

  PetscFunctionBegin;
  PetscCall(PdDictSetString(attrs, "pde", "darcy"));
  PetscCall(PdDictSetString(attrs, "equation", "-div(a grad u) = f, u = 0 on the boundary of the unit square"));
  PetscCall(PdDictSetInt(attrs, "n", p->nsamples));
  PetscCall(PdDictSetInt(attrs, "res", s->res));
  PetscCall(PdDictSetInt(attrs, "fine", s->fine));
  PetscCall(PdDictSetInt(attrs, "seed", s->seed));
  PetscCall(PdDictSetReal(attrs, "alpha", s->alpha));
  PetscCall(PdDictSetReal(attrs, "tau", s->tau));
  PetscCall(PdDictSetReal(attrs, "f", s->fval));
  PetscCall(PdDictSetString(attrs, "coefficient", "threshold 12/3 of a Gaussian random field"));
  PetscCall(PdDictSetString(attrs, "face_average", PdFaceAverages[s->avg]));
  PetscCall(PdDictSetString(attrs, "grid", "nodes x = i/(res-1), boundary included; [N][1][j][i], i along x"));
  PetscFunctionReturn(0);
}

/* res, fine, the share of the busy time in the fine solves, the mean CG iterations */
static PetscErrorCode GetDataReport_Darcy(PdProblem p, double busy, PdDict report)
{
  DarcyData *s     = (DarcyData *)p->sdata;
  double     solve = s->tsolve;
  PetscInt64 its   = s->its;
  PetscInt64 n;

  PetscFunctionBegin;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &solve, 1, MPI_DOUBLE, MPI_SUM, p->comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &its, 1, MPIU_INT64, MPI_SUM, p->comm));
  PetscCall(PdDictGetInt(report, "samples", &n));
  PetscCall(PdDictSetInt(report, "res", s->res));
  PetscCall(PdDictSetInt(report, "fine", s->fine));
  PetscCall(PdDictSetReal(report, "solve_fraction", busy > 0 ? solve / busy : 0));
  PetscCall(PdDictSetReal(report, "iterations_mean", (double)its / n));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetDataSummary_Darcy(PdProblem p, PdDict r, char buf[], size_t len)
{
  DarcyData *s = (DarcyData *)p->sdata;
  PetscInt64 n;
  double     sec, rate, frac, its;

  PetscFunctionBegin;
  PetscCall(PdDictGetInt(r, "samples", &n));
  PetscCall(PdDictGetReal(r, "seconds", &sec));
  PetscCall(PdDictGetReal(r, "samples_per_s", &rate));
  PetscCall(PdDictGetReal(r, "solve_fraction", &frac));
  PetscCall(PdDictGetReal(r, "iterations_mean", &its));
  PetscCall(PetscSNPrintf(buf, len, "%" PetscInt64_FMT " samples at %" PetscInt_FMT "^2 (solved at %" PetscInt_FMT "^2) in %.2f s, %.2f samples/s, %.0f%% of the time in the fine solve, %.1f CG iterations per solve", n, s->res, s->fine, sec, rate, 100 * frac, its));
  PetscFunctionReturn(0);
}

static PetscErrorCode DataDestroy_Darcy(PdProblem p)
{
  DarcyData *s = (DarcyData *)p->sdata;

  PetscFunctionBegin;
  PetscCall(MatDestroy(&s->A));
  PetscCall(VecDestroy(&s->b));
  PetscCall(VecDestroy(&s->u));
  PetscCall(DMDestroy(&s->da));
  PetscCall(PetscFree(s->a));
  PetscCall(PetscFree(p->sdata));
  PetscFunctionReturn(0);
}

/*@
  PdProblemDarcySetSampleGrid - data mode: samples stored at res x res nodes, solved at fine x fine
  ((fine-1)/(res-1) whole; the options -res and -fine set them too). Before PdProblemSetUp.
@*/
PetscErrorCode PdProblemDarcySetSampleGrid(PdProblem p, PetscInt res, PetscInt fine)
{
  DarcyData *s = (DarcyData *)p->sdata;

  PetscFunctionBegin;
  PetscCall(PdProblemCheckSetter(p, PDPROBLEMDARCY, "PdProblemDarcySetSampleGrid"));
  s->res  = res;
  s->fine = fine;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetDataSeed_Darcy(PdProblem p, PetscInt64 seed)
{
  PetscFunctionBegin;
  ((DarcyData *)p->sdata)->seed = (PetscInt)seed;
  PetscFunctionReturn(0);
}

/* -n (100) -res (85) -fine (421) -seed (0) -darcy_alpha 2 -darcy_tau 3 -darcy_f 1
   -darcy_face_average, the KSP options (CG + hypre, rtol 1e-10), -o */
PetscErrorCode PdProblemSetDataOps_Darcy(PdProblem p)
{
  DarcyData *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->res                    = 85;
  s->fine                   = 421;
  s->alpha                  = PD_DARCY_ALPHA;
  s->tau                    = PD_DARCY_TAU;
  s->fval                   = 1;
  s->avg                    = PD_FACE_HARMONIC;
  p->sdata                  = s;
  p->nsamples               = 100;
  p->ops.datasetfromoptions = DataSetFromOptions_Darcy;
  p->ops.datasetup          = DataSetUp_Darcy;
  p->ops.getsampleshapes    = GetSampleShapes_Darcy;
  p->ops.sample             = Sample_Darcy;
  p->ops.setdataseed        = SetDataSeed_Darcy;
  p->ops.getdataattributes  = GetDataAttributes_Darcy;
  p->ops.getdatareport      = GetDataReport_Darcy;
  p->ops.getdatasummary     = GetDataSummary_Darcy;
  p->ops.datadestroy        = DataDestroy_Darcy;
  PetscFunctionReturn(0);
}
