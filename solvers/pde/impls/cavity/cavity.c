/* The cavity problem type (`pdeop solve cavity`): the lid-driven cavity marched to steady state by
   the projection method of mac.c, step by step (PdProblemCavityStep) or to the end (PdProblemSolve),
   its node fields in memory, Ghia et al.'s comparison, and the HDF5/VTK/PNG output. */
#include "pde/impls/cavity/cavityimpl.h"
#include <pdeop/io.h>
#include <pdeop/output.h>
#include <pdeop/options.h>
#include <pdeop/progress.h>

static PetscErrorCode CheckParameters(PdProblem p, Cavity *c)
{
  PetscFunctionBegin;
  PetscCheck(c->re > 0 && PetscIsNormalReal(c->re), p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-re must be positive and finite, got %g", (double)c->re);
  PetscCheck(c->n >= 5 && (c->n - 1) % 2 == 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-n must be odd and at least 5 (an even number of cells puts the centerlines on faces), got %" PetscInt_FMT, c->n);
  PetscCheck(c->tmax > 0 && PetscIsNormalReal(c->tmax), p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-t_max must be positive and finite, got %g", (double)c->tmax);
  PetscCheck(c->dtopt >= 0 && c->cfl > 0 && c->cfl <= 1 && c->tol > 0 && c->dtol > 0 && c->every >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Need -dt >= 0, 0 < -cfl <= 1 and positive tolerances and -monitor_every (got -dt %g, -cfl %g)", (double)c->dtopt, (double)c->cfl);
  PetscFunctionReturn(0);
}

/* The grids, the state, the pressure matrix and its KSP (CG + GAMG, rtol 1e-10, the last pressure
   as the initial guess; the options -pressure_ksp_type ... when fromoptions) */
static PetscErrorCode CreateState(PdProblem p, Cavity *c, PetscBool fromoptions)
{
  const PetscInt n = c->n;
  char           prefix[256];

  PetscFunctionBegin;
  c->nc = n - 1;
  c->h  = 1.0 / c->nc;
  /* AB2 with central advection: dt <= cfl h / U (U = 1, the lid) and the explicit viscous limit h^2 Re / 4 */
  c->dt = c->dtopt > 0 ? c->dtopt : PetscMin(c->cfl * c->h, 0.25 * c->h * c->h * c->re * 0.9);
  PetscCall(DMDACreate2d(p->comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_BOX, n, n, PETSC_DECIDE, PETSC_DECIDE, 3, 1, NULL, NULL, &c->da));
  PetscCall(DMSetUp(c->da));
  PetscCall(DMDASetFieldName(c->da, 0, "u"));
  PetscCall(DMDASetFieldName(c->da, 1, "v"));
  PetscCall(DMDASetFieldName(c->da, 2, "p"));
  {
    const PetscInt *lx, *ly;
    PetscInt        m, nn;
    PetscCall(DMDAGetInfo(c->da, NULL, NULL, NULL, NULL, &m, &nn, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    PetscCall(DMDAGetOwnershipRanges(c->da, &lx, &ly, NULL));
    PetscCall(DMDACreate2d(p->comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n, n, m, nn, 1, 1, lx, ly, &c->pda));
    PetscCall(DMSetUp(c->pda));
  }
  PetscCall(DMCreateGlobalVector(c->da, &c->X));
  PetscCall(DMCreateLocalVector(c->da, &c->Xl));
  PetscCall(VecDuplicate(c->X, &c->N0));
  PetscCall(VecDuplicate(c->X, &c->N1));
  PetscCall(VecDuplicate(c->X, &c->Xold));
  PetscCall(DMCreateMatrix(c->pda, &c->A));
  PetscCall(PdCavityPressureOperator(c->pda, c->A));
  PetscCall(DMCreateGlobalVector(c->pda, &c->b));
  PetscCall(VecDuplicate(c->b, &c->p));
  PetscCall(KSPCreate(p->comm, &c->ksp));
  PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "%spressure_", p->prefix ? p->prefix : ""));
  PetscCall(KSPSetOptionsPrefix(c->ksp, prefix));
  PetscCall(KSPSetOperators(c->ksp, c->A, c->A));
  PetscCall(KSPSetType(c->ksp, KSPCG));
  {
    PC pc;
    PetscCall(KSPGetPC(c->ksp, &pc));
    PetscCall(PCSetType(pc, PCGAMG));
    /* what PCSetFromOptions gives GAMG (PETSc 3.18: one level of aggressive coarsening), so a cavity
       built by its setters has the pressure solver of `pdeop solve cavity` (without it: 3 levels,
       7.6 iterations per step but 1.5x the time on 2 ranks, 3.3x with -malloc_debug) */
    PetscCall(PCGAMGSetAggressiveLevels(pc, 1));
  }
  PetscCall(KSPSetTolerances(c->ksp, 1e-10, 1e-14, PETSC_DEFAULT, 10000));
  PetscCall(KSPSetInitialGuessNonzero(c->ksp, PETSC_TRUE)); /* last step's pressure */
  if (fromoptions) PetscCall(KSPSetFromOptions(c->ksp));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_Cavity(PdProblem p)
{
  Cavity   *c = (Cavity *)p->data;
  PetscBool help;

  PetscFunctionBegin;
  PetscCheck(!c->da, p->comm, PETSC_ERR_ARG_WRONGSTATE, "The cavity's grid exists already: call PdProblemSetFromOptions once, before PdProblemSetUp");
  PetscOptionsBegin(p->comm, p->prefix, "pdeop solve cavity: lid-driven cavity (MAC grid, projection)", "pdeop");
  PetscCall(PdOptionsReal("-re", "Reynolds number (lid velocity 1, side 1)", "", c->re, &c->re, NULL));
  PetscCall(PdOptionsInt("-n", "Nodes per side including the walls (n - 1 cells)", "", c->n, &c->n, NULL));
  PetscCall(PdOptionsReal("-dt", "Time step (0: from -cfl and the viscous limit)", "", c->dtopt, &c->dtopt, NULL));
  PetscCall(PdOptionsReal("-cfl", "Target CFL number when dt is automatic", "", c->cfl, &c->cfl, NULL));
  PetscCall(PdOptionsReal("-steady_tol", "Steady when max |du/dt| falls below this", "", c->tol, &c->tol, NULL));
  PetscCall(PdOptionsReal("-div_tol", "... and max |div u| below this", "", c->dtol, &c->dtol, NULL));
  PetscCall(PdOptionsReal("-t_max", "Give up (steady = false) at this time", "", c->tmax, &c->tmax, NULL));
  PetscCall(PdOptionsInt("-monitor_every", "Steps between progress updates", "", c->every, &c->every, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 output: /u /v /p /psi /omega on the n x n nodes", "", c->out, c->out, sizeof(c->out), NULL));
  PetscCall(PetscOptionsString("-vtk", "VTK output (.vts) of the node fields", "", c->vtk, c->vtk, sizeof(c->vtk), NULL));
  PetscCall(PetscOptionsString("-png", "PNG: speed and stream-function contours", "", c->png, c->png, sizeof(c->png), NULL));
  PetscCall(PetscOptionsString("-ghia_png", "PNG of u along x = 1/2 and v along y = 1/2 with Ghia et al.'s points (Re 100 or 1000; other Re: the profiles alone)", "", c->gpng, c->gpng, sizeof(c->gpng), NULL));
  PetscOptionsEnd();
  PetscCall(CheckParameters(p, c));
  PetscCall(CreateState(p, c, PETSC_TRUE));
  PetscCall(PdOptionsHelp(&help));
  if (!help) PetscCall(PdOptionsCheckUnused(p->comm, "solve cavity"));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_Cavity(PdProblem p)
{
  Cavity *c = (Cavity *)p->data;

  PetscFunctionBegin;
  if (!c->da) {
    PetscCall(CheckParameters(p, c));
    PetscCall(CreateState(p, c, PETSC_FALSE));
  }
  PetscCall(KSPSetUp(c->ksp));
  PetscFunctionReturn(0);
}

/* One step with its checks (finite, CFL <= 1), steadiness every 10 steps, progress (prog may be NULL) */
static PetscErrorCode Advance(PdProblem p, Cavity *c, PdProgress *prog)
{
  PetscReal umax, vmax, sum, cfln;

  PetscFunctionBegin;
  PetscCall(VecCopy(c->X, c->Xold));
  PetscCall(PdCavityProjectionStep(c, c->step, &c->its, &c->div, &c->tp));
  c->step++;
  c->t += c->dt;
  c->totits += c->its;
  PetscCall(VecStrideNorm(c->X, 0, NORM_INFINITY, &umax));
  PetscCall(VecStrideNorm(c->X, 1, NORM_INFINITY, &vmax));
  /* a maximum skips NaN (comparisons with NaN are false); a sum does not */
  PetscCall(VecNorm(c->X, NORM_1, &sum));
  PetscCheck(!PetscIsInfOrNanReal(sum), p->comm, PETSC_ERR_NOT_CONVERGED, "The cavity flow blew up at step %" PetscInt_FMT " (t = %g): the solution is not finite. Lower -dt or -cfl", c->step, (double)c->t);
  cfln = PetscMax(umax, vmax) * c->dt / c->h;
  PetscCheck(PetscIsNormalReal(cfln) || cfln == 0, p->comm, PETSC_ERR_NOT_CONVERGED, "The cavity flow blew up at step %" PetscInt_FMT " (t = %g): the velocity is not finite. Lower -dt or -cfl", c->step, (double)c->t);
  PetscCheck(cfln <= 1, p->comm, PETSC_ERR_NOT_CONVERGED, "CFL number %g > 1 at step %" PetscInt_FMT " (t = %g, max velocity %g, dt %g, h %g): lower -dt or -cfl", (double)cfln, c->step, (double)c->t, (double)PetscMax(umax, vmax), (double)c->dt, (double)c->h);
  if (c->step % 10 == 0 || c->step == 1) {
    PetscReal du, dvv;
    PetscCall(VecAXPY(c->Xold, -1.0, c->X));
    PetscCall(VecStrideNorm(c->Xold, 0, NORM_INFINITY, &du));
    PetscCall(VecStrideNorm(c->Xold, 1, NORM_INFINITY, &dvv));
    c->change = PetscMax(du, dvv) / c->dt;
    if (c->change < c->tol && c->div < c->dtol) {
      c->steady = c->done = PETSC_TRUE;
      PetscFunctionReturn(0);
    }
  }
  if (prog && c->step % c->every == 0) {
    char extra[128];
    PetscCall(PetscSNPrintf(extra, sizeof(extra), "t %.2f  |du/dt| %.2e  |div u| %.2e  pressure its %" PetscInt_FMT, (double)c->t, (double)c->change, (double)c->div, c->its));
    PetscCall(PdProgressUpdate(prog, c->step, extra));
  }
  if (c->t >= c->tmax) c->done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_Cavity(PdProblem p)
{
  Cavity        *c = (Cavity *)p->data;
  PdProgress     prog;
  PetscLogDouble t0, t1;
  PetscMPIInt    rank;

  PetscFunctionBegin;
  PetscCall(PdProgressBegin(p->comm, "cavity steps", (PetscInt)(c->tmax / c->dt), &prog));
  PetscCall(PetscTime(&t0));
  while (!c->done) PetscCall(Advance(p, c, &prog));
  PetscCall(PdProgressEnd(&prog));
  PetscCall(PetscTime(&t1));
  c->seconds = t1 - t0;
  PetscCall(PdPrintf(p->comm, "cavity Re %g, %" PetscInt_FMT "^2 nodes: %s after %" PetscInt_FMT " steps (t = %.2f, dt %.3g) in %.2f s; |du/dt| %.2e, |div u| %.2e; %.1f pressure iterations per step, %.0f%% of the time\n", (double)c->re, c->n, c->steady ? "steady" : "NOT steady", c->step, (double)c->t, (double)c->dt, c->seconds, (double)c->change, (double)c->div, (double)c->totits / c->step, 100 * c->tp / c->seconds));
  PetscCall(PdDictSetInt(p->results, "steps", c->step));
  PetscCall(PdDictSetReal(p->results, "seconds", c->seconds));
  PetscCall(PdDictSetReal(p->results, "pressure_iterations_mean", (double)c->totits / c->step));
  PetscCall(PdDictSetBool(p->results, "steady", c->steady));
  PetscCall(PdDictSetReal(p->results, "re", c->re));
  PetscCall(PdDictSetInt(p->results, "n", c->n));
  PetscCall(PdDictSetReal(p->results, "dt", c->dt));
  PetscCall(PdDictSetReal(p->results, "time", c->t));
  PetscCall(PdDictSetReal(p->results, "final_change", c->change));
  PetscCall(PdDictSetReal(p->results, "final_divergence", c->div));
  PetscCall(PdDictSetReal(p->results, "pressure_seconds_share", c->tp / c->seconds));
  PetscCall(PdCavityNodeFields(c));
  PetscCallMPI(MPI_Comm_rank(p->comm, &rank));
  if (rank == 0 && (c->re == 100 || c->re == 1000)) {
    PetscCall(PdPrintf(PETSC_COMM_SELF, "against Ghia et al. (1982), Re = %g: largest difference at their 17 points %.4f for u on x = 1/2, %.4f for v on y = 1/2\n", (double)c->re, c->err, c->verr));
    PetscCall(PdDictSetReal(p->results, "u_centerline_max_error_ghia", c->err));
    PetscCall(PdDictSetReal(p->results, "v_centerline_max_error_ghia", c->verr));
  }
  PetscFunctionReturn(0);
}

/* -o: the node fields as float32 datasets /u /v /p /psi /omega with the run's attributes */
static PetscErrorCode WriteH5(Cavity *c)
{
  const char *const names[5] = {"u", "v", "p", "psi", "omega"};
  const PetscInt    N        = c->n;
  float            *f[5];
  PdDict            at;

  PetscFunctionBegin;
  for (int k = 0; k < 5; k++) {
    PetscCall(PetscMalloc1(N * N, &f[k]));
    for (PetscInt q = 0; q < N * N; q++) f[k][q] = (float)c->fields[k * N * N + q];
  }
  PetscCall(PdDictCreate(&at));
  PetscCall(PdDictSetString(at, "pde", "lid-driven cavity, incompressible Navier-Stokes"));
  PetscCall(PdDictSetReal(at, "re", c->re));
  PetscCall(PdDictSetInt(at, "n", N));
  PetscCall(PdDictSetBool(at, "steady", c->steady));
  PetscCall(PdDictSetString(at, "grid", "[j][i], x = i/(n-1), y = j/(n-1), walls included; lid u = 1 at y = 1"));
  PetscCall(PdH5WriteFields(PETSC_COMM_SELF, c->out, 5, names, (const float *const *)f, 2, (PetscInt[]){N, N}, at));
  PetscCall(PdDictDestroy(&at));
  for (int k = 0; k < 5; k++) PetscCall(PetscFree(f[k]));
  PetscFunctionReturn(0);
}

/* -vtk: the node fields on a sequential DMDA of the unit square (.vts) */
static PetscErrorCode WriteVTK(Cavity *c)
{
  const PetscInt N = c->n;
  DM             nd;
  Vec            nv;
  PetscScalar   *a5;

  PetscFunctionBegin;
  PetscCall(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, N, N, 1, 1, 5, 1, NULL, NULL, &nd));
  PetscCall(DMSetUp(nd));
  PetscCall(DMDASetUniformCoordinates(nd, 0, 1, 0, 1, 0, 0));
  for (int k = 0; k < 5; k++) PetscCall(DMDASetFieldName(nd, k, (const char *[]){"u", "v", "p", "psi", "omega"}[k]));
  PetscCall(DMCreateGlobalVector(nd, &nv));
  PetscCall(PetscObjectSetName((PetscObject)nv, "cavity"));
  PetscCall(VecGetArray(nv, &a5));
  for (PetscInt q = 0; q < N * N; q++)
    for (int k = 0; k < 5; k++) a5[5 * q + k] = c->fields[k * N * N + q];
  PetscCall(VecRestoreArray(nv, &a5));
  PetscCall(PdViewerWriteVecs(PETSC_COMM_SELF, PETSC_FALSE, c->vtk, 1, &nv, NULL));
  PetscCall(VecDestroy(&nv));
  PetscCall(DMDestroy(&nd));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFields_Cavity(PdProblem p)
{
  Cavity        *c = (Cavity *)p->data;
  const PetscInt N = c->n;
  PetscMPIInt    rank;

  PetscFunctionBegin;
  if (c->fieldstep != c->step) PetscCall(PdCavityNodeFields(c));
  PetscCallMPI(MPI_Comm_rank(p->comm, &rank));
  if (rank == 0) {
    if (c->gpng[0]) {
      PetscCall(PdCavityGhiaPlot(c->gpng, c->re, N, c->nc + 2, c->ys, c->us, c->xv, c->vs));
      if (c->re == 100 || c->re == 1000) PetscCall(PdPrintf(PETSC_COMM_SELF, "wrote %s: the centerline profiles with Ghia et al.'s points (Re = %g)\n", c->gpng, (double)c->re));
      else PetscCall(PdPrintf(PETSC_COMM_SELF, "wrote %s: the centerline profiles alone; Ghia et al.'s table here has Re = 100 and 1000, not %g\n", c->gpng, (double)c->re));
    }
    if (c->out[0]) PetscCall(WriteH5(c));
    if (c->png[0]) PetscCall(PdCavitySpeedContours(c->png, N, c->fields, c->fields + N * N, c->fields + 3 * N * N));
    if (c->vtk[0]) PetscCall(WriteVTK(c));
  }
  if (c->out[0]) PetscCall(PdDictSetString(p->results, "output", c->out));
  if (c->png[0]) PetscCall(PdDictSetString(p->results, "png", c->png));
  if (c->gpng[0]) PetscCall(PdDictSetString(p->results, "ghia_png", c->gpng));
  if (c->vtk[0]) PetscCall(PdDictSetString(p->results, "vtk", c->vtk));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_Cavity(PdProblem p, PetscViewer v)
{
  Cavity *c = (Cavity *)p->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "Re %g, %" PetscInt_FMT "^2 nodes, t_max %g\n", (double)c->re, c->n, (double)c->tmax));
  if (c->da) PetscCall(PetscViewerASCIIPrintf(v, "dt %g; %" PetscInt_FMT " steps to t = %g%s\n", (double)c->dt, c->step, (double)c->t, c->steady ? " (steady)" : ""));
  if (c->ksp) PetscCall(KSPView(c->ksp, v));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Cavity(PdProblem p)
{
  Cavity *c = (Cavity *)p->data;

  PetscFunctionBegin;
  PetscCall(VecDestroy(&c->Xold));
  PetscCall(VecDestroy(&c->X));
  PetscCall(VecDestroy(&c->Xl));
  PetscCall(VecDestroy(&c->N0));
  PetscCall(VecDestroy(&c->N1));
  PetscCall(VecDestroy(&c->b));
  PetscCall(VecDestroy(&c->p));
  PetscCall(MatDestroy(&c->A));
  PetscCall(KSPDestroy(&c->ksp));
  PetscCall(DMDestroy(&c->pda));
  PetscCall(DMDestroy(&c->da));
  PetscCall(PetscFree(c->fields));
  PetscCall(PetscFree4(c->ys, c->us, c->xv, c->vs));
  PetscCall(PetscFree(p->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetCavity(PdProblem p, const char fn[], PetscBool before_setup, Cavity **c)
{
  PetscFunctionBegin;
  PetscCall(PdProblemCheckType(p, PDPROBLEMCAVITY, fn));
  *c = (Cavity *)p->data;
  PetscCheck(!before_setup || !(*c)->da, p->comm, PETSC_ERR_ARG_WRONGSTATE, "%s: call it before PdProblemSetUp", fn);
  PetscFunctionReturn(0);
}

/*@ PdProblemCavitySetReynolds - the Reynolds number (lid velocity 1, side 1; -re, default 100) @*/
PetscErrorCode PdProblemCavitySetReynolds(PdProblem p, PetscReal re)
{
  Cavity *c = NULL;

  PetscFunctionBegin;
  PetscCall(GetCavity(p, "PdProblemCavitySetReynolds", PETSC_TRUE, &c));
  c->re = re;
  PetscFunctionReturn(0);
}

/*@ PdProblemCavitySetGridSize - nodes per side including the walls, odd (-n, default 65) @*/
PetscErrorCode PdProblemCavitySetGridSize(PdProblem p, PetscInt n)
{
  Cavity *c = NULL;

  PetscFunctionBegin;
  PetscCall(GetCavity(p, "PdProblemCavitySetGridSize", PETSC_TRUE, &c));
  c->n = n;
  PetscFunctionReturn(0);
}

/*@ PdProblemCavitySetMaxTime - the time at which the march gives up if not steady (-t_max, 200) @*/
PetscErrorCode PdProblemCavitySetMaxTime(PdProblem p, PetscReal tmax)
{
  Cavity *c = NULL;

  PetscFunctionBegin;
  PetscCall(GetCavity(p, "PdProblemCavitySetMaxTime", PETSC_TRUE, &c));
  c->tmax = tmax;
  PetscFunctionReturn(0);
}

/*@
  PdProblemCavityStep - march up to n more steps (sets up the problem if needed); stops early when
  the flow is steady or t reaches t_max, and *done (may be NULL) says so. PdProblemSolve continues
  from there to the end.
@*/
PetscErrorCode PdProblemCavityStep(PdProblem p, PetscInt n, PetscBool *done)
{
  Cavity *c = NULL;

  PetscFunctionBegin;
  PetscCall(GetCavity(p, "PdProblemCavityStep", PETSC_FALSE, &c));
  PetscCall(PdProblemSetUp(p));
  for (PetscInt k = 0; k < n && !c->done; k++) PetscCall(Advance(p, c, NULL));
  if (done) *done = c->done;
  PetscFunctionReturn(0);
}

/*@
  PdProblemCavityGetNodeFields - the node fields of the current state: N (nodes per side) and
  fields[0..4] = u, v, p, psi, omega, each N x N ([j][i], x = i/(N-1), walls included). Collective;
  the arrays live on rank 0 (NULL elsewhere) and stay valid until the next step or destroy.
@*/
PetscErrorCode PdProblemCavityGetNodeFields(PdProblem p, PetscInt *N, const double *fields[5])
{
  Cavity *c = NULL;

  PetscFunctionBegin;
  PetscCall(GetCavity(p, "PdProblemCavityGetNodeFields", PETSC_FALSE, &c));
  PetscCheck(c->da, p->comm, PETSC_ERR_ARG_WRONGSTATE, "PdProblemCavityGetNodeFields: set the problem up first");
  /* not !c->fields: only rank 0 has them, and the gather is collective (ranks > 0 would enter it alone) */
  if (c->fieldstep != c->step) PetscCall(PdCavityNodeFields(c));
  *N = c->n;
  for (int k = 0; k < 5; k++) fields[k] = c->fields ? c->fields + k * c->n * c->n : NULL;
  PetscFunctionReturn(0);
}

/* a family's system (every one the same): the pressure matrix on the family's 2D grid; its
   right-hand side 0 is a smooth random source, not f = 1 */
static PetscErrorCode FamilySetUp_Cavity(PdProblem p, PdFamily *f)
{
  PetscFunctionBegin;
  PetscCheck(f->dim == 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-dim %" PetscInt_FMT ": the cavity family is 2D", f->dim);
  f->rhs_ones = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode FamilyOperator_Cavity(PdProblem p, const PdFamily *f, PetscInt s, Mat A)
{
  PetscFunctionBegin;
  PetscCall(PdCavityPressureOperator(f->da, A));
  PetscFunctionReturn(0);
}

static PetscErrorCode FamilyDescribe_Cavity(PdProblem p, const PdFamily *f, const char grid[], char buf[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "cavity pressure %s", grid));
  PetscFunctionReturn(0);
}

/* -re R -n N [-dt] [-cfl 0.5] [-steady_tol 1e-6] [-div_tol 1e-6] [-t_max 200] [-monitor_every 100]
   [-o cavity.h5] [-vtk cavity.vts] [-png cavity.png] [-ghia_png profile.png] and the pressure KSP's
   options (-pressure_ksp_type, -pressure_pc_type, ...). N nodes per side including the walls. */
PetscErrorCode PdProblemCreate_Cavity(PdProblem p)
{
  Cavity *c;

  PetscFunctionBegin;
  PetscCall(PetscNew(&c));
  c->n                  = 65;
  c->every              = 100;
  c->re                 = 100;
  c->cfl                = 0.5;
  c->tol                = 1e-6;
  c->dtol               = 1e-6;
  c->tmax               = 200;
  c->change             = PETSC_MAX_REAL;
  c->fieldstep          = -1;
  p->data               = c;
  p->ops.setfromoptions = SetFromOptions_Cavity;
  p->ops.setup          = SetUp_Cavity;
  p->ops.solve          = Solve_Cavity;
  p->ops.writefields    = WriteFields_Cavity;
  p->ops.view           = View_Cavity;
  p->ops.destroy        = Destroy_Cavity;
  p->ops.familysetup    = FamilySetUp_Cavity;
  p->ops.familyoperator = FamilyOperator_Cavity;
  p->ops.familydescribe = FamilyDescribe_Cavity;
  PetscCall(PdProblemSetFields(p, &c->da, &c->X, &c->A, &c->b));
  PetscFunctionReturn(0);
}
