"""bounds.conditions: numeric values at the paper preset (ρ = 4, c = k = 1), LaTeX, monotonicity."""

import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import CONDITIONS, PAPER_PRESET, SYMBOLS, batch_regime, evaluate, evaluate_all, paper_values
from bounds.conditions import resolve
from bounds.convention import judge
from bounds.symbols import NAMES

ADAM_MINI = paper_values("adam", B=2)  # λ = 1e-5, ε = λη = 5e-10
LN200 = math.log(200)  # 5.2983


# (name, values, lhs, rhs, holds) — every number computed by hand
HAND = [
    ("d_poly", ADAM_MINI, 1000, 200, True),
    ("s_scaling", ADAM_MINI, 100, math.sqrt(1000) / 200**2, False),  # 31.62/40000 = 7.9e-4
    ("s_scaling_alt", ADAM_MINI, 100, 1000 / 200**2, False),  # 0.025
    ("sigma_p_scaling", ADAM_MINI, 0.01, 1 / (100 * LN200), False),  # r = 0.01·100·5.298 = 5.30 > ρ = 4
    ("alpha_scaling", ADAM_MINI, 0.2, 0.1 * LN200, True),  # r = 0.2/0.530 = 0.377 >= 1/4
    ("alpha_lt_1", ADAM_MINI, 0.2, 1, True),
    ("sigma0_scaling", ADAM_MINI, 0.01, 1000**-0.25, False),  # r = 0.01/0.178 = 0.056 < 1/ρ
    ("m_polylog", ADAM_MINI, 20, 200, True),  # 1/4 <= 20 <= 4·ln 200 = 21.19
    ("eta_invpoly", ADAM_MINI, 2e4, 200, True),  # 1/η = 2e4 >= ρ
    ("eps_scaling", ADAM_MINI, 5e-10, 5e-10, True),
    ("q_ge_3", ADAM_MINI, 3, 3, True),
    ("betas", ADAM_MINI, 0.81, 0.999, True),
    ("T_epochs", ADAM_MINI, 0.5, 200, False),  # T·η = 1e4·5e-5 = 0.5 < ρ: not ω(1)
    ("lam_pos", ADAM_MINI, 1e-5, 0, True),
    ("B_le_n", ADAM_MINI, 2, 200, True),
    ("ssp_omega1", ADAM_MINI, 10, 1, True),  # sσp = 10 >= ρ = 4
    ("sqrt_s_sp_O1", ADAM_MINI, 1, LN200, True),
    ("alpha_o1", ADAM_MINI, 0.2, 1, True),  # 0.2 <= 1/ρ = 0.25
    ("eta_ssp_o1", ADAM_MINI, 5e-4, 1, True),
    ("eta_s_o_sigma0", ADAM_MINI, 5e-3, 1e-4, False),
    ("eta_o_sigma0_q1", ADAM_MINI, 5e-5, 1e-4, False),  # ratio 0.5
    # beta2^(n/(2B)) = 0.999^50 against lambda*eta = 5e-10: the faded regime misses by ~1e9
    ("faded_moments", ADAM_MINI, 0.999**50, 1e-5 * 5e-5, False),
    ("eta_o_sigma0", ADAM_MINI, 5e-5, 0.01, True),
    ("lam_eta_o1", ADAM_MINI, 5e-10, 1, True),
    ("T0eta_omega_sigma0", ADAM_MINI, 0.1, 0.01, True),  # r = 10 >= 4
    ("n_s2_sp_O_d", ADAM_MINI, 2e5, 1000, False),
    ("eta_taubar_ssp_o1", ADAM_MINI, 5e-4 * math.log(2e9), 1, True),
    ("taubar_polylog", ADAM_MINI, math.log(2e9), 200, False),  # ln(2e9) = 21.42 > 4·ln 200 = 21.19
    ("eta_O_d_half", ADAM_MINI, 5e-5, 1000**-0.5, True),
    ("supports_disjoint_whp", ADAM_MINI, 200**4 * 100**2, 1000, False),
    ("supports_disjoint_possible", ADAM_MINI, 20000, 999, False),  # 200·100 > 999
    ("nB_theta1", ADAM_MINI, 100, 1, False),
    ("nB_theta1", paper_values("adam", B=100), 2, 1, True),  # read as O(1): 2 <= ρ
    ("nB_ge_log_eps", ADAM_MINI, 100, math.log(2e9), True),  # 100 >= 21.42/4
    ("nB_o_ssp", ADAM_MINI, 100, 10, False),
    ("nB_omega_ssp", ADAM_MINI, 100, 10, True),  # r = 10 >= 4
    ("nB_omega_sqrt_n", ADAM_MINI, 100, math.sqrt(200), True),  # r = 7.07 >= ρ = 4
    ("lemC7_nssp_B", ADAM_MINI, 1000, 10 * 0.1 * 0.01, True),
    ("lam_adam_upper", ADAM_MINI, 1e-5, 5e-6, False),  # 0.01·0.1/200 = 5e-6; λ is 2×
    ("lam_adam_stuck", paper_values("adam", 0.05, 2), 0.05, 0.01, True),  # r = 5 >= ρ = 4
    ("lam_adamw_lower", paper_values("adamw", B=2), 0.01, 0.02 / LN200, True),  # r = 2.65
    ("lam_adamw_lower", paper_values("adamw", B=100), 0.01, 1 / LN200, False),  # r = 0.053 < 1/4
    ("lam_adamw_upper", paper_values("adamw", B=2), 0.01, LN200, True),
    ("lam_eta_nB_o1", paper_values("adamw", B=2), 0.01 * 5e-5 * 100, 1, True),
    ("lam_eta_T_omega1", paper_values("adamw", B=2), 0.01 * 5e-5 * 10_000 * 100, 1, False),  # r = 0.5 < ρ = 4
    ("alpha_fnoise", paper_values("adamw", B=100), 0.2, (100 * 10 / 200) ** -2 / LN200, True),
    ("alpha_fnoise_alt", paper_values("adamw", B=100), 0.2, (100 / (200 * 10)) ** -2 / LN200, False),
]


def test_hand_table_covers_every_condition():
    assert {h[0] for h in HAND} == set(CONDITIONS)


@pytest.mark.parametrize("name,values,lhs,rhs,holds", HAND)
def test_preset_values_by_hand(name, values, lhs, rhs, holds):
    cv = evaluate(name, values)
    assert cv.lhs == pytest.approx(lhs, rel=1e-9)
    assert cv.rhs == pytest.approx(rhs, rel=1e-9)
    assert cv.holds is holds
    assert cv.ref == CONDITIONS[name].ref and cv.rule
    assert (cv.miss_factor == 1.0) == holds or cv.kind == "exact"


def test_rules_and_slack_parameters():
    # λ = 1e-5 vs o(5e-6): r = 2; misses by 2·ρ = 8 at ρ = 4; with ρ = 1 still fails, by 2
    cv = evaluate("lam_adam_upper", ADAM_MINI)
    assert cv.ratio == pytest.approx(2.0) and cv.miss_factor == pytest.approx(8.0) and cv.side == "above"
    assert cv.lhs_max == pytest.approx(5e-6 / 4) and cv.lhs_min is None
    one = evaluate("lam_adam_upper", ADAM_MINI, rho=1.0)
    assert not one.holds and one.miss_factor == pytest.approx(2.0)
    # c rescales the order: σ0 = 0.01 vs c·d^{-1/4}; r = 0.0562/c, so c = 0.2 gives r = 0.281 >= 1/4
    cv = evaluate("sigma0_scaling", ADAM_MINI)
    assert not cv.holds and cv.miss_factor == pytest.approx(0.25 / (0.01 / 1000**-0.25)) and cv.side == "below"
    assert evaluate("sigma0_scaling", ADAM_MINI, c=0.2).holds
    assert evaluate("sigma0_scaling", ADAM_MINI, c=2).ratio == pytest.approx(cv.ratio / 2)
    # polylog power k in Ω̃(B²/n ∧ 1) at B = 100: floor = 1/(ln 200)^k; k = 0: r = 0.01, miss 1/(4·0.01) = 25
    adamw_large = paper_values("adamw", B=100)
    assert evaluate("lam_adamw_lower", adamw_large, k=0).miss_factor == pytest.approx(25.0)
    assert evaluate("lam_adamw_lower", adamw_large).miss_factor == pytest.approx(1 / (4 * 0.01 * LN200))
    # n/B = Θ(1) is read as O(1) (n/B >= 1 always): with c = 8, n/B = 1 has r = 1/8 < 1/ρ, which
    # would fail the lower side of Θ, but holds as O(1) since 1 <= c·ρ = 32
    theta1 = evaluate("nB_theta1", paper_values("adam", B=200), c=8)
    assert theta1.holds and theta1.ratio == pytest.approx(1 / 8) and theta1.lhs_min is None
    assert "read as O" in theta1.rule


def test_eps_defaults_to_lam_eta_and_missing_values():
    v = dict(PAPER_PRESET, lam=1e-5, B=2)  # no eps
    assert evaluate("eps_scaling", v).lhs == pytest.approx(5e-10)
    with pytest.raises(ValueError, match="lam"):
        evaluate("lam_adam_upper", PAPER_PRESET)  # no λ
    names = {cv.name for cv in evaluate_all(PAPER_PRESET)}
    assert "d_poly" in names and "lam_adam_upper" not in names
    with pytest.raises(ValueError, match="lam"):
        evaluate_all(PAPER_PRESET, names=["lam_adam_upper"])  # an explicit name must be evaluable


@pytest.mark.parametrize("name", sorted(CONDITIONS))
def test_latex_renders(name):
    c = CONDITIONS[name]
    assert c.latex and sp.latex(c.lhs) and sp.latex(c.rhs) and sp.latex(c.relation)
    assert c.kind in ("Theta", "O", "o", "Omega", "omega", "poly", "polylog", "exact")


def test_readings_are_paired():
    assert resolve(["s_scaling", "alpha_fnoise", "d_poly"], "alt") == ["s_scaling_alt", "alpha_fnoise_alt", "d_poly"]
    assert resolve(["s_scaling"], {"s_scaling": "alt"}) == ["s_scaling_alt"]
    assert resolve(["s_scaling_alt"], "default") == ["s_scaling_alt"]  # explicit stays


def test_symbol_assumptions():
    for key in ("n", "d", "s", "m", "B"):
        assert SYMBOLS[key].is_integer and SYMBOLS[key].is_positive
    assert all(SYMBOLS[key].is_positive for key in SYMBOLS)


# --- monotonicity: parameters that appear only in lhs move lhs in a known direction ---
def _elastic():
    out = []
    for name, c in CONDITIONS.items():
        if c.kind not in ("O", "o", "Omega", "omega", "Theta"):
            continue
        for sym in c.lhs.free_symbols - c.rhs.free_symbols - {SYMBOLS["q"]}:
            if sym not in NAMES or NAMES[sym] == "k":
                continue
            el = sp.simplify(sym * sp.diff(sp.log(c.lhs), sym))
            if el.is_Number and el != 0:
                out.append((name, NAMES[sym], float(el)))
    return out


ELASTIC = _elastic()


@settings(max_examples=50, deadline=None)
@given(
    idx=st.integers(0, len(ELASTIC) - 1),
    f=st.floats(1.01, 1e4),
    base=st.sampled_from([paper_values("adam", B=2), paper_values("adamw", B=100), paper_values("adam", 0.05, 100)]),
    rho=st.floats(1.0, 100.0),
)
def test_monotone_in_lhs(idx, f, base, rho):
    name, key, el = ELASTIC[idx]
    up = dict(base, **{key: base[key] * (f if el > 0 else 1 / f)})  # raises lhs
    if key in ("lam", "eta"):
        up["eps"] = up["lam"] * up["eta"]
    before, after = evaluate(name, base, rho=rho), evaluate(name, up, rho=rho)
    assert after.lhs >= before.lhs * (1 - 1e-12)
    kind = CONDITIONS[name].kind
    if kind in ("O", "o"):
        assert not (after.holds and not before.holds)
    if kind in ("Omega", "omega"):
        assert not (before.holds and not after.holds)
    if kind == "Theta" and after.rhs == before.rhs and before.ratio > 1:
        assert not (after.holds and not before.holds)  # above the window: worse


@pytest.mark.parametrize(
    "values,match",
    [
        (dict(ADAM_MINI, eta=-5e-5), "eta must be a finite number > 0"),
        (dict(ADAM_MINI, eta=float("nan")), "eta must be a finite number > 0"),
        (dict(ADAM_MINI, eta=True), "eta must be a finite number > 0"),
        (dict(ADAM_MINI, eta="fast"), "eta must be a finite number > 0"),
        ({k: v for k, v in ADAM_MINI.items() if k != "sigma_0"}, "sigma_0 is needed"),
    ],
)
def test_bad_values_raise_named_errors(values, match):
    with pytest.raises(ValueError, match=match):
        evaluate("eta_o_sigma0_q1", values)


@pytest.mark.parametrize(
    "kw,match", [({"c": 0}, "c must"), ({"k": -1}, "k must"), ({"rho": 0.5}, "rho must"), ({"rho": math.inf}, "rho")]
)
def test_bad_slack_raises_named_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        evaluate("alpha_o1", ADAM_MINI, **kw)


def test_unknown_condition_raises_value_error():
    with pytest.raises(ValueError, match="not_a_condition"):
        evaluate("not_a_condition", ADAM_MINI)


def test_values_not_needed_are_not_checked():
    # λ = 0 would break log(1/(λη)), but d = poly(n) does not read λ
    assert evaluate("d_poly", dict(ADAM_MINI, lam=0.0, eps=0.0)).holds


def test_order_that_is_not_positive_is_read_literally():
    # n/B >= Θ(log 1/ε) at ε = 2 (far outside the regime): log(1/ε) = −0.69 < 0, so the lower
    # bound holds literally; an upper bound with a non-positive order fails with miss ∞
    cv = evaluate("nB_ge_log_eps", dict(ADAM_MINI, eps=2.0))
    assert cv.holds and cv.lhs_min == pytest.approx(-math.log(2) / 4) and "read literally" in cv.rule
    assert batch_regime("thm4.2", dict(ADAM_MINI, eps=2.0, B=200)).holds
    up = judge("o", 1.0, -0.5)
    assert not up.holds and up.miss_factor == math.inf and up.side == "above"
