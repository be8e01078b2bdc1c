/* Tests of PdMatApply and PdPCApply (src/ops/ops_mat.c): forwards against a dense double-precision
   product, backwards against central finite differences (PdGradCheck) on nonsymmetric matrices,
   where a backward by MatMult or PCApply instead of their transposes is off by O(1). */
#include "pdtest.h"

#define NS 3 /* samples */
#define NV 7 /* values per sample */

/* a nonsymmetric sparse matrix, diagonally dominant: a tridiagonal band with unequal sides, one
   far entry per row, values drawn from seed */
static Mat RandomMat(PetscInt rows, PetscInt cols, uint64_t seed)
{
  Mat   A;
  PdRng r;
  PdRngSeed(&r, seed, 3);
  PDT(MatCreateSeqAIJ(PETSC_COMM_SELF, rows, cols, 4, NULL, &A));
  for (PetscInt i = 0; i < rows; i++) {
    PetscInt    c[4] = {i % cols, (i + 1) % cols, (i + cols - 1) % cols, (3 * i + 2) % cols};
    PetscScalar v[4];
    float       u[4];
    PdRngFillUniform(&r, 4, u, -1.0f, 1.0f);
    v[0] = 4 + u[0];
    v[1] = 1.5 + u[1];
    v[2] = -0.3 * u[2];
    v[3] = u[3];
    for (int k = 0; k < 4; k++) PDT(MatSetValues(A, 1, &i, 1, &c[k], &v[k], ADD_VALUES));
  }
  PDT(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PDT(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  return A;
}

static PdTensor New(int nd, const PetscInt *s, uint64_t seed)
{
  PdTensor t;
  PdRng    r;
  PdTensorCreate(nd, s, PETSC_FALSE, &t);
  PdRngSeed(&r, seed, 9);
  PdRngFillUniform(&r, t->size, t->data, -1.0f, 1.0f);
  return t;
}

typedef struct {
  Mat A[NS];
  PC  pc[NS];
  int which; /* 0 Mat, 1 PC, 2 PC after Mat */
} Ctx;

static PetscErrorCode Build(void *vctx, PdTape tape, PdTensor v[], PdTensor *out)
{
  Ctx *c = (Ctx *)vctx;
  PetscFunctionBegin;
  if (c->which == 0) PetscCall(PdMatApply(v[0], NS, c->A, out));
  else if (c->which == 1) PetscCall(PdPCApply(v[0], NS, c->pc, out));
  else {
    PdTensor y;
    PetscCall(PdMatApply(v[0], NS, c->A, &y));
    PetscCall(PdPCApply(y, NS, c->pc, out));
  }
  PetscFunctionReturn(0);
}

/* y_b = A_b x_b against MatGetValues and a dense loop; the gradient by central differences */
static void test_mat_apply(void **state)
{
  const PetscInt shape[3] = {NS, 1, NV};
  Ctx            c        = {.which = 0};
  PdTensor       x        = New(3, shape, 1);
  PdTape         tape;
  PdTensor       xt, y;
  PetscReal      err;

  for (int b = 0; b < NS; b++) c.A[b] = RandomMat(NV, NV, 10 + b);
  {
    PetscBool sym;
    PDT(MatIsTranspose(c.A[0], c.A[0], 1e-10, &sym));
    assert_false(sym); /* the check below could not tell A from A^T otherwise */
  }
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdTapeInput(tape, 3, shape, &xt));
  PetscArraycpy(xt->data, x->data, x->size);
  PDT(PdMatApply(xt, NS, c.A, &y));
  assert_true(PdShapeEqual(xt, y));
  for (PetscInt b = 0; b < NS; b++)
    for (PetscInt i = 0; i < NV; i++) {
      double s = 0;
      for (PetscInt j = 0; j < NV; j++) {
        PetscScalar a;
        PDT(MatGetValues(c.A[b], 1, &i, 1, &j, &a));
        s += PetscRealPart(a) * x->data[b * NV + j];
      }
      PDT_CLOSE(y->data[b * NV + i], s, 1e-5);
    }
  /* one operator per sample, with as many columns as a sample has values */
  PDT_FAILS(PdMatApply(xt, NS - 1, c.A, &y));
  PDT_ERRMSG_HAS("one per sample");
  {
    Mat      B[NS];
    PetscInt s2[2] = {NS, NV + 1};
    PdTensor z;
    for (int b = 0; b < NS; b++) B[b] = c.A[b];
    PDT(PdTapeInput(tape, 2, s2, &z));
    PDT_FAILS(PdMatApply(z, NS, B, &y));
    PDT_ERRMSG_HAS("columns");
  }
  PDT(PdTapeDestroy(&tape));
  PDT(PdGradCheck(PETSC_COMM_SELF, Build, &c, 1, &x, 1e-2f, &err));
  if (err > 1e-3) fail_msg("PdMatApply: gradient relative error %g", err);
  for (int b = 0; b < NS; b++) PDT(MatDestroy(&c.A[b]));
  PdTensorDestroy(&x);
}

/* rectangular matrices map [n, 1, NV] to [n, rows]; the gradient still by finite differences */
static void test_mat_apply_rectangular(void **state)
{
  const PetscInt shape[3] = {NS, 1, NV};
  Ctx            c        = {.which = 0};
  PdTensor       x        = New(3, shape, 2);
  PetscReal      err;

  for (int b = 0; b < NS; b++) c.A[b] = RandomMat(NV - 2, NV, 20 + b);
  {
    PdTape   tape;
    PdTensor xt, y;
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 3, shape, &xt));
    PDT(PdMatApply(xt, NS, c.A, &y));
    assert_int_equal(y->ndim, 2);
    assert_int_equal(y->shape[1], NV - 2);
    PDT(PdTapeDestroy(&tape));
  }
  PDT(PdGradCheck(PETSC_COMM_SELF, Build, &c, 1, &x, 1e-2f, &err));
  if (err > 1e-3) fail_msg("PdMatApply (rectangular): gradient relative error %g", err);
  for (int b = 0; b < NS; b++) PDT(MatDestroy(&c.A[b]));
  PdTensorDestroy(&x);
}

/* LU: M^{-1} = A^{-1} exactly, so A (M^{-1} x) = x checks the forward. ILU(0) of these matrices is
   inexact (the far entries fill in) and nonsymmetric: for both, the gradients of M^{-1} and of
   M^{-1} A by finite differences. */
static void test_pc_apply(void **state)
{
  const PetscInt shape[3] = {NS, 1, NV};
  PdTensor       x        = New(3, shape, 3);
  PetscReal      err;

  for (int t = 0; t < 2; t++) {
    Ctx c = {.which = 1};
    for (int b = 0; b < NS; b++) {
      c.A[b] = RandomMat(NV, NV, 30 + b);
      PDT(PCCreate(PETSC_COMM_SELF, &c.pc[b]));
      PDT(PCSetOperators(c.pc[b], c.A[b], c.A[b]));
      PDT(PCSetType(c.pc[b], t == 0 ? PCLU : PCILU));
    }
    if (t == 0) { /* LU: M^{-1} = A^{-1}, so A (M^{-1} x) = x */
      PdTape   tape;
      PdTensor xt, y, z;
      PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
      PDT(PdTapeInput(tape, 3, shape, &xt));
      PetscArraycpy(xt->data, x->data, x->size);
      PDT(PdPCApply(xt, NS, c.pc, &y));
      PDT(PdMatApply(y, NS, c.A, &z));
      for (PetscInt i = 0; i < x->size; i++) PDT_CLOSE(z->data[i], x->data[i], 1e-5);
      PDT(PdTapeDestroy(&tape));
    }
    for (c.which = 1; c.which <= 2; c.which++) {
      PDT(PdGradCheck(PETSC_COMM_SELF, Build, &c, 1, &x, 1e-2f, &err));
      if (err > 1e-3) fail_msg("PdPCApply (%s, which %d): gradient relative error %g", t == 0 ? "lu" : "ilu", c.which, err);
    }
    for (int b = 0; b < NS; b++) {
      PDT(PCDestroy(&c.pc[b]));
      PDT(MatDestroy(&c.A[b]));
    }
  }
  /* a PC without an operator is an error that says so */
  {
    PC       pc[NS];
    PdTape   tape;
    PdTensor xt, y;
    for (int b = 0; b < NS; b++) PDT(PCCreate(PETSC_COMM_SELF, &pc[b]));
    PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
    PDT(PdTapeInput(tape, 3, shape, &xt));
    PDT_FAILS(PdPCApply(xt, NS, pc, &y));
    PDT_ERRMSG_HAS("PCSetOperators");
    PDT(PdTapeDestroy(&tape));
    for (int b = 0; b < NS; b++) PDT(PCDestroy(&pc[b]));
  }
  PdTensorDestroy(&x);
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_mat_apply),
  cmocka_unit_test(test_mat_apply_rectangular),
  cmocka_unit_test(test_pc_apply),
};
PDT_MAIN("engine_mat", tests)
