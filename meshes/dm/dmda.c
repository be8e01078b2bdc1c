/* Structured node-based grids on PETSc's DMDA: the grids of the finite-difference problems and of
   the datasets (boundary nodes included). */
#include <pdeop/mesh.h>

/*@
  PdMeshCreateDA - a node-based DMDA on the unit square or cube

  Input: comm, dim (1, 2, 3), n (default nodes per side; -da_grid_x sets all sides, -da_grid_y/z one)
  Output: dm, set up, with uniform coordinates on [0,1]^dim
@*/
PetscErrorCode PdMeshCreateDA(MPI_Comm comm, PetscInt dim, PetscInt n, DM *dm)
{
  PetscFunctionBegin;
  PetscCheck(dim >= 1 && dim <= 3, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dim must be 1, 2 or 3, got %" PetscInt_FMT, dim);
  /* -da_grid_x alone sets every side (the problems live on the unit square/cube, equal spacing) */
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-da_grid_x", &n, NULL));
  PetscCheck(n >= 3, comm, PETSC_ERR_ARG_OUTOFRANGE, "A grid needs at least 3 nodes per side, got %" PetscInt_FMT, n);
  switch (dim) {
  case 1:
    PetscCall(DMDACreate1d(comm, DM_BOUNDARY_NONE, n, 1, 1, NULL, dm));
    break;
  case 2:
    PetscCall(DMDACreate2d(comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n, n, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, dm));
    break;
  default:
    PetscCall(DMDACreate3d(comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n, n, n, PETSC_DECIDE, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, NULL, dm));
  }
  PetscCall(DMSetFromOptions(*dm));
  PetscCall(DMSetUp(*dm));
  {
    PetscInt M, N, P;
    PetscCall(DMDAGetInfo(*dm, NULL, &M, &N, &P, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    PetscCheck(M >= 3 && (dim < 2 || N >= 3) && (dim < 3 || P >= 3), comm, PETSC_ERR_ARG_OUTOFRANGE, "A grid needs at least 3 nodes per side");
  }
  PetscCall(DMDASetUniformCoordinates(*dm, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0));
  PetscFunctionReturn(0);
}

/*@ PdMeshGetGridSize - dimension and global node counts of a DMDA (unused ones are 1) @*/
PetscErrorCode PdMeshGetGridSize(DM dm, PetscInt *dim, PetscInt *M, PetscInt *N, PetscInt *P)
{
  PetscInt d, m, n, p;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(dm, &d, &m, &n, &p, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  if (dim) *dim = d;
  if (M) *M = m;
  if (N) *N = d > 1 ? n : 1;
  if (P) *P = d > 2 ? p : 1;
  PetscFunctionReturn(0);
}
