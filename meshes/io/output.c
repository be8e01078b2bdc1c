/* Field output for every PDE problem, as the options ask: -o file.h5 (PETSc's HDF5 viewer),
   -vtk file.vts|.vtu (ParaView), -png file.png (heat maps of a 2D grid field and its error). */
#include <pdeop/output.h>
#include <petscviewerhdf5.h>
#include <petscdmda.h>
#include <pdeop/field.h>
#include <pdeop/io.h>
#include <petscdmplex.h>

/* A P1 field on a 2D simplicial DMPlex sampled on an nx x ny pixel grid over the mesh's bounding
   box (pixel centres, value[j*nx + i], j upward; NaN outside the mesh), on rank 0. Each rank
   rasterises its own triangles with barycentric interpolation; the images are summed. */
static PetscErrorCode RasterizePlex(DM dm, Vec u, PetscBool insertbc, PetscInt npx, PetscInt *nx, PetscInt *ny, double **img)
{
  MPI_Comm     comm = PetscObjectComm((PetscObject)dm);
  PetscReal    lo[3], hi[3], dx, dy;
  PetscInt     dim, cStart, cEnd, n;
  Vec          ul, coords;
  DM           cdm;
  double      *val, *cnt;
  PetscMPIInt  rank;

  PetscFunctionBegin;
  PetscCall(DMGetDimension(dm, &dim));
  PetscCheck(dim == 2, comm, PETSC_ERR_SUP, "-png draws 2D meshes; this one is %" PetscInt_FMT "D (use -vtk)", dim);
  PetscCall(DMGetBoundingBox(dm, lo, hi));
  *nx = npx;
  *ny = PetscMax(1, (PetscInt)(npx * (hi[1] - lo[1]) / (hi[0] - lo[0]) + 0.5));
  n   = *nx * *ny;
  dx  = (hi[0] - lo[0]) / *nx;
  dy  = (hi[1] - lo[1]) / *ny;
  PetscCall(PetscCalloc1(n, &val));
  PetscCall(PetscCalloc1(n, &cnt));
  PetscCall(DMGetLocalVector(dm, &ul));
  PetscCall(VecZeroEntries(ul)); /* constrained (Dirichlet) entries: 0 unless the conditions are inserted */
  PetscCall(DMGlobalToLocal(dm, u, INSERT_VALUES, ul));
  if (insertbc) PetscCall(DMPlexInsertBoundaryValues(dm, PETSC_TRUE, ul, 0.0, NULL, NULL, NULL));
  PetscCall(DMGetCoordinatesLocal(dm, &coords));
  PetscCall(DMGetCoordinateDM(dm, &cdm));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  for (PetscInt c = cStart; c < cEnd; c++) {
    PetscScalar *xc = NULL, *uc = NULL;
    PetscInt     nxc, nuc;
    PetscCall(DMPlexVecGetClosure(cdm, NULL, coords, c, &nxc, &xc));
    PetscCall(DMPlexVecGetClosure(dm, NULL, ul, c, &nuc, &uc));
    if (nxc == 6 && nuc == 3) { /* a triangle with P1 values at its vertices, in the same closure order */
      PetscReal x0 = PetscRealPart(xc[0]), y0 = PetscRealPart(xc[1]), x1 = PetscRealPart(xc[2]), y1 = PetscRealPart(xc[3]), x2 = PetscRealPart(xc[4]), y2 = PetscRealPart(xc[5]);
      PetscReal det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
      PetscInt  i0 = (PetscInt)PetscFloorReal((PetscMin(x0, PetscMin(x1, x2)) - lo[0]) / dx), i1 = (PetscInt)PetscCeilReal((PetscMax(x0, PetscMax(x1, x2)) - lo[0]) / dx);
      PetscInt  j0 = (PetscInt)PetscFloorReal((PetscMin(y0, PetscMin(y1, y2)) - lo[1]) / dy), j1 = (PetscInt)PetscCeilReal((PetscMax(y0, PetscMax(y1, y2)) - lo[1]) / dy);
      for (PetscInt j = PetscMax(j0, 0); j < PetscMin(j1 + 1, *ny); j++)
        for (PetscInt i = PetscMax(i0, 0); i < PetscMin(i1 + 1, *nx); i++) {
          PetscReal px = lo[0] + (i + 0.5) * dx, py = lo[1] + (j + 0.5) * dy;
          PetscReal l0 = ((y1 - y2) * (px - x2) + (x2 - x1) * (py - y2)) / det, l1 = ((y2 - y0) * (px - x2) + (x0 - x2) * (py - y2)) / det, l2 = 1 - l0 - l1;
          if (l0 < -1e-12 || l1 < -1e-12 || l2 < -1e-12 || cnt[j * *nx + i] > 0) continue;
          val[j * *nx + i] = l0 * PetscRealPart(uc[0]) + l1 * PetscRealPart(uc[1]) + l2 * PetscRealPart(uc[2]);
          cnt[j * *nx + i] = 1;
        }
    }
    PetscCall(DMPlexVecRestoreClosure(dm, NULL, ul, c, &nuc, &uc));
    PetscCall(DMPlexVecRestoreClosure(cdm, NULL, coords, c, &nxc, &xc));
  }
  PetscCall(DMRestoreLocalVector(dm, &ul));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, val, (PetscMPIInt)n, MPI_DOUBLE, MPI_SUM, comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, cnt, (PetscMPIInt)n, MPI_DOUBLE, MPI_SUM, comm));
  for (PetscInt k = 0; k < n; k++) val[k] = cnt[k] > 0 ? val[k] / cnt[k] : NAN; /* shared edges count twice */
  PetscCall(PetscFree(cnt));
  *img = val;
  PetscFunctionReturn(0);
}

/* u (and err) through PETSc's HDF5 viewer (the layout VecLoad reads) into file.tmp, renamed over
   file only when every write worked: a full disk leaves an existing file untouched and gives one
   message (the engine closes what HDF5 still holds open before MPI ends). */
static PetscErrorCode WriteH5(MPI_Comm comm, const char file[], Vec u, Vec err, PdDict report)
{
  char           tmp[PETSC_MAX_PATH_LEN + 8];
  PetscViewer    v = NULL;
  PetscErrorCode ierr;
  PetscMPIInt    rank;
  int            ok;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", file));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = PetscViewerHDF5Open(comm, tmp, FILE_MODE_WRITE, &v);
  if (!ierr) ierr = VecView(u, v);
  if (!ierr && err) ierr = VecView(err, v);
  if (v && PetscViewerDestroy(&v)) ierr = PETSC_ERR_FILE_WRITE;
  PetscCall(PetscPopErrorHandler());
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  ok = !ierr;
  if (ierr) PetscCall(PdH5SetWriteFailed());
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm));
  if (rank == 0 && ok && rename(tmp, file)) ok = 0;
  if (rank == 0 && !ok) remove(tmp);
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "Cannot write '%s' (through '%s'): is the disk full?; an existing '%s' is unchanged", file, tmp, file);
  if (report) PetscCall(PdDictSetString(report, "output_h5", file));
  PetscFunctionReturn(0);
}

/*@ PdFieldOutputReadOptions - the files -o, -vtk, -png name (empty when not given) @*/
PetscErrorCode PdFieldOutputReadOptions(MPI_Comm comm, PdFieldOutput *o)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  PetscOptionsBegin(comm, NULL, "Field output", "PdFieldOutputFromOptions");
  PetscCall(PetscOptionsString("-o", "HDF5 file for the solution (and error)", "", o->h5, o->h5, sizeof(o->h5), NULL));
  PetscCall(PetscOptionsString("-vtk", "VTK file for ParaView (.vts for grids, .vtu for meshes)", "", o->vtk, o->vtk, sizeof(o->vtk), NULL));
  PetscCall(PetscOptionsString("-png", "PNG heat map of the solution (and error), 2D grids", "", o->png, o->png, sizeof(o->png), NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/*@ PdFieldOutputWrite - write u (and err, may be NULL) to the files in o @*/
PetscErrorCode PdFieldOutputWrite(const PdFieldOutput *o, DM dm, Vec u, Vec err, PdDict report)
{
  PetscBool isda;
  MPI_Comm  comm = PetscObjectComm((PetscObject)dm);

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)dm, DMDA, &isda));
  if (o->h5[0]) PetscCall(WriteH5(comm, o->h5, u, err, report));
  if (o->vtk[0]) {
    PetscViewer v;
    PetscCall(PetscViewerVTKOpen(comm, o->vtk, FILE_MODE_WRITE, &v));
    PetscCall(VecView(u, v));
    if (err) PetscCall(VecView(err, v));
    PetscCall(PetscViewerDestroy(&v));
    if (report) PetscCall(PdDictSetString(report, "output_vtk", o->vtk));
  }
  if (o->png[0]) {
    PetscInt dim, M, N;
    double  *fu = NULL, *fe = NULL;
    if (isda) {
      PetscCall(DMDAGetInfo(dm, &dim, &M, &N, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
      PetscCheck(dim == 2, comm, PETSC_ERR_SUP, "-png draws 2D fields; this grid is %" PetscInt_FMT "D (use -vtk)", dim);
      PetscCall(PdVecGatherNatural(dm, u, PETSC_FALSE, &fu));
      if (err) PetscCall(PdVecGatherNatural(dm, err, PETSC_FALSE, &fe));
    } else { /* a P1 field on a 2D mesh: rasterised at 256 pixels across */
      PetscCall(RasterizePlex(dm, u, PETSC_TRUE, 256, &M, &N, &fu));
      if (err) PetscCall(RasterizePlex(dm, err, PETSC_FALSE, 256, &M, &N, &fe)); /* the error is 0 on Dirichlet nodes */
    }
    {
      const double *f[2] = {fu, fe};
      PetscCall(PdPNGWriteHeatmaps(comm, o->png, err ? 2 : 1, M, N, f));
    }
    PetscCall(PetscFree(fu));
    PetscCall(PetscFree(fe));
    if (report) PetscCall(PdDictSetString(report, "output_png", o->png));
  }
  PetscFunctionReturn(0);
}

/*@ PdFieldOutputFromOptions - read the output options and write u (and err) @*/
PetscErrorCode PdFieldOutputFromOptions(DM dm, Vec u, Vec err, PdDict report)
{
  PdFieldOutput o;

  PetscFunctionBegin;
  PetscCall(PdFieldOutputReadOptions(PetscObjectComm((PetscObject)dm), &o));
  PetscCall(PdFieldOutputWrite(&o, dm, u, err, report));
  PetscFunctionReturn(0);
}
