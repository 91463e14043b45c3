"""bounds.results (numbers per theorem/lemma) and bounds.report."""

import ast
import math
import pathlib

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bounds
import bounds.report
from bounds import (
    CONDITIONS,
    PAPER_PRESET,
    RESULTS,
    T0_VARIANTS,
    adam_plateau,
    batch_regime,
    evaluate_all,
    get_result,
    lambda_check,
    lambda_orders,
    lambda_window,
    paper_values,
    predicted,
    time_scales,
)

LN200 = math.log(200)


def test_results_reference_known_conditions():
    for rid in (
        "thm4.1",
        "thm4.2",
        "cor4.3",
        "thm4.4",
        "thm4.5",
        "cor4.6",
        "lem5.1",
        "lem5.2",
        "lemC.7",
        "lemB.5",
        "lemC.12",
        "lemC.18",
    ):
        assert get_result(rid).id in RESULTS
    for r in RESULTS.values():
        assert r.kind in ("theorem", "corollary", "lemma")
        assert r.optimizer in ("adam", "adamw", "both") and r.regime in ("large", "mini", "any")
        assert all(h in CONDITIONS for h in r.hypotheses)
        assert all(h in CONDITIONS for alt in r.alternatives for h in alt)
    assert get_result("LEMC.7") is get_result("lemC.7")


def test_lambda_windows_at_preset():
    # windows under the convention (ρ = 4, c = k = 1), recomputed by hand
    v = paper_values("adam", B=2)
    assert lambda_window("thm4.1", v) == (0.0, pytest.approx(5e-6 / 4))  # o(0.01·0.1/200)
    assert lambda_window("cor4.3", v) == (pytest.approx(0.04), None)  # ω(0.01)
    lo, hi = lambda_window("thm4.5", paper_values("adamw", B=2))
    assert lo == pytest.approx(0.02 / (4 * LN200)) and hi == pytest.approx(4 * LN200)
    lo, hi = lambda_window("thm4.4", paper_values("adamw", B=100), c=2, k=2)
    assert lo == pytest.approx(2 / (4 * LN200**2)) and hi == pytest.approx(4 * 2 * LN200**2)
    assert lambda_window("thm4.4", paper_values("adamw", B=100), rho=1.0) == lambda_orders(
        "thm4.4", paper_values("adamw", B=100)
    )
    # raw orders, no ρ
    assert lambda_orders("thm4.1", v) == (0.0, pytest.approx(5e-6))
    assert lambda_orders("cor4.3", v) == (pytest.approx(0.01), None)
    lo, hi = lambda_orders("thm4.5", paper_values("adamw", B=2))
    assert lo == pytest.approx(0.02 / LN200) and hi == pytest.approx(LN200)
    assert (
        lambda_window("cor4.6", v) == lambda_orders("cor4.6", v) == (pytest.approx(0.01), pytest.approx(0.02 / LN200))
    )


def test_lambda_check_at_preset():
    wc = lambda_check("thm4.2", paper_values("adam", B=2))  # λ = 1e-5 vs 1.25e-6
    assert not wc.holds and wc.side == "above" and wc.miss_factor == pytest.approx(8.0)
    assert wc.fix == pytest.approx(1.25e-6)
    assert lambda_check("cor4.3", paper_values("adam", 0.05, 2)).holds  # 0.05 >= 0.04
    wc = lambda_check("thm4.4", paper_values("adamw", B=100))  # 0.01 vs 1/(4·5.298) = 0.0472
    assert not wc.holds and wc.side == "below" and wc.miss_factor == pytest.approx(1 / (4 * LN200 * 0.01))
    assert lambda_check("thm4.5", paper_values("adamw", B=2)).holds
    # Cor 4.6 at n = 200, B = 2: cap 0.01 vs floor 0.02/5.298 = 0.00377: ρ·cap/floor = 10.6
    wc = lambda_check("cor4.6", paper_values("adam", B=2))
    assert not wc.holds and wc.lam is None and wc.miss_factor == pytest.approx(4 * 0.01 / (0.02 / LN200))
    with pytest.raises(ValueError, match="lam"):
        lambda_check("thm4.2", PAPER_PRESET | {"B": 2})


def test_batch_regimes_at_preset():
    b = batch_regime("thm4.2", paper_values("adam", B=2))
    assert b.n_over_B == 100 and b.min_n_over_B == pytest.approx(math.log(2e9) / 4)  # Ω: 21.42/ρ
    assert b.holds and b.miss_factor == 1.0 and b.missed == {}
    b = batch_regime("thm4.2", paper_values("adam", B=100))  # 2 < 5.35
    assert not b.holds and b.miss_factor == pytest.approx(math.log(2e9) / 4 / 2)
    assert list(b.missed) == ["nB_ge_log_eps"]
    assert b.fix == f"B <= {200 / (math.log(2e9) / 4):.4g}"  # B <= 37.35
    b = batch_regime("thm4.1", paper_values("adam", B=100))
    assert b.holds and b.max_n_over_B == pytest.approx(4.0)  # Θ(1) read as n/B <= c·ρ
    w = batch_regime("thm4.5", paper_values("adamw", B=2))
    assert w.sqrt_n_omega_min == pytest.approx(4 * math.sqrt(200))  # 56.6
    assert w.ssp_omega_min == pytest.approx(40.0)
    assert w.log_eps_min == pytest.approx(math.log(1 / 5e-7) / 4)  # 14.5/4
    assert w.min_n_over_B == pytest.approx(4 * math.sqrt(200)) and w.holds
    w = batch_regime("thm4.5", paper_values("adamw", B=100))
    assert not w.holds and w.miss_factor == pytest.approx(4 * math.sqrt(200) / 2)
    b = batch_regime("thm4.4", paper_values("adamw", B=100))  # n/B = 2 = Θ(1)
    assert b.holds and b.theta1_max == pytest.approx(4.0) and b.o_ssp_max == pytest.approx(2.5)
    b = batch_regime("thm4.4", paper_values("adamw", B=2))  # OR: misses Θ(1) by 25, o(sσp) by 40
    assert not b.holds and b.miss_factor == pytest.approx(25.0) and b.fix == "B >= 50"  # n/B <= 4
    assert b.missed == {"nB_theta1": pytest.approx(25.0), "nB_o_ssp": pytest.approx(40.0)}
    assert batch_regime("cor4.3", paper_values("adam", B=7)).holds


def test_paper_batch_split_reads_correctly_for_rho_between_2_and_7():
    """The convention's ρ = 4: the App. D.2 split (n/B = 2 large, n/B = 100 mini) lands on the
    paper's side for all four (optimizer, B) pairs exactly when 2 <= ρ <= √200/2 = 7.07."""

    def split_ok(rho):
        ok = True
        for opt, (large, mini) in (("adam", ("thm4.1", "thm4.2")), ("adamw", ("thm4.4", "thm4.5"))):
            for B, right, wrong in ((100, large, mini), (2, mini, large)):
                v = paper_values(opt, B=B)
                ok = ok and batch_regime(right, v, rho=rho).holds and not batch_regime(wrong, v, rho=rho).holds
        return ok

    assert split_ok(bounds.DEFAULT_RHO)
    assert split_ok(2.0) and split_ok(math.sqrt(200) / 2 * (1 - 1e-9))
    assert not split_ok(1.99) and not split_ok(math.sqrt(200) / 2 * 1.001) and not split_ok(10.0)
    assert bounds.DEFAULT_RHO == 4.0 and bounds.DEFAULT_C == 1.0 and bounds.DEFAULT_K == 1.0


def test_plateau_and_time_scales():
    assert adam_plateau(1e-5, 20, 3) == pytest.approx((math.log(99999) / 20) ** (1 / 3))
    assert adam_plateau(1e-5, 20, 3) == pytest.approx(0.832, abs=1e-3)
    ts = time_scales(paper_values("adam", B=100))
    assert ts["T0"]["adam_large"] == pytest.approx(2000)  # 1/(η sσp)
    assert ts["T0_variants"]["lem5.1"]["epochs"] == pytest.approx(1000)  # n/B = 2
    assert ts["tau_bar"] == pytest.approx(math.log(2e9))
    ts = time_scales(paper_values("adam", B=2), variant="appendix_B")
    # B.2's B/(ηn) read as epochs equals C.4's 1/η iterations
    assert (
        ts["T0_variants"]["lemB.2"]["iterations"]
        == pytest.approx(ts["T0_variants"]["lemC.4"]["iterations"])
        == pytest.approx(2e4)
    )
    assert set(time_scales(PAPER_PRESET | {"B": 2})["T0_variants"]) == {
        k for k, (_, e, _) in T0_VARIANTS.items() if "lambda" not in str(e)
    }


def test_predicted():
    p = predicted("thm4.2", paper_values("adam", B=2))
    assert p["train_error"] == 0 and p["test_error"] == "o(1)" and not p["stuck"]
    assert p["plateau"] == pytest.approx(0.832, abs=1e-3)
    assert p["noise"] == pytest.approx(5e-5 * 10 + 0.2)  # ηsσp + α (C.7)
    assert p["missed"]["lam_adam_upper"] == pytest.approx(8)  # r = 2, ρ = 4
    # 0.999^(200/(2*2)) = 0.951 against rho * lambda * eta = 4 * 5e-10: misses by ~4.76e8
    assert p["mechanism_missed"] == {
        "eta_o_sigma0_q1": pytest.approx(2),
        "faded_moments": pytest.approx(0.999**50 / (4 * 5e-10)),
    }
    assert not p["lam_in_window"] and p["lambda_miss_factor"] == pytest.approx(8)
    assert predicted("thm4.1", paper_values("adam", B=100))["test_error"] == ">=1/2-o(1)"
    assert predicted("cor4.3", paper_values("adam", 0.05, 2))["stuck"]
    p = predicted("thm4.4", paper_values("adamw", B=100))
    assert "nB_o_ssp" not in p["missed"]  # n/B = Θ(1) alternative holds
    assert p["feature"] == pytest.approx(-200 / (100 * 10))  # −n/(B sσp), C.14
    pb = predicted("thm4.4", paper_values("adamw", B=100), variant="appendix_B")
    assert pb["feature"] == pytest.approx(-1 / 0.01)


def _regime(n, ed, eB, q):
    d = n**ed
    s = math.sqrt(d) / n**2
    sigma_p = 1 / math.sqrt(s * math.log(n))
    sigma_0 = d**-0.25
    eta = sigma_0 ** (q - 1) / (100 * s)
    return {
        "n": n,
        "d": d,
        "s": s,
        "sigma_p": sigma_p,
        "alpha": sigma_p * math.log(n),
        "sigma_0": sigma_0,
        "m": math.log(n),
        "q": q,
        "eta": eta,
        "beta1": 0.9,
        "beta2": 0.999,
        "B": max(1.0, n**eB),
        "T": n / eta,
    }


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(n=st.floats(1e2, 1e5), ed=st.floats(4.5, 7.5), eB=st.floats(0, 0.45), q=st.sampled_from([3, 4]))
def test_cor46_numeric(n, ed, eB, q):
    v = _regime(n, ed, eB, q)
    vals = evaluate_all(v, list(get_result("cor4.6").hypotheses))
    assume(all(cv.holds for cv in vals))
    cap, floor = lambda_window("cor4.6", v)
    assert cap < floor  # σ0^{q−2} < (B²/n ∧ 1)/log n
    adam_hi = lambda_window("thm4.2", dict(v, lam=1.0))[1]
    adamw_lo = lambda_window("thm4.5", dict(v, lam=1.0))[0]
    assert adam_hi < adamw_lo


def test_report_mentions_every_theorem(tmp_path):
    out = tmp_path / "r.md"
    bounds.report.main(["--out", str(out)])
    text = out.read_text()
    assert text.startswith("# Bounds report")
    for rid in ("thm4.1", "thm4.2", "cor4.3", "thm4.4", "thm4.5", "cor4.6"):
        assert rid in text
    assert "supports_disjoint_possible" in text and "T_epochs" in text
    assert "## 0. How an asymptotic relation is read" in text and "## 4. Scaling exponents" in text
    assert "exactly for 2 ≤ ρ ≤ 7.07" in text  # the App. D.2 split, computed
    assert "`eta_o_sigma0_q1` ×2 (eta <= 2.5e-05)" in text
    for name in bounds.QUANTITIES:
        assert f"| `{name}` |" in text, name
    # the committed report is the generated one
    committed = pathlib.Path(__file__).resolve().parents[1] / "docs" / "bounds_report.md"
    assert committed.read_text() == text, "regenerate: python -m bounds.report --out docs/bounds_report.md"


def test_split_rho_interval():
    lo, hi = bounds.report.split_rho_interval()
    assert lo == pytest.approx(2.0, abs=1e-9) and hi == pytest.approx(math.sqrt(200) / 2, rel=1e-9)
    assert lo <= bounds.DEFAULT_RHO <= hi


def test_bounds_imports_only_allowed_packages():
    allowed = {
        "sympy",
        "numpy",
        "scipy",
        "math",
        "dataclasses",
        "functools",
        "itertools",
        "argparse",
        "collections",
        "__future__",
        "typing",
    }
    for path in pathlib.Path(bounds.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                mods = [node.module]
            else:
                continue
            assert all(m.split(".")[0] in allowed for m in mods), (path, mods)


def test_batch_regime_is_a_frozen_keyword_only_record():
    import dataclasses

    from bounds import BatchRegime

    b = batch_regime("thm4.5", paper_values("adamw", B=2))
    assert isinstance(b, BatchRegime) and b.regime == "mini" and b.holds
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.holds = False
    with pytest.raises(TypeError):
        BatchRegime(100.0, "mini", True, 1.0, "rule")  # positional construction is refused
    # the thresholds of the relations a regime does not use stay None
    assert b.theta1_max is None and b.max_n_over_B is None and b.min_n_over_B is not None
    assert batch_regime("cor4.3", paper_values("adam", B=7)).min_n_over_B is None
