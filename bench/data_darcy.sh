#!/usr/bin/env bash
# Darcy data generation at the FNO setting (-fine 421 -res 85): samples per second per core and the
# share of time in the fine solve, for CG with several preconditioners (the default is the fastest
# measured here). Usage: bench/data_darcy.sh [n=8] [pcs="gamg hypre icc"]; prints a table.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-8}
pcs=${2:-gamg hypre icc}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
bench_tmp
echo "| PC | ranks | samples | samples/s | samples/s per core | CG iterations per solve | share of time in the fine solve |"
echo "|---|---|---|---|---|---|---|"
for pc in $pcs; do
  for np in 1 2; do
    mpiexec --oversubscribe -n "$np" "$pdeop" data darcy -n "$n" -res 85 -fine 421 -seed 1 -pc_type "$pc" -o "$tmp/d.h5" -report "$tmp/r.json" -quiet
    printf "| %s | %d | %d | %.3f | %.3f | %.1f | %.1f%% |\n" "$pc" "$np" "$n" "$(jget "$tmp/r.json" samples_per_s)" "$(jget "$tmp/r.json" samples_per_s_per_core)" "$(jget "$tmp/r.json" iterations_mean)" "$(awk -v f="$(jget "$tmp/r.json" solve_fraction)" 'BEGIN{print 100*f}')"
  done
done
