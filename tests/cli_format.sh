# Every C file is as scripts/format (clang-format with .clang-format) leaves it; and the check can
# fail: a copy of one file with its indentation broken is found.
source "$(dirname "$0")/lib_cli.sh"
: "${PDEOP_SOURCE_DIR:?}"
cd "$PDEOP_SOURCE_DIR"
if out=$(scripts/format --check 2>&1); then ok "every C file is formatted (scripts/format --check)"; else bad "not formatted (run scripts/format): $out"; fi
printf 'int f(void)\n{\n      return 0;\n}\n' >"$work/bad.c"
cp .clang-format "$work/"
if clang-format --style=file "$work/bad.c" | cmp -s - "$work/bad.c"; then bad "clang-format leaves a badly indented file alone"; else ok "clang-format finds a badly indented file"; fi
finish
