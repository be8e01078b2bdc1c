# Sourced by the bench scripts that take a build folder: strict mode, the source root ($root), and
# bench_build to find the build folder and check that the programs the script runs are built.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# bench_build SCRIPT DIR PROGRAM...: build= the folder DIR (default $root/build, made absolute);
# each PROGRAM must be an executable there, else SCRIPT stops with a message that says to build it.
bench_build() {
  local script="$1" prog
  [ -d "${2:-$root/build}" ] || { echo "$script: the build folder ${2:-$root/build} does not exist: build first (scripts/build.sh ${2:-build})" >&2; exit 1; }
  build="$(cd "${2:-$root/build}" && pwd)"
  shift 2
  for prog in "$@"; do
    [ -x "$build/$prog" ] || { echo "$script: $build/$prog is missing: build first (cmake --build $build)" >&2; exit 1; }
  done
}

# bench_int SCRIPT NAME MIN: the environment setting NAME (already given its default) must be a whole
# number of at least MIN, else SCRIPT stops with a message naming it, before any work is done.
bench_int() {
  local v="${!2}"
  [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge "$3" ] || { echo "$1: $2=$v: it must be a whole number of at least $3" >&2; exit 1; }
}

# $pdeop: the pdeop program, $PDEOP or build/pdeop in the source root (scripts that take a build
# folder set it from bench_build instead)
pdeop="${PDEOP:-$root/build/pdeop}"

# bench_need PROGRAM...: each PROGRAM (a path) must be executable, else stop with a message that says
# to build first.
bench_need() {
  local prog
  for prog in "$@"; do
    [ -x "$prog" ] || { echo "build pdeop first (scripts/build.sh)"; exit 1; }
  done
}

# bench_tmp: $tmp, a scratch folder removed when the script exits.
bench_tmp() {
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
}

# jget FILE KEY: the value of KEY in a flat JSON report (-report), quotes removed; a missing key fails.
jget() { grep -o "\"$2\": *[^,}]*" "$1" | head -1 | sed 's/^[^:]*: *//; s/"//g'; }
# jget_or_empty FILE KEY: the same, but empty where the file or the key is missing.
jget_or_empty() { { grep -so "\"$2\": *[^,}]*" "$1" || true; } | head -1 | sed 's/^[^:]*: *//; s/"//g'; }

# bench_machine [DATE_FORMAT]: "machine: N cores, CPU model; date" to head a table (the caller
# appends what else to say about the run); the date as date -u +DATE_FORMAT (default %Y-%m-%d).
# The cores online (nproc would count OMP_NUM_THREADS, which the scripts set to 1).
bench_machine() {
  echo "machine: $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(date -u +"${1:-%Y-%m-%d}")"
}

# bench_load: the 1- and 5-minute load averages and the processes running now (besides the caller)
bench_load() { awk '{ split($4, r, "/"); printf "%s (1 min), %s (5 min), %d running", $1, $2, r[1] - 1 }' /proc/loadavg; }
# bench_idle: whether the machine is idle enough for a speed-up of ranks to mean anything
bench_idle() { awk -v c="$(getconf _NPROCESSORS_ONLN)" '{ print ($1 < 0.5 * c) ? "idle enough (1-min load below half the cores)" : "NOT idle (other jobs): the 2-rank speed-up below measures the load, not the code" }' /proc/loadavg; }

# the training and held-out files of one family of systems written by bench_write_systems:
# OUTDIR/TAG.train.petsc (systems 0..NTRAIN-1) and OUTDIR/TAG.held.petsc (systems 1000.. of the same
# seed, 11); a file that exists is kept. Usage: bench_family_files WRITER OUTDIR TAG KIND N NTRAIN NHELD
bench_family_files() {
  local writer=$1 dir=$2 tag=$3 kind=$4 n=$5 ntrain=$6 nheld=$7 part f args
  for part in train held; do
    f="$dir/$tag.$part.petsc"
    [ $part = train ] && args="-count $ntrain" || args="-count $nheld -first 1000"
    # shellcheck disable=SC2086
    if [ ! -s "$f" ]; then rm -f "$f.tmp"; "$writer" -kind "$kind" -n "$n" $args -seed 11 -o "$f.tmp" && mv "$f.tmp" "$f"; fi
  done
}

# bench_keep_freed_memory: glibc's malloc keeps freed memory instead of returning it to the system
# (mmap threshold at its 32 MB maximum, no trimming), exported for every program the script runs.
# PyTorch allocates a fresh tensor per op; with glibc's defaults each one over 128 KB is a new mmap
# whose pages fault on first touch, which on virtual machines where page faults are expensive halved
# PyTorch's FNO training rate (17 against 37 samples/s on one core). A PyTorch user who cares about CPU
# speed swaps the allocator (jemalloc, tcmalloc) or sets these; pdeop's tape reuses its arena and is
# unaffected. The peer runs with the setting, so that the ratio measures the code, not page faults.
bench_keep_freed_memory() { export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296; }
bench_malloc_note="glibc malloc keeps freed memory (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_; bench/lib.sh)"
