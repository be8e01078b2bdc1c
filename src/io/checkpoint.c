/* Checkpoints in HDF5: /params/<name>, /optim (moments, step, type), the model's attributes, the
   epoch and the format; every property checked on reading (see docs/design.md). */
#include <pdeop/io.h>
#include <pdeop/ops.h>
#include "h5impl.h"
#include <string.h>

#define PD_CHECKPOINT_FORMAT    "pdeop checkpoint 1"
#define PD_CHECKPOINT_MAX_EPOCH 1000000000         /* epochs or steps: far beyond any run, far below PetscInt's range */
#define PD_CHECKPOINT_MAX_STEP  1000000000000000LL /* optimizer steps */

typedef struct {
  PdDict                   meta;
  PdParams                 params;
  PdOptim                  optim;
  PetscInt                 epoch;
  PdDict                   training; /* may be NULL */
  PetscInt                 narrays;
  const PdCheckpointArray *arrays;
} CkptCtx;

/* one float64 array a->name, chunked with a Fletcher-32 checksum; "group/name" makes the group
   (one level, no timestamps) when it is not there yet */
PetscErrorCode WriteDoubles(hid_t f, const PdCheckpointArray *a, const char *file)
{
  hsize_t     n = (hsize_t)a->n, chunk = PdH5ChunkExtent(n, sizeof(double));
  hid_t       sp, dcpl, ds;
  herr_t      e;
  const char *slash = strchr(a->name, '/');

  PetscFunctionBegin;
  if (slash) {
    char  group[256];
    hid_t gcpl, g;
    PetscCheck((size_t)(slash - a->name) < sizeof(group), PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Array name %s: its group name is too long", a->name);
    PetscCall(PetscStrncpy(group, a->name, (size_t)(slash - a->name) + 1));
    if (H5Lexists(f, group, H5P_DEFAULT) <= 0) {
      gcpl = H5Pcreate(H5P_GROUP_CREATE);
      H5Pset_obj_track_times(gcpl, 0); /* the same run gives the same file */
      g = H5Gcreate2(f, group, H5P_DEFAULT, gcpl, H5P_DEFAULT);
      H5Pclose(gcpl);
      PetscCheck(g >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot make group %s in '%s'", group, file);
      H5Gclose(g);
    }
  }
  sp   = H5Screate_simple(1, &n, NULL);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(dcpl, 0);
  H5Pset_chunk(dcpl, 1, &chunk);
  H5Pset_fletcher32(dcpl);
  ds = H5Dcreate2(f, a->name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  e  = ds < 0 ? -1 : H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->values);
  if (ds >= 0) H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(sp);
  PetscCheck(ds >= 0 && e >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write dataset %s to '%s'", a->name, file);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckpointWriter(hid_t f, const char *file, void *vctx)
{
  CkptCtx       *c = (CkptCtx *)vctx;
  hid_t          root, g;
  PetscInt       np, nbuf;
  PetscErrorCode ierr;
  PdDict         extra;

  PetscFunctionBegin;
  root = H5Gopen2(f, "/", H5P_DEFAULT);
  ierr = WriteAttrs(root, c->meta, file);
  if (!ierr) {
    PetscCall(PdDictCreate(&extra));
    PetscCall(PdDictSetInt(extra, "epoch", c->epoch));
    PetscCall(PdDictSetString(extra, "format", PD_CHECKPOINT_FORMAT));
    ierr = WriteAttrs(root, extra, file);
    PetscCall(PdDictDestroy(&extra));
  }
  H5Gclose(root);
  PetscCall(ierr);
  PetscCall(PdParamsGetNumber(c->params, &np));
  for (PetscInt k = 0; k < np; k++) {
    PdTensor t;
    char     name[512];
    PetscCall(PdParamsGetTensor(c->params, k, &t));
    PetscCall(PetscSNPrintf(name, sizeof(name), "params/%s", t->name));
    PetscCall(WriteFloat(f, name, t->ndim, t->shape, t->data, file));
  }
  if (c->optim) {
    PetscInt64  step;
    float      *m, *v;
    PdDict      od;
    PdOptimType type;
    PetscCall(PdOptimGetState(c->optim, &step, &m, &v));
    PetscCall(PdOptimGetType(c->optim, &type));
    PetscCall(PdParamsGetBufferSize(c->params, &nbuf));
    g = H5Gcreate2(f, "optim", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PetscCheck(g >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot create /optim in '%s'", file);
    PetscCall(PdDictCreate(&od));
    PetscCall(PdDictSetString(od, "type", PdOptimTypes[type]));
    PetscCall(PdDictSetInt(od, "step", step));
    ierr = WriteAttrs(g, od, file);
    PetscCall(PdDictDestroy(&od));
    if (!ierr && m && nbuf) ierr = WriteFloat(g, "m", 1, &nbuf, m, file);
    if (!ierr && v && nbuf) ierr = WriteFloat(g, "v", 1, &nbuf, v, file);
    H5Gclose(g);
    PetscCall(ierr);
  }
  if (c->training) {
    g = H5Gcreate2(f, "training", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PetscCheck(g >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot create /training in '%s'", file);
    ierr = WriteAttrs(g, c->training, file);
    H5Gclose(g);
    PetscCall(ierr);
  }
  for (PetscInt k = 0; k < c->narrays; k++) PetscCall(WriteDoubles(f, &c->arrays[k], file));
  PetscFunctionReturn(0);
}

/*@ PdCheckpointWrite - model metadata, parameters, optimizer state (optional) and epoch @*/
PetscErrorCode PdCheckpointWrite(MPI_Comm comm, const char file[], PdDict meta, PdParams params, PdOptim optim, PetscInt epoch)
{
  PetscFunctionBegin;
  PetscCall(PdCheckpointWriteTraining(comm, file, meta, params, optim, epoch, NULL));
  PetscFunctionReturn(0);
}

/*@
  PdCheckpointWriteTraining - PdCheckpointWrite, and the training run's settings (batch size,
  loss, the optimizer's, ...) as attributes of a group /training, so that -resume continues with
  them; training may be NULL
@*/
PetscErrorCode PdCheckpointWriteTraining(MPI_Comm comm, const char file[], PdDict meta, PdParams params, PdOptim optim, PetscInt epoch, PdDict training)
{
  PetscFunctionBegin;
  PetscCall(PdCheckpointWriteArrays(comm, file, meta, params, optim, epoch, training, 0, NULL));
  PetscFunctionReturn(0);
}

/*@
  PdCheckpointWriteArrays - PdCheckpointWriteTraining with float64 arrays beside the parameters
  (a problem's coefficients), all in one write to file.tmp and one rename
@*/
PetscErrorCode PdCheckpointWriteArrays(MPI_Comm comm, const char file[], PdDict meta, PdParams params, PdOptim optim, PetscInt epoch, PdDict training, PetscInt narrays, const PdCheckpointArray arrays[])
{
  CkptCtx c = {meta, params, optim, epoch, training, narrays, arrays};

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_IO, 0, 0, 0, 0));
  PetscCall(AtomicWrite(comm, file, CheckpointWriter, &c));
  PetscCall(PetscLogEventEnd(PD_EVENT_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@
  PdCheckpointReadArray - a float64 array written by PdCheckpointWriteArrays: exactly n finite values
  (its checksum, where it has one, checked by HDF5)
@*/
PetscErrorCode PdCheckpointReadArray(MPI_Comm comm, const char file[], const char name[], PetscInt n, double values[])
{
  hid_t   f, ds = -1, sp, t;
  hsize_t dims[2] = {0, 0};
  int     nd = -1, isfloat = 0;
  herr_t  e = -1;

  PetscFunctionBegin;
  PetscCall(OpenRead(comm, file, &f));
  {
    H5QUIET_BEGIN;
    if (H5Lexists(f, name, H5P_DEFAULT) > 0) ds = H5Dopen2(f, name, H5P_DEFAULT);
    if (ds >= 0) {
      t       = H5Dget_type(ds);
      isfloat = H5Tget_class(t) == H5T_FLOAT;
      H5Tclose(t);
      sp = H5Dget_space(ds);
      nd = H5Sget_simple_extent_ndims(sp);
      if (nd == 1) H5Sget_simple_extent_dims(sp, dims, NULL);
      H5Sclose(sp);
      if (isfloat && nd == 1 && dims[0] == (hsize_t)n) e = H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
      H5Dclose(ds);
    }
    H5QUIET_END;
  }
  H5Fclose(f);
  PetscCheck(ds >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' has no dataset %s", file, name);
  PetscCheck(isfloat && nd == 1 && dims[0] == (hsize_t)n, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': dataset %s should hold %" PetscInt_FMT " floating-point values", file, name, n);
  PetscCheck(e >= 0, comm, PETSC_ERR_FILE_READ, "'%s': cannot read dataset %s (its checksum does not match: the file is corrupted)", file, name);
  for (PetscInt i = 0; i < n; i++) PetscCheck(isfinite(values[i]), comm, PETSC_ERR_FP, "'%s': dataset %s has %s at index %" PetscInt_FMT, file, name, isnan(values[i]) ? "NaN" : "Inf", i);
  PetscFunctionReturn(0);
}

/* whether d has key with a value of this type */
static PetscBool EntryIs(PdDict d, const char *key, PdDictType type)
{
  PetscInt n = 0;

  if (PdDictGetSize(d, &n)) return PETSC_FALSE;
  for (PetscInt k = 0; k < n; k++) {
    const char *name;
    PdDictType  t;
    if (!PdDictGetEntry(d, k, &name, &t) && !strcmp(name, key)) return (PetscBool)(t == type);
  }
  return PETSC_FALSE;
}

/*@ PdCheckpointReadMeta - the root attributes (model type, hyperparameters, ...) and the epoch @*/
PetscErrorCode PdCheckpointReadMeta(MPI_Comm comm, const char file[], PdDict *meta, PetscInt *epoch)
{
  hid_t          f, root;
  PetscErrorCode ierr;
  PetscBool      has;
  PetscInt64     e = 0;

  PetscFunctionBegin;
  PetscCall(OpenRead(comm, file, &f));
  root = H5Gopen2(f, "/", H5P_DEFAULT);
  ierr = ReadAttrs(root, file, meta);
  H5Gclose(root);
  H5Fclose(f);
  PetscCall(ierr);
  PetscCall(PdDictHas(*meta, "epoch", &has));
  if (!has) PetscCall(PdDictDestroy(meta));
  PetscCheck(has, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not a pdeop checkpoint: it has no 'epoch' attribute", file);
  {
    const char *format = NULL;
    PetscBool   same   = PETSC_FALSE;
    PetscCall(PdDictHas(*meta, "format", &has));
    if (has && EntryIs(*meta, "format", PD_DICT_STRING)) {
      PetscCall(PdDictGetString(*meta, "format", &format));
      PetscCall(PetscStrcmp(format, PD_CHECKPOINT_FORMAT, &same));
    }
    if (!same) {
      char got[128];
      PetscCall(PetscSNPrintf(got, sizeof(got), "%s", format ? format : "none"));
      PetscCall(PdDictDestroy(meta));
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' has checkpoint format '%s'; this pdeop reads '%s'", file, got, PD_CHECKPOINT_FORMAT);
    }
  }
  if (EntryIs(*meta, "epoch", PD_DICT_INT)) PetscCall(PdDictGetInt(*meta, "epoch", &e));
  else e = -1;
  if (e < 0 || e > PD_CHECKPOINT_MAX_EPOCH) {
    PetscCall(PdDictDestroy(meta));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' says it was written after epoch (or step) %" PetscInt64_FMT "; a checkpoint's count is 0 to %" PetscInt64_FMT ", so the file is corrupted", file, e, (PetscInt64)PD_CHECKPOINT_MAX_EPOCH);
  }
  if (epoch) *epoch = (PetscInt)e;
  PetscFunctionReturn(0);
}

/*@ PdCheckpointReadTraining - the settings of the run that wrote a checkpoint (/training's
  attributes; an empty dictionary for checkpoints without them) @*/
PetscErrorCode PdCheckpointReadTraining(MPI_Comm comm, const char file[], PdDict *training)
{
  hid_t          f, g;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCall(OpenRead(comm, file, &f));
  {
    H5QUIET_BEGIN;
    g = H5Lexists(f, "training", H5P_DEFAULT) > 0 ? H5Gopen2(f, "training", H5P_DEFAULT) : -1;
    H5QUIET_END;
  }
  if (g >= 0) {
    ierr = ReadAttrs(g, file, training);
    H5Gclose(g);
  } else ierr = PdDictCreate(training);
  H5Fclose(f);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* One moment of the optimizer (/optim/m or /optim/v) into dst (nbuf floats), when the optimizer
   keeps it (dst not NULL): it must be there, with exactly nbuf entries. */
static PetscErrorCode ReadMoment(MPI_Comm comm, hid_t f, const char *file, const char *name, float *dst, PetscInt nbuf)
{
  float   *data;
  int      nd;
  PetscInt shape[PD_MAX_DIMS];

  PetscFunctionBegin;
  if (!dst || !nbuf) PetscFunctionReturn(0);
  PetscCall(ReadFloat(comm, f, file, name, PETSC_FALSE, 1, &nd, shape, &data));
  PetscCheck(data, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' has no optimizer state %s: it was written by another optimizer (see its /optim type), so it cannot be resumed with this one", file, name);
  if (nd != 1 || shape[0] != nbuf) {
    PetscCall(PetscFree(data));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': optimizer state %s has %" PetscInt_FMT " entries; the model needs %" PetscInt_FMT, file, name, nd == 1 ? shape[0] : -1, nbuf);
  }
  PetscCall(PetscArraycpy(dst, data, nbuf));
  PetscCall(PetscFree(data));
  PetscFunctionReturn(0);
}

/*@ PdCheckpointLoad - parameters (every name and shape must match) and optionally optimizer state @*/
PetscErrorCode PdCheckpointLoad(MPI_Comm comm, const char file[], PdParams params, PdOptim optim)
{
  hid_t          f;
  PetscInt       np;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_IO, 0, 0, 0, 0));
  PetscCall(OpenRead(comm, file, &f));
  PetscCall(PdParamsGetNumber(params, &np));
  for (PetscInt k = 0; k < np; k++) {
    PdTensor t;
    char     name[512], se[96], sf[96];
    int      nd;
    PetscInt shape[PD_MAX_DIMS];
    float   *data;
    PetscCall(PdParamsGetTensor(params, k, &t));
    PetscCall(PetscSNPrintf(name, sizeof(name), "/params/%s", t->name));
    ierr = ReadFloat(comm, f, file, name, PETSC_FALSE, 1, &nd, shape, &data);
    if (ierr) {
      H5Fclose(f);
      PetscCall(ierr);
    }
    if (!data) {
      H5Fclose(f);
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' has no parameter %s: it was written for another model", file, t->name);
    }
    PetscBool same = (PetscBool)(nd == t->ndim);
    for (int i = 0; same && i < nd; i++) same = (PetscBool)(shape[i] == t->shape[i]);
    if (!same) {
      PetscCall(PetscFree(data));
      H5Fclose(f);
      PetscCall(PdShapeString(t->ndim, t->shape, se, sizeof(se)));
      PetscCall(PdShapeString(nd, shape, sf, sizeof(sf)));
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': parameter %s has shape %s; the model needs %s", file, t->name, sf, se);
    }
    PetscCall(PetscArraycpy(t->data, data, t->size));
    PetscCall(PetscFree(data));
  }
  if (optim) {
    PetscInt64 step = 0;
    float     *m, *v;
    PetscInt   nbuf;
    hid_t      g;
    {
      H5QUIET_BEGIN;
      g = H5Lexists(f, "optim", H5P_DEFAULT) > 0 ? H5Gopen2(f, "optim", H5P_DEFAULT) : -1;
      H5QUIET_END;
    }
    if (g < 0) {
      H5Fclose(f);
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' has no optimizer state (/optim) to resume from", file);
    }
    {
      long long s;
      hid_t     a = H5Aopen(g, "step", H5P_DEFAULT);
      if (a >= 0 && H5Aread(a, H5T_NATIVE_LLONG, &s) >= 0) step = (PetscInt64)s;
      else step = -1;
      if (a >= 0) H5Aclose(a);
    }
    H5Gclose(g);
    if (step < 0 || step > PD_CHECKPOINT_MAX_STEP) {
      H5Fclose(f);
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': the optimizer's step count is missing or out of range (%" PetscInt64_FMT "); the file is corrupted", file, step);
    }
    PetscCall(PdParamsGetBufferSize(params, &nbuf));
    PetscCall(PdOptimGetState(optim, NULL, &m, &v));
    ierr = ReadMoment(comm, f, file, "/optim/m", m, nbuf);
    if (!ierr) ierr = ReadMoment(comm, f, file, "/optim/v", v, nbuf);
    H5Fclose(f);
    PetscCall(ierr);
    PetscCall(PdOptimSetStepCount(optim, step));
  } else H5Fclose(f);
  PetscCall(PetscLogEventEnd(PD_EVENT_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
