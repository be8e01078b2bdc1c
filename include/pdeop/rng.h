/* Seeded pseudo-random numbers (xoshiro256** seeded by splitmix64): uniform, normal, Rademacher.
   The same seed and stream give the same numbers on every machine and rank count. */
#pragma once
#include <petscsys.h>

typedef struct {
  uint64_t s[4];
  PetscBool has_spare; /* Box-Muller produces normals in pairs */
  double    spare;
} PdRng;

PETSC_EXTERN PetscErrorCode PdRngSeed(PdRng *, uint64_t seed, uint64_t stream);
PETSC_EXTERN uint64_t       PdRngNext(PdRng *);
PETSC_EXTERN double         PdRngUniform(PdRng *);  /* [0,1) */
PETSC_EXTERN double         PdRngNormal(PdRng *);   /* N(0,1) */
PETSC_EXTERN PetscInt       PdRngInt(PdRng *, PetscInt n); /* uniform in 0..n-1 */
PETSC_EXTERN PetscErrorCode PdRngFillUniform(PdRng *, PetscInt, float[], float lo, float hi);
PETSC_EXTERN PetscErrorCode PdRngFillNormal(PdRng *, PetscInt, float[], float mean, float std);
PETSC_EXTERN PetscErrorCode PdRngFillRademacher(PdRng *, PetscInt, float[]);
PETSC_EXTERN PetscErrorCode PdRngPermutation(PdRng *, PetscInt, PetscInt[]);
