"""What to run and how it will be judged: the `Plan`, the one currency of every command.

A plan is a set of named *arms*; an arm is the list of `Config`s of one setting (usually
one per seed). A plan also carries the *rule* that turns the arms' runs into claims, the
bounds result whose stated hypotheses gate each arm, and the context the rule needs
(preset, overrides, seeds, tolerances, the base parameter values).

    command --builds--> [Plan] --Session.run--> Runs --judge--> [Judgement] --renderer--> text/md/csv/figures

`check`, `table`, `figures`, `reproduce`, `audit` and `sweep` differ only in the plans they
build and the renderer they call; none of them runs simulations or scores claims itself.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from simulations import Config

from ..vocab import Claim, Hypothesis, Tolerances

if TYPE_CHECKING:
    from simulations import RunResult

ARM_ROLES = ("regime", "control")


@dataclass(frozen=True)
class Context:
    """What a rule may read besides the runs: the request and the base parameter values."""

    preset: str
    overrides: dict
    seeds: tuple[int, ...]
    tol: Tolerances
    base: Config  # the preset with the setting and the overrides applied (before any arm's fields; engine.build)
    setting: dict = field(default_factory=dict)  # a check's own base fields at this preset (below --set)

    def command(self, *words: str) -> str:
        """The command line that reproduces this request, e.g. command('check', 'thm4.1')."""
        parts = ["theorycheck", *words, "--preset", self.preset]
        for k, v in self.overrides.items():
            parts += ["--set", f"{k}={v}"]
        parts += ["--seeds", ",".join(map(str, self.seeds))]
        default = asdict(type(self.tol)())
        for k, v in asdict(self.tol).items():
            if v != default[k]:
                parts += ["--tol", f"{k}={v}"]
        return " ".join(shlex.quote(p) for p in parts)


@dataclass(frozen=True)
class Arm:
    """One setting of a plan: its configs (one per seed) and the bounds result that gates it.

    role 'regime' arms are where the result claims its conclusion; role 'control' arms
    (negative controls) are where the same rule is expected to fail. `controls` names the
    regime arm a control stands in for, so the rule reads it under that name.
    """

    name: str
    configs: tuple[Config, ...]
    gate: str | None = None
    role: str = "regime"
    controls: str | None = None
    fields: dict = field(default_factory=dict)  # the plan's own Config fields for this arm (for reports)
    horizon: tuple[str, float] | None = None  # (stage, fraction): the runs must last fraction x that stage
    eps_against: str = "loss"  # what ε must stay below: 'loss' (initial loss gradients) or 'decay' (λ|w0|)

    def __post_init__(self) -> None:
        if self.role not in ARM_ROLES:
            raise ValueError(f"arm role must be one of {ARM_ROLES}, got {self.role!r}")


Rule = Callable[["dict[str, list[RunResult]]", Context], "list[Claim]"]


@dataclass(frozen=True)
class Plan:
    """Named arms of configs plus the rule that judges them."""

    id: str
    ref: str
    title: str
    arms: tuple[Arm, ...]
    context: Context
    rule: Rule | None = None  # None: nothing is claimed (a sweep); the judgement only reports runs
    hypotheses: Callable[[Context], list[Hypothesis]] | None = None  # extra, non-config evidence
    accepts: tuple[str, ...] = ("ok",)  # run statuses the rule may score
    command: str = ""
    meta: dict = field(default_factory=dict)  # renderer data (e.g. the paper's reported numbers)

    @property
    def configs(self) -> list[Config]:
        return [c for arm in self.arms for c in arm.configs]

    def arm(self, name: str) -> Arm:
        for a in self.arms:
            if a.name == name:
                return a
        raise KeyError(name)


def all_configs(plans: Iterable[Plan | Config]) -> list[Config]:
    """Every config of a list of plans (or a plain list of configs), in order."""
    out: list[Config] = []
    for p in plans:
        out += [p] if isinstance(p, Config) else p.configs
    return out
