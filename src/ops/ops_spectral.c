/* Spectral convolution (the Fourier layer of FNO) for 1D and 2D grids: real FFT of every channel
   (FFTW, single precision, pruned to the kept columns), a complex matrix product per kept mode across
   the batch (cgemm), inverse FFT. The backward pass is the exact adjoint of that linear map (see the
   derivation below). FFTW plans are made once per shape with FFTW_ESTIMATE (deterministic) and cached. */
#include <pdeop/ops.h>
#include <complex.h> /* before fftw3.h: fftwf_complex is then float _Complex */
#include <fftw3.h>
#include <cblas.h>
#include "ops_private.h"

/* ---- plan cache ----
   The 2D transform is done in two 1D passes so that the second pass runs only where it is needed:
   real transforms along the rows (all of them), then complex transforms along the columns for the
   m2 kept column frequencies only (FFTW's guru interface: one plan over channels x kept columns).
   The inverse is the same in reverse. In 1D only the row pass exists. */
typedef enum {
  ROW_R2C,    /* howmany real rows of n points -> n/2+1 complex each, out of place */
  ROW_C2R,    /* the inverse, out of place (output rows of n floats) */
  ROW_C2R_IP, /* the inverse in place: complex rows of n/2+1 read as real rows of 2(n/2+1) floats */
  COL_FWD,    /* in place, along the n rows of howmany planes [n][nh], for columns 0..m-1 */
  COL_BWD
} PlanKind;

typedef struct _PlanEntry {
  PlanKind           kind;
  int                n, howmany, nh, m;
  fftwf_plan         plan;
  struct _PlanEntry *next;
} PlanEntry;
static PlanEntry *plans        = NULL;
static PetscBool  plansfinal   = PETSC_FALSE;
static PetscBool  right_direct = PETSC_TRUE; /* pdeop's own row DFTs and mode products (PdSpectralSetDirect) */

static PetscErrorCode PlansDestroy(void)
{
  PetscFunctionBegin;
  while (plans) {
    PlanEntry *n = plans->next;
    fftwf_destroy_plan(plans->plan);
    free(plans);
    plans = n;
  }
  plansfinal = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* rows: n = row length, howmany rows (nh, m unused); columns: n = rows per plane, nh = complex
   entries per row, m = kept columns, howmany planes */
static PetscErrorCode GetPlan(PlanKind kind, int n, int howmany, int nh, int m, fftwf_plan *plan)
{
  PlanEntry *e;

  PetscFunctionBegin;
  if (kind <= ROW_C2R_IP) nh = n / 2 + 1, m = 0;
  for (e = plans; e; e = e->next)
    if (e->kind == kind && e->n == n && e->howmany == howmany && e->nh == nh && e->m == m) {
      *plan = e->plan;
      PetscFunctionReturn(0);
    }
  {
    size_t         cplx = (size_t)howmany * (kind <= ROW_C2R_IP ? (size_t)nh : (size_t)n * nh);
    fftwf_complex *c    = fftwf_alloc_complex(cplx);
    float         *r    = kind <= ROW_C2R ? fftwf_alloc_real((size_t)howmany * n) : NULL;
    PetscCheck(c && (r || kind > ROW_C2R), PETSC_COMM_SELF, PETSC_ERR_MEM, "Cannot allocate FFTW planning arrays");
    e = (PlanEntry *)calloc(1, sizeof(*e)); /* global cache, not a per-object allocation */
    PetscCheck(e, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the FFTW plan cache");
    e->kind    = kind;
    e->n       = n;
    e->howmany = howmany;
    e->nh      = nh;
    e->m       = m;
    switch (kind) {
    case ROW_R2C:
      e->plan = fftwf_plan_many_dft_r2c(1, &n, howmany, r, NULL, 1, n, c, NULL, 1, nh, FFTW_ESTIMATE);
      break;
    case ROW_C2R:
      e->plan = fftwf_plan_many_dft_c2r(1, &n, howmany, c, NULL, 1, nh, r, NULL, 1, n, FFTW_ESTIMATE);
      break;
    case ROW_C2R_IP:
      e->plan = fftwf_plan_many_dft_c2r(1, &n, howmany, c, NULL, 1, nh, (float *)c, NULL, 1, 2 * nh, FFTW_ESTIMATE);
      break;
    default: {
      fftwf_iodim dim = {n, nh, nh}, loops[2] = {{howmany, n * nh, n * nh}, {m, 1, 1}};
      e->plan = fftwf_plan_guru_dft(1, &dim, 2, loops, c, c, kind == COL_FWD ? FFTW_FORWARD : FFTW_BACKWARD, FFTW_ESTIMATE);
    }
    }
    fftwf_free(r);
    fftwf_free(c);
    PetscCheck(e->plan, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan a transform of %d points (kind %d, %d times)", n, (int)kind, howmany);
    e->next = plans;
    plans   = e;
    if (!plansfinal) {
      PetscCall(PetscRegisterFinalize(PlansDestroy));
      plansfinal = PETSC_TRUE;
    }
    *plan = e->plan;
  }
  PetscFunctionReturn(0);
}

/* The kept modes: rows (all of 0..m1-1 then H-m1..H-1 in 2D, row 0 in 1D) x columns 0..m2-1,
   numbered mode = rowindex * m2 + column, the order of the weights' first dimensions. */
typedef struct {
  int       sdim;
  PetscInt  B, cin, cout, H, W, Wh, m1, m2, nm;
  PetscBool dft; /* the row pass is a DFT as an sgemm (see RowDFT) */
  PetscBool cb;  /* channel-major input and output [C,B,grid...]: plane c B + b, else b C + c */
  PetscInt  ld;  /* complex entries per row of the spectrum buffers: m2 with the DFT, else Wh */
} Geometry;

static inline PetscInt ModeRow(const Geometry *g, PetscInt ri) { return g->sdim == 1 ? 0 : (ri < g->m1 ? ri : g->H - 2 * g->m1 + ri); }

/* The kept modes as one matrix per mode whose entries are in the planes' memory order: Xm[mode][p] =
   X[plane p, row, col] (times colscale[col]), p = b C + c ([B,C,...]: the mode's [b][c] matrix) or
   c B + b (channel-major: its [c][b] matrix). Both directions are blocked transposes, PD_TBLOCK
   planes at a time: the planes lie 6 KB apart (a multiple of 2 KB, so a loop over all planes per mode
   keeps missing the same few cache sets), while a block of them stays in cache across its modes. */
#define PD_TBLOCK 16
static void Gather(const Geometry *g, PetscInt C, const fftwf_complex *X, fftwf_complex *Xm, const float *colscale)
{
  const PetscInt plane = g->H * g->ld, P = g->B * C, nr = g->sdim == 1 ? 1 : 2 * g->m1;
  for (PetscInt p0 = 0; p0 < P; p0 += PD_TBLOCK) {
    const PetscInt pn = PetscMin(PD_TBLOCK, P - p0);
    for (PetscInt ri = 0; ri < nr; ri++) {
      const fftwf_complex *x = X + p0 * plane + ModeRow(g, ri) * g->ld;
      for (PetscInt col = 0; col < g->m2; col++) {
        fftwf_complex *dst = Xm + (ri * g->m2 + col) * P + p0;
        const float    s   = colscale ? colscale[col] : 1.0f;
        for (PetscInt k = 0; k < pn; k++) dst[k] = s * x[k * plane + col];
      }
    }
  }
}

/* the inverse of Gather: Y[plane p, row, col] = Ym[mode][p] * colscale[col] (the rest of Y is left as
   it is) */
static void Scatter(const Geometry *g, PetscInt C, const fftwf_complex *Ym, fftwf_complex *Y, const float *colscale)
{
  const PetscInt plane = g->H * g->ld, P = g->B * C, nr = g->sdim == 1 ? 1 : 2 * g->m1;
  for (PetscInt p0 = 0; p0 < P; p0 += PD_TBLOCK) {
    const PetscInt pn = PetscMin(PD_TBLOCK, P - p0);
    for (PetscInt ri = 0; ri < nr; ri++) {
      fftwf_complex *y = Y + p0 * plane + ModeRow(g, ri) * g->ld;
      for (PetscInt col = 0; col < g->m2; col++) {
        const fftwf_complex *src = Ym + (ri * g->m2 + col) * P + p0;
        const float          s   = colscale ? colscale[col] : 1.0f;
        for (PetscInt k = 0; k < pn; k++) y[k * plane + col] = s * src[k];
      }
    }
  }
}

/* The mode products on Gather's matrices, for every kept mode m (W[m] is [Cin][Cout]). In [B,C,...]
   the mode's matrices are Xm [B][Cin], Ym [B][Cout]; channel-major they are their transposes, so
   every product below is the same one on transposed operands. CblasConjNoTrans (conj(A) without
   transposing) is OpenBLAS's extension of CBLAS, which pdeop links. */
static void ModeForward(const Geometry *g, const fftwf_complex *Xm, const float *w, fftwf_complex *Ym, float scale)
{
  const float    a[2] = {scale, 0}, zero[2] = {0, 0};
  const PetscInt B = g->B, ci = g->cin, co = g->cout;
  for (PetscInt m = 0; m < g->nm; m++) {
    const fftwf_complex *x  = Xm + m * B * ci;
    const float         *wm = w + 2 * m * ci * co;
    fftwf_complex       *y  = Ym + m * B * co;
    if (g->cb) {
      if (!(right_direct && PdOpsModeProduct(co, ci, B, wm, 1, co, PETSC_FALSE, scale, (const float *)x, (float *)y))) cblas_cgemm(CblasRowMajor, CblasTrans, CblasNoTrans, co, B, ci, a, wm, co, x, B, zero, y, B); /* Ym^T = W^T Xm^T */
    } else cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, co, ci, a, x, ci, wm, co, zero, y, co);                                                                                                         /* Ym = Xm W */
  }
}

/* dW += Xm^H dYm */
static void ModeWeightGrad(const Geometry *g, const fftwf_complex *Xm, const fftwf_complex *dYm, float *dw)
{
  const float    one[2] = {1, 0};
  const PetscInt B = g->B, ci = g->cin, co = g->cout;
  for (PetscInt m = 0; m < g->nm; m++) {
    const fftwf_complex *x = Xm + m * B * ci, *dy = dYm + m * B * co;
    float               *dwm = dw + 2 * m * ci * co;
    if (g->cb) cblas_cgemm(CblasRowMajor, CblasConjNoTrans, CblasTrans, ci, co, B, one, x, B, dy, B, one, dwm, co); /* conj(Xm^T) (dYm^T)^T */
    else cblas_cgemm(CblasRowMajor, CblasConjTrans, CblasNoTrans, ci, co, B, one, x, ci, dy, co, one, dwm, co);
  }
}

/* dXm = dYm W^H */
static void ModeInputGrad(const Geometry *g, const fftwf_complex *dYm, const float *w, fftwf_complex *dXm)
{
  const float    one[2] = {1, 0}, zero[2] = {0, 0};
  const PetscInt B = g->B, ci = g->cin, co = g->cout;
  for (PetscInt m = 0; m < g->nm; m++) {
    const fftwf_complex *dy = dYm + m * B * co;
    const float         *wm = w + 2 * m * ci * co;
    fftwf_complex       *dx = dXm + m * B * ci;
    if (g->cb) {
      if (!(right_direct && PdOpsModeProduct(ci, co, B, wm, co, 1, PETSC_TRUE, 1.0f, (const float *)dy, (float *)dx))) cblas_cgemm(CblasRowMajor, CblasConjNoTrans, CblasNoTrans, ci, B, co, one, wm, co, dy, B, zero, dx, B); /* dXm^T = conj(W) dYm^T */
    } else cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasConjTrans, B, ci, co, one, dy, co, wm, co, zero, dx, ci);
  }
}

static PetscErrorCode GetGeometry(PdTensor x, PdTensor w, PetscBool cb, Geometry *g)
{
  const char *op = cb ? "PdSpectralConvCB" : "PdSpectralConv", *lay = cb ? "[C,B," : "[B,C,";
  char        sx[96], sw[96];

  PetscFunctionBegin;
  PetscCall(PdShapeString(x->ndim, x->shape, sx, sizeof(sx)));
  PetscCall(PdShapeString(w->ndim, w->shape, sw, sizeof(sw)));
  g->sdim = x->ndim - 2;
  g->cb   = cb;
  PetscCheck(g->sdim == 1 || g->sdim == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: input %s must be %sN] or %sH,W]", op, sx, lay, lay);
  g->B   = x->shape[cb ? 1 : 0];
  g->cin = x->shape[cb ? 0 : 1];
  g->H   = g->sdim == 2 ? x->shape[2] : 1;
  g->W   = x->shape[x->ndim - 1];
  g->Wh  = g->W / 2 + 1;
  if (g->sdim == 1) {
    PetscCheck(w->ndim == 4 && w->shape[1] == g->cin && w->shape[3] == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: 1D weights must be [m, Cin=%" PetscInt_FMT ", Cout, 2], got %s", op, g->cin, sw);
    g->m1   = 1;
    g->m2   = w->shape[0];
    g->cout = w->shape[2];
    g->nm   = g->m2;
  } else {
    PetscCheck(w->ndim == 5 && w->shape[2] == g->cin && w->shape[4] == 2 && w->shape[0] % 2 == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: 2D weights must be [2 m1, m2, Cin=%" PetscInt_FMT ", Cout, 2], got %s", op, g->cin, sw);
    g->m1   = w->shape[0] / 2;
    g->m2   = w->shape[1];
    g->cout = w->shape[3];
    g->nm   = 2 * g->m1 * g->m2;
    PetscCheck(2 * g->m1 <= g->H, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %" PetscInt_FMT " row modes need a grid of at least %" PetscInt_FMT " rows, input is %s", op, g->m1, 2 * g->m1, sx);
  }
  PetscCheck(g->m2 <= g->Wh, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %" PetscInt_FMT " modes need a grid of at least %" PetscInt_FMT " points along the last dimension, input is %s", op, g->m2, 2 * (g->m2 - 1), sx);
  /* the DFT costs 4 W m2 flops per row against FFTW's ~2.5 W log2 W, but runs ~10x faster per flop
     (measured: docs/design.md); it never reaches the Nyquist column (m2 <= W/4) */
  g->dft = (PetscBool)(4 * g->m2 <= g->W && g->m2 <= 2 * (PetscInt)PetscCeilReal(PetscLog2Real((PetscReal)g->W)));
  g->ld  = g->dft ? g->m2 : g->Wh;
  PetscFunctionReturn(0);
}

/* column weights of the half spectrum: 1 for column 0 and the Nyquist column, 2 otherwise */
static void ColumnWeights(const Geometry *g, float *cw, float scale)
{
  for (PetscInt c = 0; c < g->m2; c++) cw[c] = scale * ((c == 0 || (g->W % 2 == 0 && c == g->W / 2)) ? 1.0f : 2.0f);
}

/* ---- the row pass as a DFT: sgemm against cached cos/sin matrices ----
   Only m2 <= W/4 columns of each row's spectrum are ever used, so the row transform is a product with
   a [W x 2 m2] matrix (cos, -sin: the output is directly complex [rows][m2]) and its inverse with a
   [2 m2 x W] matrix (c_k cos, -c_k sin, c_k = 1 for column 0, else 2: the real part of the Hermitian
   extension, what c2r computes). A deliberate departure from "FFTW for every FFT": for FNO's 12 of 64
   columns this is 2-3x faster than FFTW's r2c/c2r of the rows (docs/design.md); the column pass stays
   FFTW. */
typedef struct _DFTEntry {
  PetscInt          W, m;
  float            *F, *G; /* forward [W][2m], inverse [2m][W] */
  PdRowDFT          sym;   /* the same products with the rows' symmetry (row_dft.c) */
  struct _DFTEntry *next;
} DFTEntry;
static DFTEntry *dfts = NULL;

/*@ PdSpectralSetDirect - whether the row DFTs and the channel-major mode products use pdeop's own kernels (row_dft.c, right_product.c, mode_product.c: the default, where the shapes allow) or always sgemm and cgemm; returns the previous value. For tests and benchmarks. @*/
PetscBool PdSpectralSetDirect(PetscBool flg)
{
  PetscBool old = right_direct;
  right_direct  = flg;
  return old;
}
static PetscBool dftsfinal = PETSC_FALSE;

static PetscErrorCode DFTsDestroy(void)
{
  PetscFunctionBegin;
  while (dfts) {
    DFTEntry *n = dfts->next;
    free(dfts->F);
    free(dfts->G);
    PdRowDFTDestroy(&dfts->sym);
    free(dfts);
    dfts = n;
  }
  dftsfinal = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode GetDFT(PetscInt W, PetscInt m, const float **F, const float **G, PdRowDFT *sym)
{
  DFTEntry *e;

  PetscFunctionBegin;
  for (e = dfts; e; e = e->next)
    if (e->W == W && e->m == m) break;
  if (!e) {
    e = (DFTEntry *)calloc(1, sizeof(*e)); /* global cache, like the FFTW plans */
    PetscCheck(e, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the DFT matrix cache");
    e->W = W;
    e->m = m;
    e->F = (float *)malloc(sizeof(float) * 2 * m * W);
    e->G = (float *)malloc(sizeof(float) * 2 * m * W);
    PetscCheck(e->F && e->G, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the DFT matrix cache");
    for (PetscInt k = 0; k < m; k++)
      for (PetscInt w = 0; w < W; w++) {
        double ph = 2 * PETSC_PI * (double)((k * w) % W) / (double)W, ck = k == 0 ? 1 : 2; /* (k w) mod W keeps the angle exact */
        e->F[w * 2 * m + 2 * k]     = (float)cos(ph);
        e->F[w * 2 * m + 2 * k + 1] = (float)-sin(ph);
        e->G[(2 * k) * W + w]       = (float)(ck * cos(ph));
        e->G[(2 * k + 1) * W + w]   = (float)(-ck * sin(ph));
      }
    PetscCall(PdRowDFTCreate(W, m, &e->sym));
    e->next = dfts;
    dfts    = e;
    if (!dftsfinal) {
      PetscCall(PetscRegisterFinalize(DFTsDestroy));
      dftsfinal = PETSC_TRUE;
    }
  }
  *F   = e->F;
  *G   = e->G;
  *sym = e->sym;
  PetscFunctionReturn(0);
}

/* The pruned forward transform of C channels of every sample: x [B*C][H][W] real -> X [B*C][H][ld]
   complex, exact in the kept columns 0..m2-1 (with FFTW's rows, the others hold the row transforms
   only). */
static PetscErrorCode ForwardFFT(const Geometry *g, PetscInt C, const float *x, fftwf_complex *X)
{
  fftwf_plan p;
  PetscInt   R = g->B * C * g->H;

  PetscFunctionBegin;
  if (g->dft) {
    const float *F, *G;
    PdRowDFT     sym;
    PetscCall(GetDFT(g->W, g->m2, &F, &G, &sym));
    if (!(right_direct && (PdRowDFTForward(sym, R, x, (float *)X) || PdOpsRightProduct(R, g->W, 2 * g->m2, x, F, (float *)X, PETSC_FALSE)))) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, 2 * g->m2, g->W, 1.0f, x, g->W, F, 2 * g->m2, 0.0f, (float *)X, 2 * g->m2);
  } else {
    PetscCall(GetPlan(ROW_R2C, (int)g->W, (int)R, 0, 0, &p));
    fftwf_execute_dft_r2c(p, (float *)x, X);
  }
  if (g->sdim == 2) {
    PetscCall(GetPlan(COL_FWD, (int)g->H, (int)(g->B * C), (int)g->ld, (int)g->m2, &p));
    fftwf_execute_dft(p, X, X);
  }
  PetscFunctionReturn(0);
}

/* Zero the spectrum of C channels and put the kept modes Ym (times colscale) in place. When a row
   holds only the kept columns (the row DFT: ld = m2), the kept rows are overwritten entirely by
   Scatter and only the rows between them are zeroed. */
static void ScatterZero(const Geometry *g, PetscInt C, const fftwf_complex *Ym, fftwf_complex *Y, const float *colscale)
{
  if (g->sdim == 2 && g->ld == g->m2) {
    const PetscInt plane = g->H * g->ld;
    for (PetscInt p = 0; p < g->B * C; p++) PetscMemzero(Y + p * plane + g->m1 * g->ld, sizeof(fftwf_complex) * (size_t)((g->H - 2 * g->m1) * g->ld));
  } else PetscMemzero(Y, sizeof(fftwf_complex) * (size_t)(g->B * C * g->H * g->ld));
  Scatter(g, C, Ym, Y, colscale);
}

/* The inverse of a spectrum that is zero outside the kept modes: column pass on the kept columns,
   then the rows; out = (add ? out : 0) + the result. Y is destroyed. */
static PetscErrorCode InverseFFT(const Geometry *g, PetscInt C, fftwf_complex *Y, float *out, PetscBool add)
{
  fftwf_plan p;
  PetscInt   R = g->B * C * g->H;

  PetscFunctionBegin;
  if (g->sdim == 2) {
    PetscCall(GetPlan(COL_BWD, (int)g->H, (int)(g->B * C), (int)g->ld, (int)g->m2, &p));
    fftwf_execute_dft(p, Y, Y);
  }
  if (g->dft) {
    const float *F, *G;
    PdRowDFT     sym;
    PetscCall(GetDFT(g->W, g->m2, &F, &G, &sym));
    if (!(right_direct && (PdRowDFTInverse(sym, R, (const float *)Y, out, add) || PdOpsRightProduct(R, 2 * g->m2, g->W, (const float *)Y, G, out, add)))) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, g->W, 2 * g->m2, 1.0f, (const float *)Y, 2 * g->m2, G, g->W, add ? 1.0f : 0.0f, out, g->W);
  } else if (!add) {
    PetscCall(GetPlan(ROW_C2R, (int)g->W, (int)R, 0, 0, &p));
    fftwf_execute_dft_c2r(p, Y, out);
  } else { /* in place (rows of 2 Wh floats), then added */
    const float *r = (const float *)Y;
    PetscCall(GetPlan(ROW_C2R_IP, (int)g->W, (int)R, 0, 0, &p));
    fftwf_execute_dft_c2r(p, Y, (float *)Y);
    for (PetscInt row = 0; row < R; row++) {
      float       *o = out + row * g->W;
      const float *t = r + row * 2 * g->Wh;
      PD_SIMD
      for (PetscInt i = 0; i < g->W; i++) o[i] += t[i];
    }
  }
  PetscFunctionReturn(0);
}

/*
  Backward, derived. Forward: X = R x (r2c), Ym = X_m W (per mode, complex), Y = S Ym (scatter),
  y = s C Y with C = c2r and s = 1/(H W). For a real-valued loss and complex quantities taken as
  (real, imaginary) pairs:
   - C's adjoint: C computes y = sum_k c_k Re(g_k e^{i theta}) with c_k = 1 for column 0 and Nyquist,
     2 otherwise, so dY = c_k R(dy): an r2c of dy with columns weighted by c_k.
   - the mode product y = x w has dx = dy conj(w), dw = conj(x) dy: cgemm with ConjTrans.
   - R's adjoint: dx_n = sum_k Re(dX_k e^{+i theta}) = C(dX / c_k): a c2r with columns divided by c_k.
*/
static PetscErrorCode SpectralBackward(PdTensor y)
{
  PdTensor             x = y->src[0], w = y->src[1];
  Geometry             g;
  PdTape               tape = y->tape;
  fftwf_complex       *D, *dYm, *dXm;
  const fftwf_complex *Xm = (const fftwf_complex *)y->aux;
  float               *cw;
  PdTapeMark           mark;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_SpectralConvBwd, 0, 0, 0, 0));
  PetscCall(GetGeometry(x, w, (PetscBool)y->iarg[0], &g));
  PetscCall(PdTapeGetMark(tape, &mark)); /* every allocation below is scratch, given back at the end */
  PetscCall(PdTapeAllocUninit(tape, sizeof(float) * g.m2, (void **)&cw));
  /* one spectrum buffer for both directions: dy's transform, then dx's */
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.B * PetscMax(g.cin, g.cout) * g.H * g.ld, (void **)&D));
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cout, (void **)&dYm));
  PetscCall(ForwardFFT(&g, g.cout, y->grad, D));
  ColumnWeights(&g, cw, 1.0f / (float)(g.H * g.W));
  Gather(&g, g.cout, D, dYm, cw);
  if (w->grad) ModeWeightGrad(&g, Xm, dYm, w->grad);
  if (x->grad) {
    PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cin, (void **)&dXm));
    ModeInputGrad(&g, dYm, w->data, dXm);
    for (PetscInt c = 0; c < g.m2; c++) cw[c] = 1.0f / ((c == 0 || (g.W % 2 == 0 && c == g.W / 2)) ? 1.0f : 2.0f);
    ScatterZero(&g, g.cin, dXm, D, cw);
    PetscCall(InverseFFT(&g, g.cin, D, x->grad, (PetscBool)!PdGradFirstWrite(x)));
  }
  PetscCall(PdTapeRelease(tape, &mark));
  PetscCall(PetscLogEventEnd(PD_EVENT_SpectralConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* the spectral convolution in either layout: x [B,Cin,grid...] or (cb) [Cin,B,grid...] */
static PetscErrorCode SpectralConvLayout(PdTensor x, PdTensor w, PetscBool cb, PdTensor *out)
{
  PdTape         tape;
  PdTensor       y;
  Geometry       g;
  fftwf_complex *F, *Xm, *Ym;
  PetscInt       shape[4];
  PdTapeMark     mark;

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, w, NULL, &tape));
  PetscCall(GetGeometry(x, w, cb, &g));
  for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[cb ? 0 : 1] = g.cout;
  /* channel-major: the gradient is left unset (see PdTapeNewNodeUnsetGrad) */
  if (cb) PetscCall(PdTapeNewNodeUnsetGrad(tape, PD_OP_SPECTRAL_CONV, x->ndim, shape, PdNeedsGrad(tape, x, w, NULL), &y));
  else PetscCall(PdTapeNewNode(tape, PD_OP_SPECTRAL_CONV, x->ndim, shape, PdNeedsGrad(tape, x, w, NULL), &y));
  y->grad_overwrite = PETSC_TRUE;
  y->src[0]         = x;
  y->src[1]         = w;
  y->iarg[0]        = cb;
  y->backward       = SpectralBackward;
  PetscCall(PetscLogEventBegin(PD_EVENT_SpectralConv, 0, 0, 0, 0));
  /* x's kept modes live until the backward pass (dW); the spectrum buffer (x's transform, then y's)
     and y's modes are scratch, given back at the end */
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cin, (void **)&Xm));
  PetscCall(PdTapeGetMark(tape, &mark));
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.B * PetscMax(g.cin, g.cout) * g.H * g.ld, (void **)&F));
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cout, (void **)&Ym));
  PetscCall(ForwardFFT(&g, g.cin, x->data, F));
  Gather(&g, g.cin, F, Xm, NULL);
  ModeForward(&g, Xm, w->data, Ym, 1.0f / (float)(g.H * g.W));
  ScatterZero(&g, g.cout, Ym, F, NULL);
  PetscCall(InverseFFT(&g, g.cout, F, y->data, PETSC_FALSE));
  PetscCall(PdTapeRelease(tape, &mark));
  y->aux = Xm; /* kept for dW */
  PetscCall(PetscLogEventEnd(PD_EVENT_SpectralConv, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}

/*@
  PdSpectralConv - FNO's Fourier layer: y = irfft(W * rfft(x)) on the lowest modes (see ops.h)
@*/
PetscErrorCode PdSpectralConv(PdTensor x, PdTensor w, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(SpectralConvLayout(x, w, PETSC_FALSE, out));
  PetscFunctionReturn(0);
}

/*@
  PdSpectralConvCB - PdSpectralConv in the channel-major layout: x [Cin,B,grid...] and y
  [Cout,B,grid...], the same weights; the same transforms (one per plane of the grid, whatever the
  order of the planes) and the same values as PdSpectralConv on the swapped tensors
@*/
PetscErrorCode PdSpectralConvCB(PdTensor x, PdTensor w, PdTensor *out)
{
  PetscFunctionBegin;
  PetscCall(SpectralConvLayout(x, w, PETSC_TRUE, out));
  PetscFunctionReturn(0);
}
