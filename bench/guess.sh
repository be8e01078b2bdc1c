#!/usr/bin/env bash
# The neural-operator initial guess (-ksp_guess_type nop) over sequences of held-out Darcy systems:
# an FNO trained on `pdeop data darcy` at R^2 (solved on that grid), then 100 held-out coefficients
# at R^2 and at (2R-1)^2 (twice the resolution), each solved in turn by one KSP (bench_guess_seq):
# CG + ICC(0), CG + learned_ic (trained at R^2), CG + BoomerAMG (hypre), to rtol 1e-8 (and 1e-4),
# from a zero guess, the nop guess and PETSc's fischer guess. Iterations and total seconds per
# sequence (PC set-up, guess with inference, and solve). Resumable: a result whose file exists in
# OUT is not run again. One core.
# Usage: bench/guess.sh [out=bench/out/guess] [R=33] [count=100] [build=build]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out="${1:-$root/bench/out/guess}"
R=${2:-33}
count=${3:-100}
bench_build bench/guess.sh "${4:-}" pdeop bench_guess_seq
pdeop="$build/pdeop"
seq="$build/bench_guess_seq"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$out"
R2=$((2 * R - 1))
bench_machine

# data, the FNO and learned_ic (each made once)
[ -s "$out/train$R.h5" ] || "$pdeop" data darcy -n 512 -res "$R" -fine "$R" -seed 1 -o "$out/train$R.h5" -quiet
[ -s "$out/test$R.h5" ] || "$pdeop" data darcy -n 100 -res "$R" -fine "$R" -seed 3 -o "$out/test$R.h5" -quiet
for r in "$R" "$R2"; do
  [ -s "$out/heldout$r.h5" ] || "$pdeop" data darcy -n "$count" -res "$r" -fine "$r" -seed 2 -o "$out/heldout$r.h5" -quiet
done
if [ ! -s "$out/fno$R.h5" ]; then
  /usr/bin/time -f "%e" -o "$out/fno_time" "$pdeop" train -model fno -fno_width 16 -fno_modes 8 -fno_layers 4 -fno_hidden 64 \
    -batch_size 16 -lr 5e-3 -lr_schedule cosine -epochs 60 -data "$out/train$R.h5" -test "$out/test$R.h5" \
    -o "$out/fno$R.h5" -report "$out/fno_train.json" -quiet
fi
[ -s "$out/ic$R.h5" ] || "$pdeop" precond train -type learned_ic -problem darcy -res "$R" -count 32 -epochs 20 -o "$out/ic$R.h5" -quiet >/dev/null
echo "FNO: test relative L2 $(jget "$out/fno_train.json" test_rel_l2) at $R^2 after $(cat "$out/fno_time") s of training (1 core)"

pcopt() { case "$1" in icc) echo "-pc_type icc";; learned_ic) echo "-pc_type learned_ic -pc_learned_model $out/ic$R.h5";; hypre) echo "-pc_type hypre -pc_hypre_type boomeramg";; esac; }
gopt() { case "$1" in zero) echo "";; nop) echo "-ksp_guess_type nop -ksp_guess_nop_model $out/fno$R.h5";; fischer) echo "-ksp_guess_type fischer";; esac; }
for rtol in 1e-8 1e-4; do
  echo
  echo "CG to rtol $rtol, $count held-out systems per row; iterations (mean) and seconds (whole sequence: PC set-up, guess with inference, solve):"
  echo
  echo "| grid | PC | zero: its | s | nop: its | s | of which guess s | fischer: its | s |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for r in "$R" "$R2"; do
    for pc in icc learned_ic hypre; do
      row="| $r^2 | $pc"
      for g in zero nop fischer; do
        f="$out/r${r}_${pc}_${g}_$rtol.json"
        # shellcheck disable=SC2046
        [ -s "$f" ] || "$seq" -data "$out/heldout$r.h5" -count "$count" -ksp_rtol "$rtol" $(pcopt $pc) $(gopt $g) -o "$f" >/dev/null
        row="$row | $(printf %.2f "$(jget "$f" iterations_mean)") | $(printf %.3f "$(jget "$f" seconds)")"
        [ $g = nop ] && row="$row | $(printf %.3f "$(jget "$f" guess_seconds)")"
      done
      echo "$row |"
    done
  done
done
