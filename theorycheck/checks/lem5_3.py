"""Lemma 5.3 = B.3 (mini-batch Adam, Stage II): feature learning of the best filter stops growing at the
plateau where the loss factor equals λ, z* = ((1/m) log(1/λ − 1))^{1/q}.

Plan: Adam, B = 2, λ inside Thm 4.2's window, trained for 2 x the plateau time z*/η (docs/model.md §8 item 4).
Rule: per seed, (a) the final max_r <w_{j,r}, j v> (max over classes) lies within a factor θ of z*;
(b) it has stopped: it grew by at most 10% over the last quarter of the run.
Control: the same rule on a run stopped at a quarter of the plateau time, before Stage II: it is
still growing, so (b) fails (and (a) with it when the feature is still far below z*).
"""

import math

import bounds

from ..judge.claims import feature, within
from ..judge.verdicts import Claim
from ._common import adam_lambda, epochs_for
from .registry import ArmSpec, Check, register

STOPPED = 0.10  # relative growth over the last quarter that still counts as a plateau


def _arm(base, tol, budget):
    lam = adam_lambda(base, tol)
    return dict(optimizer="adam", B=2, lam=lam, epochs=epochs_for(base, 2, "lem5.3", "plateau", tol, budget, lam=lam))


def arms(ctx):
    return {"mini": ArmSpec(_arm(ctx.base, ctx.tol, 2.0), "lem5.3", ("plateau", 1.0))}


def control(ctx):
    return {"mini": ArmSpec(_arm(ctx.base, ctx.tol, 0.25), None)}


def late_growth(x):
    f = feature(x)
    i = max(0, math.floor(0.75 * (len(f) - 1)))
    return (f[-1] - f[i]) / max(abs(f[i]), 1e-300)


def rule(runs, ctx):
    base, tol = ctx.base, ctx.tol
    z = bounds.adam_plateau(adam_lambda(base, tol), base["m"], base["q"])
    r = runs["mini"]
    growth = [late_growth(x) for x in r]
    return [
        within(
            "final feature learning",
            "plateau z* = ((1/m) log(1/lambda - 1))^{1/q}",
            [feature(x)[-1] for x in r],
            z,
            tol.theta,
        ),
        Claim(
            "growth over the last quarter",
            "stops growing at z*",
            f"<= {STOPPED:g}",
            growth,
            [g <= STOPPED for g in growth],
            0.0,
        ),
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
