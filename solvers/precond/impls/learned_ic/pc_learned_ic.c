/* -pc_type learned_ic: the learned incomplete Cholesky factor as a PETSc preconditioner. In
   parallel each rank factors its diagonal block (block Jacobi with learned IC blocks). */
#include <petsc/private/pcimpl.h>
#include <pdeop/learned.h>
#include <pdeop/io.h>

typedef struct {
  char           file[PETSC_MAX_PATH_LEN];
  NOp            model; /* type learned_ic */
  PdTape         tape;  /* inference tape, kept so a sequence of set-ups allocates nothing */
  PdICFactor     factor;
  PetscLogDouble setup_seconds; /* of the last set-up */
  PetscInt       setups;
} PC_LearnedIC;

/* the model file must hold a learned_ic network (files of the former PdLearnedICSave load too);
   the type is checked before a model of another kind is built */
static PetscErrorCode LoadModel(const char file[], NOp *model)
{
  PdDict      meta;
  const char *type = NULL;
  PetscBool   has, same = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PdCheckpointReadMeta(PETSC_COMM_SELF, file, &meta, NULL));
  PetscCall(PdDictHas(meta, "model", &has));
  if (has) PetscCall(PdDictGetString(meta, "model", &type));
  if (has) PetscCall(PetscStrcmp(type, NOPLEARNEDIC, &same));
  if (!same) {
    char t[64];
    PetscCall(PetscStrncpy(t, has ? type : "(none)", sizeof(t)));
    PetscCall(PdDictDestroy(&meta));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s' holds a '%s' model, not a learned_ic preconditioner (train one with: pdeop precond train -type learned_ic)", file, t);
  }
  PetscCall(PdDictDestroy(&meta));
  PetscCall(NOpLoad(PETSC_COMM_SELF, file, model, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetUp_LearnedIC(PC pc)
{
  PC_LearnedIC  *ic = (PC_LearnedIC *)pc->data;
  Mat            A  = pc->pmat, Ad;
  PdICGraph      g;
  PetscBool      isseq, ismpi;
  PetscLogDouble t0, t1;
  MPI_Comm       comm;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  PetscCall(PetscTime(&t0));
  if (!ic->model) {
    PetscCheck(ic->file[0], comm, PETSC_ERR_ARG_WRONGSTATE, "-pc_type learned_ic needs a model: give -pc_learned_model model.h5 (train one with: pdeop precond train -type learned_ic)");
    PetscCall(LoadModel(ic->file, &ic->model));
  }
  PetscCall(PdICFactorDestroy(&ic->factor));
  PetscCall(PetscObjectBaseTypeCompare((PetscObject)A, MATSEQAIJ, &isseq));
  PetscCall(PetscObjectBaseTypeCompare((PetscObject)A, MATMPIAIJ, &ismpi));
  if (ismpi) PetscCall(MatGetDiagonalBlock(A, &Ad));
  else {
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCheck(size == 1 || isseq, comm, PETSC_ERR_SUP, "learned_ic in parallel needs an MPIAIJ matrix (got %s)", ((PetscObject)A)->type_name);
    Ad = A;
  }
  PetscCall(PdICGraphCreate(Ad, &g));
  if (!ic->tape) {
    PetscCall(PdTapeCreate(PETSC_COMM_SELF, &ic->tape));
    PetscCall(PdTapeSetGradEnabled(ic->tape, PETSC_FALSE));
  }
  PetscCall(PdLearnedICFactor(ic->model, ic->tape, g, &ic->factor));
  PetscCall(PdICGraphDestroy(&g));
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
  PetscCall(PdICFactorApply(ic->factor, ra, ya));
  PetscCall(VecRestoreArrayRead(r, &ra));
  PetscCall(VecRestoreArrayWrite(y, &ya));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCReset_LearnedIC(PC pc)
{
  PC_LearnedIC *ic = (PC_LearnedIC *)pc->data;

  PetscFunctionBegin;
  PetscCall(PdICFactorDestroy(&ic->factor));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCDestroy_LearnedIC(PC pc)
{
  PC_LearnedIC *ic = (PC_LearnedIC *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCReset_LearnedIC(pc));
  PetscCall(NOpDestroy(&ic->model));
  PetscCall(PdTapeDestroy(&ic->tape));
  PetscCall(PetscFree(pc->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetFromOptions_LearnedIC(PC pc, PetscOptionItems *PetscOptionsObject)
{
  PC_LearnedIC *ic = (PC_LearnedIC *)pc->data;
  char          file[PETSC_MAX_PATH_LEN];
  PetscBool     set;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Learned incomplete Cholesky options");
  PetscCall(PetscOptionsString("-pc_learned_model", "HDF5 model from pdeop precond train -type learned_ic", "PCLEARNEDIC", ic->file, file, sizeof(file), &set));
  if (set && strcmp(file, ic->file)) {
    PetscCall(PetscStrncpy(ic->file, file, sizeof(ic->file)));
    PetscCall(NOpDestroy(&ic->model));
    pc->setupcalled = 0;
  }
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
  PetscFunctionReturn(0);
}

/*MC
  PCLEARNEDIC - "learned_ic": M = L L^T with L predicted by a graph network from the matrix
  (pdeop precond train -type learned_ic). Options: -pc_learned_model file.h5 (required).
  In parallel: block Jacobi, each rank's diagonal block gets its own learned factor.
M*/
PetscErrorCode PCCreate_LearnedIC(PC pc)
{
  PC_LearnedIC *ic;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ic));
  pc->data                 = ic;
  pc->ops->setup           = PCSetUp_LearnedIC;
  pc->ops->apply           = PCApply_LearnedIC;
  pc->ops->applytranspose  = PCApply_LearnedIC;
  pc->ops->reset           = PCReset_LearnedIC;
  pc->ops->destroy         = PCDestroy_LearnedIC;
  pc->ops->setfromoptions  = PCSetFromOptions_LearnedIC;
  pc->ops->view            = PCView_LearnedIC;
  PetscFunctionReturn(0);
}
