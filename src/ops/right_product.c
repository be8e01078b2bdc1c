/* C [R, N] = A [R, K] B [K, N] (or C += ...) for a small right operand B and many rows R: the spectral
   layer's row DFTs (x F with F [W, 2 m2], Y G with G [2 m2, W]) where row_dft.c's symmetric kernels
   do not apply. sgemm packs A on every call and zeroes
   C first for beta = 0; here each block of RB rows keeps its RB x N outputs in registers (vectors of 16
   and one of 8 for N = 16 NV + 8 T8) while A's entries are broadcast from memory and B (a few KB)
   stays in L1, so A and C are each touched once. */
#include "ops_private.h"
#include <string.h>

typedef float PdRV16 __attribute__((vector_size(64), aligned(4)));
typedef float PdRV8 __attribute__((vector_size(32), aligned(4)));

/* one kernel per (NV, T8, RB); rows beyond a whole block go one at a time (RB = 1 loop) */
#define PD_RIGHT_KERNEL(NAME, NV, T8, RB) \
  PD_VECTOR_CLONES static void NAME(PetscInt R, PetscInt K, const float *restrict A, const float *restrict B, float *restrict C, int add) \
  { \
    const PetscInt N  = 16 * (NV) + 8 * (T8); \
    PetscInt       r0 = 0; \
    for (; r0 + (RB) <= R; r0 += (RB)) { \
      PdRV16 acc[RB][(NV) ? (NV) : 1]; \
      PdRV8  tac[RB]; \
      for (int i = 0; i < (RB); i++) { \
        for (int j = 0; j < (NV); j++) { \
          if (add) memcpy(&acc[i][j], C + (r0 + i) * N + 16 * j, sizeof(PdRV16)); \
          else acc[i][j] = (PdRV16){0}; \
        } \
        if (T8) { \
          if (add) memcpy(&tac[i], C + (r0 + i) * N + 16 * (NV), sizeof(PdRV8)); \
          else tac[i] = (PdRV8){0}; \
        } \
      } \
      for (PetscInt k = 0; k < K; k++) { \
        PdRV16 b[(NV) ? (NV) : 1]; \
        PdRV8  bt = (PdRV8){0}; \
        for (int j = 0; j < (NV); j++) memcpy(&b[j], B + k * N + 16 * j, sizeof(PdRV16)); \
        if (T8) memcpy(&bt, B + k * N + 16 * (NV), sizeof(PdRV8)); \
        for (int i = 0; i < (RB); i++) { \
          const float a = A[(r0 + i) * K + k]; \
          for (int j = 0; j < (NV); j++) acc[i][j] += a * b[j]; \
          if (T8) tac[i] += a * bt; \
        } \
      } \
      for (int i = 0; i < (RB); i++) { \
        for (int j = 0; j < (NV); j++) memcpy(C + (r0 + i) * N + 16 * j, &acc[i][j], sizeof(PdRV16)); \
        if (T8) memcpy(C + (r0 + i) * N + 16 * (NV), &tac[i], sizeof(PdRV8)); \
      } \
    } \
    for (; r0 < R; r0++) \
      for (PetscInt n = 0; n < N; n++) { \
        float s = add ? C[r0 * N + n] : 0.0f; \
        for (PetscInt k = 0; k < K; k++) s += A[r0 * K + k] * B[k * N + n]; \
        C[r0 * N + n] = s; \
      } \
  }

PD_RIGHT_KERNEL(Right08, 0, 1, 16)
PD_RIGHT_KERNEL(Right16, 1, 0, 16)
PD_RIGHT_KERNEL(Right24, 1, 1, 10)
PD_RIGHT_KERNEL(Right32, 2, 0, 10)
PD_RIGHT_KERNEL(Right40, 2, 1, 8)
PD_RIGHT_KERNEL(Right48, 3, 0, 8)

/*
  PdOpsRightProduct - C [R, N] = A [R, K] B [K, N], or C += A B with add; all row-major and contiguous.
  Returns PETSC_FALSE, doing nothing, unless N is 8, 16, 24, 32, 40 or 48 (then the caller uses
  sgemm).
*/
PetscBool PdOpsRightProduct(PetscInt R, PetscInt K, PetscInt N, const float *A, const float *B, float *C, PetscBool add)
{
  switch (N) {
  case 8: Right08(R, K, A, B, C, add); break;
  case 16: Right16(R, K, A, B, C, add); break;
  case 24: Right24(R, K, A, B, C, add); break;
  case 32: Right32(R, K, A, B, C, add); break;
  case 40: Right40(R, K, A, B, C, add); break;
  case 48: Right48(R, K, A, B, C, add); break;
  default: return PETSC_FALSE;
  }
  return PETSC_TRUE;
}
