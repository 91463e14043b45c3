"""Scale-out: one sweep through every executor, and the thread setting under load.

The sweep: `tiny` preset, B = 2, Adam and AdamW x 4 values of λ x 8 seeds (64 runs of one shape,
so two equal batches of 32), each execution from an empty store. Prints model-steps/s and the ratio to
the inline executor (one process, one thread) measured in the same run:

    inline (1 process)      the baseline
    process, 2 workers      local worker processes
    dask, 2 workers         a dask.distributed LocalCluster (needs the `distributed` extra)

Then the same process-executor sweep beside a competing busy process (a pure-Python loop on one
core), at 1 torch thread per worker (the default) and at 2: oversubscribed threads spin against
the busy core.

    python benchmarks/bench_scaleout.py [--epochs 200] [--skip-dask]
"""

import argparse
import multiprocessing as mp
import tempfile
import time

from simulations import preset
from theorycheck import Session, Store


def busy(stop):
    x = 0
    while not stop.is_set():
        x += 1


def sweep(epochs: int) -> list:
    return [
        preset("tiny", optimizer=o, lam=lam, B=B, seed=s, epochs=epochs, n_test=200)
        for o in ("adam", "adamw")
        for lam in (1e-5, 1e-4, 1e-3, 1e-2)
        for B in (2,)
        for s in range(8)
    ]


def timed(cfgs: list, executor: str, workers: int, threads: int = 1) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        Session(Store(f"{tmp}/s.sqlite"), executor=executor, workers=workers, threads=threads).run(cfgs)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    cfgs = sweep(args.epochs)
    steps = sum(c.steps for c in cfgs)
    print(f"sweep: {len(cfgs)} runs, {steps:,} model-steps ({mp.cpu_count()} cores)")
    print(f"{'executor':<34}{'wall s':>8}{'model-steps/s':>15}{'vs inline':>11}")
    base = timed(cfgs, "inline", 1)
    rows = [("inline (1 process, 1 thread)", base), ("process, 2 workers x 1 thread", timed(cfgs, "process", 2))]
    if not args.skip_dask:
        rows.append(("dask LocalCluster, 2 workers", timed(cfgs, "dask", 2)))
    stop = mp.Event()
    hog = mp.Process(target=busy, args=(stop,), daemon=True)
    hog.start()
    try:
        rows.append(("process, 2 x 1 thread, busy core", timed(cfgs, "process", 2, 1)))
        rows.append(("process, 1 x 2 threads, busy core", timed(cfgs, "process", 1, 2)))
    finally:
        stop.set()
        hog.join()
    for name, wall in rows:
        print(f"{name:<34}{wall:>8.1f}{steps / wall:>15,.0f}{base / wall:>10.2f}x")


if __name__ == "__main__":
    main()
