/* Incompressible 2D Navier-Stokes on the periodic square in vorticity form, pseudo-spectral with
   FFTW: the scheme of the FNO paper's data generator (2/3 dealiasing, Crank-Nicolson viscosity,
   Heun predictor-corrector for advection and forcing). */
#pragma once
#include <petscsys.h>
#include <fftw3.h>
#include <pdeop/rng.h>
#include <pdeop/dict.h>

typedef enum { PD_NS_FORCING_NONE, PD_NS_FORCING_FNO } PdNSForcing;

typedef struct _n_PdNS *PdNS;

/* A solver on an N x N grid (N even) of the square of side L (1: unit torus, 2 pi), viscosity nu,
   time step dt, forcing. Grid point (i, j) is x = i L / N, y = j L / N; fields are [j][i]. */
PETSC_EXTERN PetscErrorCode PdNSCreate(PetscInt, PetscReal, PetscReal, PetscReal, PdNSForcing, PdNS *);
PETSC_EXTERN PetscErrorCode PdNSDestroy(PdNS *);
/* Set the vorticity (physical values, N*N) and the time to 0 */
PETSC_EXTERN PetscErrorCode PdNSSetVorticity(PdNS, const double[]);
PETSC_EXTERN PetscErrorCode PdNSGetVorticity(PdNS, double[]);
/* Advance nsteps steps; a CFL number above 1 or a non-finite value is an error naming the step */
PETSC_EXTERN PetscErrorCode PdNSStep(PdNS, PetscInt);
/* energy 1/2 <|u|^2>, enstrophy 1/2 <w^2> (means over the grid), CFL max(|u|,|v|) dt / h, time */
PETSC_EXTERN PetscErrorCode PdNSDiagnostics(PdNS, PetscReal *, PetscReal *, PetscReal *, PetscReal *);

/* The FNO initial condition: w ~ N(0, 7^(3/2) (-Laplace + 49 I)^(-2.5)) on the unit torus, i.e.
   sqrt(2) sigma (4 pi^2 |k|^2 + tau^2)^(-alpha/2) times complex normals, mean zero, real part. */
PETSC_EXTERN PetscErrorCode PdNSRandomVorticity(PetscInt, PetscReal, PetscReal, PdRng *, double[]);
/* The Taylor-Green vortex w = 2 k cos(k x) cos(k y) on the 2 pi torus (k integer), at t = 0 */
PETSC_EXTERN PetscErrorCode PdNSTaylorGreen(PetscInt, PetscInt, double[]);
