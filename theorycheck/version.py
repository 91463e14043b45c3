"""Code version recorded with every stored result."""

from __future__ import annotations

import functools
import hashlib
import pathlib
import subprocess

__version__ = "0.1.0"
ROOT = pathlib.Path(__file__).resolve().parent.parent


@functools.cache
def numerics_hash() -> str:
    """sha256 (12 hex) of the simulation sources that compute numbers (not presets.py, which only
    names Configs): it changes exactly when the numbers for a given Config can."""
    h = hashlib.sha256()
    for p in sorted((ROOT / "simulations").glob("*.py")):
        if p.name in ("presets.py", "__init__.py"):
            continue
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


@functools.cache
def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def code_version() -> str:
    """'<package version>+sim.<numerics hash>' (plus the git commit, stored separately)."""
    return f"{__version__}+sim.{numerics_hash()}"
