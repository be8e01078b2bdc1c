/* The antiderivative problem type, a dataset recipe only (`pdeop data antiderivative`, the DeepONet
   paper's first example): G(u)(x) = int_0^x u, u drawn from a Gaussian random field with the RBF
   kernel exp(-|x-y|^2 / (2 l^2)) on [0,1], sampled at m equispaced sensors; the integral is the
   cumulative trapezoid rule on a -refine times finer grid. */
#include "pde/interface/problemimpl.h"
#include <pdeop/options.h>
#include <pdeop/rng.h>
#include <petscblaslapack.h>

typedef struct {
  PetscInt     m, refine, seed, nf;
  PetscReal    ell;
  PetscScalar *K;      /* Cholesky factor of the kernel on the fine grid (row-major lower) */
  double      *xi, *u; /* per-sample scratch on the fine grid */
} Antiderivative;

/* the recipe's settings, from the options or the setters (named by their options) */
static PetscErrorCode CheckSettings(PdProblem p, const Antiderivative *s)
{
  MPI_Comm comm = p->comm;

  PetscFunctionBegin;
  PetscCheck(s->m >= 2 && s->m <= 2000, comm, PETSC_ERR_ARG_OUTOFRANGE, "-m must be in [2, 2000], got %" PetscInt_FMT, s->m);
  PetscCheck(s->refine >= 1 && (s->m - 1) * s->refine + 1 <= 4000, comm, PETSC_ERR_ARG_OUTOFRANGE, "-refine must be >= 1 with (m-1) refine + 1 <= 4000 fine points, got -refine %" PetscInt_FMT " with -m %" PetscInt_FMT, s->refine, s->m);
  PetscCheck(s->ell >= 1e-6 && s->ell <= 1e6, comm, PETSC_ERR_ARG_OUTOFRANGE, "-length_scale must be in [1e-6, 1e6], got %g", (double)s->ell);
  PetscCheck(s->seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscFunctionReturn(0);
}

static PetscErrorCode DataSetFromOptions_Antiderivative(PdProblem p)
{
  Antiderivative *s    = (Antiderivative *)p->data;
  MPI_Comm        comm = p->comm;
  PetscBool       help;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, p->prefix, "pdeop data antiderivative: the DeepONet antiderivative dataset", "pdeop");
  PetscCall(PdOptionsInt("-n", "Number of functions", "", p->nsamples, &p->nsamples, NULL));
  PetscCall(PdOptionsInt("-m", "Sensors (and output points) on [0,1]", "", s->m, &s->m, NULL));
  PetscCall(PdOptionsReal("-length_scale", "RBF kernel length scale l", "", s->ell, &s->ell, NULL));
  PetscCall(PdOptionsInt("-refine", "Fine points per sensor interval for the integral", "", s->refine, &s->refine, NULL));
  PetscCall(PdOptionsInt("-seed", "Seed: function i uses the stream (seed, i)", "", s->seed, &s->seed, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 file to write", "", p->output, p->output, sizeof(p->output), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscFunctionReturn(0);
  PetscCheck(p->nsamples >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n must be at least 1, got %" PetscInt_FMT, p->nsamples);
  PetscCall(CheckSettings(p, s));
  PetscCall(PdOptionsCheckUnused(comm, "data antiderivative"));
  PetscFunctionReturn(0);
}

/* the Cholesky factor of the kernel on the fine grid (a small jitter: RBF kernels are numerically singular) */
static PetscErrorCode DataSetUp_Antiderivative(PdProblem p)
{
  Antiderivative *s      = (Antiderivative *)p->data;
  const PetscReal jitter = 1e-10, ell = s->ell;
  PetscInt        nf;
  PetscBLASInt    bn, info;

  PetscFunctionBegin;
  PetscCall(CheckSettings(p, s)); /* again: setters may have changed the settings */
  nf = s->nf = (s->m - 1) * s->refine + 1;
  PetscCall(PetscMalloc1(nf * nf, &s->K));
  for (PetscInt i = 0; i < nf; i++)
    for (PetscInt j = 0; j < nf; j++) {
      const PetscReal d = (PetscReal)(i - j) / (nf - 1);
      s->K[i * nf + j]  = PetscExpReal(-d * d / (2 * ell * ell)) + (i == j ? jitter : 0);
    }
  PetscCall(PetscBLASIntCast(nf, &bn));
  PetscCall(PetscFPTrapPush(PETSC_FP_TRAP_OFF));
  PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("U", &bn, s->K, &bn, &info)); /* column-major "U" = row-major lower */
  PetscCall(PetscFPTrapPop());
  PetscCheck(!info, p->comm, PETSC_ERR_LIB, "The kernel matrix is not positive definite at this resolution (LAPACK potrf info %d): lower -refine or raise -length_scale", (int)info);
  PetscCall(PetscMalloc2(nf, &s->xi, nf, &s->u));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetSampleShapes_Antiderivative(PdProblem p, PetscInt *ni, PetscInt si[], PetscInt *no, PetscInt so[])
{
  Antiderivative *s = (Antiderivative *)p->data;

  PetscFunctionBegin;
  *ni = *no = 2; /* one channel on a 1D grid: [1, m] */
  si[0] = so[0] = 1;
  si[1] = so[1] = s->m;
  PetscFunctionReturn(0);
}

/* u = L xi at the fine points, u and its cumulative trapezoid integral at the sensors */
static PetscErrorCode Sample_Antiderivative(PdProblem p, PetscInt index, float in[], float out[])
{
  Antiderivative *s  = (Antiderivative *)p->data;
  const PetscInt  nf = s->nf, refine = s->refine;
  double         *xi = s->xi, *u = s->u, acc = 0;
  PdRng           rng;

  PetscFunctionBegin;
  PetscCall(PdRngSeed(&rng, (uint64_t)s->seed, (uint64_t)index));
  for (PetscInt i = 0; i < nf; i++) xi[i] = PdRngNormal(&rng);
  for (PetscInt i = 0; i < nf; i++) { /* L lower triangular (row-major K, j <= i) */
    double v = 0;
    for (PetscInt j = 0; j <= i; j++) v += PetscRealPart(s->K[i * nf + j]) * xi[j];
    u[i] = v;
  }
  for (PetscInt i = 0; i < nf; i++) {
    if (i) acc += 0.5 * (u[i - 1] + u[i]) / (nf - 1);
    if (i % refine == 0) {
      in[i / refine]  = (float)u[i];
      out[i / refine] = (float)acc;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode GetDataAttributes_Antiderivative(PdProblem p, PdDict attrs)
{
  Antiderivative *s = (Antiderivative *)p->data;

  PetscFunctionBegin;
  PetscCall(PdDictSetString(attrs, "pde", "antiderivative"));
  PetscCall(PdDictSetString(attrs, "equation", "s(x) = int_0^x u(t) dt on [0,1], u ~ GRF with kernel exp(-|x-y|^2/(2 l^2))"));
  PetscCall(PdDictSetInt(attrs, "n", p->nsamples));
  PetscCall(PdDictSetInt(attrs, "m", s->m));
  PetscCall(PdDictSetInt(attrs, "refine", s->refine));
  PetscCall(PdDictSetReal(attrs, "length_scale", s->ell));
  PetscCall(PdDictSetInt(attrs, "seed", s->seed));
  PetscCall(PdDictSetString(attrs, "grid", "sensors and output points x_i = i/(m-1); [N][1][m]"));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetDataReport_Antiderivative(PdProblem p, double busy, PdDict report)
{
  Antiderivative *s = (Antiderivative *)p->data;

  PetscFunctionBegin;
  (void)busy;
  PetscCall(PdDictSetInt(report, "m", s->m));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetDataSummary_Antiderivative(PdProblem p, PdDict r, char buf[], size_t len)
{
  Antiderivative *s = (Antiderivative *)p->data;
  PetscInt64      n;

  PetscFunctionBegin;
  PetscCall(PdDictGetInt(r, "samples", &n));
  PetscCall(PetscSNPrintf(buf, len, "%" PetscInt64_FMT " functions at %" PetscInt_FMT " sensors", n, s->m));
  PetscFunctionReturn(0);
}

/* outside data mode: nothing to solve */
static PetscErrorCode Solve_Antiderivative(PdProblem p)
{
  PetscFunctionBegin;
  SETERRQ(p->comm, PETSC_ERR_SUP, "'antiderivative' is a dataset recipe only, with nothing to solve: use `pdeop data antiderivative` (or PdProblemSetDataMode and PdProblemSample)");
}

static PetscErrorCode View_Antiderivative(PdProblem p, PetscViewer v)
{
  Antiderivative *s = (Antiderivative *)p->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "m %" PetscInt_FMT " sensors, refine %" PetscInt_FMT ", length scale %g, seed %" PetscInt_FMT "\n", s->m, s->refine, (double)s->ell, s->seed));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Antiderivative(PdProblem p)
{
  Antiderivative *s = (Antiderivative *)p->data;

  PetscFunctionBegin;
  PetscCall(PetscFree(s->K));
  PetscCall(PetscFree2(s->xi, s->u));
  PetscCall(PetscFree(p->data));
  PetscFunctionReturn(0);
}

/* Data mode: -n (1000) -m (100) -length_scale (0.2) -refine (10) -seed (0) -o. PdProblemSolve is an
   error: the type only draws samples. */
static PetscErrorCode SetDataSeed_Antiderivative(PdProblem p, PetscInt64 seed)
{
  PetscFunctionBegin;
  ((Antiderivative *)p->data)->seed = (PetscInt)seed;
  PetscFunctionReturn(0);
}

/*@
  PdProblemAntiderivativeSetSensors - m sensors (and output points) on [0, 1] (-m, default 100;
  2 to 2000) and the fine points per sensor interval of the integral (-refine, default 10;
  (m - 1) refine + 1 <= 4000). Before set-up.
@*/
PetscErrorCode PdProblemAntiderivativeSetSensors(PdProblem p, PetscInt m, PetscInt refine)
{
  Antiderivative *s = (Antiderivative *)p->data;

  PetscFunctionBegin;
  PetscCall(PdProblemCheckSetter(p, PDPROBLEMANTIDERIV, "PdProblemAntiderivativeSetSensors"));
  s->m      = m;
  s->refine = refine;
  PetscFunctionReturn(0);
}

/*@ PdProblemAntiderivativeSetLengthScale - the RBF kernel's length scale l (-length_scale, default 0.2). Before set-up. @*/
PetscErrorCode PdProblemAntiderivativeSetLengthScale(PdProblem p, PetscReal ell)
{
  Antiderivative *s = (Antiderivative *)p->data;

  PetscFunctionBegin;
  PetscCall(PdProblemCheckSetter(p, PDPROBLEMANTIDERIV, "PdProblemAntiderivativeSetLengthScale"));
  s->ell = ell;
  PetscFunctionReturn(0);
}

PetscErrorCode PdProblemCreate_Antiderivative(PdProblem p)
{
  Antiderivative *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->m                      = 100;
  s->refine                 = 10;
  s->ell                    = 0.2;
  p->data                   = s;
  p->nsamples               = 1000;
  p->ops.solve              = Solve_Antiderivative;
  p->ops.view               = View_Antiderivative;
  p->ops.destroy            = Destroy_Antiderivative;
  p->ops.datasetfromoptions = DataSetFromOptions_Antiderivative;
  p->ops.datasetup          = DataSetUp_Antiderivative;
  p->ops.getsampleshapes    = GetSampleShapes_Antiderivative;
  p->ops.sample             = Sample_Antiderivative;
  p->ops.setdataseed        = SetDataSeed_Antiderivative;
  p->ops.getdataattributes  = GetDataAttributes_Antiderivative;
  p->ops.getdatareport      = GetDataReport_Antiderivative;
  p->ops.getdatasummary     = GetDataSummary_Antiderivative;
  PetscFunctionReturn(0);
}
