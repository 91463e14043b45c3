"""Lemma 5.3 = B.3 (mini-batch Adam, Stage II): feature learning of the best filter plateaus where the
loss factor equals lambda, z* = ((1/m) log(1/lambda - 1))^{1/q}.

Plan: Adam, B = 2, lambda inside Thm 4.2's window (the full preset length, so Stage II is reached).
Rule: per seed, final max_r <w_{j,r}, j v> (max over classes) lies within a factor theta of z*.
"""

import bounds

from ..judge.claims import feature, within
from ._common import adam_lambda
from .registry import ArmSpec, Check, register


def arms(ctx):
    base, tol = ctx.base, ctx.tol
    return {"mini": ArmSpec(dict(optimizer="adam", B=2, lam=adam_lambda(base, tol)), "lem5.3")}


def rule(runs, ctx):
    base, tol = ctx.base, ctx.tol
    z = bounds.adam_plateau(adam_lambda(base, tol), base["m"], base["q"])
    return [
        within(
            "final feature learning",
            "plateau z* = ((1/m) log(1/lambda - 1))^{1/q}",
            [feature(x)[-1] for x in runs["mini"]],
            z,
            tol.theta,
        )
    ]


CHECK = register(
    Check(
        "lem5.3", "Lemma 5.3 (= B.3)", "Mini-batch Adam, Stage II: feature learning plateaus at z*", arms, rule, __doc__
    )
)
