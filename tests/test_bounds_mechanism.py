"""Mechanism conditions (roles as data, mechanism_check, fix values) and stage times."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bounds
from bounds import (
    CONDITIONS,
    MECHANISM_CONDITIONS,
    RESULTS,
    ROLES,
    T0_VARIANTS,
    evaluate,
    fix_value,
    get_result,
    mechanism_check,
    mechanism_conditions,
    paper_values,
    stage_times,
    time_scales,
)

ADAM_MINI = paper_values("adam", B=2)


def test_roles_are_data():
    assert all(c.role in ROLES for c in CONDITIONS.values())
    assert "eta_o_sigma0_q1" in MECHANISM_CONDITIONS
    assert MECHANISM_CONDITIONS == tuple(n for n, c in CONDITIONS.items() if c.role == "mechanism")
    for name in MECHANISM_CONDITIONS:
        assert CONDITIONS[name].fix_param in bounds.SYMBOLS, name
        assert CONDITIONS[name].note, name  # each says why it is a mechanism condition
    assert {CONDITIONS[n].role for n in ("lam_adam_upper", "lam_adam_stuck", "lam_adamw_lower")} == {"lambda"}
    assert {CONDITIONS[n].role for n in ("nB_theta1", "nB_ge_log_eps", "nB_omega_sqrt_n")} == {"regime"}
    assert CONDITIONS["q_ge_3"].role == "model" and CONDITIONS["s_scaling"].role == "scaling"


def test_eta_o_sigma0_q1_gates_every_adam_and_adamw_result():
    for r in RESULTS.values():
        assert "eta_o_sigma0_q1" in mechanism_conditions(r.id), r.id
        assert set(mechanism_conditions(r.id)) <= set(r.hypotheses)


def test_paper_preset_misses_eta_by_two():
    # η = 5e-5 vs σ0^{q-1} = 1e-4: r = 0.5 > 1/ρ = 0.25, misses by 2; fix η <= 1e-4/4 = 2.5e-5
    checks = {m.name: m for m in mechanism_check("thm4.2", ADAM_MINI)}
    m = checks["eta_o_sigma0_q1"]
    assert not m.holds and m.ratio == pytest.approx(0.5) and m.miss_factor == pytest.approx(2.0)
    assert m.param == "eta" and m.value == 5e-5 and m.fix == pytest.approx(2.5e-5)
    assert m.fix_rule == "eta <= 2.5e-05"
    # mini-batch Adam also misses Lemma C.2's faded regime: beta2^(n/2B) = 0.999^50 = 0.95 vs
    # lambda*eta = 5e-10 (rho = 4): fix beta2 <= (4 * 5e-10)^(1/50) = 0.6737
    assert [n for n, x in checks.items() if not x.holds] == ["eta_o_sigma0_q1", "faded_moments"]
    f = checks["faded_moments"]
    assert f.param == "beta2" and f.fix == pytest.approx((4 * 5e-10) ** (1 / 50), rel=1e-6)
    fixed = {m.name: m for m in mechanism_check("thm4.2", dict(ADAM_MINI, eta=1e-5, beta1=0.5, beta2=0.6))}
    assert all(x.holds and x.fix is None and x.miss_factor == 1.0 for x in fixed.values())
    # AdamW at the preset: the same single miss; its per-epoch decay λη·n/B = 5e-5 holds
    w = {m.name: m for m in mechanism_check("thm4.5", paper_values("adamw", B=2))}
    assert "lam_eta_nB_o1" in w and w["lam_eta_nB_o1"].holds
    assert [n for n, x in w.items() if not x.holds] == ["eta_o_sigma0_q1"]


def test_exact_mechanism_fix_is_strict():
    m = {x.name: x for x in mechanism_check("thm4.1", dict(ADAM_MINI, beta1=0.99, beta2=0.9))}["betas"]
    assert not m.holds and m.fix == pytest.approx(0.99**2) and m.fix_rule.startswith("beta2 > ")


values = st.builds(
    lambda f_eta, f_lam, f_s0, B, q: dict(
        paper_values("adamw", 0.01 * f_lam, B), eta=5e-5 * f_eta, sigma_0=0.01 * f_s0, q=q, eps=None
    ),
    st.floats(0.01, 1e4),
    st.floats(1e-3, 100.0),
    st.floats(0.1, 10.0),
    st.sampled_from([1, 2, 10, 100]),
    st.sampled_from([3, 4]),
)


@given(v=values, name=st.sampled_from([n for n in CONDITIONS if CONDITIONS[n].kind != "exact"]), rho=st.floats(1.5, 10))
def test_fix_value_lands_on_the_boundary(v, name, rho):
    """For every condition and each of its parameters: a failing condition holds once the parameter
    is moved to fix_value (and a hair beyond), and still fails a hair before it."""
    cond = CONDITIONS[name]
    v = bounds.conditions.complete(v)
    for param in bounds.conditions.needs(cond):
        if param in ("q",):
            continue
        if not evaluate(name, v, rho=rho).holds:
            x0 = v[param]
            try:
                x = fix_value(name, v, param, rho=rho)
            except ValueError:
                continue  # e.g. a Min branch that no value of this parameter can reach
            beyond = x * (x / x0) ** 1e-6 if x != x0 else x
            before = x * (x0 / x) ** 1e-6
            w = dict(v, **{param: beyond})
            if param in ("lam", "eta"):
                w["eps"] = v["eps"]
            assert evaluate(name, w, rho=rho).holds, (name, param, x0, x)
            w[param] = before
            assert not evaluate(name, w, rho=rho).holds, (name, param, x0, x)
        else:
            assert fix_value(name, v, param, rho=rho) is None


def test_fix_value_errors():
    with pytest.raises(ValueError, match="param must be a parameter of condition 'eta_o_sigma0_q1'"):
        fix_value("eta_o_sigma0_q1", ADAM_MINI, "lam")


# ---------------------------------------------------------------- stage times
def test_stage_times_at_preset():
    st_ = stage_times("thm4.2", ADAM_MINI)  # mini-batch Adam, n/B = 100
    assert st_["stage1"].source == "lemC.4" and st_["stage1"].iterations == pytest.approx(2e4)  # 1/η
    assert st_["stage1"].epochs == pytest.approx(200) and st_["stage1"].unit == "iterations"
    z = (math.log(1 / 1e-5 - 1) / 20) ** (1 / 3)  # z* = 0.832
    assert st_["plateau"].iterations == pytest.approx(z / 5e-5) and st_["plateau"].epochs == pytest.approx(
        z / 5e-5 / 100
    )
    assert {k for k in st_ if k.startswith("stage1:")} == {"stage1:lem5.2", "stage1:lemB.2", "stage1:lemC.4"}
    assert st_["stage1:lemB.2"].unit == "epochs" and st_["stage1:lemB.2"].iterations == pytest.approx(2e4)
    large = stage_times("thm4.1", paper_values("adam", B=100))
    assert large["stage1"].iterations == pytest.approx(2000) and large["stage1"].epochs == pytest.approx(1000)
    assert "plateau" not in large
    w = stage_times("thm4.4", paper_values("adamw", B=100))  # C.12: 1/(ηsσp) = 2000 epochs
    assert w["stage1"].source == "lemC.12" and w["stage1"].epochs == pytest.approx(2000)
    assert w["stage1"].iterations == pytest.approx(4000)
    # T_r = σ0/(η sσp α^{1/(q−1)}) = 0.01/(5e-4·√0.2) = 44.7 epochs
    assert w["feature_flip"].epochs == pytest.approx(0.01 / (5e-4 * math.sqrt(0.2)))
    assert w["stage1:lemB.6"].epochs == pytest.approx(100 / (0.01 * 5e-5 * 200))  # B/(ληn) = 2e6
    b = stage_times("thm4.5", paper_values("adamw", B=2), variant="appendix_B")
    assert b["stage1"].source == "lemB.10" and b["stage1"].default and not b["stage1:lemC.17"].default
    assert stage_times("cor4.3", ADAM_MINI) == {} and stage_times("cor4.6", ADAM_MINI) == {}


@pytest.mark.parametrize("rid", sorted(RESULTS))
def test_stage_times_agree_with_time_scales(rid):
    r = get_result(rid)
    v = paper_values("adamw" if r.optimizer == "adamw" else "adam", B=2 if r.regime == "mini" else 100)
    st_ = stage_times(rid, v)
    ts = time_scales(v)
    for key, s in st_.items():
        if key.startswith("stage1:"):
            lem = key.split(":")[1]
            assert s.iterations == pytest.approx(ts["T0_variants"][lem]["iterations"])
            assert T0_VARIANTS[lem][2] == s.unit
        assert s.epochs == pytest.approx(s.iterations * v["B"] / v["n"])


def test_stage_times_bad_input():
    with pytest.raises(ValueError, match="variant"):
        stage_times("thm4.2", ADAM_MINI, variant="appendix_D")
    with pytest.raises(ValueError, match="lam must be < 1/2"):
        stage_times("thm4.2", dict(ADAM_MINI, lam=0.7))
    with pytest.raises(ValueError, match="result_id"):
        stage_times("thm9.9", ADAM_MINI)
