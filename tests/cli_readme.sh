# README's "Using the program" runs top to bottom: every command of its sh blocks that starts with
# build/ or mpiexec, with the `# small:` variant(s) in place of a long command, in one directory
# (later commands read the files earlier ones wrote). Each command must exit 0; times are printed.
source "$(dirname "$0")/lib_cli.sh"
: "${PDEOP_BUILD_DIR:?}"
src="${PDEOP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
mpi="${MPIEXEC:-mpiexec}"
export OPENBLAS_NUM_THREADS=1
# the section's commands, one per line (continuations joined), each long one replaced by its small variants
awk '
  /^## Using the program/ { on = 1; next }
  on && /^## / { exit }
  on && /^```sh/ { code = 1; next }
  on && /^```/ { code = 0; flush(); next }
  function flush() { if (cmd != "") { print (nsmall ? small : cmd) } cmd = ""; small = ""; nsmall = 0 }
  !code { next }
  cont { cmd = cmd " " $0; sub(/\\$/, "", cmd); cont = /\\$/; next }
  /^# small: / { s = $0; sub(/^# small: /, "", s); small = small (nsmall++ ? "\n" : "") s; next }
  /^(build\/|mpiexec )/ { flush(); cmd = $0; cont = /\\$/; if (cont) sub(/\\$/, "", cmd); next }
  { next }
  END { flush() }
' "$src/README.md" >cmds.txt 2>/dev/null || { bad "cannot read the README"; finish; }
mv cmds.txt "$work/cmds.txt"
cd "$work"
n=$(wc -l <cmds.txt)
[ "$n" -ge 40 ] && ok "the README's \"Using the program\" gives $n commands to run" || bad "only $n commands found in the README"
t0=$(date +%s)
while IFS= read -r line; do
  c="${line%%  #*}"  # drop the trailing comment
  c="${c//build\//$PDEOP_BUILD_DIR/}"
  c="${c//examples\//$src/examples/}"
  c="${c/#mpiexec /$mpi }"
  s=$(date +%s.%N)
  if eval "$c" </dev/null >out.txt 2>&1; then
    ok "$(awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN { printf "%5.1f s", e - s }')  ${line:0:150}"
  else
    bad "${line:0:150}: $(tail -3 out.txt)"
  fi
done <cmds.txt
echo "all commands: $(( $(date +%s) - t0 )) s"
finish
