/* `pdeop precond train`: make a family of systems with pdeop's own solvers and train a learned
   preconditioner on it (Adam, data-parallel over ranks: each rank owns a share of the systems; for
   learned_sor, every omega on every system to warm-start the bandit), write the curve (CSV) and the
   model, and check it on held-out systems against ICC(0). */
#include "cli.h"
#include <pdeop/learned.h>
#include <pdeop/learnedtrain.h>
#include <pdeop/pdeop.h>
#include <pdeop/solve.h>
#include <pdeop/nop.h>
#include <pdeop/ops.h>
#include <pdeop/output.h>
#include <pdeop/precond.h>
#include <pdeop/systems.h>

/* The systems a command trains on: a family, or the files of -f, whose last nval systems are held
   out (validation during training and the final check) */
typedef struct {
  PdFamily    *fam;
  PdSystemList list;
  PetscInt     ntrain, nval;
} Systems;

/* Iterations to rtol 1e-8 on A x = b: CG with a PC type, or -ksp_type dcdm. With a model file, it
   is given through the type's own option (-pc_learned_model or -ksp_dcdm_model) as a user would. */
static PetscErrorCode HeldOutIterations(Mat A, Vec b, const char *ksptype, const char *pctype, const char *option, const char *model, PetscInt *its)
{
  Vec                x;
  KSP                ksp;
  PC                 pc;
  KSPConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(b, &x));
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, ksptype));
  PetscCall(KSPSetTolerances(ksp, 1e-8, 1e-50, PETSC_DEFAULT, 100000));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, pctype));
  if (model) {
    char name[64];
    PetscCall(PetscSNPrintf(name, sizeof(name), "-heldout_%s", option));
    PetscCall(PetscOptionsSetValue(NULL, name, model));
    PetscCall(KSPSetOptionsPrefix(ksp, "heldout_"));
    PetscCall(KSPSetFromOptions(ksp));
    PetscCall(PetscOptionsClearValue(NULL, name));
  }
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  if (reason < 0) *its = -1;
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}

/* Training or held-out system s (new A and b, f = 1 or the file's right-hand side) */
static PetscErrorCode GetSystem(Systems *sy, PdFamily *fam, PetscInt s, Mat *A, Vec *b)
{
  PetscFunctionBegin;
  *A = NULL;
  if (sy->list) PetscCall(PdSystemListLoad(sy->list, s, A));
  else PetscCall(PdFamilyOperator(fam, s, A));
  PetscCall(MatCreateVecs(*A, NULL, b));
  if (sy->list) PetscCall(PdSystemListRHS(sy->list, s, 0, *A, *b));
  else PetscCall(PdFamilyRHS(fam, s, 0, *b));
  PetscFunctionReturn(0);
}

/* GetSystem of a Systems' own family or list, as PCLearnedSORPretrainSystems asks */
static PetscErrorCode GetSystemCtx(void *ctx, PetscInt s, Mat *A, Vec *b)
{
  Systems *sy = (Systems *)ctx;

  PetscFunctionBegin;
  PetscCall(GetSystem(sy, sy->fam, s, A, b));
  PetscFunctionReturn(0);
}

/* Mean iterations of three methods on nheld held-out systems (the stream seed + 1000003), computed
   on rank 0, printed and reported as heldout_iterations_<name>. A method is (KSP type, PC type, the
   model option or NULL). */
typedef struct {
  const char *name, *ksp, *pc, *option;
} HeldOutMethod;

static PetscErrorCode HeldOutCompare(MPI_Comm comm, Systems *sy, PetscInt nheld, const HeldOutMethod m[3], const char model[], PdDict report)
{
  PdFamily    held;
  PetscInt    its[3] = {0, 0, 0}, failed[3] = {0, 0, 0}, first = 0;
  PetscMPIInt rank;
  char        key[64];

  PetscFunctionBegin;
  if (sy->list) nheld = sy->nval, first = sy->ntrain;
  if (nheld <= 0) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (sy->fam) PetscCall(PdFamilyDuplicate(sy->fam, sy->fam->seed + 1000003, &held));
  if (rank == 0) {
    for (PetscInt s = first; s < first + nheld; s++) {
      Mat A;
      Vec b;
      PetscCall(GetSystem(sy, &held, s, &A, &b));
      for (int k = 0; k < 3; k++) {
        PetscInt i;
        PetscCall(HeldOutIterations(A, b, m[k].ksp, m[k].pc, m[k].option, m[k].option ? model : NULL, &i));
        if (i < 0) failed[k]++; /* a diverged solve is counted apart, never inside the mean */
        else its[k] += i;
      }
      PetscCall(MatDestroy(&A));
      PetscCall(VecDestroy(&b));
    }
  }
  if (sy->fam) PetscCall(PdFamilyDestroy(&held));
  PetscCallMPI(MPI_Bcast(its, 3, MPIU_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(failed, 3, MPIU_INT, 0, comm));
  {
    double mean[3];
    char   fail[3][48];
    for (int k = 0; k < 3; k++) {
      mean[k]    = failed[k] < nheld ? (double)its[k] / (double)(nheld - failed[k]) : (double)NAN;
      fail[k][0] = 0;
      if (failed[k]) PetscCall(PetscSNPrintf(fail[k], sizeof(fail[k]), " (%" PetscInt_FMT " failed)", failed[k]));
      PetscCall(PetscSNPrintf(key, sizeof(key), "heldout_iterations_%s", m[k].name));
      PetscCall(PdDictSetReal(report, key, mean[k]));
      PetscCall(PetscSNPrintf(key, sizeof(key), "heldout_failed_%s", m[k].name));
      PetscCall(PdDictSetInt(report, key, failed[k]));
    }
    PetscCall(PdPrintf(comm, "held-out (%" PetscInt_FMT " systems, rtol 1e-8): mean iterations of the converged solves %s %.1f%s, %s %.1f%s, %s %.1f%s\n", nheld, m[0].name, mean[0], fail[0], m[1].name, mean[1], fail[1], m[2].name, mean[2], fail[2]));
  }
  PetscFunctionReturn(0);
}

/* A trainer of a learned preconditioner's objective: Adam at 3e-3 with a cosine schedule over all
   the steps (-optim, -lr, ... override), the command's epochs and batch, the CSV log and its picture */
static PetscErrorCode PrecondTrainerCreate(PdObjective obj, PetscInt epochs, PetscInt batch, PdTrainer *tr)
{
  PdOptim optim;

  PetscFunctionBegin;
  PetscCall(PdTrainerCreateWithObjective(obj, tr));
  PetscCall(PdTrainerGetOptim(*tr, &optim));
  PetscCall(PdOptimSetType(optim, PD_OPTIM_ADAM));
  PetscCall(PdOptimSetLearningRate(optim, 3e-3));
  PetscCall(PdOptimSetSchedule(optim, PD_SCHEDULE_COSINE, 1, 1, 1.0)); /* total steps set by PrecondTrainerRun */
  PetscCall(PdOptimSetFromOptions(optim));
  PetscCall(PdTrainerSetEpochs(*tr, epochs));
  PetscCall(PdTrainerSetBatchSize(*tr, batch));
  PetscFunctionReturn(0);
}

/* train, once the objective has its systems; the last epoch's loss and the first's */
static PetscErrorCode PrecondTrainerRun(PdTrainer tr, PetscInt epochs, const char logfile[], double *loss, double *loss0)
{
  PdOptim  optim;
  PetscInt nb;
  char     png[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PdTrainerGetStepsPerEpoch(tr, &nb));
  PetscCall(PdTrainerGetOptim(tr, &optim));
  PetscCall(PdOptimSetTotalSteps(optim, nb * epochs));
  PetscCall(PdTrainerCurveName(logfile, png, sizeof(png)));
  PetscCall(PdTrainerSetLog(tr, logfile, png));
  PetscCall(PdTrainerTrain(tr));
  PetscCall(PdTrainerGetResults(tr, loss, NULL, NULL, NULL, NULL));
  PetscCall(PdTrainerGetInitialLoss(tr, loss0));
  PetscFunctionReturn(0);
}

/* The report's keys on a trained network's run: epochs, the first and the last epoch's loss, the
   seconds in all */
static PetscErrorCode PrecondReportTraining(PdDict report, PetscInt epochs, double loss0, double loss, double seconds)
{
  PetscFunctionBegin;
  PetscCall(PdDictSetInt(report, "epochs", epochs));
  PetscCall(PdDictSetReal(report, "initial_loss", loss0));
  PetscCall(PdDictSetReal(report, "final_loss", loss));
  PetscCall(PdDictSetReal(report, "seconds", seconds));
  PetscFunctionReturn(0);
}

/* Under -help the options are listed by now: free the trainer, its objective and its network and
   say done; otherwise options nobody read are an error */
static PetscErrorCode PrecondTrainerHelpDone(MPI_Comm comm, PdTrainer *tr, PdObjective *obj, NOp *net, PetscBool *done)
{
  PetscFunctionBegin;
  PetscCall(PdOptionsHelp(done));
  if (*done) {
    PetscCall(PdTrainerDestroy(tr));
    PetscCall(PdObjectiveDestroy(obj));
    PetscCall(NOpDestroy(net));
  } else PetscCall(PdOptionsCheckUnused(comm, "precond train"));
  PetscFunctionReturn(0);
}

static PetscErrorCode TrainIC(MPI_Comm comm, Systems *sy, PetscInt count, PetscInt64 seed, const char out[], const char logfile[], PdDict report)
{
  PdFamily      *fam   = sy->fam;
  PetscInt       width = 4, layers = 1, epochs = 40, P = 4, nheld = 5, np, nval = 4, every = 2, batch = 2, best_epoch = 0;
  NOp            model;
  PdObjective    obj;
  PdTrainer      tr;
  PdParams       params;
  PetscLogDouble t0, t1, tg;
  double         loss = NAN, loss0 = NAN, best_its;
  char           desc[128];
  PetscBool      help;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop precond train -type learned_ic", "pdeop");
  PetscCall(PdOptionsInt("-epochs", "Passes over the systems", "", epochs, &epochs, NULL));
  PetscCall(PdOptionsInt("-batch_systems", "Systems per optimisation step (split over the ranks)", "", batch, &batch, NULL));
  PetscCall(PdOptionsInt("-pairs", "(x, b) pairs per system: f = 1 and smooth random sources", "", P, &P, NULL));
  if (fam) { /* files: the held-out share validates (-validation_fraction) */
    PetscCall(PdOptionsInt("-heldout", "Held-out systems for the final check against ICC(0)", "", nheld, &nheld, NULL));
    PetscCall(PdOptionsInt("-validate", "Validation systems: the model kept is the one with the fewest CG iterations on them", "", nval, &nval, NULL));
  } else nval = sy->nval;
  PetscCall(PdOptionsInt("-validate_every", "Epochs between validations", "", every, &every, NULL));
  PetscOptionsEnd();
  PetscCheck(epochs >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-epochs must be at least 1, got %" PetscInt_FMT, epochs);
  PetscCheck(batch >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-batch_systems must be at least 1, got %" PetscInt_FMT, batch);
  PetscCheck(P >= 1 && P <= 64, comm, PETSC_ERR_ARG_OUTOFRANGE, "-pairs must be in [1, 64], got %" PetscInt_FMT, P);
  PetscCheck(nheld >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-heldout must be non-negative");
  PetscCheck(nval >= 0 && every >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-validate must be non-negative and -validate_every positive");
  PetscCall(NOpCreate(comm, &model));
  PetscCall(NOpSetType(model, NOPLEARNEDIC));
  PetscCall(NOpSetSeed(model, seed));
  PetscCall(NOpSetFromOptions(model)); /* -ic_width, -ic_layers */
  PetscCall(NOpLearnedICGetLayers(model, &width, &layers));
  PetscCall(NOpSetUp(model));
  PetscCall(PdObjectiveCreate(comm, &obj));
  PetscCall(PdObjectiveSetType(obj, PDOBJECTIVELEARNEDIC));
  PetscCall(PdObjectiveLearnedICSetModel(obj, model, seed));
  PetscCall(PrecondTrainerCreate(obj, epochs, batch, &tr));
  PetscCall(PrecondTrainerHelpDone(comm, &tr, &obj, &model, &help));
  if (help) PetscFunctionReturn(0);
  PetscCall(NOpGetParams(model, &params));
  PetscCall(PdParamsGetSize(params, &np));
  if (fam) PetscCall(PdFamilyDescribe(fam, desc, sizeof(desc)));
  else PetscCall(PdSystemListDescribe(sy->list, desc, sizeof(desc)));
  PetscCall(PdPrintf(comm, "learned_ic: %" PetscInt_FMT " systems of %s, %" PetscInt_FMT " pairs each; network width %" PetscInt_FMT ", %" PetscInt_FMT " layers, %" PetscInt_FMT " parameters\n", count, desc, P, width, layers, np));
  PetscCall(PetscTime(&t0));
  if (fam) PetscCall(PdObjectiveLearnedICSetSystems(obj, fam, count, P, nval, every));
  else PetscCall(PdObjectiveLearnedICSetSystemList(obj, sy->list, count, P, nval, every));
  PetscCall(PetscTime(&tg));
  /* a step is a batch of systems from the epoch's permutation; each rank does those it owns, and the
     gradients are summed, so any number of ranks takes the same steps */
  PetscCall(PrecondTrainerRun(tr, epochs, logfile, &loss, &loss0));
  PetscCall(PdTrainerGetBest(tr, &best_epoch, &best_its));
  if (nval > 0) PetscCall(PdPrintf(comm, "keeping the model of epoch %" PetscInt_FMT " (%.1f validation CG iterations per system)\n", best_epoch, best_its));
  PetscCall(PetscTime(&t1));
  {
    PdDict extra;
    PetscCall(PdDictCreate(&extra));
    if (fam) {
      PetscCall(PdDictSetString(extra, "problem", fam->problem));
      PetscCall(PdDictSetString(extra, "coefficient", PdFamilyCoefficients[fam->coefficient]));
      PetscCall(PdDictSetInt(extra, "res", fam->res));
    } else PetscCall(PdDictSetString(extra, "problem", "files"));
    PetscCall(PdDictSetInt(extra, "count", count));
    PetscCall(PdDictSetInt(extra, "epochs", epochs));
    PetscCall(PdDictSetReal(extra, "loss", loss));
    if (nval > 0) PetscCall(PdDictSetInt(extra, "best_epoch", best_epoch));
    PetscCall(NOpGetMeta(model, extra));
    PetscCall(PdCheckpointWrite(comm, out, extra, params, NULL, 0));
    PetscCall(PdDictDestroy(&extra));
  }
  PetscCall(PdPrintf(comm, "wrote %s (%.1f s: %.1f s making systems, %.1f s training)\n", out, t1 - t0, tg - t0, t1 - tg));
  PetscCall(PdDictSetString(report, "type", "learned_ic"));
  PetscCall(PdDictSetInt(report, "params", np));
  PetscCall(PdDictSetInt(report, "systems", count));
  PetscCall(PrecondReportTraining(report, epochs, loss0, loss, t1 - t0));
  PetscCall(PdDictSetReal(report, "train_seconds", t1 - tg));
  if (nval > 0) {
    PetscCall(PdDictSetInt(report, "best_epoch", best_epoch));
    PetscCall(PdDictSetReal(report, "validation_iterations", best_its));
  }
  {
    const HeldOutMethod m[3] = {{"learned_ic", KSPCG, "learned_ic", "pc_learned_model"}, {"icc", KSPCG, PCICC, NULL}, {"jacobi", KSPCG, PCJACOBI, NULL}};
    PetscCall(HeldOutCompare(comm, sy, nheld, m, out, report));
  }
  PetscCall(PdTrainerDestroy(&tr));
  PetscCall(PdObjectiveDestroy(&obj));
  PetscCall(NOpDestroy(&model));
  PetscFunctionReturn(0);
}

/* Sets an option default unless the user gave it; returns whether to clear it afterwards */
static PetscErrorCode DefaultOption(const char name[], const char value[], PetscBool *clear)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, name, &has));
  *clear = (PetscBool)!has;
  if (!has) PetscCall(PetscOptionsSetValue(NULL, name, value));
  PetscFunctionReturn(0);
}

static PetscErrorCode TrainDCDM(MPI_Comm comm, Systems *sy, PetscInt count, const char out[], const char logfile[], PdDict report)
{
  PdFamily      *fam = sy->fam;
  const PetscInt N = fam->res, n = PdFamilyUnknowns(fam), dim = fam->dim;
  PetscInt       m = 0, S = 1024, epochs = 100, B = 16, nheld = 3, levels = 1, np, ritz;
  PetscReal      bias = 9;
  NOp            net;
  PdObjective    obj;
  PdTrainer      tr;
  PetscLogDouble t0, tg, t1;
  double         loss = NAN, loss0 = NAN;
  char           desc[128], lv[16];
  /* a linear V(1,1)-cycle (q = M r: the method is then a flexible preconditioned conjugate
     direction iteration with a learned multigrid M), one layer of width 4, as deep as the grid allows */
  const char *defs[5][2] = {{"-mgno_width", "4"}, {"-mgno_layers", "1"}, {"-mgno_linear", "true"}, {"-mgno_post_smoothing", "true"}, {"-mgno_levels", lv}};
  PetscBool   clear[5], help;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop precond train -type dcdm", "pdeop");
  PetscCall(PdOptionsInt("-ritz", "Lanczos steps (Ritz vectors) per system (0: 12 N in 2D, 60 N in 3D, at most N^dim)", "", m, &m, NULL));
  PetscCall(PdOptionsInt("-samples", "Training right-hand sides", "", S, &S, NULL));
  PetscCall(PdOptionsInt("-epochs", "Passes over the right-hand sides", "", epochs, &epochs, NULL));
  PetscCall(PdOptionsInt("-batch_size", "Right-hand sides per step", "", B, &B, NULL));
  PetscCall(PdOptionsReal("-dcdm_bias", "Weight of the lower half of the spectrum in the right-hand sides", "", bias, &bias, NULL));
  PetscCall(PdOptionsInt("-heldout", "Held-out systems for the final check against ICC(0)", "", nheld, &nheld, NULL));
  PetscOptionsEnd();
  if (m <= 0) m = PetscMin((dim == 3 ? 60 : 12) * N, n); /* 3D: 12 N left most of the spectrum out (17^3: 18 iterations against 15 with 1000) */
  PetscCheck(S >= 1 && epochs >= 1 && B >= 1 && bias > 0 && nheld >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "Need -samples, -epochs, -batch_size >= 1, -dcdm_bias > 0, -heldout >= 0");
  if (!strcmp(fam->problem, PDPROBLEMPOISSON)) count = 1; /* one operator */
  /* the deepest V-cycle the grid allows (coarsest grid at least 3 x 3; MgNO coarsens a side n to
     (n + 1)/2, so any N: 65 and 64 both get 6 levels), at most 8 levels */
  for (PetscInt c = N; levels < 8 && (c + 1) / 2 >= 3; c = (c + 1) / 2) levels++;
  PetscCall(PetscSNPrintf(lv, sizeof(lv), "%" PetscInt_FMT, levels));
  for (int k = 0; k < 5; k++) PetscCall(DefaultOption(defs[k][0], defs[k][1], &clear[k]));
  PetscCall(NOpCreate(comm, &net));
  PetscCall(NOpSetType(net, NOPMGNO));
  PetscCall(NOpSetShapes(net, 1 + (int)dim, (PetscInt[]){1, N, N, N}, 1 + (int)dim, (PetscInt[]){1, N, N, N}));
  PetscCall(NOpSetSeed(net, fam->seed));
  PetscCall(NOpSetFromOptions(net));
  for (int k = 0; k < 5; k++)
    if (clear[k]) PetscCall(PetscOptionsClearValue(NULL, defs[k][0]));
  PetscCall(PdObjectiveCreate(comm, &obj));
  PetscCall(PdObjectiveSetType(obj, PDOBJECTIVEDCDM));
  PetscCall(PdObjectiveDCDMSetModel(obj, net, fam->seed));
  PetscCall(NOpGetParamCount(net, &np));
  PetscCall(PrecondTrainerCreate(obj, epochs, B, &tr));
  PetscCall(PrecondTrainerHelpDone(comm, &tr, &obj, &net, &help));
  if (help) PetscFunctionReturn(0);
  PetscCall(PdFamilyDescribe(fam, desc, sizeof(desc)));
  PetscCall(PdPrintf(comm, "dcdm: %" PetscInt_FMT " right-hand sides from %" PetscInt_FMT " Ritz vectors of %" PetscInt_FMT " system(s) of %s; %s network, %" PetscInt_FMT " parameters\n", S, m, count, desc, NOPMGNO, np));

  /* every rank makes every system (the batches mix them) */
  PetscCall(PetscTime(&t0));
  PetscCall(PdObjectiveDCDMSetSystems(obj, fam, count, m, S, bias));
  PetscCall(PetscTime(&tg));
  PetscCall(PrecondTrainerRun(tr, epochs, logfile, &loss, &loss0));
  PetscCall(PetscTime(&t1));
  {
    PdDict   meta;
    PdParams params;
    PetscCall(PdDictCreate(&meta));
    PetscCall(NOpGetMeta(net, meta));
    PetscCall(PdDictSetString(meta, "precond", "dcdm"));
    PetscCall(PdDictSetString(meta, "problem", fam->problem));
    PetscCall(PdDictSetInt(meta, "res", N));
    PetscCall(PdDictSetInt(meta, "dim", dim));
    PetscCall(PdDictSetReal(meta, "loss", loss));
    PetscCall(NOpGetParams(net, &params));
    PetscCall(PdCheckpointWrite(comm, out, meta, params, NULL, epochs));
    PetscCall(PdDictDestroy(&meta));
  }
  PetscCall(PdPrintf(comm, "wrote %s (%.1f s: %.1f s Ritz vectors, %.1f s training)\n", out, t1 - t0, tg - t0, t1 - tg));
  PetscCall(PdObjectiveDCDMGetRitzCount(obj, &ritz));
  PetscCall(PdDictSetString(report, "type", "dcdm"));
  PetscCall(PdDictSetInt(report, "params", np));
  PetscCall(PdDictSetInt(report, "samples", S));
  PetscCall(PdDictSetInt(report, "ritz_vectors", ritz));
  PetscCall(PrecondReportTraining(report, epochs, loss0, loss, t1 - t0));
  {
    const HeldOutMethod m[3] = {{"dcdm", "dcdm", PCNONE, "ksp_dcdm_model"}, {"icc", KSPCG, PCICC, NULL}, {"cg", KSPCG, PCNONE, NULL}};
    PetscCall(HeldOutCompare(comm, sy, nheld, m, out, report));
  }
  PetscCall(PdTrainerDestroy(&tr));
  PetscCall(PdObjectiveDestroy(&obj));
  PetscCall(NOpDestroy(&net));
  PetscFunctionReturn(0);
}

/* learned_sor: CG + SSOR at every omega of the bandit's grid on each training system (rank r owns
   systems r, r + size, ...), the bandit warm-started with these full-information rounds
   (PCLearnedSORPretrain), and its state written as the model. */
/* learned_sor's -log: each training system's CG iterations at each omega (negative: diverged) */
typedef struct {
  PetscInt         count, K;
  const PetscReal *omega;
  const PetscInt  *its;
} SORLog;

static PetscErrorCode FillSORLog(FILE *log, void *ctx)
{
  const SORLog *l = (const SORLog *)ctx;

  PetscFunctionBegin;
  fprintf(log, "system");
  for (PetscInt k = 0; k < l->K; k++) fprintf(log, ",omega_%.4g", (double)l->omega[k]);
  fprintf(log, "\n");
  for (PetscInt s = 0; s < l->count; s++) {
    fprintf(log, "%" PetscInt_FMT, s);
    for (PetscInt k = 0; k < l->K; k++) fprintf(log, ",%" PetscInt_FMT, l->its[s * l->K + k]);
    fprintf(log, "\n");
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode TrainSOR(MPI_Comm comm, Systems *sy, PetscInt count, const char out[], const char logfile[], PdDict report)
{
  PdFamily        *fam = sy->fam;
  PC               pc;
  PetscBool        help;
  PetscInt         K, nheld = 20, *its, best = 0;
  const PetscReal *omega;
  PetscMPIInt      rank;
  PetscLogDouble   t0, t1;
  PdProgress       prog;
  char             desc[128], key[64], png[PETSC_MAX_PATH_LEN];
  double          *mean, *wx;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop precond train -type learned_sor", "pdeop");
  if (fam) PetscCall(PdOptionsInt("-heldout", "Held-out systems for the final check against SSOR and ICC(0)", "", nheld, &nheld, NULL));
  PetscOptionsEnd();
  PetscCheck(nheld >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-heldout must be non-negative");
  PetscCall(PCCreate(comm, &pc));
  PetscCall(PCSetType(pc, "learned_sor"));
  PetscCall(PCSetFromOptions(pc)); /* the grid: -pc_learned_sor_omega_min/max/count */
  PetscCall(PdOptionsHelp(&help));
  if (help) { /* the options above are listed: done */
    PetscCall(PCDestroy(&pc));
    PetscFunctionReturn(0);
  }
  PetscCall(PdOptionsCheckUnused(comm, "precond train"));
  PetscCall(PCLearnedSORGetGrid(pc, &K, &omega));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (fam) PetscCall(PdFamilyDescribe(fam, desc, sizeof(desc)));
  else PetscCall(PdSystemListDescribe(sy->list, desc, sizeof(desc)));
  PetscCall(PdPrintf(comm, "learned_sor: %" PetscInt_FMT " systems of %s, CG + SSOR at each of %" PetscInt_FMT " omegas (%g to %g)\n", count, desc, K, (double)omega[0], (double)omega[K - 1]));
  PetscCall(PetscCalloc1(count * K, &its));
  PetscCall(PetscMalloc2(K, &mean, K, &wx));
  PetscCall(PetscTime(&t0));
  PetscCall(PdProgressBegin(comm, "systems", count, &prog));
  PetscCall(PCLearnedSORPretrainSystems(pc, count, GetSystemCtx, sy, &prog, its));
  PetscCall(PdProgressEnd(&prog));
  PetscCall(PetscTime(&t1));
  PetscCall(PCLearnedSORSaveState(pc, out));

  /* per-system log and the mean iterations of each omega (diverged solves count as max_it) */
  if (logfile[0]) {
    SORLog l = {count, K, omega, its};
    PetscCall(PdFileWrite(comm, logfile, "-log", FillSORLog, &l));
  }
  for (PetscInt k = 0; k < K; k++) {
    mean[k] = 0;
    wx[k]   = omega[k];
    for (PetscInt s = 0; s < count; s++) mean[k] += its[s * K + k] < 0 ? 100000 : its[s * K + k];
    mean[k] /= count;
    if (mean[k] < mean[best]) best = k;
    PetscCall(PetscSNPrintf(key, sizeof(key), "mean_iterations_%" PetscInt_FMT, k));
    PetscCall(PdDictSetReal(report, key, mean[k]));
    PetscCall(PetscSNPrintf(key, sizeof(key), "omega_%" PetscInt_FMT, k));
    PetscCall(PdDictSetReal(report, key, omega[k]));
  }
  PetscCall(PdTrainerCurveName(logfile, png, sizeof(png)));
  if (png[0]) {
    const double *ys[1]    = {mean};
    const char   *names[1] = {"mean CG iterations (training systems)"};
    PetscCall(PdPNGWriteCurves(comm, png, "learned_sor training", "omega", K, 1, wx, ys, names, PETSC_FALSE));
  }
  PetscCall(PdPrintf(comm, "best omega on the training systems: %g (%.1f iterations per system; omega 1: %.1f)\n", (double)omega[best], mean[best], mean[0]));
  PetscCall(PdPrintf(comm, "wrote %s (%.1f s, %" PetscInt_FMT " solves)\n", out, t1 - t0, count * K));
  PetscCall(PdDictSetString(report, "type", "learned_sor"));
  PetscCall(PdDictSetInt(report, "systems", count));
  PetscCall(PdDictSetInt(report, "omega_count", K));
  PetscCall(PdDictSetReal(report, "best_omega", omega[best]));
  PetscCall(PdDictSetReal(report, "best_omega_mean_iterations", mean[best]));
  PetscCall(PdDictSetReal(report, "seconds", t1 - t0));
  PetscCall(PCDestroy(&pc));
  PetscCall(PetscFree(its));
  PetscCall(PetscFree2(mean, wx));
  {
    const HeldOutMethod m[3] = {{"learned_sor", KSPCG, "learned_sor", "pc_learned_model"}, {"sor", KSPCG, PCSOR, NULL}, {"icc", KSPCG, PCICC, NULL}};
    PetscCall(HeldOutCompare(comm, sy, nheld, m, out, report));
  }
  PetscFunctionReturn(0);
}

/* -f files: the list of their systems, the last round(fraction * N) (at least one) held out */
static PetscErrorCode SystemsFromFiles(MPI_Comm comm, PetscInt nf, char *files[], PetscReal fraction, PetscInt64 seed, Systems *sy)
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(PdSystemListCreate(comm, seed, &sy->list));
  PetscCall(PdSystemListAddFiles(sy->list, nf, files));
  PetscCall(PdSystemListGetSize(sy->list, &n));
  sy->nval = fraction > 0 ? PetscMax(1, (PetscInt)PetscFloorReal(fraction * n + 0.5)) : 0;
  PetscCheck(n - sy->nval >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "The files hold %" PetscInt_FMT " system(s): with -validation_fraction %g none is left to train on (give more systems or -validation_fraction 0)", n, (double)fraction);
  sy->ntrain = n - sy->nval;
  PetscFunctionReturn(0);
}

/*@
  PdCommandPrecondTrain - `pdeop precond train -type learned_ic|dcdm|learned_sor -problem darcy|poisson|cavity
  -res N -count M -o model` with -seed, -epochs, -lr (Adam, cosine schedule), -ic_width, -ic_layers,
  -pairs, -validate, -validate_every, -batch_systems (learned_ic), -ritz, -samples, -batch_size,
  -dcdm_bias (dcdm), the -pc_learned_sor_omega_* grid (learned_sor), -heldout and
  -log file.csv (default: the model's name with .csv); or, instead of a family, -f a.petsc,b.petsc
  (learned_ic, learned_sor: the systems of PETSc binary files) with -validation_fraction (0.2)
@*/
PetscErrorCode PdCommandPrecondTrain(MPI_Comm comm, PdDict report)
{
  char      type[64] = "learned_ic", out[PETSC_MAX_PATH_LEN] = "", logfile[PETSC_MAX_PATH_LEN] = "", *files[64];
  PetscInt  res = 64, count = 100, seed = 0, nf = 64;
  PetscReal fraction = 0.2;
  PetscBool help, setlog, setf, setfrac, setres = PETSC_FALSE, setcount = PETSC_FALSE;
  PdFamily  fam;
  Systems   sy = {NULL, NULL, 0, 0};

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop precond train", "pdeop");
  PetscCall(PdOptionsNeedValue(PetscOptionsObject, "-type", "learned_ic, dcdm or learned_sor"));
  PetscCall(PetscOptionsString("-type", "learned_ic, dcdm or learned_sor", "", type, type, sizeof(type), NULL));
  PetscCall(PdOptionsStringArray("-f", "Train on the systems of these PETSc binary files instead of a family (learned_ic, learned_sor)", "", files, &nf, &setf));
  PetscCall(PdOptionsReal("-validation_fraction", "With -f: share of the systems (the last ones) held out for validation and the final check", "", fraction, &fraction, &setfrac));
  PetscCall(PdOptionsInt("-res", "Grid nodes per side", "", res, &res, &setres));
  PetscCall(PdOptionsInt("-count", "Systems in the training family", "", count, &count, &setcount));
  PetscCall(PdOptionsInt("-seed", "Seed of the family and of the network", "", seed, &seed, NULL));
  PetscCall(PetscOptionsString("-o", "Model file to write (HDF5; learned_sor: the bandit's PETSc binary state)", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsString("-log", "CSV loss curve", "", logfile, logfile, sizeof(logfile), &setlog));
  PetscOptionsEnd();
  if (!setf) nf = 0;
  PetscCall(PdFamilyCreateFromOptions(comm, setf, setres, setcount, res, seed, &fam));
  PetscCall(PdOptionsHelp(&help));
  sy.fam = setf ? NULL : &fam;
  if (help) { /* list the chosen type's options too (-type dcdm -help for dcdm's) */
    if (!strcmp(type, "learned_ic")) PetscCall(TrainIC(comm, &sy, count, seed, out, logfile, report));
    else if (!strcmp(type, "dcdm")) PetscCall(TrainDCDM(comm, &sy, count, out, logfile, report));
    else if (!strcmp(type, "learned_sor")) PetscCall(TrainSOR(comm, &sy, count, out, logfile, report));
    PetscCall(PdFamilyDestroy(&fam));
    for (PetscInt k = 0; k < nf; k++) PetscCall(PetscFree(files[k]));
    PetscFunctionReturn(0);
  }
  if (setf) {
    PetscCheck(strcmp(type, "dcdm"), comm, PETSC_ERR_ARG_WRONG, "-type dcdm learns a multigrid cycle on a grid, and the systems of -f have none: train it on a family (-problem poisson|darcy -res N)");
    PetscCheck(fraction >= 0 && fraction < 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-validation_fraction must be in [0, 1), got %g", (double)fraction);
  } else PetscCheck(!setfrac, comm, PETSC_ERR_ARG_WRONG, "-validation_fraction goes with -f files (a family's held-out systems are -heldout and -validate)");
  PetscCheck(count >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-count must be at least 1, got %" PetscInt_FMT, count);
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "Give the model file to write with -o model.h5");
  if (setf) {
    PetscCall(SystemsFromFiles(comm, nf, files, fraction, seed, &sy));
    count = sy.ntrain;
  } else PetscCall(PdFamilySetUp(&fam));
  for (PetscInt k = 0; k < nf; k++) PetscCall(PetscFree(files[k]));
  if (!setlog) {
    size_t len;
    PetscCall(PetscStrncpy(logfile, out, sizeof(logfile)));
    PetscCall(PetscStrlen(logfile, &len));
    for (size_t i = len; i > 0 && logfile[i - 1] != '/'; i--) /* drop the extension (.h5, .bin) */
      if (logfile[i - 1] == '.') {
        logfile[i - 1] = 0;
        break;
      }
    PetscCall(PetscStrlcat(logfile, ".csv", sizeof(logfile)));
  }
  if (!strcmp(type, "learned_ic")) PetscCall(TrainIC(comm, &sy, count, seed, out, logfile, report));
  else if (!strcmp(type, "dcdm")) PetscCall(TrainDCDM(comm, &sy, count, out, logfile, report));
  else if (!strcmp(type, "learned_sor")) PetscCall(TrainSOR(comm, &sy, count, out, logfile, report));
  else {
    PetscCall(PdFamilyDestroy(&fam));
    PetscCall(PdSystemListDestroy(&sy.list));
    SETERRQ(comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown -type %s: use learned_ic, dcdm or learned_sor", type);
  }
  PetscCall(PdDictSetString(report, "log", logfile));
  {
    char png[PETSC_MAX_PATH_LEN];
    PetscCall(PdTrainerCurveName(logfile, png, sizeof(png)));
    PetscCall(PdDictSetString(report, "curve_png", png));
  }
  if (sy.list) {
    PetscCall(PdDictSetInt(report, "validation_systems", sy.nval));
    PetscCall(PdSystemListDestroy(&sy.list));
  }
  PetscCall(PdFamilyDestroy(&fam));
  PetscFunctionReturn(0);
}
