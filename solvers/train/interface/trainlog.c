/* The training log (CSV, a row per epoch) and the loss curves (PNG) of PdTrainer: opening the log so
   that an existing one survives until the new run has a row, the row of each epoch, and the curves'
   history, read back from the log on resume. */
#include "../trainimpl.h"
#include <pdeop/plot.h>
#include <errno.h>
#include <sys/stat.h>

static PetscErrorCode HistoryAdd(PdTrainer t, double epoch, double loss, double test)
{
  PetscFunctionBegin;
  if (t->nhist == t->maxhist) {
    PetscInt m = PetscMax(64, 2 * t->maxhist);
    double  *e, *l, *te;
    PetscCall(PetscMalloc3(m, &e, m, &l, m, &te));
    PetscCall(PetscArraycpy(e, t->hepoch, t->nhist));
    PetscCall(PetscArraycpy(l, t->hloss, t->nhist));
    PetscCall(PetscArraycpy(te, t->htest, t->nhist));
    PetscCall(PetscFree3(t->hepoch, t->hloss, t->htest));
    t->hepoch  = e;
    t->hloss   = l;
    t->htest   = te;
    t->maxhist = m;
  }
  t->hepoch[t->nhist] = epoch;
  t->hloss[t->nhist]  = loss;
  t->htest[t->nhist]  = test;
  t->nhist++;
  PetscFunctionReturn(0);
}

/* On resume, the earlier epochs' curves come from the CSV log (rows up to the resumed epoch). */
PetscErrorCode PdTrainerHistoryFromLog(PdTrainer t, PetscInt upto)
{
  FILE  *f;
  char   line[512];
  double last = 0;

  PetscFunctionBegin;
  { /* a log that is not a regular file (a device, a pipe) has no history to read, and may never end */
    struct stat st;
    if (stat(t->log, &st) || !S_ISREG(st.st_mode)) PetscFunctionReturn(0);
  }
  f = fopen(t->log, "r");
  if (!f) PetscFunctionReturn(0);
  while (fgets(line, sizeof(line), f)) {
    double e, l, te;
    char  *p = line, *q;
    e = strtod(p, &q);
    if (q == p || *q != ',') continue; /* the header */
    p = q + 1;
    l = strtod(p, &q);
    if (q == p || *q != ',') continue;
    p  = q + 1;
    te = strtod(p, &q);
    if (q == p) te = NAN;
    if (e > last && e <= (double)upto) {
      PetscCall(HistoryAdd(t, e, l, te));
      last = e;
    }
  }
  fclose(f);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteCurves(PdTrainer t)
{
  const double *y[2]     = {t->hloss, t->htest};
  const char   *names[2] = {t->obj->loss_label, t->obj->metric_label};

  PetscFunctionBegin;
  PetscCall(PdPNGWriteCurves(t->comm, t->curve, t->obj->title, "epoch", t->nhist, t->obj->has_metric ? 2 : 1, t->hepoch, y, names, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* the CSV log for epochs from start on (rank 0 only, else *log = NULL): a fresh run writes it
   through F.tmp, renamed into place at its first row; a resumed run appends to it */
PetscErrorCode PdTrainerOpenLog(PdTrainer t, PetscInt start, FILE **log)
{
  PetscMPIInt rank;
  PetscBool   exists = PETSC_FALSE;

  PetscFunctionBegin;
  *log = NULL;
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  if (!t->log[0] || rank || t->obj->quiet_epochs) PetscFunctionReturn(0);
  PetscCall(PetscTestFile(t->log, 'r', &exists));
  t->log_fresh = (PetscBool)!(start > 0 && exists);
  if (t->log_fresh) { /* an existing file stays as it is until this run has a row to put in its place */
    char tmp[PETSC_MAX_PATH_LEN + 8];
    PetscCall(PdFileTempName(t->log, PETSC_FALSE, tmp, sizeof(tmp)));
    *log = fopen(tmp, "w");
    PetscCheck(*log, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write the training log '%s' (through '%s'): %s", t->log, tmp, strerror(errno));
  } else { /* a resumed run appends to its log: a file that is not one is refused, not extended */
    char  head[16] = "";
    FILE *r        = fopen(t->log, "r");
    if (r) {
      if (!fgets(head, sizeof(head), r)) head[0] = 0;
      fclose(r);
    }
    PetscCheck(!strncmp(head, "epoch,", 6), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-log '%s' exists and is not a training log (its first line is not the CSV header 'epoch,...'); a resumed run appends its rows to its log: give another file", t->log);
    *log = fopen(t->log, "a");
    PetscCheck(*log, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write the training log '%s': %s", t->log, strerror(errno));
  }
  if (t->log_fresh) {
    if (t->obj->metric_column[0]) fprintf(*log, "epoch,%s,%s,seconds\n", t->obj->loss_column, t->obj->metric_column);
    else fprintf(*log, "epoch,%s,seconds\n", t->obj->loss_column);
  }
  PetscFunctionReturn(0);
}

/* the epoch's CSV row (log may be NULL) and, with -curve_png, the curves so far */
PetscErrorCode PdTrainerLogEpoch(PdTrainer t, FILE *log, double seconds)
{
  PdObjective obj = t->obj;
  int         werr;

  PetscFunctionBegin;
  if (log) {
    fprintf(log, "%" PetscInt_FMT ",%.9g,", t->epoch + 1, t->train_loss);
    if (obj->metric_column[0]) {
      if (!(obj->metric_sparse && PetscIsNanReal(t->metric))) fprintf(log, obj->metric_csv, t->metric);
      fprintf(log, ",");
    }
    fprintf(log, "%.4f\n", seconds);
    errno = 0;
    werr  = fflush(log) || ferror(log) ? (errno ? errno : EIO) : 0;
    if (t->log_fresh) { /* the first row: the new log replaces the old one (or the old one stays), and grows in place from here */
      char tmp[PETSC_MAX_PATH_LEN + 8];
      PetscCall(PdFileTempName(t->log, PETSC_FALSE, tmp, sizeof(tmp)));
      PetscCall(PdFileCommit(PETSC_COMM_SELF, tmp, t->log, "the training log", werr ? strerror(werr) : NULL));
      t->log_fresh = PETSC_FALSE;
    } else PetscCheck(!werr, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write the training log '%s': %s", t->log, strerror(werr));
  }
  if (t->curve[0]) {
    PetscCall(HistoryAdd(t, (double)(t->epoch + 1), t->train_loss, t->metric));
    PetscCall(WriteCurves(t));
  }
  PetscFunctionReturn(0);
}
