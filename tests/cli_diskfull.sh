# A full disk while writing any output (simulated by pointing the output's temporary file at
# /dev/full, which fails every write with ENOSPC): one clear error, a non-zero exit, no crash, and
# the file that was there before byte for byte unchanged.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
[ -w /dev/full ] || { echo "ok - skipped: no /dev/full on this machine"; finish; exit 0; }
"$PDEOP" data darcy -n 6 -res 9 -fine 17 -seed 1 -o tr.h5 -quiet || { bad "making the data"; finish; }
M="-model fno -fno_width 4 -fno_modes 2 -fno_layers 1"
"$PDEOP" train $M -data tr.h5 -epochs 1 -o fno.h5 -quiet >/dev/null || { bad "training a model"; finish; }
"$PDEOP" solve poisson -da_grid_x 9 -o u.h5 -quiet || { bad "solve"; finish; }
cp tr.h5 d.h5; cp fno.h5 m.h5; cp u.h5 s.h5; echo '{}' > r.json; echo 'epoch' > log.csv; cp fno.h5 p.h5
full() { # description, the file whose temporary is the full disk, then the command (TMPNAME: its temporary, default file.tmp)
  local d="$1" f="$2"; shift 2
  local t="${TMPNAME:-$f.tmp}" before; before="$(md5sum "$f")"
  ln -sf /dev/full "$t"
  expect_fail "$d" "$f" "$@"
  grep -q "No space left on device\|disk may be full\|disk full" "$work/err" && ok "$d: says the disk is full" || bad "$d: no reason given: $(head -2 "$work/err")"
  if grep -q "Segmentation\|signal\|HDF5-DIAG\|PETSC ERROR" "$work/err"; then bad "$d: a crash or a raw trace: $(head -3 "$work/err")"; fi
  [ "$(md5sum "$f")" = "$before" ] && ok "$d: $f unchanged" || bad "$d: $f changed"
  rm -f "$t"
}
full "train -o on a full disk" m.h5 "$PDEOP" train $M -data tr.h5 -epochs 1 -o m.h5
full "train -checkpoint_every on a full disk" m.h5 "$PDEOP" train $M -data tr.h5 -epochs 3 -checkpoint_every 1 -o m.h5
full "data -o on a full disk" d.h5 "$PDEOP" data darcy -n 4 -res 9 -fine 17 -o d.h5
full "solve -o on a full disk" s.h5 "$PDEOP" solve poisson -da_grid_x 9 -o s.h5
cp u.h5 dy.h5
full "solve darcy -o (solution and coefficient) on a full disk" dy.h5 "$PDEOP" solve darcy -da_grid_x 9 -da_grid_y 9 -o dy.h5
full "solve -o on a full disk, 2 ranks (no hang in MPI-IO)" s.h5 timeout 120 ${MPIEXEC:-mpiexec} -n 2 "$PDEOP" solve poisson -da_grid_x 9 -o s.h5
echo prev > cv.vts
TMPNAME=cv.tmp.vts full "solve cavity -vtk on a full disk" cv.vts "$PDEOP" solve cavity -n 9 -re 10 -vtk cv.vts
echo prev > v.vts
TMPNAME=v.tmp.vts full "solve -vtk (.vts) on a full disk" v.vts "$PDEOP" solve poisson -da_grid_x 65 -vtk v.vts
full "eval -report on a full disk" r.json "$PDEOP" eval -model fno.h5 -data tr.h5 -report r.json
full "predict -o on a full disk" p.h5 "$PDEOP" predict -model fno.h5 -data tr.h5 -o p.h5
"$PDEOP" pinn -dim 4 -iters 2 -o pn.h5 -save_points pts.h5 -quiet >/dev/null || bad "pinn -o"
full "pinn -o (parameters and coefficients) on a full disk" pn.h5 "$PDEOP" pinn -dim 4 -iters 2 -o pn.h5
grep -q "\.part" "$work/err" && bad "pinn -o: the message names a .part file: $(head -1 "$work/err")" || ok "pinn -o: the message names the output, not an intermediate file"
"$PDEOP" predict -model pn.h5 -points pts.h5 -o pv.h5 -quiet >/dev/null 2>&1 && ok "the pinn checkpoint left in place still loads" || bad "the pinn checkpoint left in place does not load"
# a new CSV log goes to log.csv.tmp until its first row is written; then it replaces log.csv and
# grows in place (a resumed run appends to its existing log in place: a disk that fills up then
# stops the run at that epoch with the same message, which /dev/full cannot show)
# a log that is a device: refused before any work (its "history" was once read: /dev/zero never ends)
ln -sf /dev/zero z.csv
rc=0
timeout 120 "$PDEOP" train -resume fno.h5 -data tr.h5 -epochs 2 -log z.csv -quiet >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] && [ -L z.csv ] && ok "train -resume -log naming a device: refused at once, the link kept" || bad "train -resume -log naming a device: exit $rc"
TMPNAME=log.csv.tmp full "train -log (a new log) on a full disk" log.csv "$PDEOP" train $M -data tr.h5 -epochs 2 -log log.csv -curve_png c.png
"$PDEOP" solve poisson -da_grid_x 9 -o_system sy.petsc -quiet >/dev/null || bad "solve -o_system"
TMPNAME=sy.petsc.tmp full "solve -o_system on a full disk (it wrote in place)" sy.petsc "$PDEOP" solve poisson -da_grid_x 9 -o_system sy.petsc
"$PDEOP" solve -f sy.petsc -quiet >/dev/null && ok "the system left in place still loads" || bad "the system left in place does not load"
# the other writers: CSV histories, ASCII .vtu, learned_sor's state and its log
echo prev > ns.csv
full "solve ns-periodic -log on a full disk" ns.csv "$PDEOP" solve ns-periodic -ns_n 16 -T 0.01 -dt 1e-3 -log ns.csv
echo prev > fe.vtu
full "solve poisson -discretization fem -vtk (.vtu) on a full disk" fe.vtu "$PDEOP" solve poisson -discretization fem -dm_plex_box_faces 4,4 -vtk fe.vtu
echo prev > sor.bin
full "precond train -type learned_sor -o on a full disk" sor.bin "$PDEOP" precond train -type learned_sor -res 9 -count 2 -o sor.bin
echo prev > sor.csv
full "precond train -type learned_sor -log on a full disk" sor.csv "$PDEOP" precond train -type learned_sor -res 9 -count 2 -o sor2.bin -log sor.csv
echo prev > pm.csv
full "pinn -domain mesh -log on a full disk" pm.csv "$PDEOP" pinn -domain mesh -pde helmholtz -pinn_weights annealing -iters 20 -annealing_every 10 -log pm.csv
# the temporary file of a log that never got its first row is removed (it was left behind)
"$PDEOP" train $M -data tr.h5 -epochs 1 -log nl.csv -quiet >/dev/null && cp nl.csv nl0.csv && ln -sf /dev/full nl.csv.tmp
rc=0; "$PDEOP" train $M -data tr.h5 -epochs 1 -log nl.csv -quiet >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] && [ ! -e nl.csv.tmp ] && [ ! -L nl.csv.tmp ] && cmp -s nl.csv nl0.csv && ok "a log that failed at its first row: exit $rc, no .tmp left, the old log unchanged" || bad "a failed new log: exit $rc, .tmp: $(ls -l nl.csv.tmp 2>&1)"
finish
