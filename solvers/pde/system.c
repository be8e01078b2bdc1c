/* `pdeop solve -f system.petsc`: any linear system in PETSc's binary format (a matrix, then an
   optional right-hand side as in PETSc's KSP tutorial ex10), solved with the options' KSP. */
#include <pdeop/solve.h>
#include <pdeop/pdeop.h>

/* The first 4 bytes of a PETSc binary matrix are MAT_FILE_CLASSID, big-endian. */
static PetscErrorCode CheckHeader(MPI_Comm comm, const char file[])
{
  PetscMPIInt   rank;
  int           ok = 0;
  unsigned char h[4];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    FILE *f = fopen(file, "rb");
    if (!f) ok = -1;
    else {
      if (fread(h, 1, 4, f) == 4) ok = (((int)h[0] << 24) | ((int)h[1] << 16) | ((int)h[2] << 8) | (int)h[3]) == MAT_FILE_CLASSID;
      fclose(f);
    }
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCheck(ok != -1, comm, PETSC_ERR_FILE_OPEN, "Cannot open '%s'", file);
  PetscCheck(ok == 1, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not a PETSc binary matrix file (write one with MatView and a binary viewer)", file);
  PetscFunctionReturn(0);
}

/*@ PdSystemRun - load A (and b if present, else b = 1) from a PETSc binary file and solve @*/
PetscErrorCode PdSystemRun(MPI_Comm comm, const char file[], PdDict report)
{
  PetscViewer v;
  Mat         A;
  Vec         b, x;
  KSP         ksp;
  PetscInt    m, n;
  MatInfo     info;
  PetscBool   hasrhs = PETSC_FALSE, help;

  PetscFunctionBegin;
  PetscCall(PdOptionsHelp(&help));
  if (help) {
    PetscCall(KSPCreate(comm, &ksp));
    PetscCall(KSPSetFromOptions(ksp));
    PetscCall(KSPDestroy(&ksp));
    PetscFunctionReturn(0);
  }
  PetscCall(CheckHeader(comm, file));
  PetscCall(PetscViewerBinaryOpen(comm, file, FILE_MODE_READ, &v));
  PetscCall(MatCreate(comm, &A));
  PetscCall(MatSetFromOptions(A));
  PetscCall(MatLoad(A, v));
  PetscCall(MatGetSize(A, &m, &n));
  if (m != n) {
    PetscCall(MatDestroy(&A));
    PetscCall(PetscViewerDestroy(&v));
    SETERRQ(comm, PETSC_ERR_ARG_SIZ, "'%s' holds a %" PetscInt_FMT " x %" PetscInt_FMT " matrix; a linear solve needs a square one", file, m, n);
  }
  PetscCall(MatCreateVecs(A, &x, &b));
  {
    /* a Vec may follow the matrix: peek at the next class id */
    PetscInt  classid = 0, count = 0;
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PetscViewerBinaryRead(v, &classid, 1, &count, PETSC_INT);
    PetscCall(PetscPopErrorHandler());
    if (!ierr && count == 1 && classid == VEC_FILE_CLASSID) hasrhs = PETSC_TRUE;
  }
  PetscCall(PetscViewerDestroy(&v));
  if (hasrhs) { /* reopen and skip the matrix to read the Vec with VecLoad */
    Mat tmp;
    PetscCall(PetscViewerBinaryOpen(comm, file, FILE_MODE_READ, &v));
    PetscCall(MatCreate(comm, &tmp));
    PetscCall(MatLoad(tmp, v));
    PetscCall(MatDestroy(&tmp));
    PetscCall(VecLoad(b, v));
    PetscCall(PetscViewerDestroy(&v));
  } else PetscCall(VecSet(b, 1.0));
  PetscCall(KSPCreate(comm, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(PdOptionsCheckUnusedAtSolve("solve"));
  PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &info));
  PetscCall(PdDictSetString(report, "file", file));
  PetscCall(PdDictSetInt(report, "rows", m));
  PetscCall(PdDictSetInt(report, "nonzeros", (PetscInt64)info.nz_used));
  PetscCall(PdDictSetBool(report, "rhs_from_file", hasrhs));
  PetscCall(PdKSPSolveReport(ksp, b, x, report));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}
