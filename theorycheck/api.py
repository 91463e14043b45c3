"""Python API mirroring the CLI. Results render as tables in notebooks (_repr_html_)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from simulations import ConfigError, preset

from .registry import DEFAULT_SEEDS, load_all, run_check
from .runner import run_configs
from .store import DEFAULT_PATH, Store
from .verdicts import Tolerances


@dataclass
class Session:
    """Where results go and how runs execute (store path, executor, workers)."""

    store_path: str = DEFAULT_PATH
    executor: str = "process"
    workers: int = 1

    @property
    def store(self) -> Store:
        return Store(self.store_path)


def list_checks():
    return [(c.id, c.ref, c.title) for c in load_all().values()]


def check(
    result_id: str,
    preset: str = "smoke",
    seeds=DEFAULT_SEEDS,
    tol: Tolerances | None = None,
    session: Session | None = None,
    progress=None,
    fresh: bool = False,
    **overrides,
):
    s = session or Session()
    return run_check(
        result_id,
        preset,
        overrides,
        seeds,
        tol,
        store=s.store,
        executor=s.executor,
        workers=s.workers,
        progress=progress,
        fresh=fresh,
    )


def check_all(preset: str = "smoke", seeds=DEFAULT_SEEDS, tol=None, session=None, progress=None, **overrides):
    return [check(cid, preset, seeds, tol, session, progress, **overrides) for cid in load_all()]


class SweepResult(list):
    """Runs of a grid; renders as a table of final metrics."""

    def rows(self, metrics=("train_err", "test_err", "feat_pos", "noise_max")):
        return [
            [r.config.optimizer, r.config.B, f"{r.config.lam:.3g}", r.config.seed, r.status]
            + [f"{r.final[m]:.4g}" for m in metrics]
            for r in self
        ]

    def _repr_html_(self):
        from .tables import render

        return render(
            ["optimizer", "B", "lambda", "seed", "status", "train_err", "test_err", "feat", "noise"],
            self.rows(),
            "html",
        )


def grid_configs(grid: dict, preset_name: str = "smoke", **fixed):
    """Configs for the Cartesian product of `grid` (e.g. {'B': [2, 20], 'lam': [...], 'optimizer': [...],
    'seed': [0, 1, 2]}) on a preset, with `fixed` overrides."""
    if not grid:
        raise ConfigError("grid", "needs at least one axis")
    keys = list(grid)
    out = []
    for vals in itertools.product(*(grid[k] for k in keys)):
        out.append(preset(preset_name, **{**fixed, **dict(zip(keys, vals))}))
    return out


def sweep(grid: dict, preset: str = "smoke", session: Session | None = None, progress=None, fresh=False, **fixed):
    s = session or Session()
    cfgs = grid_configs(grid, preset, **fixed)
    res, stats = run_configs(
        cfgs, store=s.store, executor=s.executor, workers=s.workers, progress=progress, fresh=fresh
    )
    out = SweepResult(res)
    out.stats = stats
    return out
