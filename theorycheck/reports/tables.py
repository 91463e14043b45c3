"""Rendering: generic tables as Markdown, CSV or LaTeX, and the sweep table. A judgement's own
text, Markdown and HTML live in judge.render (re-exported here)."""

from __future__ import annotations

from ..judge.render import (
    CLAIM_HEADERS,
    CONTROL_TITLE,
    FORMATS,
    HYP_HEADERS,
    check_html,
    check_markdown,
    check_text,
    claim_rows,
    hyp_rows,
    render,
)
from ..judge.verdicts import Judgement

__all__ = [
    "CLAIM_HEADERS",
    "CONTROL_TITLE",
    "FORMATS",
    "HYP_HEADERS",
    "check_html",
    "check_markdown",
    "check_text",
    "claim_rows",
    "hyp_rows",
    "render",
    "sweep_rows",
]

SWEEP_METRICS = ["train_err", "test_err", "feat_pos", "feat_neg", "noise_max", "noise_min"]


def sweep_rows(j: Judgement) -> tuple[list[str], list[list[str]]]:
    """A sweep judgement as a table: the grid axes, the seed, the status and final metrics."""
    axes = j.meta.get("axes", [])
    headers = axes + ["seed", "status"] + SWEEP_METRICS
    rows = [
        [str(r.config[k]) for k in axes]
        + [str(r.seed), r.status]
        + [f"{r['final'].get(m, float('nan')):.4g}" for m in SWEEP_METRICS]
        for r in j.runs
    ]
    return headers, rows
