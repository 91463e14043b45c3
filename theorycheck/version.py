"""Code version recorded with every stored result."""

from __future__ import annotations

import functools
import pathlib
import subprocess
from collections.abc import Iterable
from typing import Any

__version__ = "0.1.0"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def numerics_version() -> str:
    """'sim.<NUMERICS_VERSION>': what the numbers of a given Config depend on. simulations bumps
    NUMERICS_VERSION exactly when its numbers change (a behavioural fingerprint test guards it),
    so refactors and new presets never invalidate stored results."""
    import simulations

    return f"sim.{simulations.NUMERICS_VERSION}"


#: What "-dirty" looks at: the code that computes and judges, not the reports it writes (a
#: report that saves its figure before its header would otherwise call its own tree dirty).
CODE_PATHS = ("bounds", "simulations", "theorycheck", "pyproject.toml")


@functools.cache
def git_commit() -> str:
    """HEAD's short hash, '-dirty' when tracked files under CODE_PATHS differ from it; 'unknown' outside git."""
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def code_version(cfg: object | None = None) -> str:
    """'<package version>+sim.<NUMERICS_VERSION>', stored with every result (the git commit too).
    With a config that names numerics of its own (compile=True runs, image runs), those."""
    return f"{__version__}+{getattr(cfg, 'numerics_version', None) or numerics_version()}"


def runs_version(judgements: Iterable[Any]) -> str:
    """The code versions of every run behind `judgements` (their evidence), sorted and joined with
    ' and ': what a report generated from a store prints, so a report mixing numerics says so."""
    found = {code_version(r.config) for j in judgements for rs in j.evidence.values() for r in rs}
    return " and ".join(sorted(found)) or code_version()
