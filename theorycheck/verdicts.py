"""Verdicts, tolerances and evidence: the rules that turn measurements into a verdict.

A check produces *claims*. Each claim compares one measured quantity per seed
with a threshold derived from the paper (the predicted value) and passes or
fails per seed. The verdict is then

    diverged         a run went non-finite or froze by underflow (no claim is scored)
    outside-regime   the configuration misses a hypothesis the result states
                     (batch regime or lambda window); claims are still shown
    violated         some claim fails on every seed
    inconclusive     some claim passes on some seeds and fails on others
                     (the seed spread straddles the threshold)
    consistent       every claim passes on every seed

Asymptotic statements become numeric through the settable `Tolerances`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

VERDICTS = ("consistent", "violated", "inconclusive", "outside-regime", "diverged")
EXIT_CODES = {"consistent": 0, "violated": 1, "inconclusive": 3, "outside-regime": 3, "diverged": 3}
SEVERITY = {"consistent": 0, "inconclusive": 1, "outside-regime": 2, "diverged": 3, "violated": 4}


@dataclass(frozen=True)
class Tolerances:
    """How asymptotic claims are read numerically (all settable from the CLI with --tol NAME=VALUE)."""

    delta: float = 0.1  # o(1) means <= delta; '>= 1/2 - o(1)' means >= 1/2 - delta
    train_delta: float = 0.0  # err_S = 0 means train error <= train_delta
    stuck: float = 10.0  # 'stuck at initialization': feature learning stays <= stuck * sigma_0 * log(n)
    theta: float = 10.0  # Theta(x): measured/x within [1/theta, theta]
    sign_good: float = 0.99  # Lemma C.2's 'good fraction' of sign agreement (PAPER.md §8 item 2)
    c: float = 1.0  # hidden constant in the bounds (PAPER.md §1 item 9)
    k: float = 1.0  # polylog(n) = log(n)^k
    rho: float = 10.0  # o / omega slack factor

    def replace(self, **kw) -> Tolerances:
        bad = sorted(set(kw) - set(asdict(self)))
        if bad:
            from simulations import ConfigError

            raise ConfigError(bad[0], f"unknown tolerance; known: {', '.join(asdict(self))}")
        for k_, v in kw.items():
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                from simulations import ConfigError

                raise ConfigError(k_, f"tolerance must be a finite number >= 0, got {v!r}")
        return Tolerances(**{**asdict(self), **kw})


@dataclass
class Claim:
    """One predicted relation, measured on every seed."""

    name: str  # e.g. 'test error'
    predicted: str  # the paper's statement, e.g. '>= 1/2 - o(1)'
    rule: str  # its numeric reading, e.g. '>= 0.40'
    values: list  # measured, one per seed
    passes: list  # bool per seed
    theory: float | None = None  # the predicted number where there is one

    @property
    def status(self) -> str:
        if all(self.passes):
            return "consistent"
        if not any(self.passes):
            return "violated"
        return "inconclusive"

    def summary(self) -> str:
        v = np.asarray(self.values, dtype=float)
        return f"{np.nanmean(v):.4g} ± {np.nanstd(v):.2g}" if len(v) > 1 else f"{v[0]:.4g}"


def at_most(name, predicted, values, bound, theory=None, fmt=".4g") -> Claim:
    return Claim(
        name,
        predicted,
        f"<= {bound:{fmt}}",
        list(map(float, values)),
        [v <= bound for v in values],
        theory if theory is not None else bound,
    )


def at_least(name, predicted, values, bound, theory=None, fmt=".4g") -> Claim:
    return Claim(
        name,
        predicted,
        f">= {bound:{fmt}}",
        list(map(float, values)),
        [v >= bound for v in values],
        theory if theory is not None else bound,
    )


def within(name, predicted, values, target, factor) -> Claim:
    """Theta(target): the measured value is within a factor `factor` of `target`."""
    lo, hi = target / factor, target * factor
    return Claim(
        name, predicted, f"in [{lo:.3g}, {hi:.3g}]", list(map(float, values)), [lo <= v <= hi for v in values], target
    )


@dataclass
class Hypothesis:
    name: str
    ref: str
    holds: bool
    detail: str
    gating: bool  # gating hypotheses decide 'outside-regime'


@dataclass
class CheckResult:
    check_id: str
    ref: str
    title: str
    verdict: str
    reason: str
    claims: list = field(default_factory=list)
    hypotheses: list = field(default_factory=list)
    runs: list = field(default_factory=list)  # [{'arm', 'seed', 'status', 'final', 'key'}]
    command: str = ""
    settings: dict = field(default_factory=dict)
    cached: int = 0
    computed: int = 0
    wall_s: float = 0.0

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["exit_code"] = self.exit_code
        return _jsonable(d)

    # notebooks render this as a table
    def _repr_html_(self) -> str:
        from .tables import check_html

        return check_html(self)

    def __str__(self) -> str:
        from .tables import check_text

        return check_text(self)


def decide(claims, hypotheses, bad_runs) -> tuple[str, str]:
    """The verdict and a one-line reason, following the module docstring's order."""
    if bad_runs:
        return "diverged", "; ".join(bad_runs)
    missed = [h.name for h in hypotheses if h.gating and not h.holds]
    if missed:
        return "outside-regime", "configuration misses: " + ", ".join(missed)
    statuses = [c.status for c in claims]
    if "violated" in statuses:
        return "violated", "fails on every seed: " + ", ".join(c.name for c in claims if c.status == "violated")
    if "inconclusive" in statuses:
        return "inconclusive", "seeds disagree on: " + ", ".join(c.name for c in claims if c.status == "inconclusive")
    return "consistent", "every claim holds on every seed"


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x
