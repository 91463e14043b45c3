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

from simulations import ConfigError

from ..engine.build import arm_configs, make_context
from ..engine.plan import Arm, Context, Plan
from ..vocab import Hypothesis, Tolerances
from .plugins import load_plugins

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
        """The check's runs for a request; every Config is built (and so validated) here, by the one
        builder (engine.build: preset, then the arm's fields, then --set; optimizer and B refused)."""
        ctx = make_context(preset_name, overrides, seeds, tol)
        try:
            specs = self.arms(ctx)
            controls = self.control(ctx) if self.control else {}
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            if isinstance(e, ConfigError):
                raise
            raise ConfigError("set", f"{self.id}'s plan cannot be built at these parameter values: {e}") from None
        arms = []
        for name, spec in specs.items():
            cfgs = arm_configs(ctx, spec.fields, IDENTITY_FIELDS, f"{self.id} (arm {name!r})")
            arms.append(
                Arm(name, cfgs, spec.gate, fields=spec.fields, horizon=spec.horizon, eps_against=spec.eps_against)
            )
        for name, spec in controls.items():
            if name not in specs:
                raise ValueError(f"{self.id}: control for unknown arm {name!r}")
            cfgs = arm_configs(ctx, spec.fields, IDENTITY_FIELDS, f"{self.id} (control of {name!r})")
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
    """Import every check module of this package and of installed plugins (checks.plugins; each
    registers itself); ordered thm/cor, then lem, then the rest."""
    pkg = importlib.import_module(__package__)
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith(("thm", "cor", "lem")):
            importlib.import_module(f"{__package__}.{mod.name}")
    load_plugins(register, REGISTRY)
    return dict(sorted(REGISTRY.items(), key=lambda kv: _order(kv[0])))


def _order(cid: str) -> tuple:
    kind = {"thm": 0, "cor": 0, "lem": 1}.get(cid[:3], 2)
    return (kind, cid.replace("cor", "thm"))


def get_check(cid: str) -> Check:
    reg = load_all()
    if cid not in reg:
        raise ConfigError("result", f"unknown result id {cid!r}; known: {', '.join(reg)}")
    return reg[cid]
