/* The approximate orthogonal polar factor by Newton-Schulz iterations on the sgemm (cgemm) path:
   Muon's and PolarGrad's orthogonalisation (docs/design.md, "Matrix-aware optimizers"). */
#include <pdeop/optim.h>
#include <cblas.h>

/*@
  PdPolarNewtonSchulzWorkSize - floats of scratch PdPolarNewtonSchulz needs for a rows x cols matrix
@*/
PetscErrorCode PdPolarNewtonSchulzWorkSize(PetscInt rows, PetscInt cols, PetscBool cplx, PetscInt *n)
{
  const PetscInt s = PetscMin(rows, cols), f = cplx ? 2 : 1;

  PetscFunctionBegin;
  *n = f * (rows * cols + 2 * s * s);
  PetscFunctionReturn(0);
}

/*@
  PdPolarNewtonSchulz - O ~ the orthogonal polar factor U V^H of G = U S V^H

  Input: rows, cols; cplx (G and O interleaved complex); steps and the coefficients (a, b, c) of
  X <- a X + (b A + c A^2) X, A = X X^H (A = X^H X and X <- a X + X (b A + c A^2) when rows > cols,
  the smaller Gram matrix); G; work (PdPolarNewtonSchulzWorkSize floats).
  Output: O (rows x cols; may not be G).

  Each step maps every singular value x of X by p(x) = a x + b x^3 + c x^5 and keeps the singular
  vectors, so O = U p^steps(S / n) V^H with n = ||G||_F + 1e-7 (complex: sqrt(2) ||G||_F + 1e-7, the
  Frobenius norm of the real embedding [[Re, -Im], [Im, Re]], whose Newton-Schulz iteration is the
  embedding of this one: the two compute the same O). The quintic (3.4445, -4.7750, 2.0315) is
  approximate by design (singular values from 1.5e-3 up end in [0.680, 1.203]); the cubic (1.5, -0.5, 0)
  converges to U V^H.
@*/
PetscErrorCode PdPolarNewtonSchulz(PetscInt rows, PetscInt cols, PetscBool cplx, PetscInt steps, const double coef[3], const float G[], float O[], float work[])
{
  const PetscInt  s = PetscMin(rows, cols), f = cplx ? 2 : 1, len = f * rows * cols;
  const PetscBool wide = (PetscBool)(rows <= cols);
  float          *X = O, *Y = work, *A = work + len, *B = A + f * s * s;
  double          nrm = 0;

  PetscFunctionBegin;
  PetscCheck(rows >= 1 && cols >= 1 && steps >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdPolarNewtonSchulz: a %" PetscInt_FMT " x %" PetscInt_FMT " matrix and %" PetscInt_FMT " steps", rows, cols, steps);
  PetscCheck(O != G, PETSC_COMM_SELF, PETSC_ERR_ARG_IDN, "PdPolarNewtonSchulz: O must not be G");
  for (PetscInt i = 0; i < len; i++) nrm += (double)G[i] * (double)G[i];
  nrm = PetscSqrtReal(cplx ? 2 * nrm : nrm) + 1e-7;
  for (PetscInt i = 0; i < len; i++) X[i] = (float)(G[i] / nrm);
  for (PetscInt it = 0; it < steps; it++) {
    const float a = (float)coef[0], b = (float)coef[1], c = (float)coef[2];
    float      *T;
    if (!cplx) {
      if (wide) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s, s, cols, 1.0f, X, cols, X, cols, 0.0f, A, s); /* A = X X^T */
      else cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s, s, rows, 1.0f, X, cols, X, cols, 0.0f, A, s);      /* A = X^T X */
      PetscCall(PetscArraycpy(B, A, s * s));
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s, s, s, c, A, s, A, s, b, B, s); /* B = b A + c A^2 */
      PetscCall(PetscArraycpy(Y, X, len));
      if (wide) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, cols, rows, 1.0f, B, s, X, cols, a, Y, cols); /* Y = a X + B X */
      else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, cols, cols, 1.0f, X, cols, B, s, a, Y, cols);      /* Y = a X + X B */
    } else {
      const float one[2] = {1, 0}, zero[2] = {0, 0}, ca[2] = {a, 0}, cb[2] = {b, 0}, cc[2] = {c, 0};
      if (wide) cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasConjTrans, s, s, cols, one, X, cols, X, cols, zero, A, s);
      else cblas_cgemm(CblasRowMajor, CblasConjTrans, CblasNoTrans, s, s, rows, one, X, cols, X, cols, zero, A, s);
      PetscCall(PetscArraycpy(B, A, 2 * s * s));
      cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s, s, s, cc, A, s, A, s, cb, B, s);
      PetscCall(PetscArraycpy(Y, X, len));
      if (wide) cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, cols, rows, one, B, s, X, cols, ca, Y, cols);
      else cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, cols, cols, one, X, cols, B, s, ca, Y, cols);
    }
    T = X, X = Y, Y = T;
  }
  if (X != O) PetscCall(PetscArraycpy(O, X, len));
  PetscFunctionReturn(0);
}
