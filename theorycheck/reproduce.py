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
CLAIM_TEXT = {
    "memorizes": "test error >= 1/2 - δ (Thms 4.1/4.4)",
    "generalizes": "test error <= δ (Thms 4.2/4.5)",
    "stuck": "fails to train: train error >= 1/2 - δ (Cor 4.3)",
}


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
    res, _ = run_configs(
        flat, store=session.store, executor=session.executor, workers=session.workers, progress=progress, fresh=fresh
    )
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
    lemma = {
        ("adam", "large"): "lem5.1",
        ("adam", "mini"): "lemC.4",
        ("adamw", "large"): "lemC.12",
        ("adamw", "mini"): "lemC.17",
    }[(cell.optimizer, cell.regime)]
    return bounds.time_scales(bounds_values(c))["T0_variants"][lemma]["epochs"]


def cell_figures(cells, out_dir):
    from . import plots

    by = {(c.optimizer, c.lam, c.regime): c for c in cells}
    files = []
    for opt, lam, name, title in (
        ("adam", 1e-5, "fig3_adam_dynamics", "Adam λ=1e-5: feature vs noise (Fig. 3)"),
        ("adamw", 0.01, "fig4_adamw_dynamics", "AdamW λ=0.01: feature vs noise (Fig. 4)"),
    ):
        pair = [by[(opt, lam, r)] for r in ("large", "mini") if (opt, lam, r) in by]
        files += plots.dynamics(
            {c.label: c.runs for c in pair}, out_dir, name, title, {c.label: t0_epochs(c) for c in pair}
        )
    for opt, lam, name, title in (
        ("adam", 0.05, "fig5_adam_large_decay", "Adam λ=0.05: errors (Fig. 5)"),
        ("adamw", 0.5, "fig6_adamw_large_decay", "AdamW λ=0.5: errors (Fig. 6)"),
    ):
        pair = [by[(opt, lam, r)] for r in ("large", "mini") if (opt, lam, r) in by]
        files += plots.errors({c.label: c.runs for c in pair}, out_dir, name, title)
    return files


def _timing(cells, store):
    """Total compute wall time (from the store) and model-steps per second over these cells' runs."""
    if store is None:
        return None
    from .store import config_key

    walls = {k: w for k, *_, w in store.rows()}
    cfgs = [c for cell in cells for c in cell.configs]
    wall = sum(walls.get(config_key(c)) or 0.0 for c in cfgs)
    steps = sum(c.steps for c in cfgs)
    return wall, steps


def verdict_rows(cells, tol):
    rows, summary = [], []
    for cell in cells:
        outcome, ok = cell_outcome(cell, tol)
        tr = [r.final["train_err"] for r in cell.runs]
        te = [r.final["test_err"] for r in cell.runs]
        rep = cell.reported
        rows.append(
            f"| {rep['source']} | {cell.optimizer} | {cell.lam:g} | {cell.B} | {_rep(rep['train'])} | "
            f"{_ms(tr)} | {_rep(rep['test'])} | {_ms(te)} | {CLAIM_TEXT[rep['claim']]} | **{outcome}** "
            f"({sum(ok)}/{len(ok)}) |"
        )
        summary.append(
            {
                "source": rep["source"],
                "optimizer": cell.optimizer,
                "lam": cell.lam,
                "B": cell.B,
                "paper_train": rep["train"],
                "paper_test": rep["test"],
                "train": tr,
                "test": te,
                "claim": rep["claim"],
                "outcome": outcome,
                "status": [r.status for r in cell.runs],
            }
        )
    head = [
        "| source | optimizer | λ | B | paper train | ours train (mean ± std) | paper test | ours test | "
        "paper's claim | claim on our runs |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    return head + rows, summary


def describe(c0, seeds, tol):
    return (
        f"d={c0.d}, n={c0.n}, s={c0.s}, σp={c0.sigma_p}, α={c0.alpha}, σ0={c0.sigma_0}, m={c0.m}, q={c0.q:g}, "
        f"η={c0.eta:g}, β=({c0.beta1}, {c0.beta2}), {c0.epochs} epochs, {c0.n_test} test points, seeds {seeds}; "
        f"reading: bias_correction={c0.bias_correction}, eps={'λη' if c0.eps is None else c0.eps}, "
        f"moment_timing={c0.moment_timing}, batch_order={c0.batch_order}, "
        f"disjoint_supports={c0.disjoint_supports}, compile={c0.compile}; δ = {tol.delta}"
    )


def report(
    cells, tol: Tolerances, fig_dir=None, out=None, audit=None, compare=None, command=None, store=None, preset_name=None
):
    """Markdown beside the paper's numbers (plus the reading audit and a preset comparison), and a
    JSON-able summary. `audit` = (preset, {arm: cells}); `compare` = (preset, cells)."""
    from .audit import ARMS, audit_table, reading_conclusions

    c0 = cells[0].configs[0]
    seeds = [c.seed for c in cells[0].configs]
    rows, summary = verdict_rows(cells, tol)
    lines = [
        "# Reproduction of the synthetic experiment (Appendix D.2)",
        "",
        f"Generated by `{command or 'theorycheck reproduce'}` from the results store. Code {code_version()} "
        f"(git {git_commit()}). Every number below comes from stored runs; the 'paper' columns are the "
        f"values Tables 1-2 report.",
        "",
        f"## 1. Tables 1-2 and the large-decay runs, preset `{preset_name or '?'}`",
        "",
        describe(c0, seeds, tol) + ".",
        "",
        *rows,
        "",
    ]
    t = _timing(cells, store)
    if t and t[0] > 0:
        lines += [
            f"Compute: {t[1]:.3g} model-steps in {t[0]:.0f} s of batch wall time ({t[1] / t[0]:.3g} model-steps/s).",
            "",
        ]
    files = []
    if fig_dir:
        files = cell_figures(cells, fig_dir)
        rel = os.path.relpath(fig_dir, os.path.dirname(os.path.abspath(out)) if out else ".")
        lines += [f"![{os.path.basename(f)}]({rel}/{os.path.basename(f)})" for f in files if f.endswith(".png")]
        lines.append("")
    result = {"cells": summary, "figures": files}
    if audit:
        apreset, by_arm = audit
        a0 = by_arm[next(iter(by_arm))][0].configs[0]
        table, asum = audit_table(by_arm, tol)
        lines += [
            f"## 2. Which readings the verdicts depend on (preset `{apreset}`)",
            "",
            describe(a0, [c.seed for c in by_arm[next(iter(by_arm))][0].configs], tol) + ".",
            "",
            "Arms (each changes one choice against the default):",
            "",
        ]
        lines += [f"- **{a}**: {ARMS[a][1]}; overrides `{ARMS[a][0] or '{}'}`" for a in by_arm]
        lines += [
            "",
            "Entries: outcome of the paper's claim over the seeds (holds = every seed, fails = none, "
            "mixed = some), with the mean test error (train error for the stuck cells).",
            "",
            table,
            "",
            *reading_conclusions(asum),
            "",
        ]
        t = _timing([c for cs in by_arm.values() for c in cs], store)
        if t and t[0] > 0:
            lines += [f"Compute: {t[1]:.3g} model-steps in {t[0]:.0f} s ({t[1] / t[0]:.3g} model-steps/s).", ""]
        result["audit"] = asum
    if compare:
        result["compare"] = {}
        lines += [
            f"## 3. Cheaper presets against `{preset_name}` (default reading)",
            "",
            "A preset stands in for another when every cell gets the same verdict. 'Binary' compares only "
            "whether the claim holds on every seed (mixed counts as not holding).",
            "",
            "| cell | " + f"{preset_name} | " + " | ".join(f"{cp}" for cp, _ in compare) + " |",
            "|---|---|" + "---|" * len(compare),
        ]
        sums = [(cp, verdict_rows(cc, tol)[1]) for cp, cc in compare]
        for i, a in enumerate(summary):
            ents = [
                f"{b[i]['outcome']} (test {np.mean(b[i]['test']):.3f})"
                + ("" if b[i]["outcome"] == a["outcome"] else " **≠**")
                for _, b in sums
            ]
            lines.append(
                f"| {a['source']}: {a['optimizer']} λ={a['lam']:g} B={a['B']} | {a['outcome']} "
                f"(test {np.mean(a['test']):.3f}) | " + " | ".join(ents) + " |"
            )
        lines.append("")
        for cp, b in sums:
            same = [x["outcome"] == y["outcome"] for x, y in zip(summary, b)]
            binary = [(x["outcome"] == "holds") == (y["outcome"] == "holds") for x, y in zip(summary, b)]
            c0p = compare[[p for p, _ in compare].index(cp)][1][0].configs[0]
            lines.append(
                f"- `{cp}` (η={c0p.eta:g}, {c0p.epochs} epochs): same verdict on {sum(same)} of "
                f"{len(same)} cells; same binary verdict on {sum(binary)} of {len(binary)}."
            )
            t = _timing(compare[[p for p, _ in compare].index(cp)][1], store)
            if t and t[0] > 0:
                lines[-1] += f" Compute: {t[1]:.3g} model-steps in {t[0]:.0f} s."
            result["compare"][cp] = {"same": same, "binary": binary, "cells": b}
        lines.append("")
    holds = [f"{x['source']} {x['optimizer']} B={x['B']}" for x in summary if x["outcome"] == "holds"]
    fails = [f"{x['source']} {x['optimizer']} B={x['B']}" for x in summary if x["outcome"] != "holds"]
    lines += [
        "## Conclusion (generated from the verdicts above)",
        "",
        f"At `{preset_name}` under the default reading the paper's claim holds on {len(holds)} of "
        f"{len(summary)} cells"
        + (f" ({', '.join(holds)})" if holds else "")
        + "."
        + (f" It does not hold on: {', '.join(fails)}." if fails else ""),
        "",
    ]
    return "\n".join(lines), result
