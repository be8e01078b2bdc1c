/* Files written whole or not at all: rank 0 writes file.tmp (locked against a second writer), flushes
   it to the disk and renames it over file; every failure says what failed, with the system's reason. */
#include "tmpfile.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Open file.tmp for writing, emptied; NULL with the reason in msg */
FILE *PdTmpFileOpen(const char *file, char *tmp, size_t tlen, const char *mode, char *msg, size_t mlen)
{
  struct stat st;
  FILE       *f;
  int         fd;

  snprintf(tmp, tlen, "%s.tmp", file);
  fd = open(tmp, O_WRONLY | O_CREAT, 0666);
  if (fd < 0) {
    snprintf(msg, mlen, "cannot create '%s': %s", tmp, strerror(errno));
    return NULL;
  }
  if (flock(fd, LOCK_EX | LOCK_NB)) {
    close(fd);
    snprintf(msg, mlen, "another process is writing it now (it holds the lock on '%s')", tmp);
    return NULL;
  }
  if (!fstat(fd, &st) && S_ISREG(st.st_mode) && ftruncate(fd, 0)) {
    snprintf(msg, mlen, "cannot empty '%s': %s", tmp, strerror(errno));
    close(fd);
    return NULL;
  }
  f = fdopen(fd, mode);
  if (!f) {
    snprintf(msg, mlen, "cannot open '%s': %s", tmp, strerror(errno));
    close(fd);
  }
  return f;
}

/* Flush f to the disk, close it and rename tmp over file when ok; else (or on any failure) remove
   tmp. Returns 1 when file was written, else 0 with the reason in msg (the caller's, if it set one). */
int PdTmpFileCommit(FILE *f, int ok, const char *tmp, const char *file, char *msg, size_t mlen)
{
  int err = 0;

  if (fflush(f) || ferror(f)) err = errno ? errno : EIO;
  if (!err && fsync(fileno(f)) && errno != EINVAL) err = errno; /* EINVAL: a device, nothing to sync */
  if (fclose(f) && !err) err = errno ? errno : EIO;
  if (err && (ok || !msg[0])) snprintf(msg, mlen, "%s while writing '%s'%s", strerror(err), tmp, err == ENOSPC || err == EDQUOT ? " (the disk is full)" : err == EFBIG ? " (over the file-size limit)" : "");
  ok = ok && !err;
  if (ok && rename(tmp, file)) {
    snprintf(msg, mlen, "cannot rename '%s' into place: %s", tmp, strerror(errno));
    ok = 0;
  }
  if (!ok) remove(tmp);
  return ok;
}

/* Rank 0 writes file whole or not at all: fill writes file.tmp (opened with mode), which is flushed
   and renamed over file. Every rank learns whether it worked (*ok) and, if not, why (msg). */
PetscErrorCode PdTmpFileWriteRoot(MPI_Comm comm, const char *file, const char *mode, PdTmpFileFill fill, void *ctx, int *ok, char *msg, size_t mlen)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  *ok    = 1;
  msg[0] = 0;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    char  tmp[PETSC_MAX_PATH_LEN + 8];
    FILE *f = PdTmpFileOpen(file, tmp, sizeof(tmp), mode, msg, mlen);

    if (f) {
      PetscCall((*fill)(f, ctx, ok, msg, mlen));
      *ok = PdTmpFileCommit(f, *ok, tmp, file, msg, mlen);
    } else *ok = 0;
  }
  PetscCallMPI(MPI_Bcast(ok, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)mlen, MPI_CHAR, 0, comm));
  PetscFunctionReturn(0);
}
