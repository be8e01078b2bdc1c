# Sourced (not run) by scripts/demo and bench/*.sh: name OpenBLAS's kernels when it does not know the CPU.
# OpenBLAS 0.3.21 (Debian 12) falls back to its Prescott (SSE3) kernels on CPUs newer than it (e.g.
# Sapphire Rapids), 3-5x slower than its AVX-512 ones. Usage: pdeop_openblas_core <pdeop binary>; it sets
# and exports OPENBLAS_CORETYPE (SkylakeX with AVX-512, Haswell with AVX2) only when OpenBLAS detected
# Prescott, the variable is unset and NO_CORE_FIX is not 1, and sets PDEOP_BLAS_NOTE to one line saying so.
pdeop_openblas_core() {
  local core
  core=$(OPENBLAS_VERBOSE=2 "$1" -help 2>&1 | sed -n 's/^Core: *//p' | head -1)
  PDEOP_BLAS_NOTE="OpenBLAS kernels: ${core:-unknown} (as detected)"
  if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ "${NO_CORE_FIX:-0}" != 1 ] && [ "$core" = Prescott ]; then
    if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
    elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
    [ -n "${OPENBLAS_CORETYPE:-}" ] && PDEOP_BLAS_NOTE="OpenBLAS kernels: $OPENBLAS_CORETYPE (OPENBLAS_CORETYPE set: OpenBLAS detected only $core on this CPU; NO_CORE_FIX=1 keeps $core)"
  elif [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    PDEOP_BLAS_NOTE="OpenBLAS kernels: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (set by the caller)"
  fi
  return 0
}
