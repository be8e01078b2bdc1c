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
      PetscCheck(*(PetscInt *)f <= NOP_HYPER_INT_MAX, nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s %" PetscInt_FMT " is out of range: a model's sizes are at most %d", h->option, *(PetscInt *)f, NOP_HYPER_INT_MAX);
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

PetscErrorCode NOpHyperCheck(NOp nop)
{
  const NOpHyperTable *t = nop->ops.hyper;

  PetscFunctionBegin;
  for (PetscInt i = 0; t && i < t->n; i++) {
    const NOpHyper *h = &t->h[i];
    PetscInt        v;

    if (h->kind != NOP_HYPER_INT) continue;
    v = *(const PetscInt *)((const char *)nop->data + h->offset);
    PetscCheck(v >= h->min && v <= h->max, nop->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s must be in %" PetscInt_FMT "..%" PetscInt_FMT ", got %" PetscInt_FMT, h->option, h->min, h->max, v);
  }
  if (nop->ops.check) PetscCall(nop->ops.check(nop));
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

/*@
  NOpCheckLoadedOptions - for a model loaded from file (pdeop train -resume): the options that
  describe a model (-model and the type's own, e.g. -fno_width) are taken from the file. Each one
  given anyway must agree with the file; a different value is an error naming both, since the
  weights in the file fix the architecture.
@*/
PetscErrorCode NOpCheckLoadedOptions(NOp nop, const char file[])
{
  const NOpHyperTable *t = nop->ops.hyper;
  char                 given[256];
  PetscBool            flg;
  const char          *type = nop->type;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-model", given, sizeof(given), &flg));
  PetscCheck(!flg || !strcmp(given, type), nop->comm, PETSC_ERR_ARG_INCOMP, "-model %s: '%s' holds a %s model, and a run from a checkpoint (-resume, -init) continues that model; train a new one without them to change it", given, file, type);
  for (PetscInt i = 0; t && i < t->n; i++) {
    const NOpHyper *h = &t->h[i];
    const void     *f = (const char *)nop->data + h->offset;
    char            kept[64];

    if (!h->option) continue;
    PetscCall(PetscOptionsGetString(NULL, NULL, h->option, given, sizeof(given), &flg));
    if (!flg) continue;
    switch (h->kind) {
    case NOP_HYPER_INT:
      PetscCall(PetscSNPrintf(kept, sizeof(kept), "%" PetscInt_FMT, *(const PetscInt *)f));
      break;
    case NOP_HYPER_BOOL:
      PetscCall(PetscSNPrintf(kept, sizeof(kept), "%s", *(const PetscBool *)f ? "true" : "false"));
      break;
    case NOP_HYPER_ACTIVATION:
      PetscCall(PetscSNPrintf(kept, sizeof(kept), "%s", PdActivations[*(const PdActivation *)f]));
      break;
    }
    if (h->kind == NOP_HYPER_INT) {
      PetscInt       v = 0;
      PetscErrorCode ierr;
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = PetscOptionsStringToInt(given, &v);
      PetscCall(PetscPopErrorHandler());
      PetscCheck(!ierr, nop->comm, PETSC_ERR_ARG_WRONG, "Option %s needs an integer, got '%s'", h->option, given);
      flg = (PetscBool)(v == *(const PetscInt *)f);
    } else if (h->kind == NOP_HYPER_BOOL) {
      PetscBool v;
      PetscCall(PetscOptionsGetBool(NULL, NULL, h->option, &v, NULL));
      flg = (PetscBool)(v == *(const PetscBool *)f);
    } else PetscCall(PetscStrcasecmp(given, kept, &flg));
    PetscCheck(flg, nop->comm, PETSC_ERR_ARG_INCOMP, "%s %s: the model in '%s' has %s %s, and a run from a checkpoint (-resume, -init) keeps that model (its weights fix the architecture); train a new one without them to change it", h->option, given, file, h->option, kept);
  }
  PetscFunctionReturn(0);
}

/* set n integer hyperparameters (fields of the type's data) and run the type's check; if it fails,
   the model keeps its old values and the check's error is returned */
PetscErrorCode NOpHyperSetIntsChecked(NOp nop, PetscInt n, PetscInt *const fields[], const PetscInt values[])
{
  PetscInt       old[8];
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCheck(n >= 0 && n <= 8, nop->comm, PETSC_ERR_PLIB, "NOpHyperSetIntsChecked sets at most 8 values, got %" PetscInt_FMT, n);
  for (PetscInt i = 0; i < n; i++) {
    old[i]     = *fields[i];
    *fields[i] = values[i];
  }
  ierr = NOpHyperCheck(nop);
  if (ierr)
    for (PetscInt i = 0; i < n; i++) *fields[i] = old[i];
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
