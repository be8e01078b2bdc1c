/* PdCSVLog: a CSV log written row by row while a run goes on (the trainer's epoch log, the mesh
   PINN's annealing log): put in place at its first row, appended to by a resumed run. */
#include <pdeop/io.h>
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

/* rank 0's message (empty: no error) to every rank, then one error on comm */
static PetscErrorCode Agree(MPI_Comm comm, char msg[], int len)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(msg, len, MPI_CHAR, 0, comm));
  PetscCheck(!msg[0], comm, PETSC_ERR_FILE_WRITE, "%s", msg);
  PetscFunctionReturn(0);
}

/* rank 0, appending: the log's first line must be the header; rows whose first field is above upto
   (a run resumed from an earlier checkpoint) are dropped by writing the rest to tmp, which the
   caller commits (*rewrite). msg gets the reason on failure. */
static void KeepRows(const char path[], const char tmp[], const char what[], const char header[], PetscInt upto, PetscBool *rewrite, char msg[], size_t len)
{
  char  line[4096];
  FILE *r = fopen(path, "r"), *w = NULL;
  long  drop = 0;

  *rewrite = PETSC_FALSE;
  if (!r) {
    snprintf(msg, len, "Cannot read %s '%s': %s", what, path, strerror(errno));
    return;
  }
  if (!fgets(line, sizeof(line), r)) line[0] = 0;
  line[strcspn(line, "\r\n")] = 0;
  if (strcmp(line, header)) {
    snprintf(msg, len, "%s '%s' exists and is not a log of this kind (its first line is not '%s'); a resumed run appends its rows to its log: give another file", what, path, header);
    fclose(r);
    return;
  }
  while (fgets(line, sizeof(line), r))
    if (strtol(line, NULL, 10) > upto) drop++;
  if (drop) {
    rewind(r);
    if (!(w = fopen(tmp, "w"))) snprintf(msg, len, "Cannot write %s '%s' (through '%s'): %s", what, path, tmp, strerror(errno));
    else {
      for (int first = 1; fgets(line, sizeof(line), r); first = 0)
        if (first || strtol(line, NULL, 10) <= upto) fputs(line, w);
      if (fclose(w)) snprintf(msg, len, "Cannot write %s '%s' (through '%s'): %s", what, path, tmp, strerror(errno));
      *rewrite = PETSC_TRUE;
    }
  }
  fclose(r);
}

/*@
  PdCSVLogOpen - start a CSV log at path (NULL or "": no log; every call is then a no-op). A new log
  (upto < 0, or no file yet) is written under PdFileTempName's name with header as its first line,
  and replaces path at its first row, so an old log keeps its bytes until then. A resumed run
  (upto >= 0) adds rows to the existing file, whose first line must be the header (a file that is
  not such a log is refused, not extended), after dropping the rows whose first field is above upto
  (those of a later run that the resumed one repeats). what names the log in messages. Collective;
  rank 0 writes.
@*/
PetscErrorCode PdCSVLogOpen(MPI_Comm comm, const char path[], const char what[], const char header[], PetscInt upto, PdCSVLog *log)
{
  PetscMPIInt rank;
  PetscBool   append = (PetscBool)(upto >= 0), rewrite = PETSC_FALSE;
  char        msg[PETSC_MAX_PATH_LEN + 512] = "";

  PetscFunctionBegin;
  PetscCall(PetscMemzero(log, sizeof(*log)));
  log->comm = comm;
  if (!path || !path[0]) PetscFunctionReturn(0);
  PetscCall(PetscStrncpy(log->path, path, sizeof(log->path)));
  PetscCall(PetscStrncpy(log->what, what, sizeof(log->what)));
  PetscCall(PdFileTempName(path, PETSC_FALSE, log->tmp, sizeof(log->tmp)));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (append) {
    PetscBool exists = PETSC_FALSE;
    if (rank == 0) PetscCall(PetscTestFile(path, 'r', &exists));
    PetscCallMPI(MPI_Bcast(&exists, 1, MPIU_BOOL, 0, comm));
    append = exists;
  }
  log->fresh = (PetscBool)!append;
  if (append) {
    if (rank == 0) KeepRows(path, log->tmp, what, header, upto, &rewrite, msg, sizeof(msg));
    PetscCall(Agree(comm, msg, (int)sizeof(msg)));
    PetscCallMPI(MPI_Bcast(&rewrite, 1, MPIU_BOOL, 0, comm));
    if (rewrite) PetscCall(PdFileCommit(comm, log->tmp, path, what, NULL));
    if (rank == 0 && !(log->f = fopen(path, "a"))) snprintf(msg, sizeof(msg), "Cannot write %s '%s': %s", what, path, strerror(errno));
  } else if (rank == 0) {
    if (!(log->f = fopen(log->tmp, "w"))) snprintf(msg, sizeof(msg), "Cannot write %s '%s' (through '%s'): %s", what, path, log->tmp, strerror(errno));
    else fprintf(log->f, "%s\n", header);
  }
  PetscCall(Agree(comm, msg, (int)sizeof(msg)));
  PetscFunctionReturn(0);
}

/*@ PdCSVLogRow - add a row (without its newline) and flush it; the first row of a new log puts it in place. Collective. @*/
PetscErrorCode PdCSVLogRow(PdCSVLog *log, const char row[])
{
  PetscMPIInt rank;
  int         werr                          = 0;
  char        msg[PETSC_MAX_PATH_LEN + 256] = "";

  PetscFunctionBegin;
  if (!log->path[0]) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(log->comm, &rank));
  if (rank == 0) {
    errno = 0;
    fprintf(log->f, "%s\n", row);
    werr = fflush(log->f) || ferror(log->f) ? (errno ? errno : EIO) : 0;
  }
  if (log->fresh) {
    PetscCall(PdFileCommit(log->comm, log->tmp, log->path, log->what, werr ? strerror(werr) : NULL));
    log->fresh = PETSC_FALSE;
  } else {
    if (werr) snprintf(msg, sizeof(msg), "Cannot write %s '%s': %s", log->what, log->path, strerror(werr));
    PetscCall(Agree(log->comm, msg, (int)sizeof(msg)));
  }
  PetscFunctionReturn(0);
}

/*@ PdCSVLogClose - close the log; a new one without a row is dropped (the old file keeps its bytes). Collective; a second call does nothing. @*/
PetscErrorCode PdCSVLogClose(PdCSVLog *log)
{
  PetscFunctionBegin;
  if (log->f) fclose(log->f);
  log->f = NULL;
  if (log->path[0] && log->fresh) {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(log->comm, &rank));
    if (rank == 0) (void)unlink(log->tmp);
  }
  log->path[0] = 0;
  PetscFunctionReturn(0);
}
