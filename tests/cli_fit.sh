# End-to-end tests of `pdeop` and `pdeop fit`: help, errors, the demo's accuracy, training on a
# dataset file, exact resume from a checkpoint, -quiet, and 1 vs 2 MPI ranks.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"

# help lists commands, and each listed command answers -help
"$P" >"$work/help"
grep -q "fit" "$work/help" && ok "pdeop alone lists commands" || bad "pdeop alone lists no commands"
for c in $(awk '/^commands:/{f=1;next} f && NF==0 {exit} f {print $1}' "$work/help"); do
  [ "$c" = help ] && continue
  if "$P" "$c" -help >/dev/null 2>&1; then ok "listed command '$c' exists"; else bad "listed command '$c' fails on -help"; fi
done
expect_fail "unknown command" "unknown command 'frobnicate'" "$P" frobnicate
expect_fail "unknown option" "unknown option -epoch" "$P" fit -demo -demo_n 64 -epoch 3
expect_fail "option out of range" "-epochs must be at least 1" "$P" fit -demo -epochs 0
expect_fail "no data" "Give a training set" "$P" fit
printf 'not hdf5\n' >"$work/bad.h5"
expect_fail "malformed -data names the file" "bad.h5" "$P" fit -data "$work/bad.h5"
expect_fail "missing -data names the file" "nothere.h5" "$P" fit -data "$work/nothere.h5"

# the demo reaches MSE < 1e-3 (the issue's bar); -quiet leaves stderr empty
"$P" fit -demo -o "$work/m.h5" -report "$work/r.json" -quiet 2>"$work/err" >"$work/out"
check "demo train MSE below 1e-3" 'a < 1e-3' "$(jget "$work/r.json" mse)"
check "demo test MSE below 2e-3" 'a < 2e-3' "$(jget "$work/r.json" test_mse)"
[ ! -s "$work/err" ] && ok "-quiet: nothing on stderr" || bad "-quiet: stderr has $(head -c 200 "$work/err")"
[ -f "$work/m.h5" ] && ok "checkpoint written" || bad "no checkpoint"

# training from a dataset file written by the demo (same numbers as the demo itself)
"$P" fit -demo -demo_n 512 -epochs 3 -demo_save "$work/d.h5" -report "$work/a.json" -quiet
"$P" fit -data "$work/d.h5" -epochs 3 -batch_size 64 -lr 3e-3 -lr_schedule cosine -report "$work/b.json" -quiet
check "fit -data matches fit -demo on the same data" 'a == b' "$(jget "$work/a.json" train_loss)" "$(jget "$work/b.json" train_loss)"

# resume: 3 epochs + 3 more from the checkpoint equals 6 epochs straight
common=(-demo -demo_n 512 -lr_schedule step -lr_step_size 20 -lr_gamma 0.5 -quiet)
"$P" fit "${common[@]}" -epochs 6 -report "$work/straight.json"
"$P" fit "${common[@]}" -epochs 3 -o "$work/half.h5"
"$P" fit "${common[@]}" -epochs 6 -resume "$work/half.h5" -o "$work/full.h5" -report "$work/resumed.json"
check "resumed run continues exactly" 'a == b' "$(jget "$work/straight.json" train_loss)" "$(jget "$work/resumed.json" train_loss)"
check "resumed run reports 6 epochs" 'a == 6' "$(jget "$work/resumed.json" epochs)"

# data-parallel: 2 ranks give the same losses as 1 to float rounding
if [ -n "${MPIEXEC:-}" ]; then
  "$P" fit -demo -demo_n 512 -epochs 3 -report "$work/np1.json" -quiet
  $MPIEXEC -n 2 "$P" fit -demo -demo_n 512 -epochs 3 -report "$work/np2.json" -quiet
  check "1 and 2 ranks: same train loss (rel 1e-4)" 'a-b < 1e-4*b && b-a < 1e-4*b' "$(jget "$work/np1.json" train_loss)" "$(jget "$work/np2.json" train_loss)"
fi
finish
