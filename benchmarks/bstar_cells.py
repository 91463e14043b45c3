"""Where does AdamW (or Adam) have a critical batch size at all? One seed, a few B and σp, at the
base setting of the batch-size scaling checks (theorycheck/checks/scaling/batch.py), each cell
trained to the B* probe's convergence budget and read as the probe reads it (G / M / U).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bstar_cells.py --optimizer adamw --n 96 --lam 1 \
        --sigma-p 0.1666666667,0.25,0.3333333333,0.5,1,2,4 --batch-sizes 1,4,12,32,96

Prints a Markdown table (rows σp, columns B: the read and the final test error). Runs go through
the Session and the store (--store), so a rerun computes nothing.
"""

from __future__ import annotations

import argparse

from simulations import preset
from theorycheck import Session, Store
from theorycheck.checks.scaling.batch import _BASE, cell_budget, read_at_convergence
from theorycheck.vocab import Tolerances


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--optimizer", default="adamw")
    ap.add_argument("--n", type=int, default=96)
    ap.add_argument("--lam", type=float, default=1.0)
    ap.add_argument("--sigma-p", default="0.25,0.3333333333,0.5")
    ap.add_argument("--batch-sizes", default="1,4,12,32,96")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--d", type=int, default=None, help="default: the checks' base d (1200)")
    ap.add_argument("--store", default="results/bscale.sqlite")
    a = ap.parse_args()
    tol = Tolerances()
    Bs = [int(x) for x in a.batch_sizes.split(",")]
    sps = [float(x) for x in a.sigma_p.split(",")]
    cfgs = {}
    for sp in sps:
        for B in Bs:
            fields = {**_BASE, "optimizer": a.optimizer, "n": a.n, "sigma_p": sp, "lam": a.lam, "B": B}
            b = preset("tiny", **{**fields, **({"d": a.d} if a.d else {})})
            cfgs[sp, B] = b.replace(seed=a.seed, **cell_budget(b, tol))
    runs = Session(Store(a.store), executor="inline").run(list(cfgs.values()))
    d = a.d or _BASE["d"]
    print(
        f"{a.optimizer}, n = {a.n}, d = {d}, λ = {a.lam:g}, s = {_BASE['s']}, seed {a.seed}: read (final test error)\n"
    )
    print("| σp | sσp | " + " | ".join(f"B = {B}" for B in Bs) + " |")
    print("|---|---|" + "---|" * len(Bs))
    for sp in sps:
        cells = []
        for B in Bs:
            r = runs[cfgs[sp, B]]
            cells.append(f"{read_at_convergence(r, tol)} ({float(r.final['test_err']):.2f})")
        print(f"| {sp:.3g} | {sp * _BASE['s']:.3g} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
