"""The (B, λ) phase diagram (`theorycheck phase`): predictions from bounds, measured outcomes,
the agreement table, every output file, a rerun that computes nothing, and bad input."""

from __future__ import annotations

import hashlib
import json
import math
import pathlib
from types import SimpleNamespace

import numpy as np
import pytest

from simulations import preset
from theorycheck.cli import main
from theorycheck.judge.horizon import end_state
from theorycheck.judge.verdicts import Tolerances
from theorycheck.studies.phase import cell_outcome, default_batch_sizes, outcome, phase_plans, prediction

TOL = Tolerances()
# a tiny grid: one mini- and one large-batch B, a λ inside Adam's window and one in Cor 4.3's region
TINY = ["--preset", "tiny", "--seeds", "0", "--batch-sizes", "2,20", "--lambdas", "1e-5,1", "--tol", "horizon=1"]


def test_predictions_follow_the_windows_and_regimes():
    base = preset("tiny")
    adam = lambda B, lam: prediction("adam", base.replace(optimizer="adam", B=B, lam=lam), TOL)
    assert (adam(20, 1e-6).result, adam(20, 1e-6).outcome) == ("thm4.1", "memorizes")  # n/B = 2
    assert (adam(2, 1e-6).result, adam(2, 1e-6).outcome) == ("thm4.2", "generalizes")  # n/B = 20
    assert (adam(2, 1.0).result, adam(2, 1.0).outcome) == ("cor4.3", "stuck")
    assert adam(2, 1e-3).outcome is None  # between Adam's window and Cor 4.3's region
    w = prediction("adamw", base.replace(optimizer="adamw", B=20, lam=1.0, epochs=10_000), TOL)
    assert (w.result, w.outcome, w.lam_eta_T) == ("thm4.4", "memorizes", True)
    short = prediction("adamw", base.replace(optimizer="adamw", B=20, lam=1.0, epochs=2), TOL)
    assert short.lam_eta_T is False and "not ω(1)" in short.region
    assert prediction("adamw", base.replace(optimizer="adamw", B=20, lam=1e-6), TOL).outcome is None  # below the window


def _run(test_err, feat=(0.0, 2.0), noise=(0.0, 0.1), status="ok", optimizer="adam", train_err=0.0):
    traj = dict(feat_pos=np.array(feat), feat_neg=np.zeros(len(feat)), noise_max=np.array(noise))
    cfg = SimpleNamespace(optimizer=optimizer)
    final = {"test_err": test_err, "train_err": train_err}
    return SimpleNamespace(status=status, final=final, trajectory=traj, config=cfg)


def test_outcomes_keep_the_cells_in_between():
    base = preset("tiny")
    assert outcome(_run(0.02), base, TOL) == "generalizes"
    assert outcome(_run(0.45), base, TOL) == "memorizes"
    assert outcome(_run(0.25), base, TOL) == "between"  # neither side: not forced to one
    # memorization fits the training set: at chance on both sets it is not the theorems' outcome
    assert outcome(_run(0.5, train_err=0.5), base, TOL) == "unfit"
    assert outcome(_run(0.5, train_err=0.5, optimizer="adamw"), base, TOL) == "unfit"
    assert outcome(_run(0.5, feat=(0.0, 0.001), noise=(0.0, 0.001)), base, TOL) == "stuck"
    # AdamW's decay holds the feature near 1/λ: small growth there is not Cor 4.3's stuck
    assert outcome(_run(0.0, feat=(0.0, 0.001), noise=(0.0, 0.001), optimizer="adamw"), base, TOL) == "generalizes"
    assert outcome(_run(math.nan, status="diverged"), base, TOL) == "failed"
    assert cell_outcome(["generalizes", "generalizes"]) == "generalizes"
    assert cell_outcome(["generalizes", "between"]) == "mixed"


def test_one_budget_per_batch_size_so_each_B_is_one_shape_group():
    plans = phase_plans("tiny", None, (0, 1), [2, 20], [1e-5, 1.0], TOL)
    assert len(plans) == 2 * 2 * 2
    for B in (2, 20):
        keys = {c.shape_key for p in plans for c in p.configs if c.B == B}
        assert len(keys) == 1
    cor = next(p for p in plans if p.meta["optimizer"] == "adam" and p.meta["lam"] == 1.0)
    assert end_state(cor.id).metrics == ()  # converged as Cor 4.3's check reads it: the training loss
    assert end_state(plans[0].id).metrics == ("train_err", "test_err")
    assert default_batch_sizes(40) == [2, 5, 8, 10, 40]  # 5 of the divisors 2 to 40


def snapshot(root: pathlib.Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


def test_tiny_grid_writes_every_output_and_a_rerun_computes_nothing(tmp_path, capsys):
    out, store = tmp_path / "out", str(tmp_path / "s.sqlite")
    args = ["phase", *TINY, "--store", store, "--out", str(out), "--quiet", "--json"]
    main(args)
    first = json.loads(capsys.readouterr().out)
    assert first["computed"] == 8 and first["cached"] == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"phase{x}" for x in (".png", ".pdf", ".md", "_cells.csv", "_agreement.csv", "_cells.tex", "_agreement.tex")
    )
    agree = {a["region"]: a for a in first["agreement"]}
    assert {"thm4.1", "thm4.2", "cor4.3"} <= set(agree)
    for a in agree.values():  # every converged cell is counted once: agrees, misses, or in between
        assert a["agree"] + len(a["missed"]) + len(a["between"]) == a["converged"]
        assert a["converged"] + len(a["unconverged"]) == a["cells"]
    md = (out / "phase.md").read_text()
    assert "theorycheck phase --preset tiny" in md and "--batch-sizes '2,20'" in md and "phase.png" in md
    assert (out / "phase_agreement.tex").read_text().lstrip().startswith("\\begin{tabular}")
    csv = (out / "phase_cells.csv").read_text().splitlines()
    assert len(csv) == 1 + 8 and csv[0].startswith("optimizer,B,n/B")
    main(args)
    again = json.loads(capsys.readouterr().out)
    assert again["computed"] == 0 and again["cached"] == 8
    assert again["agreement"] == first["agreement"]


@pytest.mark.parametrize(
    "extra,param",
    [
        (["--batch-sizes", "3"], "batch_sizes"),  # 3 does not divide n = 40
        (["--lambdas", "0"], "lambdas"),
        (["--optimizers", "sgd"], "optimizers"),
        (["--name", "a/b"], "name"),
        (["--set", "B=4"], "B"),  # the grid's own field
        (["--out", "afile.txt/x"], "out"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(extra, param, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile.txt").write_text("a file")
    before = snapshot(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["phase", *TINY, "--store", "s.sqlite", "--out", "out", *extra])
    err = capsys.readouterr().err.replace("\n", " ")
    assert e.value.code == 2, err
    assert f"'{param}'" in err or f"--{param}" in err, err
    assert snapshot(tmp_path) == before
