# End-to-end tests of the periodic Navier-Stokes solver and the FNO flow dataset: report keys,
# outputs, the same file from 1 and 2 ranks, and one clear message for bad options or a blow-up.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
P="$PDEOP"
M="${MPIEXEC:-mpiexec} -n 2"

$P solve ns-periodic -n 32 -T 0.05 -dt 1e-3 -ns_snapshots 5 -o ns.h5 -log ns.csv -png ns.png -report r.json -quiet
for k in steps seconds energy enstrophy max_vorticity cfl; do [ -n "$(jget r.json $k)" ] && ok "report has $k" || bad "report lacks $k"; done
check "50 steps" 'a == 50' "$(jget r.json steps)"
check "forced viscous flow: energy changes little in 0.05" 'a/b > 0.9 && a/b < 1.1' "$(jget r.json energy)" "$(jget r.json energy_initial)"
check "history CSV: 51 rows + header" 'a == 52' "$(wc -l < ns.csv)"
[ -s ns.h5 ] && [ -s ns.png ] && ok "HDF5 and PNG written" || bad "outputs missing"
$P solve ns-periodic -ns_init taylor-green -n 32 -nu 0.01 -dt 1e-3 -T 1 -report tg.json -quiet
check "Taylor-Green energy decays as exp(-4 nu t)" 'a/b/exp(-0.04) - 1 < 1e-9 && 1 - a/b/exp(-0.04) < 1e-9' "$(jget tg.json energy)" "$(jget tg.json energy_initial)"

$P data ns -n 3 -res 16 -fine 32 -T 12 -dt 1e-2 -seed 4 -o d1.h5 -quiet
$M $P data ns -n 3 -res 16 -fine 32 -T 12 -dt 1e-2 -seed 4 -o d2.h5 -quiet
cmp -s d1.h5 d2.h5 && ok "data ns: 1 and 2 ranks write the same file" || bad "data ns: files differ between 1 and 2 ranks"

expect_fail "-T not above -t_in" "-T" $P data ns -T 5 -o x.h5
expect_fail "-fine not a multiple of -res" "-fine" $P data ns -res 64 -fine 100 -o x.h5
expect_fail "negative viscosity" "-nu" $P data ns -nu -1 -o x.h5
expect_fail "odd grid" "even" $P solve ns-periodic -n 33
expect_fail "time step too large" "CFL" $P solve ns-periodic -n 64 -dt 0.5 -T 5
[ ! -e x.h5 ] && ok "nothing written by failed commands" || bad "x.h5 written"
finish
