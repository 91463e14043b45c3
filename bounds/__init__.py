"""Symbolic and numeric bounds of Tang, Zhang, Cao, Zou (NeurIPS 2025).

Imports only sympy, numpy, scipy and the stdlib (never torch, simulations, theorycheck).

* :mod:`bounds.symbols`     — parameter symbols (docs/model.md §5, §11)
* :mod:`bounds.convention`  — the one numeric reading of Θ/O/Ω/o/ω (c, k, ρ)
* :mod:`bounds.conditions`  — Conditions A.1/A.2, derived relations, regimes, λ windows
* :mod:`bounds.results`     — Thms 4.1-4.5, Cors 4.3/4.6 and the stage lemmas, as data
* :mod:`bounds.queries`     — their λ windows, batch regimes, mechanism conditions, stage
  times and predictions at concrete values
* :mod:`bounds.scaling`     — scaling quantities and their log-log exponents
* :mod:`bounds.feasibility` — exponent LP: can the hypotheses hold together?
* :mod:`bounds.report`      — Markdown report (``python -m bounds.report``)
"""

from .conditions import (
    CONDITIONS,
    MECHANISM_CONDITIONS,
    ROLES,
    Condition,
    ConditionValue,
    evaluate,
    evaluate_all,
    fix_value,
    lhs_interval,
    resolve,
)
from .convention import DEFAULT_C, DEFAULT_K, DEFAULT_RHO
from .feasibility import Feasibility, cor46_gap, feasible, theorem_feasibility
from .queries import (
    BatchRegime,
    MechanismCheck,
    StageTime,
    WindowCheck,
    adam_plateau,
    adamw_thresholds,
    batch_regime,
    lambda_check,
    lambda_orders,
    lambda_window,
    mechanism_check,
    mechanism_conditions,
    predicted,
    stage_times,
    time_scales,
)
from .results import RESULTS, T0_VARIANTS, Result, get_result
from .scaling import QUANTITIES, Branch, Exponent, ExponentValue, Quantity, exponent, exponents, quantities_for
from .symbols import POLYLOG, SYMBOLS

#: Appendix D.2 synthetic setting (docs/model.md §0.3). q = 3 is assumed (the paper does
#: not state it); λ, B and ε vary per run — see :func:`paper_values`.
PAPER_PRESET: dict = {
    "d": 1000,
    "n": 200,
    "s": 100,
    "sigma_p": 0.1,
    "alpha": 0.2,
    "sigma_0": 0.01,
    "m": 20,
    "q": 3,
    "eta": 5e-5,
    "beta1": 0.9,
    "beta2": 0.999,
    "T": 10_000,
}
#: λ used in the paper's runs: main value first, then the large-decay run (App. D.2).
PAPER_LAMBDAS = {"adam": (1e-5, 0.05), "adamw": (0.01, 0.5)}
PAPER_BATCHES = {"large": 100, "mini": 2}


def paper_values(optimizer: str = "adam", lam: float | None = None, B: int = 100, eps: float | None = None) -> dict:
    """PAPER_PRESET plus λ (default: the paper's main value for ``optimizer``), B and ε
    (default λη, docs/model.md §1 item 5).  ValueError for an unknown optimizer."""
    if optimizer not in PAPER_LAMBDAS:
        raise ValueError(f"optimizer must be one of {tuple(PAPER_LAMBDAS)}, got {optimizer!r}")
    lam = PAPER_LAMBDAS[optimizer][0] if lam is None else lam
    v = dict(PAPER_PRESET, lam=lam, B=B)
    v["eps"] = lam * v["eta"] if eps is None else eps
    return v


__all__ = [
    "CONDITIONS",
    "DEFAULT_C",
    "DEFAULT_K",
    "DEFAULT_RHO",
    "MECHANISM_CONDITIONS",
    "PAPER_BATCHES",
    "PAPER_LAMBDAS",
    "PAPER_PRESET",
    "POLYLOG",
    "QUANTITIES",
    "RESULTS",
    "ROLES",
    "SYMBOLS",
    "T0_VARIANTS",
    "BatchRegime",
    "Branch",
    "Condition",
    "ConditionValue",
    "Exponent",
    "ExponentValue",
    "Feasibility",
    "MechanismCheck",
    "Quantity",
    "Result",
    "StageTime",
    "WindowCheck",
    "adam_plateau",
    "adamw_thresholds",
    "batch_regime",
    "cor46_gap",
    "evaluate",
    "evaluate_all",
    "exponent",
    "exponents",
    "feasible",
    "fix_value",
    "get_result",
    "lambda_check",
    "lambda_orders",
    "lambda_window",
    "lhs_interval",
    "mechanism_check",
    "mechanism_conditions",
    "paper_values",
    "predicted",
    "quantities_for",
    "resolve",
    "stage_times",
    "theorem_feasibility",
    "time_scales",
]
