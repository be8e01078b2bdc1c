/* Field output for every PDE problem, as the options ask: -o file.h5 (PETSc's HDF5 viewer),
   -vtk file.vts|.vtu (ParaView), -png file.png (heat maps of a 2D grid field and its error). */
#include <pdeop/output.h>
#include <petscviewerhdf5.h>
#include <petscdmda.h>
#include <pdeop/field.h>

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
  if (o->h5[0]) {
    PetscViewer v;
    PetscCall(PetscViewerHDF5Open(comm, o->h5, FILE_MODE_WRITE, &v));
    PetscCall(VecView(u, v));
    if (err) PetscCall(VecView(err, v));
    PetscCall(PetscViewerDestroy(&v));
    if (report) PetscCall(PdDictSetString(report, "output_h5", o->h5));
  }
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
    PetscCheck(isda, comm, PETSC_ERR_SUP, "-png draws fields on structured grids (DMDA); for meshes use -vtk and ParaView");
    PetscCall(DMDAGetInfo(dm, &dim, &M, &N, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    PetscCheck(dim == 2, comm, PETSC_ERR_SUP, "-png draws 2D fields; this grid is %" PetscInt_FMT "D (use -vtk)", dim);
    PetscCall(PdVecGatherNatural(dm, u, PETSC_FALSE, &fu));
    if (err) PetscCall(PdVecGatherNatural(dm, err, PETSC_FALSE, &fe));
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
