"""Does batched multi-run training (torch.func.vmap over stacked parameters) pay for image runs?

Times one optimizer step of K runs advanced together against K single-run steps, in the same
process, for a few batch sizes, and prints the ratio (speed-up of batching; > 1 means it pays).

    PYTHONPATH=. python benchmarks/bench_images.py [--threads 1] [--steps 20]
    PYTHONPATH=. python benchmarks/bench_images.py --flops   # the paper-width models' cost per image
    PYTHONPATH=. python benchmarks/bench_images.py --denormals   # flushing denormals vs IEEE
"""

from __future__ import annotations

import argparse
import time

import torch

from simulations.images import ImageConfig
from simulations.images.train import _Batch, dataset


def per_step(K: int, B: int, width: int, steps: int) -> float:
    cfgs = [ImageConfig(n_train=1024, B=B, width=width, seed=s) for s in range(K)]
    ds = dataset(cfgs[0])
    run = _Batch(cfgs, ds, torch.device("cpu"))
    idx = torch.stack(
        [torch.randperm(len(ds.y_train), generator=torch.Generator().manual_seed(k))[:B] for k in range(K)]
    )
    x = torch.from_numpy(ds.x_train)[idx]
    y = torch.from_numpy(ds.y_train)[idx]
    run.step(1, x, y)  # warm-up
    t0 = time.perf_counter()
    for t in range(steps):
        run.step(t + 2, x, y)
    return (time.perf_counter() - t0) / steps


def flops() -> None:
    """Forward + backward FLOPs per 3x32x32 image of the paper-width models (torch's flop counter)."""
    from torch.utils.flop_counter import FlopCounterMode

    from simulations.images import build, n_params

    for name in ("vgg16", "resnet18"):
        m = build(name, 3, 10)
        with FlopCounterMode(display=False) as fc:
            m(torch.zeros(2, 3, 32, 32)).sum().backward()
        per = fc.get_total_flops() / 2
        run = per * 50_000 * 100  # 100 epochs of CIFAR-10's 50,000 training images
        print(
            f"{name}: {n_params(m):,} parameters, {per / 1e9:.2f} GFLOP per image (fwd+bwd), {run / 1e15:.1f} PFLOP per run"
        )


def denormals(K: int) -> None:
    """Whole runs (digits, B=8, 15 epochs, Adam lr 1e-2, K seeds) timed with denormal numbers
    flushed to zero against IEEE arithmetic, in this process, after a warm-up; and whether the
    final numbers agree (image training itself always runs IEEE: simulations.images.train)."""
    from simulations.images.train import _train

    _train([ImageConfig(n_train=64, B=8, width=4, epochs=1.0)], torch.device("cpu"), None)  # warm-up
    cfgs = [ImageConfig(n_train=1024, B=8, width=8, epochs=15.0, eta=1e-2, seed=s) for s in range(K)]
    res, secs = {}, {}
    for flush in (False, True):
        torch.set_flush_denormal(flush)
        t0 = time.perf_counter()
        res[flush] = _train(cfgs, torch.device("cpu"), None)
        secs[flush] = time.perf_counter() - t0
    torch.set_flush_denormal(False)
    same = sum(a.final == b.final for a, b in zip(res[False], res[True], strict=True))
    print(f"digits B=8, 15 epochs ({cfgs[0].steps} steps), K={K} runs")
    print(f"IEEE {secs[False]:.2f} s, flushed {secs[True]:.2f} s, speed-up {secs[False] / secs[True]:.2f}x")
    print(f"runs with identical final numbers: {same}/{K}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--flops", action="store_true")
    ap.add_argument("--denormals", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--K", type=int, default=9)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.flops:
        flops()
        return
    if a.denormals:
        denormals(min(a.K, 3))
        return
    print(f"digits, vgg_small width 8, K={a.K} runs, {a.threads} thread(s)")
    print(f"{'B':>6} {'1 run ms/step':>14} {'K runs ms/step':>15} {'speed-up':>9}")
    for B in (8, 16, 64, 256, 1024):
        one = per_step(1, B, 8, a.steps)
        many = per_step(a.K, B, 8, a.steps)
        print(f"{B:>6} {one * 1e3:>14.2f} {many * 1e3:>15.2f} {a.K * one / many:>9.2f}")


if __name__ == "__main__":
    main()
