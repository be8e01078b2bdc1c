/* Progress of long loops: a live line on a terminal (done/total, rate, time left), plain lines at
   most every few seconds when output is redirected, nothing with -quiet. Rank 0 prints. */
#include <pdeop/progress.h>
#include <unistd.h>

/*@ PdIsQuiet - whether -quiet is set in the options database @*/
PetscErrorCode PdIsQuiet(PetscBool *quiet)
{
  PetscFunctionBegin;
  *quiet = PETSC_FALSE;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-quiet", quiet, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode PdPrintf(MPI_Comm comm, const char fmt[], ...)
{
  PetscBool   quiet;
  PetscMPIInt rank;
  va_list     ap;

  PetscFunctionBegin;
  PetscCall(PdIsQuiet(&quiet));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (quiet || rank) PetscFunctionReturn(0);
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fflush(stdout);
  PetscFunctionReturn(0);
}

PetscErrorCode PdProgressBegin(MPI_Comm comm, const char label[], PetscInt total, PdProgress *p)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(p, sizeof(*p)));
  p->comm  = comm;
  p->total = total;
  PetscCall(PetscStrncpy(p->label, label, sizeof(p->label)));
  PetscCall(PdIsQuiet(&p->quiet));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  p->active = (PetscBool)(!p->quiet && rank == 0);
  p->tty    = (PetscBool)isatty(fileno(stderr));
  PetscCall(PetscTime(&p->t0));
  p->last = p->t0;
  PetscFunctionReturn(0);
}

static void Clock(double s, char *buf, size_t n)
{
  if (!(s >= 0) || s > 359999) snprintf(buf, n, "--:--");
  else if (s >= 3600) snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600, ((int)s / 60) % 60, (int)s % 60);
  else snprintf(buf, n, "%02d:%02d", (int)s / 60, (int)s % 60);
}

static void Line(PdProgress *p, PetscLogDouble now, const char *end)
{
  double el = now - p->t0, rate = el > 0 ? (double)p->done / el : 0, left = rate > 0 ? (double)(p->total - p->done) / rate : -1;
  char   eta[32], elapsed[32];
  Clock(left, eta, sizeof(eta));
  Clock(el, elapsed, sizeof(elapsed));
  fprintf(stderr, "%s%s  %" PetscInt_FMT "/%" PetscInt_FMT "  %.3g/s  elapsed %s  left %s%s%s%s", p->tty ? "\r" : "", p->label, p->done, p->total, rate, elapsed, eta, p->extra[0] ? "  " : "", p->extra, p->tty ? "\033[K" : "");
  fputs(end, stderr);
  fflush(stderr);
}

/*@ PdProgressUpdate - done items so far; extra (may be NULL) is shown after the counts @*/
PetscErrorCode PdProgressUpdate(PdProgress *p, PetscInt done, const char extra[])
{
  PetscLogDouble now;

  PetscFunctionBegin;
  p->done = done;
  if (!p->active) PetscFunctionReturn(0);
  if (extra) PetscCall(PetscStrncpy(p->extra, extra, sizeof(p->extra)));
  PetscCall(PetscTime(&now));
  if (p->tty && now - p->last >= 0.2) {
    Line(p, now, "");
    p->last = now;
  } else if (!p->tty && now - p->last >= 5.0) {
    Line(p, now, "\n");
    p->last = now;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PdProgressEnd(PdProgress *p)
{
  PetscLogDouble now;

  PetscFunctionBegin;
  if (!p->active) PetscFunctionReturn(0);
  PetscCall(PetscTime(&now));
  /* a short loop that never printed stays silent; a live line is cleared */
  if (p->tty && p->last > p->t0) fputs("\r\033[K", stderr);
  else if (!p->tty && p->last > p->t0) Line(p, now, "\n");
  fflush(stderr);
  p->active = PETSC_FALSE;
  PetscFunctionReturn(0);
}
