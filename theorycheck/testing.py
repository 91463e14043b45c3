"""The public contract every registered check must meet, for this package's checks and for
checks added from outside it (in the manner of scikit-learn's `parametrize_with_checks`).

The contract is split into named clauses, so a failure names the clause it broke. The
structural clauses need no simulation and run in milliseconds; the simulated ones judge the
check at a preset (default: the package's default preset) and are cached per request.

    # in a plugin's test suite
    from theorycheck.testing import parametrize_with_checks

    @parametrize_with_checks(["mycheck1"], simulate=True)
    def test_contract(check, clause):
        clause(check)

    # or directly
    from theorycheck.testing import check_contract
    check_contract("thm4.1", simulate=False)        # raises ContractError naming the clause
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from simulations import ConfigError

from .checks.registry import Check, get_check, load_all
from .engine.session import Session
from .engine.store import Store
from .judge.judge import judge
from .judge.verdicts import Judgement

CONTRACT_PRESET = "smoke"  # the package's default preset: `theorycheck check` uses it
CONTRACT_SEEDS = (0,)


class ContractError(AssertionError):
    """A check broke a clause of the contract; the message starts with the check and the clause."""


@dataclass(frozen=True)
class Clause:
    name: str
    doc: str
    simulated: bool
    fn: Callable[[Check, str, Sequence[int]], None]

    def __call__(
        self, check: Check | str, preset: str = CONTRACT_PRESET, seeds: Sequence[int] = CONTRACT_SEEDS
    ) -> None:
        chk = get_check(check) if isinstance(check, str) else check
        try:
            self.fn(chk, preset, tuple(seeds))
        except ContractError:
            raise
        except AssertionError as e:
            raise ContractError(f"{chk.id}: clause '{self.name}' ({self.doc}): {e}") from None

    def __repr__(self) -> str:  # pytest ids
        return self.name


CLAUSES: dict[str, Clause] = {}


def clause(name: str, doc: str, simulated: bool = False) -> Callable:
    def deco(fn: Callable[[Check, str, Sequence[int]], None]) -> Callable:
        CLAUSES[name] = Clause(name, doc, simulated, fn)
        return fn

    return deco


def _need(ok: bool, msg: Any) -> None:
    if not ok:
        raise AssertionError(msg)


# ---- structural clauses: no simulation ------------------------------------------------------------
@clause("documented", "cites a numbered result and states its Plan, Rule and Control")
def _documented(chk: Check, preset: str, seeds: Sequence[int]) -> None:
    _need(bool(chk.id) and " " not in chk.id, f"id must be one word, got {chk.id!r}")
    _need(any(w in chk.ref for w in ("Theorem", "Corollary", "Lemma", "Figure", "Table")), f"ref {chk.ref!r}")
    missing = [w for w in ("Plan", "Rule", "Control") if w not in chk.doc]
    _need(not missing, f"the docstring must state its {', '.join(missing)}")


@clause("plan builds", "the plan builds at the preset with one config per seed in every arm")
def _plan_builds(chk: Check, preset: str, seeds: Sequence[int]) -> None:
    plan = chk.plan(preset, seeds=seeds)
    names = [a.name for a in plan.arms]
    _need(len(set(names)) == len(names), f"arm names repeat: {names}")
    _need(any(a.role == "regime" for a in plan.arms), "no regime arm")
    for a in plan.arms:
        _need(len(a.configs) == len(seeds), f"arm {a.name!r} has {len(a.configs)} configs for {len(seeds)} seeds")
        _need([c.seed for c in a.configs] == list(seeds), f"arm {a.name!r} seeds {[c.seed for c in a.configs]}")
    _need(plan.command.startswith(f"theorycheck check {chk.id} --preset {preset}"), plan.command)


@clause("control differs", "has a negative control, and no control arm reruns the regime arm it stands in for")
def _control_differs(chk: Check, preset: str, seeds: Sequence[int]) -> None:
    """A control arm is read by the rule under the name of the regime arm it controls; if it holds
    that arm's own configs, the rule sees the regime again and the control shows nothing. (A control
    may reuse another regime arm's runs: feeding the large-batch runs to a rule that predicts the
    mini-batch outcome is a real control of a per-arm rule.)"""
    _need(chk.control is not None, "every check has a negative control")
    plan = chk.plan(preset, seeds=seeds)
    controls = [a for a in plan.arms if a.role == "control"]
    _need(bool(controls), "the plan has no control arm")
    same = [a.name for a in controls if set(a.configs) & set(plan.arm(a.controls or "").configs)]
    _need(not same, f"control arm(s) rerun the regime arm they stand in for: {same}")


@clause("identity refused", "a --set of the optimizer or batch size it is about is refused, naming it")
def _identity_refused(chk: Check, preset: str, seeds: Sequence[int]) -> None:
    plan = chk.plan(preset, seeds=seeds)
    opt = plan.arms[0].configs[0].optimizer
    other = "sgd" if opt != "sgd" else "adam"
    try:
        chk.plan(preset, {"optimizer": other}, seeds)
    except ConfigError as e:
        _need(e.param == "optimizer", f"refused, but naming {e.param!r}")
        return
    raise AssertionError(f"--set optimizer={other} was accepted")


# ---- simulated clauses: the check judged at the preset ---------------------------------------------
_CACHE: dict[tuple, Judgement] = {}


def judged(chk: Check, preset: str = CONTRACT_PRESET, seeds: Sequence[int] = CONTRACT_SEEDS) -> Judgement:
    """The check's judgement at (preset, seeds), computed once per process (in-memory store)."""
    key = (chk.id, preset, tuple(seeds))
    if key not in _CACHE:
        plan = chk.plan(preset, seeds=seeds)
        _CACHE[key] = judge(plan, Session(Store(":memory:"), executor="inline").run(plan))
    return _CACHE[key]


@clause("inside regime", "at the preset, gated by its result's hypotheses and mechanism, and none is missed", True)
def _inside(chk: Check, preset: str, seeds: Sequence[int]) -> None:
    r = judged(chk, preset, seeds)
    _need(any(h.gating and h.kind == "regime" for h in r.hypotheses), "not gated by the result's own hypotheses")
    _need(any(h.gating and h.kind == "mechanism" for h in r.hypotheses), "not gated by the mechanism conditions")
    missed = [h.name for h in r.hypotheses if h.gating and not h.holds]
    _need(not missed, f"the preset must put the check inside its regime; misses: {missed}")


@clause("passes on its regime", "every claim holds on every seed and the verdict is consistent", True)
def _passes(chk: Check, preset: str, seeds: Sequence[int]) -> None:
    r = judged(chk, preset, seeds)
    _need(bool(r.claims) and all(c.status == "consistent" for c in r.claims), [(c.name, c.values) for c in r.claims])
    _need(r.verdict == "consistent" and r.exit_code == 0, f"{r.verdict}: {r.reason}")
    json.dumps(r.to_dict(), allow_nan=False)


@clause("fails on its control", "the same rule fails on the negative control on every seed", True)
def _fails(chk: Check, preset: str, seeds: Sequence[int]) -> None:
    r = judged(chk, preset, seeds)
    _need(bool(r.controls), "the control's outcome is missing from the evidence")
    n = len(r.controls[0].passes)
    _need(
        all(not all(c.passes[s] for c in r.controls) for s in range(n)),
        [(c.name, c.values) for c in r.controls],
    )


STRUCTURAL = tuple(n for n, c in CLAUSES.items() if not c.simulated)
SIMULATED = tuple(n for n, c in CLAUSES.items() if c.simulated)


def check_contract(
    check: Check | str,
    simulate: bool = True,
    preset: str = CONTRACT_PRESET,
    seeds: Sequence[int] = CONTRACT_SEEDS,
) -> list[str]:
    """Run every clause (the structural ones only with simulate=False); return the clause names
    passed, raise ContractError at the first one broken."""
    names = STRUCTURAL + (SIMULATED if simulate else ())
    for n in names:
        CLAUSES[n](check, preset, seeds)
    return list(names)


def contract_cases(checks: Iterable[Check | str] | None = None, simulate: bool = False) -> list[tuple[Check, Clause]]:
    """(check, clause) pairs for every registered check (or the ones given)."""
    chks = (
        [get_check(c) if isinstance(c, str) else c for c in checks] if checks is not None else list(load_all().values())
    )
    names = STRUCTURAL + (SIMULATED if simulate else ())
    return [(c, CLAUSES[n]) for c in chks for n in names]


def parametrize_with_checks(checks: Iterable[Check | str] | None = None, simulate: bool = False) -> Any:
    """A pytest decorator: one test per (check, clause), ids 'CHECK-CLAUSE'."""
    import pytest

    cases = contract_cases(checks, simulate)
    return pytest.mark.parametrize(("check", "clause"), cases, ids=[f"{c.id}-{k.name}" for c, k in cases])
