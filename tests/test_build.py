"""The one config builder (theorycheck.engine.build): one precedence in every command, identity
fields refused everywhere, so no --set can make two cells of a study the same run."""

import pytest

from simulations import ConfigError
from theorycheck.checks import get_check
from theorycheck.engine.build import arm_configs, make_context
from theorycheck.studies.grid import grid_plans
from theorycheck.studies.reproduce import cell_plans
from theorycheck.studies.sweep import sweep_plan


def test_precedence_preset_then_arm_then_set():
    ctx = make_context("tiny", {"eta": 3e-3, "m": 3}, (0, 1))
    (a, b) = arm_configs(ctx, {"eta": 1e-3, "lam": 0.2})
    assert a.eta == b.eta == 3e-3  # --set wins over the arm
    assert a.lam == 0.2  # the arm wins over the preset
    assert a.m == 3 and (a.seed, b.seed) == (0, 1)


def test_a_checks_setting_sits_between_the_preset_and_the_arm():
    ctx = make_context("tiny", {"m": 3}, (0,), setting={"eta": 1e-3, "m": 7, "lam": 0.1})
    assert ctx.base.eta == 1e-3 and ctx.base.m == 3  # the setting moves the base; --set wins over it
    assert ctx.setting == {"eta": 1e-3, "lam": 0.1}  # a field the user sets is not the check's any more
    (a,) = arm_configs(ctx, {"lam": 0.2})
    assert (a.eta, a.lam, a.m) == (1e-3, 0.2, 3)  # preset < setting < arm < --set


def test_thm41_runs_at_its_setting_and_says_so():
    """thm4.1/thm4.2 at smoke run at sigma_p = 1/3 (checks._common.RACE_MARGIN), every arm
    included, and a --set of sigma_p gives smoke's own reading with no setting shown."""
    import html

    from theorycheck.judge.render import check_html, check_markdown, check_text, setting_line
    from theorycheck.judge.verdicts import Judgement

    for cid in ("thm4.1", "thm4.2"):
        plan = get_check(cid).plan("smoke", seeds=(0,))
        assert {c.sigma_p for c in plan.configs} == {1 / 3}
        res = Judgement(check_id=cid, ref="", title="", verdict="", reason="", meta=plan.meta)
        line = setting_line(res)
        assert line.startswith("check setting at --preset smoke: sigma_p=0.333333 (below --set)"), line
        assert line in check_text(res) and line in check_markdown(res) and html.escape(line) in check_html(res)
        own = get_check(cid).plan("smoke", {"sigma_p": 1 / 6}, seeds=(0,))
        assert {c.sigma_p for c in own.configs} == {1 / 6} and not own.meta
        assert get_check(cid).plan("tiny", seeds=(0,)).configs[0].sigma_p == 0.2673  # smoke only


@pytest.mark.parametrize(
    "build, param",
    [
        (lambda: cell_plans("tiny", {"B": 4}, (0,)), "B"),
        (lambda: cell_plans("tiny", {"lam": 0.3}, (0,)), "lam"),
        (lambda: grid_plans("tiny", {"lam": 1e-3}, (0,)), "lam"),
        (lambda: grid_plans("tiny", {"optimizer": "sgd"}, (0,)), "optimizer"),
        (lambda: sweep_plan({"B": [2, 4]}, "tiny", (0,), {"B": 8}), "B"),
        (lambda: get_check("thm4.1").plan("tiny", {"B": 4}, (0,)), "B"),
        (lambda: make_context("tiny", {"seed": 1}), "seed"),
        (lambda: make_context("nope", {}), "preset"),
        (lambda: make_context("tiny", {}, ()), "seeds"),
    ],
)
def test_identity_fields_and_bad_requests_are_refused(build, param):
    with pytest.raises(ConfigError) as e:
        build()
    assert e.value.param == param


def test_reproduce_cells_stay_distinct_under_set():
    """Every cell of the reproduction keeps its own plan id and config, whatever --set carries."""
    plans = cell_plans("tiny", {"eta": 2e-3}, (0,))
    ids = [p.id for p in plans]
    assert len(set(ids)) == len(ids)
    keys = {p.configs[0] for p in plans}
    assert len(keys) == len(plans)
    assert all(c.eta == 2e-3 for p in plans for c in p.configs)


@pytest.mark.parametrize(
    "argv, param",
    [
        (["reproduce", "--preset", "tiny", "--set", "B=4", "--seeds", "0"], "'B'"),
        (["table", "--preset", "tiny", "--set", "lam=1e-3", "--seeds", "0"], "'lam'"),
        (["sweep", "--preset", "tiny", "--grid", "B=2,4", "--set", "B=8"], "'B'"),
    ],
)
def test_cli_refuses_identity_overrides(tmp_path, monkeypatch, capsys, argv, param):
    from theorycheck.cli import main

    monkeypatch.chdir(tmp_path)
    store = tmp_path / "s.sqlite"
    with pytest.raises(SystemExit) as e:
        main([*argv, "--store", str(store)])
    assert e.value.code == 2
    assert param in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_study_regroups_by_position_not_id():
    from theorycheck.studies.reproduction import reproduce_study

    st = reproduce_study("tiny", {}, (0,), audit_presets=["tiny"], arms=["default"], compare_presets=["tiny"])
    assert list(st.groups) == ["cells", "audit/tiny/default", "compare/tiny"]
    # the same plan ids stand in several groups; regrouping must keep them apart
    assert [p.id for p in st.groups["cells"]] == [p.id for p in st.groups["compare/tiny"]]
    fake = list(range(len(st.plans)))
    back = st.regroup(fake)
    assert back["cells"] == fake[:8] and back["compare/tiny"] == fake[-8:]
    assert "--audit-preset tiny" in st.command and "--compare-preset tiny" in st.command
