"""Reproduction cost: the `paper` preset's Tables 1-2 (Adam λ=1e-5 and AdamW λ=0.01, B=100 and
B=2, 10^4 epochs) with 5 seeds, computed from scratch in a throwaway store.

Prints the wall time, model-steps/s and the peak RSS of the whole process tree (this process and
its sweep workers). Naively (one run at a time, autograd) this workload is ~1.04e7 optimizer steps.
With --audit it runs the paper-preset audit instead: the 8 App. D.2 cells under 4 readings
(default, bias correction, eps = 1e-8, torch defaults) with 5 seeds, about 8e7 model-steps.

    python benchmarks/bench_tables12.py [--preset paper] [--seeds 0-4] [--workers 2] [--no-compile] [--audit]
"""

import argparse
import resource
import tempfile
import time

from theorycheck import Session, Store
from theorycheck.judge import judge_all
from theorycheck.options import parse_seeds
from theorycheck.studies.audit import MECHANISM_ARMS, audit_plans
from theorycheck.studies.reproduce import cell_plans


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
    args = ap.parse_args()
    over = {} if args.no_compile else {"compile": True}
    seeds = parse_seeds(args.seeds)
    if args.audit:
        plans = [p for ps in audit_plans(args.preset, over, seeds, MECHANISM_ARMS).values() for p in ps]
    else:
        plans = [p for p in cell_plans(args.preset, over, seeds) if p.ref in ("Table 1", "Table 2")]
    steps = sum(cfg.steps for p in plans for cfg in p.configs)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        runs = Session(Store(f"{tmp}/bench.sqlite"), executor="auto", workers=args.workers).run(plans)
        wall = time.perf_counter() - t0
    peak = (
        max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        / 1024
    )
    print(
        f"preset={args.preset} cells={len(plans)} runs={sum(len(p.configs) for p in plans)} "
        f"model-steps={steps:.3g} compile={not args.no_compile}"
    )
    print(f"wall {wall:.0f} s, {steps / wall:.3g} model-steps/s, peak RSS {peak:.0f} MB (largest single process)")
    for p, j in zip(plans, judge_all(plans, runs)):
        te = j.claims[0].values if j.claims else []
        mean = sum(te) / len(te) if te else float("nan")
        print(f"  {p.id}: test {mean:.4f} -> {j.verdict}")


if __name__ == "__main__":
    main()
