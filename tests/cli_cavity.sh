# End-to-end tests of the lid-driven cavity: Re = 100 on a 33 x 33 node grid against Ghia, Ghia & Shin
# (1982), the same steady state on 1 and 2 ranks, the pressure KSP taking PETSc's and pdeop's
# preconditioners (learned_ic trained on the cavity's own pressure operator), outputs, and errors.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
P="$PDEOP"
M="${MPIEXEC:-mpiexec} -n 2"

$P solve cavity -re 100 -n 33 -o c.h5 -png c.png -vtk c.vts -ghia_png g.png -report r.json -quiet
for k in steps seconds pressure_iterations_mean steady re n dt final_change final_divergence pressure_seconds_share u_centerline_max_error_ghia v_centerline_max_error_ghia; do [ -n "$(jget r.json $k)" ] && ok "report has $k" || bad "report lacks $k"; done
check "steady state reached" 'a == "true"' "$(jget r.json steady)"
# Ghia's table is accurate to about 1e-3 (their 129^2 multigrid solution); the second-order MAC
# scheme at 33^2 measured 0.0020 at the worst of the 17 points; 0.01 is half the issue's 0.02 bound
# for 129^2 and five times what we measure, so a broken advection or boundary term fails it
check "u on x = 1/2 within 0.01 of Ghia at Re 100" 'a < 0.01' "$(jget r.json u_centerline_max_error_ghia)"
# v along y = 1/2 (Ghia's Table II): 0.0084 measured at 33^2, at the sharp minimum near x = 0.81
# that 32 cells resolve worst; the bound 0.015 is under the issue's 0.02 and 1.8 times the measurement
check "v on y = 1/2 within 0.015 of Ghia at Re 100" 'a < 0.015' "$(jget r.json v_centerline_max_error_ghia)"
check "divergence-free" 'a < 1e-6' "$(jget r.json final_divergence)"
grep -q 'WholeExtent="0 32 0 32 0 0"' c.vts && grep -q 'Name="cavity.psi"' c.vts && ok "VTK: the node fields on the 33 x 33 grid" || bad "VTK file lacks the node grid or psi"
[ -s c.h5 ] && [ -s c.png ] && [ -s c.vts ] && [ -s g.png ] && ok "HDF5, PNGs and VTK written" || bad "outputs missing"

$M $P solve cavity -re 100 -n 33 -report r2.json -quiet
check "1 and 2 ranks: same centerline (to solver tolerance)" 'a - b < 1e-6 && b - a < 1e-6' "$(jget r.json u_centerline_max_error_ghia)" "$(jget r2.json u_centerline_max_error_ghia)"

$P precond train -type learned_ic -problem cavity -res 33 -count 4 -o icp.h5 -quiet -report t.json >/dev/null
$P solve cavity -re 100 -n 33 -pressure_ksp_type cg -pressure_pc_type learned_ic -pressure_pc_learned_model icp.h5 -report r3.json -quiet
check "pressure KSP with -pressure_pc_type learned_ic: same flow" 'a - b < 1e-6 && b - a < 1e-6' "$(jget r3.json u_centerline_max_error_ghia)" "$(jget r.json u_centerline_max_error_ghia)"
$P solve cavity -re 100 -n 33 -pressure_ksp_type cg -pressure_pc_type jacobi -report r4.json -quiet
check "learned_ic needs fewer pressure iterations than jacobi" 'a < b' "$(jget r3.json pressure_iterations_mean)" "$(jget r4.json pressure_iterations_mean)"

expect_fail "time step too large" "CFL" $P solve cavity -re 100 -n 33 -dt 0.2
expect_fail "even -n" "-n must be odd" $P solve cavity -n 32
expect_fail "negative Reynolds number" "-re" $P solve cavity -re -5
# a march that reaches -t_max short of steady: an error, with its last state and report written
expect_fail "short of steady is an error" "no steady state by t" $P solve cavity -n 9 -t_max 0.05 -o short.h5 -report short.json
[ -s short.h5 ] && ok "short of steady: the last state is written" || bad "short of steady: no short.h5"
check "short of steady: the report says so" 'a == "false"' "$(jget short.json steady)"
expect_fail "diverging pressure solve" "pressure solve" $P solve cavity -n 17 -pressure_ksp_type cg -pressure_pc_type none -pressure_ksp_max_it 2
finish
