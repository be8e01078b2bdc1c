/* Darcy flow -div(a grad u) = f, u = 0 on the boundary of the unit square: the finite-difference
   operator on a node-based DMDA, and `pdeop solve darcy` with random or file coefficients. */
#include <pdeop/darcy.h>
#include <pdeop/field.h>
#include <pdeop/mesh.h>
#include <pdeop/solve.h>
#include <pdeop/output.h>
#include <pdeop/pdeop.h>

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

/*@
  PdDarcyRun - `pdeop solve darcy`

  Options: -da_grid_x (nodes per side, default 85), -darcy_coefficient threshold|lognormal|file,
  -darcy_coefficient_file a.h5 (a dataset "a" of the grid's size, or /inputs with one sample),
  -darcy_alpha 2 -darcy_tau 3 -darcy_sigma 1 -seed 0, -darcy_f 1, -darcy_face_average
  harmonic|arithmetic, every KSP/PC option, -o/-vtk/-png.
@*/
PetscErrorCode PdDarcyRun(MPI_Comm comm, PdDict report)
{
  const char *const coefs[] = {"threshold", "lognormal", "file", "PdCoefficient", "", NULL};
  PetscInt          coef = 0, seed = 0, M, N;
  PetscReal         alpha = 2, tau = 3, sigma = 1, fval = 1;
  PdFaceAverage     avg = PD_FACE_HARMONIC;
  char              afile[PETSC_MAX_PATH_LEN] = "";
  PetscBool         help;
  DM                da;
  Mat               A;
  Vec               b, u;
  KSP               ksp;
  double           *a;
  PdFieldOutput     out;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop solve darcy: -div(a grad u) = f, u = 0 on the boundary", "pdeop");
  PetscCall(PetscOptionsEList("-darcy_coefficient", "Coefficient a", "", coefs, 3, coefs[coef], &coef, NULL));
  PetscCall(PetscOptionsString("-darcy_coefficient_file", "HDF5 file with the coefficient (dataset a, or /inputs)", "", afile, afile, sizeof(afile), NULL));
  PetscCall(PetscOptionsReal("-darcy_alpha", "Random field smoothness alpha", "", alpha, &alpha, NULL));
  PetscCall(PetscOptionsReal("-darcy_tau", "Random field inverse length scale tau", "", tau, &tau, NULL));
  PetscCall(PetscOptionsReal("-darcy_sigma", "Log-normal amplitude sigma", "", sigma, &sigma, NULL));
  PetscCall(PetscOptionsReal("-darcy_f", "Constant right-hand side f", "", fval, &fval, NULL));
  PetscCall(PetscOptionsEnum("-darcy_face_average", "Face coefficient", "", PdFaceAverages, (PetscEnum)avg, (PetscEnum *)&avg, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the random coefficient", "", seed, &seed, NULL));
  PetscOptionsEnd();
  if (afile[0]) coef = 2;
  PetscCheck(alpha > 0 && tau > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-darcy_alpha and -darcy_tau must be positive");
  PetscCheck(seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscCheck(coef != 2 || afile[0], comm, PETSC_ERR_ARG_WRONG, "-darcy_coefficient file needs -darcy_coefficient_file a.h5");
  PetscCall(PdMeshCreateDA(comm, 2, 85, &da));
  PetscCall(PdFieldOutputReadOptions(comm, &out));
  PetscCall(PdOptionsHelp(&help));
  PetscCall(KSPCreate(comm, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetDM(ksp, da)); /* for geometric multigrid's interpolation; the operator is ours */
  PetscCall(KSPSetDMActive(ksp, PETSC_FALSE));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(PdKSPUseGalerkinMG(ksp));
  if (help) {
    PetscCall(KSPDestroy(&ksp));
    PetscCall(DMDestroy(&da));
    PetscFunctionReturn(0);
  }
  PetscCall(DMDAGetInfo(da, NULL, &M, &N, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCheck(M == N, comm, PETSC_ERR_ARG_SIZ, "Darcy grids are square: give -da_grid_x only (or equal -da_grid_y)");
  PetscCall(PetscMalloc1(M * N, &a));
  if (coef == 2) {
    int      nd;
    PetscInt shape[5];
    float   *fa;
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PdH5ReadFloatArray(comm, afile, "a", &nd, shape, &fa);
    PetscCall(PetscPopErrorHandler());
    if (ierr) PetscCall(PdH5ReadFloatArray(comm, afile, "/inputs", &nd, shape, &fa));
    PetscInt size = 1;
    for (int i = 0; i < nd; i++) size *= shape[i];
    if (size != M * N) {
      PetscCall(PetscFree(fa));
      PetscCall(PetscFree(a));
      SETERRQ(comm, PETSC_ERR_ARG_SIZ, "'%s' holds %" PetscInt_FMT " coefficient values; the %" PetscInt_FMT " x %" PetscInt_FMT " grid needs %" PetscInt_FMT " (set -da_grid_x)", afile, size, M, N, M * N);
    }
    for (PetscInt i = 0; i < M * N; i++) a[i] = fa[i];
    PetscCall(PetscFree(fa));
    for (PetscInt i = 0; i < M * N; i++) PetscCheck(a[i] > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "'%s': the coefficient must be positive, found %g", afile, a[i]);
  } else {
    PdRng rng;
    PetscCall(PdRngSeed(&rng, (uint64_t)seed, PD_RNG_STREAM_MAIN));
    PetscCall(PdGaussianRandomField2D(M, alpha, tau, &rng, a));
    if (coef == 0) PetscCall(PdFieldThreshold(M * N, a, 12.0, 3.0));
    else PetscCall(PdFieldLogNormal(M * N, a, sigma));
  }
  PetscCall(DMCreateMatrix(da, &A));
  PetscCall(PdDarcyOperator(da, a, avg, A));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(DMCreateGlobalVector(da, &b));
  PetscCall(DMCreateGlobalVector(da, &u));
  PetscCall(PetscObjectSetName((PetscObject)u, "u"));
  PetscCall(PdDarcyRHS(da, NULL, fval, b));
  PetscCall(PdOptionsCheckUnusedAtSolve("solve darcy"));
  PetscCall(PdKSPSolveReport(ksp, b, u, report));
  PetscCall(PdDictSetInt(report, "unknowns", M * N));
  PetscCall(PdDictSetString(report, "coefficient", coefs[coef]));
  PetscCall(PdDictSetString(report, "face_average", PdFaceAverages[avg]));
  {
    PetscReal umax;
    PetscCall(VecMax(u, NULL, &umax));
    PetscCall(PdDictSetReal(report, "u_max", umax));
  }
  PetscCall(PdFieldOutputWrite(&out, da, u, NULL, report));
  PetscCall(PetscFree(a));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&u));
  PetscCall(MatDestroy(&A));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(DMDestroy(&da));
  PetscFunctionReturn(0);
}
