/* Library start-up: PETSc initialisation, log events of the main kernels, and registration of
   pdeop's own types (models, preconditioners) with PETSc's registries. */
#include <pdeop/pdeop.h>
#include <pdeop/precond.h>
#include <pdeop/learned.h>

PetscLogEvent PD_EVENT_MatMul, PD_EVENT_SpectralConv, PD_EVENT_SpectralConvBwd, PD_EVENT_Conv, PD_EVENT_ConvBwd, PD_EVENT_Backward, PD_EVENT_OptimStep, PD_EVENT_IO, PD_EVENT_Pointwise;

static PetscBool    registered = PETSC_FALSE;
static PetscClassId PD_CLASSID;

static PetscErrorCode PdFinalizePackage(void)
{
  PetscFunctionBegin;
  registered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Register log events and pdeop's types; idempotent. Called by PdInitialize and by the dynamic
   library loader (PetscDLLibraryRegister_pdeop) for programs that load pdeop with -dll_append. */
PetscErrorCode PdRegisterAll(void)
{
  PetscFunctionBegin;
  if (registered) PetscFunctionReturn(0);
  registered = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("pdeop", &PD_CLASSID));
  PetscCall(PetscLogEventRegister("PdMatMul", PD_CLASSID, &PD_EVENT_MatMul));
  PetscCall(PetscLogEventRegister("PdPointwise", PD_CLASSID, &PD_EVENT_Pointwise));
  PetscCall(PetscLogEventRegister("PdSpectralConv", PD_CLASSID, &PD_EVENT_SpectralConv));
  PetscCall(PetscLogEventRegister("PdSpectralConvBw", PD_CLASSID, &PD_EVENT_SpectralConvBwd));
  PetscCall(PetscLogEventRegister("PdConv", PD_CLASSID, &PD_EVENT_Conv));
  PetscCall(PetscLogEventRegister("PdConvBw", PD_CLASSID, &PD_EVENT_ConvBwd));
  PetscCall(PetscLogEventRegister("PdBackward", PD_CLASSID, &PD_EVENT_Backward));
  PetscCall(PetscLogEventRegister("PdOptimStep", PD_CLASSID, &PD_EVENT_OptimStep));
  PetscCall(PetscLogEventRegister("PdIO", PD_CLASSID, &PD_EVENT_IO));
  PetscCall(NOpRegisterAll());
  PetscCall(PCRegister("learned_sor", PCCreate_LearnedSOR));
  PetscCall(PCRegister("learned_ic", PCCreate_LearnedIC));
  PetscCall(KSPRegister("dcdm", KSPCreate_DCDM));
  PetscCall(PetscRegisterFinalize(PdFinalizePackage));
  PetscFunctionReturn(0);
}

PetscErrorCode PdInitialize(int *argc, char ***argv, const char file[], const char help[])
{
  PetscFunctionBegin;
  PetscCall(PetscInitialize(argc, argv, file, help));
  PetscCall(PdRegisterAll());
  PetscFunctionReturn(0);
}

/* Entry point PETSc calls when libpdeop is loaded with -dll_append / -dll_prepend. */
PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_pdeop(void)
{
  PetscFunctionBegin;
  PetscCall(PdRegisterAll());
  PetscFunctionReturn(0);
}
