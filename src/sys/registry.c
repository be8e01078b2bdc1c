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
  PdRegistryChange - the constructor for changing an object's type from current to type: NULL when
  they are the same (nothing to do); an error naming the registered types when type is unknown

  Input: reg, comm (of the error), current (may be NULL or empty), type. Output: create
@*/
PetscErrorCode PdRegistryChange(PdRegistry *reg, MPI_Comm comm, const char current[], const char type[], PetscVoidFunction *create)
{
  PetscBool same;

  PetscFunctionBegin;
  *create = NULL;
  PetscCall(PetscStrcmp(current, type, &same));
  if (!same) PetscCall(PdRegistryFind(reg, comm, type, create));
  PetscFunctionReturn(0);
}

#define PD_MAX_REGISTRIES 8
static PdRegistry *registries[PD_MAX_REGISTRIES];
static int         nregistries = 0;

/* at PetscFinalize: forget the types of every registry that was filled, so a new PetscInitialize starts afresh */
static PetscErrorCode PdRegistryFinalizeAll(void)
{
  PetscFunctionBegin;
  for (int i = 0; i < nregistries; i++) {
    PdRegistry *reg = registries[i];

    PetscCall(PetscFunctionListDestroy(&reg->list));
    reg->n           = 0;
    reg->namelist[0] = 0;
    reg->allcalled   = PETSC_FALSE;
  }
  nregistries = 0;
  PetscFunctionReturn(0);
}

/*@
  PdRegistryBeginAll - at the start of a class's RegisterAll: *todo is false when it ran already;
  otherwise it is true, and the registry will be emptied at PetscFinalize
@*/
PetscErrorCode PdRegistryBeginAll(PdRegistry *reg, PetscBool *todo)
{
  PetscFunctionBegin;
  *todo = (PetscBool)!reg->allcalled;
  if (reg->allcalled) PetscFunctionReturn(0);
  PetscCheck(nregistries < PD_MAX_REGISTRIES, PETSC_COMM_SELF, PETSC_ERR_SUP, "Too many registries (at most %d)", PD_MAX_REGISTRIES);
  reg->allcalled = PETSC_TRUE;
  if (!nregistries) PetscCall(PetscRegisterFinalize(PdRegistryFinalizeAll));
  registries[nregistries++] = reg;
  PetscFunctionReturn(0);
}
