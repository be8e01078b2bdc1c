# The PyTorch side of bench/fno_torch.sh: the FNO-2D of the reference implementation (Li et al.,
# fourier_2d.py) trained with Adam on random 64x64 data; prints training/inference samples/s and peak RSS as JSON.
import argparse
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SpectralConv2d(nn.Module):
    """2D Fourier layer: FFT, linear transform of the kept modes, inverse FFT (reference style)."""

    def __init__(self, in_channels, out_channels, modes1, modes2):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.modes1 = modes1  # rows kept at each end (positive and negative frequencies)
        self.modes2 = modes2  # columns kept (rfft: non-negative frequencies only)
        self.scale = 1 / (in_channels * out_channels)
        self.weights1 = nn.Parameter(self.scale * torch.rand(in_channels, out_channels, modes1, modes2, dtype=torch.cfloat))
        self.weights2 = nn.Parameter(self.scale * torch.rand(in_channels, out_channels, modes1, modes2, dtype=torch.cfloat))

    def compl_mul2d(self, input, weights):
        # (batch, in_channel, x, y), (in_channel, out_channel, x, y) -> (batch, out_channel, x, y)
        return torch.einsum("bixy,ioxy->boxy", input, weights)

    def forward(self, x):
        batchsize = x.shape[0]
        x_ft = torch.fft.rfft2(x)
        out_ft = torch.zeros(batchsize, self.out_channels, x.size(-2), x.size(-1) // 2 + 1, dtype=torch.cfloat, device=x.device)
        out_ft[:, :, : self.modes1, : self.modes2] = self.compl_mul2d(x_ft[:, :, : self.modes1, : self.modes2], self.weights1)
        out_ft[:, :, -self.modes1 :, : self.modes2] = self.compl_mul2d(x_ft[:, :, -self.modes1 :, : self.modes2], self.weights2)
        return torch.fft.irfft2(out_ft, s=(x.size(-2), x.size(-1)))


class FNO2d(nn.Module):
    """Lift (a, x, y) to width channels, 4 Fourier layers (spectral + 1x1 conv, GELU between), project
    through fc1 (128) and fc2 to one channel. No domain padding (pdeop's FNO does not pad)."""

    def __init__(self, modes1, modes2, width, layers=4, hidden=128):
        super().__init__()
        self.width = width
        self.fc0 = nn.Linear(3, width)  # input channel is 3: (a(x, y), x, y)
        self.convs = nn.ModuleList([SpectralConv2d(width, width, modes1, modes2) for _ in range(layers)])
        self.ws = nn.ModuleList([nn.Conv2d(width, width, 1) for _ in range(layers)])
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        grid = self.get_grid(x.shape, x.device)
        x = torch.cat((x, grid), dim=-1)
        x = self.fc0(x)
        x = x.permute(0, 3, 1, 2)
        for i, (conv, w) in enumerate(zip(self.convs, self.ws)):
            x = conv(x) + w(x)
            if i < len(self.convs) - 1:
                x = F.gelu(x)
        x = x.permute(0, 2, 3, 1)
        x = self.fc1(x)
        x = F.gelu(x)
        return self.fc2(x)

    def get_grid(self, shape, device):
        batchsize, size_x, size_y = shape[0], shape[1], shape[2]
        gridx = torch.linspace(0, 1, size_x, dtype=torch.float).reshape(1, size_x, 1, 1).repeat([batchsize, 1, size_y, 1])
        gridy = torch.linspace(0, 1, size_y, dtype=torch.float).reshape(1, 1, size_y, 1).repeat([batchsize, size_x, 1, 1])
        return torch.cat((gridx, gridy), dim=-1).to(device)


def rel_l2(pred, y):
    """The reference's LpLoss (relative L2 per sample, averaged over the batch)."""
    b = pred.shape[0]
    diff = torch.norm(pred.reshape(b, -1) - y.reshape(b, -1), 2, 1)
    return torch.mean(diff / torch.norm(y.reshape(b, -1), 2, 1))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--res", type=int, default=64)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--modes", type=int, default=12)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3, help="training steps before timing")
    p.add_argument("--samples", type=int, default=600, help="training samples timed")
    p.add_argument("--infer", type=int, default=200, help="inference samples timed")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    s, B = a.res, a.batch
    model = FNO2d(a.modes, a.modes, a.width, a.layers, a.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    nbatches = 10  # a small pool of random batches: a in [1, 12], u in [0.5, 1.5]
    xs = [1 + 11 * torch.rand(B, s, s, 1) for _ in range(nbatches)]
    ys = [0.5 + torch.rand(B, s, s, 1) for _ in range(nbatches)]

    def step(k):
        opt.zero_grad(set_to_none=True)
        loss = rel_l2(model(xs[k % nbatches]), ys[k % nbatches])
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    for k in range(a.warmup):
        step(k)
    nsteps = max(1, a.samples // B)
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(nsteps):
        step(k)
    ttrain, ctrain = time.perf_counter() - t0, time.process_time() - c0

    model.eval()
    ninf = max(1, a.infer // B)
    with torch.no_grad():
        model(xs[0])  # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        for k in range(ninf):
            model(xs[k % nbatches])
        tinf, cinf = time.perf_counter() - t0, time.process_time() - c0

    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "params": sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters()),
        "train_samples_per_s": nsteps * B / ttrain,
        "infer_samples_per_s": ninf * B / tinf,
        # per CPU second of the process (all its threads): robust to other jobs on a shared machine
        "train_samples_per_cpu_s": nsteps * B / ctrain,
        "infer_samples_per_cpu_s": ninf * B / cinf,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }))


if __name__ == "__main__":
    sys.exit(main())
