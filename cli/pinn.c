/* `pdeop pinn`: train a physics-informed MLP on a high-dimensional PDE of the STDE benchmark suite and
   report its relative L2 error, time per iteration and peak memory; `pdeop predict -points` for PINNs. */
#include "cli/cli.h"
#include <pdeop/pinn.h>

/*  pdeop pinn -pde poisson|allen-cahn|sine-gordon -solution two-body|three-body -dim d
      -estimator exact|sdgd|stde -stde_dist sparse|rademacher|gaussian -stde_dirs V -batch B -iters N -o model.h5 */
PetscErrorCode PdCommandPinn(MPI_Comm comm, const char sub[], PdDict report)
{
  char      out[PETSC_MAX_PATH_LEN] = "", pts[PETSC_MAX_PATH_LEN] = "";
  PetscBool help;
  PdPinn    pinn;
  double    loss = 0, rel;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop pinn: physics-informed networks for high-dimensional PDEs", "pdeop");
  PetscCall(PetscOptionsString("-o", "Checkpoint to write (HDF5: the network and the problem, with its coefficients c)", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsString("-save_points", "Also write the held-out points (/points, N x d) to this HDF5 file, for pdeop predict -points", "", pts, pts, sizeof(pts), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  PetscCall(PdPinnCreate(comm, &pinn));
  PetscCall(PdPinnSetFromOptions(pinn));
  if (help) {
    PetscCall(PdPinnDestroy(&pinn));
    PetscFunctionReturn(0);
  }
  PetscCall(PdPinnSetUp(pinn));
  PetscCall(PdOptionsCheckUnused(comm, "pinn"));
  if (!out[0]) PetscCall(PdPrintf(comm, "note: no -o given, the trained network is not saved\n"));
  {
    PdDict      r;
    const char *pde, *sol, *est;
    PetscInt64  d, np, b;
    PetscCall(PdDictCreate(&r));
    PetscCall(PdPinnReport(pinn, r));
    PetscCall(PdDictGetString(r, "pde", &pde));
    PetscCall(PdDictGetString(r, "solution", &sol));
    PetscCall(PdDictGetString(r, "estimator", &est));
    PetscCall(PdDictGetInt(r, "dim", &d));
    PetscCall(PdDictGetInt(r, "params", &np));
    PetscCall(PdDictGetInt(r, "batch", &b));
    PetscCall(PdPrintf(comm, "pdeop pinn: %s, %s solution, d = %" PetscInt64_FMT ", estimator %s, batch %" PetscInt64_FMT ", mlp with %" PetscInt64_FMT " parameters\n", pde, sol, d, est, b, np));
    PetscCall(PdDictDestroy(&r));
  }
  PetscCall(PdPinnTrain(pinn, &loss));
  PetscCall(PdPinnEvaluate(pinn, 0, &rel));
  if (out[0]) PetscCall(PdPinnSave(pinn, out));
  if (pts[0]) PetscCall(PdPinnSaveTestPoints(pinn, 0, pts));
  PetscCall(PdPinnReport(pinn, report));
  if (out[0]) PetscCall(PdDictSetString(report, "checkpoint", out));
  {
    double spi, mem;
    PetscCall(PdDictGetReal(report, "s_per_iter", &spi));
    PetscCall(PdDictGetReal(report, "peak_memory_mb", &mem));
    PetscCall(PetscPrintf(comm, "rel_l2 %.4e  loss %.4e  %.4g s/iter  peak memory %.0f MB\n", rel, loss, spi, mem));
  }
  PetscCall(PdPinnDestroy(&pinn));
  PetscFunctionReturn(0);
}

/*  pdeop predict -model pinn.h5 -points pts.h5 -o values.h5: u at /points (N x d) -> /values (N);
    reports rel_l2 against the exact solution rebuilt from the checkpoint's coefficients */
PetscErrorCode PdCommandPredictPinn(MPI_Comm comm, const char model[], const char points[], const char out[], PdDict report)
{
  PetscBool   is;
  PdPinn      pinn;
  int         nd;
  PetscInt    shape[PD_MAX_DIMS], d;
  float      *x, *u;
  double     *ue, num = 0, den = 0;
  const char *names[1] = {"values"};

  PetscFunctionBegin;
  PetscCheck(model[0] && out[0], comm, PETSC_ERR_ARG_WRONG, "Give -model pinn.h5, -points pts.h5 and -o values.h5");
  PetscCall(PdPinnIsCheckpoint(comm, model, &is));
  PetscCheck(is, comm, PETSC_ERR_ARG_WRONG, "-points evaluates PINN checkpoints (pdeop pinn -o); '%s' is another model: give its inputs with -data", model);
  PetscCall(PdOptionsCheckUnused(comm, "predict"));
  PetscCall(PdPinnLoad(comm, model, &pinn));
  PetscCall(PdPinnGetDimension(pinn, &d));
  PetscCall(PdH5ReadFloatArray(comm, points, "/points", &nd, shape, &x));
  if (!(nd == 2 && shape[1] == d)) {
    PetscCall(PetscFree(x));
    PetscCall(PdPinnDestroy(&pinn));
    SETERRQ(comm, PETSC_ERR_ARG_SIZ, "'%s': /points must be N x %" PetscInt_FMT " for this model (d = %" PetscInt_FMT ")", points, d, d);
  }
  PetscCall(PetscMalloc2(shape[0], &u, shape[0], &ue));
  PetscCall(PdPinnPredict(pinn, shape[0], x, u));
  PetscCall(PdPinnExactSolution(pinn, shape[0], x, ue, NULL));
  for (PetscInt k = 0; k < shape[0]; k++) {
    num += (u[k] - ue[k]) * (u[k] - ue[k]);
    den += ue[k] * ue[k];
  }
  {
    const float *data[1] = {u};
    PetscCall(PdH5WriteFields(comm, out, 1, names, data, 1, shape, NULL));
  }
  PetscCall(PdDictSetReal(report, "rel_l2", den > 0 ? PetscSqrtReal(num / den) : PetscSqrtReal(num)));
  PetscCall(PdDictSetInt(report, "samples", shape[0]));
  PetscCall(PdDictSetString(report, "output", out));
  PetscCall(PdPrintf(comm, "pdeop predict: %" PetscInt_FMT " points -> %s\n", shape[0], out));
  PetscCall(PetscFree2(u, ue));
  PetscCall(PetscFree(x));
  PetscCall(PdPinnDestroy(&pinn));
  PetscFunctionReturn(0);
}
