/* The spectral layer's per-mode complex products in the channel-major layout, Out [R, B] = alpha A In
   with In [K, B] and A's entries read with any strides (and conjugated if asked): FNO's are 32 x 32
   times 32 x 20 complex, 288 of them per layer, where cgemm spends as long packing and scaling as
   multiplying. Each row of In is copied once, with its i In beside it, into an L1 buffer of whole
   vectors; blocks of 4 output rows keep their accumulators in registers. */
#include "ops_private.h"
#include <string.h>

typedef float PdMV16 __attribute__((vector_size(64), aligned(4)));

#define PD_MODE_KMAX 128 /* inner dimension at most (the buffer: 2 x 128 x 64 floats) */
#define PD_MODE_RB   4

/* RB rows of Out (nf = 2B floats each): acc = sum_k a_k v[k] + b_k vs[k], A(r, k) = a + i b */
static inline __attribute__((always_inline)) void ModeBlock(const int RB, const int NV, PetscInt K, const float *A, PetscInt sr, PetscInt sk, float cs, float alpha, const float *v, const float *vs, float *out, PetscInt nf)
{
  PdMV16 acc[PD_MODE_RB][4], x[4], xs[4];

  for (int j = 0; j < NV; j++) {
    memcpy(&x[j], v + 16 * j, sizeof(PdMV16));
    memcpy(&xs[j], vs + 16 * j, sizeof(PdMV16));
  }
  for (int r = 0; r < RB; r++) { /* the first term sets the accumulators */
    const float a = A[2 * r * sr], b = cs * A[2 * r * sr + 1];
    for (int j = 0; j < NV; j++) acc[r][j] = a * x[j] + b * xs[j];
  }
  for (PetscInt k = 1; k < K; k++) {
    for (int j = 0; j < NV; j++) {
      memcpy(&x[j], v + 16 * (NV * k + j), sizeof(PdMV16));
      memcpy(&xs[j], vs + 16 * (NV * k + j), sizeof(PdMV16));
    }
    for (int r = 0; r < RB; r++) {
      const float a = A[2 * (r * sr + k * sk)], b = cs * A[2 * (r * sr + k * sk) + 1];
      for (int j = 0; j < NV; j++) acc[r][j] += a * x[j] + b * xs[j];
    }
  }
  for (int r = 0; r < RB; r++)
    for (int j = 0; j < NV; j++) {
      PdMV16 t = alpha * acc[r][j];
      if (16 * (j + 1) <= nf) memcpy(out + r * nf + 16 * j, &t, sizeof(t));
      else {
        float f[16];
        memcpy(f, &t, sizeof(t));
        for (PetscInt l = 16 * j; l < nf; l++) out[r * nf + l] = f[l - 16 * j];
      }
    }
}

/* v [K][16 NV] = In's rows zero-padded, vs = i v: (re, im) -> (-im, re) */
static inline __attribute__((always_inline)) void ModePack(const int NV, PetscInt K, const float *In, PetscInt nf, float *v, float *vs)
{
  const PdMV16 sign = {-1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1};
  for (PetscInt k = 0; k < K; k++)
    for (int j = 0; j < NV; j++) {
      PdMV16 t = (PdMV16){0};
      if (16 * (j + 1) <= nf) memcpy(&t, In + k * nf + 16 * j, sizeof(t));
      else memcpy(&t, In + k * nf + 16 * j, sizeof(float) * (size_t)(nf - 16 * j));
      memcpy(v + 16 * (NV * k + j), &t, sizeof(t));
      t = sign * __builtin_shuffle(t, (__attribute__((vector_size(64))) int){1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14});
      memcpy(vs + 16 * (NV * k + j), &t, sizeof(t));
    }
}

#define PD_MODE_KERNEL(NAME, NV) \
  PD_VECTOR_CLONES static void NAME(PetscInt R, PetscInt K, const float *A, PetscInt sr, PetscInt sk, float cs, float alpha, const float *In, float *out, PetscInt nf) \
  { \
    float    v[PD_MODE_KMAX * 16 * (NV)] __attribute__((aligned(64))), vs[PD_MODE_KMAX * 16 * (NV)] __attribute__((aligned(64))); \
    PetscInt r = 0; \
    ModePack(NV, K, In, nf, v, vs); \
    for (; r + PD_MODE_RB <= R; r += PD_MODE_RB) ModeBlock(PD_MODE_RB, NV, K, A + 2 * r * sr, sr, sk, cs, alpha, v, vs, out + r * nf, nf); \
    for (; r < R; r++) ModeBlock(1, NV, K, A + 2 * r * sr, sr, sk, cs, alpha, v, vs, out + r * nf, nf); \
  }
PD_MODE_KERNEL(Mode1, 1)
PD_MODE_KERNEL(Mode2, 2)
PD_MODE_KERNEL(Mode3, 3)
PD_MODE_KERNEL(Mode4, 4)

/*
  PdOpsModeProduct - Out [R, B] = alpha sum_k A(r, k) In [k, :] (complex, interleaved; rows of B
  entries), A(r, k) = A[r sr + k sk], conjugated when conj. Returns PETSC_FALSE, doing nothing, for
  B > 32 or K > 128 (then the caller uses cgemm).
*/
PetscBool PdOpsModeProduct(PetscInt R, PetscInt K, PetscInt B, const float *A, PetscInt sr, PetscInt sk, PetscBool conj, float alpha, const float *In, float *Out)
{
  const PetscInt nf = 2 * B, NV = (nf + 15) / 16;

  if (B < 1 || B > 32 || K < 1 || K > PD_MODE_KMAX) return PETSC_FALSE;
  switch (NV) {
  case 1: Mode1(R, K, A, sr, sk, conj ? -1.0f : 1.0f, alpha, In, Out, nf); break;
  case 2: Mode2(R, K, A, sr, sk, conj ? -1.0f : 1.0f, alpha, In, Out, nf); break;
  case 3: Mode3(R, K, A, sr, sk, conj ? -1.0f : 1.0f, alpha, In, Out, nf); break;
  default: Mode4(R, K, A, sr, sk, conj ? -1.0f : 1.0f, alpha, In, Out, nf); break;
  }
  return PETSC_TRUE;
}
