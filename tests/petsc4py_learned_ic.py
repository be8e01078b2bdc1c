"""petsc4py with pdeop's preconditioners: a PETSc program in Python that does not link pdeop builds a
small DMDA system (5-point -div(k grad u) = 1, k = 1 or 10 on the left and right halves, Dirichlet
boundary eliminated), loads pdeop's types with -dll_append, and solves it with CG and ICC(0), and with
-pc_type learned_ic with and without the trial against ICC(0) (and a second model with the trial).
Prints one line per solve: "<name> <iterations> <converged reason> <ran> <true relative residual>".
Usage: python3 petsc4py_learned_ic.py -dll_append libpdeop.so -model ic.h5 [-weak old.h5] [-n 24]"""
import sys

import petsc4py

petsc4py.init(sys.argv)
from petsc4py import PETSc  # noqa: E402 (after init, which reads -dll_append)

opts = PETSc.Options()
n = opts.getInt("n", 24)
model = opts.getString("model")
weak = opts.getString("weak", "")

da = PETSc.DMDA().create([n, n], stencil_width=1, comm=PETSc.COMM_SELF)
A = da.createMatrix()
h2 = 1.0 / (n + 1) ** 2


def k(i, j):  # the coefficient at node (i, j); faces take the harmonic mean
    return 10.0 if i >= n // 2 else 1.0


def face(a, b):
    return 2 * a * b / (a + b)


for j in range(n):
    for i in range(n):
        row = j * n + i
        diag = 0.0
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            ii, jj = i + di, j + dj
            kf = face(k(i, j), k(min(max(ii, 0), n - 1), min(max(jj, 0), n - 1)))
            diag += kf
            if 0 <= ii < n and 0 <= jj < n:
                A.setValue(row, jj * n + ii, -kf / h2)
        A.setValue(row, row, diag / h2)
A.assemble()
b = A.createVecLeft()
b.set(1.0)


def solve(name, pc_type, **options):
    x = b.duplicate()
    ksp = PETSc.KSP().create(comm=PETSc.COMM_SELF)
    ksp.setOptionsPrefix(name + "_")
    ksp.setOperators(A)
    ksp.setType("cg")
    ksp.setTolerances(rtol=1e-8, max_it=2000)
    ksp.getPC().setType(pc_type)
    for key, value in options.items():
        opts[name + "_" + key] = value
    ksp.setFromOptions()
    ksp.solve(b, x)
    ran = "-"
    if pc_type == "learned_ic":
        viewer = PETSc.Viewer().createASCII(name + ".view", comm=PETSc.COMM_SELF)
        ksp.view(viewer)
        viewer.destroy()
        for line in open(name + ".view"):
            if "ran:" in line:
                ran = "learned" if "the learned factor" in line else "icc" if "ICC(0)" in line else "?"
    # the true residual, checked here rather than trusted from the KSP
    r = b.duplicate()
    A.mult(x, r)
    r.axpy(-1.0, b)
    rel = r.norm() / b.norm()
    print(name, ksp.getIterationNumber(), ksp.getConvergedReason(), ran, "%.3e" % rel)
    ksp.destroy()


solve("icc", "icc")
solve("learned", "learned_ic", pc_learned_model=model, pc_learned_ic_fallback="none")
solve("trial", "learned_ic", pc_learned_model=model)
if weak:
    solve("weak", "learned_ic", pc_learned_model=weak)
