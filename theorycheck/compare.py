"""Bounds beside simulations: the bound-vs-empirical table and the data behind the figures.

Every predicted number comes from bounds/ at the run's parameters; every measured
number comes from runs in the store (computed on demand through the sweep runner).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

import bounds
from simulations import ConfigError, preset

from .registry import adam_lambda, adamw_lambda, base_values, bounds_values
from .runner import run_configs
from .verdicts import Tolerances

RESULT_FOR = {
    ("adam", "mini"): "thm4.2",
    ("adam", "large"): "thm4.1",
    ("adamw", "mini"): "thm4.5",
    ("adamw", "large"): "thm4.4",
}


def default_batch_sizes(n: int) -> list[int]:
    """A few divisors of n from 2 up to n/2 (log-spaced)."""
    divs = [b for b in range(2, n // 2 + 1) if n % b == 0]
    if not divs:
        raise ConfigError("n", f"needs a divisor B with 2 <= B <= n/2, got n={n}")
    picks = sorted({divs[round(i)] for i in np.linspace(0, len(divs) - 1, min(4, len(divs)))})
    return picks


def default_lambdas() -> list[float]:
    return [float(x) for x in np.logspace(-6, 0, 13)]


def check_lambda(opt: str, base: dict, B: int, tol: Tolerances) -> float:
    return adam_lambda(base, tol) if opt == "adam" else adamw_lambda(base, B, tol)


@dataclass
class Comparison:
    preset: str
    overrides: dict
    seeds: tuple
    batch_sizes: list
    lambdas: list
    tol: Tolerances
    lam_runs: dict = field(default_factory=dict)  # (opt, B, lam) -> [RunResult]
    batch_runs: dict = field(default_factory=dict)  # (opt, B) -> [RunResult] at the check lambda
    cached: int = 0
    computed: int = 0


def collect(
    preset_name="smoke",
    overrides=None,
    seeds=(0, 1, 2),
    batch_sizes=None,
    lambdas=None,
    optimizers=("adam", "adamw"),
    tol=None,
    store=None,
    executor="process",
    workers=1,
    progress=None,
    fresh=False,
) -> Comparison:
    """Run (or fetch) the lambda sweep and the batch-size sweep behind the table and Figs 1-2."""
    overrides = dict(overrides or {})
    tol = tol or Tolerances()
    base = base_values(preset_name, overrides)
    batch_sizes = list(batch_sizes or default_batch_sizes(base["n"]))
    lambdas = list(lambdas or default_lambdas())
    for B in batch_sizes:
        if base["n"] % B:
            raise ConfigError("batch_sizes", f"every B must divide n={base['n']}, got {B}")
    comp = Comparison(preset_name, overrides, tuple(seeds), batch_sizes, lambdas, tol)
    plan = []
    for opt in optimizers:
        for B in batch_sizes:
            for lam in lambdas:
                comp.lam_runs[(opt, B, lam)] = [
                    preset(preset_name, **{**overrides, "optimizer": opt, "B": B, "lam": lam, "seed": s}) for s in seeds
                ]
                plan += comp.lam_runs[(opt, B, lam)]
            lam = check_lambda(opt, base, B, tol)
            comp.batch_runs[(opt, B)] = [
                preset(preset_name, **{**overrides, "optimizer": opt, "B": B, "lam": lam, "seed": s}) for s in seeds
            ]
            plan += comp.batch_runs[(opt, B)]
    results, stats = run_configs(plan, store=store, executor=executor, workers=workers, progress=progress, fresh=fresh)
    got = dict(zip(plan, results))
    comp.lam_runs = {k: [got[c] for c in v] for k, v in comp.lam_runs.items()}
    comp.batch_runs = {k: [got[c] for c in v] for k, v in comp.batch_runs.items()}
    comp.cached, comp.computed = stats.cached, stats.computed
    return comp


def _mean(runs, metric="test_err"):
    vals = [r.final[metric] for r in runs if r.ok]
    return float(np.mean(vals)) if vals else float("nan")


def measured_good_range(comp: Comparison, opt: str, B: int):
    """Smallest and largest lambda in the grid whose mean test error is <= delta (None if none)."""
    good = [lam for lam in comp.lambdas if _mean(comp.lam_runs[(opt, B, lam)]) <= comp.tol.delta]
    return (min(good), max(good)) if good else (None, None)


def measured_threshold(comp: Comparison, opt: str):
    """Smallest n/B (over the batch sweep) from which on every larger n/B has mean test error <= delta."""
    n = comp.lam_runs[next(iter(comp.lam_runs))][0].config.n
    ok = {n // B: _mean(comp.batch_runs[(opt, B)]) <= comp.tol.delta for B in comp.batch_sizes}
    best = None
    for nb in sorted(ok, reverse=True):
        if not ok[nb]:
            break
        best = nb
    return best


def predicted_threshold(opt: str, values: dict, tol: Tolerances) -> float:
    """The n/B the paper needs for the mini-batch regime: log(1/eps) for Adam (Thm 4.2);
    max(log(1/eps), s sigma_p, sqrt(n)) for AdamW (Thm 4.5)."""
    br = bounds.batch_regime(RESULT_FOR[(opt, "mini")], values, c=tol.c, k=tol.k, rho=tol.rho)
    return float(max(br.get("min_n_over_B", 0.0), br.get("must_exceed", 0.0)))


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


def table_rows(comp: Comparison) -> list[list[str]]:
    tol = comp.tol
    base = base_values(comp.preset, comp.overrides)
    rows = []
    for opt in sorted({k[0] for k in comp.batch_runs}):
        for B in comp.batch_sizes:
            lam = check_lambda(opt, base, B, tol)
            v = bounds_values({**base, "B": B, "lam": lam, "optimizer": opt, "eps": None})
            regime = "mini" if B == 2 or base["n"] / B >= predicted_threshold(opt, v, tol) else "large"
            rid = RESULT_FOR[(opt, regime)]
            lo, hi = bounds.lambda_window(rid, v, c=tol.c, k=tol.k)
            mlo, mhi = measured_good_range(comp, opt, B)
            runs = comp.batch_runs[(opt, B)]
            errs = [r.final["test_err"] for r in runs]
            rows.append(
                [
                    opt,
                    str(B),
                    str(base["n"] // B),
                    f"{regime} ({rid})",
                    f"[{_g(lo)}, {_g(hi)}]",
                    _g(lam),
                    "none" if mlo is None else f"[{_g(mlo)}, {_g(mhi)}]",
                    f"{np.mean(errs):.3f} ± {np.std(errs):.3f}",
                    f"{predicted_threshold(opt, v, tol):.3g}",
                    _g(measured_threshold(comp, opt)),
                ]
            )
    return rows


def _g(x):
    if x is None:
        return "—"
    if isinstance(x, float) and (math.isinf(x) or math.isnan(x)):
        return "—"
    return f"{x:.3g}"
