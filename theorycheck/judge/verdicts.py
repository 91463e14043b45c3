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

Scaling checks (studies.scaling) take the same ladder: their scored items are fitted series and
per-point claims, a ladder reads diverged only when its unscorable runs leave a fit fewer points
than it needs (fewer are left out and counted), and the negative-control downgrade is the one
function `control_downgrade` for both kinds.

Asymptotic statements become numeric through the settable `Tolerances`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from ..vocab import HYPOTHESIS_KINDS as HYPOTHESIS_KINDS
from ..vocab import Claim, Hypothesis
from ..vocab import Tolerances as Tolerances

# re-exported: the shared vocabulary lives below the engine (theorycheck.vocab)
from . import render as _render

VERDICTS = ("consistent", "violated", "inconclusive", "outside-regime", "diverged", "measured")
EXIT_CODES = {"consistent": 0, "measured": 0, "violated": 1, "inconclusive": 3, "outside-regime": 3, "diverged": 3}
SEVERITY = {"measured": 0, "consistent": 0, "inconclusive": 1, "outside-regime": 2, "diverged": 3, "violated": 4}


@dataclass(frozen=True, kw_only=True)
class RunRow:
    """One run behind a judgement, as reports and JSON read it (the RunResult itself, with its
    trajectories, is in `Judgement.evidence`)."""

    arm: str
    role: str
    seed: int
    status: str
    detail: str
    final: dict
    key: str  # the store key (engine.store.config_key)
    wall_s: float
    steps: int
    config: dict


@dataclass(kw_only=True)
class Judgement:
    """A plan's verdict with its evidence. Renderers read only this; it prints as its text
    evidence and renders as an HTML table in notebooks (judge.render)."""

    check_id: str
    ref: str
    title: str
    verdict: str
    reason: str
    claims: list = field(default_factory=list)
    hypotheses: list = field(default_factory=list)
    runs: list[RunRow] = field(default_factory=list)
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

    def __str__(self) -> str:
        return _render.check_text(self)

    def _repr_html_(self) -> str:
        return _render.check_html(self)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "evidence"}
        d["claims"] = [asdict(c) | {"status": c.status} for c in self.claims]
        d["controls"] = [asdict(c) | {"status": c.status} for c in self.controls]
        d["hypotheses"] = [asdict(h) for h in self.hypotheses]
        d["runs"] = [asdict(r) for r in self.runs]
        d["exit_code"] = self.exit_code
        return jsonable(d)


def _described(item: Any) -> str:
    """A scored item's name, with its reason where it has one (a fitted series does)."""
    why = getattr(item, "reason", "")
    return f"{item.name} ({why})" if why else item.name


def decide(claims: list[Any], hypotheses: list[Hypothesis], bad_runs: list[str]) -> tuple[str, str]:
    """The verdict and a one-line reason, following the module docstring's order.

    `claims` are the scored items: `Claim`s (one pass/fail per seed) or, for a scaling check,
    fitted series (judge.slopes.SeriesResult) and per-point claims; each has a name and a status
    in ('consistent', 'violated', 'inconclusive'). Checks and scaling checks share this ladder."""
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
    plain = all(isinstance(c, Claim) for c in claims)
    if "violated" in statuses:
        bad = [c for c in claims if c.status == "violated"]
        if plain:
            return "violated", "fails on every seed: " + ", ".join(c.name for c in bad)
        return "violated", "fails: " + "; ".join(_described(c) for c in bad)
    if "inconclusive" in statuses:
        open_ = [c for c in claims if c.status == "inconclusive"]
        if plain:
            return "inconclusive", "seeds disagree on: " + ", ".join(c.name for c in open_)
        return "inconclusive", "cannot decide: " + "; ".join(_described(c) for c in open_)
    if plain:
        return "consistent", "every claim holds on every seed"
    return "consistent", "; ".join(_described(c) for c in claims)


def control_downgrade(verdict: str, reason: str, separates: bool, failing: str, passing: str) -> tuple[str, str]:
    """The negative-control reading, shared by checks and scaling checks (the one place it lives).

    A rule that also holds on its negative control cannot fail here, so a 'consistent' verdict
    becomes 'inconclusive' (`passing` says where the control held, e.g. 'on 2 of 3 seeds (sgd)');
    when the control separates, a consistent reason says so (`failing`, e.g. 'on every seed').
    Every other verdict stands: the control only ever weakens a pass."""
    if verdict != "consistent":
        return verdict, reason
    if not separates:
        return "inconclusive", f"the rule also holds on its negative control {passing}: it cannot fail here; {reason}"
    return verdict, f"{reason}; the negative control fails {failing}"


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
