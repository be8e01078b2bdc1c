#!/usr/bin/env bash
# Lid-driven cavity at 129^2 nodes, Re = 100 and 1000: wall time to steady state, steps, pressure CG
# iterations per step with jacobi, icc, gamg and hypre, the share of time in the pressure solve, and
# the largest differences from Ghia, Ghia & Shin (1982) along x = 1/2 (u) and y = 1/2 (v). Prints a table.
# Steady tolerance 1e-5 on max |du/dt|, pressure CG to rtol 1e-8 from the last pressure. Writes the
# profiles against Ghia's points to cavity_ghia_re<Re>_<n>.png in the current directory.
# Usage: bench/cavity.sh [n=129] [pcs="jacobi icc gamg hypre"]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-129}
pcs=${2:-jacobi icc gamg hypre}
export OPENBLAS_NUM_THREADS=1
bench_need "$pdeop"
bench_tmp
f() { awk -v x="$1" 'BEGIN { printf "%.3g", x }'; }
echo "$(bench_machine); one rank"
echo
echo "| Re | pressure PC | steady | steps | wall s | pressure its/step | pressure share | max |u - Ghia| | max |v - Ghia| |"
echo "|---:|---|---|---:|---:|---:|---:|---:|---:|"
for re in 100 1000; do
  for pc in $pcs; do
    "$pdeop" solve cavity -re $re -n $n -steady_tol 1e-5 -pressure_ksp_rtol 1e-8 -pressure_ksp_type cg -pressure_pc_type $pc \
      -ghia_png "cavity_ghia_re${re}_${n}.png" -report "$tmp/r.json" -quiet
    r="$tmp/r.json"
    echo "| $re | $pc | $(jget $r steady) | $(jget $r steps) | $(f "$(jget $r seconds)") | $(f "$(jget $r pressure_iterations_mean)") | $(f "$(jget $r pressure_seconds_share)") | $(f "$(jget $r u_centerline_max_error_ghia)") | $(f "$(jget $r v_centerline_max_error_ghia)") |"
  done
done
