"""bounds.feasibility: exponent LP, witnesses, infeasible cores, Cor 4.6 gap."""

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import CONDITIONS, SYMBOLS, cor46_gap, feasible, get_result, theorem_feasibility
from bounds.conditions import Condition, resolve
from bounds.symbols import k as K

LP_NAMES = sorted(n for n, c in CONDITIONS.items() if c.in_lp and c.reading != "alt")
MAIN = ("thm4.1", "thm4.2", "cor4.3", "thm4.4", "thm4.5", "cor4.6")
LOG10_N = 3000  # n = 10^3000: log factors shift exponents by < 1e-3


def _numeric_exponents(cond, witness, q):
    """Independent check: plug n = 10^3000 and x = n^{e_x} into the SymPy expressions with
    mpmath (polylog power k = 1, β's = constants) and read off log(side)/log(n)."""
    mpmath.mp.dps = 30
    N = mpmath.mpf(10) ** LOG10_N
    subs = {sym: N ** mpmath.mpf(witness[key]) for key, sym in SYMBOLS.items() if key in witness}
    subs.update({SYMBOLS["q"]: q, SYMBOLS["beta1"]: 0.9, SYMBOLS["beta2"]: 0.999, K: 1})
    out = []
    for side in (cond.lhs, cond.rhs):
        f = sp.lambdify(list(subs), side, modules="mpmath")
        val = f(*subs.values())
        assert not isinstance(val, mpmath.mpc) and val >= 0, (cond.name, val)
        out.append(None if val == 0 else float(mpmath.log(val) / mpmath.log(N)))
    return out


def _check_witness(names, fz, q=3, tol=5e-3):
    t = fz.witness["t"]
    assert abs(fz.witness["n"] - 1) < 1e-9 and 0 <= fz.witness["B"] <= 1 + 1e-9
    for item in names:
        oks = []
        for name in item.split("|"):
            c = CONDITIONS[name]
            if not c.in_lp:
                oks.append(True)
                continue
            L, R = _numeric_exponents(c, fz.witness, q)
            diff = L - R if R is not None else None
            checks = {
                "Theta": lambda diff, L, c: abs(diff) < tol,
                "O": lambda diff, L, c: diff < tol,
                "Omega": lambda diff, L, c: diff > -tol,
                "o": lambda diff, L, c: diff < -t + tol,
                "omega": lambda diff, L, c: diff > t - tol,
                "poly": lambda diff, L, c: L > t - tol,
                "polylog": lambda diff, L, c: abs(L) < tol,
                "exact": lambda diff, L, c: diff < tol if c.op[0] == "<" else diff > -tol,
            }
            ok = checks[c.kind](diff, L, c)
            oks.append(ok)
        assert any(oks), (item, fz.witness)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(LP_NAMES), min_size=1, max_size=14, unique=True), st.sampled_from([3, 4]))
def test_witness_satisfies_claimed_constraints(names, q):
    fz = feasible(names, q=q, core=False)
    if fz.feasible:
        assert fz.margin > 0 and set(fz.binding) <= set(names)
        _check_witness(names, fz, q)


@pytest.mark.parametrize("rid", MAIN)
def test_main_results_feasible_default_reading(rid):
    fz = theorem_feasibility(rid)
    assert fz.feasible and fz.margin > 0
    r = get_result(rid)
    items = list(r.hypotheses) + (["|".join(a for alt in r.alternatives for a in alt)] if r.alternatives else [])
    _check_witness(items, fz)
    assert fz.witness["d"] > 4  # sσ_p = ω(1) forces d >> n^4 under the default grouping


def test_regime_signatures():
    assert theorem_feasibility("thm4.1").witness["B"] == pytest.approx(1.0)  # B = Θ(n)
    w = theorem_feasibility("thm4.5").witness
    assert w["B"] < 0.5 and 1 - w["B"] > w["s"] / 2 + w["sigma_p"] - 1e-9


def _minimal(core, q=3):
    assert not feasible(core, q=q, core=False).feasible
    for x in core:
        assert feasible([y for y in core if y != x], q=q, core=False).feasible, x


def test_contradiction_ssp():
    ssp_O1 = Condition(
        name="ssp_O1",
        ref="test",
        kind="O",
        lhs=SYMBOLS["s"] * SYMBOLS["sigma_p"],
        rhs=sp.Integer(1),
        relation=None,
        latex="s σ_p = O(1)",
    )
    fz = feasible(["d_poly", "s_scaling", "sigma_p_scaling", "ssp_omega1"], extra=[ssp_O1])
    assert not fz.feasible and sorted(fz.infeasible_core) == ["ssp_O1", "ssp_omega1"]


def test_contradiction_batch():
    fz = feasible(["sigma0_scaling", "nB_theta1", "nB_omega_sqrt_n", "d_poly"])
    assert not fz.feasible and sorted(fz.infeasible_core) == ["nB_omega_sqrt_n", "nB_theta1"]
    _minimal(fz.infeasible_core)


def test_adam_success_and_stuck_windows_are_disjoint():
    r = get_result("thm4.2")
    fz = feasible(list(r.hypotheses) + ["lam_adam_stuck"])
    assert not fz.feasible
    assert {"lam_adam_upper", "lam_adam_stuck"} <= set(fz.infeasible_core)
    _minimal(fz.infeasible_core)


def test_single_lambda_cannot_serve_adam_and_adamw():
    # this *is* Cor 4.6: σ0^{q-2}σ_p/n << B²/n ∧ 1 under A.1-A.2
    fz = feasible(list(get_result("thm4.2").hypotheses) + ["lam_adamw_lower"])
    assert not fz.feasible
    assert {"lam_adam_upper", "lam_adamw_lower"} <= set(fz.infeasible_core)
    _minimal(fz.infeasible_core)


@pytest.mark.parametrize("rid", ["thm4.1", "thm4.4"])
def test_alt_reading_infeasible_with_minimal_core(rid):
    fz = theorem_feasibility(rid, reading="alt")
    assert not fz.feasible and fz.infeasible_core
    assert any(x.endswith("_alt") for x in fz.infeasible_core)
    _minimal(fz.infeasible_core)


def test_core_probe_both_readings():
    probe = ["s_scaling", "ssp_omega1", "sigma_p_scaling", "sigma0_scaling", "eta_o_sigma0_q1"]
    d = feasible(probe)
    a = feasible(probe, reading="alt")
    assert d.feasible and a.feasible
    assert d.witness["d"] > 4 and a.witness["d"] > 2  # d >> n^4 vs d >> n^2
    _check_witness(probe, d)
    _check_witness(resolve(probe, "alt"), a)


def test_q_must_be_at_least_3():
    with pytest.raises(ValueError):
        feasible(["d_poly"], q=2)


def test_cor46_gap():
    g = cor46_gap(q=3)
    assert g["holds"] and g["max_gap_at_margin"] < 0 and g["sup_gap"] <= 1e-9
    assert g["eB_feasible_range"][0] == pytest.approx(0) and g["eB_feasible_range"][1] == pytest.approx(1)
    assert len(g["eB_holds"]) == len(g["gap_by_eB"])  # every B exponent on the grid
    assert g["gap_by_eB"][1.0] == pytest.approx(-1.0, abs=2e-3)  # -(q-2)·e_d/4, e_d -> 4
    mini = cor46_gap(q=3, regime="mini")
    assert mini["holds"] and mini["eB_feasible_range"][1] < 0.5  # n/B = ω(√n)
    success = cor46_gap(q=3, adam_bound="success")
    assert success["sup_gap"] == pytest.approx(-1.0, abs=1e-6)
    assert cor46_gap(q=4)["sup_gap"] < cor46_gap(q=3)["sup_gap"] + 1e-9


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: cor46_gap(regime="large"), "regime must be"),
        (lambda: cor46_gap(adam_bound="cap"), "adam_bound must be"),
        (lambda: feasible(["d_poly"], reading="other"), "reading must be"),
        (lambda: feasible(["d_poly"], reading={"nope": "alt"}), "reading must be"),
        (lambda: feasible(["no_such_condition"]), "condition must be one of"),
        (lambda: theorem_feasibility("thm9.9"), "result_id must be one of"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
