#!/usr/bin/env bash
# Data-parallel `pdeop pinn` on 1 and 2 ranks (one BLAS thread each): the STDE protocol's network on
# two-body Poisson at d = 10,000 and 100,000, a fixed number of steps; prints s/iter, the speed-up and
# whether the two runs agree (the final test error and the loss), with the machine's load before and
# after (a speed-up on a busy machine measures the load, not the code).
# Usage: bench/pinn_ranks.sh [build dir, default build/]. Env: DIMS ("10000 100000"), ITERS (100),
# OUT (bench/out/pinn_ranks; runs whose report exists are not run again: delete them to redo).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_build pinn_ranks.sh "${1:-}" pdeop
dims=${DIMS:-"10000 100000"}
iters=${ITERS:-100}
out=${OUT:-$root/bench/out/pinn_ranks}/i$iters
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
echo "## pdeop pinn on 1 and 2 ranks"
echo
echo "$(bench_machine); $iters steps of -protocol stde, two-body Poisson, 2,000 test points"
echo "Load before: $(bench_load): $(bench_idle)"
echo
echo "| d | ranks | s/iter (wall) | CPU s/iter (rank 0) | speed-up (wall) | rel_l2 | loss | peak memory MB (rank 0) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for d in $dims; do
  for np in 1 2; do
    f="$out/d$d-n$np.json"
    if [ ! -s "$f" ]; then
      mpiexec -n "$np" "$build/pdeop" pinn -protocol stde -dim "$d" -iters "$iters" -eval_every 0 -test_points 2000 \
        -report "$f.part" -quiet >"$out/d$d-n$np.log" 2>&1 && mv "$f.part" "$f" || { echo "pinn_ranks.sh: d=$d on $np ranks failed, see $out/d$d-n$np.log" >&2; continue; }
    fi
  done
  t1=$(jget_or_empty "$out/d$d-n1.json" s_per_iter)
  for np in 1 2; do
    f="$out/d$d-n$np.json"
    [ -s "$f" ] || continue
    t=$(jget "$f" s_per_iter)
    printf "| %s | %s | %.4f | %.4f | %s | %.6e | %.6e | %.0f |\n" "$d" "$np" "$t" "$(jget "$f" cpu_s_per_iter)" "$(awk -v a="$t1" -v b="$t" 'BEGIN{ if (a == "" || b == 0) print "-"; else printf "%.2f", a / b }')" \
      "$(jget "$f" rel_l2)" "$(jget "$f" loss)" "$(jget "$f" peak_memory_mb)"
  done
done
echo
echo "Load after: $(bench_load)"
