/* Shared helpers for pdeop's cmocka tests: PETSc start-up, calls that must succeed or must fail,
   float comparisons, option tables, models made from options, and a KSP solve with a model file.
   Every test program exits non-zero when any check fails. */
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pdeop/pdeop.h>

/* The call must succeed. */
#define PDT(call) assert_int_equal((int)(call), 0)

/* The call must fail with a PETSc error (its traceback is silenced); the error message is left in
   pdt_errmsg so the test can check that it names the problem. */
static char                  pdt_errmsg[4096];
static inline PetscErrorCode pdt_silent_handler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL && mess) snprintf(pdt_errmsg, sizeof(pdt_errmsg), "%s", mess);
  return n;
}
#define PDT_FAILS(call) \
  do { \
    PetscErrorCode pdt_ierr_; \
    pdt_errmsg[0] = 0; \
    PetscPushErrorHandler(pdt_silent_handler, NULL); \
    pdt_ierr_ = (call); \
    PetscPopErrorHandler(); \
    if (!pdt_ierr_) fail_msg("expected %s to fail, but it succeeded", #call); \
  } while (0)
#define PDT_ERRMSG_HAS(substr) \
  do { \
    if (!strstr(pdt_errmsg, (substr))) fail_msg("error message \"%s\" does not mention \"%s\"", pdt_errmsg, (substr)); \
  } while (0)

#define PDT_CLOSE(a, b, tol) \
  do { \
    double pdt_a_ = (double)(a), pdt_b_ = (double)(b); \
    if (!(fabs(pdt_a_ - pdt_b_) <= (tol))) fail_msg("%s = %.9g, %s = %.9g differ by %.3g > %.3g", #a, pdt_a_, #b, pdt_b_, fabs(pdt_a_ - pdt_b_), (double)(tol)); \
  } while (0)

/* A shape of ndim axes (a dataset's in_ndim and in_shape, say) is the expected one, axis for axis:
   PDT_SHAPE_IS(ds.in_ndim, ds.in_shape, N, 1, 9, 9). */
static inline void pdt_assert_shape(int ndim, const PetscInt shape[], int n, const PetscInt expect[])
{
  assert_int_equal(ndim, n);
  for (int k = 0; k < n; k++)
    if (shape[k] != expect[k]) fail_msg("axis %d of the shape is %d, expected %d", k, (int)shape[k], (int)expect[k]);
}
#define PDT_SHAPE_IS(ndim, shape, ...) pdt_assert_shape(ndim, shape, (int)(sizeof((PetscInt[]){__VA_ARGS__}) / sizeof(PetscInt)), (PetscInt[]){__VA_ARGS__})

/* Put a table of options {"-name", "value" or NULL} into the database, or take them out again. */
static inline void pdt_options(const char *const (*opts)[2], size_t n, PetscBool set)
{
  for (size_t k = 0; k < n; k++) {
    if (set) PDT(PetscOptionsSetValue(NULL, opts[k][0], opts[k][1]));
    else PDT(PetscOptionsClearValue(NULL, opts[k][0]));
  }
}
#define PDT_SET_OPTIONS(opts)   pdt_options((const char *const(*)[2])(opts), sizeof(opts) / sizeof((opts)[0]), PETSC_TRUE)
#define PDT_CLEAR_OPTIONS(opts) pdt_options((const char *const(*)[2])(opts), sizeof(opts) / sizeof((opts)[0]), PETSC_FALSE)

/* A model of the type on PETSC_COMM_SELF configured by NOpSetFromOptions from the table of options
   {"-name", "value" or NULL}, which is put into the database only for that call. */
static inline PetscErrorCode PdtNOpFromOptions(NOpType type, const char *const (*opts)[2], size_t n, NOp *nop)
{
  PetscFunctionBegin;
  PetscCall(NOpCreate(PETSC_COMM_SELF, nop));
  PetscCall(NOpSetType(*nop, type));
  for (size_t k = 0; k < n; k++) PetscCall(PetscOptionsSetValue(NULL, opts[k][0], opts[k][1]));
  PetscCall(NOpSetFromOptions(*nop));
  for (size_t k = 0; k < n; k++) PetscCall(PetscOptionsClearValue(NULL, opts[k][0]));
  PetscFunctionReturn(0);
}
#define PDT_NOP_FROM_OPTIONS(type, opts, nop) PdtNOpFromOptions(type, (const char *const(*)[2])(opts), sizeof(opts) / sizeof((opts)[0]), nop)

/* A dataset of N samples, each an input of shape in[in_nd] and an output of shape out[out_nd] (the
   shapes without the N axis): shapes and sizes filled, inputs and outputs allocated but not set
   (PetscMalloc1 each, so PdDatasetFree frees them), no attributes */
static inline PetscErrorCode PdtDatasetAlloc(PetscInt N, int in_nd, const PetscInt in[], int out_nd, const PetscInt out[], PdDataset *ds)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(ds, sizeof(*ds)));
  ds->N           = N;
  ds->in_ndim     = in_nd + 1;
  ds->out_ndim    = out_nd + 1;
  ds->in_shape[0] = ds->out_shape[0] = N;
  ds->in_size = ds->out_size = 1;
  for (int d = 0; d < in_nd; d++) ds->in_size *= (ds->in_shape[d + 1] = in[d]);
  for (int d = 0; d < out_nd; d++) ds->out_size *= (ds->out_shape[d + 1] = out[d]);
  PetscCall(PetscMalloc1((size_t)N * ds->in_size, &ds->inputs));
  PetscCall(PetscMalloc1((size_t)N * ds->out_size, &ds->outputs));
  PetscFunctionReturn(0);
}

/* The two models have the same number of parameters, bit for bit the same. */
static inline void pdt_assert_same_params(NOp a, NOp b)
{
  PdParams pa, pb;
  PetscInt na, nb;
  float   *da, *db, *g;

  PDT(NOpGetParams(a, &pa));
  PDT(NOpGetParams(b, &pb));
  PDT(PdParamsGetSize(pa, &na));
  PDT(PdParamsGetSize(pb, &nb));
  assert_int_equal(na, nb);
  PDT(PdParamsGetArrays(pa, &da, &g));
  PDT(PdParamsGetArrays(pb, &db, &g));
  for (PetscInt i = 0; i < na; i++) assert_true(da[i] == db[i]);
}

/* Solve A x = b on PETSC_COMM_SELF with a KSP of the type and a PC of the type, to rtol (absolute
   tolerance 1e-50) in at most maxit iterations. A model file, if given, reaches the solver as a user
   gives it: the option -t_<option> read by KSPSetFromOptions under the prefix t_. With dm, the KSP
   knows the grid (not active). Gives the iterations; a failed solve's error is passed on after
   cleaning up, and a solve that did not converge is an error. */
static inline PetscErrorCode PdtKSPSolve(Mat A, Vec b, Vec x, DM dm, KSPType ksptype, PCType pctype, PetscReal rtol, PetscInt maxit, const char *option, const char *model, PetscInt *its)
{
  KSP                ksp;
  PC                 pc;
  KSPConvergedReason reason = KSP_CONVERGED_ITERATING;
  PetscErrorCode     ierr;

  PetscFunctionBegin;
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  if (dm) {
    PetscCall(KSPSetDM(ksp, dm));
    PetscCall(KSPSetDMActive(ksp, PETSC_FALSE));
  }
  PetscCall(KSPSetType(ksp, ksptype));
  PetscCall(KSPSetTolerances(ksp, rtol, 1e-50, PETSC_DEFAULT, maxit));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, pctype));
  if (model) {
    char name[64];
    PetscCall(PetscSNPrintf(name, sizeof(name), "-t_%s", option));
    PetscCall(KSPSetOptionsPrefix(ksp, "t_"));
    PetscCall(PetscOptionsSetValue(NULL, name, model));
    ierr = KSPSetFromOptions(ksp); /* a model that cannot be read fails here */
    PetscCall(PetscOptionsClearValue(NULL, name));
    if (ierr) {
      PetscCall(KSPDestroy(&ksp));
      PetscCall(ierr);
    }
  }
  ierr = KSPSolve(ksp, b, x);
  if (!ierr) {
    PetscCall(KSPGetIterationNumber(ksp, its));
    PetscCall(KSPGetConvergedReason(ksp, &reason));
  }
  PetscCall(KSPDestroy(&ksp));
  PetscCall(ierr);
  PetscCheck(reason > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "%s with PC %s did not converge", ksptype, pctype);
  PetscFunctionReturn(0);
}

/* The gradient of a loss against central differences along directions: loss(ctx, grad, &L) puts
   the loss in L and, with grad, its gradient into p's buffer (zeroed before). Checked along nrandom
   random unit directions and along the gradient itself, h = 1e-2 in float, to 0.2% of the
   difference + 1e-5; what names the loss in the messages. */
typedef PetscErrorCode (*PdtLossFn)(void *, PetscBool, double *);
static inline void pdt_check_directional(PdParams p, int nrandom, PdtLossFn loss, void *ctx, const char *what)
{
  float   *d, *g, *v, *g0;
  PetscInt n;
  double   L;
  PdRng    rng;
  PDT(PdParamsGetBufferSize(p, &n));
  PDT(PdParamsGetArrays(p, &d, &g));
  PDT(PdParamsZeroGrad(p));
  PDT(loss(ctx, PETSC_TRUE, &L));
  assert_true(L > 0 && PetscIsNormalReal(L));
  PDT(PetscMalloc2(n, &v, n, &g0));
  PDT(PetscArraycpy(g0, g, n));
  PDT(PdRngSeed(&rng, 5, 1));
  for (int dir = 0; dir <= nrandom; dir++) {
    double       gv = 0, vv = 0, lp, lm, fd;
    const double h = 1e-2;
    if (dir < nrandom) PDT(PdRngFillNormal(&rng, n, v, 0, 1));
    else PDT(PetscArraycpy(v, g0, n));
    for (PetscInt i = 0; i < n; i++) vv += (double)v[i] * v[i];
    for (PetscInt i = 0; i < n; i++) v[i] = (float)(v[i] / PetscSqrtReal(vv));
    for (PetscInt i = 0; i < n; i++) gv += (double)g0[i] * v[i];
    for (PetscInt i = 0; i < n; i++) d[i] += (float)h * v[i];
    PDT(loss(ctx, PETSC_FALSE, &lp));
    for (PetscInt i = 0; i < n; i++) d[i] -= 2 * (float)h * v[i];
    PDT(loss(ctx, PETSC_FALSE, &lm));
    for (PetscInt i = 0; i < n; i++) d[i] += (float)h * v[i];
    fd = (lp - lm) / (2 * h);
    print_message("# %s direction %d: g.v = %.6e, central difference %.6e\n", what, dir, gv, fd);
    PDT_CLOSE(gv, fd, 2e-3 * PetscAbsReal(fd) + 1e-5);
  }
  PDT(PetscFree2(v, g0));
}

/* Run the group under PETSc with its malloc tracking on (-malloc_debug); return non-zero if any test
   failed, or if PetscMalloc'ed memory is still allocated after PetscFinalize (which frees all of
   PETSc's own registrations): a leak in pdeop or in a test. */
static inline int pdt_run(int argc, char **argv, const char *name, const struct CMUnitTest *tests, size_t n)
{
  int            fails;
  PetscLogDouble left = 0;
  if (PetscOptionsSetValue(NULL, "-malloc_debug", NULL)) return 1;
  if (PdInitialize(&argc, &argv, NULL, NULL)) return 1;
  fails = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
  if (PetscFinalize()) return 1;
  PetscMallocGetCurrentUsage(&left);
  if (left > 0) {
    printf("not ok - %s: %.0f bytes of PetscMalloc'ed memory were never freed (run with -malloc_dump to list them)\n", name, left);
    fails++;
  }
  return fails ? 1 : 0;
}
#define PDT_MAIN(name, tests) \
  int main(int argc, char **argv) { return pdt_run(argc, argv, name, tests, sizeof(tests) / sizeof((tests)[0])); }
