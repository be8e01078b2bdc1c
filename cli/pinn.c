/* `pdeop pinn`: train a physics-informed MLP on a high-dimensional PDE of the STDE benchmark suite
   (or, with -domain mesh, on a 2D DMPlex mesh against P1 FEM) and report its relative L2 error, time
   per iteration and peak memory; `pdeop predict -points` for PINNs. */
#include "cli.h"
#include <pdeop/options.h>
#include <pdeop/pinn.h>
#include <pdeop/output.h>
#include <pdeop/io.h>
#include <pdeop/optim.h>
#include <sys/resource.h>

/*  pdeop pinn -domain mesh -pde poisson|helmholtz [-mesh file.msh | -dm_plex_box_faces n,n] -dm_refine k
      -pinn_weights fixed|annealing -iters N -o model.h5 -vtk err.vtu -png err.png -fields f.h5 */
static PetscErrorCode PinnMesh(MPI_Comm comm, const char out[], PdDict report)
{
  PdPinnMesh    pinn;
  PetscBool     help;
  PdFieldOutput o;
  double        loss = 0;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&o, sizeof(o)));
  PetscOptionsBegin(comm, NULL, "pdeop pinn -domain mesh: outputs", "pdeop");
  PetscCall(PetscOptionsString("-vtk", "VTK file of the PINN and of PINN - FEM at the mesh vertices (.vtu)", "", o.vtk, o.vtk, sizeof(o.vtk), NULL));
  PetscCall(PetscOptionsString("-png", "PNG of the PINN and of PINN - FEM (rasterised)", "", o.png, o.png, sizeof(o.png), NULL));
  PetscCall(PetscOptionsString("-fields", "HDF5 file of the same two fields (PETSc's Vec layout)", "", o.h5, o.h5, sizeof(o.h5), NULL));
  PetscOptionsEnd();
  PetscCall(PdOptionsHelp(&help));
  PetscCall(PdPinnMeshCreate(comm, &pinn));
  PetscCall(PdPinnMeshSetFromOptions(pinn));
  if (help) {
    KSP k;
    PetscCall(KSPCreate(comm, &k));
    PetscCall(KSPSetFromOptions(k));
    PetscCall(KSPDestroy(&k));
    PetscCall(PdPinnMeshDestroy(&pinn));
    PetscFunctionReturn(0);
  }
  PetscCall(PdPinnMeshSetUp(pinn));
  /* unknown options are reported once the FEM solve's KSP has read its own */
  PetscCall(PdOptionsCheckUnusedAtSolve("pinn"));
  if (!out[0]) PetscCall(PdPrintf(comm, "note: no -o given, the trained network is not saved\n"));
  {
    PdDict      r;
    const char *pde;
    PetscInt64  np, cells;
    double      w;
    const char *wm;
    PetscCall(PdDictCreate(&r));
    PetscCall(PdPinnMeshReport(pinn, r));
    PetscCall(PdDictGetString(r, "pde", &pde));
    PetscCall(PdDictGetInt(r, "params", &np));
    PetscCall(PdDictGetInt(r, "cells", &cells));
    PetscCall(PdDictGetReal(r, "boundary_weight", &w));
    PetscCall(PdDictGetString(r, "pinn_weights", &wm));
    PetscCall(PdPrintf(comm, "pdeop pinn: %s on a mesh of %" PetscInt64_FMT " triangles, boundary weight %s (%g), mlp with %" PetscInt64_FMT " parameters\n", pde, cells, wm, w, np));
    PetscCall(PdDictDestroy(&r));
  }
  PetscCall(PdPinnMeshTrain(pinn, &loss));
  if (out[0]) PetscCall(PdPinnMeshSave(pinn, out));
  {
    DM        dmo = NULL;
    Vec       up = NULL, ue = NULL;
    PetscBool fields = (PetscBool)(o.vtk[0] || o.png[0] || o.h5[0]);
    PetscCall(PdPinnMeshEvaluate(pinn, report, fields ? &dmo : NULL, &up, &ue));
    if (fields) PetscCall(PdFieldOutputWrite(&o, dmo, up, ue, report));
    PetscCall(VecDestroy(&up));
    PetscCall(VecDestroy(&ue));
    PetscCall(DMDestroy(&dmo));
  }
  PetscCall(PdPinnMeshReport(pinn, report));
  {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) ru.ru_maxrss = 0;
    PetscCall(PdDictSetReal(report, "peak_memory_mb", (double)ru.ru_maxrss / 1024.0));
  }
  if (out[0]) PetscCall(PdDictSetString(report, "checkpoint", out));
  {
    double rel, relf, spi;
    PetscCall(PdDictGetReal(report, "rel_l2", &rel));
    PetscCall(PdDictGetReal(report, "rel_l2_fem", &relf));
    PetscCall(PdDictGetReal(report, "s_per_iter", &spi));
    PetscCall(PetscPrintf(comm, "rel_l2 %.4e  rel_l2_fem %.4e  loss %.4e  %.4g s/iter\n", rel, relf, loss, spi));
  }
  PetscCall(PdPinnMeshDestroy(&pinn));
  PetscFunctionReturn(0);
}

/*  pdeop pinn [-protocol stde] -pde poisson|allen-cahn|sine-gordon -solution two-body|three-body -dim d
      -estimator exact|sdgd|stde -stde_dist sparse|rademacher|gaussian -stde_dirs V -batch B -iters N
      -eval_every N -o model.h5 [-checkpoint_every N] [-resume model.h5] */
/* pinn -resume F: every setting F's run stored (its problem, network and training settings) becomes
   this run's default, so a run continues with `pinn -resume F -o F` alone; a setting given again
   must have the stored value (PdPinnResume names any that differs). -iters defaults to the end of
   the stored schedule (-lr_total_steps). */
static PetscErrorCode ResumeDefaults(MPI_Comm comm, const char file[])
{
  static const char *const map[][2] = {
    {"pinn_pde", "-pde"}, {"pinn_solution", "-solution"}, {"pinn_dim", "-dim"}, {"pinn_boundary", "-boundary"}, {"pinn_seed", "-seed"}, {"pinn_problem_seed", "-pinn_problem_seed"}, {"pinn_estimator", "-estimator"}, {"pinn_stde_dist", "-stde_dist"}, {"pinn_stde_dirs", "-stde_dirs"}, {"pinn_batch", "-batch"}, {"pinn_jet_max_rows", "-jet_max_rows"}, {"mlp_width", "-mlp_width"}, {"mlp_depth", "-mlp_depth"}, {"mlp_activation", "-mlp_activation"}};
  PdDict      meta, settings;
  PetscBool   pinn, set;
  PetscInt    n;
  const char *otype = "adam", *osched = "linear";

  PetscFunctionBegin;
  PetscCall(PdCheckpointReadMeta(comm, file, &meta, NULL));
  PetscCall(PdDictHas(meta, "pinn_pde", &pinn));
  if (!pinn) { /* not a pinn checkpoint: PdPinnResume says so */
    PetscCall(PdDictDestroy(&meta));
    PetscFunctionReturn(0);
  }
  PetscCall(PdCheckpointReadTraining(comm, file, &settings));
  PetscCall(PdDictHas(settings, "optim", &set));
  if (set) PetscCall(PdDictGetString(settings, "optim", &otype));
  PetscCall(PdDictHas(settings, "lr_schedule", &set));
  if (set) PetscCall(PdDictGetString(settings, "lr_schedule", &osched));
  for (int pass = 0; pass < 2; pass++) {
    PdDict d = pass ? settings : meta;
    PetscCall(PdDictGetSize(d, &n));
    for (PetscInt k = 0; k < n; k++) {
      const char *key, *opt = NULL;
      PdDictType  type;
      char        name[80], value[256];
      PetscCall(PdDictGetEntry(d, k, &key, &type));
      if (pass) opt = key; /* /training holds settings under their options' names */
      else
        for (size_t m = 0; m < sizeof(map) / sizeof(map[0]); m++)
          if (!strcmp(key, map[m][0])) opt = map[m][1] + 1;
      if (!opt) continue;
      PetscCall(PetscSNPrintf(name, sizeof(name), "-%s", opt));
      if (pass && !strcmp(key, "lr_total_steps")) { /* the schedule's length, also -iters' default (whatever the schedule) */
        PetscInt64 v;
        PetscCall(PdDictGetInt(d, key, &v));
        PetscCall(PetscSNPrintf(value, sizeof(value), "%" PetscInt64_FMT, v));
        PetscCall(PetscOptionsHasName(NULL, NULL, "-iters", &set));
        if (!set) PetscCall(PetscOptionsSetValue(NULL, "-iters", value));
      }
      if (pass && !PdOptimOptionApplies(name, otype, osched)) continue; /* stored, but not read by its optimizer or schedule */
      PetscCall(PetscOptionsHasName(NULL, NULL, name, &set));
      if (set) continue; /* given: checked against the stored value by PdPinnResume */
      if (type == PD_DICT_REAL) {
        double v;
        PetscCall(PdDictGetReal(d, key, &v));
        PetscCall(PetscSNPrintf(value, sizeof(value), "%.15g", v)); /* the shortest of %.15g and %.17g that reads back exactly */
        if (strtod(value, NULL) != v) PetscCall(PetscSNPrintf(value, sizeof(value), "%.17g", v));
      } else if (type == PD_DICT_INT) {
        PetscInt64 v;
        PetscCall(PdDictGetInt(d, key, &v));
        PetscCall(PetscSNPrintf(value, sizeof(value), "%" PetscInt64_FMT, v));
      } else if (type == PD_DICT_BOOL) {
        PetscBool v;
        PetscCall(PdDictGetBool(d, key, &v));
        PetscCall(PetscStrncpy(value, v ? "true" : "false", sizeof(value)));
      } else {
        const char *v;
        PetscCall(PdDictGetString(d, key, &v));
        PetscCall(PetscStrncpy(value, v, sizeof(value)));
      }
      PetscCall(PetscOptionsSetValue(NULL, name, value));
    }
  }
  PetscCall(PdDictDestroy(&settings));
  PetscCall(PdDictDestroy(&meta));
  PetscFunctionReturn(0);
}

PetscErrorCode PdCommandPinn(MPI_Comm comm, const char sub[], PdDict report)
{
  char        out[PETSC_MAX_PATH_LEN] = "", pts[PETSC_MAX_PATH_LEN] = "", resume[PETSC_MAX_PATH_LEN] = "";
  PetscInt    every = 0;
  PetscBool   help;
  PdPinn      pinn;
  double      loss      = 0, rel;
  const char *domains[] = {"ball", "mesh"};
  PetscInt    domain    = 0;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "pdeop pinn: physics-informed networks for high-dimensional PDEs", "pdeop");
  PetscCall(PdOptionsEList("-domain", "ball: the high-dimensional suite on the unit ball of R^d; mesh: 2D PDEs on a DMPlex mesh, against P1 FEM", "", domains, 2, domains[domain], &domain, NULL));
  PetscCall(PetscOptionsString("-o", "Checkpoint to write (HDF5: the network and the problem, with its coefficients c)", "", out, out, sizeof(out), NULL));
  if (domain == 0) {
    PetscCall(PetscOptionsString("-save_points", "Also write the held-out points (/points, N x d) to this HDF5 file, for pdeop predict -points", "", pts, pts, sizeof(pts), NULL));
    PetscCall(PdOptionsInt("-checkpoint_every", "Also write the -o checkpoint every this many iterations (0: only at the end), to continue with -resume", "PdPinnSetCheckpoint", every, &every, NULL));
    PetscCall(PetscOptionsString("-resume", "Continue the run of this checkpoint (pinn -o) up to -iters (default: the end of its schedule), with its settings (any given again must match): the same parameters as an uninterrupted run", "PdPinnResume", resume, resume, sizeof(resume), NULL));
  }
  PetscOptionsEnd();
  if (domain == 1) { /* the ball's options, refused before the mesh run rather than after */
    static const char *const ballonly[] = {"-resume", "-save_points", "-checkpoint_every"};
    for (size_t k = 0; k < sizeof(ballonly) / sizeof(ballonly[0]); k++) {
      PetscBool given;
      PetscCall(PetscOptionsHasName(NULL, NULL, ballonly[k], &given));
      PetscCheck(!given, comm, PETSC_ERR_ARG_WRONG, "%s is an option of the ball PINNs (-domain ball), not of -domain mesh", ballonly[k]);
    }
    PetscCall(PinnMesh(comm, out, report));
    PetscFunctionReturn(0);
  }
  PetscCall(PdOptionsHelp(&help));
  if (resume[0]) PetscCall(ResumeDefaults(comm, resume));
  PetscCall(PdPinnCreate(comm, &pinn));
  PetscCall(PdPinnSetFromOptions(pinn));
  if (help) {
    PetscCall(PdPinnDestroy(&pinn));
    PetscFunctionReturn(0);
  }
  PetscCall(PdPinnSetUp(pinn));
  PetscCheck(every == 0 || out[0], comm, PETSC_ERR_ARG_WRONG, "-checkpoint_every %" PetscInt_FMT " writes the -o checkpoint: give -o model.h5", every);
  PetscCall(PdPinnSetCheckpoint(pinn, out, every));
  if (resume[0]) PetscCall(PdPinnResume(pinn, resume));
  PetscCall(PdOptionsCheckUnused(comm, "pinn"));
  if (!out[0]) PetscCall(PdPrintf(comm, "note: no -o given, the trained network is not saved\n"));
  if (resume[0]) {
    PetscInt done;
    PetscCall(PdPinnGetIterations(pinn, &done));
    PetscCall(PdPrintf(comm, "pdeop pinn: continuing '%s' from iteration %" PetscInt_FMT "\n", resume, done));
  }
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
  PetscCall(PdPinnEvaluate(pinn, 0, &rel)); /* the -o checkpoint was written by PdPinnTrain */
  if (pts[0]) PetscCall(PdPinnSaveTestPoints(pinn, 0, pts));
  PetscCall(PdPinnReport(pinn, report));
  if (out[0]) PetscCall(PdDictSetString(report, "checkpoint", out));
  {
    double    spi = 0, mem;
    PetscBool timed, known;
    PetscCall(PdDictHas(report, "s_per_iter", &timed)); /* no step timed: no rate */
    if (timed) PetscCall(PdDictGetReal(report, "s_per_iter", &spi));
    PetscCall(PdDictGetReal(report, "peak_memory_mb", &mem));
    PetscCall(PdDictHas(report, "loss", &known));
    if (known && timed) PetscCall(PetscPrintf(comm, "rel_l2 %.4e  loss %.4e  %.4g s/iter  peak memory %.0f MB\n", rel, loss, spi, mem));
    else PetscCall(PetscPrintf(comm, "rel_l2 %.4e  peak memory %.0f MB (no step timed here or in the checkpoint)\n", rel, mem));
    {
      double   rmin;
      PetscInt imin;
      PetscCall(PdPinnGetErrorMin(pinn, &rmin, &imin));
      if (rmin >= 0 && rmin < rel) PetscCall(PetscPrintf(comm, "rel_l2_min %.4e at iteration %" PetscInt_FMT "\n", rmin, imin));
    }
  }
  PetscCall(PdPinnDestroy(&pinn));
  PetscFunctionReturn(0);
}

/* predict -points for a mesh PINN: u at /points (N x 2), rel_l2 against the exact solution if any */
static PetscErrorCode PredictMesh(MPI_Comm comm, NOp nop, const PdScalarProblem *pb, const char points[], const char out[], PdDict report)
{
  int         nd;
  PetscInt    shape[PD_MAX_DIMS];
  float      *x, *u;
  double      num = 0, den = 0;
  const char *names[1] = {"values"};

  PetscFunctionBegin;
  PetscCall(PdH5ReadFloatArray(comm, points, "/points", &nd, shape, &x));
  if (!(nd == 2 && shape[1] == 2)) {
    PetscCall(PetscFree(x));
    SETERRQ(comm, PETSC_ERR_ARG_SIZ, "'%s': /points must be N x 2 for a mesh PINN", points);
  }
  PetscCall(PetscMalloc1(shape[0], &u));
  PetscCall(PdPinnMeshPredictModel(nop, shape[0], x, u));
  if (PdScalarProblemHasExact(pb)) {
    for (PetscInt k = 0; k < shape[0]; k++) {
      PetscReal xk[2] = {x[2 * k], x[2 * k + 1]};
      double    ue    = PdScalarProblemExact(pb, 2, xk);
      num += (u[k] - ue) * (u[k] - ue);
      den += ue * ue;
    }
    PetscCall(PdDictSetReal(report, "rel_l2", den > 0 ? PetscSqrtReal(num / den) : PetscSqrtReal(num)));
  }
  {
    const float *data[1] = {u};
    PetscInt     n       = shape[0];
    PetscCall(PdH5WriteFields(comm, out, 1, names, data, 1, &n, NULL));
  }
  PetscCall(PdDictSetInt(report, "samples", shape[0]));
  PetscCall(PdDictSetString(report, "output", out));
  PetscCall(PdPrintf(comm, "pdeop predict: %" PetscInt_FMT " points -> %s\n", shape[0], out));
  PetscCall(PetscFree(u));
  PetscCall(PetscFree(x));
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
  {
    PetscBool       mesh;
    NOp             nop = NULL;
    PdScalarProblem pb;
    PetscCall(PdPinnMeshLoadProblem(comm, model, &mesh, &nop, &pb));
    if (mesh) {
      PetscCall(PdOptionsCheckUnused(comm, "predict"));
      PetscCall(PredictMesh(comm, nop, &pb, points, out, report));
      PetscCall(NOpDestroy(&nop));
      PetscFunctionReturn(0);
    }
  }
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
