/* Optimizers with PyTorch's update rules (SGD with momentum, Adam, AdamW), learning-rate schedules
   that are functions of the step count (so a resumed run continues exactly), and gradient-norm
   clipping, all acting on a PdParams' flat buffers without allocating per step (muon and polargrad,
   matrix.c, allocate their scratch once, when chosen). */
#include "optimimpl.h"
#include <pdeop/options.h>
#include <pdeop/ops.h>

const char *const PdOptimTypes[]    = {"sgd", "adam", "adamw", "muon", "polargrad", "PdOptimType", "PD_OPTIM_", NULL};
const char *const PdScheduleTypes[] = {"constant", "step", "cosine", "linear", "onecycle", "PdScheduleType", "PD_SCHEDULE_", NULL};

PetscErrorCode PdOptimCreate(PdParams params, PdOptim *opt)
{
  PdOptim o;

  PetscFunctionBegin;
  PetscCall(PetscNew(&o));
  o->params          = params;
  o->comm            = PETSC_COMM_SELF;
  o->type            = PD_OPTIM_ADAM;
  o->lr              = 1e-3;
  o->beta1           = 0.9;
  o->beta2           = 0.999;
  o->eps             = 1e-8;
  o->schedule        = PD_SCHEDULE_CONSTANT;
  o->total           = 1;
  o->step_size       = 1;
  o->gamma           = 1.0;
  o->pct_start       = 0.3;
  o->div             = 25;
  o->final_div       = 1e4;
  o->ns_steps        = 5;
  o->ns_coef[0]      = 3.4445;
  o->ns_coef[1]      = -4.7750;
  o->ns_coef[2]      = 2.0315;
  o->matrix_momentum = 0.95;
  o->nesterov        = PETSC_TRUE;
  PetscCall(PdParamsGetBufferSize(params, &o->n));
  PetscCall(PdOptimSegmentsCreate(o));
  /* both moment buffers up front: switching type never allocates inside a step */
  PetscCall(PetscCalloc2(PetscMax(o->n, 1), &o->m, PetscMax(o->n, 1), &o->v));
  *opt = o;
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimDestroy(PdOptim *opt)
{
  PetscFunctionBegin;
  if (!*opt) PetscFunctionReturn(0);
  PetscCall(PetscFree2((*opt)->m, (*opt)->v));
  PetscCall(PetscFree((*opt)->seg));
  PetscCall(PetscFree((*opt)->work));
  PetscCall(PetscFree(*opt));
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimSetType(PdOptim o, PdOptimType t)
{
  PetscFunctionBegin;
  o->type = t;
  PetscCall(PdOptimSegmentsCreate(o)); /* muon, polargrad: their scratch */
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimGetType(PdOptim o, PdOptimType *t)
{
  PetscFunctionBegin;
  *t = o->type;
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimSetLearningRate(PdOptim o, double lr)
{
  PetscFunctionBegin;
  PetscCheck(lr > 0 && PetscIsNormalReal(lr), o->comm, PETSC_ERR_ARG_OUTOFRANGE, "The learning rate must be finite and positive, got %g", lr);
  o->lr = lr;
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimSetWeightDecay(PdOptim o, double wd)
{
  PetscFunctionBegin;
  PetscCheck(wd >= 0 && PetscIsInfOrNanReal(wd) == PETSC_FALSE, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "Weight decay must be finite and non-negative, got %g", wd);
  o->wd = wd;
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimSetMomentum(PdOptim o, double mu)
{
  PetscFunctionBegin;
  PetscCheck(mu >= 0 && mu < 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "Momentum must be in [0, 1), got %g", mu);
  o->momentum = mu;
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimSetBetas(PdOptim o, double b1, double b2)
{
  PetscFunctionBegin;
  PetscCheck(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "Adam's betas must be in [0, 1), got %g and %g", b1, b2);
  o->beta1 = b1;
  o->beta2 = b2;
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimSetClipNorm(PdOptim o, double c)
{
  PetscFunctionBegin;
  PetscCheck(c >= 0, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "The clipping norm must be non-negative (0: no clipping), got %g", c);
  o->clip = c;
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimSetSchedule(PdOptim o, PdScheduleType s, PetscInt total, PetscInt step_size, double gamma)
{
  PetscFunctionBegin;
  PetscCheck(total >= 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-lr_total_steps must be at least 1, got %" PetscInt_FMT, total);
  PetscCheck(step_size >= 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-lr_step_size must be at least 1, got %" PetscInt_FMT, step_size);
  PetscCheck(gamma > 0 && PetscIsNormalReal(gamma), o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-lr_gamma must be a positive number, got %g", gamma);
  o->schedule  = s;
  o->total     = total;
  o->total_set = PETSC_TRUE;
  o->step_size = step_size;
  o->gamma     = gamma;
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimSetTotalSteps(PdOptim o, PetscInt total)
{
  PetscFunctionBegin;
  PetscCheck(total >= 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "Total steps must be at least 1");
  o->total     = total;
  o->total_set = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@ PdOptimGetTotalSteps - the total number of steps of the cosine, linear and one-cycle schedules @*/
PetscErrorCode PdOptimGetTotalSteps(PdOptim o, PetscInt *total)
{
  PetscFunctionBegin;
  *total = o->total;
  PetscFunctionReturn(0);
}

/*@ PdOptimSetOneCycle - the one-cycle schedule's warm-up fraction and divisors (see optim.h) @*/
PetscErrorCode PdOptimSetOneCycle(PdOptim o, double pct_start, double div, double final_div)
{
  PetscFunctionBegin;
  PetscCheck(pct_start > 0 && pct_start < 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-lr_pct_start must be in (0, 1), got %g", pct_start);
  PetscCheck(div >= 1 && final_div >= 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-lr_div_factor and -lr_final_div_factor must be at least 1, got %g and %g", div, final_div);
  o->pct_start = pct_start;
  o->div       = div;
  o->final_div = final_div;
  PetscFunctionReturn(0);
}

/* The decoupled weight decay (adamw; muon and polargrad on every parameter) multiplies each weight by
   1 - lr wd per step: at lr wd >= 1 it flips the weights' signs. lr is the largest rate of a step
   (polargrad's matrix rate is in gradient units, about 100 times Adam's). */
static PetscErrorCode CheckDecay(PdOptim o, double lr)
{
  double top = lr;

  PetscFunctionBegin;
  if (o->type == PD_OPTIM_SGD || o->type == PD_OPTIM_ADAM || o->wd <= 0) PetscFunctionReturn(0);
  if ((o->type == PD_OPTIM_MUON || o->type == PD_OPTIM_POLARGRAD) && o->adam_lr > 0) top = PetscMax(lr, o->adam_lr * lr / o->lr);
  PetscCheck(top * o->wd < 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-weight_decay %g with -lr %g: -optim %s decays each weight by the factor 1 - lr weight_decay = %g per step, which must stay positive: use a weight decay below 1/lr = %g", o->wd, top, PdOptimTypes[o->type], 1 - top * o->wd, 1 / top);
  PetscFunctionReturn(0);
}

/*@
  PdOptimSetFromOptions - configure from the options database

  Options: -optim sgd|adam|adamw|muon|polargrad -lr -weight_decay -momentum -beta1 -beta2 -eps
  -lr_schedule constant|step|cosine|linear|onecycle -lr_step_size -lr_gamma -lr_total_steps
  -lr_pct_start -lr_div_factor -lr_final_div_factor -clip_grad_norm
@*/
PetscErrorCode PdOptimSetFromOptions(PdOptim o)
{
  PetscInt  total = o->total_set ? o->total : 0, ss = o->step_size; /* 0 in -help: not known yet */
  PetscBool totalflg;

  PetscFunctionBegin;
  PetscOptionsBegin(o->comm, NULL, "Optimizer options", "PdOptim");
  PetscCall(PdOptionsEnum("-optim", "Optimizer", "PdOptimSetType", PdOptimTypes, (PetscEnum)o->type, (PetscEnum *)&o->type, NULL));
  PetscCall(PdOptionsReal("-lr", "Learning rate", "PdOptimSetLearningRate", o->lr, &o->lr, NULL));
  PetscCall(PdOptionsReal("-weight_decay", "Weight decay (L2 for sgd/adam, decoupled for adamw, muon, polargrad)", "PdOptimSetWeightDecay", o->wd, &o->wd, NULL));
  PetscCall(PdOptionsReal("-momentum", "SGD momentum", "PdOptimSetMomentum", o->momentum, &o->momentum, NULL));
  PetscCall(PdOptionsReal("-beta1", "Adam beta1", "PdOptimSetBetas", o->beta1, &o->beta1, NULL));
  PetscCall(PdOptionsReal("-beta2", "Adam beta2", "PdOptimSetBetas", o->beta2, &o->beta2, NULL));
  PetscCall(PdOptionsReal("-eps", "Adam epsilon", "PdOptimCreate", o->eps, &o->eps, NULL));
  PetscCall(PdOptionsEnum("-lr_schedule", "Learning-rate schedule", "PdOptimSetSchedule", PdScheduleTypes, (PetscEnum)o->schedule, (PetscEnum *)&o->schedule, NULL));
  PetscCall(PdOptionsInt("-lr_step_size", "Steps between decays of the step schedule", "PdOptimSetSchedule", ss, &ss, NULL));
  PetscCall(PdOptionsReal("-lr_gamma", "Decay factor of the step schedule", "PdOptimSetSchedule", o->gamma, &o->gamma, NULL));
  PetscCall(PdOptionsInt("-lr_total_steps", o->total_set ? "Steps of the cosine, linear and one-cycle schedules" : "Steps of the cosine, linear and one-cycle schedules (0: a trainer's epochs x batches per epoch)", "PdOptimSetTotalSteps", total, &total, &totalflg));
  PetscCall(PdOptionsReal("-lr_pct_start", "One-cycle: fraction of the steps spent warming up", "PdOptimSetOneCycle", o->pct_start, &o->pct_start, NULL));
  PetscCall(PdOptionsReal("-lr_div_factor", "One-cycle: the first learning rate is lr / this", "PdOptimSetOneCycle", o->div, &o->div, NULL));
  PetscCall(PdOptionsReal("-lr_final_div_factor", "One-cycle: the last learning rate is lr / (div_factor this)", "PdOptimSetOneCycle", o->final_div, &o->final_div, NULL));
  PetscCall(PdOptionsReal("-clip_grad_norm", "Clip the global gradient norm to this value (0: off)", "PdOptimSetClipNorm", o->clip, &o->clip, NULL));
  PetscCall(PdOptimMatrixSetFromOptions(o, PetscOptionsObject));
  PetscOptionsEnd();
  PetscCall(PdOptimMatrixCheck(o));
  PetscCall(PdOptimSetType(o, o->type));
  PetscCall(PdOptimSetLearningRate(o, o->lr));
  PetscCall(PdOptimSetWeightDecay(o, o->wd));
  PetscCall(PdOptimSetMomentum(o, o->momentum));
  PetscCall(PdOptimSetBetas(o, o->beta1, o->beta2));
  PetscCheck(o->eps > 0, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-eps must be positive, got %g", o->eps);
  PetscCall(PdOptimSetClipNorm(o, o->clip));
  PetscCall(PdOptimSetOneCycle(o, o->pct_start, o->div, o->final_div));
  if (!o->total_set && total == 0) total = o->total; /* still to be set (by a trainer) */
  {
    PetscBool was = o->total_set;
    PetscCall(PdOptimSetSchedule(o, o->schedule, total, ss, o->gamma));
    o->total_set = (PetscBool)(was || totalflg);
  }
  PetscCall(CheckDecay(o, o->lr)); /* the largest rate of every schedule */
  PetscFunctionReturn(0);
}

/* which optimizers and schedules read an option (bit k: type or schedule k) */
#define PD_BIT(k) (1u << (k))
/* clang-format off */
static const struct {
  const char *name;
  unsigned    types, schedules;
} OptionUse[] = {
  {"-momentum",              PD_BIT(PD_OPTIM_SGD),                                                                                         0},
  {"-beta1",                 PD_BIT(PD_OPTIM_ADAM) | PD_BIT(PD_OPTIM_ADAMW) | PD_BIT(PD_OPTIM_MUON) | PD_BIT(PD_OPTIM_POLARGRAD),           0},
  {"-beta2",                 PD_BIT(PD_OPTIM_ADAM) | PD_BIT(PD_OPTIM_ADAMW) | PD_BIT(PD_OPTIM_MUON) | PD_BIT(PD_OPTIM_POLARGRAD),           0},
  {"-eps",                   PD_BIT(PD_OPTIM_ADAM) | PD_BIT(PD_OPTIM_ADAMW) | PD_BIT(PD_OPTIM_MUON) | PD_BIT(PD_OPTIM_POLARGRAD),           0},
  {"-optim_ns_steps",        PD_BIT(PD_OPTIM_MUON) | PD_BIT(PD_OPTIM_POLARGRAD),                                                           0},
  {"-optim_ns_coeffs",       PD_BIT(PD_OPTIM_MUON) | PD_BIT(PD_OPTIM_POLARGRAD),                                                           0},
  {"-optim_matrix_momentum", PD_BIT(PD_OPTIM_MUON) | PD_BIT(PD_OPTIM_POLARGRAD),                                                           0},
  {"-optim_nesterov",        PD_BIT(PD_OPTIM_MUON) | PD_BIT(PD_OPTIM_POLARGRAD),                                                           0},
  {"-optim_adam_lr",         PD_BIT(PD_OPTIM_MUON) | PD_BIT(PD_OPTIM_POLARGRAD),                                                           0},
  {"-optim_complex",         PD_BIT(PD_OPTIM_MUON) | PD_BIT(PD_OPTIM_POLARGRAD),                                                           0},
  {"-optim_muon_scale",      PD_BIT(PD_OPTIM_MUON),                                                                                        0},
  {"-lr_step_size",          0, PD_BIT(PD_SCHEDULE_STEP)                                                                                     },
  {"-lr_gamma",              0, PD_BIT(PD_SCHEDULE_STEP)                                                                                     },
  {"-lr_total_steps",        0, PD_BIT(PD_SCHEDULE_COSINE) | PD_BIT(PD_SCHEDULE_LINEAR) | PD_BIT(PD_SCHEDULE_ONECYCLE)                       },
  {"-lr_pct_start",          0, PD_BIT(PD_SCHEDULE_ONECYCLE)                                                                                 },
  {"-lr_div_factor",         0, PD_BIT(PD_SCHEDULE_ONECYCLE)                                                                                 },
  {"-lr_final_div_factor",   0, PD_BIT(PD_SCHEDULE_ONECYCLE)                                                                                 },
};
/* clang-format on */

/*@
  PdOptimWarnInapplicable - a warning for each option in the database that this optimizer's type or
  schedule does not read (-optim_ns_steps with -optim sgd, -lr_gamma with a cosine schedule): it
  was given, it is accepted, and it changes nothing. Call once the type is final (after a resume).
@*/
PetscErrorCode PdOptimWarnInapplicable(PdOptim o)
{
  PetscFunctionBegin;
  for (size_t k = 0; k < sizeof(OptionUse) / sizeof(OptionUse[0]); k++) {
    PetscBool   given, used;
    const char *by;
    PetscCall(PetscOptionsHasName(NULL, NULL, OptionUse[k].name, &given));
    if (!given) continue;
    used = (PetscBool)(OptionUse[k].types ? (OptionUse[k].types & PD_BIT(o->type)) != 0 : (OptionUse[k].schedules & PD_BIT(o->schedule)) != 0);
    if (used) continue;
    by = OptionUse[k].types ? "-optim" : "-lr_schedule";
    PetscCall(PetscFPrintf(o->comm, PETSC_STDERR, "pdeop: warning: %s does nothing with %s %s (it applies to %s", OptionUse[k].name, by, OptionUse[k].types ? PdOptimTypes[o->type] : PdScheduleTypes[o->schedule], by));
    for (int b = 0, n = 0; b < 8; b++)
      if ((OptionUse[k].types ? OptionUse[k].types : OptionUse[k].schedules) & PD_BIT(b)) PetscCall(PetscFPrintf(o->comm, PETSC_STDERR, "%s%s", n++ ? "|" : " ", OptionUse[k].types ? PdOptimTypes[b] : PdScheduleTypes[b]));
    PetscCall(PetscFPrintf(o->comm, PETSC_STDERR, " only)\n"));
  }
  PetscFunctionReturn(0);
}

/*@
  PdOptimOptionApplies - whether an optimizer option (as "-beta1") is read by the optimizer type and
  schedule named (as PdOptimTypes and PdScheduleTypes spell them); options outside the table
  (-lr, -weight_decay, ...) apply to every one
@*/
PetscBool PdOptimOptionApplies(const char option[], const char type[], const char schedule[])
{
  for (size_t k = 0; k < sizeof(OptionUse) / sizeof(OptionUse[0]); k++) {
    if (strcmp(OptionUse[k].name, option)) continue;
    for (int b = 0; b < 8; b++) {
      const char *const *names = OptionUse[k].types ? PdOptimTypes : PdScheduleTypes;
      const unsigned     bits  = OptionUse[k].types ? OptionUse[k].types : OptionUse[k].schedules;
      if ((bits & PD_BIT(b)) && !strcmp(names[b], OptionUse[k].types ? type : schedule)) return PETSC_TRUE;
    }
    return PETSC_FALSE;
  }
  return PETSC_TRUE;
}
#undef PD_BIT

/*@
  PdOptimGetSettings - the optimizer's settings, under the names of their options without the dash
  (optim, lr, weight_decay, momentum, beta1, beta2, eps, lr_schedule, lr_step_size, lr_gamma,
  lr_pct_start, lr_div_factor, lr_final_div_factor, clip_grad_norm), added to d; a checkpoint keeps
  them so that a resumed run continues with the same ones. The schedule's length is left out: it
  follows the run's epochs.
@*/
PetscErrorCode PdOptimGetSettings(PdOptim o, PdDict d)
{
  PetscFunctionBegin;
  PetscCall(PdDictSetString(d, "optim", PdOptimTypes[o->type]));
  PetscCall(PdDictSetReal(d, "lr", o->lr));
  PetscCall(PdDictSetReal(d, "weight_decay", o->wd));
  PetscCall(PdDictSetReal(d, "momentum", o->momentum));
  PetscCall(PdDictSetReal(d, "beta1", o->beta1));
  PetscCall(PdDictSetReal(d, "beta2", o->beta2));
  PetscCall(PdDictSetReal(d, "eps", o->eps));
  PetscCall(PdDictSetString(d, "lr_schedule", PdScheduleTypes[o->schedule]));
  PetscCall(PdDictSetInt(d, "lr_step_size", o->step_size));
  PetscCall(PdDictSetReal(d, "lr_gamma", o->gamma));
  PetscCall(PdDictSetReal(d, "lr_pct_start", o->pct_start));
  PetscCall(PdDictSetReal(d, "lr_div_factor", o->div));
  PetscCall(PdDictSetReal(d, "lr_final_div_factor", o->final_div));
  PetscCall(PdDictSetReal(d, "clip_grad_norm", o->clip));
  PetscCall(PdOptimMatrixGetSettings(o, d));
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimView(PdOptim o, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_SELF;
  PetscCall(PetscViewerASCIIPrintf(viewer, "PdOptim %s: lr %g (%s schedule, %" PetscInt_FMT " total steps), weight decay %g, momentum %g, betas (%g, %g), clip %g, step %" PetscInt64_FMT "\n", PdOptimTypes[o->type], o->lr, PdScheduleTypes[o->schedule], o->total, o->wd, o->momentum, o->beta1, o->beta2, o->clip, o->step));
  if (o->type == PD_OPTIM_MUON || o->type == PD_OPTIM_POLARGRAD) {
    PetscInt nm = 0;
    for (PetscInt k = 0; k < o->nseg; k++) nm += o->seg[k].matrix ? o->seg[k].count : 0;
    PetscCall(PetscViewerASCIIPrintf(viewer, "  %" PetscInt_FMT " matrices: momentum %g%s, Newton-Schulz %" PetscInt_FMT " steps (%g, %g, %g), complex %s%s%s; other parameters AdamW at lr %g\n", nm, o->matrix_momentum, o->nesterov ? " (Nesterov)" : "", o->ns_steps, o->ns_coef[0], o->ns_coef[1], o->ns_coef[2], PdOptimComplexModes[o->complex_mode], o->type == PD_OPTIM_MUON ? ", scale " : "", o->type == PD_OPTIM_MUON ? PdOptimMuonScales[o->muon_scale] : "", o->adam_lr > 0 ? o->adam_lr : o->lr));
  }
  PetscFunctionReturn(0);
}

/* learning rate after `step` completed steps */
static double ScheduledLR(PdOptim o, PetscInt64 step)
{
  double frac = PetscMin(1.0, (double)step / (double)o->total);
  switch (o->schedule) {
  case PD_SCHEDULE_STEP:
    return o->lr * PetscPowReal(o->gamma, (double)(step / o->step_size));
  case PD_SCHEDULE_COSINE:
    return o->lr * 0.5 * (1.0 + PetscCosReal(PETSC_PI * frac));
  case PD_SCHEDULE_LINEAR:
    return o->lr * (1.0 - frac);
  case PD_SCHEDULE_ONECYCLE: { /* cosine from lr/div to lr over steps 0..up, then to lr/(div final_div) at total - 1 */
    const double up = o->pct_start * o->total - 1, lo = o->lr / o->div, end = lo / o->final_div, s = (double)PetscMin(step, (PetscInt64)o->total - 1);
    if (s <= up) return up > 0 ? o->lr + (lo - o->lr) * 0.5 * (1.0 + PetscCosReal(PETSC_PI * s / up)) : o->lr;
    return end + (o->lr - end) * 0.5 * (1.0 + PetscCosReal(PETSC_PI * (s - up) / (o->total - 1 - up)));
  }
  default:
    return o->lr;
  }
}

PetscErrorCode PdOptimGetLearningRate(PdOptim o, double *lr)
{
  PetscFunctionBegin;
  *lr = ScheduledLR(o, o->step);
  PetscFunctionReturn(0);
}

/* Adam (L2 decay) or AdamW (decoupled; also the other parameters of muon and polargrad) on the
   entries [from, to) after o->step steps, at learning rate lr */
void PdOptimAdamRange(PdOptim o, double lr, PetscInt from, PetscInt to)
{
  float       *p = NULL, *g = NULL;
  const float  b1 = (float)o->beta1, b2 = (float)o->beta2, eps = (float)o->eps;
  const double bc1 = 1.0 - PetscPowReal(o->beta1, (double)o->step), bc2 = 1.0 - PetscPowReal(o->beta2, (double)o->step);
  const float  step = (float)(lr / bc1), rbc2 = (float)(1.0 / PetscSqrtReal(bc2));
  const float  l2 = o->type == PD_OPTIM_ADAM ? (float)o->wd : 0.0f, decay = o->type != PD_OPTIM_ADAM ? (float)(1.0 - lr * o->wd) : 1.0f;

  (void)PdParamsGetArrays(o->params, &p, &g);
  { /* separate arrays, one pass: vectorised (sqrtf too: this file is built without math errno) */
    float *restrict pp = p, *restrict m = o->m, *restrict v = o->v;
    const float *restrict gg = g;
#pragma omp simd
    for (PetscInt i = from; i < to; i++) {
      const float d = gg[i] + l2 * pp[i];
      m[i]          = b1 * m[i] + (1 - b1) * d;
      v[i]          = b2 * v[i] + (1 - b2) * d * d;
      pp[i]         = decay * pp[i] - step * m[i] / (sqrtf(v[i]) * rbc2 + eps);
    }
  }
}

/*@ PdOptimStep - update the parameters from their gradients; optionally return the gradient norm before clipping @*/
PetscErrorCode PdOptimStep(PdOptim o, double *gnorm)
{
  float       *p, *g;
  const double lr   = ScheduledLR(o, o->step);
  double       norm = 0;

  PetscFunctionBegin;
  PetscCall(CheckDecay(o, lr)); /* settings made by the calls, not only by options */
  PetscCall(PetscLogEventBegin(PD_EVENT_OptimStep, 0, 0, 0, 0));
  PetscCall(PdParamsGetArrays(o->params, &p, &g));
  if (o->clip > 0 || gnorm) PetscCall(PdParamsGradNorm(o->params, &norm));
  if (gnorm) *gnorm = norm;
  if (o->clip > 0 && norm > o->clip) { /* torch.nn.utils.clip_grad_norm_ */
    const float c = (float)(o->clip / (norm + 1e-6));
    for (PetscInt i = 0; i < o->n; i++) g[i] *= c;
  }
  o->step++;
  switch (o->type) {
  case PD_OPTIM_SGD: {
    const float mu = (float)o->momentum, wd = (float)o->wd, a = (float)lr;
    for (PetscInt i = 0; i < o->n; i++) {
      float d = g[i] + wd * p[i];
      if (mu > 0) {
        o->m[i] = o->step == 1 ? d : mu * o->m[i] + d;
        d       = o->m[i];
      }
      p[i] -= a * d;
    }
  } break;
  case PD_OPTIM_ADAM:
  case PD_OPTIM_ADAMW:
    PdOptimAdamRange(o, lr, 0, o->n);
    break;
  case PD_OPTIM_MUON:
  case PD_OPTIM_POLARGRAD:
    PetscCall(PdOptimMatrixStep(o, lr));
    break;
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_OptimStep, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimGetStepCount(PdOptim o, PetscInt64 *step)
{
  PetscFunctionBegin;
  *step = o->step;
  PetscFunctionReturn(0);
}

PetscErrorCode PdOptimSetStepCount(PdOptim o, PetscInt64 step)
{
  PetscFunctionBegin;
  o->step = step;
  PetscFunctionReturn(0);
}

/* step count and moment buffers (length PdParamsGetBufferSize); v is NULL for SGD */
PetscErrorCode PdOptimGetState(PdOptim o, PetscInt64 *step, float **m, float **v)
{
  PetscFunctionBegin;
  if (step) *step = o->step;
  if (m) *m = o->m;
  if (v) *v = o->type == PD_OPTIM_SGD ? NULL : o->v;
  PetscFunctionReturn(0);
}
