"""Measurements and point rules the scaling checks share."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from simulations import Config

from ...judge.claims import feature, slope
from ...vocab import Tolerances

if TYPE_CHECKING:
    from simulations import RunResult


def learns_feature(r: RunResult) -> bool:
    """The feature moves: max_t feature learning exceeds its initial value by more than σ0/2
    (a stuck run moves by 0: its weights decay towards zero, Cor 4.3)."""
    f = feature(r)
    return max(f) - f[0] > 0.5 * r.config.sigma_0


def noise_rate(r: RunResult, base: Config) -> float:
    """Lemma 5.1's Stage-I rate: the least-squares slope per iteration of the largest noise
    memorization max_i max_r <w_{y_i,r}, ξ_i> over the first half of T0 = 1/(η s σp)."""
    return slope(r, list(r.trajectory["noise_max"]), 0.5 * max(100.0, 1 / (base.eta * base.s * base.sigma_p)))


def plateau(r: RunResult, base: Config) -> float:
    """Lemma 5.3's plateau: the final max_r <w_{j,r}, j v> (max over classes)."""
    return float(feature(r)[-1])


def late_rate(r: RunResult) -> float:
    """Growth of max feature learning per iteration over the last quarter of the run."""
    f, st = feature(r), r.trajectory["step"]
    i = max(0, math.floor(0.75 * (len(f) - 1)))
    return (f[-1] - f[i]) / max(float(st[-1] - st[i]), 1.0)


def steps_to_epochs(base: Config, steps: float) -> dict:
    per = base.n // base.B
    epochs = max(1, math.ceil(steps / per))
    return {"epochs": epochs, "record_every": max(1, epochs * per // 50)}


def stuck_point(horizon: float) -> Callable[[Config, Tolerances], dict]:
    """η tied to σ0 (η = σ0^{q−1}/5 keeps η = o(σ0^{q−1}) at every point) and `horizon` σ0/η
    iterations, long enough for a learning run to move its feature by ~horizon σ0 at about η per
    step, far past the σ0/2 that counts as learning."""

    def point(base: Config, tol: Tolerances) -> dict:
        eta = base.sigma_0 ** (base.q - 1) / 5
        return {"eta": eta, **steps_to_epochs(base, horizon * base.sigma_0 / eta)}

    return point


def adam_threshold(b: Config) -> float:
    return 1.5 * b.sigma_0 ** (b.q - 2)


def adamw_threshold(b: Config) -> float:
    return 1.0 / b.sigma_0
