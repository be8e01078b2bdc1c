/* PdParams: all of a model's parameters in one flat buffer and their gradients in another, each
   parameter a named PdTensor viewing its slice, so optimizers, checkpoints and MPI see one array. */
#include <pdeop/params.h>
#include "sys/array.h"

const char *const PdParamKinds[] = {"other", "matrix", "conv", "spectral", "PdParamKind", "PD_PARAM_", NULL};

typedef struct {
  PdTensor    t;
  PdParamKind kind;
  PdInit      init;
  float       scale;
  PetscInt    offset;
} PdParamEntry;

struct _n_PdParams {
  MPI_Comm      comm;
  PdParamEntry *p;
  PetscInt      n, max, size;
  float        *data, *grad;
  PetscBool     setup;
};

PetscErrorCode PdParamsCreate(MPI_Comm comm, PdParams *params)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(params));
  (*params)->comm = comm;
  PetscFunctionReturn(0);
}

PetscErrorCode PdParamsDestroy(PdParams *params)
{
  PetscFunctionBegin;
  if (!*params) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < (*params)->n; k++) {
    PetscCall(PetscFree((*params)->p[k].t->name));
    PetscCall(PetscFree((*params)->p[k].t));
  }
  PetscCall(PetscFree((*params)->p));
  PetscCall(PetscFree((*params)->data));
  PetscCall(PetscFree((*params)->grad));
  PetscCall(PetscFree(*params));
  PetscFunctionReturn(0);
}

/*@
  PdParamsAdd - declare a parameter (before PdParamsSetUp) and get its tensor

  The tensor's data and grad point into the flat buffers after PdParamsSetUp.
  init: zero, uniform in [-scale, scale], normal with std scale, or constant scale.
@*/
PetscErrorCode PdParamsAdd(PdParams params, const char name[], int ndim, const PetscInt shape[], PdInit init, float scale, PdTensor *out)
{
  PdTensor t;

  PetscFunctionBegin;
  PetscCheck(!params->setup, params->comm, PETSC_ERR_ARG_WRONGSTATE, "Cannot add parameter '%s' after PdParamsSetUp", name);
  for (PetscInt k = 0; k < params->n; k++) {
    PetscBool same;
    PetscCall(PetscStrcmp(params->p[k].t->name, name, &same));
    PetscCheck(!same, params->comm, PETSC_ERR_ARG_WRONG, "Two parameters are named '%s'", name);
  }
  PetscCall(PdArrayMakeRoom(sizeof(PdParamEntry), params->n, 16, &params->max, (void **)&params->p));
  PetscCall(PetscNew(&t));
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
  PetscCall(PdShapeSize(ndim, shape, &t->size));
  PetscCall(PetscStrallocpy(name, (char **)&t->name));
  params->p[params->n].t      = t;
  params->p[params->n].kind   = PD_PARAM_OTHER;
  params->p[params->n].init   = init;
  params->p[params->n].scale  = scale;
  params->p[params->n].offset = params->size;
  /* 16-float (64-byte) aligned slices */
  params->size += (t->size + 15) / 16 * 16;
  params->n++;
  *out = t;
  PetscFunctionReturn(0);
}

/*@
  PdParamsSetKind - say what a declared parameter is (PdParamKind), for the matrix-aware optimizers

  MATRIX needs a tensor of rank 2, CONV of rank 3 or more, SPECTRAL of rank 3 or more with a last
  axis of 2 (real, imaginary). Parameters not tagged are OTHER.
@*/
PetscErrorCode PdParamsSetKind(PdParams params, PdTensor t, PdParamKind kind)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < params->n; k++) {
    if (params->p[k].t != t) continue;
    PetscCheck(kind != PD_PARAM_MATRIX || t->ndim == 2, params->comm, PETSC_ERR_ARG_SIZ, "Parameter '%s' of rank %d cannot be a matrix: a matrix parameter is [out, in]", t->name, t->ndim);
    PetscCheck(kind != PD_PARAM_CONV || t->ndim >= 3, params->comm, PETSC_ERR_ARG_SIZ, "Parameter '%s' of rank %d cannot be a convolution kernel: a kernel is [out, in, k...]", t->name, t->ndim);
    PetscCheck(kind != PD_PARAM_SPECTRAL || (t->ndim >= 3 && t->shape[t->ndim - 1] == 2), params->comm, PETSC_ERR_ARG_SIZ, "Parameter '%s' cannot be a spectral weight: one is [modes..., in, out, 2]", t->name);
    params->p[k].kind = kind;
    PetscFunctionReturn(0);
  }
  SETERRQ(params->comm, PETSC_ERR_ARG_WRONG, "PdParamsSetKind: the tensor '%s' is not a parameter of this PdParams", t->name ? t->name : "(unnamed)");
}

/*@ PdParamsGetKind - the kind of parameter k (PdParamsSetKind) @*/
PetscErrorCode PdParamsGetKind(PdParams params, PetscInt k, PdParamKind *kind)
{
  PetscFunctionBegin;
  PetscCheck(k >= 0 && k < params->n, params->comm, PETSC_ERR_ARG_OUTOFRANGE, "Parameter %" PetscInt_FMT " of %" PetscInt_FMT, k, params->n);
  *kind = params->p[k].kind;
  PetscFunctionReturn(0);
}

/*@ PdParamsGetOffset - where parameter k starts in the flat buffers @*/
PetscErrorCode PdParamsGetOffset(PdParams params, PetscInt k, PetscInt *offset)
{
  PetscFunctionBegin;
  PetscCheck(k >= 0 && k < params->n, params->comm, PETSC_ERR_ARG_OUTOFRANGE, "Parameter %" PetscInt_FMT " of %" PetscInt_FMT, k, params->n);
  *offset = params->p[k].offset;
  PetscFunctionReturn(0);
}

/*@ PdParamsSetUp - allocate the flat buffers and initialise parameters in declaration order @*/
PetscErrorCode PdParamsSetUp(PdParams params, PdRng *rng)
{
  PetscFunctionBegin;
  if (params->setup) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(PetscMax(params->size, 1), &params->data));
  PetscCall(PetscCalloc1(PetscMax(params->size, 1), &params->grad));
  for (PetscInt k = 0; k < params->n; k++) {
    PdParamEntry *e = &params->p[k];
    e->t->data      = params->data + e->offset;
    e->t->grad      = params->grad + e->offset;
    switch (e->init) {
    case PD_INIT_ZERO:
      break;
    case PD_INIT_UNIFORM:
      PetscCall(PdRngFillUniform(rng, e->t->size, e->t->data, -e->scale, e->scale));
      break;
    case PD_INIT_NORMAL:
      PetscCall(PdRngFillNormal(rng, e->t->size, e->t->data, 0.0f, e->scale));
      break;
    case PD_INIT_CONSTANT:
      for (PetscInt i = 0; i < e->t->size; i++) e->t->data[i] = e->scale;
      break;
    }
  }
  params->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode PdParamsZeroGrad(PdParams params)
{
  PetscFunctionBegin;
  if (params->size) PetscCall(PetscArrayzero(params->grad, params->size));
  PetscFunctionReturn(0);
}

/* total number of scalar parameters (without alignment padding) */
PetscErrorCode PdParamsGetSize(PdParams params, PetscInt *n)
{
  PetscFunctionBegin;
  *n = 0;
  for (PetscInt k = 0; k < params->n; k++) *n += params->p[k].t->size;
  PetscFunctionReturn(0);
}

/* number of parameter tensors */
PetscErrorCode PdParamsGetNumber(PdParams params, PetscInt *n)
{
  PetscFunctionBegin;
  *n = params->n;
  PetscFunctionReturn(0);
}

PetscErrorCode PdParamsGetTensor(PdParams params, PetscInt k, PdTensor *t)
{
  PetscFunctionBegin;
  PetscCheck(k >= 0 && k < params->n, params->comm, PETSC_ERR_ARG_OUTOFRANGE, "Parameter %" PetscInt_FMT " of %" PetscInt_FMT, k, params->n);
  *t = params->p[k].t;
  PetscFunctionReturn(0);
}

/* the flat buffers (length PdParamsGetBufferSize, padding included, padding always zero) */
PetscErrorCode PdParamsGetArrays(PdParams params, float **data, float **grad)
{
  PetscFunctionBegin;
  PetscCheck(params->setup, params->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdParamsSetUp first");
  if (data) *data = params->data;
  if (grad) *grad = params->grad;
  PetscFunctionReturn(0);
}

PetscErrorCode PdParamsGetBufferSize(PdParams params, PetscInt *n)
{
  PetscFunctionBegin;
  *n = params->size;
  PetscFunctionReturn(0);
}

/*@ PdParamsAllreduceGrad - sum gradients over the communicator, then multiply by scale @*/
PetscErrorCode PdParamsAllreduceGrad(PdParams params, float scale)
{
  PetscFunctionBegin;
  {
    PetscMPIInt cnt;
    PetscCall(PetscMPIIntCast(params->size, &cnt));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, params->grad, cnt, MPI_FLOAT, MPI_SUM, params->comm));
  }
  if (scale != 1.0f)
    for (PetscInt i = 0; i < params->size; i++) params->grad[i] *= scale;
  PetscFunctionReturn(0);
}

PetscErrorCode PdParamsGradNorm(PdParams params, double *norm)
{
  const float *g = params->grad;
  double       s = 0;

  PetscFunctionBegin;
  /* in double, in vector lanes (a serial sum cost as much as an Adam step at 12.8M parameters) */
  _Pragma("omp simd reduction(+ : s)")
  for (PetscInt i = 0; i < params->size; i++) s += (double)g[i] * (double)g[i];
  *norm = PetscSqrtReal(s);
  PetscFunctionReturn(0);
}
