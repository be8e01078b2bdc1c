/* The learned-ic objective: the graph network of the learned incomplete Cholesky factor trained on
   a family of SPD systems (rank r owns systems r, r + size, ...), the loss of PdLearnedICLoss per
   system, CG iterations on validation systems as the metric every few epochs, the best model kept. */
#include "../../trainimpl.h"
#include <pdeop/learnedtrain.h>
#include <pdeop/progress.h>
#include <pdeop/systems.h>

/* Where systems come from: a family (system s of fam) or a list of files (system offset + s) */
typedef struct {
  PdFamily    *fam;
  PdSystemList list;
  PetscInt     offset;
} Source;

/* system s's matrix (a new one) */
static PetscErrorCode SourceOperator(Source *src, PetscInt s, Mat *A)
{
  PetscFunctionBegin;
  *A = NULL;
  if (src->fam) PetscCall(PdFamilyOperator(src->fam, s, A));
  else PetscCall(PdSystemListLoad(src->list, src->offset + s, A));
  PetscFunctionReturn(0);
}

/* right-hand side k of system s */
static PetscErrorCode SourceRHS(Source *src, PetscInt s, PetscInt k, Mat A, Vec b)
{
  PetscFunctionBegin;
  if (src->fam) PetscCall(PdFamilyRHS(src->fam, s, k, b));
  else PetscCall(PdSystemListRHS(src->list, src->offset + s, k, A, b));
  PetscFunctionReturn(0);
}

/* Validation: total CG iterations (rtol 1e-8, f = 1) with the model's factors on a few systems */
typedef struct {
  PetscInt   n;
  Mat       *A;
  Vec       *b;
  PdICGraph *g;
} Validation;

typedef struct {
  NOp        model;
  PetscInt   levels, ordering; /* the model's factor pattern (PdICGraphCreatePattern) */
  PetscInt   count, nval, every;
  PdICGraph *graphs; /* [count], NULL for other ranks' systems */
  Validation val;    /* on rank 0 */
} PdObjective_LearnedIC;

/* x = A^-1 b to 1e-10 with CG + BoomerAMG */
static PetscErrorCode SolveExact(Mat A, Vec b, Vec x)
{
  KSP                ksp;
  PC                 pc;
  KSPConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCHYPRE));
  PetscCall(KSPSetTolerances(ksp, 1e-10, 1e-50, PETSC_DEFAULT, 10000));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPDestroy(&ksp));
  PetscCheck(reason > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "Making the training family: a reference solve (CG + BoomerAMG to 1e-10) diverged (%s): is a system singular (a Neumann problem's null space) or indefinite? learned_ic needs symmetric positive definite, nonsingular systems", KSPConvergedReasons[reason]);
  PetscFunctionReturn(0);
}

/* The graph of system s with P (x, b) pairs, on the factor pattern IC(levels) in the ordering */
static PetscErrorCode MakeSystem(Source *src, PetscInt s, PetscInt P, PetscInt levels, PetscInt ordering, PdICGraph *g)
{
  Mat                A;
  Vec                b, x;
  PetscInt           n;
  double            *xs, *bs;
  const PetscScalar *xa, *ba;

  PetscFunctionBegin;
  PetscCall(SourceOperator(src, s, &A));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecGetSize(b, &n));
  PetscCall(PetscMalloc2(n * P, &xs, n * P, &bs));
  for (PetscInt k = 0; k < P; k++) {
    PetscCall(SourceRHS(src, s, k, A, b));
    PetscCall(SolveExact(A, b, x));
    PetscCall(VecGetArrayRead(x, &xa));
    PetscCall(VecGetArrayRead(b, &ba));
    for (PetscInt i = 0; i < n; i++) {
      xs[i * P + k] = PetscRealPart(xa[i]);
      bs[i * P + k] = PetscRealPart(ba[i]);
    }
    PetscCall(VecRestoreArrayRead(x, &xa));
    PetscCall(VecRestoreArrayRead(b, &ba));
  }
  PetscCall(PdICGraphCreatePattern(A, levels, (PdICOrdering)ordering, g));
  PetscCall(PdICGraphSetPairs(*g, P, xs, bs));
  PetscCall(PetscFree2(xs, bs));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

/* n validation systems of a source; a family's all get the first one's right-hand side (f = 1) */
static PetscErrorCode ValidationCreate(Source *src, PetscInt n, PetscInt levels, PetscInt ordering, Validation *v)
{
  PetscFunctionBegin;
  v->n = n;
  PetscCall(PetscCalloc3(n, &v->A, n, &v->g, n, &v->b));
  for (PetscInt s = 0; s < n; s++) {
    PetscCall(SourceOperator(src, s, &v->A[s]));
    PetscCall(PdICGraphCreatePattern(v->A[s], levels, (PdICOrdering)ordering, &v->g[s]));
    PetscCall(MatCreateVecs(v->A[s], NULL, &v->b[s]));
    PetscCall(SourceRHS(src, src->fam ? 0 : s, 0, v->A[s], v->b[s]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidationDestroy(Validation *v)
{
  PetscFunctionBegin;
  for (PetscInt s = 0; s < v->n; s++) {
    PetscCall(MatDestroy(&v->A[s]));
    PetscCall(PdICGraphDestroy(&v->g[s]));
    PetscCall(VecDestroy(&v->b[s]));
  }
  PetscCall(PetscFree3(v->A, v->g, v->b));
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidationIterations(Validation *v, NOp model, PetscInt *total)
{
  PetscFunctionBegin;
  *total = 0;
  for (PetscInt s = 0; s < v->n; s++) {
    KSP                ksp;
    PC                 pc;
    PdICFactor         f;
    PetscInt           its;
    KSPConvergedReason reason;
    Vec                x;
    PetscCall(VecDuplicate(v->b[s], &x));
    PetscCall(PdLearnedICFactor(model, NULL, v->g[s], &f));
    PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
    PetscCall(KSPSetOperators(ksp, v->A[s], v->A[s]));
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(KSPSetTolerances(ksp, 1e-8, 1e-50, PETSC_DEFAULT, 20000));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(PCSetType(pc, PCSHELL));
    PetscCall(PCShellSetContext(pc, f));
    PetscCall(PCShellSetApply(pc, PdICFactorShellApply));
    PetscCall(KSPSolve(ksp, v->b[s], x));
    PetscCall(KSPGetIterationNumber(ksp, &its));
    PetscCall(KSPGetConvergedReason(ksp, &reason));
    *total += reason > 0 ? its : 20000;
    PetscCall(KSPDestroy(&ksp));
    PetscCall(VecDestroy(&x));
    PetscCall(PdICFactorDestroy(&f));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Items_LearnedIC(PdObjective obj, PetscInt *n)
{
  PetscFunctionBegin;
  *n = ((PdObjective_LearnedIC *)obj->data)->count;
  PetscFunctionReturn(0);
}

/* one system's loss (the trainer gives this rank's systems one at a time) */
static PetscErrorCode Loss_LearnedIC(PdObjective obj, PdTrainer t, PetscInt n, const PetscInt idx[], PdTensor *l)
{
  PdObjective_LearnedIC *ic = (PdObjective_LearnedIC *)obj->data;

  PetscFunctionBegin;
  PetscCall(PdLearnedICLoss(ic->model, t->tape, ic->graphs[idx[0]], l));
  PetscFunctionReturn(0);
}

/* mean validation CG iterations per system every -validate_every epochs and at the last (rank 0) */
static PetscErrorCode Metric_LearnedIC(PdObjective obj, PdTrainer t, PetscInt e, double *m)
{
  PdObjective_LearnedIC *ic  = (PdObjective_LearnedIC *)obj->data;
  PetscInt               its = -1;
  PetscMPIInt            rank;

  PetscFunctionBegin;
  if (!(ic->nval > 0 && ((e + 1) % ic->every == 0 || e + 1 == t->epochs))) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(obj->comm, &rank));
  if (rank == 0) PetscCall(ValidationIterations(&ic->val, ic->model, &its));
  PetscCallMPI(MPI_Bcast(&its, 1, MPIU_INT, 0, obj->comm));
  *m = (double)its / ic->nval;
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_LearnedIC(PdObjective obj)
{
  PdObjective_LearnedIC *ic = (PdObjective_LearnedIC *)obj->data;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < ic->count; k++) PetscCall(PdICGraphDestroy(&ic->graphs[k]));
  PetscCall(PetscFree(ic->graphs));
  if (ic->val.A) PetscCall(ValidationDestroy(&ic->val));
  PetscFunctionReturn(0);
}

PetscErrorCode PdObjectiveCreate_LearnedIC(PdObjective obj)
{
  PdObjective_LearnedIC *ic;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ic));
  obj->data          = ic;
  obj->stream        = PD_RNG_STREAM_IC_EPOCH;
  obj->averaging     = PD_OBJECTIVE_OWNED;
  obj->keep_best     = PETSC_TRUE;
  obj->metric_sparse = PETSC_TRUE;
  obj->metric_print  = "%.1f";
  obj->metric_csv    = "%.4f";
  obj->ops->items    = Items_LearnedIC;
  obj->ops->loss     = Loss_LearnedIC;
  obj->ops->metric   = Metric_LearnedIC;
  obj->ops->destroy  = Destroy_LearnedIC;
  PetscCall(PetscStrncpy(obj->title, "learned_ic training", sizeof(obj->title)));
  PetscCall(PetscStrncpy(obj->metric_label, "validation CG iterations", sizeof(obj->metric_label)));
  PetscCall(PetscStrncpy(obj->metric_column, "validation_iterations", sizeof(obj->metric_column)));
  PetscFunctionReturn(0);
}

/*@ PdObjectiveLearnedICSetModel - the network trained (not copied); its seed orders the epochs @*/
PetscErrorCode PdObjectiveLearnedICSetModel(PdObjective obj, NOp model, PetscInt64 seed)
{
  PetscFunctionBegin;
  PetscCall(PdObjectiveSetModelParams(obj, Destroy_LearnedIC, PDOBJECTIVELEARNEDIC, model, seed));
  ((PdObjective_LearnedIC *)obj->data)->model = model;
  PetscFunctionReturn(0);
}

/* this rank's share of the training systems (a progress line), then the validation systems on rank 0 */
static PetscErrorCode SetSystems(PdObjective obj, Source *train, PetscInt count, PetscInt P, Source *val, PetscInt nval, PetscInt every)
{
  PdObjective_LearnedIC *ic = (PdObjective_LearnedIC *)obj->data;
  PetscMPIInt            rank, size;
  PetscInt               own = 0;
  PdProgress             prog;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(obj->comm, &rank));
  PetscCallMPI(MPI_Comm_size(obj->comm, &size));
  ic->count = count;
  ic->nval  = nval;
  ic->every = every;
  PetscCall(NOpLearnedICGetPattern(ic->model, &ic->levels, &ic->ordering));
  for (PetscInt s = rank; s < count; s += size) own++;
  PetscCall(PetscCalloc1(count, &ic->graphs));
  PetscCall(PdProgressBegin(obj->comm, "making systems", own, &prog));
  for (PetscInt s = rank, k = 0; s < count; s += size, k++) {
    PetscCall(MakeSystem(train, s, P, ic->levels, ic->ordering, &ic->graphs[s]));
    PetscCall(PdProgressUpdate(&prog, k + 1, NULL));
  }
  PetscCall(PdProgressEnd(&prog));
  if (rank == 0) PetscCall(ValidationCreate(val, nval, ic->levels, ic->ordering, &ic->val));
  obj->has_metric = (PetscBool)(nval > 0);
  PetscFunctionReturn(0);
}

/*@
  PdObjectiveLearnedICSetSystems - make the training systems 0..count-1 of a family with P (x, b)
  pairs each (this rank's share: r, r + size, ...; a progress line) and, on rank 0, nval validation
  systems (the stream seed + 2000003) checked every `every` epochs
@*/
PetscErrorCode PdObjectiveLearnedICSetSystems(PdObjective obj, PdFamily *fam, PetscInt count, PetscInt P, PetscInt nval, PetscInt every)
{
  PdFamily held;
  Source   train = {fam, NULL, 0}, val = {&held, NULL, 0};

  PetscFunctionBegin;
  PetscCall(PdFamilyDuplicate(fam, fam->seed + 2000003, &held));
  PetscCall(SetSystems(obj, &train, count, P, &val, nval, every));
  PetscCall(PdFamilyDestroy(&held));
  PetscFunctionReturn(0);
}

/*@
  PdObjectiveLearnedICSetSystemList - train on systems 0..count-1 of a list of files with P (x, b)
  pairs each (the file's right-hand side and drawn ones, PdSystemListRHS) and validate on the next
  nval (their own right-hand sides) every `every` epochs
@*/
PetscErrorCode PdObjectiveLearnedICSetSystemList(PdObjective obj, PdSystemList list, PetscInt count, PetscInt P, PetscInt nval, PetscInt every)
{
  Source train = {NULL, list, 0}, val = {NULL, list, count};

  PetscFunctionBegin;
  PetscCall(SetSystems(obj, &train, count, P, &val, nval, every));
  PetscFunctionReturn(0);
}
