/* The ns-periodic type's dataset recipe (`pdeop data ns`, the FNO paper's Navier-Stokes dataset):
   per sample an initial vorticity from the FNO Gaussian random field (stream (seed, sample)), solved
   at -fine with the forcing 0.1 (sin 2 pi (x+y) + cos 2 pi (x+y)), stored at -res every unit of
   time up to -T: the first -t_in snapshots are the input (channels), the rest the output. */
#include "pde/interface/problemimpl.h"
#include <pdeop/ns.h>
#include <pdeop/options.h>

typedef struct {
  PetscInt   res, fine, T, tin, seed, spu;
  PetscReal  nu, dt;
  PdNSScheme scheme;
  double    *w;
} NSData;

/* the recipe's settings, from the options or the setters (named by their options) */
static PetscErrorCode CheckData(PdProblem p, NSData *s)
{
  MPI_Comm        comm = p->comm;
  const PetscInt  res = s->res, fine = s->fine, T = s->T, tin = s->tin;
  const PetscReal dt = s->dt;

  PetscFunctionBegin;
  PetscCheck(tin >= 1 && T > tin, comm, PETSC_ERR_ARG_OUTOFRANGE, "-T (%" PetscInt_FMT ") must exceed -t_in (%" PetscInt_FMT "), which must be at least 1: the outputs are the snapshots after the inputs", T, tin);
  PetscCheck(res >= 4 && res % 2 == 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-res must be even and at least 4, got %" PetscInt_FMT, res);
  PetscCheck(res <= fine, comm, PETSC_ERR_ARG_OUTOFRANGE, "-res %" PetscInt_FMT " exceeds -fine %" PetscInt_FMT ": the stored grid is a subsample of the solver's", res, fine);
  PetscCheck(fine % res == 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-fine %" PetscInt_FMT " must be a multiple of -res %" PetscInt_FMT " (the stored grid takes every (fine/res)-th point)", fine, res);
  PetscCheck(fine <= 16384, comm, PETSC_ERR_ARG_OUTOFRANGE, "-fine must be at most 16384, got %" PetscInt_FMT, fine);
  PetscCheck(s->nu > 0 && PetscIsNormalReal(s->nu), comm, PETSC_ERR_ARG_OUTOFRANGE, "-nu must be positive and finite, got %g", (double)s->nu);
  PetscCheck(dt > 0 && dt <= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dt must be in (0, 1], got %g", (double)dt);
  s->spu = (PetscInt)(1.0 / dt + 0.5);
  PetscCheck(PetscAbsReal(s->spu * dt - 1) < 1e-9, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dt must divide one unit of time (1/dt a whole number), got %g", (double)dt);
  PetscCheck(s->seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscFunctionReturn(0);
}

static PetscErrorCode DataSetFromOptions_NSPeriodic(PdProblem p)
{
  NSData   *s    = (NSData *)p->sdata;
  MPI_Comm  comm = p->comm;
  PetscInt  n;
  PetscBool help;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, p->prefix, "pdeop data ns: the FNO Navier-Stokes dataset", "pdeop");
  PetscCall(PdOptionsInt("-n", "Number of samples", "", p->nsamples, &p->nsamples, NULL));
  PetscCall(PdOptionsInt("-res", "Resolution stored", "", s->res, &s->res, NULL));
  PetscCall(PdOptionsInt("-fine", "Resolution solved (a multiple of -res)", "", s->fine, &s->fine, NULL));
  PetscCall(PdOptionsReal("-nu", "Viscosity", "", s->nu, &s->nu, NULL));
  PetscCall(PdOptionsReal("-dt", "Time step of the solver", "", s->dt, &s->dt, NULL));
  PetscCall(PdOptionsInt("-T", "Final time (snapshots at t = 1, ..., T)", "", s->T, &s->T, NULL));
  PetscCall(PdOptionsInt("-t_in", "Snapshots stored as inputs", "", s->tin, &s->tin, NULL));
  PetscCall(PdOptionsInt("-seed", "Seed: sample i uses the stream (seed, i)", "", s->seed, &s->seed, NULL));
  PetscCall(PdOptionsEnum("-ns_scheme", "Advection and forcing in time (viscosity: Crank-Nicolson)", "", PdNSSchemes, (PetscEnum)s->scheme, (PetscEnum *)&s->scheme, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 file to write", "", p->output, p->output, sizeof(p->output), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscFunctionReturn(0);
  n = p->nsamples;
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n must be at least 1, got %" PetscInt_FMT, n);
  PetscCall(CheckData(p, s));
  PetscCheck((double)n * PetscMax(s->T - s->tin, s->tin) * s->res * s->res < 2147483647.0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n %" PetscInt_FMT " samples of %" PetscInt_FMT " snapshots at -res %" PetscInt_FMT " exceed 2^31 floats per array (MPI counts): write several files", n, s->T, s->res);
  PetscCall(PdOptionsCheckUnused(comm, "data ns"));
  PetscFunctionReturn(0);
}

static PetscErrorCode DataSetUp_NSPeriodic(PdProblem p)
{
  NSData *s = (NSData *)p->sdata;

  PetscFunctionBegin;
  PetscCall(CheckData(p, s)); /* again: setters may have changed the settings */
  PetscCall(PetscMalloc1(s->fine * s->fine, &s->w));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetSampleShapes_NSPeriodic(PdProblem p, PetscInt *ni, PetscInt si[], PetscInt *no, PetscInt so[])
{
  NSData *s = (NSData *)p->sdata;

  PetscFunctionBegin;
  *ni = *no = 3;
  si[0]     = s->tin;
  so[0]     = s->T - s->tin;
  si[1] = si[2] = so[1] = so[2] = s->res;
  PetscFunctionReturn(0);
}

/* the snapshots at t = 1..t_in into in, t_in+1..T into out, every (fine/res)-th point */
static PetscErrorCode Sample_NSPeriodic(PdProblem p, PetscInt index, float in[], float out[])
{
  NSData        *s   = (NSData *)p->sdata;
  const PetscInt res = s->res, fine = s->fine, stride = fine / res, per = res * res;
  PdRng          rng;
  PdNS           ns;

  PetscFunctionBegin;
  PetscCall(PdRngSeed(&rng, (uint64_t)s->seed, (uint64_t)index));
  PetscCall(PdNSRandomVorticity(fine, 2.5, 7.0, &rng, s->w));
  PetscCall(PdNSCreate(fine, 1.0, s->nu, s->dt, PD_NS_FORCING_FNO, &ns));
  PetscCall(PdNSSetScheme(ns, s->scheme));
  PetscCall(PdNSSetVorticity(ns, s->w));
  for (PetscInt k = 1; k <= s->T; k++) {
    float *dst = k <= s->tin ? in + (size_t)(k - 1) * per : out + (size_t)(k - 1 - s->tin) * per;
    PetscCall(PdNSStep(ns, s->spu));
    PetscCall(PdNSGetVorticity(ns, s->w));
    for (PetscInt j = 0; j < res; j++)
      for (PetscInt i = 0; i < res; i++) dst[j * res + i] = (float)s->w[(j * stride) * fine + i * stride];
    if (p->progress) {
      char extra[64];
      PetscCall(PetscSNPrintf(extra, sizeof(extra), "sample %" PetscInt_FMT " of %" PetscInt_FMT ", t = %" PetscInt_FMT, index + 1, p->progress_n, k));
      PetscCall(PdProgressUpdate(p->progress, p->progress_base + k, extra));
    }
  }
  PetscCall(PdNSDestroy(&ns));
  PetscFunctionReturn(0);
}

/* the progress line counts units of simulated time */
static PetscErrorCode GetSampleWork_NSPeriodic(PdProblem p, const char **label, PetscInt *units)
{
  NSData *s = (NSData *)p->sdata;

  PetscFunctionBegin;
  *label = "ns time units";
  *units = s->T;
  PetscFunctionReturn(0);
}

static PetscErrorCode GetDataAttributes_NSPeriodic(PdProblem p, PdDict attrs)
{
  NSData *s = (NSData *)p->sdata;

  PetscFunctionBegin;
  PetscCall(PdDictSetString(attrs, "pde", "navier-stokes vorticity on the unit torus"));
  PetscCall(PdDictSetString(attrs, "equation", "w_t + u.grad w = nu Laplace w + f, f = 0.1 (sin 2pi(x+y) + cos 2pi(x+y))"));
  PetscCall(PdDictSetString(attrs, "initial", "GRF N(0, 7^(3/2) (-Laplace + 49 I)^(-2.5))"));
  PetscCall(PdDictSetInt(attrs, "n", p->nsamples));
  PetscCall(PdDictSetInt(attrs, "res", s->res));
  PetscCall(PdDictSetInt(attrs, "fine", s->fine));
  PetscCall(PdDictSetReal(attrs, "nu", s->nu));
  PetscCall(PdDictSetReal(attrs, "dt", s->dt));
  PetscCall(PdDictSetInt(attrs, "T", s->T));
  PetscCall(PdDictSetInt(attrs, "t_in", s->tin));
  PetscCall(PdDictSetString(attrs, "scheme", PdNSSchemes[s->scheme]));
  PetscCall(PdDictSetInt(attrs, "seed", s->seed));
  PetscCall(PdDictSetString(attrs, "grid", "x = i/res, y = j/res; /inputs [N][t=1..t_in][j][i], /outputs [N][t=t_in+1..T][j][i]"));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetDataSummary_NSPeriodic(PdProblem p, PdDict r, char buf[], size_t len)
{
  NSData    *s = (NSData *)p->sdata;
  PetscInt64 n;
  double     sec;

  PetscFunctionBegin;
  PetscCall(PdDictGetInt(r, "samples", &n));
  PetscCall(PdDictGetReal(r, "seconds", &sec));
  PetscCall(PetscSNPrintf(buf, len, "%" PetscInt64_FMT " samples, %" PetscInt_FMT " + %" PetscInt_FMT " snapshots at %" PetscInt_FMT "^2 (solved at %" PetscInt_FMT "^2) in %.2f s", n, s->tin, s->T - s->tin, s->res, s->fine, sec));
  PetscFunctionReturn(0);
}

static PetscErrorCode DataDestroy_NSPeriodic(PdProblem p)
{
  NSData *s = (NSData *)p->sdata;

  PetscFunctionBegin;
  PetscCall(PetscFree(s->w));
  PetscCall(PetscFree(p->sdata));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetDataSeed_NSPeriodic(PdProblem p, PetscInt64 seed)
{
  PetscFunctionBegin;
  ((NSData *)p->sdata)->seed = (PetscInt)seed;
  PetscFunctionReturn(0);
}

/*@
  PdProblemNSPeriodicSetSampleGrid - data mode: snapshots stored at res x res points, solved at
  fine x fine (res even, fine a multiple of res; -res, -fine, defaults 64, 256). Before set-up.
@*/
PetscErrorCode PdProblemNSPeriodicSetSampleGrid(PdProblem p, PetscInt res, PetscInt fine)
{
  NSData *s = (NSData *)p->sdata;

  PetscFunctionBegin;
  PetscCall(PdProblemCheckSetter(p, PDPROBLEMNSPERIODIC, "PdProblemNSPeriodicSetSampleGrid"));
  s->res  = res;
  s->fine = fine;
  PetscFunctionReturn(0);
}

/*@
  PdProblemNSPeriodicSetSampleTimes - data mode: the solver's time step dt (1/dt whole) and the
  snapshots at t = 1, ..., T, the first t_in of them the input (-dt, -t_in, -T; defaults 1e-4, 10,
  50). Before set-up.
@*/
PetscErrorCode PdProblemNSPeriodicSetSampleTimes(PdProblem p, PetscReal dt, PetscInt t_in, PetscInt T)
{
  NSData *s = (NSData *)p->sdata;

  PetscFunctionBegin;
  PetscCall(PdProblemCheckSetter(p, PDPROBLEMNSPERIODIC, "PdProblemNSPeriodicSetSampleTimes"));
  s->dt  = dt;
  s->tin = t_in;
  s->T   = T;
  PetscFunctionReturn(0);
}

/* PdProblemNSPeriodicSetViscosity's share in data mode */
PetscErrorCode PdProblemNSPeriodicSetDataViscosity(PdProblem p, PetscReal nu)
{
  PetscFunctionBegin;
  ((NSData *)p->sdata)->nu = nu;
  PetscFunctionReturn(0);
}

/* -n (100) -res (64) -fine (256) -nu (1e-3) -dt (1e-4) -T (50) -t_in (10) -seed (0)
   -ns_scheme heun|euler (euler: the FNO script's forward Euler) -o */
PetscErrorCode PdProblemSetDataOps_NSPeriodic(PdProblem p)
{
  NSData *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->res                    = 64;
  s->fine                   = 256;
  s->T                      = 50;
  s->tin                    = 10;
  s->nu                     = 1e-3;
  s->dt                     = 1e-4;
  s->scheme                 = PD_NS_SCHEME_HEUN;
  p->sdata                  = s;
  p->nsamples               = 100;
  p->ops.datasetfromoptions = DataSetFromOptions_NSPeriodic;
  p->ops.datasetup          = DataSetUp_NSPeriodic;
  p->ops.getsampleshapes    = GetSampleShapes_NSPeriodic;
  p->ops.sample             = Sample_NSPeriodic;
  p->ops.setdataseed        = SetDataSeed_NSPeriodic;
  p->ops.getsamplework      = GetSampleWork_NSPeriodic;
  p->ops.getdataattributes  = GetDataAttributes_NSPeriodic;
  p->ops.getdatasummary     = GetDataSummary_NSPeriodic;
  p->ops.datadestroy        = DataDestroy_NSPeriodic;
  PetscFunctionReturn(0);
}
