#!/usr/bin/python3
"""What sets the STDE table's error at high d: the part of the exact solution u* that is linear in x.

For each `pdeop pinn -o` checkpoint (its problem: d, the coefficients c, two- or three-body), draws N points
as pdeop's test sampler does (Gaussian direction, radius uniform in [0, 1]) and prints
  - s = sum(c) / |c|, the problem's draw (u* is about (1 - |x|^2) sin(1) sum(c) plus smaller terms);
  - the share of u* (relative L2) that is not a function of |x| alone: u*/(1 - |x|^2) less its least-squares
    fit by a quartic in |x|^2;
  - the share of u* in the linear part (1 - |x|^2) cos(1) sum_i c_i (x_i + x_{i+1}) (two-body; the
    three-body solution has no linear part);
(or at the points of -points F, /points as `pdeop pinn -save_points` writes a run's test set), and, for a trained checkpoint (epoch > 0) when a pdeop binary is given, the network's error e = N - u* at
those points split as e = -beta (linear part) + rest: beta = 1 means the network learned none of the
linear part, beta = 0 all of it.
Needs numpy and h5py (Debian: python3-numpy python3-h5py).
Usage: stde_linear.py [-n N | -points F] [-pdeop path/to/pdeop] checkpoint.h5 ..."""
import os
import subprocess
import sys
import tempfile

import numpy as np

try:
    import h5py
except ImportError:
    sys.exit("stde_linear.py: needs h5py (apt-get install python3-h5py)")


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def points(rng, n, d):
    g = rng.standard_normal((n, d))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    r = rng.uniform(0.0, 1.0, n)
    return g * r[:, None], r


def exact_parts(x, c, solution):
    """u*/(1 - |x|^2) and its linear part at the rows of x."""
    if solution == "two-body":
        a, b = x[:, :-1], x[:, 1:]
        return np.sin(a + np.cos(b) + b * np.cos(a)) @ c, np.cos(1.0) * ((a + b) @ c)
    if solution == "three-body":
        return np.exp(x[:, :-2] * x[:, 1:-1] * x[:, 2:]) @ c, np.zeros(x.shape[0])
    sys.exit(f"stde_linear.py: solution {solution!r} is not two-body or three-body")


def analyse(path, n, pdeop, rng, given=None):
    with h5py.File(path, "r") as f:
        if "c" not in f or "pinn_dim" not in f.attrs:
            sys.exit(f"stde_linear.py: {path} is not a pdeop pinn checkpoint (no /c or pinn_dim)")
        c = f["c"][()]
        d = int(f.attrs["pinn_dim"])
        solution = text(f.attrs["pinn_solution"])
        epoch = int(f.attrs.get("epoch", 0))
        problem = int(f.attrs.get("pinn_problem_seed", f.attrs.get("seed", 0)))
    if given is not None:
        with h5py.File(given, "r") as f:
            pts = f["points"]
            if pts.shape[1] != d:
                sys.exit(f"stde_linear.py: {given} holds points of dimension {pts.shape[1]}, {path} is d = {d}")
            n = pts.shape[0]
    x = np.empty((n, d))
    S = np.empty(n)
    L = np.empty(n)
    r = np.empty(n)
    chunk = max(1, min(n, 10**7 // d))  # about 80 MB of float64 at a time
    for s in range(0, n, chunk):
        if given is not None:
            with h5py.File(given, "r") as f:
                xs = f["points"][s : s + chunk].astype(np.float64)
            rs = np.linalg.norm(xs, axis=1)
        else:
            xs, rs = points(rng, min(chunk, n - s), d)
        x[s : s + len(rs)] = xs
        S[s : s + len(rs)], L[s : s + len(rs)] = exact_parts(xs, c, solution)
        r[s : s + len(rs)] = rs
    w = 1.0 - r**2
    u = w * S
    V = np.vander(r**2, 5)
    R = S - V @ np.linalg.lstsq(V, S, rcond=None)[0]
    nu = np.linalg.norm(u)
    row = [os.path.basename(path), solution, d, problem, c.sum() / np.linalg.norm(c), np.linalg.norm(w * R) / nu, np.linalg.norm(w * L) / nu]
    if epoch > 0 and pdeop:
        with tempfile.TemporaryDirectory() as tmp:
            with h5py.File(os.path.join(tmp, "p.h5"), "w") as f:
                f["points"] = x.astype(np.float32)
            subprocess.run([pdeop, "predict", "-model", path, "-points", os.path.join(tmp, "p.h5"), "-o", os.path.join(tmp, "v.h5")], check=True, stdout=subprocess.DEVNULL)
            with h5py.File(os.path.join(tmp, "v.h5"), "r") as f:
                v = f["values"][()].reshape(-1).astype(np.float64)
        e = v - u
        wl = w * L
        beta = -(e @ wl) / (wl @ wl) if wl @ wl > 0 else float("nan")
        row += [epoch, np.linalg.norm(e) / nu, beta, np.linalg.norm(e + beta * wl) / nu]
    else:
        row += [epoch, None, None, None]
    return row


def main(argv):
    n, pdeop, given, files = 2000, None, None, []
    it = iter(argv)
    for a in it:
        if a == "-n":
            n = int(next(it, "0"))
        elif a == "-pdeop":
            pdeop = next(it, None)
        elif a == "-points":
            given = next(it, None)
        else:
            files.append(a)
    if n < 10 or not files:
        sys.exit(__doc__.strip().splitlines()[-1])
    rng = np.random.default_rng(20241)
    print("| checkpoint | solution | d | problem | sum(c)/\\|c\\| | non-radial share | linear share | step | rel_l2 here | beta | rest |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path in files:
        row = analyse(path, n, pdeop, rng, given)
        cells = ["-" if v is None else (f"{v:.3e}" if k in (5, 6, 8, 10) else (f"{v:.3f}" if k in (4, 9) else str(v))) for k, v in enumerate(row)]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
