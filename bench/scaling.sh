#!/usr/bin/env bash
# Data-parallel `pdeop train` on 1 and 2 ranks (one BLAS thread each): FNO-2D at 64x64 (bench/fno_torch.sh's
# model, batch 20) and MgNO at 43x43 (bench/mgno_torch.sh's, batch 8). Prints samples/s, the speed-up,
# whether the two runs agree (train loss per epoch, test error), the gradient allreduce alone
# (bench_allreduce) against the time of one optimizer step, and the load of the machine before and after.
# Usage: bench/scaling.sh [build dir, default build/]. Env: N (training samples, 200), NTEST (50),
# EPOCHS (3), OUT (bench/out/scaling; runs whose report exists are not run again: delete them to redo).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_build scaling.sh "${1:-}" pdeop bench_allreduce
N=${N:-200}
NTEST=${NTEST:-50}
EPOCHS=${EPOCHS:-3}
for v in N NTEST EPOCHS; do bench_int scaling.sh "$v" 1; done
out=${OUT:-$root/bench/out/scaling}/n$N-t$NTEST-e$EPOCHS
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
bench_keep_freed_memory # both sides: see lib.sh
. "$root/scripts/openblas-core.sh"
pdeop_openblas_core "$build/pdeop"

echo "## Data-parallel training on 1 and 2 ranks"
echo
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; $(date -u +%Y-%m-%d); $PDEOP_BLAS_NOTE; $bench_malloc_note"
echo "Load before: $(bench_load): $(bench_idle)"
echo

[ -s "$out/fno_train.h5" ] || "$build/pdeop" data darcy -n "$N" -res 64 -fine 64 -seed 1 -o "$out/fno_train.h5" -quiet > /dev/null
[ -s "$out/fno_test.h5" ] || "$build/pdeop" data darcy -n "$NTEST" -res 64 -fine 64 -seed 2 -o "$out/fno_test.h5" -quiet > /dev/null
[ -s "$out/mgno_train.h5" ] || "$build/pdeop" data darcy -n "$N" -res 43 -fine 85 -seed 1 -o "$out/mgno_train.h5" -quiet > /dev/null
[ -s "$out/mgno_test.h5" ] || "$build/pdeop" data darcy -n "$NTEST" -res 43 -fine 85 -seed 2 -o "$out/mgno_test.h5" -quiet > /dev/null

opts() { # model -> its options
  case $1 in
    fno) echo "-fno_width 32 -fno_modes 12 -fno_layers 4 -fno_hidden 128 -batch_size 20" ;;
    mgno) echo "-mgno_width 32 -mgno_levels 6 -mgno_layers 4 -mgno_post_smoothing -mgno_hidden 64 -batch_size 8" ;;
  esac
}
for m in fno mgno; do
  for np in 1 2; do
    [ -s "$out/$m.$np.json" ] && continue
    # shellcheck disable=SC2046
    /usr/bin/time -v -o "$out/$m.$np.time" mpiexec -n "$np" "$build/pdeop" train -model "$m" $(opts "$m") -optim adam -lr 1e-3 -weight_decay 1e-4 -data "$out/${m}_train.h5" \
      -test "$out/${m}_test.h5" -epochs "$EPOCHS" -seed 1 -o "$out/$m.$np.h5" -log "$out/$m.$np.csv" -curve_png "" \
      -report "$out/$m.$np.json.tmp" -quiet -log_view ":$out/$m.$np.log_view" > /dev/null
    mv "$out/$m.$np.json.tmp" "$out/$m.$np.json"
  done
done
[ -s "$out/allreduce.txt" ] || mpiexec -n 2 "$build/bench_allreduce" -n 2368001,1001857 -reps 50 > "$out/allreduce.txt"

echo "Load after: $(bench_load) (runs reused from $out are not re-timed: the load above is the one of the runs made now)"
echo
echo "| model | ranks | train samples/s | speed-up | samples per CPU s (all ranks, whole run) | train loss, last epoch | test rel. L2 | largest relative difference of the per-epoch train loss and test error, 2 ranks against 1 |"
echo "|---|---|---|---|---|---|---|---|"
for m in fno mgno; do
  s1=$(jget_or_empty "$out/$m.1.json" train_samples_per_s)
  for np in 1 2; do
    f="$out/$m.$np.json"
    d=$(paste -d, "$out/$m.1.csv" "$out/$m.$np.csv" | awk -F, 'NR > 1 { for (i = 2; i <= 3; i++) { a = $i; b = $(i + 4); r = (a == b) ? 0 : (a - b) / (a > 0 ? a : -a); if (r < 0) r = -r; if (r > m) m = r } } END { printf "%.2e", m }')
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$out/$m.$np.time")
    printf "| %s | %d | %.1f | %.2f | %.1f | %s | %s | %s |\n" "$m" "$np" "$(jget_or_empty "$f" train_samples_per_s)" \
      "$(awk -v a="$(jget_or_empty "$f" train_samples_per_s)" -v b="$s1" 'BEGIN{ print a / b }')" "$(awk -v n="$((N * EPOCHS))" -v c="$cpu" 'BEGIN{ print n / c }')" \
      "$(jget_or_empty "$f" train_loss)" "$(jget_or_empty "$f" test_rel_l2)" "$d"
  done
done
echo
echo "The gradient allreduce alone (bench_allreduce, 2 ranks, MPI_Allreduce in place of all float gradients):"
echo
cat "$out/allreduce.txt"
echo
echo "One optimizer step (2 ranks; the timed epochs' wall time over their steps) against the allreduce:"
echo
echo "| model | parameters | steps per epoch | s per step, 2 ranks | allreduce ms (median) | allreduce share of a step |"
echo "|---|---|---|---|---|---|"
for m in fno mgno; do
  p=$(jget_or_empty "$out/$m.2.json" params)
  bs=$(jget_or_empty "$out/$m.2.json" batch_size)
  steps=$(((N + bs - 1) / bs))
  ar=$(awk -F'|' -v n="$p" '$2 + 0 == n { print $5 + 0 }' "$out/allreduce.txt")
  sps=$(jget_or_empty "$out/$m.2.json" train_samples_per_s)
  awk -v m="$m" -v p="$p" -v st="$steps" -v N="$N" -v s="$sps" -v ar="$ar" 'BEGIN { t = N / s / st; printf "| %s | %d | %d | %.3f | %.2f | %.2f%% |\n", m, p, st, t, ar, 100 * ar / 1e3 / t }'
done
