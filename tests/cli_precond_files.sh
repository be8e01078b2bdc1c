# End-to-end tests of learned preconditioners trained on the user's own systems: PETSc binary files
# of several systems (written by PETSc's own MatView/VecView through -ksp_view_mat/-ksp_view_rhs),
# the held-out share, files without right-hand sides, sizes that differ, and bad files; and
# learned_ic's set-up trial against ICC(0) (-pc_learned_ic_fallback).
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
P="$PDEOP"
M="${MPIEXEC:-mpiexec} -n 2"

# three Darcy systems appended to one file by PETSc, and the third again on its own
for s in 1 2 3; do
  $P solve darcy -da_grid_x 17 -seed $s -ksp_type cg -pc_type icc -ksp_view_mat binary:three.petsc::append -ksp_view_rhs binary:three.petsc::append -quiet
done
$P solve darcy -da_grid_x 17 -seed 3 -ksp_type cg -pc_type icc -ksp_rtol 1e-8 -ksp_view_mat binary:held.petsc -ksp_view_rhs binary:held.petsc::append -report icc.json -quiet
$P precond train -type learned_ic -f three.petsc -epochs 20 -o ic.h5 -report t.json -quiet >/dev/null
check "-f: two systems train, one is held out" 'a == 1' "$(jget t.json validation_systems)"
check "-f: trained on two systems" 'a == 2' "$(jget t.json systems)"
check "-f: training reduced the loss" 'a < b' "$(jget t.json final_loss)" "$(jget t.json initial_loss)"
check "-f: the held-out system converges with learned_ic" 'a > 0' "$(jget t.json heldout_iterations_learned_ic)"
$P solve -f held.petsc -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -pc_learned_ic_fallback none -ksp_rtol 1e-8 -ksp_norm_type unpreconditioned -report h.json -quiet
[ "$(jget h.json converged_reason)" = CONVERGED_RTOL ] && ok "the held-out system solved to tolerance (true residual)" || bad "held-out solve: $(jget h.json converged_reason)"
$M $P precond train -type learned_ic -f three.petsc -epochs 20 -o ic2.h5 -report t2.json -quiet >/dev/null
check "-f on 2 ranks: same final loss" 'a/b - 1 < 1e-5 && b/a - 1 < 1e-5' "$(jget t.json final_loss)" "$(jget t2.json final_loss)"

# a matrix with no right-hand side after it (b = 1), a Poisson matrix of another size, two files
$P solve poisson -da_grid_x 9 -ksp_type cg -pc_type icc -ksp_view_mat binary:norhs.petsc -quiet
$P precond train -type learned_ic -f norhs.petsc,three.petsc -epochs 5 -o icn.h5 -report tn.json -quiet >/dev/null
check "a matrix without a right-hand side and two sizes: 3 train, 1 held out" 'a == 3 && b == 1' "$(jget tn.json systems)" "$(jget tn.json validation_systems)"
$P precond train -type learned_sor -f three.petsc,norhs.petsc -validation_fraction 0.5 -o sor.bin -report ts.json -quiet >/dev/null
check "learned_sor from files: 2 train, 2 held out" 'a == 2 && b == 2' "$(jget ts.json systems)" "$(jget ts.json validation_systems)"
check "learned_sor from files: held-out systems converge" 'a > 0' "$(jget ts.json heldout_iterations_learned_sor)"

# bench on held-out files: ICC(0), GAMG, BoomerAMG (when PETSc has it) and the learned one
$P precond bench -f held.petsc,norhs.petsc -model ic.h5 -report b.json >bench.txt
grep -q "| learned_ic" bench.txt && grep -q "| gamg" bench.txt && grep -q "| icc" bench.txt && ok "bench -f table" || bad "bench -f table: $(cat bench.txt)"
check "bench -f: two systems, no failures" 'a == 2 && b == 0' "$(jget b.json systems)" "$(jget b.json learned_ic_failed)"
check "bench -f: ICC(0) on the held-out system as in solve" 'a >= b' "$(jget b.json icc_iterations)" "$(jget icc.json iterations)"

# collecting: a first run with -pc_type learned_ic and no model solves with ICC(0) and appends every
# system it solves (1 and 2 ranks, and a user's PETSc program), training reads them back
for s in 1 2; do
  $P solve darcy -da_grid_x 17 -seed $s -ksp_type cg -pc_type learned_ic -pc_learned_collect col.petsc -ksp_rtol 1e-8 -report c$s.json -quiet
done
$M $P solve darcy -da_grid_x 17 -seed 3 -ksp_type cg -pc_type learned_ic -pc_learned_collect col.petsc -ksp_rtol 1e-8 -report c3.json -quiet
"${PDEOP_BUILD_DIR:?}/example_petsc_learned_pc" -n 17 -pc_type learned_ic -pc_learned_collect col.petsc >ex.out
check "collecting without a model: ICC(0)'s iterations" 'a == b' "$(jget c1.json iterations)" "$($P solve darcy -da_grid_x 17 -seed 1 -ksp_type cg -pc_type icc -ksp_rtol 1e-8 -report ci.json -quiet; jget ci.json iterations)"
[ "$(jget c1.json pc_learned_ic_ran)" = icc ] && ok "the report says ICC(0) ran while collecting" || bad "collecting: $(jget c1.json pc_learned_ic_ran)"
$P precond train -type learned_ic -f col.petsc -validation_fraction 0.25 -epochs 20 -o colic.h5 -report ct.json -quiet >/dev/null
check "4 collected systems: 3 train, 1 held out" 'a == 3 && b == 1' "$(jget ct.json systems)" "$(jget ct.json validation_systems)"
$P solve -f held.petsc -ksp_type cg -pc_type learned_ic -pc_learned_model colic.h5 -ksp_rtol 1e-8 -report cs.json -quiet 2>/dev/null
check "the model trained on collected systems solves" 'a > 0' "$(jget cs.json iterations)"
cmp -s <(head -c 200 col.petsc) <(head -c 200 three.petsc) && ok "the collected file starts as PETSc's own -ksp_view_mat writes it" || bad "col.petsc differs from three.petsc at the start"
expect_fail "precond train -f with one file twice" "are the same file: give each file of systems once" $P precond train -type learned_ic -f three.petsc,./three.petsc -epochs 1 -o dup.h5
expect_fail "precond bench -f with one file twice" "are the same file" $P precond bench -f held.petsc,held.petsc -model ic.h5
# every file of a -f list is an input: no output may be one of them (the second file was replaced)
cp norhs.petsc keep.petsc
expect_fail "precond train -o over the second file of -f a,b" "is also the input -f" $P precond train -type learned_ic -f three.petsc,keep.petsc -epochs 1 -o keep.petsc
expect_fail "precond bench -report over the second file of -f a,b" "is also the input -f" $P precond bench -f held.petsc,keep.petsc -model ic.h5 -report keep.petsc
cmp -s keep.petsc norhs.petsc && ok "-f a,b: the second file unchanged" || bad "-f a,b: the second file was written over"
cp ic.h5 notsys.h5
expect_fail "-pc_learned_collect into a file that is not one of systems (an HDF5 model)" "is not a PETSc binary file of systems" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_ic -pc_learned_collect notsys.h5
cmp -s notsys.h5 ic.h5 && ok "-pc_learned_collect: the other file unchanged" || bad "-pc_learned_collect extended a file that holds no systems"
expect_fail "precond train -f with a family's -count" "-count describes a built-in family" $P precond train -type learned_ic -f three.petsc -count 5 -o x.h5
expect_fail "precond bench -f with a family's -res" "-res describes a built-in family" $P precond bench -f held.petsc -model ic.h5 -res 33
mkdir -p sysdir
expect_fail "precond bench -f of a directory" "Cannot open 'sysdir': it is a directory" $P precond bench -f sysdir -model ic.h5
expect_fail "-pc_learned_collect may not overwrite the -f input" "never writes over" $P solve -f col.petsc -ksp_type cg -pc_type learned_ic -pc_learned_collect col.petsc

# the trial: a model that loses to ICC(0) (the former-format model, trained on 4 Poisson systems at
# 9^2: 54 iterations against ICC's 17 on this Darcy system) falls back to ICC(0), says so once, and
# takes ICC's iterations; a model that wins keeps its factor and its iterations
old="${PDEOP_SOURCE_DIR:-$(dirname "$0")/..}/tests/data/learned_ic_v0.h5"
$P solve darcy -da_grid_x 17 -seed 5 -ksp_type cg -pc_type icc -ksp_rtol 1e-8 -report wi.json -quiet
$P solve darcy -da_grid_x 17 -seed 5 -ksp_type cg -pc_type learned_ic -pc_learned_model "$old" -pc_learned_ic_fallback none -ksp_rtol 1e-8 -report wn.json -quiet
$P solve darcy -da_grid_x 17 -seed 5 -ksp_type cg -pc_type learned_ic -pc_learned_model "$old" -ksp_rtol 1e-8 -ksp_view -report wf.json -quiet >view.txt 2>err.txt
check "weak model: the learned factor alone loses to ICC(0)" 'a > 1.1 * b' "$(jget wn.json iterations)" "$(jget wi.json iterations)"
check "weak model: with the trial, ICC(0)'s iterations" 'a == b' "$(jget wf.json iterations)" "$(jget wi.json iterations)"
[ "$(jget wf.json pc_learned_ic_ran)" = icc ] && ok "the report says ICC(0) ran" || bad "pc_learned_ic_ran: $(jget wf.json pc_learned_ic_ran)"
[ "$(jget wn.json pc_learned_ic_ran)" = learned ] && ok "with -pc_learned_ic_fallback none the learned factor ran" || bad "fallback none: $(jget wn.json pc_learned_ic_ran)"
grep -q "ran: ICC(0), the fallback" view.txt && ok "-ksp_view says ICC(0) ran" || bad "-ksp_view: $(grep ran: view.txt)"
check "the fallback is said once" 'a == 1' "$(grep -c "so ICC(0) runs instead" err.txt)"
$P solve darcy -da_grid_x 17 -seed 5 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -ksp_rtol 1e-8 -report gf.json -quiet 2>err2.txt
$P solve darcy -da_grid_x 17 -seed 5 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -pc_learned_ic_fallback none -ksp_rtol 1e-8 -report gn.json -quiet
if [ "$(jget gn.json iterations)" -lt "$(jget wi.json iterations)" ]; then
  [ "$(jget gf.json pc_learned_ic_ran)" = learned ] && ok "a model that wins keeps its factor" || bad "winning model fell back: $(cat err2.txt)"
  check "a model that wins: the same iterations with and without the trial" 'a == b' "$(jget gf.json iterations)" "$(jget gn.json iterations)"
else
  check "a model that does not win: ICC's iterations" 'a == b' "$(jget gf.json iterations)" "$(jget wi.json iterations)"
fi
$M $P solve darcy -da_grid_x 17 -seed 5 -ksp_type cg -pc_type learned_ic -pc_learned_model "$old" -ksp_rtol 1e-8 -report w2.json -quiet 2>/dev/null
[ "$(jget w2.json pc_learned_ic_ran)" = icc ] && ok "2 ranks: each block falls back" || bad "2 ranks: $(jget w2.json pc_learned_ic_ran)"
expect_fail "-pc_learned_ic_fallback bogus" "fallback" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -pc_learned_ic_fallback bogus
expect_fail "-pc_learned_ic_fallback without a value" "fallback" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -pc_learned_ic_fallback
expect_fail "-pc_learned_ic_trial_its 0" "trial_its must be at least 1" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -pc_learned_ic_trial_its 0

# the safeguard on every kind of system tried: with the trial, a model trained on Darcy systems (a
# correction to ICC(0)), the same on IC(1)'s pattern in the lines ordering, and the weak former-format model (the factor itself, trained on Poisson) take
# at most 1.1x ICC(0)'s iterations on Darcy systems, anisotropic and i.i.d.-coefficient systems
# written by bench_write_systems, and a Poisson system of another size (65^2)
W="${PDEOP_BUILD_DIR:?}/bench_write_systems"
for k in 0 1; do
  "$W" -kind aniso -n 24 -count 1 -first $k -seed 3 -o an$k.petsc >/dev/null
  "$W" -kind iid -n 24 -count 1 -first $k -seed 3 -o ii$k.petsc >/dev/null
done
# a model on IC(1)'s pattern in the lines ordering (Darcy has no lines: IC(1) in the natural order)
$P precond train -type learned_ic -f three.petsc -epochs 20 -ic_levels 1 -ic_ordering lines -o ic1.h5 -report t1.json -quiet >/dev/null
check "-ic_levels 1 -ic_ordering lines: the held-out system converges" 'a > 0' "$(jget t1.json heldout_iterations_learned_ic)"
expect_fail "-pc_learned_ic_levels other than the model's" "was trained on the pattern of IC(1) in the lines ordering" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_ic -pc_learned_model ic1.h5 -pc_learned_ic_levels 0
expect_fail "-pc_learned_ic_ordering other than the model's" "was trained on the pattern of IC(0) in the natural ordering" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -pc_learned_ic_ordering lines
expect_fail "-ic_ordering bogus" "bogus" $P precond train -type learned_ic -f three.petsc -ic_ordering bogus -o x.h5
expect_fail "-ic_levels 3" "-ic_levels must be in 0..2, got 3" $P precond train -type learned_ic -f three.petsc -ic_levels 3 -o x.h5
worst=0
for model in ic.h5 "$old" ic1.h5; do
  for sys in "-f an0.petsc" "-f an1.petsc" "-f ii0.petsc" "-f ii1.petsc" "darcy -da_grid_x 17 -seed 7" "darcy -da_grid_x 33 -seed 8" "poisson -da_grid_x 65"; do
    $P solve $sys -ksp_type cg -pc_type icc -ksp_rtol 1e-8 -report si.json -quiet
    $P solve $sys -ksp_type cg -pc_type learned_ic -pc_learned_model "$model" -ksp_rtol 1e-8 -report sl.json -quiet 2>/dev/null
    r=$(awk -v a="$(jget sl.json iterations)" -v b="$(jget si.json iterations)" 'BEGIN{print a / b}')
    worst=$(awk -v a="$r" -v b="$worst" 'BEGIN{print (a > b ? a : b)}')
    [ "$(jget sl.json converged_reason)" = CONVERGED_RTOL ] || bad "safeguard: $sys with $model did not converge"
  done
done
check "with the trial no system takes more than 1.1x ICC(0)'s iterations (worst ratio)" 'a <= 1.1' "$worst"
expect_fail "-pc_learned_ic_trial_every 0" "trial_every must be at least 1" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -pc_learned_ic_trial_every 0
expect_fail "-pc_learned_ic_trial_every without a value" "trial_every" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -pc_learned_ic_trial_every
expect_fail "-ic_correction bogus" "Unknown logical value" $P precond train -type learned_ic -f three.petsc -ic_correction bogus -o x.h5

# bad files and options: one message, non-zero exit
head -c 3000 three.petsc > trunc.petsc
expect_fail "truncated file" "truncated" $P precond train -f trunc.petsc -o x.h5
head -c 2000 /dev/urandom > garbage.petsc
expect_fail "garbage file" "not a PETSc binary matrix" $P precond train -f garbage.petsc -o x.h5
cat three.petsc garbage.petsc > tail.petsc
expect_fail "garbage after the systems" "after 3 systems" $P precond train -f tail.petsc -o x.h5
expect_fail "missing file" "Cannot open 'nothere.petsc'" $P precond train -f nothere.petsc -o x.h5
expect_fail "-f without a value" "-f" $P precond train -f
expect_fail "dcdm from files" "have none" $P precond train -type dcdm -f three.petsc -o x.h5
expect_fail "-validation_fraction 1" "-validation_fraction must be in" $P precond train -f three.petsc -validation_fraction 1 -o x.h5
expect_fail "-validation_fraction -0.1" "-validation_fraction must be in" $P precond train -f three.petsc -validation_fraction -0.1 -o x.h5
expect_fail "-validation_fraction without a value" "validation_fraction" $P precond train -f three.petsc -validation_fraction -o x.h5
expect_fail "nothing left to train on" "none is left to train on" $P precond train -f held.petsc -o x.h5
expect_fail "-validation_fraction without -f" "goes with -f" $P precond train -validation_fraction 0.5 -o x.h5
expect_fail "bench: truncated file" "truncated" $P precond bench -f trunc.petsc
[ ! -e x.h5 ] && ok "nothing written by failed commands" || bad "x.h5 was written"
finish
