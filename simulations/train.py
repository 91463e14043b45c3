"""The entry point: `train(configs)` checks the runs, sorts them and advances them in blocks.

Runs may differ in every "run" field of `Config` (seed, optimizer and its hyperparameters,
batch order); they must share every "shape" field (`SHAPE_FIELDS`: n, d, m, B, step count,
dtype, ...). Each run's problem (data, W_0, batch order) is `data.problem(cfg)`, drawn from
its own seeded streams in float64 on the CPU and then cast, so a run gives the same numbers
alone or inside any batch, and one seed is one problem on every dtype and device.

Importing this module does not import torch; the step loop (trainer.py) loads when a run starts,
so bad arguments are refused before torch is loaded. What a run computes is specified, one run
at a time, by `simulations/reference.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import overload

from .config import SHAPE_FIELDS, Config, ConfigError
from .optim import group_key
from .result import ERROR_METRICS, FAILURES, FINAL_ONLY, METRICS, STATUSES, RunResult

__all__ = [
    "ERROR_METRICS",
    "FAILURES",
    "FINAL_ONLY",
    "METRICS",
    "STATUSES",
    "RunResult",
    "as_configs",
    "check_batch",
    "train",
]


def as_configs(configs: object) -> list[Config]:
    """`configs` (one Config or an iterable of them) as a non-empty list of Configs sharing every
    shape field; ConfigError naming 'configs' (or the first shape field that differs) otherwise."""
    if isinstance(configs, Config):
        cfgs = [configs]
    elif isinstance(configs, Iterable) and not isinstance(configs, (str, bytes, Mapping)):
        cfgs = list(configs)
    else:
        got = repr(configs) if isinstance(configs, (str, bytes)) else type(configs).__name__
        raise ConfigError("configs", f"must be a Config or a sequence of Configs, got {got}")
    for c in cfgs:
        if not isinstance(c, Config):
            raise ConfigError("configs", f"every entry must be a Config, got {type(c).__name__}")
    check_batch(cfgs)
    return cfgs


def check_batch(cfgs: Sequence[Config]) -> None:
    """ConfigError unless `cfgs` is non-empty and its runs share every shape field."""
    if not cfgs:
        raise ConfigError("configs", "need at least one run")
    ref = cfgs[0]
    for c in cfgs[1:]:
        for f in SHAPE_FIELDS:
            if getattr(c, f) != getattr(ref, f):
                raise ConfigError(f, f"runs in one batch must share it ({getattr(ref, f)!r} vs {getattr(c, f)!r})")


@overload
def train(
    configs: Config,
    progress: Callable[[int, int], None] | None = None,
    keep_weights: bool = False,
    block: int | None = None,
) -> RunResult: ...


@overload
def train(
    configs: Iterable[Config],
    progress: Callable[[int, int], None] | None = None,
    keep_weights: bool = False,
    block: int | None = None,
) -> list[RunResult]: ...


def train(
    configs: Config | Iterable[Config],
    progress: Callable[[int, int], None] | None = None,
    keep_weights: bool = False,
    block: int | None = None,
) -> list[RunResult] | RunResult:
    """Train every config in `configs` (one shape) together; results come back in input order
    (a single Config gives a single RunResult).

    progress: optional callable(step_done, total_steps) called at every record point.
    block: runs advanced per tensor program (default: see `batching.block_size`). Runs are independent,
    so blocking never changes the numbers.
    """
    single = isinstance(configs, Config)
    cfgs_in = as_configs(configs)
    if progress is not None and not callable(progress):
        raise ConfigError("progress", f"must be None or a callable(step_done, total_steps), got {progress!r}")
    if not isinstance(keep_weights, bool):
        raise ConfigError("keep_weights", f"must be True or False, got {keep_weights!r}")
    if block is not None and (isinstance(block, bool) or not isinstance(block, int) or block < 1):
        raise ConfigError("block", f"must be None or a positive integer, got {block!r}")
    from .batching import block_size, denormal_mode, resolve_device  # torch from here on
    from .trainer import Trainer

    block = block or block_size(cfgs_in[0], len(cfgs_in))
    # Runs that can share a fused update (same core pieces and options, e.g. moment timing) sort together.
    order = sorted(range(len(cfgs_in)), key=lambda i: group_key(cfgs_in[i]))
    cfgs = [cfgs_in[i] for i in order]
    blocks = [cfgs[i : i + block] for i in range(0, len(cfgs), block)]
    out: list[RunResult] = []
    for j, blk in enumerate(blocks):
        rep = None
        if progress is not None:
            rep = lambda t, total, j=j: progress(j * total + t, len(blocks) * total)
        with denormal_mode(blk[0].flush_denormal, resolve_device(blk[0].device)):
            out += Trainer(blk, rep, keep_weights).run()
    results: list[RunResult | None] = [None] * len(cfgs)
    for pos, i in enumerate(order):
        results[i] = out[pos]
    done = [r for r in results if r is not None]
    return done[0] if single else done
