"""Lemma 5.3 = B.3 (mini-batch Adam, Stage II): feature learning of the best filter stops growing at the
plateau where the loss factor equals λ, z* = ((1/m) log(1/λ − 1))^{1/q}.

Plan: Adam, B = 2, λ inside Thm 4.2's window, trained for 8 x the plateau time z*/η (docs/model.md
§8 item 4: in Stage I the feature grows by about η per iteration).
Rule: per seed, (a) the final max_r <w_{j,r}, j v> (max over classes) lies within a factor θ of z*;
(b) it has stopped: over the last quarter of the run it grows by o(η) per iteration, read with the
slack convention as at most η/ρ (Stage I grows it by Θ(η), Lemma 5.2).
Control: the same rule on a run stopped at a quarter of the plateau time, before Stage II: it is
still growing at a Stage-I rate, so (b) fails.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import bounds

from ..judge.claims import at_most, feature, within
from ._common import adam_lambda, epochs_for
from .registry import ArmSpec, Check, register

if TYPE_CHECKING:
    from simulations import RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Claim, Tolerances


def _arm(base: dict, tol: Tolerances, budget: float) -> dict:
    lam = adam_lambda(base, tol)
    return dict(optimizer="adam", B=2, lam=lam, epochs=epochs_for(base, 2, "lem5.3", "plateau", tol, budget, lam=lam))


def arms(ctx: Context) -> dict[str, ArmSpec]:
    return {"mini": ArmSpec(_arm(ctx.base, ctx.tol, 8.0), "lem5.3", ("plateau", 1.0))}


def control(ctx: Context) -> dict[str, ArmSpec]:
    return {"mini": ArmSpec(_arm(ctx.base, ctx.tol, 0.25), None)}


def late_rate(x: RunResult) -> float:
    """Growth of max feature learning per iteration over the last quarter of the run."""
    f, st = feature(x), x.trajectory["step"]
    i = max(0, math.floor(0.75 * (len(f) - 1)))
    return (f[-1] - f[i]) / max(float(st[-1] - st[i]), 1.0)


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    base, tol = ctx.base, ctx.tol
    z = bounds.adam_plateau(adam_lambda(base, tol), base.m, base.q)
    r = runs["mini"]
    rate = [late_rate(x) for x in r]
    stop = base.eta / tol.rho
    return [
        within(
            "final feature learning",
            "plateau z* = ((1/m) log(1/lambda - 1))^{1/q}",
            [feature(x)[-1] for x in r],
            z,
            tol.theta,
        ),
        at_most("growth per iteration over the last quarter", "o(eta): stopped at z*", rate, stop),
    ]


CHECK = register(
    Check(
        "lem5.3",
        "Lemma 5.3 (= B.3)",
        "Mini-batch Adam, Stage II: feature learning plateaus at z*",
        arms,
        rule,
        __doc__,
        control=control,
    )
)
