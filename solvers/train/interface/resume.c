/* Resuming a training run: the settings a checkpoint keeps (/training) and PdTrainerResume, which
   restores them with the parameters, the optimizer's state and the epoch count. */
#include "../trainimpl.h"
#include <pdeop/options.h>
#include <pdeop/progress.h>

/*@
  PdTrainerGetSettings - the run's settings a resumed run must keep, under their options' names:
  batch_size, the objective's (supervised: loss) and the optimizer's (PdOptimGetSettings)
@*/
PetscErrorCode PdTrainerGetSettings(PdTrainer t, PdDict d)
{
  PetscFunctionBegin;
  PetscCall(PdDictSetInt(d, "batch_size", t->batch_size));
  PetscCall(PdDictSetInt(d, "epochs", t->epochs)); /* not kept: a resumed run may train longer */
  if (t->obj->ops->getsettings) PetscCall((*t->obj->ops->getsettings)(t->obj, d));
  PetscCall(PdOptimGetSettings(t->optim, d));
  PetscFunctionReturn(0);
}

/* a stored setting as the options database would hold it */
static PetscErrorCode SettingString(PdDict d, const char *key, PdDictType type, char *buf, size_t len)
{
  PetscFunctionBegin;
  if (type == PD_DICT_REAL) {
    double v;
    PetscCall(PdDictGetReal(d, key, &v));
    snprintf(buf, len, "%.17g", v);
  } else if (type == PD_DICT_INT) {
    PetscInt64 v;
    PetscCall(PdDictGetInt(d, key, &v));
    snprintf(buf, len, "%lld", (long long)v);
  } else if (type == PD_DICT_BOOL) {
    PetscBool v;
    PetscCall(PdDictGetBool(d, key, &v));
    snprintf(buf, len, "%s", v ? "true" : "false");
  } else {
    const char *v;
    PetscCall(PdDictGetString(d, key, &v));
    snprintf(buf, len, "%s", v);
  }
  PetscFunctionReturn(0);
}

/* whether the value given on the command line means the stored one (numbers compared as numbers) */
static PetscBool SameSetting(PdDictType type, const char *stored, const char *given)
{
  char *end;
  if (type == PD_DICT_REAL || type == PD_DICT_INT) {
    double a = strtod(stored, NULL), b = strtod(given, &end);
    return (PetscBool)(end != given && !*end && PetscAbsReal(a - b) <= 1e-12 * PetscMax(PetscAbsReal(a), PetscAbsReal(b)));
  }
  if (strchr(stored, ',')) { /* a list of numbers (-optim_ns_coeffs): compared number by number */
    const char *a = stored, *b = given;
    for (;;) {
      char  *ea, *eb;
      double x = strtod(a, &ea), y = strtod(b, &eb);
      if (ea == a || eb == b || PetscAbsReal(x - y) > 1e-12 * PetscMax(PetscAbsReal(x), PetscAbsReal(y))) break;
      if (!*ea && !*eb) return PETSC_TRUE;
      if (*ea != ',' || *eb != ',') break;
      a = ea + 1, b = eb + 1;
    }
  }
  return (PetscBool)!strcasecmp(stored, given);
}

/*@
  PdTrainerResume - continue a run from its checkpoint: the parameters, the optimizer's state, the
  epoch count, and the run's settings (PdTrainerGetSettings: batch size, loss, optimizer, learning
  rate and schedule), which a resumed run keeps. A setting given again with another value is an
  error naming both; one not given is taken from the checkpoint. Call after PdTrainerSetFromOptions.
@*/
PetscErrorCode PdTrainerResume(PdTrainer t, const char file[])
{
  PdDict   meta, settings;
  PetscInt epoch, n, nset = 0;
  char   **restored;

  PetscFunctionBegin;
  PetscCall(PdCheckpointReadMeta(t->comm, file, &meta, &epoch));
  PetscCall(PdDictDestroy(&meta));
  PetscCall(PdCheckpointReadTraining(t->comm, file, &settings));
  PetscCall(PdDictGetSize(settings, &n));
  PetscCall(PetscCalloc1(n + 1, &restored));
  for (PetscInt k = 0; k < n; k++) {
    const char *key;
    PdDictType  type;
    char        opt[80], stored[64], given[256];
    PetscBool   set;
    PetscCall(PdDictGetEntry(settings, k, &key, &type));
    if (!strcmp(key, "epochs")) continue; /* see below */
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%s", key));
    PetscCall(SettingString(settings, key, type, stored, sizeof(stored)));
    PetscCall(PetscOptionsGetString(NULL, NULL, opt, given, sizeof(given), &set));
    if (set) {
      if (!SameSetting(type, stored, given)) {
        if (type == PD_DICT_REAL) snprintf(stored, sizeof(stored), "%g", strtod(stored, NULL)); /* for the message */
        for (PetscInt j = 0; j < nset; j++) PetscCall(PetscOptionsClearValue(NULL, restored[j]));
        for (PetscInt j = 0; j < nset; j++) PetscCall(PetscFree(restored[j]));
        PetscCall(PetscFree(restored));
        PetscCall(PdDictDestroy(&settings));
        SETERRQ(t->comm, PETSC_ERR_ARG_INCOMP, "'%s' was trained with %s %s; this run gives %s %s. A resumed run continues with its checkpoint's settings: drop %s, or start a new run without -resume", file, opt, stored, opt, given, opt);
      }
    } else {
      PetscCall(PetscOptionsSetValue(NULL, opt, stored));
      PetscCall(PetscStrallocpy(opt, &restored[nset++]));
    }
  }
  {
    PetscBool has;
    PetscCall(PdDictHas(settings, "epochs", &has));
    if (has && PdDictHas(settings, "lr_schedule", &has) == 0 && has) {
      PetscInt64  planned;
      const char *sched;
      PetscCall(PdDictGetInt(settings, "epochs", &planned));
      PetscCall(PdDictGetString(settings, "lr_schedule", &sched));
      if (planned != t->epochs && strcmp(sched, "constant") && strcmp(sched, "step")) PetscCall(PdPrintf(t->comm, "note: '%s' planned its %s schedule over %" PetscInt64_FMT " epochs; it now runs over %" PetscInt_FMT "\n", file, sched, planned, t->epochs));
    }
  }
  PetscCall(PdDictDestroy(&settings));
  if (nset) { /* the checkpoint's settings, applied as if given, then taken out of the database again */
    PetscCall(PdTrainerSetFromOptions(t));
    for (PetscInt j = 0; j < nset; j++) PetscCall(PetscOptionsClearValue(NULL, restored[j]));
  }
  for (PetscInt j = 0; j < nset; j++) PetscCall(PetscFree(restored[j]));
  PetscCall(PetscFree(restored));
  PetscCall(PdCheckpointLoad(t->comm, file, t->params, t->optim));
  {
    PdDict      now;
    const char *optim;
    double      lr;
    PetscCall(PdDictCreate(&now));
    PetscCall(PdOptimGetSettings(t->optim, now));
    PetscCall(PdDictGetString(now, "optim", &optim));
    PetscCall(PdDictGetReal(now, "lr", &lr));
    PetscCall(PdPrintf(t->comm, "resuming '%s' after %s %" PetscInt_FMT "%s: batch_size %" PetscInt_FMT ", optim %s, lr %g\n", file, t->obj->quiet_epochs ? "iteration" : "epoch", epoch, n ? " with its settings" : "", t->batch_size, optim, lr));
    PetscCall(PdDictDestroy(&now));
  }
  t->epoch           = epoch;
  t->last_checkpoint = epoch;
  PetscCall(PetscStrncpy(t->last_checkpoint_file, file, sizeof(t->last_checkpoint_file)));
  PetscFunctionReturn(0);
}
