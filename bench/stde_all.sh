#!/usr/bin/env bash
# Everything the STDE tables need, resumable: the |J| = 16 table on problem 1 (five problems,
# d = 100 ... 100,000, five seeds), the |J| = 100 row (two-body Allen-Cahn), then the 1M-dimension run.
# The cells still missing from docs/benchmarks.md come first (d = 100,000 beyond two-body Poisson
# and Allen-Cahn seeds 1-3, then the |J| = 100 row), then every other run whose report is not in
# bench/results/ (which reproduces the published ones). Each run checkpoints as it goes, so killing
# this script loses at most 500 steps of each run in flight; run it again to go on. Two invocations
# (one per core) share the queue without running a run twice. About 30 CPU hours in all on the
# machines measured (docs/benchmarks.md).
# Usage: bench/stde_all.sh [build dir, default build/]; prints the tables at the end.
here="$(dirname "${BASH_SOURCE[0]}")"
p1="-pinn_problem_seed 1"
"$here/stde_paper.sh" -d 100000 -p "two-body-sine-gordon three-body-allen-cahn three-body-poisson" -x "$p1" -t problem1 "$@" >/dev/null
"$here/stde_paper.sh" -d 100000 -p two-body-allen-cahn -s "4 5" -x "$p1" -t problem1 "$@" >/dev/null
"$here/stde_paper.sh" -p two-body-allen-cahn -x "$p1 -stde_dirs 100" -t problem1_j100 "$@"
"$here/stde_paper.sh" -x "$p1" -t problem1 "$@"
"$here/stde_1m.sh" "$@"
