# The floors hold by construction: with a floor's staged include directory a header of a higher
# floor does not compile while its own and lower ones do, and cmake/layering.cmake rejects a quoted
# include that climbs out of a floor's folder (checked on a copy of the tree with one bad line).
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

tree="$work/tree"
mkdir -p "$tree"
for d in src meshes operators solvers cli; do cp -r "$PDEOP_SOURCE_DIR/$d" "$tree/"; done
"$CMAKE_COMMAND" -DROOT="$tree" -DFLOORS=src:meshes:operators:solvers:cli -P "$PDEOP_SOURCE_DIR/cmake/layering.cmake" >"$work/l.log" 2>&1 && ok "layering check passes on the tree" || bad "layering check fails on the tree: $(cat "$work/l.log")"
f="$(ls "$tree"/meshes/*/*.c | head -1)"
sed -i '1i #include "../../operators/interface/nopimpl.h"' "$f"
if "$CMAKE_COMMAND" -DROOT="$tree" -DFLOORS=src:meshes:operators:solvers:cli -P "$PDEOP_SOURCE_DIR/cmake/layering.cmake" >"$work/l.log" 2>&1; then
  bad "a quoted include from meshes/ into operators/ passes the layering check"
else
  tr -s " \n" " " <"$work/l.log" | grep -q "is not a header of meshes/" && ok "a quoted include from meshes/ into operators/ is rejected" || bad "layering check failed without the message: $(cat "$work/l.log")"
fi
finish
