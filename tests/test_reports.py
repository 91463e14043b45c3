"""Report wording that must follow the verdicts: outside-regime cells are not failures, and the
generated conclusion says whether the paper's outcome was seen there anyway."""

from theorycheck.judge.verdicts import Claim, Judgement
from theorycheck.reports.cells import outcome
from theorycheck.reports.reproduction import conclusion


def _j(verdict, passes):
    c = Claim("train error", "fails to train", ">= 0.4", [1.0] * len(passes), passes)
    return Judgement(check_id="cell", ref="Fig. 5", title="t", verdict=verdict, reason="r", claims=[c])


def test_outcome_separates_outside_regime_observed_from_not():
    assert outcome(_j("outside-regime", [True, True])) == "outside-regime, observed"
    assert outcome(_j("outside-regime", [True, False])) == "outside-regime, not observed"
    assert outcome(_j("violated", [False, False])) == "violated"
    assert (
        outcome(Judgement(check_id="c", ref="", title="", verdict="outside-regime", reason="r"))
        == "outside-regime, not observed"
    )


def test_conclusion_never_counts_outside_regime_as_failure():
    rows = [
        dict(source="Table 1", optimizer="adam", B=2, outcome="consistent"),
        dict(source="Fig. 5", optimizer="adam", B=100, outcome="outside-regime, observed"),
        dict(source="Table 2", optimizer="adamw", B=100, outcome="violated"),
    ]
    text = conclusion("paper", rows)[2]
    assert "holds on 1 of 3 cells (Table 1 adam B=2)" in text
    assert "It fails on: Table 2 adamw B=100." in text
    assert "observed anyway on: Fig. 5 adam B=100" in text
    assert "does not hold" not in text


def test_a_report_names_the_numerics_of_every_run_it_reads():
    """Generated reports print the code version of their runs (compiled runs have their own), and
    say so when one report mixes two: a compile=True run is never reported as an eager one."""
    from types import SimpleNamespace

    import simulations
    from simulations import Config
    from theorycheck.version import __version__, runs_version

    eager, compiled = Config(), Config(compile=True)
    one = SimpleNamespace(evidence={"regime": [SimpleNamespace(config=compiled)]})
    both = SimpleNamespace(
        evidence={"regime": [SimpleNamespace(config=eager)], "control": [SimpleNamespace(config=compiled)]}
    )
    sim = f"sim.{simulations.NUMERICS_VERSION}"
    assert runs_version([one]) == f"{__version__}+{sim}+compiled.{simulations.COMPILED_VERSION}"
    assert (
        runs_version([both]) == f"{__version__}+{sim} and {__version__}+{sim}+compiled.{simulations.COMPILED_VERSION}"
    )
    assert runs_version([]) == f"{__version__}+{sim}"


def test_git_commit_is_dirty_for_code_changes_only(tmp_path, monkeypatch):
    """A report's header names the commit of the code; regenerated docs or stores in the tree do not
    make it '-dirty', a changed package file does."""
    import shutil
    import subprocess

    from theorycheck import version

    if shutil.which("git") is None:
        import pytest

        pytest.skip("git is not installed")

    def run(*a):
        subprocess.run(["git", "-C", str(tmp_path), *a], check=True, capture_output=True)

    run("init", "-q")
    for f in ("theorycheck/x.py", "docs/report.md"):
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("a\n")
    run("add", ".")
    run("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    monkeypatch.setattr(version, "ROOT", tmp_path)

    def clean():
        version.git_commit.cache_clear()
        return version.git_commit()

    try:
        assert not clean().endswith("-dirty")
        (tmp_path / "docs/report.md").write_text("regenerated\n")
        assert not clean().endswith("-dirty")
        (tmp_path / "theorycheck/x.py").write_text("changed\n")
        assert clean().endswith("-dirty")
    finally:  # later tests must not see this repository's cached commit
        version.git_commit.cache_clear()
