/* Periodic Navier-Stokes: time per step of pdeop's solver against the FFTs it performs (per step:
   two right-hand sides of four inverse and one forward transform, i.e. 8 c2r + 2 r2c of N x N),
   timed alone in the same program with the same kind of FFTW plans. Prints a table. */
#include <pdeop/ns.h>
#include <pdeop/pdeop.h>

int main(int argc, char **argv)
{
  const PetscInt sizes[] = {64, 256, 1024};

  PetscCall(PdInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| N | steps | s/step pdeop | s/step FFTs alone (8 c2r + 2 r2c) | ratio |\n|---:|---:|---:|---:|---:|\n"));
  for (int k = 0; k < 3; k++) {
    const PetscInt N = sizes[k], steps = N <= 64 ? 400 : N <= 256 ? 40 : 4;
    double        *w, *r;
    fftw_complex  *c;
    fftw_plan      f, b;
    PdNS           ns;
    PdRng          rng;
    PetscLogDouble t0, t1, t2, t3;

    PetscCall(PetscMalloc1(N * N, &w));
    PetscCall(PdRngSeed(&rng, 1, 0));
    PetscCall(PdNSRandomVorticity(N, 2.5, 7.0, &rng, w));
    PetscCall(PdNSCreate(N, 1.0, 1e-3, 1e-4, PD_NS_FORCING_FNO, &ns));
    PetscCall(PdNSSetVorticity(ns, w));
    PetscCall(PdNSStep(ns, 2)); /* warm-up */
    PetscCall(PetscTime(&t0));
    PetscCall(PdNSStep(ns, steps));
    PetscCall(PetscTime(&t1));
    r = fftw_alloc_real((size_t)N * N);
    c = fftw_alloc_complex((size_t)N * (N / 2 + 1));
    f = fftw_plan_dft_r2c_2d((int)N, (int)N, r, c, FFTW_ESTIMATE);
    b = fftw_plan_dft_c2r_2d((int)N, (int)N, c, r, FFTW_ESTIMATE);
    for (PetscInt q = 0; q < N * N; q++) r[q] = w[q];
    fftw_execute(f);
    PetscCall(PetscTime(&t2));
    for (PetscInt s = 0; s < steps; s++) {
      for (int i = 0; i < 2; i++) { /* c2r overwrites its input: refresh it from a forward transform */
        fftw_execute(f);
        for (int j = 0; j < 4; j++) fftw_execute(b);
      }
    }
    PetscCall(PetscTime(&t3));
    {
      const double ts = (t1 - t0) / steps, tf = (t3 - t2) / steps;
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| %" PetscInt_FMT " | %" PetscInt_FMT " | %.3e | %.3e | %.2f |\n", N, steps, ts, tf, ts / tf));
    }
    fftw_destroy_plan(f);
    fftw_destroy_plan(b);
    fftw_free(r);
    fftw_free(c);
    PetscCall(PdNSDestroy(&ns));
    PetscCall(PetscFree(w));
  }
  PetscCall(PetscFinalize());
  return 0;
}
