# The benchmark programs' own checks: bench_allreduce (bench/allreduce.c) verifies the sums of its
# warm-up allreduce and rejects missing and out-of-range option values.
source "$(dirname "$0")/lib_cli.sh"
B="${PDEOP_BUILD_DIR:?}/bench_allreduce"

expect_fail "-reps without a value" "Option -reps needs a value" "$B" -reps
expect_fail "-reps out of range" "-reps must be in 1..100000, got 0" "$B" -reps 0
expect_fail "-n without a value" "Option -n needs a value" "$B" -n
expect_fail "-n out of range" "-n values must be in 1" "$B" -n 5,0

# two ranks: one row per count, the sums checked inside (a wrong sum is an error and a non-zero exit)
if [ -n "${MPIEXEC:-}" ]; then
  # shellcheck disable=SC2086
  $MPIEXEC -n 2 "$B" -n 1000,7 -reps 3 >"$work/ar.txt"
  grep -q '^| 1000 | 0.00 | 2 |' "$work/ar.txt" && ok "2 ranks: the 1000-float row" || bad "2 ranks: no 1000-float row: $(cat "$work/ar.txt")"
  grep -q '^| 7 | 0.00 | 2 |' "$work/ar.txt" && ok "2 ranks: the 7-float row" || bad "2 ranks: no 7-float row"
else
  bad "MPIEXEC is not set: the two-rank allreduce is not tested"
fi
finish
