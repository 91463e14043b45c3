"""Cor 4.6 along σ0 (`cor4.6@sigma_0`): mini-batch Adam's usable λ shrinks like σ0^{q−2}, AdamW's does not."""

from __future__ import annotations

from ..registry import ScalingCheck, Series, register
from ._common import adam_threshold, adamw_threshold, learns_feature, stuck_point

COR46 = register(
    ScalingCheck(
        family="cor4.6",
        param="sigma_0",
        ladder="0.025:0.1:3",
        result="cor4.6",
        ref="Corollary 4.6",
        title="Mini-batch: Adam's usable λ shrinks like σ0^{q−2}, AdamW's does not shrink with σ0",
        doc="""Plan: mini-batch B = 2 (n = 80, d = 1200), ε = 1e-8, η = σ0^{q−1}/5, 16 σ0/η iterations; at each σ0
and seed, the largest λ at which the feature still moves, for Adam (grid around 1.5 σ0^{q−2}) and for
AdamW (grid around 1/σ0), bracketed and bisected as in cor4.3.
Rule: Adam's slope in σ0 is q − 2 (two-sided); AdamW's is at most 0 (its window λ = Õ(1) does not
depend on σ0; the corollary's separation is the difference of the two slopes).
Control: Adam in AdamW's place, read against AdamW's prediction: its slope q − 2 > 0 fails it.""",
        preset="tiny",
        overrides={"eps": 1e-8, "B": 2, "n": 80, "d": 1200, "n_test": 100},
        series=(
            Series(name="adam", fields={"optimizer": "adam"}, quantity="cor46_adam_cap", center=adam_threshold),
            Series(
                name="adamw",
                fields={"optimizer": "adamw"},
                quantity="cor46_adamw_floor",
                side="at_most",
                center=adamw_threshold,
            ),
        ),
        point=stuck_point(16),
        controls=(
            Series(
                name="adam as adamw",
                fields={"optimizer": "adam"},
                quantity="cor46_adamw_floor",
                side="at_most",
                center=adam_threshold,
            ),
        ),
        probe="lam",
        outcome=learns_feature,
        accepts=("ok", "collapsed"),
        measured="largest λ at which the feature still moves",
        needs="the Õ(1) of AdamW's cap is a bound, not a threshold: the check reads it as 'does not shrink "
        "with σ0' (slope <= 0); B and n fixed",
    )
)
