/* Tests of the PdProblem object, each type constructed directly: the registry lists the six types
   and rejects unknown ones; poisson's manufactured-solution error falls at O(h^2) (the reference:
   second-order finite differences); darcy's operator is symmetric; the cavity marched step by step
   keeps no-slip, the lid and psi = 0 on the walls in its in-memory node fields; ns-periodic and
   system run under an options prefix; a darcy sample drawn twice is the same, its coefficient is
   the 12/3 threshold and its solution satisfies the discrete Darcy equation, and the dataset driver
   holds exactly the samples drawn one by one; antiderivative has only a data mode; families of
   systems are the types with a per-index operator (poisson, darcy, cavity). */
#include "pdtest_cavity.h"
#include <petscdmda.h>
#include <stdlib.h>
#include <unistd.h>
#include <pdeop/problem.h>
#include <pdeop/darcy.h>
#include <pdeop/learned.h>

/* a problem of the type on PETSC_COMM_SELF */
static PdProblem NewProblem(PdProblemType type)
{
  PdProblem p;
  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT(PdProblemSetType(p, type));
  return p;
}

/* the problem's report, in a new dictionary */
static PdDict Report(PdProblem p)
{
  PdDict r;
  PDT(PdDictCreate(&r));
  PDT(PdProblemGetReport(p, r));
  return r;
}

static void test_registry(void **state)
{
  const char        *want[] = {PDPROBLEMPOISSON, PDPROBLEMDARCY, PDPROBLEMCAVITY, PDPROBLEMNSPERIODIC, PDPROBLEMSYSTEM, PDPROBLEMANTIDERIV};
  PetscInt           n;
  const char *const *names, *const *usages;
  PdProblem     p;
  PdProblemType type;

  PDT(PdProblemGetTypes(&n, &names, &usages));
  assert_int_equal(n, 6);
  for (int k = 0; k < 6; k++) {
    assert_string_equal(names[k], want[k]);
    if (k == 5) assert_null(usages[k]); /* a dataset recipe: not offered by pdeop solve */
    else assert_non_null(strstr(usages[k], k != 4 ? want[k] : "-f "));
  }
  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT_FAILS(PdProblemSetUp(p));
  PDT_ERRMSG_HAS("PdProblemSetType");
  PDT_FAILS(PdProblemSetType(p, "heat"));
  PDT_ERRMSG_HAS("Unknown problem 'heat'");
  PDT_ERRMSG_HAS("ns-periodic");
  PDT(PdProblemSetType(p, PDPROBLEMDARCY));
  PDT(PdProblemSetType(p, PDPROBLEMPOISSON)); /* a new type replaces the old one */
  PDT(PdProblemGetType(p, &type));
  assert_string_equal(type, PDPROBLEMPOISSON);
  PDT_FAILS(PdProblemCavitySetReynolds(p, 100));
  PDT_ERRMSG_HAS("'cavity' problems");
  PDT_FAILS(PdProblemGetReport(p, NULL));
  PDT(PdProblemDestroy(&p));
  assert_null(p);
}

/* families of systems come from the registry: the types with a per-index operator (poisson, darcy,
   cavity), in its order; a PdFamily is a layer over such a problem: an unknown or unfit type is an
   error listing them, the cavity's family is 2D, a duplicate with the same seed makes the same systems */
static void test_families(void **state)
{
  const char *types[] = {PDPROBLEMPOISSON, PDPROBLEMDARCY, PDPROBLEMCAVITY, PDPROBLEMNSPERIODIC, PDPROBLEMSYSTEM, PDPROBLEMANTIDERIV, "heat"};
  char        list[128], desc[64];
  PdFamily    f, g;
  Mat         A = NULL, B = NULL;
  PetscBool   has, eq;

  for (int k = 0; k < 7; k++) {
    PDT(PdProblemTypeHasFamily(types[k], &has));
    assert_int_equal(has, k < 3);
  }
  PDT(PdProblemGetFamilyTypes(", ", " or ", list, sizeof(list)));
  assert_string_equal(list, "poisson, darcy or cavity");
  PDT(PdProblemGetFamilyTypes("|", "|", list, sizeof(list)));
  assert_string_equal(list, "poisson|darcy|cavity");
  PDT(PdFamilyCreate(9, 3, &f));
  PDT_FAILS(PdFamilySetProblem(&f, PDPROBLEMSYSTEM));
  PDT_ERRMSG_HAS("Unknown -problem system: use poisson, darcy or cavity");
  PDT(PdFamilySetProblem(&f, PDPROBLEMCAVITY));
  f.dim = 3;
  PDT_FAILS(PdFamilySetUp(&f));
  PDT_ERRMSG_HAS("the cavity family is 2D");
  f.dim = 2;
  PDT(PdFamilySetUp(&f));
  assert_false(f.rhs_ones); /* the cavity's right-hand side 0 is a random source */
  PDT(PdFamilyDescribe(&f, desc, sizeof(desc)));
  assert_string_equal(desc, "cavity pressure 9x9");
  PDT(PdFamilyDestroy(&f));
  PDT(PdFamilyCreate(9, 3, &f));
  PDT(PdFamilyDescribe(&f, desc, sizeof(desc))); /* before set-up too */
  assert_string_equal(desc, "darcy (threshold) 9x9");
  PDT(PdFamilyDuplicate(&f, 3, &g));
  PDT(PdFamilyOperator(&f, 1, &A));
  PDT(PdFamilyOperator(&g, 1, &B));
  assert_ptr_not_equal(f.prob, g.prob);
  PDT(MatEqual(A, B, &eq));
  assert_true(eq);
  PDT(PdFamilyDestroy(&g));
  PDT(PdFamilyDuplicate(&f, 4, &g));
  PDT(PdFamilyOperator(&g, 1, &B));
  PDT(MatEqual(A, B, &eq));
  assert_false(eq);
  PDT_FAILS(PdFamilySetProblem(&g, PDPROBLEMPOISSON)); /* before set-up only */
  PDT_ERRMSG_HAS("before PdFamilySetUp");
  PDT(PdFamilyDestroy(&g));
  PDT(PdFamilyDestroy(&f));
  PDT(MatDestroy(&A));
  PDT(MatDestroy(&B));
}

/* poisson (trig) on a 2D DMDA of n x n nodes through the object; the error against the exact solution */
static PetscReal PoissonError(PetscInt n)
{
  DM        da;
  Vec       u;
  PdProblem p;
  PetscReal err;
  PetscInt  size;
  DM        dm;

  PDT(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n, n, 1, 1, 1, 1, NULL, NULL, &da));
  PDT(DMSetUp(da));
  p = NewProblem(PDPROBLEMPOISSON);
  PDT(PdProblemSetOptionsPrefix(p, "tp_")); /* -tp_ksp_rtol reaches the KSP */
  {                                         /* a DMDA with 2 fields per node is refused at once */
    DM da2;
    PDT(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n, n, 1, 1, 2, 1, NULL, NULL, &da2));
    PDT(DMSetUp(da2));
    PDT_FAILS(PdProblemPoissonSetDM(p, da2));
    PDT_ERRMSG_HAS("needs 1 degree of freedom per node, this one has 2");
    PDT(DMDestroy(&da2));
  }
  PDT(PdProblemPoissonSetDM(p, da));
  PDT(PdProblemPoissonSetMMS(p, PD_MMS_TRIG));
  PDT(PdProblemSetUp(p));
  PDT(PdProblemSolve(p));
  PDT(PdProblemPoissonGetError(p, &err));
  PDT(PdProblemGetSolution(p, &dm, &u));
  assert_ptr_equal(dm, da);
  PDT(VecGetSize(u, &size));
  assert_int_equal(size, n * n);
  PDT(PdProblemDestroy(&p));
  PDT(DMDestroy(&da));
  return err;
}

static void test_poisson_order(void **state)
{
  PetscReal e[2], order;

  PDT(PetscOptionsSetValue(NULL, "-tp_ksp_rtol", "1e-12"));
  e[0]  = PoissonError(17);
  e[1]  = PoissonError(33);
  order = log2(e[0] / e[1]);
  print_message("poisson trig through PdProblem: errors %g (17^2), %g (33^2), order %.3f\n", e[0], e[1], order);
  if (!(order > 1.8 && order < 2.2)) fail_msg("observed order %.3f (errors %g, %g), want 2", order, e[0], e[1]);
  PDT(PetscOptionsClearValue(NULL, "-tp_ksp_rtol"));
}

/* an options prefix covers the problem's outputs too: -pp_o is written, the unprefixed -o is not read */
static void test_prefixed_output(void **state)
{
  char        dir[PETSC_MAX_PATH_LEN], a[PETSC_MAX_PATH_LEN + 8], b[PETSC_MAX_PATH_LEN + 8];
  PdProblem   p;
  PetscBool   has;
  const char *types[] = {PDPROBLEMPOISSON, PDPROBLEMDARCY};

  PDT(PetscStrncpy(dir, "/tmp/pdt_prefixXXXXXX", sizeof(dir)));
  assert_non_null(mkdtemp(dir));
  PDT(PetscSNPrintf(a, sizeof(a), "%s/a.h5", dir));
  PDT(PetscSNPrintf(b, sizeof(b), "%s/b.h5", dir));
  for (int k = 0; k < 2; k++) {
    PDT(PetscOptionsSetValue(NULL, "-pp_o", a));
    PDT(PetscOptionsSetValue(NULL, "-o", b));
    PDT(PetscOptionsSetValue(NULL, "-da_grid_x", "9"));
    p = NewProblem(types[k]);
    PDT(PdProblemSetOptionsPrefix(p, "pp_"));
    PDT(PdProblemSetFromOptions(p));
    PDT(PdProblemSolve(p));
    PDT(PdProblemWriteFields(p));
    PDT(PdProblemDestroy(&p));
    PDT(PetscTestFile(a, 'r', &has));
    assert_true(has);
    PDT(PetscTestFile(b, 'r', &has));
    assert_false(has);
    PDT(PetscOptionsClearValue(NULL, "-pp_o"));
    PDT(PetscOptionsClearValue(NULL, "-o"));
    PDT(PetscOptionsClearValue(NULL, "-da_grid_x"));
    assert_int_equal(remove(a), 0);
  }
  assert_int_equal(rmdir(dir), 0);
}

static void test_darcy_operator(void **state)
{
  PdProblem  p;
  Mat        A;
  Vec        b;
  PetscBool  sym;
  PdDict     r;
  PetscInt64 its;
  double     umax;

  p = NewProblem(PDPROBLEMDARCY);
  PDT(PdProblemGetOperator(p, &A, &b)); /* sets the problem up: the default 85^2 grid, seed 0 */
  PDT(MatIsSymmetric(A, 0.0, &sym));
  assert_true(sym);
  assert_non_null(b);
  PDT(PdProblemSolve(p));
  PDT(PdProblemView(p, NULL));
  r = Report(p);
  PDT(PdDictGetInt(r, "iterations", &its));
  PDT(PdDictGetReal(r, "u_max", &umax));
  assert_true(its > 0);
  /* f = 1 and 3 <= a <= 12: u lies between the a = 12 and a = 3 solutions (max 0.0737/a) */
  assert_true(umax > 0.0737 / 12 && umax < 0.0737 / 3);
  PDT(PdDictDestroy(&r));
  PDT(PdProblemDestroy(&p));
  /* by setters alone: a 17^2 grid and another seed, another coefficient */
  {
    PetscInt m;
    double   umax2;
    p = NewProblem(PDPROBLEMDARCY);
    PDT_FAILS(PdProblemDarcySetGridSize(p, 2));
    PDT_ERRMSG_HAS("3 to 46340 nodes per side, got 2");
    PDT(PdProblemDarcySetGridSize(p, 17));
    PDT(PdProblemSetSeed(p, 4));
    PDT(PdProblemGetOperator(p, &A, &b));
    PDT(MatGetSize(A, &m, NULL));
    assert_int_equal(m, 17 * 17);
    PDT(PdProblemSolve(p));
    r = Report(p);
    PDT(PdDictGetReal(r, "u_max", &umax2));
    assert_true(umax2 > 0.0737 / 12 && umax2 < 0.0737 / 3);
    PDT(PdDictDestroy(&r));
    PDT_FAILS(PdProblemDarcySetGridSize(p, 33));
    PDT_ERRMSG_HAS("before PdProblemSetUp");
    PDT(PdProblemDestroy(&p));
  }
}

/* 17 x 17 nodes, Re 100: 10 steps, then on to t_max = 1 (32 steps of dt = h/2), fields from memory */
static void test_cavity_steps(void **state)
{
  const PetscInt N = 17;
  PdProblem      p;
  PetscBool      done, steady;
  PetscInt       n;
  const double  *f[5];
  PdDict         r;
  PetscInt64     steps;
  Mat            A;
  PetscBool      sym;

  p = NewProblem(PDPROBLEMCAVITY);
  PDT(PdProblemCavitySetGridSize(p, N));
  PDT(PdProblemCavitySetReynolds(p, 100));
  PDT(PdProblemCavitySetMaxTime(p, 1));
  PDT(PdProblemCavityStep(p, 10, &done));
  assert_false(done);
  PDT_FAILS(PdProblemCavitySetGridSize(p, 33));
  PDT(PdProblemGetOperator(p, &A, NULL));
  PDT(MatIsSymmetric(A, 0.0, &sym));
  assert_true(sym);
  PDT(PdProblemCavityStep(p, 1000, &done));
  assert_true(done);
  PDT(PdProblemView(p, NULL));
  PDT(PdProblemCavityGetNodeFields(p, &n, f));
  assert_int_equal(n, N);
  PdtCavityCheckWalls(N, f[0], f[1], f[3], f[4]);
  /* Solve has nothing left to do; the report counts the steps taken */
  PDT(PdProblemSolve(p));
  r = Report(p);
  PDT(PdDictGetInt(r, "steps", &steps));
  PDT(PdDictGetBool(r, "steady", &steady));
  assert_int_equal(steps, 32);
  assert_false(steady);
  PDT(PdDictDestroy(&r));
  PDT(PdProblemDestroy(&p));
}

/* ns-periodic built by its setters (no options): a Taylor-Green vortex decays as exp(-2 nu k^2 t) in
   energy; a setter's bad value is refused at set-up as the option's would be */
static void test_ns_periodic(void **state)
{
  PdProblem p;
  PdDict    r;
  double    e0, e;

  p = NewProblem(PDPROBLEMNSPERIODIC);
  PDT(PdProblemNSPeriodicSetGridSize(p, 16));
  PDT(PdProblemNSPeriodicSetViscosity(p, 0.1));
  PDT(PdProblemNSPeriodicSetTimes(p, 1e-3, 0.1));
  PDT(PdProblemNSPeriodicSetInitial(p, 1, 0));
  PDT(PdProblemSolve(p));
  r = Report(p);
  PDT(PdDictGetReal(r, "energy_initial", &e0));
  PDT(PdDictGetReal(r, "energy", &e));
  /* energy ~ w^2: exp(-2 * 2 nu t) for k = 1 on the 2 pi torus; Crank-Nicolson at dt 1e-3 is close */
  PDT_CLOSE(e / e0, exp(-4 * 0.1 * 0.1), 1e-6);
  PDT(PdDictDestroy(&r));
  PDT_FAILS(PdProblemNSPeriodicSetGridSize(p, 32)); /* after set-up */
  PDT_ERRMSG_HAS("before PdProblemSetUp");
  PDT(PdProblemDestroy(&p));
  p = NewProblem(PDPROBLEMNSPERIODIC);
  PDT(PdProblemNSPeriodicSetGridSize(p, 15));
  PDT_FAILS(PdProblemSetUp(p));
  PDT_ERRMSG_HAS("must be even and in [4, 16384]");
  PDT(PdProblemDestroy(&p));
  p = NewProblem(PDPROBLEMPOISSON);
  PDT_FAILS(PdProblemNSPeriodicSetViscosity(p, 1));
  PDT(PdProblemDestroy(&p));
}

/* a host program's own options are its own: the library does not reject them, unless the program
   turns the pdeop program's check on (PdOptionsSetCheckUnused), as the pdeop program does */
static void test_host_options(void **state)
{
  const char *opts[][2] = {{"-tn_ns_n", "8"}, {"-tn_dt", "1e-3"}, {"-tn_T", "2e-3"}, {"-my_app_flag", "1"}};
  PdProblem   p;

  PDT_SET_OPTIONS(opts);
  p = NewProblem(PDPROBLEMNSPERIODIC);
  PDT(PdProblemSetOptionsPrefix(p, "tn_"));
  PDT(PdProblemSetFromOptions(p));
  PDT(PdProblemSolve(p));
  PDT(PdProblemDestroy(&p));
  PDT(PdOptionsSetCheckUnused(PETSC_TRUE));
  p = NewProblem(PDPROBLEMNSPERIODIC);
  PDT(PdProblemSetOptionsPrefix(p, "tn_"));
  PDT_FAILS(PdProblemSetFromOptions(p));
  PDT(PdOptionsSetCheckUnused(PETSC_FALSE));
  PDT(PdProblemDestroy(&p));
  PDT_CLEAR_OPTIONS(opts);
}

/* system under the prefix ts_: a poisson operator written to a PETSc binary file and solved again */
static void test_system(void **state)
{
  PdProblem   p, q;
  Mat         A, B;
  Vec         b, x;
  PetscViewer v;
  PetscBool   eq;
  PdDict      r;
  PetscBool   rhs;

  p = NewProblem(PDPROBLEMPOISSON);
  PDT(PdProblemGetOperator(p, &A, &b));
  PDT(PetscViewerBinaryOpen(PETSC_COMM_SELF, "test_problem.petsc", FILE_MODE_WRITE, &v));
  PDT(MatView(A, v));
  PDT(PetscViewerDestroy(&v));
  PDT(PetscOptionsSetValue(NULL, "-ts_f", "test_problem.petsc"));
  q = NewProblem(PDPROBLEMSYSTEM);
  PDT(PdProblemSetOptionsPrefix(q, "ts_"));
  PDT(PdProblemSetFromOptions(q));
  PDT(PdProblemSetUp(q));
  PDT(PdProblemGetOperator(q, &B, NULL));
  PDT(MatEqual(A, B, &eq));
  assert_true(eq);
  PDT(PdProblemSolve(q));
  PDT(PdProblemGetSolution(q, NULL, &x));
  assert_non_null(x);
  r = Report(q);
  PDT(PdDictGetBool(r, "rhs_from_file", &rhs));
  assert_false(rhs);
  PDT(PdDictDestroy(&r));
  PDT(PdProblemDestroy(&q));
  PDT(PetscOptionsClearValue(NULL, "-ts_f"));

  /* by its setter alone: the system and right-hand side -o_system writes solve to p's solution */
  {
    Vec       u, y;
    PetscReal err, un;
    PDT(PdProblemWriteSystem(p, "test_problem_rhs.petsc"));
    PDT(PdProblemSolve(p));
    PDT(PdProblemGetSolution(p, NULL, &u));
    PDT(PdProblemCreate(PETSC_COMM_SELF, &q));
    PDT(PdProblemSetType(q, PDPROBLEMSYSTEM));
    PDT(PdProblemSystemSetFile(q, "test_problem_rhs.petsc"));
    PDT(PdProblemSetUp(q));
    PDT(PdProblemSolve(q));
    PDT(PdProblemGetSolution(q, NULL, &x));
    PDT(VecDuplicate(u, &y));
    PDT(VecWAXPY(y, -1.0, u, x));
    PDT(VecNorm(y, NORM_2, &err));
    PDT(VecNorm(u, NORM_2, &un));
    assert_true(un > 0 && err < 1e-6 * un);
    r = Report(q);
    PDT(PdDictGetBool(r, "rhs_from_file", &rhs));
    assert_true(rhs);
    PDT(PdDictDestroy(&r));
    PDT(VecDestroy(&y));
    PDT(PdProblemDestroy(&q));
    /* a missing file is one error naming it, at set-up; the setter belongs to the system type */
    PDT(PdProblemCreate(PETSC_COMM_SELF, &q));
    PDT(PdProblemSetType(q, PDPROBLEMSYSTEM));
    PDT(PdProblemSystemSetFile(q, "test_problem_none.petsc"));
    PDT_FAILS(PdProblemSetUp(q));
    PDT_ERRMSG_HAS("test_problem_none.petsc");
    PDT(PdProblemDestroy(&q));
    PDT_FAILS(PdProblemSystemSetFile(p, "x.petsc"));
    PDT_ERRMSG_HAS("PdProblemSystemSetFile");
  }
  PDT(PdProblemDestroy(&p));
}

/* darcy samples at 17^2 (res = fine: the stored fields are the fine ones) */
static void test_darcy_sample(void **state)
{
  const PetscInt N = 17, NN = N * N;
  PdProblem      p;
  PetscInt       ni, no, si[4], so[4];
  float          in1[17 * 17], out1[17 * 17], in2[17 * 17], out2[17 * 17];
  double         a[17 * 17];
  DM             da;
  Mat            A;
  Vec            u, b, r;
  PetscScalar   *ua;
  PetscReal      rn, bn;
  PdDataset      ds;
  PdDict         rep;
  PetscInt64     n;

  p = NewProblem(PDPROBLEMDARCY);
  PDT_FAILS(PdProblemSample(p, 0, in1, out1));
  PDT_ERRMSG_HAS("PdProblemSetDataMode");
  PDT(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT(PdProblemDarcySetSampleGrid(p, N, N));
  PDT(PdProblemGetSampleShapes(p, &ni, si, &no, so));
  assert_int_equal(ni, 3);
  assert_int_equal(no, 3);
  assert_int_equal(si[0], 1);
  assert_int_equal(si[1], N);
  assert_int_equal(so[2], N);
  PDT(PdProblemSample(p, 2, in1, out1));
  PDT(PdProblemSample(p, 1, in2, out2)); /* another sample in between changes nothing */
  assert_true(memcmp(in1, in2, sizeof(in1)) != 0);
  PDT(PdProblemSample(p, 2, in2, out2));
  assert_memory_equal(in1, in2, sizeof(in1));
  assert_memory_equal(out1, out2, sizeof(out1));
  PDT_FAILS(PdProblemSolve(p));
  PDT_ERRMSG_HAS("data mode");
  PDT_FAILS(PdProblemSetSeed(p, 1));
  PDT_ERRMSG_HAS("before PdProblemSetUp");
  { /* another seed, another stream: sample 2 of seed 1 is not sample 2 of seed 0 (the default) */
    PdProblem q = NewProblem(PDPROBLEMDARCY);
    PDT(PdProblemSetDataMode(q, PETSC_TRUE));
    PDT(PdProblemDarcySetSampleGrid(q, N, N));
    PDT(PdProblemSetSeed(q, 1));
    PDT(PdProblemSample(q, 2, in2, out2));
    assert_true(memcmp(in1, in2, sizeof(in1)) != 0);
    PDT(PdProblemDestroy(&q));
  }

  /* independent check: A(a) u - f on the fine grid, A rebuilt from the stored coefficient */
  for (PetscInt k = 0; k < NN; k++) {
    assert_true(in1[k] == 12.0f || in1[k] == 3.0f);
    a[k] = in1[k];
  }
  PDT(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, N, N, 1, 1, 1, 1, NULL, NULL, &da));
  PDT(DMSetUp(da));
  PDT(DMCreateMatrix(da, &A));
  PDT(PdDarcyOperator(da, a, PD_FACE_HARMONIC, A));
  PDT(DMCreateGlobalVector(da, &u));
  PDT(VecDuplicate(u, &b));
  PDT(VecDuplicate(u, &r));
  PDT(PdDarcyRHS(da, NULL, 1.0, b));
  PDT(VecGetArray(u, &ua));
  for (PetscInt k = 0; k < NN; k++) ua[k] = out1[k];
  PDT(VecRestoreArray(u, &ua));
  PDT(MatMult(A, u, r));
  PDT(VecAXPY(r, -1, b));
  PDT(VecNorm(r, NORM_2, &rn));
  PDT(VecNorm(b, NORM_2, &bn));
  assert_true(rn < 1e-5 * bn); /* float storage of u: ~1e-7 relative */
  PDT(VecMax(u, NULL, &rn));
  assert_true(rn > 0.0737 / 12 && rn < 0.0737 / 3);

  /* the driver's dataset is the samples one by one, with the recipe's attributes and report */
  PDT(PdDictCreate(&rep));
  PDT(PdDatasetGenerate(p, 3, &ds, rep));
  assert_int_equal(ds.N, 3);
  assert_int_equal(ds.in_ndim, 4);
  assert_int_equal(ds.in_shape[3], N);
  assert_memory_equal(ds.inputs + 2 * NN, in1, sizeof(in1));
  assert_memory_equal(ds.outputs + 2 * NN, out1, sizeof(out1));
  PDT(PdDictGetInt(ds.attrs, "fine", &n));
  assert_int_equal(n, N);
  PDT(PdDictGetInt(ds.attrs, "n", &n)); /* the samples drawn, not the recipe's default count */
  assert_int_equal(n, 3);
  PDT(PdDictGetInt(rep, "samples", &n));
  assert_int_equal(n, 3);
  PDT(PdDictGetInt(rep, "res", &n));
  assert_int_equal(n, N);
  PDT(PdDatasetFree(&ds));
  PDT(PdDictDestroy(&rep));
  PDT(VecDestroy(&u));
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&r));
  PDT(MatDestroy(&A));
  PDT(DMDestroy(&da));
  PDT(PdProblemDestroy(&p));

  /* types without a recipe refuse data mode, also when the type changes after it; antiderivative has nothing to solve */
  p = NewProblem(PDPROBLEMPOISSON);
  PDT_FAILS(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT_ERRMSG_HAS("no dataset recipe");
  PDT(PdProblemSetType(p, PDPROBLEMDARCY));
  PDT(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT_FAILS(PdProblemSetType(p, PDPROBLEMPOISSON));
  PDT_ERRMSG_HAS("data mode is now off");
  PDT(PdProblemSetUp(p)); /* a poisson solve, as the type says */
  PDT(PdProblemDestroy(&p));
  PDT_FAILS(PdProblemSetType(NULL, PDPROBLEMPOISSON)); /* NULL arguments: one error each, no crash */
  PDT_ERRMSG_HAS("the problem is NULL");
  PDT_FAILS(PdProblemCreate(PETSC_COMM_SELF, NULL));
  PDT_FAILS(PdProblemSetSeed(NULL, 1));
  PDT(PdProblemDestroy(NULL));
  p = NewProblem(PDPROBLEMPOISSON);
  PDT_FAILS(PdProblemPoissonSetMMS(p, (PdMMSType)99));
  PDT_ERRMSG_HAS("unknown manufactured solution 99");
  PDT(PdProblemSetType(p, PDPROBLEMANTIDERIV));
  PDT_FAILS(PdProblemSolve(p));
  PDT_ERRMSG_HAS("pdeop data antiderivative");
  PDT(PdProblemDestroy(&p));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_registry),
  cmocka_unit_test(test_families),
  cmocka_unit_test(test_poisson_order),
  cmocka_unit_test(test_prefixed_output),
  cmocka_unit_test(test_darcy_operator),
  cmocka_unit_test(test_cavity_steps),
  cmocka_unit_test(test_ns_periodic),
  cmocka_unit_test(test_host_options),
  cmocka_unit_test(test_system),
  cmocka_unit_test(test_darcy_sample),
};
PDT_MAIN("test_problem", tests)
