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
  PetscInt wmin = PdConvSetWinogradMin(16), dmax = PdConvSetDirectMax(16); /* the current values, the defaults until the options say otherwise */

  PetscFunctionBegin;
  PetscCall(PetscInitialize(argc, argv, file, help));
  PetscCall(PdRegisterAll());
  /* the convolution kernels' switches (ops.h); the results do not depend on them beyond float rounding */
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "pdeop convolution kernels", "PdConv3x3");
  PetscCall(PetscOptionsInt("-conv_winograd_min", "Stride-1 2D 3x3 convolutions with min(Cin, Cout) at or above this use Winograd F(2x2,3x3) (0: never)", "PdConvSetWinogradMin", wmin, &wmin, NULL));
  PetscCall(PetscOptionsInt("-conv_direct_max", "Stride-1 3x3x3 convolutions with Cin Cout at or below this use the direct kernel (0: never)", "PdConvSetDirectMax", dmax, &dmax, NULL));
  PetscOptionsEnd();
  PetscCheck(wmin >= 0 && dmax >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-conv_winograd_min and -conv_direct_max must be at least 0, got %" PetscInt_FMT " and %" PetscInt_FMT, wmin, dmax);
  PdConvSetWinogradMin(wmin);
  PdConvSetDirectMax(dmax);
  PetscFunctionReturn(0);
}

/* Entry point PETSc calls when libpdeop is loaded with -dll_append / -dll_prepend. */
PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_pdeop(void)
{
  PetscFunctionBegin;
  PetscCall(PdRegisterAll());
  PetscFunctionReturn(0);
}
