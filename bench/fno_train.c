/* FNO-2D training and inference throughput of pdeop's trainer (PdTrainer, as `pdeop train` runs it) on
   random data, with peak memory and the time of each engine event in the timed part (bench/fno_torch.sh).
   Usage: [mpiexec -n R] bench_fno_train [-res 64] [-n 200] [-timed_epochs 3] [-n_infer 200] [-infer_reps 1]
          [-batch_size 20] [-fno_width ...] [-optim adam -lr 1e-3] [-report r.json] [-quiet] */
#include <pdeop/pdeop.h>
#include <pdeop/train.h>
#include <sys/resource.h>
#include <cblas.h> /* openblas_get_corename: which sgemm kernels OpenBLAS picked for this CPU */

/* nominal floating-point operations of one sample through the FNO (2 per multiply-add, 2.5 N log2 N
   per real FFT of N points), forward and backward, by event */
typedef struct {
  double matmul_f, matmul_b, spec_f, spec_b;
} Flops;

static Flops CountFlops(PetscInt res, PetscInt cin, PetscInt cout, PetscInt w, PetscInt m, PetscInt L, PetscInt hid)
{
  const double S = (double)res * res, fft = 2.5 * S * log2(S), nm = 2.0 * m * m;
  Flops        f;
  f.matmul_f = 2 * S * ((cin + 2) * w + L * w * w + w * hid + hid * cout);
  f.matmul_b = 2 * S * ((cin + 2) * w + 2.0 * (L * w * w + w * hid + hid * cout)); /* the lift needs no input gradient */
  f.spec_f   = L * (2.0 * w * fft + 8.0 * w * w * nm);                             /* r2c + c2r + complex mode products */
  f.spec_b   = L * (2.0 * w * fft + 16.0 * w * w * nm);                            /* r2c + c2r + input and weight gradients */
  return f;
}

/* CPU seconds of this process (user + system): with other jobs on the machine, samples per CPU second
   say more about the code than samples per wall second */
static double CPUSeconds(void)
{
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return (double)r.ru_utime.tv_sec + 1e-6 * (double)r.ru_utime.tv_usec + (double)r.ru_stime.tv_sec + 1e-6 * (double)r.ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
  PetscInt       res = 64, N = 200, E = 3, Ninf = 200, bs = 20, w = 32, m = 12, L = 4, hid = 128, reps = 1;
  PetscInt       shape[3];
  PetscMPIInt    rank, size;
  char           reportfile[PETSC_MAX_PATH_LEN] = "";
  PdDataset      ds;
  NOp            nop;
  PdTrainer      tr;
  PdRng          rng;
  PdDict         report;
  PetscLogStage  stage_train, stage_infer;
  PetscLogDouble t0, t1;
  double         train_sps, infer_sps, err, rss_local, rss_sum, rss_max, rss_train, ttrain, cpu0, ctrain, cinfer;
  struct rusage  ru;
  MPI_Comm       comm;

  PetscCall(PdInitialize(&argc, &argv, NULL, "bench_fno_train: FNO-2D training and inference throughput"));
  PetscCall(PdOptionsSetCheckUnused(PETSC_TRUE));
  comm = PETSC_COMM_WORLD;
  PetscCall(PetscLogDefaultBegin()); /* event times for the breakdown, with or without -log_view */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-res", &res, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &N, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-timed_epochs", &E, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n_infer", &Ninf, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-infer_reps", &reps, NULL)); /* timed evaluations (long ones for a profiler) */
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-batch_size", &bs, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-fno_width", &w, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-fno_modes", &m, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-fno_layers", &L, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-fno_hidden", &hid, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-report", reportfile, sizeof(reportfile), NULL));
  {
    PetscBool quiet;
    PetscCall(PdIsQuiet(&quiet)); /* reads -quiet before the unused-option check */
  }
  PetscCheck(N >= 1 && E >= 1 && Ninf >= 1 && Ninf <= N && res >= 4 && reps >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "Need -n >= 1, -timed_epochs >= 1, 1 <= -n_infer <= -n, -res >= 4, -infer_reps >= 1");

  /* random data, the same on every rank: a in [1, 12] (like a Darcy coefficient), u in [0.5, 1.5] */
  PetscCall(PetscMemzero(&ds, sizeof(ds)));
  ds.N       = N;
  ds.in_ndim = ds.out_ndim = 4;
  ds.in_shape[0] = ds.out_shape[0] = N;
  ds.in_shape[1] = ds.out_shape[1] = 1;
  ds.in_shape[2] = ds.out_shape[2] = res;
  ds.in_shape[3] = ds.out_shape[3] = res;
  ds.in_size = ds.out_size = res * res;
  PetscCall(PetscMalloc2(N * res * res, &ds.inputs, N * res * res, &ds.outputs));
  PetscCall(PdRngSeed(&rng, 7, 0));
  PetscCall(PdRngFillUniform(&rng, N * res * res, ds.inputs, 1, 12));
  PetscCall(PdRngFillUniform(&rng, N * res * res, ds.outputs, 0.5f, 1.5f));

  PetscCall(NOpCreate(comm, &nop));
  PetscCall(NOpSetType(nop, NOPFNO));
  PetscCall(NOpSetFromOptions(nop));
  shape[0] = 1;
  shape[1] = shape[2] = res;
  PetscCall(NOpSetShapes(nop, 3, shape, 3, shape));
  PetscCall(PdTrainerCreate(nop, &tr));
  PetscCall(PdTrainerSetData(tr, &ds, NULL));
  PetscCall(PdTrainerSetLoss(tr, PD_LOSS_REL_L2));
  PetscCall(PdTrainerSetBatchSize(tr, bs));
  PetscCall(PdTrainerSetNormalize(tr, PETSC_TRUE));
  PetscCall(PdTrainerSetFromOptions(tr));
  PetscCall(PdOptionsCheckUnused(comm, "bench_fno_train"));

  /* one epoch of warm-up (arena growth, FFTW plans), then the timed epochs in their own log stage */
  PetscCall(PdTrainerSetEpochs(tr, 1));
  PetscCall(PdTrainerTrain(tr));
  PetscCall(PetscLogStageRegister("Timed training", &stage_train));
  PetscCall(PetscLogStageRegister("Timed inference", &stage_infer));
  PetscCall(PdTrainerSetEpochs(tr, 1 + E));
  PetscCallMPI(MPI_Barrier(comm));
  cpu0 = CPUSeconds();
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogStagePush(stage_train));
  PetscCall(PdTrainerTrain(tr));
  PetscCall(PetscLogStagePop());
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(PetscTime(&t1));
  ttrain = t1 - t0;
  ctrain = CPUSeconds() - cpu0;
  PetscCall(PdTrainerGetResults(tr, NULL, NULL, NULL, NULL, &train_sps));
  getrusage(RUSAGE_SELF, &ru);
  rss_train = (double)ru.ru_maxrss / 1024.0; /* MiB: training alone, before evaluation */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &rss_train, 1, MPI_DOUBLE, MPI_SUM, comm));

  /* inference: the evaluation loop (forward passes without gradients, split over ranks) */
  {
    PdDataset inf = ds;
    inf.N         = Ninf;
    PetscCall(PdTrainerEvaluate(tr, &inf, PD_LOSS_REL_L2, &err, NULL)); /* warm-up */
    PetscCallMPI(MPI_Barrier(comm));
    cpu0 = CPUSeconds();
    PetscCall(PetscTime(&t0));
    PetscCall(PetscLogStagePush(stage_infer));
    for (PetscInt r = 0; r < reps; r++) PetscCall(PdTrainerEvaluate(tr, &inf, PD_LOSS_REL_L2, &err, NULL));
    PetscCall(PetscLogStagePop());
    PetscCallMPI(MPI_Barrier(comm));
    PetscCall(PetscTime(&t1));
    infer_sps = (double)(Ninf * reps) / (t1 - t0);
    cinfer    = CPUSeconds() - cpu0;
  }

  getrusage(RUSAGE_SELF, &ru);
  rss_local = (double)ru.ru_maxrss / 1024.0; /* MiB */
  PetscCallMPI(MPI_Allreduce(&rss_local, &rss_sum, 1, MPI_DOUBLE, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(&rss_local, &rss_max, 1, MPI_DOUBLE, MPI_MAX, comm));

  PetscCall(PdDictCreate(&report));
  PetscCall(PdDictSetInt(report, "ranks", size));
  PetscCall(PdDictSetString(report, "blas_core", openblas_get_corename()));
  {
    PetscInt np;
    PetscCall(NOpGetParamCount(nop, &np));
    PetscCall(PdDictSetInt(report, "params", np));
  }
  PetscCall(PdDictSetInt(report, "res", res));
  PetscCall(PdDictSetInt(report, "batch_size", bs));
  PetscCall(PdDictSetInt(report, "timed_samples", N * E));
  PetscCall(PdDictSetReal(report, "train_samples_per_s", train_sps));
  PetscCall(PdDictSetReal(report, "infer_samples_per_s", infer_sps));
  /* per CPU second: the sum over ranks of their CPU time */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ctrain, 1, MPI_DOUBLE, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &cinfer, 1, MPI_DOUBLE, MPI_SUM, comm));
  PetscCall(PdDictSetReal(report, "train_samples_per_cpu_s", (double)N * E / ctrain));
  PetscCall(PdDictSetReal(report, "infer_samples_per_cpu_s", (double)(Ninf * reps) / cinfer));
  PetscCall(PdDictSetReal(report, "max_rss_mib_sum", rss_sum));
  PetscCall(PdDictSetReal(report, "max_rss_mib_per_rank", rss_max));
  PetscCall(PdDictSetReal(report, "max_rss_mib_sum_training", rss_train));
  PetscCall(PetscPrintf(comm, "ranks %d  train %.2f samples/s  inference %.2f samples/s  peak RSS %.1f MiB (sum over ranks; %.1f MiB before inference)\n", size, train_sps, infer_sps, rss_sum, rss_train));
  PetscCall(PetscPrintf(comm, "per CPU second (all ranks): train %.2f samples, inference %.2f samples\n", (double)N * E / ctrain, (double)(Ninf * reps) / cinfer));

  /* where the timed training goes: per event, its time in the timed stage (mean over ranks) */
  {
    const char  *names[] = {"PdSpectralConv", "PdSpectralConvBw", "PdMatMul", "PdPointwise", "PdOptimStep", "PdBackward"};
    const Flops  f       = CountFlops(res, 1, 1, w, m, L, hid);
    const double flops[] = {f.spec_f, f.spec_b, f.matmul_f + f.matmul_b, 0, 0, 0};
    double       samples = (double)N * E, accounted = 0;

    PetscCall(PetscPrintf(comm, "\n| event (timed training, %.0f samples) | calls per step | s | share | nominal GFLOP/s |\n|---|---|---|---|---|\n", samples));
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
      PetscLogEvent      ev;
      PetscEventPerfInfo info;
      double             t, calls;
      char               key[64];
      PetscCall(PetscLogEventGetId(names[k], &ev));
      PetscCall(PetscLogEventGetPerfInfo(stage_train, ev, &info));
      t     = info.time;
      calls = info.count;
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_SUM, comm));
      t /= size;
      calls /= (double)(((N + bs - 1) / bs) * E);
      if (k < 5) accounted += t; /* PdBackward contains events of the first five */
      if (flops[k] > 0) PetscCall(PetscPrintf(comm, "| %s | %.0f | %.3f | %.1f%% | %.1f |\n", names[k], calls, t, 100 * t / ttrain, flops[k] * samples / t * 1e-9));
      else PetscCall(PetscPrintf(comm, "| %s%s | %.0f | %.3f | %.1f%% | |\n", names[k], k == 5 ? " (contains the Bw and backward MatMul/Pointwise)" : "", calls, t, 100 * t / ttrain));
      PetscCall(PetscSNPrintf(key, sizeof(key), "time_%s", names[k]));
      PetscCall(PdDictSetReal(report, key, t));
    }
    PetscCall(PetscPrintf(comm, "| other (tape, batch copy, loss, allreduce, grad norm) | | %.3f | %.1f%% | |\n| total | | %.3f | 100%% | %.1f (all nominal flops) |\n", ttrain - accounted, 100 * (ttrain - accounted) / ttrain, ttrain, (f.spec_f + f.spec_b + f.matmul_f + f.matmul_b) * samples / ttrain * 1e-9));
    PetscCall(PdDictSetReal(report, "time_timed_training", ttrain));
    PetscCall(PdDictSetReal(report, "gflop_per_sample_train", (f.spec_f + f.spec_b + f.matmul_f + f.matmul_b) * 1e-9));
    PetscCall(PdDictSetReal(report, "gflop_per_sample_matmul_train", (f.matmul_f + f.matmul_b) * 1e-9));
    PetscCall(PdDictSetReal(report, "gflop_per_sample_spectral_train", (f.spec_f + f.spec_b) * 1e-9));
  }
  if (reportfile[0]) PetscCall(PdDictWriteJSON(report, comm, reportfile));
  PetscCall(PdDictDestroy(&report));
  PetscCall(PdTrainerDestroy(&tr));
  PetscCall(NOpDestroy(&nop));
  PetscCall(PetscFree2(ds.inputs, ds.outputs));
  PetscCall(PetscFinalize());
  return 0;
}
