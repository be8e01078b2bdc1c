/* Darcy flow: -div(a grad u) = f on the unit square, u = 0 on the boundary, node-based finite
   differences with face coefficients by harmonic (or arithmetic) mean. */
#pragma once
#include <petscksp.h>
#include <pdeop/dict.h>

/* The FNO paper's Darcy coefficient, in one place: a Gaussian random field with (-Laplacian + tau^2)^(-alpha)
   covariance, alpha = 2, tau = 3, thresholded to 12 where it is non-negative and 3 elsewhere */
#define PD_DARCY_ALPHA  2.0
#define PD_DARCY_TAU    3.0
#define PD_DARCY_A_HIGH 12.0
#define PD_DARCY_A_LOW  3.0

typedef enum { PD_FACE_HARMONIC,
               PD_FACE_ARITHMETIC } PdFaceAverage;
PETSC_EXTERN const char *const PdFaceAverages[];

/* a: node values on the whole M x N grid (a[j*M + i]), on every rank. Symmetric positive definite:
   boundary rows are the identity scaled like the interior diagonal, couplings to them dropped. */
PETSC_EXTERN PetscErrorCode PdDarcyOperator(DM, const double[], PdFaceAverage, Mat);
/* f: node values on the whole grid, or NULL for the constant fval; zero on boundary rows. */
PETSC_EXTERN PetscErrorCode PdDarcyRHS(DM, const double[], double, Vec);
