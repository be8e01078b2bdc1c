#!/usr/bin/env python3
"""PyTorch peer of bench/pinn.sh: one training iteration of the two-body Poisson PINN loss at dimension d
(batch 100, MLP d -> 128 x 4 hidden layers (tanh) -> 1, u = (1 - |x|^2) N(x), Adam), with the Laplacian
  exact:      the trace of the Hessian by a loop of d second-derivative (double backward) passes, and
  hutchinson: 16 Rademacher vectors, v^T H v by forward-over-reverse (functorch.jvp of functorch.grad).
Prints "<method> <wall seconds per iteration> <CPU seconds per iteration>" (medians after a warm-up). One thread (torch.set_num_threads(1), OMP_NUM_THREADS=1)."""
import argparse
import math
import os
import time

import torch

os.environ.setdefault("OMP_NUM_THREADS", "1")
torch.set_num_threads(1)


def make_net(d, width=128, depth=4):
    layers, n = [], d
    for _ in range(depth):
        layers += [torch.nn.Linear(n, width), torch.nn.Tanh()]
        n = width
    layers.append(torch.nn.Linear(n, 1))
    return torch.nn.Sequential(*layers)


def sample_ball(b, d, gen):
    g = torch.randn(b, d, generator=gen)
    r = torch.rand(b, 1, generator=gen)
    return g / g.norm(dim=1, keepdim=True) * r


def exact_rhs(x, c):
    """g = -Laplacian of u* = (1 - |x|^2) sum c_i sin(x_i + cos x_{i+1} + x_{i+1} cos x_i), closed form"""
    x1, x2 = x[:, :-1], x[:, 1:]
    th = x1 + torch.cos(x2) + x2 * torch.cos(x1)
    a = 1 - x2 * torch.sin(x1)
    b = torch.cos(x1) - torch.sin(x2)
    s = (c * torch.sin(th)).sum(1)
    ls = (c * (-torch.sin(th) * (a * a + b * b) - torch.cos(th) * (x2 * torch.cos(x1) + torch.cos(x2)))).sum(1)
    xg = (c * torch.cos(th) * (x1 * a + x2 * b)).sum(1)
    r2 = (x * x).sum(1)
    d = x.shape[1]
    return -((1 - r2) * ls - 4 * xg - 2 * d * s)


def u_of(net, x):
    return (1 - (x * x).sum(-1)) * net(x).squeeze(-1)


def laplacian_exact(net, x):
    x = x.requires_grad_(True)
    u = u_of(net, x)
    (gu,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    lap = torch.zeros(x.shape[0])
    for i in range(x.shape[1]):  # one second-derivative pass per axis
        (gi,) = torch.autograd.grad(gu[:, i].sum(), x, create_graph=True)
        lap = lap + gi[:, i]
    return lap


def laplacian_hutchinson(fnet, params, x, V, gen):
    import functorch

    def u_single(p, xi):
        return (1 - (xi * xi).sum()) * fnet(p, xi.unsqueeze(0)).squeeze()

    def vhv(p, xi, v):
        g = functorch.grad(lambda y: u_single(p, y))
        _, hv = functorch.jvp(g, (xi,), (v,))  # forward over reverse
        return (hv * v).sum()

    vs = (torch.randint(0, 2, (x.shape[0], V, x.shape[1]), generator=gen) * 2 - 1).float()
    per_point = functorch.vmap(lambda xi, vi: functorch.vmap(lambda v: vhv(params, xi, v))(vi).mean(), in_dims=(0, 0))
    return per_point(x, vs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--exact-iters", type=int, default=1)
    ap.add_argument("--hte-iters", type=int, default=10)
    ap.add_argument("--vectors", type=int, default=16)
    a = ap.parse_args()
    gen = torch.Generator().manual_seed(0)
    d = a.dim
    c = torch.randn(d - 1, generator=gen)
    for method, iters in (("hutchinson", a.hte_iters), ("exact", a.exact_iters)):
        if iters <= 0:
            continue
        torch.manual_seed(1)
        net = make_net(d)
        if method == "hutchinson":
            import functorch

            fnet, fparams = functorch.make_functional(net)
            opt = torch.optim.Adam(fparams, lr=1e-3)
        else:
            opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        times, cpus = [], []
        for it in range(iters + 1):  # the first iteration is a warm-up
            x = sample_ball(a.batch, d, gen)
            g = exact_rhs(x, c)
            t0, c0 = time.perf_counter(), time.process_time()
            if method == "exact":
                lap = laplacian_exact(net, x.clone())
            else:
                lap = laplacian_hutchinson(fnet, fparams, x, a.vectors, gen)
            loss = ((-lap - g) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        med = lambda v: sorted(v[1:])[len(v[1:]) // 2] if len(v) > 1 else v[0]
        print(f"{method} {med(times):.6f} {med(cpus):.6f} loss {loss.item():.4e}", flush=True)


if __name__ == "__main__":
    main()
