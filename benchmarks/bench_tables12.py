"""Reproduction cost: the `paper` preset's Tables 1-2 (Adam λ=1e-5 and AdamW λ=0.01, B=100 and
B=2, 10^4 epochs) with 5 seeds, computed from scratch in a throwaway store.

Prints the wall time, model-steps/s and the peak RSS of the whole process tree (this process and
its sweep workers). Naively (one run at a time, autograd) this workload is ~1.04e7 optimizer steps.
With --audit it runs the paper-preset audit instead: the 8 App. D.2 cells under 4 readings
(default, bias correction, eps = 1e-8, torch defaults) with 5 seeds, about 8e7 model-steps.

    python benchmarks/bench_tables12.py [--preset paper] [--seeds 0-4] [--workers 2] [--no-compile] [--audit]
        [--max-batch 32] [--threads 1] [--epochs E] [--against WORKERSxTHREADS/MAX_BATCH]
        [--engine-steps 2000] [--verify none|large|all] [--store PATH [--verify-stored]]

--max-batch and --threads set the Session's split and the torch threads per worker: the audit's
80 B = 2 runs are 3 batches of 27 at the default 32 (two workers then leave one idle for the
third), one batch of 80 at --max-batch 80 (one worker, --threads 2). --epochs E shortens every
run to E epochs, a proxy for the rate at 1/10 or 1/100 of the cost. --against runs the same plan
first under another split, in a throwaway store (e.g. 2x1/32: 2 workers, 1 thread each, max_batch 32) in the same
process, so the printed ratio compares the two on the same machine at the same load.
Before the plan it measures the engine's own compiled K = 64 rate on the same threads
(bench_engine.py, --engine-steps) and prints the audit's rate against it. --verify reruns the
large-batch groups (or the whole plan) inline and exits 1 unless every run is bit-identical.
--store keeps the timed runs; --verify-stored then compares a later inline rerun with those
stored runs instead of timing anything (the audit and its check need not share one sitting).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

from simulations import ConfigError
from theorycheck import Session, Store
from theorycheck.judge import judge_all
from theorycheck.options import parse_seeds
from theorycheck.studies.audit import MECHANISM_ARMS, audit_plans
from theorycheck.studies.reproduce import cell_plans


def describe(split):
    w, t, mb = split
    return f"{w} worker(s) x {t} thread(s), max_batch {mb}"


def engine_rate(steps, threads, device):
    """The batched engine's own rate on 64 paper-size B = 2 runs (benchmarks/bench_engine.py, compiled,
    in a fresh subprocess), on the same machine at the same load as the audit beside it."""
    here = os.path.dirname(os.path.abspath(__file__))
    cmd = [sys.executable, os.path.join(here, "bench_engine.py"), "--mode", "compiled", "--k", "64"]
    cmd += ["--steps", str(steps), "--threads", str(threads), "--device", device or "auto"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    return json.loads(out)["rate"]


def identical(a, b):
    """Two RunResults bit-identical: status, every final metric and every trajectory."""
    same = a.status == b.status and a.final.keys() == b.final.keys() and a.trajectory.keys() == b.trajectory.keys()
    return (
        same
        and all(np.array_equal(a.final[k], b.final[k], equal_nan=True) for k in a.final)
        and all(np.array_equal(a.trajectory[k], b.trajectory[k], equal_nan=True) for k in a.trajectory)
    )


def timed(plans, workers, threads, max_batch, keep=""):
    """Wall seconds and the runs of `plans` computed from scratch under one split, in a throwaway
    store, or written to `keep` (which must not hold them yet: a bench computes everything)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(keep or f"{tmp}/bench.sqlite")
        t0 = time.perf_counter()
        session = Session(store, executor="auto", workers=workers, threads=threads, max_batch=max_batch, fresh=True)
        runs = session.run(plans)
        return time.perf_counter() - t0, runs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="paper")
    ap.add_argument("--seeds", default="0-4")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument(
        "--audit",
        action="store_true",
        help="the paper-preset audit instead: all 8 App. D.2 cells under the 4 readings "
        "(default, bias correction, eps = 1e-8, torch defaults), about 8e7 model-steps at `paper`",
    )
    ap.add_argument("--max-batch", type=int, default=32, help="Session.max_batch: runs per batch at most")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    ap.add_argument("--epochs", type=int, default=0, help="shorten every run to this many epochs (0: the plan's)")
    ap.add_argument("--device", default="", help="Config.device for every run (default: the preset's, 'auto')")
    ap.add_argument("--store", default="", help="keep the runs in this store (e.g. for `theorycheck reproduce`)")
    ap.add_argument(
        "--against", default="", help="WORKERSxTHREADS/MAX_BATCH: run the same plan under this split first, for a ratio"
    )
    ap.add_argument(
        "--engine-steps",
        type=int,
        default=2000,
        help="steps per run of the engine's K = 64 rate measured before the audit (0: skip it)",
    )
    ap.add_argument(
        "--verify-stored",
        action="store_true",
        help="compute nothing timed: read the plan's runs from --store (every run must be there) and "
        "rerun --verify's part inline against them, e.g. after a timed run kept with --store",
    )
    ap.add_argument(
        "--verify",
        choices=("none", "large", "all"),
        default="none",
        help="rerun inline (one process, the same split) and compare bit for bit: 'large' the "
        "large-batch shape groups (B = n/2, cheap), 'all' the whole plan (as long again)",
    )
    args = ap.parse_args()
    if args.verify_stored and (not args.store or args.verify == "none"):
        ap.error("--verify-stored needs --store PATH and --verify large|all")
    over = {} if args.no_compile else {"compile": True}
    if args.epochs:
        over["epochs"] = args.epochs
    if args.device:
        over["device"] = args.device
    seeds = parse_seeds(args.seeds)
    if args.audit:
        plans = [p for ps in audit_plans(args.preset, over, seeds, MECHANISM_ARMS).values() for p in ps]
    else:
        plans = [p for p in cell_plans(args.preset, over, seeds) if p.ref in ("Table 1", "Table 2")]
    cfgs = list(dict.fromkeys(c for p in plans for c in p.configs))
    steps = sum(cfg.steps for p in plans for cfg in p.configs)
    print(
        f"preset={args.preset} cells={len(plans)} runs={sum(len(p.configs) for p in plans)} "
        f"model-steps={steps:.3g} compile={not args.no_compile}"
    )
    if args.verify_stored:
        store = Store(args.store)
        try:
            store.validate(for_write=False)
        except ConfigError as e:
            ap.error(str(e))  # exit 2, nothing written: reading a store never creates one
        runs = store.get_many(cfgs)
        if len(runs) != len(cfgs):
            ap.error(f"--store: holds {len(runs)} of the plan's {len(cfgs)} runs; --verify-stored needs all")
        sys.exit(verify(cfgs, runs, args))
    split = (args.workers, args.threads, args.max_batch)
    cores = args.workers * args.threads
    if args.engine_steps:
        k64 = engine_rate(args.engine_steps, cores, args.device)
        print(f"engine K=64 compiled, B=2 paper dims, {cores} thread(s): {k64:.3g} model-steps/s")
    base_wall = None
    if args.against:
        w, rest = args.against.split("x")
        t, mb = rest.split("/")
        other = (int(w), int(t), int(mb))
        base_wall, _ = timed(plans, *other)
        print(f"against {describe(other)}: wall {base_wall:.0f} s, {steps / base_wall:.3g} model-steps/s")
    wall, runs = timed(plans, *split, keep=args.store)
    peak = (
        max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        / 1024
    )
    print(
        f"{describe(split)}: wall {wall:.0f} s, {steps / wall:.3g} model-steps/s, peak RSS {peak:.0f} MB "
        "(largest single process)" + (f"; {base_wall / wall:.2f}x the rate of {args.against}" if base_wall else "")
    )
    if args.engine_steps:
        print(f"audit rate / engine K=64 rate: {steps / wall / k64:.2f}")
    for p, j in zip(plans, judge_all(plans, runs)):
        te = j.claims[0].values if j.claims else []
        mean = sum(te) / len(te) if te else float("nan")
        print(f"  {p.id}: test {mean:.4f} -> {j.verdict}")
    if args.verify != "none":
        sys.exit(verify(cfgs, runs, args))


def verify(cfgs, runs, args):
    """Rerun args.verify's part of the plan's configs inline (one process, the same split) and compare
    it with `runs` bit for bit. Returns the exit status: 0 if every run is identical, else 1."""
    if args.verify == "large":  # whole shape groups, so the inline split is the same as the timed one
        top = max(c.B for c in cfgs)
        cfgs = [c for c in cfgs if c.B == top]
    t0 = time.perf_counter()
    again = Session(None, executor="inline", threads=args.threads, max_batch=args.max_batch).run(cfgs)
    same = sum(identical(runs[c], again[c]) for c in cfgs)
    print(
        f"inline rerun ({args.verify}, {len(cfgs)} runs, {time.perf_counter() - t0:.0f} s): "
        f"{same} of {len(cfgs)} bit-identical to the {'stored' if args.verify_stored else 'timed'} run"
    )
    return 0 if same == len(cfgs) else 1


if __name__ == "__main__":
    main()
