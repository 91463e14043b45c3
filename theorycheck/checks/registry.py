"""The registry of checks: what a check is, how checks register, and how they are found.

A `Check` (one module per paper result in this package) says which result it tests, how to
plan its runs (named arms of Config fields, each gated by a bounds result) and the rule that
turns the arms' runs into claims. `Check.plan(...)` builds the `Plan` every command runs.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simulations import ConfigError, preset

from ..engine.plan import Arm, Context, Plan
from ..judge.verdicts import Hypothesis, Tolerances
from ._common import base_values

DEFAULT_SEEDS = (0, 1, 2)
IDENTITY_FIELDS = ("optimizer", "B")  # what a check is about: an override may not change them


@dataclass(frozen=True)
class ArmSpec:
    """One arm of a check before seeds are applied: Config fields, the bounds result that gates
    it, and the stage its runs must reach (bounds.stage_times key and fraction), if any."""

    fields: dict
    gate: str | None
    horizon: tuple[str, float] | None = None
    eps_against: str = "loss"  # 'decay' where the moving force is the L2 term (Cor 4.3)


@dataclass(frozen=True)
class Check:
    id: str
    ref: str
    title: str
    arms: Callable[[Context], dict[str, ArmSpec]]  # the plan: arm name -> ArmSpec
    rule: Callable[[dict, Context], list]  # (runs by arm, context) -> [Claim]
    doc: str = ""
    hypotheses: Callable[[Context], list[Hypothesis]] | None = None  # extra (non-config) evidence
    accepts: tuple[str, ...] = ("ok",)  # run statuses the rule may score
    control: Callable[[Context], dict[str, ArmSpec]] | None = None  # regime arm name -> its negative control

    def plan(
        self,
        preset_name: str = "smoke",
        overrides: dict | None = None,
        seeds: Sequence[int] = DEFAULT_SEEDS,
        tol: Tolerances | None = None,
    ) -> Plan:
        """The check's runs for a request; every Config is built (and so validated) here."""
        overrides = dict(overrides or {})
        seeds = tuple(seeds)
        if not seeds:
            raise ConfigError("seeds", "need at least one seed")
        tol = tol or Tolerances()
        if "seed" in overrides:
            raise ConfigError("seed", "give seeds as seeds=(...) / --seeds, not as an override")
        ctx = Context(preset_name, overrides, seeds, tol, base_values(preset_name, overrides))
        arms = []
        try:
            specs = self.arms(ctx)
            controls = self.control(ctx) if self.control else {}
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            if isinstance(e, ConfigError):
                raise
            raise ConfigError("set", f"{self.id}'s plan cannot be built at these parameter values: {e}") from None
        for name, spec in specs.items():
            for f in IDENTITY_FIELDS:
                if f in overrides and f in spec.fields and overrides[f] != spec.fields[f]:
                    raise ConfigError(
                        f,
                        f"{self.id} is about {f}={spec.fields[f]!r} (arm {name!r}); overriding it would test a "
                        f"different result, refused (run `theorycheck list` for the result that fits)",
                    )
            fields = {**spec.fields, **overrides}  # explicit parameters win over the plan
            cfgs = tuple(preset(preset_name, **{**fields, "seed": s}) for s in seeds)
            arms.append(
                Arm(name, cfgs, spec.gate, fields=spec.fields, horizon=spec.horizon, eps_against=spec.eps_against)
            )
        for name, spec in controls.items():
            if name not in specs:
                raise ValueError(f"{self.id}: control for unknown arm {name!r}")
            fields = {**spec.fields, **overrides}
            cfgs = tuple(preset(preset_name, **{**fields, "seed": s}) for s in seeds)
            arms.append(Arm(f"control: {name}", cfgs, spec.gate, "control", name, spec.fields))
        return Plan(
            self.id,
            self.ref,
            self.title,
            tuple(arms),
            ctx,
            self.rule,
            self.hypotheses,
            self.accepts,
            command=ctx.command("check", self.id),
        )


REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    REGISTRY[check.id] = check
    return check


def load_all() -> dict[str, Check]:
    """Import every check module of this package (each registers itself); ordered thm/cor, then lem."""
    pkg = importlib.import_module(__package__)
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith(("thm", "cor", "lem")):
            importlib.import_module(f"{__package__}.{mod.name}")
    return dict(sorted(REGISTRY.items(), key=lambda kv: _order(kv[0])))


def _order(cid: str) -> tuple:
    kind = {"thm": 0, "cor": 0, "lem": 1}[cid[:3]]
    return (kind, cid.replace("cor", "thm"))


def get_check(cid: str) -> Check:
    reg = load_all()
    if cid not in reg:
        raise ConfigError("result", f"unknown result id {cid!r}; known: {', '.join(reg)}")
    return reg[cid]
