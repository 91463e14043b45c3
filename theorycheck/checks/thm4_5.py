"""Theorem 4.5 (mini-batch AdamW): with n/B >= Theta(log 1/eps), n/B = omega(s sigma_p ∨ n^{1/2}) and
lambda in [Omega~(B^2/n ∧ 1), O~(1)], stochastic AdamW reaches err_S = 0 and err_D = o(1).

Plan: AdamW, B = 2, lambda = twice the lower end of the window at B = 2.
Rule: per seed, train error <= train_delta and test error <= delta.
"""

from ..judge.claims import generalization_claims
from ._common import adamw_lambda
from .registry import ArmSpec, Check, register


def arms(ctx):
    base, tol = ctx.base, ctx.tol
    return {"mini": ArmSpec(dict(optimizer="adamw", B=2, lam=adamw_lambda(base, 2, tol)), "thm4.5")}


def rule(runs, ctx):
    tol = ctx.tol
    return generalization_claims(runs["mini"], tol)


CHECK = register(
    Check("thm4.5", "Theorem 4.5", "Mini-batch AdamW generalizes: err_S = 0, err_D = o(1)", arms, rule, __doc__)
)
