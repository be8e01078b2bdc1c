#!/usr/bin/env bash
# Learned preconditioners against PETSc's: trains learned_ic at 64^2 on each Darcy family
# (threshold 12/3 and log-normal), then `pdeop precond bench` over sequences of held-out systems at
# 64^2, 128^2 and 256^2 (CG, rtol 1e-8): none, jacobi, sor (SSOR omega 1), icc, gamg, hypre,
# learned_sor (with the best fixed omega in hindsight at 64^2; cold, and warm-started from 100 training
# systems) and learned_ic (trained at 64^2 only).
# Usage: bench/precond.sh [count64=100] [count128=30] [count256=10]; prints the tables.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
c64=${1:-100}
c128=${2:-30}
c256=${3:-10}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
bench_need "$pdeop"
bench_tmp
bench_machine
for coef in threshold lognormal; do
  echo
  echo "## Darcy, $coef coefficient"
  /usr/bin/time -f "%e s wall, %M KiB peak" "$pdeop" precond train -type learned_ic -problem darcy -darcy_coefficient $coef -res 64 -count 100 -o "$tmp/ic_$coef.h5" -report "$tmp/train_$coef.json" -quiet 2>"$tmp/time_$coef"
  echo "training (100 systems at 64^2, 1 core): $(cat "$tmp/time_$coef"); $(grep -o '"heldout_iterations_learned_ic": [0-9.]*' "$tmp/train_$coef.json"), $(grep -o '"heldout_iterations_icc": [0-9.]*' "$tmp/train_$coef.json")"
  /usr/bin/time -f "%e s wall" "$pdeop" precond train -type learned_sor -problem darcy -darcy_coefficient $coef -res 64 -count 100 -o "$tmp/sor_$coef.bin" -heldout 0 -quiet 2>"$tmp/stime_$coef" >/dev/null
  echo "learned_sor warm start (every omega on the same 100 training systems, 1 core): $(cat "$tmp/stime_$coef")"
  for r in 64 128 256; do
    case $r in 64) c=$c64; m="none,jacobi,sor,icc,gamg,hypre,learned_sor,learned_ic" ;; 128) c=$c128; m="none,jacobi,sor,icc,gamg,hypre,learned_ic" ;; *) c=$c256; m="jacobi,sor,icc,gamg,hypre,learned_ic" ;; esac
    echo
    "$pdeop" precond bench -model "$tmp/ic_$coef.h5" -problem darcy -darcy_coefficient $coef -res $r -count $c -methods $m
    if [ $r = 64 ]; then
      echo
      echo "learned_sor started from the training systems' bandit (-sor_model), the same held-out sequence:"
      "$pdeop" precond bench -sor_model "$tmp/sor_$coef.bin" -problem darcy -darcy_coefficient $coef -res 64 -count $c -methods learned_sor | grep -A2 "^learned_sor:"
    fi
  done
done
