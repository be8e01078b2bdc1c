/* `pdeop data`'s driver over any PdProblem in data mode: each rank draws its contiguous share of
   the sample indices (the stream of sample i is (seed, i): the same file for any number of ranks),
   rank 0 gathers them into one dataset with the recipe's attributes; progress and timing. */
#include <pdeop/parallel.h>
#include <pdeop/problem.h>
#include <pdeop/progress.h>
#include <pdeop/tensor.h>

/* gather each rank's cnt floats of loc in rank order into all (rank 0) */
static PetscErrorCode Gather(MPI_Comm comm, const float loc[], PetscInt64 cnt, float all[])
{
  PetscMPIInt rank, size, c, *counts = NULL, *displs = NULL;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMPIIntCast(cnt, &c));
  if (rank == 0) PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Gather(&c, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
  if (rank == 0)
    for (PetscMPIInt r = 0; r < size; r++) displs[r] = r ? displs[r - 1] + counts[r - 1] : 0;
  PetscCallMPI(MPI_Gatherv(loc, c, MPI_FLOAT, all, counts, displs, MPI_FLOAT, 0, comm));
  if (rank == 0) PetscCall(PetscFree2(counts, displs));
  PetscFunctionReturn(0);
}

static PetscBool AllFinite(const float x[], PetscInt n)
{
  for (PetscInt i = 0; i < n; i++)
    if (!isfinite(x[i])) return PETSC_FALSE;
  return PETSC_TRUE;
}

/*@
  PdDatasetGenerate - samples 0..n-1 of a problem in data mode (PdProblemSetDataMode), split over
  the ranks of its communicator in contiguous blocks, gathered on rank 0

  Input: p (in data mode, its settings from setters or options; set up here if needed), n. Output: ds, on rank 0 the [N][...] inputs
  and outputs and the recipe's attributes (elsewhere NULL arrays and attributes; free with
  PdDatasetFree on every rank); report (may be NULL) gets samples, seconds (the slowest rank),
  samples_per_s, samples_per_s_per_core (over the summed busy time) and the recipe's keys
  (PdProblemGetDataReport).
@*/
PetscErrorCode PdDatasetGenerate(PdProblem p, PetscInt n, PdDataset *ds, PdDict report)
{
  MPI_Comm       comm;
  PetscMPIInt    rank, size;
  PetscInt       lo, hi, ni, no, si[PD_MAX_DIMS], so[PD_MAX_DIMS], isz = 1, osz = 1, units;
  const char    *label;
  float         *ins, *outs;
  PdProgress     prog;
  PetscLogDouble t0, t1;
  double         busy, slowest;
  PetscInt       bad = PETSC_MAX_INT; /* the first sample with a value that is not finite */

  PetscFunctionBegin;
  PetscCheck(p && ds, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "PdDatasetGenerate: give a problem and a dataset to fill");
  PetscCall(PdProblemGetComm(p, &comm));
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "PdDatasetGenerate: n must be at least 1, got %" PetscInt_FMT, n);
  PetscCall(PdProblemGetSampleShapes(p, &ni, si, &no, so));
  PetscCall(PdProblemGetSampleWork(p, &label, &units));
  PetscCheck(ni + 1 <= PD_MAX_DIMS && no + 1 <= PD_MAX_DIMS, comm, PETSC_ERR_SUP, "A sample has at most %d dimensions", PD_MAX_DIMS - 1);
  for (PetscInt d = 0; d < ni; d++) isz *= si[d];
  for (PetscInt d = 0; d < no; d++) osz *= so[d];
  PetscCheck((double)n * PetscMax(isz, osz) < 2147483647.0, comm, PETSC_ERR_ARG_OUTOFRANGE, "PdDatasetGenerate: %" PetscInt_FMT " samples of %" PetscInt_FMT " floats exceed 2^31 floats per array (MPI counts): draw several datasets", n, PetscMax(isz, osz));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PdRankRange(comm, n, &lo, &hi));
  PetscCall(PetscMalloc2((size_t)PetscMax(hi - lo, 1) * isz, &ins, (size_t)PetscMax(hi - lo, 1) * osz, &outs));
  PetscCall(PdProgressBegin(comm, label, (hi - lo) * units, &prog));
  PetscCall(PetscTime(&t0));
  for (PetscInt s = lo; s < hi; s++) {
    PetscCall(PdProblemSetSampleProgress(p, &prog, (s - lo) * units, n)); /* for finer counts */
    PetscCall(PdProblemSample(p, s, ins + (size_t)(s - lo) * isz, outs + (size_t)(s - lo) * osz));
    if (bad == PETSC_MAX_INT && (!AllFinite(ins + (size_t)(s - lo) * isz, isz) || !AllFinite(outs + (size_t)(s - lo) * osz, osz))) bad = s;
    if (units == 1) PetscCall(PdProgressUpdate(&prog, s - lo + 1, NULL));
  }
  PetscCall(PdProblemSetSampleProgress(p, NULL, 0, 0));
  PetscCall(PdProgressEnd(&prog));
  PetscCall(PetscTime(&t1));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_MIN, comm));
  if (bad != PETSC_MAX_INT) {
    PdProblemType type;
    PetscCall(PetscFree2(ins, outs));
    PetscCall(PdProblemGetType(p, &type));
    SETERRQ(comm, PETSC_ERR_FP, "Sample %" PetscInt_FMT " of the %s recipe has NaN or Inf values: its settings are outside what the recipe computes reliably", bad, type);
  }

  PetscCall(PetscMemzero(ds, sizeof(*ds)));
  ds->N = n, ds->in_ndim = (int)ni + 1, ds->out_ndim = (int)no + 1;
  ds->in_shape[0] = ds->out_shape[0] = n;
  for (PetscInt d = 0; d < ni; d++) ds->in_shape[d + 1] = si[d];
  for (PetscInt d = 0; d < no; d++) ds->out_shape[d + 1] = so[d];
  ds->in_size = isz, ds->out_size = osz;
  if (rank == 0) {
    PetscCall(PetscMalloc1((size_t)n * isz, &ds->inputs));
    PetscCall(PetscMalloc1((size_t)n * osz, &ds->outputs));
  }
  PetscCall(Gather(comm, ins, (PetscInt64)(hi - lo) * isz, ds->inputs));
  PetscCall(Gather(comm, outs, (PetscInt64)(hi - lo) * osz, ds->outputs));
  PetscCall(PetscFree2(ins, outs));
  if (rank == 0) {
    PetscCall(PdDictCreate(&ds->attrs));
    PetscCall(PdProblemGetDataAttributes(p, ds->attrs));
    PetscCall(PdDictSetInt(ds->attrs, "n", n)); /* the samples drawn, whatever -n said */
  }
  busy = t1 - t0;
  PetscCall(MPIU_Allreduce(&busy, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &busy, 1, MPI_DOUBLE, MPI_SUM, comm));
  if (report) {
    PetscCall(PdDictSetInt(report, "samples", n));
    PetscCall(PdDictSetReal(report, "seconds", slowest));
    PetscCall(PdDictSetReal(report, "samples_per_s", n / slowest));
    PetscCall(PdDictSetReal(report, "samples_per_s_per_core", n / busy));
    PetscCall(PdProblemGetDataReport(p, busy, report));
  }
  PetscFunctionReturn(0);
}
