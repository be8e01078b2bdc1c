# End-to-end tests of `pdeop solve` and `pdeop data`: reports, output files, PETSc binary systems,
# diverged solves, bad options and bad files, and the Darcy dataset's shape and errors.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
cd "$work"

"$P" solve poisson -mms -da_grid_x 33 -da_grid_y 33 -ksp_type cg -pc_type gamg -report p.json -o p.h5 -vtk p.vts -png p.png -quiet
for k in iterations residual_norm converged_reason solve_seconds error; do
  [ -n "$(jget p.json $k)" ] && ok "poisson report has $k" || bad "poisson report lacks $k"
done
check "poisson 33^2 FD error (second order: about 1.4e-3)" 'a < 2e-3 && a > 1e-4' "$(jget p.json error)"
for f in p.h5 p.vts p.png; do [ -s "$f" ] && ok "wrote $f" || bad "no $f"; done

# a PETSc binary system written by the solver itself, matrix then right-hand side (ex10's layout)
"$P" solve poisson -da_grid_x 17 -da_grid_y 17 -ksp_type cg -pc_type jacobi -ksp_view_mat binary:sys.petsc -ksp_view_rhs binary:sys.petsc::append -report a.json -quiet
"$P" solve -f sys.petsc -ksp_type cg -pc_type jacobi -report b.json -quiet
check "solve -f takes the same iterations as the original solve" 'a == b' "$(jget a.json iterations)" "$(jget b.json iterations)"
check "solve -f read the right-hand side from the file" 'a == 1' "$([ "$(jget b.json rhs_from_file)" = true ] && echo 1 || echo 0)"
printf 'not a matrix\n' > text.petsc
expect_fail "solve -f on a text file names the file" "text.petsc" "$P" solve -f text.petsc
expect_fail "solve -f on a missing file" "missing.petsc" "$P" solve -f missing.petsc
expect_fail "diverged solve is an error with the reason" "DIVERGED" "$P" solve poisson -mms -ksp_type richardson -ksp_richardson_scale 10 -pc_type none -ksp_max_it 20 -ksp_divtol 1e3
expect_fail "mistyped option" "unknown option -ksp_rtoll" "$P" solve poisson -ksp_rtoll 1e-8
expect_fail "unknown problem" "unknown problem 'heat'" "$P" solve heat
expect_fail "a dataset-only problem named for solve" "is a dataset (pdeop data antiderivative)" "$P" solve antiderivative
expect_fail "out-of-range dimension" "-dim must be 2 or 3" "$P" solve poisson -dim 4

# geometric multigrid through the DMDA (Galerkin coarse operators): a handful of iterations
"$P" solve poisson -da_grid_x 129 -ksp_type cg -pc_type mg -pc_mg_levels 5 -ksp_rtol 1e-8 -report mg.json -quiet
check "poisson 129^2 with geometric multigrid: few CG iterations (4 to 5 measured)" 'a <= 8' "$(jget mg.json iterations)"
"$P" solve darcy -da_grid_x 129 -ksp_type cg -pc_type mg -pc_mg_levels 5 -ksp_rtol 1e-8 -report dmg.json -quiet
check "darcy 129^2 with geometric multigrid converges" 'a > 0 && a < 60' "$(jget dmg.json iterations)"

# P1 FEM on the L-shaped Gmsh mesh
"$P" solve poisson -discretization fem -mesh "$PDEOP_SOURCE_DIR/examples/lshape.msh" -dm_refine 2 -mms -report l.json -vtk l.vtu -png l.png -o l.h5 -quiet
check "FEM on the L-shaped mesh: error small" 'a < 0.1' "$(jget l.json error)"
for f in l.vtu l.png l.h5; do [ -s $f ] && ok "FEM wrote $f" || bad "FEM: no $f"; done

# Darcy
"$P" solve darcy -da_grid_x 65 -ksp_type cg -pc_type gamg -report d.json -quiet
check "darcy solve converged" 'a > 0' "$(jget d.json iterations)"
check "darcy u_max between the a = 12 and a = 3 bounds (0.0737/12, 0.0737/3)" 'a > 0.0061 && a < 0.0246' "$(jget d.json u_max)"
"$P" data darcy -n 4 -res 17 -fine 65 -seed 1 -o d.h5 -report dd.json -quiet
check "data darcy wrote 4 samples" 'a == 4' "$(jget dd.json samples)"
"$P" fit -data d.h5 -epochs 1 -quiet -report fit.json && ok "the Darcy file is a readable dataset" || bad "cannot train on the Darcy file"
# a coefficient from a file: sample 0 of `data darcy -seed 1` is the field `solve darcy -seed 1` draws
"$P" data darcy -n 1 -res 33 -fine 33 -seed 1 -o a.h5 -quiet
"$P" solve darcy -da_grid_x 33 -seed 1 -ksp_rtol 1e-12 -report ra.json -quiet
"$P" solve darcy -da_grid_x 33 -darcy_coefficient_file a.h5 -ksp_rtol 1e-12 -report rb.json -quiet
check "darcy with the coefficient read from a file equals the drawn one" 'a - b < 1e-12 && b - a < 1e-12' "$(jget ra.json u_max)" "$(jget rb.json u_max)"
expect_fail "a coefficient file of the wrong size" "needs 4225" "$P" solve darcy -da_grid_x 65 -darcy_coefficient_file a.h5
expect_fail "uneven -fine/-res lists valid -res" "can be 3, 5, 9, 17, 33, 65" "$P" data darcy -n 2 -res 30 -fine 65 -o x.h5
[ ! -e x.h5 ] && ok "nothing written on error" || bad "x.h5 written despite the error"
if [ -n "${MPIEXEC:-}" ]; then
  $MPIEXEC -n 2 "$P" solve poisson -mms -da_grid_x 33 -da_grid_y 33 -ksp_rtol 1e-10 -report np2.json -quiet
  "$P" solve poisson -mms -da_grid_x 33 -da_grid_y 33 -ksp_rtol 1e-10 -report np1.json -quiet
  check "poisson error on 2 ranks equals 1 rank" 'a - b < 1e-8 && b - a < 1e-8' "$(jget np1.json error)" "$(jget np2.json error)"
  for m in box lshape; do
    mesh=(); [ $m = lshape ] && mesh=(-mesh "$PDEOP_SOURCE_DIR/examples/lshape.msh")
    "$P" solve poisson -discretization fem "${mesh[@]}" -dm_refine 3 -mms -ksp_rtol 1e-10 -report f1.json -quiet
    $MPIEXEC -n 2 "$P" solve poisson -discretization fem "${mesh[@]}" -dm_refine 3 -mms -ksp_rtol 1e-10 -report f2.json -quiet
    check "P1 FEM ($m) on 2 ranks: same unknowns" 'a == b' "$(jget f1.json unknowns)" "$(jget f2.json unknowns)"
    check "P1 FEM ($m) on 2 ranks: same error" 'a - b < 1e-9 && b - a < 1e-9' "$(jget f1.json error)" "$(jget f2.json error)"
  done
fi
# out of memory: one line that says where and what to do (not under ASan, which needs the address space)
# (grep reads all of ldd's output: with -q it could stop early, and pipefail would take ldd's SIGPIPE for "no")
# a KSP that computes no residual norm (preonly) reports the true residual, not 0: one Jacobi sweep
# of the 17^2 Poisson system leaves ||b - A x|| of the order of ||b||
"$P" solve poisson -mms -da_grid_x 17 -ksp_type preonly -pc_type jacobi -report pre.json -quiet
check "preonly: the reported residual is the true one (it was 0)" 'a > 1' "$(jget pre.json residual_norm)"
if ! ldd "$P" 2>/dev/null | grep libasan >/dev/null; then
  if out="$( (ulimit -v 2000000; "$P" solve poisson -da_grid_x 20000 -da_grid_y 20000) 2>&1)"; then bad "out of memory: exited 0"
  else echo "$out" | grep -q "out of memory in DMSetUp_DA_2D (the process held" && [ "$(echo "$out" | wc -l)" -eq 1 ] && ok "out of memory: one line naming the allocation" || bad "out of memory: $out"; fi
fi
finish
