/* Tests of the Darcy solver, the random fields and the dataset generator: with a = 1 the operator
   is the Poisson one; the centre value of -Laplace u = 1 matches the series value; a smooth variable
   coefficient converges at second order; the DCT synthesis equals a direct cosine sum (2D and 3D);
   the 3D operator is the 7-point one with harmonic face means; a generated
   dataset holds exactly what an independent solve of its samples gives. */
#include "pdtest.h"
#include <pdeop/darcy.h>
#include <pdeop/poisson.h>
#include <pdeop/field.h>
#include <pdeop/mesh.h>
#include <pdeop/solve.h>

static PetscErrorCode SolveDarcy(DM da, const double *a, const double *f, double fval, PdFaceAverage avg, Vec *u)
{
  Mat A;
  Vec b;
  KSP ksp;
  PetscFunctionBegin;
  PetscCall(DMCreateMatrix(da, &A));
  PetscCall(PdDarcyOperator(da, a, avg, A));
  PetscCall(DMCreateGlobalVector(da, &b));
  PetscCall(VecDuplicate(b, u));
  PetscCall(PdDarcyRHS(da, f, fval, b));
  PetscCall(KSPCreate(PetscObjectComm((PetscObject)da), &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetTolerances(ksp, 1e-12, 1e-50, PETSC_DEFAULT, 10000));
  PetscCall(PdKSPSolveReport(ksp, b, *u, NULL));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

static void test_unit_coefficient_is_poisson(void **state)
{
  DM        da;
  Mat       A, P;
  double   *a;
  PetscReal nrm;
  Vec       u;
  float     s[65 * 65];
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, 65, &da));
  PDT(PetscMalloc1(65 * 65, &a));
  for (int i = 0; i < 65 * 65; i++) a[i] = 1;
  PDT(DMCreateMatrix(da, &A));
  PDT(DMCreateMatrix(da, &P));
  PDT(PdDarcyOperator(da, a, PD_FACE_HARMONIC, A));
  PDT(PdPoissonFDOperator(da, P));
  PDT(MatAXPY(A, -1, P, SAME_NONZERO_PATTERN));
  PDT(MatNorm(A, NORM_FROBENIUS, &nrm));
  PDT_CLOSE(nrm, 0, 0);
  /* -Laplace u = 1 on the unit square: u(1/2, 1/2) = 0.0736713532 (series solution); FD error O(h^2) */
  PDT(SolveDarcy(da, a, NULL, 1.0, PD_FACE_HARMONIC, &u));
  PDT(PdVecToSample(da, u, s));
  PDT_CLOSE(s[32 * 65 + 32], 0.0736713532, 5e-5);
  PDT(VecDestroy(&u));
  PDT(MatDestroy(&A));
  PDT(MatDestroy(&P));
  PDT(PetscFree(a));
  PDT(DMDestroy(&da));
}

/* u = sin(pi x) sin(pi y), a = 2 + sin(pi x) cos(pi y): f = -div(a grad u) */
static double Ua(double x, double y) { return sin(PETSC_PI * x) * sin(PETSC_PI * y); }
static double Aa(double x, double y) { return 2 + sin(PETSC_PI * x) * cos(PETSC_PI * y); }
static double Fa(double x, double y)
{
  double p = PETSC_PI, ux = p * cos(p * x) * sin(p * y), uy = p * sin(p * x) * cos(p * y), lap = -2 * p * p * Ua(x, y);
  double ax = p * cos(p * x) * cos(p * y), ay = -p * sin(p * x) * sin(p * y);
  return -(ax * ux + ay * uy + Aa(x, y) * lap);
}

static void test_variable_coefficient_convergence(void **state)
{
  double e[3];
  for (int k = 0; k < 3; k++) {
    PetscInt n = 16 * (1 << k) + 1;
    DM       da;
    Vec      u;
    double  *a, *f, s2 = 0, h = 1.0 / (n - 1);
    float   *s;
    PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, n, &da));
    PDT(PetscMalloc3(n * n, &a, n * n, &f, n * n, &s));
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt i = 0; i < n; i++) {
        a[j * n + i] = Aa(i * h, j * h);
        f[j * n + i] = Fa(i * h, j * h);
      }
    PDT(SolveDarcy(da, a, f, 0, PD_FACE_HARMONIC, &u));
    PDT(PdVecToSample(da, u, s));
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt i = 0; i < n; i++) s2 += pow(s[j * n + i] - Ua(i * h, j * h), 2);
    e[k] = sqrt(s2 * h * h);
    PDT(VecDestroy(&u));
    PDT(PetscFree3(a, f, s));
    PDT(DMDestroy(&da));
  }
  for (int k = 0; k < 2; k++) {
    double order = log2(e[k] / e[k + 1]);
    if (!(order > 1.8 && order < 2.2)) fail_msg("Darcy MMS: order %.3f (errors %g, %g)", order, e[k], e[k + 1]);
  }
}

static void test_face_averages_differ(void **state)
{
  DM        da;
  Vec       u1, u2;
  double    a[33 * 33];
  PdRng     rng;
  PetscReal d, n;
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, 33, &da));
  PDT(PdRngSeed(&rng, 4, 0));
  PDT(PdGaussianRandomField2D(33, 2, 3, &rng, a));
  PDT(PdFieldThreshold(33 * 33, a, 12, 3));
  PDT(SolveDarcy(da, a, NULL, 1, PD_FACE_HARMONIC, &u1));
  PDT(SolveDarcy(da, a, NULL, 1, PD_FACE_ARITHMETIC, &u2));
  PDT(VecNorm(u1, NORM_2, &n));
  PDT(VecAXPY(u2, -1, u1));
  PDT(VecNorm(u2, NORM_2, &d));
  assert_true(d > 1e-2 * n); /* the arithmetic mean overestimates flux across the 3/12 jumps */
  PDT(VecDestroy(&u1));
  PDT(VecDestroy(&u2));
  PDT(DMDestroy(&da));
}

/* The field at node x (dim indices) evaluated directly: the orthonormal inverse DCT-II of the draws
   xi (s^dim, the first axis fastest) with the spectrum s^(dim/2) tau^(alpha-1) (pi^2 |k|^2 +
   tau^2)^(-alpha/2) and no constant mode */
static double DirectField(int dim, int s, double alpha, double tau, const double *xi, const int *x)
{
  double sum = 0;
  for (int q = 1; q < (dim == 2 ? s * s : s * s * s); q++) {
    const int k[3] = {q % s, (q / s) % s, q / (s * s)};
    double    k2 = 0, w = 1;
    for (int j = 0; j < dim; j++) {
      k2 += k[j] * k[j];
      w *= (k[j] ? sqrt(2.0 / s) : sqrt(1.0 / s)) * cos(PETSC_PI * (2 * x[j] + 1) * k[j] / (2.0 * s));
    }
    sum += pow(s, dim / 2.0) * pow(tau, alpha - 1) * pow(PETSC_PI * PETSC_PI * k2 + tau * tau, -alpha / 2) * w * xi[q];
  }
  return sum;
}

/* The dim-D field (alpha 2, tau 3, s^dim <= 64 nodes) drawn from the stream (seed, stream) into u
   against the direct evaluation of the same draws, and drawn again into v: the same, bit for bit */
static void CheckRandomField(int dim, int s, uint64_t seed, uint64_t stream, double *u, double *v)
{
  PetscErrorCode (*grf)(PetscInt, PetscReal, PetscReal, PdRng *, double[]) = dim == 2 ? PdGaussianRandomField2D : PdGaussianRandomField3D;
  const int    n                                                           = dim == 2 ? s * s : s * s * s;
  const double alpha = 2, tau = 3;
  double       xi[64];
  PdRng        rng;
  PDT(PdRngSeed(&rng, seed, stream));
  PDT(grf(s, alpha, tau, &rng, u));
  PDT(PdRngSeed(&rng, seed, stream));
  for (int i = 0; i < n; i++) xi[i] = PdRngNormal(&rng);
  for (int p = 0; p < n; p++) {
    const int x[3] = {p % s, (p / s) % s, p / (s * s)};
    PDT_CLOSE(u[p], DirectField(dim, s, alpha, tau, xi, x), 1e-12);
  }
  PDT(PdRngSeed(&rng, seed, stream));
  PDT(grf(s, alpha, tau, &rng, v));
  for (int i = 0; i < n; i++) assert_true(u[i] == v[i]);
}

/* 2D: the DCT synthesis against a direct double cosine sum of the same draws (scale s), the
   stream's reproducibility, the 12/3 threshold, and a negative alpha refused */
static void test_random_field(void **state)
{
  double u[36], v[36];
  PdRng  rng;
  CheckRandomField(2, 6, 7, 3, u, v);
  PDT(PdFieldThreshold(36, v, 12, 3));
  for (int i = 0; i < 36; i++) assert_true(v[i] == (u[i] >= 0 ? 12 : 3));
  PDT(PdRngSeed(&rng, 7, 3));
  PDT_FAILS(PdGaussianRandomField2D(6, -1, 3, &rng, v));
}

/* 3D: the DCT synthesis against a direct triple cosine sum of the same draws (scale s^(3/2)), the
   stream's reproducibility, and the alpha > 3/2 check */
static void test_random_field3d(void **state)
{
  double u[64], v[64];
  PdRng  rng;
  CheckRandomField(3, 4, 9, 1, u, v);
  PDT(PdRngSeed(&rng, 9, 1));
  PDT_FAILS(PdGaussianRandomField3D(4, 1.5, 3, &rng, v));
  PDT_ERRMSG_HAS("alpha > 3/2");
}

/* The 3D Darcy operator: with a = 1 it is the 7-point Laplacian of the Poisson solver, entry for
   entry; with a two-valued coefficient an interior row holds the harmonic face means and sums to
   zero away from the boundary, and the matrix is symmetric */
static void test_darcy_operator3d(void **state)
{
  const PetscInt N = 7, n = N * N * N;
  DM             da;
  Mat            A, L;
  double         a[343];
  PetscReal      d;
  PetscBool      sym;
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 3, N, &da));
  PDT(DMCreateMatrix(da, &A));
  PDT(DMCreateMatrix(da, &L));
  for (PetscInt i = 0; i < n; i++) a[i] = 1;
  PDT(PdDarcyOperator(da, a, PD_FACE_HARMONIC, A));
  PDT(PdPoissonFDOperator(da, L));
  PDT(MatAXPY(L, -1, A, SAME_NONZERO_PATTERN));
  PDT(MatNorm(L, NORM_FROBENIUS, &d));
  assert_true(d == 0);
  for (PetscInt k = 0; k < N; k++)
    for (PetscInt j = 0; j < N; j++)
      for (PetscInt i = 0; i < N; i++) a[(k * N + j) * N + i] = k >= 3 ? 12 : 3; /* a jump between the planes z = 2h and 3h */
  PDT(PdDarcyOperator(da, a, PD_FACE_HARMONIC, A));
  PDT(MatIsSymmetric(A, 0, &sym));
  assert_true(sym);
  {
    const PetscInt     row = (2 * N + 3) * N + 3; /* (3, 3, 2): its +z face crosses the jump */
    const PetscReal    h2 = 1.0 / ((N - 1) * (N - 1)), hm = 2.0 * 3 * 12 / 15;
    PetscInt           nc;
    const PetscInt    *cols;
    const PetscScalar *vals;
    double             sum = 0, up = 0, diag = 0;
    PDT(MatGetRow(A, row, &nc, &cols, &vals));
    assert_int_equal(nc, 7);
    for (PetscInt c = 0; c < nc; c++) {
      sum += PetscRealPart(vals[c]);
      if (cols[c] == row + N * N) up = PetscRealPart(vals[c]);
      if (cols[c] == row) diag = PetscRealPart(vals[c]);
    }
    PDT(MatRestoreRow(A, row, &nc, &cols, &vals));
    PDT_CLOSE(up, -hm / h2, 1e-12 / h2);            /* the harmonic mean 2 * 3 * 12 / 15 = 4.8 */
    PDT_CLOSE(diag, (5 * 3 + hm) / h2, 1e-12 / h2); /* five faces at a = 3 */
    PDT_CLOSE(sum, 0, 1e-9 / h2);
  }
  PDT(MatDestroy(&A));
  PDT(MatDestroy(&L));
  PDT(DMDestroy(&da));
}

static void test_transfer_roundtrip(void **state)
{
  DM        da;
  Vec       x, y;
  float     s[9 * 7];
  PetscReal d;
  PDT(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, 9, 7, 1, 1, 1, 1, NULL, NULL, &da));
  PDT(DMSetUp(da));
  PDT(DMCreateGlobalVector(da, &x));
  PDT(VecDuplicate(x, &y));
  for (int i = 0; i < 63; i++) s[i] = (float)i;
  PDT(PdSampleToVec(da, s, x));
  {
    PetscScalar **a;
    PDT(DMDAVecGetArray(da, x, &a));
    PDT_CLOSE(a[4][6], 4 * 9 + 6, 0); /* [j][i], x fastest */
    PDT(DMDAVecRestoreArray(da, x, &a));
  }
  PDT(PdVecToSample(da, x, s));
  PDT(PdSampleToVec(da, s, y));
  PDT(VecAXPY(y, -1, x));
  PDT(VecNorm(y, NORM_INFINITY, &d));
  PDT_CLOSE(d, 0, 0);
  PDT(VecDestroy(&x));
  PDT(VecDestroy(&y));
  PDT(DMDestroy(&da));
}

/* the generator's samples against an independent solve of sample 2; the problem built by its
   setters, its sample solver's tolerance through the options (as any KSP's) */
static void test_dataset_matches_direct_solve(void **state)
{
  PdDict     report;
  PdDataset  ds;
  PdProblem  p;
  PetscInt64 res;
  PDT(PetscOptionsSetValue(NULL, "-ksp_rtol", "1e-12"));
  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT(PdProblemSetType(p, PDPROBLEMDARCY));
  PDT(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT(PdProblemDarcySetSampleGrid(p, 9, 33));
  PDT(PdProblemSetSeed(p, 5));
  PDT(PdDictCreate(&report));
  PDT(PdDatasetGenerate(p, 3, &ds, report));
  PDT(PdDictDestroy(&report));
  PDT(PdProblemDestroy(&p));
  PDT(PetscOptionsClearValue(NULL, "-ksp_rtol"));
  assert_int_equal(ds.N, 3);
  PDT_SHAPE_IS(ds.in_ndim, ds.in_shape, 3, 1, 9, 9);
  PDT_SHAPE_IS(ds.out_ndim, ds.out_shape, 3, 1, 9, 9);
  PDT(PdDictGetInt(ds.attrs, "res", &res));
  assert_int_equal(res, 9);
  {
    DM     da;
    Vec    u;
    double a[33 * 33];
    float  s[33 * 33];
    PdRng  rng;
    PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, 33, &da));
    PDT(PdRngSeed(&rng, 5, 2));
    PDT(PdGaussianRandomField2D(33, 2, 3, &rng, a));
    PDT(PdFieldThreshold(33 * 33, a, 12, 3));
    PDT(SolveDarcy(da, a, NULL, 1, PD_FACE_HARMONIC, &u));
    PDT(PdVecToSample(da, u, s));
    for (int j = 0; j < 9; j++)
      for (int i = 0; i < 9; i++) {
        assert_true(ds.inputs[(2 * 9 + j) * 9 + i] == (float)a[(4 * j) * 33 + 4 * i]);
        PDT_CLOSE(ds.outputs[(2 * 9 + j) * 9 + i], s[(4 * j) * 33 + 4 * i], 1e-7);
      }
    PDT(VecDestroy(&u));
    PDT(DMDestroy(&da));
  }
  PDT(PdDatasetFree(&ds));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_unit_coefficient_is_poisson), cmocka_unit_test(test_variable_coefficient_convergence), cmocka_unit_test(test_face_averages_differ), cmocka_unit_test(test_random_field), cmocka_unit_test(test_random_field3d), cmocka_unit_test(test_darcy_operator3d), cmocka_unit_test(test_transfer_roundtrip), cmocka_unit_test(test_dataset_matches_direct_solve)};
PDT_MAIN("darcy", tests)
