/* The solve step shared by every PDE problem: KSPSetUp and KSPSolve timed separately, results
   into the report, a diverged solve turned into an error that names PETSc's reason, and the
   unused-option check deferred until the solver has read its options. */
#include <pdeop/solve.h>
#include <pdeop/options.h>

static char pending[64] = "";

/*@
  PdOptionsCheckUnusedAtSolve - ask PdKSPSolveReport to check for unused options just before its
  next KSPSolve (after KSPSetFromOptions has read the solver's options); context names the command
@*/
PetscErrorCode PdOptionsCheckUnusedAtSolve(const char context[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(pending, context, sizeof(pending)));
  PetscFunctionReturn(0);
}

/* called by PdKSPSolveReport */
static PetscErrorCode PdOptionsCheckPending(MPI_Comm comm)
{
  char ctx[64];

  PetscFunctionBegin;
  if (!pending[0]) PetscFunctionReturn(0);
  PetscCall(PetscStrncpy(ctx, pending, sizeof(ctx)));
  pending[0] = 0;
  PetscCall(PdOptionsCheckUnused(comm, ctx));
  PetscFunctionReturn(0);
}

/*@
  PdKSPSolveReport - solve A x = b with a configured KSP and report how it went

  Adds to report (if not NULL): ksp_type, pc_type (with learned_ic: pc_learned_ic_ran), iterations, residual_norm (preconditioned or unpreconditioned, as
  the KSP's norm type says), converged_reason (PETSc's name), setup_seconds, solve_seconds.
  A negative converged reason is an error: the result is never returned silently.
@*/
PetscErrorCode PdKSPSolveReport(KSP ksp, Vec b, Vec x, PdDict report)
{
  PetscLogDouble     t0, t1, t2;
  PetscInt           its;
  PetscReal          rnorm;
  KSPConvergedReason reason;
  MPI_Comm           comm;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)ksp, &comm));
  {
    PetscReal rtol, atol, dtol;
    PetscInt  maxit;
    PetscCall(KSPGetTolerances(ksp, &rtol, &atol, &dtol, &maxit));
    PetscCheck(rtol > 0 && rtol < 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "The relative tolerance must be between 0 and 1, got -ksp_rtol %g (at 1 or above the zero initial guess already passes)", (double)rtol);
    PetscCheck(atol >= 0 && maxit >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ksp_atol and -ksp_max_it must not be negative, got %g and %" PetscInt_FMT, (double)atol, maxit);
  }
  PetscCall(PetscTime(&t0));
  PetscCall(KSPSetUp(ksp));
  PetscCall(PdOptionsCheckPending(comm));
  PetscCall(PetscTime(&t1));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(PetscTime(&t2));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetResidualNorm(ksp, &rnorm));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  { /* a KSP that computes no norm (preonly, -ksp_norm_type none) reports 0: the true residual instead */
    KSPNormType nt;
    PetscCall(KSPGetNormType(ksp, &nt));
    if (nt == KSP_NORM_NONE) {
      Mat A;
      Vec r;
      PetscCall(KSPGetOperators(ksp, &A, NULL));
      PetscCall(VecDuplicate(b, &r));
      PetscCall(MatMult(A, x, r));
      PetscCall(VecAYPX(r, -1.0, b));
      PetscCall(VecNorm(r, NORM_2, &rnorm));
      PetscCall(VecDestroy(&r));
    }
  }
  if (report) {
    KSPType ktype;
    PCType  ptype;
    PC      pc;
    PetscCall(KSPGetType(ksp, &ktype));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(PCGetType(pc, &ptype));
    PetscCall(PdDictSetString(report, "ksp_type", ktype));
    PetscCall(PdDictSetString(report, "pc_type", ptype ? ptype : "none"));
    { /* learned_ic: which preconditioner its set-up kept (learned, icc or mixed) */
      PetscErrorCode (*ran)(PC, const char **) = NULL;
      const char *which;
      PetscCall(PetscObjectQueryFunction((PetscObject)pc, "PCLearnedICGetRan_C", &ran));
      if (ran) PetscCall(ran(pc, &which));
      if (ran) PetscCall(PdDictSetString(report, "pc_learned_ic_ran", which));
    }
    PetscCall(PdDictSetInt(report, "iterations", its));
    PetscCall(PdDictSetReal(report, "residual_norm", (double)rnorm));
    {
      PetscReal xnorm;
      PetscCall(VecNorm(x, NORM_2, &xnorm));
      PetscCall(PdDictSetReal(report, "solution_norm", (double)xnorm));
    }
    PetscCall(PdDictSetString(report, "converged_reason", KSPConvergedReasons[reason]));
    PetscCall(PdDictSetReal(report, "setup_seconds", t1 - t0));
    PetscCall(PdDictSetReal(report, "solve_seconds", t2 - t1));
  }
  PetscCheck(reason >= 0, comm, PETSC_ERR_NOT_CONVERGED, "The linear solve diverged: %s after %" PetscInt_FMT " iterations (residual norm %g). Try another -ksp_type/-pc_type, or raise -ksp_max_it", KSPConvergedReasons[reason], its, (double)rnorm);
  PetscFunctionReturn(0);
}

/*@
  PdKSPUseGalerkinMG - with -pc_type mg, form coarse operators as P^T A P unless -pc_mg_galerkin says
  otherwise. pdeop's grid operators keep Dirichlet nodes as decoupled rows; rediscretised coarse
  operators would let coarse corrections leak through those rows (42 CG iterations instead of 4 at
  257^2), the Galerkin product does not.
@*/
PetscErrorCode PdKSPUseGalerkinMG(KSP ksp)
{
  PC pc;

  PetscFunctionBegin;
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PdPCUseGalerkinMG(pc));
  PetscFunctionReturn(0);
}

/*@ PdPCUseGalerkinMG - PdKSPUseGalerkinMG for a PC used alone (the -pc_mg_galerkin option under the PC's prefix) @*/
PetscErrorCode PdPCUseGalerkinMG(PC pc)
{
  PetscBool   ismg, set;
  const char *prefix;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCMG, &ismg));
  PetscCall(PCGetOptionsPrefix(pc, &prefix));
  PetscCall(PetscOptionsHasName(NULL, prefix, "-pc_mg_galerkin", &set));
  if (ismg && !set) PetscCall(PCMGSetGalerkin(pc, PC_MG_GALERKIN_BOTH));
  PetscFunctionReturn(0);
}
