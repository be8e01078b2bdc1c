/* Linear systems in PETSc binary files: the check every file gets before MatLoad sees it (one
   system for `pdeop solve -f`, every system of a training file), appending a system to a file, and
   the list of systems of several files that learned preconditioners train on. */
#include <pdeop/systems.h>
#include <sys/stat.h>
#include <pdeop/rng.h>
#include <pdeop/io.h>
#include <unistd.h>

/* ---- the check ----
   PETSc's binary matrix: big-endian int32 MAT_FILE_CLASSID, M, N, nz, then M row lengths, nz column
   indices and nz doubles (AIJ; nz = -1: M N doubles, dense), optionally followed by a Vec
   (VEC_FILE_CLASSID, n, n doubles). An optimised PETSc trusts these numbers (a column index out of
   range is a crash in MatMult), so rank 0 checks every one of them first. */

typedef struct {
  FILE  *f;
  long   size, pos;
  char  *msg;
  size_t len;
} Reader;

/* n big-endian integers of PETSc's index width (PetscInt: 4 bytes here, 8 with 64-bit indices) */
static PetscBool ReadInts(Reader *r, PetscInt64 n, PetscInt64 out[])
{
  unsigned char b[8];
  const int     w = (int)sizeof(PetscInt);
  for (PetscInt64 k = 0; k < n; k++) {
    uint64_t u = 0;
    if (fread(b, 1, (size_t)w, r->f) != (size_t)w) return PETSC_FALSE;
    for (int i = 0; i < w; i++) u = (u << 8) | b[i];
    out[k] = w == 4 ? (PetscInt64)(int32_t)(uint32_t)u : (PetscInt64)u;
  }
  r->pos += w * n;
  return PETSC_TRUE;
}

/* n big-endian doubles, all finite */
static PetscBool ReadFinite(Reader *r, PetscInt64 n, PetscInt64 *bad)
{
  unsigned char b[8];
  *bad = -1;
  for (PetscInt64 k = 0; k < n; k++) {
    uint64_t u = 0;
    double   d;
    if (fread(b, 1, 8, r->f) != 8) return PETSC_FALSE;
    for (int i = 0; i < 8; i++) u = (u << 8) | b[i];
    memcpy(&d, &u, 8);
    if (*bad < 0 && !isfinite(d)) *bad = k;
  }
  r->pos += 8 * n;
  return PETSC_TRUE;
}

#define FAIL(...) return (snprintf(r->msg, r->len, __VA_ARGS__), PETSC_FALSE)

/* the AIJ part after the header: row lengths, column indices (in range, increasing in each row), values */
static PetscBool CheckAIJ(Reader *r, PetscInt64 M, PetscInt64 N, PetscInt64 nz, PetscBool *hasrhs)
{
  PetscInt64 *len, *col;
  PetscInt64  sum = 0, bad, maxlen = 0;
  PetscBool   ok = PETSC_TRUE;

  if ((double)nz > (double)M * (double)N) FAIL("it declares %" PetscInt64_FMT " nonzeros in a %" PetscInt64_FMT " x %" PetscInt64_FMT " matrix", nz, M, N);
  if ((double)(r->size - r->pos) < (double)sizeof(PetscInt) * ((double)M + (double)nz) + 8.0 * (double)nz) FAIL("it ends before its %" PetscInt64_FMT " rows and %" PetscInt64_FMT " nonzeros (truncated)", M, nz);
  len = (PetscInt64 *)malloc(sizeof(PetscInt64) * ((size_t)M + 1)); /* M is backed by the file's size */
  if (!len) FAIL("out of memory for %" PetscInt64_FMT " row lengths", M);
  if (!ReadInts(r, M, len)) ok = PETSC_FALSE, snprintf(r->msg, r->len, "it ends inside the row lengths");
  for (PetscInt64 i = 0; ok && i < M; i++) {
    if (len[i] < 0 || len[i] > N) ok = PETSC_FALSE, snprintf(r->msg, r->len, "row %" PetscInt64_FMT " has length %" PetscInt64_FMT " (a row has 0 to %" PetscInt64_FMT " entries)", i, len[i], N);
    sum += len[i];
    if (ok) maxlen = PetscMax(maxlen, len[i]);
  }
  if (ok && sum != nz) ok = PETSC_FALSE, snprintf(r->msg, r->len, "its row lengths add up to %" PetscInt64_FMT ", not the %" PetscInt64_FMT " nonzeros it declares", sum, nz);
  col = ok ? (PetscInt64 *)malloc(sizeof(PetscInt64) * ((size_t)maxlen + 1)) : NULL; /* the longest row (at most nz, which the file's size backs), not N */
  if (ok && !col) ok = PETSC_FALSE, snprintf(r->msg, r->len, "out of memory for a row of %" PetscInt64_FMT " entries", maxlen);
  for (PetscInt64 i = 0; ok && i < M; i++) {
    if (!ReadInts(r, len[i], col)) {
      ok = PETSC_FALSE, snprintf(r->msg, r->len, "it ends inside the column indices");
      break;
    }
    for (PetscInt64 k = 0; ok && k < len[i]; k++) {
      if (col[k] < 0 || col[k] >= N) ok = PETSC_FALSE, snprintf(r->msg, r->len, "row %" PetscInt64_FMT " has column index %" PetscInt64_FMT ", outside 0..%" PetscInt64_FMT "", i, col[k], N - 1);
      else if (k && col[k] <= col[k - 1]) ok = PETSC_FALSE, snprintf(r->msg, r->len, "row %" PetscInt64_FMT " has its column indices out of order or repeated (%" PetscInt64_FMT " after %" PetscInt64_FMT "); PETSc writes them increasing", i, col[k], col[k - 1]);
    }
  }
  free(len), free(col);
  if (!ok) return PETSC_FALSE;
  if (!ReadFinite(r, nz, &bad)) FAIL("it ends inside the matrix values");
  if (bad >= 0) FAIL("matrix value %" PetscInt64_FMT " is NaN or Inf", bad);
  *hasrhs = PETSC_FALSE;
  if (r->size - r->pos >= (long)sizeof(PetscInt)) { /* a right-hand side may follow */
    PetscInt64 h[2];
    if (!ReadInts(r, 1, h)) FAIL("it ends inside a header");
    if (h[0] != VEC_FILE_CLASSID) { /* something else follows: the next system, or not ours to read */
      r->pos -= (long)sizeof(PetscInt);
      fseek(r->f, r->pos, SEEK_SET);
      return PETSC_TRUE;
    }
    if (!ReadInts(r, 1, h + 1)) FAIL("it ends inside the right-hand side's header");
    if (h[1] != M) FAIL("its right-hand side has %" PetscInt64_FMT " entries; the matrix has %" PetscInt64_FMT " rows", h[1], M);
    if ((double)(r->size - r->pos) < 8.0 * (double)M) FAIL("it ends before the right-hand side's %" PetscInt64_FMT " values (truncated)", M);
    if (!ReadFinite(r, M, &bad)) FAIL("it ends inside the right-hand side");
    if (bad >= 0) FAIL("right-hand side value %" PetscInt64_FMT " is NaN or Inf", bad);
    *hasrhs = PETSC_TRUE;
  }
  return PETSC_TRUE;
}

typedef struct {
  long      offset; /* of the matrix header */
  PetscInt  rows;
  PetscBool hasrhs;
} Entry;

/* The systems of the file, each checked: max > 0 stops after max of them (whatever follows is not
   ours to read), max = 0 reads to the end and refuses dense matrices and trailing bytes. */
static PetscBool CheckFile(Reader *r, PetscInt max, Entry **ent, PetscInt *count)
{
  PetscInt cap = 0;

  *count = 0;
  *ent   = NULL;
  for (;;) {
    PetscInt64 h[4];
    PetscBool  rhs      = PETSC_FALSE;
    const long at       = r->pos;
    const int  k        = (int)*count;
    char       head[48] = "";
    if (k) snprintf(head, sizeof(head), "after %d system%s, ", k, k > 1 ? "s" : "");
    if (r->size - r->pos < 4 * (long)sizeof(PetscInt) || !ReadInts(r, 4, h)) FAIL("%sit is too short for a matrix header", head);
    if (h[0] != MAT_FILE_CLASSID) FAIL("%sit is not a PETSc binary matrix file (write one with MatView and a binary viewer)", head);
    if (h[1] <= 0 || h[2] <= 0 || h[1] > PETSC_MAX_INT || h[2] > PETSC_MAX_INT) FAIL("%sit declares a %" PetscInt64_FMT " x %" PetscInt64_FMT " matrix", head, h[1], h[2]);
    if (h[3] == -1) { /* dense */
      PetscInt64 bad;
      if (!max) FAIL("system %d is a dense matrix: learned preconditioners need sparse (AIJ) ones", k);
      if ((double)(r->size - r->pos) < 8.0 * (double)h[1] * (double)h[2]) FAIL("it ends before its %" PetscInt64_FMT " x %" PetscInt64_FMT " dense values (truncated)", h[1], h[2]);
      if (!ReadFinite(r, (PetscInt64)h[1] * h[2], &bad)) FAIL("it ends inside the matrix values");
      if (bad >= 0) FAIL("matrix value %" PetscInt64_FMT " is NaN or Inf", bad);
    } else {
      if (h[3] < 0) FAIL("%sit declares %" PetscInt64_FMT " nonzeros", head, h[3]);
      if (!CheckAIJ(r, h[1], h[2], h[3], &rhs)) {
        if (k) { /* name the system */
          char m[256];
          snprintf(m, sizeof(m), "%s", r->msg);
          snprintf(r->msg, r->len, "system %d: %s", k, m);
        }
        return PETSC_FALSE;
      }
    }
    if (*count == cap) {
      Entry *e = (Entry *)realloc(*ent, sizeof(Entry) * (size_t)(cap = 2 * cap + 4));
      if (!e) FAIL("out of memory");
      *ent = e;
    }
    (*ent)[(*count)++] = (Entry){at, (PetscInt)h[1], rhs};
    if ((max && *count >= max) || r->pos >= r->size) return PETSC_TRUE;
  }
}
#undef FAIL

/* Rank 0 checks the file; every rank gets the verdict and the systems found (freed by the caller) */
static PetscErrorCode ScanFile(MPI_Comm comm, const char file[], PetscInt max, PetscInt *count, Entry **ent)
{
  PetscMPIInt rank;
  char        msg[320] = "";
  int         flag     = 1;
  PetscInt    n        = 0;
  Entry      *e        = NULL;

  PetscFunctionBegin;
  PetscCall(PdFileCheckInput(comm, file, NULL)); /* before opening it: a FIFO would block the open */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    Reader      r = {fopen(file, "rb"), 0, 0, msg, sizeof(msg)};
    struct stat st;
    if (!r.f) flag = -1;
    else if (!fstat(fileno(r.f), &st) && !S_ISREG(st.st_mode)) {
      flag = -2;
      fclose(r.f);
    } else {
      fseek(r.f, 0, SEEK_END);
      r.size = ftell(r.f);
      fseek(r.f, 0, SEEK_SET);
      flag = CheckFile(&r, max, &e, &n) ? 1 : 0;
      fclose(r.f);
    }
  }
  PetscCallMPI(MPI_Bcast(&flag, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof(msg), MPI_CHAR, 0, comm));
  if (flag != 1) free(e);
  PetscCheck(flag != -1, comm, PETSC_ERR_FILE_OPEN, "Cannot open '%s'", file);
  PetscCheck(flag != -2, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not a regular file (a directory, device or FIFO): give a PETSc binary file of systems", file);
  PetscCheck(flag == 1, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not a valid PETSc binary system: %s", file, msg);
  PetscCallMPI(MPI_Bcast(&n, 1, MPIU_INT, 0, comm));
  if (rank) e = (Entry *)malloc(sizeof(Entry) * (size_t)n);
  PetscCheck(e, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the systems of '%s'", file);
  PetscCallMPI(MPI_Bcast(e, (PetscMPIInt)(sizeof(Entry) * (size_t)n), MPI_BYTE, 0, comm));
  *count = n;
  *ent   = e;
  PetscFunctionReturn(0);
}

/*@
  PdSystemFileCheck - check a PETSc binary file of systems on rank 0 before PETSc reads it

  Input: comm, file, max (> 0: the first max systems, what follows is ignored; 0: all, and nothing
  may follow the last). Output (each may be NULL): count of systems, whether the first has a
  right-hand side. An invalid file is an error that says what is wrong with it.
@*/
PetscErrorCode PdSystemFileCheck(MPI_Comm comm, const char file[], PetscInt max, PetscInt *count, PetscBool *hasrhs)
{
  PetscInt n;
  Entry   *e;

  PetscFunctionBegin;
  PetscCall(ScanFile(comm, file, max, &n, &e));
  if (count) *count = n;
  if (hasrhs) *hasrhs = e[0].hasrhs;
  free(e);
  PetscFunctionReturn(0);
}

/* A binary viewer on the file at a mode, without the .info side file */
static PetscErrorCode OpenBinary(MPI_Comm comm, const char file[], PetscFileMode mode, PetscViewer *v)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerCreate(comm, v));
  PetscCall(PetscViewerSetType(*v, PETSCVIEWERBINARY));
  PetscCall(PetscViewerBinarySetSkipInfo(*v, PETSC_TRUE));
  PetscCall(PetscViewerFileSetMode(*v, mode));
  PetscCall(PetscViewerFileSetName(*v, file));
  PetscFunctionReturn(0);
}

/*@
  PdSystemFileAppend - append A (and b unless NULL) to a PETSc binary file, creating it if needed;
  an existing file must begin as PETSc writes a matrix (anything else, a model or a report given by
  mistake, is refused rather than extended)
@*/
PetscErrorCode PdSystemFileAppend(const char file[], Mat A, Vec b)
{
  PetscViewer v;
  PetscBool   exists;
  MPI_Comm    comm;
  PetscMPIInt rank;
  int         bad = 0;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)A, &comm));
  PetscCall(PetscTestFile(file, 'r', &exists));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (exists && rank == 0) {
    FILE         *f = fopen(file, "rb");
    unsigned char h[4];
    size_t        got = f ? fread(h, 1, 4, f) : 0;
    if (f) fclose(f);
    bad = got > 0 && (got < 4 || ((unsigned)h[0] << 24 | (unsigned)h[1] << 16 | (unsigned)h[2] << 8 | (unsigned)h[3]) != (unsigned)MAT_FILE_CLASSID);
  }
  PetscCallMPI(MPI_Bcast(&bad, 1, MPI_INT, 0, comm));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' exists and is not a PETSc binary file of systems (it does not begin with a matrix): systems are appended only to such a file; give another", file);
  PetscCall(OpenBinary(comm, file, exists ? FILE_MODE_APPEND : FILE_MODE_WRITE, &v));
  PetscCall(MatView(A, v));
  if (b) PetscCall(VecView(b, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}

struct _n_PdSystemList {
  MPI_Comm   comm;
  PetscInt64 seed;
  PetscInt   n, nfiles;
  char     **file; /* [nfiles] */
  PetscInt  *fileof;
  Entry     *ent; /* [n] */
};

/*@ PdSystemListCreate - an empty list of systems; seed draws the right-hand sides files lack @*/
PetscErrorCode PdSystemListCreate(MPI_Comm comm, PetscInt64 seed, PdSystemList *list)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(list));
  (*list)->comm = comm;
  (*list)->seed = seed;
  PetscFunctionReturn(0);
}

/*@ PdSystemListAddFiles - check the files (every system of each) and add their systems in order @*/
PetscErrorCode PdSystemListAddFiles(PdSystemList l, PetscInt nf, char *const files[])
{
  PetscFunctionBegin;
  for (PetscInt f = 0; f < nf; f++) {
    PetscInt n;
    Entry   *e;
    for (PetscInt g = 0; g < l->nfiles; g++) { /* one file twice would count its systems twice, and put some in both training and validation */
      PetscBool same;
      PetscCall(PdFilesSame(l->comm, l->file[g], files[f], &same));
      PetscCheck(!same, l->comm, PETSC_ERR_ARG_WRONG, "'%s' and '%s' are the same file: give each file of systems once", l->file[g], files[f]);
    }
    PetscCall(ScanFile(l->comm, files[f], 0, &n, &e));
    PetscCall(PetscRealloc(sizeof(char *) * (size_t)(l->nfiles + 1), &l->file));
    PetscCall(PetscStrallocpy(files[f], &l->file[l->nfiles]));
    PetscCall(PetscRealloc(sizeof(Entry) * (size_t)(l->n + n), &l->ent));
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)(l->n + n), &l->fileof));
    for (PetscInt k = 0; k < n; k++) {
      l->ent[l->n + k]    = e[k];
      l->fileof[l->n + k] = l->nfiles;
    }
    l->n += n;
    l->nfiles++;
    free(e);
  }
  PetscFunctionReturn(0);
}

/*@ PdSystemListGetSize - the number of systems @*/
PetscErrorCode PdSystemListGetSize(PdSystemList l, PetscInt *n)
{
  PetscFunctionBegin;
  *n = l->n;
  PetscFunctionReturn(0);
}

/*@ PdSystemListDescribe - "F file(s) (N systems, R to S unknowns)" @*/
PetscErrorCode PdSystemListDescribe(PdSystemList l, char buf[], size_t len)
{
  PetscInt lo = PETSC_MAX_INT, hi = 0;

  PetscFunctionBegin;
  for (PetscInt s = 0; s < l->n; s++) lo = PetscMin(lo, l->ent[s].rows), hi = PetscMax(hi, l->ent[s].rows);
  if (lo == hi) PetscCall(PetscSNPrintf(buf, len, "%" PetscInt_FMT " file(s) (%" PetscInt_FMT " systems, %" PetscInt_FMT " unknowns)", l->nfiles, l->n, lo));
  else PetscCall(PetscSNPrintf(buf, len, "%" PetscInt_FMT " file(s) (%" PetscInt_FMT " systems, %" PetscInt_FMT " to %" PetscInt_FMT " unknowns)", l->nfiles, l->n, lo, hi));
  PetscFunctionReturn(0);
}

/* a viewer on system s's file, positioned at its matrix */
static PetscErrorCode OpenAt(PdSystemList l, PetscInt s, PetscViewer *v)
{
  int fd;

  PetscFunctionBegin;
  PetscCheck(s >= 0 && s < l->n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "System %" PetscInt_FMT " is not in the list of %" PetscInt_FMT, s, l->n);
  PetscCall(OpenBinary(PETSC_COMM_SELF, l->file[l->fileof[s]], FILE_MODE_READ, v));
  PetscCall(PetscViewerBinaryGetDescriptor(*v, &fd));
  PetscCheck(lseek(fd, l->ent[s].offset, SEEK_SET) == l->ent[s].offset, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "Cannot seek in '%s'", l->file[l->fileof[s]]);
  PetscFunctionReturn(0);
}

/*@ PdSystemListLoad - system s's matrix, a new SeqAIJ on PETSC_COMM_SELF @*/
PetscErrorCode PdSystemListLoad(PdSystemList l, PetscInt s, Mat *A)
{
  PetscViewer v;
  PetscInt    m, n;

  PetscFunctionBegin;
  PetscCall(OpenAt(l, s, &v));
  PetscCall(MatCreate(PETSC_COMM_SELF, A));
  PetscCall(MatSetType(*A, MATSEQAIJ));
  PetscCall(MatLoad(*A, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(MatGetSize(*A, &m, &n));
  PetscCheck(m == n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "System %" PetscInt_FMT " ('%s') has a %" PetscInt_FMT " x %" PetscInt_FMT " matrix; a preconditioner needs a square one", s, l->file[l->fileof[s]], m, n);
  { /* the learned preconditioners and CG need symmetric positive definite systems: a cheap part of that */
    PetscReal amax, dmin;
    PetscBool sym;
    Vec       d;
    PetscCall(MatNorm(*A, NORM_MAX, &amax));
    PetscCall(MatIsSymmetric(*A, 1e-12 * amax, &sym));
    PetscCheck(sym, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "System %" PetscInt_FMT " ('%s') is not symmetric: learned_ic, learned_sor and CG need symmetric positive definite systems", s, l->file[l->fileof[s]]);
    PetscCall(MatCreateVecs(*A, &d, NULL));
    PetscCall(MatGetDiagonal(*A, d));
    PetscCall(VecMin(d, NULL, &dmin));
    PetscCall(VecDestroy(&d));
    PetscCheck(dmin > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "System %" PetscInt_FMT " ('%s') has a diagonal entry %g <= 0, so it is not positive definite: learned_ic, learned_sor and CG need symmetric positive definite systems", s, l->file[l->fileof[s]], (double)dmin);
  }
  PetscFunctionReturn(0);
}

/*@ PdSystemListRHS - right-hand side k of system s (see systems.h) @*/
PetscErrorCode PdSystemListRHS(PdSystemList l, PetscInt s, PetscInt k, Mat A, Vec b)
{
  PetscFunctionBegin;
  if (k == 0) {
    if (l->ent[s].hasrhs) {
      PetscViewer v;
      Mat         skip;
      PetscCall(OpenAt(l, s, &v));
      PetscCall(MatCreate(PETSC_COMM_SELF, &skip)); /* read past the matrix */
      PetscCall(MatSetType(skip, MATSEQAIJ));
      PetscCall(MatLoad(skip, v));
      PetscCall(MatDestroy(&skip));
      PetscCall(VecLoad(b, v));
      PetscCall(PetscViewerDestroy(&v));
    } else PetscCall(VecSet(b, 1.0));
  } else {
    PdRng        rng;
    PetscInt     n;
    PetscScalar *x;
    PetscCall(PdRngSeed(&rng, (uint64_t)(l->seed + k), (uint64_t)(2 * s + 1)));
    PetscCall(VecGetLocalSize(b, &n));
    PetscCall(VecGetArrayWrite(b, &x));
    for (PetscInt i = 0; i < n; i++) x[i] = PdRngNormal(&rng);
    PetscCall(VecRestoreArrayWrite(b, &x));
    if (k % 2 == 1) { /* smooth: b <- b - (2/3) D^-1 A b, 8 times */
      Vec d, t;
      PetscCall(VecDuplicate(b, &d));
      PetscCall(VecDuplicate(b, &t));
      PetscCall(MatGetDiagonal(A, d));
      PetscCall(VecReciprocal(d));
      for (int it = 0; it < 8; it++) {
        PetscCall(MatMult(A, b, t));
        PetscCall(VecPointwiseMult(t, t, d));
        PetscCall(VecAXPY(b, -2.0 / 3.0, t));
      }
      PetscCall(VecDestroy(&d));
      PetscCall(VecDestroy(&t));
    }
  }
  PetscFunctionReturn(0);
}

/*@ PdSystemListDestroy - free the list @*/
PetscErrorCode PdSystemListDestroy(PdSystemList *l)
{
  PetscFunctionBegin;
  if (!*l) PetscFunctionReturn(0);
  for (PetscInt f = 0; f < (*l)->nfiles; f++) PetscCall(PetscFree((*l)->file[f]));
  PetscCall(PetscFree((*l)->file));
  PetscCall(PetscFree((*l)->ent));
  PetscCall(PetscFree((*l)->fileof));
  PetscCall(PetscFree(*l));
  PetscFunctionReturn(0);
}
