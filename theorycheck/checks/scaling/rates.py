"""AdamW's Stage-I gains per epoch (Lemmas B.6 = C.12 and B.10 = C.17): the noise gain Θ~(η s σp) per
epoch along σp (`lemC.12@sigma_p`, large batch, SGD control), and the feature gain Θ(η n/B) per epoch
along B at fixed n (`lemC.17@B`, mini-batch; no control can exist). They extend lem5.1's per-iteration
Stage-I rate (Adam) to AdamW's per-epoch reading."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulations import Config

from ...judge.claims import feature
from ...vocab import Tolerances
from .._common import adam_lambda, adamw_lambda
from ..registry import ScalingCheck, Series, register
from ._common import noise_rate, steps_to_epochs

if TYPE_CHECKING:
    from simulations import RunResult


def large_batch_point(base: Config, tol: Tolerances) -> dict:
    """λ twice the lower end of Thm 4.4's window at this B (AdamW; the coupled-decay SGD control takes
    lem5.1's λ, inside Thm 4.1's window, so that its L2 term does not undo the memorization); one
    T0 = 1/(η s σp) iterations (at least 100, which only the SGD control's large η needs), as lem5.1's
    Stage-I window."""
    T0 = max(100.0, 1.0 / (base.eta * base.s * base.sigma_p))
    lam = adamw_lambda(base, base.B, tol) if base.optimizer == "adamw" else adam_lambda(base, tol)
    return {"lam": lam, **steps_to_epochs(base, T0)}


def noise_per_epoch(r: RunResult, base: Config) -> float:
    """lem5.1's Stage-I noise rate per iteration, times the n/B iterations of an epoch."""
    return noise_rate(r, base) * (base.n // base.B)


EPOCHS = 3  # the feature gain is read over the epochs after the first (the moments' warm-up)


def mini_batch_point(base: Config, tol: Tolerances) -> dict:
    """λ twice the lower end of Thm 4.5's window at this B; EPOCHS epochs, one record per epoch."""
    return {"lam": adamw_lambda(base, base.B, tol), "epochs": EPOCHS, "record_every": base.n // base.B}


def feature_per_epoch(r: RunResult, base: Config) -> float:
    """The mean gain per epoch of max_r <w_{j,r}, j v> (max over classes) from the end of epoch 1 to
    the end of the run (one record per epoch)."""
    f = feature(r)
    return (f[-1] - f[1]) / (len(f) - 2)


SIGMA_P = register(
    ScalingCheck(
        family="lemC.12",
        param="sigma_p",
        ladder="0.1:0.4:3",
        result="lemC.12",
        ref="Lemma B.6 = C.12",
        title="Large-batch AdamW, Stage I: noise memorization gains Θ~(η s σp) per epoch",
        doc="""Plan: AdamW, B = n/2 (two iterations per epoch), ε = 1e-8, β = (0.5, 0.45), σ0 = 0.1 (lem5.1's
setting), λ twice the lower end of Thm 4.4's window at each point, T0 = 1/(η s σp) iterations; the
measurement is the slope per iteration of max_i <w_{y_i,r}, ξ_i> over [0, T0/2] times n/B, the
gain per epoch.
Rule: the fitted exponent in σp is 1, the exponent of η s σp (B.6 and C.12 state the same gain).
Control: SGD on the same ladder (η = 0.5, λ as lem5.1's, inside Thm 4.1's window), whose noise gain grows like σp^{q+1} (its gradient
carries <w, ξ>^{q−1} ||ξ||²), so exponent 1 fails.""",
        preset="tiny",
        overrides={"eps": 1e-8, "B": 20, "n_test": 100, "beta1": 0.5, "beta2": 0.45, "sigma_0": 0.1},
        series=(Series(name="adamw", fields={"optimizer": "adamw"}, quantity="adamw_noise_rate"),),
        controls=(Series(name="sgd", fields={"optimizer": "sgd", "eta": 0.5}, quantity="adamw_noise_rate"),),
        point=large_batch_point,
        measure=noise_per_epoch,
        measured="noise memorization per epoch (Stage I)",
        needs="s held (moving s also moves d's disjoint-support bound); σ0 held; B = n/2 (n/B = Θ(1))",
    )
)

B = register(
    ScalingCheck(
        family="lemC.17",
        param="B",
        ladder="1,2,4",
        result="lemC.17",
        ref="Lemma B.10 = C.17",
        title="Mini-batch AdamW, Stage I: feature learning gains Θ(η n/B) per epoch (slope −1 in B at fixed n)",
        doc=f"""Plan: AdamW, n = 400 (d = 5601 keeps the noise supports disjoint), B on divisors of n with n/B >=
ρ√n (Thm 4.5's n/B = ω(√n)), ε = 1e-8, β = (0.5, 0.45), σ0 = 0.1, η = 5e-4, λ twice the lower end of
Thm 4.5's window at each B, {EPOCHS} epochs, one record per epoch; the measurement is the mean gain
per epoch of max_r <w_{{j,r}}, j v> after the first epoch.
Rule: the fitted exponent in B is −1, the exponent of η n/B at fixed n.
Control: none exists on this ladder (see the note).""",
        preset="tiny",
        overrides={
            "eps": 1e-8,
            "n": 400,
            "d": 5601,
            "n_test": 100,
            "beta1": 0.5,
            "beta2": 0.45,
            "sigma_0": 0.1,
            "eta": 5e-4,
        },
        series=(Series(name="adamw", fields={"optimizer": "adamw"}, quantity="adamw_feature_rate"),),
        control_note="B ladder at fixed n: no negative control exists; any optimizer whose step per iteration "
        "does not depend on B (a sign-like step, or SGD's mean gradient) gains n/B steps' worth per epoch, so "
        "every such method has exponent −1 here (the ladder checks the per-epoch normalization and that a "
        "sign-like step's size does not depend on B)",
        point=mini_batch_point,
        measure=feature_per_epoch,
        measured="feature learning per epoch (Stage I)",
        needs="n fixed, B on divisors of n; the gain per iteration Θ(η) is the sign-like step (Lemma C.11)",
    )
)
