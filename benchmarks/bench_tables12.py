"""Issue 6 performance: the `paper` preset's Tables 1-2 (Adam λ=1e-5 and AdamW λ=0.01, B=100 and
B=2, 10^4 epochs) with 5 seeds, computed from scratch in a throwaway store.

Prints the wall time, model-steps/s and the peak RSS of the whole process tree (this process and
its sweep workers). Naively (one run at a time, autograd) this workload is ~1.04e7 optimizer steps.

    python benchmarks/bench_tables12.py [--preset paper] [--seeds 0-4] [--no-compile]
"""

import argparse
import resource
import tempfile
import time

from theorycheck.api import Session
from theorycheck.cli import parse_seeds
from theorycheck.reproduce import cell_outcome, paper_cells, run_cells
from theorycheck.verdicts import Tolerances


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="paper")
    ap.add_argument("--seeds", default="0-4")
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    over = {} if args.no_compile else {"compile": True}
    cells = [
        c
        for c in paper_cells(args.preset, over, parse_seeds(args.seeds))
        if c.reported["source"] != "Fig. 5" and c.reported["source"] != "Fig. 6"
    ]
    steps = sum(cfg.steps for c in cells for cfg in c.configs)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_cells(cells, Session(f"{tmp}/bench.sqlite"))
        wall = time.perf_counter() - t0
    peak = (
        max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        / 1024
    )
    print(
        f"preset={args.preset} cells={len(cells)} runs={sum(len(c.configs) for c in cells)} "
        f"model-steps={steps:.3g} compile={not args.no_compile}"
    )
    print(f"wall {wall:.0f} s, {steps / wall:.3g} model-steps/s, peak RSS {peak:.0f} MB (largest single process)")
    for c in cells:
        te = [r.final["test_err"] for r in c.runs]
        print(f"  {c.reported['source']} {c.label}: test {sum(te) / len(te):.4f} -> {cell_outcome(c, Tolerances())[0]}")


if __name__ == "__main__":
    main()
