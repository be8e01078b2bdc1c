/* `pdeop data ns`: the FNO paper's Navier-Stokes dataset. Per sample an initial vorticity from the
   FNO Gaussian random field (stream (seed, sample)), solved at -fine with the forcing
   0.1 (sin 2 pi (x+y) + cos 2 pi (x+y)), stored at -res every unit of time up to -T: the first
   -t_in snapshots are /inputs (channels), the rest /outputs. Samples split over ranks, rank 0 writes. */
#include <pdeop/ns.h>
#include <pdeop/pdeop.h>
#include <pdeop/solve.h>

/*@
  PdDataNSRun - `pdeop data ns -n N -res s -fine S -nu nu -T t -t_in 10 -dt 1e-4 -seed k -o file.h5`

  Also -ns_scheme heun|euler (advection in time; euler is the FNO script's forward Euler). The
  progress line counts units of simulated time over this rank's samples.
@*/
PetscErrorCode PdDataNSRun(MPI_Comm comm, PdDict report)
{
  PetscInt       n = 100, res = 64, fine = 256, T = 50, tin = 10, seed = 0, lo, hi, stride, per, spu;
  PetscReal      nu = 1e-3, dt = 1e-4;
  PdNSScheme     scheme = PD_NS_SCHEME_HEUN;
  char           out[PETSC_MAX_PATH_LEN] = "";
  PetscBool      help;
  PetscMPIInt    rank, size;
  float         *ins, *outs;
  double        *w;
  PdProgress     prog;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop data ns: the FNO Navier-Stokes dataset", "pdeop");
  PetscCall(PetscOptionsInt("-n", "Number of samples", "", n, &n, NULL));
  PetscCall(PetscOptionsInt("-res", "Resolution stored", "", res, &res, NULL));
  PetscCall(PetscOptionsInt("-fine", "Resolution solved (a multiple of -res)", "", fine, &fine, NULL));
  PetscCall(PetscOptionsReal("-nu", "Viscosity", "", nu, &nu, NULL));
  PetscCall(PetscOptionsReal("-dt", "Time step of the solver", "", dt, &dt, NULL));
  PetscCall(PetscOptionsInt("-T", "Final time (snapshots at t = 1, ..., T)", "", T, &T, NULL));
  PetscCall(PetscOptionsInt("-t_in", "Snapshots stored as inputs", "", tin, &tin, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed: sample i uses the stream (seed, i)", "", seed, &seed, NULL));
  PetscCall(PetscOptionsEnum("-ns_scheme", "Advection and forcing in time (viscosity: Crank-Nicolson)", "", PdNSSchemes, (PetscEnum)scheme, (PetscEnum *)&scheme, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 file to write", "", out, out, sizeof(out), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscFunctionReturn(0);
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n must be at least 1, got %" PetscInt_FMT, n);
  PetscCheck(tin >= 1 && T > tin, comm, PETSC_ERR_ARG_OUTOFRANGE, "-T (%" PetscInt_FMT ") must exceed -t_in (%" PetscInt_FMT "): the outputs are the snapshots after the inputs", T, tin);
  PetscCheck(res >= 4 && res % 2 == 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-res must be even and at least 4, got %" PetscInt_FMT, res);
  PetscCheck(res <= fine, comm, PETSC_ERR_ARG_OUTOFRANGE, "-res %" PetscInt_FMT " exceeds -fine %" PetscInt_FMT ": the stored grid is a subsample of the solver's", res, fine);
  PetscCheck(fine % res == 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-fine %" PetscInt_FMT " must be a multiple of -res %" PetscInt_FMT " (the stored grid takes every (fine/res)-th point)", fine, res);
  PetscCheck(nu > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-nu must be positive, got %g", (double)nu);
  PetscCheck(dt > 0 && dt <= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dt must be in (0, 1], got %g", (double)dt);
  spu = (PetscInt)(1.0 / dt + 0.5);
  PetscCheck(PetscAbsReal(spu * dt - 1) < 1e-9, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dt must divide one unit of time (1/dt a whole number), got %g", (double)dt);
  PetscCheck(seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "Give the output file with -o file.h5");
  PetscCheck((double)n * PetscMax(T - tin, tin) * res * res < 2147483647.0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n %" PetscInt_FMT " samples of %" PetscInt_FMT " snapshots at -res %" PetscInt_FMT " exceed 2^31 floats per array (MPI counts): write several files", n, T, res);
  PetscCall(PdOptionsCheckUnused(comm, "data ns"));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  lo     = (PetscInt)(((PetscInt64)n * rank) / size);
  hi     = (PetscInt)(((PetscInt64)n * (rank + 1)) / size);
  stride = fine / res;
  per    = res * res;
  PetscCall(PetscMalloc1(fine * fine, &w));
  PetscCall(PetscMalloc2((size_t)PetscMax(hi - lo, 1) * tin * per, &ins, (size_t)PetscMax(hi - lo, 1) * (T - tin) * per, &outs));
  PetscCall(PdProgressBegin(comm, "ns time units", (hi - lo) * T, &prog));
  PetscCall(PetscTime(&t0));
  for (PetscInt s = lo; s < hi; s++) {
    PdRng rng;
    PdNS  ns;
    PetscCall(PdRngSeed(&rng, (uint64_t)seed, (uint64_t)s));
    PetscCall(PdNSRandomVorticity(fine, 2.5, 7.0, &rng, w));
    PetscCall(PdNSCreate(fine, 1.0, nu, dt, PD_NS_FORCING_FNO, &ns));
    PetscCall(PdNSSetScheme(ns, scheme));
    PetscCall(PdNSSetVorticity(ns, w));
    for (PetscInt k = 1; k <= T; k++) {
      float *dst;
      char   extra[64];
      PetscCall(PdNSStep(ns, spu));
      PetscCall(PdNSGetVorticity(ns, w));
      dst = k <= tin ? ins + ((size_t)(s - lo) * tin + (k - 1)) * per : outs + ((size_t)(s - lo) * (T - tin) + (k - 1 - tin)) * per;
      for (PetscInt j = 0; j < res; j++)
        for (PetscInt i = 0; i < res; i++) dst[j * res + i] = (float)w[(j * stride) * fine + i * stride];
      PetscCall(PetscSNPrintf(extra, sizeof(extra), "sample %" PetscInt_FMT " of %" PetscInt_FMT ", t = %" PetscInt_FMT, s + 1, n, k));
      PetscCall(PdProgressUpdate(&prog, (s - lo) * T + k, extra));
    }
    PetscCall(PdNSDestroy(&ns));
  }
  PetscCall(PdProgressEnd(&prog));
  PetscCall(PetscTime(&t1));
  {
    PdDataset    ds;
    PetscMPIInt *ci = NULL, *di = NULL, *co = NULL, *dO = NULL, cin = (PetscMPIInt)((hi - lo) * tin * per), cout = (PetscMPIInt)((hi - lo) * (T - tin) * per);
    double       busy = t1 - t0, slowest;
    PetscCall(PetscMemzero(&ds, sizeof(ds)));
    if (rank == 0) {
      PetscCall(PetscMalloc4(size, &ci, size, &di, size, &co, size, &dO));
      PetscCall(PetscMalloc2((size_t)n * tin * per, &ds.inputs, (size_t)n * (T - tin) * per, &ds.outputs));
    }
    PetscCallMPI(MPI_Gather(&cin, 1, MPI_INT, ci, 1, MPI_INT, 0, comm));
    PetscCallMPI(MPI_Gather(&cout, 1, MPI_INT, co, 1, MPI_INT, 0, comm));
    if (rank == 0)
      for (PetscMPIInt r = 0; r < size; r++) {
        di[r] = r ? di[r - 1] + ci[r - 1] : 0;
        dO[r] = r ? dO[r - 1] + co[r - 1] : 0;
      }
    PetscCallMPI(MPI_Gatherv(ins, cin, MPI_FLOAT, ds.inputs, ci, di, MPI_FLOAT, 0, comm));
    PetscCallMPI(MPI_Gatherv(outs, cout, MPI_FLOAT, ds.outputs, co, dO, MPI_FLOAT, 0, comm));
    PetscCall(MPIU_Allreduce(&busy, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm));
    ds.N = n, ds.in_ndim = ds.out_ndim = 4;
    ds.in_shape[0] = ds.out_shape[0] = n;
    ds.in_shape[1] = tin, ds.out_shape[1] = T - tin;
    ds.in_shape[2] = ds.in_shape[3] = ds.out_shape[2] = ds.out_shape[3] = res;
    ds.in_size = tin * per, ds.out_size = (T - tin) * per;
    PetscCall(PdDictCreate(&ds.attrs));
    PetscCall(PdDictSetString(ds.attrs, "pde", "navier-stokes vorticity on the unit torus"));
    PetscCall(PdDictSetString(ds.attrs, "equation", "w_t + u.grad w = nu Laplace w + f, f = 0.1 (sin 2pi(x+y) + cos 2pi(x+y))"));
    PetscCall(PdDictSetString(ds.attrs, "initial", "GRF N(0, 7^(3/2) (-Laplace + 49 I)^(-2.5))"));
    PetscCall(PdDictSetInt(ds.attrs, "n", n));
    PetscCall(PdDictSetInt(ds.attrs, "res", res));
    PetscCall(PdDictSetInt(ds.attrs, "fine", fine));
    PetscCall(PdDictSetReal(ds.attrs, "nu", nu));
    PetscCall(PdDictSetReal(ds.attrs, "dt", dt));
    PetscCall(PdDictSetInt(ds.attrs, "T", T));
    PetscCall(PdDictSetInt(ds.attrs, "t_in", tin));
    PetscCall(PdDictSetString(ds.attrs, "scheme", PdNSSchemes[scheme]));
    PetscCall(PdDictSetInt(ds.attrs, "seed", seed));
    PetscCall(PdDictSetString(ds.attrs, "grid", "x = i/res, y = j/res; /inputs [N][t=1..t_in][j][i], /outputs [N][t=t_in+1..T][j][i]"));
    if (rank == 0) PetscCall(PdDatasetWrite(PETSC_COMM_SELF, out, &ds));
    PetscCall(PdDictDestroy(&ds.attrs));
    if (rank == 0) {
      PetscCall(PetscFree2(ds.inputs, ds.outputs));
      PetscCall(PetscFree4(ci, di, co, dO));
    }
    PetscCall(PdDictSetInt(report, "samples", n));
    PetscCall(PdDictSetReal(report, "seconds", slowest));
    PetscCall(PdDictSetReal(report, "samples_per_s", n / slowest));
    PetscCall(PdDictSetString(report, "output", out));
    PetscCall(PdPrintf(comm, "pdeop data ns: %" PetscInt_FMT " samples, %" PetscInt_FMT " + %" PetscInt_FMT " snapshots at %" PetscInt_FMT "^2 (solved at %" PetscInt_FMT "^2) in %.2f s -> %s\n", n, tin, T - tin, res, fine, slowest, out));
  }
  PetscCall(PetscFree(w));
  PetscCall(PetscFree2(ins, outs));
  PetscFunctionReturn(0);
}
