"""theorycheck: run the paper's theorems as checks and compare its bounds with simulations.

Python API (mirrors the CLI):

    import theorycheck as tc
    tc.list_checks()                                  # registered results
    r = tc.check("thm4.2", preset="smoke")           # CheckResult: verdict + evidence
    r.verdict, r.claims, r.hypotheses, r.command
    tc.check_all(preset="smoke")
    tc.sweep(grid, preset="smoke")                    # runs through the store
"""

from .api import Session, check, check_all, list_checks, sweep
from .registry import REGISTRY, load_all, run_check
from .verdicts import EXIT_CODES, VERDICTS, CheckResult, Tolerances
from .version import __version__, code_version

__all__ = [
    "EXIT_CODES",
    "REGISTRY",
    "VERDICTS",
    "CheckResult",
    "Session",
    "Tolerances",
    "__version__",
    "check",
    "check_all",
    "code_version",
    "list_checks",
    "load_all",
    "run_check",
    "sweep",
]
