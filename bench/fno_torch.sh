#!/usr/bin/env bash
# FNO-2D training and inference throughput, pdeop against PyTorch (bench/fno_torch.py), on 1 and 2 cores:
# width 32, 12x12 modes, 4 layers, projection 128, 64x64 grid, batch 20, float32, Adam. Prints tables.
# Usage: bench/fno_torch.sh [build dir, default build/]. Env: N (samples per epoch, 200), EPOCHS (timed, 3),
# REPEAT (runs per measurement, best kept, 2), PYTHON (interpreters to try for torch), CORES=1 (the one-core
# rows only), NO_CORE_FIX=1 (keep the
# OpenBLAS kernels OpenBLAS picked even when it fell back to generic ones; see below).
# PyTorch is Debian's python3-torch (apt-get install python3-torch), for this benchmark only; without it
# the PyTorch columns are skipped.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_build fno_torch.sh "${1:-}" pdeop bench_fno_train bench_ops
N=${N:-200}
EPOCHS=${EPOCHS:-3}
REPEAT=${REPEAT:-2}
for v in N EPOCHS REPEAT; do bench_int fno_torch.sh "$v" 1; done
TS=$((N * EPOCHS))
NINF=$((N < 200 ? N : 200))
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
bench_tmp
bench_keep_freed_memory # both sides: see lib.sh

# OpenBLAS's kernels: named when it falls back to Prescott on a CPU it does not know (scripts/openblas-core.sh);
# both sides run with the same setting (PyTorch's 1x1 convolutions use oneDNN, which detects the CPU itself).
. "$root/scripts/openblas-core.sh"
pdeop_openblas_core "$build/pdeop"
corenote="$PDEOP_BLAS_NOTE, both sides; $bench_malloc_note, both sides"
fmt() { awk -v a="$1" 'BEGIN{ if (a == "") print "-"; else printf "%.1f", a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

echo "## FNO-2D training throughput: pdeop against PyTorch"
echo
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB; $(date -u +%Y-%m-%d)"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$corenote"
echo "Model: FNO-2D width 32, 12x12 modes, 4 layers, projection 128, 64x64, batch 20, float32, Adam; timed: $TS training samples after one warm-up epoch of $N, $NINF inference samples"
echo

# the machine's sgemm peak (one thread) from bench_ops' largest matrix product
OPENBLAS_NUM_THREADS=1 "$build/bench_ops" -reps 5 > "$tmp/ops.txt"
peak=$(awk -F'|' '$2+0 == 1024 { printf "%.1f", 2 * 1024^3 / ($3 / 1e3) / 1e9 }' "$tmp/ops.txt")

# Every measurement runs REPEAT times (default 2) and the best is kept, for both sides alike: the machine
# is shared, and a run that another job slowed down says nothing about the code.
best() { # best NAME KEY: the largest value of KEY over NAME.1.json ... NAME.REPEAT.json
  for r in $(seq "$REPEAT"); do jget_or_empty "$tmp/$1.$r.json" "$2"; done | awk 'NF { if (!n++ || $1 > m) m = $1 } END { if (n) print m }'
}

# PyTorch: Debian's python3-torch lives in /usr/bin/python3. Threads as asked (torch.set_num_threads and
# OMP/MKL/OPENBLAS_NUM_THREADS all equal to the cores), and on 2 cores also with a single-threaded
# OpenBLAS under torch's 2 OpenMP threads (faster here: see the table).
py=""
for cand in ${PYTHON:-/usr/bin/python3 python3}; do
  if command -v "$cand" > /dev/null && "$cand" -c "import torch" 2> /dev/null; then py="$cand"; break; fi
done
if [ -z "$py" ]; then echo "PyTorch is not installed (apt-get install python3-torch): the PyTorch columns are skipped."; echo; fi

# pdeop: the trainer (PdTrainer) on random data; 2 cores = 2 MPI ranks (data parallel), 1 BLAS thread each
run_pdeop() { # name np blas_threads repeat
  OPENBLAS_NUM_THREADS=$3 mpiexec -n "$2" "$build/bench_fno_train" -res 64 -n "$N" -timed_epochs "$EPOCHS" -n_infer "$NINF" -batch_size 20 \
    -fno_width 32 -fno_modes 12 -fno_layers 4 -fno_hidden 128 -optim adam -lr 1e-3 -weight_decay 1e-4 -quiet -report "$tmp/$1.$4.json" > "$tmp/$1.$4.txt"
}
run_torch() { # name threads openblas_threads repeat
  if [ -n "$py" ]; then
    OPENBLAS_NUM_THREADS=$3 OMP_NUM_THREADS=$2 MKL_NUM_THREADS=$2 "$py" "$root/bench/fno_torch.py" --threads "$2" --samples "$TS" --infer "$NINF" | tail -1 > "$tmp/$1.$4.json"
  else echo '{}' > "$tmp/$1.$4.json"; fi
}
# the two sides alternate, so that both see the same changes of load (CORES=1: the one-core rows only)
for r in $(seq "$REPEAT"); do
  run_pdeop p1 1 1 "$r"
  run_torch t1 1 1 "$r"
  if [ "${CORES:-2}" != 1 ]; then
    run_pdeop p2 2 1 "$r"
    run_torch t2 2 2 "$r"
    run_pdeop p1t2 1 2 "$r"
    run_torch t2b 2 1 "$r"
  fi
done

# the program itself on a Darcy set made by pdeop (-res 64 -fine 64): epoch times from the CSV log, after epoch 1
"$build/pdeop" data darcy -n "$N" -res 64 -fine 64 -seed 1 -o "$tmp/darcy.h5" -quiet
cli_train() { # np -> samples/s of epochs 2.. from the log, best of REPEAT runs
  for r in $(seq "$REPEAT"); do
    OPENBLAS_NUM_THREADS=1 mpiexec -n "$1" "$build/pdeop" train -model fno -data "$tmp/darcy.h5" -epochs $((EPOCHS + 1)) -batch_size 20 \
      -optim adam -lr 1e-3 -weight_decay 1e-4 -log "$tmp/cli$1.csv" -curve_png "" -quiet > /dev/null
    awk -F, -v n="$N" 'NR > 2 { s += $4; k++ } END { printf "%.1f\n", n * k / s }' "$tmp/cli$1.csv"
  done | sort -g | tail -1
}
cli1=$(cli_train 1)
cli2=-
[ "${CORES:-2}" != 1 ] && cli2=$(cli_train 2)
torchv=$(jget_or_empty "$tmp/t1.1.json" torch)

echo "Parameters: pdeop $(jget_or_empty "$tmp/p1.1.json" params), PyTorch $(jget_or_empty "$tmp/t1.1.json" params); PyTorch ${torchv:-not installed}; best of $REPEAT runs each"
echo
echo "| cores | pdeop run | PyTorch run | train samples/s pdeop | PyTorch | pdeop/PyTorch | inference samples/s pdeop | PyTorch | pdeop/PyTorch | train samples per CPU s pdeop | PyTorch | pdeop/PyTorch | peak RSS MiB pdeop | PyTorch |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
row() { # cores pdeop-label pdeop-name torch-label torch-name
  local pt pi tt ti pc tc
  pt=$(best "$3" train_samples_per_s); pi=$(best "$3" infer_samples_per_s); pc=$(best "$3" train_samples_per_cpu_s)
  tt=$(best "$5" train_samples_per_s); ti=$(best "$5" infer_samples_per_s); tc=$(best "$5" train_samples_per_cpu_s)
  echo "| $1 | $2 | $4 | $(fmt "$pt") | $(fmt "$tt") | $(ratio "$pt" "$tt") | $(fmt "$pi") | $(fmt "$ti") | $(ratio "$pi" "$ti") | $(fmt "$pc") | $(fmt "$tc") | $(ratio "$pc" "$tc") | $(fmt "$(jget_or_empty "$tmp/$3.1.json" max_rss_mib_sum)") | $(fmt "$(jget_or_empty "$tmp/$5.1.json" max_rss_mib)") |"
}
row 1 "1 rank" p1 "1 thread" t1
row 2 "2 ranks (mpiexec -n 2)" p2 "2 threads, all *_NUM_THREADS=2" t2
row 2 "2 ranks (mpiexec -n 2)" p2 "2 threads, OPENBLAS_NUM_THREADS=1" t2b
row 2 "1 rank, OPENBLAS_NUM_THREADS=2" p1t2 "2 threads, OPENBLAS_NUM_THREADS=1" t2b
echo
echo "pdeop peak RSS before evaluation (training alone): 1 rank $(fmt "$(jget_or_empty "$tmp/p1.1.json" max_rss_mib_sum_training)") MiB, 2 ranks $(fmt "$(jget_or_empty "$tmp/p2.1.json" max_rss_mib_sum_training)") MiB (sum)"
echo
echo "pdeop train on a Darcy set (-res 64, $N samples, epochs 2-$((EPOCHS + 1)) from the CSV log): 1 rank $cli1 samples/s, 2 ranks $cli2 samples/s"
echo
echo "sgemm peak (bench_ops, 1024^3, 1 thread): $peak GFLOP/s per core"
echo
echo "One Fourier layer of the benchmark against full 2D FFTW transforms alone (bench_ops, 1 thread, median):"
sed -n '/^## spectral convolution 2D/,/forward+backward/p' "$tmp/ops.txt" | sed '1s/^## /### /'
echo
bestrun() { # the run of NAME with the highest training throughput
  for r in $(seq "$REPEAT"); do echo "$(jget_or_empty "$tmp/$1.$r.json" train_samples_per_s) $r"; done | sort -g | tail -1 | cut -d' ' -f2
}
echo "Load average (1, 5, 15 min) before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs on the machine)"
echo
echo "### Where pdeop's training step goes, 1 rank (PETSc log events in the timed stage of the best run)"
echo
sed -n '/^| event/,$p' "$tmp/p1.$(bestrun p1).txt"
if [ "${CORES:-2}" != 1 ]; then
  echo
  echo "### 2 ranks (time per event: mean over the ranks; GFLOP/s of both ranks together, against a peak of $(awk -v p="$peak" 'BEGIN{printf "%.1f", 2 * p}'))"
  echo
  sed -n '/^| event/,$p' "$tmp/p2.$(bestrun p2).txt"
fi
