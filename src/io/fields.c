/* Float fields written whole as an HDF5 file of their own (PdH5WriteFields), through the same atomic
   image writer as datasets and checkpoints. */
#include "h5impl.h"

typedef struct {
  PetscInt            n, ndim;
  const PetscInt     *shape;
  const char *const  *names;
  const float *const *data;
  PdDict              attrs;
} FieldsCtx;

static PetscErrorCode FieldsWriter(hid_t f, const char *file, void *vctx)
{
  FieldsCtx *c = (FieldsCtx *)vctx;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < c->n; k++) PetscCall(WriteFloat(f, c->names[k], (int)c->ndim, c->shape, c->data[k], file));
  if (c->attrs) PetscCall(WriteAttrs(f, c->attrs, file));
  PetscFunctionReturn(0);
}

/*@
  PdH5WriteFields - n float arrays of the same shape as datasets /names[k], with attributes (may be
  NULL), written by rank 0 (its arrays must be complete) to file.tmp and renamed
@*/
PetscErrorCode PdH5WriteFields(MPI_Comm comm, const char file[], PetscInt n, const char *const names[], const float *const data[], PetscInt ndim, const PetscInt shape[], PdDict attrs)
{
  FieldsCtx c = {n, ndim, shape, names, data, attrs};

  PetscFunctionBegin;
  PetscCall(AtomicWrite(comm, file, FieldsWriter, &c));
  PetscFunctionReturn(0);
}
