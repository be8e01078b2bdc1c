/* Muon and PolarGrad: momentum, then the approximate orthogonal polar factor (Newton-Schulz) of each
   matrix parameter; every other parameter takes AdamW. Which parameters are matrices is their
   PdParamKind (docs/design.md, "Matrix-aware optimizers"). */
#include "optimimpl.h"
#include <pdeop/options.h>

const char *const PdOptimComplexModes[] = {"embed", "complex", "PdOptimComplex", "PD_OPTIM_COMPLEX_", NULL};
const char *const PdOptimMuonScales[]   = {"rms", "shape", "PdOptimMuonScale", "PD_OPTIM_MUON_SCALE_", NULL};

/* the matrices of parameter k: count of rows x cols (complex for spectral weights); a "matrix"
   with a side of 1 is a vector and stays with AdamW */
static PetscErrorCode SegmentOf(PdParams params, PetscInt k, PdOptimSegment *s)
{
  PdTensor    t;
  PdParamKind kind;

  PetscFunctionBegin;
  PetscCall(PdParamsGetTensor(params, k, &t));
  PetscCall(PdParamsGetKind(params, k, &kind));
  PetscCall(PdParamsGetOffset(params, k, &s->offset));
  s->size   = t->size;
  s->matrix = PETSC_FALSE;
  s->cplx   = PETSC_FALSE;
  s->count  = 1;
  switch (kind) {
  case PD_PARAM_MATRIX: /* [out, in] */
  case PD_PARAM_CONV:   /* [out, in, k...] as [out, in k...] */
    s->rows = s->out = t->shape[0];
    s->cols = s->in = t->size / t->shape[0];
    break;
  case PD_PARAM_SPECTRAL: /* [modes..., in, out, 2]: count complex [in, out] matrices */
    s->cplx = PETSC_TRUE;
    s->rows = s->in = t->shape[t->ndim - 3];
    s->cols = s->out = t->shape[t->ndim - 2];
    s->count         = t->size / (2 * s->rows * s->cols);
    break;
  default:
    s->rows = s->cols = 1;
  }
  s->matrix = (PetscBool)(kind != PD_PARAM_OTHER && s->rows > 1 && s->cols > 1);
  PetscFunctionReturn(0);
}

/* The parameters' segments (once) and, for muon and polargrad, the scratch of the largest matrix:
   its update, its polar factor, the real embedding and Newton-Schulz's work (allocated once). */
PetscErrorCode PdOptimSegmentsCreate(PdOptim o)
{
  PetscInt np, need = 0;

  PetscFunctionBegin;
  if (!o->seg) {
    PetscCall(PdParamsGetNumber(o->params, &np));
    PetscCall(PetscCalloc1(PetscMax(np, 1), &o->seg));
    o->nseg = np;
    for (PetscInt k = 0; k < np; k++) PetscCall(SegmentOf(o->params, k, &o->seg[k]));
  }
  if (o->work || (o->type != PD_OPTIM_MUON && o->type != PD_OPTIM_POLARGRAD)) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < o->nseg; k++) {
    const PdOptimSegment *s = &o->seg[k];
    PetscInt              ns, ne, f = s->cplx ? 2 : 1;
    if (!s->matrix) continue;
    PetscCall(PdPolarNewtonSchulzWorkSize(s->rows, s->cols, s->cplx, &ns));
    PetscCall(PdPolarNewtonSchulzWorkSize(2 * s->rows, 2 * s->cols, PETSC_FALSE, &ne));
    need = PetscMax(need, 2 * f * s->rows * s->cols + (s->cplx ? 8 * s->rows * s->cols + ne : ns));
  }
  if (need) PetscCall(PetscMalloc1(need, &o->work));
  PetscFunctionReturn(0);
}

/* the real embedding E = [[Re Z, -Im Z], [Im Z, Re Z]] (2r x 2c) of the complex r x c Z */
static void Embed(PetscInt r, PetscInt c, const float *Z, float *E)
{
  for (PetscInt i = 0; i < r; i++)
    for (PetscInt j = 0; j < c; j++) {
      const float re = Z[2 * (i * c + j)], im = Z[2 * (i * c + j) + 1];
      E[i * 2 * c + j]           = re;
      E[i * 2 * c + c + j]       = -im;
      E[(r + i) * 2 * c + j]     = im;
      E[(r + i) * 2 * c + c + j] = re;
    }
}

/* Z from the left column of blocks of E (the embedding of a complex matrix) */
static void Unembed(PetscInt r, PetscInt c, const float *E, float *Z)
{
  for (PetscInt i = 0; i < r; i++)
    for (PetscInt j = 0; j < c; j++) {
      Z[2 * (i * c + j)]     = E[i * 2 * c + j];
      Z[2 * (i * c + j) + 1] = E[(r + i) * 2 * c + j];
    }
}

/* one matrix: momentum, Nesterov look-ahead U, its polar factor O, the step */
static PetscErrorCode MatrixUpdate(PdOptim o, const PdOptimSegment *s, double lr, float *p, const float *g, float *m)
{
  const PetscInt len  = (s->cplx ? 2 : 1) * s->rows * s->cols;
  const float    beta = (float)o->matrix_momentum, decay = (float)(1.0 - lr * o->wd);
  float         *U = o->work, *O = U + len, *scratch = O + len;
  double         scale;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < len; i++) {
    m[i] = beta * m[i] + (1 - beta) * g[i];
    U[i] = o->nesterov ? (1 - beta) * g[i] + beta * m[i] : m[i];
  }
  if (s->cplx && o->complex_mode == PD_OPTIM_COMPLEX_EMBED) {
    float *E = scratch, *EO = E + 4 * s->rows * s->cols;
    Embed(s->rows, s->cols, U, E);
    PetscCall(PdPolarNewtonSchulz(2 * s->rows, 2 * s->cols, PETSC_FALSE, o->ns_steps, o->ns_coef, E, EO, EO + 4 * s->rows * s->cols));
    Unembed(s->rows, s->cols, EO, O);
  } else PetscCall(PdPolarNewtonSchulz(s->rows, s->cols, s->cplx, o->ns_steps, o->ns_coef, U, O, scratch));
  if (o->type == PD_OPTIM_POLARGRAD) { /* ||U||_* ~ tr(O^H U) = Re sum conj(O) U: the floats' dot product */
    scale = 0;
    for (PetscInt i = 0; i < len; i++) scale += (double)O[i] * (double)U[i];
  } else {
    const PetscInt f = s->cplx ? 2 : 1; /* a complex matrix counts as its real embedding */
    if (o->muon_scale == PD_OPTIM_MUON_SCALE_RMS) scale = 0.2 * PetscSqrtReal((double)(f * PetscMax(s->rows, s->cols)));
    else scale = PetscSqrtReal(PetscMax(1.0, (double)s->out / (double)s->in));
  }
  {
    const float a = (float)(lr * scale);
    for (PetscInt i = 0; i < len; i++) p[i] = decay * p[i] - a * O[i];
  }
  PetscFunctionReturn(0);
}

/* muon or polargrad at learning rate lr: the matrices orthogonalised, the rest AdamW at the
   -optim_adam_lr (scheduled like lr) */
PetscErrorCode PdOptimMatrixStep(PdOptim o, double lr)
{
  float       *p, *g;
  const double alr = (o->adam_lr > 0 ? o->adam_lr : o->lr) * (lr / o->lr);

  PetscFunctionBegin;
  PetscCall(PdOptimSegmentsCreate(o));
  PetscCall(PdParamsGetArrays(o->params, &p, &g));
  for (PetscInt k = 0; k < o->nseg; k++) {
    const PdOptimSegment *s = &o->seg[k];
    if (!s->matrix) {
      PdOptimAdamRange(o, alr, s->offset, s->offset + s->size);
      continue;
    }
    for (PetscInt j = 0; j < s->count; j++) {
      const PetscInt off = s->offset + j * (s->cplx ? 2 : 1) * s->rows * s->cols;
      PetscCall(MatrixUpdate(o, s, lr, p + off, g + off, o->m + off));
    }
  }
  PetscFunctionReturn(0);
}

/* Whether `steps` iterations of p(x) = a x + b x^3 + c x^5 keep singular values in their place: every
   x in (0, 1] (the singular values after the Frobenius scaling) stays in [0, 2] at every step, and
   every x in [0.5, 1] ends in [0.5, 1.5]. The quintic's default ends in [0.68, 1.21] and the cubic
   (1.5, -0.5, 0) converges to 1; coefficients like (100, -99, 0) or (1.9, 0, 0) blow up, (0.5, 0, 0)
   or (1e-300, 0, 1) collapse. Returns the first x that fails (0 if none). */
static double NewtonSchulzFails(PetscInt steps, const double c[3])
{
  for (int i = 1; i <= 1000; i++) {
    const double x0 = i / 1000.0;
    double       x  = x0;
    for (PetscInt k = 0; k < steps; k++) {
      const double x2 = x * x;
      x               = x * (c[0] + x2 * (c[1] + x2 * c[2]));
      if (!(x >= 0 && x <= 2)) return x0;
    }
    if (x0 >= 0.5 && !(x >= 0.5 && x <= 1.5)) return x0;
  }
  return 0;
}

/*@ PdOptimSetNewtonSchulz - Muon's and PolarGrad's Newton-Schulz steps (1 to 100) and coefficients of
  p(x) = a x + b x^3 + c x^5 (options -optim_ns_steps, -optim_ns_coeffs a,b,c). The iteration must keep
  singular values in place: from every x in (0, 1] it stays in [0, 2], and from x in [0.5, 1] it ends
  in [0.5, 1.5] (checked on a grid of 1000 points). @*/
PetscErrorCode PdOptimSetNewtonSchulz(PdOptim o, PetscInt steps, const double coef[3])
{
  double bad;

  PetscFunctionBegin;
  PetscCheck(steps >= 1 && steps <= 100, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-optim_ns_steps must be in 1..100, got %" PetscInt_FMT, steps);
  PetscCheck(!PetscIsInfOrNanReal(coef[0]) && !PetscIsInfOrNanReal(coef[1]) && !PetscIsInfOrNanReal(coef[2]) && coef[0] != 0, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-optim_ns_coeffs a,b,c must be finite numbers with a nonzero, got %g,%g,%g", coef[0], coef[1], coef[2]);
  bad = NewtonSchulzFails(steps, coef);
  PetscCheck(bad == 0, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-optim_ns_coeffs %g,%g,%g with %" PetscInt_FMT " steps does not keep singular values near 1: %" PetscInt_FMT " steps of p(x) = a x + b x^3 + c x^5 from x = %g %s (the default: 3.4445,-4.7750,2.0315 with 5 steps)", coef[0], coef[1], coef[2], steps, steps, bad,
             bad >= 0.5 ? "end outside [0.5, 1.5] or leave [0, 2]" : "leave [0, 2]");
  o->ns_steps = steps;
  for (int i = 0; i < 3; i++) o->ns_coef[i] = coef[i];
  PetscFunctionReturn(0);
}

/*@ PdOptimSetMatrixMomentum - the momentum of Muon's and PolarGrad's matrices, in [0, 1), and
  whether it is Nesterov's (-optim_matrix_momentum, -optim_nesterov) @*/
PetscErrorCode PdOptimSetMatrixMomentum(PdOptim o, double beta, PetscBool nesterov)
{
  PetscFunctionBegin;
  PetscCheck(beta >= 0 && beta < 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-optim_matrix_momentum must be in [0, 1), got %g", beta);
  o->matrix_momentum = beta;
  o->nesterov        = nesterov;
  PetscFunctionReturn(0);
}

/*@ PdOptimSetAdamLearningRate - the learning rate of the AdamW that muon and polargrad apply to
  the parameters that are not matrices (0: the same as the learning rate; -optim_adam_lr) @*/
PetscErrorCode PdOptimSetAdamLearningRate(PdOptim o, double lr)
{
  PetscFunctionBegin;
  PetscCheck(lr >= 0 && PetscIsNormalReal(lr + 1), o->comm, PETSC_ERR_ARG_OUTOFRANGE, "-optim_adam_lr must be positive (or 0: the same as -lr), got %g", lr);
  o->adam_lr = lr;
  PetscFunctionReturn(0);
}

/*@ PdOptimSetComplexMode - orthogonalise complex (spectral) matrices through their real embedding
  or in complex arithmetic: the same map, at different cost (-optim_complex embed|complex) @*/
PetscErrorCode PdOptimSetComplexMode(PdOptim o, PdOptimComplex mode)
{
  PetscFunctionBegin;
  o->complex_mode = mode;
  PetscFunctionReturn(0);
}

/*@ PdOptimSetMuonScale - Muon's scale of the orthogonal update (PdOptimMuonScale; -optim_muon_scale) @*/
PetscErrorCode PdOptimSetMuonScale(PdOptim o, PdOptimMuonScale scale)
{
  PetscFunctionBegin;
  o->muon_scale = scale;
  PetscFunctionReturn(0);
}

/* inside PdOptimSetFromOptions' PetscOptionsBegin/End: read only (PdOptimMatrixCheck validates
   after PetscOptionsEnd, so that an error leaves nothing allocated) */
PetscErrorCode PdOptimMatrixSetFromOptions(PdOptim o, PetscOptionItems *PetscOptionsObject)
{
  PetscBool set;
  PetscReal coef[4] = {o->ns_coef[0], o->ns_coef[1], o->ns_coef[2], 0};

  PetscFunctionBegin;
  o->ns_ncoef = 4; /* room for one too many, so that a fourth value is an error, not dropped */
  PetscCall(PdOptionsInt("-optim_ns_steps", "Muon/PolarGrad: Newton-Schulz steps", "PdOptimSetNewtonSchulz", o->ns_steps, &o->ns_steps, NULL));
  { /* PETSc's help shows only the first value of an array it has not read: the text shows all three */
    char text[160];
    PetscCall(PetscSNPrintf(text, sizeof(text), "Muon/PolarGrad: Newton-Schulz coefficients a,b,c of a x + b x^3 + c x^5 (now %g,%g,%g)", coef[0], coef[1], coef[2]));
    PetscCall(PdOptionsRealArray("-optim_ns_coeffs", text, "PdOptimSetNewtonSchulz", coef, &o->ns_ncoef, &set));
  }
  if (!set) o->ns_ncoef = 3;
  for (int k = 0; k < 3; k++) o->ns_coef[k] = coef[k];
  PetscCall(PdOptionsReal("-optim_matrix_momentum", "Muon/PolarGrad: momentum of the matrices", "PdOptimSetMatrixMomentum", o->matrix_momentum, &o->matrix_momentum, NULL));
  PetscCall(PetscOptionsBool("-optim_nesterov", "Muon/PolarGrad: Nesterov momentum", "PdOptimSetMatrixMomentum", o->nesterov, &o->nesterov, NULL));
  PetscCall(PdOptionsReal("-optim_adam_lr", "Muon/PolarGrad: learning rate of the AdamW of the other parameters (0: -lr)", "PdOptimSetAdamLearningRate", o->adam_lr, &o->adam_lr, NULL));
  PetscCall(PdOptionsEnum("-optim_complex", "Muon/PolarGrad: complex (spectral) matrices through their real embedding or in complex arithmetic", "PdOptimSetComplexMode", PdOptimComplexModes, (PetscEnum)o->complex_mode, (PetscEnum *)&o->complex_mode, NULL));
  PetscCall(PdOptionsEnum("-optim_muon_scale", "Muon: rms 0.2 sqrt(max(rows, cols)), shape sqrt(max(1, out/in))", "PdOptimSetMuonScale", PdOptimMuonScales, (PetscEnum)o->muon_scale, (PetscEnum *)&o->muon_scale, NULL));
  PetscFunctionReturn(0);
}

/* the values PdOptimMatrixSetFromOptions read, checked */
PetscErrorCode PdOptimMatrixCheck(PdOptim o)
{
  PetscFunctionBegin;
  PetscCheck(o->ns_ncoef == 3, o->comm, PETSC_ERR_ARG_WRONG, "-optim_ns_coeffs needs three numbers a,b,c (the quintic's default: 3.4445,-4.7750,2.0315), got %s%" PetscInt_FMT, o->ns_ncoef > 3 ? "more than " : "", PetscMin(o->ns_ncoef, 3));
  PetscCall(PdOptimSetNewtonSchulz(o, o->ns_steps, o->ns_coef));
  PetscCall(PdOptimSetMatrixMomentum(o, o->matrix_momentum, o->nesterov));
  PetscCall(PdOptimSetAdamLearningRate(o, o->adam_lr));
  PetscFunctionReturn(0);
}

/* the settings muon and polargrad add to PdOptimGetSettings (none for the other types, whose
   checkpoints stay as they were) */
PetscErrorCode PdOptimMatrixGetSettings(PdOptim o, PdDict d)
{
  char coef[96];

  PetscFunctionBegin;
  if (o->type != PD_OPTIM_MUON && o->type != PD_OPTIM_POLARGRAD) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(coef, sizeof(coef), "%.17g,%.17g,%.17g", o->ns_coef[0], o->ns_coef[1], o->ns_coef[2]));
  PetscCall(PdDictSetInt(d, "optim_ns_steps", o->ns_steps));
  PetscCall(PdDictSetString(d, "optim_ns_coeffs", coef));
  PetscCall(PdDictSetReal(d, "optim_matrix_momentum", o->matrix_momentum));
  PetscCall(PdDictSetBool(d, "optim_nesterov", o->nesterov));
  PetscCall(PdDictSetReal(d, "optim_adam_lr", o->adam_lr));
  PetscCall(PdDictSetString(d, "optim_complex", PdOptimComplexModes[o->complex_mode]));
  if (o->type == PD_OPTIM_MUON) PetscCall(PdDictSetString(d, "optim_muon_scale", PdOptimMuonScales[o->muon_scale]));
  PetscFunctionReturn(0);
}
