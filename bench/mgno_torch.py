# The PyTorch side of bench/mgno_torch.sh: pdeop's MgNO (operators/impls/mgno/mgno.c) layer for layer,
# trained on the same HDF5 Darcy files with the same normalisation, loss, optimizer, batch and epochs;
# prints the parameter count, training/inference samples/s, test error and peak RSS as JSON.
import argparse
import json
import resource
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv3(cin, cout):
    """A learned 3x3 kernel [cout, cin, 3, 3], no bias, initialised as pdeop does: U(+-1/sqrt(9 cin))
    (PyTorch's own Conv2d default)."""
    return nn.Parameter(torch.empty(cout, cin, 3, 3).uniform_(-1 / np.sqrt(9 * cin), 1 / np.sqrt(9 * cin)))


class VCycleLayer(nn.Module):
    """One learned V-cycle from a zero initial guess on `levels` grids: smoother B, residual operator
    A, stride-2 restriction R, its transposed form P, optional post-smoothing C; a side n coarsens to
    (n + 1) / 2 (zero padding 1), P maps back onto the finer grid's exact shape."""

    def __init__(self, width, levels, smooth=1, post=False):
        super().__init__()
        self.levels, self.smooth, self.post = levels, smooth, post
        self.A = nn.ParameterList([conv3(width, width) for _ in range(levels)])
        self.B = nn.ParameterList([conv3(width, width) for _ in range(levels)])
        self.SA = nn.ParameterList([conv3(width, width) for _ in range(levels * (smooth - 1))])
        self.SB = nn.ParameterList([conv3(width, width) for _ in range(levels * (smooth - 1))])
        self.R = nn.ParameterList([conv3(width, width) for _ in range(levels - 1)])
        self.P = nn.ParameterList([conv3(width, width) for _ in range(levels - 1)])
        self.C = nn.ParameterList([conv3(width, width) for _ in range(levels - 1)] if post else [])

    def cycle(self, f, l):
        u = F.conv2d(f, self.B[l], padding=1)  # u = B f
        for i in range(self.smooth - 1):  # u += B_i (f - A_i u)
            k = l * (self.smooth - 1) + i
            u = u + F.conv2d(f - F.conv2d(u, self.SA[k], padding=1), self.SB[k], padding=1)
        if l == self.levels - 1:
            return u
        r = f - F.conv2d(u, self.A[l], padding=1)  # residual
        uc = self.cycle(F.conv2d(r, self.R[l], stride=2, padding=1), l + 1)  # restrict, recurse
        u = u + F.conv_transpose2d(uc, self.P[l], stride=2, padding=1,  # prolong onto f's grid
                                   output_padding=(f.shape[-2] - (2 * uc.shape[-2] - 1), f.shape[-1] - (2 * uc.shape[-1] - 1)))
        if self.post:  # u += C (f - A u)
            u = u + F.conv2d(f - F.conv2d(u, self.A[l], padding=1), self.C[l], padding=1)
        return u

    def forward(self, f):
        return self.cycle(f, 0)


class MgNO2d(nn.Module):
    """Grid coordinates as 2 more channels, a 1x1 lift, `layers` x (V-cycle + 1x1 conv with bias, then
    GELU), a projection through `hidden` channels with GELU; per-channel normalisation of the input
    and output by the training set's mean and standard deviation, as `pdeop train` does."""

    def __init__(self, cin, cout, width, levels, layers, hidden, smooth=1, post=False):
        super().__init__()
        self.lift = nn.Conv2d(cin + 2, width, 1)
        self.cycles = nn.ModuleList([VCycleLayer(width, levels, smooth, post) for _ in range(layers)])
        self.ws = nn.ModuleList([nn.Conv2d(width, width, 1) for _ in range(layers)])
        self.proj1 = nn.Conv2d(width, hidden, 1)
        self.proj2 = nn.Conv2d(hidden, cout, 1)
        for name in ("in_mean", "in_std", "out_mean", "out_std"):
            self.register_buffer(name, torch.zeros(1, 1, 1, 1))

    def forward(self, x):
        b, _, h, w = x.shape
        x = (x - self.in_mean) / self.in_std
        gy = torch.linspace(0, 1, h).reshape(1, 1, h, 1).expand(b, 1, h, w)
        gx = torch.linspace(0, 1, w).reshape(1, 1, 1, w).expand(b, 1, h, w)
        x = self.lift(torch.cat((x, gy, gx), dim=1))
        for cyc, pw in zip(self.cycles, self.ws):
            x = F.gelu(cyc(x) + pw(x))
        x = self.proj2(F.gelu(self.proj1(x)))
        return x * self.out_std + self.out_mean


def rel_l2(pred, y):
    """pdeop's PdRelL2Loss: mean over samples of ||p - y|| / ||y||."""
    b = pred.shape[0]
    return torch.mean(torch.norm((pred - y).reshape(b, -1), 2, 1) / torch.norm(y.reshape(b, -1), 2, 1))


def load(path):
    with h5py.File(path, "r") as f:
        return torch.from_numpy(np.asarray(f["inputs"], dtype=np.float32)), torch.from_numpy(np.asarray(f["outputs"], dtype=np.float32))


def channel_stats(t):
    """mean and population standard deviation per channel in double, as pdeop computes them"""
    d = t.double().transpose(0, 1).reshape(t.shape[1], -1)
    m = d.mean(1)
    s = torch.sqrt(torch.clamp((d * d).mean(1) - m * m, min=0))
    s[s <= 1e-12 * (m.abs() + 1e-30)] = 1
    return m.float().reshape(1, -1, 1, 1), s.float().reshape(1, -1, 1, 1)


def load_pdeop(model, path):
    """pdeop's checkpoint (parameters and normalisation) into the PyTorch model: a check that the two
    networks are the same function (--check)"""
    with h5py.File(path, "r") as f:
        p, a = f["params"], f.attrs
        L, S = int(a["mgno_levels"]), int(a["mgno_smooth"])

        def put(dst, name):
            src = torch.from_numpy(np.asarray(p[name], dtype=np.float32))
            assert src.numel() == dst.numel(), f"{name}: {tuple(src.shape)} against {tuple(dst.shape)}"
            dst.data.copy_(src.reshape(dst.shape))

        put(model.lift.weight, "lift.weight")
        put(model.lift.bias, "lift.bias")
        for k, cyc in enumerate(model.cycles):
            for l in range(L):
                put(cyc.A[l], f"layer{k}.level{l}.A")
                put(cyc.B[l], f"layer{k}.level{l}.B")
                for i in range(1, S):
                    put(cyc.SA[l * (S - 1) + i - 1], f"layer{k}.level{l}.A{i}")
                    put(cyc.SB[l * (S - 1) + i - 1], f"layer{k}.level{l}.B{i}")
                if l < L - 1:
                    put(cyc.R[l], f"layer{k}.level{l}.R")
                    put(cyc.P[l], f"layer{k}.level{l}.P")
                    if cyc.post:
                        put(cyc.C[l], f"layer{k}.level{l}.C")
            put(model.ws[k].weight, f"layer{k}.pointwise.weight")
            put(model.ws[k].bias, f"layer{k}.pointwise.bias")
        for n in ("proj1", "proj2"):
            put(getattr(model, n).weight, f"{n}.weight")
            put(getattr(model, n).bias, f"{n}.bias")
        stats = {n: torch.tensor([float(a[f"{n}_{c}"]) for c in range(model.lift.weight.shape[1] - 2 if n.startswith("in") else model.proj2.weight.shape[0])])
                 for n in ("input_mean", "input_std", "output_mean", "output_std")}
    return stats


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--levels", type=int, default=6)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--smooth", type=int, default=1)
    p.add_argument("--post", action="store_true")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight_decay", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check", nargs=2, metavar=("MODEL", "PREDICTIONS"),
                   help="no training: load pdeop's checkpoint MODEL, predict the test set and compare with pdeop predict's PREDICTIONS")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr, ytr = load(a.train)
    xte, yte = load(a.test)
    model = MgNO2d(xtr.shape[1], ytr.shape[1], a.width, a.levels, a.layers, a.hidden, a.smooth, a.post)
    model.in_mean, model.in_std = channel_stats(xtr)
    model.out_mean, model.out_std = channel_stats(ytr)
    if a.check:
        stats = load_pdeop(model, a.check[0])
        for n, t in (("input_mean", model.in_mean), ("input_std", model.in_std), ("output_mean", model.out_mean), ("output_std", model.out_std)):
            t.copy_(stats[n].reshape(t.shape))  # pdeop's own (from the same data: the same to float rounding)
        with torch.no_grad():
            pred = torch.cat([model(xte[s : s + a.batch]) for s in range(0, xte.shape[0], a.batch)])
        with h5py.File(a.check[1], "r") as f:
            ref = torch.from_numpy(np.asarray(f["outputs"], dtype=np.float32)).reshape(pred.shape)
        print(json.dumps({
            "params": sum(q.numel() for q in model.parameters()),
            "test_rel_l2": rel_l2(pred, yte).item(),
            "max_abs_diff_to_pdeop": (pred - ref).abs().max().item(),
            "rel_l2_diff_to_pdeop": rel_l2(pred, ref).item(),
            "stats_diff": max(abs(float(s) - float(t)) / abs(float(t)) for s, t in
                              ((channel_stats(xtr)[0], stats["input_mean"]), (channel_stats(xtr)[1], stats["input_std"]),
                               (channel_stats(ytr)[0], stats["output_mean"]), (channel_stats(ytr)[1], stats["output_std"]))),
        }))
        return 0
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)  # L2 form, as pdeop's adam
    N, B = xtr.shape[0], a.batch
    g = torch.Generator().manual_seed(a.seed)

    # training: every epoch a new permutation, batches of B (the last may be smaller), as pdeop's trainer
    model.train()
    ttrain = ctrain = 0.0
    for _ in range(a.epochs):
        perm = torch.randperm(N, generator=g)
        t0, c0 = time.perf_counter(), time.process_time()
        tot = 0.0
        for s in range(0, N, B):
            idx = perm[s : s + B]
            opt.zero_grad(set_to_none=True)
            loss = rel_l2(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        ttrain += time.perf_counter() - t0
        ctrain += time.process_time() - c0
    rss_train = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    # inference on the test set, batch B, no gradients; its error is the test metric
    model.eval()
    with torch.no_grad():
        model(xte[:B])  # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        err = 0.0
        for s in range(0, xte.shape[0], B):
            err += rel_l2(model(xte[s : s + B]), yte[s : s + B]).item() * len(xte[s : s + B])
        tinf, cinf = time.perf_counter() - t0, time.process_time() - c0

    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "params": sum(q.numel() for q in model.parameters()),
        "epochs": a.epochs,
        "train_loss": tot / N,
        "test_rel_l2": err / xte.shape[0],
        "train_samples_per_s": N * a.epochs / ttrain,
        "train_samples_per_cpu_s": N * a.epochs / ctrain,
        "infer_samples_per_s": xte.shape[0] / tinf,
        "infer_samples_per_cpu_s": xte.shape[0] / cinf,
        "max_rss_mib_training": rss_train,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }))


if __name__ == "__main__":
    sys.exit(main())
