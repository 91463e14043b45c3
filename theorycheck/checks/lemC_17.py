"""Lemmas C.17 / C.12 (AdamW, Stage I, the per-epoch race): per epoch, feature learning gains Θ(η n/B)
and noise memorization gains Θ~(η s σp), so n/B against s σp decides which pattern wins: mini-batch
(n/B > s σp) learns the feature faster, large batch (n/B < s σp) the noise.

Plan: AdamW at B = 2 ('mini', feature must win) and at B = n/2 ('large', noise must win), λ twice
the lower end of each window, each trained for its Stage-I length (Lemmas C.17 and C.12), 60
trajectory points over the first tenth.
Rule: per seed, over the first tenth of the trajectory, (feature gain) − (noise gain) is > 0 on
'mini', with noise measured by the most-memorized sample (max_i max_r <w_{y_i,r}, ξ_i>), and < 0 on
'large', with noise measured by the least-memorized sample (min_i): the feature must beat every
sample's noise in the first case, and every sample's noise must beat the feature in the second.
Control: the same predictions with the batch sizes swapped; both must fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..judge.claims import at_least, at_most, feature
from ..judge.horizon import declare
from ._common import adamw_lambda, epochs_for, large_batch
from .registry import ArmSpec, Check, register

if TYPE_CHECKING:
    from simulations import Config, RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Claim, Tolerances

PREDICTS = {"mini": "feature", "large": "noise"}  # which pattern each arm's rule says wins


def _arm(base: Config, tol: Tolerances, B: int) -> dict:
    rid = "thm4.5" if B == 2 else "thm4.4"
    epochs = epochs_for(base, B, rid, "stage1", tol, 1.0)
    steps = epochs * base.n // B
    return dict(
        optimizer="adamw", B=B, lam=adamw_lambda(base, B, tol), epochs=epochs, record_every=max(1, steps // 600)
    )


def arms(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    return {
        "mini": ArmSpec(_arm(base, tol, 2), "lemC.17", ("stage1", 1.0)),
        "large": ArmSpec(_arm(base, tol, large_batch(base)), "lemC.12", ("stage1", 1.0)),
    }


def control(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    return {"mini": ArmSpec(_arm(base, tol, large_batch(base)), None), "large": ArmSpec(_arm(base, tol, 2), None)}


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    out = []
    for arm, r in runs.items():
        feature_wins = PREDICTS[arm] == "feature"
        gaps = []
        for x in r:
            end = max(2, len(x.trajectory["step"]) // 10)
            f = feature(x)
            nz = x.trajectory["noise_max" if feature_wins else "noise_min"]
            gaps.append((f[end] - f[0]) - (nz[end] - nz[0]))
        name = f"[{arm}] feature gain - noise gain"
        out.append(
            at_least(name, "feature wins (n/B > s sigma_p)", gaps, 0.0)
            if feature_wins
            else at_most(name, "noise wins (n/B < s sigma_p)", gaps, 0.0)
        )
    return out


declare("lemC.17", "stage")  # the race is read over Stage I's first tenth
CHECK = register(
    Check(
        "lemC.17",
        "Lemmas C.17 / C.12",
        "AdamW Stage I race: n/B vs s*sigma_p decides feature vs noise",
        arms,
        rule,
        __doc__,
        control=control,
    )
)
