/* `pdeop data antiderivative`: the DeepONet paper's first example, G(u)(x) = int_0^x u, with u drawn
   from a Gaussian random field with the RBF kernel exp(-|x-y|^2 / (2 l^2)) on [0,1] (l = 0.2), sampled
   at m equispaced sensors; the integral is exact to O(h^2) on a 10x finer grid. */
#include <pdeop/pdeop.h>
#include <pdeop/solve.h>
#include <petscblaslapack.h>

/*@
  PdDataAntiderivativeRun - `pdeop data antiderivative -n N -m 100 -length_scale 0.2 -seed k -o f.h5`

  Writes /inputs (u at the m sensors x_i = i/(m-1)) and /outputs (s = int_0^x u at the same points),
  N x m float32. Sample i draws from the stream (seed, i): the same file for any number of ranks.
@*/
PetscErrorCode PdDataAntiderivativeRun(MPI_Comm comm, PdDict report)
{
  PetscInt     n = 1000, m = 100, refine = 10, seed = 0, nf, lo, hi;
  PetscReal    ell = 0.2, jitter = 1e-10;
  char         out[PETSC_MAX_PATH_LEN] = "";
  PetscBool    help;
  PetscMPIInt  rank, size;
  PetscScalar *K;
  PetscBLASInt bn, info;
  float       *ins, *outs;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop data antiderivative: the DeepONet antiderivative dataset", "pdeop");
  PetscCall(PetscOptionsInt("-n", "Number of functions", "", n, &n, NULL));
  PetscCall(PetscOptionsInt("-m", "Sensors (and output points) on [0,1]", "", m, &m, NULL));
  PetscCall(PetscOptionsReal("-length_scale", "RBF kernel length scale l", "", ell, &ell, NULL));
  PetscCall(PetscOptionsInt("-refine", "Fine points per sensor interval for the integral", "", refine, &refine, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed: function i uses the stream (seed, i)", "", seed, &seed, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 file to write", "", out, out, sizeof(out), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  if (help) PetscFunctionReturn(0);
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n must be at least 1, got %" PetscInt_FMT, n);
  PetscCheck(m >= 2 && m <= 2000, comm, PETSC_ERR_ARG_OUTOFRANGE, "-m must be in [2, 2000], got %" PetscInt_FMT, m);
  PetscCheck(refine >= 1 && (m - 1) * refine + 1 <= 4000, comm, PETSC_ERR_ARG_OUTOFRANGE, "-refine must be >= 1 with (m-1) refine + 1 <= 4000 fine points");
  PetscCheck(ell > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-length_scale must be positive");
  PetscCheck(seed >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative");
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "Give the output file with -o file.h5");
  PetscCall(PdOptionsCheckUnused(comm, "data antiderivative"));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  lo = (PetscInt)(((PetscInt64)n * rank) / size);
  hi = (PetscInt)(((PetscInt64)n * (rank + 1)) / size);

  /* Cholesky factor of the kernel on the fine grid (a small jitter: RBF kernels are numerically singular) */
  nf = (m - 1) * refine + 1;
  PetscCall(PetscMalloc1(nf * nf, &K));
  for (PetscInt i = 0; i < nf; i++)
    for (PetscInt j = 0; j < nf; j++) {
      const PetscReal d = (PetscReal)(i - j) / (nf - 1);
      K[i * nf + j]     = PetscExpReal(-d * d / (2 * ell * ell)) + (i == j ? jitter : 0);
    }
  PetscCall(PetscBLASIntCast(nf, &bn));
  PetscCall(PetscFPTrapPush(PETSC_FP_TRAP_OFF));
  PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("U", &bn, K, &bn, &info)); /* column-major "U" = row-major lower */
  PetscCall(PetscFPTrapPop());
  PetscCheck(!info, comm, PETSC_ERR_LIB, "The kernel matrix is not positive definite at this resolution (LAPACK potrf info %d): lower -refine or raise -length_scale", (int)info);
  PetscCall(PetscMalloc2(PetscMax(hi - lo, 1) * m, &ins, PetscMax(hi - lo, 1) * m, &outs));
  {
    double *xi, *u;
    PetscCall(PetscMalloc2(nf, &xi, nf, &u));
    for (PetscInt s = lo; s < hi; s++) {
      PdRng  rng;
      double acc = 0;
      PetscCall(PdRngSeed(&rng, (uint64_t)seed, (uint64_t)s));
      for (PetscInt i = 0; i < nf; i++) xi[i] = PdRngNormal(&rng);
      for (PetscInt i = 0; i < nf; i++) { /* u = L xi, L lower triangular (row-major K, j <= i) */
        double v = 0;
        for (PetscInt j = 0; j <= i; j++) v += PetscRealPart(K[i * nf + j]) * xi[j];
        u[i] = v;
      }
      for (PetscInt i = 0; i < nf; i++) { /* cumulative trapezoid */
        if (i) acc += 0.5 * (u[i - 1] + u[i]) / (nf - 1);
        if (i % refine == 0) {
          ins[(s - lo) * m + i / refine]  = (float)u[i];
          outs[(s - lo) * m + i / refine] = (float)acc;
        }
      }
    }
    PetscCall(PetscFree2(xi, u));
  }
  PetscCall(PetscFree(K));
  {
    PdDataset    ds;
    PetscMPIInt *counts = NULL, *displs = NULL, cnt = (PetscMPIInt)((hi - lo) * m);
    PetscCall(PetscMemzero(&ds, sizeof(ds)));
    if (rank == 0) {
      PetscCall(PetscMalloc2(size, &counts, size, &displs));
      PetscCall(PetscMalloc2(n * m, &ds.inputs, n * m, &ds.outputs));
    }
    PetscCallMPI(MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
    if (rank == 0)
      for (PetscMPIInt r = 0; r < size; r++) displs[r] = r ? displs[r - 1] + counts[r - 1] : 0;
    PetscCallMPI(MPI_Gatherv(ins, cnt, MPI_FLOAT, ds.inputs, counts, displs, MPI_FLOAT, 0, comm));
    PetscCallMPI(MPI_Gatherv(outs, cnt, MPI_FLOAT, ds.outputs, counts, displs, MPI_FLOAT, 0, comm));
    ds.N           = n;
    ds.in_ndim     = 2;
    ds.out_ndim    = 2;
    ds.in_shape[0] = ds.out_shape[0] = n;
    ds.in_shape[1] = ds.out_shape[1] = m;
    ds.in_size = ds.out_size = m;
    PetscCall(PdDictCreate(&ds.attrs));
    PetscCall(PdDictSetString(ds.attrs, "pde", "antiderivative"));
    PetscCall(PdDictSetString(ds.attrs, "equation", "s(x) = int_0^x u(t) dt on [0,1], u ~ GRF with kernel exp(-|x-y|^2/(2 l^2))"));
    PetscCall(PdDictSetInt(ds.attrs, "n", n));
    PetscCall(PdDictSetInt(ds.attrs, "m", m));
    PetscCall(PdDictSetInt(ds.attrs, "refine", refine));
    PetscCall(PdDictSetReal(ds.attrs, "length_scale", ell));
    PetscCall(PdDictSetInt(ds.attrs, "seed", seed));
    PetscCall(PdDictSetString(ds.attrs, "grid", "sensors and output points x_i = i/(m-1); [N][m]"));
    if (rank == 0) PetscCall(PdDatasetWrite(PETSC_COMM_SELF, out, &ds));
    PetscCall(PdDictDestroy(&ds.attrs));
    if (rank == 0) {
      PetscCall(PetscFree2(ds.inputs, ds.outputs));
      PetscCall(PetscFree2(counts, displs));
    }
  }
  PetscCall(PetscFree2(ins, outs));
  PetscCall(PdDictSetInt(report, "samples", n));
  PetscCall(PdDictSetInt(report, "m", m));
  PetscCall(PdDictSetString(report, "output", out));
  PetscCall(PdPrintf(comm, "pdeop data antiderivative: %" PetscInt_FMT " functions at %" PetscInt_FMT " sensors -> %s\n", n, m, out));
  PetscFunctionReturn(0);
}
