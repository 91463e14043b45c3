"""Bounds properties not covered by tests/test_bounds_*.py.

Already covered there: witnesses satisfy their constraints (feasibility), monotonicity of
conditions in their lhs parameters, Cor 4.6's numeric ordering on random admissible regimes.
Added here: lambda_window and evaluate() agree at any (c, k, ρ) (docs/model.md §5.5 windows =
the λ conditions), the Adam success window lies below the Cor 4.3 threshold, every condition
moves with c, ρ, k the way the convention of bounds.convention says (docs/model.md §1 item 9),
and batch_regime is monotone in B (docs/model.md §5.6).
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bounds import CONDITIONS, batch_regime, evaluate, lambda_check, lambda_window, paper_values

# random values around the Appendix D.2 preset, every parameter perturbed over decades
values = st.builds(
    lambda opt, B, lam, f_sp, f_s0, f_eta, q, d, n: dict(
        paper_values(opt, lam, B),
        sigma_p=0.1 * f_sp,
        sigma_0=0.01 * f_s0,
        eta=5e-5 * f_eta,
        q=q,
        d=d,
        n=n,
        eps=lam * 5e-5 * f_eta,
    ),
    st.sampled_from(["adam", "adamw"]),
    st.sampled_from([1, 2, 4, 10, 50, 100, 200]),
    st.floats(1e-8, 2.0),
    st.floats(0.1, 10),
    st.floats(0.1, 10),
    st.floats(0.01, 100),
    st.sampled_from([3, 4, 5]),
    st.sampled_from([1000, 10_000, 10**6]),
    st.sampled_from([200, 400, 1000]),
)


slack = st.tuples(st.floats(0.05, 20.0), st.floats(0.0, 3.0), st.floats(1.0, 50.0))


def _inside(lam, lo, hi):
    return (lo is None or lam >= lo) and (hi is None or lam <= hi)


def _near(lam, *ends):
    return any(e and abs(lam / e - 1) < 1e-9 for e in ends)


@given(v=values, ckr=slack)
def test_lambda_windows_agree_with_conditions(v, ckr):
    """docs/model.md §5.5: lambda_window(result) is exactly the λ set where the λ conditions hold,
    at every (c, k, ρ): Thm 4.2 ⟺ lam_adam_upper; Cor 4.3 ⟺ lam_adam_stuck; Thm 4.5 ⟺
    lam_adamw_lower ∧ lam_adamw_upper; lambda_check agrees and its miss factor is the
    conditions' (the larger of the two for AdamW)."""
    c, k, rho = ckr
    lam = v["lam"]
    for rid, names in (
        ("thm4.2", ["lam_adam_upper"]),
        ("cor4.3", ["lam_adam_stuck"]),
        ("thm4.5", ["lam_adamw_lower", "lam_adamw_upper"]),
    ):
        lo, hi = lambda_window(rid, v, c, k, rho)
        cvs = [evaluate(x, v, c, k, rho) for x in names]
        if _near(lam, lo, hi):
            continue  # on the boundary both readings are fine
        assert _inside(lam, lo, hi) == all(cv.holds for cv in cvs), rid
        wc = lambda_check(rid, v, c, k, rho)
        assert wc.holds == _inside(lam, lo, hi)
        assert wc.miss_factor == pytest.approx(max(cv.miss_factor for cv in cvs), rel=1e-9)


@given(v=values)
def test_adam_success_window_below_stuck_threshold(v):
    """Thms 4.1/4.2 vs Cor 4.3 (docs/model.md §5.5): σ0^{q-2}σ_p/n < σ0^{q-2} whenever σ_p < n, so no λ is both
    'successful' and 'stuck'; at ρ >= 1 the two conditions never hold together."""
    _, hi = lambda_window("thm4.2", v)
    lo, _ = lambda_window("cor4.3", v)
    assert hi < lo
    for rho in (1.0, 4.0, 10.0):
        assert not (evaluate("lam_adam_upper", v, rho=rho).holds and evaluate("lam_adam_stuck", v, rho=rho).holds)


ORDERS = sorted(n for n, c in CONDITIONS.items() if c.numeric_kind in ("Theta", "O", "o", "Omega", "omega"))
LOWER_ONLY = ("Omega", "omega")
UPPER_ONLY = ("O", "o")


@given(v=values, name=st.sampled_from(ORDERS), f=st.floats(1.0, 100.0), ckr=slack)
def test_conditions_follow_the_convention_in_c_rho_k(v, name, f, ckr):
    """bounds.convention: r = lhs/(c·x) with x carrying (log n)^k, so r scales as 1/c exactly;
    a larger ρ widens Θ/O/Ω and narrows o/ω; a larger c helps O/o and hurts Ω/ω."""
    c, k, rho = ckr
    kind = CONDITIONS[name].numeric_kind
    base = evaluate(name, v, c, k, rho)
    assert evaluate(name, v, c * f, k, rho).ratio == pytest.approx(base.ratio / f, rel=1e-9)
    wider = evaluate(name, v, c, k, rho * f)
    if kind in ("Theta", "O", "Omega"):
        assert not (base.holds and not wider.holds)
    else:
        assert not (wider.holds and not base.holds)
    bigger_c = evaluate(name, v, c * f, k, rho)
    if kind in UPPER_ONLY:
        assert not (base.holds and not bigger_c.holds)
    if kind in LOWER_ONLY:
        assert not (bigger_c.holds and not base.holds)
    # k enters only through POLYLOG = (log n)^k in the rhs: raising k by 1 multiplies the rhs by
    # (log n)^{±1} (or leaves it alone) and divides r by the same factor
    up = evaluate(name, v, c, k + 1, rho)
    rhs_ratio = up.rhs / base.rhs
    assert up.ratio == pytest.approx(base.ratio / rhs_ratio, rel=1e-9)
    assert rhs_ratio == pytest.approx(1.0) or any(rhs_ratio == pytest.approx(math.log(v["n"]) ** e) for e in (1, -1)), (
        name
    )


@given(v=values, B1=st.sampled_from([1, 2, 4, 5, 10, 20]), B2=st.sampled_from([20, 40, 50, 100, 200]))
def test_batch_regimes_monotone_in_B(v, B1, B2):
    """docs/model.md §5.6: mini-batch conditions (Thm 4.2: n/B >= Θ(log 1/ε); Thm 4.5: also n/B = ω(sσ_p ∨ √n)) only get
    easier as B shrinks; the large-batch condition (Thm 4.1: n/B = Θ(1)) only as B grows."""
    small, large = dict(v, B=B1), dict(v, B=B2)
    for rid in ("thm4.2", "thm4.5"):
        assert not (batch_regime(rid, large).holds and not batch_regime(rid, small).holds), rid
    assert not (batch_regime("thm4.1", small).holds and not batch_regime("thm4.1", large).holds)


POLYS = sorted(n for n, c in CONDITIONS.items() if c.kind in ("poly", "polylog"))


@given(v=values, name=st.sampled_from(POLYS), f=st.floats(1.0, 100.0), ckr=slack)
def test_poly_and_polylog_follow_the_convention(v, name, f, ckr):
    """poly(n) is read as ω(1): larger ρ or c only make it stricter; polylog(n) is read as Ω(1) and
    O((log n)^k): larger ρ only widens it, and so does a larger k when log n > 1."""
    c, k, rho = ckr
    base = evaluate(name, v, c, k, rho)
    if CONDITIONS[name].kind == "poly":
        assert not (evaluate(name, v, c, k, rho * f).holds and not base.holds)
        assert not (evaluate(name, v, c * f, k, rho).holds and not base.holds)
        assert base.ratio == pytest.approx(base.lhs / c)
    else:
        assert not (base.holds and not evaluate(name, v, c, k, rho * f).holds)
        if math.log(v["n"]) > 1:
            assert not (base.holds and not evaluate(name, v, c, k + f, rho).holds)
        assert base.ratio == pytest.approx(base.lhs / (c * math.log(v["n"]) ** k))
