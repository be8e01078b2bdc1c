/* Darcy flow -div(a grad u) = f, u = 0 on the boundary of the unit square: the finite-difference
   operator and right-hand side on a node-based DMDA (the problem type is impls/darcy/darcy.c). */
#include <pdeop/darcy.h>
#include <petscdmda.h>

const char *const PdFaceAverages[] = {"harmonic", "arithmetic", "PdFaceAverage", "PD_FACE_", NULL};

static inline double Face(PdFaceAverage avg, double a, double b)
{
  return avg == PD_FACE_HARMONIC ? 2.0 * a * b / (a + b) : 0.5 * (a + b);
}

/*@ PdDarcyOperator - assemble -div(a grad .) with face means of the node coefficients, on a 2D
  (5-point) or 3D (7-point) node DMDA with equal sides; a[] in natural order, x fastest.
  Boundary rows are 2 dim a_P / h^2 on the diagonal (u = 0 there), about the interior's scale. @*/
PetscErrorCode PdDarcyOperator(DM da, const double a[], PdFaceAverage avg, Mat A)
{
  PetscInt  dim, M, N, P, xs, ys, zs, xm, ym, zm;
  PetscReal h2;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(da, &dim, &M, &N, &P, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCheck(M == N && (dim == 2 || N == P), PetscObjectComm((PetscObject)da), PETSC_ERR_ARG_SIZ, "Darcy grids have equal sides, got %" PetscInt_FMT " x %" PetscInt_FMT "%s", M, N, dim == 3 ? " x ..." : "");
  PetscCheck(dim == 2 || dim == 3, PetscObjectComm((PetscObject)da), PETSC_ERR_ARG_WRONG, "Darcy grids are 2D or 3D, got a %" PetscInt_FMT "D DMDA", dim);
  if (dim == 2) P = 1;
  h2 = 1.0 / ((PetscReal)(M - 1) * (M - 1));
  PetscCall(DMDAGetCorners(da, &xs, &ys, &zs, &xm, &ym, &zm));
  for (PetscInt k = zs; k < zs + zm; k++)
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++) {
        MatStencil     row = {0}, col[7];
        PetscScalar    v[7];
        PetscInt       n  = 1;
        const double   aP = a[(k * N + j) * M + i];
        double         diag = 0;
        const PetscInt di[6] = {-1, 1, 0, 0, 0, 0}, dj[6] = {0, 0, -1, 1, 0, 0}, dk[6] = {0, 0, 0, 0, -1, 1};
        PetscBool      bd = (PetscBool)(i == 0 || j == 0 || i == M - 1 || j == N - 1 || (dim == 3 && (k == 0 || k == P - 1)));
        row.i = i;
        row.j = j;
        row.k = k;
        if (bd) {
          PetscScalar d = 2.0 * dim * aP / h2;
          PetscCall(MatSetValuesStencil(A, 1, &row, 1, &row, &d, INSERT_VALUES));
          continue;
        }
        for (int q = 0; q < 2 * dim; q++) {
          PetscInt ii = i + di[q], jj = j + dj[q], kk = k + dk[q];
          double   f  = Face(avg, aP, a[(kk * N + jj) * M + ii]) / h2;
          diag += f;
          if (ii == 0 || jj == 0 || ii == M - 1 || jj == N - 1 || (dim == 3 && (kk == 0 || kk == P - 1))) continue; /* u = 0 there */
          col[n]   = row;
          col[n].i = ii;
          col[n].j = jj;
          col[n].k = kk;
          v[n++]   = -f;
        }
        col[0] = row;
        v[0]   = diag;
        PetscCall(MatSetValuesStencil(A, 1, &row, n, col, v, INSERT_VALUES));
      }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatSetOption(A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(A, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/*@ PdDarcyRHS - f at interior nodes (array or constant), 0 on the boundary @*/
PetscErrorCode PdDarcyRHS(DM da, const double f[], double fval, Vec b)
{
  PetscInt      M, N, xs, ys, xm, ym;
  PetscScalar **x;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(da, NULL, &M, &N, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
  PetscCall(DMDAVecGetArray(da, b, &x));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) x[j][i] = (i == 0 || j == 0 || i == M - 1 || j == N - 1) ? 0.0 : (f ? f[j * M + i] : fval);
  PetscCall(DMDAVecRestoreArray(da, b, &x));
  PetscFunctionReturn(0);
}
