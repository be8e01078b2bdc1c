/* The system problem type (`pdeop solve -f system.petsc`): any linear system in PETSc's binary
   format (a matrix, then an optional right-hand side as in PETSc's KSP tutorial ex10), solved with
   the options' KSP. */
#include "pde/interface/problemimpl.h"
#include <pdeop/options.h>

/* ---- validation of a PETSc binary file before MatLoad sees it ----
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
  PetscInt64   *len, *col;
  PetscInt64 sum = 0, bad, maxlen = 0;
  PetscBool  ok = PETSC_TRUE;

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
    if (!ReadInts(r, 1, h) || h[0] != VEC_FILE_CLASSID) return PETSC_TRUE; /* something else follows: not ours to read */
    if (!ReadInts(r, 1, h + 1)) FAIL("it ends inside the right-hand side's header");
    if (h[1] != M) FAIL("its right-hand side has %" PetscInt64_FMT " entries; the matrix has %" PetscInt64_FMT " rows", h[1], M);
    if ((double)(r->size - r->pos) < 8.0 * (double)M) FAIL("it ends before the right-hand side's %" PetscInt64_FMT " values (truncated)", M);
    if (!ReadFinite(r, M, &bad)) FAIL("it ends inside the right-hand side");
    if (bad >= 0) FAIL("right-hand side value %" PetscInt64_FMT " is NaN or Inf", bad);
    *hasrhs = PETSC_TRUE;
  }
  return PETSC_TRUE;
}

static PetscBool CheckFile(Reader *r, PetscBool *hasrhs)
{
  PetscInt64 h[4];

  if (r->size < 4 * (long)sizeof(PetscInt) || !ReadInts(r, 4, h)) FAIL("it is too short for a matrix header");
  if (h[0] != MAT_FILE_CLASSID) FAIL("it is not a PETSc binary matrix file (write one with MatView and a binary viewer)");
  if (h[1] <= 0 || h[2] <= 0 || h[1] > PETSC_MAX_INT || h[2] > PETSC_MAX_INT) FAIL("it declares a %" PetscInt64_FMT " x %" PetscInt64_FMT " matrix", h[1], h[2]);
  if (h[3] == -1) { /* dense */
    PetscInt64 bad;
    if ((double)(r->size - r->pos) < 8.0 * (double)h[1] * (double)h[2]) FAIL("it ends before its %" PetscInt64_FMT " x %" PetscInt64_FMT " dense values (truncated)", h[1], h[2]);
    if (!ReadFinite(r, (PetscInt64)h[1] * h[2], &bad)) FAIL("it ends inside the matrix values");
    if (bad >= 0) FAIL("matrix value %" PetscInt64_FMT " is NaN or Inf", bad);
    *hasrhs = PETSC_FALSE;
    return PETSC_TRUE;
  }
  if (h[3] < 0) FAIL("it declares %" PetscInt64_FMT " nonzeros", h[3]);
  return CheckAIJ(r, h[1], h[2], h[3], hasrhs);
}
#undef FAIL

/* Rank 0 checks the whole file; every rank learns the verdict (and whether a right-hand side follows). */
static PetscErrorCode CheckSystemFile(MPI_Comm comm, const char file[], PetscBool *hasrhs)
{
  PetscMPIInt rank;
  char        msg[256] = "";
  int         flags[2] = {1, 0};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    Reader    r = {fopen(file, "rb"), 0, 0, msg, sizeof(msg)};
    PetscBool rhs = PETSC_FALSE;
    if (!r.f) flags[0] = -1;
    else {
      fseek(r.f, 0, SEEK_END);
      r.size = ftell(r.f);
      fseek(r.f, 0, SEEK_SET);
      flags[0] = CheckFile(&r, &rhs) ? 1 : 0;
      flags[1] = rhs;
      fclose(r.f);
    }
  }
  PetscCallMPI(MPI_Bcast(flags, 2, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(flags[0] != -1, comm, PETSC_ERR_FILE_OPEN, "Cannot open '%s'", file);
  PetscCheck(flags[0] == 1, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not a valid PETSc binary system: %s", file, msg);
  *hasrhs = (PetscBool)flags[1];
  PetscFunctionReturn(0);
}

typedef struct {
  char      file[PETSC_MAX_PATH_LEN];
  Mat       A;
  Vec       b, x;
  KSP       ksp;
  PetscBool hasrhs;
} System;

/* -f file (read as `pdeop solve` always has, without a help line); with -help, the KSP's options */
static PetscErrorCode SetFromOptions_System(PdProblem p)
{
  System   *s = (System *)p->data;
  PetscBool help, flg;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, p->prefix, "-f", s->file, sizeof(s->file), &flg));
  PetscCall(PdOptionsHelp(&help));
  if (help) {
    KSP ksp;
    PetscCall(KSPCreate(p->comm, &ksp));
    PetscCall(KSPSetOptionsPrefix(ksp, p->prefix));
    PetscCall(KSPSetFromOptions(ksp));
    PetscCall(KSPDestroy(&ksp));
  }
  PetscFunctionReturn(0);
}

/* A from the file, and b if one follows it (else b = 1) */
static PetscErrorCode Load(PdProblem p, System *s)
{
  PetscViewer v;
  PetscInt    m, n;

  PetscFunctionBegin;
  PetscCall(CheckSystemFile(p->comm, s->file, &s->hasrhs));
  PetscCall(PetscViewerBinaryOpen(p->comm, s->file, FILE_MODE_READ, &v));
  PetscCall(MatCreate(p->comm, &s->A));
  PetscCall(MatSetFromOptions(s->A));
  PetscCall(MatLoad(s->A, v));
  PetscCall(MatGetSize(s->A, &m, &n));
  if (m != n) {
    PetscCall(PetscViewerDestroy(&v));
    SETERRQ(p->comm, PETSC_ERR_ARG_SIZ, "'%s' holds a %" PetscInt_FMT " x %" PetscInt_FMT " matrix; a linear solve needs a square one", s->file, m, n);
  }
  PetscCall(MatCreateVecs(s->A, &s->x, &s->b));
  if (s->hasrhs) PetscCall(VecLoad(s->b, v)); /* the right-hand side follows the matrix */
  else PetscCall(VecSet(s->b, 1.0));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_System(PdProblem p)
{
  System *s = (System *)p->data;

  PetscFunctionBegin;
  PetscCheck(s->file[0], p->comm, PETSC_ERR_ARG_WRONGSTATE, "A system problem needs a file: -f system.petsc");
  PetscCall(Load(p, s));
  PetscCall(KSPCreate(p->comm, &s->ksp));
  PetscCall(KSPSetOptionsPrefix(s->ksp, p->prefix));
  PetscCall(KSPSetOperators(s->ksp, s->A, s->A));
  PetscCall(KSPSetFromOptions(s->ksp));
  if (p->setfromoptionscalled) PetscCall(PdOptionsCheckUnusedAtSolve("solve"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_System(PdProblem p)
{
  System  *s = (System *)p->data;
  PetscInt m;
  MatInfo  info;

  PetscFunctionBegin;
  PetscCall(MatGetSize(s->A, &m, NULL));
  PetscCall(MatGetInfo(s->A, MAT_GLOBAL_SUM, &info));
  PetscCall(PdDictSetString(p->results, "file", s->file));
  PetscCall(PdDictSetInt(p->results, "rows", m));
  PetscCall(PdDictSetInt(p->results, "nonzeros", (PetscInt64)info.nz_used));
  PetscCall(PdDictSetBool(p->results, "rhs_from_file", s->hasrhs));
  PetscCall(PdKSPSolveReport(s->ksp, s->b, s->x, p->results));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_System(PdProblem p, PetscViewer v)
{
  System *s = (System *)p->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "file %s%s\n", s->file[0] ? s->file : "(none)", s->hasrhs ? " (with its right-hand side)" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_System(PdProblem p)
{
  System *s = (System *)p->data;

  PetscFunctionBegin;
  PetscCall(KSPDestroy(&s->ksp));
  PetscCall(MatDestroy(&s->A));
  PetscCall(VecDestroy(&s->b));
  PetscCall(VecDestroy(&s->x));
  PetscCall(PetscFree(p->data));
  PetscFunctionReturn(0);
}

/* -f file.petsc (a matrix, then optionally the right-hand side; else b = 1), every KSP/PC option */
PetscErrorCode PdProblemCreate_System(PdProblem p)
{
  System *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  p->data               = s;
  p->ops.setfromoptions = SetFromOptions_System;
  p->ops.setup          = SetUp_System;
  p->ops.solve          = Solve_System;
  p->ops.view           = View_System;
  p->ops.destroy        = Destroy_System;
  PetscCall(PdProblemSetFields(p, NULL, &s->x, &s->A, &s->b));
  PetscFunctionReturn(0);
}
