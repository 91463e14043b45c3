"""Claim builders shared by every plan: threshold claims, the paper's error claims, and the
trajectory readings (feature learning, slopes) the lemma checks measure.

Every rule in the project is built from these, so "memorizes", "generalizes" and "stuck"
mean the same thing in `check`, `table`, `reproduce` and `audit`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import bounds
from simulations import RunResult

from .verdicts import Claim, Tolerances


def _threshold(
    sense: str,
    name: str,
    predicted: str,
    values: Sequence[float],
    bound: float,
    theory: float | None,
    not_separated: str,
) -> Claim:
    """A one-sided claim: every seed's value is `sense` ('<=' or '>=') the bound."""
    vals = [float(v) for v in values]
    ok = [v <= bound for v in vals] if sense == "<=" else [v >= bound for v in vals]
    return Claim(
        name,
        predicted,
        f"{sense} {bound:.4g}",
        vals,
        ok,
        bound if theory is None else theory,
        sense=sense,
        cut=float(bound),
        not_separated=not_separated,
    )


def at_most(
    name: str,
    predicted: str,
    values: Sequence[float],
    bound: float,
    theory: float | None = None,
    not_separated: str = "",
) -> Claim:
    return _threshold("<=", name, predicted, values, bound, theory, not_separated)


def at_least(
    name: str,
    predicted: str,
    values: Sequence[float],
    bound: float,
    theory: float | None = None,
    not_separated: str = "",
) -> Claim:
    return _threshold(">=", name, predicted, values, bound, theory, not_separated)


def between(
    name: str,
    predicted: str,
    values: Sequence[float],
    lo: float,
    hi: float,
    theory: float | None = None,
    not_separated: str = "",
) -> Claim:
    """lo <= value <= hi (a two-sided bound whose ends need not be a factor apart)."""
    vals = [float(v) for v in values]
    return Claim(
        name,
        predicted,
        f"in [{lo:.3g}, {hi:.3g}]",
        vals,
        [lo <= v <= hi for v in vals],
        theory,
        sense="in",
        cut=(float(lo), float(hi)),
        not_separated=not_separated,
    )


def within(
    name: str, predicted: str, values: Sequence[float], target: float, factor: float, not_separated: str = ""
) -> Claim:
    """Theta(target): the measured value is within a factor `factor` of `target`."""
    return between(name, predicted, values, target / factor, target * factor, target, not_separated)


# ---- the paper's error claims -------------------------------------------------------------------
def final(runs: Sequence[RunResult], metric: str) -> list[float]:
    return [r.final[metric] for r in runs]


TRAIN_ZERO_BOTH = (
    "err_S = 0 is stated on both sides of the contrast (the large- and the mini-batch theorems alike), "
    "so the control fits its training set too"
)


def train_error_zero(runs: Sequence[RunResult], tol: Tolerances, prefix: str = "") -> Claim:
    return at_most(
        prefix + "train error", "err_S = 0", final(runs, "train_err"), tol.train_delta, not_separated=TRAIN_ZERO_BOTH
    )


def heldout_error_high(runs: Sequence[RunResult], tol: Tolerances, prefix: str = "") -> Claim:
    return at_least(prefix + "test error", ">= 1/2 - o(1)", final(runs, "test_err"), 0.5 - tol.delta)


def heldout_error_low(runs: Sequence[RunResult], tol: Tolerances, prefix: str = "") -> Claim:
    return at_most(prefix + "test error", "err_D = o(1)", final(runs, "test_err"), tol.delta)


def fails_to_train(runs: Sequence[RunResult], tol: Tolerances, prefix: str = "") -> Claim:
    return at_least(prefix + "train error", "fails to train (Cor 4.3)", final(runs, "train_err"), 0.5 - tol.delta)


def stated_errors(result: str) -> tuple[str, str]:
    """(train, test) error as the result states them (bounds.Result.outcome), e.g. ('0', '>=1/2-o(1)')."""
    out = bounds.get_result(result).outcome
    return str(out.get("train_error")), str(out.get("test_error"))


def memorization_claims(runs: Sequence[RunResult], tol: Tolerances, result: str = "thm4.1") -> list[Claim]:
    """Thms 4.1/4.4: err_S = 0 and err_D >= 1/2 - o(1), per seed, read from the result's stated
    outcome (a result that states something else is refused)."""
    if stated_errors(result) != ("0", ">=1/2-o(1)"):
        raise ValueError(f"{result} does not state memorization: {stated_errors(result)}")
    return [train_error_zero(runs, tol), heldout_error_high(runs, tol)]


def generalization_claims(runs: Sequence[RunResult], tol: Tolerances, result: str = "thm4.2") -> list[Claim]:
    """Thms 4.2/4.5: err_S = 0 and err_D = o(1), per seed, read from the result's stated outcome."""
    if stated_errors(result) != ("0", "o(1)"):
        raise ValueError(f"{result} does not state generalization: {stated_errors(result)}")
    return [train_error_zero(runs, tol), heldout_error_low(runs, tol)]


# ---- trajectory readings -------------------------------------------------------------------------
def feature(r: RunResult) -> list[float]:
    """max over classes of max_r <w_{j,r}, j v> along the trajectory."""
    return [max(a, b) for a, b in zip(r.trajectory["feat_pos"], r.trajectory["feat_neg"])]


def slope(r: RunResult, metric_values: Sequence[float] | np.ndarray, t_end: float) -> float:
    """Least-squares slope per iteration of a trajectory quantity over [0, t_end]."""
    steps = r.trajectory["step"]
    sel = steps <= t_end
    if sel.sum() < 2:
        sel = np.arange(len(steps)) < 2
    x, y = steps[sel].astype(float), np.asarray(metric_values, dtype=float)[sel]
    return float(np.polyfit(x, y, 1)[0])
