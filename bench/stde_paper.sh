#!/usr/bin/env bash
# The STDE paper's table (Shi et al., NeurIPS 2024: STDE with 16 directions, two- and three-body
# problems on the unit ball, d = 100 ... 100,000) with `pdeop pinn -protocol stde`: one run per
# problem x d x seed (the paper's metric, the minimum test error over the evaluations every 1,000
# steps), then a table of mean +- std over the seeds beside the paper's numbers and the iterations
# per second against the paper's A100. Resumable: a run whose report exists is not run again, and a run
# stopped part-way continues from its last checkpoint (every 500 steps).
# Usage: bench/stde_paper.sh [-p "problems"] [-d "dims"] [-s seeds] [-x "pdeop options"] [-t tag]
#                            [-j parallel runs] [-n] [build dir, default build/]
#   problems: two-body-poisson two-body-allen-cahn two-body-sine-gordon three-body-allen-cahn
#             three-body-poisson (default: all five); dims default "100 1000 10000 100000"; seeds: a
#   count (5: seeds 1 to 5) or a quoted list ("4 5")
#   -x: options added to every run (an ablation, e.g. "-pinn_init glorot-uniform"), -t: its results
#   folder (default "protocol"); -n: print the table only, run nothing.
# One BLAS/OpenMP thread per run. Reports, kept in git so that the queue survives a change of machine:
# bench/results/stde_paper/<tag>/<problem>-d<d>-s<seed>.json; checkpoints and logs (not in git):
# bench/out/stde_paper/<tag>/.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
problems="two-body-poisson two-body-allen-cahn two-body-sine-gordon three-body-allen-cahn three-body-poisson"
dims="100 1000 10000 100000"
seeds=5 extra="" tag=protocol jobs=1 norun=0
while getopts "p:d:s:x:t:j:n" o; do
  case "$o" in
  p) problems="$OPTARG" ;; d) dims="$OPTARG" ;; s) seeds="$OPTARG" ;; x) extra="$OPTARG" ;;
  t) tag="$OPTARG" ;; j) jobs="$OPTARG" ;; n) norun=1 ;;
  *) echo "usage: bench/stde_paper.sh [-p problems] [-d dims] [-s seeds] [-x options] [-t tag] [-j n] [-n] [build]" >&2; exit 1 ;;
  esac
done
shift $((OPTIND - 1))
if [[ "$seeds" =~ ^[1-9][0-9]*$ ]]; then seeds=$(seq -s " " 1 "$seeds"); fi
[[ "$seeds" =~ ^[1-9][0-9]*( [1-9][0-9]*)*$ ]] || { echo "stde_paper.sh: -s needs a number of seeds or a list of seeds, got '$seeds'" >&2; exit 1; }
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "stde_paper.sh: -j needs a positive number of runs, got '$jobs'" >&2; exit 1; }
bench_build stde_paper.sh "${1:-}" pdeop
P="$build/pdeop"
out="$root/bench/results/stde_paper/$tag"
work="$root/bench/out/stde_paper/$tag"
mkdir -p "$out" "$work"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

# the paper's STDE relative L2 errors at d = 100, 1K, 10K, 100K, and its it/s on an A100: |J| = 16
# directions, or with -x "... -stde_dirs 100" the paper's |J| = 100 row (two-body Allen-Cahn only)
dirs=$(echo " $extra " | sed -n 's/.* -stde_dirs \([0-9]*\) .*/\1/p')
dirs=${dirs:-16}
# one line per problem: its four errors, then its four it/s
paper_row() {
  if [ "$dirs" = 100 ]; then
    case "$1" in two-body-allen-cahn) echo "1.03e-2 6.21e-4 3.45e-3 2.59e-3 1035 1054 454 157" ;; *) echo "- - - - - - - -" ;; esac
    return
  fi
  [ "$dirs" = 16 ] || { echo "- - - - - - - -"; return; }
  case "$1" in
  two-body-poisson) echo "3.50e-3 4.91e-4 4.70e-3 3.49e-3 2020 1649 585 282" ;;
  two-body-allen-cahn) echo "1.89e-2 7.07e-4 8.33e-4 1.50e-3 1834 1559 588 283" ;;
  two-body-sine-gordon) echo "3.64e-3 5.40e-4 5.32e-3 9.56e-4 1926 1467 566 279" ;;
  three-body-allen-cahn) echo "9.97e-3 1.43e-3 6.21e-4 1.56e-5 1939 1840 1292 357" ;;
  three-body-poisson) echo "1.00e-2 1.02e-3 1.01e-4 9.26e-2 1991 1872 1276 364" ;;
  *) echo "stde_paper.sh: unknown problem '$1'" >&2; exit 1 ;;
  esac
}
paper() { paper_row "$1" | cut -d' ' -f1-4; }
paper_its() { paper_row "$1" | cut -d' ' -f5-8; }
for p in $problems; do paper_row "$p" >/dev/null; done # an unknown problem stops the script here
col() { case "$1" in 100) echo 1 ;; 1000) echo 2 ;; 10000) echo 3 ;; 100000) echo 4 ;; *) echo 0 ;; esac; }
pick() { [ "$2" -ge 1 ] && echo "$1" | cut -d' ' -f"$2" || echo -; }

run() { # problem d seed; a checkpoint every 500 steps (pinn -resume continues it exactly), so a run
  # stopped part-way (killed) goes on from there when the script is run again; a lock (flock, freed
  # when its holder exits) lets two invocations of the script share the work without running a run twice
  local report="$out/$1-d$2-s$3.json" name="$work/$1-d$2-s$3" sol="${1%%-*}-body" pde="${1#*-body-}" again=() lock
  [ -s "$report" ] && return 0
  exec {lock}>"$name.lock"
  flock -n "$lock" || { echo "skip: $1 d=$2 seed=$3 runs in another process" >&2; return 0; }
  [ -s "$report" ] && return 0
  [ -s "$name.ck.h5" ] && again=(-resume "$name.ck.h5") # a finished one too: pinn then evaluates it and writes the report
  rm -f "$name.failed"
  echo "run: $1 d=$2 seed=$3 $extra ${again[*]}" >&2
  # shellcheck disable=SC2086
  if nice "$P" pinn -protocol stde -solution "$sol" -pde "$pde" -dim "$2" -seed "$3" $extra -checkpoint_every 500 -o "$name.ck.h5" \
    "${again[@]}" -report "$name.json.part" -quiet >>"$name.log" 2>&1 && mv "$name.json.part" "$report"; then
    rm -f "$name.ck.h5" "$name.lock"
  else
    touch "$name.failed"
    echo "stde_paper.sh: $1 d=$2 seed=$3 failed, see $name.log" >&2
    return 1
  fi
}

started=$(date +%s) # a failure marker older than this invocation is not its own (the run may be in another process now)
if [ "$norun" = 0 ]; then
  for d in $dims; do for p in $problems; do paper "$p" >/dev/null; for s in $seeds; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    run "$p" "$d" "$s" &
  done; done; done
  wait
fi

every=$(echo " $extra " | sed -n 's/.* -eval_every \([0-9]*\) .*/\1/p')
echo "pdeop pinn -protocol stde $extra ($tag): the minimum relative L2 error over the evaluations every ${every:-1,000} steps, mean +- std (n - 1) over seeds $seeds"
echo
echo "| problem | d | paper (STDE, $dirs) | pdeop | seeds | final rel_l2 (mean) | s/iter wall | s/iter CPU | paper it/s (A100) | pdeop it/s (wall) | A100 / pdeop (wall) | A100 / pdeop (CPU) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for p in $problems; do for d in $dims; do
  c="$(col "$d")"
  vals="" fin="" spi="" cpu=""
  for s in $seeds; do
    f="$out/$p-d$d-s$s.json"
    [ -s "$f" ] || continue
    vals="$vals $(jget_or_empty "$f" rel_l2_min)" fin="$fin $(jget_or_empty "$f" rel_l2)"
    spi="$spi $(jget_or_empty "$f" s_per_iter)" cpu="$cpu $(jget_or_empty "$f" cpu_s_per_iter)"
  done
  echo "$p $d $(pick "$(paper "$p")" "$c") $(pick "$(paper_its "$p")" "$c") |$vals |$fin |$spi |$cpu" | awk -F'|' '
    function mean(s,  a, n, i, t) { n = split(s, a, " "); t = 0; for (i = 1; i <= n; i++) t += a[i]; return n ? t / n : "" }
    function sd(s,  a, n, i, m, t) { n = split(s, a, " "); if (n < 2) return ""; m = mean(s); t = 0; for (i = 1; i <= n; i++) t += (a[i] - m)^2; return sqrt(t / (n - 1)) }
    { split($1, h, " "); n = split($2, v, " ")
      if (n == 0) { printf "| %s | %s | %s | to run | 0 | - | - | - | %s | - | - | - |\n", h[1], h[2], h[3], h[4]; next }
      s = sd($2); w = mean($4); c = mean($5); its = w > 0 ? 1 / w : 0; itc = c > 0 ? 1 / c : 0
      printf "| %s | %s | %s | %.2e%s | %d | %.2e | %.4f | %.4f | %s | %.1f | %s | %s |\n", h[1], h[2], h[3], mean($2), s == "" ? "" : sprintf(" ± %.1e", s), n, mean($3), w, c, h[4], its, (h[4] != "-" && its > 0) ? sprintf("%.0f", h[4] / its) : "-", (h[4] != "-" && itc > 0) ? sprintf("%.0f", h[4] / itc) : "-" }'
done; done
failed=""
for p in $problems; do for d in $dims; do for s in $seeds; do
  f="$work/$p-d$d-s$s.failed"
  [ -e "$f" ] && [ "$(stat -c %Y "$f")" -ge "$started" ] && [ ! -s "$out/$p-d$d-s$s.json" ] && failed="$failed $p-d$d-s$s"
done; done; done
if [ -n "$failed" ]; then
  echo
  echo "failed (see their logs in $work/):$failed"
  exit 1
fi
