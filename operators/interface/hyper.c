/* The hyperparameter tables of the model types (NOpHyperTable in nopimpl.h): one description of a
   type's integer, boolean and activation settings serves its options and its checkpoint attributes. */
#include "interface/nopimpl.h"
#include <pdeop/options.h>

/* read the type's table from the options database (inside NOpSetFromOptions' PetscOptionsBegin/End) */
PetscErrorCode NOpHyperSetFromOptions(NOp nop, PetscOptionItems *PetscOptionsObject)
{
  const NOpHyperTable *t = nop->ops.hyper;

  PetscFunctionBegin;
  if (!t) PetscFunctionReturn(0);
  PetscOptionsHeadBegin(PetscOptionsObject, t->title);
  for (PetscInt i = 0; i < t->n; i++) {
    const NOpHyper *h = &t->h[i];
    void           *f = (char *)nop->data + h->offset;

    if (!h->option) continue;
    switch (h->kind) {
    case NOP_HYPER_INT:
      PetscCall(PdOptionsInt(h->option, h->help, t->man, *(PetscInt *)f, (PetscInt *)f, NULL));
      break;
    case NOP_HYPER_BOOL:
      PetscCall(PetscOptionsBool(h->option, h->help, t->man, *(PetscBool *)f, (PetscBool *)f, NULL));
      break;
    case NOP_HYPER_ACTIVATION:
      PetscCall(PdOptionsEnum(h->option, h->help, t->man, PdActivations, (PetscEnum) * (PdActivation *)f, (PetscEnum *)f, NULL));
      break;
    }
  }
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

/* record the type's table in a checkpoint's attributes */
PetscErrorCode NOpHyperGetMeta(NOp nop, PdDict meta)
{
  const NOpHyperTable *t = nop->ops.hyper;

  PetscFunctionBegin;
  for (PetscInt i = 0; t && i < t->n; i++) {
    const NOpHyper *h = &t->h[i];
    const void     *f = (const char *)nop->data + h->offset;

    switch (h->kind) {
    case NOP_HYPER_INT:
      PetscCall(PdDictSetInt(meta, h->key, *(const PetscInt *)f));
      break;
    case NOP_HYPER_BOOL:
      PetscCall(PdDictSetBool(meta, h->key, *(const PetscBool *)f));
      break;
    case NOP_HYPER_ACTIVATION:
      PetscCall(PdDictSetString(meta, h->key, PdActivations[*(const PdActivation *)f]));
      break;
    }
  }
  PetscFunctionReturn(0);
}

/* read the type's table back from a checkpoint's attributes (optional ones may be absent) */
PetscErrorCode NOpHyperSetMeta(NOp nop, PdDict meta)
{
  const NOpHyperTable *t = nop->ops.hyper;

  PetscFunctionBegin;
  for (PetscInt i = 0; t && i < t->n; i++) {
    const NOpHyper *h = &t->h[i];
    void           *f = (char *)nop->data + h->offset;
    PetscInt64      v;
    const char     *s;
    PetscBool       has = PETSC_TRUE;

    if (h->optional) PetscCall(PdDictHas(meta, h->key, &has));
    if (!has) continue;
    switch (h->kind) {
    case NOP_HYPER_INT:
      PetscCall(PdDictGetInt(meta, h->key, &v));
      *(PetscInt *)f = (PetscInt)v;
      break;
    case NOP_HYPER_BOOL:
      PetscCall(PdDictGetBool(meta, h->key, (PetscBool *)f));
      break;
    case NOP_HYPER_ACTIVATION:
      PetscCall(PdDictGetString(meta, h->key, &s));
      PetscCall(PdActivationFromString(nop->comm, s, (PdActivation *)f));
      break;
    }
  }
  PetscFunctionReturn(0);
}
