/* `pdeop solve cavity`: the lid-driven cavity on a staggered (MAC) grid stored in a PETSc DMDA,
   marched to steady state by a projection method: Adams-Bashforth 2 for advection (conservative
   central differences), explicit viscosity, and a pressure Poisson equation solved by a KSP with the
   prefix "pressure_" (any -pressure_ksp_type / -pressure_pc_type, learned ones included). */
#include <petscdmda.h>
#include <pdeop/pdeop.h>
#include <pdeop/solve.h>
#include <pdeop/output.h>

#include "ghia1982.h"

/* The state: one DMDA of (nc+1) x (nc+1) points and 3 fields per point: U = u on the face
   x = i h, y = (j + 1/2) h; V = v on the face x = (i + 1/2) h, y = j h; P = pressure of cell (i, j).
   Entries outside the grid (U with j = nc, V with i = nc, P on the last row/column) are unused. */
typedef struct {
  PetscScalar u, v, p;
} Cell;

typedef struct {
  PetscInt  nc;
  PetscReal h, re, dt;
  DM        da, pda;   /* the state; the pressure (same layout, 1 field) */
  Vec       X, Xl;     /* state, with ghosts */
  Vec       N0, N1;    /* advection terms of the previous and current step (fields u, v) */
  Mat       A;
  Vec       b, p;
  KSP       ksp;
} Cavity;

/*@
  PdCavityPressureOperator - the cavity's pressure matrix on an n x n DMDA (one field): -h^2 Laplace
  with zero Neumann conditions on the (n-1) x (n-1) cells, the pressure of cell (0,0) fixed to 0 (its
  row is the identity and its couplings are dropped: symmetric positive definite), and identity rows
  for the unused last row and column of points.
@*/
PetscErrorCode PdCavityPressureOperator(DM pda, Mat A)
{
  PetscInt xs, ys, xm, ym, n;
  struct {
    PetscInt nc;
    Mat      A;
  } cc, *c = &cc;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(pda, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  c->nc = n - 1;
  c->A  = A;
  PetscCall(DMDAGetCorners(pda, &xs, &ys, NULL, &xm, &ym, NULL));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      MatStencil  row = {.i = i, .j = j}, col[5];
      PetscScalar v[5];
      PetscInt    n = 1;
      col[0] = row;
      v[0]   = 0;
      if (i >= c->nc || j >= c->nc || (i == 0 && j == 0)) v[0] = 1;
      else {
        const PetscInt di[4] = {-1, 1, 0, 0}, dj[4] = {0, 0, -1, 1};
        for (int q = 0; q < 4; q++) {
          PetscInt ii = i + di[q], jj = j + dj[q];
          if (ii < 0 || jj < 0 || ii >= c->nc || jj >= c->nc) continue;
          v[0] += 1;
          if (ii == 0 && jj == 0) continue;
          col[n]   = row;
          col[n].i = ii;
          col[n].j = jj;
          v[n++]   = -1;
        }
      }
      PetscCall(MatSetValuesStencil(c->A, 1, &row, n, col, v, INSERT_VALUES));
    }
  PetscCall(MatAssemblyBegin(c->A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(c->A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatSetOption(c->A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(c->A, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* u at face (i, j) with the wall conditions: no-slip by reflection, lid u = 1 at y = 1 */
static inline PetscScalar U(Cell **x, PetscInt i, PetscInt j, PetscInt nc)
{
  if (i <= 0 || i >= nc) return 0;
  if (j < 0) return -x[0][i].u;
  if (j >= nc) return 2.0 - x[nc - 1][i].u;
  return x[j][i].u;
}
static inline PetscScalar V(Cell **x, PetscInt i, PetscInt j, PetscInt nc)
{
  if (j <= 0 || j >= nc) return 0;
  if (i < 0) return -x[j][0].v;
  if (i >= nc) return -x[j][nc - 1].v;
  return x[j][i].v;
}

/* advection (conservative central) and the Laplacian of u and v at the owned interior faces */
static PetscErrorCode Terms(Cavity *c, Cell **x, Cell **adv, PetscInt xs, PetscInt ys, PetscInt xm, PetscInt ym, PetscBool lap_only, Cell **lap)
{
  const PetscInt  nc = c->nc;
  const PetscReal h  = c->h;

  PetscFunctionBegin;
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      if (i >= 1 && i <= nc - 1 && j <= nc - 1) { /* u face */
        const PetscScalar ue = 0.5 * (U(x, i, j, nc) + U(x, i + 1, j, nc)), uw = 0.5 * (U(x, i - 1, j, nc) + U(x, i, j, nc));
        const PetscScalar un = 0.5 * (U(x, i, j, nc) + U(x, i, j + 1, nc)), us = 0.5 * (U(x, i, j - 1, nc) + U(x, i, j, nc));
        const PetscScalar vn = 0.5 * (V(x, i - 1, j + 1, nc) + V(x, i, j + 1, nc)), vs = 0.5 * (V(x, i - 1, j, nc) + V(x, i, j, nc));
        if (!lap_only) adv[j][i].u = (ue * ue - uw * uw + un * vn - us * vs) / h;
        lap[j][i].u = (U(x, i + 1, j, nc) + U(x, i - 1, j, nc) + U(x, i, j + 1, nc) + U(x, i, j - 1, nc) - 4 * U(x, i, j, nc)) / (h * h);
      }
      if (j >= 1 && j <= nc - 1 && i <= nc - 1) { /* v face */
        const PetscScalar vn = 0.5 * (V(x, i, j, nc) + V(x, i, j + 1, nc)), vs = 0.5 * (V(x, i, j - 1, nc) + V(x, i, j, nc));
        const PetscScalar ve = 0.5 * (V(x, i, j, nc) + V(x, i + 1, j, nc)), vw = 0.5 * (V(x, i - 1, j, nc) + V(x, i, j, nc));
        const PetscScalar ue = 0.5 * (U(x, i + 1, j - 1, nc) + U(x, i + 1, j, nc)), uw = 0.5 * (U(x, i, j - 1, nc) + U(x, i, j, nc));
        if (!lap_only) adv[j][i].v = (ue * ve - uw * vw + vn * vn - vs * vs) / h;
        lap[j][i].v = (V(x, i + 1, j, nc) + V(x, i - 1, j, nc) + V(x, i, j + 1, nc) + V(x, i, j - 1, nc) - 4 * V(x, i, j, nc)) / (h * h);
      }
    }
  PetscFunctionReturn(0);
}

/* One projection step; returns the pressure iterations and max |div u| after it */
static PetscErrorCode CavityStep(Cavity *c, PetscInt step, PetscInt *its, PetscReal *div, PetscLogDouble *tp)
{
  const PetscInt  nc = c->nc;
  const PetscReal h = c->h, dt = c->dt, nu = 1.0 / c->re;
  PetscInt        xs, ys, xm, ym;
  Cell          **x, **xl, **n1, **n0, **lap;
  Vec             L, pl_v;
  PetscScalar   **b, **pl;
  PetscReal       dv = 0;
  PetscLogDouble  t0, t1;

  PetscFunctionBegin;
  PetscCall(DMDAGetCorners(c->da, &xs, &ys, NULL, &xm, &ym, NULL));
  /* u* = u + dt (-(3/2 N^n - 1/2 N^(n-1)) + nu Laplace u^n); the first step is forward Euler */
  PetscCall(DMGlobalToLocal(c->da, c->X, INSERT_VALUES, c->Xl));
  PetscCall(DMGetGlobalVector(c->da, &L));
  PetscCall(DMDAVecGetArrayRead(c->da, c->Xl, &xl));
  PetscCall(DMDAVecGetArray(c->da, c->N1, &n1));
  PetscCall(DMDAVecGetArray(c->da, c->N0, &n0));
  PetscCall(DMDAVecGetArray(c->da, L, &lap));
  PetscCall(DMDAVecGetArray(c->da, c->X, &x));
  PetscCall(Terms(c, xl, n1, xs, ys, xm, ym, PETSC_FALSE, lap));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      const PetscReal a = step ? 1.5 : 1.0, bb = step ? 0.5 : 0.0;
      if (i >= 1 && i <= nc - 1 && j <= nc - 1) x[j][i].u += dt * (-(a * n1[j][i].u - bb * n0[j][i].u) + nu * lap[j][i].u);
      if (j >= 1 && j <= nc - 1 && i <= nc - 1) x[j][i].v += dt * (-(a * n1[j][i].v - bb * n0[j][i].v) + nu * lap[j][i].v);
      n0[j][i].u = n1[j][i].u;
      n0[j][i].v = n1[j][i].v;
    }
  PetscCall(DMDAVecRestoreArray(c->da, c->X, &x));
  PetscCall(DMDAVecRestoreArray(c->da, L, &lap));
  PetscCall(DMDAVecRestoreArray(c->da, c->N0, &n0));
  PetscCall(DMDAVecRestoreArray(c->da, c->N1, &n1));
  PetscCall(DMDAVecRestoreArrayRead(c->da, c->Xl, &xl));
  PetscCall(DMRestoreGlobalVector(c->da, &L));
  /* -h^2 Laplace p = -h^2 div u* / dt (Neumann, p = 0 in cell (0,0)) */
  PetscCall(DMGlobalToLocal(c->da, c->X, INSERT_VALUES, c->Xl));
  PetscCall(DMDAVecGetArrayRead(c->da, c->Xl, &xl));
  PetscCall(DMDAVecGetArray(c->pda, c->b, &b));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      if (i >= nc || j >= nc || (i == 0 && j == 0)) b[j][i] = 0;
      else b[j][i] = -h * (U(xl, i + 1, j, nc) - U(xl, i, j, nc) + V(xl, i, j + 1, nc) - V(xl, i, j, nc)) / dt;
    }
  PetscCall(DMDAVecRestoreArray(c->pda, c->b, &b));
  PetscCall(DMDAVecRestoreArrayRead(c->da, c->Xl, &xl));
  PetscCall(PetscTime(&t0));
  PetscCall(KSPSolve(c->ksp, c->b, c->p));
  PetscCall(PetscTime(&t1));
  *tp += t1 - t0;
  {
    KSPConvergedReason reason;
    PetscCall(KSPGetConvergedReason(c->ksp, &reason));
    PetscCall(KSPGetIterationNumber(c->ksp, its));
    PetscCheck(reason > 0, PetscObjectComm((PetscObject)c->ksp), PETSC_ERR_NOT_CONVERGED, "The pressure solve of step %" PetscInt_FMT " diverged: %s after %" PetscInt_FMT " iterations. Try another -pressure_ksp_type/-pressure_pc_type", step, KSPConvergedReasons[reason], *its);
  }
  /* u = u* - dt grad p */
  PetscCall(DMGetLocalVector(c->pda, &pl_v));
  PetscCall(DMGlobalToLocal(c->pda, c->p, INSERT_VALUES, pl_v));
  PetscCall(DMDAVecGetArrayRead(c->pda, pl_v, &pl));
  PetscCall(DMDAVecGetArray(c->da, c->X, &x));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      if (i >= 1 && i <= nc - 1 && j <= nc - 1) x[j][i].u -= dt * (pl[j][i] - pl[j][i - 1]) / h;
      if (j >= 1 && j <= nc - 1 && i <= nc - 1) x[j][i].v -= dt * (pl[j][i] - pl[j - 1][i]) / h;
      if (i < nc && j < nc) x[j][i].p = pl[j][i];
    }
  PetscCall(DMDAVecRestoreArray(c->da, c->X, &x));
  PetscCall(DMDAVecRestoreArrayRead(c->pda, pl_v, &pl));
  PetscCall(DMRestoreLocalVector(c->pda, &pl_v));
  /* the divergence left */
  PetscCall(DMGlobalToLocal(c->da, c->X, INSERT_VALUES, c->Xl));
  PetscCall(DMDAVecGetArrayRead(c->da, c->Xl, &xl));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      if (i < nc && j < nc) dv = PetscMax(dv, PetscAbsScalar(U(xl, i + 1, j, nc) - U(xl, i, j, nc) + V(xl, i, j + 1, nc) - V(xl, i, j, nc)) / h);
  PetscCall(DMDAVecRestoreArrayRead(c->da, c->Xl, &xl));
  PetscCall(MPIU_Allreduce(&dv, div, 1, MPIU_REAL, MPIU_MAX, PetscObjectComm((PetscObject)c->da)));
  PetscFunctionReturn(0);
}

/* linear interpolation of a profile f(s) given at n increasing points s[] */
static double Interp(const double *s, const double *f, PetscInt n, double t)
{
  if (t <= s[0]) return f[0];
  for (PetscInt k = 1; k < n; k++)
    if (t <= s[k]) return f[k - 1] + (f[k] - f[k - 1]) * (t - s[k - 1]) / (s[k] - s[k - 1]);
  return f[n - 1];
}

/* Ghia's points as markers over the computed centerline profiles (m points each, walls included):
   u(y) along x = 1/2 on the left, v(x) along y = 1/2 on the right; one 1280 x 400 PNG. */
static PetscErrorCode GhiaPlot(const char file[], PetscReal re, PetscInt n, PetscInt m, const double ys[], const double us[], const double xv[], const double vs[])
{
  const PetscInt W = 640, H = 400;
  unsigned char *img, mk[3], edge[3] = {0, 0, 0};
  double        *none;

  PetscFunctionBegin;
  PdPlotColour(1, mk);
  PetscCall(PetscMalloc1(2 * W * H * 3, &img));
  PetscCall(PetscMalloc1(m, &none));
  for (PetscInt q = 0; q < m; q++) none[q] = NAN; /* Ghia's entry: in the legend, drawn as markers below */
  for (int panel = 0; panel < 2; panel++) {
    const double  *s = panel ? xv : ys, *gs = panel ? ghia_x : ghia_y;
    const double  *gf = panel ? (re == 100 ? ghia_v100 : ghia_v1000) : (re == 100 ? ghia_u100 : ghia_u1000);
    const double  *cv[2] = {panel ? vs : us, none};
    const char    *nm[2] = {"pdeop", "Ghia et al. 1982"};
    char           title[96];
    unsigned char *rgb;
    PdPlotFrame    fr;

    snprintf(title, sizeof(title), "%s, Re = %.0f, %dx%d", panel ? "v along y = 1/2" : "u along x = 1/2", (double)re, (int)n, (int)n);
    PetscCall(PdPlotRender(W, H, title, panel ? "x" : "y", m, 2, s, cv, nm, PETSC_FALSE, &rgb, &fr));
    for (int k = 0; k < 17; k++) { /* filled squares with a dark edge, clipped to the canvas */
      const int cx = (int)round(fr.left + (gs[k] - fr.xmin) / (fr.xmax - fr.xmin) * (fr.right - fr.left));
      const int cy = (int)round(fr.bottom - (gf[k] - fr.ymin) / (fr.ymax - fr.ymin) * (fr.bottom - fr.top));
      for (int dy = -4; dy <= 4; dy++)
        for (int dx = -4; dx <= 4; dx++) {
          const int x = cx + dx, y = cy + dy;
          if (x < 0 || y < 0 || x >= W || y >= H) continue;
          PetscCall(PetscArraycpy(rgb + 3 * (y * W + x), PetscAbs(dx) == 4 || PetscAbs(dy) == 4 ? edge : mk, 3));
        }
    }
    for (PetscInt r = 0; r < H; r++) PetscCall(PetscArraycpy(img + 3 * (r * 2 * W + panel * W), rgb + 3 * r * W, 3 * W));
    PetscCall(PetscFree(rgb));
  }
  PetscCall(PdPNGWriteRGB(PETSC_COMM_SELF, file, 2 * W, H, img));
  PetscCall(PetscFree(none));
  PetscCall(PetscFree(img));
  PetscFunctionReturn(0);
}

/* The speed as a heat map with contour lines of the stream function, both interpolated bilinearly
   from the N x N nodes to about 512 pixels across; a pixel is on a contour (drawn white) when psi
   crosses a level between it and its right or upper neighbour. 10 levels concentrated in the main
   vortex (psi < 0), 2 in the corner eddies (psi > 0). */
static PetscErrorCode SpeedContours(const char file[], PetscInt N, const double u[], const double v[], const double psi[])
{
  const PetscInt f = PetscMax(1, 512 / (N - 1)), R = f * (N - 1) + 1;
  double        *sp, *ps, pmin = 0, pmax = 0, lev[12];
  const double  *panels[1];

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(R * R, &sp, R * R, &ps));
  for (PetscInt q = 0; q < N * N; q++) pmin = PetscMin(pmin, psi[q]), pmax = PetscMax(pmax, psi[q]);
  for (int l = 0; l < 12; l++) lev[l] = l < 10 ? pmin * (1 - (l + 0.5) / 10.0) * (1 - (l + 0.5) / 10.0) : pmax * (l - 9) / 3.0;
  for (PetscInt py = 0; py < R; py++)
    for (PetscInt px = 0; px < R; px++) {
      const PetscInt i = PetscMin(px / f, N - 2), j = PetscMin(py / f, N - 2);
      const double   tx = (double)(px - i * f) / f, ty = (double)(py - j * f) / f;
      const double   w[4] = {(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty};
      const PetscInt k[4] = {j * N + i, j * N + i + 1, (j + 1) * N + i, (j + 1) * N + i + 1};
      double         s = 0, p = 0;
      for (int c = 0; c < 4; c++) s += w[c] * PetscSqrtReal(u[k[c]] * u[k[c]] + v[k[c]] * v[k[c]]), p += w[c] * psi[k[c]];
      sp[py * R + px] = s;
      ps[py * R + px] = p;
    }
  for (PetscInt py = 0; py + 1 < R; py++)
    for (PetscInt px = 0; px + 1 < R; px++)
      for (int l = 0; l < 12; l++) {
        const double a = ps[py * R + px] - lev[l], b = ps[py * R + px + 1] - lev[l], c = ps[(py + 1) * R + px] - lev[l];
        if (lev[l] != 0 && (a * b < 0 || a * c < 0)) sp[py * R + px] = NAN;
      }
  panels[0] = sp;
  PetscCall(PdPNGWriteHeatmaps(PETSC_COMM_SELF, file, 1, R, R, panels));
  PetscCall(PetscFree2(sp, ps));
  PetscFunctionReturn(0);
}

/*@
  PdCavityRun - `pdeop solve cavity -re R -n N [-dt] [-cfl 0.5] [-steady_tol 1e-6] [-div_tol 1e-6]
  [-t_max 200] [-o cavity.h5] [-vtk cavity.vts] [-png cavity.png] [-ghia_png profile.png]` and the pressure KSP's options
  (-pressure_ksp_type, -pressure_pc_type, ...). N nodes per side including the walls, N - 1 cells.
@*/
PetscErrorCode PdCavityRun(MPI_Comm comm, PdDict report)
{
  Cavity         c;
  PetscInt       n = 65, step = 0, its, totits = 0, every = 100;
  PetscReal      re = 100, cfl = 0.5, dt = 0, tol = 1e-6, dtol = 1e-6, tmax = 200, change = PETSC_MAX_REAL, div = 0, t = 0;
  PetscBool      help, steady = PETSC_FALSE;
  char           out[PETSC_MAX_PATH_LEN] = "", vtk[PETSC_MAX_PATH_LEN] = "", png[PETSC_MAX_PATH_LEN] = "", gpng[PETSC_MAX_PATH_LEN] = "";
  Vec            Xold;
  PdProgress     prog;
  PetscLogDouble t0, t1, tp = 0;
  PetscMPIInt    rank;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&c, sizeof(c)));
  PetscOptionsBegin(comm, NULL, "pdeop solve cavity: lid-driven cavity (MAC grid, projection)", "pdeop");
  PetscCall(PetscOptionsReal("-re", "Reynolds number (lid velocity 1, side 1)", "", re, &re, NULL));
  PetscCall(PetscOptionsInt("-n", "Nodes per side including the walls (n - 1 cells)", "", n, &n, NULL));
  PetscCall(PetscOptionsReal("-dt", "Time step (0: from -cfl and the viscous limit)", "", dt, &dt, NULL));
  PetscCall(PetscOptionsReal("-cfl", "Target CFL number when dt is automatic", "", cfl, &cfl, NULL));
  PetscCall(PetscOptionsReal("-steady_tol", "Steady when max |du/dt| falls below this", "", tol, &tol, NULL));
  PetscCall(PetscOptionsReal("-div_tol", "... and max |div u| below this", "", dtol, &dtol, NULL));
  PetscCall(PetscOptionsReal("-t_max", "Give up (steady = false) at this time", "", tmax, &tmax, NULL));
  PetscCall(PetscOptionsInt("-monitor_every", "Steps between progress updates", "", every, &every, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 output: /u /v /p /psi /omega on the n x n nodes", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsString("-vtk", "VTK output (.vts) of the node fields", "", vtk, vtk, sizeof(vtk), NULL));
  PetscCall(PetscOptionsString("-png", "PNG: speed and stream-function contours", "", png, png, sizeof(png), NULL));
  PetscCall(PetscOptionsString("-ghia_png", "PNG of u along x = 1/2 and v along y = 1/2 with Ghia et al.'s points (Re 100 or 1000)", "", gpng, gpng, sizeof(gpng), NULL));
  PetscOptionsEnd();
  PetscCheck(re > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-re must be positive, got %g", (double)re);
  PetscCheck(n >= 5 && (n - 1) % 2 == 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n must be odd and at least 5 (an even number of cells puts the centerlines on faces), got %" PetscInt_FMT, n);
  PetscCheck(dt >= 0 && cfl > 0 && cfl <= 1 && tol > 0 && dtol > 0 && tmax > 0 && every >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "Need -dt >= 0, 0 < -cfl <= 1 and positive tolerances, -t_max and -monitor_every");
  c.nc = n - 1;
  c.h  = 1.0 / c.nc;
  c.re = re;
  /* AB2 with central advection: dt <= cfl h / U (U = 1, the lid) and the explicit viscous limit h^2 Re / 4 */
  c.dt = dt > 0 ? dt : PetscMin(cfl * c.h, 0.25 * c.h * c.h * re * 0.9);
  PetscCall(DMDACreate2d(comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_BOX, n, n, PETSC_DECIDE, PETSC_DECIDE, 3, 1, NULL, NULL, &c.da));
  PetscCall(DMSetUp(c.da));
  PetscCall(DMDASetFieldName(c.da, 0, "u"));
  PetscCall(DMDASetFieldName(c.da, 1, "v"));
  PetscCall(DMDASetFieldName(c.da, 2, "p"));
  {
    const PetscInt *lx, *ly;
    PetscInt        m, nn;
    PetscCall(DMDAGetInfo(c.da, NULL, NULL, NULL, NULL, &m, &nn, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    PetscCall(DMDAGetOwnershipRanges(c.da, &lx, &ly, NULL));
    PetscCall(DMDACreate2d(comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, n, n, m, nn, 1, 1, lx, ly, &c.pda));
    PetscCall(DMSetUp(c.pda));
  }
  PetscCall(DMCreateGlobalVector(c.da, &c.X));
  PetscCall(DMCreateLocalVector(c.da, &c.Xl));
  PetscCall(VecDuplicate(c.X, &c.N0));
  PetscCall(VecDuplicate(c.X, &c.N1));
  PetscCall(VecDuplicate(c.X, &Xold));
  PetscCall(DMCreateMatrix(c.pda, &c.A));
  PetscCall(PdCavityPressureOperator(c.pda, c.A));
  PetscCall(DMCreateGlobalVector(c.pda, &c.b));
  PetscCall(VecDuplicate(c.b, &c.p));
  PetscCall(KSPCreate(comm, &c.ksp));
  PetscCall(KSPSetOptionsPrefix(c.ksp, "pressure_"));
  PetscCall(KSPSetOperators(c.ksp, c.A, c.A));
  PetscCall(KSPSetType(c.ksp, KSPCG));
  {
    PC pc;
    PetscCall(KSPGetPC(c.ksp, &pc));
    PetscCall(PCSetType(pc, PCGAMG));
  }
  PetscCall(KSPSetTolerances(c.ksp, 1e-10, 1e-14, PETSC_DEFAULT, 10000));
  PetscCall(KSPSetInitialGuessNonzero(c.ksp, PETSC_TRUE)); /* last step's pressure */
  PetscCall(KSPSetFromOptions(c.ksp));
  PetscCall(PdOptionsHelp(&help));
  if (help) goto cleanup;
  PetscCall(PdOptionsCheckUnused(comm, "solve cavity"));
  PetscCall(KSPSetUp(c.ksp));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PdProgressBegin(comm, "cavity steps", (PetscInt)(tmax / c.dt), &prog));
  PetscCall(PetscTime(&t0));
  while (t < tmax) {
    PetscReal umax, vmax;
    PetscCall(VecCopy(c.X, Xold));
    PetscCall(CavityStep(&c, step, &its, &div, &tp));
    step++;
    t += c.dt;
    totits += its;
    PetscCall(VecStrideNorm(c.X, 0, NORM_INFINITY, &umax));
    PetscCall(VecStrideNorm(c.X, 1, NORM_INFINITY, &vmax));
    {
      PetscReal sum; /* a maximum skips NaN (comparisons with NaN are false); a sum does not */
      PetscCall(VecNorm(c.X, NORM_1, &sum));
      PetscCheck(!PetscIsInfOrNanReal(sum), comm, PETSC_ERR_NOT_CONVERGED, "The cavity flow blew up at step %" PetscInt_FMT " (t = %g): the solution is not finite. Lower -dt or -cfl", step, (double)t);
    }
    {
      const PetscReal cfln = PetscMax(umax, vmax) * c.dt / c.h;
      PetscCheck(PetscIsNormalReal(cfln) || cfln == 0, comm, PETSC_ERR_NOT_CONVERGED, "The cavity flow blew up at step %" PetscInt_FMT " (t = %g): the velocity is not finite. Lower -dt or -cfl", step, (double)t);
      PetscCheck(cfln <= 1, comm, PETSC_ERR_NOT_CONVERGED, "CFL number %g > 1 at step %" PetscInt_FMT " (t = %g, max velocity %g, dt %g, h %g): lower -dt or -cfl", (double)cfln, step, (double)t, (double)PetscMax(umax, vmax), (double)c.dt, (double)c.h);
    }
    if (step % 10 == 0 || step == 1) {
      PetscReal du, dvv;
      PetscCall(VecAXPY(Xold, -1.0, c.X));
      PetscCall(VecStrideNorm(Xold, 0, NORM_INFINITY, &du));
      PetscCall(VecStrideNorm(Xold, 1, NORM_INFINITY, &dvv));
      change = PetscMax(du, dvv) / c.dt;
      if (change < tol && div < dtol) {
        steady = PETSC_TRUE;
        break;
      }
    }
    if (step % every == 0) {
      char extra[128];
      PetscCall(PetscSNPrintf(extra, sizeof(extra), "t %.2f  |du/dt| %.2e  |div u| %.2e  pressure its %" PetscInt_FMT, (double)t, (double)change, (double)div, its));
      PetscCall(PdProgressUpdate(&prog, step, extra));
    }
  }
  PetscCall(PdProgressEnd(&prog));
  PetscCall(PetscTime(&t1));
  PetscCall(PdPrintf(comm, "cavity Re %g, %" PetscInt_FMT "^2 nodes: %s after %" PetscInt_FMT " steps (t = %.2f, dt %.3g) in %.2f s; |du/dt| %.2e, |div u| %.2e; %.1f pressure iterations per step, %.0f%% of the time\n", (double)re, n, steady ? "steady" : "NOT steady", step, (double)t, (double)c.dt, t1 - t0, (double)change, (double)div, (double)totits / step, 100 * tp / (t1 - t0)));
  PetscCall(PdDictSetInt(report, "steps", step));
  PetscCall(PdDictSetReal(report, "seconds", t1 - t0));
  PetscCall(PdDictSetReal(report, "pressure_iterations_mean", (double)totits / step));
  PetscCall(PdDictSetBool(report, "steady", steady));
  PetscCall(PdDictSetReal(report, "re", re));
  PetscCall(PdDictSetInt(report, "n", n));
  PetscCall(PdDictSetReal(report, "dt", c.dt));
  PetscCall(PdDictSetReal(report, "time", t));
  PetscCall(PdDictSetReal(report, "final_change", change));
  PetscCall(PdDictSetReal(report, "final_divergence", div));
  PetscCall(PdDictSetReal(report, "pressure_seconds_share", tp / (t1 - t0)));
  {
    /* node fields on rank 0: gather the natural-ordered state */
    const PetscInt nc = c.nc, N = n;
    Vec            nat, all;
    VecScatter     sc;
    PetscCall(DMDACreateNaturalVector(c.da, &nat));
    PetscCall(DMDAGlobalToNaturalBegin(c.da, c.X, INSERT_VALUES, nat));
    PetscCall(DMDAGlobalToNaturalEnd(c.da, c.X, INSERT_VALUES, nat));
    PetscCall(VecScatterCreateToZero(nat, &sc, &all));
    PetscCall(VecScatterBegin(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
    if (rank == 0) {
      const PetscScalar *a;
      Cell             **x;
      float             *f[5];
      double            *pd[5], err = 0, verr = 0;
      PetscCall(VecGetArrayRead(all, &a));
      PetscCall(PetscMalloc1(N, &x));
      for (PetscInt j = 0; j < N; j++) x[j] = (Cell *)(a + 3 * j * N);
      for (int k = 0; k < 5; k++) {
        PetscCall(PetscMalloc1(N * N, &f[k]));
        PetscCall(PetscMalloc1(N * N, &pd[k]));
      }
      for (PetscInt j = 0; j < N; j++)
        for (PetscInt i = 0; i < N; i++) {
          double u, v, p = 0, w = 0;
          PetscInt cnt = 0;
          u = (j == N - 1) ? ((i > 0 && i < N - 1) ? 1.0 : 0.0) : (j == 0 ? 0.0 : 0.5 * (U(x, i, j - 1, nc) + U(x, i, j, nc)));
          v = (i == 0 || i == N - 1) ? 0.0 : 0.5 * (V(x, i - 1, j, nc) + V(x, i, j, nc));
          for (PetscInt dj = -1; dj <= 0; dj++)
            for (PetscInt di = -1; di <= 0; di++)
              if (i + di >= 0 && j + dj >= 0 && i + di < nc && j + dj < nc) p += x[j + dj][i + di].p, cnt++;
          /* vorticity v_x - u_y at the node from the faces around it (ghost values at walls) */
          w = (V(x, i, j, nc) - V(x, i - 1, j, nc)) / c.h - (U(x, i, j, nc) - U(x, i, j - 1, nc)) / c.h;
          pd[0][j * N + i] = u;
          pd[1][j * N + i] = v;
          pd[2][j * N + i] = p / PetscMax(cnt, 1);
          pd[4][j * N + i] = w;
        }
      /* stream function psi(x_i, y_j) = int_0^y u dx along x = x_i: the faces' flux, exact for the MAC field */
      for (PetscInt i = 0; i < N; i++) {
        double s = 0;
        pd[3][i] = 0;
        for (PetscInt j = 1; j < N; j++) {
          s += U(x, i, j - 1, nc) * c.h;
          pd[3][j * N + i] = s;
        }
      }
      for (int k = 0; k < 5; k++)
        for (PetscInt q = 0; q < N * N; q++) f[k][q] = (float)pd[k][q];
      /* Ghia: u on x = 1/2 is the face column i = nc/2 at y = (j + 1/2) h, v on y = 1/2 the face row
         j = nc/2 at x = (i + 1/2) h (n odd puts both on faces), each with its two walls */
      if (re == 100 || re == 1000) {
        double *ys, *us, *xv, *vs;
        PetscCall(PetscMalloc4(nc + 2, &ys, nc + 2, &us, nc + 2, &xv, nc + 2, &vs));
        ys[0] = 0, us[0] = 0, xv[0] = 0, vs[0] = 0;
        for (PetscInt k = 0; k < nc; k++) {
          ys[k + 1] = xv[k + 1] = (k + 0.5) * c.h;
          us[k + 1]             = PetscRealPart(x[k][nc / 2].u);
          vs[k + 1]             = PetscRealPart(x[nc / 2][k].v);
        }
        ys[nc + 1] = 1, us[nc + 1] = 1, xv[nc + 1] = 1, vs[nc + 1] = 0;
        for (int k = 0; k < 17; k++) {
          err  = PetscMax(err, PetscAbsReal(Interp(ys, us, nc + 2, ghia_y[k]) - (re == 100 ? ghia_u100[k] : ghia_u1000[k])));
          verr = PetscMax(verr, PetscAbsReal(Interp(xv, vs, nc + 2, ghia_x[k]) - (re == 100 ? ghia_v100[k] : ghia_v1000[k])));
        }
        if (gpng[0]) PetscCall(GhiaPlot(gpng, re, n, nc + 2, ys, us, xv, vs));
        PetscCall(PetscFree4(ys, us, xv, vs));
        PetscCall(PdPrintf(PETSC_COMM_SELF, "against Ghia et al. (1982), Re = %g: largest difference at their 17 points %.4f for u on x = 1/2, %.4f for v on y = 1/2\n", (double)re, err, verr));
      }
      if (out[0]) {
        const char *const names[5] = {"u", "v", "p", "psi", "omega"};
        PdDict            at;
        PetscCall(PdDictCreate(&at));
        PetscCall(PdDictSetString(at, "pde", "lid-driven cavity, incompressible Navier-Stokes"));
        PetscCall(PdDictSetReal(at, "re", re));
        PetscCall(PdDictSetInt(at, "n", N));
        PetscCall(PdDictSetBool(at, "steady", steady));
        PetscCall(PdDictSetString(at, "grid", "[j][i], x = i/(n-1), y = j/(n-1), walls included; lid u = 1 at y = 1"));
        PetscCall(PdH5WriteFields(PETSC_COMM_SELF, out, 5, names, (const float *const *)f, 2, (PetscInt[]){N, N}, at));
        PetscCall(PdDictDestroy(&at));
      }
      if (png[0]) PetscCall(SpeedContours(png, N, pd[0], pd[1], pd[3]));
      if (vtk[0]) { /* the node fields on a sequential DMDA of the unit square */
        DM           nd;
        Vec          nv;
        PetscScalar *a5;
        PetscViewer  v;
        PetscCall(DMDACreate2d(PETSC_COMM_SELF, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, N, N, 1, 1, 5, 1, NULL, NULL, &nd));
        PetscCall(DMSetUp(nd));
        PetscCall(DMDASetUniformCoordinates(nd, 0, 1, 0, 1, 0, 0));
        for (int k = 0; k < 5; k++) PetscCall(DMDASetFieldName(nd, k, (const char *[]){"u", "v", "p", "psi", "omega"}[k]));
        PetscCall(DMCreateGlobalVector(nd, &nv));
        PetscCall(PetscObjectSetName((PetscObject)nv, "cavity"));
        PetscCall(VecGetArray(nv, &a5));
        for (PetscInt q = 0; q < N * N; q++)
          for (int k = 0; k < 5; k++) a5[5 * q + k] = pd[k][q];
        PetscCall(VecRestoreArray(nv, &a5));
        PetscCall(PetscViewerVTKOpen(PETSC_COMM_SELF, vtk, FILE_MODE_WRITE, &v));
        PetscCall(VecView(nv, v));
        PetscCall(PetscViewerDestroy(&v));
        PetscCall(VecDestroy(&nv));
        PetscCall(DMDestroy(&nd));
      }
      if (re == 100 || re == 1000) {
        PetscCall(PdDictSetReal(report, "u_centerline_max_error_ghia", err));
        PetscCall(PdDictSetReal(report, "v_centerline_max_error_ghia", verr));
      }
      for (int k = 0; k < 5; k++) {
        PetscCall(PetscFree(f[k]));
        PetscCall(PetscFree(pd[k]));
      }
      PetscCall(PetscFree(x));
      PetscCall(VecRestoreArrayRead(all, &a));
    }
    PetscCall(VecScatterDestroy(&sc));
    PetscCall(VecDestroy(&all));
    PetscCall(VecDestroy(&nat));
    if (out[0]) PetscCall(PdDictSetString(report, "output", out));
    if (png[0]) PetscCall(PdDictSetString(report, "png", png));
    if (vtk[0]) PetscCall(PdDictSetString(report, "vtk", vtk));
  }
cleanup:
  PetscCall(VecDestroy(&Xold));
  PetscCall(VecDestroy(&c.X));
  PetscCall(VecDestroy(&c.Xl));
  PetscCall(VecDestroy(&c.N0));
  PetscCall(VecDestroy(&c.N1));
  PetscCall(VecDestroy(&c.b));
  PetscCall(VecDestroy(&c.p));
  PetscCall(MatDestroy(&c.A));
  PetscCall(KSPDestroy(&c.ksp));
  PetscCall(DMDestroy(&c.pda));
  PetscCall(DMDestroy(&c.da));
  PetscFunctionReturn(0);
}
