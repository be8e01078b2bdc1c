# PETSc users' habits: the options PETSc accepts for the objects a command creates (-ksp_view,
# -ksp_converged_reason, monitors, -log_view, -options_left, with prefixes) work in every command,
# a typo is still an error before the work, and an option nothing read is a warning at the end.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
"$PDEOP" data darcy -n 4 -res 9 -fine 17 -o d.h5 -quiet || { bad "making data"; finish; }
"$PDEOP" solve poisson -da_grid_x 5 -ksp_view_mat binary:s.petsc -quiet || { bad "making a system file"; finish; }
runs() { # description, pattern the output must contain, command...
  local d="$1" pat="$2"; shift 2
  if "$@" >"$work/out" 2>&1; then
    grep -q -- "$pat" "$work/out" && ok "$d" || bad "$d: output lacks '$pat': $(head -5 "$work/out")"
  else bad "$d: exit $?: $(tail -3 "$work/out")"; fi
}
runs "solve poisson -ksp_converged_reason" "Linear solve converged" "$PDEOP" solve poisson -mms -da_grid_x 17 -ksp_type cg -ksp_converged_reason
runs "solve poisson -ksp_view" "KSP Object" "$PDEOP" solve poisson -da_grid_x 17 -ksp_view
runs "solve poisson -ksp_monitor" "1 KSP Residual norm" "$PDEOP" solve poisson -da_grid_x 17 -ksp_monitor
runs "solve poisson -options_left" "There are no unused options" "$PDEOP" solve poisson -da_grid_x 17 -options_left
runs "solve poisson -log_view" "KSPSolve" "$PDEOP" solve poisson -da_grid_x 17 -log_view
runs "solve darcy -ksp_converged_reason -ksp_view_solution" "Linear solve converged" "$PDEOP" solve darcy -da_grid_x 17 -ksp_converged_reason -ksp_view_solution ascii:sol.txt
[ -s sol.txt ] && ok "-ksp_view_solution wrote its file" || bad "-ksp_view_solution wrote nothing"
runs "solve -f -ksp_converged_reason -mat_view ::ascii_info" "Linear solve converged" "$PDEOP" solve -f s.petsc -ksp_converged_reason -mat_view ::ascii_info
runs "solve cavity -pressure_ksp_converged_reason" "pressure_ solve converged" "$PDEOP" solve cavity -n 9 -t_max 0.05 -steady_tol 1e3 -pressure_ksp_converged_reason
runs "data darcy -ksp_converged_reason" "Linear solve converged" "$PDEOP" data darcy -n 2 -res 9 -fine 17 -o d2.h5 -ksp_converged_reason
runs "train -log_view -options_left" "Option Table" "$PDEOP" train -model fno -fno_width 4 -fno_modes 2 -fno_layers 1 -data d.h5 -epochs 1 -o m.h5 -log_view -options_left -quiet
runs "eval -log_view" "PdSpectralConv" "$PDEOP" eval -model m.h5 -data d.h5 -log_view
runs "precond bench -log_view" "KSPSolve" "$PDEOP" precond bench -res 9 -count 2 -methods icc -log_view -quiet
expect_fail "PETSc's -da_grid_x too large for PetscInt (PETSc would wrap it)" "Option -da_grid_x 99999999999 is out of range" "$PDEOP" solve poisson -da_grid_x 99999999999
expect_fail "data -n too large for PetscInt: a range error, not out of memory" "Option -n 99999999999 is out of range" "$PDEOP" data darcy -n 99999999999 -res 9 -fine 17 -o big.h5
expect_fail "a typo is an error before the work" "unknown option -ksp_conveged_reason" "$PDEOP" solve poisson -da_grid_x 17 -ksp_conveged_reason
runs "an option nothing read is a warning at the end" "warning: option -pressure_ksp_view was not used" "$PDEOP" solve poisson -da_grid_x 17 -pressure_ksp_view
runs "solve says what it did" "KSP cg + PC" "$PDEOP" solve poisson -mms -da_grid_x 17 -ksp_type cg
[ -z "$("$PDEOP" solve poisson -mms -da_grid_x 17 -quiet)" ] && ok "solve -quiet prints nothing" || bad "solve -quiet printed something"

# -help shows the values the command really uses: compare train's -help with a run's report
"$PDEOP" train -help >help.txt 2>&1 || true
"$PDEOP" train -model fno -fno_width 4 -fno_modes 2 -fno_layers 1 -data d.h5 -epochs 1 -report tr.json -quiet >/dev/null 2>&1 || bad "train for the report"
hv() { sed -n "s/^ *-$1 <now \([^ ]*\) .*/\1/p; s/^ *-$1: <\([A-Z]*\) .*/\1/p" help.txt | head -1; }
check "train -help's -batch_size is the batch size used" 'a == b' "$(hv batch_size)" "$(jget tr.json batch_size)"
[ "$(hv loss)" = "$(jget tr.json loss)" ] && ok "train -help's -loss is the loss used ($(hv loss))" || bad "train -help says -loss $(hv loss), the run used $(jget tr.json loss)"
[ "$(hv normalize | tr A-Z a-z)" = "$(jget tr.json normalize)" ] && ok "train -help's -normalize is what the run did ($(hv normalize))" || bad "train -help says -normalize $(hv normalize), the run used $(jget tr.json normalize)"
"$PDEOP" precond train -help >ph.txt 2>&1 && grep -q -- "-epochs <now 40" ph.txt && grep -q -- "-ic_width" ph.txt && ok "precond train -help lists learned_ic's -epochs (40) and -ic_width" || bad "precond train -help lacks -epochs/-ic_width"
"$PDEOP" precond train -type dcdm -help >ph.txt 2>&1 && grep -q -- "-samples <now 1024" ph.txt && grep -q -- "-epochs <now 100" ph.txt && ok "precond train -type dcdm -help lists -samples (1024) and -epochs (100)" || bad "precond train -type dcdm -help lacks -samples/-epochs"
expect_fail "-ksp_rtol 2 is refused, not a zero solution" "relative tolerance must be between 0 and 1" "$PDEOP" solve poisson -da_grid_x 9 -ksp_rtol 2
$MPIEXEC -n 2 "$PDEOP" solve poisson -da_grid_x 9 -bogus 1 >two.out 2>&1 && bad "a bad option on 2 ranks exited 0" || {
  n=$(grep -c "^pdeop .*: error" two.out || true)
  [ "$n" = 1 ] && ok "a bad option on 2 ranks: one error line" || bad "a bad option on 2 ranks: $n error lines: $(grep "^pdeop" two.out)"
}
# the line must survive the job's end every time (MPI_Abort used to cut it off in some runs)
lost=0
for i in 1 2 3 4; do
  $MPIEXEC -n 2 "$PDEOP" train -model fno -fno_width 4 -fno_modes 2 -data d.h5 -epochs 1 -o m2.h5 -epoch 3 -quiet >two.out 2>&1 && lost=9
  grep -q "^pdeop train: error: unknown option -epoch" two.out || lost=$((lost + 1))
done
[ "$lost" = 0 ] && ok "an unknown option on 2 ranks: its line is printed in 4 of 4 runs" || bad "an unknown option on 2 ranks: the line is missing (or exit 0) in $lost of 4 runs"
# an error every rank raises on its own communicator (the optimizer's check) is printed once, unlabelled
for cmd in "train -model fno -fno_width 4 -fno_modes 2 -data d.h5 -epochs 1 -o m2.h5" "pinn -dim 4 -iters 2"; do
  $MPIEXEC -n 2 "$PDEOP" $cmd -lr -1 -quiet >two.out 2>&1 && bad "${cmd%% *} -lr -1 on 2 ranks exited 0" || {
    n=$(grep -c "^pdeop .*: error" two.out || true)
    [ "$n" = 1 ] && grep -q "^pdeop ${cmd%% *}: error: The learning rate must be finite and positive" two.out &&
      ok "${cmd%% *} -lr -1 on 2 ranks: one unlabelled error line" || bad "${cmd%% *} -lr -1 on 2 ranks: $n lines: $(grep "^pdeop" two.out)"
  }
done
finish
