# -help shows the defaults the commands use: each option's shown value against the run's report
# (pdeop train, pdeop pinn, pdeop pinn -domain mesh), every option listed once.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
cd "$work"
# helpval FILE OPTION: the value -help shows ("-x <now v : formerly v>" or "-x <v : v>" or "-x: <v : v>")
helpval() { grep -aE -- "^ +$2:? <" "$1" | head -1 | sed -E 's/^[^<]*<(now )?([^ :>]*).*/\2/'; }
once() { # FILE DESCRIPTION: no option of pdeop's own (man page Pd*/NOp*, or none) listed twice
  local dup
  dup=$(grep -E -- "\((Pd|NOp)[A-Za-z]*\)$|\(\)$" "$1" | grep -oE -- "^ +-[a-z_0-9]+" | sort | uniq -d | tr -d ' ' | tr '\n' ' ')
  [ -z "$dup" ] && ok "$2: every pdeop option listed once ($(grep -cE -- "\((Pd|NOp)[A-Za-z]*\)$|\(\)$" "$1") lines)" || bad "$2 lists options twice: $dup"
}
"$P" data darcy -n 30 -res 9 -fine 17 -seed 1 -o tr.h5 -quiet
# train: the shown defaults are those of a run with no training options
"$P" train -help >train.help 2>&1 || true
once train.help "train -help"
"$P" train -data tr.h5 -epochs 3 -fno_width 4 -fno_modes 2 -fno_layers 1 -report t.json -quiet
for k in batch_size loss; do
  [ "$(helpval train.help -$k)" = "$(jget t.json $k)" ] && ok "train -help's -$k is the run's ($(jget t.json $k))" || bad "train -help shows -$k '$(helpval train.help -$k)', the run used '$(jget t.json $k)'"
done
[ "$(helpval train.help -normalize | tr A-Z a-z)" = "$(jget t.json normalize)" ] && ok "train -help's -normalize is the run's" || bad "train -help shows -normalize '$(helpval train.help -normalize)', the run used '$(jget t.json normalize)'"
[ "$(helpval train.help -epochs)" = 100 ] && ok "train -help shows -epochs 100" || bad "train -help shows -epochs '$(helpval train.help -epochs)'"
# -lr_total_steps: not known before the data; -help says how the run sets it, the run uses epochs x batches
grep -E -- "-lr_total_steps <now 0 .*epochs x batches per epoch" train.help >/dev/null && ok "train -help says -lr_total_steps is epochs x batches ($(grep -o -- '-lr_total_steps <[^>]*>' train.help))" || bad "train -help: $(grep -- -lr_total_steps train.help)"
[ "$(jget t.json lr_total_steps)" = 6 ] && ok "the run's lr_total_steps is 3 epochs x 2 batches" || bad "lr_total_steps '$(jget t.json lr_total_steps)', expected 6"
"$P" train -data tr.h5 -epochs 3 -fno_width 4 -fno_modes 2 -fno_layers 1 -lr_total_steps 50 -lr_schedule cosine -report t50.json -quiet
[ "$(jget t50.json lr_total_steps)" = 50 ] && ok "-lr_total_steps 50 is used" || bad "-lr_total_steps 50: the run used '$(jget t50.json lr_total_steps)'"
# pinn: -seed once, and its shown default is the seed the model gets
for dom in ball mesh; do
  args=(); [ $dom = mesh ] && args=(-domain mesh -dm_plex_box_faces 4,4)
  "$P" pinn "${args[@]}" -help >pinn_$dom.help 2>&1 || true
  once pinn_$dom.help "pinn -help ($dom)"
  n=$(grep -cE -- "^ +-seed <" pinn_$dom.help || true)
  [ "$n" = 1 ] && ok "pinn -help ($dom) lists -seed once" || bad "pinn -help ($dom) lists -seed $n times"
  if [ $dom = mesh ]; then # the mesh's own options, with the value given
    grep -aqE -- "^ +-mesh <" pinn_mesh.help && ok "pinn -help (mesh) lists -mesh" || bad "pinn -help (mesh) does not list -mesh"
    [ "$(helpval pinn_mesh.help -dm_plex_box_faces)" = 4,4 ] && ok "pinn -help (mesh) shows the -dm_plex_box_faces given (4,4)" || bad "pinn -help (mesh): -dm_plex_box_faces '$(helpval pinn_mesh.help -dm_plex_box_faces)'"
  fi
  [ $dom = ball ] && args=(-dim 3)
  "$P" pinn "${args[@]}" -iters 2 -report p_$dom.json -quiet >/dev/null
  for k in seed iters; do
    shown=$(helpval pinn_$dom.help -$k)
    [ $k = iters ] && want=2 || want=$shown
    [ "$(jget p_$dom.json $k)" = "$want" ] && ok "pinn ($dom): -help's -$k ($shown) agrees with the run" || bad "pinn ($dom): -help shows -$k '$shown', the run used '$(jget p_$dom.json $k)'"
  done
  "$P" pinn "${args[@]}" -iters 2 -seed 7 -report p7_$dom.json -quiet >/dev/null
  [ "$(jget p7_$dom.json seed)" = 7 ] && ok "pinn ($dom): -seed 7 reaches the model" || bad "pinn ($dom): -seed 7 gave seed '$(jget p7_$dom.json seed)'"
done
finish
