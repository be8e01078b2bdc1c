#!/usr/bin/env bash
# Poisson benchmark: pdeop's solves against PETSc's own KSP tutorials (ex46 in 2D, ex45 in 3D, from
# Debian's libpetsc3.18-dev-examples, built here in a temporary directory; never part of pdeop).
# For each preconditioner: iterations, setup and solve seconds of
#   (a) PETSc's tutorial on its own operator,
#   (b) `pdeop solve -f` on exactly that system (dumped by the tutorial): the same operator, so the
#       same iterations are expected, and the time shows pdeop's overhead,
#   (c) `pdeop solve poisson` on its own 5/7-point operator on the same n^d node grid (its boundary
#       nodes are eliminated: (n-2)^d coupled unknowns, 0.4% fewer at n = 1025), with geometric
#       multigrid through the DMDA for mg (which ex46 cannot do: it attaches no DM to its KSP).
# Usage: bench/poisson.sh [n2d=1025] [n3d=129] [pcs="none jacobi icc gamg hypre mg"]; prints a table.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n2=${1:-1025}
n3=${2:-129}
pcs=${3:-none jacobi icc gamg hypre mg}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
ex=/usr/share/petsc/3.18/share/petsc/examples/src/ksp/ksp/tutorials
if [ ! -f "$ex/ex46.c" ]; then
  echo "installing libpetsc3.18-dev-examples (PETSc's tutorials, the peer of this benchmark)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libpetsc3.18-dev-examples >/dev/null
fi
bench_tmp
for e in ex45 ex46; do mpicc -O2 -o "$tmp/$e" "$ex/$e.c" $(pkg-config --cflags --libs petsc) -lm; done
bench_need "$pdeop"

# seconds of one event from -log_view
ev() { awk -v e="$1" '$1 == e {print $4; exit}' "$2"; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "-" || x == "" || x == "n/a") print x; else printf "%.3g", x }'; }
pcopts() { case "$1" in mg) echo "-pc_type mg -pc_mg_levels $2";; none) echo "-pc_type none";; *) echo "-pc_type $1";; esac; }

run() { # dim n pc ksp
  local dim=$1 n=$2 pc=$3 ksp=$4 levels exe grid
  if [ "$dim" = 2 ]; then exe=ex46; grid="-da_grid_x $n -da_grid_y $n"; levels=8; else exe=ex45; grid="-da_grid_x $n -da_grid_y $n -da_grid_z $n"; levels=5; fi
  local o="-ksp_type $ksp -ksp_rtol 1e-8 -ksp_norm_type unpreconditioned $(pcopts "$pc" "$levels")"
  # (a) the tutorial, dumping its system for (b)
  local dump=""
  [ -f "$tmp/sys$dim.petsc" ] || dump="-ksp_view_mat binary:$tmp/sys$dim.petsc -ksp_view_rhs binary:$tmp/sys$dim.petsc::append"
  local ai="n/a" as=0 asv=0
  if [ "$exe" = ex45 ] || [ "$pc" != mg ]; then
    "$tmp/$exe" $grid $o -ksp_converged_reason -log_view $dump > "$tmp/a.log" 2>&1 || true
    ai=$(grep -oE "iterations [0-9]+" "$tmp/a.log" | grep -oE "[0-9]+" | tail -1)
    as=$(ev PCSetUp "$tmp/a.log") # KSPSolve's event excludes the PC set-up KSPSetUp does first
    asv=$(ev KSPSolve "$tmp/a.log")
  fi
  # (b) the same system through pdeop solve -f (mg needs a grid: skipped)
  local bi="-" bs="-" bsv="-"
  if [ "$pc" != mg ]; then
    "$pdeop" solve -f "$tmp/sys$dim.petsc" $o -report "$tmp/b.json" -quiet > /dev/null 2>&1 && { bi=$(jget "$tmp/b.json" iterations); bs=$(jget "$tmp/b.json" setup_seconds); bsv=$(jget "$tmp/b.json" solve_seconds); }
  fi
  # (c) pdeop's own operator on the same node grid
  local m=$n
  local ci="-" cs="-" csv="-" cdims="-da_grid_x $m"
  "$pdeop" solve poisson -dim "$dim" $cdims $o -report "$tmp/c.json" -quiet > /dev/null 2>&1 && { ci=$(jget "$tmp/c.json" iterations); cs=$(jget "$tmp/c.json" setup_seconds); csv=$(jget "$tmp/c.json" solve_seconds); }
  printf "| %dD %d | %s %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" "$dim" "$n" "$ksp" "$pc" "${ai:-?}" "$(fmt "${as:-0}")" "$(fmt "${asv:-0}")" "$bi" "$(fmt "$bs")" "$(fmt "$bsv")" "$ci" "$(fmt "$cs")" "$(fmt "$csv")"
}

echo "| problem | method | ex iters | ex setup s | ex solve s | solve -f iters | setup s | solve s | pdeop poisson iters | setup s | solve s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for pc in $pcs; do run 2 "$n2" "$pc" cg; done
# ex45's 3D matrix is not symmetric (its boundary rows differ from the interior scaling): compare
# GMRES against it as it is; pdeop's 7-point operator is SPD and also runs with CG below
for pc in $pcs; do [ "$pc" = none ] && continue; run 3 "$n3" "$pc" gmres; done
for pc in $pcs; do
  m=$n3
  "$pdeop" solve poisson -dim 3 -da_grid_x "$m" -ksp_type cg -ksp_rtol 1e-8 -ksp_norm_type unpreconditioned $(pcopts "$pc" 5) -report "$tmp/c.json" -quiet > /dev/null 2>&1 &&
    printf "| 3D %d (pdeop, CG) | cg %s | | | | | | | %s | %s | %s |\n" "$n3" "$pc" "$(jget "$tmp/c.json" iterations)" "$(fmt "$(jget "$tmp/c.json" setup_seconds)")" "$(fmt "$(jget "$tmp/c.json" solve_seconds)")"
done
