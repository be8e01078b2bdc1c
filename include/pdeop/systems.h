/* Linear systems stored in PETSc binary files (floor 4): a file holds one or more systems one after
   another, each a matrix optionally followed by its right-hand side, as MatView/VecView with a
   binary viewer (or -ksp_view_mat binary:f -ksp_view_rhs binary:f::append) write them. */
#pragma once
#include <petscksp.h>

/* Rank 0 checks the file (headers, sizes, indices, finite values) before PETSc reads it; max > 0
   checks only the first max systems and ignores what follows them, max = 0 checks every system and
   anything after the last one is an error. count systems found, hasrhs whether the first has a
   right-hand side. */
PETSC_EXTERN PetscErrorCode PdSystemFileCheck(MPI_Comm, const char[], PetscInt, PetscInt *, PetscBool *);

/* Append a system (A, then b unless NULL) to a PETSc binary file, creating it if needed. */
PETSC_EXTERN PetscErrorCode PdSystemFileAppend(const char[], Mat, Vec);

/* The systems of a list of files, numbered in file order; each is loaded on one rank on demand. */
typedef struct _n_PdSystemList *PdSystemList;
PETSC_EXTERN PetscErrorCode     PdSystemListCreate(MPI_Comm, PetscInt64, PdSystemList *);
PETSC_EXTERN PetscErrorCode     PdSystemListAddFiles(PdSystemList, PetscInt, char *const[]);
PETSC_EXTERN PetscErrorCode     PdSystemListGetSize(PdSystemList, PetscInt *);
PETSC_EXTERN PetscErrorCode     PdSystemListDescribe(PdSystemList, char[], size_t);
/* System s's matrix: a new SeqAIJ on PETSC_COMM_SELF */
PETSC_EXTERN PetscErrorCode PdSystemListLoad(PdSystemList, PetscInt, Mat *);
/* Right-hand side k of system s (A its matrix): k = 0 is the file's (b = 1 when none follows the
   matrix), odd k a smooth random vector (white noise after 8 damped Jacobi sweeps of A), even k > 0
   white noise; random ones from the stream (seed + k, 2 s + 1) as the built-in families draw. */
PETSC_EXTERN PetscErrorCode PdSystemListRHS(PdSystemList, PetscInt, PetscInt, Mat, Vec);
PETSC_EXTERN PetscErrorCode PdSystemListDestroy(PdSystemList *);
