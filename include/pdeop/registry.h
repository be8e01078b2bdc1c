/* A type registry on PetscFunctionList (src/sys/registry.c): the names in registration order, an
   optional usage line per type, and the "unknown type; choose one of: ..." error every class gives. */
#pragma once
#include <petscsys.h>

#define PD_REGISTRY_MAX 32

typedef struct {
  const char       *what; /* the kind of thing registered, as error messages name it: "model type" */
  PetscFunctionList list;
  PetscInt          n;
  const char       *names[PD_REGISTRY_MAX], *usages[PD_REGISTRY_MAX];
  char              namelist[256]; /* "a, b, c" */
  PetscBool         allcalled;     /* the class's RegisterAll ran */
} PdRegistry;

/* Statically initialise a registry of `what` ("model type", "problem", ...) */
/* clang-format off */
#define PD_REGISTRY_INITIALIZER(what) {(what), NULL, 0, {NULL}, {NULL}, "", PETSC_FALSE}
/* clang-format on */

PETSC_EXTERN PetscErrorCode PdRegistryAdd(PdRegistry *, const char[], const char[], PetscVoidFunction);
PETSC_EXTERN PetscErrorCode PdRegistryFind(PdRegistry *, MPI_Comm, const char[], PetscVoidFunction *);
PETSC_EXTERN PetscErrorCode PdRegistryChange(PdRegistry *, MPI_Comm, const char[], const char[], PetscVoidFunction *);
PETSC_EXTERN PetscErrorCode PdRegistryBeginAll(PdRegistry *, PetscBool *);
