"""The public contract (theorycheck.testing) over every registered check: the structural clauses
run here without a simulation; the simulated clauses run in tests/test_theorycheck.py's shared
judgement of the whole registry."""

import pytest

from simulations import ConfigError
from theorycheck.checks.registry import Check, get_check
from theorycheck.testing import CLAUSES, STRUCTURAL, ContractError, check_contract, parametrize_with_checks

KNOWN: dict[tuple[str, str], str] = {}  # (check, clause) -> why it is a known breach (strict xfail)


@parametrize_with_checks()
def test_structural_contract(check, clause, request):
    why = KNOWN.get((check.id, clause.name))
    if why:
        request.applymarker(pytest.mark.xfail(reason=why, strict=True, raises=ContractError))
    clause(check)


def test_a_broken_check_names_the_clause():
    good = get_check("thm4.1")
    lazy = Check(good.id, good.ref, good.title, good.arms, good.rule, "no plan, rule or control stated")
    with pytest.raises(ContractError, match="clause 'documented'"):
        check_contract(lazy, simulate=False)
    # a control that reruns the regime arm shows nothing
    same = Check(good.id, good.ref, good.title, good.arms, good.rule, good.doc, control=good.arms)
    with pytest.raises(ContractError, match="clause 'control differs'"):
        CLAUSES["control differs"](same)


def test_clauses_are_named_and_structural_ones_are_cheap():
    assert {"documented", "plan builds", "control differs", "identity refused"} <= set(STRUCTURAL)
    assert all(not CLAUSES[n].simulated for n in STRUCTURAL)
    with pytest.raises(ConfigError):
        check_contract("nope", simulate=False)
