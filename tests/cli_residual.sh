# End-to-end tests of `pdeop train -loss residual|hybrid` on a tiny Darcy set solved on its own grid:
# the report keys, a residual-only run whose test error falls far below the zero field's (1), the
# hybrid loss, refinement of a trained model on a new coefficient (-init), and one clear error for
# each bad option or dataset.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
cd "$work"
"$P" data darcy -n 20 -res 17 -fine 17 -seed 1 -o tr.h5 -quiet
"$P" data darcy -n 6 -res 17 -fine 17 -seed 2 -o te.h5 -quiet
"$P" data antiderivative -n 8 -o anti.h5 -quiet
fno=(-model fno -fno_width 8 -fno_modes 4 -fno_layers 2 -fno_hidden 16 -batch_size 5 -lr 1e-2)
"$P" train "${fno[@]}" -data tr.h5 -test te.h5 -epochs 10 -loss residual -residual_pc_type mg -residual_pc_mg_levels 4 -report r.json -quiet
[ "$(jget r.json loss_type)" = residual ] && ok "report: loss_type residual" || bad "report's loss_type is '$(jget r.json loss_type)'"
[ "$(jget r.json residual_pc_type)" = mg ] && ok "report: residual_pc_type mg" || bad "report's residual_pc_type is '$(jget r.json residual_pc_type)'"
check "residual-only training: test rel. L2 far below the zero field's 1" 'a < 0.4' "$(jget r.json test_rel_l2)"
"$P" train "${fno[@]}" -data tr.h5 -test te.h5 -epochs 4 -loss hybrid -labelled_fraction 0.25 -residual_weight 0.5 -residual_pc_type jacobi -report h.json -quiet
[ "$(jget h.json loss_type)" = hybrid ] && ok "report: loss_type hybrid" || bad "report's loss_type is '$(jget h.json loss_type)'"
[ "$(jget h.json labelled)" = 5 ] && ok "report: 5 of 20 labelled" || bad "report's labelled is '$(jget h.json labelled)'"
# -resume keeps the physics loss's settings: its PC, the residual weight and the labelled fraction
"$P" train "${fno[@]}" -data tr.h5 -epochs 2 -loss hybrid -labelled_fraction 0.25 -residual_weight 0.5 -residual_pc_type jacobi -o hy.h5 -quiet
"$P" train -resume hy.h5 -data tr.h5 -epochs 3 -o hy2.h5 -report hr.json -quiet
[ "$(jget hr.json residual_pc_type)" = jacobi ] && ok "resume keeps -residual_pc_type" || bad "resumed residual_pc_type is '$(jget hr.json residual_pc_type)'"
check "resume keeps -residual_weight" 'a == 0.5' "$(jget hr.json residual_weight)"
check "resume keeps -labelled_fraction (5 of 20 labelled)" 'a == 5' "$(jget hr.json labelled)"
"$P" train -resume hy.h5 -data tr.h5 -epochs 3 -o hy3.h5 -residual_pc_type jacobi -residual_weight 0.5 -quiet && ok "resume with the same settings given again" || bad "resume with the same settings given again failed"
expect_fail "resume with another residual PC" "was trained with -residual_pc_type jacobi" "$P" train -resume hy.h5 -data tr.h5 -epochs 3 -o hy3.h5 -residual_pc_type mg
"$P" train "${fno[@]}" -data tr.h5 -test te.h5 -epochs 1 -report s.json -quiet
[ "$(jget s.json loss_type)" = data ] && ok "report: loss_type data for rel_l2" || bad "report's loss_type is '$(jget s.json loss_type)'"
# test-time refinement: a model trained on data at 17^2, refined by the residual alone on one new
# coefficient at 33^2 (-init: a new run from its parameters), comes closer to that coefficient's solution
"$P" train "${fno[@]}" -data tr.h5 -test te.h5 -epochs 10 -o m.h5 -quiet
"$P" data darcy -n 1 -res 33 -fine 33 -seed 9 -o one33.h5 -quiet
"$P" eval -model m.h5 -data one33.h5 -report e0.json -quiet
"$P" train -init m.h5 -data one33.h5 -loss residual -residual_pc_type lu -epochs 30 -batch_size 1 -lr 1e-3 -o r.h5 -quiet
"$P" eval -model r.h5 -data one33.h5 -report e1.json -quiet
check "refinement at 33^2 by the residual lowers the error on that coefficient" 'a < 0.7 * b' "$(jget e1.json rel_l2)" "$(jget e0.json rel_l2)"
expect_fail "-init with -resume" "give one of them" "$P" train -init m.h5 -resume m.h5 -data one33.h5 -loss residual
expect_fail "an unknown -residual_pc_type, named" "-residual_pc_type nonsense is not a PETSc preconditioner type" "$P" train -data one33.h5 -loss residual -residual_pc_type nonsense -epochs 1
expect_fail "-init without a value" "-init needs a file name" "$P" train -data one33.h5 -loss residual -init
expect_fail "-init of a missing file" "nosuch.h5" "$P" train -init nosuch.h5 -data one33.h5 -loss residual
expect_fail "residual loss on a dataset that is not Darcy's" "need a Darcy dataset" "$P" train "${fno[@]}" -data anti.h5 -epochs 1 -loss residual
expect_fail "-labelled_fraction 0" "-labelled_fraction must be in (0, 1]" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss hybrid -labelled_fraction 0
expect_fail "-labelled_fraction 1.5" "-labelled_fraction must be in (0, 1]" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss hybrid -labelled_fraction 1.5
expect_fail "-labelled_fraction without a value" "-labelled_fraction" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss hybrid -labelled_fraction
expect_fail "-labelled_fraction that labels no sample" "labels no sample" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss hybrid -labelled_fraction 0.01
expect_fail "-residual_weight -1" "-residual_weight must be in" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss hybrid -residual_weight -1
expect_fail "-residual_weight 1e300 (beyond float)" "-residual_weight must be in" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss hybrid -residual_weight 1e300
expect_fail "-residual_weight without a value" "-residual_weight" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss hybrid -residual_weight
expect_fail "-residual_weight with a data loss" "are for -loss hybrid" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -residual_weight 2
expect_fail "-residual_pc_type with a data loss" "is for -loss residual or hybrid" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -residual_pc_type jacobi
expect_fail "-residual_pc_type of no PC" "nosuchpc" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss residual -residual_pc_type nosuchpc
expect_fail "-residual_pc_mg_levels too many for 17 x 17" "at most 4 levels here" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss residual -residual_pc_type mg -residual_pc_mg_levels 5
expect_fail "-loss of no kind" "nosuchloss" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -loss nosuchloss
finish
