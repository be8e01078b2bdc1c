/* The model file of the learned preconditioners and Krylov methods: the option that names it, and
   the check that a checkpoint holds the kind of network the method runs. */
#include "precond/modelfile.h"
#include <pdeop/io.h>
#include <pdeop/dict.h>

PetscErrorCode PdOptionsModelFile(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[], const char man[], char file[], size_t len, PetscBool *changed)
{
  char      given[PETSC_MAX_PATH_LEN];
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsString(opt, text, man, file, given, sizeof(given), &set));
  *changed = (PetscBool)(set && strcmp(given, file));
  if (*changed) PetscCall(PetscStrncpy(file, given, len));
  PetscFunctionReturn(0);
}

PetscErrorCode PdCheckpointAttributeIs(MPI_Comm comm, const char file[], const char key[], const char value[], PetscBool *same, char found[], size_t len)
{
  PdDict      meta;
  const char *v = NULL;
  PetscBool   has;

  PetscFunctionBegin;
  *same = PETSC_FALSE;
  PetscCall(PdCheckpointReadMeta(comm, file, &meta, NULL));
  PetscCall(PdDictHas(meta, key, &has));
  if (has) PetscCall(PdDictGetString(meta, key, &v));
  if (has) PetscCall(PetscStrcmp(v, value, same));
  if (found) PetscCall(PetscStrncpy(found, has ? v : "(none)", len));
  PetscCall(PdDictDestroy(&meta));
  PetscFunctionReturn(0);
}
