/* libFuzzer target: any bytes as a PETSc binary system for `pdeop solve -f`. The system problem
   either loads it (then A x works) or returns an error; it never crashes, hangs or leaks. */
#include "fuzz_common.h"

static void Load(void)
{
  PdProblem p = NULL;
  Mat       A;
  Vec       b, x, y;

  if (!PdProblemCreate(PETSC_COMM_SELF, &p) && !PdProblemSetType(p, PDPROBLEMSYSTEM) && !PdProblemSetOptionsPrefix(p, "fz_") && !PdProblemSetFromOptions(p) && !PdProblemSetUp(p) && !PdProblemGetOperator(p, &A, &b)) {
    if (!MatCreateVecs(A, &x, &y)) {
      (void)VecSet(x, 1.0);
      (void)MatMult(A, x, y); /* a crash here is a matrix the loader should have refused */
      VecDestroy(&x);
      VecDestroy(&y);
    }
  }
  PdProblemDestroy(&p);
}

/* 2 I as a PETSc binary file, which -fz_f names */
static int Seed(void)
{
  Mat         A;
  PetscViewer v;

  if (PetscOptionsSetValue(NULL, "-fz_f", fuzz_path)) return 1;
  if (MatCreateSeqAIJ(PETSC_COMM_SELF, 2, 2, 2, NULL, &A) || MatShift(A, 2.0) || MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY) || MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY)) return 1;
  if (PetscViewerBinaryOpen(PETSC_COMM_SELF, fuzz_path, FILE_MODE_WRITE, &v) || MatView(A, v) || PetscViewerDestroy(&v) || MatDestroy(&A)) return 1;
  return 0;
}

FUZZ_TARGET(".petsc", Seed, Load)
