/* Two Navier-Stokes datasets of the same samples (`pdeop data ns`, e.g. two time steps): the relative
   L2 difference of their snapshots, and the error of copying the last input snapshot forward (the
   trivial baseline of the recurrent benchmark, bench/ns_fno.sh). Needs no Python.
   Usage: bench_ns_compare -a a.h5 [-b b.h5] */
#include <pdeop/pdeop.h>

int main(int argc, char **argv)
{
  char      fa[PETSC_MAX_PATH_LEN] = "", fb[PETSC_MAX_PATH_LEN] = "";
  PdDataset a, b;
  PetscBool hasb;

  PetscCall(PdInitialize(&argc, &argv, NULL, "bench_ns_compare: two NS datasets and the copy-last baseline"));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bench_ns_compare", "");
  PetscCall(PetscOptionsString("-a", "first dataset", "", fa, fa, sizeof(fa), NULL));
  PetscCall(PetscOptionsString("-b", "second dataset (same samples)", "", fb, fb, sizeof(fb), &hasb));
  PetscOptionsEnd();
  PetscCheck(fa[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "Give -a file.h5");
  PetscCall(PdDatasetRead(PETSC_COMM_WORLD, fa, PETSC_TRUE, &a));
  {
    PetscInt tin = a.in_shape[1], per = a.in_size / tin, K = a.out_shape[1];
    double   sum = 0, *step;
    PetscCall(PetscCalloc1(K, &step));
    for (PetscInt i = 0; i < a.N; i++) {
      const float *last = a.inputs + (size_t)i * a.in_size + (tin - 1) * per;
      double       d2 = 0, y2 = 0;
      for (PetscInt k = 0; k < K; k++) {
        double dk = 0, yk = 0;
        for (PetscInt j = 0; j < per; j++) {
          double y = a.outputs[(size_t)i * a.out_size + k * per + j], d = y - last[j];
          dk += d * d;
          yk += y * y;
        }
        step[k] += PetscSqrtReal(dk / yk) / a.N;
        d2 += dk;
        y2 += yk;
      }
      sum += PetscSqrtReal(d2 / y2);
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "copy_last_rel_l2 %.6e over %" PetscInt_FMT " samples, %" PetscInt_FMT " steps; per step:", sum / a.N, a.N, K));
    for (PetscInt k = 0; k < K; k++) PetscCall(PetscPrintf(PETSC_COMM_WORLD, " %.4g", step[k]));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n"));
    PetscCall(PetscFree(step));
  }
  if (hasb) {
    double d2 = 0, y2 = 0, dmax = 0;
    PetscCall(PdDatasetRead(PETSC_COMM_WORLD, fb, PETSC_TRUE, &b));
    PetscCheck(a.N == b.N && a.in_size == b.in_size && a.out_size == b.out_size, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "The two datasets differ in shape");
    for (size_t j = 0; j < (size_t)a.N * a.out_size; j++) {
      double d = (double)a.outputs[j] - b.outputs[j];
      d2 += d * d;
      y2 += (double)b.outputs[j] * b.outputs[j];
      dmax = PetscMax(dmax, PetscAbsReal(d));
    }
    for (size_t j = 0; j < (size_t)a.N * a.in_size; j++) {
      double d = (double)a.inputs[j] - b.inputs[j];
      d2 += d * d;
      y2 += (double)b.inputs[j] * b.inputs[j];
      dmax = PetscMax(dmax, PetscAbsReal(d));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "rel_l2_difference %.6e (all snapshots), max_abs_difference %.6e\n", PetscSqrtReal(d2 / y2), dmax));
    PetscCall(PdDatasetFree(&b));
  }
  PetscCall(PdDatasetFree(&a));
  PetscCall(PetscFinalize());
  return 0;
}
