/* Private to src/io: a file written whole or not at all (file.tmp, flushed, renamed; tmpfile.c). */
#pragma once
#include <petscsys.h>

PETSC_INTERN FILE *PdTmpFileOpen(const char *, char *, size_t, const char *, char *, size_t);
PETSC_INTERN int   PdTmpFileCommit(FILE *, int, const char *, const char *, char *, size_t);
/* writes a file's contents to f; on a failure of its own sets *ok = 0 and says why in msg */
typedef PetscErrorCode (*PdTmpFileFill)(FILE *f, void *ctx, int *ok, char msg[], size_t mlen);
PETSC_INTERN PetscErrorCode PdTmpFileWriteRoot(MPI_Comm, const char *, const char *, PdTmpFileFill, void *, int *, char *, size_t);
