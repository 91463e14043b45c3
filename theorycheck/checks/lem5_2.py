"""Lemma 5.2 = B.2 with Lemmas C.4-C.7 (mini-batch Adam, Stage I): feature learning grows by Θ(η)
per iteration, while noise memorization stays small, <= Θ~(η s σp + α) (Lemma C.7), where the
large batch memorizes it (Lemma 5.1).

Plan: Adam at λ inside Thm 4.2's window, at B = 2 ('mini') and, as the reference the lemma contrasts
with, at B = n/2 ('large'), both for T0 = 1/η iterations (Lemma C.4).
Rule: per seed, (a) the slope of max feature learning on 'mini' over [0, T0/2] divided by η lies in
[1/θ, θ]; (b) the growth of the least-memorized sample's noise min_i max_r <w_{y_i,r}, ξ_i> over the
run on 'mini' is at most half of that on 'large' (a contrast at the same λ, η and iterations: Lemma
5.1 grows every sample's noise at large batch, Lemma 5.2 keeps it small at mini-batch); (c) the
largest noise memorization max_i on 'mini' stays below Lemma C.7's θ·log^k(n)·(η s σp + α).
Control: the two batch regimes exchanged, at batch sizes of their own so that no control run
repeats a regime run: 'mini' at B = n/4 (n/B = 4 = Θ(1), the large-batch regime of Lemma 5.1,
where Lemma 5.2's premise n/B >= Θ(log 1/ε) fails) and the reference at B = 4 (n/B = 25). There
the large batch memorizes and (b) fails (smoke, seed 0: 75.8 against <= 1/2). (a) is not
separated: Lemma 5.1 also grows the feature by Θ(η) per iteration during the large batch's Stage
I. Nor is (c): within T0 the large batch memorizes 1.30 (B = n/4, seed 0), below the cap's slack
θ·log^k(n)·(ηsσp + α) = 9.27 at the default preset; the contrast is (b)'s.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..judge.claims import at_most, feature, slope, within
from ..judge.verdicts import Claim
from ._common import adam_lambda, large_batch
from .registry import ArmSpec, Check, register

if TYPE_CHECKING:
    from simulations import Config, RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Tolerances

CONTRAST = 2.0  # mini-batch noise growth must be at most 1/CONTRAST of the large batch's


def t0(base: Config, tol: Tolerances | None) -> float:
    """Lemma C.4's Stage-I length in iterations, log factors dropped."""
    return 1.0 / base.eta


def _arm(base: Config, tol: Tolerances, B: int) -> dict:
    T0 = t0(base, tol)
    return dict(
        optimizer="adam",
        B=B,
        lam=adam_lambda(base, tol),
        epochs=max(1, math.ceil(T0 / (base.n // B))),
        record_every=max(1, int(T0 // 50)),
    )


def arms(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    return {
        "mini": ArmSpec(_arm(base, tol, 2), "lem5.2", ("stage1", 1.0)),
        "large": ArmSpec(_arm(base, tol, large_batch(base)), None),
    }


def control(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    return {
        "mini": ArmSpec(_arm(base, tol, max(1, base.n // 4)), None),
        "large": ArmSpec(_arm(base, tol, 4), None),
    }


def growth(x: RunResult, metric: str = "noise_min") -> float:
    nm = x.trajectory[metric]
    return float(nm.max() - nm[0])


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    base, tol = ctx.base, ctx.tol
    T0 = t0(base, tol)
    feat = [slope(x, feature(x), T0 / 2) for x in runs["mini"]]
    ratio = [growth(m) / max(growth(lg), 1e-300) for m, lg in zip(runs["mini"], runs["large"])]
    cap = tol.theta * math.log(base.n) ** tol.k * (base.eta * base.s * base.sigma_p + base.alpha)
    return [
        within(
            "feature learning per iteration",
            "Theta(eta)",
            feat,
            base.eta,
            tol.theta,
            not_separated="the large batch's Stage I grows the feature by Theta(eta) per iteration too (Lemma 5.1)",
        ),
        Claim(
            "least-memorized noise growth, mini / large",
            "mini-batch noise stays small while the large batch memorizes every sample",
            f"<= 1/{CONTRAST:g}",
            ratio,
            [r <= 1 / CONTRAST for r in ratio],
            1 / CONTRAST,
            sense="<=",
            cut=1 / CONTRAST,
        ),
        at_most(
            "largest noise memorization (mini)",
            "<= Theta~(eta s sigma_p + alpha) (Lemma C.7)",
            [float(x.trajectory["noise_max"].max()) for x in runs["mini"]],
            cap,
            theory=base.eta * base.s * base.sigma_p + base.alpha,
            not_separated=(
                "within T0 the large batch memorizes less than the cap's slack theta log^k(n) (eta s sigma_p + alpha); "
                "the contrast is claim (b)'s"
            ),
        ),
    ]


CHECK = register(
    Check(
        "lem5.2",
        "Lemma 5.2 (= B.2; C.4-C.7)",
        "Mini-batch Adam, Stage I: feature grows ~eta per step, noise stays small",
        arms,
        rule,
        __doc__,
        control=control,
    )
)
