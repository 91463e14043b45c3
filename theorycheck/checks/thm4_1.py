"""Theorem 4.1 (large-batch Adam): with n/B = Theta(1) and 0 < lambda = o(sigma_0^{q-2} sigma_p / n),
Adam reaches err_S = 0 but err_D >= 1/2 - o(1).

Plan: Adam, B = n/2 (two iterations per epoch), lambda = (upper end of the window)/rho.
Rule: per seed, train error <= train_delta and test error >= 1/2 - delta.
"""
from ..registry import Arm, Check, adam_lambda, final, register
from ..verdicts import at_least, at_most


def plan(base, tol):
    return {"large": Arm(dict(optimizer="adam", B=base["n"] // 2, lam=adam_lambda(base, tol)), "thm4.1")}


def rule(runs, base, tol):
    r = runs["large"]
    return [at_most("train error", "err_S = 0", final(r, "train_err"), tol.train_delta),
            at_least("test error", ">= 1/2 - o(1)", final(r, "test_err"), 0.5 - tol.delta)]


CHECK = register(Check("thm4.1", "Theorem 4.1", "Large-batch Adam memorizes noise: err_S = 0, err_D >= 1/2 - o(1)",
                       plan, rule, __doc__))
