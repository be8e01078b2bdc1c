/* The spectral layer's column pass as DFTs fused with the gather of the kept modes (forward) and their
   scatter (inverse), for the row-DFT layout [planes][H][m2] complex. Only 2 m1 of the H column
   frequencies are kept, and they come in pairs k, -k: with A_k = sum_h cos(2 pi k h / H) X_h and B_k
   = sum_h sin(...) X_h, X_k = A_k - i B_k and X_-k = A_k + i B_k; the rows h and H - h meet the same
   cosine and opposite sines, so A and B take the sums and differences of those rows. The inverse is
   the same in reverse. Together a quarter of a complex DFT's multiply-adds, no zeroed rows, and the
   modes go straight to (or come straight from) the mode-major matrices of the products. */
#include "ops_private.h"
#include <stdlib.h>
#include <string.h>

typedef float PdCV16 __attribute__((vector_size(64), aligned(4)));

#define PD_CDFT_HMAX  256 /* rows per plane at most */
#define PD_CDFT_M1MAX 32  /* kept row frequencies per sign at most */
#define PD_CDFT_PB    8   /* planes per block of the transposed gather and scatter */
#define PD_CDFT_G     8   /* frequencies (forward) or rows (inverse) per register block */

struct _PdColDFT {
  PetscInt H, m1, m2;
  float   *c, *s; /* [m1 + 1][H / 2 + 1]: cos and sin of 2 pi k h / H */
};

/* tables for H rows, m1 row frequencies of each sign, m2 columns; NULL where the kernels do not apply
   (odd H, H > 256, 2 m1 >= H, m1 > 32, m2 > 16) */
PetscErrorCode PdColDFTCreate(PetscInt H, PetscInt m1, PetscInt m2, PdColDFT *dft)
{
  PdColDFT d;
  PetscInt hh = H / 2 + 1;

  PetscFunctionBegin;
  *dft = NULL;
  if (H % 2 || H < 4 || H > PD_CDFT_HMAX || m1 < 1 || 2 * m1 >= H || m1 > PD_CDFT_M1MAX || m2 < 1 || m2 > 16) PetscFunctionReturn(0);
  d = (PdColDFT)calloc(1, sizeof(*d)); /* lives in ops_spectral.c's global cache */
  PetscCheck(d, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the column DFT tables");
  d->c = (float *)malloc(sizeof(float) * (size_t)(2 * (m1 + 1) * hh));
  PetscCheck(d->c, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the column DFT tables");
  d->s = d->c + (m1 + 1) * hh;
  d->H = H, d->m1 = m1, d->m2 = m2;
  for (PetscInt k = 0; k <= m1; k++)
    for (PetscInt h = 0; h < hh; h++) {
      double ph        = 2 * PETSC_PI * (double)((k * h) % H) / (double)H; /* (k h) mod H keeps the angle exact */
      d->c[k * hh + h] = (float)cos(ph);
      d->s[k * hh + h] = (float)sin(ph);
    }
  *dft = d;
  PetscFunctionReturn(0);
}

void PdColDFTDestroy(PdColDFT *dft)
{
  if (!*dft) return;
  free((*dft)->c);
  free(*dft);
  *dft = NULL;
}

/* lanes (re, im) -> (im, -re): -i z (a macro: a function returning a 64-byte vector changes the
   baseline clone's calling convention) */
#define PD_MINUS_I(z) \
  ((PdCV16){1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1} * __builtin_shuffle((z), (__attribute__((vector_size(64))) int){1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14}))

/* *v = 16 floats of a row from its entry 16 j (row: nf floats, left: floats from the row's start to
   the array's end); past the row, the next row's values, or zeros where the array ends */
static inline __attribute__((always_inline)) void LoadRow(const float *row, PetscInt left, PetscInt nf, int j, PdCV16 *v)
{
  if (left >= 16 * (j + 1)) memcpy(v, row + 16 * j, sizeof(*v));
  else {
    float t[16] = {0};
    for (PetscInt l = 16 * j; l < nf; l++) t[l - 16 * j] = row[l];
    memcpy(v, t, sizeof(*v));
  }
}

/* out[k] = sum_{h = h0}^{h1} tab[k][h] in[h] for k = k0 .. k1 (at most G at a time), rows of 32 floats */
static inline __attribute__((always_inline)) void Sums(const int NV, PetscInt k0, PetscInt k1, PetscInt h0, PetscInt h1, const float *tab, PetscInt hh, const float *in, float *out)
{
  for (PetscInt kb = k0; kb <= k1; kb += PD_CDFT_G) {
    const PetscInt ng = PetscMin(PD_CDFT_G, k1 - kb + 1);
    const float   *t[PD_CDFT_G]; /* rows past k1 repeat k1's: computed, never stored */
    PdCV16         acc[PD_CDFT_G][2], v[2];
    for (int g = 0; g < PD_CDFT_G; g++) t[g] = tab + PetscMin(kb + g, k1) * hh;
    for (int j = 0; j < NV; j++) memcpy(&v[j], in + 32 * h0 + 16 * j, sizeof(PdCV16));
    for (int g = 0; g < PD_CDFT_G; g++)
      for (int j = 0; j < NV; j++) acc[g][j] = t[g][h0] * v[j];
    for (PetscInt h = h0 + 1; h <= h1; h++) {
      for (int j = 0; j < NV; j++) memcpy(&v[j], in + 32 * h + 16 * j, sizeof(PdCV16));
      for (int g = 0; g < PD_CDFT_G; g++)
        for (int j = 0; j < NV; j++) acc[g][j] += t[g][h] * v[j];
    }
    for (int g = 0; g < ng; g++)
      for (int j = 0; j < NV; j++) memcpy(out + 32 * (kb + g) + 16 * j, &acc[g][j], sizeof(PdCV16));
  }
}

/* Xm [(ri m2 + col) P + p] = colscale[col] (kept mode ri of column col of plane p), X [P][H][m2] */
static inline __attribute__((always_inline)) void Gather(const int NV, PdColDFT d, PetscInt P, const float *X, float *Xm, const PdCV16 *cs)
{
  const PetscInt H = d->H, m1 = d->m1, m2 = d->m2, nf = 2 * m2, hh = H / 2 + 1, half = H / 2;
  float          E[(PD_CDFT_HMAX / 2 + 1) * 32] __attribute__((aligned(64))), O[(PD_CDFT_HMAX / 2 + 1) * 32] __attribute__((aligned(64)));
  float          A[(PD_CDFT_M1MAX + 1) * 32] __attribute__((aligned(64))), Bs[(PD_CDFT_M1MAX + 1) * 32] __attribute__((aligned(64)));
  float          blk[PD_CDFT_PB][2 * PD_CDFT_M1MAX][32] __attribute__((aligned(64)));

  for (PetscInt p0 = 0; p0 < P; p0 += PD_CDFT_PB) {
    const PetscInt pn = PetscMin(PD_CDFT_PB, P - p0);
    for (PetscInt q = 0; q < pn; q++) {
      const float   *x    = X + (p0 + q) * H * nf;
      const PetscInt left = (P - p0 - q) * H * nf; /* floats from the plane's start to the array's end */
      for (PetscInt h = 0; h <= half; h++)
        for (int j = 0; j < NV; j++) { /* lanes past nf hold the next row's values: never stored */
          PdCV16 a, b = (PdCV16){0};
          LoadRow(x + h * nf, left - h * nf, nf, j, &a);
          if (h > 0 && h < half) LoadRow(x + (H - h) * nf, left - (H - h) * nf, nf, j, &b);
          const PdCV16 e = a + b, o = a - b;
          memcpy(E + 32 * h + 16 * j, &e, sizeof(e));
          memcpy(O + 32 * h + 16 * j, &o, sizeof(o));
        }
      Sums(NV, 0, m1, 0, half, d->c, hh, E, A);
      Sums(NV, 1, m1, 1, half - 1, d->s, hh, O, Bs);
      for (PetscInt k = 0; k <= m1; k++)
        for (int j = 0; j < NV; j++) {
          PdCV16 a, b = (PdCV16){0}, mib;
          memcpy(&a, A + 32 * k + 16 * j, sizeof(a));
          if (k > 0) memcpy(&b, Bs + 32 * k + 16 * j, sizeof(b));
          mib = PD_MINUS_I(b);
          if (k < m1) { /* X_k = A - i B */
            const PdCV16 t = (a + mib) * cs[j];
            memcpy(&blk[q][k][16 * j], &t, sizeof(t));
          }
          if (k > 0) { /* X_-k = A + i B, kept row 2 m1 - k */
            const PdCV16 t = (a - mib) * cs[j];
            memcpy(&blk[q][2 * m1 - k][16 * j], &t, sizeof(t));
          }
        }
    }
    for (PetscInt ri = 0; ri < 2 * m1; ri++)
      for (PetscInt col = 0; col < m2; col++) {
        float *dst = Xm + 2 * ((ri * m2 + col) * P + p0);
        for (PetscInt q = 0; q < pn; q++) {
          dst[2 * q]     = blk[q][ri][2 * col];
          dst[2 * q + 1] = blk[q][ri][2 * col + 1];
        }
      }
  }
}

/* Y [P][H][m2] = the inverse column DFT of planes whose only nonzero modes are Ym (times colscale) */
static inline __attribute__((always_inline)) void Scatter(const int NV, PdColDFT d, PetscInt P, const float *Ym, float *Y, const PdCV16 *cs)
{
  const PetscInt H = d->H, m1 = d->m1, m2 = d->m2, nf = 2 * m2, hh = H / 2 + 1, half = H / 2;
  float          blk[PD_CDFT_PB][2 * PD_CDFT_M1MAX][32] __attribute__((aligned(64)));
  float          S[(PD_CDFT_M1MAX + 1) * 32] __attribute__((aligned(64))), T[(PD_CDFT_M1MAX + 1) * 32] __attribute__((aligned(64)));
  float          ob[PD_CDFT_HMAX * 32] __attribute__((aligned(64)));

  for (PetscInt p0 = 0; p0 < P; p0 += PD_CDFT_PB) {
    const PetscInt pn = PetscMin(PD_CDFT_PB, P - p0);
    for (PetscInt ri = 0; ri < 2 * m1; ri++)
      for (PetscInt col = 0; col < m2; col++) {
        const float *src = Ym + 2 * ((ri * m2 + col) * P + p0);
        for (PetscInt q = 0; q < pn; q++) {
          blk[q][ri][2 * col]     = src[2 * q];
          blk[q][ri][2 * col + 1] = src[2 * q + 1];
        }
      }
    for (PetscInt q = 0; q < pn; q++) {
      float *y = Y + (p0 + q) * H * nf;
      /* S_k = Y_k + Y_-k and T_k = i (Y_k - Y_-k); S_0 = Y_0, T_0 = 0; S_m1 = Y_-m1, T_m1 = -i Y_-m1 */
      for (PetscInt k = 0; k <= m1; k++)
        for (int j = 0; j < NV; j++) {
          PdCV16 yp = (PdCV16){0}, ym = (PdCV16){0}, s, t;
          if (k < m1) memcpy(&yp, &blk[q][k][16 * j], sizeof(yp));
          if (k > 0) memcpy(&ym, &blk[q][2 * m1 - k][16 * j], sizeof(ym));
          s = (yp + ym) * cs[j];
          t = -PD_MINUS_I(yp - ym) * cs[j];
          memcpy(S + 32 * k + 16 * j, &s, sizeof(s));
          memcpy(T + 32 * k + 16 * j, &t, sizeof(t));
        }
      /* P_h = sum_k cos S_k, Q_h = sum_k sin T_k; out_h = P + Q, out_{H-h} = P - Q */
      for (PetscInt hb = 0; hb <= half; hb += PD_CDFT_G / 2) {
        const PetscInt ng = PetscMin(PD_CDFT_G / 2, half - hb + 1);
        PdCV16         ap[PD_CDFT_G / 2][2], aq[PD_CDFT_G / 2][2];
        for (int g = 0; g < PD_CDFT_G / 2; g++) /* k = 0: cos 1, sin 0 */
          for (int j = 0; j < NV; j++) {
            memcpy(&ap[g][j], S + 16 * j, sizeof(PdCV16));
            aq[g][j] = (PdCV16){0};
          }
        for (PetscInt k = 1; k <= m1; k++) {
          PdCV16 s[2], t[2];
          for (int j = 0; j < NV; j++) {
            memcpy(&s[j], S + 32 * k + 16 * j, sizeof(PdCV16));
            memcpy(&t[j], T + 32 * k + 16 * j, sizeof(PdCV16));
          }
          for (int g = 0; g < PD_CDFT_G / 2; g++) { /* rows past half repeat half's: never stored */
            const PetscInt h = PetscMin(hb + g, half);
            const float    c = d->c[k * hh + h], sn = d->s[k * hh + h];
            for (int j = 0; j < NV; j++) {
              ap[g][j] += c * s[j];
              aq[g][j] += sn * t[j];
            }
          }
        }
        for (int g = 0; g < PD_CDFT_G / 2; g++)
          if (g < ng) {
            const PetscInt h = hb + g;
            for (int j = 0; j < NV; j++) {
              const PdCV16 u = ap[g][j] + aq[g][j], w = ap[g][j] - aq[g][j];
              memcpy(ob + 32 * h + 16 * j, &u, sizeof(u));
              if (h > 0 && h < half) memcpy(ob + 32 * (H - h) + 16 * j, &w, sizeof(w));
            }
          }
      }
      for (PetscInt h = 0; h < H; h++) {              /* whole vectors, in order: a row's overhang is the next row's start */
        if ((P - p0 - q) * H * nf - h * nf < 16 * NV) /* near the array's end: exactly */
          for (PetscInt l = 0; l < nf; l++) y[h * nf + l] = ob[32 * h + l];
        else memcpy(y + h * nf, ob + 32 * h, sizeof(float) * 16 * NV);
      }
    }
  }
}

#define PD_CDFT_KERNELS(NV) \
  PD_VECTOR_CLONES static void Gather##NV(PdColDFT d, PetscInt P, const float *X, float *Xm, const PdCV16 *cs) \
  { \
    Gather(NV, d, P, X, Xm, cs); \
  } \
  PD_VECTOR_CLONES static void Scatter##NV(PdColDFT d, PetscInt P, const float *Ym, float *Y, const PdCV16 *cs) \
  { \
    Scatter(NV, d, P, Ym, Y, cs); \
  }
PD_CDFT_KERNELS(1)
PD_CDFT_KERNELS(2)

/* the column scales as lanes (re and im of column c both colscale[c]; 1 without colscale) */
static void Scales(PdColDFT d, const float *colscale, PdCV16 cs[2])
{
  float f[32];
  for (PetscInt l = 0; l < 32; l++) f[l] = (colscale && l / 2 < d->m2) ? colscale[l / 2] : 1.0f;
  memcpy(&cs[0], f, sizeof(PdCV16));
  memcpy(&cs[1], f + 16, sizeof(PdCV16));
}

/* the forward column pass and the gather of the kept modes of P planes [H][m2] (complex) into the
   mode-major Xm [2 m1 m2][P], times colscale per column; PETSC_FALSE, doing nothing, without tables */
PetscBool PdColDFTGather(PdColDFT d, PetscInt P, const float *X, float *Xm, const float *colscale)
{
  PdCV16 cs[2];
  if (!d) return PETSC_FALSE;
  Scales(d, colscale, cs);
  if (d->m2 <= 8) Gather1(d, P, X, Xm, cs);
  else Gather2(d, P, X, Xm, cs);
  return PETSC_TRUE;
}

/* the inverse: Y [P][H][m2] from the kept modes Ym [2 m1 m2][P] (times colscale), every other mode 0 */
PetscBool PdColDFTScatter(PdColDFT d, PetscInt P, const float *Ym, float *Y, const float *colscale)
{
  PdCV16 cs[2];
  if (!d) return PETSC_FALSE;
  Scales(d, colscale, cs);
  if (d->m2 <= 8) Scatter1(d, P, Ym, Y, cs);
  else Scatter2(d, P, Ym, Y, cs);
  return PETSC_TRUE;
}
