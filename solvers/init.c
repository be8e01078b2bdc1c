/* Library start-up: PetscInitialize plus every floor's registrations (the engine's log events, the
   model types, the learned PC and KSP types), and the entry point of -dll_append. */
#include <pdeop/pdeop.h>

static PetscBool registered = PETSC_FALSE;

static PetscErrorCode PdFinalizePackage(void)
{
  PetscFunctionBegin;
  registered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@
  PdRegisterAll - register pdeop's log events and types with PETSc; idempotent

  Called by PdInitialize and by the dynamic library loader (PetscDLLibraryRegister_pdeop) for
  programs that load pdeop with -dll_append.
@*/
PetscErrorCode PdRegisterAll(void)
{
  PetscFunctionBegin;
  if (registered) PetscFunctionReturn(0);
  registered = PETSC_TRUE;
  PetscCall(PdEngineInitializePackage());
  PetscCall(NOpRegisterAll());
  PetscCall(PdProblemRegisterAll());
  PetscCall(PCRegister("learned_sor", PCCreate_LearnedSOR));
  PetscCall(PCRegister("learned_ic", PCCreate_LearnedIC));
  PetscCall(KSPRegister("dcdm", KSPCreate_DCDM));
  PetscCall(KSPGuessRegister(KSPGUESSNOP, KSPGuessCreate_NOp));
  PetscCall(PetscRegisterFinalize(PdFinalizePackage));
  PetscFunctionReturn(0);
}

/*@
  PdInitialize - PetscInitialize, pdeop's registrations and the engine's options
@*/
PetscErrorCode PdInitialize(int *argc, char ***argv, const char file[], const char help[])
{
  PetscFunctionBegin;
  PetscCall(PetscInitialize(argc, argv, file, help));
  PetscCall(PdRegisterAll());
  PetscCall(PdEngineSetFromOptions());
  PetscFunctionReturn(0);
}

/* Entry point PETSc calls when libpdeop is loaded with -dll_append / -dll_prepend. */
PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_pdeop(void)
{
  PetscFunctionBegin;
  PetscCall(PdRegisterAll());
  PetscFunctionReturn(0);
}
