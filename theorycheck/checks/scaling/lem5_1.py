"""Lemma 5.1's Stage-I rate η s σp per iteration, along σp (`lem5.1@sigma_p`, SGD control) and
along η (`lem5.1@eta`, no control can exist)."""

from __future__ import annotations

from typing import Any

from simulations import Config

from ...vocab import Tolerances
from .._common import adam_lambda
from ..registry import ScalingCheck, Series, register
from ._common import noise_rate, steps_to_epochs


def stage1_point(base: Config, tol: Tolerances) -> dict:
    """λ inside Thm 4.1's window at this point; one T0 = 1/(η s σp) of iterations (at least 100,
    which only the SGD control's large η needs)."""
    T0 = max(100.0, 1.0 / (base.eta * base.s * base.sigma_p))
    return {"lam": adam_lambda(base, tol), **steps_to_epochs(base, T0)}


_DOC = """Plan: Adam, full batch (n/B = 1), ε = 1e-8, β = (0.5, 0.45) (short moment memory, so the rate
is not dominated by the moments' warm-up), σ0 = 0.1, λ inside Thm 4.1's window at each point,
T0 = 1/(η s σp) iterations; the measurement is the slope per iteration of max_i <w_{y_i,r}, ξ_i>
over [0, T0/2].
Rule: the fitted exponent in PARAM is 1, the exponent of η s σp.
Control: CONTROL"""

_COMMON: dict[str, Any] = dict(
    result="lem5.1",
    ref="Lemma 5.1 (= B.1, C.3)",
    title="Large-batch Adam, Stage I: noise memorization grows like η s σp per iteration",
    preset="tiny",
    overrides={"eps": 1e-8, "B": 40, "n_test": 100, "beta1": 0.5, "beta2": 0.45, "sigma_0": 0.1},
    series=(Series(name="adam", fields={"optimizer": "adam"}, quantity="adam_noise_rate"),),
    point=stage1_point,
    measure=noise_rate,
    measured="noise memorization per iteration (Stage I)",
    needs="s held (moving s also moves d's disjoint-support bound); σ0 and λ's place in the window held",
)

SIGMA_P = register(
    ScalingCheck(
        family="lem5.1",
        param="sigma_p",
        ladder="0.1:0.4:3",
        doc=_DOC.replace("PARAM", "σp").replace(
            "CONTROL",
            "SGD on the same ladder, whose noise rate grows like σp^{q+1} (the gradient\n"
            "carries <w, ξ>^{q−1} ||ξ||²), so exponent 1 fails.",
        ),
        controls=(Series(name="sgd", fields={"optimizer": "sgd", "eta": 0.5}, quantity="adam_noise_rate"),),
        **_COMMON,
    )
)
ETA = register(
    ScalingCheck(
        family="lem5.1",
        param="eta",
        ladder="2.5e-4:2e-3:4",
        doc=_DOC.replace("PARAM", "η").replace("CONTROL", "none exists on this ladder (see the note)."),
        control_note="η ladder: no negative control exists; any small-step method's trajectory depends on η·t, so "
        "every optimizer's per-iteration rate has exponent 1 in η (the ladder checks the normalization only)",
        **_COMMON,
    )
)
