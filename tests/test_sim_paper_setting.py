"""The paper's setting (App. D.2, docs/model.md §0.3) is stated once per package: bounds.PAPER_PRESET
for the symbolic side and the 'paper' preset of simulations, which may not import each other.
These tests tie the two field by field, and check that 'quick' and 'half' are 'paper' rescaled."""

import math

import pytest

import bounds
from simulations import PRESETS, Config, preset

# bounds' name -> the Config field that carries the same quantity (T counts epochs in both)
RENAMED = {"T": "epochs"}


def test_every_paper_field_of_bounds_is_a_preset_field_with_the_same_value():
    paper = PRESETS["paper"]
    assert bounds.PAPER_PRESET, "nothing to compare"
    for key, value in bounds.PAPER_PRESET.items():
        field = RENAMED.get(key, key)
        assert field in paper, f"bounds.PAPER_PRESET[{key!r}] has no counterpart in the paper preset"
        assert paper[field] == value, (key, value, paper[field])


def test_the_preset_states_nothing_bounds_could_read_differently():
    """Each paper-preset field that is also a bounds symbol appears in PAPER_PRESET (n_test and
    the execution fields are simulation-only)."""
    symbols = set(bounds.SYMBOLS) | set(RENAMED.values())
    bounds_side = {RENAMED.get(k, k) for k in bounds.PAPER_PRESET}
    shared = {f for f in PRESETS["paper"] if f in symbols}
    assert shared == bounds_side, shared ^ bounds_side
    assert set(PRESETS["paper"]) - shared == {"n_test"}


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
@pytest.mark.parametrize("which", ["large", "mini"])
@pytest.mark.parametrize("main", [True, False])
def test_paper_values_equal_the_run_config(optimizer, which, main):
    """bounds.paper_values(...) and preset('paper', ...) describe the same run, every value bounds uses
    included (λ, B and ε = λη, Condition A.2)."""
    lam = bounds.PAPER_LAMBDAS[optimizer][0 if main else 1]
    B = bounds.PAPER_BATCHES[which]
    v = bounds.paper_values(optimizer, lam=lam, B=B)
    cfg = preset("paper", optimizer=optimizer, lam=lam, B=B)
    for key, value in v.items():
        got = cfg.eps_value if key == "eps" else getattr(cfg, RENAMED.get(key, key))
        assert math.isclose(got, value, rel_tol=1e-15), (key, value, got)
    assert set(v) == set(bounds.PAPER_PRESET) | {"lam", "B", "eps"}


def test_config_defaults_are_the_papers_main_adam_run():
    """Config() with no arguments is App. D.2's main Adam run at the mini batch."""
    cfg = Config()
    for key, value in bounds.paper_values("adam", B=bounds.PAPER_BATCHES["mini"]).items():
        got = cfg.eps_value if key == "eps" else getattr(cfg, RENAMED.get(key, key))
        assert math.isclose(got, value, rel_tol=1e-15), (key, value, got)


@pytest.mark.parametrize(("name", "factor"), [("quick", 10), ("half", 2)])
def test_quick_and_half_are_paper_rescaled(name, factor):
    """η × factor and epochs / factor, every other field the paper's: the same η·T budget."""
    paper, p = PRESETS["paper"], PRESETS[name]
    assert set(p) == set(paper)
    assert p["eta"] == paper["eta"] * factor and p["epochs"] * factor == paper["epochs"]
    assert {k: v for k, v in p.items() if k not in ("eta", "epochs")} == {
        k: v for k, v in paper.items() if k not in ("eta", "epochs")
    }
