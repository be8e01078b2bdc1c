# End-to-end test of the FEM field output: `solve poisson -discretization fem -mms -vtk u.vtu` names
# its arrays u and error (as the grid output does), the error is 0 on the Dirichlet boundary and
# falls as h^2.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
cd "$work"
M="${MPIEXEC:-mpiexec} -n 2"

# vtu_stats FILE: "max|error| on the boundary of the unit square, max|error| overall, points" from
# the ASCII .vtu (points and error arrays one line a point, pieces one after the other)
vtu_stats() {
  awk '
    /<Piece /           { base = np }
    /<Points>/          { inpts = 1; next }
    inpts && /<DataArray/ { next }
    inpts && /<\/DataArray>/ { inpts = 0; next }
    inpts               { x[np] = $1; y[np] = $2; np++; next }
    /Name="error"/      { inerr = 1; k = base; next }
    inerr && /<\/DataArray>/ { inerr = 0; next }
    inerr               { e = $1 < 0 ? -$1 : $1; if (e > emax) emax = e;
                          if (x[k] < 1e-12 || x[k] > 1 - 1e-12 || y[k] < 1e-12 || y[k] > 1 - 1e-12) { nb++; if (e > bmax) bmax = e }
                          k++; next }
    END { printf "%.3e %.3e %d %d\n", bmax, emax, np, nb }' "$1"
}

"$P" solve poisson -discretization fem -dm_plex_box_faces 8,8 -mms -vtk a.vtu -report a.json -quiet
"$P" solve poisson -discretization fem -dm_plex_box_faces 16,16 -mms -vtk b.vtu -quiet
grep -q 'Name="u"' a.vtu && grep -q 'Name="error"' a.vtu && ok "the arrays are named u and error" || bad "array names: $(grep -o 'Name="[^"]*"' a.vtu | tr '\n' ' ')"
grep -q 'Name="[^"]*\.0"' a.vtu && bad "PETSc's composite names remain" || ok "no composite names (uu.0, ...)"
[ "$(jget a.json output_vtk)" = a.vtu ] && ok "the report names the .vtu" || bad "report lacks output_vtk"
read -r ba ea na nba <<<"$(vtu_stats a.vtu)"
read -r bb eb nb nbb <<<"$(vtu_stats b.vtu)"
check "81 points on the 8 x 8 mesh, 32 on its boundary" 'a == 81 && b == 32' "$na" "$nba"
check "error 0 on the boundary vertices (8 x 8)" 'a < 1e-12' "$ba"
check "error 0 on the boundary vertices (16 x 16)" 'a < 1e-12' "$bb"
check "the error is not 0 inside" 'a > 1e-4' "$ea"
check "the nodal error falls as h^2 (8 -> 16: about 4x)" 'a / b > 3 && a / b < 5.5' "$ea" "$eb"
# two ranks: one piece each, the same boundary values
$M "$P" solve poisson -discretization fem -dm_plex_box_faces 8,8 -mms -vtk c.vtu -quiet
check "two ranks write two pieces" 'a == 2' "$(grep -c '<Piece ' c.vtu)"
read -r bc ec nc nbc <<<"$(vtu_stats c.vtu)"
check "two ranks: error 0 on the boundary" 'a < 1e-12' "$bc"
check "two ranks: the same largest error" '(a - b)^2 < 1e-20' "$ec" "$ea"
finish
