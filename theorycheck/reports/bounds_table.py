"""The bound-vs-empirical table: predicted λ windows and n/B thresholds (bounds/) beside what the
grid's judgements measured (studies.grid)."""

from __future__ import annotations

import math

import numpy as np

import bounds

from ..judge.gating import bounds_values
from ..judge.verdicts import Judgement, Tolerances
from ..studies.grid import RESULT_FOR, check_lambda

TABLE_HEADERS = [
    "optimizer",
    "B",
    "n/B",
    "regime (paper)",
    "predicted λ window",
    "check λ",
    "measured good λ (err ≤ δ)",
    "test err at check λ",
    "predicted n/B threshold",
    "measured n/B threshold",
]


class Grid:
    """The grid's judgements indexed by (kind, optimizer, B, λ)."""

    def __init__(self, judgements: list[Judgement]):
        self.points = [j for j in judgements if j.meta.get("study") == "grid"]
        m = self.points[0].meta
        self.base, self.batch_sizes, self.lambdas = m["base"], m["batch_sizes"], m["lambdas"]
        self.tol = Tolerances(**self.points[0].settings["tolerances"])
        self.preset = self.points[0].settings["preset"]
        self.optimizers = sorted({j.meta["optimizer"] for j in self.points})
        self.lam = {
            (j.meta["optimizer"], j.meta["B"], j.meta["lam"]): j for j in self.points if j.meta["kind"] == "lam"
        }
        self.batch = {(j.meta["optimizer"], j.meta["B"]): j for j in self.points if j.meta["kind"] == "batch"}

    @staticmethod
    def held_out_errors(j: Judgement) -> list[float]:
        """Per-seed test errors (NaN for a run that did not finish 'ok')."""
        return [r.final["test_err"] if r.status == "ok" else float("nan") for r in j.runs]

    def mean_error(self, j: Judgement) -> float:
        v = [x for x in self.held_out_errors(j) if not math.isnan(x)]
        return float(np.mean(v)) if v else float("nan")

    def good_range(self, opt: str, B: int) -> tuple[float | None, float | None]:
        """Smallest and largest λ of the grid whose mean test error is <= δ."""
        good = [lam for lam in self.lambdas if self.mean_error(self.lam[(opt, B, lam)]) <= self.tol.delta]
        return (min(good), max(good)) if good else (None, None)

    def measured_threshold(self, opt: str) -> int | None:
        """Smallest n/B from which on every larger n/B has mean test error <= δ (batch sweep)."""
        n = self.base["n"]
        ok = {n // B: self.mean_error(self.batch[(opt, B)]) <= self.tol.delta for B in self.batch_sizes}
        best = None
        for nb in sorted(ok, reverse=True):
            if not ok[nb]:
                break
            best = nb
        return best


def predicted_threshold(opt: str, values: dict, tol: Tolerances) -> float:
    """The n/B the mini-batch regime needs under the slack convention: log(1/ε)/ρ for Adam
    (Thm 4.2); the largest of that, ρ·sσ_p and ρ·√n for AdamW (Thm 4.5)."""
    br = bounds.batch_regime(RESULT_FOR[(opt, "mini")], values, c=tol.c, k=tol.k, rho=tol.rho)
    assert br.min_n_over_B is not None  # set for every mini-batch result
    return br.min_n_over_B


def table_rows(judgements: list[Judgement]) -> list[list[str]]:
    g = Grid(judgements)
    base, tol, rows = g.base, g.tol, []
    for opt in g.optimizers:
        for B in g.batch_sizes:
            lam = check_lambda(opt, base, B, tol)
            v = bounds_values({**base, "B": B, "lam": lam, "optimizer": opt, "eps": None})
            regime = "mini" if B == 2 or base["n"] / B >= predicted_threshold(opt, v, tol) else "large"
            rid = RESULT_FOR[(opt, regime)]
            lo, hi = bounds.lambda_window(rid, v, c=tol.c, k=tol.k, rho=tol.rho)
            mlo, mhi = g.good_range(opt, B)
            errs = g.held_out_errors(g.batch[(opt, B)])
            rows.append(
                [
                    opt,
                    str(B),
                    str(base["n"] // B),
                    f"{regime} ({rid})",
                    f"[{_g(lo)}, {_g(hi)}]",
                    _g(lam),
                    "none" if mlo is None else f"[{_g(mlo)}, {_g(mhi)}]",
                    f"{np.nanmean(errs):.3f} ± {np.nanstd(errs):.3f}",
                    f"{predicted_threshold(opt, v, tol):.3g}",
                    _g(g.measured_threshold(opt)),
                ]
            )
    return rows


def _g(x: float | None) -> str:
    if x is None or (isinstance(x, float) and (math.isinf(x) or math.isnan(x))):
        return "—"
    return f"{x:.3g}"
