/* The data mode of PdProblem (`pdeop data <problem>`): the dataset recipe's options, the shapes of
   a sample, one sample drawn from the stream (seed, index), the attributes and report keys. */
#include "pde/interface/problemimpl.h"
#include <stddef.h>

/*@ PdProblemGetDataTypes - the registered types that have a dataset recipe, in registration order, as "a, b, c" @*/
PetscErrorCode PdProblemGetDataTypes(char list[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PdProblemListTypesWithOp(offsetof(PdProblemOps, sample), ", ", ", ", list, len));
  PetscFunctionReturn(0);
}

/* error unless the problem has a type with a dataset recipe */
static PetscErrorCode CheckRecipe(PdProblem p, const char fn[])
{
  PetscFunctionBegin;
  PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: the problem is NULL", fn);
  PetscCheck(p->type[0], p->comm, PETSC_ERR_ARG_WRONGSTATE, "%s: set the problem's type first (PdProblemSetType)", fn);
  if (!p->ops.sample) {
    char types[256];
    PetscCall(PdProblemGetDataTypes(types, sizeof(types)));
    SETERRQ(p->comm, PETSC_ERR_SUP, "%s: a '%s' problem has no dataset recipe (%s have)", fn, p->type, types);
  }
  PetscFunctionReturn(0);
}

/* error unless the type has a dataset recipe and data mode was chosen */
static PetscErrorCode CheckData(PdProblem p, const char fn[])
{
  PetscFunctionBegin;
  PetscCall(CheckRecipe(p, fn));
  PetscCheck(p->datamode, p->comm, PETSC_ERR_ARG_WRONGSTATE, "%s: call PdProblemSetDataMode(p, PETSC_TRUE) before PdProblemSetFromOptions", fn);
  PetscFunctionReturn(0);
}

/*@
  PdProblemSetDataMode - with PETSC_TRUE, the problem follows its dataset recipe: set-from-options
  reads the `pdeop data <type>` options (-n, -o and the recipe's), set-up builds what every sample
  shares, and PdProblemSample draws samples (PdProblemSolve is then an error). Call after
  PdProblemSetType and before PdProblemSetFromOptions.
@*/
PetscErrorCode PdProblemSetDataMode(PdProblem p, PetscBool flg)
{
  PetscFunctionBegin;
  PetscCheck(!p->setupcalled && !p->setfromoptionscalled, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdProblemSetDataMode before PdProblemSetFromOptions and PdProblemSetUp");
  if (flg) {
    PetscCheck(p->type[0], p->comm, PETSC_ERR_ARG_WRONGSTATE, "PdProblemSetDataMode: set the problem's type first (PdProblemSetType)");
    PetscCall(CheckRecipe(p, "PdProblemSetDataMode"));
  }
  p->datamode = flg;
  PetscFunctionReturn(0);
}

/*@ PdProblemGetDataOptions - -n (samples, default the recipe's) and -o (the output file, "" if none) @*/
PetscErrorCode PdProblemGetDataOptions(PdProblem p, PetscInt *n, const char **output)
{
  PetscFunctionBegin;
  PetscCall(CheckData(p, "PdProblemGetDataOptions"));
  if (n) *n = p->nsamples;
  if (output) *output = p->output;
  PetscFunctionReturn(0);
}

/*@
  PdProblemGetSampleShapes - one sample's input and output shapes, without the sample axis
  (darcy: [1][res][res] both; ns-periodic: [t_in][res][res] and [T - t_in][res][res];
  antiderivative: [1][m] both). Sets the problem up if needed. Either pair may be NULL.
@*/
PetscErrorCode PdProblemGetSampleShapes(PdProblem p, PetscInt *in_ndim, PetscInt in_shape[], PetscInt *out_ndim, PetscInt out_shape[])
{
  PetscInt ni, no, si[PD_MAX_DIMS], so[PD_MAX_DIMS];

  PetscFunctionBegin;
  PetscCall(CheckData(p, "PdProblemGetSampleShapes"));
  PetscCall(PdProblemSetUp(p));
  PetscCall(p->ops.getsampleshapes(p, &ni, si, &no, so));
  if (in_ndim) *in_ndim = ni;
  if (in_shape)
    for (PetscInt d = 0; d < ni; d++) in_shape[d] = si[d];
  if (out_ndim) *out_ndim = no;
  if (out_shape)
    for (PetscInt d = 0; d < no; d++) out_shape[d] = so[d];
  PetscFunctionReturn(0);
}

/*@
  PdProblemSample - draw sample index (the stream (seed, index): the same numbers whichever rank
  draws it, after whichever others) and write its input and output (sizes from
  PdProblemGetSampleShapes). Not collective. Sets the problem up if needed.
@*/
PetscErrorCode PdProblemSample(PdProblem p, PetscInt index, float in[], float out[])
{
  PetscFunctionBegin;
  PetscCall(CheckData(p, "PdProblemSample"));
  PetscCheck(in && out, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "PdProblemSample: give arrays for the input and the output");
  PetscCheck(index >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdProblemSample: the sample index must be non-negative, got %" PetscInt_FMT, index);
  PetscCall(PdProblemSetUp(p));
  PetscCall(p->ops.sample(p, index, in, out));
  PetscFunctionReturn(0);
}

/*@
  PdProblemGetSampleWork - what a progress line over samples counts: label ("<type> samples"
  unless the type counts finer, as ns-periodic's "ns time units") and units per sample
@*/
PetscErrorCode PdProblemGetSampleWork(PdProblem p, const char **label, PetscInt *units)
{
  PetscFunctionBegin;
  PetscCall(CheckData(p, "PdProblemGetSampleWork"));
  PetscCall(PdProblemSetUp(p));
  if (p->ops.getsamplework) PetscCall(p->ops.getsamplework(p, label, units));
  else {
    PetscCall(PetscSNPrintf(p->worklabel, sizeof(p->worklabel), "%s samples", p->type));
    *label = p->worklabel;
    *units = 1;
  }
  PetscFunctionReturn(0);
}

/*@
  PdProblemSetSampleProgress - the progress line the next PdProblemSample advances (types that count
  finer than samples, PdProblemGetSampleWork), from done_before on, naming the sample "i+1 of n";
  NULL for none
@*/
PetscErrorCode PdProblemSetSampleProgress(PdProblem p, PdProgress *progress, PetscInt done_before, PetscInt n)
{
  PetscFunctionBegin;
  p->progress      = progress;
  p->progress_base = done_before;
  p->progress_n    = n;
  PetscFunctionReturn(0);
}

/*@ PdProblemGetDataAttributes - add the recipe's dataset attributes (pde, equation, n, seed, grid, ...) to attrs @*/
PetscErrorCode PdProblemGetDataAttributes(PdProblem p, PdDict attrs)
{
  PetscFunctionBegin;
  PetscCall(CheckData(p, "PdProblemGetDataAttributes"));
  PetscCall(p->ops.getdataattributes(p, attrs));
  PetscFunctionReturn(0);
}

/*@
  PdProblemGetDataReport - collective: add the recipe's report keys (darcy: res, fine,
  solve_fraction, iterations_mean; antiderivative: m) for the samples drawn on all ranks, which took
  busy seconds in total
@*/
PetscErrorCode PdProblemGetDataReport(PdProblem p, double busy, PdDict report)
{
  PetscFunctionBegin;
  PetscCall(CheckData(p, "PdProblemGetDataReport"));
  if (p->ops.getdatareport) PetscCall(p->ops.getdatareport(p, busy, report));
  PetscFunctionReturn(0);
}

/*@ PdProblemGetDataSummary - the line `pdeop data` prints before "-> file", from the report PdDatasetGenerate filled @*/
PetscErrorCode PdProblemGetDataSummary(PdProblem p, PdDict report, char buf[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(CheckData(p, "PdProblemGetDataSummary"));
  PetscCall(p->ops.getdatasummary(p, report, buf, len));
  PetscFunctionReturn(0);
}
