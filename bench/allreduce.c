/* The gradient allreduce of data-parallel training alone (PdParamsAllreduceGrad: one MPI_Allreduce of
   all float gradients, in place, MPI_SUM), timed for given parameter counts (bench/scaling.sh).
   Usage: mpiexec -n R bench_allreduce [-n 2368001,1001857] [-reps 50]: prints median and minimum ms. */
#include <pdeop/pdeop.h>
#include <pdeop/options.h>

static int CompareDouble(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  PetscInt    sizes[16] = {2368001, 1001857}, nsizes = 16, reps = 50;
  PetscBool   set;
  PetscMPIInt rank, size;
  MPI_Comm    comm;

  PetscCall(PdInitialize(&argc, &argv, NULL, "bench_allreduce: time of the gradient allreduce"));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscOptionsBegin(comm, NULL, "bench_allreduce options", NULL);
  PetscCall(PdOptionsIntArray("-n", "Float counts to allreduce (default FNO's and MgNO's parameter counts)", NULL, sizes, &nsizes, &set));
  PetscCall(PdOptionsInt("-reps", "Timed allreduces per count", NULL, reps, &reps, NULL));
  PetscOptionsEnd();
  PetscCheck(!set || nsizes >= 1, comm, PETSC_ERR_ARG_WRONG, "-n needs one or more float counts, e.g. -n 2368001,1001857");
  if (!set) nsizes = 2;
  PetscCheck(reps >= 1 && reps <= 100000, comm, PETSC_ERR_ARG_OUTOFRANGE, "-reps must be in 1..100000, got %" PetscInt_FMT, reps);
  for (PetscInt k = 0; k < nsizes; k++) PetscCheck(sizes[k] >= 1 && sizes[k] <= PETSC_MPI_INT_MAX, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n values must be in 1..%d, got %" PetscInt_FMT, PETSC_MPI_INT_MAX, sizes[k]);
  PetscCall(PetscPrintf(comm, "| floats | MiB | ranks | median ms | min ms | GB/s (2(p-1)/p N 4 bytes / median) |\n|---|---|---|---|---|---|\n"));
  for (PetscInt k = 0; k < nsizes; k++) {
    const PetscInt n = sizes[k];
    float         *g;
    double        *t;
    PetscCall(PetscMalloc2(n, &g, reps, &t));
    for (PetscInt i = 0; i < n; i++) g[i] = 1e-3f * (float)(i % 997);
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, g, (PetscMPIInt)n, MPI_FLOAT, MPI_SUM, comm)); /* warm-up, checked: each entry is size times its value */
    for (PetscInt i = 0; i < n; i++) {
      const float want = (float)size * 1e-3f * (float)(i % 997);
      PetscCheck(PetscAbsReal((PetscReal)(g[i] - want)) <= 1e-6 * PetscAbsReal((PetscReal)want), PETSC_COMM_SELF, PETSC_ERR_PLIB, "MPI_Allreduce summed entry %" PetscInt_FMT " to %g, not %g: the MPI installation is broken", i, (double)g[i], (double)want);
    }
    for (PetscInt r = 0; r < reps; r++) {
      double t0;
      PetscCallMPI(MPI_Barrier(comm));
      t0 = MPI_Wtime();
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, g, (PetscMPIInt)n, MPI_FLOAT, MPI_SUM, comm));
      t[r] = MPI_Wtime() - t0;
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t[r], 1, MPI_DOUBLE, MPI_MAX, comm)); /* the slowest rank's time */
    }
    qsort(t, (size_t)reps, sizeof(double), CompareDouble);
    PetscCall(PetscPrintf(comm, "| %" PetscInt_FMT " | %.2f | %d | %.3f | %.3f | %.2f |\n", n, 4.0 * (double)n / 1048576.0, size, 1e3 * t[reps / 2], 1e3 * t[0],
                          size > 1 ? 2.0 * (size - 1) / size * 4.0 * (double)n / t[reps / 2] / 1e9 : 0.0));
    PetscCall(PetscFree2(g, t));
  }
  PetscCall(PetscFinalize());
  return 0;
}
