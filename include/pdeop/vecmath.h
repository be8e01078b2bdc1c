/* Vector math for hot loops (public so that every floor's kernels share it): libmvec's SIMD variants of
   libm's float functions, an AVX2 clone attribute, and GELU's derivative. */
#pragma once
#include <math.h>

/* The pointwise loops are `omp simd` loops (-fopenmp-simd, no threads). On x86-64 glibc, <math.h>
   declares the vector versions of libm's functions (libmvec) only under -ffast-math; declaring them
   here lets GCC call the 4/8-wide versions (about 9x faster for tanh and erf, same accuracy class)
   without relaxing IEEE semantics anywhere else. Other platforms get the scalar loops. */
#if defined(__GLIBC__) && defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(PDEOP_LIBMVEC)
  #pragma omp declare simd notinbranch
extern float tanhf(float);
  #pragma omp declare simd notinbranch
extern float erff(float);
  #pragma omp declare simd notinbranch
extern float expf(float);
  #pragma omp declare simd notinbranch
extern float logf(float);
  #pragma omp declare simd notinbranch
extern float log1pf(float);
  #pragma omp declare simd notinbranch
extern float sinf(float);
  #pragma omp declare simd notinbranch
extern float cosf(float);
#endif
#define PD_SIMD _Pragma("omp simd")

/* hot loops also get an AVX2 clone chosen at run time (the library is built for baseline x86-64):
   8-wide libmvec functions and FMA where the machine has them */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && defined(__linux__)
  #define PD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
  #define PD_CLONES
#endif

/* GELU's derivative, exact erf form, for PdGelu's backward in PD_SIMD loops (the values themselves come
   from src/ops/gelu.c, without erf) */
static inline float PdGeluGradF(float x) { return 0.5f * (1.0f + erff(x * (float)M_SQRT1_2)) + x * expf(-0.5f * x * x) * (float)(0.5 * M_2_SQRTPI * M_SQRT1_2); }
