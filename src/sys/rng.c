/* Seeded pseudo-random numbers: xoshiro256** (Blackman & Vigna) seeded through splitmix64 from a
   (seed, stream) pair, so every use (initialisation, shuffling, sampling) has its own reproducible
   sequence whatever the number of ranks. */
#include <pdeop/rng.h>

static uint64_t SplitMix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z          = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/*@ PdRngSeed - start the generator for (seed, stream) @*/
PetscErrorCode PdRngSeed(PdRng *rng, uint64_t seed, uint64_t stream)
{
  uint64_t x = seed ^ (0xd1b54a32d192ed03ULL * (stream + 1));

  PetscFunctionBegin;
  for (int i = 0; i < 4; i++) rng->s[i] = SplitMix64(&x);
  rng->has_spare = PETSC_FALSE;
  rng->spare     = 0;
  PetscFunctionReturn(0);
}

/* xoshiro256** next output */
uint64_t PdRngNext(PdRng *rng)
{
  uint64_t *s      = rng->s;
  uint64_t  result = Rotl(s[1] * 5, 7) * 9;
  uint64_t  t      = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = Rotl(s[3], 45);
  return result;
}

/*@ PdRngFillBits - the next n outputs of PdRngNext, with the state in registers (a call per output
  cost as much as the Box-Muller transform of PdJetFillNormal) @*/
void PdRngFillBits(PdRng *rng, PetscInt n, uint64_t out[])
{
  uint64_t s0 = rng->s[0], s1 = rng->s[1], s2 = rng->s[2], s3 = rng->s[3];

  for (PetscInt i = 0; i < n; i++) {
    const uint64_t t = s1 << 17;

    out[i] = Rotl(s1 * 5, 7) * 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = Rotl(s3, 45);
  }
  rng->s[0] = s0, rng->s[1] = s1, rng->s[2] = s2, rng->s[3] = s3;
}

/* uniform in [0,1) with 53 random bits */
double PdRngUniform(PdRng *rng)
{
  return (double)(PdRngNext(rng) >> 11) * 0x1.0p-53;
}

/* standard normal by the Box-Muller transform; the second value of each pair is kept */
double PdRngNormal(PdRng *rng)
{
  double u1, u2, r;

  if (rng->has_spare) {
    rng->has_spare = PETSC_FALSE;
    return rng->spare;
  }
  do u1 = PdRngUniform(rng);
  while (u1 <= 0.0);
  u2             = PdRngUniform(rng);
  r              = PetscSqrtReal(-2.0 * PetscLogReal(u1));
  rng->spare     = r * PetscSinReal(2.0 * PETSC_PI * u2);
  rng->has_spare = PETSC_TRUE;
  return r * PetscCosReal(2.0 * PETSC_PI * u2);
}

/* uniform integer in 0..n-1 without modulo bias (rejection) */
PetscInt PdRngInt(PdRng *rng, PetscInt n)
{
  uint64_t un = (uint64_t)n, limit = UINT64_MAX - UINT64_MAX % un, x;

  do x = PdRngNext(rng);
  while (x >= limit);
  return (PetscInt)(x % un);
}

PetscErrorCode PdRngFillUniform(PdRng *rng, PetscInt n, float x[], float lo, float hi)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) x[i] = (float)(lo + (hi - lo) * PdRngUniform(rng));
  PetscFunctionReturn(0);
}

PetscErrorCode PdRngFillNormal(PdRng *rng, PetscInt n, float x[], float mean, float std)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) x[i] = (float)(mean + std * PdRngNormal(rng));
  PetscFunctionReturn(0);
}

PetscErrorCode PdRngFillRademacher(PdRng *rng, PetscInt n, float x[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i += 64) {
    uint64_t bits = PdRngNext(rng);
    for (PetscInt k = 0; k < 64 && i + k < n; k++) x[i + k] = ((bits >> k) & 1) ? 1.0f : -1.0f;
  }
  PetscFunctionReturn(0);
}

/* a uniformly random permutation of 0..n-1 (Fisher-Yates) */
PetscErrorCode PdRngPermutation(PdRng *rng, PetscInt n, PetscInt perm[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) perm[i] = i;
  for (PetscInt i = n - 1; i > 0; i--) {
    PetscInt j = PdRngInt(rng, i + 1), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  PetscFunctionReturn(0);
}
