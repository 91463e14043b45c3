"""The options every running command shares, parsed and validated in one place.

`@run_options` adds --preset, --set, --seeds, --tol, --store, --executor/--inline, --workers,
--threads, --fresh, --quiet and --json to a click command and hands it one `RunOptions`. Every
value is checked here, before anything runs or is written: `--set` values are coerced to the
declared type of their Config field, seeds must be non-negative integers below 2^63,
tolerances must satisfy their rules, the store must be a theorycheck store (or creatable).
"""

from __future__ import annotations

import functools
import os
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import click

from simulations import PRESETS, Config, ConfigError

from .engine.executors import cpu_count
from .engine.session import Session, make_executor
from .engine.store import Store, default_store_path
from .judge.verdicts import Tolerances

MAX_SEED = 2**63
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
_FIELD_TYPES = typing.get_type_hints(Config)


def coerce(name: str, text: str, annotation: Any) -> Any:
    """`text` as a value of `annotation` (bool, int, float, str, or X | None); ConfigError(name) otherwise."""
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        if text.strip().lower() in ("none", "null") and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return coerce(name, text, inner)
    t = text.strip()
    if annotation is bool:
        if t.lower() in _TRUE:
            return True
        if t.lower() in _FALSE:
            return False
        raise ConfigError(name, f"must be a boolean (true/false), got {text!r}")
    if annotation is int:
        try:
            return int(t)
        except ValueError:
            raise ConfigError(name, f"must be an integer, got {text!r}") from None
    if annotation is float:
        try:
            return float(t)
        except ValueError:
            raise ConfigError(name, f"must be a number, got {text!r}") from None
    return t


def parse_pairs(pairs: typing.Iterable[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs:
        if "=" not in p:
            raise ConfigError(what, f"expected NAME=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        k = k.strip()
        if k in out:
            raise ConfigError(k, f"given twice in --{what}")
        out[k] = v
    return out


def parse_overrides(pairs: typing.Iterable[str]) -> dict[str, Any]:
    """--set NAME=VALUE pairs, each coerced to its Config field's declared type."""
    out = {}
    for k, v in parse_pairs(pairs, "set").items():
        if k == "seed":
            raise ConfigError("seed", "set seeds with --seeds (e.g. --seeds 0-4), not --set seed=...")
        if k not in _FIELD_TYPES:
            raise ConfigError(k, f"unknown parameter; known: {', '.join(sorted(_FIELD_TYPES))}")
        out[k] = coerce(k, v, _FIELD_TYPES[k])
    return out


def parse_tolerances(pairs: typing.Iterable[str]) -> Tolerances:
    kv = parse_pairs(pairs, "tol")
    known = {f.name for f in fields(Tolerances)}
    for k in kv:
        if k not in known:
            raise ConfigError(k, f"unknown tolerance; known: {', '.join(sorted(known))}")
    return Tolerances().replace(**{k: coerce(k, v, float) for k, v in kv.items()})


def parse_seeds(text: str) -> tuple[int, ...]:
    """'0,1,2' or '0-4' (or a mix); non-negative integers below 2^63, at least one."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part[1:]:
                a, b = part.split("-", 1)
                lo, hi = int(a), int(b)
                if hi < lo or hi - lo > 100_000:
                    raise ConfigError("seeds", f"range {part!r} must run upwards and hold at most 100000 seeds")
                seeds += list(range(lo, hi + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise ConfigError("seeds", f"expected integers like 0,1,2 or 0-4, got {text!r}") from None
    if not seeds or any(s < 0 or s >= MAX_SEED for s in seeds):
        raise ConfigError("seeds", f"need at least one seed, each an integer in [0, 2^63), got {text!r}")
    return tuple(dict.fromkeys(seeds))


def check_writable(path: str, param: str) -> None:
    """Raise ConfigError(param) unless `path` can be created or overwritten as a file (writes nothing)."""
    if os.path.isdir(path):
        raise ConfigError(param, f"{path!r} is a directory; give a file path")
    if os.path.exists(path):
        if not os.access(path, os.W_OK):
            raise ConfigError(param, f"{path!r} is not writable")
        return
    check_creatable_dir(os.path.dirname(os.path.abspath(path)), param)


def check_creatable_dir(path: str, param: str) -> None:
    """Raise ConfigError(param) unless `path` is, or can be created as, a writable directory."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe) or not os.access(probe, os.W_OK):
        raise ConfigError(param, f"cannot write under {path!r}: {probe!r} is not a writable directory")


@dataclass
class RunOptions:
    """Everything a running command needs besides its own arguments."""

    preset: str = "smoke"
    overrides: dict = field(default_factory=dict)
    seeds: tuple[int, ...] = (0, 1, 2)
    tol: Tolerances = field(default_factory=Tolerances)
    store_path: str = field(default_factory=default_store_path)
    executor: str = "auto"
    workers: int = 1
    threads: int = 1
    fresh: bool = False
    quiet: bool = False
    as_json: bool = False

    def validate(self) -> None:
        if self.preset not in PRESETS:
            raise ConfigError("preset", f"must be one of {tuple(PRESETS)}, got {self.preset!r}")
        if self.workers < 1:
            raise ConfigError("workers", f"must be >= 1, got {self.workers}")
        if self.threads < 1:
            raise ConfigError("threads", f"must be >= 1, got {self.threads}")
        if self.workers * self.threads > cpu_count() and not self.executor.startswith("dask://"):
            raise ConfigError(
                "threads", f"workers x threads = {self.workers * self.threads} exceeds the {cpu_count()} CPU cores"
            )
        make_executor(self.executor, self.workers, self.threads)  # validates the spec (and the dask extra)
        Store(self.store_path).validate(for_write=True)

    def session(self, progress: Callable[[int, int], None] | None = None) -> Session:
        return Session(Store(self.store_path), self.executor, self.workers, self.threads, progress, self.fresh)


def run_options(f: Callable) -> Callable:
    """Add the shared options to a click command; the command receives `opts: RunOptions`."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kw: Any) -> Any:
        executor = "inline" if kw.pop("inline") else kw.pop("executor")
        kw.pop("executor", None)
        opts = RunOptions(
            preset=kw.pop("preset"),
            overrides=parse_overrides(kw.pop("sets")),
            seeds=parse_seeds(kw.pop("seeds")),
            tol=parse_tolerances(kw.pop("tols")),
            store_path=kw.pop("store_path") or default_store_path(),
            executor=executor,
            workers=kw.pop("workers"),
            threads=kw.pop("threads"),
            fresh=kw.pop("fresh"),
            quiet=kw.pop("quiet"),
            as_json=kw.pop("as_json"),
        )
        opts.validate()
        return f(*args, opts=opts, **kw)

    options = [
        click.option(
            "--preset",
            default="smoke",
            show_default=True,
            type=click.Choice(list(PRESETS)),
            help="Parameter preset (paper = Appendix D.2).",
        ),
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="NAME=VALUE",
            help="Override a Config field for every run, e.g. --set eta=1e-3 (coerced to the field's type).",
        ),
        click.option("--seeds", default="0,1,2", show_default=True, help="Seeds, e.g. 0,1,2 or 0-4."),
        click.option(
            "--tol",
            "tols",
            multiple=True,
            metavar="NAME=VALUE",
            help="Tolerance, e.g. delta=0.05 (see `theorycheck list --tolerances`).",
        ),
        click.option(
            "--store",
            "store_path",
            default=None,
            help="SQLite results store (env THEORYCHECK_STORE; default results/theorycheck.sqlite).",
        ),
        click.option(
            "--executor",
            default="auto",
            show_default=True,
            help="auto (this process for 1 worker, else local processes), inline or process.",
        ),
        click.option("--inline", is_flag=True, help="Same as --executor inline."),
        click.option("--workers", default=1, show_default=True, type=int, help="Worker processes."),
        click.option(
            "--threads",
            default=1,
            show_default=True,
            type=int,
            help="Torch threads per worker (workers x threads <= CPU cores).",
        ),
        click.option("--fresh", is_flag=True, help="Recompute even if the store has the runs (then overwrite them)."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
        click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout (strict JSON)."),
    ]
    for opt in reversed(options):
        wrapper = opt(wrapper)
    return wrapper
