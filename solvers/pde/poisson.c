/* Poisson: -Laplace(u) = f with Dirichlet data. Finite differences on a node-based DMDA (5/7-point
   stencil) and P1 finite elements on a DMPlex (PETSc's PetscFE), and manufactured solutions; the
   `pdeop solve poisson` problem object is impls/poisson/poisson.c. */
#include "pde/interface/problemimpl.h"
#include <pdeop/poisson.h>
#include <pdeop/mesh.h>
#include <pdeop/solve.h>
#include <petscds.h>
#include <petscfe.h>
#include <petscsnes.h>

const char *const PdMMSTypes[] = {"none", "trig", "poly", "PdMMSType", "PD_MMS_", NULL};

/* trig: u = sin(pi x + 1/2) cos(2 pi y) cos(pi z), not zero on the boundary, so the Dirichlet data
   are exercised; poly: u = x^4 + x y^3 + y^4 (+ z^4 + x z^3), quartic so finite differences are not exact. */
PetscReal PdMMSExact(PdMMSType t, PetscInt dim, const PetscReal x[])
{
  PetscReal X = x[0], Y = dim > 1 ? x[1] : 0, Z = dim > 2 ? x[2] : 0;
  switch (t) {
  case PD_MMS_TRIG:
    return PetscSinReal(PETSC_PI * X + 0.5) * (dim > 1 ? PetscCosReal(2 * PETSC_PI * Y) : 1) * (dim > 2 ? PetscCosReal(PETSC_PI * Z) : 1);
  case PD_MMS_POLY:
    return X * X * X * X + (dim > 1 ? X * Y * Y * Y + Y * Y * Y * Y : 0) + (dim > 2 ? Z * Z * Z * Z + X * Z * Z * Z : 0);
  default:
    return 0;
  }
}

PetscReal PdMMSSource(PdMMSType t, PetscInt dim, const PetscReal x[])
{
  PetscReal X = x[0], Y = dim > 1 ? x[1] : 0, Z = dim > 2 ? x[2] : 0;
  switch (t) {
  case PD_MMS_TRIG: /* -Laplace of a product of modes: pi^2 (1 + 4 + 1) u */
    return PETSC_PI * PETSC_PI * (1.0 + (dim > 1 ? 4.0 : 0) + (dim > 2 ? 1.0 : 0)) * PdMMSExact(t, dim, x);
  case PD_MMS_POLY:
    return -(12 * X * X + (dim > 1 ? 6 * X * Y + 12 * Y * Y : 0) + (dim > 2 ? 12 * Z * Z + 6 * X * Z : 0));
  default:
    return 1.0; /* f = 1, u = 0 on the boundary */
  }
}

/* ------------------------------------------------------------------ finite differences */

typedef struct {
  PetscInt  dim, M, N, P;
  PetscReal hx, hy, hz, diag;
} Grid;

static PetscErrorCode GetGrid(DM da, Grid *g)
{
  PetscFunctionBegin;
  PetscCall(PdMeshGetGridSize(da, &g->dim, &g->M, &g->N, &g->P));
  g->hx   = 1.0 / (g->M - 1);
  g->hy   = g->dim > 1 ? 1.0 / (g->N - 1) : 1;
  g->hz   = g->dim > 2 ? 1.0 / (g->P - 1) : 1;
  g->diag = 2.0 / (g->hx * g->hx) + (g->dim > 1 ? 2.0 / (g->hy * g->hy) : 0) + (g->dim > 2 ? 2.0 / (g->hz * g->hz) : 0);
  PetscFunctionReturn(0);
}

static inline PetscBool OnBoundary(const Grid *g, PetscInt i, PetscInt j, PetscInt k)
{
  return (PetscBool)(i == 0 || i == g->M - 1 || (g->dim > 1 && (j == 0 || j == g->N - 1)) || (g->dim > 2 && (k == 0 || k == g->P - 1)));
}

/* the row at a node: diag alone on the boundary, else the stencil without the couplings to boundary nodes */
static PetscErrorCode LaplacianRow(void *ctx, MatStencil row, PetscInt *n, MatStencil col[], PetscScalar v[])
{
  const Grid *g = (const Grid *)ctx;

  PetscFunctionBegin;
  col[0] = row;
  v[0]   = g->diag;
  *n     = 1;
  if (OnBoundary(g, row.i, row.j, row.k)) PetscFunctionReturn(0);
  for (int d = 0; d < g->dim; d++)
    for (int s = -1; s <= 1; s += 2) {
      MatStencil c = row;
      PetscReal  h = d == 0 ? g->hx : d == 1 ? g->hy
                                             : g->hz;
      if (d == 0) c.i += s;
      else if (d == 1) c.j += s;
      else c.k += s;
      if (OnBoundary(g, c.i, c.j, c.k)) continue; /* lifted to the right-hand side */
      col[*n]   = c;
      v[(*n)++] = -1.0 / (h * h);
    }
  PetscFunctionReturn(0);
}

/*@
  PdPoissonFDOperator - assemble the finite-difference Laplacian on a node-based DMDA

  Interior rows: the (2 dim + 1)-point stencil scaled by 1/h^2, couplings to boundary nodes dropped
  (their values go to the right-hand side). Boundary rows: the interior diagonal times the identity.
  The matrix is symmetric positive definite.
@*/
PetscErrorCode PdPoissonFDOperator(DM da, Mat A)
{
  Grid g;

  PetscFunctionBegin;
  PetscCall(GetGrid(da, &g));
  PetscCall(PdDMDAAssembleSPD(da, A, LaplacianRow, &g));
  PetscFunctionReturn(0);
}

/*@ PdPoissonFDRHS - right-hand side: f inside, boundary data lifted, diag * g on boundary rows @*/
PetscErrorCode PdPoissonFDRHS(DM da, PdMMSType mms, Vec b)
{
  Grid     g;
  PetscInt xs, ys, zs, xm, ym, zm;
  Vec      bl;

  PetscFunctionBegin;
  PetscCall(GetGrid(da, &g));
  PetscCall(DMDAGetCorners(da, &xs, &ys, &zs, &xm, &ym, &zm));
  PetscCall(DMGetLocalVector(da, &bl));
  {
    PetscScalar *a;
    PetscCall(VecGetArray(bl, &a));
    PetscCall(VecRestoreArray(bl, &a));
  }
  PetscCall(VecSet(b, 0));
  {
    PetscScalar ***b3 = NULL, **b2 = NULL, *b1 = NULL;
    if (g.dim == 3) PetscCall(DMDAVecGetArray(da, b, &b3));
    else if (g.dim == 2) PetscCall(DMDAVecGetArray(da, b, &b2));
    else PetscCall(DMDAVecGetArray(da, b, &b1));
    for (PetscInt k = zs; k < zs + zm; k++)
      for (PetscInt j = ys; j < ys + ym; j++)
        for (PetscInt i = xs; i < xs + xm; i++) {
          PetscReal   x[3] = {i * g.hx, j * g.hy, k * g.hz};
          PetscScalar v;
          if (OnBoundary(&g, i, j, k)) v = g.diag * (mms ? PdMMSExact(mms, g.dim, x) : 0);
          else {
            v = PdMMSSource(mms, g.dim, x);
            for (int d = 0; d < g.dim; d++)
              for (int s = -1; s <= 1; s += 2) {
                PetscInt  c[3] = {i, j, k};
                PetscReal h    = d == 0 ? g.hx : d == 1 ? g.hy
                                                        : g.hz,
                          y[3];
                c[d] += s;
                if (!OnBoundary(&g, c[0], c[1], c[2]) || !mms) continue;
                y[0] = c[0] * g.hx;
                y[1] = c[1] * g.hy;
                y[2] = c[2] * g.hz;
                v += PdMMSExact(mms, g.dim, y) / (h * h);
              }
          }
          if (g.dim == 3) b3[k][j][i] = v;
          else if (g.dim == 2) b2[j][i] = v;
          else b1[i] = v;
        }
    if (g.dim == 3) PetscCall(DMDAVecRestoreArray(da, b, &b3));
    else if (g.dim == 2) PetscCall(DMDAVecRestoreArray(da, b, &b2));
    else PetscCall(DMDAVecRestoreArray(da, b, &b1));
  }
  PetscCall(DMRestoreLocalVector(da, &bl));
  PetscFunctionReturn(0);
}

/*@ PdPoissonFDError - discrete L2 error sqrt(h^d sum e^2) against the manufactured solution @*/
PetscErrorCode PdPoissonFDError(DM da, PdMMSType mms, Vec u, Vec err, PetscReal *l2)
{
  Grid               g;
  PetscInt           xs, ys, zs, xm, ym, zm, idx = 0;
  const PetscScalar *a;
  PetscScalar       *e = NULL;
  PetscReal          s = 0;

  PetscFunctionBegin;
  PetscCall(GetGrid(da, &g));
  PetscCall(DMDAGetCorners(da, &xs, &ys, &zs, &xm, &ym, &zm));
  PetscCall(VecGetArrayRead(u, &a));
  if (err) PetscCall(VecGetArray(err, &e));
  /* the local part of a DMDA global vector is ordered x fastest, then y, then z */
  for (PetscInt k = zs; k < zs + zm; k++)
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++, idx++) {
        PetscReal x[3] = {i * g.hx, j * g.hy, k * g.hz}, d = PetscRealPart(a[idx]) - PdMMSExact(mms, g.dim, x);
        s += d * d;
        if (e) e[idx] = d;
      }
  PetscCall(VecRestoreArrayRead(u, &a));
  if (err) PetscCall(VecRestoreArray(err, &e));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &s, 1, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject)da)));
  *l2 = PetscSqrtReal(s * g.hx * g.hy * g.hz);
  PetscFunctionReturn(0);
}

/* KSPSetComputeOperators callback: rediscretise on every multigrid level */
static PetscErrorCode ComputeOperators(KSP ksp, Mat A, Mat P, void *ctx)
{
  DM da;

  PetscFunctionBegin;
  PetscCall(KSPGetDM(ksp, &da));
  PetscCall(PdPoissonFDOperator(da, P));
  PetscFunctionReturn(0);
}

/* The FD solver of PdPoissonSolveFD and the poisson problem: the options' KSP (CG unless told;
   -pc_type mg rediscretises), the right-hand side b and the solution u (named "u") */
PetscErrorCode PdPoissonFDSetUp(DM da, PdMMSType mms, const char prefix[], KSP *ksp, Vec *b, Vec *u)
{
  PetscFunctionBegin;
  PetscCall(KSPCreate(PetscObjectComm((PetscObject)da), ksp));
  PetscCall(KSPSetOptionsPrefix(*ksp, prefix));
  PetscCall(KSPSetDM(*ksp, da));
  PetscCall(KSPSetComputeOperators(*ksp, ComputeOperators, NULL));
  PetscCall(KSPSetType(*ksp, KSPCG));
  PetscCall(KSPSetFromOptions(*ksp));
  PetscCall(PdKSPUseGalerkinMG(*ksp));
  PetscCall(DMCreateGlobalVector(da, b));
  PetscCall(DMCreateGlobalVector(da, u));
  PetscCall(PetscObjectSetName((PetscObject)*u, "u"));
  PetscCall(PdPoissonFDRHS(da, mms, *b));
  PetscFunctionReturn(0);
}

/*@ PdPoissonSolveFD - solve on a DMDA with the options' KSP (-pc_type mg rediscretises) @*/
PetscErrorCode PdPoissonSolveFD(DM da, PdMMSType mms, PdDict report, Vec *u, PetscReal *error)
{
  KSP ksp;
  Vec b;

  PetscFunctionBegin;
  PetscCall(PdPoissonFDSetUp(da, mms, NULL, &ksp, &b, u));
  PetscCall(PdKSPSolveReport(ksp, b, *u, report));
  *error = -1;
  if (mms) PetscCall(PdPoissonFDError(da, mms, *u, NULL, error));
  PetscCall(VecDestroy(&b));
  PetscCall(KSPDestroy(&ksp));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ P1 finite elements */

/* ------------------------------------------------------------------ -Laplace(u) + c u = f */

/*@ PdScalarProblemExact - the exact solution (the boundary data; 0 for mms none) @*/
PetscReal PdScalarProblemExact(const PdScalarProblem *pb, PetscInt dim, const PetscReal x[])
{
  if (pb->helmholtz) return PetscSinReal(pb->a1 * PETSC_PI * x[0]) * (dim > 1 ? PetscSinReal(pb->a2 * PETSC_PI * x[1]) : 1);
  return PdMMSExact(pb->mms, dim, x);
}

/*@ PdScalarProblemSource - f in -Laplace(u) + c u = f @*/
PetscReal PdScalarProblemSource(const PdScalarProblem *pb, PetscInt dim, const PetscReal x[])
{
  if (pb->helmholtz) { /* Delta u + k^2 u = q with q = -(a1^2 + a2^2) pi^2 u + k^2 u, and f = -q */
    const PetscReal w2 = (pb->a1 * pb->a1 + (dim > 1 ? pb->a2 * pb->a2 : 0)) * PETSC_PI * PETSC_PI;
    return (w2 - pb->k * pb->k) * PdScalarProblemExact(pb, dim, x);
  }
  return PdMMSSource(pb->mms, dim, x);
}

/*@ PdScalarProblemReaction - c in -Laplace(u) + c u = f (-k^2 for Helmholtz, 0 for Poisson) @*/
PetscReal PdScalarProblemReaction(const PdScalarProblem *pb)
{
  return pb->helmholtz ? -pb->k * pb->k : 0;
}

/*@ PdScalarProblemHasExact - whether the problem has a closed-form solution (not mms none) @*/
PetscBool PdScalarProblemHasExact(const PdScalarProblem *pb)
{
  return (PetscBool)(pb->helmholtz || pb->mms != PD_MMS_NONE);
}

/* the problem travels to the pointwise functions as the PetscDS constants */
#define PD_PROBLEM_NCONST 5
static void ProblemToConstants(const PdScalarProblem *pb, PetscScalar c[])
{
  c[0] = (PetscScalar)pb->mms;
  c[1] = pb->helmholtz ? 1 : 0;
  c[2] = pb->k;
  c[3] = pb->a1;
  c[4] = pb->a2;
}

static void ProblemFromConstants(const PetscScalar c[], PdScalarProblem *pb)
{
  pb->mms       = (PdMMSType)(PetscInt)PetscRealPart(c[0]);
  pb->helmholtz = (PetscBool)(PetscRealPart(c[1]) != 0);
  pb->k         = PetscRealPart(c[2]);
  pb->a1        = PetscRealPart(c[3]);
  pb->a2        = PetscRealPart(c[4]);
}

static void f0_u(PetscInt dim, PetscInt Nf, PetscInt NfAux, const PetscInt uOff[], const PetscInt uOff_x[], const PetscScalar u[], const PetscScalar u_t[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[], const PetscScalar a_t[], const PetscScalar a_x[], PetscReal t, const PetscReal x[], PetscInt numConstants, const PetscScalar constants[], PetscScalar f0[])
{
  PdScalarProblem pb;
  ProblemFromConstants(constants, &pb);
  f0[0] = PdScalarProblemReaction(&pb) * u[0] - PdScalarProblemSource(&pb, dim, x); /* (c u - f) v */
}

static void f1_u(PetscInt dim, PetscInt Nf, PetscInt NfAux, const PetscInt uOff[], const PetscInt uOff_x[], const PetscScalar u[], const PetscScalar u_t[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[], const PetscScalar a_t[], const PetscScalar a_x[], PetscReal t, const PetscReal x[], PetscInt numConstants, const PetscScalar constants[], PetscScalar f1[])
{
  for (PetscInt d = 0; d < dim; d++) f1[d] = u_x[d]; /* grad u . grad v */
}

static void g3_uu(PetscInt dim, PetscInt Nf, PetscInt NfAux, const PetscInt uOff[], const PetscInt uOff_x[], const PetscScalar u[], const PetscScalar u_t[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[], const PetscScalar a_t[], const PetscScalar a_x[], PetscReal t, PetscReal u_tShift, const PetscReal x[], PetscInt numConstants, const PetscScalar constants[], PetscScalar g3[])
{
  for (PetscInt d = 0; d < dim; d++) g3[d * dim + d] = 1.0;
}

static void g0_uu(PetscInt dim, PetscInt Nf, PetscInt NfAux, const PetscInt uOff[], const PetscInt uOff_x[], const PetscScalar u[], const PetscScalar u_t[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[], const PetscScalar a_t[], const PetscScalar a_x[], PetscReal t, PetscReal u_tShift, const PetscReal x[], PetscInt numConstants, const PetscScalar constants[], PetscScalar g0[])
{
  PdScalarProblem pb;
  ProblemFromConstants(constants, &pb);
  g0[0] = PdScalarProblemReaction(&pb);
}

/* the boundary data and exact solution; ctx is a PdScalarProblem */
static PetscErrorCode ExactFE(PetscInt dim, PetscReal time, const PetscReal x[], PetscInt Nc, PetscScalar *u, void *ctx)
{
  u[0] = PdScalarProblemExact((const PdScalarProblem *)ctx, dim, x);
  return 0;
}

/*@
  PdScalarSolveFEM - -Laplace(u) + c u = f with u = g on the boundary, P1 Lagrange elements on a
  simplicial DMPlex with PETSc's PetscFE

  The operator and right-hand side come from DMPlex's FEM assembly (residual at zero and Jacobian),
  the essential condition from the exact solution on the "boundary" label; the solve is the
  options' KSP (CG: the operator is SPD when c > -lambda_1). The error is DMComputeL2Diff against
  the exact solution (-1 without one). The problem is copied and kept with the DM, which then
  carries the field, its boundary condition and the problem (PdScalarGetProblem).
@*/
/* The P1 system of PdScalarSolveFEM and the poisson problem: the DM gets the field, the boundary
   condition and a copy of the problem; A, b (with the boundary data lifted), u (named "u", zero)
   and the options' KSP (CG unless told) on A */
PetscErrorCode PdScalarFEMSetUp(DM dm, const PdScalarProblem *problem, const char prefix[], Mat *A, Vec *b, Vec *u, KSP *ksp)
{
  MPI_Comm         comm = PetscObjectComm((PetscObject)dm);
  PetscFE          fe;
  PetscDS          ds;
  DMLabel          label;
  PetscInt         dim, id = 1;
  PetscScalar      c[PD_PROBLEM_NCONST];
  PdScalarProblem *pb;
  PetscContainer   box;
  PetscBool        simplex;

  PetscFunctionBegin;
  PetscCall(PetscNew(&pb));
  *pb = *problem;
  PetscCall(PetscContainerCreate(comm, &box));
  PetscCall(PetscContainerSetPointer(box, pb));
  PetscCall(PetscContainerSetUserDestroy(box, PetscContainerUserDestroyDefault));
  PetscCall(PetscObjectCompose((PetscObject)dm, "pdeop_scalar_problem", (PetscObject)box));
  PetscCall(PetscContainerDestroy(&box));
  ProblemToConstants(pb, c);
  PetscCall(DMGetDimension(dm, &dim));
  PetscCheck(!pb->helmholtz || dim == 2, comm, PETSC_ERR_SUP, "The Helmholtz benchmark is 2D; the mesh is %" PetscInt_FMT "D", dim);
  PetscCall(DMPlexIsSimplex(dm, &simplex));
  PetscCall(PetscFECreateLagrange(comm, dim, 1, simplex, 1, PETSC_DETERMINE, &fe));
  PetscCall(PetscObjectSetName((PetscObject)fe, "u"));
  PetscCall(DMSetField(dm, 0, NULL, (PetscObject)fe));
  PetscCall(DMCreateDS(dm));
  PetscCall(DMGetDS(dm, &ds));
  PetscCall(PetscDSSetResidual(ds, 0, f0_u, f1_u));
  PetscCall(PetscDSSetJacobian(ds, 0, 0, pb->helmholtz ? g0_uu : NULL, NULL, NULL, g3_uu));
  PetscCall(PetscDSSetConstants(ds, PD_PROBLEM_NCONST, c));
  PetscCall(DMGetLabel(dm, "boundary", &label));
  PetscCheck(label, comm, PETSC_ERR_ARG_WRONG, "The mesh has no \"boundary\" label (make it with PdMeshCreatePlex)");
  PetscCall(DMAddBoundary(dm, DM_BC_ESSENTIAL, "wall", label, 1, &id, 0, 0, NULL, (void (*)(void))ExactFE, NULL, pb, NULL));
  PetscCall(PetscFEDestroy(&fe));
  PetscCall(DMPlexSetSNESLocalFEM(dm, NULL, NULL, NULL));

  PetscCall(DMCreateGlobalVector(dm, u));
  PetscCall(PetscObjectSetName((PetscObject)*u, "u"));
  PetscCall(VecDuplicate(*u, b));
  PetscCall(DMCreateMatrix(dm, A));
  PetscCall(VecSet(*u, 0));
  /* linear problem: F(0) = -b with the boundary data lifted, J = A. SNES only assembles here (it
     moves between global and local vectors and inserts the boundary values); KSP solves. */
  {
    SNES snes;
    PetscCall(SNESCreate(comm, &snes));
    PetscCall(SNESSetDM(snes, dm));
    PetscCall(SNESComputeFunction(snes, *u, *b));
    PetscCall(VecScale(*b, -1));
    PetscCall(SNESComputeJacobian(snes, *u, *A, *A));
    PetscCall(SNESDestroy(&snes));
  }
  PetscCall(MatSetOption(*A, MAT_SPD, PETSC_TRUE));
  PetscCall(KSPCreate(comm, ksp));
  PetscCall(KSPSetOptionsPrefix(*ksp, prefix));
  PetscCall(KSPSetOperators(*ksp, *A, *A));
  PetscCall(KSPSetType(*ksp, KSPCG));
  PetscCall(KSPSetFromOptions(*ksp));
  PetscFunctionReturn(0);
}

/* the L2 distance of u to the exact solution (-1 without one) */
PetscErrorCode PdScalarFEMError(DM dm, const PdScalarProblem *pb, Vec u, PetscReal *error)
{
  PetscFunctionBegin;
  *error = -1;
  if (PdScalarProblemHasExact(pb)) {
    PetscErrorCode (*funcs[1])(PetscInt, PetscReal, const PetscReal[], PetscInt, PetscScalar *, void *) = {ExactFE};
    void *ctxs[1]                                                                                       = {(void *)pb};
    PetscCall(DMComputeL2Diff(dm, 0.0, funcs, ctxs, u, error));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PdScalarSolveFEM(DM dm, const PdScalarProblem *problem, PdDict report, Vec *u, PetscReal *error)
{
  const PdScalarProblem *pb;
  Mat                    A;
  Vec                    b;
  KSP                    ksp;

  PetscFunctionBegin;
  PetscCall(PdScalarFEMSetUp(dm, problem, NULL, &A, &b, u, &ksp));
  PetscCall(PdScalarGetProblem(dm, &pb));
  PetscCall(PdKSPSolveReport(ksp, b, *u, report));
  PetscCall(PdScalarFEMError(dm, pb, *u, error));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscCall(VecDestroy(&b));
  PetscFunctionReturn(0);
}

/*@ PdScalarGetProblem - the problem PdScalarSolveFEM solved on this DM (NULL if none) @*/
PetscErrorCode PdScalarGetProblem(DM dm, const PdScalarProblem **pb)
{
  PetscContainer box;
  void          *ptr = NULL;

  PetscFunctionBegin;
  PetscCall(PetscObjectQuery((PetscObject)dm, "pdeop_scalar_problem", (PetscObject *)&box));
  if (box) PetscCall(PetscContainerGetPointer(box, &ptr));
  *pb = (const PdScalarProblem *)ptr;
  PetscFunctionReturn(0);
}

/*@ PdScalarProjectExact - the exact solution interpolated into a (global) vector of the DM @*/
PetscErrorCode PdScalarProjectExact(DM dm, const PdScalarProblem *pb, Vec v)
{
  PetscErrorCode (*funcs[1])(PetscInt, PetscReal, const PetscReal[], PetscInt, PetscScalar *, void *) = {ExactFE};
  void *ctxs[1]                                                                                       = {(void *)pb};

  PetscFunctionBegin;
  PetscCall(DMProjectFunction(dm, 0.0, funcs, ctxs, INSERT_ALL_VALUES, v));
  PetscFunctionReturn(0);
}

/*@ PdPoissonSolveFEM - PdScalarSolveFEM for -Laplace(u) = f of a manufactured solution (or f = 1) @*/
PetscErrorCode PdPoissonSolveFEM(DM dm, PdMMSType mms, PdDict report, Vec *u, PetscReal *error)
{
  PdScalarProblem pb = {mms, PETSC_FALSE, 0, 0, 0};

  PetscFunctionBegin;
  PetscCall(PdScalarSolveFEM(dm, &pb, report, u, error));
  PetscFunctionReturn(0);
}
