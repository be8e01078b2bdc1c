/* Unstructured simplicial meshes on PETSc's DMPlex: a box from options or a Gmsh file (-mesh),
   uniformly refined and distributed, with every boundary point labelled "boundary". */
#include <pdeop/mesh.h>
#include <pdeop/io.h>

/*@
  PdMeshCreatePlex - a distributed simplicial DMPlex (the box is the unit square)

  Input: comm, dim (for the box; a Gmsh file brings its own)
  Options: -mesh file.msh, -dm_plex_box_faces, -dm_plex_box_lower, -dm_plex_box_upper, -dm_refine,
  and every DMPlex option
@*/
PetscErrorCode PdMeshCreatePlex(MPI_Comm comm, PetscInt dim, DM *dm)
{
  const PetscReal lower[2] = {0, 0}, upper[2] = {1, 1};

  PetscFunctionBegin;
  PetscCall(PdMeshCreatePlexBox(comm, dim, lower, upper, dm));
  PetscFunctionReturn(0);
}

/*@
  PdMeshCreatePlexBox - PdMeshCreatePlex whose built-in box defaults to [lower, upper] (2D);
  -dm_plex_box_lower and -dm_plex_box_upper still override it
@*/
PetscErrorCode PdMeshCreatePlexBox(MPI_Comm comm, PetscInt dim, const PetscReal lower[], const PetscReal upper[], DM *dm)
{
  char      file[PETSC_MAX_PATH_LEN] = "";
  PetscBool flg;
  DMLabel   label;
  PetscInt  faces[3] = {4, 4, 4}, nf = 3, nlo = 2, nup = 2;
  PetscReal lo[2] = {lower[0], lower[1]}, up[2] = {upper[0], upper[1]};

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "Simplicial mesh (DMPlex)", "PdMeshCreatePlex");
  PetscCall(PetscOptionsString("-mesh", "Gmsh mesh file (default: the built-in 2D box)", "PdMeshCreatePlex", file, file, sizeof(file), &flg));
  PetscCall(PetscOptionsIntArray("-dm_plex_box_faces", "The built-in box's cells per side, nx,ny (each square cut into 2 triangles)", "PdMeshCreatePlex", faces, &nf, NULL));
  PetscCall(PetscOptionsRealArray("-dm_plex_box_lower", "The built-in box's lower corner", "PdMeshCreatePlex", lo, &nlo, NULL));
  PetscCall(PetscOptionsRealArray("-dm_plex_box_upper", "The built-in box's upper corner", "PdMeshCreatePlex", up, &nup, NULL));
  PetscOptionsEnd();
  if (flg) {
    PetscCall(PdFileCheckInput(comm, file, "-mesh"));
    PetscCall(DMPlexCreateFromFile(comm, file, "pdeop", PETSC_TRUE, dm));
  } else {
    /* the box [lower, upper] cut into 2 nx ny right triangles. (PETSc's own simplicial box needs the Triangle
       generator, which Debian's PETSc is built without.) */
    PetscInt    nx, ny, nv, nc;
    PetscInt   *cells  = NULL;
    PetscReal  *coords = NULL;
    PetscMPIInt rank;
    PetscCheck(dim == 2, comm, PETSC_ERR_SUP, "The built-in simplicial box is 2D; for 3D give a Gmsh mesh with -mesh file.msh");
    PetscCheck(up[0] > lo[0] && up[1] > lo[1], comm, PETSC_ERR_ARG_OUTOFRANGE, "-dm_plex_box_upper (%g, %g) must exceed -dm_plex_box_lower (%g, %g)", (double)up[0], (double)up[1], (double)lo[0], (double)lo[1]);
    nx = faces[0];
    ny = nf > 1 ? faces[1] : faces[0];
    PetscCheck(nx >= 1 && ny >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dm_plex_box_faces needs positive counts");
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    nv = rank ? 0 : (nx + 1) * (ny + 1);
    nc = rank ? 0 : 2 * nx * ny;
    PetscCall(PetscMalloc2(3 * PetscMax(nc, 1), &cells, 2 * PetscMax(nv, 1), &coords));
    for (PetscInt j = 0; j <= ny && !rank; j++)
      for (PetscInt i = 0; i <= nx; i++) {
        coords[2 * (j * (nx + 1) + i)]     = lo[0] + (up[0] - lo[0]) * i / nx;
        coords[2 * (j * (nx + 1) + i) + 1] = lo[1] + (up[1] - lo[1]) * j / ny;
      }
    for (PetscInt j = 0, c = 0; j < ny && !rank; j++)
      for (PetscInt i = 0; i < nx; i++) {
        PetscInt v00 = j * (nx + 1) + i, v10 = v00 + 1, v01 = v00 + nx + 1, v11 = v01 + 1;
        cells[3 * c] = v00, cells[3 * c + 1] = v10, cells[3 * c + 2] = v11, c++;
        cells[3 * c] = v00, cells[3 * c + 1] = v11, cells[3 * c + 2] = v01, c++;
      }
    PetscCall(DMPlexCreateFromCellListPetsc(comm, 2, nc, nv, 3, PETSC_TRUE, cells, 2, coords, dm));
    PetscCall(PetscFree2(cells, coords));
  }
  PetscCall(PetscObjectSetName((PetscObject)*dm, "mesh"));
  /* every boundary point, for essential conditions; marked while the mesh is whole (on a distributed
     mesh, faces between ranks would look like boundary), then carried through refinement and
     distribution with the mesh */
  PetscCall(DMCreateLabel(*dm, "boundary"));
  PetscCall(DMGetLabel(*dm, "boundary", &label));
  PetscCall(DMPlexMarkBoundaryFaces(*dm, 1, label));
  PetscCall(DMPlexLabelComplete(*dm, label));
  PetscCall(DMSetFromOptions(*dm)); /* -dm_refine and the other DMPlex options */
  {
    PetscMPIInt size;
    PetscBool   dist;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCall(DMPlexIsDistributed(*dm, &dist));
    if (size > 1 && !dist) {
      DM pdm = NULL;
      PetscCall(DMPlexDistribute(*dm, 0, NULL, &pdm));
      if (pdm) {
        PetscCall(DMDestroy(dm));
        *dm = pdm;
      }
    }
  }
  PetscCall(DMViewFromOptions(*dm, NULL, "-dm_view"));
  PetscFunctionReturn(0);
}
