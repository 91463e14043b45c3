"""Batch-size scaling checks (checks/scaling/batch.py): the divisor probe of studies.scaling, its
bookkeeping, the B* quantities bounds derives, and the gating a B probe keeps."""

from __future__ import annotations

import math

import pytest

from bounds import scaling as bscaling
from theorycheck import Session, Store
from theorycheck.checks.registry import ScalingCheck, Series, load_all
from theorycheck.checks.scaling import batch
from theorycheck.studies.scaling import DivisorSearch, make_request, run_scaling

BATCH_IDS = ("thm4.1-4.2@n", "thm4.4-4.5@sigma_p", "thm4.4-4.5@n", "thm4.5-floor@lam", "lemC.2@beta2")


def test_the_batch_checks_are_registered_with_bounds_exponents():
    reg = load_all("scaling")
    assert set(BATCH_IDS) <= set(reg)
    at = {"n": 96.0, "s": 12.0, "sigma_p": 2.0, "lam": 0.1, "eps": 1e-8}
    assert bscaling.exponent("adam_critical_batch", "n").at(at).value == pytest.approx(1.0)
    assert bscaling.exponent("adamw_critical_batch", "sigma_p").at(at).value == pytest.approx(-1.0)
    assert bscaling.exponent("adamw_critical_batch", "n").at({**at, "sigma_p": 1 / 6}).value == pytest.approx(0.5)
    assert bscaling.exponent("adamw_race_batch", "n").at({**at, "sigma_p": 1 / 6}).value == pytest.approx(1.0)
    assert bscaling.exponent("adamw_floor_batch", "lam").at(at).value == pytest.approx(0.5)
    assert bscaling.exponent("faded_critical_batch", "beta2").at({**at, "beta2": 0.1}).value == pytest.approx(
        1 / math.log(0.1)
    )
    for cid in BATCH_IDS:
        c = reg[cid]
        assert c.probe == "B" and (c.controls or c.control_note)


def test_divisor_search_keeps_undecided_probes_and_reports_the_bracket():
    s = DivisorSearch({"a": 48, "b": 12}, b_min=1, rounds=8)
    truth = {"a": lambda B: "G" if B <= 6 else ("U" if B == 8 else "M"), "b": lambda B: "G"}
    while probes := s.propose():
        s.observe({(k, v): truth[k](round(v)) for k, vs in probes.items() for v in vs})
    est, lo, hi, status = s.result("a")
    assert (lo, hi, status) == (6.0, 12.0, "found") and est == pytest.approx(math.sqrt(72))
    assert s.bstar("a").between == (8,)  # read neither side: kept, never forced
    est, lo, hi, status = s.result("b")
    assert status == "above" and math.isnan(est) and lo == 12.0


def _toy(**kw: object) -> ScalingCheck:
    """A B probe whose read is synthetic (B* = n/4 exactly), on one-epoch runs: the plumbing alone."""
    fields = dict(
        family="toy-bstar",
        param="n",
        ladder="16,32,64",
        result="thm4.2",
        ref="test",
        title="toy",
        doc="toy",
        preset="tiny",
        overrides={"sigma_0": 0.1, "eps": 1e-8, "n_test": 20, "d": 1000},
        series=(Series(name="adam", fields={"optimizer": "adam"}, quantity="adam_critical_batch"),),
        point=lambda b, tol: {"epochs": 1, "record_every": 1},
        probe="B",
        outcome=lambda r, tol: "G" if r.config.B <= r.config.n // 4 else "M",
        control_note="toy",
        rounds=8,
        b_min=1,
    )
    return ScalingCheck(**{**fields, **kw})  # type: ignore[arg-type]


def test_b_probe_brackets_on_divisors_fits_with_the_bracket_width_and_reuses_the_store(tmp_path):
    store = Store(str(tmp_path / "s.sqlite"))
    req = make_request(_toy(), seeds=(0, 1))
    (j,) = run_scaling([req], Session(store, executor="inline"))
    sr = j.series[0]
    assert all(st == ["found", "found"] for st in sr.statuses)
    # B* between n/4 and the next divisor: the estimates double with n, the slope is 1 exactly
    assert sr.fit.slope == pytest.approx(1.0, abs=1e-9)
    assert sr.fit.hi - sr.fit.lo > 0.1  # the bracket width widens the interval (zero residuals otherwise)
    (j2,) = run_scaling([make_request(_toy(), seeds=(0, 1))], Session(store, executor="inline"))
    assert j2.cost["computed"] == 0 and j2.series[0].values == sr.values


def test_b_probe_reads_neither_side_without_forcing_it():
    """A read of 'U' everywhere above the smallest B: no bracket closes, nothing is fitted."""
    chk = _toy(outcome=lambda r, tol: "G" if r.config.B == 1 else "U")
    (j,) = run_scaling([make_request(chk, seeds=(0,))], Session(Store(":memory:"), executor="inline"))
    assert all(st == ["above"] for st in j.series[0].statuses) and j.series[0].fit.points == 0


def test_b_probe_configs_carry_the_probe_and_its_budget():
    req = make_request("thm4.4-4.5@sigma_p", seeds=(0,))
    s = req.series("regime")[0]
    small, large = req.config(0, s, 0, 2.0), req.config(0, s, 0, 96.0)
    assert (small.B, large.B) == (2, 96) and small.steps > large.steps  # the budget follows B
    with pytest.raises(Exception) as e:
        make_request("thm4.4-4.5@sigma_p", seeds=(0,), overrides={"B": 4})
    assert getattr(e.value, "param", None) == "B"


def test_b_probe_gating_drops_what_b_moves_across():
    req = make_request("thm4.1-4.2@n", seeds=(0,))
    from theorycheck.judge.gating import mechanism_hypotheses, regime_hypotheses
    from theorycheck.studies.scaling import _b_free

    s = req.series("regime")[0]
    cfg = req.base(0, s)
    hs = regime_hypotheses("thm4.2", cfg, req.ctx.tol) + mechanism_hypotheses("thm4.2", cfg, req.ctx.tol)
    kept = _b_free(hs, "thm4.2", req, 0, s)
    names = {h.name for h in kept}
    assert not any("batch regime" in x or "faded_moments" in x for x in names)
    assert any("λ window" in x for x in names)  # λ's hypotheses do not depend on B: kept


def test_the_probe_budget_is_the_phase_cells():
    from theorycheck.studies.phase import budget

    req = make_request("thm4.4-4.5@n", seeds=(0,))
    for s in req.series("regime")[:2]:
        for B in (1, 4, 24):
            cfg = req.config(0, s, 0, float(B))
            assert batch.cell_budget(cfg, req.ctx.tol) == budget(cfg, B, req.ctx.tol, (cfg.optimizer,))
