"""B* on the divisor lattice: the bisection's bookkeeping (in-between divisors kept, never forced
to a side; the bracket's width carried), and the search through the Session and the store."""

from __future__ import annotations

import math

import pytest

from simulations import ConfigError
from theorycheck import Session, Store
from theorycheck.judge.verdicts import Tolerances
from theorycheck.studies.batch_search import DivisorBisection, batch_transition


def search(n, truth, **kw):
    s = DivisorBisection(n, **kw)
    asked = []
    while probes := s.propose():
        asked += probes
        s.observe({B: truth(B) for B in probes})
    return s.result(), asked


def test_bisection_brackets_the_transition_and_keeps_the_cells_in_between():
    r, asked = search(100, lambda B: "G" if B <= 10 else ("U" if B < 25 else "M"))
    assert (r.status, r.lo, r.hi, r.between) == ("found", 10, 25, (20,))
    assert r.width == 2.5 and r.estimate == pytest.approx(math.sqrt(250))
    assert len(asked) == len(set(asked)) == 7  # of the 8 divisors from 2 to 100, 4 is never needed
    assert 4 not in asked


def test_a_sharp_transition_is_found_between_adjacent_divisors():
    r, asked = search(120, lambda B: "G" if B < 24 else "M")
    lattice = [b for b in range(2, 121) if 120 % b == 0]
    assert (r.status, r.lo, r.hi, r.between) == ("found", 20, 24, ())
    assert lattice.index(24) == lattice.index(20) + 1
    assert len(asked) < len(lattice)


def test_no_flip_and_a_non_monotone_read_are_reported_not_bracketed():
    assert search(100, lambda B: "G")[0].status == "above"
    assert search(100, lambda B: "M")[0].status == "below"
    assert search(100, lambda B: "U")[0].status == "below"
    # an end that reads neither does not stop the search: the flip inside is still bracketed
    r, _ = search(100, lambda B: "G" if B <= 10 else ("M" if B < 100 else "U"))
    assert (r.status, r.lo, r.hi) == ("found", 10, 20)
    r, _ = search(100, lambda B: "G" if B <= 10 else "U")
    assert (r.status, r.lo, r.hi) == ("above", 10, None)
    noisy = DivisorBisection(100)
    noisy.observe({2: "M", 100: "G"})
    assert noisy.propose() == [] and noisy.result().status == "noisy"
    with pytest.raises(ConfigError):
        DivisorBisection(7, lo=2)  # one divisor (7) in range: nothing to bisect


def test_the_search_runs_through_the_store_and_a_rerun_computes_nothing(tmp_path):
    tol = Tolerances(horizon=1.0)
    store = Store(str(tmp_path / "s.sqlite"))
    first_session = Session(store)
    r, js = batch_transition(first_session, "adam", 1e-5, "tiny", None, (0,), tol)
    assert r.status in ("found", "above", "below", "noisy", "open")
    assert {j.meta["B"] for j in js} == set(r.probes)
    computed = sum(s.computed for s in first_session.history)
    assert computed == len(js)  # one seed per probe
    again = Session(store)
    r2, _ = batch_transition(again, "adam", 1e-5, "tiny", None, (0,), tol)
    assert r2 == r and sum(s.computed for s in again.history) == 0
