# The floors hold by construction: with a floor's staged include directory a header of a higher
# floor does not compile while its own and lower ones do, and cmake/layering.cmake rejects a quoted
# include that climbs out of a floor's folder (checked on a copy of the tree with one bad line).
# At link level no object of a floor uses a symbol that a floor above it defines (nm on the object
# libraries; checked with one extra upward call). The size floors too: no source file below cli/
# over 700 lines, no function over 150.
source "$(dirname "$0")/lib_cli.sh"
: "${PDEOP_BUILD_DIR:?}" "${PDEOP_SOURCE_DIR:?}" "${CMAKE_COMMAND:?}"
cc="${MPICC:-mpicc}"
flags="$(pkg-config --cflags petsc) -I$PDEOP_BUILD_DIR/generated"
compiles() { # floor header
  printf '#include <pdeop/%s>\nint main(void) { return 0; }\n' "$2" >"$work/t.c"
  $cc $flags -I"$PDEOP_BUILD_DIR/floors/$1" -c "$work/t.c" -o "$work/t.o" 2>"$work/cc.log"
}
for pair in engine:ops.h engine:io.h meshes:field.h meshes:ops.h operators:nop.h operators:mesh.h solvers:pdeop.h; do
  compiles "${pair%%:*}" "${pair#*:}" && ok "floor ${pair%%:*} sees ${pair#*:}" || bad "floor ${pair%%:*} cannot include ${pair#*:}: $(head -3 "$work/cc.log")"
done
for pair in engine:nop.h engine:mesh.h engine:pdeop.h meshes:nop.h meshes:solve.h operators:train.h operators:learned.h; do
  compiles "${pair%%:*}" "${pair#*:}" && bad "floor ${pair%%:*} includes ${pair#*:} from a floor above it" || ok "floor ${pair%%:*} cannot include ${pair#*:}"
done
# every public header is staged for the top floor
n_pub=$(ls "$PDEOP_SOURCE_DIR/include/pdeop/"*.h | wc -l)
n_top=$(ls "$PDEOP_BUILD_DIR/floors/solvers/pdeop/"*.h | grep -vc version.h)
check "every public header belongs to a floor" 'a == b' "$n_top" "$n_pub"
missing=""
for h in "$PDEOP_SOURCE_DIR"/include/pdeop/*.h; do
  b="$(basename "$h")"
  [ "$b" = pdeop.h ] || grep -q "#include <pdeop/$b>" "$PDEOP_SOURCE_DIR/include/pdeop/pdeop.h" || missing="$missing $b"
done
[ -z "$missing" ] && ok "pdeop.h includes every public header" || bad "pdeop.h leaves out:$missing"

tree="$work/tree"
mkdir -p "$tree"
for d in src meshes operators solvers cli; do cp -r "$PDEOP_SOURCE_DIR/$d" "$tree/"; done
"$CMAKE_COMMAND" -DROOT="$tree" -DFLOORS=src:meshes:operators:solvers:cli -P "$PDEOP_SOURCE_DIR/cmake/layering.cmake" >"$work/l.log" 2>&1 && ok "layering check passes on the tree" || bad "layering check fails on the tree: $(cat "$work/l.log")"
g="$(ls "$tree"/solvers/*/*.c | head -1)"
cp "$g" "$work/g.c"
sed -i '1i #include <../operators/interface/nopimpl.h>' "$g"
if "$CMAKE_COMMAND" -DROOT="$tree" -DFLOORS=src:meshes:operators:solvers:cli -P "$PDEOP_SOURCE_DIR/cmake/layering.cmake" >"$work/l.log" 2>&1; then
  bad "an angle include climbing with .. passes the layering check"
else
  tr -s " \n" " " <"$work/l.log" | grep -q "may not climb" && ok "an angle include climbing with .. is rejected" || bad "layering check failed without the message: $(cat "$work/l.log")"
fi
cp "$work/g.c" "$g"
f="$(ls "$tree"/meshes/*/*.c | head -1)"
sed -i '1i #include "../../operators/interface/nopimpl.h"' "$f"
if "$CMAKE_COMMAND" -DROOT="$tree" -DFLOORS=src:meshes:operators:solvers:cli -P "$PDEOP_SOURCE_DIR/cmake/layering.cmake" >"$work/l.log" 2>&1; then
  bad "a quoted include from meshes/ into operators/ passes the layering check"
else
  tr -s " \n" " " <"$work/l.log" | grep -q "is not a header of meshes/" && ok "a quoted include from meshes/ into operators/ is rejected" || bad "layering check failed without the message: $(cat "$work/l.log")"
fi
# size floors: files of src/ meshes/ operators/ solvers/ at most 700 lines, functions (from the line
# that names them to the closing brace in column 0) at most 150
sizes() { # dir...
  for d in "$@"; do find "$d" -name '*.[ch]'; done | sort | while read -r f; do
    awk -v F="$f" 'END { if (NR > 700) print F ": " NR " lines" }
      /^[A-Za-z].*\(/ { name = NR } /^\{/ { s = name } /^\}/ && s { if (NR - s + 1 > 150) print F ":" s ": a function of " NR - s + 1 " lines"; s = 0 }' "$f"
  done
}
(cd "$PDEOP_SOURCE_DIR" && sizes src meshes operators solvers) >"$work/sizes.log"
[ ! -s "$work/sizes.log" ] && ok "no file below cli/ over 700 lines, no function over 150" || bad "size floors broken: $(head -5 "$work/sizes.log")"
big="$work/big"
mkdir -p "$big/src"
{ echo 'static int f(void)'; echo '{'; for i in $(seq 151); do echo "  int a$i = $i;"; done; echo '  return 0;'; echo '}'; for i in $(seq 560); do echo "/* $i */"; done; } >"$big/src/f.c"
(cd "$big" && sizes src) >"$work/big.log"
grep -q 'f.c: 715 lines' "$work/big.log" && grep -q 'f.c:1: a function of 155 lines' "$work/big.log" && ok "the size check finds a long file and a long function" || bad "the size check missed a long file or function: $(cat "$work/big.log")"
# Link level: every floor is an object library (CMakeFiles/pdeop_<floor>.dir, and the program's
# objects in pdeop_cli.dir). No object of a floor may leave undefined a symbol that an object of a
# higher floor defines: the include floors keep the declarations out, this keeps the calls out (an
# implicit declaration, an extern written by hand or a symbol linked by name would pass the compiler).
floors_nm="engine meshes operators solvers cli"
link_floors() { # CMakeFiles directory: one line per upward reference, nothing when the floors hold
  local k=0 f
  for f in $floors_nm; do
    find -L "$1/pdeop_$f.dir" -name '*.o' | sort | while read -r o; do
      nm -g -P "$o" | awk -v K=$k -v F=$f -v O="${o#"$1"/}" '{ print K, F, O, $1, $2 }'
    done
    k=$((k + 1))
  done | awk '
    $5 != "U" && $5 != "w" && $5 != "v" { if (!($4 in rank)) { rank[$4] = $1; floor[$4] = $2; file[$4] = $3 } next }
    { use[++n] = $0 }
    END {
      for (i = 1; i <= n; i++) {
        split(use[i], u, " ")
        if ((u[4] in rank) && rank[u[4]] > u[1])
          printf "%s (floor %s) uses %s, defined by %s (floor %s)\n", u[3], u[2], u[4], file[u[4]], floor[u[4]]
      }
    }'
}
objs="$PDEOP_BUILD_DIR/CMakeFiles"
n_obj=0
for f in $floors_nm; do
  c=$(find "$objs/pdeop_$f.dir" -name '*.o' 2>/dev/null | wc -l)
  [ "$c" -gt 0 ] || bad "no object files of floor $f in $objs/pdeop_$f.dir"
  n_obj=$((n_obj + c))
done
link_floors "$objs" >"$work/link.log"
[ ! -s "$work/link.log" ] && ok "no object of a floor uses a symbol of a floor above it ($n_obj objects)" || bad "an object uses a symbol of a floor above it: $(head -5 "$work/link.log")"
# the check finds a call upward: an extra engine object that calls PdProblemCreate (solvers)
fake="$work/objs"
mkdir -p "$fake/pdeop_engine.dir"
for f in $floors_nm; do [ "$f" = engine ] || ln -s "$objs/pdeop_$f.dir" "$fake/pdeop_$f.dir"; done
ln -s "$objs/pdeop_engine.dir" "$fake/pdeop_engine.dir/real"
printf 'int PdProblemCreate(void *, void *);\nint PdUp(void) { return PdProblemCreate(0, 0); }\n' >"$work/up.c"
${CMAKE_C_COMPILER:-cc} -c "$work/up.c" -o "$fake/pdeop_engine.dir/up.c.o"
link_floors "$fake" >"$work/link.log"
grep -q '^pdeop_engine.dir/up.c.o (floor engine) uses PdProblemCreate, defined by pdeop_solvers.dir/solvers/pde/interface/problem.c.o (floor solvers)$' "$work/link.log" && ok "an engine object calling PdProblemCreate is found, the symbol and both files named" || bad "the link check missed an upward call: $(cat "$work/link.log")"
finish
