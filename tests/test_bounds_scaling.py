"""bounds.scaling: the log-log exponents follow from the expressions.

No exponent is typed by hand as a number to compare against: the Hypothesis test checks every
symbolic exponent against a numeric finite-difference log-derivative of the quantity's own
expression; the spot checks compare with the paper's statements (q − 2, 2 or 0 by branch, −1).
"""

import math

import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bounds import QUANTITIES, RESULTS, SYMBOLS, T0_VARIANTS, exponent, exponents, paper_values, quantities_for
from bounds.scaling import KINDS, Exponent, get_quantity
from bounds.symbols import NAMES, k

q, lam, sigma_0 = SYMBOLS["q"], SYMBOLS["lam"], SYMBOLS["sigma_0"]

PAIRS = [(name, p) for name in QUANTITIES for p in exponents(name)]
PAIRS += [(name, "s*sigma_p") for name, Q in QUANTITIES.items() if {"s", "sigma_p"} <= set(Q.params)]


def _point(opt, factors, lam_, q_, k_):
    v = paper_values(opt, lam=lam_, B=2 if opt == "adam" else 100)
    for key, f in zip(("d", "n", "s", "sigma_p", "alpha", "sigma_0", "m", "eta", "B"), factors):
        v[key] = v[key] * f
    v.update(q=q_, k=k_, eps=lam_ * v["eta"] * factors[-1])
    return v


point = st.builds(
    _point,
    st.sampled_from(["adam", "adamw"]),
    st.lists(st.floats(10**-0.7, 10**0.7), min_size=10, max_size=10),
    st.floats(1e-6, 0.3),
    st.sampled_from([3, 4, 5]),
    st.sampled_from([0.0, 1.0, 2.0]),
)


def _f(Q):
    args = list(SYMBOLS.values()) + [k]
    return sp.lambdify(args, Q.expr, modules="math"), args


def _log_derivative(Q, v, param, h=1e-6):
    f, args = _f(Q)

    def at(vals):
        return math.log(f(*[float(vals[NAMES[a]]) for a in args]))

    if param == "s*sigma_p":  # the composite moves its first factor, s
        param = "s"
    up, down = dict(v), dict(v)
    up[param] = v[param] * math.exp(h)
    down[param] = v[param] * math.exp(-h)
    return (at(up) - at(down)) / (2 * h)


@settings(max_examples=60, deadline=None)
@given(pair=st.sampled_from(PAIRS), v=point)
def test_exponent_matches_finite_difference(pair, v):
    name, param = pair
    Q = QUANTITIES[name]
    e = exponent(name, param)
    subs = {SYMBOLS[x]: val for x, val in v.items() if x in SYMBOLS} | {k: v["k"]}
    for b in e.branches:  # stay 1% (in log) away from every kink
        for c in b.conditions:
            assume(abs(math.log(float(c.lhs.subs(subs)) / float(c.rhs.subs(subs)))) > 0.01)
    val = e.at(v)
    assert not val.on_kink and val.value is not None
    fd = _log_derivative(Q, v, param)
    assert val.value == pytest.approx(fd, rel=1e-5, abs=1e-7), (name, param, str(e))


def test_registry_covers_the_paper_quantities():
    need = {
        "adam_success_cap",
        "adam_stuck_threshold",
        "adamw_lambda_floor",
        "adamw_lambda_cap",
        "cor46_adam_cap",
        "cor46_adamw_floor",
        "cor46_separation",
        "adam_feature_rate",
        "adam_noise_rate",
        "adamw_feature_rate",
        "adamw_noise_rate",
        "adam_plateau",
        "adamw_plateau_m",
        "adamw_plateau_sq",
        "tau_bar",
        "stage1_length",
        "adam_batch_threshold",
        "adamw_mini_batch_threshold",
        "T_r",
    } | {f"T0[{lem}]" for lem in T0_VARIANTS}
    assert need <= set(QUANTITIES)
    for Q in QUANTITIES.values():
        assert Q.kind in KINDS and Q.ref and Q.description and Q.optimizer in ("adam", "adamw", "both")
        assert Q.regime in ("large", "mini", "any") and Q.results
        assert all(r in RESULTS for r in Q.results), Q.name
        assert str(Q) and Q.latex and sp.latex(Q.expr)
        for p, e in exponents(Q.name).items():
            assert isinstance(e, Exponent) and str(e) and e.latex and sp.latex(e.expr), (Q.name, p)


def test_quantities_for_results():
    names = {Q.name for Q in quantities_for("thm4.2")}
    assert {"adam_success_cap", "adam_plateau", "adam_batch_threshold", "T0[lemC.4]", "adam_feature_rate"} <= names
    assert {Q.name for Q in quantities_for("COR4.6")} >= {"cor46_adam_cap", "cor46_adamw_floor", "cor46_separation"}
    assert "adamw_mini_batch_threshold" in {Q.name for Q in quantities_for("thm4.5")}
    assert "T_r" in {Q.name for Q in quantities_for("lemC.13")}
    for rid in ("thm4.1", "thm4.2", "cor4.3", "thm4.4", "thm4.5", "cor4.6"):
        assert quantities_for(rid), rid
    with pytest.raises(ValueError, match="result_id"):
        quantities_for("thm9")


def test_stuck_threshold_slope_is_q_minus_2():
    e = exponent("adam_stuck_threshold", "sigma_0")
    assert sp.simplify(e.expr - (q - 2)) == 0 and e.constant and e.held_fixed == ("q",)
    assert e.at({"q": 3, "sigma_0": 0.01}).value == 1 and e.at({"q": 4, "sigma_0": 0.01}).value == 2
    assert sp.simplify(exponent("adam_success_cap", "sigma_0").expr - (q - 2)) == 0


def test_adamw_floor_slopes():
    assert exponent("adamw_lambda_floor", "sigma_0", strict=False).expr == 0
    with pytest.raises(ValueError, match="'sigma_0'"):
        exponent("adamw_lambda_floor", "sigma_0")
    e = exponent("adamw_lambda_floor", "B")
    assert e.piecewise and e.constant and set(e.held_fixed) == {"n", "k"}
    by_cond = {str(b.conditions[0]): b.exponent for b in e.branches}
    assert by_cond == {"B**2/n < 1": 2, "1 < B**2/n": 0}
    assert e.at(paper_values("adamw", B=2)).value == 2  # B²/n = 0.02
    assert e.at(paper_values("adamw", B=100)).value == 0  # B²/n = 50
    kink = e.at(dict(paper_values("adamw"), B=math.sqrt(200)))
    assert kink.on_kink and kink.value is None and sorted(kink.branch_values) == [0.0, 2.0]
    # in n the polylog shows: −1 − k/log n below the kink, so the slope varies with the point
    en = exponent("adamw_lambda_floor", "n")
    assert not en.constant and en.at(dict(paper_values("adamw", B=2), k=0)).value == pytest.approx(-1)


def test_cor46_slope_difference_is_q_minus_2():
    cap = exponent("cor46_adam_cap", "sigma_0").expr
    floor = exponent("cor46_adamw_floor", "sigma_0", strict=False).expr
    assert sp.simplify(cap - floor - (q - 2)) == 0
    assert sp.simplify(exponent("cor46_separation", "sigma_0").expr - (q - 2)) == 0


def test_stage1_length_slopes():
    assert exponent("stage1_length", "eta").expr == -1
    e = exponent("stage1_length", "s*sigma_p")
    assert e.expr == -1 and e.composite_only and e.moves == "s" and "sigma_p" in e.held_fixed  # s moves, σp held
    assert exponent("T_r", "s*sigma_p").composite_only
    e = exponent("adamw_mini_batch_threshold", "s*sigma_p")
    assert e.composite_only and {b.exponent for b in e.branches} == {0, 1}
    for lem in T0_VARIANTS:
        assert exponent(f"T0[{lem}]", "eta").expr == -1


def test_plateau_slope_in_lambda_is_its_derived_expression():
    e = exponent("adam_plateau", "lam")
    derived = -1 / (q * (1 - lam) * sp.log(1 / lam - 1))  # d log z*/d log λ by hand
    assert sp.simplify(e.expr - derived) == 0 and not e.constant and e.held_fixed == ("m", "q")
    assert exponent("adam_plateau", "m").expr == -1 / q
    val = e.at({"lam": 1e-5, "q": 3, "m": 20}).value
    assert val == pytest.approx(-1 / (3 * (1 - 1e-5) * math.log(1e5 - 1)))


def test_batch_threshold_branches():
    e = exponent("adamw_mini_batch_threshold", "n")
    assert e.piecewise and {b.exponent for b in e.branches} == {sp.Rational(1, 2), 0}
    assert e.at(paper_values("adamw", B=2)).value == 0.5  # √200 = 14.1 > sσp = 10
    assert e.at(dict(paper_values("adamw", B=2), s=1000)).value == 0  # sσp = 100 > 14.1


def test_unknown_inputs_raise_value_error():
    with pytest.raises(ValueError, match="param 'n' does not enter quantity 'adam_stuck_threshold'"):
        exponent("adam_stuck_threshold", "n")
    with pytest.raises(ValueError, match="quantity must be one of"):
        exponent("no_such_quantity", "n")
    with pytest.raises(ValueError, match="param"):
        exponent("adam_stuck_threshold", "zeta")
    with pytest.raises(ValueError, match="q is needed"):
        exponent("T_r", "alpha").at({})  # −1/(q − 1) needs q
    with pytest.raises(ValueError, match="n must be a finite number > 0"):
        exponent("adamw_mini_batch_threshold", "n").at({"n": -200, "s": 100, "sigma_p": 0.1})
    assert get_quantity(QUANTITIES["T_r"]) is QUANTITIES["T_r"]
