/* Tests of learned_ic's factor patterns beyond ICC(0)'s: IC(k) (level of fill) in the natural or
   the lines ordering. The lines ordering numbers an anisotropic grid's strong direction as the slow
   index; an untrained correction model's factor is PETSc's ICC(k) of the matrix in that ordering;
   the loss equals the one from the assembled (permuted) factor and its parameter gradients match
   finite differences on the new pattern; the pattern is kept in the model file and the PC refuses
   another; a model file without it is ICC(0)'s. */
#include "pdtest.h"
#include "pdtest_learned_ic.h"
#include <pdeop/learned.h>

/* 5-point finite differences of -div(K grad u) on an m x m grid (Dirichlet boundary eliminated),
   K = a diag(1, eps) (x strong: the fast index) or a diag(eps, 1), a = 1 + x % 3 per node, face
   coefficients the mean of both nodes' (symmetric, an M-matrix) */
static PetscErrorCode Aniso(PetscInt m, PetscBool xstrong, PetscReal eps, Mat *A)
{
  PetscFunctionBegin;
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, m * m, m * m, 5, NULL, A));
  for (PetscInt y = 0; y < m; y++)
    for (PetscInt x = 0; x < m; x++) {
      const PetscInt  i = y * m + x, dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
      const PetscReal cx = xstrong ? 1 : eps, cy = xstrong ? eps : 1;
      PetscReal       diag = 0;
      for (PetscInt f = 0; f < 4; f++) {
        const PetscInt  X = x + dx[f], Y = y + dy[f];
        const PetscReal c = (f < 2 ? cx : cy) * (X >= 0 && X < m && Y >= 0 && Y < m ? 0.5 * (2 + x % 3 + X % 3) : 1 + x % 3);
        diag += c;
        if (X >= 0 && X < m && Y >= 0 && Y < m) PetscCall(MatSetValue(*A, i, Y * m + X, -c, INSERT_VALUES));
      }
      PetscCall(MatSetValue(*A, i, i, diag, INSERT_VALUES));
    }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* an untrained correction model (heads zero: the factor is the pattern's IC) on a pattern */
static PetscErrorCode Model(PetscInt levels, PdICOrdering ordering, NOp *m)
{
  PetscFunctionBegin;
  PetscCall(NOpCreate(PETSC_COMM_SELF, m));
  PetscCall(NOpSetType(*m, NOPLEARNEDIC));
  PetscCall(NOpSetSeed(*m, 3));
  PetscCall(NOpLearnedICSetLayers(*m, 4, 1));
  PetscCall(NOpLearnedICSetPattern(*m, levels, ordering));
  PetscCall(NOpSetUp(*m));
  PetscFunctionReturn(0);
}

/* largest |y - z| / max |z| between the factor's M^-1 r and PETSc's ICC(levels) of P A P^T (natural
   order on the permuted matrix) applied as P^T (ICC)^-1 P r */
static PetscErrorCode CompareWithPETSc(Mat A, PdICFactor f, const PetscInt perm[], PetscInt levels, double *rel)
{
  Mat                Ap = A;
  PC                 pc;
  Vec                r, rp, yp;
  PetscInt           n;
  PetscScalar       *y;
  const PetscScalar *ra, *ypa;
  PdRng              rng;
  double             diff = 0, big = 0;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &n, NULL));
  if (perm) {
    IS is;
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, n, perm, PETSC_COPY_VALUES, &is));
    PetscCall(MatPermute(A, is, is, &Ap));
    PetscCall(ISDestroy(&is));
  }
  PetscCall(PCCreate(PETSC_COMM_SELF, &pc));
  PetscCall(PCSetType(pc, PCICC));
  PetscCall(PCFactorSetLevels(pc, levels));
  PetscCall(PCSetOperators(pc, Ap, Ap));
  PetscCall(PCSetUp(pc));
  PetscCall(MatCreateVecs(A, &r, &rp));
  PetscCall(VecDuplicate(rp, &yp));
  PetscCall(PdRngSeed(&rng, 7, 0));
  PetscCall(PetscMalloc1(n, &y));
  {
    PetscScalar *a;
    PetscCall(VecGetArrayWrite(r, &a));
    for (PetscInt i = 0; i < n; i++) a[i] = PdRngNormal(&rng);
    PetscCall(VecRestoreArrayWrite(r, &a));
  }
  PetscCall(VecGetArrayRead(r, &ra));
  PetscCall(PdICFactorApply(f, ra, y));
  {
    PetscScalar *a;
    PetscCall(VecGetArrayWrite(rp, &a));
    for (PetscInt i = 0; i < n; i++) a[i] = ra[perm ? perm[i] : i];
    PetscCall(VecRestoreArrayWrite(rp, &a));
  }
  PetscCall(VecRestoreArrayRead(r, &ra));
  PetscCall(PCApply(pc, rp, yp));
  PetscCall(VecGetArrayRead(yp, &ypa));
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt o = perm ? perm[i] : i;
    diff             = PetscMax(diff, PetscAbsScalar(y[o] - ypa[i]));
    big              = PetscMax(big, PetscAbsScalar(ypa[i]));
  }
  PetscCall(VecRestoreArrayRead(yp, &ypa));
  *rel = diff / big;
  PetscCall(PetscFree(y));
  PetscCall(VecDestroy(&r));
  PetscCall(VecDestroy(&rp));
  PetscCall(VecDestroy(&yp));
  PetscCall(PCDestroy(&pc));
  if (Ap != A) PetscCall(MatDestroy(&Ap));
  PetscFunctionReturn(0);
}

/* the lines ordering: on an x-strong grid the transposed numbering, on a y-strong one and on an
   isotropic one (no lines) none; the factor of an untrained model and the graph's own IC factor are
   PETSc's ICC(k) in that ordering (float and double precision), for k = 0, 1, 2 and both orderings;
   a pattern with fill has more entries */
static void test_pattern_is_petsc_icck(void **state)
{
  const PetscInt m = 12;
  Mat            Ax, Ay, Ai;
  PetscInt      *perm;

  (void)state;
  PDT(Aniso(m, PETSC_TRUE, 0.01, &Ax));
  PDT(Aniso(m, PETSC_FALSE, 0.01, &Ay));
  PDT(Aniso(m, PETSC_TRUE, 1.0, &Ai));
  PDT(PdICLinesOrdering(Ax, &perm));
  assert_non_null(perm);
  for (PetscInt x = 0; x < m; x++)
    for (PetscInt y = 0; y < m; y++)
      if (perm[x * m + y] != y * m + x) fail_msg("lines ordering: node %" PetscInt_FMT " is unknown %" PetscInt_FMT ", expected %" PetscInt_FMT, x * m + y, perm[x * m + y], y * m + x);
  PDT(PetscFree(perm));
  PDT(PdICLinesOrdering(Ay, &perm));
  assert_null(perm); /* already the strong direction as the slow index */
  PDT(PdICLinesOrdering(Ai, &perm));
  assert_null(perm); /* isotropic: four strong edges per node, no lines */
  for (PetscInt levels = 0; levels <= 2; levels++)
    for (PetscInt o = 0; o < 2; o++) {
      PdICGraph  g;
      PdICFactor f, f0;
      NOp        model;
      PetscInt   n, nnz, nnz0 = 0;
      PetscBool  permuted;
      double     rel, rel0;

      PDT(Model(levels, (PdICOrdering)o, &model));
      PDT(PdICGraphCreatePattern(Ax, levels, (PdICOrdering)o, &g));
      PDT(PdICGraphGetPattern(g, NULL, NULL, &permuted));
      assert_int_equal(permuted, o == 1);
      perm = NULL;
      if (o == 1) PDT(PdICLinesOrdering(Ax, &perm));
      PDT(PdLearnedICFactor(model, NULL, g, &f));
      PDT(PdICGraphICCFactor(g, &f0, NULL));
      PDT(CompareWithPETSc(Ax, f, perm, levels, &rel));
      PDT(CompareWithPETSc(Ax, f0, perm, levels, &rel0));
      if (rel > 1e-5) fail_msg("IC(%" PetscInt_FMT "), %s ordering: the untrained model's factor differs from PETSc's ICC(%" PetscInt_FMT ") by %g (relative)", levels, PdICOrderings[o], levels, rel);
      if (rel0 > 1e-11) fail_msg("IC(%" PetscInt_FMT "), %s ordering: the graph's factor differs from PETSc's ICC(%" PetscInt_FMT ") by %g (relative)", levels, PdICOrderings[o], levels, rel0);
      PDT(PdICFactorGetSize(f, &n, &nnz));
      if (levels == 0) assert_int_equal(nnz, n + 2 * m * (m - 1)); /* diagonal + the lower 5-point entries */
      else assert_true(nnz > n + 2 * m * (m - 1));
      (void)nnz0;
      PDT(PetscFree(perm));
      PDT(PdICFactorDestroy(&f));
      PDT(PdICFactorDestroy(&f0));
      PDT(PdICGraphDestroy(&g));
      PDT(NOpDestroy(&model));
    }
  PDT(MatDestroy(&Ax));
  PDT(MatDestroy(&Ay));
  PDT(MatDestroy(&Ai));
}

/* On IC(1) in the lines ordering: the engine's loss equals ||D^-1/2 (M x - b)||^2 / ||D^-1/2 b||^2
   from the assembled factor (the pairs given in the matrix's order), Apply inverts Mult, and every
   parameter's gradient matches central differences (a perturbed model: heads not zero) */
static void test_pattern_loss_and_gradient(void **state)
{
  const PetscInt m = 8, P = 2;
  Mat            A;
  PdICGraph      g;
  NOp            model;
  PdICFactor     f;
  PdTape         tape;
  PdTensor       l;
  PdRng          rng;
  PetscInt       n;
  double        *xs, *bs, loss = 0, maxdiff = 0, maxg = 0, err = 0;
  PetscScalar   *x, *y, *z;

  (void)state;
  PDT(Aniso(m, PETSC_TRUE, 0.05, &A));
  n = m * m;
  PDT(Model(1, PD_IC_ORDERING_LINES, &model));
  PDT(PdtPerturbParams(model, &rng));
  PDT(PetscMalloc5(n * P, &xs, n * P, &bs, n, &x, n, &y, n, &z));
  {
    Vec                xv, bv;
    PetscScalar       *xa;
    const PetscScalar *ba;
    PDT(MatCreateVecs(A, &xv, &bv));
    for (PetscInt k = 0; k < P; k++) {
      PDT(VecGetArrayWrite(xv, &xa));
      for (PetscInt i = 0; i < n; i++) xa[i] = xs[i * P + k] = PdRngNormal(&rng);
      PDT(VecRestoreArrayWrite(xv, &xa));
      PDT(MatMult(A, xv, bv));
      PDT(VecGetArrayRead(bv, &ba));
      for (PetscInt i = 0; i < n; i++) bs[i * P + k] = ba[i];
      PDT(VecRestoreArrayRead(bv, &ba));
    }
    PDT(VecDestroy(&xv));
    PDT(VecDestroy(&bv));
  }
  PDT(PdICGraphCreatePattern(A, 1, PD_IC_ORDERING_LINES, &g));
  PDT(PdICGraphSetPairs(g, P, xs, bs));
  PDT(PdLearnedICFactor(model, NULL, g, &f));
  for (PetscInt i = 0; i < n; i++) x[i] = PdRngNormal(&rng);
  PDT(PdICFactorMult(f, x, y));
  PDT(PdICFactorApply(f, y, z));
  for (PetscInt i = 0; i < n; i++) err = PetscMax(err, PetscAbsScalar(z[i] - x[i]));
  if (err > 1e-10) fail_msg("permuted factor: M^-1 (M x) differs from x by %g", err);
  {
    Vec                d;
    const PetscScalar *da;
    PDT(MatCreateVecs(A, &d, NULL));
    PDT(MatGetDiagonal(A, d));
    PDT(VecGetArrayRead(d, &da));
    for (PetscInt k = 0; k < P; k++) {
      double num = 0, den = 0;
      for (PetscInt i = 0; i < n; i++) x[i] = xs[i * P + k];
      PDT(PdICFactorMult(f, x, y));
      for (PetscInt i = 0; i < n; i++) {
        num += PetscSqr(y[i] - bs[i * P + k]) / da[i];
        den += PetscSqr(bs[i * P + k]) / da[i];
      }
      loss += num / den / P;
    }
    PDT(VecRestoreArrayRead(d, &da));
    PDT(VecDestroy(&d));
  }
  PDT(PdTapeCreate(PETSC_COMM_SELF, &tape));
  PDT(PdLearnedICLoss(model, tape, g, &l));
  if (fabs(l->data[0] - loss) > 1e-4 * loss) fail_msg("IC(1), lines: engine loss %.7g, loss from the assembled factor %.7g", (double)l->data[0], loss);
  PDT(PdtLearnedICGradCheck(model, tape, g, l, &maxdiff, &maxg));
  if (!(maxg > 1e-3)) fail_msg("IC(1), lines: parameter gradients all vanish (largest %g)", maxg);
  if (maxdiff > 2e-2 * maxg) fail_msg("IC(1), lines: parameter gradient off by %g (largest %g)", maxdiff, maxg);
  PDT(PetscFree5(xs, bs, x, y, z));
  PDT(PdTapeDestroy(&tape));
  PDT(PdICFactorDestroy(&f));
  PDT(PdICGraphDestroy(&g));
  PDT(NOpDestroy(&model));
  PDT(MatDestroy(&A));
}

/* CG iterations (rtol 1e-8) on A x = 1 with ICC(0) (file NULL) or -pc_type learned_ic and a model
   file, with -pc_learned_ic_levels when levels is given */
static PetscErrorCode Iterations(Mat A, const char *file, const char *levels, PetscInt *its)
{
  Vec            b, x;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecSet(b, 1.0));
  if (levels) PetscCall(PetscOptionsSetValue(NULL, "-t_pc_learned_ic_levels", levels));
  ierr = PdtKSPSolve(A, b, x, NULL, KSPCG, file ? "learned_ic" : PCICC, 1e-8, 1000, "pc_learned_model", file, its);
  PetscCall(PetscOptionsClearValue(NULL, "-t_pc_learned_ic_levels"));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The pattern is saved with the model and read back; the PC runs it (an untrained IC(1)-lines model
   on an x-strong grid needs at most 0.6x ICC(0)'s iterations), refuses a -pc_learned_ic_levels that
   differs or is out of range, and a file written before patterns existed (tests/data/learned_ic_v0.h5) is ICC(0)'s */
static void test_pattern_in_model_file(void **state)
{
  NOp      model, back;
  Mat      A;
  PetscInt levels, ordering, its_icc, its_ic1;
  char     old[PETSC_MAX_PATH_LEN];

  (void)state;
  PDT(Model(1, PD_IC_ORDERING_LINES, &model));
  PDT(NOpSave(model, "ic1_lines.h5", NULL, 0));
  PDT(NOpLoad(PETSC_COMM_SELF, "ic1_lines.h5", &back, NULL));
  PDT(NOpLearnedICGetPattern(back, &levels, &ordering));
  assert_int_equal(levels, 1);
  assert_int_equal(ordering, PD_IC_ORDERING_LINES);
  PDT(Aniso(24, PETSC_TRUE, 0.01, &A));
  PDT(Iterations(A, NULL, NULL, &its_icc));
  PDT(Iterations(A, "ic1_lines.h5", NULL, &its_ic1));
  if (!(its_ic1 <= 0.6 * its_icc)) fail_msg("IC(1) in the lines ordering: %" PetscInt_FMT " CG iterations against ICC(0)'s %" PetscInt_FMT, its_ic1, its_icc);
  PDT(Iterations(A, "ic1_lines.h5", "1", &its_ic1));
  PDT_FAILS(Iterations(A, "ic1_lines.h5", "0", &its_ic1));
  PDT_ERRMSG_HAS("was trained on the pattern of IC(1) in the lines ordering");
  PDT_FAILS(Iterations(A, "ic1_lines.h5", "-3", &its_ic1)); /* not "the model's" */
  PDT_ERRMSG_HAS("-pc_learned_ic_levels must be in [0, 2], got -3");
  {
    const char *src = getenv("PDEOP_SOURCE_DIR");
    assert_non_null(src);
    PDT(PetscSNPrintf(old, sizeof(old), "%s/tests/data/learned_ic_v0.h5", src));
  }
  {
    NOp v0;
    PDT(NOpLoad(PETSC_COMM_SELF, old, &v0, NULL));
    PDT(NOpLearnedICGetPattern(v0, &levels, &ordering));
    assert_int_equal(levels, 0);
    assert_int_equal(ordering, PD_IC_ORDERING_NATURAL);
    PDT(NOpDestroy(&v0));
  }
  PDT(MatDestroy(&A));
  PDT(NOpDestroy(&back));
  PDT(NOpDestroy(&model));
}

/* y = M^-1 b of a learned_ic PC (prefix r_) on A; fresh: a new PC, else the one given, which keeps
   its graph and factor from the set-up before */
static PetscErrorCode Apply(PC *pc, Mat A, PetscBool fresh, Vec *y)
{
  Vec      b;
  PetscInt n;

  PetscFunctionBegin;
  if (fresh) {
    PetscCall(PCCreate(PETSC_COMM_SELF, pc));
    PetscCall(PCSetType(*pc, "learned_ic"));
    PetscCall(PCSetOptionsPrefix(*pc, "r_"));
    PetscCall(PCSetFromOptions(*pc));
  }
  PetscCall(PCSetOperators(*pc, A, A));
  PetscCall(PCSetUp(*pc));
  PetscCall(MatCreateVecs(A, &b, y));
  PetscCall(VecGetSize(b, &n));
  for (PetscInt i = 0; i < n; i++) PetscCall(VecSetValue(b, i, 1.0 + (i % 7), INSERT_VALUES));
  PetscCall(VecAssemblyBegin(b));
  PetscCall(VecAssemblyEnd(b));
  PetscCall(PCApply(*pc, b, *y));
  PetscCall(VecDestroy(&b));
  if (fresh) PetscCall(PCDestroy(pc));
  PetscFunctionReturn(0);
}

/* A PC set up on a sequence of matrices keeps the graph's structure and the factor's memory when the
   next matrix has the same structure: each set-up's preconditioner is bit for bit a fresh PC's, for
   the same structure with other values, another ordering (y strong: natural), an explicit zero where
   the matrix had a value (IC(1)'s pattern changes), the first structure again, then the zero's and the
   y-strong one's again (the PC keeps two structures) */
static void test_pattern_reuse(void **state)
{
  NOp       model;
  Mat       A[8];
  PC        pc;
  PetscInt  k, j;
  PetscBool same;

  (void)state;
  PDT(Model(1, PD_IC_ORDERING_LINES, &model));
  PDT(NOpSave(model, "ic1_reuse.h5", NULL, 0));
  PDT(PetscOptionsSetValue(NULL, "-r_pc_learned_model", "ic1_reuse.h5"));
  PDT(PetscOptionsSetValue(NULL, "-r_pc_learned_ic_fallback", "none"));
  PDT(Aniso(12, PETSC_TRUE, 0.01, &A[0]));
  PDT(Aniso(12, PETSC_TRUE, 0.05, &A[1]));
  PDT(MatScale(A[1], 3.0));
  PDT(Aniso(12, PETSC_FALSE, 0.02, &A[2]));
  PDT(Aniso(12, PETSC_TRUE, 0.05, &A[3]));
  PDT(MatSetOption(A[3], MAT_NEW_NONZERO_LOCATION_ERR, PETSC_TRUE));
  PDT(MatSetValue(A[3], 30, 31, 0.0, INSERT_VALUES));
  PDT(MatSetValue(A[3], 31, 30, 0.0, INSERT_VALUES));
  PDT(MatAssemblyBegin(A[3], MAT_FINAL_ASSEMBLY));
  PDT(MatAssemblyEnd(A[3], MAT_FINAL_ASSEMBLY));
  PDT(Aniso(12, PETSC_TRUE, 0.01, &A[4]));
  PDT(MatShift(A[4], 0.5));
  PDT(Aniso(12, PETSC_TRUE, 0.2, &A[5]));
  PDT(MatDuplicate(A[3], MAT_COPY_VALUES, &A[6]));
  PDT(MatScale(A[6], 0.5));
  PDT(Aniso(12, PETSC_FALSE, 0.3, &A[7]));
  PDT(PCCreate(PETSC_COMM_SELF, &pc));
  PDT(PCSetType(pc, "learned_ic"));
  PDT(PCSetOptionsPrefix(pc, "r_"));
  PDT(PCSetFromOptions(pc));
  for (k = 0; k < 8; k++) {
    Vec y, z;
    PC  fresh;
    PDT(Apply(&pc, A[k], PETSC_FALSE, &y));
    PDT(Apply(&fresh, A[k], PETSC_TRUE, &z));
    PDT(VecEqual(y, z, &same));
    if (!same) {
      PetscReal d;
      PDT(VecAXPY(z, -1.0, y));
      PDT(VecNorm(z, NORM_INFINITY, &d));
      fail_msg("set-up %" PetscInt_FMT " after another matrix differs from a fresh PC's by %g", k, (double)d);
    }
    PDT(VecDestroy(&y));
    PDT(VecDestroy(&z));
  }
  for (j = 0; j < 8; j++) PDT(MatDestroy(&A[j]));
  PDT(PCDestroy(&pc));
  PDT(PetscOptionsClearValue(NULL, "-r_pc_learned_model"));
  PDT(PetscOptionsClearValue(NULL, "-r_pc_learned_ic_fallback"));
  PDT(NOpDestroy(&model));
}

static const struct CMUnitTest tests[] = {
  cmocka_unit_test(test_pattern_is_petsc_icck),
  cmocka_unit_test(test_pattern_loss_and_gradient),
  cmocka_unit_test(test_pattern_in_model_file),
  cmocka_unit_test(test_pattern_reuse),
};
PDT_MAIN("learned_ic_pattern", tests)
