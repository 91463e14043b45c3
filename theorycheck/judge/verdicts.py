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
