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
from ._common import adamw_lambda, epochs_for, large_batch
from .registry import ArmSpec, Check, register

if TYPE_CHECKING:
    from simulations import RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Claim


def arms(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    fields = dict(
        optimizer="adamw", B=2, lam=adamw_lambda(base, 2, tol), epochs=epochs_for(base, 2, "thm4.5", "stage1", tol)
    )
    return {"mini": ArmSpec(fields, "thm4.5", ("stage1", 1.0))}


def control(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    B = large_batch(base)
    return {
        "mini": ArmSpec(
            dict(
                optimizer="adamw",
                B=B,
                lam=adamw_lambda(base, B, tol),
                epochs=epochs_for(base, B, "thm4.4", "stage1", tol),
            ),
            None,
        )
    }


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    return generalization_claims(runs["mini"], ctx.tol)


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
