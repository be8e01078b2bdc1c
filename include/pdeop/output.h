/* Field output on PETSc meshes (meshes/io/output.c), shared by every PDE problem: HDF5 (PETSc's
   viewer), VTK for ParaView, and PNG heat maps of the solution and, when an exact solution is known,
   of the error. */
#pragma once
#include <petscdm.h>
#include <pdeop/dict.h>
#include <pdeop/plot.h>

/* The output files the options name: read them before the solve (so the unused-option check
   sees them), write after it. */
typedef struct {
  char h5[PETSC_MAX_PATH_LEN], vtk[PETSC_MAX_PATH_LEN], png[PETSC_MAX_PATH_LEN];
  Vec  extra; /* optional: one more field for -o only, in float32 (Darcy's coefficient); not owned */
} PdFieldOutput;
PETSC_EXTERN PetscErrorCode PdFieldOutputReadOptions(MPI_Comm, const char[], PdFieldOutput *);
PETSC_EXTERN PetscErrorCode PdFieldOutputWrite(const PdFieldOutput *, DM, Vec, Vec, PdDict);
/* Vecs through PETSc's HDF5 (float32 where single[k]) or VTK viewer into file.tmp, renamed over file
   only when all went well (NULL Vecs skipped, single may be NULL) */
PETSC_EXTERN PetscErrorCode PdViewerWriteVecs(MPI_Comm, PetscBool, const char[], PetscInt, const Vec[], const PetscBool[]);

/* P1 (vertex) fields of a DMPlex as a .vtu (ASCII, one piece per rank), arrays named after the Vecs;
   insertbc[f]: insert the Dirichlet values into field f (else its constrained dofs are 0) */
PETSC_EXTERN PetscErrorCode PdPlexWriteVTU(DM, const char[], PetscInt, const Vec[], const PetscBool[]);

/* Both at once. Write u (and the error field err, may be NULL) as the options ask:
   -o file.h5 (datasets named after the Vecs), -vtk file.vts|.vtu, -png file.png (2D only).
   Adds the file names to report. */
PETSC_EXTERN PetscErrorCode PdFieldOutputFromOptions(DM, Vec, Vec, PdDict);
