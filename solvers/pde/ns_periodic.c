/* Periodic 2D Navier-Stokes in vorticity form (the FNO paper's data generator's scheme) and
   `pdeop solve ns-periodic`: w_t + u.grad w = nu Laplace w + f, u = (psi_y, -psi_x), -Laplace psi = w.
   Pseudo-spectral with FFTW (FFTW_ESTIMATE plans, made once: MEASURE plans depend on timings and
   change the rounding from run to run, which would break same-seed-same-file), 2/3-rule dealiasing of the nonlinear term,
   Crank-Nicolson for viscosity and Heun's predictor-corrector (or forward Euler, as the FNO
   reference script) for advection and forcing. */
#include <fftw3.h>
#include <pdeop/ns.h>
#include <pdeop/pdeop.h>
#include <pdeop/solve.h>
#include <pdeop/output.h>
#include <hdf5.h>
#include <stdio.h>

const char *const PdNSSchemes[] = {"heun", "euler", "PdNSScheme", "PD_NS_SCHEME_", NULL};

/* complex numbers as (re, im) pairs, whatever fftw_complex is (C99 complex when <complex.h> came first) */
typedef double cpx[2];

struct _n_PdNS {
  PetscInt      N, Nh;         /* grid, N/2 + 1 */
  PetscReal     L, nu, dt, t;
  PdNSForcing   forcing;
  PdNSScheme    scheme;
  PetscReal     cflmax;        /* largest CFL number since PdNSSetVorticity */
  double       *k2;            /* |k|^2 of the r2c layout [j][i], i < Nh */
  double       *mu, *mv, *mx, *my; /* i m multipliers, with the c2r's 1/N^2: u = psi_y, v = -psi_x, w_x, w_y */
  double        umax, usum;    /* max(|u|,|v|) and its sum over the grid of the last advection term */
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
  PetscCall(PetscMalloc6(nc, &s->mu, nc, &s->mv, nc, &s->mx, nc, &s->my, nc, &s->k2, nc, &s->mask));
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
      const double   kx = 2 * PETSC_PI * i / L, ky = 2 * PETSC_PI * kj / L, scale = 1.0 / ((double)N * N);
      s->k2[q]   = kx * kx + ky * ky;
      s->mu[q]   = q ? scale * ky / s->k2[q] : 0; /* psi_hat = w_hat / |k|^2; the mean flow is zero */
      s->mv[q]   = q ? -scale * kx / s->k2[q] : 0;
      s->mx[q]   = scale * kx;
      s->my[q]   = scale * ky;
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
  PetscCall(PetscFree6(s->mu, s->mv, s->mx, s->my, s->k2, s->mask));
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
  s->cflmax   = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PdNSSetScheme(PdNS s, PdNSScheme scheme)
{
  PetscFunctionBegin;
  s->scheme = scheme;
  PetscFunctionReturn(0);
}

PetscErrorCode PdNSGetMaxCFL(PdNS s, PetscReal *cfl)
{
  PetscFunctionBegin;
  *cfl = s->cflmax;
  PetscFunctionReturn(0);
}

/* out = inverse FFT of i m in (m real per mode, 1/N^2 included): (re + i im) i m = -m im + i m re.
   m NULL: out = the inverse FFT of in itself. */
static void Synthesize(PdNS s, const cpx *in, const double *m, double *out)
{
  const size_t nc = (size_t)s->N * s->Nh;
  const double scale = 1.0 / ((double)s->N * s->N);
  if (m)
    for (size_t q = 0; q < nc; q++) {
      const double re = in[q][0], im = in[q][1];
      s->ch[q][0] = -m[q] * im;
      s->ch[q][1] = m[q] * re;
    }
  else
    for (size_t q = 0; q < nc; q++) s->ch[q][0] = scale * in[q][0], s->ch[q][1] = scale * in[q][1];
  fftw_execute_dft_c2r(s->bwd, (fftw_complex *)s->ch, out);
}

/* A = dealias(FFT(u.grad w)), in spectral space (unnormalised, like wh); leaves u in ux, uy and
   max(|u|, |v|) and its sum (a NaN detector: a running maximum skips NaN) in umax, usum */
static void Advection(PdNS s, const cpx *wh, cpx *A)
{
  const size_t nr = (size_t)s->N * s->N, nc = (size_t)s->N * s->Nh;
  double       umax = 0, usum = 0;
  Synthesize(s, wh, s->mu, s->ux);
  Synthesize(s, wh, s->mv, s->uy);
  Synthesize(s, wh, s->mx, s->wx);
  Synthesize(s, wh, s->my, s->wy);
  for (size_t q = 0; q < nr; q++) {
    const double u = s->ux[q], v = s->uy[q], a = u < 0 ? -u : u, b = v < 0 ? -v : v, m = a > b ? a : b;
    s->r[q] = u * s->wx[q] + v * s->wy[q];
    umax    = m > umax ? m : umax;
    usum += m;
  }
  s->umax = umax, s->usum = usum;
  fftw_execute_dft_r2c(s->fwd, s->r, (fftw_complex *)A);
  for (size_t q = 0; q < nc; q++) {
    A[q][0] *= s->mask[q];
    A[q][1] *= s->mask[q];
  }
}

/* F = -dealias(u.grad w) + f, in spectral space */
static void Rhs(PdNS s, const cpx *wh, cpx *F)
{
  const size_t nc = (size_t)s->N * s->Nh;
  Advection(s, wh, F);
  for (size_t q = 0; q < nc; q++) {
    F[q][0] = s->fh[q][0] - F[q][0];
    F[q][1] = s->fh[q][1] - F[q][1];
  }
}

/*@ PdNSAdvection - the dealiased u.grad w of a vorticity field (physical values in and out) @*/
PetscErrorCode PdNSAdvection(PdNS s, const double w[], double adv[])
{
  const size_t nc = (size_t)s->N * s->Nh;
  const double scale = 1.0 / ((double)s->N * s->N);

  PetscFunctionBegin;
  PetscCall(PetscArraycpy(s->r, w, s->N * s->N));
  fftw_execute_dft_r2c(s->fwd, s->r, (fftw_complex *)s->wh0);
  s->wh0[0][0] = s->wh0[0][1] = 0;
  Advection(s, s->wh0, s->Fh1);
  for (size_t q = 0; q < nc; q++) s->ch[q][0] = scale * s->Fh1[q][0], s->ch[q][1] = scale * s->Fh1[q][1];
  fftw_execute_dft_c2r(s->bwd, (fftw_complex *)s->ch, adv);
  PetscFunctionReturn(0);
}

/* The CFL number of the velocity of the last advection term (a step's start): above 1 or not finite
   stops the run. The sum catches NaN, which a running maximum skips (comparisons with NaN are false). */
static PetscErrorCode CheckCFL(PdNS s)
{
  const double umax = s->umax, cfl = umax * s->dt * s->N / s->L;

  PetscFunctionBegin;
  PetscCheck(!PetscIsInfOrNanReal(s->usum), PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "CFL number not finite at step %" PetscInt_FMT " (t = %g): the velocity has NaN or Inf values, the flow blew up. Lower -dt", s->steps + 1, (double)s->t);
  PetscCheck(cfl <= 1, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "CFL number %g > 1 at step %" PetscInt_FMT " (t = %g, max |u| %g, dt %g, h %g): the explicit advection is unstable. Lower -dt", cfl, s->steps + 1, (double)s->t, umax, (double)s->dt, (double)(s->L / s->N));
  s->cflmax = PetscMax(s->cflmax, cfl);
  PetscFunctionReturn(0);
}

/*@
  PdNSStep - nsteps of Heun (predictor-corrector) or forward Euler for advection and forcing, with
  Crank-Nicolson viscosity: per mode, with a = nu dt |k|^2 / 2,
  Euler: w+ = ((1 - a) w + dt F(w)) / (1 + a);
  Heun:  w* = the Euler step, w+ = ((1 - a) w + dt (F(w) + F(w*)) / 2) / (1 + a).
@*/
PetscErrorCode PdNSStep(PdNS s, PetscInt nsteps)
{
  const size_t nc = (size_t)s->N * s->Nh;

  PetscFunctionBegin;
  for (PetscInt n = 0; n < nsteps; n++) {
    Rhs(s, s->wh, s->Fh);
    PetscCall(CheckCFL(s)); /* the velocity of this step's start */
    if (s->scheme == PD_NS_SCHEME_EULER) {
      for (size_t q = 0; q < nc; q++) {
        const double a = 0.5 * s->nu * s->dt * s->k2[q], den = 1.0 / (1.0 + a);
        for (int c = 0; c < 2; c++) s->wh[q][c] = ((1 - a) * s->wh[q][c] + s->dt * s->Fh[q][c]) * den;
      }
      s->t += s->dt;
      s->steps++;
      continue;
    }
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
  Synthesize(s, s->wh, NULL, w);
  PetscFunctionReturn(0);
}

PetscErrorCode PdNSDiagnostics(PdNS s, PetscReal *energy, PetscReal *enstrophy, PetscReal *cfl, PetscReal *t)
{
  const size_t nr = (size_t)s->N * s->N;
  double       e = 0, z = 0, umax = 0;

  PetscFunctionBegin;
  Synthesize(s, s->wh, s->mu, s->ux);
  Synthesize(s, s->wh, s->mv, s->uy);
  Synthesize(s, s->wh, NULL, s->wx);
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

/* Write the run's HDF5 file on rank 0 of comm: the dataset (/inputs, /outputs, attributes) goes to
   file.part (PdDatasetWrite, itself atomic), /history/{time,energy,enstrophy,cfl} (float64) are
   added to it, and only then is it renamed to file: a reader never sees a file without history. */
static PetscErrorCode WriteRunFile(MPI_Comm comm, const char file[], const PdDataset *ds, PetscInt nh, const double *const hist[4])
{
  static const char *const names[4] = {"time", "energy", "enstrophy", "cfl"};
  char                     part[PETSC_MAX_PATH_LEN + 8];
  PetscMPIInt              rank;
  int                      ok = 1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(part, sizeof(part), "%s.part", file));
  PetscCall(PdDatasetWrite(comm, part, ds));
  if (rank == 0) {
    hid_t f = H5Fopen(part, H5F_ACC_RDWR, H5P_DEFAULT), g = -1, gcpl = H5Pcreate(H5P_GROUP_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(gcpl, 0); /* no timestamps: the same run gives the same file */
    H5Pset_obj_track_times(dcpl, 0);
    if (f >= 0) g = H5Gcreate2(f, "history", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    ok = g >= 0;
    for (int k = 0; k < 4 && ok; k++) {
      hsize_t dim = (hsize_t)nh;
      hid_t   sp = H5Screate_simple(1, &dim, NULL), d = H5Dcreate2(g, names[k], H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
      ok = d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, hist[k]) >= 0;
      if (d >= 0) H5Dclose(d);
      H5Sclose(sp);
    }
    if (g >= 0) H5Gclose(g);
    H5Pclose(gcpl);
    H5Pclose(dcpl);
    if (f >= 0 && H5Fclose(f) < 0) ok = 0;
    if (ok && rename(part, file)) ok = 0;
    if (!ok) remove(part);
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "Cannot write '%s': adding the energy history or renaming '%s' failed", file, part);
  PetscFunctionReturn(0);
}

/*@
  PdNSPeriodicRun - `pdeop solve ns-periodic`

  Options: -ns_n (or -n; grid, 64), -nu (1e-3), -dt (1e-4), -T (final time, 1), -ns_domain unit|2pi,
  -ns_forcing fno|none, -ns_init grf|taylor-green (-tg_k; Taylor-Green defaults to no forcing on the
  2 pi square), -ns_scheme heun|euler, -seed, -ns_snapshots K (stored at equal intervals),
  -ns_monitor_every (steps between history records and progress lines), -o file.h5 (/inputs: the
  initial vorticity [1][1][j][i], /outputs: the snapshots [1][K][j][i], /history/{time,energy,
  enstrophy,cfl}), -log history.csv, -png (initial and final vorticity). Nothing is written when the
  run blows up.

  Report: steps, seconds, seconds_per_step, time, energy, enstrophy (and _initial), max_vorticity,
  cfl (the largest of all steps), cfl_final.
@*/
PetscErrorCode PdNSPeriodicRun(MPI_Comm comm, PdDict report)
{
  const char *const domains[]  = {"unit", "2pi", "PdNSDomain", "", NULL};
  const char *const inits[]    = {"grf", "taylor-green", "PdNSInit", "", NULL};
  const char *const forcings[] = {"none", "fno", "PdNSForcing", "PD_NS_FORCING_", NULL};
  PetscInt          N = 64, Nalias = 64, seed = 0, tgk = 1, nsnap = 1, every = 0, domain = 0, init = 0, nsteps, done = 0, nh = 0, maxh;
  PetscReal         nu = 1e-3, dt = 1e-4, T = 1, e, z, cfl, cflmax, t, e0, z0;
  PdNSForcing       forcing = PD_NS_FORCING_FNO;
  PdNSScheme        scheme  = PD_NS_SCHEME_HEUN;
  PetscBool         help, setforcing, setn, setalias, setdomain;
  char              out[PETSC_MAX_PATH_LEN] = "", logf[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "";
  PdNS              ns;
  double           *w, *w0, *hist[4];
  float            *snaps;
  PdProgress        prog;
  PetscLogDouble    t0, t1;
  PetscMPIInt       rank;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop solve ns-periodic: 2D Navier-Stokes on the periodic square", "pdeop");
  PetscCall(PetscOptionsInt("-ns_n", "Grid points per side (even)", "", N, &N, &setn));
  PetscCall(PetscOptionsInt("-n", "Same as -ns_n", "", Nalias, &Nalias, &setalias));
  PetscCall(PetscOptionsReal("-nu", "Viscosity", "", nu, &nu, NULL));
  PetscCall(PetscOptionsReal("-dt", "Time step", "", dt, &dt, NULL));
  PetscCall(PetscOptionsReal("-T", "Final time", "", T, &T, NULL));
  PetscCall(PetscOptionsEList("-ns_domain", "Square: unit (side 1) or 2pi", "", domains, 2, domains[domain], &domain, &setdomain));
  PetscCall(PetscOptionsEList("-ns_init", "Initial vorticity", "", inits, 2, inits[init], &init, NULL));
  PetscCall(PetscOptionsEnum("-ns_forcing", "Forcing", "", forcings, (PetscEnum)forcing, (PetscEnum *)&forcing, &setforcing));
  PetscCall(PetscOptionsEnum("-ns_scheme", "Advection and forcing in time (viscosity: Crank-Nicolson)", "", PdNSSchemes, (PetscEnum)scheme, (PetscEnum *)&scheme, NULL));
  PetscCall(PetscOptionsInt("-tg_k", "Taylor-Green wavenumber", "", tgk, &tgk, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the random initial vorticity", "", seed, &seed, NULL));
  PetscCall(PetscOptionsInt("-ns_snapshots", "Vorticity snapshots stored in -o (equally spaced, the last at T)", "", nsnap, &nsnap, NULL));
  PetscCall(PetscOptionsInt("-ns_monitor_every", "Steps between history records and progress updates (0: about 100 per run)", "", every, &every, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 output", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsString("-log", "CSV of time, energy, enstrophy, cfl", "", logf, logf, sizeof(logf), NULL));
  PetscCall(PetscOptionsString("-png", "PNG of the initial and final vorticity", "", png, png, sizeof(png), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscFunctionReturn(0);
  PetscCheck(!(setn && setalias && N != Nalias), comm, PETSC_ERR_ARG_INCOMP, "-ns_n %" PetscInt_FMT " and -n %" PetscInt_FMT " disagree: give one of them", N, Nalias);
  if (setalias) N = Nalias;
  if (init == 1 && !setforcing) forcing = PD_NS_FORCING_NONE; /* Taylor-Green decays freely */
  if (init == 1 && !setdomain) domain = 1;                    /* on the 2 pi torus unless told */
  PetscCheck(nu >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-nu must be non-negative, got %g", (double)nu);
  PetscCheck(dt > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dt must be positive, got %g", (double)dt);
  PetscCheck(T > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-T must be positive, got %g", (double)T);
  PetscCheck(T / dt < 1e12, comm, PETSC_ERR_ARG_OUTOFRANGE, "-T / -dt = %g steps is too many", (double)(T / dt));
  PetscCheck(N >= 4 && N % 2 == 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ns_n (-n) must be even and at least 4, got %" PetscInt_FMT, N);
  PetscCheck(nsnap >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ns_snapshots must be at least 1, got %" PetscInt_FMT, nsnap);
  PetscCheck(tgk >= 1 && 3 * tgk <= N, comm, PETSC_ERR_ARG_OUTOFRANGE, "-tg_k must be in [1, n/3] = [1, %" PetscInt_FMT "], got %" PetscInt_FMT, N / 3, tgk);
  PetscCheck(seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscCall(PdOptionsCheckUnused(comm, "solve ns-periodic"));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  nsteps = (PetscInt)PetscCeilReal(T / dt - 1e-9);
  PetscCheck(nsnap <= nsteps, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ns_snapshots %" PetscInt_FMT " exceeds the %" PetscInt_FMT " steps of the run", nsnap, nsteps);
  if (every <= 0) every = PetscMax(1, nsteps / 100);
  maxh = nsteps / every + nsnap + 2; /* records: t = 0, every multiple of -ns_monitor_every and every snapshot */
  PetscCall(PetscMalloc2(N * N, &w, N * N, &w0));
  PetscCall(PetscMalloc1((size_t)nsnap * N * N, &snaps));
  PetscCall(PetscMalloc4(maxh, &hist[0], maxh, &hist[1], maxh, &hist[2], maxh, &hist[3]));
  if (init == 0) {
    PdRng rng;
    PetscCall(PdRngSeed(&rng, (uint64_t)seed, PD_RNG_STREAM_MAIN));
    PetscCall(PdNSRandomVorticity(N, 2.5, 7.0, &rng, w0));
  } else PetscCall(PdNSTaylorGreen(N, tgk, w0));
  PetscCall(PdNSCreate(N, domain == 0 ? 1.0 : 2 * PETSC_PI, nu, dt, forcing, &ns));
  PetscCall(PdNSSetScheme(ns, scheme));
  PetscCall(PdNSSetVorticity(ns, w0));
  PetscCall(PdNSDiagnostics(ns, &e0, &z0, &cfl, NULL));
  hist[0][0] = 0, hist[1][0] = e0, hist[2][0] = z0, hist[3][0] = cfl, nh = 1;
  PetscCall(PdProgressBegin(comm, "ns-periodic steps", nsteps, &prog));
  PetscCall(PetscTime(&t0));
  for (PetscInt k = 1; k <= nsnap; k++) {
    const PetscInt target = (PetscInt)((PetscInt64)nsteps * k / nsnap);
    while (done < target) {
      const PetscInt m = PetscMin(every - done % every, target - done);
      char           extra[96];
      PetscCall(PdNSStep(ns, m)); /* a blow-up stops here, before anything is written */
      done += m;
      PetscCall(PdNSDiagnostics(ns, &e, &z, &cfl, &t));
      PetscCheck(nh < maxh, PETSC_COMM_SELF, PETSC_ERR_PLIB, "History overflow");
      hist[0][nh] = t, hist[1][nh] = e, hist[2][nh] = z, hist[3][nh] = cfl, nh++;
      PetscCall(PetscSNPrintf(extra, sizeof(extra), "t %.3f energy %.4g enstrophy %.4g CFL %.2f", (double)t, e, z, cfl));
      PetscCall(PdProgressUpdate(&prog, done, extra));
    }
    PetscCall(PdNSGetVorticity(ns, w));
    for (PetscInt q = 0; q < N * N; q++) snaps[(size_t)(k - 1) * N * N + q] = (float)w[q];
  }
  PetscCall(PdProgressEnd(&prog));
  PetscCall(PetscTime(&t1));
  PetscCall(PdNSDiagnostics(ns, &e, &z, &cfl, &t));
  PetscCall(PdNSGetMaxCFL(ns, &cflmax));
  for (PetscInt q = 0; q < N * N; q++) PetscCheck(!PetscIsInfOrNanReal(w[q]), comm, PETSC_ERR_NOT_CONVERGED, "The final vorticity is not finite at grid point %" PetscInt_FMT ": nothing written. Lower -dt", q);
  if (logf[0] && rank == 0) {
    char  tmp[PETSC_MAX_PATH_LEN + 8];
    FILE *log;
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", logf));
    log = fopen(tmp, "w");
    PetscCheck(log, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write '%s' (-log)", tmp);
    fprintf(log, "time,energy,enstrophy,cfl\n");
    for (PetscInt h = 0; h < nh; h++) fprintf(log, "%.6g,%.10g,%.10g,%.4g\n", hist[0][h], hist[1][h], hist[2][h], hist[3][h]);
    PetscCheck(fclose(log) == 0 && rename(tmp, logf) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write '%s' (-log)", logf);
  }
  if (logf[0]) PetscCall(PdDictSetString(report, "log", logf));
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
    if (init == 1) PetscCall(PdDictSetInt(ds.attrs, "tg_k", tgk));
    PetscCall(PdDictSetString(ds.attrs, "scheme", PdNSSchemes[scheme]));
    PetscCall(PdDictSetInt(ds.attrs, "seed", seed));
    PetscCall(PdDictSetString(ds.attrs, "grid", "x = i L/n, y = j L/n; /inputs [1][1][j][i] at t = 0, /outputs [1][K][j][i] at t = T k/K; /history/* every -ns_monitor_every steps"));
    PetscCall(WriteRunFile(comm, out, &ds, nh, (const double *const *)hist));
    PetscCall(PdDictDestroy(&ds.attrs));
    PetscCall(PetscFree(ds.inputs));
    PetscCall(PdDictSetString(report, "output", out));
  }
  if (png[0]) {
    const double *panels[2] = {w0, w};
    PetscCall(PdPNGWriteHeatmaps(comm, png, 2, N, N, panels));
    PetscCall(PdDictSetString(report, "png", png));
  }
  PetscCall(PdPrintf(comm, "ns-periodic %" PetscInt_FMT "^2, nu %g, %" PetscInt_FMT " steps of %g to t = %g in %.2f s: energy %.6g -> %.6g, enstrophy %.6g -> %.6g, max CFL %.3g\n", N, (double)nu, nsteps, (double)dt, (double)t, t1 - t0, e0, e, z0, z, cflmax));
  PetscCall(PdDictSetInt(report, "steps", nsteps));
  PetscCall(PdDictSetReal(report, "seconds", t1 - t0));
  PetscCall(PdDictSetReal(report, "seconds_per_step", (t1 - t0) / nsteps));
  PetscCall(PdDictSetReal(report, "time", t));
  PetscCall(PdDictSetReal(report, "energy", e));
  PetscCall(PdDictSetReal(report, "enstrophy", z));
  PetscCall(PdDictSetReal(report, "energy_initial", e0));
  PetscCall(PdDictSetReal(report, "enstrophy_initial", z0));
  PetscCall(PdDictSetReal(report, "cfl", cflmax));
  PetscCall(PdDictSetReal(report, "cfl_final", cfl));
  {
    double wmax = 0;
    for (PetscInt q = 0; q < N * N; q++) wmax = PetscMax(wmax, PetscAbsReal(w[q]));
    PetscCall(PdDictSetReal(report, "max_vorticity", wmax));
  }
  PetscCall(PdNSDestroy(&ns));
  PetscCall(PetscFree2(w, w0));
  PetscCall(PetscFree(snaps));
  PetscCall(PetscFree4(hist[0], hist[1], hist[2], hist[3]));
  PetscFunctionReturn(0);
}
