"""Where one B = 2 step of the compiled engine spends its time, at paper dimensions.

Times `Trainer._step` of K paper runs (adam and adamw, compile=True) and its parts on one
thread: the batch gradient three ways (compiled version 1, torch.compile of the whole
`grad_parts`; eager `grad_parts`, the baseline; version 2, `grad_parts_bag` with the compiled
head, what the trainer uses), the row scatter, and the fused dense update. Prints microseconds
and each gradient path's ratio to the eager baseline measured in the same run.

    python benchmarks/bench_step.py [--k 40] [--reps 300] [--bias-correction]
"""

import argparse
import time

import torch

from simulations import preset
from simulations.model import grad_parts
from simulations.trainer import Trainer


def timed(f, reps):
    for _ in range(10):
        f()
    t0 = time.perf_counter()
    for _ in range(reps):
        f()
    return (time.perf_counter() - t0) / reps * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k", type=int, default=40, help="runs advanced together")
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--bias-correction", action="store_true", help="every run with bias correction (eps = 1e-8)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # as simulations.train does
    extra = dict(bias_correction=True, eps=1e-8) if args.bias_correction else {}
    cfgs = [
        preset("paper", B=2, optimizer="adam" if k % 2 == 0 else "adamw", lam=1e-5 if k % 2 == 0 else 1e-2).replace(
            seed=k // 2, epochs=1, compile=True, **extra
        )
        for k in range(args.k)
    ]
    tr = Trainer(cfgs, None, False)
    tr.run()  # one epoch: compiles and warms everything
    c0, K = tr.c0, tr.K
    bi = torch.stack([next(o) for o in tr.orders])
    sel = bi[..., None].expand(K, c0.n, c0.s)
    y, idx, val = tr.y.gather(1, bi)[:, :2], tr.idx.gather(1, sel)[:, :2], tr.val.gather(1, sel)[:, :2]
    rows = (idx + c0.d * torch.arange(K).view(K, 1, 1)).reshape(-1)
    batch = (y, idx, val, rows, None)
    args_ = (tr.W, y, idx, val, c0.alpha, c0.q)
    v1 = torch.compile(grad_parts, dynamic=False)
    t = {
        "whole step (version 2)": timed(lambda: tr._step(5, batch, False, False), args.reps),
        "gradient, compiled version 1": timed(lambda: v1(*args_), args.reps),
        "gradient, eager (baseline)": timed(lambda: grad_parts(*args_), args.reps),
        "gradient, compiled version 2": timed(lambda: tr._parts(*args_), args.reps),
    }
    _, _, src, g0 = tr._parts(*args_)
    G = tr.G.permute(0, 3, 1, 2)

    def scatter():
        G.view(K * c0.d, -1).index_add_(0, rows, src)
        G[:, 0] += g0

    t["row scatter"] = timed(scatter, args.reps)
    ups = []
    for gr in tr.groups:
        state = {x: tr.state[x][gr.a : gr.b] for x in gr.state}
        extra_ = {k: v for f in gr.per_step for k, v in f(gr.h, 5).items()}
        W, grad = tr.W[gr.a : gr.b], tr.G[gr.a : gr.b]
        ups.append(
            lambda gr=gr, W=W, grad=grad, s=state, e=extra_: tr._update(
                gr.pieces, gr.statics, W, grad, s, gr.h, e, False, True, None
            )
        )
    t["dense update"] = timed(lambda: [u() for u in ups], args.reps)
    base = t["gradient, eager (baseline)"]
    print(
        f"K={K} paper runs, B=2, 1 thread, bias correction {'on' if args.bias_correction else 'off'}, {len(tr.groups)} update group(s)"
    )
    for name, us in t.items():
        ratio = f"  {base / us:5.2f}x the eager gradient's speed" if name.startswith("gradient") else ""
        print(f"{name:32s} {us:8.0f} us{ratio}")
    print(f"model-steps/s of the whole step: {K / t['whole step (version 2)'] * 1e6:.3g}")


if __name__ == "__main__":
    main()
