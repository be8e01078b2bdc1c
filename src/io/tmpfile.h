/* Private to src/io: a file written whole or not at all (file.tmp, flushed, renamed; tmpfile.c). */
#pragma once
#include <petscsys.h>

PETSC_INTERN FILE *PdTmpFileOpen(const char *, char *, size_t, const char *, char *, size_t);
PETSC_INTERN int   PdTmpFileCommit(FILE *, int, const char *, const char *, char *, size_t);
