/* bench_ic_orderings: CG iterations (rtol 1e-8, PETSc's default preconditioned norm, each system's
   own right-hand side) with PETSc's ICC(0) and ICC(1) in PETSc's orderings of the pattern (natural,
   rcm, nd, 1wd, qmd, rowlength), and ICC(0..2) of the matrix renumbered by learned_ic's lines
   ordering (PdICLinesOrdering; systems without lines keep the natural order), on a file of systems
   (matrix, right-hand side, ...) as bench_write_systems or -ksp_view_mat/-ksp_view_rhs write them.
   Usage: bench_ic_orderings -f FILE [-count 20]; prints one line per system and the means. */
#include <petscksp.h>
#include <pdeop/pdeop.h>
#include <pdeop/learned.h>

static PetscErrorCode Iterations(Mat A, Vec b, PetscInt levels, MatOrderingType ordering, PetscInt *its)
{
  KSP ksp;
  PC  pc;
  Vec x;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(b, &x));
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCICC));
  PetscCall(PCFactorSetLevels(pc, levels));
  PetscCall(PCFactorSetMatOrderingType(pc, ordering));
  PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 10000));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const char *ords[]                   = {MATORDERINGNATURAL, MATORDERINGRCM, MATORDERINGND, MATORDERING1WD, MATORDERINGQMD, MATORDERINGROWLENGTH};
  char        file[PETSC_MAX_PATH_LEN] = "";
  PetscInt    count = 20, lines = 0, done = 0;
  double      sum[10] = {0};
  PetscViewer v;

  PetscCall(PdInitialize(&argc, &argv, NULL, "CG iterations with ICC(k) in PETSc's and learned_ic's orderings on a file of systems\n"));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-f", file, sizeof(file), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-count", &count, NULL));
  PetscCheck(file[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "give -f FILE");
  PetscCall(PetscViewerBinaryOpen(PETSC_COMM_SELF, file, FILE_MODE_READ, &v));
  for (PetscInt s = 0; s < count; s++, done++) {
    Mat       A, Ap = NULL;
    Vec       b, bp;
    PetscInt *perm, its, c = 0;

    PetscCall(MatCreate(PETSC_COMM_SELF, &A));
    PetscCall(MatSetType(A, MATSEQAIJ));
    PetscCall(MatLoad(A, v));
    PetscCall(MatCreateVecs(A, &b, NULL));
    PetscCall(VecLoad(b, v));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "system %" PetscInt_FMT ":", s));
    PetscCall(Iterations(A, b, 0, MATORDERINGNATURAL, &its));
    sum[c++] += its;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, " ICC(0) %" PetscInt_FMT, its));
    for (PetscInt o = 0; o < 6; o++) {
      PetscCall(Iterations(A, b, 1, ords[o], &its));
      sum[c++] += its;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, ", ICC(1) %s %" PetscInt_FMT, ords[o], its));
    }
    PetscCall(PdICLinesOrdering(A, &perm));
    PetscCall(VecDuplicate(b, &bp));
    PetscCall(VecCopy(b, bp));
    if (perm) { /* node i of the new order is unknown perm[i] */
      IS                 is;
      PetscInt           n;
      const PetscScalar *ba;
      PetscScalar       *pa;
      lines++;
      PetscCall(MatGetSize(A, &n, NULL));
      PetscCall(VecGetArrayRead(b, &ba));
      PetscCall(VecGetArrayWrite(bp, &pa));
      for (PetscInt i = 0; i < n; i++) pa[i] = ba[perm[i]];
      PetscCall(VecRestoreArrayRead(b, &ba));
      PetscCall(VecRestoreArrayWrite(bp, &pa));
      PetscCall(ISCreateGeneral(PETSC_COMM_SELF, n, perm, PETSC_OWN_POINTER, &is));
      PetscCall(MatPermute(A, is, is, &Ap));
      PetscCall(ISDestroy(&is));
    }
    for (PetscInt k = 0; k <= 2; k++) {
      PetscCall(Iterations(Ap ? Ap : A, bp, k, MATORDERINGNATURAL, &its));
      sum[c++] += its;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, ", lines ICC(%" PetscInt_FMT ") %" PetscInt_FMT, k, its));
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s\n", perm ? "" : " (no lines: natural order)"));
    PetscCall(MatDestroy(&Ap));
    PetscCall(MatDestroy(&A));
    PetscCall(VecDestroy(&b));
    PetscCall(VecDestroy(&bp));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "means over %" PetscInt_FMT " systems (%" PetscInt_FMT " with lines), its per system and / ICC(0):\n", done, lines));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "| ICC(0) | %.2f | 1.00 |\n", sum[0] / done));
  for (PetscInt o = 0; o < 6; o++) PetscCall(PetscPrintf(PETSC_COMM_SELF, "| ICC(1), %s | %.2f | %.2f |\n", ords[o], sum[1 + o] / done, sum[1 + o] / sum[0]));
  for (PetscInt k = 0; k <= 2; k++) PetscCall(PetscPrintf(PETSC_COMM_SELF, "| ICC(%" PetscInt_FMT "), lines | %.2f | %.2f |\n", k, sum[7 + k] / done, sum[7 + k] / sum[0]));
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(PetscFinalize());
  return 0;
}
