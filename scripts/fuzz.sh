#!/usr/bin/env bash
# Fuzz pdeop's three readers with libFuzzer under ASan+UBSan: HDF5 datasets (PdDatasetRead),
# checkpoints (NOpLoad, then the optimizer state), PETSc binary systems (`pdeop solve -f`).
#   scripts/fuzz.sh [seconds per reader, default 60] [reader ...]     e.g. scripts/fuzz.sh 600 system
# Builds with clang into build-fuzz/, starts each reader from tests/fuzz/corpus/<reader>/ (copied, so
# the repository's seeds stay as they are), and stops at the first finding, leaving crash-*/leak-*/
# timeout-* files in build-fuzz/findings/<reader>/ and a non-zero exit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
shift || true
readers=("$@")
[ ${#readers[@]} -eq 0 ] && readers=(dataset checkpoint system)
bash "$root/scripts/deps.sh"
if ! command -v clang >/dev/null; then
  echo "fuzz: installing clang"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
build="$root/build-fuzz"
CC=clang bash "$root/scripts/build.sh" "$build" -DPDEOP_FUZZ=ON -DPDEOP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null 2>&1 ||
  CC=clang cmake --build "$build" --target fuzz_dataset fuzz_checkpoint fuzz_system
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
# Leaks are not checked: OpenMPI's dlopen'ed plugins allocate lazily on the first inputs and their
# stacks cannot be symbolised, so LeakSanitizer cannot tell them from pdeop's (the unit tests check
# pdeop's own allocations with PETSc's -malloc_debug); set PDEOP_FUZZ_LEAKS=1 to look anyway.
# allocator_may_return_null: a malloc of an absurd size (HDF5 sizing a damaged metadata block) returns
# NULL, as it does outside ASan, and HDF5 reports the error
export ASAN_OPTIONS="detect_leaks=${PDEOP_FUZZ_LEAKS:-0}:abort_on_error=1:detect_stack_use_after_return=0:allocator_may_return_null=1"
# leaks are checked input by input (libFuzzer); PETSc and MPI keep their start-up allocations to the end
cat "$root/tests/lsan.supp" "$root/tests/fuzz/lsan.supp" >"$build/lsan.supp"
export LSAN_OPTIONS="suppressions=$build/lsan.supp:print_suppressions=0:leak_check_at_exit=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for r in "${readers[@]}"; do
  corpus="$build/corpus/$r"; findings="$build/findings/$r"
  rm -rf "$findings"
  mkdir -p "$corpus" "$findings"
  cp -n "$root/tests/fuzz/corpus/$r/"* "$corpus/" 2>/dev/null || true
  echo "== fuzz $r for $seconds s (corpus $corpus)"
  if "$build/tests/fuzz/fuzz_$r" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=65536 -detect_leaks="${PDEOP_FUZZ_LEAKS:-0}" \
       -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" >"$findings/log" 2>&1; then
    echo "   no finding: $(grep -E '^stat::number_of_executed_units' "$findings/log" | awk '{print $2}') inputs, corpus $(ls "$corpus" | wc -l) files"
  else
    status=1
    echo "   FINDING: $(ls "$findings" | grep -v '^log$' | head -3 | tr '\n' ' ') (log: $findings/log)"
    grep -E "ERROR|SUMMARY" "$findings/log" | head -5 | sed 's/^/   /'
  fi
done
exit $status
