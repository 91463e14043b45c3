"""bounds.convention: one numeric reading for every asymptotic relation, checked at its boundary.

Each row places a condition's lhs 1% inside and 1% outside the boundary the convention
gives (r = lhs/(c·x); Θ: 1/ρ <= r <= ρ, O: r <= ρ, Ω: r >= 1/ρ, o: r <= 1/ρ, ω: r >= ρ;
poly = ω(1); polylog = Ω(1) and O((log n)^k); "n/B = Θ(1)" read as O(1); "n/B >= Θ(x)" read
as Ω(x)), then checks ``holds`` and the miss factor (1 inside, 1.01 or 1/0.99 outside).
The boundaries are written out here from the convention's table, not taken from the code.
"""

import math

import pytest

import bounds
from bounds import DEFAULT_C, DEFAULT_K, DEFAULT_RHO, batch_regime, evaluate, lambda_window, paper_values
from bounds.convention import check_slack, interval, judge

BASE = paper_values("adam", B=2)
N = BASE["n"]
L = math.log(N)


# (condition, kind as read, parameter moved, value of that parameter at the boundary (c, k, ρ),
#  side: which bound it is, "upper" or "lower"; lhs is monotone increasing in the parameter
#  unless noted by `inverse`)
def _rows():
    s0, q, d = BASE["sigma_0"], BASE["q"], BASE["d"]
    return [
        ("sigma0_scaling", "Theta", "sigma_0", lambda c, k, r: r * c * d**-0.25, "upper", False),
        ("sigma0_scaling", "Theta", "sigma_0", lambda c, k, r: c * d**-0.25 / r, "lower", False),
        ("eta_O_d_half", "O", "eta", lambda c, k, r: r * c * d**-0.5, "upper", False),
        (
            "lam_adamw_lower",
            "Omega",
            "lam",
            lambda c, k, r: c * min(BASE["B"] ** 2 / N, 1) / (L**k * r),
            "lower",
            False,
        ),
        ("eta_o_sigma0_q1", "o", "eta", lambda c, k, r: c * s0 ** (q - 1) / r, "upper", False),
        ("lam_adam_stuck", "omega", "lam", lambda c, k, r: r * c * s0 ** (q - 2), "lower", False),
        ("eta_invpoly", "poly", "eta", lambda c, k, r: 1 / (r * c), "lower", True),  # lhs = 1/η
        ("m_polylog", "polylog", "m", lambda c, k, r: r * c * L**k, "upper", False),
        ("m_polylog", "polylog", "m", lambda c, k, r: c / r, "lower", False),
        # derived readings: n/B >= Θ(log 1/ε) is Ω; n/B = Θ(1) is O(1). lhs = n/B falls with B
        ("nB_ge_log_eps", "Omega", "B", lambda c, k, r: N / (c * math.log(1 / BASE["eps"]) / r), "lower", True),
        ("nB_theta1", "O", "B", lambda c, k, r: N / (r * c), "upper", True),
    ]


SLACKS = [(DEFAULT_C, DEFAULT_K, DEFAULT_RHO), (2.0, 2.0, 3.0), (0.5, 0.0, 10.0)]


@pytest.mark.parametrize("ckr", SLACKS)
@pytest.mark.parametrize("row", range(len(_rows())))
def test_boundary_plus_minus_one_percent(row, ckr):
    name, kind, param, at, side, inverse = _rows()[row]
    c, k, rho = ckr
    x0 = at(c, k, rho)
    for step, inside in ((0.99, True), (1.01, False)) if side == "upper" else ((1.01, True), (0.99, False)):
        lhs_factor = step  # the lhs moves by this factor
        x = x0 * (1 / lhs_factor if inverse else lhs_factor)
        v = dict(BASE, **{param: x})
        if param in ("lam", "eta"):
            v["eps"] = BASE["eps"]  # keep ε fixed: it only enters eps_scaling / log(1/ε)
        cv = evaluate(name, v, c, k, rho)
        assert cv.holds is inside, (name, side, step)
        if inside:
            assert cv.miss_factor == 1.0 and cv.side is None
        else:
            expect = 1.01 if side == "upper" else 1 / 0.99
            assert cv.miss_factor == pytest.approx(expect, rel=1e-9)
            assert cv.side == ("above" if side == "upper" else "below")
    read = bounds.CONDITIONS[name].numeric_kind
    assert read == kind


@pytest.mark.parametrize("kind", ["Theta", "O", "Omega", "o", "omega"])
@pytest.mark.parametrize("rho", [1.5, 4.0, 10.0])
def test_judge_table(kind, rho):
    scale = 3.0
    lo, hi = {
        "Theta": (scale / rho, scale * rho),
        "O": (None, scale * rho),
        "Omega": (scale / rho, None),
        "o": (None, scale / rho),
        "omega": (scale * rho, None),
    }[kind]
    assert interval(kind, scale, rho) == (lo, hi)
    for bound, is_hi in ((hi, True), (lo, False)):
        if bound is None:
            continue
        inside = judge(kind, bound * (0.99 if is_hi else 1.01), scale, rho)
        outside = judge(kind, bound * (1.01 if is_hi else 0.99), scale, rho)
        on = judge(kind, bound, scale, rho)
        assert inside.holds and on.holds and not outside.holds
        assert outside.miss_factor == pytest.approx(1.01 if is_hi else 1 / 0.99)
        assert inside.ratio == pytest.approx(bound * (0.99 if is_hi else 1.01) / scale)


@pytest.mark.parametrize("ckr", SLACKS)
def test_batch_regime_boundaries(ckr):
    """batch_regime decides with the same convention: thresholds ±1%."""
    c, k, rho = ckr
    v = paper_values("adamw", B=2)
    ssp, sqn, log_eps = v["s"] * v["sigma_p"], math.sqrt(N), math.log(1 / v["eps"])
    need = max(rho * c * ssp, rho * c * sqn, c * log_eps / rho)  # mini-batch AdamW
    for f, ok in ((1.01, True), (0.99, False)):
        b = batch_regime("thm4.5", dict(v, B=N / (need * f)), c, k, rho)
        assert b.holds is ok and b.min_n_over_B == pytest.approx(need)
        assert b.miss_factor == (1.0 if ok else pytest.approx(1 / 0.99))
    most = max(rho * c, c * ssp / rho)  # large-batch AdamW: Θ(1) or o(sσp)
    for f, ok in ((0.99, True), (1.01, False)):
        b = batch_regime("thm4.4", dict(v, B=N / (most * f)), c, k, rho)
        assert b.holds is ok and b.max_n_over_B == pytest.approx(most)
    need = c * math.log(1 / BASE["eps"]) / rho  # mini-batch Adam
    for f, ok in ((1.01, True), (0.99, False)):
        assert batch_regime("thm4.2", dict(BASE, B=N / (need * f)), c, k, rho).holds is ok


@pytest.mark.parametrize("ckr", SLACKS)
def test_lambda_window_boundaries(ckr):
    c, k, rho = ckr
    s0, sp_, q = BASE["sigma_0"], BASE["sigma_p"], BASE["q"]
    assert lambda_window("thm4.2", BASE, c, k, rho)[1] == pytest.approx(c * s0 ** (q - 2) * sp_ / (N * rho))
    assert lambda_window("cor4.3", BASE, c, k, rho)[0] == pytest.approx(rho * c * s0 ** (q - 2))
    lo, hi = lambda_window("thm4.5", paper_values("adamw", B=2), c, k, rho)
    assert lo == pytest.approx(c * min(4 / N, 1) / (L**k * rho)) and hi == pytest.approx(rho * c * L**k)
    for f, ok in ((0.99, True), (1.01, False)):
        assert (
            bounds.lambda_check("thm4.2", dict(BASE, lam=f * c * s0 ** (q - 2) * sp_ / (N * rho)), c, k, rho).holds
            is ok
        )


def test_check_slack_rules():
    check_slack(1.0, 0.0, 1.0)
    for args, name in (((0.0, 1.0, 4.0), "c"), ((1.0, -0.1, 4.0), "k"), ((1.0, 1.0, 0.9), "rho")):
        with pytest.raises(ValueError, match=f"^{name} must"):
            check_slack(*args)
    with pytest.raises(ValueError, match="kind"):
        interval("big", 1.0)
    with pytest.raises(ValueError, match="scale"):
        interval("O", 0.0)


def test_every_public_function_defaults_to_the_module_constants():
    import inspect

    for fn in (
        bounds.evaluate,
        bounds.evaluate_all,
        bounds.lambda_window,
        bounds.lambda_check,
        bounds.batch_regime,
        bounds.mechanism_check,
        bounds.predicted,
        bounds.lhs_interval,
        bounds.fix_value,
        bounds.lambda_orders,
    ):
        params = inspect.signature(fn).parameters
        for name, const in (("c", DEFAULT_C), ("k", DEFAULT_K), ("rho", DEFAULT_RHO)):
            if name in params:
                assert params[name].default == const, (fn.__name__, name)
    from bounds.report import render_report

    assert inspect.signature(render_report).parameters["rho"].default == DEFAULT_RHO
