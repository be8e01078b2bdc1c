/* -pc_type learned_ic: the learned incomplete Cholesky factor as a PETSc preconditioner. In
   parallel each rank factors its diagonal block (block Jacobi with learned IC blocks). A short trial
   at set-up decides between the learned factor and ICC(0), and its verdict is kept for the next
   set-ups of a sequence (-pc_learned_ic_fallback, -pc_learned_ic_trial_every). */
#include <petsc/private/pcimpl.h>
#include <petscblaslapack.h>
#include <pdeop/learned.h>
#include <pdeop/io.h>
#include <pdeop/rng.h>
#include <pdeop/options.h>
#include <pdeop/systems.h>
#include "precond/modelfile.h"
#include "precond/learned_ic_impl.h"

const char *const PCLearnedICFallbacks[] = {"none", "icc", "PCLearnedICFallback", "PC_LEARNED_IC_FALLBACK_", NULL};

typedef struct {
  char                file[PETSC_MAX_PATH_LEN];
  NOp                 model; /* type learned_ic */
  PdTape              tape;  /* inference tape, kept so a sequence of set-ups allocates nothing */
  PdICFactor          factor;
  PdICGraph           graph[2]; /* the last set-ups' graphs of two structures (the last: slot), and their */
  PdICFactor          spare[2]; /* factors while not in use, so a matrix of either computes only values */
  PetscInt            slot;
  PetscLogDouble      setup_seconds; /* of the last set-up */
  PetscInt            setups;
  PCLearnedICFallback fallback;
  PetscInt            trial_its;                  /* CG steps of the trial */
  PetscInt            trial_every;                /* a trial at most every this many set-ups */
  PetscInt            since_trial, trial_n;       /* set-ups since the last trial (-1: none yet), block size then */
  PetscInt            trials;                     /* trials run (here) */
  PetscBool           use_icc;                    /* the last trial's verdict on this rank's block */
  PetscBool           stale;                      /* a solve with the learned factor took far more iterations than the first after the trial */
  PetscInt            its_ref;                    /* iterations of that first solve (-1: not yet) */
  PetscInt            its_stale;                  /* iterations of the solve that made the verdict stale */
  PC                  icc;                        /* ICC(0) of this rank's block while collecting without a model */
  Vec                 rl, yl;                     /* its sequential views of the local parts */
  PetscReal           kappa[2], trial[2];         /* the trial's condition numbers and residual reductions: learned, ICC(0) */
  PetscBool           broke;                      /* the trial's CG with the learned factor met a non-positive curvature */
  PetscLogDouble      trial_seconds, trial_total; /* of the last trial, of all */
  PetscInt            fallbacks, fallback_ranks;  /* set-ups that fell back (here); ranks that did at the last */
  PetscMPIInt         size;
  char                collect[PETSC_MAX_PATH_LEN]; /* every system solved is appended here */
  PetscInt            collected;
  PetscInt            levels, ordering; /* the pattern asked for by options (-1: the model's), checked against the model's */
  PetscBool           levels_given;     /* -pc_learned_ic_levels given (its range is checked at set-up) */
} PC_LearnedIC;

/* the extreme eigenvalues of the symmetric tridiagonal matrix (diagonal d[m], off-diagonal e[m-1]),
   overwritten (LAPACK's steqr without vectors) */
static PetscErrorCode TridiagExtremes(PetscInt m, PetscReal d[], PetscReal e[], PetscReal *emin, PetscReal *emax)
{
  PetscBLASInt bm, info, one = 1;

  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(m, &bm));
  PetscCallBLAS("LAPACKsteqr", LAPACKsteqr_("N", &bm, d, e, NULL, &one, NULL, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK steqr failed: %d", (int)info);
  *emin = d[0]; /* ascending */
  *emax = d[m - 1];
  PetscFunctionReturn(0);
}

/* the Lanczos estimate of the condition number from k steps of CG's coefficients alpha, beta */
static PetscErrorCode LanczosKappa(PetscInt k, const PetscReal al[], const PetscReal be[], PetscReal d[], PetscReal e[], PetscReal *kappa)
{
  PetscReal emin = 0, emax = 0;

  PetscFunctionBegin;
  for (PetscInt j = 0; j < k; j++) {
    d[j] = 1 / al[j] + (j ? be[j] / al[j - 1] : 0);
    if (j) e[j - 1] = PetscSqrtReal(be[j]) / al[j - 1];
  }
  if (k) PetscCall(TridiagExtremes(k, d, e, &emin, &emax));
  *kappa = emin > 0 ? emax / emin : PETSC_INFINITY; /* no estimate: as bad as it gets */
  PetscFunctionReturn(0);
}

/* m CG steps on A x = b (zero guess) with each of two factors, f[0] (the learned one) then f[1]
   or, when icc is given, that set-up PC (no KSP and no iterate: the trial needs only CG's coefficients and the last residual): for each,
   the condition number of M^-1 A estimated from the Lanczos tridiagonal of CG's coefficients, and
   the residual's reduction ||r|| / ||b||. The estimates only grow with the steps (the extreme Ritz
   values spread), so f[1]'s run stops once its estimate reaches f[0]'s: f[1] can no longer have the
   smaller one, and the trial's verdict is the one the m steps would give. A run that breaks down
   (a zero or negative curvature, rounding) stops there and is judged on the steps it made. */
static PetscErrorCode TrialCG(Mat A, PdICFactor f[2], PC icc, PetscInt m, Vec b, PetscReal kappa[2], PetscReal reduction[2], PetscBool broke[2])
{
  Vec        r[2], z[2], p[2], q;
  PetscReal *d, *e, *alpha, *beta, bn, rn;

  PetscFunctionBegin;
  PetscCall(VecNorm(b, NORM_2, &bn));
  PetscCall(VecDuplicate(b, &q));
  PetscCall(PetscMalloc4(2 * m, &alpha, 2 * m, &beta, m, &d, m, &e));
  for (PetscInt c = 0; c < 2; c++) {
    PetscScalar        rz = 1, rz1, pq;
    const PetscScalar *ra;
    PetscScalar       *za;
    PetscInt           steps   = 0;
    PetscBool          decided = PETSC_FALSE;

    broke[c] = PETSC_FALSE;
    PetscCall(VecDuplicate(b, &r[c]));
    PetscCall(VecDuplicate(b, &z[c]));
    PetscCall(VecDuplicate(b, &p[c]));
    PetscCall(VecCopy(b, r[c]));
    for (PetscInt j = 0; j < m && !decided; j++) {
      if (c == 1 && icc) PetscCall(PCApply(icc, r[c], z[c]));
      else {
        PetscCall(VecGetArrayRead(r[c], &ra));
        PetscCall(VecGetArrayWrite(z[c], &za));
        PetscCall(PdICFactorApply(f[c], ra, za));
        PetscCall(VecRestoreArrayRead(r[c], &ra));
        PetscCall(VecRestoreArrayWrite(z[c], &za));
      }
      PetscCall(VecDot(r[c], z[c], &rz1));
      if (j == 0) PetscCall(VecCopy(z[c], p[c]));
      else {
        beta[c * m + j] = PetscRealPart(rz1 / rz);
        PetscCall(VecAYPX(p[c], rz1 / rz, z[c]));
      }
      rz = rz1;
      PetscCall(MatMult(A, p[c], q));
      PetscCall(VecDot(p[c], q, &pq));
      if (!(PetscRealPart(pq) > 0 && PetscRealPart(rz) > 0)) { /* not positive definite (or exactly solved: rz = 0) */
        broke[c] = (PetscBool)(PetscRealPart(rz) != 0);
        break;
      }
      alpha[c * m + j] = PetscRealPart(rz / pq);
      PetscCall(VecAXPY(r[c], -rz / pq, q));
      steps = j + 1;
      if (c == 1 && steps >= 3 && steps < m) {
        PetscCall(LanczosKappa(steps, alpha + m, beta + m, d, e, &kappa[1]));
        decided = (PetscBool)(kappa[1] >= kappa[0]);
      }
    }
    if (!decided) PetscCall(LanczosKappa(steps, alpha + c * m, beta + c * m, d, e, &kappa[c]));
    PetscCall(VecNorm(r[c], NORM_2, &rn));
    reduction[c] = rn / bn;
    PetscCall(VecDestroy(&r[c]));
    PetscCall(VecDestroy(&z[c]));
    PetscCall(VecDestroy(&p[c]));
  }
  PetscCall(PetscFree4(alpha, beta, d, e));
  PetscCall(VecDestroy(&q));
  PetscFunctionReturn(0);
}

/* ICC(0) of this rank's block Ad as the preconditioner (ic->icc and its vector views): PETSc's own,
   which keeps any explicit zeros of the matrix in its pattern */
static PetscErrorCode UseICC(PC_LearnedIC *ic, Mat Ad)
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(PCCreate(PETSC_COMM_SELF, &ic->icc));
  PetscCall(PCSetType(ic->icc, PCICC));
  PetscCall(PCSetOperators(ic->icc, Ad, Ad));
  PetscCall(PCSetUp(ic->icc));
  PetscCall(MatGetLocalSize(Ad, &n, NULL));
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, NULL, &ic->rl));
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, NULL, &ic->yl));
  PetscFunctionReturn(0);
}

/* The trial on this rank's block Ad: m CG steps with the learned factor and with ICC(0) from the
   same right-hand side; ICC(0) wins (ic->use_icc)
   when both its estimated condition number (CG's iterations grow as its square root) and its
   residual are the smaller. Either alone misjudges near-ties: 20 steps underestimate ICC(0)'s
   condition number (its smallest eigenvalue is found late), and early residuals favour ICC(0), which
   damps the rough components first. ICC(0) here is the one the graph already holds (computed in
   double precision with the graph, as the correction's base) when that is PETSc's ICC(0) (the
   learned factor has ICC(0)'s pattern in the natural order and the matrix stores no explicit
   zeros), so the trial factors nothing and PETSc's own ICC(0) is set up only when it is chosen;
   otherwise it is PETSc's PCICC (ic->icc), kept for the fallback. */
static PetscErrorCode Trial(PC_LearnedIC *ic, Mat Ad, PdICGraph g)
{
  PdICFactor   f[2];
  Vec          b;
  PetscInt     n;
  PetscBool    same;
  PetscScalar *v;
  PdRng        rng;

  PetscFunctionBegin;
  PetscCall(MatCreateVecs(Ad, NULL, &b));
  PetscCall(VecGetLocalSize(b, &n));
  PetscCall(PdRngSeed(&rng, 0, PD_RNG_STREAM_MAIN));
  PetscCall(VecGetArrayWrite(b, &v));
  for (PetscInt i = 0; i < n; i++) v[i] = PdRngNormal(&rng);
  PetscCall(VecRestoreArrayWrite(b, &v));
  PetscCall(PdICGraphIsICC(g, &same));
  f[0] = ic->factor;
  f[1] = NULL;
  if (same) PetscCall(PdICGraphICCFactor(g, &f[1], NULL));
  else PetscCall(UseICC(ic, Ad));
  {
    PetscBool broke[2];
    PetscCall(TrialCG(Ad, f, same ? NULL : ic->icc, ic->trial_its, b, ic->kappa, ic->trial, broke));
    ic->broke = broke[0]; /* an indefinite matrix, or a factor that is not SPD: CG's answer cannot be trusted; ICC(0) (PETSc's) then says so */
  }
  ic->use_icc = (PetscBool)(ic->broke || (ic->kappa[1] < ic->kappa[0] && ic->trial[1] < ic->trial[0]));
  PetscCall(PdICFactorDestroy(&f[1]));
  PetscCall(VecDestroy(&b));
  PetscFunctionReturn(0);
}

/* the model file must hold a learned_ic network (files of the former PdLearnedICSave load too);
   the type is checked before a model of another kind is built */
static PetscErrorCode LoadModel(const char file[], NOp *model)
{
  char      type[64];
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(PdCheckpointAttributeIs(PETSC_COMM_SELF, file, "model", NOPLEARNEDIC, &same, type, sizeof(type)));
  PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s' holds a '%s' model, not a learned_ic preconditioner (train one with: pdeop precond train -type learned_ic)", file, type);
  PetscCall(NOpLoad(PETSC_COMM_SELF, file, model, NULL));
  PetscFunctionReturn(0);
}

/* this rank's diagonal block of the preconditioning matrix */
static PetscErrorCode LocalBlock(PC pc, Mat *Ad)
{
  Mat         A = pc->pmat;
  PetscBool   isseq, ismpi;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCall(PetscObjectBaseTypeCompare((PetscObject)A, MATSEQAIJ, &isseq));
  PetscCall(PetscObjectBaseTypeCompare((PetscObject)A, MATMPIAIJ, &ismpi));
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)pc), &size));
  PetscCheck(ismpi || size == 1 || isseq, PetscObjectComm((PetscObject)pc), PETSC_ERR_SUP, "learned_ic in parallel needs an MPIAIJ matrix (got %s)", ((PetscObject)A)->type_name);
  if (ismpi) PetscCall(MatGetDiagonalBlock(A, Ad));
  else *Ad = A;
  PetscFunctionReturn(0);
}

/* -pc_learned_collect: the system about to be solved is appended to the file (matrix, then b) */
static PetscErrorCode PCPreSolve_LearnedIC(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_LearnedIC *ic = (PC_LearnedIC *)pc->data;

  PetscFunctionBegin;
  (void)ksp, (void)x;
  if (!ic->collect[0]) PetscFunctionReturn(0);
  PetscCall(PdSystemFileAppend(ic->collect, pc->pmat, b));
  ic->collected++;
  PetscFunctionReturn(0);
}

/* After a solve with the learned factor: the first after a trial sets the reference; one that takes
   more than twice its iterations (another kind of system of the same size) makes the next set-up
   run the trial again instead of keeping the verdict. When that trial keeps the learned factor, the
   count that made it run is the new reference, so a family whose counts spread (anisotropic systems
   with a strong direction either way) runs a few trials, not one at every doubling from the first. */
static PetscErrorCode PCPostSolve_LearnedIC(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_LearnedIC *ic = (PC_LearnedIC *)pc->data;
  PetscInt      its;

  PetscFunctionBegin;
  (void)b, (void)x;
  if (ic->fallback != PC_LEARNED_IC_FALLBACK_ICC || ic->use_icc || !ic->factor) PetscFunctionReturn(0);
  PetscCall(KSPGetIterationNumber(ksp, &its));
  if (ic->its_ref < 0) ic->its_ref = its;
  else if (its > 2 * ic->its_ref && !ic->stale) {
    ic->stale     = PETSC_TRUE;
    ic->its_stale = its;
  }
  PetscFunctionReturn(0);
}

/* ICC(0) or the learned factor on this rank's block, by a new trial or the last one's verdict */
/* the learned factor on graph g, in the last set-up's factor's memory when it has g's structure */
static PetscErrorCode Learned(PC_LearnedIC *ic, PdICGraph g)
{
  PetscFunctionBegin;
  ic->factor          = ic->spare[ic->slot];
  ic->spare[ic->slot] = NULL;
  PetscCall(PdLearnedICFactorUpdate(ic->model, ic->tape, g, &ic->factor));
  PetscFunctionReturn(0);
}

static PetscErrorCode Choose(PC_LearnedIC *ic, Mat Ad, PdICGraph g)
{
  PetscInt       n;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(MatGetLocalSize(Ad, &n, NULL));
  if (ic->since_trial < 0 || n != ic->trial_n || ic->since_trial + 1 >= ic->trial_every || ic->stale) {
    const PetscBool stale = ic->stale;
    PetscCall(Learned(ic, g));
    PetscCall(PetscTime(&t0)); /* the trial's own cost: the two CG runs */
    PetscCall(Trial(ic, Ad, g));
    PetscCall(PetscTime(&t1));
    ic->trial_seconds = t1 - t0;
    ic->trial_total += t1 - t0;
    ic->since_trial = 0;
    ic->trial_n     = n;
    ic->stale       = PETSC_FALSE;
    ic->its_ref     = stale && !ic->use_icc ? ic->its_stale : -1; /* the learned factor confirmed: that solve's count is the reference */
    ic->trials++;
  } else ic->since_trial++;
  if (ic->use_icc) {
    if (ic->factor) ic->spare[ic->slot] = ic->factor, ic->factor = NULL;
    if (!ic->icc) PetscCall(UseICC(ic, Ad));
  } else {
    PetscCall(PCDestroy(&ic->icc));
    PetscCall(VecDestroy(&ic->rl));
    PetscCall(VecDestroy(&ic->yl));
    if (!ic->factor) PetscCall(Learned(ic, g));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetUp_LearnedIC(PC pc)
{
  PC_LearnedIC  *ic = (PC_LearnedIC *)pc->data;
  Mat            Ad;
  PdICGraph      g;
  PetscLogDouble t0, t1;
  MPI_Comm       comm;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  PetscCallMPI(MPI_Comm_size(comm, &ic->size));
  PetscCall(PetscTime(&t0));
  if (ic->factor) { /* kept for its memory and structure */
    PetscCall(PdICFactorDestroy(&ic->spare[ic->slot]));
    ic->spare[ic->slot] = ic->factor;
    ic->factor          = NULL;
  }
  PetscCall(PCDestroy(&ic->icc));
  PetscCall(VecDestroy(&ic->rl));
  PetscCall(VecDestroy(&ic->yl));
  if (!ic->file[0] && ic->collect[0]) { /* collecting before any model: ICC(0) runs */
    PetscCall(LocalBlock(pc, &Ad));
    PetscCall(UseICC(ic, Ad));
    ic->fallback_ranks = ic->size;
    ic->setups++;
    PetscFunctionReturn(0);
  }
  if (!ic->model) {
    PetscCheck(ic->file[0], comm, PETSC_ERR_ARG_WRONGSTATE, "-pc_type learned_ic needs a model: give -pc_learned_model model.h5 (train one with: pdeop precond train -type learned_ic)");
    PetscCall(LoadModel(ic->file, &ic->model));
  }
  PetscCall(LocalBlock(pc, &Ad));
  {
    PetscInt levels, ordering;
    PetscCheck(!ic->levels_given || (ic->levels >= 0 && ic->levels <= 2), comm, PETSC_ERR_ARG_OUTOFRANGE, "-pc_learned_ic_levels must be in [0, 2], got %" PetscInt_FMT, ic->levels);
    PetscCall(NOpLearnedICGetPattern(ic->model, &levels, &ordering));
    PetscCheck((ic->levels < 0 || ic->levels == levels) && (ic->ordering < 0 || ic->ordering == ordering), comm, PETSC_ERR_ARG_INCOMP, "-pc_learned_ic_levels %" PetscInt_FMT " -pc_learned_ic_ordering %s: the model '%s' was trained on the pattern of IC(%" PetscInt_FMT ") in the %s ordering (train one with: pdeop precond train -type learned_ic -ic_levels %" PetscInt_FMT " -ic_ordering %s)", ic->levels < 0 ? levels : ic->levels, PdICOrderings[ic->ordering < 0 ? ordering : ic->ordering], ic->file, levels, PdICOrderings[ordering], ic->levels < 0 ? levels : ic->levels, PdICOrderings[ic->ordering < 0 ? ordering : ic->ordering]);
    PetscCall(PdICGraphUpdate(Ad, levels, (PdICOrdering)ordering, 2, ic->graph, &ic->slot));
    g = ic->graph[ic->slot];
  }
  if (!ic->tape) {
    PetscCall(PdTapeCreate(PETSC_COMM_SELF, &ic->tape));
    PetscCall(PdTapeSetGradEnabled(ic->tape, PETSC_FALSE));
  }
  ic->fallback_ranks = 0;
  if (ic->fallback == PC_LEARNED_IC_FALLBACK_ICC) {
    PetscMPIInt fell, any;
    PetscCall(Choose(ic, Ad, g));
    fell = ic->use_icc ? 1 : 0;
    PetscCallMPI(MPI_Allreduce(&fell, &any, 1, MPI_INT, MPI_SUM, comm));
    if (any && !ic->fallbacks && ic->broke) /* say so once */
      PetscCall(PetscFPrintf(comm, PETSC_STDERR, "learned_ic: in the set-up trial CG met a non-positive curvature with the learned factor: the matrix (or the factor) is not symmetric positive definite, which CG and learned_ic need; PETSc's ICC(0) runs instead, and its own checks apply\n"));
    else if (any && !ic->fallbacks)
      PetscCall(PetscFPrintf(comm, PETSC_STDERR, "learned_ic: in a %" PetscInt_FMT "-step CG trial ICC(0) did better than the learned factor (condition number %.3g against %.3g, residual %.2e against %.2e)%s, so ICC(0) runs instead (-pc_learned_ic_fallback none keeps the learned factor)\n", ic->trial_its, (double)ic->kappa[1], (double)ic->kappa[0], (double)ic->trial[1], (double)ic->trial[0], any < ic->size ? " on some ranks' blocks" : ""));
    ic->fallbacks += any ? 1 : 0;
    ic->fallback_ranks = any;
  } else PetscCall(Learned(ic, g));
  PetscCall(PetscTime(&t1));
  ic->setup_seconds = t1 - t0;
  ic->setups++;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApply_LearnedIC(PC pc, Vec r, Vec y)
{
  PC_LearnedIC      *ic = (PC_LearnedIC *)pc->data;
  const PetscScalar *ra;
  PetscScalar       *ya;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(r, &ra));
  PetscCall(VecGetArrayWrite(y, &ya));
  if (ic->icc) { /* the fallback, or collecting without a model: PETSc's ICC(0) */
    PetscCall(VecPlaceArray(ic->rl, ra));
    PetscCall(VecPlaceArray(ic->yl, ya));
    PetscCall(PCApply(ic->icc, ic->rl, ic->yl));
    PetscCall(VecResetArray(ic->rl));
    PetscCall(VecResetArray(ic->yl));
  } else PetscCall(PdICFactorApply(ic->factor, ra, ya));
  PetscCall(VecRestoreArrayRead(r, &ra));
  PetscCall(VecRestoreArrayWrite(y, &ya));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCReset_LearnedIC(PC pc)
{
  PC_LearnedIC *ic = (PC_LearnedIC *)pc->data;

  PetscFunctionBegin;
  PetscCall(PdICFactorDestroy(&ic->factor));
  for (PetscInt k = 0; k < 2; k++) {
    PetscCall(PdICFactorDestroy(&ic->spare[k]));
    PetscCall(PdICGraphDestroy(&ic->graph[k]));
  }
  PetscCall(PCDestroy(&ic->icc));
  PetscCall(VecDestroy(&ic->rl));
  PetscCall(VecDestroy(&ic->yl));
  ic->since_trial = -1; /* the next set-up runs the trial */
  PetscFunctionReturn(0);
}

static PetscErrorCode PCDestroy_LearnedIC(PC pc)
{
  PC_LearnedIC *ic = (PC_LearnedIC *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCReset_LearnedIC(pc));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedICGetRan_C", NULL));
  PetscCall(NOpDestroy(&ic->model));
  PetscCall(PdTapeDestroy(&ic->tape));
  PetscCall(PetscFree(pc->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetFromOptions_LearnedIC(PC pc, PetscOptionItems *PetscOptionsObject)
{
  PC_LearnedIC *ic = (PC_LearnedIC *)pc->data;
  PetscBool     changed;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Learned incomplete Cholesky options");
  PetscCall(PdOptionsModelFile(PetscOptionsObject, "-pc_learned_model", "HDF5 model from pdeop precond train -type learned_ic", "PCLEARNEDIC", ic->file, sizeof(ic->file), &changed));
  if (changed) {
    PetscCall(NOpDestroy(&ic->model));
    pc->setupcalled = 0;
  }
  PetscCall(PetscOptionsString("-pc_learned_collect", "Append every system solved (matrix, right-hand side) to this PETSc binary file, to train on (without a model ICC(0) runs)", "PCLEARNEDIC", ic->collect, ic->collect, sizeof(ic->collect), NULL));
  PetscCall(PdOptionsEnum("-pc_learned_ic_fallback", "At set-up, run ICC(0) instead when a short trial finds it better (icc) or never (none)", "PCLEARNEDIC", PCLearnedICFallbacks, (PetscEnum)ic->fallback, (PetscEnum *)&ic->fallback, NULL));
  PetscCall(PdOptionsInt("-pc_learned_ic_trial_its", "CG steps of the trial with each preconditioner (Lanczos estimates of the condition numbers)", "PCLEARNEDIC", ic->trial_its, &ic->trial_its, NULL));
  PetscCheck(ic->trial_its >= 1, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, "-pc_learned_ic_trial_its must be at least 1, got %" PetscInt_FMT, ic->trial_its);
  if (ic->file[0] && !ic->model) { /* so that -help shows its pattern; a file that cannot be read is reported at set-up */
    PetscErrorCode ierr;

    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = LoadModel(ic->file, &ic->model);
    PetscCall(PetscPopErrorHandler());
    if (ierr) PetscCall(NOpDestroy(&ic->model));
  }
  {
    PetscInt  mlev = 0, mord = 0, lev, ord;
    PetscBool set;

    if (ic->model) PetscCall(NOpLearnedICGetPattern(ic->model, &mlev, &mord));
    lev = ic->levels < 0 ? mlev : ic->levels;
    ord = ic->ordering < 0 ? mord : ic->ordering;
    PetscCall(PdOptionsInt("-pc_learned_ic_levels", "The factor's pattern IC(k) the model was trained on (default: the model's; another is an error)", "PCLEARNEDIC", lev, &lev, &set));
    if (set) ic->levels = lev, ic->levels_given = PETSC_TRUE;
    PetscCall(PdOptionsEList("-pc_learned_ic_ordering", "The ordering of the factor's pattern the model was trained on (default: the model's; another is an error)", "PCLEARNEDIC", PdICOrderings, 2, PdICOrderings[ord], &ord, &set));
    if (set) ic->ordering = ord;
  }
  PetscCall(PdOptionsInt("-pc_learned_ic_trial_every", "Run the trial at most every this many set-ups of the same size, keeping its verdict in between (1: at every set-up)", "PCLEARNEDIC", ic->trial_every, &ic->trial_every, NULL));
  PetscCheck(ic->trial_every >= 1, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, "-pc_learned_ic_trial_every must be at least 1, got %" PetscInt_FMT, ic->trial_every);
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode PCView_LearnedIC(PC pc, PetscViewer v)
{
  PC_LearnedIC *ic = (PC_LearnedIC *)pc->data;
  PetscBool     ascii;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)v, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(v, "  model file: %s\n", ic->file[0] ? ic->file : "(none)"));
  if (ic->model) {
    PetscCall(PetscViewerASCIIPushTab(v));
    PetscCall(NOpView(ic->model, v));
    PetscCall(PetscViewerASCIIPopTab(v));
  }
  if (ic->factor) {
    PetscInt n, nnz;
    PetscCall(PdICFactorGetSize(ic->factor, &n, &nnz));
    PetscCall(PetscViewerASCIIPrintf(v, "  factor on rank 0: %" PetscInt_FMT " rows, %" PetscInt_FMT " nonzeros; last set-up %.3g s (%" PetscInt_FMT " set-ups)\n", n, nnz, ic->setup_seconds, ic->setups));
  }
  if (ic->collect[0]) PetscCall(PetscViewerASCIIPrintf(v, "  collecting systems into %s (%" PetscInt_FMT " so far)\n", ic->collect, ic->collected));
  if (!ic->file[0] && ic->collect[0]) PetscCall(PetscViewerASCIIPrintf(v, "  ran: ICC(0) (no model yet)\n"));
  else if (ic->fallback == PC_LEARNED_IC_FALLBACK_NONE) PetscCall(PetscViewerASCIIPrintf(v, "  ran: the learned factor (no trial against ICC(0): -pc_learned_ic_fallback none)\n"));
  else if (ic->setups) {
    const char *ran = ic->fallback_ranks == 0 ? "the learned factor" : ic->fallback_ranks == ic->size ? "ICC(0), the fallback"
                                                                                                      : "ICC(0) on some ranks' blocks, the learned factor on the others";
    PetscCall(PetscViewerASCIIPrintf(v, "  ran: %s (%" PetscInt_FMT "-step CG trial on rank 0: condition number %.3g learned, %.3g ICC(0); residual reduced to %.2e and %.2e; %.3g s; %" PetscInt_FMT " trials in %" PetscInt_FMT " set-ups, at most one every %" PetscInt_FMT ")\n", ran, ic->trial_its, (double)ic->kappa[0], (double)ic->kappa[1], (double)ic->trial[0], (double)ic->trial[1], ic->trial_seconds, ic->trials, ic->setups, ic->trial_every));
  }
  PetscFunctionReturn(0);
}

/*@
  PCLearnedICGetRan - which preconditioner the last set-up kept: "learned", "icc" (the fallback),
  "mixed" (ICC(0) on some ranks' blocks), or "none" before any set-up
@*/
PetscErrorCode PCLearnedICGetRan(PC pc, const char **ran)
{
  PC_LearnedIC *ic;
  PetscBool     same;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, "learned_ic", &same));
  PetscCheck(same, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_WRONG, "PCLearnedICGetRan needs a learned_ic PC");
  ic   = (PC_LearnedIC *)pc->data;
  *ran = !ic->setups ? "none" : ic->fallback_ranks == 0      ? "learned"
                            : ic->fallback_ranks == ic->size ? "icc"
                                                             : "mixed";
  PetscFunctionReturn(0);
}

/*@ PCLearnedICGetTrials - trials against ICC(0) this rank ran, set-ups, and the trials' seconds, so far (any may be NULL) @*/
PetscErrorCode PCLearnedICGetTrials(PC pc, PetscInt *trials, PetscInt *setups, PetscLogDouble *seconds)
{
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, "learned_ic", &same));
  PetscCheck(same, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_WRONG, "PCLearnedICGetTrials needs a learned_ic PC");
  if (trials) *trials = ((PC_LearnedIC *)pc->data)->trials;
  if (setups) *setups = ((PC_LearnedIC *)pc->data)->setups;
  if (seconds) *seconds = ((PC_LearnedIC *)pc->data)->trial_total;
  PetscFunctionReturn(0);
}

/*MC
  PCLEARNEDIC - "learned_ic": M = L L^T with L predicted by a graph network from the matrix
  (pdeop precond train -type learned_ic). Options: -pc_learned_model file.h5 (required unless
  collecting); -pc_learned_collect file.petsc appends every system solved (matrix and right-hand
  side, PETSc binary) to the file, for pdeop precond train -f (with no model, ICC(0) runs);
  -pc_learned_ic_fallback icc|none (default icc: at set-up, CG runs -pc_learned_ic_trial_its steps,
  default 20, from the same white-noise right-hand side with the learned factor and with ICC(0), and
  ICC(0) runs instead when both its Lanczos estimate of the condition number and its residual are
  the smaller; said once on stderr, and in -pc_view). The verdict is kept for the next set-ups and
  the trial runs again after -pc_learned_ic_trial_every set-ups (default 20), when the block's size
  changes, or when a solve with the learned factor took more than twice the iterations of the first
  one after the trial.
  In parallel: block Jacobi, each rank's diagonal block gets its own learned factor (and trial).
M*/
PetscErrorCode PCCreate_LearnedIC(PC pc)
{
  PC_LearnedIC *ic;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ic));
  ic->fallback    = PC_LEARNED_IC_FALLBACK_ICC;
  ic->trial_its   = 20;
  ic->trial_every = 20;
  ic->since_trial = -1;
  ic->its_ref     = -1;
  ic->levels      = -1;
  ic->ordering    = -1;
  pc->data        = ic;
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCLearnedICGetRan_C", PCLearnedICGetRan));
  pc->ops->setup          = PCSetUp_LearnedIC;
  pc->ops->apply          = PCApply_LearnedIC;
  pc->ops->applytranspose = PCApply_LearnedIC;
  pc->ops->reset          = PCReset_LearnedIC;
  pc->ops->destroy        = PCDestroy_LearnedIC;
  pc->ops->setfromoptions = PCSetFromOptions_LearnedIC;
  pc->ops->view           = PCView_LearnedIC;
  pc->ops->presolve       = PCPreSolve_LearnedIC;
  pc->ops->postsolve      = PCPostSolve_LearnedIC;
  PetscFunctionReturn(0);
}
