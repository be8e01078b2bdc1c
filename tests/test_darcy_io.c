/* Tests of the darcy problem's files: `solve darcy -o` stores the coefficient "a" beside u, and
   -darcy_coefficient_index k re-solves sample k of a generated dataset to its stored output (the
   dataset and the grid by their setters; the coefficient file and index are options only). */
#include "pdtest.h"
#include <pdeop/field.h>
#include <pdeop/problem.h>

static void SetOptions(const char *const opts[][2], size_t n)
{
  for (size_t k = 0; k < n; k++) PDT(PetscOptionsSetValue(NULL, opts[k][0], opts[k][1]));
}

static void ClearOptions(const char *const opts[][2], size_t n)
{
  for (size_t k = 0; k < n; k++) PDT(PetscOptionsClearValue(NULL, opts[k][0]));
}

/* a darcy problem on 17 x 17 nodes (the setter), the rest from the options (the coefficient file and
   index, the solver's rtol and -o have no setters): set up and solved (and its fields written), or
   the error */
static PetscErrorCode SolveFromOptions(PdProblem *p)
{
  PetscFunctionBegin;
  PetscCall(PdProblemCreate(PETSC_COMM_SELF, p));
  PetscCall(PdProblemSetType(*p, PDPROBLEMDARCY));
  PetscCall(PdProblemDarcySetGridSize(*p, 17));
  PetscCall(PdProblemSetFromOptions(*p));
  PetscCall(PdProblemSolve(*p));
  PetscCall(PdProblemWriteFields(*p));
  PetscFunctionReturn(0);
}

static void test_resolve_dataset_sample(void **state)
{
  const char *const solve[][2] = {{"-darcy_coefficient_file", "darcy_io_data.h5"}, {"-darcy_coefficient_index", "2"}, {"-ksp_rtol", "1e-12"}, {"-o", "darcy_io_u.h5"}, {"-quiet", NULL}};
  PdDataset         ds;
  PdProblem         p;
  DM                da;
  Vec               u;
  float             s[17 * 17], *a;
  int               nd;
  PetscInt          shape[8];
  double            maxu = 0;

  /* the dataset by the setters: 3 samples stored and solved at 17 x 17, seed 4; its file */
  PDT(PdProblemCreate(PETSC_COMM_SELF, &p));
  PDT(PdProblemSetType(p, PDPROBLEMDARCY));
  PDT(PdProblemSetDataMode(p, PETSC_TRUE));
  PDT(PdProblemDarcySetSampleGrid(p, 17, 17));
  PDT(PdProblemSetSeed(p, 4));
  PDT(PdDatasetGenerate(p, 3, &ds, NULL));
  PDT(PdProblemDestroy(&p));
  assert_int_equal(ds.N, 3);
  PDT(PdDatasetWrite(PETSC_COMM_SELF, "darcy_io_data.h5", &ds));

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
