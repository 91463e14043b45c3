"""End states and the horizon ladder: a verdict read where the statement speaks, and along the run.

Each check declares the end state its statement is about (docs/model.md §8 item 9):

* ``convergence`` (Thms 4.1, 4.2, 4.4, 4.5, Cors 4.3, 4.6): the statement speaks of W^(T) after
  T = poly(n)/η epochs. The plan trains each arm for `Tolerances.horizon` x its stage time (the
  convergence budget), and "converged" is a gating hypothesis measured on the trajectory: over the
  run's last third, every error the claims read moves by at most `Tolerances.stationary`, the
  training loss by at most `stationary` x its initial value (on separable data a fit drives it
  towards 0 for ever, so its relative change never settles), and every other claimed quantity by
  at most `stationary` x its largest size there. A miss reads 'inconclusive: not converged'.
* ``stage`` (Lemmas 5.1, 5.2, 5.3, C.2, C.17): the statement speaks of a stage's window, which the
  plan already trains to; no ladder is read.

The ladder: the rule is evaluated again on views of the same runs truncated at x1, x3, x10, x30, ...
their stage time (never separate runs). Each rung is shown as evidence. A verdict that changes
along the ladder is never 'consistent': it reads 'inconclusive: horizon-dependent (consistent
until t = ..., violated from t = ...)'. The one exception is a reading that is 'violated' at the
end of a run that has converged: the statement speaks of that end state, so it stays violated and
the reason carries the ladder.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from simulations import RunResult

from ..engine.plan import Plan
from .verdicts import Claim, Hypothesis, Tolerances, decide

RUNGS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
ERRORS = ("train_err", "test_err")


@dataclass(frozen=True)
class EndState:
    kind: str  # 'convergence' or 'stage'
    metrics: tuple[str, ...] = ERRORS  # trajectory quantities the claims read ('feat' = max(feat_pos, feat_neg))
    arms: tuple[str, ...] | None = None  # the regime arms the convergence criterion reads (None: all)


END_STATES: dict[str, EndState] = {
    # the stage lemmas: their window is the plan's horizon (other checks' modules)
    "lem5.1": EndState("stage"),
    "lem5.2": EndState("stage"),
    "lem5.3": EndState("stage"),
    "lemC.2": EndState("stage"),
}


def declare(check_id: str, kind: str, metrics: Sequence[str] = ERRORS, arms: Sequence[str] | None = None) -> None:
    """A check module states its end state (see the module docstring)."""
    if kind not in ("convergence", "stage"):
        raise ValueError(f"end state must be 'convergence' or 'stage', got {kind!r}")
    END_STATES[check_id] = EndState(kind, tuple(metrics), None if arms is None else tuple(arms))


def end_state(check_id: str) -> EndState:
    return END_STATES.get(check_id, EndState("stage"))


def rungs(tol: Tolerances) -> tuple[float, ...]:
    """The ladder's multiples of the stage time, up to the budget (the budget itself is the last)."""
    out = tuple(r for r in RUNGS if r < tol.horizon * (1 - 1e-9))
    return out + (float(tol.horizon),)


def series(r: RunResult, metric: str) -> np.ndarray:
    tr = r.trajectory
    if metric == "feat":
        return np.maximum(tr["feat_pos"], tr["feat_neg"])
    return np.asarray(tr[metric], dtype=float)


def truncate(r: RunResult, t: float) -> RunResult:
    """A view of a run as if it had stopped at its last record at or before iteration t."""
    steps = r.trajectory["step"]
    keep = max(1, int(np.searchsorted(steps, t, side="right")))
    traj = {k: v[:keep] for k, v in r.trajectory.items()}
    final = dict(r.final)
    for k, v in traj.items():
        if k not in ("step", "epoch") and k in final:
            final[k] = float(v[-1])
    return replace(r, trajectory=traj, final=final)


# ---- converged --------------------------------------------------------------------------------
def _change(x: np.ndarray, relative: bool, scale: float | None = None) -> float:
    """The span of x; relative: over `scale` (default: the largest |x|)."""
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return math.nan
    span = float(x.max() - x.min())
    if not relative:
        return span
    size = float(np.max(np.abs(x))) if scale is None else abs(scale)
    return span / size if size > 0 else 0.0


def converged_hypotheses(plan: Plan, regime: dict[str, list[RunResult]], tol: Tolerances) -> list[Hypothesis]:
    """'Converged' per regime arm: the last third of the run is stationary (module docstring)."""
    es = end_state(plan.id)
    if es.kind != "convergence":
        return []
    out = []
    for arm, runs in regime.items():
        if (es.arms is not None and arm not in es.arms) or not runs:
            continue
        worst, what, parts = 0.0, "", []
        for metric in ("train_loss", *es.metrics):
            relative = metric not in ERRORS
            ch = []
            for r in runs:
                steps = r.trajectory["step"]
                tail = steps >= steps[-1] * 2 / 3
                x = series(r, metric)
                # the loss on the scale of where it started (a separable fit drives it to 0 for ever)
                ch.append(_change(x[tail], relative, float(x[0]) if metric == "train_loss" else None))
            c = max((x for x in ch if x == x), default=math.nan)
            parts.append(f"{metric} {'rel. ' if relative else ''}change {c:.3g}")
            if c == c and c / max(tol.stationary, 1e-300) > worst:
                worst, what = c / max(tol.stationary, 1e-300), metric
        total = runs[0].config.steps
        holds = worst <= 1.0
        detail = (
            f"over iterations [{math.ceil(total * 2 / 3)}, {total}] (budget: horizon={tol.horizon:g} x the stage "
            f"time): {', '.join(parts)}; needs <= stationary={tol.stationary:g}"
        )
        out.append(
            Hypothesis(
                f"[{arm}] converged",
                "end state W^(T), T = poly(n)/η (docs/model.md §8 item 9)",
                holds,
                detail + ("" if holds else f"; {what} still moves"),
                True,
                "horizon",
                "" if holds else f"--tol horizon={3 * tol.horizon:g}",
                max(1.0, worst),
            )
        )
    return out


# ---- the ladder -------------------------------------------------------------------------------
@dataclass
class Rung:
    multiple: float
    steps: dict[str, int]  # arm -> iteration the view stops at
    status: str
    claims: list[Claim]

    def line(self) -> str:
        t = ", ".join(f"{a} t={s}" for a, s in self.steps.items())
        cl = "; ".join(f"{c.name} {c.summary()} ({sum(c.passes)}/{len(c.passes)})" for c in self.claims)
        return f"x{self.multiple:g} ({t}): {self.status} — {cl}"


def read_ladder(plan: Plan, regime: dict[str, list[RunResult]], tol: Tolerances) -> list[Rung]:
    """The rule on the regime runs truncated at each rung (convergence checks only)."""
    if end_state(plan.id).kind != "convergence" or plan.rule is None:
        return []
    out = []
    for mult in rungs(tol):
        views, at = {}, {}
        for arm, runs in regime.items():
            t = runs[0].config.steps * mult / tol.horizon
            views[arm] = [truncate(r, t) for r in runs]
            at[arm] = int(views[arm][0].trajectory["step"][-1])
        claims = plan.rule(views, plan.context)
        out.append(Rung(mult, at, decide(claims, [], [])[0], claims))
    return out


def ladder_hypotheses(ladder: list[Rung]) -> list[Hypothesis]:
    """The ladder as evidence rows (not gating)."""
    return [
        Hypothesis(
            f"horizon ladder x{r.multiple:g}",
            "docs/model.md §8 item 9",
            r.status == ladder[-1].status,
            r.line(),
            False,
            "horizon",
        )
        for r in ladder
    ]


def _describe(ladder: list[Rung]) -> str:
    parts, prev = [], None
    for i, r in enumerate(ladder):
        if r.status != prev:
            t = min(r.steps.values())
            if prev is not None:
                last = ladder[i - 1]
                parts[-1] += f" until t = {min(last.steps.values())} (x{last.multiple:g})"
            parts.append(f"{r.status} from t = {t} (x{r.multiple:g})" if prev is not None else r.status)
            prev = r.status
    return ", ".join(parts)


def apply_ladder(verdict: str, reason: str, ladder: list[Rung], hyps: list[Hypothesis]) -> tuple[str, str]:
    """The verdict after the ladder (module docstring): horizon-dependent unless it agrees at every rung."""
    if not ladder or verdict not in ("consistent", "violated", "inconclusive") or "not converged" in reason:
        return verdict, reason
    statuses = {r.status for r in ladder}
    if len(statuses) == 1:
        return verdict, reason + f"; the same at every rung of the horizon ladder (x1 to x{ladder[-1].multiple:g})"
    story = _describe(ladder)
    converged = all(h.holds for h in hyps if h.name.endswith("] converged"))
    if verdict == "violated" and converged:
        return verdict, reason + f" at convergence; along the horizon ladder: {story}"
    return "inconclusive", f"horizon-dependent ({story})"
