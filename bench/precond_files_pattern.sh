#!/usr/bin/env bash
# learned_ic on the families of bench/precond_files.sh (the same files: 64^2, seed 11, 50 training
# and 20 held-out systems) with the factor's pattern of ICC(0) (the default) and of IC(1) in the
# lines ordering (-ic_levels 1 -ic_ordering lines): training, then `pdeop precond bench -f HELD -model
# M.h5 -methods icc,learned_ic` without the set-up trial (-pc_learned_ic_fallback none), with it (the
# default) and with a trial at every set-up. Times are the median of REPEAT runs (default 3) of each
# bench; iterations are exact. Resumable: files, models and reports under OUT are kept.
# Usage: [OUT=dir] [REPEAT=3] bench/precond_files_pattern.sh [n=64] [train=50] [held=20]; prints the table.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
writer="${WRITER:-$root/build/bench_write_systems}"
n=${1:-64}
ntrain=${2:-50}
nheld=${3:-20}
repeat=${REPEAT:-3}
out="${OUT:-$root/bench/out/precond_files_pattern}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
bench_need "$pdeop" "$writer"
mkdir -p "$out"
bench_machine
patterns=("ic0:" "ic1lines:-ic_levels 1 -ic_ordering lines")
runs=("none:-learned_ic_pc_learned_ic_fallback none" "trial:" "every1:-learned_ic_pc_learned_ic_trial_every 1")
for kind in aniso iid; do
  tag="${kind}_${n}"
  bench_family_files "$writer" "$out" "$tag" "$kind" "$n" "$ntrain" "$nheld"
  for p in "${patterns[@]}"; do
    pt="${p%%:*}" popts="${p#*:}"
    m="$out/$tag.$pt"
    # shellcheck disable=SC2086
    [ -s "$m.h5" ] || "$pdeop" precond train -type learned_ic -f "$out/$tag.train.petsc" -o "$m.h5" -report "$m.train.json" $popts -quiet >/dev/null 2>&1
    for r in "${runs[@]}"; do
      rt="${r%%:*}" ropts="${r#*:}"
      for k in $(seq 1 "$repeat"); do
        # shellcheck disable=SC2086
        [ -s "$m.$rt.$k.json" ] || "$pdeop" precond bench -f "$out/$tag.held.petsc" -model "$m.h5" -methods icc,learned_ic $ropts -report "$m.$rt.$k.json" >/dev/null 2>&1
      done
    done
  done
done
med() { # median over the repeats of key $2 in reports $1.*.json
  for f in "$1".*.json; do jget "$f" "$2"; done | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
echo
echo "CG to rtol 1e-8, $nheld held-out systems at ${n}^2 per family, learned_ic trained on $ntrain systems of the family; its per system, seconds (set-up + solve) over the held-out file, medians of $repeat runs:"
echo
echo "| family | pattern | ICC(0) its | learned_ic its | ratio | ICC(0) s | learned_ic s (no trial) | learned_ic s (trial) | its with the trial | trial s per system (of an ICC(0) solve) | trial at every set-up (of an ICC(0) solve) | ICC(0) ran (trial) | training s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for kind in aniso iid; do
  for p in "${patterns[@]}"; do
    pt="${p%%:*}"
    m="$out/${kind}_${n}.$pt"
    [ -s "$m.none.1.json" ] && [ -s "$m.trial.1.json" ] && [ -s "$m.every1.1.json" ] || { echo "| $kind | $pt | (missing) |"; continue; }
    awk -v k="$kind" -v p="$pt" -v N="$nheld" -v ii="$(jget "$m.none.1.json" icc_iterations)" -v li="$(jget "$m.none.1.json" learned_ic_iterations)" \
        -v ti="$(jget "$m.trial.1.json" learned_ic_iterations)" -v fb="$(jget "$m.trial.1.json" learned_ic_fallbacks)" \
        -v is="$(med "$m.none" icc_total_seconds)" -v ls="$(med "$m.none" learned_ic_total_seconds)" -v ts="$(med "$m.trial" learned_ic_total_seconds)" \
        -v tt="$(med "$m.trial" learned_ic_trial_seconds)" -v tic="$(med "$m.trial" icc_solve_seconds)" \
        -v et="$(med "$m.every1" learned_ic_trial_seconds)" -v eic="$(med "$m.every1" icc_solve_seconds)" -v tr="$(jget "$m.train.json" seconds)" \
        'BEGIN{printf "| %s | %s | %.2f | %.2f | %.2f | %.4f | %.4f | %.4f | %.2f | %.5f (%.1f%%) | %.4f (%.0f%%) | %d of %d | %.1f |\n", k, p, ii/N, li/N, li/ii, is, ls, ts, ti/N, tt/N, 100*tt/tic, et/N, 100*et/eic, fb, N, tr}'
  done
done
