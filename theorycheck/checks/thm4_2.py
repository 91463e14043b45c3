"""Theorem 4.2 (mini-batch Adam): with n/B >= Theta(log 1/eps) and 0 < lambda = o(sigma_0^{q-2} sigma_p / n),
stochastic Adam reaches err_S = 0 and err_D = o(1).

Plan: Adam, B = 2, lambda = (upper end of the window)/rho, eps = lambda*eta (paper reading).
Rule: per seed, train error <= train_delta and test error <= delta.
"""

from ..judge.claims import generalization_claims
from ._common import adam_lambda
from .registry import ArmSpec, Check, register


def arms(ctx):
    base, tol = ctx.base, ctx.tol
    return {"mini": ArmSpec(dict(optimizer="adam", B=2, lam=adam_lambda(base, tol)), "thm4.2")}


def rule(runs, ctx):
    tol = ctx.tol
    return generalization_claims(runs["mini"], tol)


CHECK = register(
    Check("thm4.2", "Theorem 4.2", "Mini-batch Adam generalizes: err_S = 0, err_D = o(1)", arms, rule, __doc__)
)
