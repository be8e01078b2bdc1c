# Sourced by the bench scripts that take a build folder: strict mode, the source root ($root), and
# bench_build to find the build folder and check that the programs the script runs are built.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# bench_build SCRIPT DIR PROGRAM...: build= the folder DIR (default $root/build, made absolute);
# each PROGRAM must be an executable there, else SCRIPT stops with a message that says to build it.
bench_build() {
  local script="$1" prog
  build="$(cd "${2:-$root/build}" && pwd)"
  shift 2
  for prog in "$@"; do
    [ -x "$build/$prog" ] || { echo "$script: $build/$prog is missing: build first (cmake --build $build)" >&2; exit 1; }
  done
}
