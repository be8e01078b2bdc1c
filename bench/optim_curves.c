/* Test error of several training runs (pdeop train -log CSV files) against epochs and against wall
   time, as two PNGs drawn by pdeop's own line plot: bench/optim.sh's pictures.
   Usage: bench_optim_curves out_prefix title run1.csv label1 [run2.csv label2 ...] */
#include <pdeop/pdeop.h>

#define MAXRUNS 16
#define MAXPTS  1024
#define NGRID   200

/* epochs, test errors and cumulative seconds of one CSV log (epoch,train_loss,test_error,seconds) */
static PetscErrorCode ReadLog(const char *file, PetscInt *n, double *err, double *t)
{
  FILE  *f = fopen(file, "r");
  char   line[512];
  double acc = 0;

  PetscFunctionBegin;
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open %s", file);
  *n = 0;
  while (fgets(line, sizeof(line), f) && *n < MAXPTS) {
    double e, l, te, s;
    if (sscanf(line, "%lf,%lf,%lf,%lf", &e, &l, &te, &s) != 4) continue; /* the header */
    acc += s;
    err[*n] = te;
    t[*n]   = acc;
    (*n)++;
  }
  fclose(f);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt    nr = (argc - 3) / 2, n[MAXRUNS], maxn = 0;
  double     *err[MAXRUNS], *t[MAXRUNS], x[MAXPTS], tmax = 0, *y[MAXRUNS], grid[NGRID];
  const char *names[MAXRUNS];
  char        file[PETSC_MAX_PATH_LEN], title[256];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCheck(argc >= 5 && (argc - 3) % 2 == 0 && nr <= MAXRUNS, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "usage: bench_optim_curves out_prefix title run.csv label [run.csv label ...]");
  for (PetscInt r = 0; r < nr; r++) {
    PetscCall(PetscMalloc3(MAXPTS, &err[r], MAXPTS, &t[r], PetscMax(MAXPTS, NGRID), &y[r]));
    PetscCall(ReadLog(argv[3 + 2 * r], &n[r], err[r], t[r]));
    names[r] = argv[4 + 2 * r];
    maxn     = PetscMax(maxn, n[r]);
    if (n[r]) tmax = PetscMax(tmax, t[r][n[r] - 1]);
  }
  for (PetscInt i = 0; i < maxn; i++) x[i] = i + 1;
  for (PetscInt r = 0; r < nr; r++)
    for (PetscInt i = 0; i < maxn; i++) y[r][i] = i < n[r] ? err[r][i] : NAN;
  PetscCall(PetscSNPrintf(file, sizeof(file), "%s_epochs.png", argv[1]));
  PetscCall(PetscSNPrintf(title, sizeof(title), "%s: test error", argv[2]));
  PetscCall(PdPNGWriteCurves(PETSC_COMM_SELF, file, title, "epoch", maxn, nr, x, (const double *const *)y, names, PETSC_TRUE));
  /* against time: the error of the last epoch finished by then, on a common grid */
  for (PetscInt i = 0; i < NGRID; i++) grid[i] = tmax * (i + 1) / NGRID;
  for (PetscInt r = 0; r < nr; r++)
    for (PetscInt i = 0, k = -1; i < NGRID; i++) {
      while (k + 1 < n[r] && t[r][k + 1] <= grid[i] * (1 + 1e-12)) k++;
      y[r][i] = k >= 0 ? err[r][k] : NAN;
    }
  PetscCall(PetscSNPrintf(file, sizeof(file), "%s_time.png", argv[1]));
  PetscCall(PdPNGWriteCurves(PETSC_COMM_SELF, file, title, "seconds", NGRID, nr, grid, (const double *const *)y, names, PETSC_TRUE));
  for (PetscInt r = 0; r < nr; r++) PetscCall(PetscFree3(err[r], t[r], y[r]));
  PetscCall(PetscFinalize());
  return 0;
}
