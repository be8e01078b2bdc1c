/* -pc_type learned_sor: the bandit's state in a file (save, load, warm start from a model) and
   pretraining from the iteration counts of a family of systems (PCLearnedSORPretrainSystems solves them). */
#include <petsc/private/pcimpl.h>
#include "learned_sor_impl.h"
#include <pdeop/precond.h>
#include <pdeop/learned.h>
#include <pdeop/progress.h>
#include <pdeop/io.h>

static PetscErrorCode WriteState(PC pc, const char tmp[])
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  const PetscInt n  = ls->degree + 1;
  MPI_Comm       comm;
  PetscViewer    v;
  PetscInt       head[10];
  PetscReal      scal[6];
  PetscInt64     s[4];

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  head[0] = LEARNED_SOR_FILE_MAGIC;
  head[1] = LEARNED_SOR_FILE_VERSION;
  head[2] = ls->K;
  head[3] = ls->degree;
  head[4] = ls->inf.t;
  head[5] = ls->cb.t;
  head[6] = ls->solves;
  head[7] = ls->total_its;
  head[8] = ls->contextual;
  head[9] = ls->arm;
  scal[0] = ls->cmin;
  scal[1] = ls->cmax;
  scal[2] = ls->cb.gamma;
  scal[3] = ls->context;
  scal[4] = ls->omega_cur;
  scal[5] = ls->loss_scale;
  PetscCall(PetscMemcpy(s, ls->rng.s, sizeof(s)));
  PetscCall(PetscViewerCreate(comm, &v));
  PetscCall(PetscViewerSetType(v, PETSCVIEWERBINARY));
  PetscCall(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE));
  PetscCall(PetscViewerBinarySetSkipOptions(v, PETSC_TRUE));
  PetscCall(PetscViewerFileSetMode(v, FILE_MODE_WRITE));
  PetscCall(PetscViewerFileSetName(v, tmp));
  PetscCall(PetscViewerBinaryWrite(v, head, 10, PETSC_INT));
  PetscCall(PetscViewerBinaryWrite(v, scal, 6, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, ls->omega, ls->K, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, ls->inf.L, ls->K, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, ls->cb.A, ls->K * n * n, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, ls->cb.b, ls->K * n, PETSC_REAL));
  PetscCall(PetscViewerBinaryWrite(v, s, 4, PETSC_INT64));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}

/* the state goes to file.tmp, renamed over file when the whole of it was written */
PetscErrorCode PCLearnedSORSaveState_LearnedSOR(PC pc, const char file[])
{
  char           tmp[PETSC_MAX_PATH_LEN + 8];
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PdFileTempName(file, PETSC_FALSE, tmp, sizeof(tmp)));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = WriteState(pc, tmp);
  PetscCall(PetscPopErrorHandler());
  PetscCall(PdFileCommit(PetscObjectComm((PetscObject)pc), tmp, file, "the learned_sor state", ierr ? "PETSc's binary viewer failed (is the disk full?)" : NULL));
  PetscFunctionReturn(0);
}

/* Read a state file. A warm start (warm) takes the bandit only: this PC's statistics start at zero
   and its draws keep their own seed; otherwise the whole state, random stream included, continues. */
PetscErrorCode PCLearnedSORLoadStateFile_Private(PC pc, const char file[], PetscBool warm)
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  const PetscInt n  = ls->degree + 1;
  MPI_Comm       comm;
  PetscViewer    v;
  PetscInt       head[10];
  PetscReal      scal[6], *omega, *L, *A, *b;
  PetscInt64     s[4];

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  PetscCall(PetscViewerCreate(comm, &v));
  PetscCall(PetscViewerSetType(v, PETSCVIEWERBINARY));
  PetscCall(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE)); /* no file.info options */
  PetscCall(PetscViewerFileSetMode(v, FILE_MODE_READ));
  PetscCall(PetscViewerFileSetName(v, file));
  PetscCall(PetscViewerBinaryRead(v, head, 10, NULL, PETSC_INT));
  if (head[0] != LEARNED_SOR_FILE_MAGIC || head[1] != LEARNED_SOR_FILE_VERSION) {
    PetscCall(PetscViewerDestroy(&v));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s is not a learned_sor state file (version %d)", file, LEARNED_SOR_FILE_VERSION);
  }
  if (head[2] != ls->K || head[3] != ls->degree) {
    PetscCall(PetscViewerDestroy(&v));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s holds a bandit over %" PetscInt_FMT " omegas with Chebyshev degree %" PetscInt_FMT "; this PC has %" PetscInt_FMT " and %" PetscInt_FMT " (-pc_learned_sor_omega_count, -pc_learned_sor_context_degree)", file, head[2], head[3], ls->K, ls->degree);
  }
  PetscCall(PetscMalloc4(ls->K, &omega, ls->K, &L, ls->K * n * n, &A, ls->K * n, &b));
  PetscCall(PetscViewerBinaryRead(v, scal, 6, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, omega, ls->K, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, L, ls->K, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, A, ls->K * n * n, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, b, ls->K * n, NULL, PETSC_REAL));
  PetscCall(PetscViewerBinaryRead(v, s, 4, NULL, PETSC_INT64));
  PetscCall(PetscViewerDestroy(&v));
  for (PetscInt i = 0; i < ls->K; i++) {
    if (PetscAbsReal(omega[i] - ls->omega[i]) > 1e-12) {
      PetscCall(PetscFree4(omega, L, A, b));
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s holds a bandit over omegas %g..%g; this PC's grid is %g..%g (-pc_learned_sor_omega_min/max)", file, (double)omega[0], (double)omega[head[2] - 1], (double)ls->omega[0], (double)ls->omega[ls->K - 1]);
    }
  }
  if (PetscAbsReal(scal[0] - ls->cmin) > 0 || PetscAbsReal(scal[1] - ls->cmax) > 0) {
    PetscCall(PetscFree4(omega, L, A, b));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s maps contexts from [%g, %g]; this PC from [%g, %g] (-pc_learned_sor_context_min/max)", file, (double)scal[0], (double)scal[1], (double)ls->cmin, (double)ls->cmax);
  }
  PetscCall(PetscArraycpy(ls->inf.L, L, ls->K));
  PetscCall(PetscArraycpy(ls->cb.A, A, ls->K * n * n));
  PetscCall(PetscArraycpy(ls->cb.b, b, ls->K * n));
  PetscCall(PetscFree4(omega, L, A, b));
  ls->inf.t     = head[4];
  ls->cb.t      = head[5];
  ls->solves    = warm ? 0 : head[6];
  ls->total_its = warm ? 0 : head[7];
  ls->arm       = head[9];
  if (!ls->contextual) ls->context = scal[3]; /* a context already given for the next solve wins */
  ls->contextual = (PetscBool)(ls->contextual || head[8]);
  ls->omega_cur  = scal[4];
  ls->loss_scale = scal[5];
  if (!warm) {
    PetscCall(PetscMemcpy(ls->rng.s, s, sizeof(s)));
    ls->rng.has_spare = PETSC_FALSE;
  }
  ls->pending = PETSC_FALSE;
  if (ls->sor) PetscCall(PCSORSetOmega(ls->sor, ls->omega_cur));
  PetscFunctionReturn(0);
}

PetscErrorCode PCLearnedSORLoadState_LearnedSOR(PC pc, const char file[])
{
  PetscFunctionBegin;
  PetscCall(PCLearnedSORLoadStateFile_Private(pc, file, PETSC_FALSE));
  ((PC_LearnedSOR *)pc->data)->state_loaded = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode PCLearnedSORPretrain_LearnedSOR(PC pc, PetscInt n, const PetscReal ctx[], const PetscInt its[])
{
  PC_LearnedSOR *ls = (PC_LearnedSOR *)pc->data;
  const PetscInt K = ls->K, t0 = ls->cb.t;

  PetscFunctionBegin;
  PetscCheck(n >= 0, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, "The number of training systems %" PetscInt_FMT " must be >= 0", n);
  if (ls->loss_scale <= 0) { /* the slowest converged solve of the family counts as loss 1 */
    PetscInt worst = 0;
    for (PetscInt i = 0; i < n * K; i++) worst = PetscMax(worst, its[i]);
    ls->loss_scale = PetscMax(worst, 1);
  }
  for (PetscInt r = 0; r < n; r++) {
    for (PetscInt k = 0; k < K; k++) {
      const PetscInt  i    = its[r * K + k];
      const PetscReal loss = i < 0 ? 1 : PetscClipInterval((PetscReal)i / ls->loss_scale, 0, 1);
      if (ctx) PetscCall(PdSquareCBUpdate(&ls->cb, k, ctx[r], loss));
      else ls->inf.L[k] += loss;
    }
  }
  if (ctx) {
    ls->cb.t       = t0 + n; /* one round per system, however many arms it scored */
    ls->contextual = PETSC_TRUE;
    if (n) ls->context = ctx[n - 1];
  } else ls->inf.t += n;
  PetscFunctionReturn(0);
}

/*@
  PCLearnedSORPretrainSystems - the full-information warm start from n systems: CG + SSOR to rtol 1e-8
  at every omega of the PC's grid on each system (getsys(ctx, s, &A, &b) makes system s, which is
  destroyed after; rank r solves r, r + size, ...), the iterations of all ranks gathered into
  its[s K + k] (negative: diverged), then PCLearnedSORPretrain with them. Collective.

  Input: pc (learned_sor), n, getsys and ctx, prog (progress over the systems; NULL: none).
  Output: its, n K entries (K: PCLearnedSORGetGrid).
@*/
PetscErrorCode PCLearnedSORPretrainSystems(PC pc, PetscInt n, PetscErrorCode (*getsys)(void *, PetscInt, Mat *, Vec *), void *ctx, PdProgress *prog, PetscInt its[])
{
  PetscInt         K;
  const PetscReal *omega;
  PetscMPIInt      rank, size;
  MPI_Comm         comm = PetscObjectComm((PetscObject)pc);

  PetscFunctionBegin;
  PetscCall(PCLearnedSORGetGrid(pc, &K, &omega));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscArrayzero(its, n * K));
  for (PetscInt s = rank; s < n; s += size) {
    Mat A;
    Vec b, x;
    PetscCall(getsys(ctx, s, &A, &b));
    PetscCall(VecDuplicate(b, &x));
    PetscCall(PdSSORIterations(A, b, x, 1e-8, K, omega, its + s * K));
    PetscCall(VecDestroy(&x));
    PetscCall(VecDestroy(&b));
    PetscCall(MatDestroy(&A));
    if (prog) PetscCall(PdProgressUpdate(prog, PetscMin(n, s + size), NULL));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, its, (PetscMPIInt)(n * K), MPIU_INT, MPI_SUM, comm));
  PetscCall(PCLearnedSORPretrain(pc, n, NULL, its));
  PetscFunctionReturn(0);
}
