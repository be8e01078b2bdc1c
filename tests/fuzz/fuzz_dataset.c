/* libFuzzer target: any bytes as a dataset file. PdDatasetRead either reads it (and every sample is
   finite and the shapes agree) or returns an error; it never crashes, hangs or leaks. */
#include "fuzz_common.h"

static void Read(void)
{
  PdDataset ds;

  if (!PdDatasetRead(PETSC_COMM_SELF, fuzz_path, PETSC_FALSE, &ds)) {
    for (PetscInt i = 0; i < ds.N * ds.in_size; i++)
      if (!isfinite(ds.inputs[i])) __builtin_trap(); /* the reader promised finite values */
    PdDatasetFree(&ds);
  }
}

/* two samples of 4 floats in, 4 out */
static int Seed(void)
{
  PdDataset ds   = {0};
  float     x[8] = {1, 2, 3, 4, 5, 6, 7, 8};

  ds.N = ds.in_shape[0] = ds.out_shape[0] = 2;
  ds.in_ndim = ds.out_ndim = 2;
  ds.in_shape[1] = ds.out_shape[1] = 4;
  ds.in_size = ds.out_size = 4;
  ds.inputs = ds.outputs = x;
  return PdDatasetWrite(PETSC_COMM_SELF, fuzz_path, &ds) != 0;
}

FUZZ_TARGET(".h5", Seed, Read)
