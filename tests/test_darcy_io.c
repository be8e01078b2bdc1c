/* Tests of the darcy problem's files: `solve darcy -o` stores the coefficient "a" beside u, and
   -darcy_coefficient_index k re-solves sample k of a generated dataset to its stored output. */
#include "pdtest.h"
#include <pdeop/field.h>
#include "pdtest_data.h"

static void SetOptions(const char *const opts[][2], size_t n)
{
  for (size_t k = 0; k < n; k++) PDT(PetscOptionsSetValue(NULL, opts[k][0], opts[k][1]));
}

static void ClearOptions(const char *const opts[][2], size_t n)
{
  for (size_t k = 0; k < n; k++) PDT(PetscOptionsClearValue(NULL, opts[k][0]));
}

/* a darcy problem from the options: set up and solved (and its fields written), or the error */
static PetscErrorCode SolveFromOptions(PdProblem *p)
{
  PetscFunctionBegin;
  PetscCall(PdProblemCreate(PETSC_COMM_SELF, p));
  PetscCall(PdProblemSetType(*p, PDPROBLEMDARCY));
  PetscCall(PdProblemSetFromOptions(*p));
  PetscCall(PdProblemSolve(*p));
  PetscCall(PdProblemWriteFields(*p));
  PetscFunctionReturn(0);
}

static void test_resolve_dataset_sample(void **state)
{
  const char *const data[][2] = {{"-n", "3"}, {"-res", "17"}, {"-fine", "17"}, {"-seed", "4"}, {"-o", "darcy_io_data.h5"}, {"-quiet", NULL}};
  const char *const solve[][2] = {{"-da_grid_x", "17"}, {"-darcy_coefficient_file", "darcy_io_data.h5"}, {"-darcy_coefficient_index", "2"}, {"-ksp_rtol", "1e-12"}, {"-o", "darcy_io_u.h5"}, {"-quiet", NULL}};
  PdDict    report;
  PdDataset ds;
  PdProblem p;
  DM        da;
  Vec       u;
  float     s[17 * 17], *a;
  int       nd;
  PetscInt  shape[8];
  double    maxu = 0;

  SetOptions(data, sizeof(data) / sizeof(data[0]));
  PDT(PdDictCreate(&report));
  PDT(PdtDataRun(PETSC_COMM_SELF, PDPROBLEMDARCY, report));
  PDT(PdDictDestroy(&report));
  ClearOptions(data, sizeof(data) / sizeof(data[0]));
  PDT(PdDatasetRead(PETSC_COMM_SELF, "darcy_io_data.h5", PETSC_TRUE, &ds));

  SetOptions(solve, sizeof(solve) / sizeof(solve[0]));
  PDT(SolveFromOptions(&p));
  PDT(PdProblemGetSolution(p, &da, &u));
  PDT(PdVecToSample(da, u, s));
  for (int q = 0; q < 17 * 17; q++) maxu = fmax(maxu, fabs(ds.outputs[2 * 17 * 17 + q]));
  assert_true(maxu > 1e-3);
  /* the data's solve (CG + hypre, rtol 1e-10) and this one (rtol 1e-12) agree far below the float32
     rounding of the stored output: the rounded values are equal within one unit in the last place */
  for (int q = 0; q < 17 * 17; q++) PDT_CLOSE(s[q], ds.outputs[2 * 17 * 17 + q], 1e-10 + 1.2e-7 * maxu);
  PDT(PdProblemDestroy(&p));
  /* the coefficient is in the -o file beside u, and equals the dataset's input */
  PDT(PdH5ReadFloatArray(PETSC_COMM_SELF, "darcy_io_u.h5", "a", &nd, shape, &a));
  for (int q = 0; q < 17 * 17; q++) assert_true(a[q] == ds.inputs[2 * 17 * 17 + q]);
  PDT(PetscFree(a));
  /* which solves again from that file alone, to the same u */
  PDT(PetscOptionsSetValue(NULL, "-darcy_coefficient_file", "darcy_io_u.h5"));
  PDT(PetscOptionsClearValue(NULL, "-darcy_coefficient_index"));
  PDT(PetscOptionsSetValue(NULL, "-o", "darcy_io_u2.h5"));
  PDT(SolveFromOptions(&p));
  {
    float s2[17 * 17];
    PDT(PdProblemGetSolution(p, &da, &u));
    PDT(PdVecToSample(da, u, s2));
    for (int q = 0; q < 17 * 17; q++) PDT_CLOSE(s2[q], s[q], 1e-10 + 1.2e-7 * maxu);
  }
  PDT(PdProblemDestroy(&p));

  /* a dataset of three samples without an index, and an index out of range: errors naming the count */
  PDT(PetscOptionsSetValue(NULL, "-darcy_coefficient_file", "darcy_io_data.h5"));
  PDT_FAILS(SolveFromOptions(&p));
  PDT_ERRMSG_HAS("holds 3 samples");
  PDT_ERRMSG_HAS("-darcy_coefficient_index");
  PDT(PdProblemDestroy(&p));
  PDT(PetscOptionsSetValue(NULL, "-darcy_coefficient_index", "3"));
  PDT_FAILS(SolveFromOptions(&p));
  PDT_ERRMSG_HAS("out of range");
  PDT_ERRMSG_HAS("holds 3 samples (0 to 2)");
  PDT(PdProblemDestroy(&p));
  ClearOptions(solve, sizeof(solve) / sizeof(solve[0]));
  PDT(PdDatasetFree(&ds));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_resolve_dataset_sample)};
PDT_MAIN("darcy_io", tests)
