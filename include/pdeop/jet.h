/* Taylor mode on neural operators (operators/taylor/jet.c): jets (truncated Taylor series of
   t -> u(x + t v)) pushed through dense networks, and estimators of differential operators written as
   sums of directional derivatives (exact sums over axes, SDGD, STDE). The engine's primitives are in
   <pdeop/jetops.h>. */
#pragma once
#include <pdeop/jetops.h>
#include <pdeop/nop.h>
#include <pdeop/rng.h>

/* ---- jets of a batch ----

   A jet of B points with V directions each: the primal p [B, w] (shared by the directions, so it is
   computed once) and the coefficients c [K, V, B, w]. Linear layers map p with the bias and c
   without; every piece is an engine tensor, so gradients with respect to the weights come from
   the ordinary backward pass. */
typedef struct {
  PetscInt order, V, B;
  PdTensor p; /* [B, w] */
  PdTensor c; /* [K, V, B, w], NULL when order = 0 */
} PdJet;

/* Input directions of B points x [B, d] (a tape tensor): dense (dirs [V, B, d], a tape tensor) or
   sparse, nnz = 1 or 2 coordinates per direction: direction (v, b) is
   sum_{q<nnz} val[((v B) + b) nnz + q] e_{idx[...]} (arrays owned by the caller). */
typedef struct {
  PetscInt  B, d, V;
  PdTensor  x;
  PdTensor  dirs;
  PetscInt  nnz;
  PetscInt *idx;
  float    *val;
} PdJetSeed;

PETSC_EXTERN PetscErrorCode PdJetSeedLinear(const PdJetSeed *, PetscInt, PdTensor, PdTensor, PdJet *);
PETSC_EXTERN PetscErrorCode PdJetLinear(const PdJet *, PdTensor, PdTensor, PdJet *);
PETSC_EXTERN PetscErrorCode PdJetActivate(PdJetFn, const PdJet *, PdJet *);
PETSC_EXTERN PetscErrorCode PdJetMul(const PdJet *, const PdJet *, PdJet *);
PETSC_EXTERN PetscErrorCode PdJetCoefficient(const PdJet *, PetscInt, PdTensor *);
/* the (constant) jet of alpha + beta |x + t v|^2, width 1: for boundary factors like 1 - |x|^2 */
PETSC_EXTERN PetscErrorCode PdJetSeedSquaredNorm(const PdJetSeed *, PdTape, PetscInt, double, double, PdJet *);
/* The jet of a model on a seed: the same network as NOpForward, in Taylor mode. An optional method
   of the model's type (mlp has it, with a smooth activation); other types are an error. */
PETSC_EXTERN PetscErrorCode NOpJetForward(NOp, PdTape, const PdJetSeed *, PetscInt, PdJet *);

/* A scalar model u on jets: out must have width 1. PdJetModelNOp (ctx = an NOp) is one. */
typedef PetscErrorCode (*PdJetModelFn)(void *, PdTape, const PdJetSeed *, PetscInt, PdJet *);
PETSC_EXTERN PetscErrorCode PdJetModelNOp(void *, PdTape, const PdJetSeed *, PetscInt, PdJet *);

/* ---- differential operators as sums of directional-derivative terms ----

   L u(x) = sum_t weight_t T_t, each term T_t of one order k and one kind of direction:
     sparse:     sum over the d axes of D_{e_j}^k u
     pairs:      sum over i < j of D_{e_i + e_j}^k u + D_{e_i - e_j}^k u
     rademacher: E[D_v^k u], v with independent +-1 entries
     gaussian:   E[D_v^k u], v ~ N(0, I)
   Laplacian: one term (1, 2, any kind). Biharmonic: gaussian (1/3, 4); rademacher (1/3, 4) +
   sparse (2/3, 4); sparse (1 - (d-1)/3, 4) + pairs (1/6, 4). A new operator is a new list of terms.

   Estimators of each term with V directions:
     exact: every axis (or signed pair); only for sparse/pairs terms.
     sdgd:  V distinct axes (pairs) drawn per step and shared by all points, scaled by d/V
            (d(d-1)/V): unbiased (Hu et al.).
     stde:  V directions drawn independently for every point: sparse/pairs uniformly (with
            replacement, scaled like sdgd), rademacher/gaussian averaged (Shi et al.). */
typedef enum { PD_DIR_SPARSE,
               PD_DIR_PAIRS,
               PD_DIR_RADEMACHER,
               PD_DIR_GAUSSIAN } PdDirDist;
PETSC_EXTERN const char *const PdDirDists[];
typedef enum { PD_EST_EXACT,
               PD_EST_SDGD,
               PD_EST_STDE } PdEstimatorType;
PETSC_EXTERN const char *const PdEstimatorTypes[];

#define PD_DIFFOP_MAX_TERMS 4
typedef struct {
  double    weight;
  PetscInt  order;
  PdDirDist dist;
} PdDiffTerm;
typedef struct {
  PetscInt   nterms;
  PdDiffTerm term[PD_DIFFOP_MAX_TERMS];
} PdDiffOp;
PETSC_EXTERN PetscErrorCode PdDiffOpLaplacian(PdDirDist, PdDiffOp *);
PETSC_EXTERN PetscErrorCode PdDiffOpBiharmonic(PdDirDist, PetscInt, PdDiffOp *);

/* The directions of one estimate for B points in R^d, drawn by PdDirSetSample. Term t has V[t]
   directions per point and its estimate is scale[t] * sum_v D_v^k u (scale includes the weight). */
typedef struct {
  PetscInt  B, d, nterms;
  PetscInt  order[PD_DIFFOP_MAX_TERMS], V[PD_DIFFOP_MAX_TERMS], nnz[PD_DIFFOP_MAX_TERMS];
  double    scale[PD_DIFFOP_MAX_TERMS];
  PetscInt *idx[PD_DIFFOP_MAX_TERMS]; /* [V, B, nnz] (sparse and pairs) */
  float    *val[PD_DIFFOP_MAX_TERMS];
  float    *dirs[PD_DIFFOP_MAX_TERMS]; /* [V, B, d] (rademacher and gaussian) */
} PdDirSet;
/* V directions per point per term (ignored by exact); rng draws them. */
PETSC_EXTERN PetscErrorCode PdDirSetSample(const PdDiffOp *, PdEstimatorType, PetscInt, PetscInt, PetscInt, PdRng *, PdDirSet *);
PETSC_EXTERN PetscErrorCode PdDirSetDestroy(PdDirSet *);
/* The directions of points lo..hi-1 only (a copy) */
PETSC_EXTERN PetscErrorCode PdDirSetRestrict(const PdDirSet *, PetscInt, PetscInt, PdDirSet *);
/* The part of the estimate from directions v0..v1-1 of term t, [B], on the tape of x [B, d];
   u (optional) gets the model's primal output [B]. Summing the parts of every term over all
   directions gives the estimate: so a large exact sum can be taken in chunks. */
PETSC_EXTERN PetscErrorCode PdDiffOpApply(PdJetModelFn, void *, PdTensor, const PdDirSet *, PetscInt, PetscInt, PetscInt, PdTensor *, PdTensor *);
/* The whole estimate [B] (and the primal u [B], optional) in one graph. */
PETSC_EXTERN PetscErrorCode PdDiffOpEstimate(PdJetModelFn, void *, PdTensor, const PdDirSet *, PdTensor *, PdTensor *);

/* Fast float N(0,1) draws (Box-Muller on 32-bit uniforms, vectorised): sampling millions of
   directions or points per step. A different sequence from PdRngFillNormal. */
PETSC_EXTERN PetscErrorCode PdJetFillNormal(PdRng *, PetscInt, float[]);
