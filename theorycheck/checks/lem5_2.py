"""Lemma 5.2 = B.2 with Lemmas C.4-C.7 (mini-batch Adam, Stage I): feature learning grows by Theta(eta)
per iteration, while noise memorization stays <= Theta~(eta s sigma_p + alpha) (Lemma C.7).

Plan: Adam, B = 2, lambda inside Thm 4.2's window; T0 = 1/eta iterations (Lemma C.4, App. C default).
Rule: per seed, the slope of max feature learning over [0, T0/2] divided by eta lies in [1/theta, theta];
max_i max_r <w_{y_i,r}, xi_i> over the whole run is <= theta * log^k(n) * (eta s sigma_p + alpha).
"""

import bounds

from ..judge.claims import at_most, feature, slope, within
from ..judge.gating import bounds_values
from ._common import adam_lambda, polylog
from .registry import ArmSpec, Check, register


def t0(base, tol):
    v = dict(bounds_values(base), B=2, lam=adam_lambda(base, tol))
    return bounds.time_scales(v)["T0_variants"]["lemC.4"]["iterations"]


def arms(ctx):
    base, tol = ctx.base, ctx.tol
    every = max(1, int(t0(base, tol) // 50))
    return {"mini": ArmSpec(dict(optimizer="adam", B=2, lam=adam_lambda(base, tol), record_every=every), "lem5.2")}


def rule(runs, ctx):
    base, tol = ctx.base, ctx.tol
    r = runs["mini"]
    T0 = t0(base, tol)
    feat = [slope(x, feature(x), T0 / 2) for x in r]
    bound = base["eta"] * base["s"] * base["sigma_p"] + base["alpha"]
    return [
        within("feature learning per iteration", "Theta(eta)", feat, base["eta"], tol.theta),
        at_most(
            "max noise memorization",
            "<= Theta~(eta s sigma_p + alpha)",
            [float(x.trajectory["noise_max"].max()) for x in r],
            tol.theta * polylog(base, tol) * bound,
            theory=bound,
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
    )
)
