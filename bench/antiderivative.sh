#!/usr/bin/env bash
# DeepONet on the antiderivative operator (Lu et al. 2021, first example; the reference code's
# deeponet_pde.py setting): u from a GRF with RBF kernel, l = 0.2, 100 sensors; unstacked DeepONet
# branch [100, 40, 40], trunk [1, 40, 40], ReLU, bias (7401 parameters), Adam 1e-3, MSE loss.
# Ours: 10000 functions with all 100 output points each (aligned), batch 100 functions, cosine
# schedule; the reference trains 50000 full-batch steps on 10000 (function, point) triples and
# prints a test MSE of 9.27e-7. Usage: bench/antiderivative.sh [epochs=1500]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
epochs=${1:-1500}
export OPENBLAS_NUM_THREADS=1
bench_need "$pdeop"
bench_tmp
"$pdeop" data antiderivative -n 10000 -m 100 -seed 1 -o "$tmp/train.h5" -quiet
"$pdeop" data antiderivative -n 1000 -m 100 -seed 2 -o "$tmp/test.h5" -quiet
"$pdeop" train -model deeponet -deeponet_width 40 -deeponet_depth 1 -deeponet_p 40 -deeponet_activation relu \
  -data "$tmp/train.h5" -test "$tmp/test.h5" -loss mse -batch_size 100 -epochs "$epochs" -lr 1e-3 -lr_schedule cosine \
  -o "$tmp/don.h5" -report "$tmp/don.json" -quiet
echo "| model | parameters | steps | test MSE | seconds (1 core) |"
echo "|---|---:|---:|---:|---:|"
echo "| pdeop DeepONet | $(jget "$tmp/don.json" params) | $((epochs * 100)) | $(jget "$tmp/don.json" test_mse) | $(jget "$tmp/don.json" seconds) |"
echo "| reference (lululxvi/deeponet README) | 7401 | 50000 | 9.27e-7 | - |"
