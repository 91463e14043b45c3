"""AdamW's Stage-I gains per epoch (checks/scaling/rates.py): B.6/C.12's noise gain along σp, with the
SGD control, and B.10/C.17's feature gain along B at fixed n."""

from __future__ import annotations

import pytest

from bounds import scaling as bscaling
from theorycheck.api import check_scaling
from theorycheck.checks.registry import load_all
from theorycheck.studies.scaling import make_request

SCALING = load_all("scaling")


def test_rates_are_read_per_epoch_against_bounds_exponents():
    assert bscaling.get_quantity("adamw_noise_rate").unit == "per epoch"
    assert bscaling.exponent("adamw_feature_rate", "B").at({}).value == pytest.approx(-1.0)
    r = make_request("lemC.17@B", seeds=(0,))
    s = r.check.series[0]
    cfgs = [r.base(i, s) for i in range(3)]
    assert [c.B for c in cfgs] == [1, 2, 4] and all(c.n % c.B == 0 for c in cfgs)
    assert all(c.record_every == c.n // c.B for c in cfgs)  # one record per epoch
    assert SCALING["lemC.17@B"].control_note and not SCALING["lemC.17@B"].controls
    r = make_request("lemC.12@sigma_p", seeds=(0,))
    adamw, sgd = r.base(0, r.check.series[0]), r.base(0, r.check.controls[0])
    assert adamw.B == adamw.n // 2 and sgd.lam < adamw.lam  # each optimizer's λ inside its own window


def test_large_batch_adamw_noise_gain_per_epoch_is_linear_in_sigma_p():
    j = check_scaling("lemC.12@sigma_p")  # 3 seeds: with 2 the SGD fit is too wide to decide
    (adamw,), (sgd,) = j.series, j.controls
    assert adamw.verdict == "consistent" and abs(adamw.fit.slope - 1) < 0.2, adamw.reason
    assert sgd.verdict == "violated" and sgd.fit.slope > 2  # SGD: ~σp^{q+1}
    assert j.verdict == "consistent" and "negative control fails (sgd: violated)" in j.reason


def test_mini_batch_adamw_feature_gain_per_epoch_falls_like_one_over_b():
    j = check_scaling("lemC.17@B", seeds=(0, 1))
    (s,) = j.series
    assert s.fit.slope < -0.5 and j.verdict in ("consistent", "inconclusive"), j.reason
