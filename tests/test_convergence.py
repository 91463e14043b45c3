"""End states, the convergence criterion, the horizon ladder and ληT = ω(1) (docs/model.md §8 item 9).

The ladder and the criterion are tested on synthetic trajectories (no training), so every case
can be built to read one way; the bounds condition and the plans are checked on the configs."""

from __future__ import annotations

import numpy as np
import pytest

import bounds
from simulations import ConfigError, RunResult
from simulations.presets import preset
from theorycheck.checks.registry import get_check, load_all
from theorycheck.judge.gating import arm_hypotheses, bounds_values
from theorycheck.judge.horizon import (
    apply_ladder,
    converged_hypotheses,
    end_state,
    read_ladder,
    rungs,
    truncate,
)
from theorycheck.judge.verdicts import Tolerances

STEPS = 1000


def fake_run(test_err: list[float], loss: list[float] | None = None, steps: int = STEPS) -> RunResult:
    """A run whose test error follows `test_err` at evenly spaced records (train error 0)."""
    cfg = preset("tiny", optimizer="adam", B=20, epochs=steps // 2, lam=1e-6)
    k = len(test_err)
    step = np.linspace(0, steps, k).round().astype(int)
    loss = loss if loss is not None else [0.01] * k
    traj = {
        "step": step,
        "epoch": step / 2,
        "train_loss": np.array(loss, float),
        "train_err": np.zeros(k),
        "test_err": np.array(test_err, float),
        "feat_pos": np.linspace(0.1, 1.0, k),
        "feat_neg": np.linspace(0.1, 1.0, k),
    }
    final = {key: float(v[-1]) for key, v in traj.items() if key not in ("step", "epoch")}
    return RunResult(cfg, "ok", None, "", traj, final)


def thm41_plan() -> object:
    return get_check("thm4.1").plan("tiny", seeds=(0,))


def test_end_states_declared() -> None:
    load_all()
    for cid in ("thm4.1", "thm4.2", "thm4.4", "thm4.5", "cor4.3", "cor4.6"):
        assert end_state(cid).kind == "convergence", cid
    for cid in ("lem5.1", "lem5.2", "lemC.17"):
        assert end_state(cid).kind == "stage", cid


def test_rungs_follow_the_budget() -> None:
    assert rungs(Tolerances()) == (1.0, 3.0, 10.0)
    assert rungs(Tolerances(horizon=30)) == (1.0, 3.0, 10.0, 30.0)
    assert rungs(Tolerances(horizon=5)) == (1.0, 3.0, 5.0)
    with pytest.raises(ConfigError, match="horizon"):
        Tolerances(horizon=0.5)


def test_truncate_reads_the_last_record_before_t() -> None:
    r = fake_run([0.9, 0.8, 0.7, 0.1, 0.0])  # records at 0, 250, 500, 750, 1000
    v = truncate(r, 600)
    assert list(v.trajectory["step"]) == [0, 250, 500]
    assert v.final["test_err"] == pytest.approx(0.7)
    assert r.final["test_err"] == 0.0  # the run itself is untouched


def test_plans_train_to_the_budget() -> None:
    """thm4.1's regime arm lasts horizon x its Stage-I time (and 3x longer at horizon=30)."""
    for h in (10.0, 30.0):
        plan = get_check("thm4.1").plan("smoke", seeds=(0,), tol=Tolerances(horizon=h))
        base = plan.context.base  # smoke with thm4.1's own setting (sσp = 12)
        st = bounds.stage_times("thm4.1", {**bounds_values(base), "B": base.n // 2})["stage1"].iterations
        steps = plan.arm("large").configs[0].steps
        assert h * st <= steps < h * st + base.n // (base.n // 2) + 1


def test_memorization_lost_late_reads_violated_at_convergence() -> None:
    """thm4.1's rule (err_S = 0, err_D >= 0.4): memorized at x1 and x3, generalizing from x10 on, and
    stationary at the end: violated, with the ladder in the reason."""
    plan = thm41_plan()
    tol = plan.context.tol
    # records every 10 iterations; the budget is 10 x the stage time, so x1 = 100, x3 = 300
    errs = [1.0 if t < 500 else 0.0 for t in range(0, STEPS + 1, 10)]
    regime = {"large": [fake_run(errs)]}
    ladder = read_ladder(plan, regime, tol)
    assert [r.status for r in ladder] == ["consistent", "consistent", "violated"]
    hyps = converged_hypotheses(plan, regime, tol)
    assert [h.holds for h in hyps] == [True]
    verdict, reason = apply_ladder("violated", "fails on every seed: test error", ladder, hyps)
    assert verdict == "violated"
    assert "consistent until t = 300 (x3), violated from t = 1000 (x10)" in reason


def test_a_late_pass_is_horizon_dependent_never_consistent() -> None:
    plan = thm41_plan()
    tol = plan.context.tol
    errs = [0.0 if t < 500 else 1.0 for t in range(0, STEPS + 1, 10)]
    regime = {"large": [fake_run(errs)]}
    ladder = read_ladder(plan, regime, tol)
    assert [r.status for r in ladder] == ["violated", "violated", "consistent"]
    hyps = converged_hypotheses(plan, regime, tol)
    verdict, reason = apply_ladder("consistent", "every claim holds on every seed", ladder, hyps)
    assert verdict == "inconclusive"
    assert reason.startswith("horizon-dependent (violated until t = 300 (x3), consistent from t = 1000 (x10))")


def test_a_stable_reading_keeps_its_verdict() -> None:
    plan = thm41_plan()
    regime = {"large": [fake_run([0.9] * 101)]}
    ladder = read_ladder(plan, regime, plan.context.tol)
    verdict, reason = apply_ladder("consistent", "every claim holds on every seed", ladder, [])
    assert verdict == "consistent" and "the same at every rung" in reason


def test_not_stationary_is_not_converged() -> None:
    """A test error still moving over the last third, or a loss still falling on the scale of where it
    started, misses 'converged' (gating, kind horizon: decide reads 'inconclusive: not converged')."""
    plan = thm41_plan()
    tol = plan.context.tol
    moving = [max(0.0, 1.0 - t / 1000) for t in range(0, STEPS + 1, 10)]
    (h,) = converged_hypotheses(plan, {"large": [fake_run(moving)]}, tol)
    assert not h.holds and h.gating and h.kind == "horizon" and "test_err still moves" in h.detail
    falling = list(np.linspace(0.69, 0.0, 101))
    (h,) = converged_hypotheses(plan, {"large": [fake_run([0.9] * 101, loss=falling)]}, tol)
    assert not h.holds and "train_loss" in h.detail
    # a loss that falls by orders of magnitude but far below its start is stationary on that scale
    tiny = list(np.geomspace(1e-4, 1e-8, 101))
    (h,) = converged_hypotheses(plan, {"large": [fake_run([0.9] * 101, loss=[0.69] + tiny[1:])]}, tol)
    assert h.holds, h.detail


def test_stage_lemmas_read_no_ladder() -> None:
    plan = get_check("lemC.17").plan("tiny", seeds=(0,))
    assert read_ladder(plan, {}, plan.context.tol) == []
    assert converged_hypotheses(plan, {}, plan.context.tol) == []


# ---- ληT = ω(1) (Lemma C.20) ---------------------------------------------------------------------
def test_lam_eta_T_is_a_condition_of_the_adamw_theorems() -> None:
    for rid in ("thm4.4", "thm4.5"):
        assert "lam_eta_T_omega1" in bounds.get_result(rid).hypotheses
    assert "lam_eta_T_omega1" not in bounds.get_result("thm4.1").hypotheses


def test_lam_eta_T_gates_thm45_and_the_plan_meets_it() -> None:
    plan = get_check("thm4.5").plan("smoke", seeds=(0,))
    cfg = plan.arm("mini").configs[0]
    assert cfg.lam * cfg.eta * cfg.steps >= 2 * bounds.DEFAULT_RHO
    hyps = {h.name: h for h in arm_hypotheses("mini", "thm4.5", cfg, plan.context.tol)}
    h = hyps["[mini] lam_eta_T_omega1"]
    assert h.gating and h.holds
    # the same arm trained for the old 2 x Stage-I horizon misses it, and the miss gates
    short = cfg.replace(epochs=80) if hasattr(cfg, "replace") else None
    if short is None:
        from dataclasses import replace

        short = replace(cfg, epochs=80)
    h = {x.name: x for x in arm_hypotheses("mini", "thm4.5", short, plan.context.tol)}["[mini] lam_eta_T_omega1"]
    assert h.gating and not h.holds and "epochs=" in h.fix


def test_lam_eta_T_is_evidence_only_for_stage_lemmas() -> None:
    plan = get_check("lemC.17").plan("smoke", seeds=(0,))
    cfg = plan.arm("mini").configs[0]
    hyps = [h for h in arm_hypotheses("mini", "lemC.17", cfg, plan.context.tol) if "lam_eta_T" in h.name]
    assert hyps and all(not h.gating for h in hyps)


# ---- AdamW's decay, measured (Lemma B.11/C.18's Stage-II level) ----------------------------------
def test_decay_claim_fails_without_the_decay(monkeypatch: pytest.MonkeyPatch) -> None:
    """thm4.5's Stage-II feature level is bounded by the decay's balance U/λ: a run of the planned
    config passes it, the same run with the decoupled decay removed (the `(1 - ηλ)` factor set to 1,
    everything else unchanged) grows the feature past U/λ and fails it."""
    from dataclasses import replace

    import simulations.optim as optim
    from simulations import train
    from theorycheck.checks.thm4_5 import decay_claims

    plan = get_check("thm4.5").plan("smoke", seeds=(0,), tol=Tolerances(horizon=1))
    cfg = replace(plan.arm("mini").configs[0], epochs=10, record_every=100)  # 500 iterations, λ = 8
    assert cfg.lam * cfg.eta * cfg.steps >= 1  # the decay acts within the run
    (c,) = decay_claims([train(cfg)], plan.context)
    assert c.passes == [True], (c.values, c.rule)
    monkeypatch.setitem(optim.HYPERS, "decay", lambda c: 1.0)
    (c,) = decay_claims([train(cfg)], plan.context)
    assert c.passes == [False], (c.values, c.rule)


@pytest.mark.parametrize("cid", ["thm4.1", "thm4.2", "thm4.4", "thm4.5", "cor4.3", "cor4.6"])
def test_a_longer_horizon_trains_the_same_runs_longer(cid) -> None:
    """--tol horizon=30 is the x10 plan trained 3x longer: every arm's configs share their
    trajectory (Config.prefix_key) with the default plan's, so the ladder reads one run and a
    change along it is the run's, not a moved λ's."""
    short = get_check(cid).plan("smoke", seeds=(0,))
    long = get_check(cid).plan("smoke", seeds=(0,), tol=Tolerances(horizon=30))
    for a, b in zip(short.arms, long.arms):
        assert a.name == b.name
        for x, y in zip(a.configs, b.configs):
            assert x.prefix_key == y.prefix_key, (cid, a.name)
            assert y.steps >= 2.9 * x.steps, (cid, a.name, x.steps, y.steps)
