# No command writes over one of its inputs or names one file twice, and an output whose directory
# is missing is refused before any work: each case is one error, a non-zero exit, and the input
# files byte for byte as they were.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
"$PDEOP" data darcy -n 6 -res 9 -fine 17 -seed 1 -o tr.h5 -quiet && "$PDEOP" data darcy -n 3 -res 9 -fine 17 -seed 2 -o te.h5 -quiet || { bad "making the data"; finish; }
"$PDEOP" train -model fno -fno_width 4 -fno_modes 2 -fno_layers 1 -data tr.h5 -epochs 1 -o fno.h5 -quiet >/dev/null || { bad "training a model"; finish; }
"$PDEOP" solve poisson -da_grid_x 9 -o u.h5 -quiet || { bad "solve"; finish; }
ln -s te.h5 te_link.h5
sums() { md5sum tr.h5 te.h5 fno.h5 u.h5; }
before="$(sums)"
same() { # description, then the command's arguments
  local d="$1"; shift
  expect_fail "$d" "$1" "${@:2}"
}
same "train -data tr.h5 -o tr.h5" "is also the input -data" "$PDEOP" train -model fno -data tr.h5 -o tr.h5
same "train -log tr.h5" "is also the input -data" "$PDEOP" train -model fno -data tr.h5 -log tr.h5
same "train -curve_png tr.h5" "is also the input -data" "$PDEOP" train -model fno -data tr.h5 -curve_png tr.h5
same "train -test te.h5 -o ./te.h5" "is also the input -test" "$PDEOP" train -model fno -data tr.h5 -test te.h5 -o ./te.h5
same "predict -data te.h5 -o te.h5" "is also the input -data" "$PDEOP" predict -model fno.h5 -data te.h5 -o te.h5
same "train -init fno.h5 -o fno.h5 (a new run from a model keeps the model)" "is also the input -init" "$PDEOP" train -init fno.h5 -data tr.h5 -o fno.h5
same "train -init fno.h5 -log fno.h5" "is also the input -init" "$PDEOP" train -init fno.h5 -data tr.h5 -log fno.h5
same "solve -ksp_guess_nop_model fno.h5 -report fno.h5" "is also the input -ksp_guess_nop_model" "$PDEOP" solve darcy -da_grid_x 9 -ksp_guess_type nop -ksp_guess_nop_model fno.h5 -report fno.h5
same "solve -ksp_guess_nop_model fno.h5 -o_system fno.h5" "is also the input -ksp_guess_nop_model" "$PDEOP" solve darcy -da_grid_x 9 -ksp_guess_type nop -ksp_guess_nop_model fno.h5 -o_system fno.h5
same "predict through a symbolic link" "is also the input -data" "$PDEOP" predict -model fno.h5 -data te_link.h5 -o te.h5
same "predict -model fno.h5 -o fno.h5" "is also the input -model" "$PDEOP" predict -model fno.h5 -data te.h5 -o fno.h5
same "predict -png te.h5" "is also the input -data" "$PDEOP" predict -model fno.h5 -data te.h5 -png te.h5
same "eval -report te.h5" "is also the input -data" "$PDEOP" eval -model fno.h5 -data te.h5 -report te.h5
same "solve -f u.h5 -o u.h5" "is also the input -f" "$PDEOP" solve -f u.h5 -o u.h5
mkfifo fifo.h5; ln -s u.h5 u_link.h5; ln -s nowhere.h5 dangling.h5
same "an output that is a device (/dev/null: the rename would replace it)" "is not a regular file" "$PDEOP" train -model fno -data tr.h5 -epochs 1 -o /dev/null
same "an output that is a FIFO" "is not a regular file" "$PDEOP" solve poisson -da_grid_x 9 -o fifo.h5
same "an output that is a symbolic link" "is a symbolic link" "$PDEOP" solve poisson -da_grid_x 9 -o u_link.h5
same "an output that is a dangling symbolic link" "is a symbolic link" "$PDEOP" solve poisson -da_grid_x 9 -o dangling.h5
[ -c /dev/null ] && [ -L u_link.h5 ] && [ -L dangling.h5 ] && ok "the device and the links are untouched" || bad "a device or a link was replaced"
same "a file option given twice (the first file was silently dropped)" "-o is given twice ('a.h5', then 'b.h5')" "$PDEOP" solve poisson -da_grid_x 9 -o a.h5 -o b.h5
"$PDEOP" solve poisson -da_grid_x 9 -da_grid_x 5 -quiet 2>twice.err && grep -q "warning: -da_grid_x is given twice (9, then 5): 5 is used" twice.err && ok "another option given twice: a warning naming the value used" || bad "another option given twice: $(cat twice.err)"
same "two outputs, one file" "name the same file" "$PDEOP" solve poisson -da_grid_x 9 -o u2.h5 -report u2.h5
same "an output in a missing directory" "does not exist" "$PDEOP" train -model fno -data tr.h5 -epochs 1000 -o nodir/x.h5
same "train -log over the -resume checkpoint" "is also the input -resume" "$PDEOP" train -data tr.h5 -resume fno.h5 -o m2.h5 -log fno.h5
same "train -report over the -resume checkpoint" "is also the input -resume" "$PDEOP" train -data tr.h5 -resume fno.h5 -o m2.h5 -report fno.h5
same "the curve of -log over -data" "is also the input -data" "$PDEOP" train -model fno -data tr.png -log tr.csv
# the curve's name is derived by one rule (PdTrainerCurveName) in every command that draws one, and checked
cp te.h5 held.png; cp te.h5 T.png; cp te.h5 t4.h5; cp te.h5 sys.png
derived() { md5sum held.png T.png t4.h5 sys.png; }
dbefore="$(derived)"
same "the curve of -log held (no .csv) over -test held.png" "is also the input -test" "$PDEOP" train -model fno -fno_width 4 -fno_modes 2 -data tr.h5 -test held.png -epochs 1 -o m.h5 -log held
same "the curve of -log T.CSV over -test T.png" "is also the input -test" "$PDEOP" train -model fno -fno_width 4 -fno_modes 2 -data tr.h5 -test T.png -epochs 1 -o m.h5 -log T.CSV
same "fit -curve_png over -test" "is also the input -test" "$PDEOP" fit -data tr.h5 -test t4.h5 -epochs 1 -o m6.h5 -curve_png t4.h5
same "precond train: the curve of -log sys over an input system sys.png" "is also the input -f" "$PDEOP" precond train -type learned_ic -f a.petsc,sys.png -epochs 1 -o icf.h5 -log sys
echo "-epochs 1" > opt.png; echo "-options_file opt.png" > outer.txt; cp opt.png opt.bak; cp outer.txt outer.bak
same "the curve of -log over an -options_file" "is also the input -options_file" "$PDEOP" train -model fno -data tr.h5 -o m.h5 -options_file opt.png -log opt
same "-report over an options file read through another" "is also the input -options_file" "$PDEOP" solve poisson -da_grid_x 5 -options_file outer.txt -report opt.png
same "-o over the -options_file" "is also the input -options_file" "$PDEOP" data darcy -n 2 -res 9 -fine 9 -options_file outer.txt -o outer.txt
cmp -s opt.png opt.bak && cmp -s outer.txt outer.bak && ok "the options files are unchanged" || bad "an options file was overwritten"
[ "$(derived)" = "$dbefore" ] && [ ! -e m.h5 ] && [ ! -e m6.h5 ] && [ ! -e icf.h5 ] && ok "inputs under derived curve names are unchanged" || bad "an input under a derived curve name changed, or a refused run wrote"
same "precond train -o m.csv: its log is the model" "name the same file" "$PDEOP" precond train -res 9 -count 2 -o m.csv
same "-o without a file name" "-o needs a file name" "$PDEOP" solve poisson -da_grid_x 5 -o
same "-report without a file name" "-report needs a file name" "$PDEOP" solve poisson -da_grid_x 5 -report
same "-resume without a file name" "-resume needs a file name" "$PDEOP" train -data tr.h5 -resume
[ "$(sums)" = "$before" ] && ok "every input is unchanged" || bad "an input changed: $(sums)"
[ ! -e u2.h5 ] && ok "nothing written by the refused commands" || bad "u2.h5 was written"
# the same file as -resume and -o is allowed: the checkpoint is read before the new one replaces it
"$PDEOP" train -data tr.h5 -epochs 2 -resume fno.h5 -o fno.h5 -quiet >/dev/null 2>"$work/err" && ok "train -resume fno.h5 -o fno.h5 continues" || bad "train -resume fno.h5 -o fno.h5: $(cat "$work/err")"
# a long -o path: the log and curve names derived from it are compared in full (they were cut at 71
# characters, so two different names looked the same)
long="a_model_name_that_is_long_enough_to_pass_seventy_two_characters_once_the_folder_is_added"
"$PDEOP" precond train -res 9 -count 2 -epochs 1 -o "$work/$long.h5" -quiet >/dev/null 2>"$work/err" && [ -s "$work/$long.csv" ] && ok "precond train -o with a ${#long}-character name writes its model and log" || bad "precond train -o with a long name: $(cat "$work/err")"
# options files: a missing one and one that includes itself (directly or through another) are one
# message each, caught before PETSc reads them
echo "-options_file self.opts" > self.opts
echo "-options_file b.opts" > a.opts
printf -- "-da_grid_x 9 # a comment\n-options_file a.opts\n" > b.opts
expect_fail "an options file that includes itself" "includes itself" "$PDEOP" solve poisson -options_file self.opts
expect_fail "options files in a cycle" "a.opts' -> '" "$PDEOP" solve poisson -options_file a.opts
expect_fail "a missing options file" "cannot read the options file 'none.opts'" "$PDEOP" solve poisson -options_file none.opts
# PETSc's own rules for the file's lines, as one message instead of PETSc's trace
printf -- "-da_grid_x 9 17\n" > two.opts; printf -- "da_grid_x 9\n" > noopt.opts
expect_fail "an options file with two values on a line" "line 1: one option and at most one value per line, got '-da_grid_x 9 17'" "$PDEOP" solve poisson -options_file two.opts
expect_fail "an options file line that is not an option" "line 1: 'da_grid_x' is not an option" "$PDEOP" solve poisson -options_file noopt.opts
expect_fail "an options file that is binary (an HDF5 file)" "the options file 'tr.h5'" "$PDEOP" solve poisson -options_file tr.h5
grep -q "PETSC ERROR" "$work/err" && bad "a binary options file: PETSc's trace" || ok "a binary options file: no PETSc trace"
printf -- "# a comment\n\n-da_grid_x 9 # nine\nalias -grid -da_grid_y\n" > fine.opts
"$PDEOP" solve poisson -options_file fine.opts -quiet && ok "a good options file" || bad "a good options file fails"
"$PDEOP" train -model fno -fno_width 4 -fno_modes 2 -fno_layers 1 -data tr.h5 -epochs 1 -log nopng.csv -curve_png "" -quiet >/dev/null && [ -s nopng.csv ] && [ ! -e nopng.png ] && ok "-curve_png \"\" draws no picture" || bad "-curve_png \"\" fails or draws"
# an option given without its value is an error, pdeop's own and PETSc's numeric and type options
expect_fail "-epochs without a value" "Option -epochs needs a value (an integer)" "$PDEOP" train -model fno -fno_modes 4 -data tr.h5 -epochs
expect_fail "-lr without a value" "Option -lr needs a value (a number)" "$PDEOP" train -model fno -fno_modes 4 -data tr.h5 -lr -epochs 1
expect_fail "-loss without a value" "Option -loss needs a value" "$PDEOP" train -model fno -fno_modes 4 -data tr.h5 -loss -epochs 1
expect_fail "-model without a value" "Option -model needs a value" "$PDEOP" train -data tr.h5 -model
expect_fail "precond -type without a value" "Option -type needs a value" "$PDEOP" precond train -type
expect_fail "precond -problem without a value" "Option -problem needs a value" "$PDEOP" precond train -problem
expect_fail "-ic_ordering without a value" "Option -ic_ordering needs a value" "$PDEOP" precond train -ic_ordering -res 9 -count 2 -o x.h5
expect_fail "-o without a value" "-o needs a file name" "$PDEOP" train -model fno -data tr.h5 -o -quiet
expect_fail "-da_grid_x without a value" "Option -da_grid_x needs a value" "$PDEOP" solve poisson -da_grid_x
expect_fail "-ksp_rtol without a value" "Option -ksp_rtol needs a value" "$PDEOP" solve poisson -ksp_rtol -ksp_monitor
expect_fail "-iters without a value" "Option -iters needs a value" "$PDEOP" pinn -dim 4 -iters
"$PDEOP" solve poisson -da_grid_x 9 -ksp_monitor -ksp_converged_reason -ksp_initial_guess_nonzero -quiet >/dev/null && ok "flags without values still work" || bad "flags without values fail"
# PETSc's viewers write files too: one that names an input or an output is refused before anything is
# written, including -log_view, which PETSc writes at PetscFinalize
before="$(sums)"
expect_fail "-ksp_monitor :F over the -darcy_coefficient_file input (it emptied the data)" "-ksp_monitor writes 'tr.h5', which is also the input -darcy_coefficient_file" "$PDEOP" solve darcy -da_grid_x 9 -darcy_coefficient_file tr.h5 -ksp_monitor :tr.h5
expect_fail "-log_view :F over the -model input (exit 0 and a text file for a model)" "-log_view writes 'fno.h5', which is also the input -model" "$PDEOP" eval -model fno.h5 -data te.h5 -log_view :fno.h5
expect_fail "-ksp_view_rhs binary:F over the -f input" "-ksp_view_rhs writes 'u.h5'" "$PDEOP" solve -f u.h5 -ksp_view_rhs binary:u.h5
expect_fail "-ksp_monitor :F over the -o output" "which is also the output -o" "$PDEOP" solve poisson -da_grid_x 9 -o u2.h5 -ksp_monitor :u2.h5
[ "$(sums)" = "$before" ] && ok "PETSc viewers: every input unchanged" || bad "PETSc viewers: an input changed"
"$PDEOP" solve poisson -da_grid_x 9 -ksp_view_mat binary:vs.petsc -ksp_view_rhs binary:vs.petsc::append -quiet >/dev/null && "$PDEOP" solve -f vs.petsc -quiet >/dev/null && ok "two viewers may share a file (a matrix, then its right-hand side appended)" || bad "-ksp_view_mat and -ksp_view_rhs into one file fail"
# a failed run leaves an existing -report as it was (it became a stub of two keys)
echo '{"precious": 1}' > keep.json
expect_fail "a diverged solve with -report" "diverged" "$PDEOP" solve poisson -da_grid_x 17 -ksp_max_it 1 -report keep.json
[ "$(cat keep.json)" = '{"precious": 1}' ] && ok "a diverged solve leaves -report as it was" || bad "a diverged solve rewrote -report: $(cat keep.json)"
# options files that are not text files or not files
mkdir -p adir; printf '\000\001junk\n' > nul.opts
expect_fail "an options file that is a device (/dev/zero hung)" "the options file '/dev/zero' is not a regular file" timeout 60 "$PDEOP" solve poisson -options_file /dev/zero
expect_fail "an options file that is a directory (PETSc's trace)" "the options file 'adir' is not a regular file" "$PDEOP" solve poisson -options_file adir
expect_fail "an options file with NUL bytes (accepted)" "is not a text file (it holds a NUL byte)" "$PDEOP" solve poisson -options_file nul.opts
echo "-ksp_type cg" > plain.json
expect_fail "an options file named .json (PETSc's YAML trace)" "ends in .json, which PETSc reads as YAML" "$PDEOP" solve poisson -options_file plain.json
# a resumed run appends to its -log: a file that is not a training log is refused, not extended
echo "notes" > notes.txt
expect_fail "train -resume -log naming a file that is not a log" "the training log 'notes.txt' exists and is not a log of this kind" "$PDEOP" train -data tr.h5 -epochs 3 -resume fno.h5 -log notes.txt -o fno3.h5
[ "$(cat notes.txt)" = notes ] && ok "the notes file is unchanged" || bad "the notes file changed"
# two writers of one output: the second stops with one message and leaves the first one's file alone
echo keep > lk.h5
flock lk.h5.tmp sleep 30 & lockpid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e lk.h5.tmp ] && break; sleep 0.2; done
expect_fail "a second writer of one output" "another process is writing it now" "$PDEOP" data darcy -n 2 -res 9 -fine 17 -o lk.h5
[ "$(cat lk.h5)" = keep ] && [ -e lk.h5.tmp ] && ok "a second writer: the output and the first writer's temporary file untouched" || bad "a second writer changed lk.h5 or removed lk.h5.tmp"
kill $lockpid 2>/dev/null; wait $lockpid 2>/dev/null || true
# a dataset needs somewhere to go, before any sample is drawn
for prob in darcy ns antiderivative; do
  expect_fail "data $prob without -o" "Give the output file with -o file.h5" "$PDEOP" data $prob -n 2
done
finish
