"""Theorem 4.1 (large-batch Adam): with n/B = Theta(1) and 0 < lambda = o(sigma_0^{q-2} sigma_p / n),
Adam reaches err_S = 0 but err_D >= 1/2 - o(1).

Plan: Adam, B = n/2 (two iterations per epoch), lambda = (upper end of the window)/rho.
Rule: per seed, train error <= train_delta and test error >= 1/2 - delta.
"""

from ..judge.claims import memorization_claims
from ._common import adam_lambda
from .registry import ArmSpec, Check, register


def arms(ctx):
    base, tol = ctx.base, ctx.tol
    return {"large": ArmSpec(dict(optimizer="adam", B=base["n"] // 2, lam=adam_lambda(base, tol)), "thm4.1")}


def rule(runs, ctx):
    tol = ctx.tol
    return memorization_claims(runs["large"], tol)


CHECK = register(
    Check(
        "thm4.1", "Theorem 4.1", "Large-batch Adam memorizes noise: err_S = 0, err_D >= 1/2 - o(1)", arms, rule, __doc__
    )
)
