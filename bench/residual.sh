#!/usr/bin/env bash
# Residual and hybrid losses against supervised training on Darcy (docs/benchmarks.md): the same
# FNO, the same number of optimizer steps, trained by the data loss, by the raw residual
# ||A u - f|| / ||f|| of the operator `pdeop solve darcy` assembles, by the multigrid-preconditioned
# residual, by the hybrid loss with 10% of the samples labelled, and by the data loss on those 10%
# alone. The data are solved on their own grid (-fine = -res), so the residual's minimiser is the
# data's solution. Prints the test relative L2 and the seconds per training step of each.
# Resumable: a run whose report exists in DIR is not run again (delete it to rerun).
# Usage: bench/residual.sh [dir=bench/out/residual] [s=43] [n=200] [epochs=40] [ranks=1]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir=${1:-$root/bench/out/residual}
s=${2:-43}
n=${3:-200}
epochs=${4:-40}
ranks=${5:-1}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
bench_need "$pdeop"
run() { if [ "$ranks" -gt 1 ]; then mpiexec -n "$ranks" "$pdeop" "$@"; else "$pdeop" "$@"; fi; }
mkdir -p "$dir"
tag="s${s}_n${n}_e${epochs}"
[ -s "$dir/train$s.h5" ] || run data darcy -n "$n" -res "$s" -fine "$s" -seed 1 -o "$dir/train$s.h5" -quiet
[ -s "$dir/test$s.h5" ] || run data darcy -n 100 -res "$s" -fine "$s" -seed 2 -o "$dir/test$s.h5" -quiet
# multigrid levels: DMDA coarsening halves s - 1, so as many as (s - 1) / 2^(L-1) stays whole
levels=1
while [ $(((s - 1) % (1 << levels))) = 0 ] && [ $(((s - 1) >> levels)) -ge 2 ]; do levels=$((levels + 1)); done
nl=$(awk -v n="$n" 'BEGIN{printf "%d", n / 10 + 0.5}')
fno=(-model fno -fno_width 16 -fno_modes 8 -fno_layers 4 -seed 1 -batch_size 20 -lr 1e-3 -lr_schedule cosine)
# name | extra options | epochs (the 10% alone: 10x the epochs, the same number of steps)
runs=(
  "supervised|-loss rel_l2|$epochs"
  "residual, raw|-loss residual|$epochs"
  "residual, mg ($levels levels)|-loss residual -residual_pc_type mg -residual_pc_mg_levels $levels|$epochs"
  "residual, gamg|-loss residual -residual_pc_type gamg|$epochs"
  "hybrid, 10% labelled, mg ($levels levels)|-loss hybrid -labelled_fraction 0.1 -residual_weight 1 -residual_pc_type mg -residual_pc_mg_levels $levels|$epochs"
  "hybrid w10, 10% labelled, mg ($levels levels)|-loss hybrid -labelled_fraction 0.1 -residual_weight 10 -residual_pc_type mg -residual_pc_mg_levels $levels|$epochs"
  "supervised on the 10% alone|-loss rel_l2 -ntrain $nl|$((epochs * 10))"
)
echo "Darcy s = $s, $n training and 100 test samples, FNO width 16 modes 8 layers 4, batch 20, $ranks rank(s); $(date -u +%Y-%m-%d)"
echo
echo "| training | epochs | steps | train loss | test rel. L2 | s per step |"
echo "|---|---:|---:|---:|---:|---:|"
for r in "${runs[@]}"; do
  IFS='|' read -r name opts e <<<"$r"
  key=$(echo "${name%% (*}" | tr -c 'a-z0-9\n' '_')
  out="$dir/${tag}_$key.json"
  if [ ! -s "$out" ]; then
    # shellcheck disable=SC2086
    run train "${fno[@]}" $opts -data "$dir/train$s.h5" -test "$dir/test$s.h5" -epochs "$e" -report "$out.tmp" -quiet >/dev/null
    mv "$out.tmp" "$out"
  fi
  N=$n
  case $opts in *-ntrain*) N=$nl ;; esac
  steps=$((e * ((N + 19) / 20)))
  printf "| %s | %s | %s | %.4f | **%.4f** | %.3f |\n" "$name" "$e" "$steps" "$(jget "$out" train_loss)" "$(jget "$out" test_rel_l2)" \
    "$(awk -v t="$(jget "$out" seconds)" -v k="$steps" 'BEGIN{print t / k}')"
done
