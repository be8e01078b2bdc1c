# End-to-end tests of -ksp_guess_type nop: a tiny FNO trained on `pdeop data darcy` serves as the
# initial guess of `pdeop solve darcy` on the same grid (fewer iterations than a zero guess, the
# same on 2 ranks), of a system read from a file (the input from the diagonal), of a PETSc program
# and a PETSc tutorial that do not link pdeop (-dll_append), and the errors a user can make.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
P="$PDEOP"
M="${MPIEXEC:-mpiexec} -n 2"

# a tiny FNO (a few seconds): 64 Darcy samples solved on the 17 x 17 grid itself
$P data darcy -n 64 -res 17 -fine 17 -seed 1 -o tr.h5 -quiet
$P train -model fno -fno_width 8 -fno_modes 6 -fno_layers 2 -fno_hidden 16 -batch_size 8 -lr 1e-2 -data tr.h5 -epochs 30 -o m.h5 -quiet
[ -s m.h5 ] && ok "tiny FNO trained" || bad "no model"

# the guess on held-out coefficients (other seeds than the data's), compared with a zero guess in the
# same run (-compare_zero_guess); a loose tolerance, where a guess of a few per cent error pays
g=(-da_grid_x 17 -ksp_type cg -pc_type jacobi -ksp_rtol 1e-3 -ksp_guess_type nop -ksp_guess_nop_model m.h5)
for s in 7 8 9; do
  $P solve darcy "${g[@]}" -seed $s -compare_zero_guess -report g$s.json -quiet
  check "seed $s: fewer CG iterations from the nop guess than from zero" 'a < b' "$(jget g$s.json iterations)" "$(jget g$s.json iterations_zero_guess)"
done
[ "$(jget g7.json guess_type)" = nop ] && ok "report names the guess type" || bad "guess_type is '$(jget g7.json guess_type)'"
check "guess_seconds reported" 'a > 0' "$(jget g7.json guess_seconds)"
check "solve_seconds_zero_guess reported" 'a > 0' "$(jget g7.json solve_seconds_zero_guess)"
$P solve darcy -da_grid_x 17 -ksp_type cg -pc_type jacobi -ksp_rtol 1e-3 -seed 7 -report z7.json -quiet
check "the comparison solve is the plain zero-guess solve" 'a == b' "$(jget g7.json iterations_zero_guess)" "$(jget z7.json iterations)"
check "both solves reach the same solution" 'a/b - 1 < 1e-3 && b/a - 1 < 1e-3' "$(jget g7.json u_max)" "$(jget z7.json u_max)"
expect_fail "-compare_zero_guess without a guess" "give -ksp_guess_type too" $P solve darcy -da_grid_x 17 -compare_zero_guess
out="$($P solve darcy "${g[@]}" -seed 7 -compare_zero_guess)"
echo "$out" | grep -q "initial guess: $(jget g7.json iterations) iterations.*zero initial guess: $(jget g7.json iterations_zero_guess) iterations" && ok "summary prints both solves" || bad "summary: $out"

# 2 ranks: the field is gathered in natural order and the prediction scattered back
$M $P solve darcy "${g[@]}" -seed 7 -compare_zero_guess -report g7_2.json -quiet
check "2 ranks: the same iterations as 1" 'a == b' "$(jget g7_2.json iterations)" "$(jget g7.json iterations)"
check "2 ranks: the same scale factor" 'a/b - 1 < 1e-9 && b/a - 1 < 1e-9' "$(jget g7_2.json guess_alpha)" "$(jget g7.json guess_alpha)"
$M $P solve darcy "${g[@]}" -seed 7 -ksp_guess_nop_input diagonal -report d7_2.json -quiet
$P solve darcy "${g[@]}" -seed 7 -ksp_guess_nop_input diagonal -report d7.json -quiet
check "2 ranks, input from the diagonal: the same iterations as 1" 'a == b' "$(jget d7_2.json iterations)" "$(jget d7.json iterations)"

# a system from a file has no grid: a square number of unknowns in natural order, input from the
# diagonal (the coefficient on the boundary rows, face means inside)
$P solve darcy -da_grid_x 17 -seed 7 -ksp_type cg -pc_type jacobi -ksp_rtol 1e-3 -ksp_view_mat binary:sys.petsc -ksp_view_rhs binary:sys.petsc::append -quiet
$P solve -f sys.petsc -ksp_type cg -pc_type jacobi -ksp_rtol 1e-3 -ksp_guess_type nop -ksp_guess_nop_model m.h5 -report f.json -quiet
# a matrix file whose unknowns are a square number but not a square grid (16 x 4 = 8 x 8): refused
$P solve poisson -da_grid_x 16 -da_grid_y 4 -o_system p16x4.petsc -quiet
expect_fail "a 16 x 4 system read as 8 x 8" "row 0 couples to 16, not a grid neighbour" $P solve -f p16x4.petsc -ksp_type cg -pc_type jacobi -ksp_guess_type nop -ksp_guess_nop_model m.h5
expect_fail "a guess model that does not fit the grid is named" "guess's model 'm.h5' cannot run on this 16 x 4 grid" $P solve poisson -da_grid_x 16 -da_grid_y 4 -ksp_guess_type nop -ksp_guess_nop_model m.h5
# a KSP with an initial guess of its own (the cavity's pressure: the last step's) keeps it
$P solve cavity -re 100 -n 17 -steady_tol 1e-2 -pressure_ksp_type cg -report c0.json -quiet
$P solve cavity -re 100 -n 17 -steady_tol 1e-2 -pressure_ksp_type cg -pressure_ksp_guess_type nop -pressure_ksp_guess_nop_model m.h5 -report c1.json -quiet
check "cavity: the nop guess leaves the KSP's own nonzero guess (same pressure iterations)" 'a == b' "$(jget c1.json pressure_iterations_mean)" "$(jget c0.json pressure_iterations_mean)"
check "solve -f: the diagonal's guess beats a zero guess" 'a < b' "$(jget f.json iterations)" "$(jget z7.json iterations)"
check "solve -f: the same iterations as the grid's solve from the diagonal" 'a == b' "$(jget f.json iterations)" "$(jget d7.json iterations)"

# a PETSc program that does not link pdeop: -dll_append brings the guess type
cc="${MPICC:-mpicc}"
lib="${PDEOP_BUILD_DIR:?}/libpdeop.so"
if $cc ${PDEOP_OUTSIDE_FLAGS:-} -o loader "$PDEOP_SOURCE_DIR/tests/petsc_loader.c" $(pkg-config --cflags --libs petsc) 2>cc.log; then
  out="$(./loader -f sys.petsc -dll_append "$lib" -ksp_type cg -pc_type jacobi -ksp_rtol 1e-3 -ksp_guess_type nop -ksp_guess_nop_model m.h5 2>&1 || true)"
  echo "$out" | grep -q " iterations $(jget f.json iterations) CONVERGED" && ok "-dll_append: the nop guess in a PETSc program ($out)" || bad "-dll_append: $out"
else bad "loader build: $(head -5 cc.log)"; fi

# one of PETSc's own DMDA tutorials (ex29: -div(rho grad u) = f on a 2D DMDA), when Debian's
# libpetsc3.18-dev-examples is installed: the guess is formed on its grid and the solve converges
ex=/usr/share/petsc/3.18/share/petsc/examples/src/ksp/ksp/tutorials
if [ -f "$ex/ex29.c" ] && $cc ${PDEOP_OUTSIDE_FLAGS:-} -o ex29 "$ex/ex29.c" $(pkg-config --cflags --libs petsc) -lm 2>cc29.log; then
  o=(-da_grid_x 17 -da_grid_y 17 -ksp_type cg -pc_type jacobi -ksp_rtol 1e-3 -ksp_converged_reason)
  out="$(./ex29 "${o[@]}" -dll_append "$lib" -ksp_guess_type nop -ksp_guess_nop_model m.h5 -ksp_view ::ascii_info 2>&1 || true)"
  echo "$out" | grep -q "nop: model m.h5 (fno), input auto, scale energy; 1 predictions" && echo "$out" | grep -q "converged due to CONVERGED_RTOL" && ok "-dll_append: PETSc's ex29 with the nop guess ($(echo "$out" | grep -o 'iterations [0-9]*'))" || bad "ex29: $out"
  out="$(./ex29 "${o[@]}" -dll_append "$lib" -ksp_guess_type nop 2>&1 || true)"
  echo "$out" | grep -q "needs a model: give -ksp_guess_nop_model" && ok "ex29: no model, one clear error" || bad "ex29 without a model: $out"
else echo "# PETSc's tutorials (libpetsc3.18-dev-examples) are not installed: ex29 skipped"; fi

# errors
expect_fail "missing model file" "Cannot open 'nosuch.h5' (-ksp_guess_nop_model): no such file" $P solve darcy "${g[@]:0:10}" -ksp_guess_nop_model nosuch.h5
expect_fail "-ksp_guess_nop_model without its value" "needs a file" $P solve darcy -da_grid_x 17 -ksp_guess_type nop -ksp_guess_nop_model
expect_fail "no model at all" "needs a model" $P solve darcy -da_grid_x 17 -ksp_guess_type nop
expect_fail "-ksp_guess_nop_scale out of its choices" "bogus" $P solve darcy "${g[@]}" -ksp_guess_nop_scale bogus
expect_fail "-ksp_guess_nop_input without its value" "ksp_guess_nop_input" $P solve darcy "${g[@]}" -ksp_guess_nop_input
expect_fail "-ksp_guess_nop_input out of its choices" "Unknown option bogus for -ksp_guess_nop_input" $P solve darcy "${g[@]}" -ksp_guess_nop_input bogus
expect_fail "-ksp_guess_nop_scale without its value" "ksp_guess_nop_scale needs a value" $P solve darcy "${g[@]}" -ksp_guess_nop_scale
expect_fail "-compare_zero_guess with a value that is not a truth value" "Unknown logical value: maybe" $P solve darcy "${g[@]}" -compare_zero_guess maybe
$P data antiderivative -n 16 -m 32 -seed 1 -o ad.h5 -quiet
$P train -model fno -fno_width 4 -fno_modes 4 -fno_layers 1 -fno_hidden 8 -data ad.h5 -epochs 1 -o m1d.h5 -quiet
expect_fail "a model of 1D fields" "needs a model of one 2D field to one 2D field" $P solve darcy -da_grid_x 17 -ksp_guess_type nop -ksp_guess_nop_model m1d.h5
expect_fail "a 3D grid" "DMDA is 3D" $P solve poisson -dim 3 -da_grid_x 9 -ksp_guess_type nop -ksp_guess_nop_model m.h5
finish
