"""Cor 4.3's threshold in σ0 (with Thm 4.2's cap): Adam's largest usable λ moves like σ0^{q−2},
at q = 3 (`cor4.3@sigma_0`, slope 1) and q = 4 (`cor4.3-q4@sigma_0`, slope 2)."""

from __future__ import annotations

from simulations import Config

from ..registry import ScalingCheck, Series, register
from ._common import adamw_threshold, learns_feature, stuck_point

_DOC = """Plan: Adam, full batch, ε = 1e-8, η = σ0^{q−1}/5 and 16 σ0/η iterations at each σ0 of the ladder;
at each point and seed the largest λ at which the feature still moves (grows by more than σ0/2) is
bracketed on a 5-point log grid spanning ×16 around 1.5 σ0^{q−2}, then bisected 3 times (×1.09).
Rule: the fitted slope of that λ in σ0 is the exponent of σ0^{q−2} (Cor 4.3's threshold; Thm 4.2's
cap σ0^{q−2}σp/n has the same slope at fixed σp, n), within the slope tolerance.
Control: AdamW (decoupled decay) on the same ladder, whose threshold λ ~ 1/σ0 (the decay λw
against a unit sign step) moves the other way: slope −1, so the prediction fails."""


def _stuck_check(
    family: str, title: str, q: float, ladder: str, factor: float, horizon: float, needs: str
) -> ScalingCheck:
    """Adam's transition in λ, bracketed around factor·σ0^{q−2} at each σ0."""

    def center(b: Config) -> float:
        return factor * b.sigma_0 ** (b.q - 2)

    doc = _DOC.replace("1.5 σ0^{q−2}", f"{factor:g} σ0^{{q−2}}").replace("16 σ0/η", f"{horizon:g} σ0/η")
    return ScalingCheck(
        family=family,
        param="sigma_0",
        ladder=ladder,
        result="cor4.3",
        ref="Corollary 4.3 (with Theorem 4.2)" + ("" if q == 3 else f", q = {q:g}"),
        title=title,
        doc=doc,
        preset="tiny",
        overrides={"eps": 1e-8, "B": 40, "n_test": 100, **({} if q == 3 else {"q": q})},
        series=(Series(name="adam", fields={"optimizer": "adam"}, quantity="adam_stuck_threshold", center=center),),
        point=stuck_point(horizon),
        controls=(
            Series(
                name="adamw", fields={"optimizer": "adamw"}, quantity="adam_stuck_threshold", center=adamw_threshold
            ),
        ),
        probe="lam",
        outcome=learns_feature,
        accepts=("ok", "collapsed"),
        measured="largest λ at which the feature still moves",
        needs=needs,
    )


COR43 = register(
    _stuck_check(
        "cor4.3",
        "Adam's largest usable λ scales like σ0^{q−2} (q = 3: slope 1)",
        3.0,
        "0.025:0.1:3",
        1.5,
        16,
        "the hidden constant of σ0^{q−2} (read off the fitted intercept); q fixed; the other parameters "
        "held (η moves with σ0 only to keep the mechanism condition η = o(σ0^{q−1}))",
    )
)
COR43_Q4 = register(
    _stuck_check(
        "cor4.3-q4",
        "Adam's largest usable λ scales like σ0^{q−2} (q = 4: slope 2)",
        4.0,
        "0.07:0.28:3",
        4.0,
        8,
        "as cor4.3; at q = 4 the iterations needed grow like σ0^{-2}, so the ladder starts at σ0 = 0.07",
    )
)
