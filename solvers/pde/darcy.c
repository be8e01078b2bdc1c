/* Darcy flow -div(a grad u) = f, u = 0 on the boundary of the unit square: the finite-difference
   operator and right-hand side on a node-based DMDA (the problem type is impls/darcy/darcy.c). */
#include "pde/interface/problemimpl.h"
#include <pdeop/darcy.h>
#include <petscdmda.h>

const char *const PdFaceAverages[] = {"harmonic", "arithmetic", "PdFaceAverage", "PD_FACE_", NULL};

static inline double Face(PdFaceAverage avg, double a, double b)
{
  return avg == PD_FACE_HARMONIC ? 2.0 * a * b / (a + b) : 0.5 * (a + b);
}

typedef struct {
  const double *a;
  PdFaceAverage avg;
  PetscInt      dim, M, N, P;
  PetscReal     h2;
} DarcyRows;

static inline PetscBool DarcyBoundary(const DarcyRows *d, PetscInt i, PetscInt j, PetscInt k)
{
  return (PetscBool)(i == 0 || j == 0 || i == d->M - 1 || j == d->N - 1 || (d->dim == 3 && (k == 0 || k == d->P - 1)));
}

/* the row at a node: 2 dim a_P / h^2 alone on the boundary, else the face means to the neighbours
   (couplings to boundary nodes dropped: u = 0 there) */
static PetscErrorCode DarcyRow(void *ctx, MatStencil row, PetscInt *n, MatStencil col[], PetscScalar v[])
{
  const DarcyRows *d = (const DarcyRows *)ctx;
  const PetscInt   M = d->M, N = d->N, i = row.i, j = row.j, k = row.k;
  const PetscInt   di[6] = {-1, 1, 0, 0, 0, 0}, dj[6] = {0, 0, -1, 1, 0, 0}, dk[6] = {0, 0, 0, 0, -1, 1};
  const double     aP   = d->a[(k * N + j) * M + i];
  double           diag = 0;

  PetscFunctionBegin;
  col[0] = row;
  *n     = 1;
  if (DarcyBoundary(d, i, j, k)) {
    v[0] = 2.0 * d->dim * aP / d->h2;
    PetscFunctionReturn(0);
  }
  for (int q = 0; q < 2 * d->dim; q++) {
    PetscInt ii = i + di[q], jj = j + dj[q], kk = k + dk[q];
    double   f = Face(d->avg, aP, d->a[(kk * N + jj) * M + ii]) / d->h2;
    diag += f;
    if (DarcyBoundary(d, ii, jj, kk)) continue; /* u = 0 there */
    col[*n]   = row;
    col[*n].i = ii;
    col[*n].j = jj;
    col[*n].k = kk;
    v[(*n)++] = -f;
  }
  v[0] = diag;
  PetscFunctionReturn(0);
}

/*@ PdDarcyOperator - assemble -div(a grad .) with face means of the node coefficients, on a 2D
  (5-point) or 3D (7-point) node DMDA with equal sides; a[] in natural order, x fastest.
  Boundary rows are 2 dim a_P / h^2 on the diagonal (u = 0 there), about the interior's scale. @*/
PetscErrorCode PdDarcyOperator(DM da, const double a[], PdFaceAverage avg, Mat A)
{
  DarcyRows d = {.a = a, .avg = avg};
  PetscInt  dim, M, N, P;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(da, &dim, &M, &N, &P, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCheck(M == N && (dim == 2 || N == P), PetscObjectComm((PetscObject)da), PETSC_ERR_ARG_SIZ, "Darcy grids have equal sides, got %" PetscInt_FMT " x %" PetscInt_FMT "%s", M, N, dim == 3 ? " x ..." : "");
  PetscCheck(dim == 2 || dim == 3, PetscObjectComm((PetscObject)da), PETSC_ERR_ARG_WRONG, "Darcy grids are 2D or 3D, got a %" PetscInt_FMT "D DMDA", dim);
  if (dim == 2) P = 1;
  d.dim = dim, d.M = M, d.N = N, d.P = P;
  d.h2 = 1.0 / ((PetscReal)(M - 1) * (M - 1));
  PetscCall(PdDMDAAssembleSPD(da, A, DarcyRow, &d));
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
