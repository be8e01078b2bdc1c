/* Incompressible 2D Navier-Stokes on the periodic square in vorticity form, pseudo-spectral with
   FFTW: the scheme of the FNO paper's data generator (2/3 dealiasing, Crank-Nicolson viscosity,
   Heun predictor-corrector or forward Euler for advection and forcing). */
#pragma once
#include <petscsys.h>
#include <pdeop/rng.h>
#include <pdeop/dict.h>
#include <pdeop/field.h>

typedef enum { PD_NS_FORCING_NONE,
               PD_NS_FORCING_FNO } PdNSForcing;
/* Time stepping of advection and forcing (viscosity is Crank-Nicolson in both): Heun's
   predictor-corrector (2 right-hand sides a step, second order), or forward Euler (1 right-hand
   side, first order: what the FNO reference's ns_2d.py does). */
typedef enum { PD_NS_SCHEME_HEUN,
               PD_NS_SCHEME_EULER } PdNSScheme;
PETSC_EXTERN const char *const PdNSSchemes[];

typedef struct _n_PdNS *PdNS;

/* A solver on an N x N grid (N even) of the square of side L (1: unit torus, 2 pi), viscosity nu,
   time step dt, forcing. Grid point (i, j) is x = i L / N, y = j L / N; fields are [j][i]. */
PETSC_EXTERN PetscErrorCode PdNSCreate(PetscInt, PetscReal, PetscReal, PetscReal, PdNSForcing, PdNS *);
PETSC_EXTERN PetscErrorCode PdNSDestroy(PdNS *);
PETSC_EXTERN PetscErrorCode PdNSSetScheme(PdNS, PdNSScheme);
/* Set the vorticity (physical values, N*N) and the time to 0 */
PETSC_EXTERN PetscErrorCode PdNSSetVorticity(PdNS, const double[]);
PETSC_EXTERN PetscErrorCode PdNSGetVorticity(PdNS, double[]);
/* Advance nsteps steps; a CFL number above 1 or a non-finite value is an error naming the step */
PETSC_EXTERN PetscErrorCode PdNSStep(PdNS, PetscInt);
/* energy 1/2 <|u|^2>, enstrophy 1/2 <w^2> (means over the grid), CFL max(|u|,|v|) dt / h, time */
PETSC_EXTERN PetscErrorCode PdNSDiagnostics(PdNS, PetscReal *, PetscReal *, PetscReal *, PetscReal *);
/* The largest CFL number of the steps taken since PdNSSetVorticity (each step's starting velocity) */
PETSC_EXTERN PetscErrorCode PdNSGetMaxCFL(PdNS, PetscReal *);
/* The dealiased advection term u.grad w of the vorticity w (physical values, N*N, in and out): the
   2/3 rule keeps the modes with |k_x| <= N/3 and |k_y| <= N/3 of the product. Uses the solver's
   work arrays; its state is unchanged. */
PETSC_EXTERN PetscErrorCode PdNSAdvection(PdNS, const double[], double[]);

/* The FNO initial condition, PdNSRandomVorticity, is with the other random fields in <pdeop/field.h> */
/* The Taylor-Green vortex w = 2 k cos(k x) cos(k y) on the 2 pi torus (k integer), at t = 0. On a
   square of side L the same grid values are the vortex of wavenumber 2 pi k / L. Its advection term
   vanishes, so it decays exactly as exp(-2 nu (2 pi k / L)^2 t). */
PETSC_EXTERN PetscErrorCode PdNSTaylorGreen(PetscInt, PetscInt, double[]);
