"""theorycheck: run the paper's theorems as checks and compare its bounds with simulations.

Python API (mirrors the CLI):

    import theorycheck as tc
    tc.list_checks()                                  # registered results
    r = tc.check("thm4.2", preset="smoke")           # Judgement: verdict + evidence
    r.verdict, r.claims, r.hypotheses, r.command
    tc.check_all(preset="smoke")
    tc.sweep({"B": [2, 20]}, preset="smoke", seeds=(0, 1))
    s = tc.check_scaling("cor4.3@sigma_0")            # ScalingJudgement: fitted vs predicted exponent

Layout: checks/ (one module per paper result), engine/ (plans, session, store, executors),
judge/ (verdicts, claims, gating), studies/ (experiment cells, audit, grids, sweeps),
checks/scaling/ (scaling checks: exponents along ladders, in the same registry), reports/ (tables,
figures, the reproduction report), cli.py and options.py (the command line).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from .version import __version__, code_version

# Every other name is imported on first use (PEP 562): `python -m theorycheck --help` and bad input
# answer without loading torch.
_WHERE = {
    "check": ".api",
    "check_all": ".api",
    "list_checks": ".api",
    "sweep": ".api",
    "REGISTRY": ".checks",
    "Check": ".checks",
    "get_check": ".checks",
    "load_all": ".checks",
    "Plan": ".engine",
    "Session": ".engine",
    "Store": ".engine",
    "EXIT_CODES": ".judge",
    "VERDICTS": ".judge",
    "Judgement": ".judge",
    "Tolerances": ".judge",
    "judge": ".judge",
    "ScalingJudgement": ".judge.slopes",
    "check_scaling": ".api",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


class _Package(types.ModuleType):
    """`theorycheck.judge` is the function `judge`, as it always was, although a subpackage has that
    name: importing the subpackage sets the attribute, which this class keeps pointing at the function."""

    @property
    def judge(self) -> Any:
        return importlib.import_module(".judge.judge", __name__).judge

    @judge.setter
    def judge(self, value: Any) -> None:  # the import system binds the subpackage here: keep the function
        pass


sys.modules[__name__].__class__ = _Package


__all__ = [
    "EXIT_CODES",
    "REGISTRY",
    "VERDICTS",
    "Check",
    "Judgement",
    "Plan",
    "ScalingJudgement",
    "Session",
    "Store",
    "Tolerances",
    "__version__",
    "check",
    "check_all",
    "check_scaling",
    "code_version",
    "get_check",
    "judge",
    "list_checks",
    "load_all",
    "sweep",
]
