/* A PETSc program of the user's own that solves its system with one of pdeop's learned
   preconditioners: everything below is plain PETSc except PdInitialize, which registers
   -pc_type learned_ic / learned_sor and -ksp_type dcdm.

   The system: -div(a grad u) = 1 on the unit square, u = 0 on the boundary, 5-point finite
   differences on an n x n DMDA, with a coefficient a that is 12 on a random set of 4x4 blocks and
   3 elsewhere (the user's own, not one of pdeop's families). Try

     example_petsc_learned_pc -n 64 -ksp_type cg -pc_type icc
     pdeop precond train -type learned_ic -problem darcy -res 64 -count 50 -o ic.h5
     example_petsc_learned_pc -n 64 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5
     example_petsc_learned_pc -n 64 -ksp_type cg -pc_type learned_sor                 */
#include <pdeop/pdeop.h>

/* the coefficient on the 4x4 block holding node (i, j): a hash of the block's index, no pdeop */
static PetscReal Coefficient(PetscInt i, PetscInt j)
{
  unsigned h = (unsigned)(i / 4) * 73856093u ^ (unsigned)(j / 4) * 19349663u;
  h ^= h >> 13, h *= 0x5bd1e995u, h ^= h >> 15;
  return (h & 1) ? 12.0 : 3.0;
}

static PetscErrorCode Assemble(DM da, Mat A, Vec b)
{
  DMDALocalInfo info;
  PetscReal     h;

  PetscFunctionBegin;
  PetscCall(DMDAGetLocalInfo(da, &info));
  h = 1.0 / (info.mx - 1);
  for (PetscInt j = info.ys; j < info.ys + info.ym; j++)
    for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
      MatStencil row = {.i = i, .j = j}, col[5];
      PetscReal  v[5], aw, ae, as, an, ac = Coefficient(i, j);
      PetscInt   n = 0;
      if (i == 0 || j == 0 || i == info.mx - 1 || j == info.my - 1) { /* Dirichlet row, decoupled */
        v[0] = 4.0 * ac, col[0] = row;
        PetscCall(MatSetValuesStencil(A, 1, &row, 1, col, v, INSERT_VALUES));
        PetscCall(VecSetValue(b, j * info.mx + i, 0.0, INSERT_VALUES));
        continue;
      }
      aw     = 2 * ac * Coefficient(i - 1, j) / (ac + Coefficient(i - 1, j)); /* harmonic face means */
      ae     = 2 * ac * Coefficient(i + 1, j) / (ac + Coefficient(i + 1, j));
      as     = 2 * ac * Coefficient(i, j - 1) / (ac + Coefficient(i, j - 1));
      an     = 2 * ac * Coefficient(i, j + 1) / (ac + Coefficient(i, j + 1));
      col[n] = row, v[n++] = aw + ae + as + an;
      if (i > 1) col[n].i = i - 1, col[n].j = j, v[n++] = -aw;
      if (i < info.mx - 2) col[n].i = i + 1, col[n].j = j, v[n++] = -ae;
      if (j > 1) col[n].i = i, col[n].j = j - 1, v[n++] = -as;
      if (j < info.my - 2) col[n].i = i, col[n].j = j + 1, v[n++] = -an;
      PetscCall(MatSetValuesStencil(A, 1, &row, n, col, v, INSERT_VALUES));
      PetscCall(VecSetValue(b, j * info.mx + i, h * h, INSERT_VALUES));
    }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(VecAssemblyBegin(b));
  PetscCall(VecAssemblyEnd(b));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  DM                 da;
  Mat                A;
  Vec                b, x, r;
  KSP                ksp;
  PC                 pc;
  PCType             pctype;
  PetscInt           n = 64, its;
  PetscReal          rnorm, bnorm;
  KSPConvergedReason reason;

  PetscCall(PdInitialize(&argc, &argv, NULL, "A user's PETSc program with pdeop's learned preconditioners\n"));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCheck(n >= 5, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-n must be at least 5, got %" PetscInt_FMT, n);
  PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n, n, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, &da));
  PetscCall(DMSetUp(da));
  PetscCall(DMCreateMatrix(da, &A));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecDuplicate(b, &r));
  PetscCall(Assemble(da, A, b));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 1000));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGetType(pc, &pctype));
  /* the true residual, whatever norm the KSP monitored */
  PetscCall(MatMult(A, x, r));
  PetscCall(VecAXPY(r, -1.0, b));
  PetscCall(VecNorm(r, NORM_2, &rnorm));
  PetscCall(VecNorm(b, NORM_2, &bnorm));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: %" PetscInt_FMT " iterations, %s, relative residual %.2e\n", pctype, its, KSPConvergedReasons[reason], (double)(rnorm / bnorm)));
  PetscCheck(reason > 0 && rnorm <= 1e-6 * bnorm, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "The solve did not converge: %s, relative residual %g", KSPConvergedReasons[reason], (double)(rnorm / bnorm));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&r));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFinalize());
  return 0;
}
