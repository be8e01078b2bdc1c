/* `pdeop data darcy`: the FNO paper's Darcy dataset. Per sample a thresholded Gaussian random field
   on the fine grid (drawn from a stream fixed by (seed, sample), so any split over ranks gives the
   same file), a solve on the fine grid, and both fields subsampled to -res. Samples are split over
   MPI ranks, each solving on its own; rank 0 gathers and writes. */
#include <pdeop/darcy.h>
#include <pdeop/field.h>
#include <pdeop/mesh.h>
#include <pdeop/solve.h>
#include <pdeop/pdeop.h>

/* CG with BoomerAMG (hypre): the fastest of gamg, hypre and icc at 421^2 (3.0 samples/s against
   2.15 and 0.6, docs/benchmarks.md), tight tolerance,
   then the options */
static PetscErrorCode MakeKSP(Mat A, KSP *ksp)
{
  PC pc;

  PetscFunctionBegin;
  PetscCall(KSPCreate(PETSC_COMM_SELF, ksp));
  PetscCall(KSPSetOperators(*ksp, A, A));
  PetscCall(KSPSetType(*ksp, KSPCG));
  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PCSetType(pc, PCHYPRE));
  PetscCall(KSPSetTolerances(*ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(KSPSetFromOptions(*ksp));
  PetscFunctionReturn(0);
}

PetscErrorCode PdDataDarcyRun(MPI_Comm comm, PdDict report)
{
  PetscInt       n = 100, res = 85, fine = 421, seed = 0, step, lo, hi, nloc;
  PetscReal      alpha = 2, tau = 3, fval = 1;
  PdFaceAverage  avg  = PD_FACE_HARMONIC;
  char           out[PETSC_MAX_PATH_LEN] = "";
  PetscBool      help;
  PetscMPIInt    rank, size;
  DM             da;
  Mat            A;
  Vec            b, u;
  KSP            ksp;
  double        *a;
  float         *ins, *outs;
  PdProgress     prog;
  PetscLogDouble t0, t1, tsolve = 0, ts0, ts1;
  PetscInt       totalits = 0;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop data darcy: the FNO Darcy dataset", "pdeop");
  PetscCall(PetscOptionsInt("-n", "Number of samples", "", n, &n, NULL));
  PetscCall(PetscOptionsInt("-res", "Resolution stored (points per side)", "", res, &res, NULL));
  PetscCall(PetscOptionsInt("-fine", "Resolution solved (points per side)", "", fine, &fine, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed: sample i uses the stream (seed, i)", "", seed, &seed, NULL));
  PetscCall(PetscOptionsReal("-darcy_alpha", "Random field smoothness alpha", "", alpha, &alpha, NULL));
  PetscCall(PetscOptionsReal("-darcy_tau", "Random field inverse length scale tau", "", tau, &tau, NULL));
  PetscCall(PetscOptionsReal("-darcy_f", "Constant right-hand side f", "", fval, &fval, NULL));
  PetscCall(PetscOptionsEnum("-darcy_face_average", "Face coefficient", "", PdFaceAverages, (PetscEnum)avg, (PetscEnum *)&avg, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 file to write", "", out, out, sizeof(out), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) {
    PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
    PetscCall(KSPSetFromOptions(ksp));
    PetscCall(KSPDestroy(&ksp));
    PetscFunctionReturn(0);
  }
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n must be at least 1, got %" PetscInt_FMT, n);
  PetscCheck(res >= 3 && fine >= res, comm, PETSC_ERR_ARG_OUTOFRANGE, "Need 3 <= -res <= -fine, got -res %" PetscInt_FMT " -fine %" PetscInt_FMT, res, fine);
  PetscCheck(seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "Give the output file with -o file.h5");
  if ((fine - 1) % (res - 1)) {
    char     list[512] = "";
    size_t   len       = 0;
    PetscInt shown     = 0;
    for (PetscInt d = fine - 1; d >= 1 && shown < 12; d--)
      if ((fine - 1) % d == 0 && (fine - 1) / d + 1 >= 3) {
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%" PetscInt_FMT, shown ? ", " : "", (fine - 1) / d + 1);
        shown++;
      }
    SETERRQ(comm, PETSC_ERR_ARG_INCOMP, "-fine %" PetscInt_FMT " does not subsample evenly to -res %" PetscInt_FMT ": (fine-1)/(res-1) must be a whole number. With -fine %" PetscInt_FMT ", -res can be %s", fine, res, fine, list);
  }
  step = (fine - 1) / (res - 1);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  lo   = (PetscInt)(((PetscInt64)n * rank) / size);
  hi   = (PetscInt)(((PetscInt64)n * (rank + 1)) / size);
  nloc = hi - lo;

  /* each rank solves its samples alone */
  PetscCall(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, fine, fine, 1, 1, 1, 1, NULL, NULL, &da));
  PetscCall(DMSetUp(da));
  PetscCall(DMCreateMatrix(da, &A));
  PetscCall(DMCreateGlobalVector(da, &b));
  PetscCall(DMCreateGlobalVector(da, &u));
  PetscCall(MakeKSP(A, &ksp)); /* read the solver options once, for the check */
  PetscCall(KSPDestroy(&ksp));
  PetscCall(PdOptionsCheckUnused(comm, "data darcy"));
  PetscCall(PdDarcyRHS(da, NULL, fval, b));
  PetscCall(PetscMalloc1(fine * fine, &a));
  PetscCall(PetscMalloc2(PetscMax(nloc, 1) * res * res, &ins, PetscMax(nloc, 1) * res * res, &outs));
  PetscCall(PdProgressBegin(comm, "darcy samples", nloc, &prog));
  PetscCall(PetscTime(&t0));
  for (PetscInt s = lo; s < hi; s++) {
    PdRng              rng;
    PetscInt           its;
    KSPConvergedReason reason;
    const PetscScalar *ua;
    PetscCall(PdRngSeed(&rng, (uint64_t)seed, (uint64_t)s));
    PetscCall(PdGaussianRandomField2D(fine, alpha, tau, &rng, a));
    PetscCall(PdFieldThreshold(fine * fine, a, 12.0, 3.0));
    PetscCall(PetscTime(&ts0));
    PetscCall(PdDarcyOperator(da, a, avg, A));
    /* a fresh solver per sample: a reused one carries state (AMG's random eigenvalue estimates), and
       the same sample must give the same numbers whichever rank solves it after whichever others */
    PetscCall(MakeKSP(A, &ksp));
    PetscCall(KSPSolve(ksp, b, u));
    PetscCall(PetscTime(&ts1));
    tsolve += ts1 - ts0;
    PetscCall(KSPGetConvergedReason(ksp, &reason));
    PetscCall(KSPGetIterationNumber(ksp, &its));
    PetscCall(KSPDestroy(&ksp));
    PetscCheck(reason > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "Sample %" PetscInt_FMT ": the fine solve diverged (%s after %" PetscInt_FMT " iterations)", s, KSPConvergedReasons[reason], its);
    totalits += its;
    PetscCall(VecGetArrayRead(u, &ua)); /* one rank: global order is natural order */
    for (PetscInt j = 0; j < res; j++)
      for (PetscInt i = 0; i < res; i++) {
        PetscInt k = (j * step) * fine + i * step;
        ins[((s - lo) * res + j) * res + i]  = (float)a[k];
        outs[((s - lo) * res + j) * res + i] = (float)PetscRealPart(ua[k]);
      }
    PetscCall(VecRestoreArrayRead(u, &ua));
    PetscCall(PdProgressUpdate(&prog, s - lo + 1, NULL));
  }
  PetscCall(PdProgressEnd(&prog));
  PetscCall(PetscTime(&t1));
  {
    PdDataset   ds;
    PetscMPIInt *counts = NULL, *displs = NULL, cnt = (PetscMPIInt)(nloc * res * res);
    double      busy = t1 - t0, solve = tsolve, slowest;
    PetscInt64  its64 = totalits;
    PetscCall(PetscMemzero(&ds, sizeof(ds)));
    if (rank == 0) {
      PetscCall(PetscMalloc2(size, &counts, size, &displs));
      PetscCall(PetscMalloc2(n * res * res, &ds.inputs, n * res * res, &ds.outputs));
    }
    PetscCallMPI(MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
    if (rank == 0)
      for (PetscMPIInt r = 0; r < size; r++) displs[r] = r ? displs[r - 1] + counts[r - 1] : 0;
    PetscCallMPI(MPI_Gatherv(ins, cnt, MPI_FLOAT, ds.inputs, counts, displs, MPI_FLOAT, 0, comm));
    PetscCallMPI(MPI_Gatherv(outs, cnt, MPI_FLOAT, ds.outputs, counts, displs, MPI_FLOAT, 0, comm));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &solve, 1, MPI_DOUBLE, MPI_SUM, comm));
    PetscCall(MPIU_Allreduce(&busy, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &busy, 1, MPI_DOUBLE, MPI_SUM, comm));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &its64, 1, MPIU_INT64, MPI_SUM, comm));
    ds.N        = n;
    ds.in_ndim  = 4;
    ds.out_ndim = 4;
    ds.in_shape[0] = ds.out_shape[0] = n;
    ds.in_shape[1] = ds.out_shape[1] = 1;
    ds.in_shape[2] = ds.out_shape[2] = res;
    ds.in_shape[3] = ds.out_shape[3] = res;
    ds.in_size = ds.out_size = res * res;
    PetscCall(PdDictCreate(&ds.attrs));
    PetscCall(PdDictSetString(ds.attrs, "pde", "darcy"));
    PetscCall(PdDictSetString(ds.attrs, "equation", "-div(a grad u) = f, u = 0 on the boundary of the unit square"));
    PetscCall(PdDictSetInt(ds.attrs, "n", n));
    PetscCall(PdDictSetInt(ds.attrs, "res", res));
    PetscCall(PdDictSetInt(ds.attrs, "fine", fine));
    PetscCall(PdDictSetInt(ds.attrs, "seed", seed));
    PetscCall(PdDictSetReal(ds.attrs, "alpha", alpha));
    PetscCall(PdDictSetReal(ds.attrs, "tau", tau));
    PetscCall(PdDictSetReal(ds.attrs, "f", fval));
    PetscCall(PdDictSetString(ds.attrs, "coefficient", "threshold 12/3 of a Gaussian random field"));
    PetscCall(PdDictSetString(ds.attrs, "face_average", PdFaceAverages[avg]));
    PetscCall(PdDictSetString(ds.attrs, "grid", "nodes x = i/(res-1), boundary included; [N][1][j][i], i along x"));
    if (rank == 0) PetscCall(PdDatasetWrite(PETSC_COMM_SELF, out, &ds)); /* a failure ends the job (pdeop aborts all ranks) */
    PetscCall(PdDictSetInt(report, "samples", n));
    PetscCall(PdDictSetInt(report, "res", res));
    PetscCall(PdDictSetInt(report, "fine", fine));
    PetscCall(PdDictSetReal(report, "seconds", slowest));
    PetscCall(PdDictSetReal(report, "samples_per_s", n / slowest));
    PetscCall(PdDictSetReal(report, "samples_per_s_per_core", n / busy));
    PetscCall(PdDictSetReal(report, "solve_fraction", busy > 0 ? solve / busy : 0));
    PetscCall(PdDictSetReal(report, "iterations_mean", (double)its64 / n));
    PetscCall(PdDictSetString(report, "output", out));
    PetscCall(PdPrintf(comm, "pdeop data darcy: %" PetscInt_FMT " samples at %" PetscInt_FMT "^2 (solved at %" PetscInt_FMT "^2) in %.2f s, %.2f samples/s, %.0f%% of the time in the fine solve, %.1f CG iterations per solve -> %s\n", n, res, fine, slowest, n / slowest, 100 * (busy > 0 ? solve / busy : 0), (double)its64 / n, out));
    PetscCall(PdDictDestroy(&ds.attrs));
    if (rank == 0) {
      PetscCall(PetscFree2(ds.inputs, ds.outputs));
      PetscCall(PetscFree2(counts, displs));
    }
  }
  PetscCall(PetscFree(a));
  PetscCall(PetscFree2(ins, outs));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&u));
  PetscCall(MatDestroy(&A));
  PetscCall(DMDestroy(&da));
  PetscFunctionReturn(0);
}
