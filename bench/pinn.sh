#!/usr/bin/env bash
# High-dimensional PINN benchmarks of `pdeop pinn` (STDE): accuracy on the two-body Poisson, Allen-Cahn
# and Sine-Gordon problems, cost per iteration and peak memory against d, and PyTorch's exact and
# Hutchinson Laplacian losses (bench/pinn_torch.py) beside pdeop's exact and stde. Prints tables.
# Usage: bench/pinn.sh [accuracy|cost|torch|all] [build dir, default build/]
# Env: ITERS (accuracy iterations, 10000), DIMS (accuracy dimensions, "100 1000"), PDES
#      ("poisson allen-cahn sine-gordon"), COST_DIMS ("10 100 1000 10000 100000"), COST_ITERS (30),
#      DIST (stde directions, sparse), V (directions per point, 16), PYTHON (/usr/bin/python3).
# One BLAS/OpenMP thread for every program (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, torch.set_num_threads).
# PyTorch is Debian's python3-torch (apt-get install python3-torch); without it those rows are skipped.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
what="${1:-all}"
bench_build pinn.sh "${2:-}" pdeop
P="$build/pdeop"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
ITERS=${ITERS:-10000}
DIMS=${DIMS:-100 1000}
PDES=${PDES:-poisson allen-cahn sine-gordon}
COST_DIMS=${COST_DIMS:-10 100 1000 10000 100000}
COST_ITERS=${COST_ITERS:-30}
DIST=${DIST:-sparse}
V=${V:-16}
PYTHON=${PYTHON:-/usr/bin/python3}
bench_tmp
bench_keep_freed_memory # both sides: see lib.sh
fmt() { awk -v a="$1" -v f="${2:-%.3g}" 'BEGIN{ if (a == "") print "-"; else printf f, a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b == 0) print "-"; else printf "%.3g", a / b }'; }

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc --all) cores; $(date -u +%Y-%m-%d); load average at start $(cut -d' ' -f1-3 /proc/loadavg); $bench_malloc_note"
echo "Network: MLP d -> 128 x 4 hidden layers (tanh) -> 1, u = (1 - |x|^2) N(x); batch 100; Adam 1e-3 decaying linearly to 0"
echo

if [ "$what" = accuracy ] || [ "$what" = all ]; then
  echo "## Accuracy: two-body problems, -estimator stde -stde_dist $DIST -stde_dirs $V, $ITERS iterations"
  echo
  echo "| PDE | d | rel. L2 error | test points | s/iter (wall) | s/iter (CPU) | training time (s) | peak memory (MB) |"
  echo "|---|---|---|---|---|---|---|---|"
  for d in $DIMS; do
    for pde in $PDES; do
      "$P" pinn -pde "$pde" -solution two-body -dim "$d" -estimator stde -stde_dist "$DIST" -stde_dirs "$V" -batch 100 \
        -iters "$ITERS" -seed 1 -quiet -report "$tmp/a.json" > /dev/null
      echo "| $pde | $d | $(fmt "$(jget_or_empty "$tmp/a.json" rel_l2)" %.2e) | $(jget_or_empty "$tmp/a.json" test_points) | $(fmt "$(jget_or_empty "$tmp/a.json" s_per_iter)" %.4f) | $(fmt "$(jget_or_empty "$tmp/a.json" cpu_s_per_iter)" %.4f) | $(fmt "$(jget_or_empty "$tmp/a.json" train_time_s)" %.0f) | $(fmt "$(jget_or_empty "$tmp/a.json" peak_memory_mb)" %.0f) |"
    done
  done
  echo
fi

if [ "$what" = cost ] || [ "$what" = all ]; then
  echo "## Cost against d: Poisson two-body, -estimator stde, $V directions per point, batch 100, width 128 ($COST_ITERS iterations after set-up; peak memory of the whole run)"
  echo
  echo "| d | stde_dist | s/iter (wall) | s/iter (CPU) | peak memory (MB) | first-layer parameters (MB, x4 with gradient and Adam moments) |"
  echo "|---|---|---|---|---|---|"
  for dist in sparse rademacher; do
    for d in $COST_DIMS; do
      # dense directions at d = 100,000 are 640 MB of random numbers per step: skipped
      if [ "$dist" = rademacher ] && [ "$d" -gt 10000 ]; then continue; fi
      "$P" pinn -dim "$d" -estimator stde -stde_dist "$dist" -stde_dirs "$V" -batch 100 -iters "$COST_ITERS" \
        -test_points 100 -quiet -report "$tmp/c.json" > /dev/null
      echo "| $d | $dist | $(fmt "$(jget_or_empty "$tmp/c.json" s_per_iter)" %.4f) | $(fmt "$(jget_or_empty "$tmp/c.json" cpu_s_per_iter)" %.4f) | $(fmt "$(jget_or_empty "$tmp/c.json" peak_memory_mb)" %.0f) | $(awk -v d="$d" 'BEGIN{printf "%.1f", 128 * (d + 1) * 4 / 1048576}') |"
    done
  done
  echo
fi

if [ "$what" = torch ] || [ "$what" = all ]; then
  d=1000
  echo "## Against PyTorch: one training iteration of the Poisson loss at d = $d (batch 100, width 128, 4 hidden layers, 1 thread each)"
  echo
  "$P" pinn -dim $d -estimator stde -stde_dist sparse -stde_dirs 16 -batch 100 -iters 20 -test_points 100 -quiet -report "$tmp/ps.json" > /dev/null
  "$P" pinn -dim $d -estimator stde -stde_dist rademacher -stde_dirs 16 -batch 100 -iters 20 -test_points 100 -quiet -report "$tmp/pr.json" > /dev/null
  "$P" pinn -dim $d -estimator exact -batch 100 -iters 2 -test_points 100 -quiet -report "$tmp/pe.json" > /dev/null
  texact="" thte="" cexact="" chte=""
  if "$PYTHON" -c "import torch" 2>/dev/null; then
    "$PYTHON" "$root/bench/pinn_torch.py" --dim $d --exact-iters 1 --hte-iters 10 > "$tmp/torch.txt"
    texact=$(awk '$1 == "exact" {print $2}' "$tmp/torch.txt")
    cexact=$(awk '$1 == "exact" {print $3}' "$tmp/torch.txt")
    thte=$(awk '$1 == "hutchinson" {print $2}' "$tmp/torch.txt")
    chte=$(awk '$1 == "hutchinson" {print $3}' "$tmp/torch.txt")
  else
    echo "(no PyTorch: install python3-torch for its rows)"
  fi
  echo "Ratios are of CPU time per iteration (user + system): the machine is shared, and CPU time does not count the waits other jobs cause."
  echo
  echo "| method | s/iter (wall) | s/iter (CPU) | PyTorch exact / this (CPU) | PyTorch Hutchinson / this (CPU) |"
  echo "|---|---|---|---|---|"
  row() { # label wall cpu
    echo "| $1 | $(fmt "$2" %.4f) | $(fmt "$3" %.4f) | $(ratio "$cexact" "$3") | $(ratio "$chte" "$3") |"
  }
  row "PyTorch exact (d second-derivative passes)" "$texact" "$cexact"
  row "PyTorch Hutchinson, 16 Rademacher vectors (forward-over-reverse)" "$thte" "$chte"
  row "pdeop exact (d axis jets, in chunks)" "$(jget_or_empty "$tmp/pe.json" s_per_iter)" "$(jget_or_empty "$tmp/pe.json" cpu_s_per_iter)"
  row "pdeop stde, 16 Rademacher directions" "$(jget_or_empty "$tmp/pr.json" s_per_iter)" "$(jget_or_empty "$tmp/pr.json" cpu_s_per_iter)"
  row "pdeop stde, 16 sparse directions" "$(jget_or_empty "$tmp/ps.json" s_per_iter)" "$(jget_or_empty "$tmp/ps.json" cpu_s_per_iter)"
  echo
fi
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
