/* Tests of the KSPGuess type nop: the guess is the model's prediction (NOpPredict on the field in
   natural order, by a second path), its energy scaling satisfies the optimality condition, the
   diagonal-derived input equals the coefficient where they must agree, and the errors. */
#include "pdtest.h"
#include <pdeop/guess.h>
#include <pdeop/darcy.h>
#include <pdeop/mesh.h>
#include <petscdmda.h>

#define GN 17

/* An untrained FNO of cin 2D fields to one 2D field on GN x GN, saved to file */
static PetscErrorCode WriteModel(const char *file, PetscInt cin)
{
  NOp               nop;
  const char *const opts[][2] = {{"-fno_modes", "4"}, {"-fno_width", "6"}, {"-fno_layers", "2"}, {"-fno_hidden", "8"}, {"-seed", "3"}};

  PetscFunctionBegin;
  PetscCall(PDT_NOP_FROM_OPTIONS(NOPFNO, opts, &nop));
  PetscCall(NOpSetShapes(nop, 3, (PetscInt[]){cin, GN, GN}, 3, (PetscInt[]){1, GN, GN}));
  PetscCall(NOpSetUp(nop));
  PetscCall(NOpSave(nop, file, NULL, 0));
  PetscCall(NOpDestroy(&nop));
  PetscFunctionReturn(0);
}

/* A KSP for A whose guess is nop, reading the model file if one is given; its guess object too */
static void GuessKSPCreate(Mat A, const char *model, KSP *ksp, KSPGuess *guess)
{
  KSPGuess g;

  PDT(KSPCreate(PETSC_COMM_SELF, ksp));
  PDT(KSPSetOperators(*ksp, A, A));
  PDT(KSPGetGuess(*ksp, &g));
  PDT(KSPGuessSetType(g, KSPGUESSNOP));
  if (model) PDT(KSPGuessNOpSetModelFile(g, model));
  if (guess) *guess = g;
}

typedef struct {
  DM     da;
  Mat    A;
  Vec    a, b, x;
  KSP    ksp;
  double coef[GN * GN];
} Sys;

/* The Darcy system on an GN x GN DMDA with coefficient 1 + (i + 2j) / GN (constant c when c > 0), its
   coefficient composed on the operator, and a KSP whose guess is nop with the model file */
static void SysCreate(Sys *s, double c, const char *model)
{
  PetscScalar **xa;

  PDT(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, GN, GN, 1, 1, 1, 1, NULL, NULL, &s->da));
  PDT(DMSetUp(s->da));
  for (PetscInt j = 0; j < GN; j++)
    for (PetscInt i = 0; i < GN; i++) s->coef[j * GN + i] = c > 0 ? c : 1.0 + (double)(i + 2 * j) / GN;
  PDT(DMCreateMatrix(s->da, &s->A));
  PDT(PdDarcyOperator(s->da, s->coef, PD_FACE_HARMONIC, s->A));
  PDT(DMCreateGlobalVector(s->da, &s->a));
  PDT(DMDAVecGetArray(s->da, s->a, &xa));
  for (PetscInt j = 0; j < GN; j++)
    for (PetscInt i = 0; i < GN; i++) xa[j][i] = s->coef[j * GN + i];
  PDT(DMDAVecRestoreArray(s->da, s->a, &xa));
  PDT(PetscObjectCompose((PetscObject)s->A, KSPGUESSNOP_INPUT, (PetscObject)s->a));
  PDT(DMCreateGlobalVector(s->da, &s->b));
  PDT(DMCreateGlobalVector(s->da, &s->x));
  PDT(PdDarcyRHS(s->da, NULL, 1.0, s->b));
  GuessKSPCreate(s->A, model, &s->ksp, NULL);
}

static void SysDestroy(Sys *s)
{
  PDT(KSPDestroy(&s->ksp));
  PDT(MatDestroy(&s->A));
  PDT(VecDestroy(&s->a));
  PDT(VecDestroy(&s->b));
  PDT(VecDestroy(&s->x));
  PDT(DMDestroy(&s->da));
}

/* the guess the KSP's guess object forms for b */
static void FormGuess(Sys *s, Vec x)
{
  KSPGuess guess;

  PDT(KSPGetGuess(s->ksp, &guess));
  PDT(KSPGuessSetUp(guess));
  PDT(KSPGuessFormGuess(guess, s->b, x));
}

/* unscaled, the guess is NOpPredict of the coefficient (natural order, x fastest) inside and
   b_i / A_ii = 0 on the boundary rows */
static void test_guess_is_prediction(void **state)
{
  Sys           s;
  NOp           nop;
  KSPGuess      guess;
  PdDataset     in = {0}, out = {0};
  PetscScalar **x;
  PetscInt      predictions;

  PDT(WriteModel("guess_fno.h5", 1));
  SysCreate(&s, 0, "guess_fno.h5");
  PDT(KSPGetGuess(s.ksp, &guess));
  PDT(KSPGuessNOpSetScaleType(guess, KSPGUESSNOP_SCALE_NONE));
  {
    NOp     held;
    NOpType type;
    PDT(KSPGuessNOpGetModel(guess, &held));
    PDT(NOpGetType(held, &type));
    assert_string_equal(type, NOPFNO);
  }
  FormGuess(&s, s.x);
  PDT(NOpLoad(PETSC_COMM_SELF, "guess_fno.h5", &nop, NULL));
  in.N           = 1;
  in.in_ndim     = 4;
  in.in_shape[0] = 1;
  in.in_shape[1] = 1;
  in.in_shape[2] = GN;
  in.in_shape[3] = GN;
  in.in_size     = GN * GN;
  PDT(PetscMalloc1(GN * GN, &in.inputs));
  for (PetscInt k = 0; k < GN * GN; k++) in.inputs[k] = (float)s.coef[k];
  PDT(NOpPredict(nop, &in, 1, &out));
  assert_int_equal(out.out_size, GN * GN);
  PDT(DMDAVecGetArray(s.da, s.x, &x));
  for (PetscInt j = 0; j < GN; j++)
    for (PetscInt i = 0; i < GN; i++) {
      PetscBool bd = (PetscBool)(i == 0 || j == 0 || i == GN - 1 || j == GN - 1);
      if (bd) assert_true(x[j][i] == 0.0);
      else if (!(x[j][i] == (PetscScalar)out.outputs[j * GN + i])) fail_msg("guess at (%d, %d) is %g, the model predicts %g", (int)i, (int)j, (double)x[j][i], (double)out.outputs[j * GN + i]);
    }
  PDT(DMDAVecRestoreArray(s.da, s.x, &x));
  /* the same input again: no second evaluation; a changed input: a new one */
  FormGuess(&s, s.x);
  PDT(KSPGuessNOpGetStats(guess, &predictions, NULL, NULL));
  assert_int_equal(predictions, 1);
  PDT(VecScale(s.a, 2.0));
  FormGuess(&s, s.x);
  PDT(KSPGuessNOpGetStats(guess, &predictions, NULL, NULL));
  assert_int_equal(predictions, 2);
  PDT(PetscFree(in.inputs));
  PDT(PdDatasetFree(&out));
  PDT(NOpDestroy(&nop));
  SysDestroy(&s);
}

/* energy scaling: x0 = alpha g minimises ||x0 - u||_A over alpha, so (b - A x0, g) = 0 with g the
   unscaled guess inside (the boundary rows, b_i / A_ii = 0, do not couple) */
static void test_energy_scaling(void **state)
{
  Sys         s;
  KSPGuess    guess;
  Vec         g, r;
  PetscScalar rg, bg;
  PetscReal   alpha;

  PDT(WriteModel("guess_fno.h5", 1));
  SysCreate(&s, 0, "guess_fno.h5");
  PDT(KSPGetGuess(s.ksp, &guess));
  PDT(VecDuplicate(s.x, &g));
  PDT(VecDuplicate(s.x, &r));
  PDT(KSPGuessNOpSetScaleType(guess, KSPGUESSNOP_SCALE_NONE));
  FormGuess(&s, g);
  PDT(KSPGuessNOpSetScaleType(guess, KSPGUESSNOP_SCALE_ENERGY));
  FormGuess(&s, s.x);
  PDT(KSPGuessNOpGetStats(guess, NULL, NULL, &alpha));
  assert_true(alpha != 1.0);
  PDT(MatMult(s.A, s.x, r));
  PDT(VecAYPX(r, -1.0, s.b)); /* r = b - A x0 */
  PDT(VecDot(r, g, &rg));
  PDT(VecDot(s.b, g, &bg));
  if (!(PetscAbsScalar(rg) <= 1e-10 * PetscAbsScalar(bg))) fail_msg("(b - A x0, g) = %g, not 0 against (b, g) = %g", (double)PetscRealPart(rg), (double)PetscRealPart(bg));
  PDT(VecAXPY(s.x, -alpha, g)); /* x0 = alpha g */
  {
    PetscReal d, n;
    PDT(VecNorm(s.x, NORM_INFINITY, &d));
    PDT(VecNorm(g, NORM_INFINITY, &n));
    if (!(d <= 1e-12 * n)) fail_msg("x0 - alpha g = %g (of %g)", (double)d, (double)n);
  }
  PDT(VecDestroy(&g));
  PDT(VecDestroy(&r));
  SysDestroy(&s);
}

/* with a constant coefficient c, the input from the diagonal (A_ii h^2 / 4) is c at every node, so
   its guess is the guess from the composed coefficient; the rhs input gives another */
static void test_diagonal_input(void **state)
{
  Sys       s;
  KSPGuess  guess;
  Vec       g;
  PetscBool eq;

  PDT(WriteModel("guess_fno.h5", 1));
  SysCreate(&s, 3.0, "guess_fno.h5");
  PDT(KSPGetGuess(s.ksp, &guess));
  PDT(VecDuplicate(s.x, &g));
  FormGuess(&s, g);
  PDT(KSPGuessNOpSetInputType(guess, KSPGUESSNOP_INPUT_DIAGONAL));
  FormGuess(&s, s.x);
  PDT(VecAXPY(g, -1.0, s.x));
  {
    PetscReal d, n;
    PDT(VecNorm(g, NORM_INFINITY, &d));
    PDT(VecNorm(s.x, NORM_INFINITY, &n));
    if (!(d <= 1e-6 * n)) fail_msg("diagonal input's guess differs from the coefficient's by %g (of %g)", (double)d, (double)n);
  }
  PDT(KSPGuessNOpSetInputType(guess, KSPGUESSNOP_INPUT_RHS));
  FormGuess(&s, g);
  PDT(VecEqual(g, s.x, &eq));
  assert_false(eq);
  /* KSPGuessNOpSetInput's field comes before the composed one; NULL gives the composed one back */
  {
    Vec other, x2;
    PDT(KSPGuessNOpSetInputType(guess, KSPGUESSNOP_INPUT_AUTO));
    PDT(VecDuplicate(s.a, &other));
    PDT(VecDuplicate(s.x, &x2));
    PDT(VecSet(other, 7.0));
    PDT(KSPGuessNOpSetInput(guess, other));
    FormGuess(&s, g);
    PDT(VecEqual(g, s.x, &eq));
    assert_false(eq);
    PDT(KSPGuessNOpSetInput(guess, NULL));
    FormGuess(&s, x2);
    PDT(VecAXPY(x2, -1.0, s.x));
    {
      PetscReal d, n;
      PDT(VecNorm(x2, NORM_INFINITY, &d));
      PDT(VecNorm(s.x, NORM_INFINITY, &n));
      if (!(d <= 1e-6 * n)) fail_msg("without the given field the guess is not the composed coefficient's again (%g of %g)", (double)d, (double)n);
    }
    PDT(VecDestroy(&other));
    PDT(VecDestroy(&x2));
  }
  PDT(VecDestroy(&g));
  SysDestroy(&s);
}

/* the errors a user can make: no model, a missing file, a model of two input fields, a 3D grid, a
   system without a grid whose size is not a square, setters on another guess type */
static void test_errors(void **state)
{
  Sys      s;
  KSPGuess guess;
  Mat      B;
  Vec      b, x;
  KSP      ksp;
  DM       da3;

  SysCreate(&s, 0, NULL);
  PDT(KSPGetGuess(s.ksp, &guess));
  PDT_FAILS(KSPGuessFormGuess(guess, s.b, s.x));
  PDT_ERRMSG_HAS("-ksp_guess_nop_model");
  PDT_FAILS(KSPGuessNOpSetModelFile(guess, "no_such_model.h5"));
  PDT_ERRMSG_HAS("no_such_model.h5");
  PDT(WriteModel("guess_fno2.h5", 2));
  PDT_FAILS(KSPGuessNOpSetModelFile(guess, "guess_fno2.h5"));
  PDT_ERRMSG_HAS("one 2D field to one 2D field");
  SysDestroy(&s);

  /* a 3D grid */
  PDT(WriteModel("guess_fno.h5", 1));
  PDT(DMDACreate3d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, 5, 5, 5, 1, 1, 1, 1, 1, NULL, NULL, NULL, &da3));
  PDT(DMSetUp(da3));
  PDT(DMCreateMatrix(da3, &B));
  PDT(MatShift(B, 1.0));
  PDT(DMCreateGlobalVector(da3, &b));
  PDT(VecDuplicate(b, &x));
  PDT(VecSet(b, 1.0));
  GuessKSPCreate(B, "guess_fno.h5", &ksp, &guess);
  PDT(KSPGuessSetUp(guess));
  PDT_FAILS(KSPGuessFormGuess(guess, b, x));
  PDT_ERRMSG_HAS("3D");
  PDT(KSPDestroy(&ksp));
  PDT(MatDestroy(&B));
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&x));
  PDT(DMDestroy(&da3));

  /* no grid, 10 unknowns */
  PDT(MatCreateSeqAIJ(PETSC_COMM_SELF, 10, 10, 1, NULL, &B));
  PDT(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
  PDT(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
  PDT(MatShift(B, 1.0));
  PDT(MatCreateVecs(B, &x, &b));
  PDT(VecSet(b, 1.0));
  GuessKSPCreate(B, "guess_fno.h5", &ksp, &guess);
  PDT(KSPGuessSetUp(guess));
  PDT_FAILS(KSPGuessFormGuess(guess, b, x));
  PDT_ERRMSG_HAS("not a square number");
  /* another guess type */
  PDT(KSPGuessSetType(guess, KSPGUESSFISCHER));
  PDT_FAILS(KSPGuessNOpSetInput(guess, b));
  PDT_ERRMSG_HAS("not nop");
  PDT(KSPDestroy(&ksp));
  PDT(MatDestroy(&B));
  PDT(VecDestroy(&b));
  PDT(VecDestroy(&x));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_guess_is_prediction),
  cmocka_unit_test(test_energy_scaling),
  cmocka_unit_test(test_diagonal_input),
  cmocka_unit_test(test_errors),
};
PDT_MAIN("guess_nop", tests)
