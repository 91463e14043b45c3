"""Theorem 4.5 (mini-batch AdamW): with n/B ≥ Θ(log 1/ε), n/B = ω(sσp ∨ n^{1/2}) and λ in
[Ω~(B²/n ∧ 1), O~(1)], stochastic AdamW reaches err_S = 0 and err_D = o(1).

Plan: AdamW, B = 2, λ = twice the window's lower end at B = 2, trained for 2 x the Stage-I length
T0 = B/(ηn) epochs of Lemma C.17.
Rule: per seed, train error <= train_delta and test error <= delta.
Control: the same rule at B = n/2 with λ = twice that window's lower end (Thm 4.4's regime).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..judge.claims import generalization_claims
from ..judge.horizon import declare
from ._common import adamw_fields, large_batch
from .registry import ArmSpec, Check, register

if TYPE_CHECKING:
    from simulations import RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Claim


def arms(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    return {"mini": ArmSpec(adamw_fields(base, 2, tol), "thm4.5", ("stage1", 1.0))}


def control(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    return {"mini": ArmSpec(adamw_fields(base, large_batch(base), tol), None)}


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    return generalization_claims(runs["mini"], ctx.tol)


declare("thm4.5", "convergence")
CHECK = register(
    Check(
        "thm4.5",
        "Theorem 4.5",
        "Mini-batch AdamW generalizes: err_S = 0, err_D = o(1)",
        arms,
        rule,
        __doc__,
        control=control,
    )
)
