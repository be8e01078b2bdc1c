# End-to-end tests of the dataset layout rule N x C x (spatial...): the attribute spatial_dims that
# every generator writes, the one line that says how a file without it was read, the 1D FNO on
# `pdeop data antiderivative`, a file in the former [N][m] layout, and models of the wrong dimension.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
old="$(cd "$(dirname "$0")" && pwd)/data/antiderivative_v0.h5" # written by the former code: [N][m], no attribute
cd "$work"
"$P" data antiderivative -n 40 -m 32 -seed 1 -o ad.h5 -quiet
"$P" data antiderivative -n 10 -m 32 -seed 2 -o adt.h5 -quiet
"$P" data darcy -n 4 -res 9 -fine 17 -seed 1 -o darcy.h5 -quiet
fno=(-model fno -fno_width 6 -fno_modes 4 -fno_layers 2 -fno_hidden 16 -batch_size 10 -lr 1e-2)
"$P" train "${fno[@]}" -data ad.h5 -test adt.h5 -epochs 5 -o f1.h5 -report t.json >train.out 2>&1 && ok "the 1D FNO trains on data antiderivative's output" || bad "1D FNO on antiderivative data: $(cat train.out)"
grep -q "spatial_dims" train.out && bad "a file with spatial_dims still printed a layout note: $(grep spatial_dims train.out)" || ok "no layout note for a file with the attribute"
check "the 1D FNO learns the antiderivative (train rel_l2 below 1)" 'a < 1' "$(jget t.json train_loss)"
"$P" eval -model f1.h5 -data adt.h5 -report e.json -quiet
check "eval of the 1D FNO equals train's test error" 'a - b < 1e-6 && b - a < 1e-6' "$(jget e.json rel_l2)" "$(jget t.json test_rel_l2)"
"$P" predict -model f1.h5 -data adt.h5 -o p.h5 -report p.json -quiet && "$P" eval -model f1.h5 -data p.h5 -quiet -report pe.json && check "predictions keep the layout (eval reads them against themselves)" 'a < 1e-6' "$(jget pe.json rel_l2)" || bad "predict/eval of 1D predictions failed"
"$P" train -model deeponet -deeponet_width 16 -deeponet_p 8 -data ad.h5 -epochs 2 -report d.json -quiet && ok "DeepONet trains on [N, 1, m]" || bad "DeepONet on the new layout failed"
# the former layout [N][m] without the attribute: read as vectors, with one line saying so
"$P" train -model deeponet -deeponet_width 16 -deeponet_p 8 -data "$old" -epochs 1 >old.out 2>&1 && ok "DeepONet trains on the former [N][m] file" || bad "former file: $(cat old.out)"
n=$(grep -c "add the attribute spatial_dims" old.out || true)
[ "$n" = 1 ] && grep -q "read /inputs \[N=24, C=16\] as vectors of 16 values" old.out && ok "one line says how the former file was read: $(grep spatial_dims old.out)" || bad "layout note for the former file ($n lines): $(cat old.out)"
"$P" train -model deeponet -data "$old" -epochs 1 -quiet >q.out 2>&1; [ ! -s q.out ] && ok "-quiet silences the note" || bad "-quiet printed: $(cat q.out)"
expect_fail "an FNO on vectors names the attribute" "spatial_dims = 1" "$P" train "${fno[@]}" -data "$old" -epochs 1
# a model of one dimension on data of another is one clear error
expect_fail "a 1D FNO on 2D data (eval)" "do not fit the model (fno, 1D fields with 1 channel): a model of one spatial dimension cannot take data of another" "$P" eval -model f1.h5 -data darcy.h5
expect_fail "a 1D FNO on 2D data (predict)" "inputs (2D fields with 1 channel) do not fit the model (fno, 1D fields" "$P" predict -model f1.h5 -data darcy.h5 -o x.h5
"$P" train "${fno[@]}" -data darcy.h5 -epochs 1 -o f2.h5 -quiet
expect_fail "a 2D FNO on 1D data (eval)" "do not fit the model (fno, 2D fields with 1 channel)" "$P" eval -model f2.h5 -data adt.h5
expect_fail "a 2D FNO resumed on 1D data" "do not fit the model" "$P" train -data ad.h5 -resume f2.h5 -epochs 2
finish
