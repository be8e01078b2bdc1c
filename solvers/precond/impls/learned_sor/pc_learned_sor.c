/* -pc_type learned_sor: symmetric SOR whose relaxation parameter is learned across a sequence of
   KSPSolves by a bandit (Khodak et al., "Learning to Relax", ICLR 2024). The bandits are in
   bandit.c, the state file and pretraining in state.c. */
#include <errno.h>
#include <pdeop/options.h>
#include <petsc/private/pcimpl.h>
#include <pdeop/precond.h>
#include "learned_sor_impl.h"

PetscErrorCode PCLearnedSORBuild_Private(PC_LearnedSOR *ls)
{
  PetscReal gamma = ls->cb.gamma;

  PetscFunctionBegin;
  PetscCall(PetscFree2(ls->omega, ls->p));
  PetscCall(PdTsallisINFDestroy(&ls->inf));
  PetscCall(PdSquareCBDestroy(&ls->cb));
  PetscCall(PetscMalloc2(ls->K, &ls->omega, ls->K, &ls->p));
  for (PetscInt i = 0; i < ls->K; i++) ls->omega[i] = ls->K == 1 ? ls->omega_min : ls->omega_min + i * (ls->omega_max - ls->omega_min) / (ls->K - 1);
  PetscCall(PdTsallisINFCreate(ls->K, &ls->inf));
  ls->inf.eta_scale = ls->eta_scale;
  PetscCall(PdSquareCBCreate(ls->K, ls->degree, ls->cmin, ls->cmax, &ls->cb));
  ls->cb.gamma  = gamma;
  ls->arm       = 0;
  ls->omega_cur = ls->omega[0];
  ls->pending   = PETSC_FALSE;
  ls->solves    = 0;
  ls->total_its = 0;
  PetscFunctionReturn(0);
}

/* the distribution the next solve draws from */
static PetscErrorCode LearnedSORProbabilities(PC_LearnedSOR *ls, PetscReal p[])
{
  PetscFunctionBegin;
  if (ls->contextual) PetscCall(PdSquareCBProbabilities(&ls->cb, ls->context, p));
  else PetscCall(PdTsallisINFProbabilities(&ls->inf, p));
  PetscFunctionReturn(0);
}

/* rank 0 looks, every rank learns the answer */
static PetscErrorCode FileExists(MPI_Comm comm, const char file[], PetscBool *exists)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  *exists = PETSC_FALSE;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(PetscTestFile(file, 'r', exists));
  PetscCallMPI(MPI_Bcast(exists, 1, MPIU_BOOL, 0, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetUp_LearnedSOR(PC pc)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  MPI_Comm       comm;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  if (ls->state_file && !ls->state_loaded) {
    PetscBool exists;
    PetscCall(FileExists(comm, ls->state_file, &exists));
    if (exists) {
      PetscCall(PCLearnedSORLoadState_LearnedSOR(pc, ls->state_file));
      ls->model_loaded = PETSC_TRUE; /* a sequence under way needs no warm start */
    }
    ls->state_loaded = PETSC_TRUE;
  }
  if (ls->model_file && !ls->model_loaded) {
    PetscBool exists;
    PetscCall(FileExists(comm, ls->model_file, &exists));
    PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "-pc_learned_model %s: no such file (write one with pdeop precond train -type learned_sor)", ls->model_file);
    PetscCall(PCLearnedSORLoadStateFile_Private(pc, ls->model_file, PETSC_TRUE));
    ls->model_loaded = PETSC_TRUE;
  }
  if (!ls->sor) {
    PetscCall(PCCreate(comm, &ls->sor));
    PetscCall(PetscObjectIncrementTabLevel((PetscObject)ls->sor, (PetscObject)pc, 1));
    PetscCall(PCSetType(ls->sor, PCSOR));
    PetscCall(PCSORSetSymmetric(ls->sor, SOR_LOCAL_SYMMETRIC_SWEEP));
  }
  /* a new operator of a sequence: the inner SSOR follows it, the bandit carries on */
  PetscCall(PCSetOperators(ls->sor, pc->mat, pc->pmat));
  PetscCall(PCSORSetOmega(ls->sor, ls->omega_cur));
  PetscCall(PCSetUp(ls->sor));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApply_LearnedSOR(PC pc, Vec x, Vec y)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCApply(ls->sor, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApplyTranspose_LearnedSOR(PC pc, Vec x, Vec y)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCApplyTranspose(ls->sor, x, y));
  PetscFunctionReturn(0);
}

/* before each KSPSolve: draw this solve's omega */
static PetscErrorCode PCPreSolve_LearnedSOR(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(LearnedSORProbabilities(ls, ls->p));
  ls->arm = PdBanditSample(&ls->rng, ls->K, ls->p);
  /* every rank draws the same arm from the same state; rank 0's word is final */
  PetscCallMPI(MPI_Bcast(&ls->arm, 1, MPIU_INT, 0, PetscObjectComm((PetscObject)pc)));
  ls->parm      = ls->p[ls->arm];
  ls->omega_cur = ls->omega[ls->arm];
  ls->pending   = PETSC_TRUE;
  if (ls->sor) PetscCall(PCSORSetOmega(ls->sor, ls->omega_cur));
  PetscCall(PetscInfo(pc, "Solve %" PetscInt_FMT ": omega %g (arm %" PetscInt_FMT ", probability %g)\n", ls->solves + 1, (double)ls->omega_cur, ls->arm, (double)ls->parm));
  PetscFunctionReturn(0);
}

/* after each KSPSolve: score the omega by the iterations it took */
static PetscErrorCode PCPostSolve_LearnedSOR(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_LearnedSOR     *ls = (PC_LearnedSOR *)pc->data;
  PetscInt           its, maxits;
  KSPConvergedReason reason;
  PetscReal          loss;

  PetscFunctionBegin;
  if (!ls->pending) PetscFunctionReturn(0);
  ls->pending = PETSC_FALSE;
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetTolerances(ksp, NULL, NULL, NULL, &maxits));
  /* losses must spread over [0,1] for the bandit to learn in tens of rounds: iterations / max_it
     would be ~0.01 with PETSc's default max_it. The scale is fixed after the first solve. */
  if (ls->loss_scale <= 0) ls->loss_scale = reason < 0 ? (PetscReal)PetscMax(maxits, 1) : 2.0 * PetscMax(its, 1);
  loss = reason < 0 ? 1 : PetscClipInterval((PetscReal)its / ls->loss_scale, 0, 1);
  if (ls->contextual) PetscCall(PdSquareCBUpdate(&ls->cb, ls->arm, ls->context, loss));
  else PetscCall(PdTsallisINFUpdate(&ls->inf, ls->arm, ls->parm, loss));
  ls->solves++;
  ls->total_its += its;
  if (ls->state_file) PetscCall(PCLearnedSORSaveState_LearnedSOR(pc, ls->state_file));
  PetscFunctionReturn(0);
}

/* An error raised here skips the PetscOptionsEnd() of PCSetFromOptions(), which frees the options
   block's prefix and title; release them first so a caught option error leaks nothing. */
static PetscErrorCode OptionsBlockRelease(PetscOptionItems *PetscOptionsObject)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(PetscOptionsObject->prefix));
  PetscCall(PetscFree(PetscOptionsObject->title));
  PetscFunctionReturn(0);
}
#define CheckOption(cond, ...) \
  do { \
    if (!(cond)) { \
      PetscCall(OptionsBlockRelease(PetscOptionsObject)); \
      SETERRQ(PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, __VA_ARGS__); \
    } \
  } while (0)

static PetscErrorCode PCSetFromOptions_LearnedSOR(PC pc, PetscOptionItems *PetscOptionsObject)
{
  PC_LearnedSOR *ls   = (PC_LearnedSOR *)pc->data;
  PetscReal      omin = ls->omega_min, omax = ls->omega_max, cmin = ls->cmin, cmax = ls->cmax, c = ls->context, gamma = ls->cb.gamma;
  PetscInt       K = ls->K, degree = ls->degree, seed = ls->seed;
  PetscBool      flg, seedset;
  char           file[PETSC_MAX_PATH_LEN] = "", model[PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Learned SOR options");
  PetscCall(PdOptionsReal("-pc_learned_sor_omega_min", "Smallest omega of the grid", "PCLEARNEDSOR", omin, &omin, NULL));
  PetscCall(PdOptionsReal("-pc_learned_sor_omega_max", "Largest omega of the grid", "PCLEARNEDSOR", omax, &omax, NULL));
  PetscCall(PdOptionsInt("-pc_learned_sor_omega_count", "Number of omegas on the grid", "PCLEARNEDSOR", K, &K, NULL));
  PetscCall(PdOptionsInt("-pc_learned_sor_seed", "Seed of the bandit's draws", "PCLEARNEDSOR", seed, &seed, &seedset));
  PetscCall(PdOptionsReal("-pc_learned_sor_context", "Context of the next solve (switches to SquareCB)", "PCLearnedSORSetContext", c, &c, &flg));
  if (flg) {
    ls->contextual = PETSC_TRUE;
    ls->context    = c;
  }
  PetscCall(PdOptionsReal("-pc_learned_sor_context_min", "Context mapped to -1", "PCLEARNEDSOR", cmin, &cmin, NULL));
  PetscCall(PdOptionsReal("-pc_learned_sor_context_max", "Context mapped to +1", "PCLEARNEDSOR", cmax, &cmax, NULL));
  PetscCall(PdOptionsInt("-pc_learned_sor_context_degree", "Degree of the Chebyshev features of the context", "PCLEARNEDSOR", degree, &degree, NULL));
  {
    PetscReal es = ls->inf.eta_scale > 0 ? ls->inf.eta_scale : 1.0;
    PetscCall(PdOptionsReal("-pc_learned_sor_eta", "Tsallis-INF learning-rate factor: eta_t = factor * 2/sqrt(t)", "PCLEARNEDSOR", es, &es, NULL));
    CheckOption(es > 0, "-pc_learned_sor_eta %g is out of range: it must be > 0", (double)es);
    ls->eta_scale     = es;
    ls->inf.eta_scale = es;
  }
  PetscCall(PdOptionsReal("-pc_learned_sor_loss_scale", "Iterations that count as loss 1 (0: twice the first solve's iterations)", "PCLEARNEDSOR", ls->loss_scale, &ls->loss_scale, NULL));
  PetscCall(PdOptionsReal("-pc_learned_sor_gamma", "SquareCB exploration gamma (0: sqrt(K t))", "PCLEARNEDSOR", gamma, &gamma, NULL));
  PetscCall(PetscOptionsString("-pc_learned_sor_state", "File of the bandit state: loaded at set-up if it exists, written after every solve", "PCLearnedSORSaveState", file, file, sizeof(file), &flg));
  PetscCall(PetscOptionsString("-pc_learned_model", "Bandit to start from (pdeop precond train -type learned_sor), read once", "PCLEARNEDSOR", model, model, sizeof(model), NULL));
  PetscOptionsHeadEnd();
  CheckOption(omin > 0 && omin < 2, "-pc_learned_sor_omega_min %g is out of range: SOR converges only for 0 < omega < 2", (double)omin);
  CheckOption(omax > 0 && omax < 2, "-pc_learned_sor_omega_max %g is out of range: SOR converges only for 0 < omega < 2", (double)omax);
  CheckOption(K >= 1, "-pc_learned_sor_omega_count %" PetscInt_FMT " is out of range: the grid needs at least one omega", K);
  CheckOption(K == 1 || omax > omin, "-pc_learned_sor_omega_max %g must exceed -pc_learned_sor_omega_min %g for a grid of %" PetscInt_FMT " omegas", (double)omax, (double)omin, K);
  CheckOption(degree >= 0, "-pc_learned_sor_context_degree %" PetscInt_FMT " is out of range: it must be >= 0", degree);
  CheckOption(cmax > cmin, "-pc_learned_sor_context_max %g must exceed -pc_learned_sor_context_min %g", (double)cmax, (double)cmin);
  CheckOption(ls->loss_scale >= 0, "-pc_learned_sor_loss_scale %g is out of range: it must be >= 0", (double)ls->loss_scale);
  CheckOption(gamma >= 0, "-pc_learned_sor_gamma %g is out of range: it must be >= 0 (0 for sqrt(K t))", (double)gamma);
  if (K != ls->K || omin != ls->omega_min || omax != ls->omega_max || degree != ls->degree || cmin != ls->cmin || cmax != ls->cmax) {
    if (ls->solves) PetscCall(PetscInfo(pc, "New grid or context features: the bandit starts again after %" PetscInt_FMT " solves\n", ls->solves));
    ls->K         = K;
    ls->omega_min = omin;
    ls->omega_max = omax;
    ls->degree    = degree;
    ls->cmin      = cmin;
    ls->cmax      = cmax;
    PetscCall(PCLearnedSORBuild_Private(ls));
    if (ls->sor) PetscCall(PCSORSetOmega(ls->sor, ls->omega_cur));
  }
  ls->cb.gamma = gamma;
  if (seedset && seed != ls->seed) {
    ls->seed = seed;
    PetscCall(PdRngSeed(&ls->rng, (uint64_t)seed, PD_RNG_STREAM_MAIN));
  }
  if (file[0] && (!ls->state_file || strcmp(file, ls->state_file))) {
    PetscCall(PetscFree(ls->state_file));
    PetscCall(PetscStrallocpy(file, &ls->state_file));
    ls->state_loaded = PETSC_FALSE;
  }
  if (model[0] && (!ls->model_file || strcmp(model, ls->model_file))) {
    PetscCall(PetscFree(ls->model_file));
    PetscCall(PetscStrallocpy(model, &ls->model_file));
    ls->model_loaded = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCView_LearnedSOR(PC pc, PetscViewer viewer)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  PetscBool      isascii;
  PetscReal     *p;
  PetscInt       top[3], ntop = PetscMin(3, ls->K);

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "  SSOR (local symmetric sweeps) with omega from a grid of %" PetscInt_FMT ": %g to %g\n", ls->K, (double)ls->omega[0], (double)ls->omega[ls->K - 1]));
  if (ls->contextual) PetscCall(PetscViewerASCIIPrintf(viewer, "  bandit: SquareCB, ridge regression on Chebyshev degree %" PetscInt_FMT " of the context in [%g, %g], context %g, gamma %s%g\n", ls->degree, (double)ls->cmin, (double)ls->cmax, (double)ls->context, ls->cb.gamma > 0 ? "" : "sqrt(K t) = ", ls->cb.gamma > 0 ? (double)ls->cb.gamma : (double)PetscSqrtReal((PetscReal)(ls->K * (ls->cb.t + 1)))));
  else PetscCall(PetscViewerASCIIPrintf(viewer, "  bandit: Tsallis-INF (alpha 1/2), %" PetscInt_FMT " rounds, seed %" PetscInt_FMT "\n", ls->inf.t, ls->seed));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  current omega: %g\n", (double)ls->omega_cur));
  PetscCall(PetscMalloc1(ls->K, &p));
  PetscCall(LearnedSORProbabilities(ls, p));
  for (PetscInt k = 0; k < ntop; k++) { /* the ntop most likely arms, in order */
    top[k] = -1;
    for (PetscInt a = 0; a < ls->K; a++) {
      PetscBool taken = PETSC_FALSE;
      for (PetscInt j = 0; j < k; j++) taken = (PetscBool)(taken || top[j] == a);
      if (!taken && (top[k] < 0 || p[a] > p[top[k]])) top[k] = a;
    }
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "  next solve's most likely omegas:"));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_FALSE));
  for (PetscInt k = 0; k < ntop; k++) PetscCall(PetscViewerASCIIPrintf(viewer, " %g (p %.3f)%s", (double)ls->omega[top[k]], (double)p[top[k]], k + 1 < ntop ? "," : "\n"));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_TRUE));
  PetscCall(PetscFree(p));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  solves: %" PetscInt_FMT ", total iterations: %" PetscInt_FMT "\n", ls->solves, ls->total_its));
  if (ls->state_file) PetscCall(PetscViewerASCIIPrintf(viewer, "  state file: %s\n", ls->state_file));
  if (ls->model_file) PetscCall(PetscViewerASCIIPrintf(viewer, "  started from: %s\n", ls->model_file));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCReset_LearnedSOR(PC pc)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCDestroy(&ls->sor)); /* the bandit is kept: it belongs to the sequence, not the operator */
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORSetContext_LearnedSOR(PC pc, PetscReal c)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  ls->contextual = PETSC_TRUE;
  ls->context    = c;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORGetGrid_LearnedSOR(PC pc, PetscInt *K, const PetscReal **omega)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  *K     = ls->K;
  *omega = ls->omega;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORGetOmega_LearnedSOR(PC pc, PetscReal *omega)
{
  PetscFunctionBegin;
  *omega = ((PC_LearnedSOR *)pc->data)->omega_cur;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCLearnedSORGetStats_LearnedSOR(PC pc, PetscInt *solves, PetscInt *its)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  if (solves) *solves = ls->solves;
  if (its) *its = ls->total_its;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCDestroy_LearnedSOR(PC pc)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCReset_LearnedSOR(pc));
  PetscCall(PetscFree2(ls->omega, ls->p));
  PetscCall(PdTsallisINFDestroy(&ls->inf));
  PetscCall(PdSquareCBDestroy(&ls->cb));
  PetscCall(PetscFree(ls->state_file));
  PetscCall(PetscFree(ls->model_file));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORSetContext_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORPretrain_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetOmega_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetGrid_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetStats_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORSaveState_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORLoadState_C", NULL));
  PetscCall(PetscFree(pc->data));
  PetscFunctionReturn(0);
}

/*MC
  PCLEARNEDSOR - "learned_sor": symmetric SOR (SSOR; block-Jacobi SSOR in parallel, SPD for SPD
  operators, so CG applies) whose relaxation parameter omega is chosen before every KSPSolve by a
  bandit over a grid of omegas and scored after it by the iterations it took, so a sequence of
  systems solved with one KSP converges to the omega that suits the sequence (Khodak, Chow,
  Balcan, Talwalkar, "Learning to Relax: Setting Solver Parameters Across a Sequence of Linear
  System Instances", ICLR 2024).

  The loss of a solve is its iterations over a scale fixed at the first solve (twice its
  iterations, or -pc_learned_sor_loss_scale), clipped to [0,1], and 1 if the solve diverged; the
  scale spreads the losses of good and poor omegas over [0,1]. Without a context the bandit is
  Tsallis-INF (alpha = 1/2) with the reduced-variance importance-weighted loss estimates and
  learning rate eta_t = 4 * 2/sqrt(t) (the factor, -pc_learned_sor_eta, was tuned on sequences of
  100 Darcy systems: 1 is the worst-case theory's choice and learns too slowly for 100 rounds;
  8 locks on early); with a context (a number describing each system, such as a diagonal shift) it
  is SquareCB: per-omega ridge regression of the loss on Chebyshev features of the context, and
  inverse-gap-weighted exploration. The bandit survives KSPSetOperators (the inner SSOR follows
  the new operator) and, with -pc_learned_sor_state, the end of the process.

  Options Database Keys:
+ -pc_learned_sor_omega_min <1.0>    - smallest omega of the grid, in (0, 2)
. -pc_learned_sor_omega_max <1.9>    - largest omega of the grid, in (0, 2)
. -pc_learned_sor_omega_count <10>   - omegas on the grid, equally spaced (1: omega_min only)
. -pc_learned_sor_eta <4>            - Tsallis-INF learning-rate factor
. -pc_learned_sor_loss_scale <0>     - iterations that count as loss 1 (0: twice the first solve's)
. -pc_learned_sor_seed <0>           - seed of the bandit's draws
. -pc_learned_sor_context <c>        - context of the next solves (switches to SquareCB)
. -pc_learned_sor_context_min <0>    - context mapped to -1 (contexts outside are clipped)
. -pc_learned_sor_context_max <1>    - context mapped to +1
. -pc_learned_sor_context_degree <3> - degree of the Chebyshev features
. -pc_learned_sor_gamma <0>          - SquareCB's exploration parameter (0: sqrt(K t) in round t)
. -pc_learned_sor_state <file>       - bandit state: loaded at set-up if the file exists, written
                                       (to file.tmp, then renamed) after every solve
- -pc_learned_model <file>           - a bandit to start from (`pdeop precond train -type
                                       learned_sor`, or any state file), read once at set-up and
                                       never written; a state file that exists takes precedence

  Level: intermediate

.seealso: `PCSOR`, `PCLearnedSORSetContext()`, `PCLearnedSORGetOmega()`, `PCLearnedSORGetStats()`,
          `PCLearnedSORSaveState()`, `PCLearnedSORLoadState()`
M*/
PETSC_EXTERN PetscErrorCode PCCreate_LearnedSOR(PC pc)
{
  PC_LearnedSOR *ls;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ls));
  pc->data      = (void *)ls;
  ls->K         = 10;
  ls->omega_min = 1.0;
  ls->omega_max = 1.9;
  ls->eta_scale = 4.0;
  ls->degree    = 3;
  ls->cmin      = 0;
  ls->cmax      = 1;
  ls->seed      = 0;
  PetscCall(PdRngSeed(&ls->rng, 0, PD_RNG_STREAM_MAIN));
  PetscCall(PCLearnedSORBuild_Private(ls));

  pc->ops->setup          = PCSetUp_LearnedSOR;
  pc->ops->apply          = PCApply_LearnedSOR;
  pc->ops->applytranspose = PCApplyTranspose_LearnedSOR;
  pc->ops->presolve       = PCPreSolve_LearnedSOR;
  pc->ops->postsolve      = PCPostSolve_LearnedSOR;
  pc->ops->setfromoptions = PCSetFromOptions_LearnedSOR;
  pc->ops->view           = PCView_LearnedSOR;
  pc->ops->reset          = PCReset_LearnedSOR;
  pc->ops->destroy        = PCDestroy_LearnedSOR;
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORSetContext_C", PCLearnedSORSetContext_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORPretrain_C", PCLearnedSORPretrain_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetOmega_C", PCLearnedSORGetOmega_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetGrid_C", PCLearnedSORGetGrid_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORGetStats_C", PCLearnedSORGetStats_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORSaveState_C", PCLearnedSORSaveState_LearnedSOR));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedSORLoadState_C", PCLearnedSORLoadState_LearnedSOR));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORSetContext - set the context of the next solves (for example the diagonal shift of
  the system) and switch the bandit to SquareCB; ignored by other PC types

  Logically Collective

  Input Parameters:
+ pc - the PCLEARNEDSOR
- c  - the context, mapped to [-1, 1] from [-pc_learned_sor_context_min, -pc_learned_sor_context_max]

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORSetContext(PC pc, PetscReal c)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveReal(pc, c, 2);
  PetscTryMethod(pc, "PCLearnedSORSetContext_C", (PC, PetscReal), (pc, c));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORGetOmega - the omega of the current or last solve (before any solve, the grid's first)

  Not Collective

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORGetOmega(PC pc, PetscReal *omega)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidRealPointer(omega, 2);
  PetscUseMethod(pc, "PCLearnedSORGetOmega_C", (PC, PetscReal *), (pc, omega));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORGetGrid - the omegas the bandit chooses from (owned by the PC)
@*/
PetscErrorCode PCLearnedSORGetGrid(PC pc, PetscInt *K, const PetscReal **omega)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscUseMethod(pc, "PCLearnedSORGetGrid_C", (PC, PetscInt *, const PetscReal **), (pc, K, omega));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORGetStats - solves scored so far and their total iterations (either may be NULL);
  counted across processes when the state comes from a file

  Not Collective

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORGetStats(PC pc, PetscInt *solves, PetscInt *total_iterations)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscUseMethod(pc, "PCLearnedSORGetStats_C", (PC, PetscInt *, PetscInt *), (pc, solves, total_iterations));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORSaveState - write the bandit (grid, loss estimates or regressions, round counts,
  random state, statistics) to a PETSc binary file, through file.tmp and a rename

  Collective

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORSaveState(PC pc, const char file[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidCharPointer(file, 2);
  PetscUseMethod(pc, "PCLearnedSORSaveState_C", (PC, const char[]), (pc, file));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORLoadState - continue the sequence saved by PCLearnedSORSaveState; the file's grid,
  Chebyshev degree and context range must be this PC's (set options first)

  Collective

  Level: intermediate
@*/
PetscErrorCode PCLearnedSORLoadState(PC pc, const char file[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidCharPointer(file, 2);
  PetscUseMethod(pc, "PCLearnedSORLoadState_C", (PC, const char[]), (pc, file));
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORPretrain - warm-start the bandit with full-information rounds: every omega of the grid
  was tried on each of n training systems of the family, taking its[r K + k] iterations for omega k
  on system r (negative: it diverged, loss 1). Each omega's loss estimate (with contexts ctx[r], its
  ridge regression) takes the losses it had, the round count advances by n so the learning rate
  continues from there, and an unset loss scale becomes the slowest converged training solve.

  Collective

  Level: advanced

.seealso: `PCLearnedSORSaveState()`, `PCLearnedSORGetGrid()`
@*/
PetscErrorCode PCLearnedSORPretrain(PC pc, PetscInt n, const PetscReal ctx[], const PetscInt its[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscUseMethod(pc, "PCLearnedSORPretrain_C", (PC, PetscInt, const PetscReal[], const PetscInt[]), (pc, n, ctx, its));
  PetscFunctionReturn(0);
}
