"""docs/extending.md's examples run as written: every ```python block, in order, in one process."""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "extending.md"


def test_extending_examples_run(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 5
    script = "\n\n".join(blocks)
    script += "\n\ntest_contract.pytestmark  # the decorator built a parametrization\n"
    (tmp_path / "ex.py").write_text(script)
    out = subprocess.run([sys.executable, "ex.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "| optimizer " in out.stdout and "adamw B=2" in out.stdout


def test_extending_names_every_kind_of_extension():
    text = DOC.read_text()
    for kind in ("A new check", "A new optimizer piece", "A new report", "A new executor", "scaling"):
        assert kind in text
