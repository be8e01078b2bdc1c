/* Helpers shared by src/ops' files (private to the engine): the shape error every op raises, the
   checks and output shape of the channel mixes, the spectral layer's kernels and GELU's vector form. */
#pragma once
#include <pdeop/ops.h>
#include "clones.h"
#include <pdeop/vecmath.h>

PETSC_INTERN PetscErrorCode PdOpsSizeError(const char *, PdTensor, PdTensor, const char *);
PETSC_INTERN PetscErrorCode PdOpsChannelMixShape(const char[], PdTensor, PdTensor, PdTensor, PetscInt[], PetscInt *, PetscInt *, PetscInt *, PetscInt *);
PETSC_INTERN PetscBool      PdOpsRightProduct(PetscInt, PetscInt, PetscInt, const float *, const float *, float *, PetscBool);

PETSC_INTERN PetscBool PdOpsMixFits(PetscInt, PetscInt);
PETSC_INTERN void      PdOpsMixRepack(PetscInt, PetscInt, float, const float *, float *);
PETSC_INTERN void      PdOpsMixProduct(PetscInt, PetscInt, PetscInt, const float *, const float *, float *);
PETSC_INTERN PetscBool PdOpsMixWeightGradFits(PetscInt, PetscInt);
PETSC_INTERN void      PdOpsMixWeightGradAdd(PetscInt, PetscInt, PetscInt, const float *, const float *, float *);
PETSC_INTERN void      PdOpsMixWeightGradFinish(PetscInt, PetscInt, const float *, float *);
PETSC_INTERN PetscBool PdOpsModeProduct(PetscInt, PetscInt, PetscInt, const float *, PetscInt, PetscInt, PetscBool, float, const float *, float *);

/* the row DFTs with a real row's symmetry (row_dft.c) */
typedef struct _PdRowDFT   *PdRowDFT;
PETSC_INTERN PetscErrorCode PdRowDFTCreate(PetscInt, PetscInt, PdRowDFT *);
PETSC_INTERN void           PdRowDFTDestroy(PdRowDFT *);
PETSC_INTERN PetscBool      PdRowDFTForward(PdRowDFT, PetscInt, const float *, float *);
PETSC_INTERN PetscBool      PdRowDFTInverse(PdRowDFT, PetscInt, const float *, float *, PetscBool);

/* GELU without erf (gelu.c): Q(a) = Phi(-a) as a polynomial of degree PD_GELU_DEG per interval of 1/2
   on [0, 8), its coefficients [PD_GELU_DEG + 1][16] from PdOpsGeluTable() */
#define PD_GELU_DEG 6
typedef float             PdGeluV __attribute__((vector_size(64), aligned(4)));
typedef int               PdGeluVi __attribute__((vector_size(64), aligned(4)));
PETSC_INTERN const float *PdOpsGeluTable(void);
PETSC_INTERN void         PdOpsGelu(PetscInt, const float *, float *);
PETSC_INTERN void         PdOpsGeluKeep(PetscInt, float *, float *);

/* 16 values: *g = gelu(x), and *d = gelu'(x) = Phi(x) + x phi(x) when d is not NULL (pointers, not
   vector values: the baseline clone has no AVX-512 argument registers) */
static inline __attribute__((always_inline)) void PdGeluV16(const PdGeluV c[PD_GELU_DEG + 1], const PdGeluV *xp, PdGeluV *g, PdGeluV *d)
{
  const PdGeluV  x   = *xp;
  const PdGeluV  top = (PdGeluV){0} + 7.9999995f;
  const PdGeluV  a   = (PdGeluV)((PdGeluVi)x & 0x7fffffff);
  const PdGeluVi in = a < 7.9999995f, tail = a < 8.0f, pos = x >= 0.0f, big = a >= 8.0f, low = x < -8.0f; /* NaN: none of them */
  const PdGeluV  u   = (PdGeluV)(((PdGeluVi)a & in) | ((PdGeluVi)top & ~in));
  const PdGeluVi idx = __builtin_convertvector(u * 2.0f, PdGeluVi);
  const PdGeluV  t   = u - (__builtin_convertvector(idx, PdGeluV) * 0.5f + 0.25f);
  PdGeluV        q = __builtin_shuffle(c[PD_GELU_DEG], idx), dq = (PdGeluV){0}, phi;
  for (int k = PD_GELU_DEG - 1; k >= 0; k--) {
    if (d) dq = dq * t + q;
    q = q * t + __builtin_shuffle(c[k], idx);
  }
  q   = (PdGeluV)((PdGeluVi)q & tail);
  phi = (PdGeluV)(((PdGeluVi)(1.0f - q) & pos) | ((PdGeluVi)q & ~pos)); /* Phi(x) */
  if (d) *d = phi - (PdGeluV)((PdGeluVi)(x * dq) & ~big);               /* phi(x) = -Q'(a), 0 from |x| = 8 on (inf included) */
  *g = (PdGeluV)((PdGeluVi)(x * phi) & ~low);                           /* 0 below -8, also for -inf; NaN stays NaN */
}

/* y = gelu(x) over n entries (and d = gelu'(x) when d is not NULL); y and d may be x */
static inline __attribute__((always_inline)) void PdGeluRow(const float *tab, PetscInt n, const float *x, float *y, float *d)
{
  PdGeluV  c[PD_GELU_DEG + 1], v, g, dv = (PdGeluV){0};
  PetscInt l = 0;
  __builtin_memcpy(c, tab, sizeof(c));
  for (; l + 16 <= n; l += 16) {
    __builtin_memcpy(&v, x + l, sizeof(v));
    PdGeluV16(c, &v, &g, d ? &dv : NULL);
    __builtin_memcpy(y + l, &g, sizeof(g));
    if (d) __builtin_memcpy(d + l, &dv, sizeof(dv));
  }
  if (l < n) {
    float b[16] = {0}, gb[16], db[16];
    for (PetscInt i = l; i < n; i++) b[i - l] = x[i];
    __builtin_memcpy(&v, b, sizeof(v));
    PdGeluV16(c, &v, &g, d ? &dv : NULL);
    __builtin_memcpy(gb, &g, sizeof(g));
    __builtin_memcpy(db, &dv, sizeof(dv));
    for (PetscInt i = l; i < n; i++) {
      y[i] = gb[i - l];
      if (d) d[i] = db[i - l];
    }
  }
}
