"""Theorem 4.2 (mini-batch Adam): with n/B ≥ Θ(log 1/ε) and 0 < λ = o(σ0^{q−2}σp/n), stochastic
Adam reaches err_S = 0 and err_D = o(1).

Plan: Adam, B = 2, λ = 0.4 x the window's upper end, trained to convergence: `--tol horizon`
(default 10) x the time to Lemma 5.3's plateau z*/η, read along the horizon ladder (judge.horizon).
Rule: per seed, train error <= train_delta and test error <= delta.
Control: the same rule at B = n/2 (large batch, Thm 4.1's regime), where the test error must be high.
Setting: at `smoke`, sσp = 12 (σp = 1/3), as thm4.1, so that its control memorizes at convergence
(docs/convergence.md §6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..judge.claims import generalization_claims
from ..judge.horizon import declare
from ._common import RACE_MARGIN, RACE_MARGIN_WHY, adam_lambda, converge_fields, large_batch
from .registry import ArmSpec, Check, Setting, register

if TYPE_CHECKING:
    from simulations import RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Claim


def arms(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    lam = adam_lambda(base, tol)
    fields = dict(optimizer="adam", B=2, lam=lam, **converge_fields(base, 2, "thm4.2", "plateau", tol, lam=lam))
    return {"mini": ArmSpec(fields, "thm4.2", ("plateau", 1.0))}


def control(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    B = large_batch(base)
    return {
        "mini": ArmSpec(
            dict(
                optimizer="adam", B=B, lam=adam_lambda(base, tol), **converge_fields(base, B, "thm4.1", "stage1", tol)
            ),
            None,
        )
    }


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    return generalization_claims(runs["mini"], ctx.tol, "thm4.2")


declare("thm4.2", "convergence")
CHECK = register(
    Check(
        "thm4.2",
        "Theorem 4.2",
        "Mini-batch Adam generalizes: err_S = 0, err_D = o(1)",
        arms,
        rule,
        __doc__,
        control=control,
        settings={"smoke": Setting(RACE_MARGIN, RACE_MARGIN_WHY)},
    )
)
