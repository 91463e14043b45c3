"""Numerical half of theorycheck: the paper's data model, CNN, optimizers and a batched trainer.

Imports torch and numpy only (never sympy, bounds or theorycheck).
"""

from .config import BATCH_ORDERS, DTYPES, MOMENT_TIMINGS, OPTIMIZERS, SHAPE_FIELDS, Config, ConfigError
from .presets import PRESETS, READINGS, preset
from .train import METRICS, RunResult, resolve_device, train

__all__ = [
    "BATCH_ORDERS",
    "DTYPES",
    "METRICS",
    "MOMENT_TIMINGS",
    "OPTIMIZERS",
    "PRESETS",
    "READINGS",
    "SHAPE_FIELDS",
    "Config",
    "ConfigError",
    "RunResult",
    "preset",
    "resolve_device",
    "train",
]
