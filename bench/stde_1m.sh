#!/usr/bin/env bash
# The STDE protocol at one million dimensions (two-body Poisson, the paper's network: 128M parameters),
# 10,000 steps, run in pieces: a checkpoint every EVERY steps (2 GB with Adam's moments), and a rerun
# continues from the last one (`pinn -resume`, exact: the same parameters as an uninterrupted run).
# Stop it at any time (kill, end of session); run it again to go on. The report, the log and the
# checkpoint stay under OUT (not in git). About 3 s of one core per step on the machines measured.
# Usage: bench/stde_1m.sh [build dir, default build/]. Env: OUT (bench/out/stde_1m), EVERY (250),
# PROBLEM (the -pinn_problem_seed, 1), SEED (1), PDE (poisson); DIM and ITERS (1000000, 10000) for a trial.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_build stde_1m.sh "${1:-}" pdeop
out=${OUT:-$root/bench/out/stde_1m}
every=${EVERY:-250}
mkdir -p "$out"
exec {lock}>"$out.lock" # one process at a time (freed when it exits)
flock -n "$lock" || { echo "stde_1m.sh: another process runs $out"; exit 0; }
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
run=(-protocol stde -pde "${PDE:-poisson}" -solution two-body -dim "${DIM:-1000000}" -iters "${ITERS:-10000}" -lr_total_steps "${ITERS:-10000}"
  -seed "${SEED:-1}" -pinn_problem_seed "${PROBLEM:-1}" -checkpoint_every "$every" -o "$out/ck.h5" -report "$out/report.json.part")
if [ -s "$out/report.json" ]; then
  echo "done already: $out/report.json (delete it and $out/ck.h5 to run again)"
elif [ -s "$out/ck.h5" ]; then
  echo "$(bench_machine); continuing $out/ck.h5; load: $(bench_load)"
  "$build/pdeop" "pinn" "${run[@]}" -resume "$out/ck.h5" 2>&1 | tee -a "$out/log.txt"
else
  echo "$(bench_machine); starting; load: $(bench_load)"
  "$build/pdeop" "pinn" "${run[@]}" 2>&1 | tee -a "$out/log.txt"
fi
if [ -s "$out/report.json.part" ]; then
  mv "$out/report.json.part" "$out/report.json"
  for k in rel_l2 rel_l2_min rel_l2_min_iter iters s_per_iter cpu_s_per_iter peak_memory_mb; do echo "$k $(jget "$out/report.json" "$k")"; done
fi
