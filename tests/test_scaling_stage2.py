"""AdamW's Stage-II λ ladders (checks/scaling/stage2.py): predictions read from bounds, the
convergence budget and per-point gating, the appendix readings side by side."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from bounds import scaling as bscaling
from theorycheck.api import check_scaling
from theorycheck.checks.registry import load_all
from theorycheck.checks.scaling.stage2 import converged
from theorycheck.studies.scaling import make_request
from theorycheck.vocab import Tolerances

SCALING = load_all("scaling")
IDS = ("lemC.18@lam", "lemC.14-noise@lam")


def test_the_appendix_readings_come_from_bounds_and_are_scored_only_where_a_slope_is_stated():
    for cid in IDS:
        c = SCALING[cid]
        c_series = [s for s in c.series if "[lemC" in s.quantity]
        b_series = [s for s in c.series if "[lemB" in s.quantity]
        assert len(c_series) == len(b_series) == 1 and b_series[0].diagnostic
        assert bscaling.exponent(c_series[0].quantity, "lam", strict=False).at({}).value == 0
        assert bscaling.exponent(b_series[0].quantity, "lam").at({}).value == pytest.approx(-1.0)
    assert str(bscaling.get_quantity("stage2_feature[lemB.8]").expr) == "1/lambda"  # B.8's -1/λ, its size
    # mini-batch: λ's window spans x1000, so C.18's slope 0 is scored; large batch: the window is λ = Θ~(1),
    # so C.14 is scored as stated (a Θ~(1) level per point) and both slopes are diagnostics
    assert not SCALING["lemC.18@lam"].series[0].diagnostic and SCALING["lemC.18@lam"].control_note
    c14 = SCALING["lemC.14-noise@lam"]
    assert all(s.diagnostic for s in c14.series) and c14.claims is not None
    assert [s.fields["optimizer"] for s in c14.controls] == ["adam"]


def test_the_stated_level_claim_fails_off_the_band():
    base = SimpleNamespace(lam=1.0, n=100)
    run = SimpleNamespace(trajectory={"noise_max": np.array([0.2, 3e-4])})
    (claim,) = SCALING["lemC.14-noise@lam"].claims([[run, run]], [base], Tolerances())
    assert claim.status == "violated"


def test_each_point_trains_to_its_theorems_convergence_budget():
    r = make_request("lemC.14-noise@lam", seeds=(0,))
    reg, ctl = r.check.series[0], r.check.controls[0]
    big, adam = r.base(0, reg), r.base(0, ctl)
    assert (big.B, big.steps) == (50, 6668) and (adam.B, adam.steps, adam.optimizer) == (50, 6668, "adam")
    assert {r.base(i, reg).lam for i in range(3)} == {1.0, 2.0, 4.0}
    assert make_request("lemC.18@lam", seeds=(0,)).base(0, SCALING["lemC.18@lam"].series[0]).steps == 20000


def _run(values: list[float]) -> SimpleNamespace:
    steps = np.linspace(0, 300, len(values))
    return SimpleNamespace(trajectory={"step": steps, "noise_max": np.array(values)})


def test_a_point_still_moving_is_not_converged():
    hyp = converged(lambda r: r.trajectory["noise_max"], "noise_max")
    base = SimpleNamespace(lam=0.5, steps=300)
    flat, moving = _run([0.0, 1.0, 2.0, 2.0, 2.0, 2.0]), _run([0.0, 1.0, 2.0, 2.0, 2.5, 3.0])
    (ok,), (bad,) = hyp([[flat, flat]], [base], Tolerances()), hyp([[flat, moving]], [base], Tolerances())
    assert ok.holds and ok.gating and ok.kind == "horizon"
    assert not bad.holds and "0.167" in bad.detail and bad.fix.startswith("--tol horizon=")


@pytest.mark.slow
def test_mini_batch_feature_level_does_not_move_with_lambda():
    j = check_scaling("lemC.18@lam", seeds=(0, 1))
    c18, b11 = j.series
    assert j.verdict == "consistent", j.reason
    assert abs(c18.fit.slope) < 0.25 and b11.diagnostic and b11.verdict == "violated"
    assert any(h.name.endswith("converged") and h.holds for h in j.hypotheses)
