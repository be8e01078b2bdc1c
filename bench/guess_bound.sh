#!/usr/bin/env bash
# The bound on what any initial guess saves CG + ICC(0) at rtol 1e-8 on Darcy (12/3 coefficient): the
# exact solution plus a smooth or a rough error of relative size 2e-2 ... 1e-4, on 5 coefficients at
# R^2 and (2R-1)^2 (bench/guess_bound.py; needs Debian's python3-petsc4py, which scripts/deps.sh installs).
# Usage: bench/guess_bound.sh [R=33] [build=build]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
R=${1:-33}
bench_build bench/guess_bound.sh "${2:-}" pdeop
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
systems=()
for n in "$R" $((2 * R - 1)); do
  for seed in 1 2 3 4 5; do
    "$build/pdeop" solve darcy -da_grid_x "$n" -da_grid_y "$n" -seed "$seed" -o_system "$work/s$n-$seed.petsc" -quiet >/dev/null
    systems+=("$work/s$n-$seed.petsc")
  done
done
bench_machine
/usr/bin/python3 "$root/bench/guess_bound.py" "${systems[@]}"
