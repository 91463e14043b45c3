"""Scaling checks: the registry's contract, the pipeline on short ladders, the store
reuse, and (slow) every shipped check at its default ladder with the verdict docs/scaling.md shows."""

from __future__ import annotations

import json
import math

import pytest

from bounds import scaling as bscaling
from theorycheck import Session, Store
from theorycheck.cli import main
from theorycheck.judge.slopes import fit_slope
from theorycheck.scaling import SCALING, make_request, run_scaling


@pytest.mark.parametrize("cid", list(SCALING))
def test_every_scaling_check_is_documented_and_predicts_in_its_ladders(cid):
    c = SCALING[cid]
    for word in ("Plan", "Rule", "Control"):
        assert word in c.doc, f"{cid}'s docstring must state its {word}"
    assert c.needs, "say what the prediction needs that the ladder does not give"
    for param in c.ladders:
        involved = []
        for s in c.series:
            try:
                involved.append(bscaling.exponent(s.quantity, param))
            except ValueError:
                pass
        assert involved, f"no series' prediction involves {param}"
        has_control = any(not s.params or param in s.params for s in c.controls)
        assert has_control or c.control_note, f"{cid} in {param}: a negative control, or a note on why none exists"
        make_request(cid, param, seeds=(0,))  # the default ladder builds (every config validates)


def test_predicted_exponents_come_from_bounds():
    """Nothing typed in: the prediction is the exponent bounds.scaling derives from the expression."""
    r = make_request("cor4.3-q4", seeds=(0,))
    s = r.check.series[0]
    ex = bscaling.exponent(s.quantity, "sigma_0")
    assert str(ex) == "q - 2" and ex.at({"q": 4.0, "sigma_0": 0.1}).value == pytest.approx(2.0)
    assert bscaling.exponent("adam_noise_rate", "sigma_p").at({}).value == pytest.approx(1.0)
    assert str(bscaling.exponent("adam_plateau", "m")) == "-1/q"


def test_lem51_ladders_fit_the_rate_and_the_store_reuses_everything(tmp_path):
    """Lemma 5.1's rate: exponent 1 in σp (SGD control fails) and in η, from one batched run per
    ladder; a second call computes nothing."""
    store = Store(str(tmp_path / "s.sqlite"))
    reqs = [make_request("lem5.1", "sigma_p", seeds=(0, 1)), make_request("lem5.1", "eta", seeds=(0, 1))]
    js = run_scaling(reqs, Session(store, executor="inline"))
    sp, eta = js
    assert sp.verdict == "consistent" and eta.verdict == "consistent", (sp.reason, eta.reason)
    assert abs(sp.series[0].fit.slope - 1) < 0.1 and abs(eta.series[0].fit.slope - 1) < 0.1
    assert sp.controls[0].verdict == "violated" and sp.controls[0].fit.slope > 2  # SGD: ~σp^{q+1}
    assert not eta.controls and eta.control_note
    assert sp.cost["computed"] == sp.cost["runs"] > 0
    again = run_scaling(reqs, Session(store, executor="inline"))
    assert all(j.cost["computed"] == 0 for j in again)
    assert [s.values for s in again[0].series] == [s.values for s in sp.series]
    json.dumps(sp.to_dict(), allow_nan=False)


def test_a_gating_miss_is_outside_regime_and_names_the_point(tmp_path):
    """η fixed far above σ0^{q−1} at one point of the ladder: the verdict names that point."""
    r = make_request("lem5.1", "sigma_p", "0.1,0.2,0.4", overrides={"eta": 0.02, "sigma_0": 0.1}, seeds=(0,))
    (j,) = run_scaling([r], Session(Store(":memory:"), executor="inline"))
    assert j.verdict == "outside-regime" and "sigma_p=" in j.reason and "eta_o_sigma0_q1" in j.reason


def test_diverged_points_are_left_out_and_counted():
    """A ladder point whose runs go non-finite gives no value: it is left out of the fit and counted."""
    r = make_request("lem5.1", "eta", "1e-3,2e-3,1e40", seeds=(0,), overrides={})
    (j,) = run_scaling([r], Session(Store(":memory:"), executor="inline"))
    s = j.series[0]
    assert math.isnan(s.values[-1][0]) and s.statuses[-1][0] != "ok"
    assert s.fit.dropped == 1 and "left out" in s.reason
    assert j.verdict != "consistent"


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
    assert out["results"][0]["series"][0]["fit"]["slope"] == pytest.approx(1.0, abs=0.1)
    assert "lem5.1" in md.read_text() and (tmp_path / "f" / "scaling_lem5_1_sigma_p.png").exists()


# ---- the shipped checks at their default ladders (3 seeds; docs/scaling.md) ----------------------
EXPECTED = {
    ("cor4.3", "sigma_0"): "consistent",
    ("cor4.3-q4", "sigma_0"): "consistent",
    ("cor4.6", "sigma_0"): "consistent",
    ("lem5.1", "sigma_p"): "consistent",
    ("lem5.1", "eta"): "consistent",
    ("lem5.3", "lam"): "consistent",
    ("lem5.3", "m"): "violated",  # the feature concentrates in one filter: no m-dependence (README)
}


@pytest.mark.slow
@pytest.mark.parametrize("cid,param", list(EXPECTED))
def test_shipped_scaling_checks_at_their_default_ladders(cid, param, tmp_path_factory):
    (j,) = run_scaling([make_request(cid, param)], Session(Store(":memory:"), executor="auto", workers=2))
    assert j.verdict == EXPECTED[(cid, param)], j.reason
    for c in j.controls:
        assert c.verdict != "consistent", (c.name, c.reason)


def test_cor43_transition_search_one_seed():
    """The transition path end to end on one seed: Adam's threshold doubles with σ0 (slope 1) and the
    AdamW control moves the other way; one seed is too few measurements to decide."""
    (j,) = run_scaling([make_request("cor4.3", seeds=(0,))], Session(Store(":memory:"), executor="inline"))
    adam, adamw = j.series[0], j.controls[0]
    assert all(st == ["found"] for st in adam.statuses)
    assert adam.fit.slope == pytest.approx(1.0, abs=0.15) and adamw.fit.slope < 0
    assert j.verdict == "inconclusive" and "too short" in j.reason
    assert j.cost["rounds"] == 4
