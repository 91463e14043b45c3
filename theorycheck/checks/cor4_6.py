"""Corollary 4.6 (weight-decay windows): lambda_Adam ~ sigma_0^{q-2} << B^2/n ∧ 1 ~ lambda_AdamW.

Symbolic side: bounds.cor46_gap maximizes exponent(sigma_0^{q-2}) - exponent(B^2/n ∧ 1) over the
feasible regimes; the statement holds when that maximum is negative.
Plan (numeric side): at one lambda* = rho * c * sigma_0^{q-2}, just above Adam's cap, mini-batch (B = 2)
Adam must be stuck while AdamW, for which lambda* is inside its window, must generalize.
Rule: per seed, Adam's max feature learning <= stuck * sigma_0 * log(n)^k and AdamW's test error <= delta.
"""

import bounds

from ..judge.claims import at_most, feature, final
from ..judge.verdicts import Hypothesis
from ._common import polylog, stuck_lambda
from .registry import ArmSpec, Check, register


def arms(ctx):
    base, tol = ctx.base, ctx.tol
    lam = stuck_lambda(base, tol)
    return {
        "adam": ArmSpec(dict(optimizer="adam", B=2, lam=lam), "cor4.3"),
        "adamw": ArmSpec(dict(optimizer="adamw", B=2, lam=lam), "thm4.5"),
    }


def rule(runs, ctx):
    base, tol = ctx.base, ctx.tol
    cap = tol.stuck * base["sigma_0"] * polylog(base, tol)
    return [
        at_most(
            "[adam] max feature learning at lambda*", "stuck (Cor 4.3)", [max(feature(x)) for x in runs["adam"]], cap
        ),
        at_most("[adamw] test error at lambda*", "err_D = o(1) (Thm 4.5)", final(runs["adamw"], "test_err"), tol.delta),
    ]


def symbolic(ctx):
    base = ctx.base
    g = bounds.cor46_gap(q=round(base["q"]))
    return [
        Hypothesis(
            "cor4.6: exponent gap sigma_0^{q-2} vs B^2/n ∧ 1",
            "Corollary 4.6",
            bool(g.get("holds")),
            f"sup gap {g['sup_gap']:.3g}, max gap at margin {g['delta']}: {g['max_gap_at_margin']:.3g}; "
            f"holds for B exponents {g['eB_holds']}",
            False,
        )
    ]


CHECK = register(
    Check(
        "cor4.6",
        "Corollary 4.6",
        "Adam's lambda window sits below AdamW's",
        arms,
        rule,
        __doc__,
        hypotheses=symbolic,
    )
)
