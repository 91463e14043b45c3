"""Judging an exponent: fit a log-log slope with its uncertainty and compare it with a prediction.

An asymptotic statement predicts, without any unknown constant, how a threshold moves when a
parameter moves: its exponent ∂log f/∂log x (bounds.scaling derives it symbolically). A
scaling check measures the threshold at every point of a ladder and every seed, fits

    log y = a + b · log x        (ordinary least squares over every (point, seed) measurement)

and reads b against the predicted exponent p with the slope tolerance τ (`--tol slope`):

    inconclusive   fewer than 3 ladder points (or 4 measurements) are usable, or the 95%
                   interval [lo, hi] of b is wider than 4τ: the ladder cannot decide
    violated       the interval excludes the band [p − τ, p + τ] entirely
    consistent     otherwise: the interval meets the band and is narrow enough to mean it
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

MIN_POINTS = 3
MIN_MEASUREMENTS = 4


@dataclass
class SlopeFit:
    slope: float
    intercept: float
    lo: float  # 95% interval of the slope
    hi: float
    points: int  # ladder points with at least one usable measurement
    measurements: int  # usable (point, seed) measurements
    dropped: int  # measurements left out (censored, not found, diverged)
    x: list = field(default_factory=list)  # ladder values used
    y: list = field(default_factory=list)  # per point: the usable measurements

    @property
    def half_width(self) -> float:
        return (self.hi - self.lo) / 2


def fit_slope(x: Sequence[float], y: Sequence[Sequence[float]], level: float = 0.95) -> SlopeFit:
    """OLS of log y on log x over every usable measurement; y[i] holds the seeds' values at x[i]
    (NaN or non-positive values are dropped and counted). The interval uses the t distribution."""
    xs, ys, used_x, used_y, dropped = [], [], [], [], 0
    for xi, yi in zip(x, y):
        good = [float(v) for v in yi if v is not None and math.isfinite(v) and v > 0]
        dropped += len(yi) - len(good)
        if good and xi > 0:
            used_x.append(float(xi))
            used_y.append(good)
            xs += [math.log(xi)] * len(good)
            ys += [math.log(v) for v in good]
    n, npts = len(xs), len(used_x)
    if npts < 2 or n < 3 or len(set(xs)) < 2:
        return SlopeFit(float("nan"), float("nan"), -math.inf, math.inf, npts, n, dropped, used_x, used_y)
    X, Y = np.asarray(xs), np.asarray(ys)
    xm = X.mean()
    sxx = float(((X - xm) ** 2).sum())
    b = float(((X - xm) * (Y - Y.mean())).sum() / sxx)
    a = float(Y.mean() - b * xm)
    resid = Y - (a + b * X)
    dof = n - 2
    s2 = float((resid**2).sum() / dof) if dof > 0 else math.inf
    se = math.sqrt(s2 / sxx)
    t = float(stats.t.ppf(0.5 + level / 2, dof)) if dof > 0 else math.inf
    return SlopeFit(b, a, b - t * se, b + t * se, npts, n, dropped, used_x, used_y)


def decide_slope(fit: SlopeFit, predicted: float, tol: float) -> tuple[str, str]:
    """(verdict, reason) for a fitted exponent against the prediction (see the module docstring)."""
    if fit.points < MIN_POINTS or fit.measurements < MIN_MEASUREMENTS:
        return "inconclusive", (
            f"ladder too short: {fit.points} usable points, {fit.measurements} measurements "
            f"(need {MIN_POINTS} and {MIN_MEASUREMENTS}; {fit.dropped} dropped)"
        )
    band = (predicted - tol, predicted + tol)
    ci = f"fitted {fit.slope:.3g}, 95% interval [{fit.lo:.3g}, {fit.hi:.3g}]"
    if fit.hi < band[0] or fit.lo > band[1]:
        return "violated", f"{ci} excludes the predicted {predicted:.3g} ± {tol:g}"
    if fit.hi - fit.lo > 4 * tol:
        return "inconclusive", f"{ci} is wider than 4 x {tol:g}: the ladder cannot decide"
    return "consistent", f"{ci} meets the predicted {predicted:.3g} ± {tol:g}"
