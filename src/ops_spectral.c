/* Spectral convolution (the Fourier layer of FNO) for 1D and 2D grids: real FFT of every channel
   (FFTW, single precision), a complex matrix product per kept mode across the batch (cgemm), inverse
   FFT. The backward pass is the exact adjoint of that linear map (see the derivation below).
   FFTW plans are made once per shape with FFTW_ESTIMATE (deterministic) and cached. */
#include <pdeop/ops.h>
#include <complex.h> /* before fftw3.h: fftwf_complex is then float _Complex */
#include <fftw3.h>
#include <cblas.h>

/* ---- plan cache ---- */
typedef struct _PlanEntry {
  int                kind; /* 0 r2c, 1 c2r */
  int                rank, n0, n1, howmany;
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

/* howmany transforms of an n0 x n1 real grid (rank 2) or n1 points (rank 1) */
static PetscErrorCode GetPlan(int kind, int rank, int n0, int n1, int howmany, fftwf_plan *plan)
{
  PlanEntry *e;

  PetscFunctionBegin;
  for (e = plans; e; e = e->next)
    if (e->kind == kind && e->rank == rank && e->n0 == n0 && e->n1 == n1 && e->howmany == howmany) {
      *plan = e->plan;
      PetscFunctionReturn(0);
    }
  {
    int            n[2]  = {n0, n1};
    int           *np    = rank == 2 ? n : n + 1;
    size_t         real  = (size_t)n0 * n1, cplx = (size_t)n0 * (n1 / 2 + 1);
    float         *r     = fftwf_alloc_real(real * howmany);
    fftwf_complex *c     = fftwf_alloc_complex(cplx * howmany);
    PetscCheck(r && c, PETSC_COMM_SELF, PETSC_ERR_MEM, "Cannot allocate FFTW planning arrays");
    e = (PlanEntry *)calloc(1, sizeof(*e)); /* global cache, not a per-object allocation */
    PetscCheck(e, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory for the FFTW plan cache");
    e->kind    = kind;
    e->rank    = rank;
    e->n0      = n0;
    e->n1      = n1;
    e->howmany = howmany;
    if (kind == 0) e->plan = fftwf_plan_many_dft_r2c(rank, np, howmany, r, NULL, 1, (int)real, c, NULL, 1, (int)cplx, FFTW_ESTIMATE);
    else e->plan = fftwf_plan_many_dft_c2r(rank, np, howmany, c, NULL, 1, (int)cplx, r, NULL, 1, (int)real, FFTW_ESTIMATE);
    fftwf_free(r);
    fftwf_free(c);
    PetscCheck(e->plan, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan a %dx%d transform", n0, n1);
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

/* Y[b, c, row, col] = Ym[mode][b][c] * colscale[col]; Y zero elsewhere (arena memory is zeroed) */
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
  PdTensor            x = y->src[0], w = y->src[1];
  Geometry            g;
  PdTape              tape = y->tape;
  fftwf_plan          r2c, c2r;
  fftwf_complex      *D, *dYm, *dXm, *Z;
  const fftwf_complex *Xm = (const fftwf_complex *)y->aux;
  float              *cw, *tmp;
  const float         one[2] = {1, 0};

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PD_EVENT_SpectralConvBwd, 0, 0, 0, 0));
  PetscCall(GetGeometry(x, w, &g));
  PetscCall(PdTapeAlloc(tape, sizeof(float) * g.m2, (void **)&cw));
  PetscCall(PdTapeAlloc(tape, sizeof(fftwf_complex) * g.B * g.cout * g.H * g.Wh, (void **)&D));
  PetscCall(PdTapeAlloc(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cout, (void **)&dYm));
  PetscCall(GetPlan(0, g.sdim, (int)g.H, (int)g.W, (int)(g.B * g.cout), &r2c));
  fftwf_execute_dft_r2c(r2c, y->grad, D);
  ColumnWeights(&g, cw, 1.0f / (float)(g.H * g.W));
  Gather(&g, g.cout, D, dYm, cw);
  for (PetscInt m = 0; m < g.nm; m++) {
    if (w->grad) cblas_cgemm(CblasRowMajor, CblasConjTrans, CblasNoTrans, g.cin, g.cout, g.B, one, Xm + m * g.B * g.cin, g.cin, dYm + m * g.B * g.cout, g.cout, one, w->grad + 2 * m * g.cin * g.cout, g.cout); /* dW += Xm^H dYm */
  }
  if (x->grad) {
    PetscCall(PdTapeAlloc(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cin, (void **)&dXm));
    PetscCall(PdTapeAlloc(tape, sizeof(fftwf_complex) * g.B * g.cin * g.H * g.Wh, (void **)&Z));
    PetscCall(PdTapeAlloc(tape, sizeof(float) * x->size, (void **)&tmp));
    for (PetscInt m = 0; m < g.nm; m++) {
      const float zero[2] = {0, 0};
      cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasConjTrans, g.B, g.cin, g.cout, one, dYm + m * g.B * g.cout, g.cout, w->data + 2 * m * g.cin * g.cout, g.cout, zero, dXm + m * g.B * g.cin, g.cin); /* dXm = dYm W^H */
    }
    for (PetscInt c = 0; c < g.m2; c++) cw[c] = 1.0f / ((c == 0 || (g.W % 2 == 0 && c == g.W / 2)) ? 1.0f : 2.0f);
    Scatter(&g, g.cin, dXm, Z, cw);
    PetscCall(GetPlan(1, g.sdim, (int)g.H, (int)g.W, (int)(g.B * g.cin), &c2r));
    fftwf_execute_dft_c2r(c2r, Z, tmp);
    for (PetscInt i = 0; i < x->size; i++) x->grad[i] += tmp[i];
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
  fftwf_plan     r2c, c2r;
  fftwf_complex *X, *Xm, *Ym, *Y;
  PetscInt       shape[4];
  const float    one[2] = {1, 0}, zero[2] = {0, 0};

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
  PetscCall(PdTapeAlloc(tape, sizeof(fftwf_complex) * g.B * g.cin * g.H * g.Wh, (void **)&X));
  PetscCall(PdTapeAlloc(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cin, (void **)&Xm));
  PetscCall(PdTapeAlloc(tape, sizeof(fftwf_complex) * g.nm * g.B * g.cout, (void **)&Ym));
  PetscCall(PdTapeAlloc(tape, sizeof(fftwf_complex) * g.B * g.cout * g.H * g.Wh, (void **)&Y));
  PetscCall(GetPlan(0, g.sdim, (int)g.H, (int)g.W, (int)(g.B * g.cin), &r2c));
  PetscCall(GetPlan(1, g.sdim, (int)g.H, (int)g.W, (int)(g.B * g.cout), &c2r));
  fftwf_execute_dft_r2c(r2c, x->data, X);
  Gather(&g, g.cin, X, Xm, NULL);
  for (PetscInt m = 0; m < g.nm; m++) cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.B, g.cout, g.cin, one, Xm + m * g.B * g.cin, g.cin, w->data + 2 * m * g.cin * g.cout, g.cout, zero, Ym + m * g.B * g.cout, g.cout); /* Ym = Xm W */
  {
    const float inv = 1.0f / (float)(g.H * g.W);
    for (PetscInt i = 0; i < g.nm * g.B * g.cout; i++) Ym[i] *= inv;
  }
  Scatter(&g, g.cout, Ym, Y, NULL);
  fftwf_execute_dft_c2r(c2r, Y, y->data); /* c2r overwrites Y: it is scratch */
  y->aux = Xm;                            /* kept for dW */
  PetscCall(PetscLogEventEnd(PD_EVENT_SpectralConv, 0, 0, 0, 0));
  *out = y;
  PetscFunctionReturn(0);
}
