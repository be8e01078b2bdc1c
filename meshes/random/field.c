/* Random fields: Gaussian random fields by a cosine series synthesised with FFTW's DCT (the FNO
   recipe), the Darcy thresholding and log-normal maps, and the periodic random vorticity of the FNO
   Navier-Stokes data (a Fourier series). */
#include <pdeop/field.h>
#include <fftw3.h>

/*@
  PdGaussianRandomField2D - one draw of the FNO Gaussian random field on an s x s grid

  The coefficients L(k,l) = s tau^(alpha-1) (pi^2 (k^2 + l^2) + tau^2)^(-alpha/2) xi(k,l), L(0,0) = 0,
  are synthesised by the orthonormal inverse DCT-II (MATLAB's idct2, the generator of the FNO data):
  u(m,n) = sum_k sum_l w_k w_l L(k,l) cos(pi (2m+1) k / (2s)) cos(pi (2n+1) l / (2s)),
  w_0 = sqrt(1/s), w_k = sqrt(2/s). FFTW's REDFT01 computes X_0 + 2 sum_k X_k cos(...), so the input is
  scaled by w_0 for k = 0 and w_k / 2 otherwise, per dimension. The cosines satisfy zero Neumann conditions.
@*/
PetscErrorCode PdGaussianRandomField2D(PetscInt s, PetscReal alpha, PetscReal tau, PdRng *rng, double u[])
{
  double      *L;
  fftw_plan    plan;
  const double w0 = PetscSqrtReal(1.0 / s), wk = PetscSqrtReal(2.0 / s) / 2.0;

  PetscFunctionBegin;
  PetscCheck(s >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "A random field needs at least 2 points per side");
  PetscCheck(alpha > 0 && tau > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The random field needs alpha > 0 and tau > 0, got %g and %g", (double)alpha, (double)tau);
  L = fftw_alloc_real((size_t)s * s);
  PetscCheck(L, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for a %" PetscInt_FMT "^2 random field", s);
  /* draw every xi first (row-major over (k2, k1)) so the numbers do not depend on FFTW */
  for (PetscInt l = 0; l < s; l++)
    for (PetscInt k = 0; k < s; k++) {
      double xi    = PdRngNormal(rng);
      double c     = s * PetscPowReal(tau, alpha - 1) * PetscPowReal(PETSC_PI * PETSC_PI * (double)(k * k + l * l) + tau * tau, -alpha / 2);
      L[l * s + k] = (k || l) ? c * xi * (k ? wk : w0) * (l ? wk : w0) : 0.0;
    }
  plan = fftw_plan_r2r_2d((int)s, (int)s, L, u, FFTW_REDFT01, FFTW_REDFT01, FFTW_ESTIMATE);
  PetscCheck(plan, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan a %" PetscInt_FMT "^2 DCT", s);
  fftw_execute(plan);
  fftw_destroy_plan(plan);
  fftw_free(L);
  PetscFunctionReturn(0);
}

/*@
  PdGaussianRandomField3D - the same field on an s x s x s grid of [0,1]^3: L(k,l,m) = s^(3/2)
  tau^(alpha-1) (pi^2 (k^2 + l^2 + m^2) + tau^2)^(-alpha/2) xi(k,l,m), L(0,0,0) = 0, through the
  orthonormal 3D inverse DCT-II. The factor s^(3/2) (s in 2D) keeps the point variance, the sum of
  the squared spectral weights, independent of the grid; it converges for alpha > 3/2.
@*/
PetscErrorCode PdGaussianRandomField3D(PetscInt s, PetscReal alpha, PetscReal tau, PdRng *rng, double u[])
{
  double      *L;
  fftw_plan    plan;
  const double w0 = PetscSqrtReal(1.0 / s), wk = PetscSqrtReal(2.0 / s) / 2.0, scale = s * PetscSqrtReal((double)s);

  PetscFunctionBegin;
  PetscCheck(s >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "A random field needs at least 2 points per side");
  PetscCheck(alpha > 1.5 && tau > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The 3D random field needs alpha > 3/2 (a finite variance) and tau > 0, got %g and %g", (double)alpha, (double)tau);
  L = fftw_alloc_real((size_t)s * s * s);
  PetscCheck(L, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for a %" PetscInt_FMT "^3 random field", s);
  for (PetscInt m = 0; m < s; m++) /* every xi first, (m, l, k) row-major, so the numbers do not depend on FFTW */
    for (PetscInt l = 0; l < s; l++)
      for (PetscInt k = 0; k < s; k++) {
        double xi              = PdRngNormal(rng);
        double c               = scale * PetscPowReal(tau, alpha - 1) * PetscPowReal(PETSC_PI * PETSC_PI * (double)(k * k + l * l + m * m) + tau * tau, -alpha / 2);
        L[(m * s + l) * s + k] = (k || l || m) ? c * xi * (k ? wk : w0) * (l ? wk : w0) * (m ? wk : w0) : 0.0;
      }
  plan = fftw_plan_r2r_3d((int)s, (int)s, (int)s, L, u, FFTW_REDFT01, FFTW_REDFT01, FFTW_REDFT01, FFTW_ESTIMATE);
  PetscCheck(plan, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan a %" PetscInt_FMT "^3 DCT", s);
  fftw_execute(plan);
  fftw_destroy_plan(plan);
  fftw_free(L);
  PetscFunctionReturn(0);
}

PetscErrorCode PdFieldThreshold(PetscInt n, double u[], double hi, double lo)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) u[i] = u[i] >= 0 ? hi : lo;
  PetscFunctionReturn(0);
}

PetscErrorCode PdFieldLogNormal(PetscInt n, double u[], double sigma)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) u[i] = PetscExpReal(sigma * u[i]);
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
  double(*c)[2] = (double(*)[2])fftw_alloc_complex((size_t)N * N); /* [re, im] whatever fftw_complex is */
  fftw_plan    p;
  const double sigma = PetscPowReal(tau, alpha - 1);

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
