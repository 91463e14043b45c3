"""The (B, λ) phase diagram's renderer (studies.phase): the cells table, the agreement table and
the figure, read from the judgements alone.

Agreement: per region where a result predicts an outcome (studies.phase.prediction), the cells
whose seeds all show the predicted outcome, among the cells that converged (the '[point]
converged' hypothesis of judge.horizon). Unconverged cells are counted and named, never scored;
cells whose seeds read 'between' or disagree ('mixed') count as not matching and are named as such,
apart from the cells that show another outcome ('missed').
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

import bounds
from simulations import Config

from ..judge.gating import bounds_values
from ..judge.render import render
from ..judge.verdicts import Judgement, Tolerances
from ..studies.phase import Prediction, cell_outcome, decay_line, outcome, prediction
from ..version import git_commit, runs_version

CELL_HEADERS = [
    "optimizer",
    "B",
    "n/B",
    "λ",
    "region (prediction)",
    "predicted",
    "test error mean ± std [min, max]",
    "train error mean",
    "outcomes per seed",
    "outcome",
    "converged",
    "agrees",
]
AGREE_HEADERS = [
    "region",
    "predicted",
    "cells",
    "converged",
    "agree",
    "fraction",
    "missed",
    "between or mixed",
    "unconverged",
]


@dataclass
class Cell:
    j: Judgement
    optimizer: str
    B: int
    lam: float
    cfg: Config
    pred: Prediction
    test: list[float]
    train: list[float]
    outcomes: list[str]
    converged: bool
    ladder: str  # the horizon ladder's story when the reading changed along it, else ''

    @property
    def outcome(self) -> str:
        return cell_outcome(self.outcomes)

    @property
    def agrees(self) -> bool | None:
        """None where nothing is predicted or the cell did not converge."""
        if self.pred.outcome is None or not self.converged:
            return None
        return self.outcome == self.pred.outcome

    @property
    def label(self) -> str:
        return f"{self.optimizer} B={self.B} λ={self.lam:.3g}"


class Phase:
    """The phase study's judgements as cells (in grid order)."""

    def __init__(self, judgements: list[Judgement]):
        js = [j for j in judgements if j.meta.get("study") == "phase"]
        if not js:
            raise ValueError("no phase-diagram judgements")
        m = js[0].meta
        self.batch_sizes, self.lambdas, self.optimizers = m["batch_sizes"], m["lambdas"], m["optimizers"]
        self.base = Config(**m["base"])
        self.tol = Tolerances(**js[0].settings["tolerances"])
        self.preset = js[0].settings["preset"]
        self.command = js[0].command
        self.cells = [self._cell(j) for j in js]

    def _cell(self, j: Judgement) -> Cell:
        runs = j.evidence["point"]
        cfg = runs[0].config
        conv = [h.holds for h in j.hypotheses if h.name == "[point] converged"]
        story = j.reason if j.reason.startswith("horizon-dependent") else ""
        return Cell(
            j,
            j.meta["optimizer"],
            j.meta["B"],
            j.meta["lam"],
            cfg,
            prediction(j.meta["optimizer"], cfg, self.tol),
            [float(r.final["test_err"]) if r.status in ("ok", "collapsed") else math.nan for r in runs],
            [float(r.final["train_err"]) if r.status in ("ok", "collapsed") else math.nan for r in runs],
            [outcome(r, self.base, self.tol) for r in runs],
            bool(conv) and all(conv),
            story,
        )

    def cell(self, opt: str, B: int, lam: float) -> Cell:
        for c in self.cells:
            if (c.optimizer, c.B, c.lam) == (opt, B, lam):
                return c
        raise KeyError((opt, B, lam))

    # ---- tables -------------------------------------------------------------------------------
    def cell_rows(self) -> list[list[str]]:
        rows = []
        for c in self.cells:
            t = np.array(c.test)
            err = f"{np.nanmean(t):.3f} ± {np.nanstd(t):.3f} [{np.nanmin(t):.3f}, {np.nanmax(t):.3f}]"
            rows.append(
                [
                    c.optimizer,
                    str(c.B),
                    f"{self.base.n / c.B:g}",
                    f"{c.lam:.3g}",
                    c.pred.region,
                    c.pred.outcome or "—",
                    err,
                    f"{np.nanmean(c.train):.3f}",
                    " ".join(c.outcomes),
                    c.outcome,
                    "yes" if c.converged else "NO",
                    {None: "—", True: "yes", False: "no"}[c.agrees],
                ]
            )
        return rows

    def agreement(self) -> list[dict]:
        """One row per region with a prediction (module docstring)."""
        regions: dict[str, list[Cell]] = {}
        for c in self.cells:
            if c.pred.outcome is not None:
                regions.setdefault(c.pred.region, []).append(c)
        out = []
        for region, cells in sorted(regions.items()):
            conv = [c for c in cells if c.converged]
            agree = [c for c in conv if c.agrees]
            missed = [c for c in conv if not c.agrees and c.outcome not in ("between", "mixed")]
            between = [c for c in conv if c.outcome in ("between", "mixed")]
            out.append(
                dict(
                    region=region,
                    predicted=cells[0].pred.outcome,
                    cells=len(cells),
                    converged=len(conv),
                    agree=len(agree),
                    fraction=len(agree) / len(conv) if conv else math.nan,
                    missed=[f"{c.label} ({c.outcome})" for c in missed],
                    between=[f"{c.label} ({c.outcome})" for c in between],
                    unconverged=[c.label for c in cells if not c.converged],
                )
            )
        return out

    def agreement_rows(self) -> list[list[str]]:
        return [
            [
                a["region"],
                a["predicted"],
                str(a["cells"]),
                str(a["converged"]),
                str(a["agree"]),
                "—" if math.isnan(a["fraction"]) else f"{a['fraction']:.2f}",
                "; ".join(a["missed"]) or "none",
                "; ".join(a["between"]) or "none",
                "; ".join(a["unconverged"]) or "none",
            ]
            for a in self.agreement()
        ]

    def table(self, which: str, fmt: str) -> str:
        if which == "agreement":
            return render(AGREE_HEADERS, self.agreement_rows(), fmt)
        return render(CELL_HEADERS, self.cell_rows(), fmt)

    # ---- boundaries ---------------------------------------------------------------------------
    def boundaries(self, opt: str) -> dict:
        """The paper's boundaries on this grid, from bounds (λ lines per B, n/B regime edges as B)."""
        kw = dict(c=self.tol.c, k=self.tol.k, rho=self.tol.rho)
        n = self.base.n
        out: dict = {"lam": {}, "B": {}}
        Bs = self.batch_sizes
        cfgs = {B: self.cell(opt, B, self.lambdas[0]).cfg for B in Bs}
        if opt == "adam":
            v = bounds_values(cfgs[Bs[0]])
            out["lam"]["Thms 4.1/4.2: λ = o(σ0^(q−2)σp/n)"] = [bounds.lambda_window("thm4.2", v, **kw)[1]] * len(Bs)
            out["lam"]["Cor 4.3: λ = ω(σ0^(q−2))"] = [bounds.lambda_window("cor4.3", v, **kw)[0]] * len(Bs)
            large, mini = "thm4.1", "thm4.2"
        else:
            wins = [bounds.lambda_window("thm4.5", bounds_values(cfgs[B]), **kw) for B in Bs]
            out["lam"]["Thms 4.4/4.5: λ = Ω~(B²/n ∧ 1)"] = [w[0] for w in wins]
            out["lam"]["Thms 4.4/4.5: λ = O~(1)"] = [w[1] for w in wins]
            out["lam"]["Lemma C.20: ληT = ω(1)"] = [decay_line(cfgs[B], self.tol) for B in Bs]
            large, mini = "thm4.4", "thm4.5"
        v = bounds_values(cfgs[Bs[0]])
        br_l = bounds.batch_regime(large, v, **kw)
        br_m = bounds.batch_regime(mini, v, **kw)
        if br_l.max_n_over_B:
            out["B"][f"{large} large batch: B ≥ n/{br_l.max_n_over_B:.3g}"] = n / br_l.max_n_over_B
        if br_m.min_n_over_B:
            out["B"][f"{mini} mini-batch: B ≤ n/{br_m.min_n_over_B:.3g}"] = n / br_m.min_n_over_B
        return out


# ---- the figure -------------------------------------------------------------------------------
MARK = {"generalizes": "G", "memorizes": "M", "stuck": "S", "unfit": "u", "between": "b", "mixed": "x", "failed": "!"}


def figure(p: Phase, out_dir: str, name: str = "phase") -> list[str]:
    """Test error at convergence per (B, λ) cell (colour: mean over seeds; text: mean ± std and the
    outcome letter; hatched: not converged; a red frame: the cell misses its prediction), with the
    paper's boundaries overlaid."""
    from matplotlib.patches import Rectangle

    from .plots import plt, save

    opts = p.optimizers
    fig, axes = plt.subplots(1, len(opts), figsize=(5.6 * len(opts), 4.4), squeeze=False)
    cmap = plt.get_cmap("RdYlGn_r")
    Bs, lams = p.batch_sizes, p.lambdas
    lb, ll = np.log10(Bs), np.log10(lams)

    def edges(x: np.ndarray) -> np.ndarray:
        if len(x) == 1:
            return np.array([x[0] - 0.5, x[0] + 0.5])
        mid = (x[1:] + x[:-1]) / 2
        return np.concatenate([[2 * x[0] - mid[0]], mid, [2 * x[-1] - mid[-1]]])

    eb, el = edges(lb), edges(ll)
    for ax, opt in zip(axes[0], opts):
        for i, B in enumerate(Bs):
            for k, lam in enumerate(lams):
                c = p.cell(opt, B, lam)
                t = np.array(c.test)
                m = float(np.nanmean(t)) if np.isfinite(t).any() else math.nan
                x0, y0, w, h = eb[i], el[k], eb[i + 1] - eb[i], el[k + 1] - el[k]
                face = cmap(m) if m == m else (0.8, 0.8, 0.8, 1)
                ax.add_patch(Rectangle((x0, y0), w, h, facecolor=face, edgecolor="white", lw=1))
                if not c.converged:
                    ax.add_patch(Rectangle((x0, y0), w, h, fill=False, hatch="///", edgecolor="0.3", lw=0))
                if c.agrees is False:
                    ax.add_patch(Rectangle((x0, y0), w, h, fill=False, edgecolor="red", lw=2))
                ax.text(
                    lb[i],
                    ll[k],
                    f"{m:.2f}±{float(np.nanstd(t)):.2f}\n{MARK.get(c.outcome, '?')}",
                    ha="center",
                    va="center",
                    fontsize=7,
                )
        bd = p.boundaries(opt)
        styles = iter(["-", "--", ":", "-."])
        for label, ys in bd["lam"].items():
            ls = next(styles)
            finite = [y for y in ys if y]
            if not finite:
                continue
            if len(set(finite)) == 1:
                ax.axhline(math.log10(finite[0]), color="k", ls=ls, lw=1.2, label=label)
                continue
            first = True  # a value per batch size: one segment across each column
            for i, y in enumerate(ys):
                if y:
                    ax.plot(
                        [eb[i], eb[i + 1]],
                        [math.log10(y)] * 2,
                        color="k",
                        ls=ls,
                        lw=1.2,
                        label=label if first else None,
                    )
                    first = False
        for label, Bv in bd["B"].items():
            ax.axvline(math.log10(Bv), color="tab:blue", ls="--" if "large" in label else ":", lw=1.4, label=label)
        ax.set_xlim(eb[0], eb[-1])
        ax.set_ylim(el[0], el[-1])
        ax.set_xticks(lb, [str(b) for b in Bs])
        ax.set_yticks(ll, [f"{x:.2g}" for x in lams])
        ax.set_xlabel(f"batch size B (n = {p.base.n})")
        ax.set_ylabel("weight decay λ")
        ax.set_title(f"{opt}: test error at convergence ({p.preset}, {len(p.cells[0].test)} seeds)", fontsize=9)
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=2, borderaxespad=0)
    fig.text(
        0.5,
        1.0,
        "G generalizes (≤ δ), M memorizes (≥ 1/2 − δ, train ≤ δ), S stuck (Cor 4.3's rule), "
        "u unfit (≥ 1/2 − δ, train > δ), b between, x seeds disagree; "
        "hatched: not converged; red frame: misses its prediction",
        ha="center",
        fontsize=7,
    )
    return save(fig, out_dir, name)


def markdown(p: Phase, figure_links: list[str], cost: str = "") -> str:
    lines = [
        f"Command: `{p.command}`. Code {runs_version(c.j for c in p.cells)} (git {git_commit()}).",
        "",
        *(f"![phase diagram]({f})" for f in figure_links),
        "",
        "### Agreement with the paper's predictions (converged cells only)",
        "",
        p.table("agreement", "md"),
        "",
        "### Cells",
        "",
        p.table("cells", "md"),
    ]
    if cost:
        lines += ["", cost]
    return "\n".join(lines) + "\n"


def write_all(p: Phase, out_dir: str, name: str, write: object) -> list[str]:
    """The figure (PNG, PDF) and the tables (Markdown; CSV and LaTeX, cells and agreement) under out_dir.
    `write(path, text)` writes a text file whole or not at all (the CLI's)."""
    files = figure(p, out_dir, name)
    png = [os.path.basename(f) for f in files if f.endswith(".png")]
    out = {
        f"{name}.md": markdown(p, png),
        f"{name}_cells.csv": p.table("cells", "csv"),
        f"{name}_agreement.csv": p.table("agreement", "csv"),
        f"{name}_cells.tex": p.table("cells", "latex"),
        f"{name}_agreement.tex": p.table("agreement", "latex"),
    }
    for fname, text in out.items():
        path = os.path.join(out_dir, fname)
        write(path, text)  # type: ignore[operator]
        files.append(path)
    return files
