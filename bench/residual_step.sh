#!/usr/bin/env bash
# The cost of one training step with the residual loss against the data loss (docs/benchmarks.md):
# the same FNO on the same Darcy set, a few epochs of each loss in turn (supervised, residual with
# one multigrid cycle, raw residual), repeated. A step's cost is CPU time (the report's
# train_cpu_seconds: user + system time of the training epochs), so other jobs on the machine do
# not count, and it is the difference between a run of E epochs and a run of 1, over the steps of
# the E - 1 epochs: the first epoch's one-time set-up (FFTW plans; for the residual, each sample's
# matrix and PC, cached for the run) cancels. The best of the repeats and the ratio to the
# supervised step; wall-clock seconds per step beside it. Prints the load before and after.
# Usage: bench/residual_step.sh [dir=bench/out/residual_step] ["sizes"="43 85"] [n=100] [epochs=3] [repeats=3]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir=${1:-$root/bench/out/residual_step}
sizes=${2:-43 85}
n=${3:-100}
epochs=${4:-3}
reps=${5:-3}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
bench_need "$pdeop"
mkdir -p "$dir"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
fno=(-model fno -fno_width 16 -fno_modes 8 -fno_layers 4 -seed 1 -batch_size 20 -lr 1e-3)
echo "FNO width 16, 8 modes, 4 layers, batch 20; $n samples; runs of 1 and $epochs epochs, best of $reps; $(date -u +%Y-%m-%d)"
echo
echo "| s | loss | CPU s per step (best) | all repeats | / supervised | wall s per step (best) |"
echo "|---:|---|---:|---|---:|---:|"
for s in $sizes; do
  [ -s "$dir/train$s.h5" ] || "$pdeop" data darcy -n "$n" -res "$s" -fine "$s" -seed 1 -o "$dir/train$s.h5" -quiet
  levels=1
  while [ $(((s - 1) % (1 << levels))) = 0 ] && [ $(((s - 1) >> levels)) -ge 2 ]; do levels=$((levels + 1)); done
  names=("supervised" "residual, mg ($levels levels)" "residual, raw")
  opts=("-loss rel_l2" "-loss residual -residual_pc_type mg -residual_pc_mg_levels $levels" "-loss residual")
  declare -A all=() wall=()
  steps=$(((n + 19) / 20))
  for r in $(seq 1 "$reps"); do
    for k in 0 1 2; do
      for e in 1 "$epochs"; do
        out="$dir/s${s}_k${k}_e${e}_r$r.json"
        # shellcheck disable=SC2086
        [ -s "$out" ] || { "$pdeop" train "${fno[@]}" ${opts[$k]} -data "$dir/train$s.h5" -epochs "$e" -report "$out.tmp" -quiet >/dev/null && mv "$out.tmp" "$out"; }
      done
      a="$dir/s${s}_k${k}_e1_r$r.json" b="$dir/s${s}_k${k}_e${epochs}_r$r.json"
      all[$k]="${all[$k]:-} $(awk -v a="$(jget "$a" train_cpu_seconds)" -v b="$(jget "$b" train_cpu_seconds)" -v m=$(((epochs - 1) * steps)) 'BEGIN{printf "%.4f", (b - a) / m}')"
      wall[$k]="${wall[$k]:-} $(awk -v a="$(jget "$a" train_samples_per_s)" -v b="$(jget "$b" train_samples_per_s)" -v n="$n" -v e="$epochs" -v m=$(((epochs - 1) * steps)) 'BEGIN{printf "%.4f", (e * n / b - n / a) / m}')"
    done
  done
  sup=$(echo "${all[0]}" | tr ' ' '\n' | grep . | sort -g | head -1)
  for k in 0 1 2; do
    best=$(echo "${all[$k]}" | tr ' ' '\n' | grep . | sort -g | head -1)
    bw=$(echo "${wall[$k]}" | tr ' ' '\n' | grep . | sort -g | head -1)
    printf "| %s | %s | %.4f | %s | %.2f | %.4f |\n" "$s" "${names[$k]}" "$best" "${all[$k]# }" "$(awk -v a="$best" -v b="$sup" 'BEGIN{print a / b}')" "$bw"
  done
  unset all wall
done
echo
echo "load average (1, 5, 15 min) before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
