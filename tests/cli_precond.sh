# End-to-end tests of the learned preconditioners: pdeop precond train and bench, -pc_type
# learned_ic in pdeop solve (a Darcy grid, a PETSc binary system, a Poisson matrix it was not trained
# on, 2 ranks), the same type loaded into a PETSc program that does not link pdeop (-dll_append),
# and the errors a user can make.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
P="$PDEOP"
M="${MPIEXEC:-mpiexec} -n 2"

# train on 16 Darcy systems at 33^2; held-out check against ICC(0) is in the report
$P precond train -type learned_ic -problem darcy -res 33 -count 16 -epochs 20 -o ic.h5 -report t.json -quiet >/dev/null
[ -s ic.h5 ] && ok "model written" || bad "no model"
$P data darcy -n 2 -res 9 -fine 17 -o d9.h5 -quiet
expect_fail "eval of a preconditioner model says what it is" "is a learned_ic preconditioner (from pdeop precond train)" $P eval -model ic.h5 -data d9.h5
head -1 ic.csv | grep -q "epoch,loss,validation_iterations,seconds" && ok "loss curve CSV" || bad "loss curve CSV: $(head -1 ic.csv)"
[ "$(head -c 8 ic.png | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && ok "loss curve PNG" || bad "no loss curve PNG"
check "loss curve has 20 epochs" 'a == 21' "$(wc -l < ic.csv)"
check "params reported" 'a > 0' "$(jget t.json params)"
check "held-out CG iterations below ICC(0)" 'a < b' "$(jget t.json heldout_iterations_learned_ic)" "$(jget t.json heldout_iterations_icc)"
check "training reduced the loss" 'a < b' "$(jget t.json final_loss)" "$(jget t.json initial_loss)"

# data-parallel training: 2 ranks take the same steps
$M $P precond train -type learned_ic -res 33 -count 16 -epochs 20 -o ic2.h5 -report t2.json -quiet -heldout 0 >/dev/null
check "1 and 2 ranks: same final loss" 'a/b - 1 < 1e-5 && b/a - 1 < 1e-5' "$(jget t.json final_loss)" "$(jget t2.json final_loss)"

# pdeop solve with the learned type: a Darcy system, written as a PETSc binary file on the way
$P solve darcy -da_grid_x 33 -seed 5 -ksp_type cg -pc_type icc -ksp_rtol 1e-8 -report icc.json -ksp_view_mat binary:sys.petsc -ksp_view_rhs binary:sys.petsc::append -quiet
$P solve darcy -da_grid_x 33 -seed 5 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -ksp_rtol 1e-8 -report lic.json -quiet
check "solve darcy: learned_ic converges in fewer iterations than icc" 'a < b' "$(jget lic.json iterations)" "$(jget icc.json iterations)"
check "solve darcy: same solution maximum" 'a/b - 1 < 1e-6 && b/a - 1 < 1e-6' "$(jget lic.json u_max)" "$(jget icc.json u_max)"
$P solve -f sys.petsc -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -ksp_rtol 1e-8 -report f.json -quiet
check "solve -f: same iterations as on the grid" 'a == b' "$(jget f.json iterations)" "$(jget lic.json iterations)"
$M $P solve -f sys.petsc -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -ksp_rtol 1e-8 -report f2.json -quiet
check "solve -f on 2 ranks (block Jacobi) converges" 'a > 0' "$(jget f2.json iterations)"
$P solve poisson -da_grid_x 65 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -report p.json -quiet
$P solve poisson -da_grid_x 65 -ksp_type cg -pc_type jacobi -report pj.json -quiet
check "a Poisson matrix it never saw: fewer iterations than Jacobi" 'a < b' "$(jget p.json iterations)" "$(jget pj.json iterations)"

# a PETSc program that does not link pdeop loads the type with -dll_append
cc="${MPICC:-mpicc}" # a plain PETSc program, built the way PETSc users build theirs
lib="${PDEOP_BUILD_DIR:?}/libpdeop.so"
if $cc ${PDEOP_OUTSIDE_FLAGS:-} -o loader "$PDEOP_SOURCE_DIR/tests/petsc_loader.c" $(pkg-config --cflags --libs petsc) 2>cc.log; then
  ok "outside program builds without pdeop"
  if ldd ./loader | grep -q pdeop; then bad "the loader links pdeop"; else ok "the loader does not link pdeop"; fi
  out="$(./loader -f sys.petsc -dll_append "$lib" -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -ksp_rtol 1e-8 2>&1 || true)"
  echo "$out" | grep -q "pc learned_ic iterations $(jget f.json iterations) CONVERGED" && ok "-dll_append: learned_ic in a PETSc program ($out)" || bad "-dll_append: $out"
  out="$(./loader -f sys.petsc -ksp_type cg -pc_type learned_ic 2>&1 || true)"
  echo "$out" | grep -q "learned_ic" && ok "without -dll_append the type is unknown" || bad "without -dll_append: $out"
else bad "loader build: $(head -5 cc.log)"; fi

# the comparison table over a sequence
$P precond bench -model ic.h5 -res 33 -count 6 -report b.json >bench.txt
grep -q "| learned_ic" bench.txt && grep -q "| hypre" bench.txt && ok "bench table" || bad "bench table: $(cat bench.txt)"
check "bench: learned_ic fewer iterations than icc" 'a < b' "$(jget b.json learned_ic_iterations)" "$(jget b.json icc_iterations)"
check "bench: learned_sor fewer iterations than SSOR omega = 1" 'a < b' "$(jget b.json learned_sor_iterations)" "$(jget b.json sor_default_omega_iterations)"
check "bench: no failures" 'a == 0' "$(jget b.json learned_ic_failed)"

# learned_sor: every omega of the grid on the training systems, the bandit warm-started from them
$P precond train -type learned_sor -res 17 -count 6 -o sor.bin -report st.json -quiet >/dev/null
check "learned_sor train: best omega on the grid" 'a >= 1 && a <= 1.9' "$(jget st.json best_omega)"
check "learned_sor train: held-out, fewer iterations than SSOR omega 1" 'a < b' "$(jget st.json heldout_iterations_learned_sor)" "$(jget st.json heldout_iterations_sor)"
[ -s sor.csv ] && [ -s sor.png ] && [ "$(wc -l <sor.csv)" = 7 ] && ok "learned_sor log (6 systems) and plot" || bad "learned_sor log: $(ls sor.*)"
$M $P precond train -type learned_sor -res 17 -count 6 -o sor2.bin -quiet >/dev/null
cmp -s sor.bin sor2.bin && ok "learned_sor: 2 ranks train the same model as 1" || bad "learned_sor: sor2.bin differs from sor.bin"
cp sor.bin sor0.bin
$P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_sor -pc_learned_model sor.bin -report ss.json -quiet
check "solve with a learned_sor model" 'a > 0' "$(jget ss.json iterations)"
cmp -s sor.bin sor0.bin && ok "the learned_sor model is read, not written" || bad "sor.bin changed"
$P precond bench -sor_model sor.bin -methods learned_sor -res 17 -count 4 -report sb.json >/dev/null
check "bench from the learned_sor model: fewer iterations than SSOR omega 1" 'a < b' "$(jget sb.json learned_sor_iterations)" "$(jget sb.json sor_default_omega_iterations)"
expect_fail "learned_sor model missing" "nothere.bin" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_sor -pc_learned_model nothere.bin
expect_fail "learned_sor model of another grid" "omega_count" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_sor -pc_learned_model sor.bin -pc_learned_sor_omega_count 5

# dcdm: train a small network on the Poisson operator, then solve with it (converges whatever the
# network does; same solution as CG)
# The default network (a linear learned V(1,1)-cycle) with the default training (1024 right-hand sides,
# 100 epochs; 30 s on one core) needs fewer iterations than ICC(0)-CG: measured 9 against 15.
$P precond train -type dcdm -problem poisson -res 17 -heldout 1 -o dcdm.h5 -report dt.json -quiet >/dev/null
check "dcdm: loss fell tenfold" 'a > 0 && a < 0.1 * b' "$(jget dt.json final_loss)" "$(jget dt.json initial_loss)"
check "dcdm: Ritz vectors (12 N)" 'a == 204' "$(jget dt.json ritz_vectors)"
check "dcdm: fewer iterations than ICC(0)-CG" 'a < b' "$(jget dt.json heldout_iterations_dcdm)" "$(jget dt.json heldout_iterations_icc)"
$P solve poisson -da_grid_x 17 -ksp_type dcdm -ksp_dcdm_model dcdm.h5 -pc_type none -ksp_rtol 1e-10 -mms -report dc.json -quiet
$P solve poisson -da_grid_x 17 -ksp_type cg -pc_type none -ksp_rtol 1e-10 -mms -report cg.json -quiet
check "dcdm: same error against the exact solution as CG" 'a/b - 1 < 1e-6 && b/a - 1 < 1e-6' "$(jget dc.json error)" "$(jget cg.json error)"
# on 2 ranks the network sees the same whole residual in natural order (gathered through a scatter
# made once at set-up): the same iterations and error as on one rank. The ranks split x, so that
# PETSc's order differs from the natural one
$M $P solve poisson -da_grid_x 17 -da_processors_x 2 -da_processors_y 1 -ksp_type dcdm -ksp_dcdm_model dcdm.h5 -pc_type none -ksp_rtol 1e-10 -mms -report dc2.json -quiet
check "dcdm on 2 ranks: the iterations of one rank" 'a == b' "$(jget dc2.json iterations)" "$(jget dc.json iterations)"
check "dcdm on 2 ranks: the error of one rank" 'a/b - 1 < 1e-6 && b/a - 1 < 1e-6' "$(jget dc2.json error)" "$(jget dc.json error)"
expect_fail "dcdm with a learned_ic model" "not a dcdm model" $P solve poisson -da_grid_x 17 -ksp_type dcdm -ksp_dcdm_model ic.h5 -pc_type none
# dcdm in 3D (the paper's setting): a 3x3x3 learned V-cycle on the 7-point Laplacian, a short
# training (12 s), then the solve through the 3D DMDA reaches CG's discretisation error
$P precond train -type dcdm -problem poisson -dim 3 -res 9 -samples 256 -epochs 30 -heldout 0 -o dcdm3.h5 -report dt3.json -quiet >/dev/null
check "dcdm 3D: loss fell tenfold" 'a > 0 && a < 0.1 * b' "$(jget dt3.json final_loss)" "$(jget dt3.json initial_loss)"
$P solve poisson -dim 3 -da_grid_x 9 -ksp_type dcdm -ksp_dcdm_model dcdm3.h5 -pc_type none -ksp_rtol 1e-10 -mms -report dc3.json -quiet
$P solve poisson -dim 3 -da_grid_x 9 -ksp_type cg -pc_type none -ksp_rtol 1e-10 -mms -report cg3.json -quiet
check "dcdm 3D: same error against the exact solution as CG" 'a/b - 1 < 1e-6 && b/a - 1 < 1e-6' "$(jget dc3.json error)" "$(jget cg3.json error)"
expect_fail "dcdm: a 2D model on a 3D grid" "is 2D" $P solve poisson -dim 3 -da_grid_x 9 -ksp_type dcdm -ksp_dcdm_model dcdm.h5 -pc_type none
expect_fail "dcdm: a 3D model on a 2D grid" "is 3D" $P solve poisson -da_grid_x 17 -ksp_type dcdm -ksp_dcdm_model dcdm3.h5 -pc_type none
# the 3D Darcy family (thresholded 3D random coefficient, 7-point operator with harmonic face means):
# learned_ic (3 s) and learned_sor (1 s) beat ICC(0) and SSOR(1) on held-out systems (measured 11.0
# against 12.2, and 11.1 against 13.2)
$P precond train -type learned_ic -problem darcy -dim 3 -res 9 -o ic3.h5 -report ic3.json -quiet >/dev/null
check "learned_ic, 3D Darcy: fewer held-out iterations than ICC(0)" 'a < b' "$(jget ic3.json heldout_iterations_learned_ic)" "$(jget ic3.json heldout_iterations_icc)"
$P precond train -type learned_sor -problem darcy -dim 3 -res 9 -o sor3.bin -report sor3.json -quiet >/dev/null
check "learned_sor, 3D Darcy: fewer held-out iterations than SSOR omega 1" 'a < b' "$(jget sor3.json heldout_iterations_learned_sor)" "$(jget sor3.json heldout_iterations_sor)"
expect_fail "3D cavity family" "cavity family is 2D" $P precond train -type learned_ic -problem cavity -dim 3 -res 9 -o x.h5
# the families are the PdProblem types with a per-index operator, listed from the registry
expect_fail "unknown family" "Unknown -problem ns-periodic: use poisson, darcy or cavity" $P precond train -type learned_ic -problem ns-periodic -res 9 -o x.h5
expect_fail "unknown bench family" "Unknown -problem heat: use poisson, darcy or cavity" $P precond bench -problem heat -res 9
$P precond -help >"$work/help" 2>&1
if grep -q -- "-problem poisson|darcy|cavity -res N -count M" "$work/help"; then ok "precond -help lists the family types"; else bad "precond -help lacks the family types"; fi
expect_fail "-dim 4" "-dim must be 2 or 3" $P precond train -type dcdm -problem poisson -dim 4 -res 9 -o x.h5

# a model file of the former learned_ic format (PdLearnedICSave, before the network became an NOp;
# width 4, one layer, trained on 4 Poisson systems at 9^2) loads and gives the iterations the former
# code gave (measured with it: 54 and 35)
old="${PDEOP_SOURCE_DIR:-$(dirname "$0")/..}/tests/data/learned_ic_v0.h5"
$P solve darcy -da_grid_x 17 -seed 5 -ksp_type cg -pc_type learned_ic -pc_learned_model "$old" -pc_learned_ic_fallback none -ksp_rtol 1e-8 -report v0d.json -quiet
check "former-format model, darcy 17^2: the former code's iterations" 'a == 54' "$(jget v0d.json iterations)"
$P solve poisson -da_grid_x 17 -ksp_type cg -pc_type learned_ic -pc_learned_model "$old" -pc_learned_ic_fallback none -ksp_rtol 1e-8 -report v0p.json -quiet
check "former-format model, poisson 17^2: the former code's iterations" 'a == 35' "$(jget v0p.json iterations)"

# errors: one message, non-zero exit
expect_fail "unknown -type" "Unknown -type" $P precond train -type nonsense -o x.h5
expect_fail "no -o" "-o model.h5" $P precond train -res 9 -count 2
expect_fail "-count 0" "-count" $P precond train -count 0 -o x.h5
expect_fail "-ic_width 0" "width" $P precond train -ic_width 0 -res 9 -count 2 -o x.h5
expect_fail "solve without a model" "-pc_learned_model" $P solve -f sys.petsc -ksp_type cg -pc_type learned_ic
expect_fail "missing model file" "nothere.h5" $P solve -f sys.petsc -ksp_type cg -pc_type learned_ic -pc_learned_model nothere.h5
$P data darcy -n 2 -res 9 -fine 9 -o d.h5 -quiet
expect_fail "a dataset is not a model" "d.h5" $P solve -f sys.petsc -ksp_type cg -pc_type learned_ic -pc_learned_model d.h5
expect_fail "bench learned_ic without a model" "needs -model" $P precond bench -methods learned_ic -res 9 -count 2
expect_fail "bench on 2 ranks" "one rank" $M $P precond bench -res 9 -count 2
expect_fail "a family problem named as a subcommand" "pdeop precond train -problem darcy" $P precond darcy
expect_fail "learned_sor omega out of range" "omega_max" $P solve darcy -da_grid_x 17 -ksp_type cg -pc_type learned_sor -pc_learned_sor_omega_max 2.5
[ ! -e x.h5 ] && ok "nothing written by failed commands" || bad "x.h5 was written"
finish
