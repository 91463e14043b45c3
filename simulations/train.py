"""The entry point: `train(configs)` checks the runs, sorts them and advances them in blocks.

Runs may differ in every "run" field of `Config` (seed, optimizer and its hyperparameters,
batch order) and in their length (`LENGTH_FIELDS`: epochs, record_every); they must share every
other "shape" field (`SHAPE_FIELDS`: n, d, m, B, dtype, ...). Runs that differ only in their length
follow one trajectory: the longest is trained once, recorded at every point any of them records,
and each of the others is read off it (its own record points, final values and status), which
gives the numbers it gets trained alone (tests/test_prefix.py). Each run's problem (data, W_0,
batch order) is `data.problem(cfg)`, drawn from
its own seeded streams in float64 on the CPU and then cast, so a run gives the same numbers
alone or inside any batch, and one seed is one problem on every dtype and device.

Importing this module does not import torch; the step loop (trainer.py) loads when a run starts,
so bad arguments are refused before torch is loaded. What a run computes is specified, one run
at a time, by `simulations/reference.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import overload

from .config import LENGTH_FIELDS, SHAPE_FIELDS, Config, ConfigError
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
    """ConfigError unless `cfgs` is non-empty and its runs share every shape field but their length."""
    if not cfgs:
        raise ConfigError("configs", "need at least one run")
    ref = cfgs[0]
    for c in cfgs[1:]:
        for f in (f for f in SHAPE_FIELDS if f not in LENGTH_FIELDS):
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
    so blocking changes no number beyond its last bits: on some CPUs torch picks a kernel's
    vectorized or scalar loop by the block's shape (tests/test_sim_optim.py saw 1 ulp in float64),
    so results are bit-identical for the same block split and threads.
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

    # One trajectory per family (the runs that differ only in length), trained at its longest member's
    # length; with keep_weights every run is its own family (the weights are those at its own end).
    fams: dict[object, list[int]] = {}
    for i, c in enumerate(cfgs_in):
        fams.setdefault(i if keep_weights else c.prefix_key, []).append(i)
    heads = [max(ix, key=lambda i: cfgs_in[i].steps) for ix in fams.values()]  # the first longest
    members = {h: ix for h, ix in zip(heads, fams.values())}
    # Blocks advance in lockstep, so they take heads of one length; runs that can share a fused update
    # (same core pieces and options, e.g. moment timing) sort together.
    heads.sort(key=lambda i: (-cfgs_in[i].steps, group_key(cfgs_in[i])))
    size = block or block_size(cfgs_in[0], len(heads))  # from shape fields every run shares
    blocks: list[list[int]] = []
    for i in heads:
        if blocks and len(blocks[-1]) < size and cfgs_in[blocks[-1][0]].steps == cfgs_in[i].steps:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    total = sum(cfgs_in[b[0]].steps for b in blocks)
    done_before = 0
    results: list[RunResult | None] = [None] * len(cfgs_in)
    for blk in blocks:
        rep = None
        if progress is not None:
            rep = lambda t, _steps, base=done_before: progress(base + t, total)
        runs = [cfgs_in[i] for i in blk]
        with denormal_mode(runs[0].flush_denormal, resolve_device(runs[0].device)):
            trained = Trainer(runs, rep, keep_weights, [[cfgs_in[j] for j in members[i]] for i in blk]).run()
        for i, per_member in zip(blk, trained):
            for j, r in zip(members[i], per_member):
                results[j] = r
        done_before += runs[0].steps
    done = [r for r in results if r is not None]
    return done[0] if single else done
