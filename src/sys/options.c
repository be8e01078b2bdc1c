/* Options-database helpers shared by every command: reject options nobody read (typos), and
   tell whether -help was asked for (then a command lists its options and stops). */
#include <pdeop/options.h>
#include <pdeop/progress.h>

/*@
  PdOptionsCheckUnused - error if an option was given that no code has read

  Call after a command has read all its options and set up its objects, before the long work.
  context names the command for the message, e.g. "solve poisson".
@*/
PetscErrorCode PdOptionsCheckUnused(MPI_Comm comm, const char context[])
{
  PetscInt N;
  char   **names, **values;
  char     msg[256] = "";

  PetscFunctionBegin;
  { /* options every command takes, whether or not this one has read them yet */
    PetscBool flg;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-quiet", &flg));
    PetscCall(PdIsQuiet(&flg));
  }
  PetscCall(PetscOptionsLeftGet(NULL, &N, &names, &values));
  if (N > 0) PetscCall(PetscSNPrintf(msg, sizeof(msg), "-%s", names[0]));
  PetscCall(PetscOptionsLeftRestore(NULL, &N, &names, &values));
  PetscCheck(!msg[0], comm, PETSC_ERR_ARG_WRONG, "unknown option %s for 'pdeop %s' (`pdeop %s -help` lists the options)", msg, context, context);
  PetscFunctionReturn(0);
}

/*@ PdOptionsHelp - whether -help was given @*/
PetscErrorCode PdOptionsHelp(PetscBool *help)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, help));
  PetscFunctionReturn(0);
}
