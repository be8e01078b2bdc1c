/* Finite-difference check of reverse-mode gradients (the engine's own gradcheck): every op's
   backward is tested against central differences through this one routine. */
#include <pdeop/ops.h>
#include <pdeop/rng.h>

/* Build the graph from copies of the leaf variables on the tape; return sum(w * out) in double. */
static PetscErrorCode Evaluate(PdGradCheckBuild build, void *ctx, PdTape tape, PetscInt nvars, PdTensor vars[], PdTensor tvars[], PetscBool withgrad, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(PdTapeReset(tape));
  for (PetscInt i = 0; i < nvars; i++) {
    if (withgrad) PetscCall(PdTapeVariable(tape, vars[i]->ndim, vars[i]->shape, &tvars[i]));
    else PetscCall(PdTapeInput(tape, vars[i]->ndim, vars[i]->shape, &tvars[i]));
    PetscCall(PetscArraycpy(tvars[i]->data, vars[i]->data, vars[i]->size));
  }
  PetscCall(build(ctx, tape, tvars, out));
  PetscFunctionReturn(0);
}

static double Dot(const float *w, PdTensor out)
{
  double s = 0;
  for (PetscInt k = 0; k < out->size; k++) s += (double)w[k] * (double)out->data[k];
  return s;
}

/*@
  PdGradCheck - compare reverse-mode gradients with central finite differences

  Input: comm, build (makes the output from the variables), ctx, nvars, vars (standalone tensors
  holding the point of evaluation), h (difference step).
  Output: maxrel = max over all entries of |g - g_fd| / (max|g_fd| + 1e-3), per variable, maximised.
@*/
PetscErrorCode PdGradCheck(MPI_Comm comm, PdGradCheckBuild build, void *ctx, PetscInt nvars, PdTensor vars[], float h, PetscReal *maxrel)
{
  PdTape    tape;
  PdTensor *tvars, out;
  float    *w;
  float   **g;
  PdRng     rng;
  PetscInt  outsize;

  PetscFunctionBegin;
  PetscCall(PdTapeCreate(comm, &tape));
  PetscCall(PetscMalloc2(nvars, &tvars, nvars, &g));
  PetscCall(Evaluate(build, ctx, tape, nvars, vars, tvars, PETSC_TRUE, &out));
  outsize = out->size;
  PetscCall(PetscMalloc1(outsize, &w));
  PetscCall(PdRngSeed(&rng, 12345, PD_RNG_STREAM_GRADCHECK));
  PetscCall(PdRngFillUniform(&rng, outsize, w, -1.0f, 1.0f));
  PetscCheck(out->grad, comm, PETSC_ERR_ARG_WRONGSTATE, "Output of the checked graph carries no gradient");
  for (PetscInt k = 0; k < outsize; k++) out->grad[k] = w[k];
  PetscCall(PdTapeBackwardSeeded(tape, out));
  for (PetscInt i = 0; i < nvars; i++) {
    PetscCall(PetscMalloc1(vars[i]->size, &g[i]));
    PetscCall(PetscArraycpy(g[i], tvars[i]->grad, vars[i]->size));
  }
  *maxrel = 0;
  for (PetscInt i = 0; i < nvars; i++) {
    double maxfd = 0, maxdiff = 0;
    for (PetscInt j = 0; j < vars[i]->size; j++) {
      float  x0 = vars[i]->data[j];
      double lp, lm, fd;

      vars[i]->data[j] = x0 + h;
      PetscCall(Evaluate(build, ctx, tape, nvars, vars, tvars, PETSC_FALSE, &out));
      lp               = Dot(w, out);
      vars[i]->data[j] = x0 - h;
      PetscCall(Evaluate(build, ctx, tape, nvars, vars, tvars, PETSC_FALSE, &out));
      lm               = Dot(w, out);
      vars[i]->data[j] = x0;
      fd               = (lp - lm) / (2.0 * (double)h);
      maxfd            = PetscMax(maxfd, PetscAbsReal(fd));
      maxdiff          = PetscMax(maxdiff, PetscAbsReal(fd - (double)g[i][j]));
    }
    *maxrel = PetscMax(*maxrel, maxdiff / (maxfd + 1e-3));
  }
  for (PetscInt i = 0; i < nvars; i++) PetscCall(PetscFree(g[i]));
  PetscCall(PetscFree(w));
  PetscCall(PetscFree2(tvars, g));
  PetscCall(PdTapeDestroy(&tape));
  PetscFunctionReturn(0);
}
