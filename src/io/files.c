/* The output layer's rule, checked before a command starts its work: no output is one of the
   command's inputs or another output (compared as files: device and inode, or the resolved path of
   an output not yet written), no output's temporary (file.tmp) is an input or another output, and every output's
   directory exists and is writable. */
#include <pdeop/io.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* what identifies a file: its device and inode when it exists, else its directory's resolved path
   and its name */
typedef struct {
  PetscBool exists;
  dev_t     dev;
  ino_t     ino;
  char      path[PATH_MAX + 1];
} FileId;

static void Identify(const char *file, FileId *id)
{
  struct stat st;
  char        dir[PATH_MAX + 1], base[PATH_MAX + 1], real[PATH_MAX + 1];

  memset(id, 0, sizeof(*id));
  if (!stat(file, &st)) {
    id->exists = PETSC_TRUE;
    id->dev    = st.st_dev;
    id->ino    = st.st_ino;
  }
  snprintf(dir, sizeof(dir), "%s", file);
  snprintf(base, sizeof(base), "%s", file);
  if (!realpath(dirname(dir), real) || snprintf(id->path, sizeof(id->path), "%s/%s", real, basename(base)) >= (int)sizeof(id->path)) snprintf(id->path, sizeof(id->path), "%s", file);
}

static PetscBool Same(const FileId *a, const FileId *b)
{
  if (a->exists && b->exists) return (PetscBool)(a->dev == b->dev && a->ino == b->ino);
  return (PetscBool)!strcmp(a->path, b->path);
}

/* rank 0's verdict: an empty message when all is well */
static void Check(PetscInt nin, const PdFileArg in[], PetscInt nout, const PdFileArg out[], char *msg, size_t len)
{
  FileId a, b;

  msg[0] = 0;
  for (PetscInt o = 0; o < nout && !msg[0]; o++) {
    char   dir[PATH_MAX + 1];
    FileId t;
    if (!out[o].path || !out[o].path[0]) continue;
    if (out[o].path[strlen(out[o].path) - 1] == '/') {
      snprintf(msg, len, "%s %s ends in '/', so it names a directory: give a file name", out[o].option, out[o].path);
      break;
    }
    Identify(out[o].path, &a);
    snprintf(dir, sizeof(dir), "%s.tmp", out[o].path); /* the file is written as file.tmp, then renamed */
    Identify(dir, &t);
    for (PetscInt i = 0; i < nin && !msg[0]; i++) {
      if (!in[i].path || !in[i].path[0]) continue;
      Identify(in[i].path, &b);
      if (Same(&a, &b)) snprintf(msg, len, "%s %s is also the input %s %s: pdeop never writes over its own input (choose another file)", out[o].option, out[o].path, in[i].option, in[i].path);
      else if (Same(&t, &b)) snprintf(msg, len, "%s %s is written first as %s.tmp, which is the input %s %s: pdeop never writes over its own input (choose another file)", out[o].option, out[o].path, out[o].path, in[i].option, in[i].path);
    }
    for (PetscInt p = 0; p < o && !msg[0]; p++) {
      FileId tp;
      char   ptmp[PATH_MAX + 8];
      if (!out[p].path || !out[p].path[0]) continue;
      Identify(out[p].path, &b);
      snprintf(ptmp, sizeof(ptmp), "%s.tmp", out[p].path);
      Identify(ptmp, &tp);
      if (Same(&a, &b)) snprintf(msg, len, "%s %s and %s %s name the same file: give each output its own", out[p].option, out[p].path, out[o].option, out[o].path);
      else if (Same(&t, &b)) snprintf(msg, len, "%s %s is written first as %s.tmp, which is the output %s %s: give each output its own name", out[o].option, out[o].path, out[o].path, out[p].option, out[p].path);
      else if (Same(&a, &tp)) snprintf(msg, len, "%s %s is written first as %s.tmp, which is the output %s %s: give each output its own name", out[p].option, out[p].path, out[p].path, out[o].option, out[o].path);
    }
    if (msg[0]) break;
    snprintf(dir, sizeof(dir), "%s", out[o].path);
    {
      const char *d = dirname(dir);
      struct stat st;
      if (stat(d, &st) || !S_ISDIR(st.st_mode)) snprintf(msg, len, "%s %s: the directory %s does not exist", out[o].option, out[o].path, d);
      else if (access(d, W_OK | X_OK)) snprintf(msg, len, "%s %s: the directory %s is not writable", out[o].option, out[o].path, d);
      else {
        struct stat so, sl;
        if (!lstat(out[o].path, &sl) && S_ISLNK(sl.st_mode)) /* the rename into place would replace the link itself */
          snprintf(msg, len, "%s %s is a symbolic link: pdeop writes a new file and renames it into place, which would replace the link; give the file it points to", out[o].option, out[o].path);
        else if (a.exists && !stat(out[o].path, &so) && S_ISDIR(so.st_mode)) snprintf(msg, len, "%s %s is a directory, not a file", out[o].option, out[o].path);
        else if (a.exists && !stat(out[o].path, &so) && !S_ISREG(so.st_mode))
          snprintf(msg, len, "%s %s is not a regular file (a device, FIFO or socket): pdeop writes its outputs as ordinary files, renamed into place", out[o].option, out[o].path);
      }
    }
  }
}

/*@
  PdFilesCheck - refuse to start a command whose outputs would destroy an input or each other, or
  could not be written

  Input:
+ comm - the command's communicator (rank 0 looks, every rank learns the verdict)
. nin, in - the input files as (option, path) pairs; empty or NULL paths are skipped
- nout, out - the output files, likewise

  An output is the same file as an input when both exist and share device and inode (a hard link, a
  symbolic link, "./x.h5" and "x.h5" all count), or when the output does not exist yet and its
  resolved path equals the input's. Outputs must also differ from each other and sit in an existing,
  writable directory, and an existing output must be a regular file: not a directory, a device
  (/dev/null), a FIFO or a socket, and not a symbolic link (the rename into place would replace it). Call it after the options are read and before any work, so that nothing is
  lost and no time is spent on a run that cannot save its result.
@*/
PetscErrorCode PdFilesCheck(MPI_Comm comm, PetscInt nin, const PdFileArg in[], PetscInt nout, const PdFileArg out[])
{
  PetscMPIInt rank;
  char        msg[3 * PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) Check(nin, in, nout, out, msg, sizeof(msg));
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(!msg[0], comm, PETSC_ERR_ARG_WRONG, "%s", msg);
  PetscFunctionReturn(0);
}

/*@
  PdFilesSame - whether two paths name the same file (device and inode when both exist, else the
  resolved paths), as rank 0 of comm sees it
@*/
PetscErrorCode PdFilesSame(MPI_Comm comm, const char a[], const char b[], PetscBool *same)
{
  PetscMPIInt rank;
  int         s = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    FileId ia, ib;
    Identify(a, &ia);
    Identify(b, &ib);
    s = Same(&ia, &ib);
  }
  PetscCallMPI(MPI_Bcast(&s, 1, MPI_INT, 0, comm));
  *same = s ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}
