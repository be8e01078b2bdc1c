/* Shared by the libFuzzer targets: PETSc started once with errors returned (never printed or
   aborted), and each input written to a private temporary file for the reader under test. Each
   target reads one valid file of its own at start-up, so that the one-time allocations of MPI,
   PETSc and HDF5 are made before libFuzzer starts looking for leaks. */
#pragma once
#include <pdeop/pdeop.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static char fuzz_path[128];

static int FuzzInitialize(const char *suffix)
{
  if (PetscInitializeNoArguments() || PdRegisterAll()) return 1;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  snprintf(fuzz_path, sizeof(fuzz_path), "/tmp/pdeop-fuzz-%d%s", (int)getpid(), suffix);
  return 0;
}

/* the warm-up's second half: a file that is not what the reader wants (its error paths' one-time
   allocations, e.g. MPI's error-string machinery, are then made before the fuzzing starts) */
static void FuzzWarmUpBad(void (*read)(void))
{
  FILE *f = fopen(fuzz_path, "wb");
  if (!f) return;
  fputs("not a file of this kind", f);
  fclose(f);
  read();
}

static int FuzzWrite(const uint8_t *data, size_t n)
{
  FILE *f = fopen(fuzz_path, "wb");
  if (!f) return 1;
  if (n && fwrite(data, 1, n, f) != n) {
    fclose(f);
    return 1;
  }
  return fclose(f) != 0;
}

/* The target's start-up and its one input: PETSc started, the target's valid file written by seed
   (into fuzz_path), read, then the warm-up's bad file read; afterwards each input is written to
   fuzz_path and read. */
static int FuzzStart(const char *suffix, int (*seed)(void), void (*read)(void))
{
  if (FuzzInitialize(suffix) || seed()) return 1;
  read();
  FuzzWarmUpBad(read);
  return 0;
}
#define FUZZ_TARGET(suffix, seed, read) \
  int LLVMFuzzerInitialize(int *argc, char ***argv) { return FuzzStart(suffix, seed, read); } \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) \
  { \
    if (!FuzzWrite(data, n)) read(); \
    return 0; \
  }
