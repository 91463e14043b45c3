"""What flushing denormal numbers to zero buys (Config.flush_denormal, docs/model.md §4.11).

K smoke-preset runs of B = 2 Adam (the shape of the checks' longest arms), trained for --epochs
with flush_denormal True and then False, each in a fresh subprocess (so that torch's worker
threads are created in the mode asked for). Prints ms per step, the ratio to the IEEE
(flush_denormal=False) baseline measured in the same run, the fraction of denormal entries the
IEEE run's weights and moments end with, and the largest difference in the final metrics.

    python benchmarks/bench_denormals.py [--k 12] [--epochs 40] [--threads 2]
"""

import argparse
import json
import subprocess
import sys
import time


def child(flush: bool, k: int, epochs: int, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    from simulations import preset, train

    cfgs = [
        preset("smoke", B=2, epochs=epochs, seed=i % 3, lam=1e-5 * (1 + i), record_every=10**9, flush_denormal=flush)
        for i in range(k)
    ]
    t0 = time.perf_counter()
    res = train(cfgs, keep_weights=True)
    wall = time.perf_counter() - t0
    tiny = torch.finfo(torch.float32).tiny
    den = {
        name: float(sum(((abs(r.weights[name]) < tiny) & (r.weights[name] != 0)).mean() for r in res) / k)
        for name in ("W", "m", "v")
    }
    finals = [{m: r.final[m] for m in ("train_loss", "test_err", "train_err")} for r in res]
    return {"ms_per_step": 1e3 * wall / cfgs[0].steps, "denormal": den, "finals": finals}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k", type=int, default=12, help="runs advanced together")
    ap.add_argument("--epochs", type=int, default=40, help="epochs per run (50 steps each at n=100, B=2)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--child", choices=["0", "1"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child is not None:
        print(json.dumps(child(a.child == "1", a.k, a.epochs, a.threads)))
        return
    out = {}
    for flush in ("0", "1"):
        cmd = [sys.executable, __file__, "--child", flush, "--k", str(a.k), "--epochs", str(a.epochs)]
        cmd += ["--threads", str(a.threads)]
        out[flush] = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
    ieee, ftz = out["0"], out["1"]
    diff = max(abs(x[m] - y[m]) for x, y in zip(ieee["finals"], ftz["finals"]) for m in x)
    print(f"smoke preset, B=2 adam, K={a.k} runs, {a.epochs} epochs, {a.threads} threads")
    print(f"{'mode':<26}{'ms/step':>10}{'vs IEEE':>10}")
    print(f"{'IEEE (flush_denormal=0)':<26}{ieee['ms_per_step']:>10.2f}{1.0:>9.2f}x")
    print(
        f"{'flushed (flush_denormal=1)':<26}{ftz['ms_per_step']:>10.2f}{ieee['ms_per_step'] / ftz['ms_per_step']:>9.2f}x"
    )
    print(
        "denormal fraction at the end of the IEEE runs: "
        + ", ".join(f"{k} {v:.3f}" for k, v in ieee["denormal"].items())
    )
    print(f"largest difference in final train_loss / train_err / test_err between the modes: {diff:.3g}")


if __name__ == "__main__":
    main()
