/* The convolution kernels behind PdConv3x3 and its transpose (conv_kernels.c): im2col/col2im, a direct
   3x3x3 kernel for few channels and Winograd F(2x2,3x3). Private to src/ops. */
#pragma once
#include <pdeop/ops.h>

/* One convolution's geometry: C channels on a D x H x W grid (D = 1 in 2D), kernel depth kd (1 in 2D,
   3 in 3D) by 3 x 3, stride s, output grid Do x Ho x Wo */
typedef struct {
  PetscInt C, D, H, W, kd, s, Do, Ho, Wo;
} Geom;

/* col[(((c kd + kz) 3 + ky) 3 + kx), (oz Ho + oy) Wo + ox] = in[c, oz s + kz - 1, oy s + ky - 1, ox s + kx - 1] */
PETSC_INTERN void PdConvIm2Col(const float *restrict, const Geom *, float *restrict);
/* the adjoint of PdConvIm2Col: out += col2im(col) */
PETSC_INTERN void PdConvCol2Im(const float *restrict, const Geom *, float *restrict);
/* whether a convolution of this geometry from cin to cout channels uses the direct kernel */
PETSC_INTERN PetscBool PdConvUseDirect(const Geom *, PetscInt, PetscInt);
/* floats of scratch PdConvDirect needs for cin input channels */
PETSC_INTERN size_t PdConvDirectScratch(PetscInt, const Geom *);
/* y [cout, Do, Ho, Wo] = z + alpha conv(x [cin, D, H, W], w [cout, cin, 3, 3, 3]), stride 1 or 2 (z NULL: none;
   z = y: y is added to); xp: scratch. Every entry of y is written once. */
PETSC_INTERN void PdConvDirect(const float *restrict, const float *restrict, PetscInt, PetscInt, const Geom *, float, const float *, float *, float *restrict);
/* whether the transpose of a stride-2 convolution of this geometry, from cin to cout channels, uses PdConvDirectT */
PETSC_INTERN PetscBool PdConvUseDirectT(const Geom *, PetscInt, PetscInt);
/* floats of scratch PdConvDirectT needs for cin input channels */
PETSC_INTERN size_t PdConvDirectTScratch(PetscInt, const Geom *);
/* y [cout, D, H, W] = z + alpha convT(x [cin, Do, Ho, Wo], w [cin, cout, 3, 3, 3]), the adjoint of the
   stride-2 convolution of geometry g (g's channel count unused; z as for PdConvDirect); xp: scratch */
PETSC_INTERN void PdConvDirectT(const float *restrict, const float *restrict, PetscInt, PetscInt, const Geom *, float, const float *, float *, float *restrict);
/* whether a convolution of this geometry from cin to cout channels uses Winograd */
PETSC_INTERN PetscBool PdConvUseWinograd(const Geom *, PetscInt, PetscInt);
/* floats of scratch PdConvWinograd needs */
PETSC_INTERN size_t PdConvWinogradScratch(PetscInt, PetscInt, PetscInt, PetscInt);
/* y_n [cout, H, W] = z_n + alpha conv(x_n [cin, H, W], w [cout, cin, 3, 3]) for B samples, stride 1 (z NULL:
   none; z = y: added to y) */
PETSC_INTERN void PdConvWinograd(PetscInt, const float *, const float *, PetscInt, PetscInt, PetscInt, PetscInt, float, const float *, float *, float *);
/* dw [cout, cin, 3, 3] += alpha sum_n corr(dy_n [cout, H, W], x_n [cin, H, W]) for B samples, the weight
   gradient of PdConvWinograd's convolution; work holds PdConvWinogradScratch(cin, cout, H, W) floats */
PETSC_INTERN void PdConvWinogradWeightGrad(PetscInt, const float *, const float *, PetscInt, PetscInt, PetscInt, PetscInt, float, float *, float *);
