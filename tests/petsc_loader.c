/* A plain PETSc program that does not link pdeop, for the tests of -dll_append (cli_precond.sh,
   cli_guess.sh): reads A and b from -f (PETSc binary), solves with the options database and prints
   the PC type, the iterations and the converged reason. */
#include <petscksp.h>
int main(int argc, char **argv)
{
  Mat                A;
  Vec                b, x;
  KSP                ksp;
  PC                 pc;
  PCType             type;
  PetscViewer        v;
  PetscInt           its;
  KSPConvergedReason reason;
  char               file[PETSC_MAX_PATH_LEN] = "";
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-f", file, sizeof(file), NULL));
  PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, file, FILE_MODE_READ, &v));
  PetscCall(MatCreate(PETSC_COMM_WORLD, &A));
  PetscCall(MatLoad(A, v));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecLoad(b, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGetType(pc, &type));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "pc %s iterations %" PetscInt_FMT " %s\n", type, its, KSPConvergedReasons[reason]));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x));
  PetscCall(PetscFinalize());
  return 0;
}
