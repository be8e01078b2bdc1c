/* Tests of the Poisson solvers: second-order convergence to manufactured solutions (finite
   differences in 2D and 3D, P1 elements on a box and on the L-shaped Gmsh mesh), the operator's
   symmetry and positivity, and the PNG writer. (A diverging solve is tested end to end in
   cli_solve.sh: error paths leave PETSc objects behind, which the leak check here would flag.) */
#include "pdtest.h"
#include <pdeop/poisson.h>
#include <pdeop/mesh.h>
#include <pdeop/output.h>
#include <png.h>

static void SetOpt(const char *k, const char *v) { PetscOptionsSetValue(NULL, k, v); }
static void ClearOpt(const char *k) { PetscOptionsClearValue(NULL, k); }

static PetscReal SolveFD(PetscInt dim, PetscInt n, PdMMSType mms)
{
  DM        da;
  Vec       u;
  PetscReal err;
  PdMeshCreateDA(PETSC_COMM_SELF, dim, n, &da);
  assert_int_equal(PdPoissonSolveFD(da, mms, NULL, &u, &err), 0);
  VecDestroy(&u);
  DMDestroy(&da);
  return err;
}

static void CheckOrder(const PetscReal e[3], const char *what)
{
  for (int k = 0; k < 2; k++) {
    double order = log2(e[k] / e[k + 1]);
    if (!(order > 1.8 && order < 2.2)) fail_msg("%s: observed order %.3f between refinements %d and %d (errors %g, %g)", what, order, k, k + 1, e[k], e[k + 1]);
  }
}

static void test_fd_convergence(void **state)
{
  PetscReal e[3];
  SetOpt("-ksp_rtol", "1e-12");
  for (int t = PD_MMS_TRIG; t <= PD_MMS_POLY; t++) {
    for (int k = 0; k < 3; k++) e[k] = SolveFD(2, 16 * (1 << k) + 1, (PdMMSType)t);
    CheckOrder(e, t == PD_MMS_TRIG ? "FD 2D trig" : "FD 2D poly");
  }
  for (int k = 0; k < 3; k++) e[k] = SolveFD(3, 8 * (1 << k) + 1, PD_MMS_POLY);
  CheckOrder(e, "FD 3D poly");
  ClearOpt("-ksp_rtol");
}

static PetscReal SolveFEM(const char *mesh, int refine)
{
  DM        dm;
  Vec       u;
  PetscReal err;
  char      r[8];
  snprintf(r, sizeof(r), "%d", refine);
  if (mesh) SetOpt("-mesh", mesh);
  SetOpt("-dm_refine", r);
  assert_int_equal(PdMeshCreatePlex(PETSC_COMM_SELF, 2, &dm), 0);
  assert_int_equal(PdPoissonSolveFEM(dm, PD_MMS_TRIG, NULL, &u, &err), 0);
  VecDestroy(&u);
  DMDestroy(&dm);
  ClearOpt("-dm_refine");
  if (mesh) ClearOpt("-mesh");
  return err;
}

static void test_fem_convergence(void **state)
{
  PetscReal   e[3];
  char        mesh[PETSC_MAX_PATH_LEN];
  const char *src = getenv("PDEOP_SOURCE_DIR");
  SetOpt("-ksp_rtol", "1e-12");
  for (int k = 0; k < 3; k++) e[k] = SolveFEM(NULL, k + 1);
  CheckOrder(e, "P1 FEM on the box");
  assert_non_null(src);
  snprintf(mesh, sizeof(mesh), "%s/examples/lshape.msh", src);
  for (int k = 0; k < 3; k++) e[k] = SolveFEM(mesh, k + 2);
  CheckOrder(e, "P1 FEM on the L-shaped mesh");
  ClearOpt("-ksp_rtol");
}

static void test_fd_operator_spd(void **state)
{
  DM        da;
  Mat       A;
  PetscBool sym;
  KSP       ksp;
  Vec       b, x;
  PetscReal emax, emin;
  PDT(PdMeshCreateDA(PETSC_COMM_SELF, 2, 17, &da));
  PDT(DMCreateMatrix(da, &A));
  PDT(PdPoissonFDOperator(da, A));
  PDT(MatIsSymmetric(A, 0.0, &sym));
  assert_true(sym);
  /* positive definite: CG's Lanczos estimate of the smallest eigenvalue is positive and close to
     the continuous 2 pi^2 (the boundary rows contribute 4/h^2 = 1024, above it) */
  PDT(KSPCreate(PETSC_COMM_SELF, &ksp));
  PDT(KSPSetOperators(ksp, A, A));
  PDT(KSPSetType(ksp, KSPCG));
  PDT(KSPSetComputeSingularValues(ksp, PETSC_TRUE));
  PDT(KSPSetTolerances(ksp, 1e-12, PETSC_DEFAULT, PETSC_DEFAULT, 500));
  {
    PC pc;
    PDT(KSPGetPC(ksp, &pc));
    PDT(PCSetType(pc, PCNONE));
  }
  PDT(DMCreateGlobalVector(da, &b));
  PDT(VecDuplicate(b, &x));
  PDT(VecSetRandom(b, NULL));
  PDT(KSPSolve(ksp, b, x));
  PDT(KSPComputeExtremeSingularValues(ksp, &emax, &emin));
  /* discrete smallest eigenvalue of the 5-point Laplacian with h = 1/16: 8/h^2 sin^2(pi h/2) */
  PDT_CLOSE(emin, 8 * 256 * pow(sin(PETSC_PI / 32), 2), 1e-6 * emin);
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&x));
  PDT(KSPDestroy(&ksp));
  PDT(MatDestroy(&A));
  PDT(DMDestroy(&da));
}

static void test_png(void **state)
{
  double        a[70], b[70];
  const double *f[2] = {a, b};
  FILE         *fp;
  png_structp   png;
  png_infop     info;
  for (int i = 0; i < 70; i++) {
    a[i] = i;
    b[i] = -i;
  }
  PDT(PdPNGWriteHeatmaps(PETSC_COMM_SELF, "poisson_test.png", 2, 10, 7, f));
  fp = fopen("poisson_test.png", "rb");
  assert_non_null(fp);
  png  = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = png_create_info_struct(png);
  png_init_io(png, fp);
  png_read_info(png, info);
  /* scale ceil(256/10) = 26: panels 260 x 182, 8 pixels apart */
  assert_int_equal(png_get_image_width(png, info), 2 * 260 + 8);
  assert_int_equal(png_get_image_height(png, info), 182);
  png_destroy_read_struct(&png, &info, NULL);
  fclose(fp);
  PDT_FAILS(PdPNGWriteHeatmaps(PETSC_COMM_SELF, "nodir/x.png", 1, 10, 7, f));
  PDT_ERRMSG_HAS("nodir/x.png");
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_fd_convergence), cmocka_unit_test(test_fem_convergence), cmocka_unit_test(test_fd_operator_spd), cmocka_unit_test(test_png)};
PDT_MAIN("poisson", tests)
