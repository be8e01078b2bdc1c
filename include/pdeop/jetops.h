/* Taylor-mode primitives of the engine (src/ops/ops_jet.c): Faa di Bruno for activations on stacked
   Taylor coefficients, and the sparse first layer of a jet. The jets built from them, and the
   estimators of differential operators, are in <pdeop/jet.h> (operators floor). */
#pragma once
#include <pdeop/ops.h>

#define PD_JET_MAX_ORDER 4

/* Coefficients are NORMALISED Taylor coefficients throughout: a jet of order K holds
   u(x + t v) = c_0 + c_1 t + ... + c_K t^K + O(t^{K+1}), so the k-th directional derivative is
   D_v^k u(x) = k! c_k.

   PdJetActivation: coefficients 1..K of sigma(x(t)) from those of x(t) by Faa di Bruno's formula,
     Y_1 = s_1 X_1, Y_2 = s_1 X_2 + s_2 X_1^2, Y_3 = s_1 X_3 + 2 s_2 X_1 X_2 + s_3 X_1^3,
     Y_4 = s_1 X_4 + s_2 (X_2^2 + 2 X_1 X_3) + 3 s_3 X_1^2 X_2 + s_4 X_1^4, s_j = sigma^(j)(x0)/j!.
     x0 is the primal (n entries, any shape); X holds K*V*n entries laid out [K, V, n]: coefficient
     k of direction v at entry e is X[((k-1) V + v) n + e], V directions sharing one primal. Y is
     shaped like X. Backward gives gradients to both x0 and X. (The primal output sigma(x0) is the
     ordinary PdTanh/PdSin/PdSoftplus/PdGelu.)
   PdGatherColumns: y[r,:] = sum_{q<nnz} s[r nnz + q] W[:, idx[r nnz + q]] for r < n; W [out, in],
     y [n, out]; s NULL means 1. It records on the given tape (W is usually a tape-less parameter). The first layer of a jet along a coordinate direction (or a sum of
     two) costs a column of W instead of a product with a d-vector. idx and s are copied. */
typedef enum { PD_JET_TANH,
               PD_JET_SIN,
               PD_JET_SOFTPLUS,
               PD_JET_GELU } PdJetFn;
PETSC_EXTERN const char *const PdJetFns[];
PETSC_EXTERN PetscErrorCode    PdJetActivation(PdJetFn, PetscInt, PdTensor, PdTensor, PdTensor *);
PETSC_EXTERN PetscErrorCode    PdGatherColumns(PdTape, PdTensor, PetscInt, PetscInt, const PetscInt[], const float[], PdTensor *);
