/* The dcdm objective: Kaneda et al.'s deep conjugate direction network (an MgNO) trained on
   right-hand sides made from Ritz vectors of a family's systems, loss ||b - alpha A q||^2 with
   q = f(b), in mini-batches split over the ranks. */
#include "../../trainimpl.h"
#include <pdeop/learnedtrain.h>

/* One system of the dcdm family: its matrix as edges (for A q inside the loss) and its Ritz vectors */
typedef struct {
  PetscInt  n, E, m;
  PetscInt *src, *dst;
  float    *vals, *ritz;
} DCDMSystem;

typedef struct {
  NOp         net;
  PetscInt    count, S, N, dim, Emax, cap;
  DCDMSystem *sys;
  float      *rhs, *vwork; /* [S, n] right-hand sides */
  PetscInt   *which, *ework, *bw;
} PdObjective_DCDM;

static PetscErrorCode DCDMSystemCreate(PdFamily *fam, PetscInt s, PetscInt m, DCDMSystem *sys)
{
  Mat                A = NULL;
  const PetscInt    *ia, *ja;
  const PetscScalar *va;
  PetscBool          done;
  PetscReal         *vals;

  PetscFunctionBegin;
  PetscCall(PdFamilyOperator(fam, s, &A));
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &sys->n, &ia, &ja, &done));
  PetscCall(MatSeqAIJGetArrayRead(A, &va));
  sys->E = ia[sys->n];
  PetscCall(PetscMalloc3(sys->E, &sys->src, sys->E, &sys->dst, sys->E, &sys->vals));
  for (PetscInt i = 0; i < sys->n; i++)
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++) {
      sys->src[k]  = ja[k];
      sys->dst[k]  = i;
      sys->vals[k] = (float)PetscRealPart(va[k]);
    }
  PetscCall(MatSeqAIJRestoreArrayRead(A, &va));
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &sys->n, &ia, &ja, &done));
  sys->m = m;
  PetscCall(PdRitzVectors(A, &sys->m, fam->seed + s, &vals, &sys->ritz));
  PetscCall(PetscFree(vals));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

static PetscErrorCode DCDMSystemDestroy(DCDMSystem *sys)
{
  PetscFunctionBegin;
  PetscCall(PetscFree3(sys->src, sys->dst, sys->vals));
  PetscCall(PetscFree(sys->ritz));
  PetscFunctionReturn(0);
}

/* Kaneda et al.'s loss for a batch: mean over samples of ||b - alpha A q||^2 with q = f(b),
   alpha = q.b / q.Aq and ||b|| = 1, i.e. 1 - 2 alpha b.Aq + alpha^2 ||Aq||^2. */
static PetscErrorCode DCDMLoss(NOp net, PdTape tape, DCDMSystem *sys, const PetscInt idx[], const PetscInt which[], PetscInt nb, const float *rhs, PetscInt N, PetscInt dim, PetscInt *ework, PetscInt half, float *vwork, PdTensor *loss)
{
  const PetscInt n = dim == 3 ? N * N * N : N * N;
  PdTensor       x, q, qf, vals, Aq, b, qb, qAq, bAq, AA, t, alpha;
  PetscInt       E = 0;

  PetscFunctionBegin;
  PetscCall(PdTapeInput(tape, 2 + dim, (PetscInt[]){nb, 1, N, N, N}, &x));
  for (PetscInt k = 0; k < nb; k++) PetscCall(PetscArraycpy(x->data + k * n, rhs + (size_t)idx[k] * n, n));
  PetscCall(NOpForward(net, tape, x, &q));
  PetscCall(PdReshape(q, 2, (PetscInt[]){nb * n, 1}, &qf));
  for (PetscInt k = 0; k < nb; k++) { /* the batch's matrices, block-diagonally */
    const DCDMSystem *S = &sys[which[k]];
    for (PetscInt e = 0; e < S->E; e++, E++) {
      ework[E]        = S->src[e] + k * n;
      ework[half + E] = S->dst[e] + k * n; /* second half: destinations */
      vwork[E]        = S->vals[e];
    }
  }
  PetscCall(PdTapeInput(tape, 1, &E, &vals));
  PetscCall(PetscArraycpy(vals->data, vwork, E));
  PetscCall(PdEdgeMatVec(vals, qf, E, ework, ework + half, nb * n, &t));
  PetscCall(PdReshape(t, 2, (PetscInt[]){nb, n}, &Aq));
  PetscCall(PdReshape(q, 2, (PetscInt[]){nb, n}, &q));
  PetscCall(PdReshape(x, 2, (PetscInt[]){nb, n}, &b));
  PetscCall(PdMul(q, b, &t));
  PetscCall(PdSumDim(t, 1, &qb));
  PetscCall(PdMul(q, Aq, &t));
  PetscCall(PdSumDim(t, 1, &qAq));
  PetscCall(PdMul(b, Aq, &t));
  PetscCall(PdSumDim(t, 1, &bAq));
  PetscCall(PdSquare(Aq, &t));
  PetscCall(PdSumDim(t, 1, &AA));
  PetscCall(PdDiv(qb, qAq, &alpha));
  PetscCall(PdMul(alpha, AA, &t));
  PetscCall(PdScale(bAq, 2.0f, &bAq));
  PetscCall(PdSub(t, bAq, &t));
  PetscCall(PdMul(alpha, t, &t));
  PetscCall(PdMean(t, &t));
  PetscCall(PdAddScalar(t, 1.0f, loss));
  PetscFunctionReturn(0);
}

static PetscErrorCode Items_DCDM(PdObjective obj, PetscInt *n)
{
  PetscFunctionBegin;
  *n = ((PdObjective_DCDM *)obj->data)->S;
  PetscFunctionReturn(0);
}

/* work space for the batch's edges, sized by the trainer's batch */
static PetscErrorCode SetUp_DCDM(PdObjective obj, PdTrainer t)
{
  PdObjective_DCDM *d = (PdObjective_DCDM *)obj->data;

  PetscFunctionBegin;
  PetscCheck(d->sys, obj->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdObjectiveDCDMSetSystems before training");
  if (d->cap >= t->batch_size) PetscFunctionReturn(0);
  PetscCall(PetscFree3(d->ework, d->vwork, d->bw));
  PetscCall(PetscMalloc3(2 * d->Emax * t->batch_size, &d->ework, d->Emax * t->batch_size, &d->vwork, t->batch_size, &d->bw));
  d->cap = t->batch_size;
  PetscFunctionReturn(0);
}

static PetscErrorCode Loss_DCDM(PdObjective obj, PdTrainer t, PetscInt n, const PetscInt idx[], PdTensor *l)
{
  PdObjective_DCDM *d = (PdObjective_DCDM *)obj->data;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) d->bw[k] = d->which[idx[k]];
  PetscCall(DCDMLoss(d->net, t->tape, d->sys, idx, d->bw, n, d->rhs, d->N, d->dim, d->ework, d->Emax * d->cap, d->vwork, l));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_DCDM(PdObjective obj)
{
  PdObjective_DCDM *d = (PdObjective_DCDM *)obj->data;

  PetscFunctionBegin;
  if (d->sys)
    for (PetscInt s = 0; s < d->count; s++) PetscCall(DCDMSystemDestroy(&d->sys[s]));
  PetscCall(PetscFree(d->sys));
  PetscCall(PetscFree2(d->rhs, d->which));
  PetscCall(PetscFree3(d->ework, d->vwork, d->bw));
  PetscFunctionReturn(0);
}

PetscErrorCode PdObjectiveCreate_DCDM(PdObjective obj)
{
  PdObjective_DCDM *d;

  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  obj->data         = d;
  obj->stream       = PD_RNG_STREAM_DCDM_EPOCH;
  obj->ops->setup   = SetUp_DCDM;
  obj->ops->items   = Items_DCDM;
  obj->ops->loss    = Loss_DCDM;
  obj->ops->destroy = Destroy_DCDM;
  PetscCall(PetscStrncpy(obj->title, "dcdm training", sizeof(obj->title)));
  PetscFunctionReturn(0);
}

/*@ PdObjectiveDCDMSetModel - the network trained (set up; not copied) and the seed of the epochs' order @*/
PetscErrorCode PdObjectiveDCDMSetModel(PdObjective obj, NOp net, PetscInt64 seed)
{
  PetscFunctionBegin;
  PetscCall(PdObjectiveSetModelParams(obj, Destroy_DCDM, PDOBJECTIVEDCDM, net, seed));
  PetscCall(NOpSetUp(net));
  ((PdObjective_DCDM *)obj->data)->net = net;
  PetscFunctionReturn(0);
}

/*@
  PdObjectiveDCDMSetSystems - the training right-hand sides: every rank makes systems 0..count-1
  of the family and m Ritz vectors of each, then S right-hand sides b = sum c_j y_j (system i % count,
  c_j ~ N(0,1) from the stream (seed, PD_RNG_STREAM_DCDM_RHS), times bias for the lower half of the
  spectrum), normalised
@*/
PetscErrorCode PdObjectiveDCDMSetSystems(PdObjective obj, PdFamily *fam, PetscInt count, PetscInt m, PetscInt S, PetscReal bias)
{
  PdObjective_DCDM *d = (PdObjective_DCDM *)obj->data;
  const PetscInt    n = PdFamilyUnknowns(fam);
  PdRng             rng;

  PetscFunctionBegin;
  d->count = count;
  d->S     = S;
  d->N     = fam->res;
  d->dim   = fam->dim;
  PetscCall(PetscCalloc1(count, &d->sys));
  for (PetscInt s = 0; s < count; s++) {
    PetscCall(DCDMSystemCreate(fam, s, m, &d->sys[s]));
    d->Emax = PetscMax(d->Emax, d->sys[s].E);
  }
  PetscCall(PetscMalloc2((size_t)S * n, &d->rhs, S, &d->which));
  PetscCall(PdRngSeed(&rng, (uint64_t)fam->seed, PD_RNG_STREAM_DCDM_RHS));
  for (PetscInt i = 0; i < S; i++) {
    const DCDMSystem *Y   = &d->sys[i % count];
    float            *bi  = d->rhs + (size_t)i * n;
    double            nrm = 0;
    d->which[i]           = i % count;
    PetscCall(PetscArrayzero(bi, n));
    for (PetscInt j = 0; j < Y->m; j++) {
      const float c = (float)(PdRngNormal(&rng) * (j < Y->m / 2 ? bias : 1.0));
      for (PetscInt r = 0; r < n; r++) bi[r] += c * Y->ritz[(size_t)j * n + r];
    }
    for (PetscInt r = 0; r < n; r++) nrm += (double)bi[r] * bi[r];
    for (PetscInt r = 0; r < n; r++) bi[r] = (float)(bi[r] / PetscSqrtReal(nrm));
  }
  PetscFunctionReturn(0);
}

/*@ PdObjectiveDCDMGetRitzCount - Ritz vectors of the first system (m, lowered if the space is exhausted) @*/
PetscErrorCode PdObjectiveDCDMGetRitzCount(PdObjective obj, PetscInt *m)
{
  PdObjective_DCDM *d = (PdObjective_DCDM *)obj->data;

  PetscFunctionBegin;
  PetscCheck(d->sys, obj->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdObjectiveDCDMSetSystems first");
  *m = d->sys[0].m;
  PetscFunctionReturn(0);
}
