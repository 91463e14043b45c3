"""Which readings of the algorithm the paper's synthetic conclusions depend on (PAPER.md §1).

Each *arm* changes one ambiguous choice against the default (paper) reading and reruns
the eight Appendix D.2 cells. A cell's verdict is the paper's claim on it: large batch
memorizes (test error >= 1/2 - delta), mini-batch generalizes (test error <= delta),
Adam at lambda = 0.05 is stuck (train error >= 1/2 - delta).
"""

from __future__ import annotations

from .reproduce import CLAIM_TEXT, cell_outcome, paper_cells, run_cells

# arm name -> (Config overrides, note)
ARMS = {
    "default": ({}, "paper reading: no bias correction, eps = λη, current moments, fixed batch order, q = 3"),
    "bias correction": ({"bias_correction": True}, "§1 item 1"),
    "eps = 1e-8": ({"eps": 1e-8}, "§1 item 5 (torch's default eps)"),
    "torch defaults": ({"bias_correction": True, "eps": 1e-8}, "stock torch.optim: both of the above"),
    "q = 4": ({"q": 4.0}, "§1 item 4"),
    "reshuffled batches": ({"batch_order": "reshuffle_each_epoch"}, "§1 item 6"),
    "lagged moments": ({"moment_timing": "lagged"}, "§1 item 2: eq. (3.5) as typeset"),
    "s = 4 (control)": (
        {"s": 4, "sigma_p": 0.5, "disjoint_supports": False},
        "shrunk s (sigma_p = 1/sqrt(s)) so that n*s <= d-1; independent supports, the control for the next arm",
    ),
    "s = 4, disjoint": (
        {"s": 4, "sigma_p": 0.5, "disjoint_supports": True},
        "§1 item 19 / Lemma A.4: disjoint supports, possible only at the shrunk s",
    ),
}


def audit_cells(preset_name, overrides, seeds, arms=None):
    arms = arms or list(ARMS)
    return {arm: paper_cells(preset_name, overrides, seeds, reading=ARMS[arm][0]) for arm in arms}


def run_audit(cells_by_arm, session, progress=None, fresh=False):
    flat = [c for cells in cells_by_arm.values() for c in cells]
    run_cells(flat, session, progress, fresh)  # one sweep: shared shapes batch together
    return cells_by_arm


def audit_table(cells_by_arm, tol):
    """Markdown: rows = cells, columns = arms; entry = outcome and mean test (or train) error."""
    arms = list(cells_by_arm)
    first = cells_by_arm[arms[0]]
    head = "| cell | paper's claim | " + " | ".join(arms) + " |"
    sep = "|---|---|" + "---|" * len(arms)
    rows = []
    summary = {}
    for i, cell in enumerate(first):
        entries = []
        for arm in arms:
            c = cells_by_arm[arm][i]
            outcome, ok = cell_outcome(c, tol)
            metric = "train_err" if c.reported["claim"] == "stuck" else "test_err"
            mean = sum(r.final[metric] for r in c.runs) / len(c.runs)
            entries.append(f"{outcome} ({mean:.2f})")
            summary.setdefault(cell.label, {})[arm] = {
                "outcome": outcome,
                "passing": sum(ok),
                "of": len(ok),
                metric: mean,
            }
        rows.append(
            f"| {cell.reported['source']}: {cell.optimizer} λ={cell.lam:g}, {cell.regime} batch | "
            f"{CLAIM_TEXT[cell.reported['claim']]} | " + " | ".join(entries) + " |"
        )
    return "\n".join([head, sep, *rows]), summary


def reading_conclusions(summary) -> list[str]:
    """One sentence per cell: under which arms the paper's claim holds on every seed."""
    out = []
    for label, by_arm in summary.items():
        holds = [a for a, v in by_arm.items() if v["outcome"] == "holds"]
        fails = [a for a, v in by_arm.items() if v["outcome"] != "holds"]
        if not fails:
            out.append(f"- {label}: the claim holds under every reading tried.")
        elif not holds:
            out.append(f"- {label}: the claim holds under none of the readings tried.")
        else:
            out.append(f"- {label}: holds under {', '.join(holds)}; not under {', '.join(fails)}.")
    return out
