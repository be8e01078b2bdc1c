# End-to-end tests of recurrent training (`pdeop train -rollout K`) on a tiny Navier-Stokes set: the
# reports, eval and predict rolling out from the checkpoint alone, exact resume, 1 and 2 ranks, and
# one clear message for bad options.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
cd "$work"
"$P" data ns -n 6 -res 16 -fine 16 -dt 1e-2 -T 8 -t_in 3 -seed 1 -o tr.h5 -quiet
"$P" data ns -n 3 -res 16 -fine 16 -dt 1e-2 -T 8 -t_in 3 -seed 2 -o te.h5 -quiet
fno=(-model fno -fno_width 6 -fno_modes 4 -fno_layers 2 -fno_hidden 16 -batch_size 3 -lr 1e-2 -rollout 2 -t_in 2)
"$P" train "${fno[@]}" -data tr.h5 -test te.h5 -epochs 4 -o m.h5 -log log.csv -report t.json -quiet
[ "$(jget t.json rollout)" = 2 ] && [ "$(jget t.json t_in)" = 2 ] && ok "train report has rollout 2, t_in 2" || bad "train report: rollout '$(jget t.json rollout)', t_in '$(jget t.json t_in)'"
first=$(awk -F, 'NR == 2 { print $2 }' log.csv)
check "the rollout loss (2 steps summed) fell over 4 epochs" 'a < b' "$(jget t.json train_loss)" "$first"
"$P" eval -model m.h5 -data te.h5 -report e.json -quiet
check "eval (no model options) equals train's test error: the whole 5-step rollout" 'a - b < 1e-7 && b - a < 1e-7' "$(jget e.json rel_l2)" "$(jget t.json test_rel_l2)"
[ "$(jget e.json rollout_steps)" = 5 ] && ok "eval rolls out over the 5 output snapshots" || bad "eval rollout_steps '$(jget e.json rollout_steps)'"
for k in rel_l2_step_1 rel_l2_step_5 copy_last_rel_l2; do
  check "eval reports $k" 'a > 0' "$(jget e.json $k)"
done
check "step 1 is more accurate than step 5 (errors grow along the rollout)" 'a < b' "$(jget e.json rel_l2_step_1)" "$(jget e.json rel_l2_step_5)"
"$P" predict -model m.h5 -data te.h5 -o p.h5 -png p.png -report p.json -quiet
check "predict's error (from its rolled-out predictions) equals eval's" 'a - b < 1e-6 && b - a < 1e-6' "$(jget p.json rel_l2)" "$(jget e.json rel_l2)"
[ "$(jget p.json rollout_steps)" = 5 ] && ok "predict rolls out 5 steps" || bad "predict rollout_steps '$(jget p.json rollout_steps)'"
# a forecast past the data's snapshots: all 8 steps written, the error over the 5 that have truth
"$P" predict -model m.h5 -data te.h5 -o f8.h5 -steps 8 -report f8.json -quiet && ok "predict -steps 8 past the 5 output snapshots runs" || bad "predict -steps 8 failed"
[ "$(jget f8.json rollout_steps)" = 8 ] && [ "$(jget f8.json compared_steps)" = 5 ] && ok "forecast report: 8 steps, 5 compared" || bad "forecast report: rollout_steps '$(jget f8.json rollout_steps)', compared_steps '$(jget f8.json compared_steps)'"
check "the forecast's error over its first 5 steps is the 5-step prediction's" 'a - b < 1e-6 && b - a < 1e-6' "$(jget f8.json rel_l2)" "$(jget p.json rel_l2)"
"$P" predict -model m.h5 -data te.h5 -o f2.h5 -steps 2 -report f2.json -quiet && [ "$(jget f2.json compared_steps)" = 2 ] && ok "predict -steps 2 compares 2 of the 5 snapshots" || bad "predict -steps 2: compared_steps '$(jget f2.json compared_steps)'"
check "2 steps are more accurate than 8" 'a < b' "$(jget f2.json rel_l2)" "$(jget f8.json rel_l2)"
"$P" predict -model m.h5 -data f8.h5 -o f8b.h5 -steps 3 -report f8b.json -quiet && [ "$(jget f8b.json compared_steps)" = 3 ] && ok "the forecast file is a time series predict reads (8 output snapshots)" || bad "predict on the forecast file: '$(jget f8b.json compared_steps)'"
"$P" eval -model m.h5 -data f8.h5 -report e8.json -quiet && [ "$(jget e8.json rollout_steps)" = 8 ] && ok "eval reads all 8 forecast snapshots" || bad "eval of the forecast: rollout_steps '$(jget e8.json rollout_steps)'"
"$P" eval -model m.h5 -data p.h5 -report pe.json -quiet && check "predictions are a time series eval reads, and match themselves" 'a < 1e-6' "$(jget pe.json rel_l2)" || bad "eval of p.h5 failed"
"$P" train "${fno[@]}" -data tr.h5 -test te.h5 -epochs 2 -o half.h5 -quiet
"$P" train -data tr.h5 -test te.h5 -epochs 4 -batch_size 3 -lr 1e-2 -resume half.h5 -o full.h5 -report r.json -quiet
check "resumed recurrent training ends where the uninterrupted run does" 'a == b' "$(jget t.json train_loss)" "$(jget r.json train_loss)"
[ "$(jget r.json rollout)" = 2 ] && ok "-resume keeps the rollout from the checkpoint" || bad "resumed rollout '$(jget r.json rollout)'"
"$P" data darcy -n 4 -res 9 -fine 17 -seed 1 -o darcy.h5 -quiet
expect_fail "-rollout 0 is refused" "-rollout must be at least 1" "$P" train -data tr.h5 -rollout 0
expect_fail "-t_in beyond the input snapshots" "-t_in 4 is larger than the 3 input snapshots" "$P" train -fno_modes 2 -data tr.h5 -rollout 1 -t_in 4
expect_fail "-rollout beyond the output snapshots" "-rollout 6 is longer than the 5 output snapshots" "$P" train -fno_modes 2 -data tr.h5 -rollout 6
expect_fail "a dataset without a time axis" "no time axis" "$P" train -fno_modes 2 -data darcy.h5 -rollout 2
expect_fail "-ntrain beyond the data" "-ntrain 7 is not between 0 (all) and the 6 samples" "$P" train -data tr.h5 -rollout 1 -ntrain 7
"$P" train "${fno[@]}" -data tr.h5 -ntrain 3 -epochs 1 -report n3.json -quiet
"$P" train "${fno[@]}" -data tr.h5 -ntrain 6 -epochs 1 -report n6.json -quiet
check "-ntrain 3 trains on fewer samples than all 6 (one batch of 3 against two)" 'a != b' "$(jget n3.json train_loss)" "$(jget n6.json train_loss)"
expect_fail "-t_in without -rollout" "give -rollout K too" "$P" train -data tr.h5 -t_in 2
"$P" train -model fno -fno_width 4 -fno_modes 2 -fno_layers 1 -data darcy.h5 -epochs 1 -o d.h5 -quiet
expect_fail "-steps on a direct model" "-steps is for recurrent models" "$P" predict -model d.h5 -data darcy.h5 -o dp.h5 -steps 3
if [ -n "${MPIEXEC:-}" ]; then
  "$P" train "${fno[@]}" -data tr.h5 -epochs 2 -report n1.json -quiet
  $MPIEXEC -n 2 "$P" train "${fno[@]}" -data tr.h5 -epochs 2 -report n2.json -quiet
  check "1 and 2 ranks: same rollout training loss (rel 1e-4)" 'a-b < 1e-4*b && b-a < 1e-4*b' "$(jget n1.json train_loss)" "$(jget n2.json train_loss)"
fi
finish
