/* PD_VECTOR_CLONES: the attribute of src/ops' register-blocked kernels (plain loops on GCC's vector
   types): built for AVX-512, AVX2 and the baseline, chosen at load time. Private to src/ops. */
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
  #define PD_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), optimize("O3")))
#elif defined(__GNUC__) && !defined(__clang__)
  /* sanitizer builds are -O0: the kernels' register blocks would run 30 times slower than their work */
  #define PD_VECTOR_CLONES __attribute__((optimize("O3")))
#else
  #define PD_VECTOR_CLONES
#endif
