"""The device runs go to and how many of them one tensor program advances."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

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


# ---- denormal numbers ------------------------------------------------------------------------
# Adam's moments and the noise weights of long runs decay geometrically and end up below the
# smallest normal float (1.2e-38 in float32); x86 arithmetic on such denormal numbers is slow
# (a B = 2 smoke step of 12 runs: 25 ms with them, 8 ms with them flushed to zero, on a 2-core
# machine; `python benchmarks/bench_denormals.py`). torch's switch for it,
# set_flush_denormal, sets the calling thread's FTZ/DAZ bits only; OpenMP's worker threads copy
# them when they are created, not afterwards. So a process that computed in parallel before the
# switch has threads in two modes, and a run's numbers would depend on which thread took which
# chunk. `denormal_mode` detects that and runs the block on one thread instead.


def _flushing(numel: int = 1 << 20) -> tuple[bool, bool]:
    """(all, any): whether the threads that share one large elementwise op flush denormal results."""
    tiny = torch.finfo(torch.float32).tiny
    zero = (torch.full((numel,), tiny) * 0.5) == 0  # 0.5 * tiny is denormal, or 0 when flushed
    return bool(zero.all()), bool(zero.any())


def _main_flushes() -> bool:
    """Whether this thread flushes denormal results (a one-element op runs on the calling thread)."""
    return bool((torch.tensor([torch.finfo(torch.float32).tiny]) * 0.5).item() == 0.0)


_MIXED_WARNED = [False]


@contextmanager
def denormal_mode(flush: bool, device: torch.device) -> Iterator[None]:
    """Compute the block in the body with denormals flushed (`flush`) or kept, on every thread.

    The calling thread's mode is restored afterwards (numpy and hypothesis in it see IEEE
    arithmetic again); torch's worker threads keep the mode they were created in. When they
    cannot follow `flush` (see above), the body runs on one thread, which gives the same numbers
    as all threads in the mode, and a warning says so once."""
    if device.type != "cpu":
        yield
        return
    before = _main_flushes()
    torch.set_flush_denormal(flush)
    try:
        with _consistent_threads(flush):
            yield
    finally:
        torch.set_flush_denormal(before)


@contextmanager
def _consistent_threads(flush: bool) -> Iterator[None]:
    threads = torch.get_num_threads()
    if threads > 1 and _flushing() != (flush, flush):
        if not _MIXED_WARNED[0]:
            _MIXED_WARNED[0] = True
            warnings.warn(
                "torch's worker threads were created before flush_denormal was set and keep the other "
                "mode; training on one thread so that the numbers do not depend on threading "
                "(set torch.set_flush_denormal(True) before any parallel torch work to keep all threads)",
                RuntimeWarning,
                stacklevel=3,
            )
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)
        return
    yield
