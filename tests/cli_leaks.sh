# LeakSanitizer on pdeop's everyday commands (sanitizer builds only; a plain build skips it): each
# run must succeed with no leak report. The rest of the sanitizer pass runs with leak checking off,
# because the slow unwinder that LeakSanitizer needs to see through Open MPI's plugins (and so to
# apply tests/lsan.supp, which names only MPI's own libraries) makes every test several times slower.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
if ! ldd "$PDEOP" 2>/dev/null | grep libasan >/dev/null; then echo "ok - skipped: not a sanitizer build"; finish; exit 0; fi
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:halt_on_error=1:detect_stack_use_after_return=0"
export LSAN_OPTIONS="suppressions=$PDEOP_SOURCE_DIR/tests/lsan.supp:print_suppressions=0"
noleak() { # description, then the command
  local d="$1"; shift
  if "$@" >"$work/out" 2>"$work/err"; then
    if grep -q "LeakSanitizer" "$work/err"; then bad "$d: leaks: $(grep -A4 'leak of' "$work/err" | head -12)"; else ok "$d: no leak"; fi
  else
    bad "$d: failed: $(grep -A4 'leak of\|error' "$work/err" | head -12)"
  fi
}
M="-model fno -fno_width 4 -fno_modes 2 -fno_layers 1"
noleak "data darcy" "$PDEOP" data darcy -n 4 -res 9 -fine 17 -seed 1 -o tr.h5 -quiet
noleak "train (FNO, a test set, a log and its curve, a checkpoint)" "$PDEOP" train $M -data tr.h5 -test tr.h5 -epochs 2 -checkpoint_every 1 -log l.csv -o m.h5 -report t.json -quiet
noleak "train -resume" "$PDEOP" train -resume m.h5 -data tr.h5 -epochs 3 -o m2.h5 -quiet
noleak "eval" "$PDEOP" eval -model m.h5 -data tr.h5 -report e.json -quiet
noleak "predict" "$PDEOP" predict -model m.h5 -data tr.h5 -o p.h5 -quiet
noleak "solve poisson -o -vtk -png" "$PDEOP" solve poisson -da_grid_x 17 -da_grid_y 17 -o u.h5 -vtk u.vts -png u.png -quiet
noleak "solve darcy -o_system" "$PDEOP" solve darcy -da_grid_x 17 -da_grid_y 17 -o_system sys.petsc -quiet
noleak "solve -f" "$PDEOP" solve -f sys.petsc -ksp_type cg -quiet
noleak "precond train learned_ic" "$PDEOP" precond train -type learned_ic -problem darcy -res 16 -count 6 -epochs 2 -o ic.h5 -quiet
noleak "solve with learned_ic" "$PDEOP" solve darcy -da_grid_x 17 -da_grid_y 17 -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5 -quiet
noleak "pinn (STDE)" "$PDEOP" pinn -pde poisson -dim 8 -estimator stde -stde_dirs 4 -iters 20 -o pinn.h5 -quiet
noleak "fit -demo" "$PDEOP" fit -demo -epochs 2 -quiet
noleak "solve poisson on 2 ranks" $MPIEXEC -n 2 "$PDEOP" solve poisson -da_grid_x 17 -da_grid_y 17 -o u2.h5 -quiet
finish
