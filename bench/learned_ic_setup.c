/* bench_learned_ic_setup: CPU time (user + sys, getrusage) of learned_ic's PCSetUp and PETSc's ICC(0)
   set-up on a file of systems (matrix, right-hand side, ...), one PC set up on
   each system in turn, -repeat times over, and the preconditioner applied
   to each system's right-hand side written to -o (binary Vecs, to compare two builds' factors).
   Usage: bench_learned_ic_setup -f FILE -model M.h5 [-count 20] [-repeat 10] [-o out.petsc]
   Other PETSc options reach the PC with the prefix -learned_ic_ (e.g. -learned_ic_pc_learned_ic_fallback icc). */
#include <sys/resource.h>
#include <petscksp.h>
#include <pdeop/pdeop.h>
#include <pdeop/learned.h>

static double CPU(void)
{
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

int main(int argc, char **argv)
{
  char        file[PETSC_MAX_PATH_LEN] = "", model[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "";
  PetscInt    count = 20, repeat = 10, n = 0;
  Mat        *A;
  Vec        *b;
  PC          pc[2];
  PetscViewer v, o = NULL;
  double      t[2] = {0, 0};

  PetscCall(PdInitialize(&argc, &argv, NULL, "CPU time of learned_ic's and ICC(0)'s set-ups on a file of systems\n"));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-f", file, sizeof(file), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-model", model, sizeof(model), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-o", out, sizeof(out), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-count", &count, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-repeat", &repeat, NULL));
  PetscCheck(file[0] && model[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "give -f FILE -model M.h5");
  PetscCall(PetscMalloc2(count, &A, count, &b));
  PetscCall(PetscViewerBinaryOpen(PETSC_COMM_SELF, file, FILE_MODE_READ, &v));
  for (; n < count; n++) {
    PetscCall(MatCreate(PETSC_COMM_SELF, &A[n]));
    PetscCall(MatSetType(A[n], MATSEQAIJ));
    PetscCall(MatLoad(A[n], v));
    PetscCall(MatCreateVecs(A[n], &b[n], NULL));
    PetscCall(VecLoad(b[n], v));
  }
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(PetscOptionsSetValue(NULL, "-learned_ic_pc_learned_model", model));
  for (PetscInt p = 0; p < 2; p++) {
    PetscCall(PCCreate(PETSC_COMM_SELF, &pc[p]));
    PetscCall(PCSetType(pc[p], p ? PCICC : "learned_ic"));
    PetscCall(PCSetOptionsPrefix(pc[p], p ? "icc_" : "learned_ic_"));
    PetscCall(PCSetFromOptions(pc[p]));
  }
  if (out[0]) PetscCall(PetscViewerBinaryOpen(PETSC_COMM_SELF, out, FILE_MODE_WRITE, &o));
  for (PetscInt p = 0; p < 2; p++) {
    double t0 = CPU();
    for (PetscInt r = 0; r < repeat; r++)
      for (PetscInt s = 0; s < n; s++) { /* a new matrix at every set-up, as in a solver's sequence */
        PetscCall(PCSetOperators(pc[p], A[s], A[s]));
        PetscCall(PCSetUp(pc[p]));
      }
    t[p] += CPU() - t0;
  }
  for (PetscInt s = 0; s < n && o; s++) { /* each system's factor after a set-up on the one before */
    Vec y;
    PetscCall(PCSetOperators(pc[0], A[s ? s - 1 : n - 1], A[s ? s - 1 : n - 1]));
    PetscCall(PCSetUp(pc[0]));
    PetscCall(PCSetOperators(pc[0], A[s], A[s]));
    PetscCall(PCSetUp(pc[0]));
    PetscCall(VecDuplicate(b[s], &y));
    PetscCall(PCApply(pc[0], b[s], y));
    PetscCall(VecView(y, o));
    PetscCall(VecDestroy(&y));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "set-up CPU ms per system (%" PetscInt_FMT " systems x %" PetscInt_FMT "): learned_ic %.4f ICC(0) %.4f\n", n, repeat, 1e3 * t[0] / (n * repeat), 1e3 * t[1] / (n * repeat)));
  PetscCall(PetscViewerDestroy(&o));
  for (PetscInt p = 0; p < 2; p++) PetscCall(PCDestroy(&pc[p]));
  for (PetscInt s = 0; s < n; s++) {
    PetscCall(MatDestroy(&A[s]));
    PetscCall(VecDestroy(&b[s]));
  }
  PetscCall(PetscFree2(A, b));
  PetscCall(PetscFinalize());
  return 0;
}
