/* Periodic 2D Navier-Stokes in vorticity form (the FNO paper's data generator's scheme) and
   `pdeop solve ns-periodic`: w_t + u.grad w = nu Laplace w + f, u = (psi_y, -psi_x), -Laplace psi = w.
   Pseudo-spectral with FFTW (FFTW_ESTIMATE plans, made once: MEASURE plans depend on timings and
   change the rounding from run to run, which would break same-seed-same-file), 2/3-rule dealiasing of the nonlinear term,
   Crank-Nicolson for viscosity and Heun's predictor-corrector for advection and forcing. */
#include <pdeop/ns.h>
#include <pdeop/pdeop.h>
#include <pdeop/solve.h>
#include <pdeop/output.h>

/* complex numbers as (re, im) pairs, whatever fftw_complex is (C99 complex when <complex.h> came first) */
typedef double cpx[2];

struct _n_PdNS {
  PetscInt      N, Nh;         /* grid, N/2 + 1 */
  PetscReal     L, nu, dt, t;
  PdNSForcing   forcing;
  double       *kx, *ky, *k2;  /* wavenumbers of the r2c layout [j][i], i < Nh */
  double       *mask;          /* 2/3 rule */
  cpx          *wh, *wh0, *Fh, *Fh1, *fh, *ch; /* spectra */
  double       *r, *ux, *uy, *wx, *wy;         /* physical work arrays */
  fftw_plan     fwd, bwd;      /* r2c of r into ch, c2r of ch into r */
  PetscInt      steps;
};

PetscErrorCode PdNSCreate(PetscInt N, PetscReal L, PetscReal nu, PetscReal dt, PdNSForcing forcing, PdNS *ns)
{
  PdNS           s;
  const PetscInt Nh = N / 2 + 1;
  const size_t   nc = (size_t)N * Nh, nr = (size_t)N * N;

  PetscFunctionBegin;
  PetscCheck(N >= 4 && N % 2 == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The periodic grid needs an even N >= 4, got %" PetscInt_FMT, N);
  PetscCheck(L > 0 && nu >= 0 && dt > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Need a positive domain size and time step and a non-negative viscosity (got L %g, nu %g, dt %g)", (double)L, (double)nu, (double)dt);
  PetscCall(PetscNew(&s));
  s->N = N, s->Nh = Nh, s->L = L, s->nu = nu, s->dt = dt, s->forcing = forcing;
  PetscCall(PetscMalloc4(nc, &s->kx, nc, &s->ky, nc, &s->k2, nc, &s->mask));
  s->wh  = (cpx *)fftw_alloc_complex(nc);
  s->wh0 = (cpx *)fftw_alloc_complex(nc);
  s->Fh  = (cpx *)fftw_alloc_complex(nc);
  s->Fh1 = (cpx *)fftw_alloc_complex(nc);
  s->fh  = (cpx *)fftw_alloc_complex(nc);
  s->ch  = (cpx *)fftw_alloc_complex(nc);
  s->r   = fftw_alloc_real(nr);
  PetscCheck(s->wh && s->wh0 && s->Fh && s->Fh1 && s->fh && s->ch && s->r, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for a %" PetscInt_FMT "^2 spectral grid", N);
  PetscCall(PetscMalloc4(nr, &s->ux, nr, &s->uy, nr, &s->wx, nr, &s->wy));
  s->fwd = fftw_plan_dft_r2c_2d((int)N, (int)N, s->r, (fftw_complex *)s->ch, FFTW_ESTIMATE);
  s->bwd = fftw_plan_dft_c2r_2d((int)N, (int)N, (fftw_complex *)s->ch, s->r, FFTW_ESTIMATE);
  for (PetscInt j = 0; j < N; j++)
    for (PetscInt i = 0; i < Nh; i++) {
      const PetscInt kj = j <= N / 2 ? j : j - N, q = j * Nh + i;
      s->kx[q]   = 2 * PETSC_PI * i / L;
      s->ky[q]   = 2 * PETSC_PI * kj / L;
      s->k2[q]   = s->kx[q] * s->kx[q] + s->ky[q] * s->ky[q];
      s->mask[q] = (3 * i <= N && 3 * PetscAbsInt(kj) <= N) ? 1.0 : 0.0; /* |k| <= N/3 per direction */
    }
  /* forcing 0.1 (sin(2 pi (x + y)) + cos(2 pi (x + y))), scaled to the domain */
  for (PetscInt j = 0; j < N; j++)
    for (PetscInt i = 0; i < N; i++) {
      const double a = 2 * PETSC_PI * (i + j) / (double)N; /* 2 pi (x + y) / L */
      s->r[j * N + i] = forcing == PD_NS_FORCING_FNO ? 0.1 * (sin(a) + cos(a)) : 0.0;
    }
  fftw_execute_dft_r2c(s->fwd, s->r, (fftw_complex *)s->fh);
  *ns = s;
  PetscFunctionReturn(0);
}

PetscErrorCode PdNSDestroy(PdNS *ns)
{
  PdNS s = *ns;

  PetscFunctionBegin;
  if (!s) PetscFunctionReturn(0);
  fftw_destroy_plan(s->fwd);
  fftw_destroy_plan(s->bwd);
  fftw_free(s->wh), fftw_free(s->wh0), fftw_free(s->Fh), fftw_free(s->Fh1), fftw_free(s->fh), fftw_free(s->ch), fftw_free(s->r);
  PetscCall(PetscFree4(s->kx, s->ky, s->k2, s->mask));
  PetscCall(PetscFree4(s->ux, s->uy, s->wx, s->wy));
  PetscCall(PetscFree(*ns));
  PetscFunctionReturn(0);
}

PetscErrorCode PdNSSetVorticity(PdNS s, const double w[])
{
  PetscFunctionBegin;
  PetscCall(PetscArraycpy(s->r, w, s->N * s->N));
  fftw_execute_dft_r2c(s->fwd, s->r, (fftw_complex *)s->wh);
  s->wh[0][0] = s->wh[0][1] = 0; /* mean-free */
  s->t        = 0;
  s->steps    = 0;
  PetscFunctionReturn(0);
}

/* out = inverse FFT of c * in (normalised), in spectral layout; c complex per mode via (re, im) fn */
static void Synthesize(PdNS s, const cpx *in, int which, double *out)
{
  const size_t nc = (size_t)s->N * s->Nh;
  const double scale = 1.0 / ((double)s->N * s->N);
  for (size_t q = 0; q < nc; q++) {
    const double k2 = s->k2[q] > 0 ? s->k2[q] : 1.0, re = in[q][0], im = in[q][1];
    double       fr = 0, fi = 0; /* multiplier i * m: (re + i im) i m = -m im + i m re */
    switch (which) {
    case 0: fr = 0, fi = s->ky[q] / k2; break;  /* u = psi_y, psi_hat = w_hat / k^2 */
    case 1: fr = 0, fi = -s->kx[q] / k2; break; /* v = -psi_x */
    case 2: fr = 0, fi = s->kx[q]; break;       /* w_x */
    case 3: fr = 0, fi = s->ky[q]; break;       /* w_y */
    case 4: fr = 1, fi = 0; break;              /* w */
    }
    if (s->k2[q] == 0 && which < 2) fr = fi = 0;
    s->ch[q][0] = scale * (fr * re - fi * im);
    s->ch[q][1] = scale * (fr * im + fi * re);
  }
  fftw_execute_dft_c2r(s->bwd, (fftw_complex *)s->ch, out);
}

/* F = -dealias(u.grad w) + f, in spectral space */
static void Rhs(PdNS s, const cpx *wh, cpx *F)
{
  const size_t nr = (size_t)s->N * s->N, nc = (size_t)s->N * s->Nh;
  Synthesize(s, wh, 0, s->ux);
  Synthesize(s, wh, 1, s->uy);
  Synthesize(s, wh, 2, s->wx);
  Synthesize(s, wh, 3, s->wy);
  for (size_t q = 0; q < nr; q++) s->r[q] = s->ux[q] * s->wx[q] + s->uy[q] * s->wy[q];
  fftw_execute_dft_r2c(s->fwd, s->r, (fftw_complex *)F);
  for (size_t q = 0; q < nc; q++) {
    F[q][0] = -s->mask[q] * F[q][0] + s->fh[q][0];
    F[q][1] = -s->mask[q] * F[q][1] + s->fh[q][1];
  }
}

static PetscErrorCode CheckCFL(PdNS s)
{
  const size_t nr = (size_t)s->N * s->N;
  double       umax = 0;

  PetscFunctionBegin;
  for (size_t q = 0; q < nr; q++) umax = PetscMax(umax, PetscMax(PetscAbsReal(s->ux[q]), PetscAbsReal(s->uy[q])));
  {
    const double cfl = umax * s->dt * s->N / s->L;
    PetscCheck(PetscIsNormalReal(cfl) || cfl == 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "The flow blew up at step %" PetscInt_FMT " (t = %g): the velocity is not finite. Lower -dt", s->steps, (double)s->t);
    PetscCheck(cfl <= 1, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "CFL number %g > 1 at step %" PetscInt_FMT " (t = %g, max |u| %g, dt %g, h %g): the explicit advection is unstable. Lower -dt", cfl, s->steps, (double)s->t, umax, (double)s->dt, (double)(s->L / s->N));
  }
  PetscFunctionReturn(0);
}

/*@ PdNSStep - nsteps of Heun (predictor-corrector) for advection and forcing with Crank-Nicolson viscosity @*/
PetscErrorCode PdNSStep(PdNS s, PetscInt nsteps)
{
  const size_t nc = (size_t)s->N * s->Nh;

  PetscFunctionBegin;
  for (PetscInt n = 0; n < nsteps; n++) {
    Rhs(s, s->wh, s->Fh);
    PetscCall(CheckCFL(s)); /* the velocity of this step's start */
    for (size_t q = 0; q < nc; q++) {
      const double a = 0.5 * s->nu * s->dt * s->k2[q], den = 1.0 / (1.0 + a);
      for (int c = 0; c < 2; c++) s->wh0[q][c] = ((1 - a) * s->wh[q][c] + s->dt * s->Fh[q][c]) * den;
    }
    Rhs(s, s->wh0, s->Fh1);
    for (size_t q = 0; q < nc; q++) {
      const double a = 0.5 * s->nu * s->dt * s->k2[q], den = 1.0 / (1.0 + a);
      for (int c = 0; c < 2; c++) s->wh[q][c] = ((1 - a) * s->wh[q][c] + 0.5 * s->dt * (s->Fh[q][c] + s->Fh1[q][c])) * den;
    }
    s->t += s->dt;
    s->steps++;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PdNSGetVorticity(PdNS s, double w[])
{
  PetscFunctionBegin;
  Synthesize(s, s->wh, 4, w);
  PetscFunctionReturn(0);
}

PetscErrorCode PdNSDiagnostics(PdNS s, PetscReal *energy, PetscReal *enstrophy, PetscReal *cfl, PetscReal *t)
{
  const size_t nr = (size_t)s->N * s->N;
  double       e = 0, z = 0, umax = 0;

  PetscFunctionBegin;
  Synthesize(s, s->wh, 0, s->ux);
  Synthesize(s, s->wh, 1, s->uy);
  Synthesize(s, s->wh, 4, s->wx);
  for (size_t q = 0; q < nr; q++) {
    e += s->ux[q] * s->ux[q] + s->uy[q] * s->uy[q];
    z += s->wx[q] * s->wx[q];
    umax = PetscMax(umax, PetscMax(PetscAbsReal(s->ux[q]), PetscAbsReal(s->uy[q])));
  }
  if (energy) *energy = 0.5 * e / nr;
  if (enstrophy) *enstrophy = 0.5 * z / nr;
  if (cfl) *cfl = umax * s->dt * s->N / s->L;
  if (t) *t = s->t;
  PetscFunctionReturn(0);
}

/*@
  PdNSRandomVorticity - the FNO paper's initial vorticity on the unit torus (GaussianRF(2, N,
  alpha, tau) of their code): coefficients sqrt(2) sigma (4 pi^2 |k|^2 + tau^2)^(-alpha/2) xi_k,
  sigma = tau^(alpha - 1), xi_k complex standard normal, mode 0 removed; the real part of the
  inverse transform (without the 1/N^2 of an inverse DFT, which the reference cancels by its N^2).
@*/
PetscErrorCode PdNSRandomVorticity(PetscInt N, PetscReal alpha, PetscReal tau, PdRng *rng, double w[])
{
  cpx          *c = (cpx *)fftw_alloc_complex((size_t)N * N);
  fftw_plan     p;
  const double  sigma = PetscPowReal(tau, alpha - 1);

  PetscFunctionBegin;
  PetscCheck(c, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory");
  p = fftw_plan_dft_2d((int)N, (int)N, (fftw_complex *)c, (fftw_complex *)c, FFTW_BACKWARD, FFTW_ESTIMATE);
  for (PetscInt j = 0; j < N; j++)
    for (PetscInt i = 0; i < N; i++) {
      const PetscInt kj = j <= N / 2 ? j : j - N, ki = i <= N / 2 ? i : i - N;
      const double   k2 = (double)(ki * ki + kj * kj), a = (ki == 0 && kj == 0) ? 0 : PETSC_SQRT2 * sigma * PetscPowReal(4 * PETSC_PI * PETSC_PI * k2 + tau * tau, -alpha / 2);
      const double   xr = PdRngNormal(rng), xi = PdRngNormal(rng);
      c[j * N + i][0] = a * xr;
      c[j * N + i][1] = a * xi;
    }
  fftw_execute(p);
  for (PetscInt q = 0; q < N * N; q++) w[q] = c[q][0];
  fftw_destroy_plan(p);
  fftw_free(c);
  PetscFunctionReturn(0);
}

PetscErrorCode PdNSTaylorGreen(PetscInt N, PetscInt k, double w[])
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < N; j++)
    for (PetscInt i = 0; i < N; i++) w[j * N + i] = 2.0 * k * cos(k * 2 * PETSC_PI * i / N) * cos(k * 2 * PETSC_PI * j / N);
  PetscFunctionReturn(0);
}

/*@
  PdNSPeriodicRun - `pdeop solve ns-periodic`

  Options: -n (grid, 64), -nu (1e-3), -dt (1e-4), -T (final time, 1), -ns_domain unit|2pi,
  -ns_forcing fno|none, -ns_init grf|taylor-green, -tg_k, -seed, -ns_snapshots K (stored at
  equal intervals), -ns_monitor_every (steps between progress lines), -o file.h5 (/inputs: the
  initial vorticity, /outputs: the snapshots, [1][K][j][i]), -log history.csv (time, energy,
  enstrophy), -png (initial and final vorticity).
@*/
PetscErrorCode PdNSPeriodicRun(MPI_Comm comm, PdDict report)
{
  const char *const domains[] = {"unit", "2pi", "PdNSDomain", "", NULL};
  const char *const inits[]   = {"grf", "taylor-green", "PdNSInit", "", NULL};
  const char *const forcings[] = {"none", "fno", "PdNSForcing", "PD_NS_FORCING_", NULL};
  PetscInt          N = 64, seed = 0, tgk = 1, nsnap = 1, every = 0, domain = 0, init = 0, nsteps, done = 0;
  PetscReal         nu = 1e-3, dt = 1e-4, T = 1, e, z, cfl, t, e0, z0;
  PdNSForcing       forcing = PD_NS_FORCING_FNO;
  PetscBool         help, setforcing;
  char              out[PETSC_MAX_PATH_LEN] = "", logf[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  PdNS              ns;
  double           *w, *w0;
  float            *snaps;
  FILE             *log = NULL;
  PdProgress        prog;
  PetscLogDouble    t0, t1;
  PetscMPIInt       rank;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop solve ns-periodic: 2D Navier-Stokes on the periodic square", "pdeop");
  PetscCall(PetscOptionsInt("-n", "Grid points per side (even)", "", N, &N, NULL));
  PetscCall(PetscOptionsReal("-nu", "Viscosity", "", nu, &nu, NULL));
  PetscCall(PetscOptionsReal("-dt", "Time step", "", dt, &dt, NULL));
  PetscCall(PetscOptionsReal("-T", "Final time", "", T, &T, NULL));
  PetscCall(PetscOptionsEList("-ns_domain", "Square: unit (side 1) or 2pi", "", domains, 2, domains[domain], &domain, NULL));
  PetscCall(PetscOptionsEList("-ns_init", "Initial vorticity", "", inits, 2, inits[init], &init, NULL));
  PetscCall(PetscOptionsEnum("-ns_forcing", "Forcing", "", forcings, (PetscEnum)forcing, (PetscEnum *)&forcing, &setforcing));
  PetscCall(PetscOptionsInt("-tg_k", "Taylor-Green wavenumber", "", tgk, &tgk, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the random initial vorticity", "", seed, &seed, NULL));
  PetscCall(PetscOptionsInt("-ns_snapshots", "Vorticity snapshots stored in -o (equally spaced, the last at T)", "", nsnap, &nsnap, NULL));
  PetscCall(PetscOptionsInt("-ns_monitor_every", "Steps between progress updates (0: about 100 per run)", "", every, &every, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 output", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsString("-log", "CSV of time, energy, enstrophy", "", logf, logf, sizeof(logf), NULL));
  PetscCall(PetscOptionsString("-png", "PNG of the initial and final vorticity", "", png, png, sizeof(png), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscFunctionReturn(0);
  if (init == 1 && !setforcing) forcing = PD_NS_FORCING_NONE; /* Taylor-Green decays freely */
  if (init == 1) domain = 1;                                  /* and lives on the 2 pi torus */
  PetscCheck(nu >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-nu must be non-negative, got %g", (double)nu);
  PetscCheck(dt > 0 && T > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dt and -T must be positive");
  PetscCheck(N >= 4 && N % 2 == 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n must be even and at least 4, got %" PetscInt_FMT, N);
  PetscCheck(nsnap >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ns_snapshots must be at least 1");
  PetscCheck(tgk >= 1 && 3 * tgk <= N, comm, PETSC_ERR_ARG_OUTOFRANGE, "-tg_k must be in [1, n/3]");
  PetscCheck(seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscCall(PdOptionsCheckUnused(comm, "solve ns-periodic"));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  nsteps = (PetscInt)PetscCeilReal(T / dt - 1e-9);
  if (every <= 0) every = PetscMax(1, nsteps / 100);
  PetscCall(PetscMalloc2(N * N, &w, N * N, &w0));
  PetscCall(PetscMalloc1((size_t)nsnap * N * N, &snaps));
  if (init == 0) {
    PdRng rng;
    PetscCall(PdRngSeed(&rng, (uint64_t)seed, 0));
    PetscCall(PdNSRandomVorticity(N, 2.5, 7.0, &rng, w0));
  } else PetscCall(PdNSTaylorGreen(N, tgk, w0));
  PetscCall(PdNSCreate(N, domain == 0 ? 1.0 : 2 * PETSC_PI, nu, dt, forcing, &ns));
  PetscCall(PdNSSetVorticity(ns, w0));
  PetscCall(PdNSDiagnostics(ns, &e0, &z0, &cfl, NULL));
  if (logf[0] && rank == 0) {
    log = fopen(logf, "w");
    PetscCheck(log, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write '%s'", logf);
    fprintf(log, "time,energy,enstrophy,cfl\n%.6g,%.10g,%.10g,%.4g\n", 0.0, e0, z0, cfl);
  }
  PetscCall(PdProgressBegin(comm, "ns-periodic steps", nsteps, &prog));
  PetscCall(PetscTime(&t0));
  for (PetscInt k = 1; k <= nsnap; k++) {
    const PetscInt target = (PetscInt)((PetscInt64)nsteps * k / nsnap);
    while (done < target) {
      PetscInt       m = PetscMin(every - done % every, target - done);
      PetscErrorCode ierr;
      char           extra[96];
      ierr = PdNSStep(ns, m);
      if (ierr && log) fclose(log);
      PetscCall(ierr);
      done += m;
      PetscCall(PdNSDiagnostics(ns, &e, &z, &cfl, &t));
      if (log) fprintf(log, "%.6g,%.10g,%.10g,%.4g\n", (double)t, e, z, cfl);
      PetscCall(PetscSNPrintf(extra, sizeof(extra), "t %.3f energy %.4g enstrophy %.4g CFL %.2f", (double)t, e, z, cfl));
      PetscCall(PdProgressUpdate(&prog, done, extra));
    }
    PetscCall(PdNSGetVorticity(ns, w));
    for (PetscInt q = 0; q < N * N; q++) snaps[(size_t)(k - 1) * N * N + q] = (float)w[q];
  }
  PetscCall(PdProgressEnd(&prog));
  PetscCall(PetscTime(&t1));
  if (log) fclose(log);
  PetscCall(PdNSDiagnostics(ns, &e, &z, &cfl, &t));
  if (out[0]) {
    PdDataset ds;
    PetscCall(PetscMemzero(&ds, sizeof(ds)));
    ds.N = 1, ds.in_ndim = ds.out_ndim = 4;
    ds.in_shape[0] = ds.out_shape[0] = 1;
    ds.in_shape[1] = 1, ds.out_shape[1] = nsnap;
    ds.in_shape[2] = ds.in_shape[3] = ds.out_shape[2] = ds.out_shape[3] = N;
    ds.in_size = N * N, ds.out_size = nsnap * N * N;
    PetscCall(PetscMalloc1(N * N, &ds.inputs));
    for (PetscInt q = 0; q < N * N; q++) ds.inputs[q] = (float)w0[q];
    ds.outputs = snaps;
    PetscCall(PdDictCreate(&ds.attrs));
    PetscCall(PdDictSetString(ds.attrs, "pde", "navier-stokes vorticity, periodic"));
    PetscCall(PdDictSetReal(ds.attrs, "nu", nu));
    PetscCall(PdDictSetReal(ds.attrs, "dt", dt));
    PetscCall(PdDictSetReal(ds.attrs, "T", T));
    PetscCall(PdDictSetInt(ds.attrs, "n", N));
    PetscCall(PdDictSetString(ds.attrs, "domain", domains[domain]));
    PetscCall(PdDictSetString(ds.attrs, "forcing", forcings[forcing]));
    PetscCall(PdDictSetString(ds.attrs, "init", inits[init]));
    PetscCall(PdDictSetInt(ds.attrs, "seed", seed));
    PetscCall(PdDictSetString(ds.attrs, "grid", "x = i L/n, y = j L/n; /inputs [1][1][j][i] at t = 0, /outputs [1][K][j][i] at t = T k/K"));
    if (rank == 0) PetscCall(PdDatasetWrite(PETSC_COMM_SELF, out, &ds));
    PetscCall(PdDictDestroy(&ds.attrs));
    PetscCall(PetscFree(ds.inputs));
    PetscCall(PdDictSetString(report, "output", out));
  }
  if (png[0]) {
    const double *panels[2] = {w0, w};
    PetscCall(PdPNGWriteHeatmaps(comm, png, 2, N, N, panels));
    PetscCall(PdDictSetString(report, "png", png));
  }
  PetscCall(PdPrintf(comm, "ns-periodic %" PetscInt_FMT "^2, nu %g, %" PetscInt_FMT " steps of %g to t = %g in %.2f s: energy %.6g -> %.6g, enstrophy %.6g -> %.6g\n", N, (double)nu, nsteps, (double)dt, (double)t, t1 - t0, e0, e, z0, z));
  PetscCall(PdDictSetInt(report, "steps", nsteps));
  PetscCall(PdDictSetReal(report, "seconds", t1 - t0));
  PetscCall(PdDictSetReal(report, "seconds_per_step", (t1 - t0) / nsteps));
  PetscCall(PdDictSetReal(report, "time", t));
  PetscCall(PdDictSetReal(report, "energy", e));
  PetscCall(PdDictSetReal(report, "enstrophy", z));
  PetscCall(PdDictSetReal(report, "energy_initial", e0));
  PetscCall(PdDictSetReal(report, "enstrophy_initial", z0));
  PetscCall(PdDictSetReal(report, "cfl", cfl));
  {
    double wmax = 0;
    for (PetscInt q = 0; q < N * N; q++) wmax = PetscMax(wmax, PetscAbsReal(w[q]));
    PetscCall(PdDictSetReal(report, "max_vorticity", wmax));
  }
  PetscCall(PdNSDestroy(&ns));
  PetscCall(PetscFree2(w, w0));
  PetscCall(PetscFree(snaps));
  PetscFunctionReturn(0);
}
