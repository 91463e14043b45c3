"""Scoring a test set: the row gather of `inner_products` against the weighted row sums of
`inner_products_bag` (what `held_out_errors` uses at every record point).

Paper sizes by default (d=1000, s=100, m=20, 10^4 test points) for K runs at once, on one thread.
Prints the wall time of each (the fastest of --repeat), their ratio measured in the same run, and
the largest difference of the margins (the two differ only in the order of the s-term sums).

    python benchmarks/bench_scoring.py [--k 40] [--points 10000] [--threads 1] [--repeat 3]
"""

import argparse
import time

import torch

from simulations.model import inner_products, inner_products_bag, logits, margin


def margins(fn, W, y, idx, val, chunk, alpha=0.2, q=3.0):
    out = []
    for a in range(0, y.shape[1], chunk):
        f, n = fn(W, y[:, a : a + chunk], idx[:, a : a + chunk], val[:, a : a + chunk], alpha)
        out.append(margin(logits(f, n, q), y[:, a : a + chunk]))
    return torch.cat(out, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k", type=int, default=40, help="runs scored at once")
    ap.add_argument("--points", type=int, default=10000)
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--s", type=int, default=100)
    ap.add_argument("--m", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0)
    K, N, d, s, m = a.k, a.points, a.d, a.s, a.m
    W = (torch.randn(K, d, 2, m, generator=g) * 0.01).permute(0, 2, 3, 1)  # coordinate-major, as the trainer
    y = torch.randint(0, 2, (K, N), generator=g).float() * 2 - 1
    idx = torch.argsort(torch.rand(K, N, d - 1, generator=g), dim=2)[..., :s] + 1
    val = torch.randn(K, N, s, generator=g) * 0.1
    gather_chunk = max(1, min(N, 4_000_000 // (s * 2 * m * K)))  # as held_out_errors bounded the gather
    bag_chunk = max(1, min(N, 4_000_000 // (s * K)))  # as held_out_errors now
    walls, res = {}, {}
    for name, fn, chunk in (("gather", inner_products, gather_chunk), ("bag", inner_products_bag, bag_chunk)):
        best = float("inf")
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            res[name] = margins(fn, W, y, idx, val, chunk)
            best = min(best, time.perf_counter() - t0)
        walls[name] = best
    diff = (res["gather"] - res["bag"]).abs().max().item()
    flips = int(((res["gather"] <= 0) != (res["bag"] <= 0)).sum())
    print(f"K={K} points={N} d={d} s={s} m={m} threads={a.threads}")
    print(f"gather (inner_products):     {walls['gather']:.3f} s")
    print(f"bag (inner_products_bag):    {walls['bag']:.3f} s   {walls['gather'] / walls['bag']:.1f}x faster")
    print(f"largest margin difference {diff:.2e}; errors that differ: {flips} of {K * N}")


if __name__ == "__main__":
    main()
