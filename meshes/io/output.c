/* Field output for every PDE problem, as the options ask: -o file.h5 (PETSc's HDF5 viewer),
   -vtk file.vts|.vtu (ParaView), -png file.png (heat maps of a 2D grid field and its error). */
#include <pdeop/output.h>
#include <petscviewerhdf5.h>
#include <petscdmda.h>
#include <pdeop/field.h>
#include <pdeop/io.h>
#include <petscdmplex.h>
#include <stdio.h>
#include <sys/stat.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* A field of a DMPlex as a local vector (get it with DMGetLocalVector's partner below): with
   insertbc, the Dirichlet values are inserted at constrained dofs; without, those dofs are 0 (an
   error field: the solution equals its boundary data there). */
static PetscErrorCode GetLocalField(DM dm, Vec u, PetscBool insertbc, Vec *ul)
{
  PetscFunctionBegin;
  PetscCall(DMGetLocalVector(dm, ul));
  PetscCall(VecZeroEntries(*ul));
  PetscCall(DMGlobalToLocal(dm, u, INSERT_VALUES, *ul));
  if (insertbc) PetscCall(DMPlexInsertBoundaryValues(dm, PETSC_TRUE, *ul, 0.0, NULL, NULL, NULL));
  PetscFunctionReturn(0);
}

/* A P1 field on a 2D simplicial DMPlex sampled on an nx x ny pixel grid over the mesh's bounding
   box (pixel centres, value[j*nx + i], j upward; NaN outside the mesh), on rank 0. Each rank
   rasterises its own triangles with barycentric interpolation; the images are summed. */
static PetscErrorCode RasterizePlex(DM dm, Vec u, PetscBool insertbc, PetscInt npx, PetscInt *nx, PetscInt *ny, double **img)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)dm);
  PetscReal   lo[3], hi[3], dx, dy;
  PetscInt    dim, cStart, cEnd, n;
  Vec         ul, coords;
  DM          cdm;
  double     *val, *cnt;
  PetscMPIInt rank;

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
  PetscCall(GetLocalField(dm, u, insertbc, &ul));
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

/* Before PETSc's HDF5 viewer writes through MPI-IO, rank 0 writes as many bytes as the file will
   need to tmp and syncs them: a disk without room then fails here, with one message, instead of in
   MPI-IO, where a failed write on more than one rank leaves the ranks waiting on each other. The
   viewer then truncates tmp and writes; a disk that fills up in between can still fail there. */
static PetscErrorCode ReserveSpace(MPI_Comm comm, const char tmp[], PetscInt nvec, const Vec vecs[], const PetscBool single[], int *ok, char why[], size_t len)
{
  PetscMPIInt rank;
  double      bytes = 65536; /* HDF5's own structures, generously */

  PetscFunctionBegin;
  for (PetscInt k = 0; k < nvec; k++) {
    PetscInt n;
    if (!vecs[k]) continue;
    PetscCall(VecGetSize(vecs[k], &n));
    bytes += (double)n * (single && single[k] ? 4 : 8) + 4096;
  }
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  *ok = 1;
  if (rank == 0) {
    static const char zeros[65536];
    FILE             *f = fopen(tmp, "w");
    int               e = f ? 0 : errno;
    for (double left = bytes; f && !e && left > 0; left -= sizeof(zeros))
      if (fwrite(zeros, 1, left < (double)sizeof(zeros) ? (size_t)left : sizeof(zeros), f) == 0) e = errno ? errno : EIO;
    if (f && !e && fflush(f)) e = errno;
    if (f && !e && fsync(fileno(f)) && errno != EINVAL && errno != EROFS) e = errno; /* /dev/null and friends cannot sync */
    if (f && fclose(f) && !e) e = errno;
    if (e) {
      *ok = 0;
      PetscCall(PetscSNPrintf(why, len, "%s", strerror(e)));
      remove(tmp);
    }
  }
  PetscCallMPI(MPI_Bcast(ok, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(why, (PetscMPIInt)len, MPI_CHAR, 0, comm));
  PetscFunctionReturn(0);
}

/*@
  PdViewerWriteVecs - write Vecs through a PETSc viewer into file.tmp and rename it over file only
  when every write worked: HDF5 (hdf5 true: datasets named after the Vecs, the layout VecLoad reads;
  single[k] writes vecs[k] in float32) or VTK (.vts, from the file's ending). NULL entries are
  skipped. A full disk leaves an existing file untouched and gives one message; after a failed HDF5
  write pdeop's main leaves without finalizing MPI, since HDF5 1.10 crashes closing that file.
@*/
PetscErrorCode PdViewerWriteVecs(MPI_Comm comm, PetscBool hdf5, const char file[], PetscInt nvec, const Vec vecs[], const PetscBool single[])
{
  char           tmp[PETSC_MAX_PATH_LEN + 8], why[256] = "";
  PetscViewer    v    = NULL;
  PetscErrorCode ierr = 0;
  int            ok;

  PetscFunctionBegin;
  PetscCall(PdFileTempName(file, (PetscBool)!hdf5, tmp, sizeof(tmp))); /* PETSc's VTK viewer takes the format from the ending: x.tmp.vts */
  if (hdf5) {
    PetscCall(ReserveSpace(comm, tmp, nvec, vecs, single, &ok, why, sizeof(why)));
    PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "Cannot write '%s' (through '%s'): %s; an existing '%s' is unchanged", file, tmp, why, file);
  }
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = hdf5 ? PetscViewerHDF5Open(comm, tmp, FILE_MODE_WRITE, &v) : PetscViewerVTKOpen(comm, tmp, FILE_MODE_WRITE, &v);
  for (PetscInt k = 0; k < nvec && !ierr; k++) {
    if (!vecs[k]) continue;
    if (hdf5) ierr = PetscViewerHDF5SetSPOutput(v, single ? single[k] : PETSC_FALSE);
    if (!ierr) ierr = VecView(vecs[k], v);
  }
  if (v && PetscViewerDestroy(&v)) ierr = PETSC_ERR_FILE_WRITE; /* the VTK viewer writes here */
  PetscCall(PetscPopErrorHandler());
  if (ierr && hdf5) PetscCall(PdH5SetWriteFailed());
  /* what the viewer wrote must be a non-empty regular file (PETSc's VTK viewer does not check fclose) */
  PetscCall(PdFileCommit(comm, tmp, file, hdf5 ? "HDF5" : "VTK", ierr ? "PETSc's viewer failed (is the disk full?)" : NULL));
  PetscFunctionReturn(0);
}

/* append printf-formatted text to a growing buffer */
typedef struct {
  char  *s;
  size_t len, cap;
} Text;

static PetscErrorCode Put(Text *t, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
static PetscErrorCode Put(Text *t, const char fmt[], ...)
{
  va_list ap;
  int     n;

  PetscFunctionBegin;
  for (;;) {
    va_start(ap, fmt);
    n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "Formatting VTK text failed");
    if (t->s && t->len + (size_t)n < t->cap) break;
    PetscCall(PetscRealloc(2 * (t->cap + (size_t)n + 4096), &t->s));
    t->cap = 2 * (t->cap + (size_t)n + 4096);
  }
  t->len += (size_t)n;
  PetscFunctionReturn(0);
}

/* this rank's cells and vertices (ghosts included) as one VTU <Piece>, ASCII */
static PetscErrorCode PlexPiece(DM dm, PetscInt nf, const Vec fields[], const PetscBool insertbc[], Text *t)
{
  PetscInt           cdim, vStart, vEnd, cStart, cEnd, nconn = 0, ncells = 0;
  PetscSection       cs, ls;
  Vec                coords;
  const PetscScalar *x;
  PetscMPIInt        rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PetscObjectComm((PetscObject)dm), &rank));
  PetscCall(DMGetCoordinateDim(dm, &cdim));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(DMGetCoordinatesLocal(dm, &coords));
  PetscCall(DMGetLocalSection(dm, &ls));
  PetscCall(Put(t, "    <Piece NumberOfPoints=\"%" PetscInt_FMT "\" NumberOfCells=\"%" PetscInt_FMT "\">\n      <Points>\n        <DataArray type=\"Float64\" NumberOfComponents=\"3\" format=\"ascii\">\n", vEnd - vStart, cEnd - cStart));
  PetscCall(VecGetArrayRead(coords, &x));
  for (PetscInt v = vStart; v < vEnd; v++) {
    PetscInt off;
    double   p[3] = {0, 0, 0};
    PetscCall(PetscSectionGetOffset(cs, v, &off));
    for (PetscInt d = 0; d < PetscMin(cdim, 3); d++) p[d] = PetscRealPart(x[off + d]);
    PetscCall(Put(t, "%.17g %.17g %.17g\n", p[0], p[1], p[2]));
  }
  PetscCall(VecRestoreArrayRead(coords, &x));
  PetscCall(Put(t, "        </DataArray>\n      </Points>\n      <Cells>\n        <DataArray type=\"Int32\" Name=\"connectivity\" format=\"ascii\">\n"));
  for (PetscInt c = cStart; c < cEnd; c++) {
    PetscInt      *closure = NULL, n, conn[8], nv = 0;
    DMPolytopeType ct;
    PetscCall(DMPlexGetTransitiveClosure(dm, c, PETSC_TRUE, &n, &closure));
    for (PetscInt k = 0; k < 2 * n; k += 2)
      if (closure[k] >= vStart && closure[k] < vEnd && nv < 8) conn[nv++] = closure[k] - vStart;
    PetscCall(DMPlexRestoreTransitiveClosure(dm, c, PETSC_TRUE, &n, &closure));
    PetscCall(DMPlexGetCellType(dm, c, &ct));
    PetscCall(DMPlexInvertCell(ct, conn)); /* PETSc's orientation to VTK's */
    for (PetscInt k = 0; k < nv; k++) PetscCall(Put(t, "%" PetscInt_FMT "%s", conn[k], k + 1 < nv ? " " : "\n"));
  }
  PetscCall(Put(t, "        </DataArray>\n        <DataArray type=\"Int32\" Name=\"offsets\" format=\"ascii\">\n"));
  for (PetscInt c = cStart; c < cEnd; c++) {
    DMPolytopeType ct;
    PetscCall(DMPlexGetCellType(dm, c, &ct));
    nconn += DMPolytopeTypeGetNumVertices(ct);
    PetscCall(Put(t, "%" PetscInt_FMT "\n", nconn));
  }
  PetscCall(Put(t, "        </DataArray>\n        <DataArray type=\"UInt8\" Name=\"types\" format=\"ascii\">\n"));
  for (PetscInt c = cStart; c < cEnd; c++, ncells++) {
    DMPolytopeType ct;
    int            vtk;
    PetscCall(DMPlexGetCellType(dm, c, &ct));
    switch (ct) {
    case DM_POLYTOPE_SEGMENT: vtk = 3; break;
    case DM_POLYTOPE_TRIANGLE: vtk = 5; break;
    case DM_POLYTOPE_QUADRILATERAL: vtk = 9; break;
    case DM_POLYTOPE_TETRAHEDRON: vtk = 10; break;
    case DM_POLYTOPE_HEXAHEDRON: vtk = 12; break;
    default: SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "-vtk: cells of type %s are not written; use segments, triangles, quadrilaterals, tetrahedra or hexahedra", DMPolytopeTypes[ct]);
    }
    PetscCall(Put(t, "%d\n", vtk));
  }
  PetscCall(Put(t, "        </DataArray>\n      </Cells>\n      <CellData>\n        <DataArray type=\"Int32\" Name=\"rank\" format=\"ascii\">\n"));
  for (PetscInt c = 0; c < ncells; c++) PetscCall(Put(t, "%d\n", (int)rank));
  PetscCall(Put(t, "        </DataArray>\n      </CellData>\n      <PointData>\n"));
  for (PetscInt f = 0; f < nf; f++) {
    Vec                ul;
    const PetscScalar *a;
    const char        *name;
    PetscCall(PetscObjectGetName((PetscObject)fields[f], &name));
    PetscCall(GetLocalField(dm, fields[f], insertbc[f], &ul));
    PetscCall(Put(t, "        <DataArray type=\"Float64\" Name=\"%s\" format=\"ascii\">\n", name));
    PetscCall(VecGetArrayRead(ul, &a));
    for (PetscInt v = vStart; v < vEnd; v++) {
      PetscInt off, dof;
      PetscCall(PetscSectionGetDof(ls, v, &dof));
      PetscCall(PetscSectionGetOffset(ls, v, &off));
      PetscCall(Put(t, "%.17g\n", dof > 0 ? (double)PetscRealPart(a[off]) : 0.0));
    }
    PetscCall(VecRestoreArrayRead(ul, &a));
    PetscCall(DMRestoreLocalVector(dm, &ul));
    PetscCall(Put(t, "        </DataArray>\n"));
  }
  PetscCall(Put(t, "      </PointData>\n    </Piece>\n"));
  PetscFunctionReturn(0);
}

/* the .vtu file around the ranks' pieces (rank 0 holds them all) */
typedef struct {
  const char *text;
  size_t      len;
} VTUText;

static PetscErrorCode FillVTU(FILE *f, void *ctx)
{
  const VTUText *v = (const VTUText *)ctx;

  PetscFunctionBegin;
  fprintf(f, "<?xml version=\"1.0\"?>\n<VTKFile type=\"UnstructuredGrid\" version=\"0.1\" byte_order=\"LittleEndian\">\n  <UnstructuredGrid>\n");
  if (v->len) (void)fwrite(v->text, 1, v->len, f); /* a short write shows in the stream's error flag, which the commit checks */
  fprintf(f, "  </UnstructuredGrid>\n</VTKFile>\n");
  PetscFunctionReturn(0);
}

/*@
  PdPlexWriteVTU - write P1 (vertex) fields of a DMPlex as a VTK unstructured grid (.vtu, ASCII), one
  piece per rank, each array named after its Vec ("u", "error", ...). insertbc[f]: insert the
  Dirichlet values into field f (a solution); otherwise its constrained dofs are written as 0 (an
  error against the exact solution, which the boundary data equal). Written whole or not at all
  (PdFileWrite).
@*/
PetscErrorCode PdPlexWriteVTU(DM dm, const char file[], PetscInt nf, const Vec fields[], const PetscBool insertbc[])
{
  MPI_Comm       comm = PetscObjectComm((PetscObject)dm);
  Text           t    = {NULL, 0, 0};
  PetscMPIInt    rank, size, len, *lens = NULL, *displs = NULL;
  char          *all = NULL;
  VTUText        vtu;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PlexPiece(dm, nf, fields, insertbc, &t));
  PetscCheck(t.len < (size_t)PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP, "-vtk: a piece of %zu bytes is too large for this ASCII writer", t.len);
  len = (PetscMPIInt)t.len;
  if (rank == 0) PetscCall(PetscMalloc2(size, &lens, size, &displs));
  PetscCallMPI(MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, comm));
  if (rank == 0) {
    size_t total = 0;
    for (PetscMPIInt r = 0; r < size; r++) displs[r] = (PetscMPIInt)total, total += (size_t)lens[r];
    PetscCheck(total < (size_t)PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP, "-vtk: %zu bytes are too many for this ASCII writer", total);
    PetscCall(PetscMalloc1(total + 1, &all));
  }
  PetscCallMPI(MPI_Gatherv(t.s, len, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, comm));
  PetscCall(PetscFree(t.s));
  vtu.text = all;
  vtu.len  = rank == 0 ? (size_t)displs[size - 1] + (size_t)lens[size - 1] : 0;
  ierr     = PdFileWrite(comm, file, "-vtk", FillVTU, &vtu);
  PetscCall(PetscFree(all));
  PetscCall(PetscFree2(lens, displs));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@ PdFieldOutputReadOptions - the files -o, -vtk, -png name, under an options prefix (may be NULL;
  empty names when not given) @*/
PetscErrorCode PdFieldOutputReadOptions(MPI_Comm comm, const char prefix[], PdFieldOutput *o)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  PetscOptionsBegin(comm, prefix, "Field output", "PdFieldOutputFromOptions");
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
    const Vec       vecs[3]   = {u, err, o->extra};
    const PetscBool single[3] = {PETSC_FALSE, PETSC_FALSE, PETSC_TRUE};
    PetscCall(PdViewerWriteVecs(comm, PETSC_TRUE, o->h5, 3, vecs, single));
    if (report) PetscCall(PdDictSetString(report, "output_h5", o->h5));
  }
  if (o->vtk[0] && isda) {
    const Vec vecs[2] = {u, err};
    PetscCall(PdViewerWriteVecs(comm, PETSC_FALSE, o->vtk, 2, vecs, NULL));
  } else if (o->vtk[0]) { /* a mesh: the solution with its boundary values, the error 0 on them */
    const Vec       f[2]  = {u, err};
    const PetscBool bc[2] = {PETSC_TRUE, PETSC_FALSE};
    PetscCall(PdPlexWriteVTU(dm, o->vtk, err ? 2 : 1, f, bc));
  }
  if (o->vtk[0]) {
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
      const char   *uname, *ename = NULL, *labels[2];
      char          title[160];
      PetscCall(PetscObjectGetName((PetscObject)u, &uname));
      if (err) PetscCall(PetscObjectGetName((PetscObject)err, &ename));
      labels[0] = uname;
      labels[1] = ename;
      if (isda) PetscCall(PetscSNPrintf(title, sizeof(title), "%s%s%s on the %" PetscInt_FMT " x %" PetscInt_FMT " grid", uname, err ? " and " : "", err ? ename : "", M, N));
      else PetscCall(PetscSNPrintf(title, sizeof(title), "%s%s%s on the mesh (P1)", uname, err ? " and " : "", err ? ename : ""));
      PetscCall(PdPNGWriteFields(comm, o->png, title, err ? 2 : 1, labels, M, N, f));
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
  PetscCall(PdFieldOutputReadOptions(PetscObjectComm((PetscObject)dm), NULL, &o));
  PetscCall(PdFieldOutputWrite(&o, dm, u, err, report));
  PetscFunctionReturn(0);
}
