"""A free grid over any Config fields: one plan whose arms are the grid points (nothing claimed)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from simulations import ConfigError

from ..engine.build import arm_configs, make_context
from ..engine.plan import Arm, Plan
from ..judge.verdicts import Tolerances


def sweep_plan(
    grid: Mapping[str, Sequence],
    preset_name: str = "smoke",
    seeds: Sequence[int] = (0,),
    overrides: dict | None = None,
    tol: Tolerances | None = None,
) -> Plan:
    """Configs for the Cartesian product of `grid` (e.g. {'B': [2, 20], 'lam': [1e-5, 1e-2]}) x seeds."""
    if not grid:
        raise ConfigError("grid", "needs at least one axis")
    for k, vals in grid.items():
        if not list(vals):
            raise ConfigError(k, "grid axis has no values")
    seeds = tuple(grid.get("seed", seeds))
    axes = {k: list(v) for k, v in grid.items() if k != "seed"}
    ctx = make_context(preset_name, overrides, seeds, tol)
    arms = []
    for vals in itertools.product(*axes.values()):
        fields = dict(zip(axes, vals))
        name = ", ".join(f"{k}={v}" for k, v in fields.items())
        cfgs = arm_configs(ctx, fields, axes, "the sweep (its --grid axes)")
        arms.append(Arm(name, cfgs, None, fields=fields))
    return Plan(
        "sweep",
        "",
        f"sweep of {len(arms) * len(seeds)} runs",
        tuple(arms),
        ctx,
        None,
        command=ctx.command("sweep"),
        meta=dict(study="sweep", axes=list(axes)),
    )
