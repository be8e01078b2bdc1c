#!/usr/bin/env bash
# Navier-Stokes benchmark of the FNO paper, 2D recurrent setting: vorticity at nu = 1e-3 on 64^2,
# T = 50, the first 10 snapshots in and the next 40 predicted one at a time, each prediction fed
# back (pdeop train -rollout 40). Prints the test relative L2 error of the whole 40-step rollout next
# to the paper's FNO-2D (0.0128 with N = 1000 and 500 epochs) and the baseline that copies the last
# input snapshot forward. Steps:
#   1. the solver's time step: 4 samples at dt = 1e-2 against dt = 5e-4 (both solved at 64^2);
#   2. data: ntrain + ntest samples solved at 64^2 with dt = 1e-2 (kept in the output folder and
#      reused by a later run with the same sizes);
#   3. training: FNO width 20, 12 modes, 4 layers, projection 128 (the reference script's sizes),
#      Adam 2.5e-3 (LR=... to change; high for a short budget), weight decay 1e-4 as the reference, cosine
#      schedule over the budget, batch 20, -rollout 40; 4. pdeop eval on the test set.
# Usage: bench/ns_fno.sh [ntrain=1000] [ntest=200] [epochs=4] [ranks=2] [batch=20]; output in
# ./bench-ns (PDEOP_BENCH_NS=dir to change); NGEN=n generates n training samples and trains on the
# first ntrain (-ntrain), so smaller budgets reuse one file. The paper's budget (500 epochs of 1000) is about 280 hours at 0.5 samples/s.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cmp="${PDEOP_NS_COMPARE:-$root/build/bench_ns_compare}"
ntrain=${1:-1000}
ntest=${2:-200}
epochs=${3:-4}
ranks=${4:-2}
batch=${5:-20}
ngen=${NGEN:-$ntrain}
out="${PDEOP_BENCH_NS:-$PWD/bench-ns}"
export OPENBLAS_NUM_THREADS=1
bench_need "$pdeop" "$cmp"
mpi=(mpiexec -n "$ranks")
[ "$(id -u)" = 0 ] && mpi=(mpiexec --allow-run-as-root -n "$ranks")
mkdir -p "$out"
cd "$out"
f() { awk -v x="$1" 'BEGIN { printf "%.4g", x }'; }
gen=(-res 64 -fine 64 -nu 1e-3 -T 50 -t_in 10)
echo "$(bench_machine %Y-%m-%dT%H:%MZ); $ranks ranks"

if [ "${SKIP_DT_CHECK:-0}" != 1 ]; then
  "$pdeop" data ns -n 4 "${gen[@]}" -dt 1e-2 -seed 7 -o dt_1e-2.h5 -quiet
  "$pdeop" data ns -n 4 "${gen[@]}" -dt 5e-4 -seed 7 -o dt_5e-4.h5 -quiet
  echo "time step check (4 samples, all 50 snapshots): $("$cmp" -a dt_1e-2.h5 -b dt_5e-4.h5 | tail -1)"
fi

for split in train:$ngen:0 test:$ntest:1; do
  IFS=: read -r name n seed <<<"$split"
  file="ns_${name}_${n}.h5"
  if [ ! -s "$file" ]; then
    "${mpi[@]}" "$pdeop" data ns -n "$n" "${gen[@]}" -dt 1e-2 -seed "$seed" -o "$file" -report "gen_${name}_${n}.json" -quiet
  fi
  [ -s "gen_${name}_${n}.json" ] && echo "data $name: $n samples in $(f "$(jget "gen_${name}_${n}.json" seconds)") s"
done

model="ns_fno_${ntrain}_${epochs}.h5"
"${mpi[@]}" "$pdeop" train -model fno -fno_width 20 -fno_modes 12 -fno_layers 4 -fno_hidden 128 \
  -rollout 40 -batch_size "$batch" -lr "${LR:-2.5e-3}" -weight_decay 1e-4 -lr_schedule cosine -epochs "$epochs" \
  -data "ns_train_${ngen}.h5" -ntrain "$ntrain" -checkpoint_every 1 -o "$model" -log "ns_fno_${ntrain}_${epochs}.csv" -report train.json -quiet
"${mpi[@]}" "$pdeop" eval -model "$model" -data "ns_test_${ntest}.h5" -report eval.json -quiet
t=train.json
e=eval.json
echo "training: $(jget $t params) parameters, $(jget $t epochs) epochs, $(f "$(jget $t seconds)") s, $(f "$(jget $t train_samples_per_s)") samples/s (40-step rollouts)"
echo
echo "| model | N train | epochs | batch | train loss (sum of 40 steps) | test rel. L2, 40 steps | step 1 | step 10 | step 40 | copy last input | paper FNO-2D |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
echo "| FNO-2D recurrent | $ntrain | $epochs | $batch | $(f "$(jget $t train_loss)") | **$(f "$(jget $e rel_l2)")** | $(f "$(jget $e rel_l2_step_1)") | $(f "$(jget $e rel_l2_step_10)") | $(f "$(jget $e rel_l2_step_40)") | $(f "$(jget $e copy_last_rel_l2)") | 0.0128 (N = 1000, 500 epochs) |"
