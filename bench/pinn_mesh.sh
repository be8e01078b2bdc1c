#!/usr/bin/env bash
# Low-dimensional PINNs on PETSc meshes (`pdeop pinn -domain mesh`): the Helmholtz benchmark of Wang,
# Teng & Perdikaris with and without learning-rate annealing of the boundary weight, and Poisson on
# the L-shaped Gmsh mesh against pdeop's P1 FEM solution. Prints markdown tables.
# Usage: bench/pinn_mesh.sh [helmholtz|lshape|all] [build dir, default build/]
# Env: ITERS (Helmholtz iterations, 40000 as the reference code), SEEDS ("1 2 3"),
#      LITERS (L-shape iterations, 20000), JOBS (runs at a time, 2).
# One BLAS thread per run; JOBS runs share the machine, so s/iter is per run, not per core.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
what="${1:-all}"
bench_build pinn_mesh.sh "${2:-}" pdeop
P="$build/pdeop"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
ITERS=${ITERS:-40000}
SEEDS=${SEEDS:-1 2 3}
LITERS=${LITERS:-20000}
JOBS=${JOBS:-2}
bench_tmp
fmt() { awk -v a="$1" -v f="${2:-%.3g}" 'BEGIN{ if (a == "") print "-"; else printf f, a }'; }
# run NAME ARGS...: one pdeop pinn -domain mesh run in the background, JOBS at a time
run() {
  local name="$1"; shift
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
  "$P" pinn -domain mesh "$@" -report "$tmp/$name.json" -quiet >"$tmp/$name.out" 2>&1 &
}
echo "machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(date -u +%Y-%m-%d); $JOBS runs at a time"

if [ "$what" = helmholtz ] || [ "$what" = all ]; then
  # u = sin(pi x) sin(4 pi y) on [-1,1]^2, Delta u + u = q; MLP 2-50-50-50-1 tanh, Adam 1e-3 x 0.9 per
  # 1000 steps, 128 residual + 128 boundary points per step (the reference code's set-up; it sums four
  # edge losses, so its fixed weight 1 is our 4). FEM on the same 32 x 32 box mesh for reference.
  modes=("fixed 1:-pinn_weights fixed -boundary_weight 1" "fixed 4:-pinn_weights fixed -boundary_weight 4"
         "annealing (weighted):-pinn_weights annealing" "annealing (unweighted):-pinn_weights annealing -annealing_form unweighted")
  for s in $SEEDS; do
    for m in "${!modes[@]}"; do run "h_${m}_$s" -pde helmholtz -dm_plex_box_faces 32,32 -iters "$ITERS" -seed "$s" ${modes[$m]#*:}; done
  done
  wait
  echo
  echo "Helmholtz (a = (1, 4), k = 1), $ITERS iterations, seeds: $SEEDS"
  echo
  echo "| boundary weight | rel. L2 error per seed | median | final weight (seed ${SEEDS%% *}) | s/iter | FEM rel. L2 (32², P1) |"
  echo "|---|---|---|---|---|---|"
  for m in "${!modes[@]}"; do
    errs=(); for s in $SEEDS; do errs+=("$(fmt "$(jget_or_empty "$tmp/h_${m}_$s.json" rel_l2)" %.3e)"); done
    first="$tmp/h_${m}_${SEEDS%% *}.json"
    med="$(printf '%s\n' "${errs[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
    echo "| ${modes[$m]%%:*} | ${errs[*]} | $med | $(fmt "$(jget_or_empty "$first" boundary_weight)") | $(fmt "$(jget_or_empty "$first" s_per_iter)" %.2e) | $(fmt "$(jget_or_empty "$first" fem_rel_l2)" %.2e) |"
  done
fi

if [ "$what" = lshape ] || [ "$what" = all ]; then
  # -Delta u = 1 on the L-shape, u = 0 on its boundary (a corner singularity, no closed form): the
  # PINN against the P1 FEM solution on the same mesh (examples/lshape.msh refined 3 times: 1,536 triangles)
  lmodes=("fixed 1:-pinn_weights fixed" "fixed 100:-pinn_weights fixed -boundary_weight 100" "annealing:-pinn_weights annealing")
  for m in "${!lmodes[@]}"; do run "l_$m" -pde poisson -mesh "$root/examples/lshape.msh" -dm_refine 3 -iters "$LITERS" ${lmodes[$m]#*:}; done
  wait
  echo
  echo "Poisson -Δu = 1 on the L-shaped mesh, $LITERS iterations: PINN against P1 FEM"
  echo
  echo "| boundary weight | ‖u_PINN − u_FEM‖ / ‖u_FEM‖ | final weight | s/iter | triangles | FEM CG iterations |"
  echo "|---|---|---|---|---|---|"
  for m in "${!lmodes[@]}"; do
    r="$tmp/l_$m.json"
    echo "| ${lmodes[$m]%%:*} | $(fmt "$(jget_or_empty "$r" rel_l2_fem)" %.3e) | $(fmt "$(jget_or_empty "$r" boundary_weight)") | $(fmt "$(jget_or_empty "$r" s_per_iter)" %.2e) | $(jget_or_empty "$r" cells) | $(jget_or_empty "$r" fem_iterations) |"
  done
fi
