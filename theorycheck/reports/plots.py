"""Figures on the synthetic model (PNG and PDF): analogues of the paper's Figures 1-6, drawn
from judgements (the grid's for Figs 1-2, the experiment cells' for Figs 3-6)."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator

import bounds

from ..judge.gating import bounds_values
from ..judge.verdicts import Judgement
from ..studies.grid import check_lambda
from .bounds_table import Grid, predicted_threshold

COLORS = {"adam": "tab:blue", "adamw": "tab:orange"}


def save(fig: plt.Figure, out_dir: str, name: str) -> list[str]:
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for ext in ("png", "pdf"):
        p = os.path.join(out_dir, f"{name}.{ext}")
        fig.savefig(p, dpi=130, bbox_inches="tight")
        paths.append(p)
    plt.close(fig)
    return paths


def _band(ax: plt.Axes, x: list, errs: list[list[float]], color: str, label: str) -> None:
    """Mean over seeds with a ±1 std band, clipped to the error's range [0, 1]."""
    m = np.array([np.nanmean(e) for e in errs])
    s = np.array([np.nanstd(e) for e in errs])
    ax.plot(x, m, "o-", color=color, label=label)
    ax.fill_between(x, np.clip(m - s, 0, 1), np.clip(m + s, 0, 1), color=color, alpha=0.2)


def error_vs_batch(judgements: list[Judgement], out_dir: str) -> list[str]:
    """Fig. 1 analogue: test error against B at each optimizer's check λ, predicted thresholds dashed."""
    g = Grid(judgements)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for opt in g.optimizers:
        _band(ax, g.batch_sizes, [g.held_out_errors(g.batch[(opt, B)]) for B in g.batch_sizes], COLORS[opt], opt)
        lam = check_lambda(opt, g.base, 2, g.tol)
        thr = predicted_threshold(opt, bounds_values({**g.base, "B": 2, "lam": lam, "eps": None}), g.tol)
        ax.axvline(g.base["n"] / thr, ls="--", color=COLORS[opt], lw=1, label=f"{opt}: B = n / (predicted n/B)")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(g.batch_sizes))  # one tick per batch size, no overlapping minor labels
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(b) for b in g.batch_sizes])
    return _finish(fig, ax, g, "batch size B", f"Test error vs batch size ({g.preset})", out_dir, "fig1_error_vs_batch")


def error_vs_lambda(judgements: list[Judgement], out_dir: str, B: int | None = None) -> list[str]:
    """Fig. 2 analogue: test error against λ at batch size B, with the predicted windows."""
    g = Grid(judgements)
    B = B or min(g.batch_sizes)
    tol = g.tol
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for opt in g.optimizers:
        _band(ax, g.lambdas, [g.held_out_errors(g.lam[(opt, B, lam)]) for lam in g.lambdas], COLORS[opt], opt)
    v = bounds_values({**g.base, "B": B, "lam": 1e-3, "eps": None})
    _, hi = bounds.lambda_orders("thm4.2", v, c=tol.c, k=tol.k)
    stuck, _ = bounds.lambda_orders("cor4.3", v, c=tol.c, k=tol.k)
    lo_w, hi_w = bounds.lambda_window("thm4.5", v, c=tol.c, k=tol.k, rho=tol.rho)
    if hi is not None:
        ax.axvline(hi, color=COLORS["adam"], ls="--", lw=1, label="Adam: σ0^(q-2)σp/n (Thm 4.2)")
    if stuck is not None:
        ax.axvline(stuck, color=COLORS["adam"], ls=":", lw=1, label="Adam: σ0^(q-2) (Cor 4.3)")
    if lo_w is not None and hi_w is not None:
        ax.axvspan(lo_w, hi_w, color=COLORS["adamw"], alpha=0.08, label="AdamW window (Thm 4.5)")
    ax.set_xscale("log")
    return _finish(
        fig, ax, g, "weight decay λ", f"Test error vs λ at B={B} ({g.preset})", out_dir, "fig2_error_vs_lambda"
    )


def _finish(fig: plt.Figure, ax: plt.Axes, g: Grid, xlabel: str, title: str, out_dir: str, name: str) -> list[str]:
    """Shared frame of Figs 1-2: the δ line, labels, legend outside the axes; then save."""
    ax.axhline(g.tol.delta, color="gray", lw=0.8, ls=":", label="δ")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test error")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return save(fig, out_dir, name)


def dynamics(runs_by_label: dict, out_dir: str, name: str, title: str, t0_epochs: dict | None = None) -> list[str]:
    """Figs 3-4 analogue: feature learning (per class) and noise memorization over epochs (mean over seeds).

    Noise memorization is min_i for large-batch runs and max_i for mini-batch runs, as in the paper.
    Stage I ends at the dashed line (T0 from bounds/, per run label)."""
    fig, axes = plt.subplots(1, len(runs_by_label), figsize=(5 * len(runs_by_label), 3.4), squeeze=False)
    for ax, (label, runs) in zip(axes[0], runs_by_label.items()):
        ep = runs[0].trajectory["epoch"]
        large = runs[0].config.n // runs[0].config.B <= 10
        key = "noise_min" if large else "noise_max"
        noise = np.mean([r.trajectory[key] for r in runs], 0)
        for k, j in (("feat_pos", "+1"), ("feat_neg", "-1")):
            ax.plot(
                ep, np.mean([r.trajectory[k] for r in runs], 0), label=f"feature learning j={j}: max_r <w_j,r, j v>"
            )
        ax.plot(ep, noise, label=f"noise memorization {'min' if large else 'max'}_i max_r <w_y,r, ξ_i>")
        if t0_epochs and label in t0_epochs and t0_epochs[label] <= ep[-1]:
            ax.axvline(t0_epochs[label], color="k", ls="--", lw=0.8)
            ax.text(t0_epochs[label], ax.get_ylim()[1], " end of Stage I", fontsize=7, va="top")
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("epoch")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=3, bbox_to_anchor=(0.5, -0.12))
    fig.suptitle(title, fontsize=10)
    return save(fig, out_dir, name)


def errors(runs_by_label: dict, out_dir: str, name: str, title: str) -> list[str]:
    """Figs 5-6 analogue: training and test error over epochs (mean over seeds)."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for i, (label, runs) in enumerate(runs_by_label.items()):
        ep = runs[0].trajectory["epoch"]
        for metric, ls in (("train_err", "-"), ("test_err", "--")):
            ax.plot(
                ep,
                np.mean([r.trajectory[metric] for r in runs], 0),
                ls,
                color=f"C{i}",
                label=f"{label}: {metric.replace('_err', '')} error",
            )
    ax.set_xlabel("epoch")
    ax.set_ylabel("error")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return save(fig, out_dir, name)
