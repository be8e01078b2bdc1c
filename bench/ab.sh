#!/usr/bin/env bash
# Two builds or two settings of one command, alternated on a shared machine whose single runs move by
# 15% either way: runs A and B in turn N times, prints every run's numbers and then the medians of
# each column and their ratio B/A. A change is worth quoting only when its medians separate.
# Usage: bench/ab.sh [-n 4] [-k REGEX] 'command A' 'command B'
#   -k keeps the output lines matching REGEX (default: the whole output); every number on the kept
#      lines is a column, in order.
# Example (the FNO step with the spectral layer's row DFTs on sgemm, then on pdeop's own product):
#   bench/ab.sh -k 'per CPU second' \
#     'build/bench_fno_train -n 400 -timed_epochs 1 -n_infer 400 -spectral_direct false' \
#     'build/bench_fno_train -n 400 -timed_epochs 1 -n_infer 400'
set -euo pipefail
n=4 keep=''
while getopts n:k: opt; do
  case $opt in
  n) n=$OPTARG ;;
  k) keep=$OPTARG ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "bench/ab.sh: need two commands (got $#); see the usage in the script's header" >&2; exit 2; }
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench/ab.sh: -n must be a positive integer, got '$n'" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
numbers() { grep -E -- "${keep:-.}" | grep -oE -- '-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?' | tr '\n' ' '; }
echo "| run | command | numbers |"
echo "|---|---|---|"
for r in $(seq "$n"); do
  for side in A B; do
    if [ $side = A ]; then cmd=$1; else cmd=$2; fi
    out=$(bash -c "$cmd" 2>&1) || { echo "bench/ab.sh: command $side failed (run $r): $cmd" >&2; echo "$out" | tail -5 >&2; exit 1; }
    nums=$(printf '%s\n' "$out" | numbers)
    [ -n "$nums" ] || { echo "bench/ab.sh: command $side printed no numbers on the kept lines (-k '$keep')" >&2; exit 1; }
    echo "$nums" >> "$tmp/$side"
    echo "| $r | $side | $nums |"
  done
done
echo
awk 'function median(a, m,   t, i, j) { for (i = 1; i <= m; i++) t[i] = a[i]; for (i = 2; i <= m; i++) for (j = i; j > 1 && t[j-1] > t[j]; j--) { x = t[j]; t[j] = t[j-1]; t[j-1] = x } return m % 2 ? t[(m+1)/2] : (t[m/2] + t[m/2+1]) / 2 }
  FNR == 1 { f++ } { for (c = 1; c <= NF; c++) v[f, c, FNR] = $c; rows[f] = FNR; if (NF > cols) cols = NF }
  END {
    print "| column | median A | median B | B / A |"; print "|---|---|---|---|"
    for (c = 1; c <= cols; c++) {
      for (s = 1; s <= 2; s++) { delete a; for (r = 1; r <= rows[s]; r++) a[r] = v[s, c, r]; med[s] = median(a, rows[s]) }
      printf "| %d | %g | %g | %s |\n", c, med[1], med[2], med[1] != 0 ? sprintf("%.3f", med[2] / med[1]) : "-"
    }
  }' "$tmp/A" "$tmp/B"
