"""Theorem 4.4 (large-batch AdamW): with n/B = Theta(1) (or o(s sigma_p)) and
lambda in [Omega~(B^2/n ∧ 1), O~(1)], AdamW reaches err_S = 0 but err_D >= 1/2 - o(1).

Plan: AdamW, B = n/2, lambda = twice the lower end of the window at that B.
Rule: per seed, train error <= train_delta and test error >= 1/2 - delta.
"""

from ..judge.claims import memorization_claims
from ._common import adamw_lambda
from .registry import ArmSpec, Check, register


def arms(ctx):
    base, tol = ctx.base, ctx.tol
    B = base["n"] // 2
    return {"large": ArmSpec(dict(optimizer="adamw", B=B, lam=adamw_lambda(base, B, tol)), "thm4.4")}


def rule(runs, ctx):
    tol = ctx.tol
    return memorization_claims(runs["large"], tol)


CHECK = register(
    Check(
        "thm4.4",
        "Theorem 4.4",
        "Large-batch AdamW memorizes noise: err_S = 0, err_D >= 1/2 - o(1)",
        arms,
        rule,
        __doc__,
    )
)
