"""Presets and readings: named sets of Config values.

Presets only produce Configs, and stored results are keyed by a Config's values and
`simulations.NUMERICS_VERSION`, so adding or changing a preset never invalidates them.
"""

from __future__ import annotations

from typing import Any

from .config import FIELD_NAMES, Config, ConfigError

# ---- readings of the optimizer (docs/model.md §1 items 1, 2, 5) ----------------------------
READINGS = {
    # The theory: no bias correction, eps = lam*eta, the step sees the current gradient.
    "paper": dict(bias_correction=False, eps=None, eps_scale=1.0, moment_timing="current"),
    # Stock torch.optim.Adam / AdamW: bias correction on, eps = 1e-8.
    "torch": dict(bias_correction=True, eps=1e-8, moment_timing="current"),
}

# ---- presets (docs/model.md §0.3, Appendix D.2) ----------------------------------------------
PRESETS: dict[str, dict] = {
    # Appendix D.2 exactly (q and eps are not stated there: q=3, eps=lam*eta by default).
    "paper": dict(
        d=1000,
        n=200,
        s=100,
        sigma_p=0.1,
        alpha=0.2,
        sigma_0=0.01,
        m=20,
        q=3.0,
        eta=5e-5,
        beta1=0.9,
        beta2=0.999,
        epochs=10_000,
        n_test=10_000,
    ),
    # Ten times the step size, a tenth of the epochs: same eta*T budget.
    "quick": dict(
        d=1000,
        n=200,
        s=100,
        sigma_p=0.1,
        alpha=0.2,
        sigma_0=0.01,
        m=20,
        q=3.0,
        eta=5e-4,
        beta1=0.9,
        beta2=0.999,
        epochs=1_000,
        n_test=10_000,
    ),
    # Two times the step size, half the epochs: the cheapest scaling found whose verdicts on the
    # Appendix D.2 cells match `paper` (docs/reproduction.md §3); `quick` misses two.
    "half": dict(
        d=1000,
        n=200,
        s=100,
        sigma_p=0.1,
        alpha=0.2,
        sigma_0=0.01,
        m=20,
        q=3.0,
        eta=1e-4,
        beta1=0.9,
        beta2=0.999,
        epochs=5_000,
        n_test=10_000,
    ),
    # Small enough for unit tests (about 1 s per batch of runs on CPU). Disjoint supports
    # (n*s = 560 <= d-1) as the proofs assume; sigma_p = 1/sqrt(s) as in App. D.2.
    "smoke": dict(
        d=600,
        n=40,
        s=14,
        sigma_p=0.2673,
        alpha=0.2,
        sigma_0=0.01,
        m=5,
        q=3.0,
        eta=2e-3,
        beta1=0.9,
        beta2=0.999,
        epochs=100,
        n_test=1_000,
        disjoint_supports=True,
    ),
}


def preset(name: str, **overrides: Any) -> Config:
    """A preset with every field overridable, e.g. ``preset('paper', B=100, lam=1e-5)``."""
    if name not in PRESETS:
        raise ConfigError("preset", f"must be one of {tuple(PRESETS)}, got {name!r}")
    base = dict(PRESETS[name])
    reading = overrides.pop("reading", None)
    if reading is not None:
        if reading not in READINGS:
            raise ConfigError("reading", f"must be one of {tuple(READINGS)}, got {reading!r}")
        base.update(READINGS[reading])
    unknown = sorted(set(overrides) - FIELD_NAMES)
    if unknown:
        raise ConfigError(unknown[0], f"unknown parameter; known: {', '.join(sorted(FIELD_NAMES))}")
    base.update(overrides)
    return Config(**base)
