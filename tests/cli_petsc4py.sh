# petsc4py (Debian's python3-petsc4py, for /usr/bin/python3) with pdeop's preconditioners: a Python
# PETSc program that does not link pdeop loads them with -dll_append and solves a DMDA system with
# -pc_type learned_ic (a model trained here; with and without the trial against ICC(0)). Skipped
# (exit 77) only when petsc4py cannot be imported.
source "$(dirname "$0")/lib_cli.sh"
cd "$work"
P="$PDEOP"
py=/usr/bin/python3
if ! $py -c "import petsc4py" 2>/dev/null; then
  echo "petsc4py cannot be imported by $py (scripts/deps.sh installs python3-petsc4py): skipped"
  exit 77
fi
lib="${PDEOP_BUILD_DIR:?}/libpdeop.so"
pre=()
asan="$(ldd "$lib" 2>/dev/null | grep -o '/[^ ]*libasan[^ ]*' || true)"
[ -n "$asan" ] && pre=(env LD_PRELOAD="$asan" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
old="${PDEOP_SOURCE_DIR:-$(dirname "$0")/..}/tests/data/learned_ic_v0.h5"
$P precond train -type learned_ic -problem darcy -res 24 -count 8 -epochs 20 -o ic.h5 -quiet >/dev/null
"${pre[@]}" $py "${PDEOP_SOURCE_DIR:-$(dirname "$0")/..}/tests/petsc4py_learned_ic.py" -dll_append "$lib" -model ic.h5 -weak "$old" >py.out 2>py.err || bad "the petsc4py script failed: $(cat py.err)"
cat py.out
field() { awk -v n="$1" -v f="$2" '$1 == n {print $f}' py.out; }
check "ICC(0) converges" 'a > 0 && b < 1e-6' "$(field icc 3)" "$(field icc 5)"
check "learned_ic (no trial) converges, true residual small" 'a > 0 && b < 1e-6' "$(field learned 3)" "$(field learned 5)"
[ "$(field learned 4)" = learned ] && ok "-pc_learned_ic_fallback none: the learned factor ran" || bad "fallback none ran $(field learned 4)"
check "learned_ic with the trial converges" 'a > 0 && b < 1e-6' "$(field trial 3)" "$(field trial 5)"
check "with the trial at most 1.1x ICC(0)'s iterations" 'a <= 1.1 * b' "$(field trial 2)" "$(field icc 2)"
[ "$(field weak 4)" = icc ] && ok "the weak former model falls back to ICC(0)" || bad "weak model ran $(field weak 4)"
check "the weak model with the trial: ICC(0)'s iterations" 'a == b' "$(field weak 2)" "$(field icc 2)"
# a symmetric indefinite system (a 5-point Laplacian with its diagonal lowered to 2, written by
# petsc4py): the trial's CG meets a negative curvature, ICC(0) runs and CG says the matrix is
# indefinite, instead of a "converged" learned solve far from the answer
"${pre[@]}" $py - <<'PY' || bad "writing the indefinite system"
from petsc4py import PETSc
n = 16
A = PETSc.Mat().createAIJ([n * n, n * n], nnz=5, comm=PETSc.COMM_SELF)
for j in range(n):
    for i in range(n):
        r = j * n + i
        A[r, r] = 2.0
        for ii, jj in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
            if 0 <= ii < n and 0 <= jj < n:
                A[r, jj * n + ii] = -1.0
A.assemble()
b = A.createVecLeft()
b.set(1.0)
v = PETSc.Viewer().createBinary("indef.petsc", "w", comm=PETSc.COMM_SELF)
A.view(v)
b.view(v)
PY
expect_fail "training on an indefinite system" "or indefinite? learned_ic needs symmetric positive definite" $P precond train -type learned_ic -f indef.petsc -validation_fraction 0 -o x.h5
"${pre[@]}" $py - <<'PY' || bad "writing the non-symmetric system"
from petsc4py import PETSc
n = 8
A = PETSc.Mat().createAIJ([n * n, n * n], nnz=5, comm=PETSc.COMM_SELF)
for r in range(n * n):
    A[r, r] = 4.0
    if r + 1 < n * n:
        A[r, r + 1] = -1.0
        A[r + 1, r] = -1.5
A.assemble()
v = PETSc.Viewer().createBinary("nonsym.petsc", "w", comm=PETSc.COMM_SELF)
A.view(v)
PY
expect_fail "training on a non-symmetric system" "System 0 ('nonsym.petsc') is not symmetric" $P precond train -type learned_ic -f nonsym.petsc -validation_fraction 0 -o x.h5
"${pre[@]}" $py - <<'PY' || bad "writing the diagonal system"
from petsc4py import PETSc
A = PETSc.Mat().createAIJ([10, 10], nnz=1, comm=PETSc.COMM_SELF)
for r in range(10):
    A[r, r] = 1.0 + r
A.assemble()
v = PETSc.Viewer().createBinary("diag.petsc", "w", comm=PETSc.COMM_SELF)
A.view(v)
PY
expect_fail "training on a diagonal system" "the 10 x 10 matrix is diagonal, so there is nothing to learn" $P precond train -type learned_ic -f diag.petsc -validation_fraction 0 -o x.h5
expect_fail "an indefinite system with learned_ic: not reported converged" "DIVERGED_INDEFINITE_MAT" $P solve -f indef.petsc -ksp_type cg -pc_type learned_ic -pc_learned_model ic.h5
grep -q "not symmetric positive definite" "$work/err" && ok "the trial says the matrix is not SPD" || bad "no word on the indefinite matrix: $(head -3 "$work/err")"
finish
