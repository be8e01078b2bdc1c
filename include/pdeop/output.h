/* Field output shared by every PDE problem: HDF5 (PETSc's viewer), VTK for ParaView, and PNG heat
   maps (libpng) of the solution and, when an exact solution is known, of the error. */
#pragma once
#include <petscdm.h>
#include <pdeop/dict.h>

/* Heat maps of npanels arrays of nx x ny values (value[j*nx+i], j the y index, drawn with y up),
   side by side, each with its own colour scale (viridis), scaled up to at least ~256 pixels.
   Written by rank 0 of comm; the arrays must be complete on rank 0. */
PETSC_EXTERN PetscErrorCode PdPNGWriteHeatmaps(MPI_Comm, const char[], PetscInt, PetscInt, PetscInt, const double *const[]);

/* The output files the options name: read them before the solve (so the unused-option check
   sees them), write after it. */
typedef struct {
  char h5[PETSC_MAX_PATH_LEN], vtk[PETSC_MAX_PATH_LEN], png[PETSC_MAX_PATH_LEN];
} PdFieldOutput;
PETSC_EXTERN PetscErrorCode PdFieldOutputReadOptions(MPI_Comm, PdFieldOutput *);
PETSC_EXTERN PetscErrorCode PdFieldOutputWrite(const PdFieldOutput *, DM, Vec, Vec, PdDict);

/* Both at once. Write u (and the error field err, may be NULL) as the options ask:
   -o file.h5 (datasets named after the Vecs), -vtk file.vts|.vtu, -png file.png (2D only).
   Adds the file names to report. */
PETSC_EXTERN PetscErrorCode PdFieldOutputFromOptions(DM, Vec, Vec, PdDict);
