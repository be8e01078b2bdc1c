/* An ordered list of named values (string, integer, real, boolean): model hyperparameters,
   dataset attributes and -report JSON objects all use it. */
#pragma once
#include <petscsys.h>

typedef enum { PD_DICT_STRING,
               PD_DICT_INT,
               PD_DICT_REAL,
               PD_DICT_BOOL } PdDictType;
typedef struct _n_PdDict *PdDict;

PETSC_EXTERN PetscErrorCode PdDictCreate(PdDict *);
PETSC_EXTERN PetscErrorCode PdDictDestroy(PdDict *);
PETSC_EXTERN PetscErrorCode PdDictSetString(PdDict, const char[], const char[]);
PETSC_EXTERN PetscErrorCode PdDictSetInt(PdDict, const char[], PetscInt64);
PETSC_EXTERN PetscErrorCode PdDictSetReal(PdDict, const char[], double);
PETSC_EXTERN PetscErrorCode PdDictSetBool(PdDict, const char[], PetscBool);
PETSC_EXTERN PetscErrorCode PdDictHas(PdDict, const char[], PetscBool *);
PETSC_EXTERN PetscErrorCode PdDictGetString(PdDict, const char[], const char **);
PETSC_EXTERN PetscErrorCode PdDictGetInt(PdDict, const char[], PetscInt64 *);
PETSC_EXTERN PetscErrorCode PdDictGetReal(PdDict, const char[], double *);
PETSC_EXTERN PetscErrorCode PdDictGetBool(PdDict, const char[], PetscBool *);
PETSC_EXTERN PetscErrorCode PdDictGetSize(PdDict, PetscInt *);
PETSC_EXTERN PetscErrorCode PdDictGetEntry(PdDict, PetscInt, const char **, PdDictType *);
/* Flat JSON object, written on rank 0 to a temporary name and renamed. */
PETSC_EXTERN PetscErrorCode PdDictWriteJSON(PdDict, MPI_Comm, const char[]);
