"""The device runs go to and how many of them one tensor program advances."""

from __future__ import annotations

import torch

from .config import Config, ConfigError


def resolve_device(device: str) -> torch.device:
    """'auto' -> cuda when available, else cpu; ConfigError for cuda without CUDA."""
    if not isinstance(device, str):
        raise ConfigError("device", f"must be a string ('auto', 'cpu' or 'cuda[:k]'), got {device!r}")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device", f"{device!r} requested but CUDA is not available")
    return torch.device(device)


def block_size(c0: Config, K: int) -> int:
    # On CPU one state tensor stays under 4 MB so that the step's working set stays in cache
    # (measured: 16-24 paper-size runs per block beat 64 by 2x); on CUDA all runs go in one block.
    per_run = 2 * c0.m * c0.d * (8 if c0.dtype == "float64" else 4)
    return K if resolve_device(c0.device).type == "cuda" else max(1, 4_000_000 // per_run)
