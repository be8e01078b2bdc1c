#!/usr/bin/env bash
# Everything the STDE tables need, in order, resumable: the |J| = 16 table on problem 1 (five problems,
# d = 100 ... 100,000, five seeds), the |J| = 100 row (two-body Allen-Cahn), then the 1M-dimension run.
# Each run checkpoints as it goes, so killing this script loses at most 500 steps of each run in
# flight; run it again to go on. Two invocations (one per core) share the queue without running
# a run twice. About 30 CPU hours in all on the machines measured (docs/benchmarks.md).
# Usage: bench/stde_all.sh [build dir, default build/]; prints the two tables at the end.
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/stde_paper.sh" -x "-pinn_problem_seed 1" -t problem1 "$@"
"$here/stde_paper.sh" -p two-body-allen-cahn -x "-pinn_problem_seed 1 -stde_dirs 100" -t problem1_j100 "$@"
"$here/stde_1m.sh" "$@"
