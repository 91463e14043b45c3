"""Where batches of runs execute: in this process, in local worker processes, or on any
`concurrent.futures`-style executor.

The unit of work is one *batch*: configs that share `Config.shape_key`, advanced together by
one `simulations.train` call. An executor receives the batches and calls back
`done(results, wall_seconds)` as each batch finishes (the caller writes the store there, so
the store has a single writer) and `progress(model_steps_advanced, total)` as runs advance.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import multiprocessing as mp
import os
import queue as queue_mod
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from simulations import Config

if TYPE_CHECKING:
    from simulations import RunResult

Done = Callable[["list[RunResult]", float], None]
Progress = Callable[[int, int], None]

_QUEUE = None  # a worker's progress queue, set by _init_worker


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def allow_recompiles(torch: Any) -> None:
    """A sweep compiles the update for many (optimizer, block size, aux) variants in one worker;
    torch's default limit of 8 graphs per function would silently fall back to eager."""
    cfg = torch._dynamo.config
    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(cfg, name):
            setattr(cfg, name, max(getattr(cfg, name), 256))


ENV_MALLOC = "THEORYCHECK_GLIBC_MALLOC"  # set to 'default' to leave glibc's heap alone


@functools.cache
def _libc() -> Any:
    if os.environ.get(ENV_MALLOC) == "default" or not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc
        return None


def release_heap() -> bool:
    """Hand the freed heap back to the system after a batch (glibc only; True if it did).

    glibc serves an allocation below its mmap threshold from the heap and raises that threshold
    (up to 32 MiB) whenever a larger mapped block is freed, so a batch's MiB-sized step
    temporaries end up on the heap, and its freed pages stay resident: over the batches of
    `check --all --preset smoke` the process grew to 5.1 GB. `malloc_trim(0)` after each batch
    returns them (a 6-run smoke batch: 752 MiB resident before, 237 MiB after). It does not
    lower a batch's own peak, and it changes no number."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))


def family(c: Any) -> tuple:
    """Configs read off one trajectory share this (image configs have no families: each its own)."""
    return getattr(c, "prefix_key", None) or ("alone", c)


def trained_steps(batch: list[Config]) -> int:
    """Iterations the batch's simulation advances: one per trajectory (family), at its longest length."""
    fams: dict[tuple, int] = {}
    for c in batch:
        fams[family(c)] = max(fams.get(family(c), 0), c.steps)
    return sum(fams.values())


def train_batch(cfg_dicts: list[dict], report: Callable[[int], None] | None = None) -> tuple[list[RunResult], float]:
    """Train one batch from plain dicts (picklable); `report(model_steps)` as it advances."""
    import torch

    allow_recompiles(torch)
    cfgs, train_fn = batch_trainer(cfg_dicts)
    work = trained_steps(cfgs)  # what the Session's progress total counts for this batch
    last, when = [0], [0.0]

    def step(done: int, total: int) -> None:
        # reporting crosses processes: at most ~4 messages per second
        now = time.perf_counter()
        if report is not None and (now - when[0] > 0.25 or done == total):
            sent = work * done // max(1, total)
            report(sent - last[0])
            last[0], when[0] = sent, now

    t0 = time.perf_counter()
    res = train_fn(cfgs, progress=step)
    wall = time.perf_counter() - t0
    release_heap()
    return res, wall


def batch_trainer(cfg_dicts: list[dict]) -> tuple[list[Any], Callable[..., list[RunResult]]]:
    """The one dispatch on config type: image runs (to_dict() has kind='images') train with
    simulations.images.train, every other batch with simulations.train."""
    if cfg_dicts and cfg_dicts[0].get("kind") == "images":
        from simulations.images import ImageConfig
        from simulations.images import train as train_images

        return [ImageConfig.from_dict(c) for c in cfg_dicts], train_images
    from simulations import train

    return [Config(**c) for c in cfg_dicts], train


# ---- worker-process side ------------------------------------------------------------------------
def _init_worker(q: Any, threads: int) -> None:
    global _QUEUE
    _QUEUE = q
    import torch

    torch.set_num_threads(threads)
    die_with_parent()


def die_with_parent() -> None:
    """A worker must not outlive the process that started it (SIGKILL of the parent included)."""
    parent = os.getppid()
    try:  # Linux: the kernel delivers SIGKILL when the parent dies
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass

    def watch() -> None:  # portable fallback
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _worker_batch(cfg_dicts: list[dict], tag: int) -> tuple[list[RunResult], float]:
    q = _QUEUE
    return train_batch(cfg_dicts, (lambda adv: q.put((tag, adv))) if q is not None else None)


@contextlib.contextmanager
def main_module_hidden() -> Iterator[None]:
    """While worker processes are spawned, hide __main__'s file and spec so that the children do
    not re-run the calling script: a plain script needs no `if __name__ == "__main__":` guard.
    Workers only run functions of importable modules (this package), never the script's own."""
    main = sys.modules.get("__main__")
    saved: dict[str, Any] = {
        k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__
    }
    try:
        if main is not None:
            main.__dict__.pop("__file__", None)
            main.__dict__["__spec__"] = None
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)
            if "__spec__" not in saved:
                main.__dict__.pop("__spec__", None)


# ---- executors ---------------------------------------------------------------------------------
class InlineExecutor:
    """Run every batch in this process, one after the other."""

    name = "inline"

    def __init__(self, threads: int | None = None):
        self.threads = threads

    def run(self, batches: list[list[Config]], done: Done, progress: Progress | None, total: int) -> None:
        import torch

        before = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            for b in batches:
                res, wall = train_batch(
                    [c.to_dict() for c in b], (lambda adv: progress(adv, total)) if progress else None
                )
                done(res, wall)
        finally:
            torch.set_num_threads(before)


class ProcessExecutor:
    """Local worker processes (spawn), `threads` torch threads each; progress through a queue."""

    name = "process"

    def __init__(self, workers: int, threads: int = 1):
        self.workers, self.threads = workers, threads

    def run(self, batches: list[list[Config]], done: Done, progress: Progress | None, total: int) -> None:
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        ex = cf.ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker, initargs=(q, self.threads))
        try:
            with main_module_hidden():  # every worker is spawned during these submits
                pending = {ex.submit(_worker_batch, [c.to_dict() for c in b], i) for i, b in enumerate(batches)}
            while pending:
                fin, pending = cf.wait(pending, timeout=0.25, return_when=cf.FIRST_COMPLETED)
                _drain(q, progress, total)
                for f in fin:
                    done(*f.result())
            _drain(q, progress, total)
        except BaseException:
            for p in list(getattr(ex, "_processes", {}).values()):
                p.kill()  # an interrupt must not leave workers computing a batch nobody will store
            ex.shutdown(wait=False, cancel_futures=True)
            raise
        ex.shutdown(wait=True)
        q.close()


class FuturesExecutor:
    """Any object with `submit(fn, *args)` returning a `concurrent.futures.Future`."""

    name = "futures"

    def __init__(self, executor: Any):
        self.executor = executor

    def run(self, batches: list[list[Config]], done: Done, progress: Progress | None, total: int) -> None:
        futs = {self.executor.submit(train_batch, [c.to_dict() for c in b]): b for b in batches}
        for f in cf.as_completed(futs):
            res, wall = f.result()
            if progress:
                progress(sum(c.steps for c in futs[f]), total)
            done(res, wall)


def _drain(q: Any, progress: Progress | None, total: int) -> None:
    while True:
        try:
            _, adv = q.get_nowait()
        except (queue_mod.Empty, EOFError, OSError):
            return
        if progress is not None:
            progress(adv, total)
