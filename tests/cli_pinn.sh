# End-to-end tests of `pdeop pinn` and `pdeop predict -points`: option errors, the report's keys,
# -quiet, the checkpoint (network + problem with its coefficients c) and predictions on saved points.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"

expect_fail "dimension too small" "-dim must be at least 2" "$P" pinn -dim 1
expect_fail "three-body needs d >= 3" "-dim must be at least 3" "$P" pinn -dim 2 -solution three-body
expect_fail "dense directions need stde" "-stde_dist gaussian needs -estimator stde" "$P" pinn -estimator sdgd -stde_dist gaussian
expect_fail "unknown option" "unknown option -stde_dir" "$P" pinn -dim 5 -iters 1 -stde_dir 4
expect_fail "relu has no jets" "smooth activation" "$P" pinn -dim 5 -iters 1 -mlp_activation relu -test_points 10
expect_fail "bad -pde" "poisson" "$P" pinn -pde heat

# a short run: report keys, -quiet, checkpoint, held-out points
common=(-dim 8 -iters 40 -batch 20 -stde_dirs 4 -mlp_width 16 -mlp_depth 2 -test_points 300)
"$P" pinn -pde allen-cahn "${common[@]}" -o "$work/m.h5" -save_points "$work/pts.h5" -report "$work/r.json" -quiet 2>"$work/err" >"$work/out"
for k in rel_l2 s_per_iter cpu_s_per_iter peak_memory_mb iters; do
  v="$(jget "$work/r.json" "$k")"
  [ -n "$v" ] && ok "report has $k ($v)" || bad "report lacks $k"
done
check "report: 40 iterations" 'a == 40' "$(jget "$work/r.json" iters)"
check "report: rel_l2 is a number below 10" 'a >= 0 && a < 10' "$(jget "$work/r.json" rel_l2)"
[ ! -s "$work/err" ] && ok "-quiet: nothing on stderr" || bad "-quiet: stderr has $(head -c 200 "$work/err")"
[ -f "$work/m.h5" ] && ok "checkpoint written" || bad "no checkpoint"

# predict at the saved held-out points rebuilds the problem from the checkpoint (dataset c): the
# error it reports is the one pinn reported
"$P" predict -model "$work/m.h5" -points "$work/pts.h5" -o "$work/v.h5" -report "$work/p.json" -quiet
check "predict -points: 300 values" 'a == 300' "$(jget "$work/p.json" samples)"
check "predict -points: same rel_l2 as pinn (rel 1e-5)" 'a-b <= 1e-5*b && b-a <= 1e-5*b' "$(jget "$work/p.json" rel_l2)" "$(jget "$work/r.json" rel_l2)"
"$P" pinn -dim 9 -iters 1 -batch 4 -stde_dirs 2 -mlp_width 8 -mlp_depth 1 -test_points 10 -o "$work/m9.h5" -quiet
expect_fail "predict -points with another d" "N x 9" "$P" predict -model "$work/m9.h5" -points "$work/pts.h5" -o "$work/v2.h5"
"$P" fit -demo -demo_n 64 -epochs 1 -o "$work/fit.h5" -quiet
expect_fail "predict -points on a non-PINN checkpoint" "PINN checkpoints" "$P" predict -model "$work/fit.h5" -points "$work/pts.h5" -o "$work/v3.h5"

# the exact estimator in chunks (-jet_max_rows) runs and reports the same keys
"$P" pinn -pde sine-gordon -estimator exact -jet_max_rows 30 "${common[@]}" -iters 3 -report "$work/e.json" -quiet
check "exact estimator in chunks: 3 iterations" 'a == 3' "$(jget "$work/e.json" iters)"
finish
