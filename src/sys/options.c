/* Options-database helpers shared by every command: reject options nobody read (typos), and
   tell whether -help was asked for (then a command lists its options and stops). */
#include <pdeop/options.h>
#include <errno.h>
#include <pdeop/progress.h>

/* Options PETSc reads only at the end of a run: when PetscFinalize runs (-options_left, -log_view,
   ...), never flagged by pdeop; the whole-name list, then prefixes of families. */
static const char *const at_finalize[] = {"options_left", "options_view", "history", "objects_dump", "memory_view", "malloc_dump", "malloc_view", "malloc_debug", "malloc_test", "log_view", "log_view_memory", "log_view_gpu_time", "log_all", "log_trace", "log_summary", "log_exclude", "log_sync", "info", "info_exclude", "check_pointer_intensity", "fp_trap", "on_error_abort", "on_error_attach_debugger", "no_signal_handler", "options_monitor", "options_monitor_cancel", "skip_petscrc", "use_gpu_aware_mpi", "traceback"};

static PetscBool AtFinalize(const char *name)
{
  for (size_t k = 0; k < sizeof(at_finalize) / sizeof(at_finalize[0]); k++)
    if (!strcmp(name, at_finalize[k])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Viewer options that PETSc's objects read at the end of their work (KSPSolve's -ksp_view,
   -ksp_converged_reason, -ksp_view_solution, -mat_view at assembly, ... with any prefix): a command
   cannot have read them yet when it checks before the work, so they are checked at its end. */
static PetscBool ReadAfterWork(const char *name)
{
  return (PetscBool)(strstr(name, "_view") || !strncmp(name, "view", 4) || strstr(name, "converged_reason") || strstr(name, "converged_rate") || strstr(name, "_monitor") || AtFinalize(name));
}

static PetscBool check_unused = PETSC_FALSE; /* PdOptionsSetCheckUnused: the pdeop program's rule only */

/*@
  PdOptionsSetCheckUnused - whether PdOptionsCheckUnused (and the check the PDE problems ask for at
  their solve) rejects options no code has read. Off by default: in a host program that calls the
  library, options the host reads itself, later or never, are its own business; the pdeop program
  and the benchmark drivers turn it on after PdInitialize.
@*/
PetscErrorCode PdOptionsSetCheckUnused(PetscBool flg)
{
  PetscFunctionBegin;
  check_unused = flg;
  PetscFunctionReturn(0);
}

/*@
  PdOptionsCheckUnused - error if an option was given that no code has read (only where
  PdOptionsSetCheckUnused turned the check on)

  Call after a command has read all its options and set up its objects, before the long work.
  context names the command for the message, e.g. "solve poisson". Viewer and monitor options that
  PETSc reads during or after the work (-ksp_view, -ksp_converged_reason, -log_view, -options_left,
  with any prefix) are left to PdOptionsWarnUnused at the command's end.
@*/
PetscErrorCode PdOptionsCheckUnused(MPI_Comm comm, const char context[])
{
  PetscInt N;
  char   **names, **values;
  char     msg[256] = "";

  PetscFunctionBegin;
  if (!check_unused) PetscFunctionReturn(0);
  { /* options every command takes, whether or not this one has read them yet */
    PetscBool flg;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-quiet", &flg));
    PetscCall(PdIsQuiet(&flg));
  }
  PetscCall(PetscOptionsLeftGet(NULL, &N, &names, &values));
  for (PetscInt k = 0; k < N && !msg[0]; k++)
    if (!ReadAfterWork(names[k])) PetscCall(PetscSNPrintf(msg, sizeof(msg), "-%s", names[k]));
  PetscCall(PetscOptionsLeftRestore(NULL, &N, &names, &values));
  PetscCheck(!msg[0], comm, PETSC_ERR_ARG_WRONG, "unknown option %s for 'pdeop %s' (`pdeop %s -help` lists the options)", msg, context, context);
  PetscFunctionReturn(0);
}

/*@
  PdOptionsIntOverflows - whether value is a whole number that PetscInt cannot hold (PETSc casts
  strtoll's result, so -da_grid_x 99999999999 would become 1215752191); false for anything else
@*/
PetscBool PdOptionsIntOverflows(const char value[])
{
  char     *end;
  long long v;

  if (!value) return PETSC_FALSE;
  errno = 0;
  v     = strtoll(value, &end, 10);
  return (PetscBool)(end != value && !*end && (errno == ERANGE || v > PETSC_MAX_INT || v < PETSC_MIN_INT));
}

/*@
  PdOptionsWarnUnused - at a command's end, a warning (not an error: the work is done and saved) for
  each option still unread, except those PETSc reads in PetscFinalize; e.g. -pressure_ksp_view
  given to a command that has no pressure solver
@*/
PetscErrorCode PdOptionsWarnUnused(MPI_Comm comm, const char context[])
{
  PetscInt N;
  char   **names, **values;

  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &N, &names, &values));
  for (PetscInt k = 0; k < N; k++)
    if (!AtFinalize(names[k])) PetscCall(PetscFPrintf(comm, PETSC_STDERR, "pdeop %s: warning: option -%s was not used\n", context, names[k]));
  PetscCall(PetscOptionsLeftRestore(NULL, &N, &names, &values));
  PetscFunctionReturn(0);
}

/*@ PdOptionsHelp - whether -help was given @*/
PetscErrorCode PdOptionsHelp(PetscBool *help)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, help));
  PetscFunctionReturn(0);
}

/*@
  PdOptionsNeedValue - inside an options block: error if option opt was given without a value (what
  names the kind of value it takes); the PdOptionsInt/Real/Enum/... wrappers call it
@*/
PetscErrorCode PdOptionsNeedValue(PetscOptionItems *po, const char opt[], const char what[])
{
  const char *value = NULL;
  PetscBool   flg;

  PetscFunctionBegin;
  PetscCall(PetscOptionsFindPair(po->options, po->prefix, opt, &value, &flg));
  PetscCheck(!flg || (value && value[0]), po->comm, PETSC_ERR_ARG_WRONG, "Option -%s%s needs a value (%s)", po->prefix ? po->prefix : "", opt + 1, what);
  if (flg && (!strcmp(what, "an integer") || !strcmp(what, "a number"))) { /* PETSc's own message does not name the option */
    PetscErrorCode ierr;
    PetscInt       i;
    PetscReal      r;

    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = what[0] == 'a' && what[1] == 'n' ? PetscOptionsStringToInt(value, &i) : PetscOptionsStringToReal(value, &r);
    PetscCall(PetscPopErrorHandler());
    PetscCheck(!ierr, po->comm, PETSC_ERR_ARG_WRONG, "Option -%s%s needs %s, got '%s'", po->prefix ? po->prefix : "", opt + 1, what, value);
    PetscCheck(!(what[0] == 'a' && what[1] == 'n' && PdOptionsIntOverflows(value)), po->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -%s%s %s is out of range: an integer option holds %" PetscInt_FMT " at most", po->prefix ? po->prefix : "", opt + 1, value, (PetscInt)PETSC_MAX_INT);
  }
  if (flg && !strcmp(what, "comma-separated numbers")) { /* each item, so that the message names the option */
    char      buf[1024], *save = NULL;
    PetscReal r;
    PetscCall(PetscStrncpy(buf, value, sizeof(buf)));
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
      PetscErrorCode ierr;
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = PetscOptionsStringToReal(w, &r);
      PetscCall(PetscPopErrorHandler());
      PetscCheck(!ierr, po->comm, PETSC_ERR_ARG_WRONG, "Option -%s%s needs %s, got '%s' ('%s' is not a number)", po->prefix ? po->prefix : "", opt + 1, what, value, w);
    }
  }
  PetscFunctionReturn(0);
}
