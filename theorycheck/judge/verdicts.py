"""The vocabulary of judging: tolerances, claims, hypotheses, the verdict and the judgement.

A *claim* compares one measured quantity per seed with a threshold derived from the paper and
passes or fails per seed. A plan's verdict is then, in this order:

    outside-regime   the configuration misses a hypothesis the result states (its batch
                     regime, λ window) or a condition its mechanism needs (η against
                     σ0^{q−1}, ε against the initial gradients, β2's memory); claims are shown
    diverged         a run could not be scored: it went non-finite, froze by underflow,
                     saturated, or collapsed to zero where the rule does not predict it
                     (no claim is scored; the reason names each run and its status)
    inconclusive     the runs are too short to reach the stage the claim is about
                     ('not converged'), or some claim passes on some seeds and fails on
                     others, or the rule also passes on its negative control (it cannot
                     fail here, so passing says nothing)
    violated         some claim fails on every seed
    consistent       every claim passes on every seed and the negative control fails
    measured         the plan claims nothing (a sweep): runs are reported, not judged

Asymptotic statements become numeric through the settable `Tolerances`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

import bounds
from simulations import ConfigError

VERDICTS = ("consistent", "violated", "inconclusive", "outside-regime", "diverged", "measured")
EXIT_CODES = {"consistent": 0, "measured": 0, "violated": 1, "inconclusive": 3, "outside-regime": 3, "diverged": 3}
SEVERITY = {"measured": 0, "consistent": 0, "inconclusive": 1, "outside-regime": 2, "diverged": 3, "violated": 4}

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
        if len(v) == 0 or np.all(np.isnan(v)):
            return "nan"
        return f"{np.nanmean(v):.4g} ± {np.nanstd(v):.2g}" if len(v) > 1 else f"{v[0]:.4g}"

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


@dataclass
class Judgement:
    """A plan's verdict with its evidence. Renderers read only this (reports.tables gives it
    `__str__` and `_repr_html_`, so it prints as text and renders as a table in notebooks)."""

    check_id: str
    ref: str
    title: str
    verdict: str
    reason: str
    claims: list = field(default_factory=list)
    hypotheses: list = field(default_factory=list)
    runs: list = field(default_factory=list)  # [{'arm', 'role', 'seed', 'status', 'detail', 'final', 'key', 'config'}]
    command: str = ""
    settings: dict = field(default_factory=dict)
    cached: int = 0
    computed: int = 0
    wall_s: float = 0.0
    meta: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict, repr=False)  # arm -> [RunResult] (trajectories; not serialized)
    controls: list = field(default_factory=list)  # the rule's claims on the negative-control runs

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "evidence"}
        d["claims"] = [asdict(c) | {"status": c.status} for c in self.claims]
        d["controls"] = [asdict(c) | {"status": c.status} for c in self.controls]
        d["hypotheses"] = [asdict(h) for h in self.hypotheses]
        d["exit_code"] = self.exit_code
        return jsonable(d)


CheckResult = Judgement  # the name the first release used


def decide(claims: list[Claim], hypotheses: list[Hypothesis], bad_runs: list[str]) -> tuple[str, str]:
    """The verdict and a one-line reason, following the module docstring's order."""
    missed = [h for h in hypotheses if h.gating and not h.holds and h.kind != "horizon"]
    if missed:
        reason = "configuration misses: " + "; ".join(h.miss() for h in missed)
        return "outside-regime", reason + (f" (and {len(bad_runs)} run(s) could not be scored)" if bad_runs else "")
    if bad_runs:
        return "diverged", "; ".join(bad_runs)
    short = [h for h in hypotheses if h.gating and not h.holds and h.kind == "horizon"]
    if short:
        return "inconclusive", "not converged: " + "; ".join(h.miss() for h in short)
    statuses = [c.status for c in claims]
    if "violated" in statuses:
        return "violated", "fails on every seed: " + ", ".join(c.name for c in claims if c.status == "violated")
    if "inconclusive" in statuses:
        return "inconclusive", "seeds disagree on: " + ", ".join(c.name for c in claims if c.status == "inconclusive")
    return "consistent", "every claim holds on every seed"


def worst(verdicts: list[str]) -> str:
    return max(verdicts, key=lambda v: SEVERITY[v]) if verdicts else "measured"


def jsonable(x: Any) -> Any:
    """Strict JSON: NaN/inf become null, numpy scalars plain numbers."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    return x
