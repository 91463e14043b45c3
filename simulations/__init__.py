"""Numerical half of theorycheck: the paper's data model, CNN, optimizers and a batched trainer.

Imports torch and numpy only (never sympy, bounds or theorycheck). Start reading at
`simulations/reference.py`, the plain one-run specification the engine is tested against.

Importing the package does not import torch: the configuration, the presets, the optimizer
registry and the result type load eagerly, and the names that need torch (`problem`, `Problem`,
`estimate_bytes`, `resolve_device`) load on first use (`TORCH_NAMES`); `train` imports torch
when it is called.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import (
    BATCH_ORDERS,
    DTYPES,
    MOMENT_TIMINGS,
    OPTIMIZERS,
    RUN_FIELDS,
    SHAPE_FIELDS,
    Config,
    ConfigError,
)
from .optim import REGISTRY, Optimizer, Piece, register, unregister
from .presets import PRESETS, READINGS, preset
from .result import FINAL_ONLY, METRICS, STATUSES, RunResult
from .train import train

if TYPE_CHECKING:
    from .batching import resolve_device
    from .data import Problem, problem
    from .memory import estimate_bytes

#: public names that import torch when first used, and the module each comes from
TORCH_NAMES = {
    "Problem": "data",
    "problem": "data",
    "estimate_bytes": "memory",
    "resolve_device": "batching",
}


def __getattr__(name: str) -> Any:  # PEP 562: load the torch-backed names on first use
    if name in TORCH_NAMES:
        value = getattr(importlib.import_module(f".{TORCH_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(TORCH_NAMES))


# The version of the numbers: bump it whenever the numbers train() produces for some Config
# change, and record the new digest in tests/numerics_golden.json (tests/test_numerics_fingerprint.py
# fails until both are done). Stored results are keyed by it, so refactors that keep the
# numbers keep the stored results.
#   1  the engine as of the pieces refactor
#   2  one problem per seed on every dtype and device (float32 and CUDA runs draw in float64 on the
#      CPU), sign_agree divided in the run's dtype, error metrics NaN after a divergence, new
#      metrics (ties, per-class noise, Lemma C.2 premise, step-0 gradient scale), new statuses
#   3  about 50 trajectory points by default (was 100) and test errors from the sparse patches:
#      the same finals, coarser default trajectories (the fingerprint, recorded at fixed points,
#      is unchanged)
#   4  denormal results flushed to zero on the CPU by default (Config.flush_denormal, docs/model.md
#      §4.11), and the step_max and noise_resp metrics; flush_denormal=False gives version 3's numbers
NUMERICS_VERSION = "4"

# The numbers of compile=True runs, which torch.compile's fused kernels round in their own order
# (Config.numerics_version keys them by both versions; eager runs' keys do not change with it):
#   1  the whole batch gradient (gather, head, scatter product) fused into one kernel
#   2  the gather by embedding_bag and only the per-sample head compiled (model.grad_parts_bag):
#      3-8x faster forward on AMD EPYC; large batches (the dense path) take their forward from
#      embedding_bag too; the dense update skips its divisions by c1 = sqrt(c2) = 1 (bit-exact)
#      when no run of its group has bias correction
COMPILED_VERSION = "2"

__all__ = [
    "BATCH_ORDERS",
    "COMPILED_VERSION",
    "DTYPES",
    "FINAL_ONLY",
    "METRICS",
    "MOMENT_TIMINGS",
    "NUMERICS_VERSION",
    "OPTIMIZERS",
    "PRESETS",
    "READINGS",
    "REGISTRY",
    "RUN_FIELDS",
    "SHAPE_FIELDS",
    "STATUSES",
    "TORCH_NAMES",
    "Config",
    "ConfigError",
    "Optimizer",
    "Piece",
    "Problem",
    "RunResult",
    "estimate_bytes",
    "preset",
    "problem",
    "register",
    "resolve_device",
    "train",
    "unregister",
]
