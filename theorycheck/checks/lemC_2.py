"""Lemma C.2 (and Lemma 5.1's mechanism): stochastic Adam is close to a sign step. On the coordinates
that meet the lemma's premise — active (the feature coordinate and the current batch's noise
supports), their last L stochastic gradients share one sign (β1^L <= 1e-3), and |g| > ε — the Adam
update u = m/(√v + ε) has the sign of the current gradient and a magnitude of order one (a sign
step times Θ(1)), not of the order of the gradient.

Plan: Adam, B = 2, λ inside Thm 4.2's window, trained through Stage I (Lemma C.4's T0 = 1/η),
the premise-restricted metrics recorded at every trajectory point (simulations records them).
Rule: per seed, over Stage I after a 1/(1−β1) warm-up: (a) the median premise-restricted sign
agreement is >= sign_good; (b) the median |u| on premise coordinates is Θ(1) on both sides: at
least 1/θ, and at most θ times Lemma C.1's bound (1−β1)/sqrt((1−β2)(1−β1²/β2)) on any Adam
step |m|/(√v + ε) (docs/model.md §4.7; ≈ 1.01 at β = (0.5, 0.45)); (c) Lemma C.1 itself, exact
and for every ε: the largest |u| over every coordinate and filter at the record points of Stage I
(`step_max`) is at most that bound (times the bias correction's largest factor √(1−β2^t)/(1−β1^t)
when it is on), up to float rounding. (c) is what sees a first moment that is not kept (m = g
makes |u| reach 1/√(1−β2) ≈ 1.35 on a coordinate whose gradient reappears).
Control: Adam with ε = CONTROL_EPS = 1, far above every stochastic gradient entry of Stage I (the
initial entries are of order 1e-4 at the default preset: the runs record g0_noise, g0_feature),
so that Lemma C.2's premise |g| > ε fails: the update is a damped gradient step, no coordinate
meets the premise, and neither reading has anything to show (both read NaN and fail). The
unconditional agreement over all active coordinates stays a diagnostic (the feature coordinate's
gradient flips sign with the sampled label). (c) is not separated by this control: an ε that large
only shrinks the steps, and Lemma C.1 holds for every ε.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..judge.claims import at_least, at_most, between
from ..vocab import margin
from ._common import adam_lambda
from .lem5_2 import t0
from .registry import ArmSpec, Check, register

if TYPE_CHECKING:
    from simulations import Config, RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Claim, Tolerances


CONTROL_EPS = 1.0  # the control's epsilon: above every stochastic gradient entry of Stage I


def _arm(base: Config, tol: Tolerances, **extra: float) -> dict:
    T0 = t0(base, tol)
    return dict(
        optimizer="adam",
        B=2,
        lam=adam_lambda(base, tol),
        epochs=max(1, int(np.ceil(T0 / (base.n // 2)))),
        record_every=max(1, int(T0 // 50)),
        **extra,
    )


def arms(ctx: Context) -> dict[str, ArmSpec]:
    return {"mini": ArmSpec(_arm(ctx.base, ctx.tol), "lemC.5", ("stage1", 1.0))}


def control(ctx: Context) -> dict[str, ArmSpec]:
    return {"mini": ArmSpec(_arm(ctx.base, ctx.tol, eps=CONTROL_EPS), None)}


def step_bound(beta1: float, beta2: float) -> float:
    """Lemma C.1's bound on |m|/(sqrt(v) + eps): (1-b1)/sqrt((1-b2)(1-b1^2/b2)) (docs/model.md §4.7)."""
    return (1.0 - beta1) / math.sqrt((1.0 - beta2) * (1.0 - beta1**2 / beta2))


ROUNDING = 1e-4  # relative slack on Lemma C.1's exact bound for float32 rounding

BOUND_ALL_EPS = "Lemma C.1 holds for every ε; the control's ε = 1 only shrinks the steps"


def bias_factor(base: Config, t_max: int) -> float:
    """The largest factor bias correction puts on |m|/√v over steps 1..t_max: √(1−β2^t)/(1−β1^t), or 1."""
    if not base.bias_correction:
        return 1.0
    t = np.arange(1, max(1, t_max) + 1, dtype=float)
    return float(np.max(np.sqrt(1.0 - base.beta2**t) / (1.0 - base.beta1**t)))


def _stage(x: RunResult, base: Config, metric: str, how: str = "median") -> float:
    st, a = x.trajectory["step"], x.trajectory[metric]
    sel = (st >= 1.0 / (1.0 - base.beta1)) & (st <= t0(base, None))
    v = a[sel]
    if not sel.any() or np.all(np.isnan(v)):
        return float("nan")
    return float(np.nanmedian(v) if how == "median" else np.nanmax(v))


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    base, tol = ctx.base, ctx.tol
    r = runs["mini"]
    agreement = at_least(
        "median premise sign agreement in Stage I",
        "sgn(update) = sgn(g) (Lemma C.2)",
        [_stage(x, base, "sign_agree_premise") for x in r],
        tol.sign_good,
    )
    # a fraction capped at 1: its room is read on the disagreement, 1 - agreement <= 1 - sign_good
    agreement.set_margins([margin(1.0 - v, "<=", 1.0 - tol.sign_good) for v in agreement.values])
    return [
        agreement,
        between(
            "median |u| on premise coordinates",
            "a sign step times Theta(1), at most Lemma C.1's bound",
            [_stage(x, base, "step_premise") for x in r],
            1.0 / tol.theta,
            tol.theta * step_bound(base.beta1, base.beta2),
            theory=step_bound(base.beta1, base.beta2),
        ),
        at_most(
            "largest |u| over all coordinates in Stage I",
            "at most Lemma C.1's bound (exact, every ε)",
            [_stage(x, base, "step_max", "max") for x in r],
            step_bound(base.beta1, base.beta2) * bias_factor(base, int(t0(base, None))) * (1.0 + ROUNDING),
            theory=step_bound(base.beta1, base.beta2),
            not_separated=BOUND_ALL_EPS,
        ).mark_exact(),
    ]


CHECK = register(
    Check(
        "lemC.2",
        "Lemma C.2 (with Lemmas 5.1, C.1)",
        "Stochastic Adam takes sign-like steps",
        arms,
        rule,
        __doc__,
        control=control,
    )
)
