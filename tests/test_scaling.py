"""Scaling checks: their place in the one registry, the pipeline on short ladders, the store reuse,
the shared verdict ladder, and (slow) every shipped check at its default ladder with the verdict
docs/scaling.md shows."""

from __future__ import annotations

import json
import math

import pytest

from bounds import scaling as bscaling
from simulations import ConfigError
from theorycheck import Session, Store
from theorycheck.api import check_scaling
from theorycheck.checks.registry import REGISTRY, ScalingCheck, get_check, get_scaling, load_all
from theorycheck.cli import main
from theorycheck.judge.slopes import ScalingJudgement, SeriesResult, fit_slope
from theorycheck.studies.scaling import make_request, run_scaling, unscorable

SCALING = load_all("scaling")


def test_one_registry_holds_both_kinds_with_distinct_ids():
    both = load_all(None)
    checks = load_all()
    assert set(both) == set(checks) | set(SCALING) and not set(checks) & set(SCALING)
    assert {c.kind for c in checks.values()} == {"check"} and {c.kind for c in SCALING.values()} == {"scaling"}
    assert all("@" in cid and cid == f"{c.family}@{c.param}" for cid, c in SCALING.items())
    assert {"cor4.3@sigma_0", "cor4.3-q4@sigma_0", "cor4.6@sigma_0", "lem5.1@sigma_p", "lem5.1@eta"} <= set(SCALING)
    assert {"lem5.3@lam", "lem5.3@m"} <= set(SCALING)
    assert set(REGISTRY) == set(both)
    # a family names its first ladder; a parameter picks another
    assert get_scaling("lem5.1").id == "lem5.1@sigma_p" and get_scaling("lem5.1", "eta").id == "lem5.1@eta"
    with pytest.raises(ConfigError, match="theorycheck scaling") as e:
        get_check("lem5.1@eta")
    assert e.value.param == "result"


def test_a_scaling_check_is_keyword_only():
    with pytest.raises(TypeError):
        ScalingCheck("x", "sigma_0")  # the seam is typed by name
    with pytest.raises(TypeError):
        SeriesResult("adam", "q")


@pytest.mark.parametrize("cid", list(SCALING))
def test_every_scaling_check_predicts_in_its_ladder(cid):
    c = SCALING[cid]
    involved = []
    for s in c.series:
        try:
            involved.append(bscaling.exponent(s.quantity, c.param))
        except ValueError:
            pass
    assert involved, f"no series' prediction involves {c.param}"
    assert c.controls or c.control_note, f"{cid}: a negative control, or a note on why none exists"
    assert any(not s.diagnostic for s in c.series) or c.claims, "something must be scored"


def test_predicted_exponents_come_from_bounds():
    """Nothing typed in: the prediction is the exponent bounds.scaling derives from the expression."""
    r = make_request("cor4.3-q4@sigma_0", seeds=(0,))
    s = r.check.series[0]
    ex = bscaling.exponent(s.quantity, "sigma_0")
    assert str(ex) == "q - 2" and ex.at({"q": 4.0, "sigma_0": 0.1}).value == pytest.approx(2.0)
    assert bscaling.exponent("adam_noise_rate", "sigma_p").at({}).value == pytest.approx(1.0)
    assert str(bscaling.exponent("adam_plateau", "m")) == "-1/q"


def test_configs_come_from_the_one_builder_and_identity_fields_are_refused():
    r = make_request("lem5.1@sigma_p", seeds=(0, 1), overrides={"alpha": 0.15})
    s = r.check.series[0]
    cfgs = [r.config(i, s, seed) for i in range(len(r.ladder)) for seed in (0, 1)]
    assert {c.alpha for c in cfgs} == {0.15} and {c.sigma_p for c in cfgs} == set(r.ladder)
    assert "--set alpha=0.15" in r.command() and r.command().startswith("theorycheck scaling lem5.1@sigma_p --vary")
    for bad, val in (("sigma_p", 0.2), ("optimizer", "sgd"), ("lam", 1e-3), ("epochs", 7)):
        with pytest.raises(ConfigError) as e:
            make_request("lem5.1@sigma_p", seeds=(0,), overrides={bad: val})
        assert e.value.param == bad


def test_lem51_ladders_fit_the_rate_and_the_store_reuses_everything(tmp_path):
    """Lemma 5.1's rate: exponent 1 in σp (SGD control fails) and in η, from one batched run per
    ladder; a second call computes nothing."""
    store = Store(str(tmp_path / "s.sqlite"))
    reqs = [make_request("lem5.1@sigma_p", seeds=(0, 1)), make_request("lem5.1@eta", seeds=(0, 1))]
    js = run_scaling(reqs, Session(store, executor="inline"))
    sp, eta = js
    assert sp.verdict == "consistent" and eta.verdict == "consistent", (sp.reason, eta.reason)
    assert abs(sp.series[0].fit.slope - 1) < 0.1 and abs(eta.series[0].fit.slope - 1) < 0.1
    assert sp.controls[0].verdict == "violated" and sp.controls[0].fit.slope > 2  # SGD: ~σp^{q+1}
    assert "negative control fails (sgd: violated)" in sp.reason
    assert not eta.controls and eta.control_note
    assert sp.cost["computed"] == sp.cost["runs"] > 0
    again = run_scaling(reqs, Session(store, executor="inline"))
    assert all(j.cost["computed"] == 0 for j in again)
    assert [s.values for s in again[0].series] == [s.values for s in sp.series]
    json.dumps(sp.to_dict(), allow_nan=False)


def test_a_gating_miss_is_outside_regime_and_names_the_point():
    """σ0 small enough that the check's η misses η = o(σ0^{q−1}): the verdict names the point."""
    j = check_scaling("lem5.1@sigma_p", ladder="0.1,0.2,0.4", seeds=(0,), sigma_0=0.01)
    assert j.verdict == "outside-regime" and "sigma_p=" in j.reason and "eta_o_sigma0_q1" in j.reason


def _series(values, statuses, diagnostic=False):
    fit = fit_slope([1.0, 2.0, 4.0], values, paired=True)
    return SeriesResult(
        name="s",
        quantity="q",
        expr="x",
        exponent_expr="1",
        predicted=1.0,
        side="two-sided",
        fit=fit,
        verdict="inconclusive",
        reason="",
        values=values,
        statuses=statuses,
        diagnostic=diagnostic,
    )


def test_a_partly_diverged_ladder_is_fitted_until_the_fit_lacks_points():
    """Unscorable runs are left out and counted while the fit keeps enough points and
    measurements; when they leave fewer, the ladder reads diverged (the shared ladder's rung)."""
    nan = math.nan
    ok2 = [[1.0, 1.1], [2.0, 2.2], [4.0, nan]]
    st2 = [["ok", "ok"], ["ok", "ok"], ["ok", "non-finite"]]
    assert unscorable([_series(ok2, st2)], ["non-finite at x=4"]) == []
    few = [[1.0, nan], [2.0, nan], [nan, nan]]
    stf = [["ok", "non-finite"], ["ok", "non-finite"], ["non-finite", "non-finite"]]
    assert unscorable([_series(few, stf)], ["non-finite at x=4"]) == ["non-finite at x=4"]
    assert unscorable([_series(few, stf, diagnostic=True)], ["non-finite at x=4"]) == []  # never scored
    assert unscorable([_series(ok2, st2)], ["a"], claims_need_all=True) == ["a"]  # per-point claims need all
    censored = [["ok", "above"], ["ok", "above"], ["above", "above"]]
    assert unscorable([_series(few, censored)], []) == []  # a censored transition is not a divergence


def test_diverged_points_are_left_out_and_counted():
    """A ladder point whose runs go non-finite gives no value: it is left out of the fit and counted."""
    j = check_scaling("lem5.1@eta", ladder="1e-3,2e-3,1e40", seeds=(0,))
    s = j.series[0]
    assert math.isnan(s.values[-1][0]) and s.statuses[-1][0] != "ok"
    assert s.fit.dropped == 1 and "left out" in s.reason
    assert j.verdict == "outside-regime"  # η = 1e40 also leaves the regime: the first rung wins


def test_paired_fit_ignores_a_seed_wide_offset():
    """Seeds whose thresholds differ by a constant factor at every point agree on the slope."""
    x = [0.025, 0.05, 0.1]
    y = [[2 * v, v, v] for v in (0.0214, 0.0427, 0.0854)]
    paired, unpaired = fit_slope(x, y, paired=True), fit_slope(x, y)
    assert paired.slope == pytest.approx(1.0, abs=1e-2) and paired.hi - paired.lo < 0.05
    assert unpaired.hi - unpaired.lo > 0.5


def test_cli_scaling_json_and_markdown(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("THEORYCHECK_STORE", str(tmp_path / "s.sqlite"))
    md = tmp_path / "scaling.md"
    with pytest.raises(SystemExit) as e:
        main(["scaling", "lem5.1", "--seeds", "0,1", "--json", "--md", str(md), "--figures", str(tmp_path / "f")])
    out = json.loads(capsys.readouterr().out)
    assert e.value.code == 0 and out["verdict"] == "consistent"
    assert out["results"][0]["check_id"] == "lem5.1@sigma_p"
    assert out["results"][0]["series"][0]["fit"]["slope"] == pytest.approx(1.0, abs=0.1)
    assert "lem5.1@sigma_p" in md.read_text() and (tmp_path / "f" / "scaling_lem5_1_sigma_p.png").exists()


def _main(args: list[str]) -> None:
    try:
        main(args)
    except SystemExit as e:
        assert e.code in (None, 0)


def test_cli_list_shows_both_kinds(capsys):
    _main(["list", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert {c["kind"] for c in out["checks"]} == {"check"} and {c["kind"] for c in out["scaling"]} == {"scaling"}
    assert {c["id"] for c in out["scaling"]} == set(SCALING)
    _main(["list"])
    text = capsys.readouterr().out
    assert "lem5.3@m" in text and "thm4.2" in text and "theorycheck scaling ID" in text


def test_lem53_along_m_is_built_on_the_lemma_as_stated():
    """The m-ladder scores the lemma's own statements (the best filter's Θ̃(1) level, and no stop below
    the one-sided threshold), with a negative control past Cor 4.3's λ; the reconstructed equality
    z* ∝ m^{-1/q} is only a diagnostic series."""
    c = SCALING["lem5.3@m"]
    assert c.claims is not None and all(s.diagnostic for s in c.series + c.controls)
    assert c.controls and not c.control_note
    r = make_request("lem5.3@m", seeds=(0,))
    ctl = r.config(0, c.controls[0], 0)
    assert ctl.lam == 0.3 and ctl.optimizer == "adam" and r.config(0, c.series[0], 0).lam == 1e-4


@pytest.mark.slow
def test_lem53_along_m_reads_the_lemma_as_stated():
    j = check_scaling("lem5.3@m", ladder="2,4,16", seeds=(0,))
    assert j.series[0].diagnostic and j.series[0].reason.startswith("diagnostic, not scored")
    assert len(j.claims) == 2 * len(j.ladder) and all(c.status == "consistent" for c in j.claims), j.claims
    assert j.control_claims and all(c.status == "violated" for c in j.control_claims), j.control_claims
    assert j.verdict == "consistent", j.reason  # whatever the diagnostic fit reads
    assert isinstance(j, ScalingJudgement) and j.to_dict()["claims"][0]["status"] == "consistent"


# ---- the shipped checks at their default ladders (3 seeds; docs/scaling.md) ----------------------
EXPECTED = {
    "cor4.3@sigma_0": "consistent",
    "cor4.3-q4@sigma_0": "consistent",
    "cor4.6@sigma_0": "consistent",
    "lem5.1@sigma_p": "consistent",
    "lem5.1@eta": "consistent",
    "lem5.3@lam": "consistent",
    "lem5.3@m": "consistent",  # the lemma as stated; the reconstructed equality's fit is a diagnostic
    # B* on the divisors of n (checks/scaling/batch.py; docs/scaling.md, docs/batch_size.md)
    "thm4.1-4.2@n": "inconclusive",  # fitted 1.15 [0.55, 1.74]: the x2 in-between zone widens it past 4τ
    "thm4.4-4.5@sigma_p": "inconclusive",  # seeds disagree on B* by more than x10 in AdamW's band of sσp
    "thm4.4-4.5@n": "inconclusive",  # most seeds generalize or memorize at every B: no bracket
    "thm4.5-floor@lam": "inconclusive",  # every B generalizes at λ = 0.5: two points left
    "lemC.2@beta2": "inconclusive",  # fitted -0.46 [-1.01, 0.09] against a mean -0.62: just wider than 4τ
    "lemC.18@lam": "consistent",  # App. C's λ-free level; App. B's 1/λ is a diagnostic (tests/test_scaling_stage2.py)
    "lemC.14-noise@lam": "consistent",  # C.14's Θ~(1) level as stated; both λ slopes are diagnostics
    "lemC.12@sigma_p": "consistent",
    "lemC.17@B": "consistent",  # fitted -0.76 at 3 seeds, at the edge of -1 ± 0.25
}


def test_expected_covers_the_registry():
    assert set(EXPECTED) == set(SCALING)


@pytest.mark.slow
@pytest.mark.parametrize("cid", list(EXPECTED))
def test_shipped_scaling_checks_at_their_default_ladders(cid):
    (j,) = run_scaling([make_request(cid)], Session(Store(":memory:"), executor="auto", workers=2))
    assert j.verdict == EXPECTED[cid], j.reason
    for c in j.controls:
        assert c.diagnostic or c.verdict != "consistent", (c.name, c.reason)


def test_cor43_transition_search_one_seed():
    """The transition path end to end on one seed: Adam's threshold doubles with σ0 (slope 1) and the
    AdamW control moves the other way; one seed is too few measurements to decide."""
    j = check_scaling("cor4.3", seeds=(0,))
    adam, adamw = j.series[0], j.controls[0]
    assert all(st == ["found"] for st in adam.statuses)
    assert adam.fit.slope == pytest.approx(1.0, abs=0.15) and adamw.fit.slope < 0
    assert j.verdict == "inconclusive" and "too short" in j.reason
    assert j.cost["rounds"] == 4


def test_checks_and_scaling_checks_share_one_verdict_ladder():
    """decide orders both kinds alike, and the control downgrade is one function for both."""
    from theorycheck.judge.verdicts import Claim, Hypothesis, control_downgrade, decide

    ok = _series([[1.0], [2.0], [4.0]], [["ok"], ["ok"], ["ok"]])
    ok.verdict = "consistent"
    miss = Hypothesis("[x=1] eta_o_sigma0_q1", "ref", False, "d", True, "mechanism")
    assert decide([ok], [miss], ["bad run"])[0] == "outside-regime"
    assert decide([ok], [], ["bad run"])[0] == "diverged"
    assert decide([ok, Claim("c", "p", "r", [1.0], [False])], [], [])[0] == "violated"
    assert decide([ok], [], []) == ("consistent", "s")
    assert control_downgrade("consistent", "r", False, "", "(sgd reads consistent)")[0] == "inconclusive"
    assert control_downgrade("violated", "r", False, "", "") == ("violated", "r")
    assert control_downgrade("consistent", "r", True, "(sgd: violated)", "") == (
        "consistent",
        "r; the negative control fails (sgd: violated)",
    )
