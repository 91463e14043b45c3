"""Which readings of the algorithm the paper's synthetic conclusions depend on (docs/model.md §1).

Each *reading arm* changes one ambiguous choice against the default (paper) reading and
reruns the eight Appendix D.2 cells (studies.reproduce) with the same claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..engine.plan import Plan
from ..judge.verdicts import Tolerances
from .reproduce import cell_plans

# arm name -> (Config overrides, note)
ARMS: dict[str, tuple[dict[str, Any], str]] = {
    "default": ({}, "paper reading: no bias correction, eps = λη, current moments, fixed batch order, q = 3"),
    "bias correction": ({"bias_correction": True}, "docs/model.md §1 item 1"),
    "eps = 1e-8": ({"eps": 1e-8}, "docs/model.md §1 item 5 (torch's default eps)"),
    "torch defaults": ({"bias_correction": True, "eps": 1e-8}, "stock torch.optim: both of the above"),
    "q = 4": ({"q": 4.0}, "docs/model.md §1 item 4"),
    "reshuffled batches": ({"batch_order": "reshuffle_each_epoch"}, "docs/model.md §1 item 6"),
    "lagged moments": ({"moment_timing": "lagged"}, "docs/model.md §1 item 2: eq. (3.5) as typeset"),
    "s = 4 (control)": (
        {"s": 4, "sigma_p": 0.5, "disjoint_supports": False},
        "shrunk s (sigma_p = 1/sqrt(s)) so that n*s <= d-1; independent supports, the control for the next arm",
    ),
    "s = 4, disjoint": (
        {"s": 4, "sigma_p": 0.5, "disjoint_supports": True},
        "docs/model.md §1 item 19 / Lemma A.4: disjoint supports, possible only at the shrunk s",
    ),
}


def audit_plans(
    preset_name: str,
    overrides: dict,
    seeds: Sequence[int],
    arms: Sequence[str] | None = None,
    tol: Tolerances | None = None,
) -> dict[str, list[Plan]]:
    """The eight cells under each reading arm: {arm name: [Plan, ...]}."""
    return {a: cell_plans(preset_name, overrides, seeds, tol, ARMS[a][0], a) for a in (arms or list(ARMS))}


#: the readings that can change a Table 1-2 verdict
MECHANISM_ARMS = ("default", "bias correction", "eps = 1e-8", "torch defaults")
REGIMES = ("large", "mini")


def mechanism_plans(
    preset_name: str,
    overrides: dict,
    seeds: Sequence[int],
    arms: Sequence[str] | None = None,
    regimes: Sequence[str] = ("large",),
    tol: Tolerances | None = None,
) -> dict[str, list[Plan]]:
    """Tables 1-2's cells (Adam λ=1e-5, AdamW λ=0.01) in the given batch regimes under each reading:
    the runs behind the mechanism table (per seed: test error, each class's feature, noise)."""
    by_arm = audit_plans(preset_name, overrides, seeds, arms or MECHANISM_ARMS, tol)
    return {
        a: [p for p in ps if p.meta["reported"]["source"] in ("Table 1", "Table 2") and p.meta["regime"] in regimes]
        for a, ps in by_arm.items()
    }
