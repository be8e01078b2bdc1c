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
  if (t->have_smooth) { /* the divergence check's state (not options): a resumed run continues it */
    PetscCall(PdDictSetReal(d, "smoothed_loss", t->smooth));
    PetscCall(PdDictSetReal(d, "best_loss", t->best_smooth));
    PetscCall(PdDictSetInt(d, "best_loss_epoch", t->best_smooth_epoch));
  }
  PetscFunctionReturn(0);
}

/* the entries of /training that are the run's state, not settings given as options */
static PetscBool IsState(const char *key)
{
  return (PetscBool)(!strcmp(key, "epochs") || !strcmp(key, "smoothed_loss") || !strcmp(key, "best_loss") || !strcmp(key, "best_loss_epoch"));
}

/* the divergence check's state from /training, checked (a checkpoint of an older run has none) */
static PetscErrorCode RestoreGrowth(PdTrainer t, PdDict settings, const char *file, PetscInt epoch)
{
  PetscBool  has[3];
  double     smooth, best;
  PetscInt64 best_epoch;

  PetscFunctionBegin;
  PetscCall(PdDictHas(settings, "smoothed_loss", &has[0]));
  PetscCall(PdDictHas(settings, "best_loss", &has[1]));
  PetscCall(PdDictHas(settings, "best_loss_epoch", &has[2]));
  if (!has[0] && !has[1] && !has[2]) PetscFunctionReturn(0);
  PetscCheck(has[0] && has[1] && has[2], t->comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /training holds only some of smoothed_loss, best_loss, best_loss_epoch: the checkpoint is damaged", file);
  PetscCall(PdDictGetReal(settings, "smoothed_loss", &smooth));
  PetscCall(PdDictGetReal(settings, "best_loss", &best));
  PetscCall(PdDictGetInt(settings, "best_loss_epoch", &best_epoch));
  PetscCheck(PetscIsNormalReal(smooth) || smooth == 0, t->comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /training smoothed_loss is %g: the checkpoint is damaged", file, smooth);
  PetscCheck((PetscIsNormalReal(best) || best == 0) && best <= smooth + 1e-12 * PetscAbsReal(smooth), t->comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /training best_loss is %g (smoothed_loss %g): the checkpoint is damaged", file, best, smooth);
  PetscCheck(best_epoch >= 1 && best_epoch <= epoch, t->comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /training best_loss_epoch is %" PetscInt64_FMT ", outside 1..%" PetscInt_FMT ": the checkpoint is damaged", file, best_epoch, epoch);
  t->smooth            = smooth;
  t->best_smooth       = best;
  t->best_smooth_epoch = (PetscInt)best_epoch;
  t->have_smooth       = PETSC_TRUE;
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
  rate and schedule), which a resumed run keeps, and the divergence check's best loss so far. A
  setting given again with another value is an error naming both; one not given is taken from the
  checkpoint. Call after PdTrainerSetFromOptions.
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
  { /* checked before any setting is applied */
    PetscErrorCode ierr = RestoreGrowth(t, settings, file, epoch);
    if (ierr) PetscCall(PdDictDestroy(&settings));
    PetscCall(ierr);
  }
  PetscCall(PdDictGetSize(settings, &n));
  PetscCall(PetscCalloc1(n + 1, &restored));
  for (PetscInt k = 0; k < n; k++) {
    const char *key;
    PdDictType  type;
    char        opt[80], stored[64], given[256];
    PetscBool   set;
    PetscCall(PdDictGetEntry(settings, k, &key, &type));
    if (IsState(key)) continue; /* see below */
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
