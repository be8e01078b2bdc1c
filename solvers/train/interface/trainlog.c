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
    e        = strtod(p, &q);
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

/* the CSV log for epochs from start on (PdCSVLog: a fresh run's replaces the old file at its first
   row; a resumed run appends to it) */
PetscErrorCode PdTrainerOpenLog(PdTrainer t, PetscInt start)
{
  char header[256];

  PetscFunctionBegin;
  if (t->obj->metric_column[0]) PetscCall(PetscSNPrintf(header, sizeof(header), "epoch,%s,%s,seconds", t->obj->loss_column, t->obj->metric_column));
  else PetscCall(PetscSNPrintf(header, sizeof(header), "epoch,%s,seconds", t->obj->loss_column));
  PetscCall(PdCSVLogOpen(t->comm, t->obj->quiet_epochs ? NULL : t->log, "the training log", header, start > 0 ? start : -1, &t->csv));
  PetscFunctionReturn(0);
}

/* the epoch's CSV row and, with -curve_png, the curves so far */
PetscErrorCode PdTrainerLogEpoch(PdTrainer t, double seconds)
{
  PdObjective obj = t->obj;
  char        row[256], metric[64] = "";

  PetscFunctionBegin;
  if (obj->metric_column[0] && !(obj->metric_sparse && PetscIsNanReal(t->metric))) PetscCall(PetscSNPrintf(metric, sizeof(metric), obj->metric_csv, t->metric));
  if (obj->metric_column[0]) PetscCall(PetscSNPrintf(row, sizeof(row), "%" PetscInt_FMT ",%.9g,%s,%.4f", t->epoch + 1, t->train_loss, metric, seconds));
  else PetscCall(PetscSNPrintf(row, sizeof(row), "%" PetscInt_FMT ",%.9g,%.4f", t->epoch + 1, t->train_loss, seconds));
  PetscCall(PdCSVLogRow(&t->csv, row));
  if (t->curve[0]) {
    PetscCall(HistoryAdd(t, (double)(t->epoch + 1), t->train_loss, t->metric));
    PetscCall(WriteCurves(t));
  }
  PetscFunctionReturn(0);
}
