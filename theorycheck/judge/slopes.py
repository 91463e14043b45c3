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
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

from .verdicts import EXIT_CODES, jsonable

MIN_POINTS = 3
MIN_MEASUREMENTS = 4


@dataclass(kw_only=True)
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


def fit_slope(
    x: Sequence[float],
    y: Sequence[Sequence[float]],
    level: float = 0.95,
    resolution: float = 0.0,
    paired: bool = False,
) -> SlopeFit:
    """OLS of log y on log x over every usable measurement; y[i] holds the seeds' values at x[i]
    (NaN or non-positive values are dropped and counted). The interval uses the t distribution.

    paired: y[i][j] is seed j at every point, and a seed's offset is not the slope's business: one
    intercept per seed, a common slope (fixed effects; a seed with one usable point drops out).
    Seeds of the simulations share their draws across a ladder, so their thresholds differ by a
    seed-wide factor that the unpaired fit would count as noise.
    resolution: the width in log y of the bracket a measurement is known to (a bisected
    transition); the interval is widened by resolution / (range of log x), since seeds landing in
    the same bracket agree exactly without saying where in it the transition lies."""
    xs, ys, gs, used_x, used_y, dropped = [], [], [], [], [], 0
    for xi, yi in zip(x, y):
        good = [(j, float(v)) for j, v in enumerate(yi) if v is not None and math.isfinite(v) and v > 0]
        dropped += len(yi) - len(good)
        if good and xi > 0:
            used_x.append(float(xi))
            used_y.append([v for _, v in good])
            xs += [math.log(xi)] * len(good)
            ys += [math.log(v) for _, v in good]
            gs += [j if paired else 0 for j, _ in good]
    n, npts = len(xs), len(used_x)
    nan = SlopeFit(
        slope=math.nan,
        intercept=math.nan,
        lo=-math.inf,
        hi=math.inf,
        points=npts,
        measurements=n,
        dropped=dropped,
        x=used_x,
        y=used_y,
    )
    if npts < 2 or n < 3 or len(set(xs)) < 2:
        return nan
    X, Y, G = np.asarray(xs), np.asarray(ys), np.asarray(gs)
    keep = np.array([np.sum(G == g) >= 2 for g in G])
    X, Y, G = X[keep], Y[keep], G[keep]
    groups = sorted(set(G.tolist()))
    Xc, Yc = X.copy(), Y.copy()
    for g in groups:
        sel = G == g
        Xc[sel] -= X[sel].mean()
        Yc[sel] -= Y[sel].mean()
    sxx = float((Xc**2).sum())
    if sxx <= 0:
        return nan
    b = float((Xc * Yc).sum() / sxx)
    a = float(np.mean(Y - b * X))
    resid = Yc - b * Xc
    dof = len(X) - len(groups) - 1
    s2 = float((resid**2).sum() / dof) if dof > 0 else math.inf
    se = math.sqrt(s2 / sxx)
    t = float(stats.t.ppf(0.5 + level / 2, dof)) if dof > 0 else math.inf
    half = t * se + resolution / (max(xs) - min(xs))
    return SlopeFit(
        slope=b,
        intercept=a,
        lo=b - half,
        hi=b + half,
        points=npts,
        measurements=n,
        dropped=dropped,
        x=used_x,
        y=used_y,
    )


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


SIDES = ("two-sided", "at_most")


def decide_sided(fit: SlopeFit, predicted: float, tol: float, side: str = "two-sided") -> tuple[str, str]:
    """decide_slope, or for side='at_most' the one-sided reading 'the exponent is at most p':
    violated when the whole interval lies above p + τ, consistent when the fitted slope is at
    most p + τ and the interval is narrow enough to mean it, else inconclusive."""
    if side == "two-sided":
        return decide_slope(fit, predicted, tol)
    if side != "at_most":
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    if fit.points < MIN_POINTS or fit.measurements < MIN_MEASUREMENTS:
        return decide_slope(fit, predicted, tol)
    ci = f"fitted {fit.slope:.3g}, 95% interval [{fit.lo:.3g}, {fit.hi:.3g}]"
    if fit.lo > predicted + tol:
        return "violated", f"{ci} lies above the predicted <= {predicted:.3g} + {tol:g}"
    if fit.hi - fit.lo > 4 * tol or fit.slope > predicted + tol:
        return "inconclusive", f"{ci} cannot decide '<= {predicted:.3g} + {tol:g}'"
    return "consistent", f"{ci} is at most the predicted {predicted:.3g} + {tol:g}"


@dataclass(kw_only=True)
class SeriesResult:
    """One fitted series of a scaling check: a measurement along the ladder against one prediction.

    A *diagnostic* series is fitted and shown but never scored: it reads a reconstructed form
    (docs/model.md marks which) that a verdict must not stand on."""

    name: str
    quantity: str  # bounds.scaling quantity
    expr: str  # the quantity's SymPy expression
    exponent_expr: str  # its exponent in the ladder parameter, symbolically
    predicted: float  # the exponent evaluated at the ladder (value mode: 1, the slope against f)
    side: str
    fit: SlopeFit
    verdict: str
    reason: str
    values: list  # per ladder point: per seed measurement (NaN where none)
    statuses: list  # per ladder point: per seed status ('found', 'above', 'below', 'noisy', 'ok', or a run status)
    predicted_values: list = field(default_factory=list)  # value mode: f at each ladder point
    ratio: float = math.nan  # value mode: median measured / predicted
    role: str = "regime"  # 'regime' or 'control'
    diagnostic: bool = False

    @property
    def status(self) -> str:
        """The series' verdict as a scored item of judge.verdicts.decide."""
        return self.verdict


@dataclass(kw_only=True)
class ScalingJudgement:
    """A scaling check's verdict: the fitted exponents of its series (and any per-point claims),
    gated per ladder point, decided by the same ladder as a check (judge.verdicts.decide)."""

    check_id: str
    ref: str
    title: str
    param: str
    ladder: list
    mode: str  # 'slope' (log y on log x) or 'value' (log y on log f(x), predicted slope 1)
    verdict: str
    reason: str
    series: list  # [SeriesResult] (regime series; diagnostic ones are shown, not scored)
    controls: list  # [SeriesResult] (negative controls: must not be consistent)
    claims: list = field(default_factory=list)  # [Claim] read at each ladder point (e.g. lem5.3's level)
    control_claims: list = field(default_factory=list)  # the same claims on the negative control's runs
    hypotheses: list = field(default_factory=list)  # [Hypothesis] per ladder point (names carry the point)
    needs: str = ""  # what the prediction needs that the ladder does not give
    command: str = ""
    settings: dict = field(default_factory=dict)
    cost: dict = field(default_factory=dict)  # runs, cached, computed, model_steps, compute_s, rounds
    control_note: str = ""
    measured: str = "measured"  # what y is, e.g. 'largest λ at which the feature moves'

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["claims"] = [asdict(c) | {"status": c.status} for c in self.claims]
        d["control_claims"] = [asdict(c) | {"status": c.status} for c in self.control_claims]
        d["exit_code"] = self.exit_code
        return jsonable(d)
