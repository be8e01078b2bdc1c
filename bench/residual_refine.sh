#!/usr/bin/env bash
# Test-time refinement by the residual (docs/benchmarks.md): an FNO trained on Darcy data at s = 43
# meets new coefficients at s = 85 (zero-shot: the same modes on a finer grid); `pdeop train -init`
# then refines a copy of it on each coefficient alone by the multigrid-preconditioned residual,
# which needs no solution, and `pdeop eval` compares with the solution at 85^2.
# Resumable: results already in DIR are kept (delete them to rerun).
# Usage: bench/residual_refine.sh [dir=bench/out/residual] [count=5] [steps=50] [n=200] [epochs=40]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir=${1:-$root/bench/out/residual}
count=${2:-5}
steps=${3:-50}
n=${4:-200}
epochs=${5:-40}
export OPENBLAS_NUM_THREADS=1
bench_need "$pdeop"
mkdir -p "$dir"
[ -s "$dir/train43.h5" ] || "$pdeop" data darcy -n "$n" -res 43 -fine 43 -seed 1 -o "$dir/train43.h5" -quiet
[ -s "$dir/test43.h5" ] || "$pdeop" data darcy -n 100 -res 43 -fine 43 -seed 2 -o "$dir/test43.h5" -quiet
model="$dir/fno43_n${n}_e$epochs.h5"
[ -s "$model" ] || "$pdeop" train -model fno -fno_width 16 -fno_modes 8 -fno_layers 4 -seed 1 -batch_size 20 -lr 1e-3 \
  -lr_schedule cosine -data "$dir/train43.h5" -test "$dir/test43.h5" -epochs "$epochs" -o "$model" -quiet >/dev/null
echo "FNO (width 16, modes 8, 4 layers) trained on $n samples at s = 43 for $epochs epochs, refined on one new"
echo "coefficient at s = 85 for $steps steps (Adam 1e-3, -loss residual -residual_pc_type mg -residual_pc_mg_levels 3); $(date -u +%Y-%m-%d)"
echo
echo "| coefficient (seed) | rel. L2 at 85^2, as trained | after refinement | refinement seconds |"
echo "|---|---:|---:|---:|"
for i in $(seq 1 "$count"); do
  one="$dir/one85_$i.h5"
  [ -s "$one" ] || "$pdeop" data darcy -n 1 -res 85 -fine 85 -seed $((100 + i)) -o "$one" -quiet
  [ -s "$dir/one85_${i}_e0.json" ] || "$pdeop" eval -model "$model" -data "$one" -report "$dir/one85_${i}_e0.json" -quiet >/dev/null
  if [ ! -s "$dir/one85_${i}_e1.json" ]; then
    "$pdeop" train -init "$model" -data "$one" -loss residual -residual_pc_type mg -residual_pc_mg_levels 3 -epochs "$steps" \
      -batch_size 1 -lr 1e-3 -o "$dir/one85_${i}_r.h5" -report "$dir/one85_${i}_t.json" -quiet >/dev/null
    "$pdeop" eval -model "$dir/one85_${i}_r.h5" -data "$one" -report "$dir/one85_${i}_e1.json.tmp" -quiet >/dev/null
    mv "$dir/one85_${i}_e1.json.tmp" "$dir/one85_${i}_e1.json"
  fi
  printf "| %d | %.4f | **%.4f** | %.1f |\n" $((100 + i)) "$(jget "$dir/one85_${i}_e0.json" rel_l2)" "$(jget "$dir/one85_${i}_e1.json" rel_l2)" \
    "$(jget "$dir/one85_${i}_t.json" seconds)"
done
