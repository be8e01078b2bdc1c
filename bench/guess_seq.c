/* A sequence of Darcy systems (the coefficients of a `pdeop data darcy` file, f = 1, on its grid)
   solved one after another by one KSP configured from the options (PC, -ksp_guess_type ...), as a
   time-stepping or design loop would: iterations and seconds per system, the guess's share.
   The coefficient is composed on the operator for -ksp_guess_type nop. One rank.
   Usage: bench_guess_seq -data heldout.h5 [-count n] [-o result.json] -pc_type icc -ksp_guess_type nop ... */
#include <pdeop/pdeop.h>
#include <petscdmda.h>

int main(int argc, char **argv)
{
  char           data[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "";
  PetscInt       count = -1, R, its, itsum = 0, itmin = PETSC_MAX_INT, itmax = 0;
  PdDataset      ds;
  DM             da;
  Mat            A;
  Vec            a, b, x;
  KSP            ksp;
  double        *coef, total = 0, setup = 0;
  PdDict         rep;
  PetscLogDouble t0, t1, t2;

  PetscCall(PdInitialize(&argc, &argv, NULL, "bench_guess_seq: a sequence of Darcy solves with one KSP"));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bench_guess_seq", "");
  PetscCall(PetscOptionsString("-data", "dataset whose inputs are the coefficients", "", data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsInt("-count", "systems (default: all)", "", count, &count, NULL));
  PetscCall(PetscOptionsString("-o", "JSON file of the results", "", out, out, sizeof(out), NULL));
  PetscOptionsEnd();
  PetscCheck(data[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "Give -data heldout.h5");
  PetscCall(PdDatasetRead(PETSC_COMM_WORLD, data, PETSC_FALSE, &ds));
  PetscCheck(ds.in_ndim == 4 && ds.in_shape[1] == 1 && ds.in_shape[2] == ds.in_shape[3], PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "'%s' does not hold one square 2D field per sample", data);
  R = ds.in_shape[2];
  if (count < 0 || count > ds.N) count = ds.N;
  PetscCall(DMDACreate2d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, R, R, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, &da));
  PetscCall(DMSetUp(da));
  PetscCall(DMCreateMatrix(da, &A));
  PetscCall(DMCreateGlobalVector(da, &a));
  PetscCall(DMCreateGlobalVector(da, &b));
  PetscCall(DMCreateGlobalVector(da, &x));
  PetscCall(PdDarcyRHS(da, NULL, 1.0, b));
  PetscCall(PetscMalloc1(R * R, &coef));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(KSPSetDM(ksp, da));
  PetscCall(KSPSetDMActive(ksp, PETSC_FALSE));
  for (PetscInt s = 0; s < count; s++) {
    PetscScalar      **xa;
    PetscInt           xs, ys, xm, ym;
    KSPConvergedReason reason;
    for (PetscInt k = 0; k < R * R; k++) coef[k] = ds.inputs[(size_t)s * R * R + k];
    PetscCall(PdDarcyOperator(da, coef, PD_FACE_HARMONIC, A));
    PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
    PetscCall(DMDAVecGetArray(da, a, &xa));
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++) xa[j][i] = coef[j * R + i];
    PetscCall(DMDAVecRestoreArray(da, a, &xa));
    PetscCall(PetscObjectCompose((PetscObject)A, KSPGUESSNOP_INPUT, (PetscObject)a));
    PetscCall(KSPSetOperators(ksp, A, A));
    if (s == 0) PetscCall(KSPSetFromOptions(ksp));
    PetscCall(PetscTime(&t0));
    PetscCall(KSPSetUp(ksp));
    PetscCall(PetscTime(&t1));
    PetscCall(KSPSolve(ksp, b, x));
    PetscCall(PetscTime(&t2));
    PetscCall(KSPGetIterationNumber(ksp, &its));
    PetscCall(KSPGetConvergedReason(ksp, &reason));
    PetscCheck(reason > 0, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "System %" PetscInt_FMT ": %s after %" PetscInt_FMT " iterations", s, KSPConvergedReasons[reason], its);
    itsum += its;
    itmin = PetscMin(itmin, its);
    itmax = PetscMax(itmax, its);
    setup += t1 - t0;
    total += t2 - t0;
  }
  PetscCall(PdDictCreate(&rep));
  PetscCall(PdDictSetInt(rep, "res", R));
  PetscCall(PdDictSetInt(rep, "systems", count));
  PetscCall(PdDictSetReal(rep, "iterations_mean", (double)itsum / count));
  PetscCall(PdDictSetInt(rep, "iterations_min", itmin));
  PetscCall(PdDictSetInt(rep, "iterations_max", itmax));
  PetscCall(PdDictSetReal(rep, "seconds", total));
  PetscCall(PdDictSetReal(rep, "setup_seconds", setup));
  PetscCall(PdKSPGuessReport(ksp, b, PETSC_FALSE, rep)); /* guess_type; nop: guess_seconds (all systems) */
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%" PetscInt_FMT " systems at %" PetscInt_FMT "^2: %.2f iterations (%" PetscInt_FMT "-%" PetscInt_FMT "), %.3f s (PC set-up %.3f s)\n", count, R, (double)itsum / count, itmin, itmax, total, setup));
  if (out[0]) PetscCall(PdDictWriteJSON(rep, PETSC_COMM_WORLD, out));
  PetscCall(PdDictDestroy(&rep));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFree(coef));
  PetscCall(PdDatasetFree(&ds));
  PetscCall(PetscFinalize());
  return 0;
}
