/* Periodic 2D Navier-Stokes in vorticity form (the FNO paper's data generator's scheme; the problem
   type of `pdeop solve ns-periodic` is impls/ns_periodic/ns_periodic.c):
   w_t + u.grad w = nu Laplace w + f, u = (psi_y, -psi_x), -Laplace psi = w.
   Pseudo-spectral with FFTW (FFTW_ESTIMATE plans, made once: MEASURE plans depend on timings and
   change the rounding from run to run, which would break same-seed-same-file), 2/3-rule dealiasing of the nonlinear term,
   Crank-Nicolson for viscosity and Heun's predictor-corrector (or forward Euler, as the FNO
   reference script) for advection and forcing. */
#include <fftw3.h>
#include <pdeop/ns.h>
#include <pdeop/pdeop.h>

const char *const PdNSSchemes[] = {"heun", "euler", "PdNSScheme", "PD_NS_SCHEME_", NULL};

/* complex numbers as (re, im) pairs, whatever fftw_complex is (C99 complex when <complex.h> came first) */
typedef double cpx[2];

struct _n_PdNS {
  PetscInt    N, Nh; /* grid, N/2 + 1 */
  PetscReal   L, nu, dt, t;
  PdNSForcing forcing;
  PdNSScheme  scheme;
  PetscReal   cflmax;                        /* largest CFL number since PdNSSetVorticity */
  double     *k2;                            /* |k|^2 of the r2c layout [j][i], i < Nh */
  double     *mu, *mv, *mx, *my;             /* i m multipliers, with the c2r's 1/N^2: u = psi_y, v = -psi_x, w_x, w_y */
  double      umax, usum;                    /* max(|u|,|v|) and its sum over the grid of the last advection term */
  double     *mask;                          /* 2/3 rule */
  cpx        *wh, *wh0, *Fh, *Fh1, *fh, *ch; /* spectra */
  double     *r, *ux, *uy, *wx, *wy;         /* physical work arrays */
  fftw_plan   fwd, bwd;                      /* r2c of r into ch, c2r of ch into r */
  PetscInt    steps;
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
      const double a  = 2 * PETSC_PI * (i + j) / (double)N; /* 2 pi (x + y) / L */
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
  s->t                      = 0;
  s->steps                  = 0;
  s->cflmax                 = 0;
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
  const size_t nc    = (size_t)s->N * s->Nh;
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
  const size_t nc    = (size_t)s->N * s->Nh;
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

PetscErrorCode PdNSTaylorGreen(PetscInt N, PetscInt k, double w[])
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < N; j++)
    for (PetscInt i = 0; i < N; i++) w[j * N + i] = 2.0 * k * cos(k * 2 * PETSC_PI * i / N) * cos(k * 2 * PETSC_PI * j / N);
  PetscFunctionReturn(0);
}
