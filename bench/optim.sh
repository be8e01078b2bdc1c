#!/usr/bin/env bash
# Adam against Muon and PolarGrad (-optim muon|polargrad): FNO and MgNO on Darcy at s = 43 (500
# training, 100 test coefficients; MgNO trains on the first 250), DeepONet on the antiderivative set (2000 / 500 functions); each
# optimizer at 3 learning rates, the best (lowest final test error) kept. Prints a table (final test
# error; the epoch and the seconds at which each run first reaches Adam's final error) and draws
# the best runs' test error against epochs and against seconds (bench_optim_curves).
# Rerunnable: a run whose report exists is skipped; everything goes to bench/out/optim/ (or $1).
# fno85, mgno85: the FNO and MgNO recipes on Darcy at s = 85 (500 / 100 coefficients solved at 85²;
# MgNO on the first 250), not in the default list.
# Usage: bench/optim.sh [dir=bench/out/optim] [models="fno deeponet mgno"]
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_build bench/optim.sh "${PDEOP_BUILD:-}" pdeop bench_optim_curves
pdeop="$build/pdeop"
dir=${1:-$root/bench/out/optim}
models=${2:-fno deeponet mgno}
export OPENBLAS_NUM_THREADS=1
mkdir -p "$dir"
cd "$dir"
[ -s train43.h5 ] || nice "$pdeop" data darcy -n 500 -res 43 -fine 43 -seed 1 -o train43.h5 -quiet
[ -s test43.h5 ] || nice "$pdeop" data darcy -n 100 -res 43 -fine 43 -seed 2 -o test43.h5 -quiet
if [[ " $models " == *"85 "* ]]; then
  [ -s train85.h5 ] || nice "$pdeop" data darcy -n 500 -res 85 -fine 85 -seed 1 -o train85.h5 -quiet
  [ -s test85.h5 ] || nice "$pdeop" data darcy -n 100 -res 85 -fine 85 -seed 2 -o test85.h5 -quiet
fi
[ -s adtrain.h5 ] || nice "$pdeop" data antiderivative -n 2000 -m 100 -seed 1 -o adtrain.h5 -quiet
[ -s adtest.h5 ] || nice "$pdeop" data antiderivative -n 500 -m 100 -seed 2 -o adtest.h5 -quiet

# model options, data, epochs, and the learning rates of each optimizer
setup() {
  case $1 in
    fno) opts=(-model fno -fno_width 16 -fno_modes 8 -fno_layers 4 -batch_size 20 -data train43.h5 -test test43.h5)
      epochs=15 ;;
    fno85) opts=(-model fno -fno_width 16 -fno_modes 8 -fno_layers 4 -batch_size 20 -data train85.h5 -test test85.h5)
      epochs=15 ;;
    # (MgNO's epoch costs about 7x FNO's here: half the training set, 10 epochs)
    mgno) opts=(-model mgno -mgno_width 16 -mgno_levels 4 -mgno_layers 2 -batch_size 20 -ntrain 250 -data train43.h5 -test test43.h5)
      epochs=10 ;;
    mgno85) opts=(-model mgno -mgno_width 16 -mgno_levels 4 -mgno_layers 2 -batch_size 20 -ntrain 250 -data train85.h5 -test test85.h5)
      epochs=10 ;;
    deeponet) opts=(-model deeponet -deeponet_width 40 -deeponet_depth 1 -deeponet_p 40 -deeponet_activation relu
        -loss mse -batch_size 100 -data adtrain.h5 -test adtest.h5)
      epochs=30 ;;
  esac
  # (where the best lay at the edge of a first sweep, the sweep moved: FNO Adam 1e-3..1e-2, PolarGrad
  # 3..30; DeepONet Adam 3e-4..3e-3, then 1e-3..3e-2, PolarGrad 0.3..10; MgNO Muon 1e-2..1e-1, PolarGrad 1..10)
  lrs_muon="1e-2 3e-2 1e-1"
  case $1 in
    fno | fno85) lrs_adam="3e-3 1e-2 3e-2" lrs_polargrad="1 3 10" ;;
    mgno | mgno85) lrs_adam="1e-3 3e-3 1e-2" lrs_polargrad="0.3 1 3" lrs_muon="3e-3 1e-2 3e-2" ;;
    deeponet) lrs_adam="1e-3 3e-3 1e-2 3e-2" lrs_polargrad="0.3 1 3 10" ;;
  esac
}
# PolarGrad's step is lr ||G||_* O, in the gradient's units: its other parameters keep Adam's 1e-3
extra() { [ "$1" = polargrad ] && echo "-optim_adam_lr 1e-3"; true; }

run() { # model optim lr [tag extra options...]
  local m=$1 o=$2 lr=$3 tag=${4:-}
  shift 4 || shift $#
  local name="${m}_${o}${tag}_${lr}"
  [ -s "$name.json" ] && return 0
  # shellcheck disable=SC2046
  nice "$pdeop" train "${opts[@]}" -epochs "$epochs" -optim "$o" -lr "$lr" $(extra "$o") "$@" -lr_schedule cosine -seed 1 \
    -o "$name.h5" -log "$name.csv" -curve_png "" -report "$name.json.part" -quiet >/dev/null 2>"$name.err" \
    && mv "$name.json.part" "$name.json" || { echo "$name: failed (see $dir/$name.err)"; echo '{"failed": true}' > "$name.json"; }
}
final() { awk -F, 'NR > 1 { e = $3 } END { print (e == "" ? "nan" : e) }' "$1"; }
reach() { # csv target: "epoch seconds" of the first epoch with test error <= target
  awk -F, -v t="$2" 'NR > 1 { s += $4; if ($3 + 0 <= t + 0 && !d) { printf "%d %.1f", $1, s; d = 1 } } END { if (!d) print "- -"; else print "" }' "$1"
}
best() { # model optim lrs: the lr with the lowest final test error
  local m=$1 o=$2 b="" be=1e30 lr e
  for lr in $3; do
    [ -s "${m}_${o}_${lr}.csv" ] && ! grep -q failed "${m}_${o}_${lr}.json" 2>/dev/null || continue
    e=$(final "${m}_${o}_${lr}.csv")
    if awk -v a="$e" -v b="$be" 'BEGIN { exit !(a == a + 0 && a < b) }'; then b=$lr; be=$e; fi
  done
  echo "$b"
}

echo "$(bench_machine); OPENBLAS_NUM_THREADS=1, shared with other jobs"
for m in $models; do
  setup "$m"
  for o in adam muon polargrad; do
    lrs_var="lrs_$o"
    for lr in ${!lrs_var}; do run "$m" "$o" "$lr"; done
  done
  # the spectral weights through complex arithmetic instead of the real embedding (the same map)
  if [ "$m" = fno ]; then run fno muon "$(best fno muon "$lrs_muon")" _complex -optim_complex complex; fi
done

echo
echo "| model | optimizer | lr | final test error | epoch reaching Adam's final | seconds reaching it | seconds, all epochs | errors at the 3 lrs |"
echo "|---|---|---:|---:|---:|---:|---:|---|"
for m in $models; do
  setup "$m"
  ba=$(best "$m" adam "$lrs_adam")
  target=$(final "${m}_adam_${ba}.csv")
  curves=()
  for o in adam muon polargrad; do
    lrs_var="lrs_$o"
    b=$(best "$m" "$o" "${!lrs_var}")
    [ -n "$b" ] || { echo "| $m | $o | - | diverged at every lr | | | | |"; continue; }
    f="${m}_${o}_${b}.csv"
    all=$(for lr in ${!lrs_var}; do if grep -q failed "${m}_${o}_${lr}.json" 2>/dev/null || [ ! -s "${m}_${o}_${lr}.csv" ]; then printf "%s: diverged; " "$lr"; else printf "%s: %.4g; " "$lr" "$(final "${m}_${o}_${lr}.csv")"; fi; done)
    read -r ep sec <<<"$(reach "$f" "$target")"
    printf "| %s | %s | %s | %.4g | %s | %s | %.1f | %s |\n" "$m" "$o" "$b" "$(final "$f")" "$ep" "$sec" \
      "$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$f")" "$all"
    curves+=("$f" "$o lr $b")
  done
  if [ "$m" = fno ]; then
    bm=$(best fno muon "$lrs_muon")
    f="fno_muon_complex_${bm}.csv"
    if [ -s "$f" ]; then
      read -r ep sec <<<"$(reach "$f" "$target")"
      printf "| fno | muon, -optim_complex complex | %s | %.4g | %s | %s | %.1f | |\n" "$bm" "$(final "$f")" "$ep" "$sec" "$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$f")"
    fi
  fi
  "$build/bench_optim_curves" "optim_$m" "$m" "${curves[@]}" >/dev/null
done
echo
echo "pictures: $dir/optim_<model>_epochs.png, $dir/optim_<model>_time.png"
