/* Private to -pc_type learned_sor and its tests: the bandits that choose omega, usable on their own
   (Tsallis-INF for a plain sequence, SquareCB with ridge regression when each solve has a context),
   and the PC's data shared by pc_learned_sor.c and state.c. */
#pragma once
#include <petscpc.h>
#include <pdeop/rng.h>

/* Tsallis-INF (Zimmert & Seldin 2021) with alpha = 1/2 over K arms, losses in [0,1]: round t plays
   p_i = 4 / (eta_t (L_i - x))^2, eta_t = 2 / sqrt(t), with x such that sum p = 1, and the played
   arm's importance-weighted estimate L_a += loss / p_a. */
typedef struct {
  PetscInt   K;
  PetscInt   t;         /* rounds completed */
  PetscReal *L;         /* cumulative loss estimates */
  PetscReal  eta_scale; /* learning rate eta_t = eta_scale 2 / sqrt(t); 0 means 1 */
} PdTsallisINF;

PETSC_EXTERN PetscErrorCode PdTsallisINFCreate(PetscInt, PdTsallisINF *);
PETSC_EXTERN PetscErrorCode PdTsallisINFDestroy(PdTsallisINF *);
/* the distribution of the next round (t + 1) */
PETSC_EXTERN PetscErrorCode PdTsallisINFProbabilities(const PdTsallisINF *, PetscReal[]);
/* end the round: arm was played with probability p and lost loss (clipped to [0,1]) */
PETSC_EXTERN PetscErrorCode PdTsallisINFUpdate(PdTsallisINF *, PetscInt, PetscReal, PetscReal);

/* SquareCB (Foster & Rakhlin 2020) over K arms with a context c: per-arm ridge regression (ridge 1)
   of the loss on Chebyshev features T_0..T_d(z), z = c mapped from [cmin, cmax] to [-1, 1] and
   clipped; inverse-gap weighting p_a = 1 / (K + gamma (yhat_a - yhat_best)) for a != best, the rest
   to the best arm, gamma = sqrt(K t) for round t unless a fixed gamma > 0 is set. */
typedef struct {
  PetscInt   K, d;       /* arms, Chebyshev degree */
  PetscInt   t;          /* rounds completed */
  PetscReal  cmin, cmax; /* context range mapped to [-1, 1] */
  PetscReal  gamma;      /* 0: sqrt(K t) */
  PetscReal *A, *b;      /* per arm: (d+1)^2 Gram matrix + I, (d+1) moment vector */
} PdSquareCB;

PETSC_EXTERN PetscErrorCode PdSquareCBCreate(PetscInt, PetscInt, PetscReal, PetscReal, PdSquareCB *);
PETSC_EXTERN PetscErrorCode PdSquareCBDestroy(PdSquareCB *);
/* predicted loss of every arm at context c */
PETSC_EXTERN PetscErrorCode PdSquareCBPredict(const PdSquareCB *, PetscReal, PetscReal[]);
PETSC_EXTERN PetscErrorCode PdSquareCBProbabilities(const PdSquareCB *, PetscReal, PetscReal[]);
PETSC_EXTERN PetscErrorCode PdSquareCBUpdate(PdSquareCB *, PetscInt, PetscReal, PetscReal);

/* draw an arm from p (sums to 1) */
PETSC_EXTERN PetscInt PdBanditSample(PdRng *, PetscInt, const PetscReal[]);

/* ---- the preconditioner's data (pc_learned_sor.c, state.c) ---- */

#define LEARNED_SOR_FILE_MAGIC   1347636307 /* "PDLS" */
#define LEARNED_SOR_FILE_VERSION 2

typedef struct {
  /* the grid of omegas (the arms) and the options that made it */
  PetscInt     K, degree;
  PetscReal    omega_min, omega_max, cmin, cmax, *omega;
  PdTsallisINF inf; /* without a context */
  PdSquareCB   cb;  /* with a context */
  PetscBool    contextual;
  PetscReal    context;
  PetscInt     seed;
  PdRng        rng;
  /* the current round */
  PetscInt  arm;
  PetscReal omega_cur, parm, *p; /* omega drawn, its probability, the distribution */
  PetscBool pending;             /* an omega was drawn for a solve not yet scored */
  /* history */
  PetscInt  solves, total_its;
  PetscReal loss_scale; /* iterations that count as loss 1; 0: twice the first solve's */
  PetscReal eta_scale;  /* Tsallis-INF learning-rate factor (kept across grid rebuilds) */
  char     *state_file;
  PetscBool state_loaded;
  char     *model_file; /* -pc_learned_model: a warm start, read once, never written */
  PetscBool model_loaded;
  PC        sor; /* the inner SSOR on the current operators */
} PC_LearnedSOR;

/* (Re)build the grid of omegas and empty bandits from K, omega_min/max, degree, context range. */
PETSC_INTERN PetscErrorCode PCLearnedSORBuild_Private(PC_LearnedSOR *);
/* Read a state file; a warm start takes the bandit only (statistics restart, draws keep their seed). */
PETSC_INTERN PetscErrorCode PCLearnedSORLoadStateFile_Private(PC, const char[], PetscBool);
PETSC_INTERN PetscErrorCode PCLearnedSORSaveState_LearnedSOR(PC, const char[]);
PETSC_INTERN PetscErrorCode PCLearnedSORLoadState_LearnedSOR(PC, const char[]);
PETSC_INTERN PetscErrorCode PCLearnedSORPretrain_LearnedSOR(PC, PetscInt, const PetscReal[], const PetscInt[]);
