/* Physics losses of the supervised objective on Darcy data (`pdeop data darcy`): the relative
   residual ||M^{-1}(A(a) u - f)|| / ||M^{-1} f|| of the model's prediction u with the very operator
   `pdeop solve darcy` assembles (PdDarcyOperator) at the data's grid, and the hybrid loss that adds
   the data loss of the labelled samples. Matrices (and preconditioners) of the training samples are
   assembled on first use and cached. */
#include "supervised.h"
#include <pdeop/darcy.h>
#include <pdeop/solve.h>
#include <petscdmda.h>

struct _p_PdResidual {
  const PdDataset *ds;  /* the training set whose samples the cache holds */
  PetscInt         res; /* grid points per side */
  PdFaceAverage    avg;
  DM               da; /* res x res nodes on PETSC_COMM_SELF: each rank assembles its samples alone */
  Mat             *A;  /* per sample, NULL until used */
  PC              *pc; /* per sample when preconditioned, else NULL */
  char             pctype[64];
  float           *f; /* the right-hand side, res * res */
  double          *a; /* scratch: one coefficient in double */
};

/* The Darcy description of a dataset (attributes pde, f, face_average; [N, 1, s, s]) or an error
   that says what is missing */
static PetscErrorCode ReadDarcyAttributes(MPI_Comm comm, const PdDataset *ds, PetscInt *res, double *fval, PdFaceAverage *avg)
{
  PetscBool   has = PETSC_FALSE, darcy = PETSC_FALSE, found;
  const char *pde = "(none)", *fa;

  PetscFunctionBegin;
  if (ds->attrs) PetscCall(PdDictHas(ds->attrs, "pde", &has));
  if (has) PetscCall(PdDictGetString(ds->attrs, "pde", &pde));
  PetscCall(PetscStrcmp(pde, "darcy", &darcy));
  PetscCheck(darcy, comm, PETSC_ERR_ARG_WRONG, "Residual losses need a Darcy dataset written by `pdeop data darcy` (its attributes name the equation, f and the face average); this one's attribute pde is %s", pde);
  PetscCheck(ds->in_ndim == 4 && ds->in_shape[1] == 1 && ds->in_shape[2] == ds->in_shape[3] && ds->in_shape[2] >= 3, comm, PETSC_ERR_ARG_SIZ, "Residual losses need Darcy inputs [N, 1, s, s] (the coefficient on an s x s grid)");
  *res = ds->in_shape[2];
  PetscCall(PdDictGetReal(ds->attrs, "f", fval));
  PetscCall(PdDictGetString(ds->attrs, "face_average", &fa));
  PetscCall(PetscEnumFind(PdFaceAverages, fa, (PetscEnum *)avg, &found));
  PetscCheck(found, comm, PETSC_ERR_ARG_WRONG, "The dataset's face_average '%s' is none of harmonic, arithmetic", fa);
  PetscFunctionReturn(0);
}

/* geometric multigrid coarsens the grid's s - 1 intervals by 2 per level: it must stay whole */
static PetscErrorCode CheckMGLevels(PC pc, PetscInt res)
{
  PetscBool ismg;
  PetscInt  L, most = 1;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCMG, &ismg));
  if (!ismg) PetscFunctionReturn(0);
  PetscCall(PCMGGetLevels(pc, &L));
  while ((res - 1) % ((PetscInt)1 << most) == 0 && ((res - 1) >> most) >= 2) most++;
  PetscCheck(L <= most, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-residual_pc_mg_levels %" PetscInt_FMT " does not fit the data's %" PetscInt_FMT " x %" PetscInt_FMT " grid: each level halves its %" PetscInt_FMT " intervals, so at most %" PetscInt_FMT " levels here", L, res, res, res - 1, most);
  PetscFunctionReturn(0);
}

/* -residual_pc_mg_levels below 1 makes PETSc's PCSetFromOptions crash: refused before it reads them */
static PetscErrorCode CheckMGLevelsOption(void)
{
  PetscInt  L;
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, "residual_", "-pc_mg_levels", &L, &set));
  PetscCheck(!set || L >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-residual_pc_mg_levels must be at least 1, got %" PetscInt_FMT, L);
  PetscFunctionReturn(0);
}

/* the loss and its gradient need M^{-1} to be a fixed linear operator with a true transpose: no inner
   Krylov solve (PCKSP, or a multigrid level smoothed by one), no PC that only works inside a KSP's
   pre-solve (eisenstat), and not hypre, whose transpose PETSc 3.18 returns as zero */
static PetscErrorCode CheckLinearPC(PC pc)
{
  PetscBool bad, ismg;
  PCType    type;

  PetscFunctionBegin;
  PetscCall(PCGetType(pc, &type));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)pc, &bad, PCKSP, PCEISENSTAT, PCHYPRE, ""));
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_SUP, "-residual_pc_type %s cannot make the residual loss: %s", type,
             !strcmp(type, PCKSP) ? "an inner Krylov solve is not a linear operator, so neither the loss nor its gradient would be what they claim" : !strcmp(type, PCEISENSTAT) ? "it works only inside a KSP's pre-solve"
                                                                                                                                                                                 : "PETSc's hypre interface returns zero for its transpose, so the model would never move");
  PetscCall(PetscObjectTypeCompareAny((PetscObject)pc, &ismg, PCMG, PCGAMG, ""));
  if (ismg) {
    PetscInt L;
    PetscCall(PCMGGetLevels(pc, &L));
    for (PetscInt l = 0; l < L; l++) {
      KSP       ksp;
      PetscBool lin;
      KSPType   kt;
      PetscCall(PCMGGetSmoother(pc, l, &ksp));
      PetscCall(PetscObjectTypeCompareAny((PetscObject)ksp, &lin, KSPPREONLY, KSPRICHARDSON, KSPCHEBYSHEV, ""));
      PetscCall(KSPGetType(ksp, &kt));
      PetscCheck(lin, PETSC_COMM_SELF, PETSC_ERR_SUP, "-residual_pc_type %s: level %" PetscInt_FMT " is %s by %s, a Krylov method, which is not a linear operator: use preonly, richardson or chebyshev there (e.g. -residual_mg_levels_ksp_type chebyshev)", type, l, l ? "smoothed" : "solved", kt);
      if (l) {
        PC sub;
        PetscCall(KSPGetPC(ksp, &sub));
        PetscCall(CheckLinearPC(sub));
      }
    }
  }
  PetscFunctionReturn(0);
}

/* sample i's operator, and preconditioner when there is one: assembled on first use */
static PetscErrorCode GetSample(PdResidual r, PetscInt i, Mat *A, PC *pc)
{
  const PetscInt m = r->res * r->res;

  PetscFunctionBegin;
  if (!r->A[i]) {
    const float *in = r->ds->inputs + (size_t)i * r->ds->in_size;
    for (PetscInt k = 0; k < m; k++) {
      PetscCheck(in[k] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Residual loss: sample %" PetscInt_FMT " of the training set has coefficient %g at node %" PetscInt_FMT ": the Darcy operator needs a positive coefficient", i, (double)in[k], k);
      r->a[k] = in[k];
    }
    PetscCall(DMCreateMatrix(r->da, &r->A[i]));
    PetscCall(PdDarcyOperator(r->da, r->a, r->avg, r->A[i]));
    if (r->pc) {
      PetscCall(PCCreate(PETSC_COMM_SELF, &r->pc[i]));
      PetscCall(PCSetOptionsPrefix(r->pc[i], "residual_"));
      PetscCall(PCSetOperators(r->pc[i], r->A[i], r->A[i]));
      PetscCall(PCSetDM(r->pc[i], r->da)); /* geometric multigrid's interpolation */
      PetscCall(PCSetType(r->pc[i], r->pctype));
      PetscCall(CheckMGLevelsOption());
      PetscCall(PCSetFromOptions(r->pc[i]));
      PetscCall(CheckMGLevels(r->pc[i], r->res));
      PetscCall(PdPCUseGalerkinMG(r->pc[i]));
      PetscCall(PCSetUp(r->pc[i]));
      PetscCall(CheckLinearPC(r->pc[i]));
    }
  }
  *A = r->A[i];
  if (pc) *pc = r->pc ? r->pc[i] : NULL;
  PetscFunctionReturn(0);
}

/*
  PdResidualCreate - the residual of a Darcy training set: its grid, f and face average from the
  dataset's attributes; pctype NULL or "none" for the raw residual, else a PC type whose options
  take the prefix -residual_. Sample 0 is assembled (and its PC set up) here, so that bad PC
  options fail at once and every -residual_ option is read before training.
*/
PetscErrorCode PdResidualCreate(MPI_Comm comm, const PdDataset *ds, const char pctype[], PdResidual *out)
{
  PdResidual r;
  double     fval;
  Vec        b;
  PetscBool  none = PETSC_TRUE;
  Mat        A;

  PetscInt      res = 0;
  PdFaceAverage avg = PD_FACE_HARMONIC;

  PetscFunctionBegin;
  PetscCall(ReadDarcyAttributes(comm, ds, &res, &fval, &avg));
  PetscCall(PetscNew(&r));
  r->ds  = ds;
  r->res = res;
  r->avg = avg;
  if (pctype && pctype[0]) PetscCall(PetscStrcmp(pctype, PCNONE, &none));
  PetscCall(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, r->res, r->res, 1, 1, 1, 1, NULL, NULL, &r->da));
  PetscCall(DMSetUp(r->da));
  PetscCall(PetscCalloc1(ds->N, &r->A));
  if (!none) {
    PetscCall(PetscCalloc1(ds->N, &r->pc));
    PetscCall(PetscStrncpy(r->pctype, pctype, sizeof(r->pctype)));
  }
  PetscCall(PetscMalloc2(r->res * r->res, &r->f, r->res * r->res, &r->a));
  PetscCall(DMCreateGlobalVector(r->da, &b));
  PetscCall(PdDarcyRHS(r->da, NULL, fval, b));
  {
    const PetscScalar *v;
    PetscCall(VecGetArrayRead(b, &v)); /* one process: natural order */
    for (PetscInt k = 0; k < r->res * r->res; k++) r->f[k] = (float)PetscRealPart(v[k]);
    PetscCall(VecRestoreArrayRead(b, &v));
  }
  PetscCall(VecDestroy(&b));
  *out = r;
  PetscCall(GetSample(r, 0, &A, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode PdResidualDestroy(PdResidual *r)
{
  PetscFunctionBegin;
  if (!*r) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < (*r)->ds->N; i++) {
    PetscCall(MatDestroy(&(*r)->A[i]));
    if ((*r)->pc) PetscCall(PCDestroy(&(*r)->pc[i]));
  }
  PetscCall(PetscFree((*r)->A));
  PetscCall(PetscFree((*r)->pc));
  PetscCall(PetscFree2((*r)->f, (*r)->a));
  PetscCall(DMDestroy(&(*r)->da));
  PetscCall(PetscFree(*r));
  PetscFunctionReturn(0);
}

/* mean over the batch of ||M^{-1}(A_b u_b - f)|| / ||M^{-1} f||, u the (un-normalised) prediction of
   training samples idx; M^{-1} (A u - f) = M^{-1} A u - M^{-1} f, M^{-1} f a constant target */
static PetscErrorCode ResidualLoss(PdResidual r, PdTape tape, PetscInt n, const PetscInt idx[], PdTensor u, PdTensor *l)
{
  Mat     *A;
  PC      *pc = NULL;
  PdTensor f, Au;

  PetscFunctionBegin;
  PetscCall(PdTapeAlloc(tape, sizeof(Mat) * (size_t)n, (void **)&A));
  if (r->pc) PetscCall(PdTapeAlloc(tape, sizeof(PC) * (size_t)n, (void **)&pc));
  for (PetscInt k = 0; k < n; k++) {
    PetscCheck(idx[k] >= 0 && idx[k] < r->ds->N, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Sample %" PetscInt_FMT " is not in the training set of %" PetscInt_FMT, idx[k], r->ds->N);
    PetscCall(GetSample(r, idx[k], &A[k], pc ? &pc[k] : NULL));
  }
  PetscCall(PdTapeInput(tape, u->ndim, u->shape, &f));
  for (PetscInt k = 0; k < n; k++) PetscCall(PetscArraycpy(f->data + k * r->res * r->res, r->f, r->res * r->res));
  PetscCall(PdMatApply(u, n, A, &Au));
  if (pc) {
    PetscCall(PdPCApply(Au, n, pc, &Au));
    PetscCall(PdPCApply(f, n, pc, &f)); /* f has no gradient: neither has this */
  }
  PetscCall(PdRelL2Loss(Au, f, l));
  PetscFunctionReturn(0);
}

/* the output normalisation of a model trained by the residual alone, which sees no solution: mean 0
   and the size of u for a constant coefficient, f / (lambda_1 a) with lambda_1 = 2 pi^2 the smallest
   eigenvalue of -Laplace on the unit square and a the mean coefficient */
PetscErrorCode PdSupervisedResidualScale(PdObjective_Supervised *s, double amean, double *mean, double *std)
{
  double fval;

  PetscFunctionBegin;
  PetscCall(PdDictGetReal(s->train->attrs, "f", &fval));
  *mean = 0;
  *std  = amean > 0 && fval != 0 ? PetscAbsReal(fval) / (2 * PETSC_PI * PETSC_PI * amean) : 1;
  PetscFunctionReturn(0);
}

/* the first round(fraction N) training samples are the labelled ones */
PetscErrorCode PdSupervisedLabelled(PdObjective_Supervised *s, PetscInt *nl)
{
  PetscFunctionBegin;
  *nl = s->loss == PD_LOSS_HYBRID ? (PetscInt)PetscFloorReal(s->labelled_fraction * s->train->N + 0.5) : 0;
  PetscFunctionReturn(0);
}

/*
  PdSupervisedPhysicsLoss - the residual or hybrid loss of training samples idx with prediction u
  [n, 1, s, s] on the tape. Hybrid: (1/n) sum_b [ (labelled_b / phi) d_b + w r_b ], d_b the relative
  L2 data error, r_b the relative residual, phi the labelled fraction of the training set: an
  unbiased estimate of (mean data loss over the labelled) + w (mean residual over all).
*/
PetscErrorCode PdSupervisedPhysicsLoss(PdObjective_Supervised *s, PdTape tape, PetscInt n, const PetscInt idx[], PdTensor u, PdTensor *l)
{
  PdTensor r;
  PetscInt nl = 0, NL, *rows;

  PetscFunctionBegin;
  PetscCheck(s->res, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "The residual loss is not set up: call PdTrainerTrain or PdTrainerSetFromOptions first");
  PetscCall(ResidualLoss(s->res, tape, n, idx, u, &r));
  if (s->loss != PD_LOSS_HYBRID) {
    *l = r;
    PetscFunctionReturn(0);
  }
  PetscCall(PdSupervisedLabelled(s, &NL));
  PetscCall(PdTapeAlloc(tape, sizeof(PetscInt) * (size_t)n, (void **)&rows));
  for (PetscInt k = 0; k < n; k++)
    if (idx[k] < NL) rows[nl++] = k;
  PetscCall(PdScale(r, (float)s->residual_weight, l));
  if (nl > 0) {
    const PetscInt   m = s->train->out_size, tshape[2] = {nl, m}, ushape[2] = {n, m};
    PdTensor         u2, ul, y, d;
    const PdDataset *ds = s->train;
    PetscCall(PdReshape(u, 2, ushape, &u2));
    PetscCall(PdGather(u2, nl, rows, &ul));
    PetscCall(PdTapeInput(tape, 2, tshape, &y));
    for (PetscInt k = 0; k < nl; k++) PetscCall(PetscArraycpy(y->data + k * m, ds->outputs + (size_t)idx[rows[k]] * m, m));
    PetscCall(PdRelL2Loss(ul, y, &d)); /* mean over the nl labelled */
    PetscCall(PdScale(d, (float)((double)nl * ds->N / ((double)n * NL)), &d));
    PetscCall(PdAdd(d, *l, l));
  }
  PetscFunctionReturn(0);
}

/* at setup: a Darcy training set, a direct model, the labelled samples of a hybrid loss, the cache */
PetscErrorCode PdSupervisedPhysicsSetUp(PdObjective_Supervised *s, MPI_Comm comm)
{
  PetscInt K, NL;

  PetscFunctionBegin;
  PetscCall(NOpGetRollout(s->nop, &K));
  PetscCheck(K == 0, comm, PETSC_ERR_ARG_WRONG, "-loss %s is for direct models on Darcy data, not recurrent training (-rollout)", PdLossTypes[s->loss]);
  PetscCall(PdSupervisedLabelled(s, &NL));
  if (s->loss == PD_LOSS_HYBRID) {
    PetscCheck(s->train->outputs, comm, PETSC_ERR_ARG_WRONG, "-loss hybrid needs /outputs for its labelled samples; the training set has only /inputs (use -loss residual)");
    PetscCheck(NL >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-labelled_fraction %g labels no sample of %" PetscInt_FMT " (use -loss residual, or a larger fraction)", (double)s->labelled_fraction, s->train->N);
  }
  if (!s->res || s->res_ds != s->train) {
    PetscCall(PdResidualDestroy(&s->res));
    PetscCall(PdResidualCreate(comm, s->train, s->residual_pc, &s->res));
    s->res_ds = s->train;
  }
  PetscFunctionReturn(0);
}

/* the hybrid loss's weight and labelled fraction, checked */
PetscErrorCode PdSupervisedSetHybrid(PdObjective_Supervised *s, MPI_Comm comm, PetscReal weight, PetscReal fraction)
{
  PetscFunctionBegin;
  PetscCheck(weight >= 0 && PetscIsNormalReal(weight + 1) && weight <= 1e30, comm, PETSC_ERR_ARG_OUTOFRANGE, "-residual_weight must be in [0, 1e30] (the loss is float), got %g", (double)weight);
  PetscCheck(fraction > 0 && fraction <= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-labelled_fraction must be in (0, 1], got %g", (double)fraction);
  s->loss              = PD_LOSS_HYBRID;
  s->metric            = PD_LOSS_REL_L2;
  s->residual_weight   = weight;
  s->labelled_fraction = fraction;
  PetscFunctionReturn(0);
}

/*@
  PdTrainerSetHybrid - the hybrid loss (-loss hybrid): the relative L2 data loss of the labelled
  samples, the first round(fraction N) of the training set (-labelled_fraction, default 1), plus
  weight times the relative residual of all (-residual_weight, default 1)
@*/
PetscErrorCode PdTrainerSetHybrid(PdTrainer t, PetscReal weight, PetscReal fraction)
{
  PdObjective_Supervised *s;

  PetscFunctionBegin;
  PetscCall(PdSupervisedGet(t, &s));
  PetscCall(PdSupervisedSetHybrid(s, t->comm, weight, fraction));
  PetscFunctionReturn(0);
}

/*@
  PdTrainerSetResidualPCType - the preconditioner M of residual losses, ||M^{-1}(A u - f)|| /
  ||M^{-1} f|| (-residual_pc_type; NULL or "none": the raw residual). Its options take the prefix
  -residual_ (e.g. -residual_pc_mg_levels 3); multigrid gets the grid and Galerkin coarse operators.
@*/
PetscErrorCode PdTrainerSetResidualPCType(PdTrainer t, const char type[])
{
  PdObjective_Supervised *s;

  PetscFunctionBegin;
  PetscCall(PdSupervisedGet(t, &s));
  PetscCall(PetscStrncpy(s->residual_pc, type ? type : PCNONE, sizeof(s->residual_pc)));
  PetscCall(PdResidualDestroy(&s->res));
  PetscFunctionReturn(0);
}

/*@
  PdTrainerResidualLoss - the trainer's residual (or hybrid) loss of training samples idx[0..n):
  of the fields u (n samples of the data's output grid, no gradient) or, u NULL, of the model's
  predictions, with its gradient added to the parameters' gradients (not zeroed here) if grad
@*/
PetscErrorCode PdTrainerResidualLoss(PdTrainer t, PetscInt n, const PetscInt idx[], const float u[], PetscBool grad, double *loss)
{
  PdObjective_Supervised *s;
  PdTensor                x, p, l;

  PetscFunctionBegin;
  PetscCall(PdSupervisedGet(t, &s));
  PetscCheck(PdLossIsPhysics(s->loss), t->comm, PETSC_ERR_ARG_WRONG, "The trainer's loss is %s, not residual or hybrid", PdLossTypes[s->loss]);
  PetscCheck(s->train, t->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdTrainerSetData first");
  PetscCall(PdSupervisedPhysicsSetUp(s, t->comm));
  PetscCall(PdTapeReset(t->tape));
  PetscCall(PdTapeSetGradEnabled(t->tape, (PetscBool)(grad && !u)));
  if (u) {
    PetscInt shape[PD_MAX_DIMS];
    shape[0] = n;
    for (int i = 1; i < s->train->in_ndim; i++) shape[i] = s->train->in_shape[i];
    PetscCall(PdTapeInput(t->tape, s->train->in_ndim, shape, &p));
    PetscCall(PetscArraycpy(p->data, u, p->size));
  } else {
    PetscCall(PdSupervisedGatherBatch(t->tape, s->train, idx, n, &x, NULL));
    PetscCall(NOpForward(s->nop, t->tape, x, &p));
  }
  PetscCall(PdSupervisedPhysicsLoss(s, t->tape, n, idx, p, &l));
  *loss = l->data[0];
  if (grad && !u) PetscCall(PdTapeBackward(t->tape, l));
  PetscCall(PdTapeReset(t->tape));
  PetscCall(PdTapeSetGradEnabled(t->tape, PETSC_TRUE));
  PetscFunctionReturn(0);
}
