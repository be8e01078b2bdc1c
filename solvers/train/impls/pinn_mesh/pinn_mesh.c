/* PdPinnMesh: physics-informed MLPs for -Laplace(u) + c u = f on 2D DMPlex meshes (Poisson, the
   Wang-Teng-Perdikaris Helmholtz benchmark), with collocation points drawn in the cells and on the
   boundary faces, fixed or annealed boundary weights, and errors against pdeop's own P1 FEM solution. */
#include "pinnmeshimpl.h"
#include <pdeop/options.h>
#include <petscdt.h>
#include <petscfe.h>

/*@ PdPinnMeshCreate - an empty mesh PINN with the defaults of Wang, Teng & Perdikaris @*/
PetscErrorCode PdPinnMeshCreate(MPI_Comm comm, PdPinnMesh *pinn)
{
  PdPinnMesh p;

  PetscFunctionBegin;
  PetscCall(PetscNew(&p));
  p->comm   = comm;
  p->pb.mms = PD_MMS_NONE;
  p->pb.k   = 1;
  p->pb.a1  = 1;
  p->pb.a2  = 4;
  p->batch  = 128;
  p->bbatch = 128;
  p->iters  = 10000;
  p->seed   = 1;
  PetscCall(PdPinnLossWeightInit(&p->lw, 1.0));
  p->rel_l2     = -1;
  p->rel_l2_fem = -1;
  p->fem_rel_l2 = -1;
  PetscCall(PdTapeCreate(comm, &p->tape));
  PetscCall(PdTapeCreate(comm, &p->etape));
  PetscCall(PdTapeSetGradEnabled(p->etape, PETSC_FALSE));
  *pinn = p;
  PetscFunctionReturn(0);
}

/*@ PdPinnMeshDestroy - free the mesh, the model, the tapes and the sampling tables @*/
PetscErrorCode PdPinnMeshDestroy(PdPinnMesh *pinn)
{
  PdPinnMesh p = *pinn;

  PetscFunctionBegin;
  if (!p) PetscFunctionReturn(0);
  PetscCall(PetscFree2(p->tri, p->carea));
  PetscCall(PetscFree2(p->seg, p->clen));
  PetscCall(PdDirSetDestroy(&p->dirs));
  PetscCall(PdOptimDestroy(&p->optim));
  PetscCall(NOpDestroy(&p->nop));
  PetscCall(PdTapeDestroy(&p->tape));
  PetscCall(PdTapeDestroy(&p->etape));
  PetscCall(DMDestroy(&p->dm));
  PetscCall(PetscFree(*pinn));
  PetscFunctionReturn(0);
}

/* triangles and boundary edges of the mesh with cumulative measures, for sampling */
static PetscErrorCode SamplingTables(PdPinnMesh p)
{
  DM           cdm;
  Vec          coords;
  PetscInt     cStart, cEnd, fStart, fEnd, dim, nb = 0;
  PetscScalar *xc = NULL;

  PetscFunctionBegin;
  PetscCall(DMGetDimension(p->dm, &dim));
  PetscCheck(dim == 2, p->comm, PETSC_ERR_SUP, "Mesh PINNs are 2D; the mesh is %" PetscInt_FMT "D", dim);
  PetscCall(DMGetCoordinateDM(p->dm, &cdm));
  PetscCall(DMGetCoordinatesLocal(p->dm, &coords));
  PetscCall(DMPlexGetHeightStratum(p->dm, 0, &cStart, &cEnd));
  PetscCall(DMPlexGetHeightStratum(p->dm, 1, &fStart, &fEnd));
  for (PetscInt f = fStart; f < fEnd; f++) {
    PetscInt s;
    PetscCall(DMPlexGetSupportSize(p->dm, f, &s));
    if (s == 1) nb++;
  }
  p->ncell = cEnd - cStart;
  p->nseg  = nb;
  PetscCheck(p->ncell > 0 && nb > 0, p->comm, PETSC_ERR_ARG_WRONG, "The mesh has %" PetscInt_FMT " cells and %" PetscInt_FMT " boundary faces", p->ncell, nb);
  PetscCall(PetscMalloc2(6 * p->ncell, &p->tri, p->ncell, &p->carea));
  PetscCall(PetscMalloc2(4 * nb, &p->seg, nb, &p->clen));
  p->area     = 0;
  p->lower[0] = p->lower[1] = PETSC_MAX_REAL;
  p->upper[0] = p->upper[1] = PETSC_MIN_REAL;
  for (PetscInt c = cStart; c < cEnd; c++) {
    PetscInt n = 0;
    double  *t = p->tri + 6 * (c - cStart), a;
    PetscCall(DMPlexVecGetClosure(cdm, NULL, coords, c, &n, &xc));
    if (n != 6) PetscCall(DMPlexVecRestoreClosure(cdm, NULL, coords, c, &n, &xc));
    PetscCheck(n == 6, p->comm, PETSC_ERR_SUP, "Mesh PINNs need triangles; cell %" PetscInt_FMT " has %" PetscInt_FMT " vertices", c, n / 2);
    for (int k = 0; k < 6; k++) t[k] = PetscRealPart(xc[k]);
    PetscCall(DMPlexVecRestoreClosure(cdm, NULL, coords, c, &n, &xc));
    for (int k = 0; k < 3; k++)
      for (int i = 0; i < 2; i++) {
        p->lower[i] = PetscMin(p->lower[i], t[2 * k + i]);
        p->upper[i] = PetscMax(p->upper[i], t[2 * k + i]);
      }
    a = 0.5 * PetscAbsReal((t[2] - t[0]) * (t[5] - t[1]) - (t[4] - t[0]) * (t[3] - t[1]));
    p->area += a;
    p->carea[c - cStart] = p->area;
  }
  p->perimeter = 0;
  nb           = 0;
  for (PetscInt f = fStart; f < fEnd; f++) {
    PetscInt s, n = 0;
    double  *e = p->seg + 4 * nb;
    PetscCall(DMPlexGetSupportSize(p->dm, f, &s));
    if (s != 1) continue;
    PetscCall(DMPlexVecGetClosure(cdm, NULL, coords, f, &n, &xc));
    for (int k = 0; k < 4; k++) e[k] = PetscRealPart(xc[k]);
    PetscCall(DMPlexVecRestoreClosure(cdm, NULL, coords, f, &n, &xc));
    p->perimeter += PetscSqrtReal((e[2] - e[0]) * (e[2] - e[0]) + (e[3] - e[1]) * (e[3] - e[1]));
    p->clen[nb++] = p->perimeter;
  }
  PetscFunctionReturn(0);
}

/* the first index whose cumulative value exceeds u (cum increasing, cum[n-1] = total) */
static PetscInt Pick(const double *cum, PetscInt n, double u)
{
  PetscInt lo = 0, hi = n - 1;
  while (lo < hi) {
    PetscInt mid = (lo + hi) / 2;
    if (cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/*@
  PdPinnMeshSampleInterior - n points uniform in the mesh (a triangle with probability proportional
  to its area, then uniform in it by folded barycentric coordinates)
@*/
PetscErrorCode PdPinnMeshSampleInterior(PdPinnMesh p, PdRng *rng, PetscInt n, float x[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) {
    const double *t = p->tri + 6 * Pick(p->carea, p->ncell, PdRngUniform(rng) * p->area);
    double        r = PdRngUniform(rng), s = PdRngUniform(rng);
    if (r + s > 1) r = 1 - r, s = 1 - s;
    x[2 * k]     = (float)(t[0] + r * (t[2] - t[0]) + s * (t[4] - t[0]));
    x[2 * k + 1] = (float)(t[1] + r * (t[3] - t[1]) + s * (t[5] - t[1]));
  }
  PetscFunctionReturn(0);
}

/*@ PdPinnMeshSampleBoundary - n points uniform on the boundary faces (by length) @*/
PetscErrorCode PdPinnMeshSampleBoundary(PdPinnMesh p, PdRng *rng, PetscInt n, float x[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) {
    const double *e = p->seg + 4 * Pick(p->clen, p->nseg, PdRngUniform(rng) * p->perimeter);
    double        r = PdRngUniform(rng);
    x[2 * k]        = (float)(e[0] + r * (e[2] - e[0]));
    x[2 * k + 1]    = (float)(e[1] + r * (e[3] - e[1]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildModel(PdPinnMesh p)
{
  PetscFunctionBegin;
  PetscCall(PdPinnCreateMLP(p->comm, 2, 50, 3, p->seed, PETSC_TRUE, &p->nop, &p->optim));
  /* the reference code's exponential decay, 0.9 per 1000 steps, continuous */
  PetscCall(PdOptimSetSchedule(p->optim, PD_SCHEDULE_STEP, PetscMax(p->iters, 1), 1, PetscPowReal(0.9, 1e-3)));
  PetscCall(PdOptimSetFromOptions(p->optim));
  PetscCall(PdOptimWarnInapplicable(p->optim));
  PetscFunctionReturn(0);
}

/*@
  PdPinnMeshSetFromOptions - the problem, the mesh, the weights and the training options

  Options: -pde poisson|helmholtz, -mms [-mms_type trig|poly] (Poisson: a manufactured solution;
  without it f = 1 and u = 0 on the boundary), -helmholtz_k, -helmholtz_a a1,a2, the mesh's
  (-mesh file.msh, or the box: -dm_plex_box_faces, -dm_plex_box_lower/upper; Helmholtz's box is
  [-1, 1]^2), -dm_refine, -batch, -boundary_batch, -iters, -seed, -boundary_weight,
  -pinn_weights fixed|annealing, -annealing_alpha, -annealing_every, -annealing_form weighted|unweighted,
  -log file.csv, the mlp's (-mlp_width 50 -mlp_depth 3 -mlp_activation tanh) and the optimizer's.
@*/
PetscErrorCode PdPinnMeshSetFromOptions(PdPinnMesh p)
{
  const char *pdes[] = {"poisson", "helmholtz"};
  PetscInt    pde = p->pb.helmholtz ? 1 : 0, na = 2;
  PetscBool   mms = PETSC_FALSE, mmsset = PETSC_FALSE;
  PetscReal   a[2] = {p->pb.a1, p->pb.a2}, lo[2] = {0, 0}, up[2] = {1, 1};
  PdMMSType   mt = PD_MMS_TRIG;

  PetscFunctionBegin;
  PetscOptionsBegin(p->comm, NULL, "pdeop pinn -domain mesh: physics-informed networks on a 2D DMPlex mesh", "PdPinnMesh");
  PetscCall(PdOptionsEList("-pde", "-Delta u = f (poisson) or Delta u + k^2 u = q (helmholtz, Wang-Teng-Perdikaris)", "PdPinnMeshSetFromOptions", pdes, 2, pdes[pde], &pde, NULL));
  PetscCall(PetscOptionsBool("-mms", "Poisson: the manufactured solution (trig unless -mms_type); otherwise f = 1, u = 0 on the boundary", "", mms, &mms, NULL));
  PetscCall(PdOptionsEnum("-mms_type", "Manufactured solution", "", PdMMSTypes, (PetscEnum)mt, (PetscEnum *)&mt, &mmsset));
  PetscCall(PdOptionsReal("-helmholtz_k", "Helmholtz: k", "", p->pb.k, &p->pb.k, NULL));
  PetscCall(PdOptionsRealArray("-helmholtz_a", "Helmholtz: u = sin(a1 pi x) sin(a2 pi y)", "", a, &na, NULL));
  PetscCall(PdOptionsInt("-batch", "Residual points per iteration (in the cells)", "", p->batch, &p->batch, NULL));
  PetscCall(PdOptionsInt("-boundary_batch", "Boundary points per iteration (on the boundary faces)", "", p->bbatch, &p->bbatch, NULL));
  PetscCall(PdTrainerOptionSteps(PetscOptionsObject, p->comm, "", &p->iters));
  PetscCall(PdOptionsInt("-seed", "Seed of the initialisation and the sampling", "", p->seed, &p->seed, NULL));
  PetscCall(PdOptionsReal("-boundary_weight", "Weight of the boundary loss (the initial one with annealing)", "", p->lw.weight0, &p->lw.weight0, NULL));
  PetscCall(PdPinnLossWeightOptions(PetscOptionsObject, &p->lw));
  PetscCall(PetscOptionsString("-log", "CSV of iteration, residual loss, boundary loss, boundary weight (every -annealing_every)", "", p->log, p->log, sizeof(p->log), NULL));
  PetscOptionsEnd();
  p->pb.helmholtz = (PetscBool)(pde == 1);
  p->pb.mms       = (!p->pb.helmholtz && (mms || mmsset)) ? mt : PD_MMS_NONE;
  if (na >= 1) p->pb.a1 = a[0];
  if (na >= 2) p->pb.a2 = a[1];
  PetscCheck(!(p->pb.helmholtz && mmsset), p->comm, PETSC_ERR_ARG_INCOMP, "-mms_type is for -pde poisson; Helmholtz has its own solution (-helmholtz_a)");
  PetscCheck(p->batch >= 1 && p->bbatch >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-batch and -boundary_batch must be at least 1, got %" PetscInt_FMT " and %" PetscInt_FMT, p->batch, p->bbatch);
  PetscCheck(p->iters >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-iters must be non-negative, got %" PetscInt_FMT, p->iters);
  PetscCheck(p->seed >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-seed must be non-negative, got %" PetscInt_FMT, p->seed);
  PetscCheck(p->lw.weight0 > 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-boundary_weight must be positive, got %g", p->lw.weight0);
  PetscCall(PdPinnLossWeightCheck(p->comm, &p->lw));
  PetscCheck(p->pb.k >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-helmholtz_k must be non-negative, got %g", (double)p->pb.k);
  if (p->pb.helmholtz) lo[0] = lo[1] = -1; /* the benchmark's square */
  PetscCall(PdMeshCreatePlexBox(p->comm, 2, lo, up, &p->dm));
  PetscCall(BuildModel(p));
  PetscFunctionReturn(0);
}

/*@ PdPinnMeshSetUp - sampling tables, the Laplacian's axes and the sampling stream @*/
PetscErrorCode PdPinnMeshSetUp(PdPinnMesh p)
{
  PetscMPIInt size;
  PdRng       none;

  PetscFunctionBegin;
  if (p->setup) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_size(p->comm, &size));
  PetscCheck(size == 1, p->comm, PETSC_ERR_SUP, "pdeop pinn runs on one MPI rank (BLAS threads use the cores)");
  PetscCheck(p->dm && p->nop, p->comm, PETSC_ERR_ARG_WRONGSTATE, "Call PdPinnMeshSetFromOptions first");
  PetscCall(SamplingTables(p));
  PetscCall(PdDiffOpLaplacian(PD_DIR_SPARSE, &p->op));
  PetscCall(PdRngSeed(&none, 0, PD_RNG_STREAM_MAIN)); /* the exact estimator draws nothing */
  PetscCall(PdDirSetSample(&p->op, PD_EST_EXACT, 1, p->batch, 2, &none, &p->dirs));
  PetscCall(PdRngSeed(&p->rng, (uint64_t)p->seed, PD_RNG_STREAM_PINN_MESH));
  p->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode NetworkForward(void *ctx, PdTensor x, PdTensor *u)
{
  PdPinnMesh p = (PdPinnMesh)ctx;

  PetscFunctionBegin;
  PetscCall(NOpForward(p->nop, p->etape, x, u));
  PetscFunctionReturn(0);
}

/*@ PdPinnMeshPredict - the network's u at n points x [n, 2] @*/
PetscErrorCode PdPinnMeshPredict(PdPinnMesh p, PetscInt n, const float x[], float u[])
{
  PetscFunctionBegin;
  PetscCall(PdPinnPredictChunks(p->etape, 2, 4096, n, x, u, NetworkForward, p));
  PetscFunctionReturn(0);
}

static PetscErrorCode ModelForward(void *ctx, PdTensor x, PdTensor *u)
{
  PetscFunctionBegin;
  PetscCall(NOpForward((NOp)ctx, x->tape, x, u));
  PetscFunctionReturn(0);
}

/*@ PdPinnMeshPredictModel - u at n points x [n, 2] of a mesh PINN's network alone (as
  PdPinnMeshLoadProblem returns it), in chunks on a tape of its own @*/
PetscErrorCode PdPinnMeshPredictModel(NOp nop, PetscInt n, const float x[], float u[])
{
  PdTape tape;

  PetscFunctionBegin;
  PetscCall(PdTapeCreate(PetscObjectComm((PetscObject)nop), &tape));
  PetscCall(PdTapeSetGradEnabled(tape, PETSC_FALSE));
  PetscCall(PdPinnPredictChunks(tape, 2, 4096, n, x, u, ModelForward, nop));
  PetscCall(PdTapeDestroy(&tape));
  PetscFunctionReturn(0);
}

/* u_h: the FEM solution as a local vector with the boundary values inserted */
static PetscErrorCode FEMLocal(DM dm, Vec u, Vec *loc)
{
  PetscFunctionBegin;
  PetscCall(DMCreateLocalVector(dm, loc));
  PetscCall(DMGlobalToLocal(dm, u, INSERT_VALUES, *loc));
  PetscCall(DMPlexInsertBoundaryValues(dm, PETSC_TRUE, *loc, 0.0, NULL, NULL, NULL));
  PetscFunctionReturn(0);
}

/*@
  PdPinnMeshEvaluate - solve the same problem with P1 finite elements on the mesh (the options' KSP,
  CG by default) and integrate, cell by cell with a degree-8 simplex quadrature, the PINN's error
  against the FEM solution (rel_l2_fem) and, when the problem has one, against the exact solution
  (rel_l2; otherwise rel_l2 = rel_l2_fem), and the FEM solution's own error (fem_rel_l2).
  Optionally returns the P1 fields of the PINN and of PINN - FEM at the vertices, on a DM without
  boundary conditions (for output).
@*/
PetscErrorCode PdPinnMeshEvaluate(PdPinnMesh p, PdDict report, DM *dmout, Vec *upinn, Vec *uerr)
{
  PdDict           r;
  Vec              uh, loc;
  PetscReal        femerr;
  PetscQuadrature  q;
  PetscInt         qdim, qnc, nq, cStart, cEnd;
  const PetscReal *qp, *qw;
  float           *xq, *uq;
  double           e_fem = 0, n_fem = 0, e_ex = 0, n_ex = 0, e_fex = 0;
  DM               cdm;
  Vec              coords;
  PetscBool        exact = PdScalarProblemHasExact(&p->pb);

  PetscFunctionBegin;
  PetscCall(PdPinnMeshSetUp(p));
  PetscCall(PdDictCreate(&r));
  PetscCall(PdScalarSolveFEM(p->dm, &p->pb, r, &uh, &femerr));
  {
    PetscInt64 its;
    PetscCall(PdDictGetInt(r, "iterations", &its));
    p->fem_its = (PetscInt)its;
  }
  PetscCall(PdDictDestroy(&r));
  PetscCall(FEMLocal(p->dm, uh, &loc));
  PetscCall(PetscDTSimplexQuadrature(2, 8, PETSCDTSIMPLEXQUAD_DEFAULT, &q));
  PetscCall(PetscQuadratureGetData(q, &qdim, &qnc, &nq, &qp, &qw));
  PetscCall(DMGetCoordinateDM(p->dm, &cdm));
  PetscCall(DMGetCoordinatesLocal(p->dm, &coords));
  PetscCall(DMPlexGetHeightStratum(p->dm, 0, &cStart, &cEnd));
  PetscCall(PetscMalloc2(2 * nq * (cEnd - cStart), &xq, nq * (cEnd - cStart), &uq));
  for (PetscInt c = cStart; c < cEnd; c++) { /* the quadrature points, mapped from PETSc's reference triangle (-1,-1), (1,-1), (-1,1) */
    const double *t = p->tri + 6 * (c - cStart);
    for (PetscInt i = 0; i < nq; i++) {
      double l1 = 0.5 * (qp[2 * i] + 1), l2 = 0.5 * (qp[2 * i + 1] + 1), l0 = 1 - l1 - l2;
      xq[2 * ((c - cStart) * nq + i)]     = (float)(l0 * t[0] + l1 * t[2] + l2 * t[4]);
      xq[2 * ((c - cStart) * nq + i) + 1] = (float)(l0 * t[1] + l1 * t[3] + l2 * t[5]);
    }
  }
  PetscCall(PdPinnMeshPredict(p, nq * (cEnd - cStart), xq, uq));
  for (PetscInt c = cStart; c < cEnd; c++) {
    const double *t   = p->tri + 6 * (c - cStart);
    const double  jac = 0.25 * PetscAbsReal((t[2] - t[0]) * (t[5] - t[1]) - (t[4] - t[0]) * (t[3] - t[1])); /* area / reference area 2 */
    PetscScalar  *uc = NULL, *xc = NULL;
    PetscInt      nu = 0, nx = 0;
    PetscCall(DMPlexVecGetClosure(p->dm, NULL, loc, c, &nu, &uc));
    PetscCall(DMPlexVecGetClosure(cdm, NULL, coords, c, &nx, &xc));
    PetscCheck(nu == 3 && nx == 6, p->comm, PETSC_ERR_PLIB, "P1 closure of cell %" PetscInt_FMT " has %" PetscInt_FMT " values", c, nu);
    for (int k = 0; k < 6; k++) PetscCheck(PetscRealPart(xc[k]) == t[k], p->comm, PETSC_ERR_PLIB, "Cell %" PetscInt_FMT ": the closure's vertex order changed", c);
    for (PetscInt i = 0; i < nq; i++) {
      double    l1 = 0.5 * (qp[2 * i] + 1), l2 = 0.5 * (qp[2 * i + 1] + 1), l0 = 1 - l1 - l2, w = qw[i] * jac;
      double    h    = l0 * PetscRealPart(uc[0]) + l1 * PetscRealPart(uc[1]) + l2 * PetscRealPart(uc[2]);
      double    th   = uq[(c - cStart) * nq + i];
      PetscReal x[2] = {l0 * t[0] + l1 * t[2] + l2 * t[4], l0 * t[1] + l1 * t[3] + l2 * t[5]};
      e_fem += w * (th - h) * (th - h);
      n_fem += w * h * h;
      if (exact) {
        double ue = PdScalarProblemExact(&p->pb, 2, x);
        e_ex += w * (th - ue) * (th - ue);
        n_ex += w * ue * ue;
        e_fex += w * (h - ue) * (h - ue);
      }
    }
    PetscCall(DMPlexVecRestoreClosure(cdm, NULL, coords, c, &nx, &xc));
    PetscCall(DMPlexVecRestoreClosure(p->dm, NULL, loc, c, &nu, &uc));
  }
  PetscCall(PetscFree2(xq, uq));
  PetscCall(PetscQuadratureDestroy(&q));
  p->rel_l2_fem = n_fem > 0 ? PetscSqrtReal(e_fem / n_fem) : PetscSqrtReal(e_fem);
  p->rel_l2     = exact ? (n_ex > 0 ? PetscSqrtReal(e_ex / n_ex) : PetscSqrtReal(e_ex)) : p->rel_l2_fem;
  p->fem_rel_l2 = exact ? (n_ex > 0 ? PetscSqrtReal(e_fex / n_ex) : PetscSqrtReal(e_fex)) : -1;
  if (report) {
    PetscCall(PdDictSetReal(report, "fem_l2_error_petsc", femerr)); /* DMComputeL2Diff, absolute */
    PetscCall(PdDictSetReal(report, "fem_l2_error", exact ? PetscSqrtReal(e_fex) : -1));
  }
  if (dmout) { /* P1 fields at the vertices on a DM without boundary conditions */
    DM                 dmo;
    PetscFE            fe;
    PetscSection       so, sh, cs;
    Vec                lo;
    PetscScalar       *ao, *ah;
    const PetscScalar *ax;
    PetscInt           vStart, vEnd;
    float             *xv, *uv;
    PetscCall(DMClone(p->dm, &dmo));
    PetscCall(PetscFECreateLagrange(p->comm, 2, 1, PETSC_TRUE, 1, PETSC_DETERMINE, &fe));
    PetscCall(DMSetField(dmo, 0, NULL, (PetscObject)fe));
    PetscCall(DMCreateDS(dmo));
    PetscCall(PetscFEDestroy(&fe));
    PetscCall(DMGetLocalSection(dmo, &so));
    PetscCall(DMGetLocalSection(p->dm, &sh));
    PetscCall(DMGetCoordinateSection(p->dm, &cs));
    PetscCall(DMPlexGetDepthStratum(p->dm, 0, &vStart, &vEnd));
    PetscCall(DMCreateLocalVector(dmo, &lo));
    PetscCall(DMCreateGlobalVector(dmo, upinn));
    PetscCall(DMCreateGlobalVector(dmo, uerr));
    PetscCall(PetscObjectSetName((PetscObject)*upinn, "pinn"));
    PetscCall(PetscObjectSetName((PetscObject)*uerr, "error"));
    PetscCall(PetscMalloc2(2 * (vEnd - vStart), &xv, vEnd - vStart, &uv));
    PetscCall(VecGetArrayRead(coords, &ax));
    for (PetscInt v = vStart; v < vEnd; v++) {
      PetscInt oc;
      PetscCall(PetscSectionGetOffset(cs, v, &oc));
      xv[2 * (v - vStart)]     = (float)PetscRealPart(ax[oc]);
      xv[2 * (v - vStart) + 1] = (float)PetscRealPart(ax[oc + 1]);
    }
    PetscCall(VecRestoreArrayRead(coords, &ax));
    PetscCall(PdPinnMeshPredict(p, vEnd - vStart, xv, uv));
    PetscCall(VecGetArray(lo, &ao));
    for (PetscInt v = vStart; v < vEnd; v++) {
      PetscInt oo;
      PetscCall(PetscSectionGetOffset(so, v, &oo));
      ao[oo] = uv[v - vStart];
    }
    PetscCall(PetscFree2(xv, uv));
    PetscCall(VecRestoreArray(lo, &ao));
    PetscCall(DMLocalToGlobal(dmo, lo, INSERT_VALUES, *upinn));
    PetscCall(VecGetArray(lo, &ao));
    PetscCall(VecGetArray(loc, &ah));
    for (PetscInt v = vStart; v < vEnd; v++) {
      PetscInt oo, oh;
      PetscCall(PetscSectionGetOffset(so, v, &oo));
      PetscCall(PetscSectionGetOffset(sh, v, &oh));
      ao[oo] -= ah[oh];
    }
    PetscCall(VecRestoreArray(loc, &ah));
    PetscCall(VecRestoreArray(lo, &ao));
    PetscCall(DMLocalToGlobal(dmo, lo, INSERT_VALUES, *uerr));
    PetscCall(VecDestroy(&lo));
    *dmout = dmo;
  }
  PetscCall(VecDestroy(&loc));
  PetscCall(VecDestroy(&uh));
  PetscFunctionReturn(0);
}

/*@ PdPinnMeshReport - errors, time, the problem and the training set-up in a dictionary @*/
PetscErrorCode PdPinnMeshReport(PdPinnMesh p, PdDict report)
{
  PetscInt np, cells = p->ncell;

  PetscFunctionBegin;
  PetscCall(NOpGetParamCount(p->nop, &np));
  if (p->rel_l2 >= 0) PetscCall(PdDictSetReal(report, "rel_l2", p->rel_l2));
  if (p->rel_l2_fem >= 0) PetscCall(PdDictSetReal(report, "rel_l2_fem", p->rel_l2_fem));
  if (p->fem_rel_l2 >= 0) PetscCall(PdDictSetReal(report, "fem_rel_l2", p->fem_rel_l2));
  if (p->rel_l2_fem >= 0) PetscCall(PdDictSetInt(report, "fem_iterations", p->fem_its));
  PetscCall(PdDictSetReal(report, "s_per_iter", p->it ? p->train_time / (double)p->it : 0.0));
  PetscCall(PdDictSetInt(report, "iters", p->it));
  PetscCall(PdDictSetReal(report, "loss", p->loss));
  PetscCall(PdDictSetReal(report, "residual_loss", p->loss_r));
  PetscCall(PdDictSetReal(report, "boundary_loss", p->loss_b));
  PetscCall(PdDictSetReal(report, "boundary_weight", p->lw.weight));
  PetscCall(PdDictSetString(report, "pinn_weights", PdPinnWeightsTypes[p->lw.mode]));
  PetscCall(PdDictSetReal(report, "train_time_s", p->train_time));
  PetscCall(PdDictSetString(report, "domain", "mesh"));
  {
    PetscInt64 seed;
    PetscCall(NOpGetSeed(p->nop, &seed)); /* the model's: the PINN's -seed */
    PetscCall(PdDictSetInt(report, "seed", seed));
  }
  PetscCall(PdDictSetString(report, "pde", p->pb.helmholtz ? "helmholtz" : "poisson"));
  if (!p->pb.helmholtz) PetscCall(PdDictSetString(report, "mms", PdMMSTypes[p->pb.mms]));
  PetscCall(PdDictSetInt(report, "dim", 2));
  PetscCall(PdDictSetInt(report, "cells", cells));
  PetscCall(PdDictSetInt(report, "batch", p->batch));
  PetscCall(PdDictSetInt(report, "boundary_batch", p->bbatch));
  PetscCall(PdDictSetInt(report, "params", np));
  PetscFunctionReturn(0);
}

/*@
  PdPinnMeshSave - checkpoint: the mlp, Adam's state, iterations and the problem (attributes
  pinn_domain = mesh, pinn_pde, pinn_mms, pinn_helmholtz_k, pinn_helmholtz_a1/a2, pinn_boundary_weight)
@*/
PetscErrorCode PdPinnMeshSave(PdPinnMesh p, const char file[])
{
  PdDict   meta;
  PdParams params;

  PetscFunctionBegin;
  PetscCall(PdDictCreate(&meta));
  PetscCall(NOpGetMeta(p->nop, meta));
  PetscCall(PdDictSetString(meta, "pinn_domain", "mesh"));
  PetscCall(PdDictSetString(meta, "pinn_pde", p->pb.helmholtz ? "helmholtz" : "poisson"));
  PetscCall(PdDictSetString(meta, "pinn_mms", PdMMSTypes[p->pb.mms]));
  PetscCall(PdDictSetReal(meta, "pinn_helmholtz_k", p->pb.k));
  PetscCall(PdDictSetReal(meta, "pinn_helmholtz_a1", p->pb.a1));
  PetscCall(PdDictSetReal(meta, "pinn_helmholtz_a2", p->pb.a2));
  PetscCall(PdDictSetReal(meta, "pinn_boundary_weight", p->lw.weight));
  PetscCall(PdDictSetString(meta, "pinn_weights", PdPinnWeightsTypes[p->lw.mode]));
  PetscCall(NOpGetParams(p->nop, &params));
  PetscCall(PdCheckpointWrite(p->comm, file, meta, params, p->optim, p->it));
  PetscCall(PdDictDestroy(&meta));
  PetscFunctionReturn(0);
}

/*@
  PdPinnMeshLoadProblem - from a mesh PINN checkpoint: the network and the problem it solved
  (flg false if the file is another kind of checkpoint)
@*/
PetscErrorCode PdPinnMeshLoadProblem(MPI_Comm comm, const char file[], PetscBool *flg, NOp *nop, PdScalarProblem *pb)
{
  PdDict      meta;
  const char *s;
  PetscBool   has;

  PetscFunctionBegin;
  *flg = PETSC_FALSE;
  PetscCall(PdCheckpointReadMeta(comm, file, &meta, NULL));
  PetscCall(PdDictHas(meta, "pinn_domain", &has));
  if (has) {
    PetscCall(PdDictGetString(meta, "pinn_domain", &s));
    PetscCall(PetscStrcmp(s, "mesh", flg));
  }
  if (*flg) {
    PetscInt v = PD_MMS_NONE;
    PetscCall(PdDictGetString(meta, "pinn_pde", &s));
    PetscCall(PetscStrcmp(s, "helmholtz", &pb->helmholtz));
    PetscCall(PdDictGetString(meta, "pinn_mms", &s));
    for (PetscInt k = 0; k < 3; k++) {
      PetscBool same;
      PetscCall(PetscStrcmp(s, PdMMSTypes[k], &same));
      if (same) v = k;
    }
    pb->mms = (PdMMSType)v;
    PetscCall(PdDictGetReal(meta, "pinn_helmholtz_k", &pb->k));
    PetscCall(PdDictGetReal(meta, "pinn_helmholtz_a1", &pb->a1));
    PetscCall(PdDictGetReal(meta, "pinn_helmholtz_a2", &pb->a2));
  }
  PetscCall(PdDictDestroy(&meta));
  if (*flg) PetscCall(NOpLoad(comm, file, nop, NULL));
  PetscFunctionReturn(0);
}
