"""Rendering of the image study (theorycheck.studies.images): verdict tables, the curves behind
each claim as Markdown/CSV/LaTeX, figures (PNG and PDF) and the docs/images.md report."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

from ..judge.verdicts import Judgement
from ..studies import images as st
from .plots import plt, save
from .tables import CLAIM_HEADERS, claim_rows, render


def _arms(j: Judgement, role: str) -> dict:
    roles = {k: v["role"] for k, v in j.settings["arms"].items()}
    return {k: rs for k, rs in j.evidence.items() if roles.get(k) == role}


def _ms(v: np.ndarray) -> str:
    return f"{np.mean(v):.3f} ± {np.std(v):.3f}" if len(v) > 1 else f"{v[0]:.3f}"


def _mean_final(j: Judgement, role: str, B: int, eta: float, key: str) -> float:
    """The mean over the role's runs at (B, eta) of one final value (NaN when none)."""
    vals = [
        r.final.get(key, math.nan)
        for rs in _arms(j, role).values()
        for r in rs
        if r.config.B == B and r.config.eta == eta
    ]
    return float(np.nanmean(vals)) if vals else math.nan


def _train_err(j: Judgement, role: str, B: int, eta: float) -> float:
    return _mean_final(j, role, B, eta, "train_err")


def _epochs_used(j: Judgement, role: str, B: int, eta: float) -> float:
    return _mean_final(j, role, B, eta, "epochs")


def fig1_rows(j: Judgement) -> tuple[list[str], list[list[str]]]:
    """Per batch size: steps, each optimizer's best learning rate, test error (mean ± std) and train error.
    Under the 'zero' protocol: the steps are the budget, and two more columns give the runs that
    reached the target train error (over every rate and replicate) and the chosen rate's mean
    epochs to it; a B where no rate got every replicate there shows no error ('-')."""
    zero = j.meta.get("protocol") == "zero"
    head = ["B", "steps", "lr", "test error", "train error", "SGD lr", "SGD test error", "SGD train error"]
    if zero:
        head = ["B", "budget steps", "reached", "lr", "epochs used", "test error", "train error"]
        head += ["SGD reached", "SGD lr", "SGD test error", "SGD train error"]
    Bs, err, lrs = st.best_lr_curve(_arms(j, "regime"), reached_only=zero)
    cB, cerr, clrs = st.best_lr_curve(_arms(j, "control"), reached_only=zero)
    steps = {rs[0].config.B: rs[0].config.steps for rs in j.evidence.values()}
    reach, creach = (st.reach_table(j), st.reach_table(j, "control")) if zero else ({}, {})
    rows = []
    for B in sorted(steps):
        cells = [str(B), str(steps[B])]
        if zero:
            cells.append("{}/{}".format(*reach.get(B, (0, 0))[:2]))
        if B in Bs:
            i = Bs.index(B)
            cells.append(f"{lrs[i]:g}")
            if zero:
                cells.append(f"{_epochs_used(j, 'regime', B, lrs[i]):.3g}")
            cells += [_ms(err[i]), f"{_train_err(j, 'regime', B, lrs[i]):.3f}"]
        else:
            cells += ["-"] * (4 if zero else 3)
        if zero:
            cells.append("{}/{}".format(*creach.get(B, (0, 0))[:2]))
        if B in cB:
            k = cB.index(B)
            cells += [f"{clrs[k]:g}", _ms(cerr[k]), f"{_train_err(j, 'control', B, clrs[k]):.3f}"]
        else:
            cells += ["-"] * 3
        rows.append(cells)
    return head, rows


def fig2_rows(j: Judgement) -> tuple[list[str], list[list[str]]]:
    """Per λ on the paper's axis: Adam/SGD (L2) and AdamW/SGDW (decoupled) test errors."""
    reading = j.meta.get("reading", "axis")
    reg = st.lambda_curves(_arms(j, "regime"), reading)
    ctl = st.lambda_curves(_arms(j, "control"), reading)
    lams = sorted({*reg["coupled"][0].tolist(), *reg["decoupled"][0].tolist()})
    head = ["λ (axis)", "Adam", "AdamW", "SGD + L2", "SGD, decoupled"]

    def cell(cur: tuple, lam: float) -> str:
        ls, es = cur
        hit = np.flatnonzero(np.isclose(ls, lam))
        return _ms(es[hit[0]]) if len(hit) else ""

    rows = [
        [
            f"{lam:g}",
            cell(reg["coupled"], lam),
            cell(reg["decoupled"], lam),
            cell(ctl["coupled"], lam),
            cell(ctl["decoupled"], lam),
        ]
        for lam in lams
    ]
    return head, rows


KIND_NAMES = {"adam": "Fig 1, Adam", "adamw": "Fig 1, AdamW", "axis": "Fig 2"}


def cells_rows(j: Judgement) -> tuple[list[str], list[list[str]]]:
    """Figs 7-10: per cell, each of its plans' verdicts and whether they equal the default cell's."""
    kinds = j.meta["kinds"]
    rows_in = j.meta["rows"]
    ref = next(r for r in rows_in if r["default"])
    head = ["cell", *[KIND_NAMES[k] for k in kinds], "same as the default"]
    rows = [
        [
            r["cell"] + (" (default)" if r["default"] else ""),
            *[r[k] for k in kinds],
            "yes" if all(r[k] == ref[k] for k in kinds) else "no",
        ]
        for r in rows_in
    ]
    return head, rows


def data_rows(j: Judgement) -> tuple[list[str], list[list[str]]]:
    if j.meta.get("fig") in st.CELL_FIGS:
        return cells_rows(j)
    return fig1_rows(j) if j.meta.get("fig") == "fig1" else fig2_rows(j)


SUMMARY_HEADERS = ["check", "title", "verdict", "reason", "runs (cached/computed)"]


def summary_rows(js: Sequence[Judgement]) -> list[list[str]]:
    return [[j.check_id, j.title, j.verdict, j.reason, f"{j.cached}/{j.computed}"] for j in js]


def table(js: Sequence[Judgement], fmt: str = "md") -> str:
    """Every plan's verdict, claims, control and data table, in one format."""
    parts = [render(SUMMARY_HEADERS, summary_rows(js), fmt)]
    for j in js:
        h, rows = data_rows(j)
        if fmt == "csv":
            parts.append(f"# {j.check_id}\n" + render(h, rows, fmt))
        else:
            parts.append(f"{j.check_id}\n\n" + render(h, rows, fmt))
    return "\n\n".join(parts) + "\n"


# ---- figures --------------------------------------------------------------------------------
def _band(ax: plt.Axes, x: Sequence[float], err: np.ndarray, style: str, color: str, label: str) -> None:
    m, s = err.mean(axis=1), err.std(axis=1)
    ax.plot(x, m, style, color=color, label=label)
    ax.fill_between(x, np.clip(m - s, 0, 1), np.clip(m + s, 0, 1), color=color, alpha=0.15)


def figures(js: Sequence[Judgement], out_dir: str, prefix: str = "") -> list[str]:
    """fig1_<protocol> (Adam, AdamW and SGD vs B) and fig2_<reading> (vs λ), PNG and PDF each."""
    paths: list[str] = []
    fig1 = {}
    for j in js:
        if j.meta.get("fig") == "fig1" and not j.meta.get("cell_of"):
            fig1.setdefault(j.meta["protocol"], []).append(j)
    for proto, group in fig1.items():
        fig, ax = plt.subplots(figsize=(5.2, 3.6))
        zero = proto == "zero"  # only the batch sizes whose runs reached the target train error
        for j, color in zip(sorted(group, key=lambda g: g.meta["optimizer"]), ("tab:blue", "tab:orange"), strict=False):
            Bs, err, _ = st.best_lr_curve(_arms(j, "regime"), reached_only=zero)
            if Bs:
                _band(ax, Bs, err, "o-", color, "Adam (L2)" if j.meta["optimizer"] == "adam" else "AdamW")
        Bs, err, _ = st.best_lr_curve(_arms(group[0], "control"), reached_only=zero)
        if Bs:
            _band(ax, Bs, err, "s--", "tab:gray", "SGD (control)")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size B")
        ax.set_ylabel("test error (best of 3 lr)")
        what = {"epochs": "fixed epochs", "iters": "equal iterations", "zero": "to the train-error target"}[proto]
        ax.set_title(f"{group[0].meta['scale']}: error vs B ({what})")
        ax.legend(fontsize=8)
        paths += save(fig, out_dir, f"{prefix}fig1_{proto}")
    for j in js:
        if j.meta.get("fig") != "fig2" or j.meta.get("cell_of"):
            continue
        reading = j.meta.get("reading", "axis")
        fig, ax = plt.subplots(figsize=(5.2, 3.6))
        for role, style, names in (
            ("regime", "o-", ("Adam (L2)", "AdamW")),
            ("control", "s--", ("SGD + L2", "SGD decoupled")),
        ):
            cur = st.lambda_curves(_arms(j, role), reading)
            for kind, name, color in zip(("coupled", "decoupled"), names, ("tab:blue", "tab:orange"), strict=True):
                lams, err = cur[kind]
                _band(
                    ax,
                    lams,
                    err,
                    style,
                    color if role == "regime" else ("tab:gray" if kind == "coupled" else "tab:olive"),
                    name,
                )
        ax.set_xscale("log")
        ax.set_xlabel("λ (the paper's axis)")
        ax.set_ylabel("test error")
        ax.set_title(f"{j.meta['scale']}: error vs λ (1/25 on the {j.meta['reading']})")
        ax.legend(fontsize=8)
        paths += save(fig, out_dir, f"{prefix}fig2_{j.meta['reading']}")
    return paths + cell_figures(js, out_dir, prefix)


def _cell_curves(js: Sequence[Judgement], fig: str, kind: str, role: str, what: str) -> tuple[list, np.ndarray]:
    """Figs 7-10: one curve per cell, stacked (x, errors x cell): error vs B at the best rate
    (what='B') or error vs λ for 'coupled' / 'decoupled' (what)."""
    xs, cols = None, []
    for j in js:
        if j.meta.get("cell_of") != fig or j.meta.get("kind") != kind:
            continue
        if what == "B":
            x, err, _ = st.best_lr_curve(_arms(j, role))
        else:
            x, err = st.lambda_curves(_arms(j, role), "axis")[what]
        if xs is None:
            xs = list(x)
        if list(x) == xs:
            cols.append(err[:, 0])
    return xs or [], np.array(cols).T if cols else np.zeros((0, 0))


def cell_figures(js: Sequence[Judgement], out_dir: str, prefix: str = "") -> list[str]:
    """fig7 / fig9 (error vs B per cell, Adam and AdamW panels) and fig8 / fig10 (error vs λ per
    cell): thin lines are the cells, the band their mean ± std, grey the SGD control."""
    paths: list[str] = []
    for fig, (family, base_fig) in st.CELL_FIGS.items():
        if not any(j.meta.get("cell_of") == fig for j in js):
            continue
        what = "seeds" if family == "seeds" else "(β1, β2) pairs"
        fig_, axes = plt.subplots(1, 2, figsize=(9.6, 3.6), sharey=True)
        if base_fig == "fig1":
            panels = [("adam", "B", "Adam (L2)"), ("adamw", "B", "AdamW")]
        else:
            panels = [("axis", "coupled", "Adam (L2)"), ("axis", "decoupled", "AdamW")]
        for ax, (kind, sel, name) in zip(axes, panels, strict=True):
            x, err = _cell_curves(js, fig, kind, "regime", sel)
            if len(x):
                for k in range(err.shape[1]):
                    ax.plot(x, err[:, k], "-", color="tab:blue", alpha=0.35, lw=0.8)
                _band(ax, x, err, "o-", "tab:blue", f"{name}, mean ± std over {err.shape[1]} {what}")
            cx, cerr = _cell_curves(js, fig, kind, "control", sel)
            if len(cx):
                _band(ax, cx, cerr, "s--", "tab:gray", "SGD (control)")
            ax.set_xscale("log", base=2) if sel == "B" else ax.set_xscale("log")
            ax.set_xlabel("batch size B" if sel == "B" else "λ (the paper's axis)")
            ax.set_title(name)
            ax.legend(fontsize=7)
        axes[0].set_ylabel("test error" + (" (best of 3 lr)" if base_fig == "fig1" else ""))
        scale = next(j.meta.get("scale") for j in js if j.meta.get("cell_of") == fig)
        fig_.suptitle(f"{scale}: Fig. {fig[3:]} (Fig. {base_fig[3:]} over the {what})", fontsize=10)
        paths += save(fig_, out_dir, f"{prefix}{fig}")
    return paths


# ---- the Markdown report ----------------------------------------------------------------------
ABOUT = """\
What is judged (theorycheck/studies/images.py; the paper's settings are docs/model.md §9.1-§9.4):

- **Fig 1.** For Adam (λ in the gradient, eq. (3.3)) and AdamW (decoupled, eq. (3.6)), at each batch
  size the best of three learning rates (lowest mean test error over the replicates) is kept. Claims,
  per replicate: (1) the error at the two largest B exceeds the best error at B <= B* by more than
  the replicates' spread; (2) past B* the error never falls by more than that spread; (3) the rise
  right after B* exceeds the spread. B* is located on the mean curve, just before its largest rise.
  Run under the paper's protocol (a fixed epoch budget) and at **equal iterations** (every B the same
  number of steps, so large batches see many more examples): 'degrades' under the first alone could
  be under-training. A third protocol, **zero** (`--protocol zero` or `all`), trains every run until
  its train error is <= a stated target (checked at each epoch's end) or a stated epoch budget; only
  learning rates whose every replicate reached the target compete, and a batch size where none did
  makes the claim inconclusive (never a verdict); the tables give how many runs got there. Negative control: plain SGD (L2 in the gradient, its own three learning rates) at
  the same budgets; the paper's mechanism (Adam acts as a sign method and memorizes noise at large B)
  predicts no sharp transition for it, so the rule is expected to fail there.
- **Fig 2.** At B = 16 over the paper's λ grids (12 for Adam, 8 for AdamW). Claims, per replicate:
  (1) Adam degrades inside its own grid (max - min error > δ), so that (2) is not an artefact of the
  grids ending at different λ; (2) λ*(Adam) < λ*(AdamW), λ* = the largest λ within δ (`--tol delta`,
  default 0.1) of that optimizer's best error, λ read on the paper's axis. AdamW's 1/25 factor
  (docs/model.md §1 item 14) is reported both ways: `axis` (the optimizer gets the grid values) and
  `optimizer` (it gets grid/25). Negative control: SGD with L2 against SGD with decoupled decay on the
  same two grids; the two updates are the same map, so the rule must fail.
- Replicates are seeds (`--seeds`). `--betas paper` pools the nine (β1, β2) pairs at seed 0 into
  one plan's replicates, as the paper's error bars do.
- **Figs 7-10** (`figs7-10`, or `every` with Figs 1-2). The paper reruns Figs 1-2 over seeds 0-4
  (Figs 7-8) and over nine (β1, β2) pairs (Figs 9-10) and says the conclusions do not change. Here
  every *cell* (one seed at β = (0.9, 0.99), or one β pair at seed 0) gets its own Fig 1 plans
  (Adam, AdamW; the fixed-epoch protocol) and Fig 2 plan (the `axis` reading), each with its own
  SGD negative control, on the scale's cell grids (subsets of the grids above, stated below). A
  cell has one run per arm, so Fig 1's spread has a floor of δ. The claim holds on a cell when its
  verdict equals the default cell's (seed 0, β = (0.9, 0.99)). Verdict: consistent when every cell
  agrees; violated when some cell reaches the other decided verdict (consistent against
  violated); inconclusive when the default cell does not decide, or some cell is undecided. It has
  no negative control of its own (the paper names no seed or β pair under which the conclusions
  should change); each cell's verdict is controlled instead.
"""


def cells_section(j: Judgement, cell_js: Sequence[Judgement]) -> list[str]:
    """One Fig 7-10 judgement in the report: its claims, the cell table and every cell's verdict."""
    c0 = cell_js[0] if cell_js else None
    grid = ""
    if c0 is not None and j.meta["base_fig"] == "fig1":
        grid = (
            "B in {" + ", ".join(str(B) for B in sorted({r.config.B for rs in c0.evidence.values() for r in rs})) + "}"
        )
    elif c0 is not None:
        lams = st.lambda_curves(_arms(c0, "regime"), "axis")
        grid = "Adam λ in {{{}}}, AdamW λ in {{{}}}".format(
            ", ".join(f"{v:g}" for v in lams["coupled"][0]), ", ".join(f"{v:g}" for v in lams["decoupled"][0])
        )
    lines = [render(CLAIM_HEADERS, claim_rows(j), "md"), ""]
    lines += [f"Negative control: {st.CELLS_NO_CONTROL}.", ""]
    lines += [f"Cell grid: {grid}.", ""] if grid else []
    h, rows = cells_rows(j)
    lines += [render(h, rows, "md"), ""]
    lines += [render(SUMMARY_HEADERS, summary_rows(cell_js), "md"), "", f"Reproduce: `{j.command}`", ""]
    return lines


def report(js: Sequence[Judgement], cmd: str, fig_links: Sequence[str] = (), extra: str = "") -> str:
    """docs/images.md: verdicts, the claims with their controls, the curves and the figures."""
    lines = [
        "# Real images: the paper's Figs 1-2 (and 7-10) as judged checks",
        "",
        f"Generated by `{cmd}`.",
        "",
    ]
    if js:
        lines += [f"Scale: {js[0].meta.get('note', '')}.", ""]
    lines += [ABOUT]
    if extra:
        lines += [extra, ""]
    top = [j for j in js if not j.meta.get("cell_of")]
    lines += [render(SUMMARY_HEADERS, summary_rows(top), "md"), ""]
    for j in top:
        lines += [f"## {j.check_id}: {j.title}", "", f"**{j.verdict}**: {j.reason}", ""]
        if j.meta.get("fig") in st.CELL_FIGS:
            lines += cells_section(j, [c for c in js if c.meta.get("cell_of") == j.meta["fig"]])
            continue
        lines += [render(CLAIM_HEADERS, claim_rows(j), "md"), ""]
        if j.controls:
            lines += ["Negative control (the same rule; it must fail on every replicate):", ""]
            lines += [render(CLAIM_HEADERS, claim_rows(j, controls=True), "md"), ""]
        h, rows = data_rows(j)
        lines += [render(h, rows, "md"), "", f"Reproduce: `{j.command}`", ""]
    if fig_links:
        lines += ["## Figures", ""] + [f"![{os.path.basename(p)}]({p})" for p in fig_links] + [""]
    return "\n".join(lines)
