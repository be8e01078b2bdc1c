/* Private to src/io: the HDF5 pieces shared by datasets and fields (io.c) and checkpoints
   (checkpoint.c). */
#pragma once
#include <pdeop/io.h>
#include <hdf5.h>

/* Silence HDF5's own error stack while we probe; we report our own messages. */
#define H5QUIET_BEGIN \
  H5E_auto2_t h5func_; \
  void       *h5data_; \
  H5Eget_auto2(H5E_DEFAULT, &h5func_, &h5data_); \
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL)
#define H5QUIET_END H5Eset_auto2(H5E_DEFAULT, h5func_, h5data_)

/* attributes of an HDF5 object <-> a dictionary */
PETSC_INTERN PetscErrorCode WriteAttrs(hid_t, PdDict, const char *);
PETSC_INTERN PetscErrorCode ReadAttrs(hid_t, const char *, PdDict *);
/* open an existing HDF5 file read-only, with a clear error when it is missing or not HDF5 */
PETSC_INTERN PetscErrorCode OpenRead(MPI_Comm, const char[], hid_t *);
/* one float32 array of rank minrank..5, checked (type, declared size, checksum, finite values);
   NULL data when absent and not required */
PETSC_INTERN PetscErrorCode ReadFloat(MPI_Comm, hid_t, const char *, const char *, PetscBool, int, int *, PetscInt[], float **);
/* Chunks hold at most PD_H5_CHUNK_BYTES (HDF5 keeps two copies of a chunk while it writes it). A
   dimension of n entries of `bytes` each that does not fit is cut into equal pieces, since HDF5
   stores a partly filled edge chunk whole: the chunk's extent along it. */
#define PD_H5_CHUNK_BYTES ((hsize_t)1 << 24)
static inline hsize_t PdH5ChunkExtent(hsize_t n, hsize_t bytes)
{
  const hsize_t per = bytes < PD_H5_CHUNK_BYTES ? PD_H5_CHUNK_BYTES / bytes : 1, pieces = (n + per - 1) / per;
  return n ? (n + pieces - 1) / pieces : 1;
}
/* one float32 array, chunked with a Fletcher-32 checksum */
PETSC_INTERN PetscErrorCode WriteFloat(hid_t, const char *, int, const PetscInt[], const float *, const char *);
/* one float64 array, chunked with a Fletcher-32 checksum; "group/name" makes the group (checkpoint.c) */
PETSC_INTERN PetscErrorCode WriteDoubles(hid_t, const PdCheckpointArray *, const char *);
PETSC_INTERN PetscErrorCode PdDatasetCheckRange(MPI_Comm, const char[], PdDataset *);
/* run writer(f) on rank 0 into file.tmp, rename, and tell every rank whether it worked */
typedef PetscErrorCode (*Writer)(hid_t, const char *, void *);
PETSC_INTERN PetscErrorCode AtomicWrite(MPI_Comm, const char[], Writer, void *);
/* the layout rule N x C x (spatial...) and the attribute spatial_dims (layout.c) */
PETSC_INTERN PetscErrorCode ReadSpatialDims(MPI_Comm, hid_t, const char *, const char *, PetscBool *, PetscInt *);
PETSC_INTERN PetscErrorCode WriteSpatialDims(hid_t, const char *, int, const char *);
PETSC_INTERN PetscErrorCode CanonicalShape(MPI_Comm, const char *, const char *, PetscBool, PetscInt, int *, PetscInt[], char[], size_t);
PETSC_INTERN PetscErrorCode PrintLayoutNote(MPI_Comm, const char *, const char *, const char *);
