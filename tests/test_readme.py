"""README truth: its Python snippets run as plain scripts, and every `theorycheck` command it shows
parses and passes validation as written (the cheap ones run to the end)."""

from __future__ import annotations

import os
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

import theorycheck.cli as cli
import theorycheck.studies.scaling as scaling

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SNIPPETS = re.findall(r"```python\n(.*?)```", README, re.S)
PLACEHOLDER = re.compile(r"\b(ID|P|NAME|DIR|LO|HI|N|V1|FILE|HOST|PORT)\b|\.\.\.|\||\[")
RUN_TO_END = ("list", "env", "bounds")


def commands() -> list[str]:
    found = re.findall(r"`(theorycheck [^`]+)`", README) + re.findall(r"^(theorycheck .+)$", README, re.M)
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in block.splitlines():
            found += [part.strip() for part in line.split("&&") if part.strip().startswith("theorycheck ")]
    # a bare `theorycheck CMD` in prose names the command; an example has at least one argument
    return sorted({c.strip() for c in found if not PLACEHOLDER.search(c) and len(c.split()) > 2})


def test_the_readme_has_snippets_and_commands():
    assert len(SNIPPETS) >= 2 and len(commands()) >= 5


@pytest.mark.parametrize("i", range(len(SNIPPETS)))
def test_python_snippet_runs_as_a_script(i, tmp_path):
    script = tmp_path / f"snippet{i}.py"
    script.write_text(SNIPPETS[i])
    env = {**os.environ, "THEORYCHECK_STORE": str(tmp_path / "s.sqlite"), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]


class _Validated(Exception):
    """Raised in place of running: the command got past parsing and validation."""


@pytest.mark.parametrize("command", commands())
def test_readme_command_parses_and_validates(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THEORYCHECK_STORE", str(tmp_path / "s.sqlite"))

    def stop(*a, **k):
        raise _Validated

    argv = shlex.split(command)[1:]
    if "--scale fashion" in command and "--data-dir" not in command:
        from simulations.images.data import FASHION_DIRS

        if not any(os.path.isdir(d) for d in FASHION_DIRS):  # validation reads the data's folder
            pytest.skip(f"Fashion-MNIST is not installed here ({FASHION_DIRS[0]}; Debian's dataset-fashion-mnist)")
    if argv[0] not in RUN_TO_END:
        monkeypatch.setattr(cli, "execute", stop)
        monkeypatch.setattr(scaling, "run_scaling", stop)
    try:
        cli.main(argv)
    except _Validated:
        return
    except SystemExit as e:
        assert e.code in (0, 1, 3), (command, capsys.readouterr().err[-2000:])
