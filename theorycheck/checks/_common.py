"""Helpers the check modules share: the base parameter values and the λ each plan picks."""

from __future__ import annotations

import math

import bounds
from simulations import PRESETS, ConfigError, preset

from ..judge.gating import bounds_values
from ..judge.verdicts import Tolerances


def base_values(preset_name: str, overrides: dict) -> dict:
    """Config fields of a preset with overrides applied (before any arm's own fields); the
    Config is built, so a bad override fails here, before any plan arithmetic."""
    if preset_name not in PRESETS:
        raise ConfigError("preset", f"must be one of {tuple(PRESETS)}, got {preset_name!r}")
    return preset(preset_name, **overrides).to_dict()


def polylog(base: dict, tol: Tolerances) -> float:
    return math.log(base["n"]) ** tol.k


def adam_lambda(base: dict, tol: Tolerances) -> float:
    """Inside Thms 4.1/4.2's window lambda = o(sigma_0^{q-2} sigma_p / n): its upper end over rho."""
    return tol.c * base["sigma_0"] ** (base["q"] - 2) * base["sigma_p"] / base["n"] / tol.rho


def adamw_lambda(base: dict, B: int, tol: Tolerances) -> float:
    """Twice the lower end of AdamW's window lambda = Omega~(B^2/n ∧ 1) (Thms 4.4/4.5)."""
    lo, _ = bounds.lambda_window("thm4.5", dict(bounds_values(base), B=B), c=tol.c, k=tol.k)
    return 2.0 * lo


def stuck_lambda(base: dict, tol: Tolerances) -> float:
    """Above Cor 4.3's threshold lambda = omega(sigma_0^{q-2}): rho times it."""
    return tol.rho * tol.c * base["sigma_0"] ** (base["q"] - 2)
