/* Tests of the matrix-aware optimizers (muon, polargrad): the Newton-Schulz polar factor against
   the one from LAPACK's SVD (dgesvd) on random and ill-conditioned matrices, real and complex, one
   step of each optimizer against its closed form, the parameter kinds, and bad settings. */
#include "pdtest.h"
#include <petscblaslapack.h>

static const double QUINTIC[3] = {3.4445, -4.7750, 2.0315}, CUBIC[3] = {1.5, -0.5, 0.0};

/* p^k(x) for p(x) = a x + b x^3 + c x^5: what Newton-Schulz does to each normalised singular value */
static double PolyIter(const double coef[3], PetscInt k, double x)
{
  for (PetscInt i = 0; i < k; i++) x = coef[0] * x + coef[1] * x * x * x + coef[2] * x * x * x * x * x;
  return x;
}

/* the thin SVD of the r x c row-major A (double): U [r, s], S [s], Vt [s, c] row-major, s = min */
static void SVD(PetscInt r, PetscInt c, const double *A, double *U, double *S, double *Vt)
{
  PetscBLASInt m = (PetscBLASInt)c, n = (PetscBLASInt)r, s = (PetscBLASInt)PetscMin(r, c), lwork = 64 * (PetscBLASInt)(r + c), info;
  double      *a, *work, *u, *vt;
  /* row-major A is column-major A^T (c x r) = V S U^T: LAPACK's "U" is our V, its "VT" our U^T */
  PDT(PetscMalloc4(r * c, &a, lwork, &work, c * s, &u, s * r, &vt));
  PDT(PetscArraycpy(a, A, r * c));
  LAPACKgesvd_("S", "S", &m, &n, a, &m, S, u, &m, vt, &s, work, &lwork, &info);
  assert_int_equal(info, 0);
  for (PetscInt i = 0; i < r; i++) /* U[i][k] = (U^T)[k][i] = vt(k, i) column-major */
    for (PetscInt k = 0; k < s; k++) U[i * s + k] = vt[k + i * s];
  for (PetscInt k = 0; k < s; k++) /* Vt[k][j] = V[j][k] = u(j, k) column-major */
    for (PetscInt j = 0; j < c; j++) Vt[k * c + j] = u[j + k * c];
  PDT(PetscFree4(a, work, u, vt));
}

/* G = U diag(sv) V^T with random orthonormal U, V (from the SVD of a random matrix) */
static void MatrixWithSingularValues(PetscInt r, PetscInt c, const double *sv, PetscInt seed, float *G)
{
  PetscInt s = PetscMin(r, c);
  double  *A, *U, *S, *Vt;
  PdRng    rng;
  PDT(PetscMalloc4(r * c, &A, r * s, &U, s, &S, s * c, &Vt));
  PDT(PdRngSeed(&rng, seed, 0));
  for (PetscInt i = 0; i < r * c; i++) A[i] = PdRngNormal(&rng);
  SVD(r, c, A, U, S, Vt);
  for (PetscInt i = 0; i < r; i++)
    for (PetscInt j = 0; j < c; j++) {
      double v = 0;
      for (PetscInt k = 0; k < s; k++) v += U[i * s + k] * sv[k] * Vt[k * c + j];
      G[i * c + j] = (float)v;
    }
  PDT(PetscFree4(A, U, S, Vt));
}

/* Newton-Schulz's O against U p^k(S/||G||_F) V^T from the SVD of G (tolerance tol), and the
   singular values of O */
static void CheckAgainstSVD(PetscInt r, PetscInt c, const float *G, const double coef[3], PetscInt steps, double tol, double *svO)
{
  PetscInt s = PetscMin(r, c), nw;
  double  *A, *U, *S, *Vt, nrm = 0;
  float   *O, *work;
  PDT(PdPolarNewtonSchulzWorkSize(r, c, PETSC_FALSE, &nw));
  PDT(PetscMalloc6(r * c, &A, r * s, &U, s, &S, s * c, &Vt, r * c, &O, nw, &work));
  PDT(PdPolarNewtonSchulz(r, c, PETSC_FALSE, steps, coef, G, O, work));
  for (PetscInt i = 0; i < r * c; i++) nrm += (double)G[i] * G[i];
  nrm = sqrt(nrm) + 1e-7;
  for (PetscInt i = 0; i < r * c; i++) A[i] = G[i];
  SVD(r, c, A, U, S, Vt);
  for (PetscInt i = 0; i < r; i++)
    for (PetscInt j = 0; j < c; j++) {
      double v = 0;
      for (PetscInt k = 0; k < s; k++) v += U[i * s + k] * PolyIter(coef, steps, S[k] / nrm) * Vt[k * c + j];
      PDT_CLOSE(O[i * c + j], v, tol);
    }
  for (PetscInt i = 0; i < r * c; i++) A[i] = O[i];
  SVD(r, c, A, U, svO, Vt);
  PDT(PetscFree6(A, U, S, Vt, O, work));
}

/* The quintic's 5 steps map every singular value with x = sigma/||G||_F >= 1.5e-3 into
   [0.680, 1.203] (the range of p^5 there, computed in double); smaller ones are not orthogonalised
   (x = 1e-4 ends at 0.048). The result is U p^5(S/||G||_F) V^T to float rounding, wide or tall. */
static void test_quintic_against_svd(void **state)
{
  const PetscInt dims[3][2] = {{12, 7}, {7, 12}, {16, 16}};
  for (int d = 0; d < 3; d++) {
    const PetscInt r = dims[d][0], c = dims[d][1], s = PetscMin(r, c);
    double         sv[16], svO[16], fro              = 0;
    float          G[256];
    for (int ill = 0; ill < 2; ill++) {
      /* random (singular values of a Gaussian matrix) or ill-conditioned: 1 down to 1e-6 */
      for (PetscInt k = 0; k < s; k++) sv[k] = ill ? pow(10.0, -6.0 * k / (s - 1)) : 3.0 + sin(1.0 + k);
      MatrixWithSingularValues(r, c, sv, 7 + d, G);
      fro = 0;
      for (PetscInt k = 0; k < s; k++) fro += sv[k] * sv[k];
      fro = sqrt(fro);
      CheckAgainstSVD(r, c, G, QUINTIC, 5, 2e-5, svO);
      for (PetscInt k = 0; k < s; k++) { /* svO is sorted as sv (p^5 is not monotone, so compare sets by bounds) */
        if (!ill) assert_true(svO[k] >= 0.680 && svO[k] <= 1.2024);
      }
      if (ill) { /* the directions with x >= 1.5e-3 are in [0.68, 1.203], the others below 0.68 */
        PetscInt big = 0, small = 0;
        for (PetscInt k = 0; k < s; k++) big += sv[k] / fro >= 1.5e-3, small += sv[k] / fro < 1.0e-3;
        for (PetscInt k = 0; k < s; k++) {
          double y = PolyIter(QUINTIC, 5, sv[k] / fro);
          if (sv[k] / fro >= 1.5e-3) assert_true(y >= 0.680 && y <= 1.2024);
          else assert_true(y < 0.68);
        }
        assert_true(big >= 2 && small >= 2); /* both regimes are exercised */
        for (PetscInt k = 0; k < big; k++) assert_true(svO[k] >= 0.680 - 1e-4 && svO[k] <= 1.2024 + 1e-4);
      }
    }
  }
}

/* The cubic (1.5, -0.5, 0) run to convergence is the exact polar factor: O^T O = I and O = U V^T. */
static void test_cubic_converges(void **state)
{
  const PetscInt r = 9, c = 6;
  double         sv[6] = {5, 4, 2.5, 1.5, 1, 0.5}, svO[6];
  float          G[54];
  MatrixWithSingularValues(r, c, sv, 3, G);
  CheckAgainstSVD(r, c, G, CUBIC, 40, 2e-6, svO);
  for (int k = 0; k < 6; k++) PDT_CLOSE(svO[k], 1.0, 2e-6);
}

/* A complex matrix, wide (4 x 6) and tall (6 x 4: Newton-Schulz on the other Gram matrix):
   Newton-Schulz in complex arithmetic is the one on the real embedding [[Re, -Im], [Im, Re]] (to
   float rounding), and the converged cubic is the polar factor from the SVD of the embedding. */
static void ComplexIsEmbedding(PetscInt r, PetscInt c)
{
  float  Z[2 * 24], E[4 * 24], Oc[2 * 24], Oe[4 * 24], work[4096];
  double svE[8];
  PdRng  rng;
  PDT(PdRngSeed(&rng, 5, 0));
  PDT(PdRngFillNormal(&rng, 2 * r * c, Z, 0.0f, 1.0f));
  for (PetscInt i = 0; i < r; i++)
    for (PetscInt j = 0; j < c; j++) {
      const float re = Z[2 * (i * c + j)], im = Z[2 * (i * c + j) + 1];
      E[i * 2 * c + j] = re, E[i * 2 * c + c + j] = -im, E[(r + i) * 2 * c + j] = im, E[(r + i) * 2 * c + c + j] = re;
    }
  for (int conv = 0; conv < 2; conv++) {
    const double *coef  = conv ? CUBIC : QUINTIC;
    PetscInt      steps = conv ? 40 : 5;
    PDT(PdPolarNewtonSchulz(r, c, PETSC_TRUE, steps, coef, Z, Oc, work));
    PDT(PdPolarNewtonSchulz(2 * r, 2 * c, PETSC_FALSE, steps, coef, E, Oe, work));
    for (PetscInt i = 0; i < r; i++)
      for (PetscInt j = 0; j < c; j++) {
        PDT_CLOSE(Oc[2 * (i * c + j)], Oe[i * 2 * c + j], 1e-5);
        PDT_CLOSE(Oc[2 * (i * c + j) + 1], Oe[(r + i) * 2 * c + j], 1e-5);
        PDT_CLOSE(Oe[(r + i) * 2 * c + c + j], Oe[i * 2 * c + j], 1e-5); /* O is itself an embedding */
      }
  }
  CheckAgainstSVD(2 * r, 2 * c, E, CUBIC, 40, 2e-6, svE);
  for (int k = 0; k < 8; k++) PDT_CLOSE(svE[k], 1.0, 2e-6);
}

static void test_complex_is_embedding(void **state)
{
  ComplexIsEmbedding(4, 6);
  ComplexIsEmbedding(6, 4);
}

/* parameters: a matrix w [4, 3], a spectral weight k [2 modes, in 2, out 3, 2], a bias b [3], a
   1 x 4 "matrix" v (a vector: AdamW) */
typedef struct {
  PdParams params;
  PdTensor w, k, b, v;
} Model;

static void MakeModel(Model *m)
{
  PdRng    rng;
  PetscInt sw[2] = {4, 3}, sk[4] = {2, 2, 3, 2}, sb[1] = {3}, sv[2] = {1, 4};
  PDT(PdParamsCreate(PETSC_COMM_SELF, &m->params));
  PDT(PdParamsAdd(m->params, "w", 2, sw, PD_INIT_UNIFORM, 1.0f, &m->w));
  PDT(PdParamsSetKind(m->params, m->w, PD_PARAM_MATRIX));
  PDT(PdParamsAdd(m->params, "k", 4, sk, PD_INIT_UNIFORM, 1.0f, &m->k));
  PDT(PdParamsSetKind(m->params, m->k, PD_PARAM_SPECTRAL));
  PDT(PdParamsAdd(m->params, "b", 1, sb, PD_INIT_UNIFORM, 1.0f, &m->b));
  PDT(PdParamsAdd(m->params, "v", 2, sv, PD_INIT_UNIFORM, 1.0f, &m->v));
  PDT(PdParamsSetKind(m->params, m->v, PD_PARAM_MATRIX));
  PDT(PdRngSeed(&rng, 2, 0));
  PDT(PdParamsSetUp(m->params, &rng));
}

/* One step from zero momentum on rank-1 gradients, whose polar factors are closed forms: for
   G = s u v^T (unit u, v) Newton-Schulz gives p^5(x) u v^T with x = s/||G||_F = 1 (real) or
   1/sqrt(2) (complex: the embedding has s twice). Nesterov's U = (1 - beta)(1 + beta) G; Muon steps
   by lr scale O (scale sqrt(max(1, out/in)), or the default 0.2 sqrt(max(rows, cols)) with a complex
   matrix counted as its embedding), PolarGrad by lr tr(O^T U) O; the bias and the 1 x 4 v take AdamW's
   first step lr g/(|g| + eps), all with decoupled decay (1 - lr wd). PolarGrad then takes a second
   step with w's gradient doubled: momentum m = (1 - beta)(beta + 2) G, Nesterov's U = (1 - beta)
   (2 + beta (beta + 2)) G, and its step is proportional to U's size, so the momentum's history shows. */
static void test_one_step_closed_form(void **state)
{
  const double lr = 0.05, wd = 0.1, beta = 0.95, alr = 0.01;
  const float  u[4] = {1, -2, 0.5f, 3}, vv[3] = {0.5f, 1, -1}, ku[2][2] = {{1, 0.5f}, {-1, 2}}, kv[3][2] = {{0.3f, -0.1f}, {1, 1}, {0, -2}};
  for (int type = 0; type < 3; type++) /* muon with the shape scale, polargrad, muon with the rms scale */
    for (int mode = 0; mode < 2; mode++)
      for (int nest = 0; nest < 2; nest++) {
        const PetscBool pg = (PetscBool)(type == 1), rms = (PetscBool)(type == 2);
        Model           m;
        PdOptim         o;
        float           w0[12], k0[24], b0[3], v0[4];
        double          nu = 0, nv = 0, gk2 = 0;
        MakeModel(&m);
        PDT(PdOptimCreate(m.params, &o));
        PDT(PdOptimSetType(o, pg ? PD_OPTIM_POLARGRAD : PD_OPTIM_MUON));
        PDT(PdOptimSetLearningRate(o, lr));
        PDT(PdOptimSetWeightDecay(o, wd));
        PDT(PdOptimSetAdamLearningRate(o, alr));
        PDT(PdOptimSetComplexMode(o, mode ? PD_OPTIM_COMPLEX_COMPLEX : PD_OPTIM_COMPLEX_EMBED));
        PDT(PdOptimSetMatrixMomentum(o, beta, nest ? PETSC_TRUE : PETSC_FALSE));
        PDT(PdOptimSetMuonScale(o, rms ? PD_OPTIM_MUON_SCALE_RMS : PD_OPTIM_MUON_SCALE_SHAPE));
        for (int i = 0; i < 4; i++) nu += u[i] * u[i];
        for (int j = 0; j < 3; j++) nv += vv[j] * vv[j];
        for (int i = 0; i < 4; i++)
          for (int j = 0; j < 3; j++) m.w->grad[i * 3 + j] = u[i] * vv[j];
        for (int md = 0; md < 2; md++) /* mode md: (ku (1 + i md)) (kv)^T, complex rank 1 */
          for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) {
              const double ar = ku[i][0] - md * ku[i][1], ai = ku[i][1] + md * ku[i][0], br = kv[j][0], bi = kv[j][1];
              m.k->grad[(md * 6 + i * 3 + j) * 2]     = (float)(ar * br - ai * bi);
              m.k->grad[(md * 6 + i * 3 + j) * 2 + 1] = (float)(ar * bi + ai * br);
            }
        for (int i = 0; i < 3; i++) m.b->grad[i] = (float)(i - 1.5);
        for (int i = 0; i < 4; i++) m.v->grad[i] = (float)(0.25 * (i + 1));
        memcpy(w0, m.w->data, sizeof(w0)), memcpy(k0, m.k->data, sizeof(k0)), memcpy(b0, m.b->data, sizeof(b0)), memcpy(v0, m.v->data, sizeof(v0));
        PDT(PdOptimStep(o, NULL));
        { /* w [4, 3]: rank 1, s = |u||v|, shape scale sqrt(max(1, 4/3)), rms scale 0.2 sqrt(4) */
          const double s = sqrt(nu * nv), f = nest ? (1 - beta) * (1 + beta) : (1 - beta), pw = PolyIter(QUINTIC, 5, s / (s + 1e-7 / f));
          const double scale = pg ? pw * f * s : rms ? 0.2 * sqrt(4.0)
                                                     : sqrt(4.0 / 3.0);
          for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++) PDT_CLOSE(m.w->data[i * 3 + j], w0[i * 3 + j] * (1 - lr * wd) - lr * scale * pw * u[i] * vv[j] / s, 2e-6);
        }
        for (int md = 0; md < 2; md++) { /* k: each mode complex rank 1, x = 1/sqrt(2); shape scale sqrt(max(1, 3/2)), rms 0.2 sqrt(2 3) */
          const double f = nest ? (1 - beta) * (1 + beta) : (1 - beta), pk = PolyIter(QUINTIC, 5, 1 / sqrt(2.0));
          double       s2 = 0;
          for (int e = 0; e < 12; e++) s2 += (double)m.k->grad[md * 12 + e] * m.k->grad[md * 12 + e];
          gk2 = sqrt(s2); /* |G|_F = s for rank 1 */
          for (int e = 0; e < 12; e++) {
            const double scale = pg ? pk * f * gk2 : rms ? 0.2 * sqrt(6.0)
                                                         : sqrt(1.5);
            PDT_CLOSE(m.k->data[md * 12 + e], k0[md * 12 + e] * (1 - lr * wd) - lr * scale * pk * m.k->grad[md * 12 + e] / gk2, 2e-5);
          }
        }
        for (int i = 0; i < 3; i++) PDT_CLOSE(m.b->data[i], b0[i] * (1 - alr * wd) - alr * m.b->grad[i] / (fabs(m.b->grad[i]) + 1e-8), 1e-6);
        for (int i = 0; i < 4; i++) PDT_CLOSE(m.v->data[i], v0[i] * (1 - alr * wd) - alr * m.v->grad[i] / (fabs(m.v->grad[i]) + 1e-8), 1e-6);
        if (pg) { /* the second step, w's gradient doubled */
          const double s = sqrt(nu * nv), kappa = nest ? (1 - beta) * (2 + beta * (beta + 2)) : (1 - beta) * (beta + 2), pw = PolyIter(QUINTIC, 5, kappa * s / (kappa * s + 1e-7));
          memcpy(w0, m.w->data, sizeof(w0));
          for (int e = 0; e < 12; e++) m.w->grad[e] *= 2;
          PDT(PdOptimStep(o, NULL));
          for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++) PDT_CLOSE(m.w->data[i * 3 + j], w0[i * 3 + j] * (1 - lr * wd) - lr * pw * kappa * s * pw * u[i] * vv[j] / s, 2e-6);
        }
        PDT(PdOptimDestroy(&o));
        PDT(PdParamsDestroy(&m.params));
      }
}

/* kinds must fit the shapes; bad Newton-Schulz settings and option values are refused */
static void test_kinds_and_bad_settings(void **state)
{
  Model       m;
  PdOptim     o;
  PdParamKind kind;
  PdTensor    t;
  PdParams    p;
  PetscInt    s3[3]    = {2, 3, 3};
  const char *bad[][2] = {{"-optim_ns_steps", "0"}, {"-optim_ns_steps", "101"}, {"-optim_ns_coeffs", "1"}, {"-optim_ns_coeffs", "1,2"}, {"-optim_ns_coeffs", "3,-1,1"}, {"-optim_ns_coeffs", "100,-99,0"}, {"-optim_ns_coeffs", "0.5,0,0"}, {"-optim_ns_coeffs", "1e-300,0,1"}, {"-optim_matrix_momentum", "1"}, {"-optim_adam_lr", "-1"}, {"-weight_decay", "2000"}};
  const char *says[]   = {"-optim_ns_steps", "-optim_ns_steps", "three numbers", "three numbers", "from x = 0.", "from x = 0.001 leave [0, 2]", "from x = 0.5 end outside", "from x = 0.5 end outside", "-optim_matrix_momentum", "-optim_adam_lr", "which must stay positive"};
  /* (a missing value fails inside PETSc's options loop, which leaks its title on that path: tests/cli_train.sh) */
  MakeModel(&m);
  PDT(PdParamsGetKind(m.params, 2, &kind));
  assert_int_equal(kind, PD_PARAM_OTHER);
  PDT(PdParamsGetKind(m.params, 1, &kind));
  assert_int_equal(kind, PD_PARAM_SPECTRAL);
  PDT(PdParamsCreate(PETSC_COMM_SELF, &p));
  PDT(PdParamsAdd(p, "t", 3, s3, PD_INIT_ZERO, 0, &t));
  PDT_FAILS(PdParamsSetKind(p, t, PD_PARAM_MATRIX));
  PDT_ERRMSG_HAS("[out, in]");
  PDT_FAILS(PdParamsSetKind(p, t, PD_PARAM_SPECTRAL));
  PDT_ERRMSG_HAS("[modes..., in, out, 2]");
  PDT(PdParamsSetKind(p, t, PD_PARAM_CONV));
  PDT_FAILS(PdParamsSetKind(p, m.w, PD_PARAM_CONV));
  PDT_ERRMSG_HAS("not a parameter");
  PDT(PdParamsDestroy(&p));
  PDT(PetscOptionsSetValue(NULL, "-optim", "muon"));
  for (size_t k = 0; k < sizeof(says) / sizeof(says[0]); k++) { /* each on a new optimizer: a refused value stays in the old one */
    PDT(PdOptimCreate(m.params, &o));
    PDT(PetscOptionsSetValue(NULL, bad[k][0], bad[k][1]));
    PDT_FAILS(PdOptimSetFromOptions(o));
    PDT_ERRMSG_HAS(says[k]);
    PDT(PetscOptionsClearValue(NULL, bad[k][0]));
    PDT(PdOptimDestroy(&o));
  }
  PDT(PdOptimCreate(m.params, &o));
  PDT(PetscOptionsSetValue(NULL, "-optim_ns_coeffs", "1.5,-0.5,0"));
  PDT(PdOptimSetFromOptions(o));
  {
    PdDict      d;
    const char *coef;
    PDT(PdDictCreate(&d));
    PDT(PdOptimGetSettings(o, d));
    PDT(PdDictGetString(d, "optim_ns_coeffs", &coef));
    assert_string_equal(coef, "1.5,-0.5,0");
    PDT(PdDictDestroy(&d));
  }
  PDT(PetscOptionsClearValue(NULL, "-optim_ns_coeffs"));
  PDT(PetscOptionsClearValue(NULL, "-optim"));
  PDT(PdOptimDestroy(&o));
  PDT(PdParamsDestroy(&m.params));
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_quintic_against_svd), cmocka_unit_test(test_cubic_converges), cmocka_unit_test(test_complex_is_embedding), cmocka_unit_test(test_one_step_closed_form), cmocka_unit_test(test_kinds_and_bad_settings)};
PDT_MAIN("test_optim_matrix", tests)
