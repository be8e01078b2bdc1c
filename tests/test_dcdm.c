/* Tests of the deep conjugate direction method: Lanczos Ritz values against the Laplacian's known
   eigenvalues, dcdm converging to the direct solution with an untrained network (a bad network only
   costs iterations) in 2D and 3D, and clear errors for missing or wrong models and grids. */
#include "pdtest.h"
#include <pdeop/learned.h>
#include <pdeop/poisson.h>
#include <pdeop/mesh.h>

/* An untrained network of the kind pdeop precond train -type dcdm writes */
static PetscErrorCode WriteModel(const char *file, PetscInt N, int dim, const char *precond)
{
  NOp      net;
  PdDict   meta;
  PdParams p;

  PetscFunctionBegin;
  PetscCall(NOpCreate(PETSC_COMM_SELF, &net));
  PetscCall(NOpSetType(net, NOPMGNO));
  PetscCall(NOpSetShapes(net, 1 + dim, (PetscInt[]){1, N, N, N}, 1 + dim, (PetscInt[]){1, N, N, N}));
  PetscCall(NOpSetUp(net));
  PetscCall(NOpGetParams(net, &p));
  PetscCall(PdDictCreate(&meta));
  PetscCall(NOpGetMeta(net, meta));
  if (precond) PetscCall(PdDictSetString(meta, "precond", precond));
  PetscCall(PdCheckpointWrite(PETSC_COMM_SELF, file, meta, p, NULL, 0));
  PetscCall(PdDictDestroy(&meta));
  PetscCall(NOpDestroy(&net));
  PetscFunctionReturn(0);
}

/* the 1D Laplacian tridiag(-1, 2, -1) of size n: eigenvalues 4 sin^2(k pi / (2 (n + 1))) */
static void test_ritz_values(void **state)
{
  const PetscInt n = 50;
  Mat            A;
  PetscInt       m = 50;
  PetscReal     *vals;
  float         *vecs;

  PDT(MatCreateSeqAIJ(PETSC_COMM_SELF, n, n, 3, NULL, &A));
  for (PetscInt i = 0; i < n; i++) {
    PDT(MatSetValue(A, i, i, 2.0, INSERT_VALUES));
    if (i > 0) PDT(MatSetValue(A, i, i - 1, -1.0, INSERT_VALUES));
    if (i < n - 1) PDT(MatSetValue(A, i, i + 1, -1.0, INSERT_VALUES));
  }
  PDT(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PDT(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PDT(PdRitzVectors(A, &m, 1, &vals, &vecs));
  assert_int_equal(m, n); /* n steps span the whole space: the Ritz values are the eigenvalues */
  for (PetscInt k = 0; k < n; k++) {
    PetscReal exact = 4 * PetscSqr(PetscSinReal((k + 1) * PETSC_PI / (2.0 * (n + 1))));
    PDT_CLOSE(vals[k], exact, 1e-10);
  }
  /* the lowest Ritz vector is the first sine mode (up to sign) */
  {
    double dot = 0, nrm = 0;
    for (PetscInt i = 0; i < n; i++) {
      double s = PetscSinReal((i + 1) * PETSC_PI / (n + 1));
      dot += s * vecs[i];
      nrm += s * s;
    }
    PDT_CLOSE(fabs(dot) / PetscSqrtReal(nrm), 1.0, 1e-5);
  }
  PDT(PetscFree(vals));
  PDT(PetscFree(vecs));
  /* fewer steps: Cauchy interlacing, lambda_k <= theta_k <= lambda_(k + n - m) */
  m = 20;
  PDT(PdRitzVectors(A, &m, 2, &vals, &vecs));
  assert_int_equal(m, 20);
  for (PetscInt k = 0; k < m; k++) {
    PetscReal lo = 4 * PetscSqr(PetscSinReal((k + 1) * PETSC_PI / (2.0 * (n + 1)))), hi = 4 * PetscSqr(PetscSinReal((k + 1 + n - m) * PETSC_PI / (2.0 * (n + 1))));
    if (!(vals[k] >= lo - 1e-10 && vals[k] <= hi + 1e-10)) fail_msg("Ritz value %d = %g outside [%g, %g]", (int)k, (double)vals[k], (double)lo, (double)hi);
  }
  PDT(PetscFree(vals));
  PDT(PetscFree(vecs));
  PDT(MatDestroy(&A));
}

/* a matrix with three distinct eigenvalues (diag 1, 2, 3 repeated): a random start's Krylov space
   has dimension 3, and Lanczos goes on from new vectors (each with a Krylov space of 3 again) to give
   the 9 Ritz pairs asked for: orthonormal, each an exact eigenpair, each eigenvalue three times */
static void test_ritz_exhausted_krylov(void **state)
{
  const PetscInt n = 30;
  Mat            A;
  PetscInt       m = 9, count[3] = {0, 0, 0};
  PetscReal     *vals;
  float         *vecs;

  PDT(MatCreateSeqAIJ(PETSC_COMM_SELF, n, n, 1, NULL, &A));
  for (PetscInt i = 0; i < n; i++) PDT(MatSetValue(A, i, i, (PetscScalar)(1 + i % 3), INSERT_VALUES));
  PDT(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PDT(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PDT(PdRitzVectors(A, &m, 3, &vals, &vecs));
  assert_int_equal(m, 9);
  for (PetscInt k = 0; k < m; k++) {
    double res = 0;
    if (fabs(vals[k] - round(vals[k])) > 1e-10 || vals[k] < 0.5 || vals[k] > 3.5) fail_msg("Ritz value %d = %.15g is not an eigenvalue (1, 2 or 3)", (int)k, (double)vals[k]);
    count[(int)round(vals[k]) - 1]++;
    for (PetscInt i = 0; i < n; i++) res += PetscSqr((1 + i % 3) * (double)vecs[k * n + i] - vals[k] * vecs[k * n + i]);
    PDT_CLOSE(sqrt(res), 0, 1e-6);
    for (PetscInt l = 0; l <= k; l++) {
      double dot = 0;
      for (PetscInt i = 0; i < n; i++) dot += (double)vecs[k * n + i] * vecs[l * n + i];
      PDT_CLOSE(dot, l == k ? 1 : 0, 1e-6);
    }
  }
  for (int e = 0; e < 3; e++) assert_int_equal(count[e], 3);
  PDT(PetscFree(vals));
  PDT(PetscFree(vecs));
  PDT(MatDestroy(&A));
}

/* with setdm, the KSP knows the grid (dcdm then moves vectors through the DMDA; else it gathers them) */
static PetscErrorCode SolvePoisson(DM da, PetscBool setdm, const char *ksptype, const char *model, Vec *u, PetscInt *its)
{
  Mat            A;
  Vec            b;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(DMCreateMatrix(da, &A));
  PetscCall(PdPoissonFDOperator(da, A));
  PetscCall(DMCreateGlobalVector(da, &b));
  PetscCall(VecDuplicate(b, u));
  PetscCall(PdPoissonFDRHS(da, PD_MMS_TRIG, b));
  ierr = PdtKSPSolve(A, b, *u, setdm ? da : NULL, ksptype, PCNONE, 1e-10, 5000, "ksp_dcdm_model", model, its);
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  if (ierr) PetscCall(VecDestroy(u));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* an untrained network: dcdm still converges to CG's solution, on a 2D grid (residuals gathered) and
   a 3D grid (through the KSP's DMDA) */
static void test_untrained_converges(void **state)
{
  for (int dim = 2; dim <= 3; dim++) {
    DM        da;
    Vec       u, v;
    PetscInt  i1, i2, N = dim == 2 ? 17 : 9;
    PetscReal err, nrm;
    PDT(WriteModel("dcdm_untrained.h5", N, dim, "dcdm"));
    PDT(PdMeshCreateDA(PETSC_COMM_SELF, dim, N, &da));
    PDT(SolvePoisson(da, (PetscBool)(dim == 3), "dcdm", "dcdm_untrained.h5", &u, &i1));
    PDT(SolvePoisson(da, PETSC_FALSE, KSPCG, NULL, &v, &i2));
    PDT(VecAXPY(u, -1.0, v));
    PDT(VecNorm(u, NORM_INFINITY, &err));
    PDT(VecNorm(v, NORM_INFINITY, &nrm));
    print_message("%dD: dcdm with an untrained network: %d iterations (CG %d), difference %g\n", dim, (int)i1, (int)i2, err / nrm);
    if (err > 1e-8 * nrm) fail_msg("%dD: dcdm and CG solutions differ by %g", dim, err / nrm);
    PDT(VecDestroy(&u));
    PDT(VecDestroy(&v));
    PDT(DMDestroy(&da));
  }
}

/* each case: the model file on a dim-D grid of N points a side (with the KSP's DMDA or not), and
   what the error says */
static void test_errors(void **state)
{
  const struct {
    PetscInt    dim, N;
    PetscBool   withdm;
    const char *model, *msg;
  } cases[] = {
    {2, 17, PETSC_FALSE, NULL, "-ksp_dcdm_model"},
    {2, 17, PETSC_FALSE, "dcdm_notdcdm.h5", "not a dcdm model"},
    {2, 17, PETSC_FALSE, "dcdm_missing.h5", "dcdm_missing.h5"},
    {2, 3, PETSC_FALSE, "dcdm_17.h5", "cannot run"}, /* a model for 17 x 17: its three levels cannot coarsen a side of 3 */
    {3, 9, PETSC_TRUE, "dcdm_17.h5", "is 2D"},       /* a 2D model on 9^3 = 27^2 unknowns: the KSP's DMDA says 3D */
    {2, 9, PETSC_FALSE, "dcdm_3d.h5", "cubic"},      /* a 3D model on 9^2 unknowns, not a cube */
  };
  PDT(WriteModel("dcdm_notdcdm.h5", 17, 2, NULL));
  PDT(WriteModel("dcdm_17.h5", 17, 2, "dcdm"));
  PDT(WriteModel("dcdm_3d.h5", 9, 3, "dcdm"));
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    DM       da;
    Vec      u;
    PetscInt its;
    PDT(PdMeshCreateDA(PETSC_COMM_SELF, cases[k].dim, cases[k].N, &da));
    PDT_FAILS(SolvePoisson(da, cases[k].withdm, "dcdm", cases[k].model, &u, &its));
    PDT_ERRMSG_HAS(cases[k].msg);
    PDT(DMDestroy(&da));
  }
}

/* The 3D Poisson family: the 7-point Laplacian (row sums: 6/h^2 on the boundary rows, the full
   stencil's 0 at nodes whose neighbours are all interior), right-hand sides zero on the boundary,
   f = 1 inside for k = 0, and the smooth ones (odd k) far smoother than white noise (even k):
   ||A b|| / ||b|| is a Rayleigh-type measure of their frequency content */
static void test_family3d(void **state)
{
  PdFamily  fam;
  Mat       A = NULL;
  Vec       b, Ab, one;
  PetscReal ratio[3];
  PetscInt  N = 17, n;
  PDT(PdFamilyCreate(N, 5, &fam));
  PDT(PdFamilySetProblem(&fam, PDPROBLEMPOISSON));
  fam.dim = 3;
  assert_int_equal(PdFamilyUnknowns(&fam), N * N * N);
  PDT(PdFamilyOperator(&fam, 0, &A));
  PDT(MatGetSize(A, &n, NULL));
  assert_int_equal(n, N * N * N);
  PDT(MatCreateVecs(A, &one, &b));
  PDT(VecDuplicate(b, &Ab));
  PDT(VecSet(one, 1.0));
  PDT(MatMult(A, one, Ab));
  {
    const PetscScalar *a;
    const PetscReal    h2 = 1.0 / ((N - 1) * (N - 1));
    PDT(VecGetArrayRead(Ab, &a));
    PDT_CLOSE(a[0], 6 / h2, 1e-9 / h2);                   /* a corner: a boundary row */
    PDT_CLOSE(a[(8 * N + 8) * N + 8], 0, 1e-9 / h2);      /* the centre: the full stencil */
    PDT_CLOSE(a[(1 * N + 8) * N + 8], 1 / h2, 1e-9 / h2); /* next to the z = 0 face: one coupling dropped */
    PDT(VecRestoreArrayRead(Ab, &a));
  }
  for (PetscInt k = 0; k < 3; k++) {
    const PetscScalar *a;
    PetscReal          nb, nab;
    PDT(PdFamilyRHS(&fam, 0, k, b));
    PDT(VecGetArrayRead(b, &a));
    for (PetscInt l = 0; l < N; l++)
      for (PetscInt j = 0; j < N; j++)
        for (PetscInt i = 0; i < N; i++) {
          PetscBool bd = (PetscBool)(i == 0 || j == 0 || l == 0 || i == N - 1 || j == N - 1 || l == N - 1);
          PetscReal v  = PetscRealPart(a[(l * N + j) * N + i]);
          if (bd) assert_true(v == 0);
          else if (k == 0) assert_true(v == 1);
        }
    PDT(VecRestoreArrayRead(b, &a));
    PDT(MatMult(A, b, Ab));
    PDT(VecNorm(b, NORM_2, &nb));
    PDT(VecNorm(Ab, NORM_2, &nab));
    ratio[k] = nab / nb;
  }
  print_message("3D family: ||A b|| / ||b|| smooth %g, white noise %g\n", (double)ratio[1], (double)ratio[2]);
  if (!(ratio[1] < 0.25 * ratio[2])) fail_msg("the smooth 3D right-hand side is not smooth: %g against white noise %g", (double)ratio[1], (double)ratio[2]);
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&Ab));
  PDT(VecDestroy(&one));
  PDT(MatDestroy(&A));
  PDT(PdFamilyDestroy(&fam));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_ritz_values),
  cmocka_unit_test(test_ritz_exhausted_krylov),
  cmocka_unit_test(test_untrained_converges),
  cmocka_unit_test(test_errors),
  cmocka_unit_test(test_family3d),
};
PDT_MAIN("dcdm", tests)
