"""The Session: one object that owns where results go and how runs execute.

    session = Session(store=Store("results/x.sqlite"), executor="auto", workers=2)
    runs = session.run(plan_a, plan_b)          # looks up the store, batches the rest, runs them
    runs.of(plan_a)                             # {arm name: [RunResult, ...]}

Runs that share `Config.shape_key` are advanced together by one simulation. Each finished
batch is written to the store at once, so an interrupted session resumes where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulations import Config, ConfigError

from . import cluster
from .executors import FuturesExecutor, InlineExecutor, ProcessExecutor, family, trained_steps
from .plan import Plan, all_configs
from .store import Store, config_key

if TYPE_CHECKING:
    from simulations import RunResult


def available_bytes() -> int | None:
    """Memory this machine can still give (MemAvailable), or None where it cannot be read."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


SIZE_FIELDS = ("d", "n", "n_test", "m", "s", "B")


def check_memory(batches: list[list[Config]], concurrent: int, available: int | None = None) -> None:
    """Refuse, before anything runs, batches whose estimated peak (simulations.estimate_bytes, times
    the batches in flight at once) exceeds the memory available; the error names the size field
    whose halving would shrink the estimate most."""
    from simulations import estimate_bytes

    avail = available_bytes() if available is None else available
    if avail is None or not batches or not isinstance(batches[0][0], Config):
        return  # image runs (simulations.images.ImageConfig) carry no memory estimate; not checked
    ests = sorted((estimate_bytes(b), i) for i, b in enumerate(batches))
    need = sum(e for e, _ in ests[-max(1, concurrent) :])
    if need <= avail:
        return
    big = batches[ests[-1][1]]
    c = big[0]

    def shrunk(f: str) -> int:
        try:
            v = getattr(c, f)
            return estimate_bytes([x.replace(**{f: max(1, v // 2)}) for x in big])
        except (ConfigError, ValueError, TypeError):
            return ests[-1][0]

    field_ = min(SIZE_FIELDS, key=shrunk)
    raise ConfigError(
        field_,
        f"the runs would need about {need / 2**30:.3g} GiB ({len(big)} run(s) of d={c.d}, n={c.n}, m={c.m}, "
        f"n_test={c.n_test} per batch, {max(1, concurrent)} batch(es) at once) but this machine has "
        f"{avail / 2**30:.3g} GiB available; reduce {field_} (or the workers)",
    )


class Interrupted(KeyboardInterrupt):
    """SIGINT/SIGTERM during a session; the message says exactly what was kept."""


STORED = [0]  # runs this process has written to a store (read by the CLI's interrupt message)


@dataclass
class Stats:
    requested: int = 0
    cached: int = 0
    computed: int = 0
    batches: int = 0
    wall_s: float = 0.0


@dataclass
class Runs:
    """Results by config, for the plans of one `Session.run` call."""

    by_config: dict[Config, RunResult]
    stats: Stats
    wall: dict[Config, float] = field(default_factory=dict)  # compute seconds per run (now or when stored)
    computed: set[Config] = field(default_factory=set)  # the configs computed by this call

    def counts(self, cfgs: Iterable[Config]) -> tuple[int, int, float]:
        """(cached, computed now, compute seconds spent now) for these configs."""
        cfgs = list(cfgs)
        now = [c for c in cfgs if c in self.computed]
        return len(cfgs) - len(now), len(now), sum(self.wall.get(c, 0.0) for c in now)

    def __getitem__(self, cfg: Config) -> RunResult:
        return self.by_config[cfg]

    def of(self, plan: Plan, role: str | None = "regime") -> dict[str, list[RunResult]]:
        """The plan's runs by arm name (only arms of `role`; None for every arm)."""
        return {a.name: [self.by_config[c] for c in a.configs] for a in plan.arms if role is None or a.role == role}

    def controls(self, plan: Plan) -> dict[str, list[RunResult]]:
        """The plan's negative-control runs, under the name of the regime arm each one controls."""
        return {a.controls or a.name: [self.by_config[c] for c in a.configs] for a in plan.arms if a.role == "control"}

    def list(self, cfgs: Iterable[Config]) -> list[RunResult]:
        return [self.by_config[c] for c in cfgs]


EXECUTORS = ("auto", "inline", "process", "dask", "dask://HOST:PORT")


def make_executor(spec: Any = "auto", workers: int = 1, threads: int | None = None) -> Any:
    """'auto' (this process for one worker, else local processes), 'inline', 'process', 'dask',
    'dask://HOST:PORT', a dask Client, an object with run(...), or any concurrent.futures executor."""
    if not isinstance(spec, str):
        if cluster.is_client(spec):
            return cluster.DaskExecutor(spec, workers, threads)
        return spec if hasattr(spec, "run") else FuturesExecutor(spec)
    if spec == "auto":
        spec = "inline" if workers == 1 else "process"
    if spec == "inline":
        return InlineExecutor(threads)
    if spec == "process":
        return ProcessExecutor(workers, threads or 1)
    if spec == "dask" or spec.startswith("dask://"):
        return cluster.parse(spec, workers, threads)
    raise ConfigError("executor", f"must be one of {EXECUTORS}, got {spec!r}")


def balanced_chunks(n: int, max_batch: int) -> list[int]:
    """Sizes of the fewest chunks of at most max_batch that hold n runs, differing by at most one
    (larger first): 40 runs at max_batch=32 give 20 + 20, not 32 + 8."""
    k = -(-n // max_batch) if n else 0
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def plan_batches(cfgs: list[Config], max_batch: int = 32) -> list[list[Config]]:
    """Group configs by shape, each group cut into balanced chunks of at most max_batch
    trajectories (`balanced_chunks`), the costliest batch (trajectories x iterations) first.

    Configs that differ only in their length (`Config.prefix_key`: epochs, record_every) form a
    family: one trajectory, trained once at the longest member's length (`simulations.train`), so
    a family stays in one batch and counts once. Batches take families of one shape and one
    trained length. The split depends on nothing but the configs and max_batch, never on the
    executor or the number of workers: a run's float32 numbers can depend on which runs share its
    batch (the batched matmuls), so the same plan gives bit-identical results inline, in
    processes or on Dask. Balanced chunks and the costliest-first order keep a pool of workers
    busy to the end: with 32 + 8 one worker idled while the other finished the 32.
    """
    families: dict[tuple, list[Config]] = {}
    for c in cfgs:
        families.setdefault(family(c), []).append(c)
    groups: dict[tuple, list[list[Config]]] = {}
    for fam in families.values():
        key = (getattr(fam[0], "batch_key", fam[0].shape_key), max(c.steps for c in fam))
        groups.setdefault(key, []).append(fam)
    out = []
    for g in groups.values():
        i = 0
        for size in balanced_chunks(len(g), max_batch):
            out.append([c for fam in g[i : i + size] for c in fam])
            i += size
    return sorted(out, key=lambda b: -trained_steps(b))  # stable: ties keep the configs' order


@dataclass
class Session:
    """Store, executor, workers, threads and progress for every run of a command."""

    store: Store | None = None
    executor: Any = "auto"  # 'auto' | 'inline' | 'process' | an executor object
    workers: int = 1
    threads: int | None = 1  # torch threads per worker (workers x threads <= cores)
    progress: Callable[[int, int], None] | None = None
    fresh: bool = False  # recompute even if the store has the runs (then overwrite them)
    max_batch: int = 32
    history: list[Stats] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Every argument is checked here, before anything runs: a Dask address is parsed and reached."""
        if self.store is not None and not isinstance(self.store, Store):
            raise ConfigError("store", f"must be a Store or None, got {type(self.store).__name__}")
        for name in ("workers", "max_batch"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {v!r}")
        t = self.threads
        if t is not None and (not isinstance(t, int) or isinstance(t, bool) or t < 1):
            raise ConfigError("threads", f"must be None or an integer >= 1, got {t!r}")
        if self.executor == "inline" and self.workers > 1:
            raise ConfigError(
                "workers",
                f"the inline executor runs in this process alone; workers={self.workers} "
                "would be ignored (use executor='process' or 'auto')",
            )
        make_executor(self.executor, self.workers, self.threads)  # validates the spec (dask: reachable)

    def run(self, *plans: Plan | Config | Iterable[Plan | Config]) -> Runs:
        """Results for every config of `plans` (plans, configs, or lists of either)."""
        flat: list[Plan | Config] = []
        for p in plans:
            flat += [p] if isinstance(p, (Plan, Config)) else list(p)
        cfgs = all_configs(flat)
        t0 = time.perf_counter()
        stats = Stats(requested=len(cfgs))
        unique = list(dict.fromkeys(cfgs))
        found: dict[Config, RunResult] = {}
        wall: dict[Config, float] = {}
        computed: set[Config] = set()
        if self.store is not None and not self.fresh:
            found.update(self.store.get_many(unique))
            walls = self.store.wall_times(found)
            wall.update({c: walls.get(config_key(c), 0.0) for c in found})
        stats.cached = sum(1 for c in cfgs if c in found)
        todo = [c for c in unique if c not in found]
        batches = plan_batches(todo, self.max_batch)
        if not (isinstance(self.executor, str) and self.executor.startswith("dask")):
            check_memory(batches, self.workers if self.executor != "inline" else 1)
        stats.batches = len(batches)
        total = sum(trained_steps(b) for b in batches)
        if self.progress is not None:
            self.progress(0, total)

        def done(results: list[RunResult], w: float) -> None:
            for r in results:
                found[r.config] = r
                wall[r.config] = w / max(1, len(results))
                computed.add(r.config)
            if self.store is not None:
                split = {"threads": self.threads, "max_batch": self.max_batch, "batch_runs": len(results)}
                self.store.put_many(results, w, split)
                STORED[0] += len(results)
            stats.computed += len(results)

        if batches:
            executor = make_executor(self.executor, self.workers, self.threads)
            try:
                executor.run(batches, done, self.progress, total)
            except KeyboardInterrupt:
                kept = stats.computed
                if self.store is not None:
                    try:  # the store is the truth (a batch may have been written as the signal came)
                        kept = self.store.count(todo)
                    except Exception:  # an interrupt message must not fail
                        pass
                where = "are stored" if self.store is not None else "were computed (no store was given)"
                raise Interrupted(
                    f"interrupted: {kept} of the {len(todo)} runs to compute finished and {where} "
                    f"({stats.cached} more were already in the store); the runs of unfinished batches were "
                    f"discarded. Rerun the same command to resume."
                ) from None
        stats.wall_s = time.perf_counter() - t0
        self.history.append(stats)
        return Runs(found, stats, wall, computed)
