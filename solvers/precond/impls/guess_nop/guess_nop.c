/* -ksp_guess_type nop: the initial guess of a Krylov solve is a neural operator's prediction of the
   solution from a 2D field on the system's grid (the coefficient, the diagonal or the rhs). */
#include <petsc/private/kspimpl.h>
#include <petscdmda.h>
#include <pdeop/guess.h>
#include <pdeop/options.h>
#include <pdeop/io.h>

const char *const KSPGuessNOpInputTypes[] = {"auto", "diagonal", "rhs", "KSPGuessNOpInputType", "KSPGUESSNOP_INPUT_", NULL};
const char *const KSPGuessNOpScaleTypes[] = {"none", "energy", "residual", "KSPGuessNOpScaleType", "KSPGUESSNOP_SCALE_", NULL};

typedef struct {
  NOp                  nop;
  PdTape               tape; /* for the model's evaluations, kept */
  char                 file[PETSC_MAX_PATH_LEN];
  KSPGuessNOpInputType input_type;
  KSPGuessNOpScaleType scale;
  Vec                  input;  /* KSPGuessNOpSetInput's field (referenced) */
  Vec                  pred;   /* the last prediction, in the solution's layout */
  Vec                  diag;   /* A_ii on the decoupled rows (no nonzero off the diagonal), 0 elsewhere */
  PetscObjectId        mat_id; /* the operator diag was made from, and its state then */
  PetscObjectState     mat_state;
  PetscObjectId        src_id; /* the object pred was made from, and its state then */
  PetscObjectState     src_state;
  PetscInt             predictions;
  PetscLogDouble       seconds;
  PetscReal            alpha;
  PetscBool            said_nonzero; /* a nonzero initial guess of the KSP's own was kept (said once) */
} KSPGuess_NOp;

/* the data of a guess of type nop; any other type is an error */
static PetscErrorCode GetNOp(KSPGuess guess, KSPGuess_NOp **g)
{
  PetscBool isnop;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(guess, KSPGUESS_CLASSID, 1);
  PetscCall(PetscObjectTypeCompare((PetscObject)guess, KSPGUESSNOP, &isnop));
  PetscCheck(isnop, PetscObjectComm((PetscObject)guess), PETSC_ERR_ARG_WRONG, "This KSPGuess is of type %s, not nop: set -ksp_guess_type nop (or KSPGuessSetType(guess, \"nop\")) first", ((PetscObject)guess)->type_name ? ((PetscObject)guess)->type_name : "(none)");
  *g = (KSPGuess_NOp *)guess->data;
  PetscFunctionReturn(0);
}

/* A model the guess can use maps one 2D field to one 2D field */
static PetscErrorCode CheckModel(MPI_Comm comm, NOp nop, const char file[])
{
  int             ni, no;
  const PetscInt *si, *so;
  char            din[128], dout[128];

  PetscFunctionBegin;
  PetscCall(NOpGetShapes(nop, &ni, &si, &no, &so));
  if (ni == 3 && no == 3 && si[0] == 1 && so[0] == 1) PetscFunctionReturn(0);
  PetscCall(PdSampleDescribe(ni, si, din, sizeof(din)));
  PetscCall(PdSampleDescribe(no, so, dout, sizeof(dout)));
  SETERRQ(comm, PETSC_ERR_ARG_INCOMP, "The nop initial guess needs a model of one 2D field to one 2D field (as `pdeop train` makes from `pdeop data darcy`); '%s' maps %s to %s", file, din, dout);
}

/*@
  KSPGuessNOpSetModelFile - load the model (a pdeop checkpoint) that predicts the initial guess

  Options Database Key: -ksp_guess_nop_model file.h5
@*/
PetscErrorCode KSPGuessNOpSetModelFile(KSPGuess guess, const char file[])
{
  KSPGuess_NOp *g;
  MPI_Comm      comm;
  NOp           nop;

  PetscFunctionBegin;
  PetscCall(GetNOp(guess, &g));
  comm = PetscObjectComm((PetscObject)guess);
  PetscCheck(file && file[0], comm, PETSC_ERR_ARG_WRONG, "-ksp_guess_nop_model needs a file: a model checkpoint written by `pdeop train`");
  PetscCall(PdFileCheckInput(comm, file, "-ksp_guess_nop_model"));
  PetscCall(NOpLoad(comm, file, &nop, NULL));
  {
    PetscErrorCode ierr = CheckModel(comm, nop, file);
    if (ierr) PetscCall(NOpDestroy(&nop));
    PetscCall(ierr);
  }
  PetscCall(NOpDestroy(&g->nop));
  g->nop = nop;
  PetscCall(PetscStrncpy(g->file, file, sizeof(g->file)));
  g->src_id = 0;
  PetscFunctionReturn(0);
}

/*@ KSPGuessNOpGetModel - the loaded model (NULL before one is set); it stays the guess's @*/
PetscErrorCode KSPGuessNOpGetModel(KSPGuess guess, NOp *nop)
{
  KSPGuess_NOp *g;

  PetscFunctionBegin;
  PetscCall(GetNOp(guess, &g));
  *nop = g->nop;
  PetscFunctionReturn(0);
}

/*@
  KSPGuessNOpSetInput - the model's input field, a Vec with the solution's layout (a global vector
  of the operator's DMDA); it takes precedence over a Vec composed on the operator under
  KSPGUESSNOP_INPUT. The guess is predicted again whenever the Vec changes. NULL forgets it.
@*/
PetscErrorCode KSPGuessNOpSetInput(KSPGuess guess, Vec input)
{
  KSPGuess_NOp *g;

  PetscFunctionBegin;
  PetscCall(GetNOp(guess, &g));
  if (input) PetscCall(PetscObjectReference((PetscObject)input));
  PetscCall(VecDestroy(&g->input));
  g->input  = input;
  g->src_id = 0;
  PetscFunctionReturn(0);
}

/*@ KSPGuessNOpSetInputType - where the model's input comes from; -ksp_guess_nop_input auto|diagonal|rhs @*/
PetscErrorCode KSPGuessNOpSetInputType(KSPGuess guess, KSPGuessNOpInputType type)
{
  KSPGuess_NOp *g;

  PetscFunctionBegin;
  PetscCall(GetNOp(guess, &g));
  g->input_type = type;
  g->src_id     = 0;
  PetscFunctionReturn(0);
}

/*@ KSPGuessNOpSetScaleType - how the prediction is scaled; -ksp_guess_nop_scale none|energy|residual @*/
PetscErrorCode KSPGuessNOpSetScaleType(KSPGuess guess, KSPGuessNOpScaleType scale)
{
  KSPGuess_NOp *g;

  PetscFunctionBegin;
  PetscCall(GetNOp(guess, &g));
  g->scale = scale;
  PetscFunctionReturn(0);
}

/*@ KSPGuessNOpGetStats - model evaluations, seconds spent forming guesses, the last scale factor (any may be NULL) @*/
PetscErrorCode KSPGuessNOpGetStats(KSPGuess guess, PetscInt *predictions, PetscLogDouble *seconds, PetscReal *alpha)
{
  KSPGuess_NOp *g;

  PetscFunctionBegin;
  PetscCall(GetNOp(guess, &g));
  if (predictions) *predictions = g->predictions;
  if (seconds) *seconds = g->seconds;
  if (alpha) *alpha = g->alpha;
  PetscFunctionReturn(0);
}

/* The system's grid: a 2D DMDA of one field on the operator or the KSP (NULL otherwise, then a
   square number of unknowns in natural order); M x N nodes */
static PetscErrorCode GetGrid(KSPGuess guess, Mat A, DM *da, PetscInt *M, PetscInt *N)
{
  DM        dm   = NULL;
  PetscBool isda = PETSC_FALSE;
  PetscInt  n, dim, dof;
  MPI_Comm  comm = PetscObjectComm((PetscObject)guess);

  PetscFunctionBegin;
  PetscCall(MatGetDM(A, &dm));
  if (!dm) dm = guess->ksp->dm; /* not KSPGetDM, which would make a DMShell */
  if (dm) PetscCall(PetscObjectTypeCompare((PetscObject)dm, DMDA, &isda));
  *da = isda ? dm : NULL;
  if (isda) {
    PetscCall(DMDAGetInfo(dm, &dim, M, N, NULL, NULL, NULL, NULL, &dof, NULL, NULL, NULL, NULL, NULL));
    PetscCheck(dim == 2 && dof == 1, comm, PETSC_ERR_ARG_INCOMP, "The nop initial guess predicts one field on a 2D grid; this system's DMDA is %" PetscInt_FMT "D with %" PetscInt_FMT " field%s per node", dim, dof, dof == 1 ? "" : "s");
    PetscFunctionReturn(0);
  }
  PetscCall(MatGetSize(A, &n, NULL));
  *M = *N = (PetscInt)(PetscSqrtReal((PetscReal)n) + 0.5);
  PetscCheck(*M * *N == n, comm, PETSC_ERR_ARG_INCOMP, "The nop initial guess predicts a field on a 2D grid; this system has no 2D DMDA and %" PetscInt_FMT " unknowns, not a square number (give the operator a DMDA, or a square grid in natural order)", n);
  { /* a square number of unknowns is not enough: every coupling must be a grid neighbour of the
       M x M grid in natural order (left, right, up, down), else the field would be misread */
    PetscInt lo, hi, bad = -1, badj = -1;
    PetscCall(MatGetOwnershipRange(A, &lo, &hi));
    for (PetscInt i = lo; i < hi && bad < 0; i++) {
      PetscInt        nc;
      const PetscInt *cols;
      PetscCall(MatGetRow(A, i, &nc, &cols, NULL));
      for (PetscInt k = 0; k < nc && bad < 0; k++) {
        const PetscInt j = cols[k], d = PetscAbsInt(j - i);
        if (!(d == 0 || d == *M || (d == 1 && j / *M == i / *M))) bad = i, badj = j;
      }
      PetscCall(MatRestoreRow(A, i, &nc, &cols, NULL));
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_MAX, comm));
    PetscCheck(bad < 0, comm, PETSC_ERR_ARG_INCOMP, "The nop initial guess predicts a field on a 2D grid; this system has no DMDA and its %" PetscInt_FMT " unknowns are not a %" PetscInt_FMT " x %" PetscInt_FMT " grid in natural order: row %" PetscInt_FMT " couples to %" PetscInt_FMT ", not a grid neighbour (give the operator its DMDA)", n, *M, *M, bad, badj >= 0 ? badj : -1);
  }
  PetscFunctionReturn(0);
}

/* v (the solution's layout) in natural order, whole on every rank, as floats */
static PetscErrorCode GatherNatural(DM da, Vec v, float out[])
{
  Vec                nat = v, all;
  VecScatter         sc;
  const PetscScalar *x;
  PetscInt           n;

  PetscFunctionBegin;
  if (da) {
    PetscCall(DMDACreateNaturalVector(da, &nat));
    PetscCall(DMDAGlobalToNaturalBegin(da, v, INSERT_VALUES, nat));
    PetscCall(DMDAGlobalToNaturalEnd(da, v, INSERT_VALUES, nat));
  }
  PetscCall(VecScatterCreateToAll(nat, &sc, &all));
  PetscCall(VecScatterBegin(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetSize(all, &n));
  PetscCall(VecGetArrayRead(all, &x));
  for (PetscInt i = 0; i < n; i++) out[i] = (float)PetscRealPart(x[i]);
  PetscCall(VecRestoreArrayRead(all, &x));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&all));
  if (da) PetscCall(VecDestroy(&nat));
  PetscFunctionReturn(0);
}

/* the whole field in natural order (on every rank) into v, in the solution's layout */
static PetscErrorCode ScatterNatural(DM da, const float in[], Vec v)
{
  Vec          nat = v;
  PetscInt     lo, hi;
  PetscScalar *x;

  PetscFunctionBegin;
  if (da) PetscCall(DMDACreateNaturalVector(da, &nat));
  PetscCall(VecGetOwnershipRange(nat, &lo, &hi));
  PetscCall(VecGetArray(nat, &x));
  for (PetscInt i = lo; i < hi; i++) x[i - lo] = in[i];
  PetscCall(VecRestoreArray(nat, &x));
  if (da) {
    PetscCall(DMDANaturalToGlobalBegin(da, nat, INSERT_VALUES, v));
    PetscCall(DMDANaturalToGlobalEnd(da, nat, INSERT_VALUES, v));
    PetscCall(VecDestroy(&nat));
  }
  PetscFunctionReturn(0);
}

/* What the model's input is made from in this solve: the given field, the one composed on the
   operator, b, or the operator itself (its diagonal) */
static PetscErrorCode GetSource(KSPGuess guess, Mat A, Vec b, PetscObject *src)
{
  KSPGuess_NOp *g = (KSPGuess_NOp *)guess->data;

  PetscFunctionBegin;
  *src = NULL;
  if (g->input_type == KSPGUESSNOP_INPUT_AUTO) {
    if (g->input) *src = (PetscObject)g->input;
    else PetscCall(PetscObjectQuery((PetscObject)A, KSPGUESSNOP_INPUT, src));
  } else if (g->input_type == KSPGUESSNOP_INPUT_RHS) *src = (PetscObject)b;
  if (!*src) *src = (PetscObject)A;
  PetscFunctionReturn(0);
}

/* the input field from its source; from the operator, its diagonal as a coefficient: a 5-point
   diffusion row has sum of the four face coefficients / h^2 there, h = 1/(M-1) */
static PetscErrorCode FillInput(PetscObject src, Mat A, PetscInt M, Vec in)
{
  PetscFunctionBegin;
  if (src != (PetscObject)A) PetscCall(VecCopy((Vec)src, in));
  else {
    PetscCall(MatGetDiagonal(A, in));
    PetscCall(VecScale(in, 1.0 / (4.0 * (M - 1) * (M - 1))));
  }
  PetscFunctionReturn(0);
}

/* The model on the whole M x N field (natural order), on every rank alike (no communication, so an
   error is every rank's): out gets M x N values. The tape is kept between calls, so its arena is
   grown once. */
static PetscErrorCode Evaluate(KSPGuess guess, PetscInt M, PetscInt N, const float in[], float out[])
{
  KSPGuess_NOp *g    = (KSPGuess_NOp *)guess->data;
  MPI_Comm      comm = PetscObjectComm((PetscObject)guess);
  PdTensor      x, y;
  PetscInt      bad = 0;

  PetscFunctionBegin;
  if (!g->tape) {
    PetscCall(PdTapeCreate(PETSC_COMM_SELF, &g->tape));
    PetscCall(PdTapeSetGradEnabled(g->tape, PETSC_FALSE));
  }
  PetscCall(PdTapeReset(g->tape));
  PetscCall(PdTapeInput(g->tape, 4, (PetscInt[]){1, 1, N, M}, &x));
  PetscCall(PetscArraycpy(x->data, in, M * N));
  { /* a model that cannot run on this grid: say which model the guess is (the model's own message names its option) */
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = NOpForward(g->nop, g->tape, x, &y);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      const char *text     = NULL;
      char       *specific = NULL;
      PetscCall(PetscErrorMessage(ierr, &text, &specific));
      SETERRQ(comm, ierr, "The nop initial guess's model '%s' cannot run on this %" PetscInt_FMT " x %" PetscInt_FMT " grid: %s", g->file, M, N, specific && specific[0] ? specific : (text ? text : "(no message)"));
    }
  }
  PetscCheck(y->size == M * N, comm, PETSC_ERR_ARG_INCOMP, "The model '%s' predicts %" PetscInt_FMT " values from a %" PetscInt_FMT " x %" PetscInt_FMT " field; the nop initial guess needs one value per unknown (%" PetscInt_FMT ")", g->file, y->size, M, N, M * N);
  for (PetscInt i = 0; i < M * N; i++) bad += (PetscInt)PetscIsInfOrNanReal((PetscReal)y->data[i]);
  PetscCheck(!bad, comm, PETSC_ERR_FP, "The model '%s' predicts %" PetscInt_FMT " NaN or Inf values: its parameters or normalisation are damaged, or the system lies far outside its training data", g->file, bad);
  PetscCall(PetscArraycpy(out, y->data, M * N));
  PetscFunctionReturn(0);
}

/* g->pred: the model's prediction from the current input, unless that input has not changed */
static PetscErrorCode Predict(KSPGuess guess, Mat A, Vec b)
{
  KSPGuess_NOp    *g  = (KSPGuess_NOp *)guess->data;
  DM               da = NULL;
  PetscInt         M, N;
  PetscObject      src;
  PetscObjectId    id;
  PetscObjectState state;
  Vec              in;
  float           *field;
  PetscErrorCode   ierr;

  PetscFunctionBegin;
  PetscCall(GetSource(guess, A, b, &src));
  PetscCall(PetscObjectGetId(src, &id));
  PetscCall(PetscObjectStateGet(src, &state));
  if (id == g->src_id && state == g->src_state) PetscFunctionReturn(0);
  PetscCall(GetGrid(guess, A, &da, &M, &N));
  PetscCall(VecDuplicate(g->pred, &in));
  PetscCall(FillInput(src, A, M, in));
  PetscCall(PetscMalloc1(M * N, &field));
  PetscCall(GatherNatural(da, in, field));
  PetscCall(VecDestroy(&in));
  ierr = Evaluate(guess, M, N, field, field);
  if (!ierr) ierr = ScatterNatural(da, field, g->pred);
  PetscCall(PetscFree(field));
  PetscCall(ierr);
  g->src_id    = id;
  g->src_state = state;
  g->predictions++;
  PetscFunctionReturn(0);
}

/* g->diag: the diagonal of the rows with no nonzero off-diagonal entry (Dirichlet rows kept in the
   system, as pdeop's grids have them), zero elsewhere; made again when the operator changes */
static PetscErrorCode DecoupledRows(KSPGuess guess, Mat A)
{
  KSPGuess_NOp      *g = (KSPGuess_NOp *)guess->data;
  PetscObjectId      id;
  PetscObjectState   state;
  PetscInt           lo, hi, ncols;
  const PetscInt    *cols;
  const PetscScalar *vals;
  PetscScalar       *d;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetId((PetscObject)A, &id));
  PetscCall(PetscObjectStateGet((PetscObject)A, &state));
  if (g->diag && id == g->mat_id && state == g->mat_state) PetscFunctionReturn(0);
  if (!g->diag) PetscCall(VecDuplicate(g->pred, &g->diag));
  PetscCall(MatGetOwnershipRange(A, &lo, &hi));
  PetscCall(VecGetArray(g->diag, &d));
  for (PetscInt i = lo; i < hi; i++) {
    PetscScalar aii     = 0;
    PetscBool   coupled = PETSC_FALSE;
    PetscCall(MatGetRow(A, i, &ncols, &cols, &vals));
    for (PetscInt k = 0; k < ncols; k++) {
      if (cols[k] == i) aii = vals[k];
      else if (vals[k] != 0.0) coupled = PETSC_TRUE;
    }
    PetscCall(MatRestoreRow(A, i, &ncols, &cols, &vals));
    d[i - lo] = coupled ? 0.0 : aii;
  }
  PetscCall(VecRestoreArray(g->diag, &d));
  g->mat_id    = id;
  g->mat_state = state;
  PetscFunctionReturn(0);
}

/* x_i = b_i / A_ii on the decoupled rows; elsewhere x is kept */
static PetscErrorCode SolveDecoupledRows(KSPGuess guess, Vec b, Vec x)
{
  KSPGuess_NOp      *g = (KSPGuess_NOp *)guess->data;
  const PetscScalar *d, *bb;
  PetscScalar       *xx;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(x, &n));
  PetscCall(VecGetArrayRead(g->diag, &d));
  PetscCall(VecGetArrayRead(b, &bb));
  PetscCall(VecGetArray(x, &xx));
  for (PetscInt i = 0; i < n; i++)
    if (d[i] != 0.0) xx[i] = bb[i] / d[i];
  PetscCall(VecRestoreArray(x, &xx));
  PetscCall(VecRestoreArrayRead(b, &bb));
  PetscCall(VecRestoreArrayRead(g->diag, &d));
  PetscFunctionReturn(0);
}

/* x = alpha g with the scaling asked for (alpha = 1 when its denominator vanishes), g the
   prediction with its decoupled rows zeroed; those rows then get b_i / A_ii */
static PetscErrorCode Scale(KSPGuess guess, Mat A, Vec b, Vec x)
{
  KSPGuess_NOp      *g = (KSPGuess_NOp *)guess->data;
  Vec                Ag;
  PetscScalar        num, den;
  PetscInt           n;
  PetscScalar       *xx;
  const PetscScalar *d;

  PetscFunctionBegin;
  g->alpha = 1;
  PetscCall(DecoupledRows(guess, A));
  PetscCall(VecCopy(g->pred, x));
  PetscCall(VecGetLocalSize(x, &n));
  PetscCall(VecGetArrayRead(g->diag, &d));
  PetscCall(VecGetArray(x, &xx));
  for (PetscInt i = 0; i < n; i++)
    if (d[i] != 0.0) xx[i] = 0;
  PetscCall(VecRestoreArray(x, &xx));
  PetscCall(VecRestoreArrayRead(g->diag, &d));
  if (g->scale != KSPGUESSNOP_SCALE_NONE) {
    PetscCall(VecDuplicate(x, &Ag));
    PetscCall(MatMult(A, x, Ag));
    if (g->scale == KSPGUESSNOP_SCALE_ENERGY) {
      PetscCall(VecDot(b, x, &num));
      PetscCall(VecDot(Ag, x, &den));
    } else {
      PetscCall(VecDot(b, Ag, &num));
      PetscCall(VecDot(Ag, Ag, &den));
    }
    PetscCall(VecDestroy(&Ag));
    if (PetscRealPart(den) > 0) g->alpha = PetscRealPart(num) / PetscRealPart(den);
    else PetscCall(PetscInfo(guess, "The prediction's %s norm is not positive: kept unscaled\n", KSPGuessNOpScaleTypes[g->scale]));
    PetscCall(VecScale(x, g->alpha));
  }
  PetscCall(SolveDecoupledRows(guess, b, x));
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPGuessFormGuess_NOp(KSPGuess guess, Vec b, Vec x)
{
  KSPGuess_NOp  *g = (KSPGuess_NOp *)guess->data;
  Mat            A = guess->A;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCheck(g->nop, PetscObjectComm((PetscObject)guess), PETSC_ERR_ARG_WRONGSTATE, "-ksp_guess_type nop needs a model: give -ksp_guess_nop_model model.h5 (a checkpoint written by `pdeop train`)");
  if (guess->ksp && !guess->ksp->guess_zero) { /* the caller's own initial guess (KSPSetInitialGuessNonzero) wins */
    if (!g->said_nonzero) PetscCall(PetscInfo(guess, "The KSP has a nonzero initial guess of its own: the nop guess leaves it as it is\n"));
    g->said_nonzero = PETSC_TRUE;
    PetscCall(PetscObjectStateIncrease((PetscObject)x)); /* else KSPSolve takes an unchanged x for a zero guess */
    PetscFunctionReturn(0);
  }
  PetscCall(PetscTime(&t0));
  if (!A) PetscCall(KSPGetOperators(guess->ksp, &A, NULL));
  if (!g->pred) PetscCall(VecDuplicate(x, &g->pred));
  PetscCall(Predict(guess, A, b));
  PetscCall(Scale(guess, A, b, x));
  PetscCall(PetscTime(&t1));
  g->seconds += t1 - t0;
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPGuessReset_NOp(KSPGuess guess)
{
  KSPGuess_NOp *g = (KSPGuess_NOp *)guess->data;

  PetscFunctionBegin;
  PetscCall(VecDestroy(&g->pred)); /* the sizes may have changed */
  PetscCall(VecDestroy(&g->diag));
  g->src_id = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPGuessSetFromOptions_NOp(KSPGuess guess)
{
  KSPGuess_NOp *g                        = (KSPGuess_NOp *)guess->data;
  char          file[PETSC_MAX_PATH_LEN] = "";
  PetscBool     set;

  PetscFunctionBegin;
  PetscOptionsBegin(PetscObjectComm((PetscObject)guess), ((PetscObject)guess)->prefix, "Neural-operator initial guess", "KSPGuess");
  PetscCall(PetscOptionsString("-ksp_guess_nop_model", "Model checkpoint (pdeop train) that predicts the initial guess", "KSPGuessNOpSetModelFile", g->file, file, sizeof(file), &set));
  if (set) PetscCall(KSPGuessNOpSetModelFile(guess, file));
  PetscCall(PdOptionsEnum("-ksp_guess_nop_input", "The model's input: the given field, else the diagonal (auto), the diagonal, or the rhs", "KSPGuessNOpSetInputType", KSPGuessNOpInputTypes, (PetscEnum)g->input_type, (PetscEnum *)&g->input_type, &set));
  if (set) g->src_id = 0;
  PetscCall(PdOptionsEnum("-ksp_guess_nop_scale", "Scaling of the prediction", "KSPGuessNOpSetScaleType", KSPGuessNOpScaleTypes, (PetscEnum)g->scale, (PetscEnum *)&g->scale, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPGuessView_NOp(KSPGuess guess, PetscViewer viewer)
{
  KSPGuess_NOp *g = (KSPGuess_NOp *)guess->data;
  PetscBool     isascii;
  NOpType       type = NULL;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  if (g->nop) PetscCall(NOpGetType(g->nop, &type));
  PetscCall(PetscViewerASCIIPrintf(viewer, "nop: model %s (%s), input %s, scale %s; %" PetscInt_FMT " predictions, %g s, last alpha %g\n", g->file[0] ? g->file : "(none)", type ? type : "-", KSPGuessNOpInputTypes[g->input_type], KSPGuessNOpScaleTypes[g->scale], g->predictions, (double)g->seconds, (double)g->alpha));
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPGuessDestroy_NOp(KSPGuess guess)
{
  KSPGuess_NOp *g = (KSPGuess_NOp *)guess->data;

  PetscFunctionBegin;
  PetscCall(NOpDestroy(&g->nop));
  PetscCall(PdTapeDestroy(&g->tape));
  PetscCall(VecDestroy(&g->input));
  PetscCall(VecDestroy(&g->pred));
  PetscCall(VecDestroy(&g->diag));
  PetscCall(PetscFree(guess->data));
  PetscFunctionReturn(0);
}

/*MC
  KSPGUESSNOP - "nop": the initial guess is a pdeop neural operator's prediction of the solution

  Options Database Keys:
+ -ksp_guess_nop_model file.h5 - the model (one 2D field to one 2D field)
. -ksp_guess_nop_input auto|diagonal|rhs - the model's input (auto: KSPGuessNOpSetInput's field,
    else a Vec composed on the operator as KSPGUESSNOP_INPUT, else the diagonal A_ii h^2/4)
- -ksp_guess_nop_scale none|energy|residual - the prediction g becomes alpha g (default energy)

  The grid is the operator's (or the KSP's) 2D DMDA; without one, a square number of unknowns in
  natural order. The model sees the field in natural order, x fastest, as `pdeop data` writes it.
M*/
PetscErrorCode KSPGuessCreate_NOp(KSPGuess guess)
{
  KSPGuess_NOp *g;

  PetscFunctionBegin;
  PetscCall(PetscNew(&g));
  g->input_type              = KSPGUESSNOP_INPUT_AUTO;
  g->scale                   = KSPGUESSNOP_SCALE_ENERGY;
  g->alpha                   = 1;
  guess->data                = g;
  guess->ops->formguess      = KSPGuessFormGuess_NOp;
  guess->ops->reset          = KSPGuessReset_NOp;
  guess->ops->setfromoptions = KSPGuessSetFromOptions_NOp;
  guess->ops->view           = KSPGuessView_NOp;
  guess->ops->destroy        = KSPGuessDestroy_NOp;
  PetscFunctionReturn(0);
}

/* Solve A x = b again from a zero initial guess, the KSP's guess object switched off for this
   solve; x is overwritten */
static PetscErrorCode SolveZeroGuess(KSP ksp, Vec b, Vec x, PetscInt *its, PetscLogDouble *seconds)
{
  KSPGuess           guess = ksp->guess;
  PetscBool          nonzero;
  PetscLogDouble     t0, t1;
  KSPConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(KSPGetInitialGuessNonzero(ksp, &nonzero));
  PetscCall(KSPSetInitialGuessNonzero(ksp, PETSC_FALSE));
  ksp->guess = NULL;
  PetscCall(VecSet(x, 0.0));
  PetscCall(PetscTime(&t0));
  {
    PetscErrorCode ierr = KSPSolve(ksp, b, x);
    ksp->guess          = guess;
    PetscCall(ierr);
  }
  PetscCall(PetscTime(&t1));
  PetscCall(KSPSetInitialGuessNonzero(ksp, nonzero));
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCheck(reason >= 0, PetscObjectComm((PetscObject)ksp), PETSC_ERR_NOT_CONVERGED, "The comparison solve from a zero initial guess diverged: %s after %" PetscInt_FMT " iterations", KSPConvergedReasons[reason], *its);
  *seconds = t1 - t0;
  PetscFunctionReturn(0);
}

/*@
  PdKSPGuessReport - after a solve: the KSP's initial guess in the report (guess_type; for nop also
  guess_seconds, the time spent forming guesses with inference, and guess_alpha), and with zero,
  a second solve of A x = b from a zero initial guess (iterations_zero_guess,
  solve_seconds_zero_guess); the solution the caller holds is not touched
@*/
PetscErrorCode PdKSPGuessReport(KSP ksp, Vec b, PetscBool zero, PdDict report)
{
  KSPGuess  guess = ksp->guess; /* not KSPGetGuess, which would make one */
  PetscBool isnop = PETSC_FALSE;

  PetscFunctionBegin;
  if (guess) PetscCall(PetscObjectTypeCompare((PetscObject)guess, KSPGUESSNOP, &isnop));
  if (guess && ((PetscObject)guess)->type_name) PetscCall(PdDictSetString(report, "guess_type", ((PetscObject)guess)->type_name));
  if (isnop) {
    PetscLogDouble seconds = 0;
    PetscReal      alpha   = 1;
    PetscCall(KSPGuessNOpGetStats(guess, NULL, &seconds, &alpha));
    PetscCall(PdDictSetReal(report, "guess_seconds", seconds));
    PetscCall(PdDictSetReal(report, "guess_alpha", alpha));
  }
  if (zero) {
    Vec            x;
    PetscInt       its;
    PetscLogDouble seconds = 0;
    PetscCall(VecDuplicate(b, &x));
    PetscCall(SolveZeroGuess(ksp, b, x, &its, &seconds));
    PetscCall(VecDestroy(&x));
    PetscCall(PdDictSetInt(report, "iterations_zero_guess", its));
    PetscCall(PdDictSetReal(report, "solve_seconds_zero_guess", seconds));
  }
  PetscFunctionReturn(0);
}
