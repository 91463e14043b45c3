"""A check from outside the package: a tiny plugin distribution, installed next to the built
wheel outside the source tree, is found through the `theorycheck.checks` entry-point group,
listed, passes the public contract's structural clauses, and runs through `theorycheck check`."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

PLUGIN = '''
"""Demo plugin check: Theorem 4.2's plan and rule under another id.

Plan: as thm4.2 (mini-batch Adam). Rule: as thm4.2. Control: as thm4.2 (large batch).
"""
from theorycheck.checks import Check, register, thm4_2

CHECK = register(
    Check("demo4.2", "Theorem 4.2", "plugin demo: mini-batch Adam generalizes", thm4_2.arms, thm4_2.rule,
          __doc__, control=thm4_2.control)
)
'''


def _pip(*args, cwd):
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True, cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plugin")
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(ROOT), cwd=tmp)
    plug = tmp / "demo"
    (plug / "tc_demo_plugin").mkdir(parents=True)
    (plug / "tc_demo_plugin" / "__init__.py").write_text(PLUGIN)
    (plug / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "tc-demo-plugin"
            version = "0.1"
            [project.entry-points."theorycheck.checks"]
            demo = "tc_demo_plugin"
            """
        )
    )
    (wheel,) = (tmp / "dist").glob("theorycheck-*.whl")
    _pip("install", "--no-deps", "--no-build-isolation", "--target", str(tmp / "site"), str(wheel), str(plug), cwd=tmp)
    return tmp


def _run(site, *args):
    env = {**os.environ, "PYTHONPATH": str(site / "site"), "THEORYCHECK_STORE": str(site / "s.sqlite")}
    return subprocess.run([sys.executable, *args], cwd=site, env=env, capture_output=True, text=True, timeout=600)


def test_plugin_is_listed_from_the_installed_wheel(site):
    out = _run(site, "-c", "import theorycheck, json, sys; print(theorycheck.__file__)")
    assert str(site / "site") in out.stdout, out.stdout + out.stderr  # not the checkout
    out = _run(site, "-m", "theorycheck", "list", "--json")
    assert out.returncode == 0, out.stderr
    ids = [c["id"] for c in json.loads(out.stdout)["checks"]]
    assert "demo4.2" in ids and "thm4.2" in ids


def test_plugin_passes_the_structural_contract_and_runs(site):
    code = "from theorycheck.testing import check_contract; print(check_contract('demo4.2', simulate=False))"
    out = _run(site, "-c", code)
    assert out.returncode == 0, out.stderr
    assert "control differs" in out.stdout
    out = _run(
        site,
        "-m",
        "theorycheck",
        "check",
        "demo4.2",
        "--preset",
        "tiny",
        "--seeds",
        "0",
        "--inline",
        "--quiet",
        "--json",
    )
    assert out.returncode in (0, 1, 3), out.stderr
    (res,) = json.loads(out.stdout)["results"]
    assert res["check_id"] == "demo4.2" and res["verdict"] in (
        "consistent",
        "violated",
        "inconclusive",
        "outside-regime",
    )
