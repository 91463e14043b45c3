"""What every report on the App. D.2 cells reads off a cell's judgement: its label, the per-seed
values, how many seeds pass, whether the paper's number is reproduced, and what was seen when
the configuration is outside the result's regime."""

from __future__ import annotations

import numpy as np

from ..judge.verdicts import Judgement
from ..studies.reproduce import CLAIM_TEXT


def label(j: Judgement) -> str:
    return f"{j.meta['optimizer']} λ={j.meta['lam']:g} B={j.meta['B']}"


def values(j: Judgement, metric: str) -> list[float]:
    return [r.final[metric] for r in j.runs]


def passing(j: Judgement) -> tuple[int, int]:
    c = j.claims[0] if j.claims else None
    return (sum(c.passes), len(c.passes)) if c else (0, len(j.runs))


def audit_table(by_arm: dict[str, list[Judgement]]) -> tuple[str, dict]:
    """Markdown: rows = cells, columns = reading arms; entry = verdict and mean test (or train) error."""
    arms = list(by_arm)
    head = "| cell | paper's claim | " + " | ".join(arms) + " |"
    sep = "|---|---|" + "---|" * len(arms)
    rows: list[str] = []
    summary: dict[str, dict] = {}
    for i, first in enumerate(by_arm[arms[0]]):
        entries = []
        for arm in arms:
            j = by_arm[arm][i]
            metric = "train_err" if j.meta["reported"]["claim"] == "stuck" else "test_err"
            mean = float(np.nanmean(values(j, metric)))
            ok, of = passing(j)
            entries.append(f"{outcome(j)} ({mean:.2f})")
            summary.setdefault(label(first), {})[arm] = {
                "verdict": j.verdict,
                "outcome": outcome(j),
                "passing": ok,
                "of": of,
                metric: mean,
            }
        rows.append(
            f"| {first.meta['reported']['source']}: {first.meta['optimizer']} λ={first.meta['lam']:g}, "
            f"{first.meta['regime']} batch | {CLAIM_TEXT[first.meta['reported']['claim']]} | "
            + " | ".join(entries)
            + " |"
        )
    return "\n".join([head, sep, *rows]), summary


def reproduced_at(js: list[Judgement], i: int) -> bool:
    """The paper's reported test error lies within the seeds' range (± 0.05) of cell i."""
    rep = js[i].meta["reported"]["test"]
    te = values(js[i], "test_err")
    return rep is not None and min(te) - 0.05 <= rep <= max(te) + 0.05


def outcome(j: Judgement) -> str:
    """The verdict as a report should state it. Outside the result's regime nothing is tested, but
    the runs may still show what the paper says happens there: 'outside-regime, observed' when
    every claim passes on every seed, 'outside-regime, not observed' otherwise; never 'holds' or
    'fails'."""
    if j.verdict != "outside-regime":
        return j.verdict
    seen = bool(j.claims) and all(all(c.passes) for c in j.claims)
    return "outside-regime, observed" if seen else "outside-regime, not observed"
