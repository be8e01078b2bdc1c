# The C programs in examples/ run as a user would run them: a PETSc program of the user's own
# solving with learned_ic (trained by `pdeop precond train`) and learned_sor, and Darcy data + FNO
# training from C. Each example checks its own result; here they are also compared with ICC(0).
source "$(dirname "$0")/lib_cli.sh"
: "${PDEOP_BUILD_DIR:?}" "${MPIEXEC:?}"
ex="$PDEOP_BUILD_DIR"
its() { sed -n 's/^[a-z_]*: \([0-9]*\) iterations.*/\1/p' "$1"; }

"$PDEOP" precond train -type learned_ic -problem darcy -res 48 -count 30 -o "$work/ic.h5" -quiet >"$work/train.log" 2>&1 && ok "precond train for the example" || bad "precond train: $(tail -3 "$work/train.log")"
for pc in icc learned_sor; do
  "$ex/example_petsc_learned_pc" -n 48 -pc_type "$pc" >"$work/$pc.out" 2>&1 && ok "example_petsc_learned_pc -pc_type $pc: $(cat "$work/$pc.out")" || bad "example_petsc_learned_pc -pc_type $pc: $(cat "$work/$pc.out")"
done
"$ex/example_petsc_learned_pc" -n 48 -pc_type learned_ic -pc_learned_model "$work/ic.h5" >"$work/ic.out" 2>&1 && ok "example_petsc_learned_pc -pc_type learned_ic: $(cat "$work/ic.out")" || bad "example_petsc_learned_pc learned_ic: $(cat "$work/ic.out")"
$MPIEXEC -n 2 "$ex/example_petsc_learned_pc" -n 48 -pc_type learned_ic -pc_learned_model "$work/ic.h5" >"$work/ic2.out" 2>&1 && ok "example_petsc_learned_pc -pc_type learned_ic on 2 ranks: $(cat "$work/ic2.out")" || bad "example_petsc_learned_pc learned_ic on 2 ranks: $(cat "$work/ic2.out")"
check "learned_ic (trained on pdeop's Darcy family) needs fewer iterations than ICC(0) on the user's system" 'a < b' "$(its "$work/ic.out")" "$(its "$work/icc.out")"
expect_fail "example_petsc_learned_pc: a missing model file" "model" "$ex/example_petsc_learned_pc" -n 48 -pc_type learned_ic -pc_learned_model "$work/none.h5"

"$ex/example_darcy_fno" -quiet -ntrain 80 -epochs 25 -fno_width 12 -fno_modes 8 >"$work/fno.out" 2>&1 && ok "example_darcy_fno: $(cat "$work/fno.out")" || bad "example_darcy_fno: $(cat "$work/fno.out")"
finish
