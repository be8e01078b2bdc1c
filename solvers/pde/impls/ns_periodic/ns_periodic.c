/* The ns-periodic problem type (`pdeop solve ns-periodic`): one run of the periodic Navier-Stokes
   solver (PdNS) from a random or Taylor-Green vorticity, its energy history and snapshots. */
#include "pde/interface/problemimpl.h"
#include <pdeop/ns.h>
#include <pdeop/io.h>
#include <pdeop/plot.h>
#include <pdeop/options.h>
#include <pdeop/progress.h>
#include <stdio.h>

static const char *const domains[]  = {"unit", "2pi", "PdNSDomain", "", NULL};
static const char *const inits[]    = {"grf", "taylor-green", "PdNSInit", "", NULL};
static const char *const forcings[] = {"none", "fno", "PdNSForcing", "PD_NS_FORCING_", NULL};

typedef struct {
  PetscInt       N, seed, tgk, nsnap, every, domain, init, nsteps, nh, maxh;
  PetscReal      nu, dt, T;
  PdNSForcing    forcing;
  PdNSScheme     scheme;
  char           out[PETSC_MAX_PATH_LEN], logf[PETSC_MAX_PATH_LEN], png[PETSC_MAX_PATH_LEN];
  PdNS           ns;
  double        *w, *w0, *hist[4];
  float         *snaps;
  PetscReal      e, z, cfl, cflmax, t, e0, z0;
  PetscLogDouble seconds;
} NSPeriodic;

/* Write the run's HDF5 file on rank 0 of comm: the dataset (/inputs, /outputs, attributes) and
   /history/{time,energy,enstrophy,cfl} (float64) in one atomic write (PdDatasetWriteArrays): a reader
   never sees a file without history. */
static PetscErrorCode WriteRunFile(MPI_Comm comm, const char file[], const PdDataset *ds, PetscInt nh, const double *const hist[4])
{
  const PdCheckpointArray arrays[4] = {
    {"history/time", nh, hist[0]},
    {"history/energy", nh, hist[1]},
    {"history/enstrophy", nh, hist[2]},
    {"history/cfl", nh, hist[3]},
  };

  PetscFunctionBegin;
  PetscCall(PdDatasetWriteArrays(comm, file, ds, 4, arrays));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckSettings(PdProblem, const NSPeriodic *);

static PetscErrorCode SetFromOptions_NSPeriodic(PdProblem p)
{
  NSPeriodic *s      = (NSPeriodic *)p->data;
  PetscInt    Nalias = s->N;
  PetscBool   help, setforcing, setn, setalias, setdomain;

  PetscFunctionBegin;
  PetscOptionsBegin(p->comm, p->prefix, "pdeop solve ns-periodic: 2D Navier-Stokes on the periodic square", "pdeop");
  PetscCall(PdOptionsInt("-ns_n", "Grid points per side (even)", "", s->N, &s->N, &setn));
  PetscCall(PdOptionsInt("-n", "Same as -ns_n", "", Nalias, &Nalias, &setalias));
  PetscCall(PdOptionsReal("-nu", "Viscosity", "", s->nu, &s->nu, NULL));
  PetscCall(PdOptionsReal("-dt", "Time step", "", s->dt, &s->dt, NULL));
  PetscCall(PdOptionsReal("-T", "Final time", "", s->T, &s->T, NULL));
  PetscCall(PdOptionsEList("-ns_domain", "Square: unit (side 1) or 2pi", "", domains, 2, domains[s->domain], &s->domain, &setdomain));
  PetscCall(PdOptionsEList("-ns_init", "Initial vorticity", "", inits, 2, inits[s->init], &s->init, NULL));
  PetscCall(PdOptionsEnum("-ns_forcing", "Forcing", "", forcings, (PetscEnum)s->forcing, (PetscEnum *)&s->forcing, &setforcing));
  PetscCall(PdOptionsEnum("-ns_scheme", "Advection and forcing in time (viscosity: Crank-Nicolson)", "", PdNSSchemes, (PetscEnum)s->scheme, (PetscEnum *)&s->scheme, NULL));
  PetscCall(PdOptionsInt("-tg_k", "Taylor-Green wavenumber", "", s->tgk, &s->tgk, NULL));
  PetscCall(PdOptionsInt("-seed", "Seed of the random initial vorticity", "", s->seed, &s->seed, NULL));
  PetscCall(PdOptionsInt("-ns_snapshots", "Vorticity snapshots stored in -o (equally spaced, the last at T)", "", s->nsnap, &s->nsnap, NULL));
  PetscCall(PdOptionsInt("-ns_monitor_every", "Steps between history records and progress updates (0: about 100 per run)", "", s->every, &s->every, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 output", "", s->out, s->out, sizeof(s->out), NULL));
  PetscCall(PetscOptionsString("-log", "CSV of time, energy, enstrophy, cfl", "", s->logf, s->logf, sizeof(s->logf), NULL));
  PetscCall(PetscOptionsString("-png", "PNG of the initial and final vorticity", "", s->png, s->png, sizeof(s->png), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscFunctionReturn(0);
  PetscCheck(!(setn && setalias && s->N != Nalias), p->comm, PETSC_ERR_ARG_INCOMP, "-ns_n %" PetscInt_FMT " and -n %" PetscInt_FMT " disagree: give one of them", s->N, Nalias);
  if (setalias) s->N = Nalias;
  if (s->init == 1 && !setforcing) s->forcing = PD_NS_FORCING_NONE; /* Taylor-Green decays freely */
  if (s->init == 1 && !setdomain) s->domain = 1;                    /* on the 2 pi torus unless told */
  PetscCall(CheckSettings(p, s));
  PetscCall(PdOptionsCheckUnused(p->comm, "solve ns-periodic"));
  PetscFunctionReturn(0);
}

/* the settings, whether options or setters made them */
static PetscErrorCode CheckSettings(PdProblem p, const NSPeriodic *s)
{
  PetscFunctionBegin;
  PetscCheck(s->nu >= 0 && PetscIsNormalReal(s->nu + 1), p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-nu must be non-negative and finite, got %g", (double)s->nu);
  PetscCheck(s->dt > 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-dt must be positive, got %g", (double)s->dt);
  PetscCheck(s->T > 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-T must be positive, got %g", (double)s->T);
  PetscCheck(s->T / s->dt < 1e12, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-T / -dt = %g steps is too many", (double)(s->T / s->dt));
  PetscCheck(s->N >= 4 && s->N % 2 == 0 && s->N <= 16384, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-ns_n (-n) must be even and in [4, 16384], got %" PetscInt_FMT, s->N);
  PetscCheck(s->nsnap >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-ns_snapshots must be at least 1, got %" PetscInt_FMT, s->nsnap);
  PetscCheck(s->tgk >= 1 && 3 * s->tgk <= s->N, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-tg_k must be in [1, n/3] = [1, %" PetscInt_FMT "], got %" PetscInt_FMT, s->N / 3, s->tgk);
  PetscCheck(s->seed >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscFunctionReturn(0);
}

/* the initial vorticity, the solver and the first history record */
static PetscErrorCode SetUp_NSPeriodic(PdProblem p)
{
  NSPeriodic    *s = (NSPeriodic *)p->data;
  const PetscInt N = s->N;

  PetscFunctionBegin;
  PetscCall(CheckSettings(p, s)); /* again: setters may have changed them */
  s->nsteps = (PetscInt)PetscCeilReal(s->T / s->dt - 1e-9);
  PetscCheck(s->nsnap <= s->nsteps, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-ns_snapshots %" PetscInt_FMT " exceeds the %" PetscInt_FMT " steps of the run", s->nsnap, s->nsteps);
  if (s->every <= 0) s->every = PetscMax(1, s->nsteps / 100);
  s->maxh = s->nsteps / s->every + s->nsnap + 2; /* records: t = 0, every multiple of -ns_monitor_every and every snapshot */
  PetscCall(PetscMalloc2(N * N, &s->w, N * N, &s->w0));
  PetscCall(PetscMalloc1((size_t)s->nsnap * N * N, &s->snaps));
  PetscCall(PetscMalloc4(s->maxh, &s->hist[0], s->maxh, &s->hist[1], s->maxh, &s->hist[2], s->maxh, &s->hist[3]));
  if (s->init == 0) {
    PdRng rng;
    PetscCall(PdRngSeed(&rng, (uint64_t)s->seed, PD_RNG_STREAM_MAIN));
    PetscCall(PdNSRandomVorticity(N, 2.5, 7.0, &rng, s->w0));
  } else PetscCall(PdNSTaylorGreen(N, s->tgk, s->w0));
  PetscCall(PdNSCreate(N, s->domain == 0 ? 1.0 : 2 * PETSC_PI, s->nu, s->dt, s->forcing, &s->ns));
  PetscCall(PdNSSetScheme(s->ns, s->scheme));
  PetscCall(PdNSSetVorticity(s->ns, s->w0));
  PetscCall(PdNSDiagnostics(s->ns, &s->e0, &s->z0, &s->cfl, NULL));
  s->hist[0][0] = 0, s->hist[1][0] = s->e0, s->hist[2][0] = s->z0, s->hist[3][0] = s->cfl, s->nh = 1;
  PetscFunctionReturn(0);
}

/* Taylor-Green without forcing: ||w - w_exact|| / ||w_exact|| over the grid at the final time, where
   w_exact = w0 exp(-2 nu (2 pi k / L)^2 t) is the exact decay of the initial vortex */
static PetscErrorCode TaylorGreenError(const NSPeriodic *s, double *err)
{
  const PetscReal L = s->domain == 0 ? 1.0 : 2 * PETSC_PI, kk = 2 * PETSC_PI * s->tgk / L;
  const double    decay = exp(-2.0 * s->nu * kk * kk * s->t);
  double          d2 = 0, e2 = 0;

  PetscFunctionBegin;
  for (PetscInt q = 0; q < s->N * s->N; q++) {
    const double ex = s->w0[q] * decay;
    d2 += (s->w[q] - ex) * (s->w[q] - ex);
    e2 += ex * ex;
  }
  *err = e2 > 0 ? sqrt(d2 / e2) : sqrt(d2);
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_NSPeriodic(PdProblem p)
{
  NSPeriodic    *s    = (NSPeriodic *)p->data;
  const PetscInt N    = s->N;
  PetscInt       done = 0;
  PdProgress     prog;
  PetscLogDouble t0, t1;
  double         wmax = 0, err = -1;

  PetscFunctionBegin;
  PetscCall(PdProgressBegin(p->comm, "ns-periodic steps", s->nsteps, &prog));
  PetscCall(PetscTime(&t0));
  for (PetscInt k = 1; k <= s->nsnap; k++) {
    const PetscInt target = (PetscInt)((PetscInt64)s->nsteps * k / s->nsnap);
    while (done < target) {
      const PetscInt m = PetscMin(s->every - done % s->every, target - done);
      char           extra[96];
      PetscCall(PdNSStep(s->ns, m)); /* a blow-up stops here, before anything is written */
      done += m;
      PetscCall(PdNSDiagnostics(s->ns, &s->e, &s->z, &s->cfl, &s->t));
      PetscCheck(s->nh < s->maxh, PETSC_COMM_SELF, PETSC_ERR_PLIB, "History overflow");
      s->hist[0][s->nh] = s->t, s->hist[1][s->nh] = s->e, s->hist[2][s->nh] = s->z, s->hist[3][s->nh] = s->cfl, s->nh++;
      PetscCall(PetscSNPrintf(extra, sizeof(extra), "t %.3f energy %.4g enstrophy %.4g CFL %.2f", (double)s->t, s->e, s->z, s->cfl));
      PetscCall(PdProgressUpdate(&prog, done, extra));
    }
    PetscCall(PdNSGetVorticity(s->ns, s->w));
    for (PetscInt q = 0; q < N * N; q++) s->snaps[(size_t)(k - 1) * N * N + q] = (float)s->w[q];
  }
  PetscCall(PdProgressEnd(&prog));
  PetscCall(PetscTime(&t1));
  s->seconds = t1 - t0;
  PetscCall(PdNSDiagnostics(s->ns, &s->e, &s->z, &s->cfl, &s->t));
  PetscCall(PdNSGetMaxCFL(s->ns, &s->cflmax));
  for (PetscInt q = 0; q < N * N; q++) PetscCheck(!PetscIsInfOrNanReal(s->w[q]), p->comm, PETSC_ERR_NOT_CONVERGED, "The final vorticity is not finite at grid point %" PetscInt_FMT ": nothing written. Lower -dt", q);
  if (s->init == 1 && s->forcing == PD_NS_FORCING_NONE) PetscCall(TaylorGreenError(s, &err));
  PetscCall(PdPrintf(p->comm, "ns-periodic %" PetscInt_FMT "^2, nu %g, %" PetscInt_FMT " steps of %g to t = %g in %.2f s: energy %.6g -> %.6g, enstrophy %.6g -> %.6g, max CFL %.3g%s", N, (double)s->nu, s->nsteps, (double)s->dt, (double)s->t, s->seconds, s->e0, s->e, s->z0, s->z, s->cflmax, err >= 0 ? "" : "\n"));
  if (err >= 0) PetscCall(PdPrintf(p->comm, "; relative L2 error of the vorticity against the exact decay %.3e\n", err));
  PetscCall(PdDictSetInt(p->results, "steps", s->nsteps));
  PetscCall(PdDictSetReal(p->results, "seconds", s->seconds));
  PetscCall(PdDictSetReal(p->results, "seconds_per_step", s->seconds / s->nsteps));
  PetscCall(PdDictSetReal(p->results, "time", s->t));
  PetscCall(PdDictSetReal(p->results, "energy", s->e));
  PetscCall(PdDictSetReal(p->results, "enstrophy", s->z));
  PetscCall(PdDictSetReal(p->results, "energy_initial", s->e0));
  PetscCall(PdDictSetReal(p->results, "enstrophy_initial", s->z0));
  PetscCall(PdDictSetReal(p->results, "cfl", s->cflmax));
  PetscCall(PdDictSetReal(p->results, "cfl_final", s->cfl));
  for (PetscInt q = 0; q < N * N; q++) wmax = PetscMax(wmax, PetscAbsReal(s->w[q]));
  PetscCall(PdDictSetReal(p->results, "max_vorticity", wmax));
  if (err >= 0) PetscCall(PdDictSetReal(p->results, "error", err));
  PetscFunctionReturn(0);
}

/* -log history.csv: time, energy, enstrophy and CFL number of each recorded step */
static PetscErrorCode FillLog(FILE *log, void *ctx)
{
  const NSPeriodic *s = (const NSPeriodic *)ctx;

  PetscFunctionBegin;
  fprintf(log, "time,energy,enstrophy,cfl\n");
  for (PetscInt h = 0; h < s->nh; h++) fprintf(log, "%.6g,%.10g,%.10g,%.4g\n", s->hist[0][h], s->hist[1][h], s->hist[2][h], s->hist[3][h]);
  PetscFunctionReturn(0);
}

/* -o file.h5: /inputs (the initial vorticity), /outputs (the snapshots), the run's attributes */
static PetscErrorCode WriteH5(PdProblem p, NSPeriodic *s)
{
  const PetscInt N = s->N;
  PdDataset      ds;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&ds, sizeof(ds)));
  ds.N = 1, ds.in_ndim = ds.out_ndim = 4;
  ds.in_shape[0] = ds.out_shape[0] = 1;
  ds.in_shape[1] = 1, ds.out_shape[1] = s->nsnap;
  ds.in_shape[2] = ds.in_shape[3] = ds.out_shape[2] = ds.out_shape[3] = N;
  ds.in_size = N * N, ds.out_size = s->nsnap * N * N;
  PetscCall(PetscMalloc1(N * N, &ds.inputs));
  for (PetscInt q = 0; q < N * N; q++) ds.inputs[q] = (float)s->w0[q];
  ds.outputs = s->snaps;
  PetscCall(PdDictCreate(&ds.attrs));
  PetscCall(PdDictSetString(ds.attrs, "pde", "navier-stokes vorticity, periodic"));
  PetscCall(PdDictSetReal(ds.attrs, "nu", s->nu));
  PetscCall(PdDictSetReal(ds.attrs, "dt", s->dt));
  PetscCall(PdDictSetReal(ds.attrs, "T", s->T));
  PetscCall(PdDictSetInt(ds.attrs, "n", N));
  PetscCall(PdDictSetString(ds.attrs, "domain", domains[s->domain]));
  PetscCall(PdDictSetString(ds.attrs, "forcing", forcings[s->forcing]));
  PetscCall(PdDictSetString(ds.attrs, "init", inits[s->init]));
  if (s->init == 1) PetscCall(PdDictSetInt(ds.attrs, "tg_k", s->tgk));
  PetscCall(PdDictSetString(ds.attrs, "scheme", PdNSSchemes[s->scheme]));
  PetscCall(PdDictSetInt(ds.attrs, "seed", s->seed));
  PetscCall(PdDictSetString(ds.attrs, "grid", "x = i L/n, y = j L/n; /inputs [1][1][j][i] at t = 0, /outputs [1][K][j][i] at t = T k/K; /history/* every -ns_monitor_every steps"));
  PetscCall(WriteRunFile(p->comm, s->out, &ds, s->nh, (const double *const *)s->hist));
  PetscCall(PdDictDestroy(&ds.attrs));
  PetscCall(PetscFree(ds.inputs));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFields_NSPeriodic(PdProblem p)
{
  NSPeriodic *s = (NSPeriodic *)p->data;

  PetscFunctionBegin;
  if (s->logf[0]) {
    PetscCall(PdFileWrite(p->comm, s->logf, "-log", FillLog, s));
    PetscCall(PdDictSetString(p->results, "log", s->logf));
  }
  if (s->out[0]) {
    PetscCall(WriteH5(p, s));
    PetscCall(PdDictSetString(p->results, "output", s->out));
  }
  if (s->png[0]) {
    const double *panels[2] = {s->w0, s->w};
    char          title[128], l0[32], l1[48];
    const char   *labels[2] = {l0, l1};
    PetscCall(PetscSNPrintf(title, sizeof(title), "vorticity, %" PetscInt_FMT "^2, nu %g", s->N, (double)s->nu));
    PetscCall(PetscSNPrintf(l0, sizeof(l0), "t = 0"));
    PetscCall(PetscSNPrintf(l1, sizeof(l1), "t = %g", (double)s->t));
    PetscCall(PdPNGWriteFields(p->comm, s->png, title, 2, labels, s->N, s->N, panels));
    PetscCall(PdDictSetString(p->results, "png", s->png));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode View_NSPeriodic(PdProblem p, PetscViewer v)
{
  NSPeriodic *s = (NSPeriodic *)p->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "%" PetscInt_FMT "^2 grid on the %s square, nu %g, dt %g, T %g, %s scheme, forcing %s, initial vorticity %s\n", s->N, domains[s->domain], (double)s->nu, (double)s->dt, (double)s->T, PdNSSchemes[s->scheme], forcings[s->forcing], inits[s->init]));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_NSPeriodic(PdProblem p)
{
  NSPeriodic *s = (NSPeriodic *)p->data;

  PetscFunctionBegin;
  PetscCall(PdNSDestroy(&s->ns));
  PetscCall(PetscFree2(s->w, s->w0));
  PetscCall(PetscFree(s->snaps));
  PetscCall(PetscFree4(s->hist[0], s->hist[1], s->hist[2], s->hist[3]));
  PetscCall(PetscFree(p->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetSeed_NSPeriodic(PdProblem p, PetscInt64 seed)
{
  PetscFunctionBegin;
  ((NSPeriodic *)p->data)->seed = (PetscInt)seed;
  PetscFunctionReturn(0);
}

/* -ns_n (or -n; grid, 64), -nu (1e-3), -dt (1e-4), -T (final time, 1), -ns_domain unit|2pi,
   -ns_forcing fno|none, -ns_init grf|taylor-green (-tg_k; Taylor-Green defaults to no forcing on the
   2 pi square), -ns_scheme heun|euler, -seed, -ns_snapshots K (stored at equal intervals),
   -ns_monitor_every (steps between history records and progress lines), -o file.h5 (/inputs: the
   initial vorticity [1][1][j][i], /outputs: the snapshots [1][K][j][i], /history/{time,energy,
   enstrophy,cfl}), -log history.csv, -png (initial and final vorticity). Nothing is written when the
   run blows up. Report: steps, seconds, seconds_per_step, time, energy, enstrophy (and _initial),
   max_vorticity, cfl (the largest of all steps), cfl_final. */
PetscErrorCode PdProblemCreate_NSPeriodic(PdProblem p)
{
  NSPeriodic *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->N                  = 64;
  s->tgk                = 1;
  s->nsnap              = 1;
  s->nu                 = 1e-3;
  s->dt                 = 1e-4;
  s->T                  = 1;
  s->forcing            = PD_NS_FORCING_FNO;
  s->scheme             = PD_NS_SCHEME_HEUN;
  p->data               = s;
  p->ops.setfromoptions = SetFromOptions_NSPeriodic;
  p->ops.setup          = SetUp_NSPeriodic;
  p->ops.solve          = Solve_NSPeriodic;
  p->ops.writefields    = WriteFields_NSPeriodic;
  p->ops.view           = View_NSPeriodic;
  p->ops.destroy        = Destroy_NSPeriodic;
  p->ops.setseed        = SetSeed_NSPeriodic;
  PetscCall(PdProblemSetDataOps_NSPeriodic(p));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetNS(PdProblem p, const char fn[], NSPeriodic **s)
{
  PetscFunctionBegin;
  PetscCall(PdProblemCheckSetter(p, PDPROBLEMNSPERIODIC, fn));
  *s = (NSPeriodic *)p->data;
  PetscFunctionReturn(0);
}

/*@ PdProblemNSPeriodicSetGridSize - grid points per side, even and at least 4 (-ns_n, default 64) @*/
PetscErrorCode PdProblemNSPeriodicSetGridSize(PdProblem p, PetscInt n)
{
  NSPeriodic *s = NULL;

  PetscFunctionBegin;
  PetscCall(GetNS(p, "PdProblemNSPeriodicSetGridSize", &s));
  s->N = n;
  PetscFunctionReturn(0);
}

/*@ PdProblemNSPeriodicSetViscosity - the viscosity nu (-nu, default 1e-3), of a solve and of data mode's samples @*/
PetscErrorCode PdProblemNSPeriodicSetViscosity(PdProblem p, PetscReal nu)
{
  NSPeriodic *s = NULL;

  PetscFunctionBegin;
  PetscCall(GetNS(p, "PdProblemNSPeriodicSetViscosity", &s));
  s->nu = nu;
  PetscCall(PdProblemNSPeriodicSetDataViscosity(p, nu));
  PetscFunctionReturn(0);
}

/*@ PdProblemNSPeriodicSetTimes - the time step and the final time (-dt, -T; defaults 1e-4, 1) @*/
PetscErrorCode PdProblemNSPeriodicSetTimes(PdProblem p, PetscReal dt, PetscReal T)
{
  NSPeriodic *s = NULL;

  PetscFunctionBegin;
  PetscCall(GetNS(p, "PdProblemNSPeriodicSetTimes", &s));
  s->dt = dt;
  s->T  = T;
  PetscFunctionReturn(0);
}

/*@
  PdProblemNSPeriodicSetInitial - the initial vorticity: a Taylor-Green vortex of wavenumber k (k >= 1;
  then no forcing, on the 2 pi torus, as -ns_init taylor-green -tg_k k), or k = 0: the random field of
  seed `seed` (-ns_init random -seed, the default)
@*/
PetscErrorCode PdProblemNSPeriodicSetInitial(PdProblem p, PetscInt k, PetscInt64 seed)
{
  NSPeriodic *s = NULL;

  PetscFunctionBegin;
  PetscCall(GetNS(p, "PdProblemNSPeriodicSetInitial", &s));
  PetscCheck(k >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "PdProblemNSPeriodicSetInitial: the wavenumber must be 0 (random) or positive, got %" PetscInt_FMT, k);
  PetscCheck(k > 0 || (seed >= 0 && seed <= PETSC_MAX_INT), p->comm, PETSC_ERR_ARG_OUTOFRANGE, "PdProblemNSPeriodicSetInitial: the seed must be in [0, %d], got %" PetscInt64_FMT, (int)PETSC_MAX_INT, seed);
  s->init = k > 0 ? 1 : 0;
  if (k > 0) {
    s->tgk     = k;
    s->forcing = PD_NS_FORCING_NONE;
    s->domain  = 1;
  } else s->seed = (PetscInt)seed;
  PetscFunctionReturn(0);
}
