"""Lemma 5.1 = B.1 = C.3 (large-batch Adam, Stage I): for t <= T0 = O~(1/(eta s sigma_p)),
noise memorization grows by Theta~(eta s sigma_p) per iteration while feature learning grows by at most Theta(eta).

Plan: Adam, B = n/2, lambda inside Thm 4.1's window, trajectory recorded ~50 times within T0.
Rule: per seed, over [0, T0/2]: the slope of min_i max_r <w_{y_i,r}, xi_i> divided by eta s sigma_p lies in
[1/(theta log^k n), theta log^k n]; the slope of max feature learning is <= theta * eta.
"""

import bounds

from ..judge.claims import at_most, feature, slope, within
from ..judge.gating import bounds_values
from ._common import adam_lambda, polylog
from .registry import ArmSpec, Check, register


def t0(base, B, tol):
    v = dict(bounds_values(base), B=B, lam=adam_lambda(base, tol))
    return bounds.time_scales(v)["T0_variants"]["lem5.1"]["iterations"]


def arms(ctx):
    base, tol = ctx.base, ctx.tol
    B = base["n"] // 2
    every = max(1, int(t0(base, B, tol) // 50))
    return {"large": ArmSpec(dict(optimizer="adam", B=B, lam=adam_lambda(base, tol), record_every=every), "lem5.1")}


def rule(runs, ctx):
    base, tol = ctx.base, ctx.tol
    r = runs["large"]
    T0 = t0(base, base["n"] // 2, tol)
    rate = base["eta"] * base["s"] * base["sigma_p"]
    noise = [slope(x, x.trajectory["noise_min"], T0 / 2) for x in r]
    feat = [slope(x, feature(x), T0 / 2) for x in r]
    return [
        within(
            "noise memorization per iteration", "Theta~(eta s sigma_p)", noise, rate, tol.theta * polylog(base, tol)
        ),
        at_most("feature learning per iteration", "<= Theta(eta)", feat, tol.theta * base["eta"]),
    ]


CHECK = register(
    Check(
        "lem5.1",
        "Lemma 5.1 (= B.1, C.3)",
        "Large-batch Adam, Stage I: noise grows ~eta*s*sigma_p per step, feature <= eta",
        arms,
        rule,
        __doc__,
    )
)
