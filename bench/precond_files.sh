#!/usr/bin/env bash
# learned_ic trained on the user's own systems: families pdeop does not generate, written to PETSc
# binary files by bench_write_systems (anisotropic diffusion; an i.i.d. per-node 12/3 coefficient),
# `pdeop precond train -f` on the training file, then `pdeop precond bench -f` on a held-out file
# (CG, rtol 1e-8): ICC(0), GAMG, BoomerAMG, learned_ic without the set-up trial
# (-pc_learned_ic_fallback none), with it (the default: a trial every 20 set-ups) and with a trial at
# every set-up (-pc_learned_ic_trial_every 1). Resumable: every file, model and
# report under bench/out/precond_files/ is kept and a run whose result exists is skipped.
# Usage: [OUT=dir] bench/precond_files.sh [n=64] [train=50] [held=20]; prints the table.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
writer="${WRITER:-$root/build/bench_write_systems}"
n=${1:-64}
ntrain=${2:-50}
nheld=${3:-20}
out="${OUT:-$root/bench/out/precond_files}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
bench_need "$pdeop" "$writer"
mkdir -p "$out"
bench_machine
for kind in aniso iid; do
  tag="${kind}_${n}"
  bench_family_files "$writer" "$out" "$tag" "$kind" "$n" "$ntrain" "$nheld"
  [ -s "$out/$tag.h5" ] || "$pdeop" precond train -type learned_ic -f "$out/$tag.train.petsc" -o "$out/$tag.h5" -report "$out/$tag.train.json" -quiet >/dev/null 2>&1
  [ -s "$out/$tag.bench_none.json" ] || "$pdeop" precond bench -f "$out/$tag.held.petsc" -model "$out/$tag.h5" -learned_ic_pc_learned_ic_fallback none -report "$out/$tag.bench_none.json" >/dev/null 2>&1
  [ -s "$out/$tag.bench_trial.json" ] || "$pdeop" precond bench -f "$out/$tag.held.petsc" -model "$out/$tag.h5" -methods icc,learned_ic -report "$out/$tag.bench_trial.json" >/dev/null 2>"$out/$tag.trial.err"
  [ -s "$out/$tag.bench_every1.json" ] || "$pdeop" precond bench -f "$out/$tag.held.petsc" -model "$out/$tag.h5" -methods icc,learned_ic -learned_ic_pc_learned_ic_trial_every 1 -report "$out/$tag.bench_every1.json" >/dev/null 2>&1
done
echo
echo "CG to rtol 1e-8, $nheld held-out systems at ${n}^2 per family (learned_ic trained on $ntrain systems of the same family, $((ntrain / 5)) of them validating), iterations per system and total seconds (set-up + solve) over the held-out file:"
echo
echo "| family | ICC(0) its | learned_ic its (no trial) | ratio | learned_ic its (trial) | ICC(0) s | learned_ic s (no trial) | learned_ic s (trial) | trial s per system (of an ICC(0) solve) | trial at every set-up: s per system (of an ICC(0) solve) | GAMG its, s | BoomerAMG its, s | training s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for kind in aniso iid; do
  tag="${kind}_${n}"
  a="$out/$tag.bench_none.json"
  t="$out/$tag.bench_trial.json"
  e="$out/$tag.bench_every1.json"
  [ -s "$a" ] && [ -s "$t" ] && [ -s "$e" ] || { echo "| $kind | (missing) |"; continue; }
  awk -v k="$kind" -v N="$nheld" -v ii="$(jget $a icc_iterations)" -v li="$(jget $a learned_ic_iterations)" -v ti="$(jget $t learned_ic_iterations)" \
      -v is="$(jget $a icc_total_seconds)" -v ls="$(jget $a learned_ic_total_seconds)" -v ts="$(jget $t learned_ic_total_seconds)" \
      -v tt="$(jget $t learned_ic_trial_seconds)" -v tic="$(jget $t icc_solve_seconds)" -v et="$(jget $e learned_ic_trial_seconds)" -v eic="$(jget $e icc_solve_seconds)" \
      -v gi="$(jget $a gamg_iterations)" -v gs="$(jget $a gamg_total_seconds)" -v hi="$(jget $a hypre_iterations)" -v hs="$(jget $a hypre_total_seconds)" -v tr="$(jget "$out/$tag.train.json" seconds)" \
      'BEGIN{printf "| %s | %.1f | %.1f | %.2f | %.1f | %.3f | %.3f | %.3f | %.4f (%.0f%%) | %.4f (%.0f%%) | %.1f, %.3f | %s | %.1f |\n", k, ii/N, li/N, li/ii, ti/N, is, ls, ts, tt/N, 100*tt/tic, et/N, 100*et/eic, gi/N, gs, (hi == "" ? "-" : sprintf("%.1f, %.3f", hi/N, hs)), tr}'
done
echo
for kind in aniso iid; do
  t="$out/${kind}_${n}.bench_trial.json"
  [ -s "$t" ] && echo "$kind: with the trial, ICC(0) ran on $(jget "$t" learned_ic_fallbacks) of $nheld held-out systems"
done
