"""Bounds properties not covered by tests/test_bounds_*.py (issue: lemma tests, item 7).

Already covered there: witnesses satisfy their constraints (feasibility), monotonicity of
conditions in their lhs parameters, Cor 4.6's numeric ordering on random admissible regimes.
Added here: lambda_window and evaluate() agree (§5.5 windows = the λ conditions), the Adam
success window lies below the Cor 4.3 threshold, every condition is monotone in its slack
parameters c, ρ, k in the direction §1 item 9 says, and batch_regime is monotone in B (§5.6).
"""

import math

from hypothesis import given
from hypothesis import strategies as st

from bounds import CONDITIONS, batch_regime, evaluate, lambda_window, paper_values

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


@given(v=values)
def test_lambda_windows_agree_with_conditions(v):
    """§5.5: lambda_window(result) is exactly the λ set where the λ conditions hold at c = ρ = k = 1:
    Thm 4.2 λ <= σ0^{q-2}σ_p/n ⟺ lam_adam_upper; Cor 4.3 λ >= σ0^{q-2} ⟺ lam_adam_stuck;
    Thm 4.5 (B²/n ∧ 1)/log n <= λ <= log n ⟺ lam_adamw_lower ∧ lam_adamw_upper."""
    lam = v["lam"]
    _, hi = lambda_window("thm4.2", v)
    assert (lam <= hi) == evaluate("lam_adam_upper", v, rho=1.0).holds
    lo, none = lambda_window("cor4.3", v)
    assert none is None and (lam >= lo) == evaluate("lam_adam_stuck", v, rho=1.0).holds
    lo, hi = lambda_window("thm4.5", v)
    both = evaluate("lam_adamw_lower", v).holds and evaluate("lam_adamw_upper", v).holds
    assert (lo * (1 - 1e-12) <= lam <= hi * (1 + 1e-12)) == both or min(abs(lam / lo - 1), abs(lam / hi - 1)) < 1e-9


@given(v=values)
def test_adam_success_window_below_stuck_threshold(v):
    """Thms 4.1/4.2 vs Cor 4.3 (§5.5): σ0^{q-2}σ_p/n < σ0^{q-2} whenever σ_p < n, so no λ is both
    'successful' and 'stuck'; at ρ >= 1 the two conditions never hold together."""
    _, hi = lambda_window("thm4.2", v)
    lo, _ = lambda_window("cor4.3", v)
    assert hi < lo
    for rho in (1.0, 10.0):
        assert not (evaluate("lam_adam_upper", v, rho=rho).holds and evaluate("lam_adam_stuck", v, rho=rho).holds)


SLACKED = sorted(n for n, c in CONDITIONS.items() if c.kind in ("Theta", "O", "o", "Omega", "omega", "polylog"))


@given(v=values, name=st.sampled_from(SLACKED), f=st.floats(1.0, 100.0))
def test_conditions_monotone_in_slack(v, name, f):
    """§1 item 9: a larger hidden constant c only widens Θ/O/Ω/polylog windows; a larger o/ω slack ρ
    only makes o/ω stricter and Θ/polylog wider; a larger log power k (log n > 1) only widens Õ/Ω̃-
    style windows written with POLYLOG in the rhs (Θ conditions whose rhs carries it shift, skip)."""
    kind = CONDITIONS[name].kind
    base = evaluate(name, v)
    if kind in ("Theta", "O", "Omega", "polylog"):
        assert not (base.holds and not evaluate(name, v, c=f).holds)
    if kind in ("o", "omega"):
        assert not (evaluate(name, v, rho=10.0 * f).holds and not base.holds)
    if kind in ("Theta", "polylog"):
        assert not (base.holds and not evaluate(name, v, rho=10.0 * f).holds)
    if kind == "polylog" and math.log(v["n"]) > 1:
        assert not (base.holds and not evaluate(name, v, k=2).holds)


@given(v=values, B1=st.sampled_from([1, 2, 4, 5, 10, 20]), B2=st.sampled_from([20, 40, 50, 100, 200]))
def test_batch_regimes_monotone_in_B(v, B1, B2):
    """§5.6: mini-batch conditions (Thm 4.2: n/B >= log 1/ε; Thm 4.5: also n/B > sσ_p ∨ √n) only get
    easier as B shrinks; the large-batch condition (Thm 4.1: n/B = Θ(1)) only as B grows."""
    small, large = dict(v, B=B1), dict(v, B=B2)
    for rid in ("thm4.2", "thm4.5"):
        assert not (batch_regime(rid, large)["holds"] and not batch_regime(rid, small)["holds"]), rid
    assert not (batch_regime("thm4.1", small)["holds"] and not batch_regime("thm4.1", large)["holds"])
