/* Periodic Navier-Stokes: time per step of pdeop's solver against the FFTs it performs (per right-hand
   side four inverse and one forward transform of N x N: Heun takes two right-hand sides a step,
   8 c2r + 2 r2c; forward Euler one, 4 c2r + 1 r2c), timed alone in the same program with the same
   kind of FFTW plans. Each is timed 5 times, alternating, and the fastest kept (robust on a shared
   machine). Prints a markdown table (build/bench_ns_periodic). */
#include <fftw3.h>
#include <pdeop/ns.h>
#include <pdeop/pdeop.h>

int main(int argc, char **argv)
{
  const PetscInt sizes[] = {64, 256, 1024};

  PetscCall(PdInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| N | scheme | steps | s/step pdeop | s/step FFTs alone | ratio |\n|---:|:---|---:|---:|---:|---:|\n"));
  for (int k = 0; k < 3; k++) {
    for (int sc = 0; sc < 2; sc++) {
      const PetscInt N = sizes[k], steps = N <= 64 ? 400 : N <= 256 ? 40
                                                                    : 4,
                     nrhs = sc == 0 ? 2 : 1;
      double        *w, *r;
      fftw_complex  *c;
      fftw_plan      f, b;
      PdNS           ns;
      PdRng          rng;
      PetscLogDouble t0, t1, t3, ts = PETSC_MAX_REAL, tf = PETSC_MAX_REAL;

      PetscCall(PetscMalloc1(N * N, &w));
      PetscCall(PdRngSeed(&rng, 1, 0));
      PetscCall(PdNSRandomVorticity(N, 2.5, 7.0, &rng, w));
      PetscCall(PdNSCreate(N, 1.0, 1e-3, 1e-4, PD_NS_FORCING_FNO, &ns));
      PetscCall(PdNSSetScheme(ns, sc == 0 ? PD_NS_SCHEME_HEUN : PD_NS_SCHEME_EULER));
      PetscCall(PdNSSetVorticity(ns, w));
      PetscCall(PdNSStep(ns, 2)); /* warm-up */
      r = fftw_alloc_real((size_t)N * N);
      c = fftw_alloc_complex((size_t)N * (N / 2 + 1));
      f = fftw_plan_dft_r2c_2d((int)N, (int)N, r, c, FFTW_ESTIMATE);
      b = fftw_plan_dft_c2r_2d((int)N, (int)N, c, r, FFTW_ESTIMATE);
      for (PetscInt q = 0; q < N * N; q++) r[q] = w[q];
      fftw_execute(f);
      for (int rep = 0; rep < 5; rep++) {
        PetscCall(PetscTime(&t0));
        PetscCall(PdNSStep(ns, steps));
        PetscCall(PetscTime(&t1));
        for (PetscInt s = 0; s < steps; s++) {
          for (PetscInt i = 0; i < nrhs; i++) { /* c2r overwrites its input: refresh it from a forward transform */
            fftw_execute(f);
            for (int j = 0; j < 4; j++) fftw_execute(b);
          }
        }
        PetscCall(PetscTime(&t3));
        ts = PetscMin(ts, (t1 - t0) / steps);
        tf = PetscMin(tf, (t3 - t1) / steps);
      }
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "| %" PetscInt_FMT " | %s | %" PetscInt_FMT " | %.3e | %.3e | %.2f |\n", N, PdNSSchemes[sc], steps, ts, tf, ts / tf));
      fftw_destroy_plan(f);
      fftw_destroy_plan(b);
      fftw_free(r);
      fftw_free(c);
      PetscCall(PdNSDestroy(&ns));
      PetscCall(PetscFree(w));
    }
  }
  PetscCall(PetscFinalize());
  return 0;
}
