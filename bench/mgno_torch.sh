#!/usr/bin/env bash
# MgNO training and inference, pdeop (`pdeop train -model mgno`) against the same network in PyTorch
# (bench/mgno_torch.py), one thread each, on the same Darcy files made by `pdeop data darcy`: width 32,
# 6 levels, 4 V-cycle layers, post-smoothing, hidden 64 (bench/darcy85.sh's MgNO), batch 8, Adam
# (lr 1e-3, weight decay 1e-4, constant), relative L2 loss, per-channel normalisation. Prints a table.
# Usage: bench/mgno_torch.sh [build dir, default build/]. Env: S (grid side, at least 33 for the 6 levels,
# 43), N (training samples, 200), NTEST (test samples, 100), NINF (samples of pdeop's inference timing,
# more than NTEST, 1000), EPOCHS (5), REPEAT (runs per side, best throughput kept, 1),
# OUT (results, bench/out/mgno_torch; a run whose result file exists is not run again: delete it to redo).
# PyTorch is Debian's python3-torch and python3-h5py (apt-get install python3-torch python3-h5py), for
# this benchmark only; without them the PyTorch columns are skipped.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_build mgno_torch.sh "${1:-}" pdeop
S=${S:-43}
N=${N:-200}
NTEST=${NTEST:-100}
NINF=${NINF:-1000}
EPOCHS=${EPOCHS:-5}
REPEAT=${REPEAT:-1}
for v in N NTEST EPOCHS REPEAT; do bench_int mgno_torch.sh "$v" 1; done
bench_int mgno_torch.sh S 33 # 6 levels: 33 -> 17 -> 9 -> 5 -> 3 -> 2 points, the fewest the network allows
bench_int mgno_torch.sh NINF $((NTEST + 1))
out=${OUT:-$root/bench/out/mgno_torch}/s$S-n$N-t$NTEST-i$NINF-e$EPOCHS
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
bench_keep_freed_memory # both sides: see lib.sh
. "$root/scripts/openblas-core.sh"
pdeop_openblas_core "$build/pdeop"
fmt() { awk -v a="$1" 'BEGIN{ if (a == "" || a == "-") print "-"; else if (a < 1) printf "%.4f", a; else printf "%.1f", a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
field() { if [ -n "$1" ]; then printf '%s' "$1"; else printf -- '-'; fi; } # a table row's value, "-" if missing, so that the columns never shift
# /usr/bin/time -v fields: wall seconds, CPU seconds (user + system), peak RSS in MiB
tget() {
  case $2 in
    wall) awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = 60 * s + p[i]; print s }' "$1" ;;
    cpu) awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$1" ;;
    rss) awk -F': ' '/Maximum resident set size/ { printf "%.1f\n", $2 / 1024 }' "$1" ;;
  esac
}
model=(-mgno_width 32 -mgno_levels 6 -mgno_layers 4 -mgno_post_smoothing -mgno_hidden 64)
opt=(-batch_size 8 -optim adam -lr 1e-3 -weight_decay 1e-4 -lr_schedule constant)

echo "## MgNO: pdeop against PyTorch, one thread each"
echo
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(env -u OMP_NUM_THREADS nproc) cores; $(date -u +%Y-%m-%d); $PDEOP_BLAS_NOTE; $bench_malloc_note"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Data: pdeop data darcy, $N training and $NTEST test samples at ${S}x$S (solved at $((2 * S - 1))^2); $EPOCHS epochs; results in $out"
echo

fine=$((2 * S - 1))
[ -s "$out/train.h5" ] || "$build/pdeop" data darcy -n "$N" -res "$S" -fine "$fine" -seed 1 -o "$out/train.h5" -quiet > /dev/null
[ -s "$out/test.h5" ] || "$build/pdeop" data darcy -n "$NTEST" -res "$S" -fine "$fine" -seed 2 -o "$out/test.h5" -quiet > /dev/null
[ -s "$out/infer.h5" ] || "$build/pdeop" data darcy -n "$NINF" -res "$S" -fine "$fine" -seed 3 -o "$out/infer.h5" -quiet > /dev/null

py=""
for cand in ${PYTHON:-/usr/bin/python3 python3}; do
  if command -v "$cand" > /dev/null && "$cand" -c "import torch, h5py" 2> /dev/null; then py="$cand"; break; fi
done
[ -n "$py" ] || { echo "PyTorch or h5py is not installed (apt-get install python3-torch python3-h5py): the PyTorch columns are skipped."; echo; }

# pdeop: training without -test (so the saved model is the last epoch's, as PyTorch's), then pdeop eval
# on the test set (its error) and on NINF further samples, batch 8 as PyTorch's: inference samples/s
# from the difference of the two evaluations, which cancels start-up, model loading and the first
# batch's page faults (their time varies by half a second from run to run, so the larger set keeps
# that variation to a few per cent of the difference)
run_pdeop() { # repeat
  local d="$out/pdeop.$1"
  mkdir -p "$d"
  [ -s "$d/train.json" ] || /usr/bin/time -v -o "$d/train.time" "$build/pdeop" train -model mgno "${model[@]}" "${opt[@]}" -data "$out/train.h5" \
    -epochs "$EPOCHS" -seed 1 -o "$d/model.h5" -report "$d/train.json" -log "$d/train.csv" -curve_png "" -quiet > /dev/null
  [ -s "$d/eval_test.json" ] || /usr/bin/time -v -o "$d/eval_test.time" "$build/pdeop" eval -model "$d/model.h5" -data "$out/test.h5" -batch_size 8 -report "$d/eval_test.json" -quiet > /dev/null
  [ -s "$d/eval_infer.json" ] || /usr/bin/time -v -o "$d/eval_infer.time" "$build/pdeop" eval -model "$d/model.h5" -data "$out/infer.h5" -batch_size 8 -report "$d/eval_infer.json" -quiet > /dev/null
  return 0
}
run_torch() { # repeat
  [ -n "$py" ] || return 0
  [ -s "$out/torch.$1.json" ] && return 0
  "$py" "$root/bench/mgno_torch.py" --train "$out/train.h5" --test "$out/test.h5" --threads 1 --epochs "$EPOCHS" \
    --width 32 --levels 6 --layers 4 --post --hidden 64 --batch 8 --lr 1e-3 --weight_decay 1e-4 --seed 1 | tail -1 > "$out/torch.$1.json.tmp"
  mv "$out/torch.$1.json.tmp" "$out/torch.$1.json"
}
for r in $(seq "$REPEAT"); do # the sides alternate, so both see the same changes of load
  run_pdeop "$r"
  run_torch "$r"
done

# the two networks are the same function: pdeop's trained checkpoint loaded into the PyTorch model predicts
# the test set as `pdeop predict` does, to float rounding
check=""
if [ -n "$py" ]; then
  [ -s "$out/pdeop.1/pred.h5" ] || "$build/pdeop" predict -model "$out/pdeop.1/model.h5" -data "$out/test.h5" -o "$out/pdeop.1/pred.h5" -quiet > /dev/null
  [ -s "$out/check.json" ] || "$py" "$root/bench/mgno_torch.py" --train "$out/train.h5" --test "$out/test.h5" --width 32 --levels 6 --layers 4 --post \
    --hidden 64 --batch 8 --check "$out/pdeop.1/model.h5" "$out/pdeop.1/pred.h5" | tail -1 > "$out/check.json"
  check="PyTorch with pdeop's trained parameters: test rel. L2 $(jget_or_empty "$out/check.json" test_rel_l2) (pdeop eval: $(jget_or_empty "$out/pdeop.1/eval_test.json" rel_l2)), relative L2 difference of the predictions $(jget_or_empty "$out/check.json" rel_l2_diff_to_pdeop), largest absolute difference $(jget_or_empty "$out/check.json" max_abs_diff_to_pdeop)"
fi

# per run of pdeop: train samples/s (wall; the trainer's own count), per CPU s (the whole process),
# inference samples/s (wall, CPU), test error, peak RSS of training
pdeop_row() { # repeat -> "train cpu infer infercpu err rss"
  local d="$out/pdeop.$1" n2 dt dc
  dt=$(awk -v a="$(tget "$d/eval_infer.time" wall)" -v b="$(tget "$d/eval_test.time" wall)" 'BEGIN{ print a - b }')
  dc=$(awk -v a="$(tget "$d/eval_infer.time" cpu)" -v b="$(tget "$d/eval_test.time" cpu)" 'BEGIN{ print a - b }')
  n2=$((NINF - NTEST))
  echo "$(field "$(jget_or_empty "$d/train.json" train_samples_per_s)") $(field "$(awk -v n="$((N * EPOCHS))" -v c="$(tget "$d/train.time" cpu)" 'BEGIN{ if (c > 0) print n / c }')")" \
    "$(field "$(awk -v n=$n2 -v t="$dt" 'BEGIN{ if (t > 0 && n > 0) print n / t }')") $(field "$(awk -v n=$n2 -v t="$dc" 'BEGIN{ if (t > 0 && n > 0) print n / t }')")" \
    "$(field "$(jget_or_empty "$d/eval_test.json" rel_l2)") $(field "$(tget "$d/train.time" rss)")"
}
best() { # best COLUMN over the repeats of a side (rows on stdin)
  awk -v c="$1" '$c != "" && $c != "-" { if (!n++ || $c > m) m = $c } END { if (n) print m }'
}
prows=$(for r in $(seq "$REPEAT"); do pdeop_row "$r"; done)
trows=$(for r in $(seq "$REPEAT"); do
  f="$out/torch.$r.json"
  [ -s "$f" ] && for k in train_samples_per_s train_samples_per_cpu_s infer_samples_per_s infer_samples_per_cpu_s test_rel_l2 max_rss_mib; do printf '%s ' "$(field "$(jget_or_empty "$f" "$k")")"; done && echo
done || true)
pv() { echo "$prows" | best "$1"; }
tv() { echo "$trows" | best "$1"; }
first() { echo "$1" | head -1 | awk -v c="$2" '{ print $c }'; }

echo "Parameters: pdeop $(jget_or_empty "$out/pdeop.1/train.json" params), PyTorch $(jget_or_empty "$out/torch.1.json" params) (torch $(jget_or_empty "$out/torch.1.json" torch)); best of $REPEAT run(s) each"
pp=$(jget_or_empty "$out/pdeop.1/train.json" params)
tp=$(jget_or_empty "$out/torch.1.json" params)
if [ -n "$tp" ] && [ "$pp" != "$tp" ]; then echo "PARAMETER COUNTS DIFFER: the two networks are not the same"; fi
echo
echo "| S | quantity | pdeop | PyTorch | pdeop/PyTorch |"
echo "|---|---|---|---|---|"
echo "| $S | train samples/s | $(fmt "$(pv 1)") | $(fmt "$(tv 1)") | **$(ratio "$(pv 1)" "$(tv 1)")** |"
echo "| $S | train samples per CPU s | $(fmt "$(pv 2)") | $(fmt "$(tv 2)") | $(ratio "$(pv 2)" "$(tv 2)") |"
echo "| $S | inference samples/s | $(fmt "$(pv 3)") | $(fmt "$(tv 3)") | $(ratio "$(pv 3)" "$(tv 3)") |"
echo "| $S | inference samples per CPU s | $(fmt "$(pv 4)") | $(fmt "$(tv 4)") | $(ratio "$(pv 4)" "$(tv 4)") |"
echo "| $S | test rel. L2 after $EPOCHS epochs (first run) | $(fmt "$(first "$prows" 5)") | $(fmt "$(first "$trows" 5)") | |"
echo "| $S | peak RSS MiB (first run) | $(fmt "$(first "$prows" 6)") | $(fmt "$(first "$trows" 6)") | $(ratio "$(first "$prows" 6)" "$(first "$trows" 6)") |"
echo
[ -n "$check" ] && { echo "$check"; echo; }
echo "Load average (1, 5, 15 min) before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg) (runs reused from $out are not re-timed)"
