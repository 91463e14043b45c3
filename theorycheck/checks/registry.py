"""The one registry: what a check and a scaling check are, how they register, how they are found.

Two kinds share one registry (`REGISTRY`) and one id space:

* a `Check` (kind 'check'; one module per paper result in this package) says which result it
  tests, how to plan its runs (named arms of Config fields, each gated by a bounds result) and
  the rule that turns the arms' runs into claims. `Check.plan(...)` builds the `Plan` every
  command runs; `theorycheck check ID` runs it.
* a `ScalingCheck` (kind 'scaling'; one module per family in `checks/scaling/`, id
  FAMILY@PARAM, e.g. `cor4.3@sigma_0`) moves one parameter along a ladder and fits how a
  measured transition, rate or plateau moves against the exponent bounds.scaling derives
  (studies.scaling runs it; `theorycheck scaling ID` is its command). Its `Series` are the
  measured curves and the predictions they are read against.

`load_all()` returns the checks (the default, kind='check'), `load_all("scaling")` the scaling
checks, `load_all(None)` both.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from simulations import Config, ConfigError

from ..engine.build import arm_configs, make_context
from ..engine.plan import Arm, Context, Plan
from ..judge.slopes import SIDES
from ..vocab import Claim, Hypothesis, Tolerances
from .plugins import load_plugins

if TYPE_CHECKING:
    from simulations import RunResult

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
class Setting:
    """A check's own base fields at one preset, applied to every arm (regime and control) below the
    user's --set, and why the check needs them there (shown in its evidence)."""

    fields: dict
    why: str


@dataclass(frozen=True)
class Check:
    kind: ClassVar[str] = "check"

    id: str
    ref: str
    title: str
    arms: Callable[[Context], dict[str, ArmSpec]]  # the plan: arm name -> ArmSpec
    rule: Callable[[dict, Context], list]  # (runs by arm, context) -> [Claim]
    doc: str = ""
    hypotheses: Callable[[Context], list[Hypothesis]] | None = None  # extra (non-config) evidence
    accepts: tuple[str, ...] = ("ok",)  # run statuses the rule may score
    control: Callable[[Context], dict[str, ArmSpec]] | None = None  # regime arm name -> its negative control
    settings: dict[str, Setting] = field(default_factory=dict)  # preset name -> the check's setting there

    def plan(
        self,
        preset_name: str = "smoke",
        overrides: dict | None = None,
        seeds: Sequence[int] = DEFAULT_SEEDS,
        tol: Tolerances | None = None,
    ) -> Plan:
        """The check's runs for a request; every Config is built (and so validated) here, by the one
        builder (engine.build: preset, then the arm's fields, then --set; optimizer and B refused)."""
        setting = self.settings.get(preset_name)
        ctx = make_context(preset_name, overrides, seeds, tol, setting.fields if setting else None)
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
            meta={"setting": {"preset": ctx.preset, "fields": ctx.setting, "why": setting.why}}
            if setting and ctx.setting
            else {},
        )


SCALING_MODES = ("slope", "value")


@dataclass(frozen=True, kw_only=True)
class Series:
    """One measured curve of a scaling check and the prediction it is read against.

    diagnostic: the series is fitted and shown, never scored (a reconstructed reading)."""

    name: str
    fields: dict  # Config fields of this series (e.g. the optimizer)
    quantity: str  # the bounds.scaling quantity whose exponent is predicted
    side: str = "two-sided"  # or 'at_most': the exponent is at most the prediction
    gate: str | None = None  # the bounds result gating this series (None: the check's result)
    center: Callable[[Config], float] | None = None  # transition: first guess for the probe at a point
    diagnostic: bool = False

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {self.side!r}")


PointClaims = Callable[[list, list, Tolerances], "list[Claim]"]
PointHypotheses = Callable[[list, list, Tolerances], "list[Hypothesis]"]


@dataclass(frozen=True, kw_only=True)
class ScalingCheck:
    """A registered scaling check: one family (the result) along one parameter's ladder.

    point(base, tol) -> the Config fields tied to a ladder point (η to σ0, epochs to T0, ...);
    base is the point's Config before them. A transition check bisects `probe` with `outcome`
    (True below the transition); a direct one reads `measure(run, base)`. With probe 'B' the
    search runs on the divisors of n from `b_min` (studies.batch_search.DivisorBisection, `rounds`
    rounds), `point` sees each probe's B (the budget depends on it), and `outcome(run, tol)` reads
    'G' (generalizes), 'M' (memorizes) or 'U' (neither, or not converged: never forced to a side). `claims(runs, bases,
    tol)` may add claims read at every point (runs[i][seed], bases[i]) beside the fits."""

    kind: ClassVar[str] = "scaling"

    family: str  # the result family, e.g. 'cor4.3' (the bare name `theorycheck scaling` accepts)
    param: str  # the ladder's parameter; the id is FAMILY@PARAM
    ladder: str  # the default ladder, 'LO:HI:N' or 'v1,v2,...'
    result: str  # the bounds result whose hypotheses gate the regime series
    ref: str
    title: str
    doc: str
    preset: str
    overrides: dict  # the check's base setting (on top of the preset; --set may change it)
    series: tuple[Series, ...]
    point: Callable[[Config, Tolerances], dict]
    controls: tuple[Series, ...] = ()
    control_note: str = ""  # why the ladder has no negative control, where it has none
    measure: Callable[[RunResult, Config], float] | None = None
    probe: str | None = None  # transition: the Config field searched
    outcome: Callable[..., Any] | None = None  # (run) -> bool; probe B: (run, tol) -> read
    claims: PointClaims | None = None
    b_min: int = 2  # probe 'B': the smallest divisor searched
    hypotheses: PointHypotheses | None = None  # gating read on the regime runs (e.g. converged), like claims
    span: float = 16.0
    grid: int = 5
    rounds: int = 3
    mode: str = "slope"
    accepts: tuple[str, ...] = ("ok",)
    needs: str = ""  # what the prediction needs that the ladder does not give
    measured: str = "measured"  # what the measurement is, for tables and axes

    @property
    def id(self) -> str:
        return f"{self.family}@{self.param}"

    def __post_init__(self) -> None:
        if self.mode not in SCALING_MODES:
            raise ValueError(f"{self.id}: mode must be one of {SCALING_MODES}")
        if (self.probe is None) == (self.measure is None):
            raise ValueError(f"{self.id}: give a probe (with its outcome) or a measure, not both")
        if self.probe is not None and self.outcome is None:
            raise ValueError(f"{self.id}: a transition needs its outcome")
        if self.probe == "B" and (self.param == "B" or self.b_min < 1):
            raise ValueError(f"{self.id}: a B probe needs b_min >= 1 and a ladder in another parameter")


REGISTRY: dict[str, Any] = {}  # id -> Check | ScalingCheck


def register(check: Any) -> Any:
    """Register a Check or a ScalingCheck; ids are unique across both kinds."""
    if check.id in REGISTRY and REGISTRY[check.id] is not check:
        raise ValueError(f"{check.id} is registered twice")
    REGISTRY[check.id] = check
    return check


def load_all(kind: str | None = "check") -> dict[str, Any]:
    """Import every check module of this package, of checks/scaling and of installed plugins
    (checks.plugins; each registers itself); return those of `kind` ('check', 'scaling', or None
    for both), checks ordered thm/cor, then lem, then the rest."""
    pkg = importlib.import_module(__package__)
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith(("thm", "cor", "lem")):
            importlib.import_module(f"{__package__}.{mod.name}")
    sub = importlib.import_module(f"{__package__}.scaling")
    for mod in pkgutil.iter_modules(sub.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__package__}.scaling.{mod.name}")
    load_plugins(register, REGISTRY)
    items = [(k, v) for k, v in REGISTRY.items() if kind is None or v.kind == kind]
    return dict(sorted(items, key=lambda kv: _order(kv[1])))


def _order(c: Any) -> tuple:
    cid = c.family if c.kind == "scaling" else c.id
    kind = {"thm": 0, "cor": 0, "lem": 1}.get(cid[:3], 2)
    return (c.kind == "scaling", kind, cid.replace("cor", "thm"))


def get_check(cid: str) -> Check:
    reg = load_all()
    if cid not in reg:
        if cid in load_all("scaling"):
            raise ConfigError("result", f"{cid!r} is a scaling check: run it with `theorycheck scaling {cid}`")
        raise ConfigError("result", f"unknown result id {cid!r}; known: {', '.join(reg)}")
    return reg[cid]


def get_scaling(cid: str, param: str | None = None) -> ScalingCheck:
    """A scaling check by id (FAMILY@PARAM), or by family and parameter (param None: the family's
    first ladder). Unknown ids and parameters raise ConfigError naming them."""
    reg = load_all("scaling")
    if not isinstance(cid, str) or not cid.strip():
        raise ConfigError("check_id", f"give a scaling check id; known: {', '.join(reg)}")
    if param is not None and (not isinstance(param, str) or not param.strip()):
        raise ConfigError("param", f"an empty parameter name is not a ladder (got {param!r})")
    if cid in reg:
        chk = reg[cid]
        if param is not None and param != chk.param:
            raise ConfigError(
                param, f"{cid} varies {chk.param}, not {param}; other ladders: {_family_ladders(chk.family)}"
            )
        return chk
    family = [c for c in reg.values() if c.family == cid]
    if not family:
        known = ", ".join(reg)
        raise ConfigError("check_id", f"unknown scaling check {cid!r}; known: {known} (or a family: {_families(reg)})")
    if param is None:
        return family[0]
    for c in family:
        if c.param == param:
            return c
    raise ConfigError(param, f"{cid} has no ladder in {param}; it varies: {_family_ladders(cid)}")


def _families(reg: dict) -> str:
    return ", ".join(dict.fromkeys(c.family for c in reg.values()))


def _family_ladders(family: str) -> str:
    return ", ".join(c.param for c in load_all("scaling").values() if c.family == family)
