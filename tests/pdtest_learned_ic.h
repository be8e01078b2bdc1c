/* Shared by the learned_ic tests: a model's parameters moved by a reproducible random draw, and
   every parameter gradient of PdLearnedICLoss against central differences. */
#pragma once
#include <pdeop/learned.h>
#include <pdeop/nop.h>

/* every parameter of m moved by a uniform draw in [-0.15, 0.15) from *rng, seeded (11, 0) here and
   left for the caller to draw on */
static inline PetscErrorCode PdtPerturbParams(NOp m, PdRng *rng)
{
  PdParams p;
  float   *data, *grad;
  PetscInt np;

  PetscFunctionBegin;
  PetscCall(NOpGetParams(m, &p));
  PetscCall(PdParamsGetArrays(p, &data, &grad));
  PetscCall(PdParamsGetBufferSize(p, &np));
  PetscCall(PdRngSeed(rng, 11, 0));
  for (PetscInt i = 0; i < np; i++) data[i] += 0.3f * (float)(PdRngUniform(rng) - 0.5);
  PetscFunctionReturn(0);
}

/* the gradient of the loss l (just computed on tape for m and g) against central differences with
   step 1e-2 over the whole parameter buffer: the largest deviation *maxdiff and gradient *maxg */
static inline PetscErrorCode PdtLearnedICGradCheck(NOp m, PdTape tape, PdICGraph g, PdTensor l, double *maxdiff, double *maxg)
{
  PdParams p;
  float   *data, *grad, *g0;
  PetscInt np;

  PetscFunctionBegin;
  PetscCall(NOpGetParams(m, &p));
  PetscCall(PdParamsGetArrays(p, &data, &grad));
  PetscCall(PdParamsGetBufferSize(p, &np));
  PetscCall(PetscMalloc1(np, &g0));
  PetscCall(PdParamsZeroGrad(p));
  PetscCall(PdTapeBackward(tape, l));
  PetscCall(PetscArraycpy(g0, grad, np));
  *maxdiff = *maxg = 0;
  for (PetscInt i = 0; i < np; i++) {
    const float save = data[i], h = 1e-2f;
    double      lp, lm;
    data[i] = save + h;
    PetscCall(PdTapeReset(tape));
    PetscCall(PdLearnedICLoss(m, tape, g, &l));
    lp      = l->data[0];
    data[i] = save - h;
    PetscCall(PdTapeReset(tape));
    PetscCall(PdLearnedICLoss(m, tape, g, &l));
    lm       = l->data[0];
    data[i]  = save;
    *maxdiff = PetscMax(*maxdiff, fabs((lp - lm) / (2 * h) - g0[i]));
    *maxg    = PetscMax(*maxg, fabs(g0[i]));
  }
  PetscCall(PetscFree(g0));
  PetscFunctionReturn(0);
}
