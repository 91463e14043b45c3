"""The vocabulary every layer shares: tolerances, claims and hypotheses.

It sits below both the engine (a `Plan` carries `Tolerances` and a rule that returns `Claim`s)
and the judge (which scores them), so neither has to reach up to name the other's types.
`theorycheck.judge.verdicts` re-exports these names.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

import bounds
from simulations import ConfigError

# tolerance -> (rule its value must satisfy, description); tolerances that divide must be > 0
_TOL_RULES = {
    "delta": (
        "in [0, 1/2)",
        "o(1) means <= delta; '>= 1/2 - o(1)' means >= 1/2 - delta (at 1/2 or more a test error claim cannot fail)",
    ),
    "train_delta": (
        "in [0, 1/2)",
        "err_S = 0 means train error <= train_delta (at 1/2 or more chance-level training would pass)",
    ),
    "stuck": (
        "> 0",
        "'stuck at initialization' (Cor 4.3): feature learning and noise memorization grow by at most "
        "stuck x their Theta~(sigma_0) scales (times log(n)^k) over the run",
    ),
    "theta": (
        ">= 1",
        "Theta(x) for a measured quantity: measured/x within [1/theta, theta] (default 4, the default rho; it does not follow --tol rho)",
    ),
    "sign_good": ("in [0, 1]", "Lemma C.2's good fraction of sign agreement"),
    "c": ("> 0", "hidden constant multiplying every order in the bounds"),
    "k": (">= 0", "polylog(n) = log(n)^k"),
    "slope": (
        "> 0",
        "scaling checks: a fitted exponent agrees with the predicted p when its 95% interval meets "
        "[p - slope, p + slope]; an interval wider than 4 x slope cannot decide",
    ),
    "horizon": (
        ">= 1",
        "convergence budget (docs/model.md §8 item 9): the arms of a check whose end state is convergence train for "
        "horizon x their stage time, and the verdict is read along the ladder x1, x3, x10, x30, ... up to it",
    ),
    "stationary": (
        ">= 0",
        "'converged' (docs/model.md §8 item 9): over the run's last third, each error the claims read moves by at most "
        "stationary, and every other claimed quantity and the training loss by at most stationary x their size",
    ),
    "rho": (
        ">= 1",
        "one slack for every asymptotic relation, r = lhs/(c·rhs): Theta 1/rho <= r <= rho, "
        "O r <= rho, Omega r >= 1/rho, o r <= 1/rho, omega r >= rho (docs/model.md §1 item 9)",
    ),
}


@dataclass(frozen=True)
class Tolerances:
    """How asymptotic claims are read numerically (all settable from the CLI with --tol NAME=VALUE)."""

    delta: float = 0.1
    train_delta: float = 0.0
    stuck: float = 1.0
    theta: float = bounds.DEFAULT_RHO
    sign_good: float = 0.99
    c: float = bounds.DEFAULT_C
    k: float = bounds.DEFAULT_K
    slope: float = 0.25
    rho: float = bounds.DEFAULT_RHO
    horizon: float = 10.0
    stationary: float = 0.05

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            rule = _TOL_RULES[f.name][0]
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            if ok:
                ok = {
                    ">= 0": v >= 0,
                    "> 0": v > 0,
                    ">= 1": v >= 1,
                    "in [0, 1]": 0 <= v <= 1,
                    "in [0, 1/2)": 0 <= v < 0.5,
                }[rule]
            if not ok:
                raise ConfigError(f.name, f"tolerance must be a finite number {rule}, got {v!r}")

    def replace(self, **kw: Any) -> Tolerances:
        bad = sorted(set(kw) - set(asdict(self)))
        if bad:
            raise ConfigError(bad[0], f"unknown tolerance; known: {', '.join(asdict(self))}")
        return Tolerances(**{**asdict(self), **kw})

    @staticmethod
    def describe() -> dict[str, dict[str, Any]]:
        default = Tolerances()
        return {k: {"default": getattr(default, k), "rule": r, "meaning": m} for k, (r, m) in _TOL_RULES.items()}


FRAGILE = 0.05  # a claim within this fraction of its cut on some seed is marked fragile


def margin(value: float, sense: str, cut: Any, scale: float | None = None) -> float:
    """How far one measured value sits from its cut, > 1 meaning "passes with room", < 1 "fails".

    sense '<=' (cut b): b/v; '>=' (cut b): v/b; 'in' (cut (lo, hi)): min(v/lo, hi/v). Where the cut
    or the value is not positive the ratio means nothing, and the relative room 1 + (room)/|b| is
    used instead (the two agree to first order near the cut). A cut of 0 ('train error <= 0') is
    met exactly or not at all: inf when it passes, 0 when it fails, unless the claim states the
    `scale` its room is measured against (e.g. the gains whose difference is compared with 0):
    then 1 + room/scale. NaN stays NaN."""
    v = float(value)
    if not math.isfinite(v) and not math.isinf(v):
        return math.nan
    if sense == "in":
        lo, hi = (float(x) for x in cut)
        return min(margin(v, ">=", lo), margin(v, "<=", hi))
    b = float(cut)
    if sense not in ("<=", ">="):
        return math.nan
    room = (b - v) if sense == "<=" else (v - b)
    if b == 0:
        if scale:
            return max(0.0, 1.0 + room / abs(scale))
        return math.inf if room >= 0 else 0.0
    if b > 0 and v > 0:
        return b / v if sense == "<=" else v / b
    if b > 0 and sense == "<=":  # v <= 0 < b
        return math.inf
    return max(0.0, 1.0 + room / abs(b))


@dataclass
class Claim:
    """One predicted relation, measured on every seed.

    sense/cut state the numeric rule ('<=' b, '>=' b or 'in' (lo, hi)) so that each seed's margin
    (`vocab.margin`: > 1 passes with room) can be shown; `fragile` marks a claim within FRAGILE
    of its cut on some seed. `not_separated` is the check's stated reason why its negative control
    cannot make this claim fail ('' when the control must: judge.separation); `separated` is
    filled in by the judge (None where there is no control)."""

    name: str  # e.g. 'test error'
    predicted: str  # the paper's statement, e.g. '>= 1/2 - o(1)'
    rule: str  # its numeric reading, e.g. '>= 0.40'
    values: list  # measured, one per seed
    passes: list  # bool per seed
    theory: float | None = None  # the predicted number where there is one
    sense: str = ""  # '<=', '>=' or 'in' ('' where the rule is not a threshold)
    cut: Any = None  # the threshold (a pair for 'in')
    not_separated: str = ""  # why the control cannot fail this claim, when it cannot
    separated: bool | None = None  # set by the judge: passes on every regime seed, fails on every control seed
    scale: float | None = None  # what the room is measured against where the cut is 0 (vocab.margin)
    margins: list = field(default_factory=list)  # per seed, from sense and cut (filled in when empty)
    fragile: bool = False  # some seed within FRAGILE of the cut
    # an inequality the mathematics guarantees for every run (e.g. Lemma C.1's step bound), whose cut
    # has only rounding as slack: sitting close to it is expected, not fragile, and seeds cannot move it
    exact: bool = False

    def __post_init__(self) -> None:
        if self.sense and self.cut is not None and not self.margins:
            self.margins = [margin(v, self.sense, self.cut, self.scale) for v in self.values]
        self._mark_fragile()

    def _mark_fragile(self) -> None:
        self.fragile = not self.exact and any(math.isfinite(x) and abs(x - 1.0) <= FRAGILE for x in self.margins)

    def set_margins(self, margins: list) -> None:
        """Margins read some other way than value over cut (e.g. a fraction capped at 1 read on its
        complement), one per seed; `fragile` follows them."""
        self.margins = [float(x) for x in margins]
        self._mark_fragile()

    def mark_exact(self) -> Claim:
        """Declare the claim an exact inequality (see `exact`); returns it."""
        self.exact = True
        self._mark_fragile()
        return self

    @property
    def status(self) -> str:
        if all(self.passes):
            return "consistent"
        if not any(self.passes):
            return "violated"
        return "inconclusive"

    def summary(self) -> str:
        v = np.asarray(self.values, dtype=float)
        if len(v) == 0 or np.all(np.isnan(v)):
            return "nan"
        return f"{np.nanmean(v):.4g} ± {np.nanstd(v):.2g}" if len(v) > 1 else f"{v[0]:.4g}"

    def margin_summary(self) -> str:
        """The smallest margin over the seeds, e.g. 'x2.7', with '(fragile)' when within FRAGILE."""
        m = [x for x in self.margins if not math.isnan(x)]
        if not m:
            return ""
        lo = min(m)
        text = "inf" if math.isinf(lo) else f"x{lo:.3g}"
        return text + (" (fragile)" if self.fragile else " (exact bound)" if self.exact else "")

    @property
    def mean(self) -> float:
        v = np.asarray(self.values, dtype=float)
        return float(np.nanmean(v)) if len(v) and not np.all(np.isnan(v)) else float("nan")


HYPOTHESIS_KINDS = ("regime", "mechanism", "horizon", "scaling", "symbolic")


@dataclass
class Hypothesis:
    """A hypothesis of the result evaluated on the configuration (or measured on its runs).

    kind: 'regime' (the result's own λ window and batch regime), 'mechanism' (what decides
    whether Adam's sign-like mechanism operates at all), 'horizon' (the runs reach the stage
    the claim is about), 'scaling' (Conditions A.1/A.2 and derived relations: evidence only),
    'symbolic' (facts from bounds/ alone). Gating misses of regime and mechanism read
    'outside-regime'; gating misses of horizon read 'inconclusive: not converged'.
    """

    name: str
    ref: str
    holds: bool
    detail: str
    gating: bool
    kind: str = "regime"
    fix: str = ""  # what would put the configuration back inside, e.g. '--set eta=2.5e-05'
    factor: float = 1.0  # by how much a miss misses (1 when it holds)

    def miss(self) -> str:
        """One short line for a verdict's reason (the evidence table has the numbers)."""
        by = f" by ×{self.factor:.3g}" if self.factor > 1 else ""
        return f"{self.name} misses{by}" + (f" (fix: {self.fix})" if self.fix else "")
