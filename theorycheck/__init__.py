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

from . import reports as _reports  # noqa: F401  (installs Judgement's text/HTML rendering)
from .api import check, check_all, check_scaling, list_checks, sweep
from .checks import REGISTRY, Check, get_check, load_all
from .engine import Plan, Session, Store
from .judge import EXIT_CODES, VERDICTS, Judgement, Tolerances, judge
from .judge.slopes import ScalingJudgement
from .version import __version__, code_version

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
