/* Spectral convolution (the Fourier layer of FNO) for 1D and 2D grids: real FFT of every channel
   (FFTW, single precision, pruned to the kept columns), a complex matrix product per kept mode across
   the batch (cgemm), inverse FFT. The backward pass is the exact adjoint of that linear map (see the
   derivation below). FFTW plans are made once per shape with FFTW_ESTIMATE (deterministic) and cached. */
#include <pdeop/ops.h>
#include <complex.h> /* before fftw3.h: fftwf_complex is then float _Complex */
#include <fftw3.h>
#include <cblas.h>
#include "src/vecmath.h"

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
static PlanEntry *plans      = NULL;
static PetscBool  plansfinal = PETSC_FALSE;

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
      e->plan         = fftwf_plan_guru_dft(1, &dim, 2, loops, c, c, kind == COL_FWD ? FFTW_FORWARD : FFTW_BACKWARD, FFTW_ESTIMATE);
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
  int      sdim;
  PetscInt B, cin, cout, H, W, Wh, m1, m2, nm;
} Geometry;

static inline PetscInt ModeRow(const Geometry *g, PetscInt ri) { return g->sdim == 1 ? 0 : (ri < g->m1 ? ri : g->H - 2 * g->m1 + ri); }

/* Xm[mode][b][c] = X[b, c, row, col] (complex) for all kept modes */
static void Gather(const Geometry *g, PetscInt C, const fftwf_complex *X, fftwf_complex *Xm, const float *colscale)
{
  const PetscInt plane = g->H * g->Wh, BC = g->B * C;
  for (PetscInt ri = 0; ri < (g->sdim == 1 ? 1 : 2 * g->m1); ri++) {
    PetscInt row = ModeRow(g, ri);
    for (PetscInt col = 0; col < g->m2; col++) {
      fftwf_complex *dst = Xm + (ri * g->m2 + col) * BC;
      const float    s   = colscale ? colscale[col] : 1.0f;
      for (PetscInt bc = 0; bc < BC; bc++) dst[bc] = s * X[bc * plane + row * g->Wh + col];
    }
  }
}

/* Y[b, c, row, col] = Ym[mode][b][c] * colscale[col] (the rest of Y is left as it is) */
static void Scatter(const Geometry *g, PetscInt C, const fftwf_complex *Ym, fftwf_complex *Y, const float *colscale)
{
  const PetscInt plane = g->H * g->Wh, BC = g->B * C;
  for (PetscInt ri = 0; ri < (g->sdim == 1 ? 1 : 2 * g->m1); ri++) {
    PetscInt row = ModeRow(g, ri);
    for (PetscInt col = 0; col < g->m2; col++) {
      const fftwf_complex *src = Ym + (ri * g->m2 + col) * BC;
      const float          s   = colscale ? colscale[col] : 1.0f;
      for (PetscInt bc = 0; bc < BC; bc++) Y[bc * plane + row * g->Wh + col] = s * src[bc];
    }
  }
}

static PetscErrorCode GetGeometry(PdTensor x, PdTensor w, Geometry *g)
{
  char sx[96], sw[96];

  PetscFunctionBegin;
  PetscCall(PdShapeString(x->ndim, x->shape, sx, sizeof(sx)));
  PetscCall(PdShapeString(w->ndim, w->shape, sw, sizeof(sw)));
  g->sdim = x->ndim - 2;
  PetscCheck(g->sdim == 1 || g->sdim == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdSpectralConv: input %s must be [B,C,N] or [B,C,H,W]", sx);
  g->B   = x->shape[0];
  g->cin = x->shape[1];
  g->H   = g->sdim == 2 ? x->shape[2] : 1;
  g->W   = x->shape[x->ndim - 1];
  g->Wh  = g->W / 2 + 1;
  if (g->sdim == 1) {
    PetscCheck(w->ndim == 4 && w->shape[1] == g->cin && w->shape[3] == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdSpectralConv: 1D weights must be [m, Cin=%" PetscInt_FMT ", Cout, 2], got %s", g->cin, sw);
    g->m1   = 1;
    g->m2   = w->shape[0];
    g->cout = w->shape[2];
    g->nm   = g->m2;
  } else {
    PetscCheck(w->ndim == 5 && w->shape[2] == g->cin && w->shape[4] == 2 && w->shape[0] % 2 == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "PdSpectralConv: 2D weights must be [2 m1, m2, Cin=%" PetscInt_FMT ", Cout, 2], got %s", g->cin, sw);
    g->m1   = w->shape[0] / 2;
    g->m2   = w->shape[1];
    g->cout = w->shape[3];
    g->nm   = 2 * g->m1 * g->m2;
    PetscCheck(2 * g->m1 <= g->H, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdSpectralConv: %" PetscInt_FMT " row modes need a grid of at least %" PetscInt_FMT " rows, input is %s", g->m1, 2 * g->m1, sx);
  }
  PetscCheck(g->m2 <= g->Wh, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PdSpectralConv: %" PetscInt_FMT " modes need a grid of at least %" PetscInt_FMT " points along the last dimension, input is %s", g->m2, 2 * (g->m2 - 1), sx);
  PetscFunctionReturn(0);
}

/* column weights of the half spectrum: 1 for column 0 and the Nyquist column, 2 otherwise */
static void ColumnWeights(const Geometry *g, float *cw, float scale)
{
  for (PetscInt c = 0; c < g->m2; c++) cw[c] = scale * ((c == 0 || (g->W % 2 == 0 && c == g->W / 2)) ? 1.0f : 2.0f);
}

/* The pruned forward transform of C channels of every sample: x [B*C][H][W] real -> X [B*C][H][Wh]
   complex, exact in the kept columns 0..m2-1 (the others hold the row transforms only). */
static PetscErrorCode ForwardFFT(const Geometry *g, PetscInt C, const float *x, fftwf_complex *X)
{
  fftwf_plan p;

  PetscFunctionBegin;
  PetscCall(GetPlan(ROW_R2C, (int)g->W, (int)(g->B * C * g->H), 0, 0, &p));
  fftwf_execute_dft_r2c(p, (float *)x, X);
  if (g->sdim == 2) {
    PetscCall(GetPlan(COL_FWD, (int)g->H, (int)(g->B * C), (int)g->Wh, (int)g->m2, &p));
    fftwf_execute_dft(p, X, X);
  }
  PetscFunctionReturn(0);
}

/* Zero the spectrum of C channels and put the kept modes Ym (times colscale) in place. */
static void ScatterZero(const Geometry *g, PetscInt C, const fftwf_complex *Ym, fftwf_complex *Y, const float *colscale)
{
  PetscMemzero(Y, sizeof(fftwf_complex) * (size_t)(g->B * C * g->H * g->Wh));
  Scatter(g, C, Ym, Y, colscale);
}

/* The inverse of a spectrum that is zero outside the kept modes: column pass on the kept columns,
   then the real row transforms; out == NULL transforms in place (output rows of 2 Wh floats). Y is
   destroyed. */
static PetscErrorCode InverseFFT(const Geometry *g, PetscInt C, fftwf_complex *Y, float *out)
{
  fftwf_plan p;

  PetscFunctionBegin;
  if (g->sdim == 2) {
    PetscCall(GetPlan(COL_BWD, (int)g->H, (int)(g->B * C), (int)g->Wh, (int)g->m2, &p));
    fftwf_execute_dft(p, Y, Y);
  }
  PetscCall(GetPlan(out ? ROW_C2R : ROW_C2R_IP, (int)g->W, (int)(g->B * C * g->H), 0, 0, &p));
  fftwf_execute_dft_c2r(p, Y, out ? out : (float *)Y);
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
  const float          one[2] = {1, 0}, zero[2] = {0, 0};

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_SpectralConvBwd, 0, 0, 0, 0));
  PetscCall(GetGeometry(x, w, &g));
  PetscCall(PdTapeAllocUninit(tape, sizeof(float) * g.m2, (void **)&cw));
  /* one spectrum buffer for both directions: dy's transform, then dx's */
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.B * PetscMax(g.cin, g.cout) * g.H * g.Wh, (void **)&D));
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cout, (void **)&dYm));
  PetscCall(ForwardFFT(&g, g.cout, y->grad, D));
  ColumnWeights(&g, cw, 1.0f / (float)(g.H * g.W));
  Gather(&g, g.cout, D, dYm, cw);
  if (w->grad)
    for (PetscInt m = 0; m < g.nm; m++) cblas_cgemm(CblasRowMajor, CblasConjTrans, CblasNoTrans, g.cin, g.cout, g.B, one, Xm + m * g.B * g.cin, g.cin, dYm + m * g.B * g.cout, g.cout, one, w->grad + 2 * m * g.cin * g.cout, g.cout); /* dW += Xm^H dYm */
  if (x->grad) {
    const float *r = (const float *)D;
    PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cin, (void **)&dXm));
    for (PetscInt m = 0; m < g.nm; m++) cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasConjTrans, g.B, g.cin, g.cout, one, dYm + m * g.B * g.cout, g.cout, w->data + 2 * m * g.cin * g.cout, g.cout, zero, dXm + m * g.B * g.cin, g.cin); /* dXm = dYm W^H */
    for (PetscInt c = 0; c < g.m2; c++) cw[c] = 1.0f / ((c == 0 || (g.W % 2 == 0 && c == g.W / 2)) ? 1.0f : 2.0f);
    ScatterZero(&g, g.cin, dXm, D, cw);
    PetscCall(InverseFFT(&g, g.cin, D, NULL)); /* in place: rows of 2 Wh floats */
    for (PetscInt row = 0; row < g.B * g.cin * g.H; row++) {
      float       *dx = x->grad + row * g.W;
      const float *t  = r + row * 2 * g.Wh;
      PD_SIMD
      for (PetscInt i = 0; i < g.W; i++) dx[i] += t[i];
    }
  }
  PetscCall(PetscLogEventEnd(PD_EVENT_SpectralConvBwd, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@
  PdSpectralConv - FNO's Fourier layer: y = irfft(W * rfft(x)) on the lowest modes (see ops.h)
@*/
PetscErrorCode PdSpectralConv(PdTensor x, PdTensor w, PdTensor *out)
{
  PdTape         tape;
  PdTensor       y;
  Geometry       g;
  fftwf_complex *F, *Xm, *Ym;
  PetscInt       shape[4];
  const float    zero[2] = {0, 0};

  PetscFunctionBegin;
  PetscCall(PdOpGetTape(x, w, NULL, &tape));
  PetscCall(GetGeometry(x, w, &g));
  for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[1] = g.cout;
  PetscCall(PdTapeNewNode(tape, PD_OP_SPECTRAL_CONV, x->ndim, shape, PdNeedsGrad(tape, x, w, NULL), &y));
  y->src[0]   = x;
  y->src[1]   = w;
  y->backward = SpectralBackward;
  PetscCall(PetscLogEventBegin(PD_EVENT_SpectralConv, 0, 0, 0, 0));
  /* one spectrum buffer: x's transform, then (after the kept modes are gathered) y's */
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.B * PetscMax(g.cin, g.cout) * g.H * g.Wh, (void **)&F));
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cin, (void **)&Xm));
  PetscCall(PdTapeAllocUninit(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cout, (void **)&Ym));
  PetscCall(ForwardFFT(&g, g.cin, x->data, F));
  Gather(&g, g.cin, F, Xm, NULL);
  {
    const float scale[2] = {1.0f / (float)(g.H * g.W), 0};
    for (PetscInt m = 0; m < g.nm; m++) cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.B, g.cout, g.cin, scale, Xm + m * g.B * g.cin, g.cin, w->data + 2 * m * g.cin * g.cout, g.cout, zero, Ym + m * g.B * g.cout, g.cout); /* Ym = Xm W / (H W) */
  }
  ScatterZero(&g, g.cout, Ym, F, NULL);
  PetscCall(InverseFFT(&g, g.cout, F, y->data));
  y->aux = Xm; /* kept for dW */
  PetscCall(PetscLogEventEnd(PD_EVENT_SpectralConv, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}
