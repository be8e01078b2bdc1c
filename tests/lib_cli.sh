# Helpers sourced by the tests/cli_*.sh end-to-end tests: checks that fail loudly, JSON lookup.
set -euo pipefail
: "${PDEOP:?PDEOP must point to the pdeop program}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
nfail=0
npass=0
ok() { npass=$((npass + 1)); echo "ok - $*"; }
bad() { nfail=$((nfail + 1)); echo "not ok - $*"; }
# jget FILE KEY: a value from a flat JSON object
jget() { grep -o "\"$2\": *[^,}]*" "$1" | head -1 | sed 's/^[^:]*: *//; s/"//g'; }
# check "description" awk-expression-on-a-b a b: e.g. check "mse small" 'a < 1e-3' "$mse"
check() { local d="$1" e="$2" a="$3" b="${4:-0}"; if awk -v a="$a" -v b="$b" "BEGIN{exit !($e)}"; then ok "$d ($a${4:+ vs $b})"; else bad "$d ($a${4:+ vs $b}) fails: $e"; fi; }
# expect_fail "description" "pattern the message must contain" cmd...: non-zero exit and message
expect_fail() {
  local d="$1" pat="$2"; shift 2
  # a command that fails leaves its objects to the process's end, as PETSc's error unwinding does:
  # LeakSanitizer looks at successful runs only
  if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$@" >"$work/out" 2>"$work/err"; then bad "$d: exited 0"; return; fi
  if grep -q -- "$pat" "$work/err" "$work/out"; then ok "$d"; else bad "$d: message lacks '$pat': $(cat "$work/err")"; fi
}
finish() { echo "$npass passed, $nfail failed"; [ "$nfail" -eq 0 ]; }
