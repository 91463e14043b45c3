"""bounds.results (numbers per theorem/lemma) and bounds.report."""

import ast
import math
import pathlib

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bounds
from bounds import (
    CONDITIONS,
    PAPER_PRESET,
    RESULTS,
    T0_VARIANTS,
    adam_plateau,
    batch_regime,
    evaluate_all,
    get_result,
    lambda_window,
    paper_values,
    predicted,
    time_scales,
)
from bounds.report import render_report

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
    v = paper_values("adam", B=2)
    assert lambda_window("thm4.1", v) == (0.0, pytest.approx(5e-6))  # 0.01·0.1/200
    assert lambda_window("cor4.3", v) == (pytest.approx(0.01), None)
    lo, hi = lambda_window("thm4.5", paper_values("adamw", B=2))
    assert lo == pytest.approx(0.02 / LN200) and hi == pytest.approx(LN200)
    lo, _ = lambda_window("thm4.4", paper_values("adamw", B=100), c=2, k=2)
    assert lo == pytest.approx(1 / (2 * LN200**2))


def test_batch_regimes_at_preset():
    b = batch_regime("thm4.2", paper_values("adam", B=2))
    assert b["n_over_B"] == 100 and b["min_n_over_B"] == pytest.approx(math.log(2e9))
    assert b["holds"]
    assert not batch_regime("thm4.2", paper_values("adam", B=100))["holds"]  # 2 < 21.4
    assert batch_regime("thm4.1", paper_values("adam", B=100))["holds"]
    w = batch_regime("thm4.5", paper_values("adamw", B=2))
    assert w["must_exceed"] == pytest.approx(math.sqrt(200))  # max(sσp=10, √n=14.1)
    assert w["min_n_over_B"] == pytest.approx(math.log(1 / 5e-7))  # 14.5
    assert w["holds"] and not w["holds_with_slack"]
    assert batch_regime("thm4.4", paper_values("adamw", B=100))["holds"]  # n/B = 2 = Θ(1)


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
    assert p["missed"]["lam_adam_upper"] == pytest.approx(20)
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
    text = render_report()
    for rid in ("thm4.1", "thm4.2", "cor4.3", "thm4.4", "thm4.5", "cor4.6"):
        assert rid in text
    assert "supports_disjoint_possible" in text and "T_epochs" in text
    out = tmp_path / "r.md"
    bounds.report.main(["--out", str(out)])
    assert out.read_text().startswith("# Bounds report")


def test_bounds_imports_only_allowed_packages():
    allowed = {"sympy", "numpy", "scipy", "math", "dataclasses", "functools", "itertools", "argparse", "__future__"}
    for path in pathlib.Path(bounds.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                mods = [node.module]
            else:
                continue
            assert all(m.split(".")[0] in allowed for m in mods), (path, mods)
