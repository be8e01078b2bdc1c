/* The type registry every class (NOp, PdProblem, PdObjective) keeps its constructors in: a
   PetscFunctionList plus the names in registration order for listings and error messages. */
#include <pdeop/registry.h>

/*@
  PdRegistryAdd - add a type to a registry

  Input: reg, name, usage (a one-line synopsis for listings, or NULL), create (the type's constructor,
  cast to PetscVoidFunction). The strings must outlive the registry (string literals).
@*/
PetscErrorCode PdRegistryAdd(PdRegistry *reg, const char name[], const char usage[], PetscVoidFunction create)
{
  PetscFunctionBegin;
  PetscCheck(reg->n < PD_REGISTRY_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP, "Too many %s registrations (at most %d)", reg->what, PD_REGISTRY_MAX);
  PetscCall(PetscFunctionListAdd(&reg->list, name, create));
  reg->names[reg->n]  = name;
  reg->usages[reg->n] = usage;
  reg->n++;
  if (reg->namelist[0]) PetscCall(PetscStrlcat(reg->namelist, ", ", sizeof(reg->namelist)));
  PetscCall(PetscStrlcat(reg->namelist, name, sizeof(reg->namelist)));
  PetscFunctionReturn(0);
}

/*@
  PdRegistryFind - the constructor of a registered type; an error naming the registered types otherwise

  Input: reg, comm (of the error), name. Output: create
@*/
PetscErrorCode PdRegistryFind(PdRegistry *reg, MPI_Comm comm, const char name[], PetscVoidFunction *create)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListFind(reg->list, name, create));
  PetscCheck(*create, comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown %s '%s'; choose one of: %s", reg->what, name, reg->namelist);
  PetscFunctionReturn(0);
}

/*@
  PdRegistryBeginAll - at the start of a class's RegisterAll: *todo is false when it ran already;
  otherwise it is true, and finalize (which calls PdRegistryReset) is registered with PetscRegisterFinalize
@*/
PetscErrorCode PdRegistryBeginAll(PdRegistry *reg, PetscErrorCode (*finalize)(void), PetscBool *todo)
{
  PetscFunctionBegin;
  *todo = (PetscBool)!reg->allcalled;
  if (reg->allcalled) PetscFunctionReturn(0);
  reg->allcalled = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(finalize));
  PetscFunctionReturn(0);
}

/*@ PdRegistryReset - forget every type (a class's finalize, at PetscFinalize) @*/
PetscErrorCode PdRegistryReset(PdRegistry *reg)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&reg->list));
  reg->n           = 0;
  reg->namelist[0] = 0;
  reg->allcalled   = PETSC_FALSE;
  PetscFunctionReturn(0);
}
