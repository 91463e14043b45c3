"""Theorem 4.4 (large-batch AdamW): with n/B = Θ(1) (or o(sσp)) and λ in [Ω~(B²/n ∧ 1), O~(1)],
AdamW reaches err_S = 0 but err_D ≥ 1/2 − o(1).

Plan: AdamW, B = n/2, trained to convergence: `--tol horizon` (default 10) x the Stage-I length
T0 = 1/(η s σp) of Lemma C.12, read along the horizon ladder (judge.horizon); λ in the window
[Ω~(B²/n ∧ 1), O~(1)] and large enough that ληT = ω(1) (Lemma C.20, gating) holds over the run
(`adamw_fields`).
Rule: per seed, train error <= train_delta and test error >= 1/2 − delta.
Control: the same rule on Thm 4.5's arm (B = 2, its own λ and budget).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..judge.claims import memorization_claims
from ..judge.horizon import declare
from ._common import adamw_fields, large_batch
from .registry import ArmSpec, Check, register

if TYPE_CHECKING:
    from simulations import RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Claim


def arms(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    return {"large": ArmSpec(adamw_fields(base, large_batch(base), tol), "thm4.4", ("stage1", 1.0))}


def control(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    return {"large": ArmSpec(adamw_fields(base, 2, tol), None)}


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    return memorization_claims(runs["large"], ctx.tol, "thm4.4")


declare("thm4.4", "convergence")
CHECK = register(
    Check(
        "thm4.4",
        "Theorem 4.4",
        "Large-batch AdamW memorizes noise: err_S = 0, err_D >= 1/2 - o(1)",
        arms,
        rule,
        __doc__,
        control=control,
    )
)
