/* Private to the cavity problem type: the MAC state on a DMDA, the wall conditions, and the
   numerics (mac.c) the object (cavity.c) drives. */
#pragma once
#include <petscdmda.h>
#include "pde/interface/problemimpl.h"

/* The state: one DMDA of (nc+1) x (nc+1) points and 3 fields per point: U = u on the face
   x = i h, y = (j + 1/2) h; V = v on the face x = (i + 1/2) h, y = j h; P = pressure of cell (i, j).
   Entries outside the grid (U with j = nc, V with i = nc, P on the last row/column) are unused. */
typedef struct {
  PetscScalar u, v, p;
} Cell;

typedef struct {
  /* parameters (options -n, -re, -dt, -cfl, -steady_tol, -div_tol, -t_max, -monitor_every) */
  PetscInt  n, every;
  PetscReal re, dtopt, cfl, tol, dtol, tmax;
  char      out[PETSC_MAX_PATH_LEN], vtk[PETSC_MAX_PATH_LEN], png[PETSC_MAX_PATH_LEN], gpng[PETSC_MAX_PATH_LEN];
  /* the discretisation */
  PetscInt  nc;
  PetscReal h, dt;
  DM        da, pda; /* the state; the pressure (same layout, 1 field) */
  Vec       X, Xl;   /* state, with ghosts */
  Vec       N0, N1;  /* advection terms of the previous and current step (fields u, v) */
  Vec       Xold;    /* the state before the step (steadiness) */
  Mat       A;
  Vec       b, p;
  KSP       ksp;
  /* the march */
  PetscInt       step, its, totits;
  PetscReal      t, change, div;
  PetscBool      steady, done;
  PetscLogDouble tp, seconds;
  /* rank 0: node fields u, v, p, psi, omega (N x N each) of the state at step fieldstep, and the
     centerline profiles (nc + 2 points, walls included) with their largest differences to Ghia's */
  double  *fields, *ys, *us, *xv, *vs, err, verr;
  PetscInt fieldstep;
} Cavity;

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

/* One projection step (step counts from 0): the pressure iterations, max |div u| after it, and the
   pressure solve's time added to *tp */
PETSC_INTERN PetscErrorCode PdCavityProjectionStep(Cavity *, PetscInt, PetscInt *, PetscReal *, PetscLogDouble *);
/* The node fields of the state on rank 0 (c->fields), and with Re 100 or 1000 the centerline
   profiles and Ghia's differences (c->ys ... c->verr) */
PETSC_INTERN PetscErrorCode PdCavityNodeFields(Cavity *);
/* The pictures: Ghia's points over the centerline profiles; speed with stream-function contours */
PETSC_INTERN PetscErrorCode PdCavityGhiaPlot(const char[], PetscReal, PetscInt, PetscInt, const double[], const double[], const double[], const double[]);
PETSC_INTERN PetscErrorCode PdCavitySpeedContours(const char[], PetscInt, const double[], const double[], const double[]);
