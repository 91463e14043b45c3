"""Sweeps: look runs up in the store, batch the missing ones by shape, run them on an executor.

Runs that share `Config.shape_key` are advanced together by one simulation
(`simulations.train`). Batches go to a `concurrent.futures`-style executor:
local processes by default, the calling process with executor='inline', or any
object with `submit(fn, *args)` returning a future (a distributed engine).
Each finished batch is written to the store at once, so an interrupted sweep
resumes where it stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import queue as queue_mod
import time
from dataclasses import dataclass

from simulations import Config, train

from .store import Store


@dataclass
class SweepStats:
    requested: int = 0
    cached: int = 0
    computed: int = 0
    batches: int = 0
    wall_s: float = 0.0


def _train_batch(cfg_dicts: list[dict], q=None, tag: int = 0, threads: int | None = None):
    """Executor entry point (top level so that it pickles)."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    _allow_recompiles(torch)
    cfgs = [Config(**c) for c in cfg_dicts]
    last, when = [0], [0.0]

    def report(done, total):
        # a manager-queue put is an IPC round trip: send at most ~4 per second
        now = time.perf_counter()
        if q is not None and (now - when[0] > 0.25 or done == total):
            q.put((tag, (done - last[0]) * len(cfgs)))
            last[0], when[0] = done, now

    t0 = time.perf_counter()
    res = train(cfgs, progress=report)
    return res, time.perf_counter() - t0


def _allow_recompiles(torch):
    """A sweep compiles the update for many (family, timing, block size, aux) variants in one
    worker; torch's default limit of 8 graphs per function would silently fall back to eager."""
    cfg = torch._dynamo.config
    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(cfg, name):
            setattr(cfg, name, max(getattr(cfg, name), 256))


def plan_batches(cfgs: list[Config], max_batch: int = 64) -> list[list[Config]]:
    groups: dict[tuple, list[Config]] = {}
    for c in cfgs:
        groups.setdefault(c.shape_key, []).append(c)
    out = []
    for g in groups.values():
        out += [g[i : i + max_batch] for i in range(0, len(g), max_batch)]
    return out


def run_configs(
    cfgs: list[Config],
    store: Store | None = None,
    executor="process",
    workers: int = 1,
    max_batch: int = 64,
    progress=None,
    fresh: bool = False,
) -> tuple[list, SweepStats]:
    """Results for `cfgs` (in order) and how many were cached vs computed.

    progress: optional callable(advance_model_steps, total_model_steps).
    """
    t0 = time.perf_counter()
    stats = SweepStats(requested=len(cfgs))
    unique = list(dict.fromkeys(cfgs))
    found = {}
    if store is not None and not fresh:
        for c in unique:
            r = store.get(c)
            if r is not None:
                found[c] = r
    stats.cached = sum(1 for c in cfgs if c in found)
    todo = [c for c in unique if c not in found]
    batches = plan_batches(todo, max_batch)
    stats.batches = len(batches)
    total = sum(c.steps for c in todo)
    if progress is not None:
        progress(0, total)

    def done(results, wall):
        for r in results:
            found[r.config] = r
        if store is not None:
            store.put_many(results, wall)
        stats.computed += len(results)

    if batches and executor == "inline":
        # same reporting path as the workers, minus the queue
        direct = _Direct(progress, total) if progress is not None else None
        for b in batches:
            res, wall = _train_batch([c.to_dict() for c in b], direct)
            done(res, wall)
    elif batches:
        own = executor == "process"
        ex = cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) if own else executor
        manager = mp.Manager() if own else None
        q = manager.Queue() if own else None
        try:
            futs = {
                ex.submit(
                    _train_batch,
                    [c.to_dict() for c in b],
                    q,
                    i,
                    max(1, (mp.cpu_count() or 1) // workers) if own else None,
                ): b
                for i, b in enumerate(batches)
            }
            pending = set(futs)
            while pending:
                fin, pending = cf.wait(pending, timeout=0.5, return_when=cf.FIRST_COMPLETED)
                _drain(q, progress, total)
                for f in fin:
                    res, wall = f.result()
                    done(res, wall)
            _drain(q, progress, total)
        finally:
            if own:
                ex.shutdown(wait=True, cancel_futures=True)
                manager.shutdown()
    stats.wall_s = time.perf_counter() - t0
    return [found[c] for c in cfgs], stats


class _Direct:
    """Stands in for the manager queue when batches run in this process."""

    def __init__(self, progress, total):
        self.progress, self.total = progress, total

    def put(self, item):
        self.progress(item[1], self.total)


def _drain(q, progress, total):
    if q is None:
        return
    while True:
        try:
            _, adv = q.get_nowait()
        except (queue_mod.Empty, EOFError, OSError):
            return
        if progress is not None:
            progress(adv, total)
