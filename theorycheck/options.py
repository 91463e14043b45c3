"""The options every running command shares, parsed and validated in one place.

`@run_options` adds --preset, --set, --seeds, --tol, --store, --executor/--inline, --workers,
--threads, --max-batch, --fresh, --quiet and --json to a click command and hands it one `RunOptions`. Every
value is checked here, before anything runs or is written: `--set` values are coerced to the
declared type of their Config field, seeds must be non-negative integers below 2^63 (ASCII
digits, at most MAX_SEEDS of them), tolerances must satisfy their rules, the store must be a
theorycheck store (or creatable: the folder is probed with a temporary file), a Dask scheduler
must answer, and empty names or values are refused rather than read as defaults.

Sizes have a documented maximum: at most MAX_VALUES values in one list (--grid axis,
--lambdas, --batch-sizes) and at most MAX_RUNS runs in one sweep (the grid's product times
the seeds).

Nothing here imports torch: the CLI parses and checks its arguments before the simulation is
loaded (the engine modules are imported inside the functions that need them).
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import click

from simulations import PRESETS, Config, ConfigError

if typing.TYPE_CHECKING:
    from .engine.session import Session
    from .judge.verdicts import Tolerances

MAX_SEED = 2**63
MAX_SEEDS = 10_000  # seeds in one --seeds
MAX_VALUES = 256  # values in one list: a --grid axis, --lambdas, --batch-sizes
MAX_RUNS = 100_000  # runs in one sweep (grid product x seeds)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(inf|infinity|nan)", re.ASCII | re.I)
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
        if not re.fullmatch(r"[+-]?[0-9]+", t, re.ASCII):
            raise ConfigError(name, f"must be an integer (ASCII digits), got {text!r}")
        return int(t)
    if annotation is float:
        if not _NUMBER.fullmatch(t):
            raise ConfigError(name, f"must be a number, got {text!r}")
        return float(t)
    if not t:
        raise ConfigError(name, "is empty; give a value")
    return t


def parse_pairs(pairs: typing.Iterable[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs:
        if "=" not in p:
            raise ConfigError(what, f"expected NAME=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        k = k.strip()
        if not k:
            raise ConfigError(what, f"empty parameter name in {p!r}; expected NAME=VALUE")
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
    from .judge.verdicts import Tolerances

    kv = parse_pairs(pairs, "tol")
    known = {f.name for f in fields(Tolerances)}
    for k in kv:
        if k not in known:
            raise ConfigError(k, f"unknown tolerance; known: {', '.join(sorted(known))}")
    return Tolerances().replace(**{k: coerce(k, v, float) for k, v in kv.items()})


def parse_seeds(text: str) -> tuple[int, ...]:
    """'0,1,2' or '0-4' (or a mix); non-negative integers below 2^63 in ASCII digits, at least
    one and at most MAX_SEEDS."""
    seeds: list[int] = []
    bad = ConfigError("seeds", f"expected non-negative integers like 0,1,2 or 0-4, got {text!r}")
    for part in text.split(","):
        part = part.strip()
        a, dash, b = part.partition("-")
        if not _DIGITS.fullmatch(a) or (dash and not _DIGITS.fullmatch(b)):
            raise bad
        lo, hi = int(a), int(b) if dash else int(a)
        if hi < lo:
            raise ConfigError("seeds", f"range {part!r} must run upwards")
        if hi >= MAX_SEED:
            raise ConfigError("seeds", f"each seed must be an integer in [0, 2^63), got {text!r}")
        if hi - lo + 1 + len(seeds) > MAX_SEEDS:
            raise ConfigError("seeds", f"at most {MAX_SEEDS} seeds, got more in {text!r}")
        seeds += range(lo, hi + 1)
    return tuple(dict.fromkeys(seeds))


def parse_list(text: str | None, what: str, cast: type, positive: bool = False) -> list | None:
    """A comma-separated option value (--lambdas, --batch-sizes): None when the option is not
    given; empty, malformed, non-positive (with `positive`) or over MAX_VALUES values is an error."""
    if text is None:
        return None
    if not text.strip():
        raise ConfigError(what, "is empty; give at least one value")
    vals = [coerce(what, x, cast) for x in text.split(",") if x.strip()]
    if not vals:
        raise ConfigError(what, "needs at least one value")
    if len(vals) > MAX_VALUES:
        raise ConfigError(what, f"at most {MAX_VALUES} values, got {len(vals)}")
    if positive and any(not v > 0 for v in vals):
        raise ConfigError(what, f"every value must be > 0, got {text!r}")
    return vals


def parse_grid(axes: typing.Iterable[str], n_seeds: int = 1) -> dict[str, list]:
    """--grid NAME=V1,V2,... axes, each value coerced to its Config field's type; at most
    MAX_VALUES values per axis and MAX_RUNS runs in all (with the seeds)."""
    grid: dict[str, list] = {}
    for g in axes:
        if "=" not in g:
            raise ConfigError("grid", f"expected NAME=V1,V2,..., got {g!r}")
        k, v = (x.strip() for x in g.split("=", 1))
        if not k:
            raise ConfigError("grid", f"empty parameter name in {g!r}; expected NAME=V1,V2,...")
        if k in grid:
            raise ConfigError(k, "grid axis given twice")
        if k == "seed":
            raise ConfigError("seed", "give seeds with --seeds, not --grid seed=...")
        if k not in _FIELD_TYPES:
            raise ConfigError(k, f"unknown parameter; known: {', '.join(sorted(_FIELD_TYPES))}")
        vals = [coerce(k, x, _FIELD_TYPES[k]) for x in v.split(",") if x.strip()]
        if not vals:
            raise ConfigError(k, "grid axis has no values")
        if len(vals) > MAX_VALUES:
            raise ConfigError(k, f"a grid axis takes at most {MAX_VALUES} values, got {len(vals)}")
        grid[k] = vals
    runs = n_seeds
    for vals in grid.values():
        runs *= len(vals)
    if runs > MAX_RUNS:
        raise ConfigError("grid", f"the sweep would hold {runs} runs (grid x seeds); at most {MAX_RUNS}")
    return grid


def check_writable(path: str, param: str) -> None:
    """Raise ConfigError(param) unless `path` can really be created or overwritten as a regular
    file (probed for real, leaving nothing behind; an empty path is an error)."""
    from .engine.paths import probe_file

    probe_file(path, param)


def check_creatable_dir(path: str, param: str) -> None:
    """Raise ConfigError(param) unless `path` is, or can be created as, a writable directory."""
    if not path or not path.strip():
        raise ConfigError(param, "is empty; give a directory")
    from .engine.paths import probe_dir

    probe_dir(path, param)


def default_store_path() -> str:
    """engine.paths.default_store_path, imported when called: importing the engine package loads
    more than --help and --version need."""
    from .engine.paths import default_store_path as path

    return path()


def _default_tol() -> Tolerances:
    from .judge.verdicts import Tolerances

    return Tolerances()


@dataclass
class RunOptions:
    """Everything a running command needs besides its own arguments."""

    preset: str = "smoke"
    overrides: dict = field(default_factory=dict)
    seeds: tuple[int, ...] = (0, 1, 2)
    tol: Tolerances = field(default_factory=_default_tol)
    store_path: str = field(default_factory=default_store_path)
    executor: str = "auto"
    workers: int = 1
    threads: int = 1
    max_batch: int = 32
    fresh: bool = False
    quiet: bool = False
    as_json: bool = False

    def validate(self) -> None:
        from .engine.executors import cpu_count
        from .engine.session import make_executor
        from .engine.store import Store

        if self.preset not in PRESETS:
            raise ConfigError("preset", f"must be one of {tuple(PRESETS)}, got {self.preset!r}")
        if self.workers < 1:
            raise ConfigError("workers", f"must be >= 1, got {self.workers}")
        if self.threads < 1:
            raise ConfigError("threads", f"must be >= 1, got {self.threads}")
        if self.max_batch < 1:
            raise ConfigError("max-batch", f"must be >= 1, got {self.max_batch}")
        if self.workers * self.threads > cpu_count() and not self.executor.startswith("dask://"):
            raise ConfigError(
                "threads", f"workers x threads = {self.workers * self.threads} exceeds the {cpu_count()} CPU cores"
            )
        if self.executor == "inline" and self.workers > 1:
            raise ConfigError(
                "workers",
                f"--executor inline runs one batch at a time in this process; --workers {self.workers} "
                "would be ignored (use --executor process, or auto)",
            )
        make_executor(self.executor, self.workers, self.threads)  # validates the spec (and the dask extra)
        Store(self.store_path).validate(for_write=True)

    def session(self, progress: Callable[[int, int], None] | None = None) -> Session:
        from .engine.session import Session
        from .engine.store import Store

        return Session(
            Store(self.store_path), self.executor, self.workers, self.threads, progress, self.fresh, self.max_batch
        )


def run_options(f: Callable) -> Callable:
    """Add the shared options to a click command; the command receives `opts: RunOptions`."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kw: Any) -> Any:
        inline, executor = kw.pop("inline"), kw.pop("executor")
        if inline and executor not in ("auto", "inline"):
            raise ConfigError("executor", f"--inline and --executor {executor} disagree; give one")
        store_path = kw.pop("store_path")
        if store_path is not None and not store_path.strip():
            raise ConfigError("store", "is empty; give a file path (or leave --store out for the default)")
        opts = RunOptions(
            preset=kw.pop("preset"),
            overrides=parse_overrides(kw.pop("sets")),
            seeds=parse_seeds(kw.pop("seeds")),
            tol=parse_tolerances(kw.pop("tols")),
            store_path=store_path or default_store_path(),
            executor="inline" if inline else executor,
            workers=kw.pop("workers"),
            threads=kw.pop("threads"),
            max_batch=kw.pop("max_batch"),
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
        click.option(
            "--seeds", default="0,1,2", show_default=True, help=f"Seeds, e.g. 0,1,2 or 0-4 (at most {MAX_SEEDS})."
        ),
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
            help="auto (this process for 1 worker, else local processes), inline, process, dask (a local "
            "Dask cluster) or dask://HOST:PORT (a running scheduler, reached within 3 s before anything runs).",
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
        click.option(
            "--max-batch",
            default=32,
            show_default=True,
            type=int,
            help="Runs of one shape advanced in one program at most; a group is cut into balanced chunks. "
            "It can change float32 bits (a run's batch-mates), so a rerun that must match uses the same value.",
        ),
        click.option("--fresh", is_flag=True, help="Recompute even if the store has the runs (then overwrite them)."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
        click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout (strict JSON)."),
    ]
    for opt in reversed(options):
        wrapper = opt(wrapper)
    return wrapper
