# End-to-end tests of `pdeop train`, `eval` and `predict` on a tiny Darcy set: the reports, exact
# resume, evaluation at another resolution, predictions that agree with eval, and bad inputs.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
cd "$work"
"$P" data darcy -n 24 -res 17 -fine 33 -seed 1 -o tr.h5 -quiet
"$P" data darcy -n 6 -res 17 -fine 33 -seed 2 -o te.h5 -quiet
"$P" data darcy -n 6 -res 33 -fine 33 -seed 2 -o te33.h5 -quiet
fno=(-model fno -fno_width 6 -fno_modes 4 -fno_layers 2 -fno_hidden 16 -batch_size 8 -lr 1e-2 -lr_schedule step -lr_step_size 5 -lr_gamma 0.5)
"$P" train "${fno[@]}" -data tr.h5 -test te.h5 -epochs 6 -o m.h5 -log log.csv -report t.json -quiet
for k in params epochs train_loss test_rel_l2 train_samples_per_s seconds; do
  [ -n "$(jget t.json $k)" ] && ok "train report has $k" || bad "train report lacks $k"
done
check "the loss fell below its untrained value (relative L2 < 1)" 'a < 1' "$(jget t.json train_loss)"
check "train_cpu_seconds: positive, at most the run's CPU can hold (2 x wall seconds, evaluations excluded)" 'a > 0 && a <= 2 * b + 0.5' "$(jget t.json train_cpu_seconds)" "$(jget t.json seconds)"
[ "$(wc -l < log.csv)" = 7 ] && ok "CSV log: header + 6 epochs" || bad "CSV log has $(wc -l < log.csv) lines"
# the curves' PNG: next to the CSV by default, a real PNG (signature, IHDR 640x400), no temporary left
png_sig() { od -An -tx1 -N8 "$1" | tr -d ' \n'; }
png_size() { od -An -tu1 -j12 -N12 "$1" | awk '{printf "%c%c%c%c %dx%d", $1, $2, $3, $4, $5*16777216+$6*65536+$7*256+$8, $9*16777216+$10*65536+$11*256+$12}'; }
check_png() { # file description
  if [ -s "$1" ] && [ "$(png_sig "$1")" = 89504e470d0a1a0a ]; then ok "$2: PNG signature"; else bad "$2: $1 missing or not a PNG"; return; fi
  [ "$(png_size "$1")" = "IHDR 640x400" ] && ok "$2: IHDR 640x400" || bad "$2: IHDR is '$(png_size "$1")'"
  [ ! -e "$1.tmp" ] && ok "$2: no temporary left" || bad "$2: $1.tmp left behind"
}
check_png log.png "-log log.csv draws log.png"
[ "$(jget t.json curve_png)" = log.png ] && ok "train report names curve_png" || bad "train report's curve_png is '$(jget t.json curve_png)'"
"$P" train "${fno[@]}" -data tr.h5 -test te.h5 -epochs 3 -o half.h5 -quiet
"$P" train -data tr.h5 -test te.h5 -epochs 6 -batch_size 8 -lr 1e-2 -lr_schedule step -lr_step_size 5 -lr_gamma 0.5 -resume half.h5 -o full.h5 -report r.json -quiet
[ ! -e half.png ] && [ ! -e full.png ] && ok "no -log, no -curve_png: no picture" || bad "a curve picture was drawn without -log or -curve_png"
check "resumed training ends where the uninterrupted run does" 'a == b' "$(jget t.json train_loss)" "$(jget r.json train_loss)"
# the checkpoint keeps the run's settings: a resume that does not retype them continues the same
# run; one that gives another value is refused with both values named
"$P" train -data tr.h5 -test te.h5 -epochs 6 -resume half.h5 -o full2.h5 -report r2.json -quiet
check "resumed without retyping the settings: the same end" 'a == b' "$(jget t.json train_loss)" "$(jget r2.json train_loss)"
expect_fail "resume with another -lr" "trained with -lr 0.01; this run gives -lr 2e-2" "$P" train -data tr.h5 -epochs 6 -resume half.h5 -o x.h5 -lr 2e-2
expect_fail "resume with another -batch_size" "trained with -batch_size 8; this run gives -batch_size 5" "$P" train -data tr.h5 -epochs 6 -resume half.h5 -o x.h5 -batch_size 5
expect_fail "resume to fewer epochs than done, with -o" "leaves nothing to train" "$P" train -data tr.h5 -epochs 2 -resume half.h5 -o x.h5
expect_fail "resume with another -optim" "trained with -optim adam; this run gives -optim sgd" "$P" train -data tr.h5 -epochs 6 -resume half.h5 -o x.h5 -optim sgd
# an option the optimizer or schedule in use does not read is a warning; a resume warns of nothing it restored
"$P" train -data tr.h5 -epochs 6 -resume half.h5 -o x.h5 -quiet 2>w1.err && ! grep -q warning w1.err && ok "a resume restores its settings without warnings" || bad "a resume warned: $(cat w1.err)"
"$P" train "${fno[@]}" -data tr.h5 -epochs 1 -optim sgd -optim_ns_steps 3 -o x.h5 -quiet 2>w2.err || true
grep -q "warning: -optim_ns_steps does nothing with -optim sgd (it applies to -optim muon|polargrad only)" w2.err && ok "-optim_ns_steps with sgd: a warning" || bad "-optim_ns_steps with sgd: $(cat w2.err)"
! grep -q "warning: -lr_gamma\|warning: -lr_step_size" w2.err && ok "-lr_gamma with the step schedule: no warning" || bad "-lr_gamma with the step schedule warned: $(cat w2.err)"
"$P" train "${fno[@]}" -data tr.h5 -epochs 1 -lr_schedule cosine -o x.h5 -quiet 2>w3.err; grep -q "warning: -lr_gamma does nothing with -lr_schedule cosine (it applies to -lr_schedule step only)" w3.err && ok "-lr_gamma with a cosine schedule: a warning" || bad "-lr_gamma with cosine: $(cat w3.err)"
expect_fail "resume with another model option" "the model in 'half.h5' has -fno_width" "$P" train -data tr.h5 -epochs 6 -resume half.h5 -o x.h5 -fno_width 9
expect_fail "resume with another -model" "holds a fno model, and a run from a checkpoint (-resume, -init) continues that model" "$P" train -data tr.h5 -epochs 6 -resume half.h5 -o x.h5 -model deeponet
expect_fail "a number that is not one" "Option -lr needs a number, got 'abc'" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -lr abc
expect_fail "an integer too large for PetscInt (it used to wrap)" "Option -epochs 99999999999 is out of range" "$P" train "${fno[@]}" -data tr.h5 -epochs 99999999999
expect_fail "an integer that is not one" "Option -epochs needs an integer, got '2.5'" "$P" train "${fno[@]}" -data tr.h5 -epochs 2.5
expect_fail "more Fourier modes than the grid holds" "-fno_modes 40 does not fit this grid of 17 x 17 points" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -fno_modes 40
# checked before the spectral weights (2 m^2 width^2 complex numbers) are allocated: 1000 modes at width 32
# would be 16 GB, and their count overflowed a 32-bit index before the check was reached
# a run resumed from an earlier checkpoint with the same -log: the later run's rows it repeats are dropped
"$P" train "${fno[@]}" -data tr.h5 -epochs 2 -o e2.h5 -log rl.csv -quiet >/dev/null
"$P" train -data tr.h5 -resume e2.h5 -epochs 4 -o e4.h5 -log rl.csv -quiet >/dev/null
"$P" train -data tr.h5 -resume e2.h5 -epochs 3 -o e3.h5 -log rl.csv -quiet >/dev/null
[ "$(cut -d, -f1 rl.csv | tr '\n' ' ')" = "epoch 1 2 3 " ] && ok "resumed from epoch 2 again: the log's epochs are 1 2 3" || bad "the log after two resumes from epoch 2: $(cut -d, -f1 rl.csv | tr '\n' ' ')"
printf 'epoch,loss,validation_iterations,seconds\n1,0.5,12,0.1\n' > other.csv
expect_fail "resume onto a log of other columns" "is not a log of this kind" "$P" train -data tr.h5 -resume e2.h5 -epochs 3 -o e5.h5 -log other.csv
[ "$(wc -l < other.csv)" = 2 ] && ok "the other log is unchanged" || bad "the other log changed"
expect_fail "a huge -fno_modes is refused before any allocation" "-fno_modes 1000 does not fit this grid" "$P" train -model fno -data tr.h5 -epochs 1 -fno_modes 1000
"$P" eval -model m.h5 -data te.h5 -report e.json -quiet
check "eval's error equals train's final test error" 'a - b < 1e-7 && b - a < 1e-7' "$(jget e.json rel_l2)" "$(jget t.json test_rel_l2)"
"$P" predict -model m.h5 -data te.h5 -o p.h5 -png p.png -report p.json -quiet
check "predict's error (computed from its predictions) equals eval's" 'a - b < 1e-6 && b - a < 1e-6' "$(jget p.json rel_l2)" "$(jget e.json rel_l2)"
[ -s p.png ] && ok "predict drew p.png" || bad "no p.png"
"$P" fit -data p.h5 -epochs 1 -quiet && ok "predictions are a readable dataset" || bad "p.h5 unreadable"
"$P" eval -model m.h5 -data te33.h5 -report e33.json -quiet
check "FNO trained at 17^2 evaluates at 33^2 (finite error)" 'a > 0 && a < 10' "$(jget e33.json rel_l2)"
"$P" train -model mgno -mgno_width 4 -mgno_levels 3 -mgno_layers 1 -data tr.h5 -test te.h5 -epochs 2 -o mg.h5 -report mg.json -quiet
"$P" eval -model mg.h5 -data te.h5 -report mge.json -quiet
check "MgNO trains and its checkpoint evaluates to the same test error" 'a - b < 1e-7 && b - a < 1e-7' "$(jget mg.json test_rel_l2)" "$(jget mge.json rel_l2)"
# width 16: its smoothers run through Winograd F(2x2,3x3) by default; im2col alone gives the same error
"$P" train -model mgno -mgno_width 16 -mgno_levels 3 -mgno_layers 1 -data tr.h5 -epochs 1 -o mg16.h5 -quiet
"$P" eval -model mg16.h5 -data te.h5 -report w1.json -quiet
"$P" eval -model mg16.h5 -data te.h5 -conv_winograd_min 0 -report w0.json -quiet
check "Winograd and im2col convolutions give the same MgNO error" 'a - b < 1e-6 * b && b - a < 1e-6 * b && a != b' "$(jget w1.json rel_l2)" "$(jget w0.json rel_l2)"
expect_fail "a negative kernel threshold" "-conv_winograd_min must be at least 0, got -1" "$P" eval -model mg16.h5 -data te.h5 -conv_winograd_min -1
expect_fail "a negative direct-kernel threshold" "-conv_direct_max must be at least 0, got -2" "$P" eval -model mg16.h5 -data te.h5 -conv_direct_max -2
expect_fail "a negative tile threshold" "-conv_winograd_min_tiles must be at least 0" "$P" eval -model mg16.h5 -data te.h5 -conv_winograd_min_tiles -1
[ "$(grep -c . "$work/err")" = 1 ] && ok "a bad engine option is one line of error" || bad "a bad engine option printed $(grep -c . "$work/err") lines: $(head -3 "$work/err")"
expect_fail "an engine switch with a bad value" "Unknown logical value" "$P" eval -model mg16.h5 -data te.h5 -channel_mix_direct maybe
[ "$(grep -c . "$work/err")" = 1 ] && ok "a bad engine switch is one line of error" || bad "a bad engine switch printed $(grep -c . "$work/err") lines: $(head -3 "$work/err")"
expect_fail "eval refuses a zero batch size" "-batch_size must be at least 1" "$P" eval -model mg.h5 -data te.h5 -batch_size 0
expect_fail "train on a malformed file names it" "bad.h5" "$P" train -model fno -data "$(printf x > bad.h5; echo bad.h5)"
expect_fail "eval of a missing model" "nothere.h5" "$P" eval -model nothere.h5 -data te.h5
expect_fail "unknown model type" "Unknown model type 'transformer'" "$P" train -model transformer -data tr.h5
expect_fail "diverging training stops with a message" "diverged" "$P" train "${fno[@]}" -data tr.h5 -epochs 3 -lr 1e30 -optim sgd -loss mse -normalize 0
# -optim muon and polargrad: train, resume exactly (their settings kept by the checkpoint), bad values
muon=(-optim muon -lr 3e-2 -optim_ns_coeffs 3.4445,-4.7750,2.0315)
"$P" train "${fno[@]}" "${muon[@]}" -data tr.h5 -test te.h5 -epochs 6 -o mu.h5 -report mu.json -quiet
check "muon: the loss fell below its untrained value" 'a < 1' "$(jget mu.json train_loss)"
"$P" train "${fno[@]}" "${muon[@]}" -data tr.h5 -test te.h5 -epochs 3 -o muhalf.h5 -quiet
"$P" train -data tr.h5 -test te.h5 -epochs 6 -resume muhalf.h5 -o mufull.h5 -report mur.json -quiet -optim_ns_coeffs 3.4445,-4.775,2.0315
check "muon: resumed training ends where the uninterrupted run does" 'a == b' "$(jget mu.json train_loss)" "$(jget mur.json train_loss)"
expect_fail "muon: resume with another -optim_ns_steps" "trained with -optim_ns_steps 5; this run gives -optim_ns_steps 3" "$P" train -data tr.h5 -epochs 6 -resume muhalf.h5 -o x.h5 -optim_ns_steps 3
"$P" train "${fno[@]}" -optim polargrad -lr 3 -optim_adam_lr 1e-2 -data tr.h5 -test te.h5 -epochs 3 -o pg.h5 -report pg.json -quiet
check "polargrad: the loss fell below its untrained value" 'a < 1' "$(jget pg.json train_loss)"
expect_fail "-optim_ns_steps 0" "-optim_ns_steps must be in 1..100, got 0" "$P" train "${fno[@]}" -optim muon -data tr.h5 -epochs 1 -optim_ns_steps 0
expect_fail "-optim_ns_coeffs with one number" "-optim_ns_coeffs needs three numbers a,b,c" "$P" train "${fno[@]}" -optim muon -data tr.h5 -epochs 1 -optim_ns_coeffs 1
expect_fail "-optim_ns_coeffs with four numbers (the fourth was dropped)" "got more than 3" "$P" train "${fno[@]}" -optim muon -data tr.h5 -epochs 1 -optim_ns_coeffs 1,-0.5,0.5,99
expect_fail "-optim_ns_coeffs that are not numbers" "Option -optim_ns_coeffs needs comma-separated numbers, got 'a,b,c'" "$P" train "${fno[@]}" -optim muon -data tr.h5 -epochs 1 -optim_ns_coeffs a,b,c
expect_fail "-weight_decay inf" "must be finite and non-negative, got inf" "$P" train "${fno[@]}" -optim adamw -data tr.h5 -epochs 1 -weight_decay inf
# an update that leaves non-finite parameters is divergence: nothing written, the earlier checkpoint kept
cp mufull.h5 keepck.h5; before_ck="$(md5sum < keepck.h5)"
expect_fail "train -lr 1e300 -checkpoint_every 1: diverged in its first epoch" "Training diverged in epoch 1" "$P" train "${fno[@]}" -data tr.h5 -lr 1e300 -epochs 3 -checkpoint_every 1 -o keepck.h5
expect_fail "train -lr 1e300 with one step per epoch: the parameters are Inf after it (exit 0 and an Inf model before)" "the update left parameters that are not finite" "$P" train "${fno[@]}" -batch_size 64 -data tr.h5 -lr 1e300 -epochs 1 -o inf.h5
[ ! -e inf.h5 ] && ok "no model of Inf parameters written" || bad "a model of Inf parameters was written"
[ "$(md5sum < keepck.h5)" = "$before_ck" ] && ok "the earlier checkpoint is kept as it was" || bad "the earlier checkpoint was overwritten"
expect_fail "pinn -lr 1e300 (rel_l2 -nan, exit 0 before)" "the update left parameters that are not finite" "$P" pinn -dim 4 -iters 1 -lr 1e300
expect_fail "-lr_gamma nan names its option" "-lr_gamma must be a positive number" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -lr_gamma nan
expect_fail "-lr_step_size 0 names its option" "-lr_step_size must be at least 1, got 0" "$P" train "${fno[@]}" -data tr.h5 -epochs 1 -lr_step_size 0
expect_fail "-optim_ns_coeffs that do not keep singular values near 1" "does not keep singular values near 1" "$P" train "${fno[@]}" -optim muon -data tr.h5 -epochs 1 -optim_ns_coeffs 3,0,0
expect_fail "-optim_ns_coeffs whose sum is 1 but that blow up (NaN at the first step before)" "from x = 0.001 leave" "$P" train "${fno[@]}" -optim muon -data tr.h5 -epochs 1 -optim_ns_coeffs 100,-99,0
expect_fail "polargrad: weight decay past 1/lr (it flipped the weights' signs)" "1 - lr weight_decay = -0.02 per step, which must stay positive" "$P" train "${fno[@]}" -optim polargrad -lr 3 -optim_adam_lr 1e-2 -weight_decay 0.34 -data tr.h5 -epochs 1
expect_fail "-optim_ns_steps without its value" "-optim_ns_steps" "$P" train "${fno[@]}" -optim muon -data tr.h5 -epochs 1 -optim_ns_steps
expect_fail "-optim_ns_coeffs without its value" "-optim_ns_coeffs" "$P" train "${fno[@]}" -optim muon -data tr.h5 -epochs 1 -optim_ns_coeffs
expect_fail "-optim_matrix_momentum 1" "-optim_matrix_momentum must be in" "$P" train "${fno[@]}" -optim muon -data tr.h5 -epochs 1 -optim_matrix_momentum 1
expect_fail "-deeponet_p 2147483647 names its option" "-deeponet_p 2147483647 is out of range: a model's sizes are at most 100000" "$P" train -model deeponet -deeponet_p 2147483647 -data tr.h5 -epochs 1
expect_fail "data darcy -fine beyond 32-bit indices names its option" "-fine 60000: a 60000 x 60000 solve grid has more unknowns than PETSc's 32-bit indices reach" "$P" data darcy -n 1 -res 60000 -fine 60000 -o big.h5
help="$("$P" train "${fno[@]}" -data tr.h5 -help 2>&1 || true)"
for o in -optim_ns_steps -optim_ns_coeffs -optim_matrix_momentum -optim_nesterov -optim_adam_lr -optim_complex -optim_muon_scale; do
  grep -q -- "$o" <<<"$help" && ok "train -help lists $o" || bad "train -help does not list $o"
done
grep -q -- "muon" <<<"$help" && ok "train -help lists muon among -optim's choices" || bad "train -help does not list muon"
grep -q -- "now 3.4445,-4.775,2.0315" <<<"$help" && ok "train -help shows the three Newton-Schulz coefficients" || bad "train -help does not show the three coefficients: $(grep -- -optim_ns_coeffs <<<"$help")"
if [ -n "${MPIEXEC:-}" ]; then
  "$P" train "${fno[@]}" -data tr.h5 -epochs 2 -report n1.json -quiet
  $MPIEXEC -n 2 "$P" train "${fno[@]}" -data tr.h5 -epochs 2 -report n2.json -quiet -curve_png n2.png
  check_png n2.png "-curve_png on 2 ranks, no -log"
  check "1 and 2 ranks: same training loss (rel 1e-4)" 'a-b < 1e-4*b && b-a < 1e-4*b' "$(jget n1.json train_loss)" "$(jget n2.json train_loss)"
  "$P" train "${fno[@]}" "${muon[@]}" -data tr.h5 -epochs 2 -report m1.json -quiet
  $MPIEXEC -n 2 "$P" train "${fno[@]}" "${muon[@]}" -data tr.h5 -epochs 2 -report m2.json -quiet
  check "muon, 1 and 2 ranks: same training loss (rel 1e-4)" 'a-b < 1e-4*b && b-a < 1e-4*b' "$(jget m1.json train_loss)" "$(jget m2.json train_loss)"
fi
finish
