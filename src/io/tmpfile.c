/* Files written whole or not at all: rank 0 writes file.tmp (locked against a second writer), flushes
   it to the disk and renames it over file; every failure says what failed, with the system's reason. */
#include "tmpfile.h"
#include <pdeop/io.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Open file.tmp for writing, emptied; NULL with the reason in msg. A temporary that is there
   already must be a regular file (another writer's is refused by its lock) or a character device
   (written through, never renamed into place: /dev/full is how the tests fill the disk); a link to
   anything else, a FIFO, socket or directory is refused, so nothing outside file is written. */
FILE *PdTmpFileOpen(const char *file, char *tmp, size_t tlen, const char *mode, char *msg, size_t mlen)
{
  struct stat st, target;
  FILE       *f;
  int         fd, n;

  if (!file || !file[0]) {
    snprintf(msg, mlen, "no file name given");
    return NULL;
  }
  if (file[strlen(file) - 1] == '/') {
    snprintf(msg, mlen, "'%s' ends in '/', so it names a directory, not a file", file);
    return NULL;
  }
  n = snprintf(tmp, tlen, "%s.tmp", file);
  if (n < 0 || (size_t)n >= tlen) {
    snprintf(msg, mlen, "the name is too long");
    return NULL;
  }
  if (!lstat(tmp, &st) && !S_ISREG(st.st_mode)) {
    const int link = S_ISLNK(st.st_mode), dev = link ? !stat(tmp, &target) && S_ISCHR(target.st_mode) : S_ISCHR(st.st_mode);
    if (!dev) {
      snprintf(msg, mlen, "'%s' is there and is %s; pdeop makes its temporary files itself: remove it", tmp, link ? "a symbolic link" : "not a regular file");
      return NULL;
    }
  }
  fd = open(tmp, O_WRONLY | O_CREAT | O_NONBLOCK, 0666);
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

/* Flush f to the disk, close it and rename tmp over file when ok and tmp is a regular file; else
   (or on any failure) unlink tmp. Returns 1 when file was written, else 0 with the reason in msg
   (the caller's, if it set one). */
int PdTmpFileCommit(FILE *f, int ok, const char *tmp, const char *file, char *msg, size_t mlen)
{
  struct stat st;
  int         err = 0;

  if (fflush(f) || ferror(f)) err = errno ? errno : EIO;
  if (!err && fsync(fileno(f)) && errno != EINVAL) err = errno; /* EINVAL: a device, nothing to sync */
  if (fclose(f) && !err) err = errno ? errno : EIO;
  if (err && (ok || !msg[0])) snprintf(msg, mlen, "%s while writing '%s'%s", strerror(err), tmp, err == ENOSPC || err == EDQUOT ? " (the disk is full)" : err == EFBIG ? " (over the file-size limit)"
                                                                                                                                                                       : "");
  ok = ok && !err;
  if (ok && (lstat(tmp, &st) || !S_ISREG(st.st_mode))) {
    snprintf(msg, mlen, "'%s' is not a regular file, so it was not put in place", tmp);
    ok = 0;
  }
  if (ok && rename(tmp, file)) {
    snprintf(msg, mlen, "cannot rename '%s' into place: %s", tmp, strerror(errno));
    ok = 0;
  }
  if (!ok) unlink(tmp);
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

/* ---- the public interface (io.h): other floors' writers ---- */

typedef struct {
  PdFileFill fill;
  void      *ctx;
} PublicFill;

static PetscErrorCode FillPublic(FILE *f, void *vctx, int *ok, char msg[], size_t mlen)
{
  PublicFill    *p = (PublicFill *)vctx;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); /* rank 0 alone: the others learn of it through *ok */
  ierr = (*p->fill)(f, p->ctx);
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    const char *text     = NULL;
    char       *specific = NULL;
    *ok                  = 0;
    PetscCall(PetscErrorMessage(ierr, &text, &specific));
    snprintf(msg, mlen, "its contents could not be made: %s", specific && specific[0] ? specific : (text ? text : "an error"));
  }
  PetscFunctionReturn(0);
}

/*@
  PdFileWrite - write a file whole or not at all: rank 0 calls fill on file.tmp (locked against a
  second writer), which is flushed to the disk and renamed over file; collective. On any failure the
  temporary goes, an existing file keeps its bytes, and one error names the file, what it is (what,
  may be NULL) and the system's reason.
@*/
PetscErrorCode PdFileWrite(MPI_Comm comm, const char file[], const char what[], PdFileFill fill, void *ctx)
{
  PublicFill p = {fill, ctx};
  int        ok;
  char       msg[PETSC_MAX_PATH_LEN + 256];

  PetscFunctionBegin;
  PetscCheck(fill, comm, PETSC_ERR_ARG_NULL, "PdFileWrite: give a fill function for '%s'", file ? file : "(no name)");
  PetscCall(PdTmpFileWriteRoot(comm, file, "w", FillPublic, &p, &ok, msg, sizeof(msg)));
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "Cannot write '%s'%s%s%s: %s; an existing '%s' is unchanged", file ? file : "", what ? " (" : "", what ? what : "", what ? ")" : "", msg, file ? file : "file");
  PetscFunctionReturn(0);
}

/*@
  PdFileTempName - the temporary name a writer that opens files by name (PETSc's viewers) writes
  to before PdFileCommit: file.tmp, or with keep_ending x.tmp.vts for x.vts, so that a format
  chosen by the ending stays the same. An error if the buffer is too short (PETSC_MAX_PATH_LEN + 8
  is enough for any name PETSc takes) or if something other than a regular file (a link, FIFO or
  directory) stands at that name.
@*/
PetscErrorCode PdFileTempName(const char file[], PetscBool keep_ending, char tmp[], size_t len)
{
  const char *dot, *slash;
  int         n;

  PetscFunctionBegin;
  PetscCheck(file && file[0] && tmp, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "PdFileTempName: give a file name and a buffer");
  dot   = strrchr(file, '.');
  slash = strrchr(file, '/');
  if (!keep_ending || !dot || (slash && dot < slash)) n = snprintf(tmp, len, "%s.tmp", file);
  else n = snprintf(tmp, len, "%.*s.tmp%s", (int)(dot - file), file, dot);
  PetscCheck(n >= 0 && (size_t)n < len, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdFileTempName: the temporary name of '%s' needs %d bytes, the buffer has %zu", file, n + 1, len);
  { /* a writer will open it by name: nothing but a regular file (or a device) may stand there */
    struct stat st, target;
    if (!lstat(tmp, &st) && !S_ISREG(st.st_mode)) {
      const int link = S_ISLNK(st.st_mode), dev = link ? !stat(tmp, &target) && S_ISCHR(target.st_mode) : S_ISCHR(st.st_mode);
      PetscCheck(dev, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write '%s': '%s' is there and is %s; pdeop makes its temporary files itself: remove it", file, tmp, link ? "a symbolic link" : "not a regular file");
    }
  }
  PetscFunctionReturn(0);
}

/*@
  PdFileCommit - put a file written under its temporary name (PdFileTempName) in place; collective.
  why is this rank's reason the write failed, or NULL when it did not. When every rank succeeded
  and tmp is a non-empty regular file, rank 0 flushes it to the disk and renames it over file (a
  stream still open on it keeps writing to file); otherwise tmp is removed, an existing file keeps
  its bytes, and one error names file, what it is and the reason.
@*/
PetscErrorCode PdFileCommit(MPI_Comm comm, const char tmp[], const char file[], const char what[], const char why[])
{
  PetscMPIInt rank;
  int         ok                            = why ? 0 : 1;
  char        msg[PETSC_MAX_PATH_LEN + 256] = "";

  PetscFunctionBegin;
  PetscCheck(tmp && tmp[0] && file && file[0], comm, PETSC_ERR_ARG_NULL, "PdFileCommit: give the temporary and the file's names");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPIU_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm));
  if (rank == 0) {
    struct stat st, sf;
    const int   missing = lstat(tmp, &st) != 0;
    if (!strcmp(tmp, file) || (!missing && !stat(file, &sf) && st.st_dev == sf.st_dev && st.st_ino == sf.st_ino)) {
      snprintf(msg, sizeof(msg), "the temporary '%s' is the file itself", tmp);
      ok = -1; /* nothing is removed */
    } else if (why) snprintf(msg, sizeof(msg), "%s", why);
    else if (!ok) snprintf(msg, sizeof(msg), "the write failed on another rank");
    else if (missing || !S_ISREG(st.st_mode) || st.st_size == 0) {
      snprintf(msg, sizeof(msg), "'%s' is %s", tmp, missing ? "missing (is the disk full?)" : !S_ISREG(st.st_mode) ? "not a regular file"
                                                                                                                   : "empty (is the disk full?)");
      ok = 0;
    } else {
      const int fd = open(tmp, O_RDONLY);
      if (fd < 0 || (fsync(fd) && errno != EINVAL)) {
        snprintf(msg, sizeof(msg), "%s while flushing '%s' to the disk", strerror(errno), tmp);
        ok = 0;
      }
      if (fd >= 0) close(fd);
      if (ok && rename(tmp, file)) {
        snprintf(msg, sizeof(msg), "cannot rename '%s' into place: %s", tmp, strerror(errno));
        ok = 0;
      }
    }
    if (ok == 0) unlink(tmp); /* not a directory: unlink leaves those */
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(ok == 1, comm, PETSC_ERR_FILE_WRITE, "Cannot write '%s'%s%s%s: %s; an existing '%s' is unchanged", file, what ? " (" : "", what ? what : "", what ? ")" : "", msg, file);
  PetscFunctionReturn(0);
}

/*@
  PdFileCheckInput - an input file must exist, be a regular file and be readable: otherwise one
  error on comm that says which of these it is not ("Cannot open 'F' (what): ..."; what may be
  NULL). Rank 0 looks; collective.
@*/
PetscErrorCode PdFileCheckInput(MPI_Comm comm, const char file[], const char what[])
{
  PetscMPIInt rank;
  char        msg[128] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    struct stat st;
    if (!file || !file[0]) snprintf(msg, sizeof(msg), "no file name given");
    else if (stat(file, &st)) snprintf(msg, sizeof(msg), "%s", errno == ENOENT ? "no such file" : strerror(errno));
    else if (S_ISDIR(st.st_mode)) snprintf(msg, sizeof(msg), "it is a directory");
    else if (!S_ISREG(st.st_mode)) snprintf(msg, sizeof(msg), "not a regular file (a device, FIFO or socket)");
    else if (access(file, R_OK)) snprintf(msg, sizeof(msg), "not readable: %s", strerror(errno));
  }
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(!msg[0], comm, PETSC_ERR_FILE_OPEN, "Cannot open '%s'%s%s%s: %s", file ? file : "", what ? " (" : "", what ? what : "", what ? ")" : "", msg);
  PetscFunctionReturn(0);
}
