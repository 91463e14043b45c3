"""Throughput of the batched engine against the one-run-at-a-time baseline.

(a) baseline: one run at a time as a user would write it: an nn.Module on dense
    inputs, autograd, torch.optim.Adam;
(b) the batched engine (simulations.train) advancing K runs in one program,
    eager and with compile=True.

Paper dimensions (d=1000, n=200, s=100, m=20), B=2. Every measurement runs in a
fresh subprocess so that its peak memory (max RSS on CPU, max allocated on CUDA)
is its own. Prints model-steps/s and the ratio to the baseline measured in the same run.

--records sets the engine's record points per run: 1 (the default) times the steps alone;
100 (the default of a real run) adds the metrics, including the sign history Lemma C.2's
premise needs, which is then kept at every step (records 40 steps apart, memory 66 steps).

    python benchmarks/bench_engine.py [--steps 2000] [--ks 1,16,64] [--device auto] [--records 1] [--repeat 1]
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import torch


def peak_mb(device):
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline(steps, device, repeat=1):
    from simulations import data as D
    from simulations import preset
    from simulations.model import dense_logits

    cfg = preset("paper", B=2, optimizer="adam", lam=1e-5, eps=1e-8)
    tr, _ = D.train_test(cfg, device, torch.float32)
    X, y = tr.to_dense(), tr.y

    class CNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.W = torch.nn.Parameter(torch.randn(2, cfg.m, cfg.d, device=device) * cfg.sigma_0)

        def forward(self, x):
            return dense_logits(self.W, x, cfg.q)

    model = CNN()
    opt = torch.optim.Adam(model.parameters(), lr=cfg.eta, weight_decay=cfg.lam, eps=1e-8)
    target = (y < 0).long()
    order = torch.randperm(cfg.n, device=device)

    def run(k0, k1):
        for t in range(k0, k1):
            bi = order[(t % cfg.iters_per_epoch) * 2 : (t % cfg.iters_per_epoch) * 2 + 2]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(X[bi]), target[bi]).backward()
            opt.step()

    run(0, 50)
    walls = []
    for _ in range(repeat):
        sync(device)
        t0 = time.perf_counter()
        run(50, 50 + steps)
        sync(device)
        walls.append(time.perf_counter() - t0)
    return steps / min(walls)


def engine(steps, K, device, compile_, records=1, repeat=1):
    """Per-step throughput: the wall time of a long run minus that of a 1-epoch run with the same
    setup (data generation, initial and final metrics), so both methods are timed on steps alone
    (with records > 1, on steps and the record points in between). With repeat > 1 each wall time
    is the minimum over that many runs: on a shared machine others' load only ever adds time."""
    from simulations import preset, train

    epochs = max(2, steps // 100)
    every = max(1, epochs * 100 // records)
    cfgs = [
        preset(
            "paper",
            B=2,
            optimizer="adam" if k % 2 == 0 else "adamw",
            lam=1e-5 if k % 2 == 0 else 1e-2,
            seed=k // 2,
            epochs=epochs,
            record_every=every,
            device=str(device),
            compile=compile_,
        )
        for k in range(K)
    ]
    short = [c.replace(epochs=1, record_every=min(every, 100)) for c in cfgs]
    train(short)  # warm-up (and compilation)
    walls = [[], []]
    for _ in range(repeat):
        for i, batch in enumerate((short, cfgs)):
            sync(device)
            t0 = time.perf_counter()
            train(batch)
            sync(device)
            walls[i].append(time.perf_counter() - t0)
    return K * (epochs - 1) * 100 / (min(walls[1]) - min(walls[0]))


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def child(args):
    from simulations import resolve_device

    device = resolve_device(args.device)
    torch.set_num_threads(args.threads)
    if args.mode == "baseline":
        rate = baseline(args.steps, device, args.repeat)
    else:
        rate = engine(args.steps, args.k, device, args.mode == "compiled", args.records, args.repeat)
    print(json.dumps({"rate": rate, "peak_mb": peak_mb(device), "device": str(device)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=2000, help="optimizer steps per run to time")
    ap.add_argument("--ks", default="1,16,64", help="comma-separated batch sizes K (runs per program)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--modes", default="eager,compiled")
    ap.add_argument("--records", type=int, default=1, help="record points per engine run")
    ap.add_argument("--repeat", type=int, default=1, help="time each measurement this often, keep the fastest")
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    ap.add_argument("--k", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.mode:
        return child(args)

    def measure(mode, k=1):
        cmd = [
            sys.executable,
            __file__,
            "--mode",
            mode,
            "--k",
            str(k),
            "--steps",
            str(args.steps),
            "--device",
            args.device,
            "--threads",
            str(args.threads),
            "--records",
            str(args.records),
            "--repeat",
            str(args.repeat),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        return json.loads(out)

    base = measure("baseline")
    print(
        f"device={base['device']} threads={args.threads} steps/run={args.steps} B=2 paper dims records={args.records}"
    )
    print(f"{'method':<22}{'K':>4}{'model-steps/s':>16}{'vs baseline':>13}{'peak MB':>10}")
    print(f"{'baseline (autograd)':<22}{1:>4}{base['rate']:>16.0f}{1.0:>12.1f}x{base['peak_mb']:>10.0f}")
    for mode in args.modes.split(","):
        for k in [int(x) for x in args.ks.split(",")]:
            r = measure(mode, k)
            print(
                f"{'engine ' + mode:<22}{k:>4}{r['rate']:>16.0f}{r['rate'] / base['rate']:>12.1f}x{r['peak_mb']:>10.0f}"
            )


if __name__ == "__main__":
    main()
