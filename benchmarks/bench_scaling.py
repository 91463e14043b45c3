"""Scaling-check cost: every shipped scaling check at its default ladder, from an empty store.

For each scaling check (FAMILY@PARAM) prints the runs, model-steps, rounds and wall time, and the wall time as a
multiple of a baseline measured in the same run (one batch of 8 'tiny' Adam runs of 2000 steps,
inline), so that the figures travel between machines. Budget: each check <= 5 min on
2 CPU cores with 3 seeds.

    python benchmarks/bench_scaling.py [--seeds 0-2] [--workers 2] [--only cor4.3@sigma_0,lem5.1@eta]
"""

import argparse
import tempfile
import time

from simulations import preset, train
from theorycheck import Session, Store
from theorycheck.checks.registry import load_all
from theorycheck.options import parse_seeds
from theorycheck.studies.scaling import make_request, run_scaling


def baseline() -> float:
    cfgs = [preset("tiny", optimizer="adam", lam=1e-4, B=40, epochs=2000, seed=s, n_test=100) for s in range(8)]
    t0 = time.perf_counter()
    train(cfgs)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0-2")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default=None, help="comma-separated scaling check ids (FAMILY@PARAM)")
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    ids = args.only.split(",") if args.only else list(load_all("scaling"))
    base = baseline()
    print(f"baseline (8 tiny Adam runs x 2000 steps, inline): {base:.2f} s")
    print(
        f"{'check':12} {'ladder':8} {'runs':>5} {'model-steps':>12} {'rounds':>6} {'wall s':>8} {'x baseline':>10}  verdict"
    )
    total = 0.0
    for cid in ids:
        with tempfile.TemporaryDirectory() as tmp:
            session = Session(Store(f"{tmp}/s.sqlite"), executor="auto", workers=args.workers)
            t0 = time.perf_counter()
            (j,) = run_scaling([make_request(cid, seeds=seeds)], session)
            wall = time.perf_counter() - t0
        total += wall
        c = j.cost
        family, param = cid.split("@")
        print(
            f"{family:12} {param:8} {c['runs']:>5} {c['model_steps']:>12,} {c['rounds']:>6} {wall:>8.1f} "
            f"{wall / base:>10.1f}  {j.verdict}",
            flush=True,
        )
    print(f"total: {total:.1f} s ({total / base:.1f} x baseline)")


if __name__ == "__main__":
    main()
