/* The spectral layer's row DFTs with the symmetry of a real row: x[n] and x[W - n] meet the same
   cosine and opposite sines, so the forward DFT of the kept m columns works on the sums and
   differences of those pairs and the inverse computes both halves of a row from one half. Half the
   multiply-adds of the plain product (PdOpsRightProduct) for the same result. */
#include "ops_private.h"
#include <stdlib.h>
#include <string.h>

typedef float PdDV16 __attribute__((vector_size(64), aligned(4)));

#define PD_DFT_HMAX 128 /* the forward kernel's rows: W <= 256 */
#define PD_DFT_FRB  8   /* rows per block, forward */
#define PD_DFT_IRB  4   /* rows per block, inverse */

struct _PdRowDFT {
  PetscInt W, m, h, nv; /* h = W / 2; nv = h / 16 vectors per half row (inverse), 0 if the inverse is not supported */
  float   *ce, *so;     /* forward: [h + 1][16] cos(2 pi k n / W), [h][16] -sin (row n = 1..h-1 used); lanes k < m <= 16 */
  float   *cp, *sq;     /* inverse: [m][h] c_k cos(2 pi k n / W), [m][h] -c_k sin; n < h */
  float   *pc;          /* inverse: [m] c_k (-1)^k, the row's middle point n = h */
};

/* fills the tables for W points and m kept columns; a table stays NULL where its kernel does not
   apply (odd W, m not 4, 8, 12 or 16, or W > 256 for the forward; W not a multiple of 32 or above 128 for the inverse) */
PetscErrorCode PdRowDFTCreate(PetscInt W, PetscInt m, PdRowDFT *dft)
{
  PdRowDFT d;
  PetscInt h = W / 2;

  PetscFunctionBegin;
  d = (PdRowDFT)calloc(1, sizeof(*d)); /* lives in ops_spectral.c's global cache */
  PetscCheck(d, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the row DFT tables");
  d->W = W;
  d->m = m;
  d->h = h;
  if (W % 2 == 0 && W >= 4 && h <= PD_DFT_HMAX && m % 4 == 0 && m >= 4 && m <= 16) {
    d->ce = (float *)calloc((size_t)(2 * h + 1) * 16, sizeof(float));
    PetscCheck(d->ce, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the row DFT tables");
    d->so = d->ce + (h + 1) * 16;
    for (PetscInt n = 0; n <= h; n++)
      for (PetscInt k = 0; k < m; k++) {
        double ph         = 2 * PETSC_PI * (double)((k * n) % W) / (double)W; /* (k n) mod W keeps the angle exact */
        d->ce[n * 16 + k] = (float)cos(ph);
        if (n < h) d->so[n * 16 + k] = (float)-sin(ph);
      }
  }
  if (W % 32 == 0 && h / 16 <= 4) {
    d->nv = h / 16;
    d->cp = (float *)malloc(sizeof(float) * (size_t)(2 * m * h + m));
    PetscCheck(d->cp, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the row DFT tables");
    d->sq = d->cp + m * h;
    d->pc = d->sq + m * h;
    for (PetscInt k = 0; k < m; k++) {
      double ck = k == 0 ? 1 : 2;
      for (PetscInt n = 0; n < h; n++) {
        double ph        = 2 * PETSC_PI * (double)((k * n) % W) / (double)W;
        d->cp[k * h + n] = (float)(ck * cos(ph));
        d->sq[k * h + n] = (float)(-ck * sin(ph));
      }
      d->pc[k] = (float)(k % 2 ? -ck : ck);
    }
  }
  *dft = d;
  PetscFunctionReturn(0);
}

void PdRowDFTDestroy(PdRowDFT *dft)
{
  if (!*dft) return;
  free((*dft)->ce);
  free((*dft)->cp);
  free(*dft);
  *dft = NULL;
}

/* RB rows of x [rows][W] -> X [rows][2m] (re, im interleaved). A row's sums e[n] = x[n] + x[W-n] and
   differences o[n] = x[n] - x[W-n] (e[0] = x[0], e[h] = x[h]) go to a buffer in L1; re += e[n] cos,
   im += o[n] (-sin). */
static inline __attribute__((always_inline)) void ForwardBlock(const int RB, PetscInt W, PetscInt m, const float *restrict ce, const float *restrict so, const float *restrict x, float *restrict X, int ahead)
{
  const PetscInt h = W / 2;
  float          e[PD_DFT_FRB][PD_DFT_HMAX + 16], o[PD_DFT_FRB][PD_DFT_HMAX + 16];
  PdDV16         re[PD_DFT_FRB], im[PD_DFT_FRB], c, s;

  for (int i = 0; i < RB; i++) {
    const float *xr = x + i * W;
    PetscInt     n  = 1;
    if (h >= 16) /* 16 pairs at a time, the last block possibly past n = h - 1 (x[n] and x[W - n] stay in the row) */
      for (; n < h; n += 16) {
        PdDV16 a, b;
        memcpy(&a, xr + n, sizeof(a));
        memcpy(&b, xr + W - n - 15, sizeof(b));
        if (ahead) { /* the block after next: the rows stream from memory */
          __builtin_prefetch(xr + 2 * RB * W + n);
          __builtin_prefetch(xr + 2 * RB * W + W - n - 15);
        }
        b                = __builtin_shuffle(b, (__attribute__((vector_size(64))) int){15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
        const PdDV16 sum = a + b, dif = a - b;
        memcpy(&e[i][n], &sum, sizeof(sum));
        memcpy(&o[i][n], &dif, sizeof(dif));
      }
    else
      for (; n < h; n++) {
        e[i][n] = xr[n] + xr[W - n];
        o[i][n] = xr[n] - xr[W - n];
      }
    e[i][0] = xr[0];
    e[i][h] = xr[h];
  }
  /* the first terms set the accumulators (zeroing arrays of vectors becomes a memset in memory) */
  memcpy(&c, ce, sizeof(c));
  memcpy(&s, so + 16, sizeof(s));
  for (int i = 0; i < RB; i++) {
    re[i] = e[i][0] * c;
    im[i] = o[i][1] * s;
  }
  for (PetscInt n = 1; n <= h; n++) {
    memcpy(&c, ce + 16 * n, sizeof(c));
    for (int i = 0; i < RB; i++) re[i] += e[i][n] * c;
  }
  for (PetscInt n = 2; n < h; n++) {
    memcpy(&s, so + 16 * n, sizeof(s));
    for (int i = 0; i < RB; i++) im[i] += o[i][n] * s;
  }
  for (int i = 0; i < RB; i++) {
    const PdDV16 lo  = __builtin_shuffle(re[i], im[i], (__attribute__((vector_size(64))) int){0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23});
    const PdDV16 hi  = __builtin_shuffle(re[i], im[i], (__attribute__((vector_size(64))) int){8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31});
    float       *out = X + i * 2 * m;
    memcpy(out, &lo, m >= 8 ? 64 : 32); /* m is 4, 8, 12 or 16: 8, 16, 24 or 32 floats */
    if (m == 12) memcpy(out + 16, &hi, 32);
    else if (m == 16) memcpy(out + 16, &hi, 64);
  }
}

PD_VECTOR_CLONES static void Forward(PetscInt R, PetscInt W, PetscInt m, const float *restrict ce, const float *restrict so, const float *restrict x, float *restrict X)
{
  PetscInt r0 = 0;
  for (; r0 + PD_DFT_FRB <= R; r0 += PD_DFT_FRB) ForwardBlock(PD_DFT_FRB, W, m, ce, so, x + r0 * W, X + r0 * 2 * m, r0 + 3 * PD_DFT_FRB <= R);
  for (; r0 < R; r0++) ForwardBlock(1, W, m, ce, so, x + r0 * W, X + r0 * 2 * m, 0);
}

/* RB rows of Y [rows][2m] -> out [rows][W] (or out +=): P[n] = sum_k c_k cos Yre[k], Q[n] = sum_k
   -c_k sin Yim[k] for n < h, then out[n] = P[n] + Q[n], out[W - n] = P[n] - Q[n] and out[h] = sum_k
   c_k (-1)^k Yre[k]. The second half is stored reversed: its vector j holds D[16 j + 16 - t] in lane
   t (D = P - Q, with D[h] the middle point). */
static inline __attribute__((always_inline)) void InverseBlock(const int RB, const int NV, PetscInt m, const float *restrict cp, const float *restrict sq, const float *restrict pc, const float *restrict Y, float *restrict out, int add)
{
  const PetscInt                             h = 16 * NV, W = 2 * h;
  PdDV16                                     P[PD_DFT_IRB][4], Q[PD_DFT_IRB][4];
  float                                      mid[PD_DFT_IRB];
  const __attribute__((vector_size(64))) int rev = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};

  for (int i = 0; i < RB; i++) {
    for (int j = 0; j < NV; j++) P[i][j] = Q[i][j] = (PdDV16){0};
    mid[i] = 0;
  }
  for (PetscInt k = 0; k < m; k++) {
    PdDV16 c[4], s[4];
    for (int j = 0; j < NV; j++) {
      memcpy(&c[j], cp + k * h + 16 * j, sizeof(PdDV16));
      memcpy(&s[j], sq + k * h + 16 * j, sizeof(PdDV16));
    }
    for (int i = 0; i < RB; i++) {
      const float yr = Y[i * 2 * m + 2 * k], yi = Y[i * 2 * m + 2 * k + 1];
      for (int j = 0; j < NV; j++) {
        P[i][j] += yr * c[j];
        Q[i][j] += yi * s[j];
      }
      mid[i] += yr * pc[k];
    }
  }
  for (int i = 0; i < RB; i++) {
    float *o = out + i * W;
    PdDV16 D[5];
    for (int j = 0; j < NV; j++) {
      PdDV16 v = P[i][j] + Q[i][j], t;
      D[j]     = P[i][j] - Q[i][j];
      if (add) {
        memcpy(&t, o + 16 * j, sizeof(t));
        v += t;
      }
      memcpy(o + 16 * j, &v, sizeof(v));
    }
    D[NV]    = (PdDV16){0};
    D[NV][0] = mid[i];
    for (int j = 0; j < NV; j++) {
      PdDV16 v = __builtin_shuffle(D[j], D[j + 1], rev), t;
      if (add) {
        memcpy(&t, o + W - 16 * j - 16, sizeof(t));
        v += t;
      }
      memcpy(o + W - 16 * j - 16, &v, sizeof(v));
    }
  }
}

#define PD_DFT_INVERSE(NAME, NV) \
  PD_VECTOR_CLONES static void NAME(PetscInt R, PetscInt m, const float *restrict cp, const float *restrict sq, const float *restrict pc, const float *restrict Y, float *restrict out, int add) \
  { \
    PetscInt r0 = 0; \
    for (; r0 + PD_DFT_IRB <= R; r0 += PD_DFT_IRB) InverseBlock(PD_DFT_IRB, NV, m, cp, sq, pc, Y + r0 * 2 * m, out + r0 * 32 * (NV), add); \
    for (; r0 < R; r0++) InverseBlock(1, NV, m, cp, sq, pc, Y + r0 * 2 * m, out + r0 * 32 * (NV), add); \
  }
PD_DFT_INVERSE(Inverse1, 1)
PD_DFT_INVERSE(Inverse2, 2)
PD_DFT_INVERSE(Inverse3, 3)
PD_DFT_INVERSE(Inverse4, 4)

/* X [R][2m] = the kept columns of the DFT of the R rows of x [R][W] (re, -im of sum x e^{-i...} as
   the plain product x F); PETSC_FALSE, doing nothing, where the kernel does not apply */
PetscBool PdRowDFTForward(PdRowDFT d, PetscInt R, const float *x, float *X)
{
  if (!d || !d->ce) return PETSC_FALSE;
  Forward(R, d->W, d->m, d->ce, d->so, x, X);
  return PETSC_TRUE;
}

/* out [R][W] (= or +=) the real rows whose half spectra are Y [R][2m] (zero beyond column m), as the
   plain product Y G; PETSC_FALSE, doing nothing, where the kernel does not apply */
PetscBool PdRowDFTInverse(PdRowDFT d, PetscInt R, const float *Y, float *out, PetscBool add)
{
  if (!d || !d->nv) return PETSC_FALSE;
  switch (d->nv) {
  case 1: Inverse1(R, d->m, d->cp, d->sq, d->pc, Y, out, add); break;
  case 2: Inverse2(R, d->m, d->cp, d->sq, d->pc, Y, out, add); break;
  case 3: Inverse3(R, d->m, d->cp, d->sq, d->pc, Y, out, add); break;
  default: Inverse4(R, d->m, d->cp, d->sq, d->pc, Y, out, add); break;
  }
  return PETSC_TRUE;
}
