"""A first B* table: the critical batch size of Adam and AdamW located on the divisors of n
(theorycheck.studies.batch_search), at one λ per optimizer, for each preset/override row given.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bstar_table.py --preset tiny --n 40,80,120

Every probe is a phase-diagram cell trained to the checks' convergence budget (the same configs
as `theorycheck phase`), through one Session and the store (--store), so a rerun computes nothing.
λ: Adam 0.4 x the upper end of Thms 4.1/4.2's window (the checks' λ); AdamW --adamw-lam (default
2, inside Thms 4.4/4.5's window at the tiny and smoke presets). Prints a Markdown table with the
bracket (B_lo, B_hi), its width, the in-between divisors, the predicted n/B thresholds of
bounds.batch_regime, and the wall time. Where the preset keeps the noise supports disjoint, d grows
with n to n*s + 1 (Lemma A.4's event needs n*s <= d-1).
"""

from __future__ import annotations

import argparse
import time

import bounds
from simulations import preset
from theorycheck import Session, Store
from theorycheck.checks._common import adam_lambda
from theorycheck.judge.gating import bounds_values
from theorycheck.judge.verdicts import Judgement, Tolerances
from theorycheck.studies.batch_search import batch_transition
from theorycheck.studies.phase import outcome


def detail(j: Judgement, tol: Tolerances) -> str:
    """Why a probe reads neither side: not converged, or the seeds' outcomes."""
    if not all(h.holds for h in j.hypotheses if h.name == "[point] converged"):
        return "not converged"
    return " ".join(outcome(r, r.config, tol) for r in j.evidence["point"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--n", default="40", help="comma-separated n values (each --set n=...)")
    ap.add_argument("--set", action="append", default=[], help="NAME=VALUE, as a float, for every row")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--adamw-lam", type=float, default=2.0)
    ap.add_argument("--store", default="results/bstar.sqlite")
    a = ap.parse_args()
    tol = Tolerances()
    seeds = tuple(int(s) for s in a.seeds.split(","))
    extra = {k: float(v) for k, v in (kv.split("=", 1) for kv in a.set)}
    session = Session(Store(a.store))
    print(
        "| n | d | optimizer | λ | status | B_lo | B_hi | width | in between | probes | predicted: large if n/B ≤ "
        "| predicted: mini if n/B ≥ | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in (int(x) for x in a.n.split(",")):
        ov = {**extra, "n": n}
        probe = preset(a.preset).to_dict() | ov
        if probe.get("disjoint_supports") and n * probe["s"] > probe["d"] - 1:
            ov["d"] = n * int(probe["s"]) + 1  # disjoint supports need n*s <= d-1 (Lemma A.4): d grows with n
        base = preset(a.preset, **ov)
        for opt in ("adam", "adamw"):
            lam = adam_lambda(base, tol) if opt == "adam" else a.adamw_lam
            t0 = time.perf_counter()
            r, js = batch_transition(session, opt, lam, a.preset, ov, seeds, tol)
            wall = time.perf_counter() - t0
            v = bounds_values(base.replace(B=2, lam=lam))
            large, mini = ("thm4.1", "thm4.2") if opt == "adam" else ("thm4.4", "thm4.5")
            lg = bounds.batch_regime(large, v, c=tol.c, k=tol.k, rho=tol.rho).max_n_over_B
            mn = bounds.batch_regime(mini, v, c=tol.c, k=tol.k, rho=tol.rho).min_n_over_B
            why = {j.meta["B"]: detail(j, tol) for j in js}
            probes = " ".join(f"{b}:{x}" + (f" ({why[b]})" if x == "U" else "") for b, x in r.probes.items())
            between = ",".join(map(str, r.between)) or "none"
            print(
                f"| {n} | {base.d} | {opt} | {lam:.3g} | {r.status} | {r.lo} | {r.hi} | {r.width:.3g} | {between} | {probes} "
                f"| {lg:.3g} | {mn:.3g} | {wall:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
