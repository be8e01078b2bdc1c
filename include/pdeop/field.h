/* Random coefficient fields on grids (Gaussian random fields, the FNO Darcy thresholding, log-normal
   fields) and transfers between distributed DMDA Vecs and engine tensors. */
#pragma once
#include <petscdmda.h>
#include <pdeop/rng.h>

/* Gaussian random field on an s x s grid of [0,1]^2 with covariance (-Laplace + tau^2 I)^(-alpha)
   and zero Neumann conditions: the cosine (DCT) series of the FNO data generator,
   u = idct2(s * tau^(alpha-1) (pi^2 |k|^2 + tau^2)^(-alpha/2) xi), xi ~ N(0,1), constant mode 0.
   u[j*s + i], i along x. Uses FFTW's DCT-III (REDFT01) with orthonormal weights. */
PETSC_EXTERN PetscErrorCode PdGaussianRandomField2D(PetscInt, PetscReal, PetscReal, PdRng *, double[]);
/* The same on an s x s x s grid of [0,1]^3 (scale s^(3/2); alpha > 3/2), u[(k*s + j)*s + i]. */
PETSC_EXTERN PetscErrorCode PdGaussianRandomField3D(PetscInt, PetscReal, PetscReal, PdRng *, double[]);
/* The FNO Darcy coefficient: psi(u) = 12 where u >= 0, 3 elsewhere (in place). */
/* The FNO Navier-Stokes initial condition on the N x N unit torus: w ~ N(0, 7^(3/2) (-Laplace +
   49 I)^(-2.5)) for alpha 2.5, tau 7, i.e. sqrt(2) sigma (4 pi^2 |k|^2 + tau^2)^(-alpha/2) times
   complex normals, mean zero, real part (the reference's GaussianRF(2, N, alpha, tau)) */
PETSC_EXTERN PetscErrorCode PdNSRandomVorticity(PetscInt, PetscReal, PetscReal, PdRng *, double[]);
PETSC_EXTERN PetscErrorCode PdFieldThreshold(PetscInt, double[], double, double);
/* a = exp(sigma u) (in place). */
PETSC_EXTERN PetscErrorCode PdFieldLogNormal(PetscInt, double[], double);

/* A DMDA global Vec (any distribution) to one sample [C=1, ny, nx] (x fastest) as floats, complete
   on every rank; and back (each rank takes its part). */
PETSC_EXTERN PetscErrorCode PdVecToSample(DM, Vec, float[]);
/* The same as doubles, newly allocated, on every rank or on rank 0 only. */
PETSC_EXTERN PetscErrorCode PdVecGatherNatural(DM, Vec, PetscBool, double **);
PETSC_EXTERN PetscErrorCode PdSampleToVec(DM, const float[], Vec);
