# End-to-end test of `pdeop solve <problem> -o_system sys.petsc`: the assembled matrix and its
# right-hand side in PETSc binary, which `pdeop solve -f` solves again to the same numbers.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
cd "$work"
M="${MPIEXEC:-mpiexec} -n 2"

"$P" solve poisson -mms -da_grid_x 33 -da_grid_y 33 -ksp_type cg -pc_type jacobi -o_system s.petsc -report a.json -quiet
[ -s s.petsc ] && ok "solve poisson -o_system wrote s.petsc" || bad "no s.petsc"
[ "$(jget a.json output_system)" = s.petsc ] && ok "the report names the system file" || bad "report lacks output_system"
"$P" solve -f s.petsc -ksp_type cg -pc_type jacobi -report b.json -quiet
check "solve -f s.petsc: same iterations as the FD solve" 'a == b' "$(jget a.json iterations)" "$(jget b.json iterations)"
check "solve -f s.petsc: same solution norm" 'a > 0 && (a - b)^2 <= (1e-10 * a)^2' "$(jget a.json solution_norm)" "$(jget b.json solution_norm)"
[ "$(jget b.json rhs_from_file)" = true ] && ok "solve -f read the right-hand side" || bad "solve -f did not read the right-hand side"

# P1 FEM on a DMPlex, two ranks both ways
$M "$P" solve poisson -discretization fem -dm_plex_box_faces 8,8 -mms -ksp_type cg -pc_type jacobi -o_system f.petsc -report c.json -quiet
$M "$P" solve -f f.petsc -ksp_type cg -pc_type jacobi -report d.json -quiet
check "FEM system: same iterations" 'a == b' "$(jget c.json iterations)" "$(jget d.json iterations)"
check "FEM system: same solution norm" 'a > 0 && (a - b)^2 <= (1e-10 * a)^2' "$(jget c.json solution_norm)" "$(jget d.json solution_norm)"

# darcy too (any problem with an assembled system)
"$P" solve darcy -da_grid_x 33 -ksp_type cg -pc_type jacobi -o_system dz.petsc -report e.json -quiet
"$P" solve -f dz.petsc -ksp_type cg -pc_type jacobi -report g.json -quiet
check "darcy system: same iterations" 'a == b' "$(jget e.json iterations)" "$(jget g.json iterations)"

expect_fail "-o_system may not overwrite the -f input" "s.petsc" "$P" solve -f s.petsc -o_system s.petsc
expect_fail "-o_system without a name" "needs a file name" "$P" solve poisson -o_system
expect_fail "-o_system on a problem without a linear system" "no assembled linear system" "$P" solve ns-periodic -n 16 -T 0.01 -o_system w.petsc
finish
