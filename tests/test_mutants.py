"""Power against planted bugs (benchmarks/mutants.py): the catalogue still matches the code, two
cheap mutants are caught by one check each in the default suite, and (slow) every mutant is
flagged by at least one check at the default preset (the checks and the scaling checks of
mutants.SCALING)."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("mutants", ROOT / "benchmarks" / "mutants.py")
mutants = importlib.util.module_from_spec(_spec)
sys.modules["mutants"] = mutants  # dataclasses look their module up while the file executes
_spec.loader.exec_module(mutants)

# Mutants the default preset cannot see, each with the reason its note documents (README,
# "Power: planted bugs"); the slow test allows exactly these to go unflagged.
DOCUMENTED_EQUIVALENT = {"betas_swapped", "bias_correction_on"}


def test_catalogue_matches_the_code():
    """At least 10 mutants; every patch's old text occurs exactly once in the current code."""
    assert len(mutants.CATALOGUE) >= 10
    assert len({m.name for m in mutants.CATALOGUE}) == len(mutants.CATALOGUE)
    for m in mutants.CATALOGUE:
        assert m.models and m.patches
        mutants.verify(m)


def test_a_stale_patch_fails_loudly(tmp_path):
    stale = mutants.Mutant("stale", "x", (("simulations/optim.py", "no such text anywhere", "y"),))
    with pytest.raises(mutants.CatalogueError, match="occurs 0 times"):
        mutants.verify(stale)
    doubled = mutants.Mutant("doubled", "x", (("simulations/optim.py", "def ", "def  "),))
    with pytest.raises(mutants.CatalogueError, match="must be exactly once"):
        mutants.materialize(doubled, tmp_path / "copy")


def test_the_package_itself_is_never_patched(tmp_path):
    before = (ROOT / "simulations" / "optim.py").read_text()
    copy = mutants.materialize(mutants.BY_NAME["no_sqrt"], tmp_path / "copy")
    assert (ROOT / "simulations" / "optim.py").read_text() == before
    assert (copy / "simulations" / "optim.py").read_text() != before
    assert (copy / "theorycheck" / "__init__.py").exists() and (copy / "bounds" / "__init__.py").exists()


@pytest.mark.parametrize(
    "name,check",
    [
        ("noise_x10", "lem5.1"),  # the measured noise scale gates: outside-regime, not consistent
        ("no_sqrt", "lem5.1"),  # m/(v+eps): the noise rate leaves Theta(eta s sigma_p)
        ("momentum_not_kept", "lemC.2"),  # m = g: a step beyond Lemma C.1's exact bound
    ],
)
def test_cheap_mutant_is_caught(name, check):
    """The unmodified code reads consistent at smoke, seed 0 (the registry contract asserts it), so
    one run of the mutated copy suffices."""
    got = mutants.run_checks(mutants.BY_NAME[name], [check])
    assert mutants.flagged(got, {check: "consistent"}) == [check], (name, got)


@pytest.mark.slow
def test_every_mutant_is_flagged_by_some_check():
    base, rows = mutants.matrix(list(mutants.CATALOGUE))
    print(mutants.markdown(base, rows))  # the matrix itself, for `pytest -rP` (README "Power")
    missed = {n for n, v in rows.items() if not mutants.flagged(v, base)}
    assert missed <= DOCUMENTED_EQUIVALENT, (missed, mutants.markdown(base, rows))
    for n in missed:
        assert mutants.BY_NAME[n].note, f"{n} is unflagged without a documented reason"


def test_matrix_resumes_a_partial_matrix_and_keeps_the_catalogue_order(monkeypatch):
    """--resume: the baseline and the rows already done are not recomputed; rows from parallel jobs
    come back in the catalogue's order."""
    calls = []

    def fake(m, checks=None, preset="smoke", seeds="0"):
        calls.append(m.name if m else None)
        return {"lem5.1": "violated" if m else "consistent"}

    monkeypatch.setattr(mutants, "run_checks", fake)
    names = [m.name for m in mutants.CATALOGUE[:4]]
    done = ({"lem5.1": "consistent"}, {names[1]: {"lem5.1": "consistent"}})
    base, rows = mutants.matrix(list(mutants.CATALOGUE[:4]), jobs=2, done=done)
    assert None not in calls and sorted(calls) == sorted(names[:1] + names[2:])
    assert list(rows) == names and rows[names[1]] == {"lem5.1": "consistent"} and base == done[0]
