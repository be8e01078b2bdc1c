/* The dataset layout rule: /inputs and /outputs are N x C x (spatial...), and each carries the
   attribute spatial_dims; how a file's shape is read (with the attribute, or by the rule without it);
   and the range of a dataset's values. */
#include <pdeop/io.h>
#include <pdeop/progress.h>
#include "h5impl.h"

/* The attribute spatial_dims of dataset `name`, if it has one (an integer in 0..3). */
PetscErrorCode ReadSpatialDims(MPI_Comm comm, hid_t f, const char *file, const char *name, PetscBool *has, PetscInt *sdim)
{
  hid_t     a, t;
  long long v = -1;
  herr_t    e = -1;
  htri_t    ex;

  PetscFunctionBegin;
  *has  = PETSC_FALSE;
  *sdim = -1;
  {
    H5QUIET_BEGIN;
    ex = H5Aexists_by_name(f, name, "spatial_dims", H5P_DEFAULT);
    H5QUIET_END;
  }
  if (ex <= 0) PetscFunctionReturn(0);
  a = H5Aopen_by_name(f, name, "spatial_dims", H5P_DEFAULT, H5P_DEFAULT);
  if (a >= 0) {
    hid_t sp = H5Aget_space(a);
    t        = H5Aget_type(a);
    if (H5Tget_class(t) == H5T_INTEGER && H5Sget_simple_extent_npoints(sp) == 1) e = H5Aread(a, H5T_NATIVE_LLONG, &v);
    H5Tclose(t);
    H5Sclose(sp);
    H5Aclose(a);
  }
  PetscCheck(e >= 0 && v >= 0 && v <= 3, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': the attribute spatial_dims of %s must be one integer from 0 to 3 (the number of spatial dimensions after N and C)", file, name);
  *has  = PETSC_TRUE;
  *sdim = (PetscInt)v;
  PetscFunctionReturn(0);
}

/* Mark dataset `name` (already written) as N x C x (ndim - 2 spatial dimensions). */
PetscErrorCode WriteSpatialDims(hid_t f, const char *name, int ndim, const char *file)
{
  hid_t     ds, sp, a = -1;
  long long v = ndim - 2;
  herr_t    e = -1;

  PetscFunctionBegin;
  ds = H5Dopen2(f, name, H5P_DEFAULT);
  if (ds >= 0) {
    sp = H5Screate(H5S_SCALAR);
    a  = H5Acreate2(ds, "spatial_dims", H5T_NATIVE_LLONG, sp, H5P_DEFAULT, H5P_DEFAULT);
    e  = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_LLONG, &v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Dclose(ds);
  }
  PetscCheck(e >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write the attribute spatial_dims of %s to '%s'", name, file);
  PetscFunctionReturn(0);
}

/*@
  PdSampleDescribe - words for a sample shape [C, spatial...] of nd dimensions: "1D fields with 64
  channels", or "vectors of 100 values" when nd is 1 (no spatial dimension)
@*/
PetscErrorCode PdSampleDescribe(int nd, const PetscInt shape[], char buf[], size_t len)
{
  PetscFunctionBegin;
  if (nd <= 1) PetscCall(PetscSNPrintf(buf, len, "vectors of %" PetscInt_FMT " values", nd ? shape[0] : 1));
  else PetscCall(PetscSNPrintf(buf, len, "%dD fields with %" PetscInt_FMT " channel%s", nd - 1, shape[0], shape[0] == 1 ? "" : "s"));
  PetscFunctionReturn(0);
}

/* "[N=100, C=64, W=64] as 1D fields with 64 channels" */
static PetscErrorCode DescribeShape(int nd, const PetscInt shape[], char buf[], size_t len)
{
  static const char *names[4][3] = {{""}, {"W"}, {"H", "W"}, {"D", "H", "W"}};
  const int          sd          = nd - 2;
  size_t             n;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "[N=%" PetscInt_FMT ", C=%" PetscInt_FMT, shape[0], shape[1]));
  for (int d = 0; d < sd; d++) {
    PetscCall(PetscStrlen(buf, &n));
    PetscCall(PetscSNPrintf(buf + n, len - n, ", %s=%" PetscInt_FMT, names[sd][d], shape[2 + d]));
  }
  PetscCall(PetscStrlen(buf, &n));
  PetscCall(PetscSNPrintf(buf + n, len - n, "] as "));
  PetscCall(PetscStrlen(buf, &n));
  PetscCall(PdSampleDescribe(nd - 1, shape + 1, buf + n, len - n));
  PetscFunctionReturn(0);
}

/*
  Bring a dataset's shape to N x C x (spatial...). With the attribute spatial_dims = s, the file's
  rank r must be 1 + s (no channel axis: one channel is inserted) or 2 + s. Without it, the rule is
  that the second axis is the channel axis and the rest are spatial (rank 2: vectors), and the
  reading is described in note (empty when the attribute was present).
*/
PetscErrorCode CanonicalShape(MPI_Comm comm, const char *file, const char *name, PetscBool has, PetscInt sdim, int *nd, PetscInt shape[], char note[], size_t len)
{
  PetscFunctionBegin;
  note[0] = 0;
  if (has) {
    const int c = *nd - 1 - (int)sdim; /* channel axes in the file */
    PetscCheck(c == 0 || c == 1, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': %s has rank %d but the attribute spatial_dims = %" PetscInt_FMT ": expected N x C x (%" PetscInt_FMT " spatial dimensions), rank %" PetscInt_FMT " (or rank %" PetscInt_FMT " for one channel)", file, name, *nd, sdim, sdim, sdim + 2, sdim + 1);
    if (c == 0) {
      PetscCheck(*nd + 1 <= PD_MAX_DIMS, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': %s has too many dimensions", file, name);
      for (int d = *nd; d > 1; d--) shape[d] = shape[d - 1];
      shape[1] = 1;
      (*nd)++;
    }
  } else {
    char desc[160];
    PetscCall(DescribeShape(*nd, shape, desc, sizeof(desc)));
    PetscCall(PetscSNPrintf(note, len, "%s %s", name, desc));
  }
  PetscFunctionReturn(0);
}

/* The one line that says how a file without the attribute was read. */
PetscErrorCode PrintLayoutNote(MPI_Comm comm, const char *file, const char *in_note, const char *out_note)
{
  PetscFunctionBegin;
  if (!in_note[0] && !out_note[0]) PetscFunctionReturn(0);
  PetscCall(PdPrintf(comm, "'%s': read %s%s%s; add the attribute spatial_dims to /inputs and /outputs to say otherwise\n", file, in_note, in_note[0] && out_note[0] ? ", " : "", out_note));
  PetscFunctionReturn(0);
}

/* Finite values whose squares overflow float (|v| > 1e18: squares past 1e36, sums of them past
   float's 3.4e38) turn the normalisation and the loss into Inf or 0 silently: refused by name */
PetscErrorCode PdDatasetCheckRange(MPI_Comm comm, const char file[], PdDataset *ds)
{
  PetscFunctionBegin;
  for (int k = 0; k < 2; k++) {
    const float *v = k ? ds->outputs : ds->inputs;
    PetscInt     n = ds->N * (k ? ds->out_size : ds->in_size);
    for (PetscInt i = 0; v && i < n; i++)
      PetscCheck(PetscAbsReal(v[i]) <= 1e18, comm, PETSC_ERR_FP, "'%s': dataset %s holds %g at flat index %" PetscInt_FMT ": values beyond 1e18 overflow single precision once squared (in the normalisation and the loss); rescale the data", file, k ? "/outputs" : "/inputs", (double)v[i], i);
  }
  PetscFunctionReturn(0);
}
