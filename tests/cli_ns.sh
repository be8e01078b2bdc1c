# End-to-end tests of the periodic Navier-Stokes solver and the FNO flow dataset: report keys,
# outputs, the same file from 1 and 2 ranks, and one clear message for bad options or a blow-up.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
P="$PDEOP"
M="${MPIEXEC:-mpiexec} -n 2"

# h5dims FILE DATASET: the dimensions of a dataset as "d0xd1x...", read by a tiny HDF5 C program
# (hdf5-tools, and so h5dump, is not among the build dependencies)
cat >h5dims.c <<'C'
#include <hdf5.h>
#include <stdio.h>
int main(int argc, char **argv)
{
  hsize_t dims[8];
  hid_t   f, d, s;
  int     n;
  if (argc != 3 || (f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) return 1;
  if ((d = H5Dopen2(f, argv[2], H5P_DEFAULT)) < 0) return 1;
  s = H5Dget_space(d);
  n = H5Sget_simple_extent_dims(s, dims, NULL);
  for (int i = 0; i < n; i++) printf(i ? "x%llu" : "%llu", (unsigned long long)dims[i]);
  printf("\n");
  H5Sclose(s), H5Dclose(d), H5Fclose(f);
  return 0;
}
C
h5ok=0
if ${CMAKE_C_COMPILER:-cc} -o h5dims h5dims.c $(pkg-config --cflags --libs hdf5-openmpi) 2>cc.log; then h5ok=1; else bad "h5dims reader does not build: $(head -3 cc.log)"; fi
h5dims() { if [ $h5ok = 1 ]; then ./h5dims "$1" "$2" 2>/dev/null || echo none; else echo unbuilt; fi; }
shape() { local got; got="$(h5dims "$1" "$2")"; [ "$got" = "$3" ] && ok "$1 $2 is $3" || bad "$1 $2 is $got, expected $3"; }

$P solve ns-periodic -ns_n 32 -T 0.05 -dt 1e-3 -ns_snapshots 5 -o ns.h5 -log ns.csv -png ns.png -report r.json -quiet
for k in steps seconds energy enstrophy max_vorticity cfl; do [ -n "$(jget r.json $k)" ] && ok "report has $k" || bad "report lacks $k"; done
check "CFL small and positive" 'a > 0 && a < 0.01' "$(jget r.json cfl)"
check "50 steps" 'a == 50' "$(jget r.json steps)"
check "forced viscous flow: energy changes little in 0.05" 'a/b > 0.9 && a/b < 1.1' "$(jget r.json energy)" "$(jget r.json energy_initial)"
check "history CSV: 51 rows + header" 'a == 52' "$(wc -l < ns.csv)"
[ -s ns.h5 ] && [ -s ns.png ] && ok "HDF5 and PNG written" || bad "outputs missing"
shape ns.h5 /inputs 1x1x32x32
shape ns.h5 /outputs 1x5x32x32
for k in time energy enstrophy cfl; do shape ns.h5 /history/$k 51; done
$P solve ns-periodic -ns_init taylor-green -n 32 -nu 0.01 -dt 1e-3 -T 1 -report tg.json -quiet
check "Taylor-Green energy decays as exp(-4 nu t)" 'a/b/exp(-0.04) - 1 < 1e-9 && 1 - a/b/exp(-0.04) < 1e-9' "$(jget tg.json energy)" "$(jget tg.json energy_initial)"

$P data ns -n 2 -res 16 -fine 32 -T 12 -dt 1e-3 -seed 4 -o d1.h5 -quiet
$M $P data ns -n 2 -res 16 -fine 32 -T 12 -dt 1e-3 -seed 4 -o d2.h5 -quiet
shape d1.h5 /inputs 2x10x16x16
shape d1.h5 /outputs 2x2x16x16
cmp -s d1.h5 d2.h5 && ok "data ns: 1 and 2 ranks write the same file" || bad "data ns: files differ between 1 and 2 ranks"
$P data ns-periodic -n 2 -res 16 -fine 32 -T 12 -dt 1e-3 -seed 4 -o d1r.h5 -quiet
cmp -s d1.h5 d1r.h5 && ok "data ns-periodic (the registry's name) writes what data ns writes" || bad "data ns-periodic differs from data ns"
expect_fail "data of a problem without a recipe lists the ones with" "choose one of: darcy ns-periodic antiderivative ns" $P data poisson -o p.h5
$P data ns -n 3 -res 8 -fine 16 -T 4 -t_in 3 -dt 1e-2 -seed 4 -o d3.h5 -quiet
$M $P data ns -n 3 -res 8 -fine 16 -T 4 -t_in 3 -dt 1e-2 -seed 4 -o d4.h5 -quiet
shape d3.h5 /inputs 3x3x8x8
shape d3.h5 /outputs 3x1x8x8
cmp -s d3.h5 d4.h5 && ok "data ns: 3 samples on 1 and 2 ranks (uneven split), same file" || bad "data ns: 3 samples differ between 1 and 2 ranks"

expect_fail "-T not above -t_in" "-T" $P data ns -T 5 -o x.h5
expect_fail "-res above -fine" "exceeds -fine" $P data ns -res 64 -fine 32 -o x.h5
expect_fail "-fine not a multiple of -res" "-fine" $P data ns -res 64 -fine 100 -o x.h5
expect_fail "negative viscosity" "-nu" $P data ns -nu -1 -o x.h5
expect_fail "negative viscosity (solve)" "-nu" $P solve ns-periodic -nu -1e-3 -o x.h5
expect_fail "odd grid" "even" $P solve ns-periodic -n 33
expect_fail "-n and -ns_n disagree" "disagree" $P solve ns-periodic -n 32 -ns_n 64
expect_fail "time step too large" "CFL number" $P solve ns-periodic -n 64 -dt 0.5 -T 5 -o x.h5 -log x.csv -png x.png
grep -q "at step 1 " err && ok "the blow-up names the step" || bad "the blow-up message: $(cat err)"
[ "$(grep -c . err)" = 1 ] && ok "one line of error" || bad "error is $(grep -c . err) lines: $(cat err)"
[ ! -e x.h5 ] && [ ! -e x.csv ] && [ ! -e x.png ] && [ -z "$(ls x.* 2>/dev/null)" ] && ok "nothing written by failed commands" || bad "files written: $(ls x.*)"
finish
