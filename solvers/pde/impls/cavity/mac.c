/* The lid-driven cavity's numerics on a staggered (MAC) grid stored in a PETSc DMDA: the pressure
   matrix, one projection step (Adams-Bashforth 2 for advection with conservative central
   differences, explicit viscosity, the pressure Poisson equation by the KSP with the prefix
   "pressure_"), the node fields and Ghia's comparison, and the pictures. The problem type that marches
   it to steady state is cavity.c. */
#include "pde/impls/cavity/cavityimpl.h"
#include <pdeop/plot.h>
#include <pdeop/progress.h>

#include "ghia1982.h"

/* the pressure row at point (i, j) of the nc x nc cells: identity rows for cell (0,0) and the unused
   points, else the Neumann 5-point stencil (couplings to cell (0,0) dropped) */
static PetscErrorCode PressureRow(void *ctx, MatStencil row, PetscInt *n, MatStencil col[], PetscScalar v[])
{
  const PetscInt nc = *(const PetscInt *)ctx, i = row.i, j = row.j;

  PetscFunctionBegin;
  *n     = 1;
  col[0] = row;
  v[0]   = 0;
  if (i >= nc || j >= nc || (i == 0 && j == 0)) v[0] = 1;
  else {
    const PetscInt di[4] = {-1, 1, 0, 0}, dj[4] = {0, 0, -1, 1};
    for (int q = 0; q < 4; q++) {
      PetscInt ii = i + di[q], jj = j + dj[q];
      if (ii < 0 || jj < 0 || ii >= nc || jj >= nc) continue;
      v[0] += 1;
      if (ii == 0 && jj == 0) continue;
      col[*n]   = row;
      col[*n].i = ii;
      col[*n].j = jj;
      v[(*n)++] = -1;
    }
  }
  PetscFunctionReturn(0);
}

/*@
  PdCavityPressureOperator - the cavity's pressure matrix on an n x n DMDA (one field): -h^2 Laplace
  with zero Neumann conditions on the (n-1) x (n-1) cells, the pressure of cell (0,0) fixed to 0 (its
  row is the identity and its couplings are dropped: symmetric positive definite), and identity rows
  for the unused last row and column of points.
@*/
PetscErrorCode PdCavityPressureOperator(DM pda, Mat A)
{
  PetscInt n, nc;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(pda, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  nc = n - 1;
  PetscCall(PdDMDAAssembleSPD(pda, A, PressureRow, &nc));
  PetscFunctionReturn(0);
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

PetscErrorCode PdCavityProjectionStep(Cavity *c, PetscInt step, PetscInt *its, PetscReal *div, PetscLogDouble *tp)
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
   u(y) along x = 1/2 on the left, v(x) along y = 1/2 on the right; one 1280 x 400 PNG. At a Reynolds
   number Ghia's table here lacks (only 100 and 1000), the profiles alone. */
PetscErrorCode PdCavityGhiaPlot(const char file[], PetscReal re, PetscInt n, PetscInt m, const double ys[], const double us[], const double xv[], const double vs[])
{
  const PetscInt  W = 640, H = 400;
  const PetscBool table = (PetscBool)(re == 100 || re == 1000);
  unsigned char  *img, mk[3], edge[3] = {0, 0, 0};
  double         *none;

  PetscFunctionBegin;
  PdPlotColour(1, mk);
  PetscCall(PetscMalloc1(2 * W * H * 3, &img));
  PetscCall(PetscMalloc1(m, &none));
  for (PetscInt q = 0; q < m; q++) none[q] = NAN; /* Ghia's entry: in the legend, drawn as markers below */
  for (int panel = 0; panel < 2; panel++) {
    const double  *s = panel ? xv : ys, *gs = panel ? ghia_x : ghia_y;
    const double  *gf    = panel ? (re == 100 ? ghia_v100 : ghia_v1000) : (re == 100 ? ghia_u100 : ghia_u1000); /* unused without the table */
    const double  *cv[2] = {panel ? vs : us, none};
    const char    *nm[2] = {"pdeop", "Ghia et al. 1982"};
    char           title[96];
    unsigned char *rgb;
    PdPlotFrame    fr;

    snprintf(title, sizeof(title), "%s, Re = %.0f, %dx%d", panel ? "v along y = 1/2" : "u along x = 1/2", (double)re, (int)n, (int)n);
    PetscCall(PdPlotRender(W, H, title, panel ? "x" : "y", m, table ? 2 : 1, s, cv, nm, PETSC_FALSE, &rgb, &fr));
    for (int k = 0; k < (table ? 17 : 0); k++) { /* filled squares with a dark edge, clipped to the canvas */
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
PetscErrorCode PdCavitySpeedContours(const char file[], PetscInt N, const double u[], const double v[], const double psi[])
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
  {
    char        title[96];
    const char *labels[1] = {"speed |u|, stream lines white"};
    PetscCall(PetscSNPrintf(title, sizeof(title), "lid-driven cavity, %" PetscInt_FMT " x %" PetscInt_FMT " nodes", N, N));
    PetscCall(PdPNGWriteFields(PETSC_COMM_SELF, file, title, 1, labels, R, R, panels));
  }
  PetscCall(PetscFree2(sp, ps));
  PetscFunctionReturn(0);
}

/* u, v, p, psi, omega at the N x N nodes (walls included) from the whole state x on one rank */
static void NodeFields(const Cavity *c, Cell **x, double *pd[5])
{
  const PetscInt nc = c->nc, N = c->n;

  for (PetscInt j = 0; j < N; j++)
    for (PetscInt i = 0; i < N; i++) {
      double   u, v, p = 0, w = 0;
      PetscInt cnt = 0;
      u            = (j == N - 1) ? ((i > 0 && i < N - 1) ? 1.0 : 0.0) : (j == 0 ? 0.0 : 0.5 * (U(x, i, j - 1, nc) + U(x, i, j, nc)));
      v            = (i == 0 || i == N - 1) ? 0.0 : 0.5 * (V(x, i - 1, j, nc) + V(x, i, j, nc));
      for (PetscInt dj = -1; dj <= 0; dj++)
        for (PetscInt di = -1; di <= 0; di++)
          if (i + di >= 0 && j + dj >= 0 && i + di < nc && j + dj < nc) p += x[j + dj][i + di].p, cnt++;
      /* vorticity v_x - u_y at the node from the faces around it (ghost values at walls) */
      w                = (V(x, i, j, nc) - V(x, i - 1, j, nc)) / c->h - (U(x, i, j, nc) - U(x, i, j - 1, nc)) / c->h;
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
      s += U(x, i, j - 1, nc) * c->h;
      pd[3][j * N + i] = s;
    }
  }
}

/* The centerline profiles, and at Re 100 or 1000 their largest differences to Ghia's points: u on
   x = 1/2 is the face column i = nc/2 at y = (j + 1/2) h, v on y = 1/2 the face row j = nc/2 at
   x = (i + 1/2) h (n odd puts both on faces), each with its two walls */
static void GhiaCompare(Cavity *c, Cell **x)
{
  const PetscInt nc = c->nc;

  c->ys[0] = 0, c->us[0] = 0, c->xv[0] = 0, c->vs[0] = 0;
  for (PetscInt k = 0; k < nc; k++) {
    c->ys[k + 1] = c->xv[k + 1] = (k + 0.5) * c->h;
    c->us[k + 1]                = PetscRealPart(x[k][nc / 2].u);
    c->vs[k + 1]                = PetscRealPart(x[nc / 2][k].v);
  }
  c->ys[nc + 1] = 1, c->us[nc + 1] = 1, c->xv[nc + 1] = 1, c->vs[nc + 1] = 0;
  c->err = c->verr = 0;
  if (c->re != 100 && c->re != 1000) return; /* no table */
  for (int k = 0; k < 17; k++) {
    c->err  = PetscMax(c->err, PetscAbsReal(Interp(c->ys, c->us, nc + 2, ghia_y[k]) - (c->re == 100 ? ghia_u100[k] : ghia_u1000[k])));
    c->verr = PetscMax(c->verr, PetscAbsReal(Interp(c->xv, c->vs, nc + 2, ghia_x[k]) - (c->re == 100 ? ghia_v100[k] : ghia_v1000[k])));
  }
}

PetscErrorCode PdCavityNodeFields(Cavity *c)
{
  const PetscInt N = c->n, nc = c->nc;
  Vec            nat, all;
  VecScatter     sc;
  PetscMPIInt    rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PetscObjectComm((PetscObject)c->da), &rank));
  /* node fields on rank 0: gather the natural-ordered state */
  PetscCall(DMDACreateNaturalVector(c->da, &nat));
  PetscCall(DMDAGlobalToNaturalBegin(c->da, c->X, INSERT_VALUES, nat));
  PetscCall(DMDAGlobalToNaturalEnd(c->da, c->X, INSERT_VALUES, nat));
  PetscCall(VecScatterCreateToZero(nat, &sc, &all));
  PetscCall(VecScatterBegin(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, nat, all, INSERT_VALUES, SCATTER_FORWARD));
  if (rank == 0) {
    const PetscScalar *a;
    Cell             **x;
    double            *pd[5];
    if (!c->fields) PetscCall(PetscMalloc1(5 * N * N, &c->fields));
    if (!c->ys) PetscCall(PetscMalloc4(nc + 2, &c->ys, nc + 2, &c->us, nc + 2, &c->xv, nc + 2, &c->vs));
    PetscCall(VecGetArrayRead(all, &a));
    PetscCall(PetscMalloc1(N, &x));
    for (PetscInt j = 0; j < N; j++) x[j] = (Cell *)(a + 3 * j * N);
    for (int k = 0; k < 5; k++) pd[k] = c->fields + k * N * N;
    NodeFields(c, x, pd);
    GhiaCompare(c, x);
    PetscCall(PetscFree(x));
    PetscCall(VecRestoreArrayRead(all, &a));
  }
  c->fieldstep = c->step;
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&all));
  PetscCall(VecDestroy(&nat));
  PetscFunctionReturn(0);
}
