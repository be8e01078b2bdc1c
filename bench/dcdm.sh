#!/usr/bin/env bash
# Deep conjugate directions (-ksp_type dcdm) against CG and ICC(0)-CG on the Poisson operator (2D,
# or 3D, the paper's setting): trains dcdm's default network (a linear learned V-cycle, Kaneda et
# al.'s loss on Ritz-vector right-hand sides) at each training grid, then solves the Poisson problem
# at each solve grid to rtol 1e-8 with every model and with PETSc's CG (none, icc, gamg). Prints
# iterations and seconds. Extra arguments go to every `precond train` (e.g. -epochs 40 -samples 512).
# Usage: bench/dcdm.sh [train grids="33 65"] [solve grids="33 65 129"] [dim=2] [train options...]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
train=${1:-"33 65"}
grids=${2:-"33 65 129"}
dim=${3:-2}
shift $(($# < 3 ? $# : 3))
sup=$([ "$dim" = 3 ] && echo "^3" || echo "^2")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
bench_need "$pdeop"
# shellcheck source=../scripts/openblas-core.sh
. "$root/scripts/openblas-core.sh"
pdeop_openblas_core "$pdeop"
bench_tmp
echo "$(bench_machine); $PDEOP_BLAS_NOTE"
for t in $train; do
  /usr/bin/time -f "%e" -o "$tmp/time$t" "$pdeop" precond train -type dcdm -problem poisson -dim "$dim" -res "$t" "$@" -o "$tmp/dcdm$t.h5" -report "$tmp/train$t.json" -heldout 0 -quiet >/dev/null
  echo "dcdm trained at ${t}${sup}: $(jget "$tmp/train$t.json" params) parameters, final loss $(jget "$tmp/train$t.json" final_loss), $(cat "$tmp/time$t") s on one core"
done
echo
echo "| grid | method | iterations | setup s | solve s |"
echo "|---:|---|---:|---:|---:|"
for n in $grids; do
  run() {
    local name=$1
    shift
    "$pdeop" solve poisson -dim "$dim" -da_grid_x "$n" -ksp_rtol 1e-8 "$@" -report "$tmp/r.json" -quiet >/dev/null
    printf "| %s | %s | %s | %.4f | %.4f |\n" "${n}${sup}" "$name" "$(jget "$tmp/r.json" iterations)" "$(jget "$tmp/r.json" setup_seconds)" "$(jget "$tmp/r.json" solve_seconds)"
  }
  run "CG" -ksp_type cg -pc_type none
  run "ICC(0)-CG" -ksp_type cg -pc_type icc
  run "GAMG-CG" -ksp_type cg -pc_type gamg
  for t in $train; do run "dcdm (trained at ${t}${sup})" -ksp_type dcdm -ksp_dcdm_model "$tmp/dcdm$t.h5" -pc_type none; done
done
