"""Lemma 5.1 = B.1 = C.3 (large-batch Adam, Stage I): for t <= T0 = O~(1/(η s σp)), noise memorization
grows by Θ~(η s σp) per iteration while feature learning grows by at most Θ(η).

Plan: Adam, B = n/2, λ inside Thm 4.1's window, trained for T0 iterations, ~50 trajectory points.
Rule: per seed, over [0, T0/2]: (a) the slope of min_i max_r <w_{y_i,r}, ξ_i> divided by η s σp lies
in [1/θ, θ] (θ = the Θ tolerance; the log factors the lemma hides are not granted); (b) by the end
of Stage I memorization has outrun feature learning (App. B.1.1: s σp = ω(1)): the least-memorized
sample's noise min_i max_r <w_{y_i,r}, ξ_i> is at least the largest feature learning max_r
<w_{j,r}, j v>; (c) noise memorization outpaces feature learning by the factor the two rates
predict, s σp: the ratio of the slopes lies in [s σp/θ, θ s σp]. (The first release's (b), a
feature slope <= θ η, could not fail: Lemma C.1 caps any Adam step near η at the default betas.)
Control: the same rule at B = 2 for the same number of iterations, where a sample's noise moves only
while it is in the moments, a few steps per epoch, so every claim fails.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..judge.claims import at_least, feature, slope, within
from ._common import adam_lambda, large_batch
from .registry import ArmSpec, Check, register

if TYPE_CHECKING:
    from simulations import Config, RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Claim, Tolerances


def t0(base: Config, tol: Tolerances) -> float:
    """Lemma 5.1's Stage-I length in iterations, log factors dropped."""
    return 1.0 / (base.eta * base.s * base.sigma_p)


def _arm(base: Config, tol: Tolerances, B: int) -> dict:
    T0 = t0(base, tol)
    epochs = max(1, math.ceil(T0 / (base.n // B)))
    every = max(1, int(T0 // 50))
    return dict(optimizer="adam", B=B, lam=adam_lambda(base, tol), epochs=epochs, record_every=every)


def arms(ctx: Context) -> dict[str, ArmSpec]:
    return {"large": ArmSpec(_arm(ctx.base, ctx.tol, large_batch(ctx.base)), "lem5.1", ("stage1", 1.0))}


def control(ctx: Context) -> dict[str, ArmSpec]:
    return {"large": ArmSpec(_arm(ctx.base, ctx.tol, 2), None)}


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    base, tol = ctx.base, ctx.tol
    T0 = t0(base, tol)
    rate = base.eta * base.s * base.sigma_p
    r = runs["large"]
    noise = [slope(x, x.trajectory["noise_min"], T0 / 2) for x in r]
    feat = [slope(x, feature(x), T0 / 2) for x in r]
    ratio = [n / f if f > 0 else float("inf") for n, f in zip(noise, feat)]
    ssp = base.s * base.sigma_p
    outrun = [float(x.trajectory["noise_min"][-1]) / max(feature(x)[-1], 1e-300) for x in r]
    return [
        within("noise memorization per iteration", "Theta~(eta s sigma_p)", noise, rate, tol.theta),
        at_least(
            "least-memorized noise / largest feature at T0",
            "memorization outruns feature learning (s sigma_p = omega(1), App. B.1.1)",
            outrun,
            1.0,
        ),
        within("noise rate / feature rate", "Theta(s sigma_p): noise outpaces the feature", ratio, ssp, tol.theta),
    ]


CHECK = register(
    Check(
        "lem5.1",
        "Lemma 5.1 (= B.1, C.3)",
        "Large-batch Adam, Stage I: noise grows ~eta*s*sigma_p per step, feature <= eta",
        arms,
        rule,
        __doc__,
        control=control,
    )
)
