/* PETSc meshes for pdeop's problems: node-based structured grids on DMDA (boundary nodes included,
   the layout datasets use) and unstructured simplicial meshes on DMPlex (box or Gmsh file). */
#pragma once
#include <petscdmda.h>
#include <petscdmplex.h>

/* Node-based DMDA on [0,1]^dim with n nodes per side by default (spacing 1/(n-1)), one dof, star
   stencil of width 1, distributed over comm; -da_grid_x/-da_grid_y/-da_grid_z/-da_refine apply. */
PETSC_EXTERN PetscErrorCode PdMeshCreateDA(MPI_Comm, PetscInt, PetscInt, DM *);
/* DMPlex from -mesh file.msh (Gmsh) or a simplicial box (-dm_plex_box_faces, -dm_plex_dim ...),
   refined with -dm_refine, distributed over comm, with the label "boundary" on all boundary points. */
PETSC_EXTERN PetscErrorCode PdMeshCreatePlex(MPI_Comm, PetscInt, DM *);
/* The same with the built-in 2D box [lower, upper] instead of the unit square (the options
   -dm_plex_box_lower/-dm_plex_box_upper override both) */
PETSC_EXTERN PetscErrorCode PdMeshCreatePlexBox(MPI_Comm, PetscInt, const PetscReal[], const PetscReal[], DM *);
/* Global sizes of a DMDA grid */
PETSC_EXTERN PetscErrorCode PdMeshGetGridSize(DM, PetscInt *, PetscInt *, PetscInt *, PetscInt *);
