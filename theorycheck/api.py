"""Python API mirroring the CLI. It runs in this process by default, so a plain script needs no
`if __name__ == "__main__":` guard; pass `Session(executor="process", workers=...)` for more.
Results render as tables in notebooks (`_repr_html_`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from simulations import ConfigError

from .checks import DEFAULT_SEEDS, get_check, load_all
from .engine.session import Session
from .engine.store import Store, default_store_path
from .judge.judge import judge_all
from .judge.slopes import ScalingJudgement
from .judge.verdicts import Judgement, Tolerances
from .options import MAX_RUNS, MAX_SEED, MAX_SEEDS, MAX_VALUES
from .studies import scaling as _scaling
from .studies.sweep import sweep_plan


def default_session(session: Session | None = None, store: str | None = None) -> Session:
    if session is not None and not isinstance(session, Session):
        raise ConfigError("session", f"must be a theorycheck Session or None, got {type(session).__name__}")
    return session or Session(Store(store or default_store_path()), executor="inline", threads=None)


def _seeds(seeds: Sequence[int] | int) -> tuple[int, ...]:
    seeds = (seeds,) if isinstance(seeds, int) and not isinstance(seeds, bool) else seeds
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise ConfigError("seeds", f"must be a sequence of integers, e.g. (0, 1, 2), got {seeds!r}")
    out = tuple(seeds)
    if len(out) > MAX_SEEDS:
        raise ConfigError("seeds", f"at most {MAX_SEEDS} seeds, got {len(out)}")
    if not out or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < MAX_SEED for s in out):
        raise ConfigError("seeds", f"need at least one seed, each an integer in [0, 2^63), got {seeds!r}")
    return out


def _check_grid(grid: Any, n_seeds: int) -> None:
    """A grid is {field: [values]}: a scalar, a string or an empty axis is an error, and so is a
    grid over MAX_VALUES values per axis or MAX_RUNS runs in all."""
    if not isinstance(grid, dict) or not grid:
        raise ConfigError("grid", f"must be a non-empty dict of field -> list of values, got {grid!r}")
    runs = n_seeds
    for k, v in grid.items():
        if not isinstance(k, str) or not k:
            raise ConfigError("grid", f"axis names must be Config field names, got {k!r}")
        if isinstance(v, (str, bytes, dict)) or not isinstance(v, Iterable):
            raise ConfigError(k, f"a grid axis must be a list of values, e.g. {{{k!r}: [{v!r}]}}, got {v!r}")
        n = len(list(v))
        if n == 0:
            raise ConfigError(k, "grid axis has no values")
        if n > MAX_VALUES:
            raise ConfigError(k, f"a grid axis takes at most {MAX_VALUES} values, got {n}")
        runs *= n
    if runs > MAX_RUNS:
        raise ConfigError("grid", f"the sweep would hold {runs} runs (grid x seeds); at most {MAX_RUNS}")


def list_checks() -> list[tuple[str, str, str]]:
    return [(c.id, c.ref, c.title) for c in load_all().values()]


def check(
    result_id: str,
    preset: str = "smoke",
    seeds: Sequence[int] = DEFAULT_SEEDS,
    tol: Tolerances | None = None,
    session: Session | None = None,
    **overrides: Any,
) -> Judgement:
    """Run one registered check; returns its `Judgement` (verdict, claims, hypotheses, command)."""
    return check_all(preset, seeds, tol, session, ids=[result_id], **overrides)[0]


def check_all(
    preset: str = "smoke",
    seeds: Sequence[int] = DEFAULT_SEEDS,
    tol: Tolerances | None = None,
    session: Session | None = None,
    ids: Sequence[str] | None = None,
    **overrides: Any,
) -> list[Judgement]:
    if tol is not None and not isinstance(tol, Tolerances):
        raise ConfigError("tol", f"must be a Tolerances (e.g. Tolerances(delta=0.05)) or None, got {tol!r}")
    if isinstance(ids, str):
        ids = [ids]
    plans = [get_check(cid).plan(preset, overrides, _seeds(seeds), tol) for cid in (ids or list(load_all()))]
    return judge_all(plans, default_session(session).run(plans))


def sweep(
    grid: dict, preset: str = "smoke", seeds: Sequence[int] = (0,), session: Session | None = None, **fixed: Any
) -> Judgement:
    """Runs of the Cartesian product of `grid` x seeds; `.runs` lists each run's config, status and finals."""
    seeds = _seeds(seeds)
    _check_grid(grid, len(seeds))
    plan = sweep_plan(grid, preset, seeds, fixed)
    return judge_all([plan], default_session(session).run(plan))[0]


def check_scaling(
    check_id: str,
    param: str | None = None,
    ladder: str | Sequence[float] | None = None,
    preset: str | None = None,
    seeds: Sequence[int] | int = DEFAULT_SEEDS,
    tol: Tolerances | None = None,
    session: Session | None = None,
    **overrides: Any,
) -> ScalingJudgement:
    """Run one scaling check along one ladder: an id (``"lem5.1@eta"``) or a family with its
    parameter (``"lem5.1", "eta"``; default the family's first ladder), with ``ladder`` as
    "LO:HI:N", "V1,V2,..." or numbers (default the check's). Inline with an in-memory store
    unless given a session. Bad input (an empty parameter or ladder included) raises ConfigError."""
    req = _scaling.make_request(check_id, param, ladder, preset, overrides, _seeds(seeds), tol)
    return _scaling.run_scaling([req], session or Session(Store(":memory:"), executor="inline"))[0]
