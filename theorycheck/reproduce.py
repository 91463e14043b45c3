"""The paper's synthetic experiment (Appendix D.2): Tables 1-2 and Figures 3-6, beside its numbers.

Each *cell* is one (optimizer, lambda, batch size) setting run over several seeds. The
paper's reported values are copied from PAPER.md §0.3/§9.3; every other number comes from
runs in the store.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

import bounds
from simulations import preset

from .registry import base_values, bounds_values
from .runner import run_configs
from .verdicts import Tolerances
from .version import code_version, git_commit

# (optimizer, lambda, regime) -> what the paper reports (None: shown only as a plot)
PAPER_REPORTED = {
    ("adam", 1e-5, "large"): dict(source="Table 1", train=0.0, test=0.9545, claim="memorizes"),
    ("adam", 1e-5, "mini"): dict(source="Table 1", train=0.0, test=0.0, claim="generalizes"),
    ("adamw", 0.01, "large"): dict(source="Table 2", train=0.0, test=0.5485, claim="memorizes"),
    ("adamw", 0.01, "mini"): dict(source="Table 2", train=0.0, test=0.0, claim="generalizes"),
    ("adam", 0.05, "large"): dict(source="Fig. 5", train=None, test=None, claim="stuck"),
    ("adam", 0.05, "mini"): dict(source="Fig. 5", train=None, test=None, claim="stuck"),
    ("adamw", 0.5, "large"): dict(source="Fig. 6", train=None, test=None, claim="memorizes"),
    ("adamw", 0.5, "mini"): dict(source="Fig. 6", train=None, test=None, claim="generalizes"),
}
CLAIM_TEXT = {"memorizes": "test error >= 1/2 - δ (Thms 4.1/4.4)", "generalizes": "test error <= δ (Thms 4.2/4.5)",
              "stuck": "fails to train: train error >= 1/2 - δ (Cor 4.3)"}


@dataclass
class Cell:
    optimizer: str
    lam: float
    regime: str
    B: int
    configs: list
    reported: dict
    runs: list = field(default_factory=list)

    @property
    def label(self):
        return f"{self.optimizer} λ={self.lam:g} B={self.B}"


def paper_cells(preset_name="paper", overrides=None, seeds=(0, 1, 2, 3, 4), reading: dict | None = None):
    """The eight Appendix D.2 cells on a preset (large batch = n/2, mini-batch = 2)."""
    overrides = dict(overrides or {})
    base = base_values(preset_name, overrides)
    cells = []
    for (opt, lam, regime), rep in PAPER_REPORTED.items():
        B = base["n"] // 2 if regime == "large" else 2
        fields = {**(reading or {}), "optimizer": opt, "lam": lam, "B": B, **overrides}
        cfgs = [preset(preset_name, **{**fields, "seed": s}) for s in seeds]
        cells.append(Cell(opt, lam, regime, cfgs[0].B, cfgs, rep))
    return cells


def run_cells(cells, session, progress=None, fresh=False):
    flat = [c for cell in cells for c in cell.configs]
    res, _ = run_configs(flat, store=session.store, executor=session.executor, workers=session.workers,
                         progress=progress, fresh=fresh)
    got = dict(zip(flat, res))
    for cell in cells:
        cell.runs = [got[c] for c in cell.configs]
    return cells


def cell_outcome(cell: Cell, tol: Tolerances):
    """('holds' | 'fails' | 'mixed' | 'diverged', per-seed bools) for the paper's claim on this cell."""
    if any(not r.ok for r in cell.runs):
        return "diverged", []
    claim = cell.reported["claim"]
    if claim == "memorizes":
        ok = [r.final["test_err"] >= 0.5 - tol.delta for r in cell.runs]
    elif claim == "generalizes":
        ok = [r.final["test_err"] <= tol.delta for r in cell.runs]
    else:
        ok = [r.final["train_err"] >= 0.5 - tol.delta for r in cell.runs]
    return ("holds" if all(ok) else "fails" if not any(ok) else "mixed"), ok


def _ms(vals):
    vals = np.asarray(vals, dtype=float)
    return f"{vals.mean():.4f} ± {vals.std():.4f}"


def _rep(x):
    return "—" if x is None else f"{x:g}"


def t0_epochs(cell: Cell) -> float:
    """End of Stage I in epochs for the cell's regime, from bounds (Appendix C defaults, §1 item 7)."""
    c = cell.configs[0]
    lemma = {("adam", "large"): "lem5.1", ("adam", "mini"): "lemC.4", ("adamw", "large"): "lemC.12",
             ("adamw", "mini"): "lemC.17"}[(cell.optimizer, cell.regime)]
    return bounds.time_scales(bounds_values(c))["T0_variants"][lemma]["epochs"]


def cell_figures(cells, out_dir):
    from . import plots
    by = {(c.optimizer, c.lam, c.regime): c for c in cells}
    files = []
    for opt, lam, name, title in (("adam", 1e-5, "fig3_adam_dynamics", "Adam λ=1e-5: feature vs noise (Fig. 3)"),
                                  ("adamw", 0.01, "fig4_adamw_dynamics", "AdamW λ=0.01: feature vs noise (Fig. 4)")):
        pair = [by[(opt, lam, r)] for r in ("large", "mini") if (opt, lam, r) in by]
        files += plots.dynamics({c.label: c.runs for c in pair}, out_dir, name, title,
                                {c.label: t0_epochs(c) for c in pair})
    for opt, lam, name, title in (("adam", 0.05, "fig5_adam_large_decay", "Adam λ=0.05: errors (Fig. 5)"),
                                  ("adamw", 0.5, "fig6_adamw_large_decay", "AdamW λ=0.5: errors (Fig. 6)")):
        pair = [by[(opt, lam, r)] for r in ("large", "mini") if (opt, lam, r) in by]
        files += plots.errors({c.label: c.runs for c in pair}, out_dir, name, title)
    return files


def report(cells, tol: Tolerances, fig_dir=None, out=None):
    """Markdown beside the paper's numbers, and a JSON-able summary."""
    c0 = cells[0].configs[0]
    seeds = [c.seed for c in cells[0].configs]
    rows, summary = [], []
    for cell in cells:
        outcome, ok = cell_outcome(cell, tol)
        tr = [r.final["train_err"] for r in cell.runs]
        te = [r.final["test_err"] for r in cell.runs]
        rep = cell.reported
        rows.append(f"| {rep['source']} | {cell.optimizer} | {cell.lam:g} | {cell.B} | {_rep(rep['train'])} | "
                    f"{_ms(tr)} | {_rep(rep['test'])} | {_ms(te)} | {CLAIM_TEXT[rep['claim']]} | **{outcome}** "
                    f"({sum(ok)}/{len(ok)}) |")
        summary.append({"source": rep["source"], "optimizer": cell.optimizer, "lam": cell.lam, "B": cell.B,
                        "paper_train": rep["train"], "paper_test": rep["test"], "train": tr, "test": te,
                        "claim": rep["claim"], "outcome": outcome, "status": [r.status for r in cell.runs]})
    lines = [f"# Reproduction of the synthetic experiment (Appendix D.2), {c0.epochs} epochs",
             "",
             f"Preset values: d={c0.d}, n={c0.n}, s={c0.s}, σp={c0.sigma_p}, α={c0.alpha}, σ0={c0.sigma_0}, m={c0.m}, "
             f"q={c0.q:g}, η={c0.eta:g}, β=({c0.beta1}, {c0.beta2}), {c0.epochs} epochs, {c0.n_test} test points, "
             f"seeds {seeds}. Reading: bias_correction={c0.bias_correction}, eps="
             f"{'λη' if c0.eps is None else c0.eps}, moment_timing={c0.moment_timing}, batch_order={c0.batch_order}, "
             f"disjoint_supports={c0.disjoint_supports}. δ = {tol.delta}. Code {code_version()} ({git_commit()}).",
             "",
             "| source | optimizer | λ | B | paper train | ours train (mean ± std) | paper test | ours test | "
             "paper's claim | claim on our runs |",
             "|---|---|---|---|---|---|---|---|---|---|", *rows, ""]
    files = []
    if fig_dir:
        files = cell_figures(cells, fig_dir)
        rel = os.path.relpath(fig_dir, os.path.dirname(os.path.abspath(out)) if out else ".")
        for f in files:
            if f.endswith(".png"):
                lines.append(f"![{os.path.basename(f)}]({rel}/{os.path.basename(f)})")
        lines.append("")
    return "\n".join(lines), {"cells": summary, "figures": files}
