/* PdPinn checkpoints: the mlp, Adam's state, the iterations and the problem with its coefficients, and
   what an exact resume needs besides (the points' random stream, the best test error so far, the
   run's settings). */
#include "pinnimpl.h"
#include <pdeop/progress.h>

/* ---------------- checkpoints ---------------- */

static PetscErrorCode ProblemMeta(PdPinn p, PdDict meta)
{
  PetscFunctionBegin;
  PetscCall(NOpGetMeta(p->nop, meta));
  PetscCall(PdDictSetString(meta, "pinn_pde", PdPinnPDEs[p->pde]));
  PetscCall(PdDictSetString(meta, "pinn_solution", PdPinnSolutions[p->sol]));
  PetscCall(PdDictSetInt(meta, "pinn_dim", p->d));
  PetscCall(PdDictSetString(meta, "pinn_boundary", PdPinnBoundaries[p->bc]));
  PetscCall(PdDictSetInt(meta, "pinn_seed", p->seed));
  PetscCall(PdDictSetInt(meta, "pinn_problem_seed", p->problem_seed >= 0 ? p->problem_seed : p->seed));
  PetscCall(PdDictSetString(meta, "pinn_estimator", PdEstimatorTypes[p->est]));
  PetscCall(PdDictSetString(meta, "pinn_stde_dist", PdDirDists[p->dist]));
  PetscCall(PdDictSetInt(meta, "pinn_stde_dirs", p->V));
  PetscCall(PdDictSetInt(meta, "pinn_batch", p->batch));
  PetscCall(PdDictSetString(meta, "pinn_exact_solution", p->sol == PD_PINN_TWO_BODY ? "(1 - |x|^2) sum_{i=1}^{d-1} c_i sin(x_i + cos(x_{i+1}) + x_{i+1} cos(x_i))" : "(1 - |x|^2) sum_{i=1}^{d-2} c_i exp(x_i x_{i+1} x_{i+2})"));
  PetscFunctionReturn(0);
}

/* the run's settings a resumed run must share (the problem's are in the metadata): the optimizer's,
   the schedule's length (-lr_total_steps, by default -iters: a run to be continued further gives it),
   the initialisation, the evaluation, the boundary weight's rule */
static PetscErrorCode RunSettings(PdPinn p, PdDict d)
{
  PetscInt total;

  PetscFunctionBegin;
  PetscCall(PdOptimGetSettings(p->optim, d));
  PetscCall(PdOptimGetTotalSteps(p->optim, &total));
  PetscCall(PdDictSetInt(d, "lr_total_steps", total));
  PetscCall(PdDictSetString(d, "pinn_init", PdPinnInits[p->init]));
  PetscCall(PdDictSetString(d, "pinn_rhs", PdPinnRHSTypes[p->rhs]));
  PetscCall(PdDictSetInt(d, "eval_every", p->eval_every));
  PetscCall(PdDictSetInt(d, "test_points", p->test_points));
  PetscCall(PdDictSetString(d, "pinn_weights", PdPinnWeightsTypes[p->lw.mode]));
  PetscCall(PdDictSetReal(d, "boundary_weight", p->lw.weight0));
  PetscCall(PdDictSetInt(d, "boundary_batch", p->bbatch));
  if (p->lw.mode == PD_PINN_WEIGHTS_ANNEALING) {
    PetscCall(PdDictSetReal(d, "annealing_alpha", p->lw.alpha));
    PetscCall(PdDictSetInt(d, "annealing_every", p->lw.every));
    PetscCall(PdDictSetString(d, "annealing_form", PdPinnAnnealForms[p->lw.form]));
  }
  PetscFunctionReturn(0);
}

#define PINN_RNG_N 10 /* the stream's four 64-bit words as eight exact 32-bit halves, its spare normal */

/*@
  PdPinnSave - checkpoint: mlp parameters, Adam state, iterations, and the problem (attributes
  pinn_pde, pinn_solution, pinn_dim, pinn_boundary, ...; dataset /c of the coefficients, float64);
  for PdPinnResume also the points' random stream (/pinn_rng), the best test error so far, the
  boundary weight and the training time so far (attributes), and the run's settings (/training)
@*/
PetscErrorCode PdPinnSave(PdPinn p, const char file[])
{
  PdDict            meta, settings;
  PdParams          params;
  double            rng[PINN_RNG_N];
  PdCheckpointArray arrays[2] = {
    {"c", p->nc, p->c},
    {"pinn_rng", PINN_RNG_N, rng}};

  PetscFunctionBegin;
  for (int k = 0; k < 4; k++) {
    rng[2 * k]     = (double)(p->rng.s[k] >> 32);
    rng[2 * k + 1] = (double)(p->rng.s[k] & 0xffffffffu);
  }
  rng[8] = p->rng.has_spare ? 1 : 0;
  rng[9] = p->rng.spare;
  PetscCall(PdDictCreate(&meta));
  PetscCall(ProblemMeta(p, meta));
  PetscCall(PdDictSetReal(meta, "pinn_rel_l2_min", p->rel_l2_min));
  PetscCall(PdDictSetInt(meta, "pinn_rel_l2_min_iter", p->rel_l2_min_iter));
  PetscCall(PdDictSetReal(meta, "pinn_boundary_weight_now", p->lw.weight));
  {
    double   wall, cpu;
    PetscInt steps;
    PetscCall(PdPinnRunTimes(p, &wall, &cpu, &steps));
    PetscCall(PdDictSetReal(meta, "pinn_train_s", wall));
    PetscCall(PdDictSetReal(meta, "pinn_train_cpu_s", cpu));
    PetscCall(PdDictSetInt(meta, "pinn_train_steps", steps));
    if (p->loss_known) PetscCall(PdDictSetReal(meta, "pinn_train_loss", p->loss)); /* the last step's */
  }
  PetscCall(PdDictSetInt(meta, "pinn_jet_max_rows", p->max_rows)); /* a resumed run's default, not checked: it changes the rounding only */
  PetscCall(PdDictCreate(&settings));
  PetscCall(RunSettings(p, settings));
  PetscCall(NOpGetParams(p->nop, &params));
  PetscCall(PdCheckpointWriteArrays(p->comm, file, meta, params, p->optim, p->it, settings, 2, arrays));
  PetscCall(PdDictDestroy(&settings));
  PetscCall(PdDictDestroy(&meta));
  PetscFunctionReturn(0);
}

/* one stored setting against this run's: equal as numbers (to 1e-12) or as names */
static PetscErrorCode SameEntry(PdDict a, PdDict b, const char *key, PdDictType type, PetscBool *same, char sa[], char sb[], size_t len)
{
  PetscFunctionBegin;
  if (type == PD_DICT_REAL) {
    double x, y;
    PetscCall(PdDictGetReal(a, key, &x));
    PetscCall(PdDictGetReal(b, key, &y));
    *same = (PetscBool)(x == y || PetscAbsReal(x - y) <= 1e-12 * PetscMax(PetscAbsReal(x), PetscAbsReal(y)));
    snprintf(sa, len, "%g", x), snprintf(sb, len, "%g", y);
  } else if (type == PD_DICT_INT) {
    PetscInt64 x, y;
    PetscCall(PdDictGetInt(a, key, &x));
    PetscCall(PdDictGetInt(b, key, &y));
    *same = (PetscBool)(x == y);
    snprintf(sa, len, "%lld", (long long)x), snprintf(sb, len, "%lld", (long long)y);
  } else if (type == PD_DICT_BOOL) {
    PetscBool x, y;
    PetscCall(PdDictGetBool(a, key, &x));
    PetscCall(PdDictGetBool(b, key, &y));
    *same = (PetscBool)(x == y);
    snprintf(sa, len, "%s", x ? "true" : "false"), snprintf(sb, len, "%s", y ? "true" : "false");
  } else {
    const char *x, *y;
    PetscCall(PdDictGetString(a, key, &x));
    PetscCall(PdDictGetString(b, key, &y));
    *same = (PetscBool)!strcmp(x, y);
    snprintf(sa, len, "%s", x), snprintf(sb, len, "%s", y);
  }
  PetscFunctionReturn(0);
}

/* every entry of `stored` (a checkpoint's) has the same value in `now` (this run's); else an error
   naming the option, both values and the file */
static PetscErrorCode CheckSame(MPI_Comm comm, PdDict stored, PdDict now, const char file[])
{
  PetscInt    n;
  PetscBool   has;
  const char *otype = NULL, *osched = NULL; /* the stored optimizer and schedule, when these are the settings */

  PetscFunctionBegin;
  PetscCall(PdDictHas(stored, "optim", &has));
  if (has) PetscCall(PdDictGetString(stored, "optim", &otype));
  PetscCall(PdDictHas(stored, "lr_schedule", &has));
  if (has) PetscCall(PdDictGetString(stored, "lr_schedule", &osched));
  PetscCall(PdDictGetSize(stored, &n));
  for (int pass = 0; pass < 2; pass++) /* the problem's keys (pinn_*) first: their names are the options' */
    for (PetscInt k = 0; k < n; k++) {
      const char *key;
      PdDictType  type;
      PetscBool   has, same;
      char        sa[64], sb[64];
      PetscCall(PdDictGetEntry(stored, k, &key, &type));
      if ((pass == 0) != !strncmp(key, "pinn_", 5)) continue;
      if (!strcmp(key, "pinn_rel_l2_min") || !strcmp(key, "pinn_rel_l2_min_iter") || !strcmp(key, "pinn_boundary_weight_now") || !strncmp(key, "pinn_train_", 11) || !strcmp(key, "pinn_jet_max_rows")) continue; /* state, not settings */
      if (otype && osched) {                                                                                                                                                                                      /* a setting its optimizer or schedule never read (-beta1 with sgd, the length of a step schedule) cannot differ */
        char opt[80];
        PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%s", key));
        if (!PdOptimOptionApplies(opt, otype, osched)) continue;
      }
      PetscCall(PdDictHas(now, key, &has));
      if (!has) continue; /* keys of the network only the checkpoint has: NOpLoad's checks */
      PetscCall(SameEntry(stored, now, key, type, &same, sa, sb, sizeof(sa)));
      PetscCheck(same, comm, PETSC_ERR_ARG_INCOMP, "-resume '%s': the checkpoint's run has %s = %s, this one %s: a resumed run keeps its problem and settings (give the same options%s)", file, key, sa, sb, strcmp(key, "lr_total_steps") ? "" : "; the schedule's length is -iters unless -lr_total_steps is given, so a run meant to go on gives -lr_total_steps from the start");
    }
  PetscFunctionReturn(0);
}

/*@
  PdPinnResume - continue the run a checkpoint of PdPinnSave holds: after PdPinnSetFromOptions with
  the same problem and settings (any that differ is an error naming both values), the parameters,
  Adam's state, the iterations done, the points' random stream, the best test error so far and
  the boundary weight are the checkpoint's, so that training on to -iters gives the parameters of
  an uninterrupted run. Collective.
@*/
PetscErrorCode PdPinnResume(PdPinn p, const char file[])
{
  PdDict     meta, now, settings;
  PetscBool  has;
  PetscInt   epoch;
  double     rng[PINN_RNG_N], v;
  PetscInt64 i64;
  PdParams   params;

  PetscFunctionBegin;
  PetscCall(PdPinnSetUp(p));
  PetscCall(PdCheckpointReadMeta(p->comm, file, &meta, &epoch));
  PetscCall(PdDictHas(meta, "pinn_pde", &has));
  if (has) PetscCall(PdDictHas(meta, "pinn_rel_l2_min", &has));
  if (!has) PetscCall(PdDictDestroy(&meta));
  PetscCheck(has, p->comm, PETSC_ERR_FILE_UNEXPECTED, "-resume '%s' is not a resumable checkpoint of pdeop pinn (-domain ball): no sampling state", file);
  PetscCall(PdDictCreate(&now));
  PetscCall(ProblemMeta(p, now));
  PetscCall(PdCheckpointReadTraining(p->comm, file, &settings));
  PetscCall(RunSettings(p, now));
  {
    PetscErrorCode ierr = CheckSame(p->comm, meta, now, file);
    if (!ierr) ierr = CheckSame(p->comm, settings, now, file);
    if (ierr) {
      PetscCall(PdDictDestroy(&meta));
      PetscCall(PdDictDestroy(&now));
      PetscCall(PdDictDestroy(&settings));
    }
    PetscCall(ierr);
  }
  PetscCall(PdDictDestroy(&now));
  PetscCall(PdDictDestroy(&settings));
  PetscCall(PdDictGetReal(meta, "pinn_rel_l2_min", &v));
  p->rel_l2_min = v;
  PetscCall(PdDictGetInt(meta, "pinn_rel_l2_min_iter", &i64));
  p->rel_l2_min_iter = (PetscInt)i64;
  PetscCall(PdDictGetReal(meta, "pinn_boundary_weight_now", &v));
  p->lw.weight = v;
  PetscCall(PdDictHas(meta, "pinn_train_steps", &has)); /* checkpoints before these keys: the steps of this process only */
  if (has) {
    PetscCall(PdDictGetReal(meta, "pinn_train_s", &p->ck_time));
    PetscCall(PdDictGetReal(meta, "pinn_train_cpu_s", &p->ck_cpu));
    PetscCall(PdDictGetInt(meta, "pinn_train_steps", &i64));
    p->ck_steps = (PetscInt)i64;
  }
  PetscCall(PdDictHas(meta, "pinn_train_loss", &has));
  if (has) PetscCall(PdDictGetReal(meta, "pinn_train_loss", &p->loss));
  p->loss_known = has;
  PetscCall(PdDictDestroy(&meta));
  PetscCheck(epoch <= p->iters, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-resume '%s' has trained %" PetscInt_FMT " iterations, more than -iters %" PetscInt_FMT, file, epoch, p->iters);
  if (epoch == p->iters) PetscCall(PdPrintf(p->comm, "pdeop pinn: '%s' has trained all %" PetscInt_FMT " iterations: nothing is left to train; it is evaluated and written again\n", file, epoch));
  PetscCall(PdCheckpointReadArray(p->comm, file, "c", p->nc, p->c)); /* equal by the seed check; the stored ones are the problem's */
  for (PetscInt i = 0; i < p->nc; i++) p->cf[i] = (float)p->c[i];
  PetscCall(PdCheckpointReadArray(p->comm, file, "pinn_rng", PINN_RNG_N, rng));
  for (int k = 0; k < 4; k++) {
    PetscCheck(rng[2 * k] >= 0 && rng[2 * k] < 4294967296.0 && rng[2 * k + 1] >= 0 && rng[2 * k + 1] < 4294967296.0 && rng[2 * k] == PetscFloorReal(rng[2 * k]) && rng[2 * k + 1] == PetscFloorReal(rng[2 * k + 1]), p->comm, PETSC_ERR_FILE_UNEXPECTED, "-resume '%s': /pinn_rng is damaged", file);
    p->rng.s[k] = ((uint64_t)rng[2 * k] << 32) | (uint64_t)rng[2 * k + 1];
  }
  p->rng.has_spare = rng[8] != 0 ? PETSC_TRUE : PETSC_FALSE;
  p->rng.spare     = rng[9];
  PetscCall(NOpGetParams(p->nop, &params));
  PetscCall(PdCheckpointLoad(p->comm, file, params, p->optim));
  p->it = epoch;
  PetscFunctionReturn(0);
}

/* The run's training time (wall and CPU, without evaluations and checkpoints) and the steps it covers:
   a resumed checkpoint's, this process's finished PdPinnTrain calls, and the one in progress */
PetscErrorCode PdPinnRunTimes(PdPinn p, double *wall, double *cpu, PetscInt *steps)
{
  PetscFunctionBegin;
  *wall  = p->ck_time + p->train_time;
  *cpu   = p->ck_cpu + p->train_cpu;
  *steps = p->ck_steps + p->it_run;
  if (p->training) {
    PetscLogDouble now;
    PetscCall(PetscTime(&now));
    *wall += now - p->run_t0 - (p->eval_time + p->save_time - p->run_e0);
    *cpu += PdCPUTime() - p->run_c0 - (p->eval_cpu + p->save_cpu - p->run_ec0);
    *steps += p->it - p->run_it0;
  }
  PetscFunctionReturn(0);
}

/*@ PdPinnSetCheckpoint - write the checkpoint (PdPinnSave) to file every `every` training steps and
  at the end of PdPinnTrain (every 0: only at the end); NULL or "": none @*/
PetscErrorCode PdPinnSetCheckpoint(PdPinn p, const char file[], PetscInt every)
{
  PetscFunctionBegin;
  PetscCheck(every >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-checkpoint_every must be non-negative (0: only at the end), got %" PetscInt_FMT, every);
  PetscCall(PetscStrncpy(p->ckpt, file ? file : "", sizeof(p->ckpt)));
  p->ckpt_every = every;
  PetscFunctionReturn(0);
}

/*@ PdPinnIsCheckpoint - whether a checkpoint was written by PdPinnSave @*/
PetscErrorCode PdPinnIsCheckpoint(MPI_Comm comm, const char file[], PetscBool *flg)
{
  PdDict meta;

  PetscFunctionBegin;
  PetscCall(PdCheckpointReadMeta(comm, file, &meta, NULL));
  PetscCall(PdDictHas(meta, "pinn_pde", flg));
  PetscCall(PdDictDestroy(&meta));
  PetscFunctionReturn(0);
}

static PetscErrorCode EnumFromMeta(MPI_Comm comm, PdDict meta, const char *key, const char *const *names, PetscInt n, const char *file, PetscInt *v)
{
  const char *s;
  PetscBool   same = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PdDictGetString(meta, key, &s));
  for (PetscInt k = 0; k < n && !same; k++) {
    PetscCall(PetscStrcmp(s, names[k], &same));
    if (same) *v = k;
  }
  PetscCheck(same, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': unknown %s '%s'", file, key, s);
  PetscFunctionReturn(0);
}

/*@ PdPinnLoad - rebuild a PINN (problem, coefficients, model, optimizer state) from a checkpoint @*/
PetscErrorCode PdPinnLoad(MPI_Comm comm, const char file[], PdPinn *pinn)
{
  PdDict     meta;
  PdPinn     p;
  PetscBool  has;
  PetscInt   v;
  PetscInt64 i64;
  PetscInt   epoch;

  PetscFunctionBegin;
  PetscCall(PdCheckpointReadMeta(comm, file, &meta, &epoch));
  PetscCall(PdDictHas(meta, "pinn_pde", &has));
  if (!has) PetscCall(PdDictDestroy(&meta));
  PetscCheck(has, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not a PINN checkpoint (written by pdeop pinn -o)", file);
  PetscCall(PdPinnCreate(comm, &p));
  PetscCall(EnumFromMeta(comm, meta, "pinn_pde", PdPinnPDEs, 3, file, &v));
  p->pde = (PdPinnPDE)v;
  PetscCall(EnumFromMeta(comm, meta, "pinn_solution", PdPinnSolutions, 2, file, &v));
  p->sol = (PdPinnSolution)v;
  PetscCall(EnumFromMeta(comm, meta, "pinn_boundary", PdPinnBoundaries, 2, file, &v));
  p->bc = (PdPinnBoundary)v;
  PetscCall(EnumFromMeta(comm, meta, "pinn_estimator", PdEstimatorTypes, 3, file, &v));
  p->est = (PdEstimatorType)v;
  PetscCall(EnumFromMeta(comm, meta, "pinn_stde_dist", PdDirDists, 4, file, &v));
  p->dist = (PdDirDist)v;
  PetscCall(PdDictGetInt(meta, "pinn_dim", &i64));
  p->d = (PetscInt)i64;
  PetscCall(PdDictGetInt(meta, "pinn_seed", &i64));
  p->seed = i64;
  PetscCall(PdDictHas(meta, "pinn_problem_seed", &has)); /* files before the option: the seed's */
  if (has) PetscCall(PdDictGetInt(meta, "pinn_problem_seed", &p->problem_seed));
  PetscCall(PdDictGetInt(meta, "pinn_stde_dirs", &i64));
  p->V = (PetscInt)i64;
  PetscCall(PdDictGetInt(meta, "pinn_batch", &i64));
  p->batch = (PetscInt)i64;
  PetscCall(PdDictDestroy(&meta));
  PetscCall(PdPinnCheckProblem(p));
  PetscCall(PdPinnDrawCoefficients(p));
  /* the stored coefficients are the problem's: read them rather than trust the seed */
  PetscCall(PdCheckpointReadArray(comm, file, "c", p->nc, p->c));
  for (PetscInt i = 0; i < p->nc; i++) p->cf[i] = (float)p->c[i];
  PetscCall(NOpLoad(comm, file, &p->nop, NULL));
  {
    PdParams params;
    PetscCall(NOpGetParams(p->nop, &params));
    PetscCall(PdOptimCreate(params, &p->optim));
    PetscCall(PdOptimSetType(p->optim, PD_OPTIM_ADAM));
  }
  p->it = epoch;
  *pinn = p;
  PetscFunctionReturn(0);
}
