"""Importing the configuration side of simulations does not load torch, so a command line can parse
its arguments and refuse bad input before paying for it; the torch-backed names load on first use."""

import importlib
import subprocess
import sys

import pytest

import simulations

TORCH_FREE = (
    "BATCH_ORDERS",
    "COMPILED_VERSION",
    "DTYPES",
    "FINAL_ONLY",
    "METRICS",
    "MOMENT_TIMINGS",
    "NUMERICS_VERSION",
    "OPTIMIZERS",
    "PRESETS",
    "READINGS",
    "REGISTRY",
    "RUN_FIELDS",
    "SHAPE_FIELDS",
    "STATUSES",
    "Config",
    "ConfigError",
    "Optimizer",
    "Piece",
    "RunResult",
    "preset",
    "register",
    "train",
    "unregister",
)


def _fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_every_public_name_is_torch_free_or_listed_as_lazy():
    assert set(TORCH_FREE) | set(simulations.TORCH_NAMES) == set(simulations.__all__) - {"TORCH_NAMES"}
    assert not set(TORCH_FREE) & set(simulations.TORCH_NAMES)


def test_config_presets_and_bad_input_need_no_torch():
    code = (
        "import sys\n"
        f"from simulations import {', '.join(TORCH_FREE)}\n"
        "cfg = preset('smoke', B=4, lam=0.01)\n"
        "Config(optimizer='adamw', lam=0.5)\n"
        "for bad in (lambda: preset('smoke', d=0), lambda: train('smoke'), lambda: train([cfg, 'x'])):\n"
        "    try:\n"
        "        bad()\n"
        "    except ConfigError as e:\n"
        "        print(e.param)\n"
        "print('torch' in sys.modules)\n"
    )
    assert _fresh(code).split() == ["d", "configs", "configs", "False"]


@pytest.mark.parametrize("name", sorted(simulations.TORCH_NAMES))
def test_torch_backed_names_load_on_first_use(name):
    code = (
        f"import sys, simulations\nassert 'torch' not in sys.modules\nsimulations.{name}\nprint('torch' in sys.modules)"
    )
    assert _fresh(code) == "True"
    module = importlib.import_module(f"simulations.{simulations.TORCH_NAMES[name]}")
    assert getattr(simulations, name) is getattr(module, name)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        simulations.no_such_name  # noqa: B018
