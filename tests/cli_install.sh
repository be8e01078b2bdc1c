# The install tree works for other projects: cmake --install, then build a small outside program
# against it once with pkg-config and once with CMake's find_package(pdeop), and run both.
source "$(dirname "$0")/lib_cli.sh"
: "${PDEOP_BUILD_DIR:?}" "${CMAKE_COMMAND:?}"
prefix="$work/prefix"
"$CMAKE_COMMAND" --install "$PDEOP_BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 && ok "cmake --install" || { bad "cmake --install: $(tail -5 "$work/install.log")"; finish; }
for f in include/pdeop/pdeop.h lib/pkgconfig/pdeop.pc lib/cmake/pdeop/pdeopConfig.cmake bin/pdeop; do
  [ -e "$prefix/$f" ] && ok "installed $f" || bad "missing $f"
done
mkdir -p "$work/app"
cat >"$work/app/app.c" <<'C'
#include <pdeop/pdeop.h>
/* outside program: build y = tanh(x) * 2 on a tape, check the value and the gradient */
int main(int argc, char **argv)
{
  PdTape   tape;
  PdTensor x, y, l;
  PetscInt n = 1;
  PetscCall(PdInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PdTapeCreate(PETSC_COMM_WORLD, &tape));
  PetscCall(PdTapeVariable(tape, 1, &n, &x));
  x->data[0] = 0.5f;
  PetscCall(PdTanh(x, &y));
  PetscCall(PdScale(y, 2.0f, &l));
  PetscCall(PdTapeBackward(tape, l));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "value %.6f grad %.6f\n", (double)l->data[0], (double)x->grad[0]));
  PetscCall(PdTapeDestroy(&tape));
  PetscCall(PetscFinalize());
  return 0;
}
C
expect="value 0.924234 grad 1.572895" # 2 tanh(0.5), 2 (1 - tanh(0.5)^2)
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cc="${CMAKE_C_COMPILER:-mpicc}"
extra="${PDEOP_OUTSIDE_FLAGS:-}"
if $cc $extra -o "$work/app/app_pc" "$work/app/app.c" $(pkg-config --cflags --libs pdeop) 2>"$work/cc.log"; then
  got="$("$work/app/app_pc")"; [ "$got" = "$expect" ] && ok "pkg-config build runs: $got" || bad "pkg-config build printed '$got', expected '$expect'"
else bad "pkg-config build: $(head -5 "$work/cc.log")"; fi
cat >"$work/app/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(app C)
find_package(pdeop REQUIRED)
add_executable(app app.c)
target_link_libraries(app PRIVATE pdeop::pdeop)
CM
if "$CMAKE_COMMAND" -S "$work/app" -B "$work/app/build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="$extra" >"$work/cm.log" 2>&1 && "$CMAKE_COMMAND" --build "$work/app/build" >>"$work/cm.log" 2>&1; then
  got="$("$work/app/build/app")"; [ "$got" = "$expect" ] && ok "find_package(pdeop) build runs: $got" || bad "find_package build printed '$got'"
else bad "find_package(pdeop) build: $(tail -5 "$work/cm.log")"; fi
finish
