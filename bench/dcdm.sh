#!/usr/bin/env bash
# Deep conjugate directions (-ksp_type dcdm) against CG and ICC(0)-CG on the Poisson operator (2D,
# or 3D, the paper's setting): trains dcdm's default network (a linear learned V-cycle, Kaneda et
# al.'s loss on Ritz-vector right-hand sides) at each training grid, then solves the Poisson problem
# at each solve grid to rtol 1e-8 with every model and with PETSc's CG (none, icc, gamg). Prints
# iterations and seconds. Extra arguments go to every `precond train` (e.g. -epochs 40 -samples 512).
# Usage: bench/dcdm.sh [train grids="33 65"] [solve grids="33 65 129"] [dim=2] [train options...]
# Models are kept in bench/out/dcdm/ and reused by a rerun with the same grid, dimension and options
# (resumable); REPEAT=n solves each case n times and keeps the fastest (default 1).
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
out="$root/bench/out/dcdm"
mkdir -p "$out"
repeat=${REPEAT:-1}
echo "$(bench_machine); $PDEOP_BLAS_NOTE"
for t in $train; do
  key="d${dim}-r${t}$(echo "$*" | tr -c 'A-Za-z0-9.\n' '_')"
  model="$out/dcdm-$key.h5"
  if [ ! -s "$model" ] || [ ! -s "$out/train-$key.json" ]; then
    /usr/bin/time -f "%e" -o "$out/time-$key" "$pdeop" precond train -type dcdm -problem poisson -dim "$dim" -res "$t" "$@" -o "$model" -report "$out/train-$key.json" -heldout 0 -quiet >/dev/null
  fi
  ln -sf "$model" "$tmp/dcdm$t.h5"
  echo "dcdm trained at ${t}${sup}: $(jget "$out/train-$key.json" params) parameters, final loss $(jget "$out/train-$key.json" final_loss), $(cat "$out/time-$key") s on one core"
done
echo
echo "| grid | method | iterations | setup s | solve s |"
echo "|---:|---|---:|---:|---:|"
for n in $grids; do
  run() { # the fastest of $repeat solves (by set-up + solve seconds)
    local name=$1 best="" k
    shift
    for k in $(seq 1 "$repeat"); do
      "$pdeop" solve poisson -dim "$dim" -da_grid_x "$n" -ksp_rtol 1e-8 "$@" -report "$tmp/r.json" -quiet >/dev/null
      local s t
      s=$(jget "$tmp/r.json" setup_seconds) t=$(jget "$tmp/r.json" solve_seconds)
      if [ -z "$best" ] || awk -v a="$s" -v b="$t" -v c="$best" 'BEGIN{exit !(a + b < c)}'; then
        best=$(awk -v a="$s" -v b="$t" 'BEGIN{print a + b}')
        cp "$tmp/r.json" "$tmp/best.json"
      fi
    done
    printf "| %s | %s | %s | %.4f | %.4f |\n" "${n}${sup}" "$name" "$(jget "$tmp/best.json" iterations)" "$(jget "$tmp/best.json" setup_seconds)" "$(jget "$tmp/best.json" solve_seconds)"
  }
  run "CG" -ksp_type cg -pc_type none
  run "ICC(0)-CG" -ksp_type cg -pc_type icc
  run "GAMG-CG" -ksp_type cg -pc_type gamg
  for t in $train; do run "dcdm (trained at ${t}${sup})" -ksp_type dcdm -ksp_dcdm_model "$tmp/dcdm$t.h5" -pc_type none; done
done
