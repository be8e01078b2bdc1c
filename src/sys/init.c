/* The engine's package start-up: its PETSc class id and log events (the kernels -log_view times),
   and the convolution kernels' switches from the options database. Upper floors register their
   own types (operators/interface/nop.c, solvers/init.c). */
#include <pdeop/options.h>
#include <pdeop/ops.h>
#include <pdeop/io.h>

PetscLogEvent PD_EVENT_MatMul, PD_EVENT_SpectralConv, PD_EVENT_SpectralConvBwd, PD_EVENT_Conv, PD_EVENT_ConvBwd, PD_EVENT_Backward, PD_EVENT_OptimStep, PD_EVENT_IO, PD_EVENT_Pointwise, PD_EVENT_PetscApply;

static PetscBool    initialized = PETSC_FALSE;
static PetscClassId PD_CLASSID;

static PetscErrorCode PdEngineFinalizePackage(void)
{
  PetscFunctionBegin;
  initialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@
  PdEngineInitializePackage - register the engine's class id and log events; idempotent

  Called by PdRegisterAll; a program that uses only the engine may call it after PetscInitialize.
@*/
PetscErrorCode PdEngineInitializePackage(void)
{
  PetscFunctionBegin;
  if (initialized) PetscFunctionReturn(0);
  initialized = PETSC_TRUE;
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
  PetscCall(PetscLogEventRegister("PdPetscApply", PD_CLASSID, &PD_EVENT_PetscApply));
  PetscCall(PdH5Initialize());
  PetscCall(PetscRegisterFinalize(PdEngineFinalizePackage));
  PetscFunctionReturn(0);
}

/*@
  PdEngineSetFromOptions - read the engine's global switches from the options database

  Options Database Keys:
+ -conv_winograd_min <n> - stride-1 2D 3x3 convolutions with min(Cin, Cout) >= n use Winograd F(2x2,3x3) (0: never)
. -conv_winograd_min_tiles <n> - and only on grids of at least n 2x2 output tiles
- -conv_direct_max <n>   - stride-1 3x3x3 convolutions with Cin Cout <= n use the direct kernel (0: never)
- -channel_mix_direct <bool> - the fused channel mix's own product where the channels allow (default true)
- -spectral_direct <bool> - the spectral layer's row DFTs and mode products on pdeop's own kernels where the shapes allow (default true)
@*/
PetscErrorCode PdEngineSetFromOptions(void)
{
  PetscInt  wmin = PdConvSetWinogradMin(16), wtiles = PdConvSetWinogradMinTiles(16), dmax = PdConvSetDirectMax(16); /* the current values, the defaults until the options say otherwise */
  PetscBool mix = PdChannelMixSetDirect(PETSC_TRUE), spec = PdSpectralSetDirect(PETSC_TRUE);

  PetscFunctionBegin;
  /* the results do not depend on these beyond float rounding */
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "pdeop convolution kernels", "PdConv3x3");
  PetscCall(PdOptionsInt("-conv_winograd_min", "Stride-1 2D 3x3 convolutions with min(Cin, Cout) at or above this use Winograd F(2x2,3x3) (0: never)", "PdConvSetWinogradMin", wmin, &wmin, NULL));
  PetscCall(PdOptionsInt("-conv_winograd_min_tiles", "Winograd only on grids of at least this many 2x2 output tiles (smaller ones: im2col + sgemm)", "PdConvSetWinogradMinTiles", wtiles, &wtiles, NULL));
  PetscCall(PdOptionsInt("-conv_direct_max", "Stride-1 3x3x3 convolutions with Cin Cout at or below this use the direct kernel (0: never)", "PdConvSetDirectMax", dmax, &dmax, NULL));
  PetscCall(PetscOptionsBool("-channel_mix_direct", "The fused channel mix (FNO) computes its products with 16k output channels by its own kernel, not sgemm", "PdChannelMixSetDirect", mix, &mix, NULL));
  PetscCall(PetscOptionsBool("-spectral_direct", "The spectral layer's row DFTs and mode products (FNO) use pdeop's own kernels, not sgemm and cgemm", "PdSpectralSetDirect", spec, &spec, NULL));
  PetscOptionsEnd();
  PetscCheck(wmin >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-conv_winograd_min must be at least 0, got %" PetscInt_FMT, wmin);
  PetscCheck(dmax >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-conv_direct_max must be at least 0, got %" PetscInt_FMT, dmax);
  PetscCheck(wtiles >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-conv_winograd_min_tiles must be at least 0, got %" PetscInt_FMT, wtiles);
  PdConvSetWinogradMin(wmin);
  PdConvSetWinogradMinTiles(wtiles);
  PdConvSetDirectMax(dmax);
  PdChannelMixSetDirect(mix);
  PdSpectralSetDirect(spec);
  PetscFunctionReturn(0);
}
