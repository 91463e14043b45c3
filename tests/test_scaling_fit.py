"""The exponent fitter and the transition search on synthetic data with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations import ConfigError
from theorycheck.judge.slopes import decide_slope, fit_slope
from theorycheck.studies.search import Bisection, ladder, parse_ladder


def synthetic(exponent: float, noise: float, points: int = 5, decades: float = 1.5, seeds: int = 3, seed: int = 0):
    """Transitions y = 0.3 · x^exponent · exp(noise · N(0,1)) along a log ladder."""
    rng = np.random.default_rng(seed)
    x = ladder(0.01, 0.01 * 10**decades, points)
    y = [[0.3 * xi**exponent * math.exp(noise * rng.standard_normal()) for _ in range(seeds)] for xi in x]
    return x, y


@given(e=st.floats(-3, 3), noise=st.floats(0, 0.15), seed=st.integers(0, 10_000))
@settings(max_examples=40)
def test_a_known_exponent_is_recovered(e, noise, seed):
    x, y = synthetic(e, noise, seed=seed)
    fit = fit_slope(x, y)
    assert fit.lo - 1e-9 <= e <= fit.hi + 1e-9 or abs(fit.slope - e) < 3 * noise  # 95% interval (rare misses)
    verdict, _ = decide_slope(fit, e, tol=0.25)
    assert verdict == "consistent"


@given(e=st.floats(-2, 2), wrong=st.floats(0.8, 3), sign=st.sampled_from([-1, 1]), seed=st.integers(0, 10_000))
@settings(max_examples=30)
def test_a_wrong_prediction_is_violated(e, wrong, sign, seed):
    x, y = synthetic(e, 0.05, seed=seed)
    verdict, reason = decide_slope(fit_slope(x, y), e + sign * wrong, tol=0.25)
    assert verdict == "violated", reason


def test_a_short_or_narrow_ladder_is_inconclusive():
    x, y = synthetic(1.0, 0.05, points=2)
    assert decide_slope(fit_slope(x, y), 1.0, 0.25)[0] == "inconclusive"
    x, y = synthetic(1.0, 0.3, points=3, decades=0.1, seeds=2)  # 26% range, noisy: the interval is huge
    v, reason = decide_slope(fit_slope(x, y), 1.0, 0.25)
    assert v == "inconclusive" and "cannot decide" in reason


def test_dropped_measurements_are_counted():
    fit = fit_slope([1, 2, 4, 8], [[1, float("nan")], [2, 2], [4, -1], [8, 8]])
    assert fit.dropped == 2 and fit.measurements == 6 and fit.slope == pytest.approx(1.0)


@given(threshold=st.floats(1e-4, 1.0), guess_off=st.floats(0.2, 5.0))
@settings(max_examples=30)
def test_bisection_brackets_a_threshold(threshold, guess_off):
    s = Bisection({"a": threshold * guess_off}, span=100, grid=7, rounds=4)
    while probes := s.propose():
        s.observe({("a", v): v < threshold for v in probes["a"]})
    est, lo, hi, status = s.result("a")
    assert status == "found" and lo <= threshold <= hi and hi / lo <= (100 ** (1 / 6)) ** (1 / 2**4) * 1.0001
    assert est == pytest.approx(math.sqrt(lo * hi))


def test_bisection_reports_censored_series():
    s = Bisection({"up": 1.0, "down": 1.0}, span=10, grid=3, rounds=2)
    while probes := s.propose():
        s.observe({(k, v): k == "up" for k, vs in probes.items() for v in vs})
    assert s.result("up")[3] == "above" and s.result("down")[3] == "below"
    assert math.isnan(s.result("up")[0])


@pytest.mark.parametrize(
    "text,rule",
    [
        ("1:2:2", "at least 3"),
        ("2:1:5", "LO < HI"),
        ("0:1:5", "positive"),
        ("1,2", "at least 3"),
        ("a:b:c", "expected"),
        ("1,1,2", "distinct"),
        ("", "empty"),
        ("  ", "empty"),
        ("0.02:0.1:1000000", "at most 32"),
        (",".join(str(i + 1) for i in range(33)), "at most 32"),
        ("1:inf:3", "finite"),
        ("1,2,inf", "finite"),
    ],
)
def test_bad_ladders(text, rule):
    with pytest.raises(ConfigError, match=rule) as e:
        parse_ladder("sigma_0", text)
    assert e.value.param == "sigma_0"
