"""The studies behind `theorycheck reproduce` and `theorycheck mechanism`: the App. D.2 cells
(studies.reproduce), the reading audit (studies.audit) and cheaper-preset comparisons, grouped
into one `Study` with the command line that reproduces it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from simulations import PRESETS, ConfigError

from ..engine.plan import Plan
from ..judge.verdicts import Tolerances
from .audit import ARMS, REGIMES, audit_plans, mechanism_plans
from .reproduce import cell_plans
from .study import Study, flag

if TYPE_CHECKING:
    from ..judge.verdicts import Judgement

AUDIT_CELLS = ("all", "tables")  # audit every App. D.2 cell, or only Tables 1-2's four


def reproduce_study(
    preset_name: str,
    overrides: dict,
    seeds: Sequence[int],
    tol: Tolerances | None = None,
    audit_presets: Sequence[str] = (),
    arms: Sequence[str] | None = None,
    audit_cells: str = "all",
    compare_presets: Sequence[str] = (),
    out: str | None = None,
) -> Study:
    """Everything `theorycheck reproduce` runs, grouped: 'cells' (the eight App. D.2 cells at the
    report's preset), 'audit/<preset>/<reading>' per audited preset and reading arm, and
    'compare/<preset>' per cheaper preset (default reading). Every plan is built (validated) here."""
    for name, vals in (("audit-preset", audit_presets), ("compare-preset", compare_presets)):
        for v in vals:
            if v not in PRESETS:
                raise ConfigError(name, f"must be 'none' or one of {tuple(PRESETS)}, got {v!r}")
    if audit_cells not in AUDIT_CELLS:
        raise ConfigError("audit-cells", f"must be one of {AUDIT_CELLS}, got {audit_cells!r}")
    arm_list = list(arms) if arms else list(ARMS)
    groups: dict[str, tuple[Plan, ...]] = {"cells": tuple(cell_plans(preset_name, overrides, seeds, tol))}
    for a in audit_presets:
        for arm, ps in audit_plans(a, overrides, seeds, arm_list, tol).items():
            keep = [p for p in ps if audit_cells == "all" or p.ref in ("Table 1", "Table 2")]
            groups[f"audit/{a}/{arm}"] = tuple(keep)
    for c in compare_presets:
        groups[f"compare/{c}"] = tuple(cell_plans(c, overrides, seeds, tol))
    command = groups["cells"][0].context.command("reproduce")
    command += flag("audit-preset", list(audit_presets), []) + flag("compare-preset", list(compare_presets), [])
    command += flag("arms", list(arms) if arms else None, None) + flag("audit-cells", audit_cells, "all")
    command += flag("out", out, None)
    return Study("reproduce", groups, command)


def audits(study: Study, js: dict[str, list[Judgement]]) -> list[tuple[str, dict[str, list[Judgement]]]]:
    """The audit groups of a reproduce study as [(preset, {reading: judgements})], in order."""
    out: dict[str, dict[str, list[Judgement]]] = {}
    for g, j in js.items():
        if g.startswith("audit/"):
            _, p, arm = g.split("/", 2)
            out.setdefault(p, {})[arm] = j
    return list(out.items())


def compares(js: dict[str, list[Judgement]]) -> list[tuple[str, list[Judgement]]]:
    return [(g.split("/", 1)[1], j) for g, j in js.items() if g.startswith("compare/")]


def mechanism_study(
    preset_name: str,
    overrides: dict,
    seeds: Sequence[int],
    arms: Sequence[str] | None = None,
    regimes: Sequence[str] = ("large",),
    tol: Tolerances | None = None,
    out: str | None = None,
) -> Study:
    """Everything `theorycheck mechanism` runs: one group per reading arm."""
    bad = [r for r in regimes if r not in REGIMES]
    if not regimes or bad:
        raise ConfigError("regimes", f"must be a comma-separated subset of {REGIMES}, got {','.join(regimes)!r}")
    by_arm = mechanism_plans(preset_name, overrides, seeds, arms, regimes, tol)
    first = next(iter(by_arm.values()))[0]
    command = first.context.command("mechanism") + flag("regimes", list(regimes), ["large"])
    command += flag("arms", list(arms) if arms else None, None) + flag("out", out, None)
    return Study("mechanism", {a: tuple(ps) for a, ps in by_arm.items()}, command)
