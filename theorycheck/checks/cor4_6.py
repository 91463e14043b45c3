"""Corollary 4.6 (weight-decay windows): λ_Adam ~ σ0^{q−2} << B²/n ∧ 1 ~ λ_AdamW.

Symbolic side: bounds.cor46_gap maximizes exponent(σ0^{q−2}) − exponent(B²/n ∧ 1) over the
feasible regimes; the statement holds when that maximum is negative (shown as evidence).
Plan (numeric side): at one λ* = 2.5 x the lower end of Cor 4.3's region λ = ω(σ0^{q−2}),
mini-batch (B = 2) Adam must be stuck while AdamW, for which λ* lies inside its window, must
generalize; both trained to convergence, `--tol horizon` (default 10) x AdamW's Stage-I length
(Lemma C.17), over which ληT = ω(1) holds for the AdamW arm (Lemma C.20; judge.horizon).
Rule: per seed, Adam's feature learning grows by at most stuck * σ0 * log(n)^k over the run (Cor 4.3's
reading, see cor4.3) and AdamW's test error <= delta.
Control: the same rule with Adam at Thm 4.2's λ, where Adam learns the feature (the Adam claim
fails), and AdamW at the same λ* but at the large batch B = n/2 for the same number of iterations,
where Thm 4.5's batch premise fails and Thm 4.4 has AdamW memorize instead (the AdamW claim fails).
(AdamW at λ above its window is no control: measured at the default preset, λ = 36.8 still gives
test error 0, because the decay shrinks the noise weights with the feature's.)
The slope form of the corollary (Adam's usable λ moves with σ0^{q−2}, AdamW's does not) is the
scaling check `theorycheck scaling cor4.6`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import bounds

from ..judge.claims import at_most, final
from ..judge.horizon import declare
from ..judge.verdicts import Hypothesis
from ._common import adam_lambda, converge_fields, large_batch, polylog, stuck_lambda
from .cor4_3 import feature_growth
from .registry import ArmSpec, Check, register

if TYPE_CHECKING:
    from simulations import Config, RunResult

    from ..engine.plan import Context
    from ..judge.verdicts import Claim, Tolerances


def _arms(base: Config, tol: Tolerances, adam_lam: float) -> dict[str, ArmSpec]:
    lam = stuck_lambda(base, tol)
    f = converge_fields(base, 2, "thm4.5", "stage1", tol, lam=lam)
    return {
        "adam": ArmSpec(dict(optimizer="adam", B=2, lam=adam_lam, **f), "cor4.3", eps_against="decay"),
        "adamw": ArmSpec(dict(optimizer="adamw", B=2, lam=lam, **f), "thm4.5", ("stage1", 1.0)),
    }


def arms(ctx: Context) -> dict[str, ArmSpec]:
    return _arms(ctx.base, ctx.tol, stuck_lambda(ctx.base, ctx.tol))


def control(ctx: Context) -> dict[str, ArmSpec]:
    base, tol = ctx.base, ctx.tol
    arms = _arms(base, tol, adam_lambda(base, tol))
    w = arms["adamw"].fields
    B = large_batch(base)
    iters = w["epochs"] * (base.n // 2)
    return {
        "adam": ArmSpec(arms["adam"].fields, None),
        "adamw": ArmSpec({**w, "B": B, "epochs": max(1, iters // (base.n // B))}, None),
    }


def rule(runs: dict[str, list[RunResult]], ctx: Context) -> list[Claim]:
    base, tol = ctx.base, ctx.tol
    cap = tol.stuck * base.sigma_0 * polylog(base, tol)
    return [
        at_most(
            "[adam] feature learning growth at lambda*",
            "stuck (Cor 4.3)",
            [feature_growth(x) for x in runs["adam"]],
            cap,
        ),
        at_most("[adamw] test error at lambda*", "err_D = o(1) (Thm 4.5)", final(runs["adamw"], "test_err"), tol.delta),
    ]


def symbolic(ctx: Context) -> list[Hypothesis]:
    g = bounds.cor46_gap(q=round(ctx.base.q))
    return [
        Hypothesis(
            "cor4.6: exponent gap sigma_0^{q-2} vs B^2/n ∧ 1",
            "Corollary 4.6",
            bool(g.get("holds")),
            f"sup gap {g['sup_gap']:.3g}, max gap at margin {g['delta']}: {g['max_gap_at_margin']:.3g}; "
            f"holds for B exponents {g['eB_holds']}",
            False,
            "symbolic",
        )
    ]


declare("cor4.6", "convergence", arms=("adamw",))
CHECK = register(
    Check(
        "cor4.6",
        "Corollary 4.6",
        "Adam's lambda window sits below AdamW's",
        arms,
        rule,
        __doc__,
        hypotheses=symbolic,
        accepts=("ok", "collapsed"),
        control=control,
    )
)
