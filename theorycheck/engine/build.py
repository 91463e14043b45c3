"""The one config builder: every command turns a request into `Config`s here.

A request is a preset (with, for some checks, the check's own base *setting* at that preset:
fields a check changes for every one of its arms, shown in its evidence), the user's `--set` overrides, seeds and tolerances (a `Context`). Each
arm of a plan adds its own Config fields. One precedence holds everywhere:

    preset  <  the check's setting  <  the arm's fields  <  the user's --set

with one exception, the arm's *identity fields*: the fields that say what the arm is about
(a check's optimizer and batch size, a table cell's λ, a sweep's axes, a scaling ladder's
parameter). A `--set` that would change one of them is refused with a ConfigError naming it,
because it would silently turn the arm into a different experiment (two cells of a table
would become the same run, or a check would test another result).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from simulations import PRESETS, Config, ConfigError, preset

from ..vocab import Tolerances
from .plan import Context


def base_config(preset_name: str, overrides: Mapping[str, Any]) -> Config:
    """The preset with the user's overrides applied (before any arm's fields); building the
    Config validates every override, so bad input fails here, before any plan arithmetic."""
    if preset_name not in PRESETS:
        raise ConfigError("preset", f"must be one of {tuple(PRESETS)}, got {preset_name!r}")
    if "seed" in overrides:
        raise ConfigError("seed", "give seeds as seeds=(...) / --seeds, not as an override")
    return preset(preset_name, **overrides)


def make_context(
    preset_name: str,
    overrides: Mapping[str, Any] | None = None,
    seeds: Sequence[int] = (0,),
    tol: Tolerances | None = None,
    setting: Mapping[str, Any] | None = None,
) -> Context:
    """A validated request: the preset exists, seeds are given, the overrides build a Config.
    `setting`: the check's own base fields at this preset; a --set of the same field wins."""
    overrides = dict(overrides or {})
    seeds = tuple(seeds)
    if not seeds:
        raise ConfigError("seeds", "need at least one seed")
    setting = {k: v for k, v in (setting or {}).items() if k not in overrides}
    base = base_config(preset_name, {**setting, **overrides})
    return Context(preset_name, overrides, seeds, tol or Tolerances(), base, setting)


def refuse_identity(
    overrides: Mapping[str, Any], fields: Mapping[str, Any], identity: Iterable[str], owner: str
) -> None:
    """A --set that changes one of the arm's identity fields is bad input."""
    for f in identity:
        if f in overrides and f in fields and overrides[f] != fields[f]:
            raise ConfigError(
                f,
                f"{owner} sets {f}={fields[f]!r}; --set {f}={overrides[f]!r} would turn it into a different "
                f"experiment and is refused (change the plan instead: `theorycheck list` shows what each command varies)",
            )


def arm_configs(
    ctx: Context,
    fields: Mapping[str, Any],
    identity: Iterable[str] = (),
    owner: str = "this plan",
) -> tuple[Config, ...]:
    """One Config per seed of the request: preset, the check's setting, the arm's fields, the user's --set
    (identity fields refused, see the module docstring)."""
    refuse_identity(ctx.overrides, fields, identity, owner)
    merged = {**ctx.setting, **fields, **ctx.overrides}
    return tuple(preset(ctx.preset, **{**merged, "seed": s}) for s in ctx.seeds)
