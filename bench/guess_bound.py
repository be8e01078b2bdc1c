#!/usr/bin/python3
"""How accurate must an initial guess be to save iterations? CG + ICC(0) to rtol 1e-8 on Darcy systems
written by `pdeop solve darcy -o_system`, from guesses x* + e with the exact solution x* (LU) and an error
e of relative size eps that is smooth (the lowest sine mode) or rough (white noise), boundary values exact.
Prints a markdown table of mean iterations over the systems. Usage: guess_bound.py SYSTEM.petsc..."""
import sys

import numpy as np
import petsc4py

petsc4py.init([sys.argv[0]])
from petsc4py import PETSc  # noqa: E402


def iterations(A, b, x0):
    k = PETSc.KSP().create()
    k.setOperators(A)
    k.setType("cg")
    k.getPC().setType("icc")
    k.setTolerances(rtol=1e-8)
    x = b.duplicate()
    x.setArray(x0)
    k.setInitialGuessNonzero(True)
    k.solve(b, x)
    assert k.getConvergedReason() > 0
    return k.getIterationNumber()


epss = [2e-2, 1e-2, 5e-3, 1e-3, 1e-4]
rng = np.random.default_rng(0)
rows = {}
for path in sys.argv[1:]:
    v = PETSc.Viewer().createBinary(path, "r")
    A = PETSc.Mat().load(v)
    b = PETSc.Vec().load(v)
    n = b.getSize()
    s = int(round(n**0.5))
    lu = PETSc.KSP().create()
    lu.setOperators(A)
    lu.setType("preonly")
    lu.getPC().setType("lu")
    xs = b.duplicate()
    lu.solve(b, xs)
    X = xs.getArray().copy()
    i, j = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
    kinds = {"smooth": np.sin(np.pi * i / (s - 1)) * np.sin(np.pi * j / (s - 1)), "rough": rng.standard_normal((s, s))}
    r = rows.setdefault(s, {"zero": []})
    r["zero"].append(iterations(A, b, np.zeros(n)))
    for kind, f in kinds.items():
        f = f.ravel().copy()
        f[X == 0] = 0
        for eps in epss:
            r.setdefault((kind, eps), []).append(iterations(A, b, X + eps * np.linalg.norm(X) * f / np.linalg.norm(f)))

print("| grid | systems | zero guess its | error | smooth error: its | saved | rough error: its | saved |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for s, r in sorted(rows.items()):
    z = np.mean(r["zero"])
    for eps in epss:
        sm, ro = np.mean(r[("smooth", eps)]), np.mean(r[("rough", eps)])
        print(f"| {s}² | {len(r['zero'])} | {z:.1f} | {eps:.0e} | {sm:.1f} | {100 * (1 - sm / z):.0f}% | {ro:.1f} | {100 * (1 - ro / z):.0f}% |")
