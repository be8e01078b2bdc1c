/* HDF5 datasets (/inputs, /outputs float32 N x ...) and checkpoints (/params/<name>, /optim,
   attributes) as docs/design.md describes. Readers check every property and name the file in their
   errors; writers write <file>.tmp on rank 0 and rename it, so no reader ever sees half a file. */
#include <pdeop/io.h>
#include <pdeop/ops.h>
#include "h5impl.h"
#include <stdint.h>
#include <string.h>

/* Silence HDF5's own error stack while we probe; we report our own messages. */

/* ---------------- attributes <-> PdDict ---------------- */

/* a scalar string attribute key = s of obj (a: the attribute or < 0; e: the write's status) */
static void StringAttr(hid_t obj, const char *key, hid_t space, const char *s, hid_t *a, herr_t *e)
{
  hid_t st = H5Tcopy(H5T_C_S1);

  H5Tset_size(st, strlen(s) + 1);
  *a = H5Acreate2(obj, key, st, space, H5P_DEFAULT, H5P_DEFAULT);
  *e = *a < 0 ? -1 : H5Awrite(*a, st, s);
  H5Tclose(st);
}

PetscErrorCode WriteAttrs(hid_t obj, PdDict d, const char *file)
{
  PetscInt n;

  PetscFunctionBegin;
  if (!d) PetscFunctionReturn(0);
  PetscCall(PdDictGetSize(d, &n));
  for (PetscInt k = 0; k < n; k++) {
    const char *key;
    PdDictType  type;
    hid_t       space = H5Screate(H5S_SCALAR), a = -1;
    herr_t      e = 0;

    PetscCall(PdDictGetEntry(d, k, &key, &type));
    if (H5Aexists(obj, key) > 0) H5Adelete(obj, key);
    switch (type) {
    case PD_DICT_STRING: {
      const char *s;
      PetscCall(PdDictGetString(d, key, &s));
      StringAttr(obj, key, space, s, &a, &e);
    } break;
    case PD_DICT_INT: {
      PetscInt64 v;
      long long  ll;
      PetscCall(PdDictGetInt(d, key, &v));
      ll = (long long)v;
      a  = H5Acreate2(obj, key, H5T_NATIVE_LLONG, space, H5P_DEFAULT, H5P_DEFAULT);
      e  = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_LLONG, &ll);
    } break;
    case PD_DICT_REAL: {
      double v;
      PetscCall(PdDictGetReal(d, key, &v));
      a = H5Acreate2(obj, key, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT);
      e = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
    } break;
    case PD_DICT_BOOL: { /* booleans as the strings "true"/"false": readable by any HDF5 tool */
      PetscBool v;
      PetscCall(PdDictGetBool(d, key, &v));
      StringAttr(obj, key, space, v ? "true" : "false", &a, &e);
    } break;
    }
    if (a >= 0) H5Aclose(a);
    H5Sclose(space);
    PetscCheck(a >= 0 && e >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write attribute '%s' to '%s'", key, file);
  }
  PetscFunctionReturn(0);
}

typedef struct {
  PdDict      d;
  const char *file;
  int         err;
} AttrCtx;

static herr_t ReadOneAttr(hid_t obj, const char *name, const H5A_info_t *info, void *vctx)
{
  AttrCtx    *c = (AttrCtx *)vctx;
  hid_t       a = H5Aopen(obj, name, H5P_DEFAULT), t, sp;
  H5T_class_t cls;

  if (a < 0) return 0;
  t   = H5Aget_type(a);
  sp  = H5Aget_space(a);
  cls = H5Tget_class(t);
  if (H5Sget_simple_extent_npoints(sp) == 1) {
    if (cls == H5T_STRING && !H5Tis_variable_str(t)) {
      size_t n  = H5Tget_size(t);
      char  *s  = (char *)calloc(n + 1, 1);
      hid_t  mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, n + 1);
      if (s && H5Aread(a, mt, s) >= 0) {
        if (!strcmp(s, "true") || !strcmp(s, "false")) c->err |= PdDictSetBool(c->d, name, (PetscBool)!strcmp(s, "true"));
        else c->err |= PdDictSetString(c->d, name, s);
      }
      H5Tclose(mt);
      free(s);
    } else if (cls == H5T_INTEGER) {
      long long v;
      if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0) c->err |= PdDictSetInt(c->d, name, (PetscInt64)v);
    } else if (cls == H5T_FLOAT) {
      double v;
      if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0) c->err |= PdDictSetReal(c->d, name, v);
    }
  }
  H5Sclose(sp);
  H5Tclose(t);
  H5Aclose(a);
  return 0;
}

PetscErrorCode ReadAttrs(hid_t obj, const char *file, PdDict *d)
{
  AttrCtx c;
  hsize_t idx = 0;

  PetscFunctionBegin;
  PetscCall(PdDictCreate(d));
  c.d    = *d;
  c.file = file;
  c.err  = 0;
  H5Aiterate2(obj, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, ReadOneAttr, &c);
  if (idx == 0) { /* files made without creation-order tracking */
    idx = 0;
    H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, ReadOneAttr, &c);
  }
  if (c.err) PetscCall(PdDictDestroy(d));
  PetscCheck(!c.err, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "Cannot read the attributes of '%s'", file);
  PetscFunctionReturn(0);
}

/* ---------------- reading one float32 array ---------------- */

PetscErrorCode OpenRead(MPI_Comm comm, const char file[], hid_t *f)
{
  PetscFunctionBegin;
  PetscCall(PdFileCheckInput(comm, file, NULL));
  {
    H5QUIET_BEGIN;
    htri_t is   = H5Fis_hdf5(file);
    hid_t  fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG); /* H5Fclose closes whatever an error path left open */
    *f = is > 0 ? H5Fopen(file, H5F_ACC_RDONLY, fapl) : -1;
    H5Pclose(fapl);
    H5QUIET_END;
  }
  PetscCheck(*f >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Cannot open '%s': not an HDF5 file", file);
  PetscFunctionReturn(0);
}

/* No dataset pdeop reads holds more than this many floats (64 GB): a larger declared size is damage. */
#define PD_IO_MAX_FLOATS ((size_t)1 << 34)

/* FNV-1a (64 bits) of n float32 values, byte by byte in little-endian order: written beside every
   float dataset as the attribute "fnv1a64" and checked on reading. Fletcher-32 covers the stored
   chunks only; this covers what the metadata makes of them (a chunk address moved onto zeros, a
   changed type description), since it is taken over the values as read. */
static uint64_t ValuesHash(const float *x, size_t n)
{
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < n; i++) {
    uint32_t b;
    memcpy(&b, &x[i], 4);
    for (int k = 0; k < 4; k++) {
      h ^= (b >> (8 * k)) & 0xffu;
      h *= 1099511628211ULL;
    }
  }
  return h;
}

/* whether a dataset carries HDF5's Fletcher-32 checksum filter */
static PetscBool HasChecksum(hid_t ds)
{
  hid_t     dcpl = H5Dget_create_plist(ds);
  PetscBool has  = PETSC_FALSE;

  if (dcpl >= 0) {
    int nf = H5Pget_nfilters(dcpl);
    for (int i = 0; i < nf; i++) {
      unsigned     flags;
      size_t       ncd = 0;
      char         fname[64];
      unsigned int config;
      if (H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, NULL, sizeof(fname), fname, &config) == H5Z_FILTER_FLETCHER32) has = PETSC_TRUE;
    }
    H5Pclose(dcpl);
  }
  return has;
}

/* Whether a chunked dataset stores all its chunks (a missing one would read as fill values, and a
   file of a few chunks could declare gigabytes), each of the size its layout implies (4 bytes a float
   of the chunk, plus Fletcher-32's 4 when that filter ran on it: HDF5 1.10 copies a whole chunk out of
   a stored one that is shorter, reading past its buffer). Chunks behind another filter (deflate, ...)
   cannot be sized and pass that second test. Returns 0 when all fit; 1 when the layout or index
   cannot be read; 2 for a chunk of the wrong size; 3 for missing chunks (have stored, want in all). */
static int ChunksFit(hid_t ds, hid_t dcpl, size_t *have, size_t *want)
{
  hsize_t cdims[8], dims[8], nchunks = 0, expect = 1;
  hid_t   sp;
  int     rank = H5Pget_chunk(dcpl, 8, cdims), nf = H5Pget_nfilters(dcpl), fletcher = -1, sized = 1, status = 0;
  size_t  cbytes = 4;

  if (rank <= 0 || rank > 8) return 1;
  for (int i = 0; i < nf; i++) {
    unsigned     flags, config;
    size_t       ncd = 0;
    char         fname[64];
    H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, NULL, sizeof(fname), fname, &config);
    if (id == H5Z_FILTER_FLETCHER32) fletcher = i;
    else sized = 0;
  }
  sp = H5Dget_space(ds);
  if (sp < 0) return 1;
  if (H5Sget_simple_extent_ndims(sp) != rank || H5Sget_simple_extent_dims(sp, dims, NULL) < 0 || H5Dget_num_chunks(ds, sp, &nchunks) < 0) status = 1;
  for (int i = 0; i < rank && !status; i++) {
    if (cdims[i] == 0) status = 1;
    else {
      cbytes *= (size_t)cdims[i];
      expect *= (dims[i] + cdims[i] - 1) / cdims[i];
    }
  }
  if (!status && nchunks != expect) {
    *have  = (size_t)nchunks;
    *want  = (size_t)expect;
    status = 3;
  }
  for (hsize_t k = 0; k < nchunks && !status && sized; k++) {
    hsize_t  off[8], size = 0;
    haddr_t  addr;
    unsigned mask = 0;
    size_t   w;
    if (H5Dget_chunk_info(ds, sp, k, off, &mask, &addr, &size) < 0) status = 1;
    else if ((size_t)size != (w = cbytes + (fletcher >= 0 && !(mask & (1u << fletcher)) ? 4 : 0))) {
      *have  = (size_t)size;
      *want  = w;
      status = 2;
    }
  }
  H5Sclose(sp);
  return status;
}

/* A dataset must hold data, and an unfiltered contiguous one all the bytes it declares (a truncated
   file does not), a chunked one chunks of the declared size; a compact one is refused. Checked
   before allocating memory for it (the caller closes ds on error). */
static PetscErrorCode CheckStorage(MPI_Comm comm, hid_t ds, const char *file, const char *name, size_t n)
{
  hid_t        dcpl;
  H5D_layout_t layout;
  int          nf;
  haddr_t      offset;
  size_t       have = 0, want = 0;
  int          fit = 0;

  PetscFunctionBegin;
  /* never written: reading would give fill values */
  PetscCheck(H5Dget_storage_size(ds) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s declares %zu floats but holds no data", file, name, n);
  dcpl = H5Dget_create_plist(ds);
  if (dcpl < 0) PetscFunctionReturn(0);
  layout = H5Pget_layout(dcpl);
  nf     = H5Pget_nfilters(dcpl);
  if (layout == H5D_CHUNKED) fit = ChunksFit(ds, dcpl, &have, &want);
  H5Pclose(dcpl);
  /* HDF5 1.10 reads past (or after freeing) a damaged compact message; pdeop, h5py and PETSc never write one */
  PetscCheck(layout != H5D_COMPACT, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s uses HDF5's compact layout, which pdeop does not read (h5repack -l %s:CONTI rewrites it contiguous)", file, name, name);
  PetscCheck(fit != 1, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s: its chunk layout or chunk index cannot be read (corrupted)", file, name);
  PetscCheck(fit != 2, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s has a stored chunk of %zu bytes where its layout says %zu (truncated or corrupted)", file, name, have, want);
  PetscCheck(fit != 3, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s stores %zu of its %zu chunks (unwritten or corrupted)", file, name, have, want);
  offset = H5Dget_offset(ds);
  if (layout == H5D_CONTIGUOUS && nf == 0 && offset != HADDR_UNDEF) {
    hid_t   f    = H5Iget_file_id(ds);
    hsize_t size = 0;
    H5Fget_filesize(f, &size);
    H5Fclose(f);
    PetscCheck((hsize_t)offset + 4 * (hsize_t)n <= size, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s declares %zu floats but the file ends before them (truncated or corrupted)", file, name, n);
  }
  PetscFunctionReturn(0);
}

/* Read dataset `name` as float32 with rank in [minrank, 5]; checks type and finiteness.
   *data is NULL and *ndim 0 when the dataset is absent and !required. */
PetscErrorCode ReadFloat(MPI_Comm comm, hid_t f, const char *file, const char *name, PetscBool required, int minrank, int *ndim, PetscInt shape[], float **data)
{
  hid_t   ds, sp, t;
  hsize_t dims[8];
  int     nd;
  size_t  n = 1;

  PetscFunctionBegin;
  *data = NULL;
  *ndim = 0;
  {
    H5QUIET_BEGIN;
    htri_t ex = H5Lexists(f, name, H5P_DEFAULT);
    ds        = ex > 0 ? H5Dopen2(f, name, H5P_DEFAULT) : -1;
    H5QUIET_END;
  }
  if (ds < 0) {
    PetscCheck(!required, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' has no dataset %s", file, name);
    PetscFunctionReturn(0);
  }
  t = H5Dget_type(ds);
  if (H5Tget_class(t) != H5T_FLOAT || H5Tget_size(t) != 4) {
    const char *what = H5Tget_class(t) == H5T_FLOAT ? (H5Tget_size(t) == 8 ? "float64" : "a float of another size") : H5Tget_class(t) == H5T_INTEGER ? "integers"
                                                                                                                                                     : "a non-numeric type";
    H5Tclose(t);
    H5Dclose(ds);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s holds %s; pdeop expects float32", file, name, what);
  }
  H5Tclose(t);
  sp = H5Dget_space(ds);
  nd = H5Sget_simple_extent_ndims(sp);
  if (nd < minrank || nd > PD_MAX_DIMS) {
    H5Sclose(sp);
    H5Dclose(ds);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s has rank %d; expected %d to %d dimensions (N first)", file, name, nd, minrank, PD_MAX_DIMS);
  }
  H5Sget_simple_extent_dims(sp, dims, NULL);
  H5Sclose(sp);
  for (int i = 0; i < nd; i++) {
    shape[i] = (PetscInt)dims[i];
    if (dims[i] > (hsize_t)PETSC_MAX_INT || (dims[i] && n > PD_IO_MAX_FLOATS / (size_t)dims[i])) {
      H5Dclose(ds);
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s declares an implausible size (dimension %d is %llu); the file is corrupted", file, name, i, (unsigned long long)dims[i]);
    }
    n *= (size_t)dims[i];
  }
  if (n == 0) {
    H5Dclose(ds);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s is empty", file, name);
  }
  {
    PetscErrorCode ierr = CheckStorage(comm, ds, file, name, n);
    if (ierr) H5Dclose(ds);
    PetscCall(ierr);
  }
  {
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PetscMalloc1(n, data);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      H5Dclose(ds);
      SETERRQ(comm, PETSC_ERR_MEM, "'%s': out of memory for dataset %s (%zu floats, %.3g GB)", file, name, n, 4.0 * (double)n / 1e9);
    }
  }
  {
    herr_t e;
    H5QUIET_BEGIN;
    e = H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data);
    H5QUIET_END;
    if (e < 0) {
      PetscBool sum = HasChecksum(ds);
      H5Dclose(ds);
      PetscCall(PetscFree(*data));
      SETERRQ(comm, PETSC_ERR_FILE_READ, "'%s': cannot read dataset %s%s", file, name, sum ? ": its checksum does not match (the file is corrupted)" : " (the file is damaged or uses a compression filter this HDF5 lacks)");
    }
  }
  { /* the values' own checksum, where the writer left one (pdeop's files since it has one; others have none) */
    PetscBool bad = PETSC_FALSE;
    H5QUIET_BEGIN;
    if (H5Aexists(ds, "fnv1a64") > 0) {
      hid_t    a = H5Aopen(ds, "fnv1a64", H5P_DEFAULT);
      uint64_t h = 0;
      bad        = (PetscBool)(a < 0 || H5Aread(a, H5T_NATIVE_UINT64, &h) < 0 || h != ValuesHash(*data, n));
      if (a >= 0) H5Aclose(a);
    }
    H5QUIET_END;
    if (bad) {
      H5Dclose(ds);
      PetscCall(PetscFree(*data));
      SETERRQ(comm, PETSC_ERR_FILE_READ, "'%s': dataset %s does not match the checksum of its values (the file is corrupted)", file, name);
    }
  }
  H5Dclose(ds);
  for (size_t i = 0; i < n; i++)
    if (!isfinite((*data)[i])) {
      float v = (*data)[i];
      PetscCall(PetscFree(*data));
      SETERRQ(comm, PETSC_ERR_FP, "'%s': dataset %s has %s at flat index %zu; clean the data first", file, name, isnan(v) ? "NaN" : "Inf", i);
    }
  *ndim = nd;
  PetscFunctionReturn(0);
}

/*@ PdH5ReadFloatArray - read one float32 dataset (any rank 1..5) with the usual checks @*/
PetscErrorCode PdH5ReadFloatArray(MPI_Comm comm, const char file[], const char name[], int *ndim, PetscInt shape[], float **data)
{
  hid_t f;

  PetscFunctionBegin;
  PetscCall(OpenRead(comm, file, &f));
  {
    PetscErrorCode ierr = ReadFloat(comm, f, file, name, PETSC_TRUE, 1, ndim, shape, data);
    H5Fclose(f);
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

/* N x C x (spatial...) from the attribute spatial_dims, or by the rule (one line says how) */
static PetscErrorCode DatasetLayout(MPI_Comm comm, hid_t f, const char *file, PdDataset *ds)
{
  PetscBool has;
  PetscInt  sd;
  char      in_note[200], out_note[200] = "";

  PetscFunctionBegin;
  PetscCall(ReadSpatialDims(comm, f, file, "/inputs", &has, &sd));
  PetscCall(CanonicalShape(comm, file, "/inputs", has, sd, &ds->in_ndim, ds->in_shape, in_note, sizeof(in_note)));
  if (ds->outputs) {
    PetscCall(ReadSpatialDims(comm, f, file, "/outputs", &has, &sd));
    PetscCall(CanonicalShape(comm, file, "/outputs", has, sd, &ds->out_ndim, ds->out_shape, out_note, sizeof(out_note)));
  }
  PetscCall(PrintLayoutNote(comm, file, in_note, out_note));
  PetscFunctionReturn(0);
}

/*@ PdDatasetRead - read /inputs (and /outputs) on every rank, checking shapes, type and values @*/
PetscErrorCode PdDatasetRead(MPI_Comm comm, const char file[], PetscBool need_outputs, PdDataset *ds)
{
  hid_t          f, root;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_IO, 0, 0, 0, 0));
  PetscCall(PetscMemzero(ds, sizeof(*ds)));
  PetscCall(OpenRead(comm, file, &f));
  ierr = ReadFloat(comm, f, file, "/inputs", PETSC_TRUE, 2, &ds->in_ndim, ds->in_shape, &ds->inputs);
  if (!ierr) ierr = ReadFloat(comm, f, file, "/outputs", need_outputs, 2, &ds->out_ndim, ds->out_shape, &ds->outputs);
  if (!ierr) ierr = DatasetLayout(comm, f, file, ds);
  if (!ierr) {
    root = H5Gopen2(f, "/", H5P_DEFAULT);
    ierr = ReadAttrs(root, file, &ds->attrs);
    H5Gclose(root);
  }
  H5Fclose(f);
  if (ierr) {
    PetscCall(PdDatasetFree(ds));
    PetscCall(ierr);
  }
  ds->N = ds->in_shape[0];
  PetscCall(PdShapeSize(ds->in_ndim - 1, ds->in_shape + 1, &ds->in_size));
  if (ds->outputs) {
    if (ds->out_shape[0] != ds->N) {
      PetscInt no = ds->out_shape[0], ni = ds->N;
      PetscCall(PdDatasetFree(ds));
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /inputs has %" PetscInt_FMT " samples but /outputs has %" PetscInt_FMT, file, ni, no);
    }
    PetscCall(PdShapeSize(ds->out_ndim - 1, ds->out_shape + 1, &ds->out_size));
  }
  ierr = PdDatasetCheckRange(comm, file, ds);
  if (ierr) PetscCall(PdDatasetFree(ds));
  PetscCall(ierr);
  PetscCall(PetscLogEventEnd(PD_EVENT_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode PdDatasetFree(PdDataset *ds)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(ds->inputs));
  PetscCall(PetscFree(ds->outputs));
  PetscCall(PdDictDestroy(&ds->attrs));
  PetscFunctionReturn(0);
}

/* ---------------- writing ---------------- */

PetscErrorCode WriteFloat(hid_t loc, const char *name, int nd, const PetscInt shape[], const float *data, const char *file)
{
  hsize_t dims[PD_MAX_DIMS];
  hid_t   sp, ds, lcpl = H5Pcreate(H5P_LINK_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  herr_t  e;

  PetscFunctionBegin;
  for (int i = 0; i < nd; i++) dims[i] = (hsize_t)shape[i];
  H5Pset_create_intermediate_group(lcpl, 1);
  H5Pset_obj_track_times(dcpl, 0); /* no timestamps: the same data gives the same file, byte for byte */
  {                                /* chunks of 16 MB at most (PdH5ChunkExtent): whole trailing dimensions (samples, channels, grid
       rows) while they fit, the first that does not in equal pieces, the ones before it 1; with a
       Fletcher-32 checksum, so a flipped bit in the file is an error on reading, not a silently
       wrong model. A large array (a 1M-dimensional network's Adam moments) costs 32 MB more in
       memory while it is written, not twice its size, and many small samples share a chunk. */
    hsize_t chunk[PD_MAX_DIMS], bytes = 4;
    int     i;
    for (i = nd - 1; i >= 0; i--) {
      const hsize_t n = dims[i] ? dims[i] : 1;
      if (bytes * n > PD_H5_CHUNK_BYTES) {
        chunk[i--] = PdH5ChunkExtent(n, bytes);
        break;
      }
      chunk[i] = n;
      bytes *= n;
    }
    for (; i >= 0; i--) chunk[i] = 1;
    H5Pset_chunk(dcpl, nd, chunk);
    H5Pset_fletcher32(dcpl);
  }
  sp = H5Screate_simple(nd, dims, NULL);
  ds = H5Dcreate2(loc, name, H5T_IEEE_F32LE, sp, lcpl, dcpl, H5P_DEFAULT);
  e  = ds < 0 ? -1 : H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  if (e >= 0) {
    size_t   n = 1;
    uint64_t h;
    hid_t    asp = H5Screate(H5S_SCALAR), a;
    for (int i = 0; i < nd; i++) n *= (size_t)dims[i];
    h = ValuesHash(data, n);
    a = H5Acreate2(ds, "fnv1a64", H5T_STD_U64LE, asp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_UINT64, &h) < 0) e = -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(asp);
  }
  if (ds >= 0) H5Dclose(ds);
  H5Sclose(sp);
  H5Pclose(lcpl);
  H5Pclose(dcpl);
  PetscCheck(ds >= 0 && e >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write dataset %s to '%s'", name, file);
  PetscFunctionReturn(0);
}

static PetscBool h5_failed_file = PETSC_FALSE;

static PetscErrorCode PdH5Finalize(void)
{
  PetscFunctionBegin;
  if (!h5_failed_file) H5close(); /* everything HDF5 holds, freed while MPI still runs */
  PetscFunctionReturn(0);
}

/*@
  PdH5Initialize - HDF5 as pdeop uses it: its own error printing off (pdeop and PETSc check every
  call and say what failed in one message) and closed in PetscFinalize
@*/
PetscErrorCode PdH5Initialize(void)
{
  PetscFunctionBegin;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(PetscRegisterFinalize(PdH5Finalize));
  PetscFunctionReturn(0);
}

/*@
  PdH5SetWriteFailed - record that a write through another library (PETSc's HDF5 viewer) failed;
  PdH5GetWriteFailed - whether one did

  HDF5 1.10 then holds the file open and crashes when it closes it (in H5close or in MPI_Finalize's
  clean-up); a program should leave without finalizing MPI (pdeop's main does).
@*/
PetscErrorCode PdH5SetWriteFailed(void)
{
  PetscFunctionBegin;
  h5_failed_file = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode PdH5GetWriteFailed(PetscBool *flg)
{
  PetscFunctionBegin;
  *flg = h5_failed_file;
  PetscFunctionReturn(0);
}

typedef struct {
  const PdDataset         *ds;
  PetscInt                 narrays;
  const PdCheckpointArray *arrays;
} DatasetCtx;

static PetscErrorCode DatasetWriter(hid_t f, const char *file, void *vctx)
{
  const DatasetCtx *c  = (const DatasetCtx *)vctx;
  const PdDataset  *ds = c->ds;
  hid_t             root;
  PetscErrorCode    ierr;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < c->narrays; k++) PetscCall(WriteDoubles(f, &c->arrays[k], file));
  PetscCall(WriteFloat(f, "inputs", ds->in_ndim, ds->in_shape, ds->inputs, file));
  PetscCall(WriteSpatialDims(f, "inputs", ds->in_ndim, file));
  if (ds->outputs) {
    PetscCall(WriteFloat(f, "outputs", ds->out_ndim, ds->out_shape, ds->outputs, file));
    PetscCall(WriteSpatialDims(f, "outputs", ds->out_ndim, file));
  }
  root = H5Gopen2(f, "/", H5P_DEFAULT);
  ierr = WriteAttrs(root, ds->attrs, file);
  H5Gclose(root);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@ PdDatasetWrite - write a dataset on rank 0 (file.tmp, then rename) @*/
PetscErrorCode PdDatasetWrite(MPI_Comm comm, const char file[], const PdDataset *ds)
{
  PetscFunctionBegin;
  PetscCall(PdDatasetWriteArrays(comm, file, ds, 0, NULL));
  PetscFunctionReturn(0);
}

/*@ PdDatasetWriteArrays - PdDatasetWrite with float64 arrays beside the dataset in the same atomic
  write (a name "group/array" makes the group), e.g. a run's history @*/
PetscErrorCode PdDatasetWriteArrays(MPI_Comm comm, const char file[], const PdDataset *ds, PetscInt narrays, const PdCheckpointArray arrays[])
{
  DatasetCtx c = {ds, narrays, arrays};

  PetscFunctionBegin;
  PetscCheck(ds->N > 0 && ds->inputs, comm, PETSC_ERR_ARG_WRONG, "Refusing to write '%s': the dataset has no samples", file);
  PetscCheck(ds->in_ndim >= 2 && ds->in_shape[0] == ds->N && (!ds->outputs || (ds->out_ndim >= 2 && ds->out_shape[0] == ds->N)), comm, PETSC_ERR_ARG_SIZ, "Refusing to write '%s': inputs and outputs must both have N = %" PetscInt_FMT " samples first", file, ds->N);
  PetscCall(PetscLogEventBegin(PD_EVENT_IO, 0, 0, 0, 0));
  PetscCall(AtomicWrite(comm, file, DatasetWriter, &c));
  PetscCall(PetscLogEventEnd(PD_EVENT_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
