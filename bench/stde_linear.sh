#!/usr/bin/env bash
# The share of the two-body solution u* that is linear in x, per dimension and problem draw (bench/stde_linear.py):
# at d >= 10,000 the STDE protocol's networks learn u*'s radial part and none of its linear part in
# 10,000 steps, so this share is their error (docs/benchmarks.md). Writes each problem's coefficients with
# `pdeop pinn -iters 0` (under bench/out/stde_linear/, not in git), then prints one table row per problem;
# trained checkpoints given with -m are added, their error split into the linear part and the rest.
# Usage: bench/stde_linear.sh [-d "dims"] [-p "problem seeds"] [-m "trained checkpoints"] [-n points] [build dir]
#   defaults: -d "100 1000 10000 100000", -p 1, -n 2000. Needs /usr/bin/python3 with numpy and h5py.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dims="100 1000 10000 100000" problems=1 models="" npts=2000
while getopts "d:p:m:n:" o; do
  case "$o" in
  d) dims="$OPTARG" ;; p) problems="$OPTARG" ;; m) models="$OPTARG" ;; n) npts="$OPTARG" ;;
  *) echo "usage: bench/stde_linear.sh [-d dims] [-p problem seeds] [-m checkpoints] [-n points] [build]" >&2; exit 1 ;;
  esac
done
shift $((OPTIND - 1))
for v in $dims $problems $npts; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "stde_linear.sh: -d, -p and -n take positive whole numbers, got '$v'" >&2; exit 1; }
done
for m in $models; do [ -s "$m" ] || { echo "stde_linear.sh: no checkpoint $m" >&2; exit 1; }; done
/usr/bin/python3 -c "import numpy, h5py" 2>/dev/null || { echo "stde_linear.sh: needs /usr/bin/python3 with numpy and h5py (apt-get install python3-h5py)" >&2; exit 1; }
bench_build stde_linear.sh "${1:-}" pdeop
work="$root/bench/out/stde_linear"
mkdir -p "$work"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
files=()
for d in $dims; do
  for p in $problems; do
    f="$work/two-body-d$d-p$p.h5"
    if [ ! -s "$f" ]; then
      "$build/pdeop" pinn -protocol stde -solution two-body -pde poisson -dim "$d" -pinn_problem_seed "$p" -iters 0 \
        -test_points 10 -o "$f" > "$work/log.txt" 2>&1 || { echo "stde_linear.sh: pdeop pinn failed, see $work/log.txt" >&2; exit 1; }
    fi
    files+=("$f")
  done
done
echo "$(bench_machine); $npts points per problem"
/usr/bin/python3 "$root/bench/stde_linear.py" -n "$npts" -pdeop "$build/pdeop" "${files[@]}" $models
