/* Seeded pseudo-random numbers (xoshiro256** seeded by splitmix64): uniform, normal, Rademacher.
   The same seed and stream give the same numbers on every machine and rank count. */
#pragma once
#include <petscsys.h>

typedef struct {
  uint64_t  s[4];
  PetscBool has_spare; /* Box-Muller produces normals in pairs */
  double    spare;
} PdRng;

/* The random streams of the project, one list so that no two uses draw the same numbers by accident.
   A generator is (seed, stream). Per-sample streams are the sample's index itself (datasets:
   stream s for sample s; learned-preconditioner families: 2s for the coefficient, 2s+1 for the
   right-hand sides), and per-epoch streams are a base plus the epoch. The values are those every
   dataset and checkpoint so far was made with: changing one changes results. */
typedef enum {
  PD_RNG_STREAM_MAIN        = 0,      /* a command's single draw: solve's coefficient, the learned-IC network's and learned_sor's initialisation */
  PD_RNG_STREAM_GRADCHECK   = 7,      /* PdGradCheck's weights and points */
  PD_RNG_STREAM_FIT_TRAIN   = 11,     /* pdeop fit -demo: the training samples */
  PD_RNG_STREAM_FIT_TEST    = 12,     /* pdeop fit -demo: the test samples */
  PD_RNG_STREAM_LANCZOS     = 77,     /* dcdm's Ritz vectors: the Lanczos start vector */
  PD_RNG_STREAM_PINN_POINTS = 101,    /* PINN residual points and directions, step by step */
  PD_RNG_STREAM_PINN_TEST   = 202,    /* PINN test points, drawn once per run */
  PD_RNG_STREAM_PINN_MESH   = 303,    /* mesh PINN collocation points */
  PD_RNG_STREAM_PINN_BIAS   = 404,    /* PINN biases of -pinn_init kaiming-uniform */
  PD_RNG_STREAM_EPOCH       = 1000,   /* + epoch: the operator trainer's batch permutation */
  PD_RNG_STREAM_IC_EPOCH    = 5000,   /* + epoch: learned-IC training's system order */
  PD_RNG_STREAM_DCDM_EPOCH  = 6000,   /* + epoch: dcdm training's batch order */
  PD_RNG_STREAM_DCDM_RHS    = 9000,   /* dcdm training's right-hand sides */
  PD_RNG_STREAM_NOP_INIT    = 0x1a17, /* a model's initial weights (with the model's seed) */
  PD_RNG_STREAM_PINN_COEFF  = 0xc0ef  /* the PINN solution's coefficients c_i */
} PdRngStream;

PETSC_EXTERN PetscErrorCode PdRngSeed(PdRng *, uint64_t seed, uint64_t stream);
PETSC_EXTERN uint64_t       PdRngNext(PdRng *);
PETSC_EXTERN void           PdRngFillBits(PdRng *, PetscInt, uint64_t[]); /* n outputs of PdRngNext */
PETSC_EXTERN double         PdRngUniform(PdRng *);                        /* [0,1) */
PETSC_EXTERN double         PdRngNormal(PdRng *);                         /* N(0,1) */
PETSC_EXTERN PetscInt       PdRngInt(PdRng *, PetscInt n);                /* uniform in 0..n-1 */
PETSC_EXTERN PetscErrorCode PdRngFillUniform(PdRng *, PetscInt, float[], float lo, float hi);
PETSC_EXTERN PetscErrorCode PdRngFillNormal(PdRng *, PetscInt, float[], float mean, float std);
PETSC_EXTERN PetscErrorCode PdRngFillRademacher(PdRng *, PetscInt, float[]);
PETSC_EXTERN PetscErrorCode PdRngPermutation(PdRng *, PetscInt, PetscInt[]);
