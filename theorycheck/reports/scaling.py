"""Renderers for scaling judgements: one table row per fitted series, a text block per check,
and a log-log figure (measurements with their spread, the fitted line, and a line of the
predicted slope through the data's centroid)."""

from __future__ import annotations

import math

import numpy as np

from ..judge.slopes import ScalingJudgement, SeriesResult
from .tables import render

HEADERS = ["check", "series", "parameter", "quantity", "predicted exponent", "fitted ± 95%", "ladder", "verdict"]


def _ladder(j: ScalingJudgement) -> str:
    return f"{j.param} = " + ", ".join(f"{v:g}" for v in j.ladder)


def _predicted(j: ScalingJudgement, s: SeriesResult) -> str:
    side = "<= " if s.side == "at_most" else ""
    if j.mode == "value":
        return f"1 vs log f (f = {s.expr}; ∂log f/∂log {j.param} = {s.exponent_expr})"
    return f"{side}{s.predicted:.3g} (∂log/∂log {j.param} of {s.expr} = {s.exponent_expr})"


def _fitted(s: SeriesResult) -> str:
    if not math.isfinite(s.fit.slope):
        return "n/a"
    return f"{s.fit.slope:.3g} [{s.fit.lo:.3g}, {s.fit.hi:.3g}]"


def _name(s: SeriesResult) -> str:
    return s.name + (" (control)" if s.role == "control" else "") + (" (diagnostic)" if s.diagnostic else "")


def rows(judgements: list[ScalingJudgement], controls: bool = True) -> list[list[str]]:
    """One row per fitted series, then one per check whose verdict rests on per-point claims."""
    out = []
    for j in judgements:
        scored = [s for s in j.series if not s.diagnostic]
        for s in j.series + (j.controls if controls else []):
            if s.diagnostic:
                verdict = f"not scored (fit reads {s.verdict})"
            elif s.role == "control":
                verdict = s.verdict
            else:
                verdict = j.verdict if len(scored) == 1 and not j.claims else s.verdict
            out.append([j.check_id, _name(s), j.param, s.quantity, _predicted(j, s), _fitted(s), _ladder(j), verdict])
        if j.claims:
            held = sum(c.status == "consistent" for c in j.claims)
            what = f"{held} of {len(j.claims)} claims hold on every seed ({len(j.claims) // len(j.ladder)} per point)"
            out.append([j.check_id, "lemma as stated", j.param, "claims per point", what, "", _ladder(j), j.verdict])
    return out


def table(judgements: list[ScalingJudgement], fmt: str = "md") -> str:
    return render(HEADERS, rows(judgements), fmt)


def _values(s: SeriesResult) -> str:
    cells = []
    for vs, ss in zip(s.values, s.statuses):
        good = [v for v in vs if math.isfinite(v)]
        txt = f"{np.median(good):.3g}" if good else "—"
        bad = [x for x in ss if x not in ("found", "ok", "noisy")]
        cells.append(txt + (f" ({len(bad)} left out: {', '.join(sorted(set(bad)))})" if bad else ""))
    return "; ".join(cells)


def text(j: ScalingJudgement, verbose: bool = False) -> str:
    lines = [
        f"{j.check_id}  {j.ref}: {j.title}",
        f"  verdict: {j.verdict.upper()}  ({j.reason})",
        f"  ladder: {_ladder(j)}; mode {j.mode}; seeds {j.settings['seeds']}",
    ]
    for c in j.claims + j.control_claims:
        lines.append(f"  claim {c.name}: {c.predicted}; rule {c.rule}; measured {c.summary()} -> {c.status}")
    for s in j.series + j.controls:
        tag = "control " if s.role == "control" else "diagnostic (not scored) " if s.diagnostic else ""
        lines.append(f"  {tag}{s.name}: predicted {_predicted(j, s)}")
        lines.append(
            f"    fitted {_fitted(s)} over {s.fit.points} points / {s.fit.measurements} measurements -> {s.verdict}"
        )
        lines.append(f"    {j.measured} (median per point): {_values(s)}")
        if j.mode == "value" and math.isfinite(s.ratio):
            lines.append(f"    level measured/predicted: {s.ratio:.3g}")
    if j.control_note:
        lines.append(f"  note: {j.control_note}")
    lines.append(f"  needs (not given by the ladder): {j.needs}")
    missed = [h for h in j.hypotheses if h.gating and not h.holds]
    lines.append(f"  gating: {len(j.hypotheses) - len(missed)}/{len(j.hypotheses)} hypotheses hold along the ladder")
    for h in missed if not verbose else j.hypotheses:
        lines.append(
            f"    {'ok  ' if h.holds else 'MISS'} {h.name}: {h.detail}" + (f"  [fix: {h.fix}]" if h.fix else "")
        )
    c = j.cost
    lines.append(
        f"  cost: {c['runs']} runs ({c['cached']} from the store), {c['model_steps']:,} model-steps, "
        f"{c['compute_s']:.1f} s of compute, {c['rounds']} rounds"
    )
    lines.append(f"  rerun: {j.command}")
    return "\n".join(lines)


def markdown(j: ScalingJudgement) -> str:
    out = [f"### `{j.check_id}`: {j.title}", "", f"**{j.verdict}**: {j.reason}", ""]
    out.append(render(HEADERS[1:], [r[1:] for r in rows([j])], "md"))
    out.append("")
    if j.claims:
        crow = [[c.name, c.predicted, c.rule, c.summary(), c.status] for c in j.claims + j.control_claims]
        out.append(render(["claim", "the lemma states", "rule", "measured", "status"], crow, "md"))
        out.append("")
    out.append("| series | " + " | ".join(f"{j.param} = {v:g}" for v in j.ladder) + " |")
    out.append("|---|" + "---|" * len(j.ladder))
    for s in j.series + j.controls:
        cells = _values(s).split("; ")
        out.append(f"| {_name(s)} | " + " | ".join(cells) + " |")
    out.append("")
    if j.control_note:
        out.append(f"Note: {j.control_note}.")
    out.append(f"Needs, and not given by the ladder: {j.needs}.")
    c = j.cost
    out.append(
        f"Cost: {c['runs']} runs, {c['model_steps']:,} model-steps, {c['compute_s']:.1f} s of compute "
        f"({c['rounds']} rounds). Rerun: `{j.command}`"
    )
    return "\n".join(out) + "\n"


def figure(j: ScalingJudgement, out_dir: str) -> list[str]:
    """Log-log plot of the measurements (median and range over seeds), the fitted line and a line
    of the predicted slope through the centroid of the data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plots import save

    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    colors = iter(["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"])
    for s in j.series + j.controls:
        c = next(colors)
        xs = s.predicted_values if j.mode == "value" else j.ladder
        med, lo, hi, xg = [], [], [], []
        for x, vs in zip(xs, s.values):
            good = [v for v in vs if math.isfinite(v) and v > 0]
            if good:
                xg.append(x)
                med.append(float(np.median(good)))
                lo.append(med[-1] - min(good))
                hi.append(max(good) - med[-1])
        if not xg:
            continue
        style = "s--" if s.role == "control" else "o-"
        label = f"{_name(s)}: fit {s.fit.slope:.2f}"
        ax.errorbar(xg, med, yerr=[lo, hi], fmt=style[0], color=c, label=label, capsize=3)
        if math.isfinite(s.fit.slope):  # both lines through the centroid of the plotted medians
            xx = np.array([min(xg), max(xg)])
            lx, ly = np.mean(np.log(xg)), np.mean(np.log(med))
            ax.plot(xx, np.exp(ly + s.fit.slope * (np.log(xx) - lx)), style[1:], color=c, lw=1)
            ax.plot(
                xx,
                np.exp(ly + s.predicted * (np.log(xx) - lx)),
                ":",
                color=c,
                lw=1.5,
                label=f"predicted {s.predicted:.2g}",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"predicted value f({j.param})" if j.mode == "value" else j.param)
    ax.set_ylabel(j.measured, fontsize=8)
    ax.set_title(f"{j.check_id}: {j.verdict}", fontsize=10)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return save(fig, out_dir, figure_name(j))


def figure_name(j: ScalingJudgement) -> str:
    """scaling_<family>_<param> (the file names do not change with the id's @)."""
    return f"scaling_{j.check_id.split('@')[0].replace('.', '_')}_{j.param}"


def report(judgements: list[ScalingJudgement], fig_dir: str | None = None, md_path: str | None = None) -> str:
    """The Markdown report of `theorycheck scaling --md` (docs/scaling.md is this, generated)."""
    import os

    from ..version import __version__

    cmds = sorted({j.command.split(" --vary")[0] for j in judgements})
    out = [
        "# Scaling checks",
        "",
        "Generated by `theorycheck scaling` (theorycheck " + __version__ + "); do not edit by hand. Each row moves",
        "one parameter along a ladder, measures a transition, rate or plateau at every point and seed, fits",
        "the log-log slope with a 95% interval, and reads it against the exponent that `bounds.scaling`",
        "derives from the result's expression (mode 'value': log measured against log predicted, slope 1).",
        "Verdicts follow the same ladder as `theorycheck check`: outside-regime (a ladder point leaves the",
        "result's hypotheses), diverged (unscorable runs leave a fit fewer points than it needs; fewer are",
        "left out and counted), then the fits and claims: consistent (the interval meets prediction ± tol),",
        "violated (it excludes it), inconclusive (too wide); a consistent verdict whose negative control",
        "also reads consistent is downgraded to inconclusive. A diagnostic series is fitted and shown, never",
        "scored. Regenerate with (the compute it took is at the end):",
        "",
        "```",
        "theorycheck scaling --all --workers 2 --md docs/scaling.md --figures docs/figures",
        "```",
        "",
        table(judgements, "md"),
        "",
    ]
    for j in judgements:
        out.append(markdown(j))
        if fig_dir:
            name = f"{figure_name(j)}.png"
            path = os.path.join(fig_dir, name)
            rel = os.path.relpath(path, os.path.dirname(os.path.abspath(md_path))) if md_path else path
            out.append(f"![{j.check_id} in {j.param}]({rel})\n")
    total_steps = sum(j.cost["model_steps"] for j in judgements)
    total_s = sum(j.cost["compute_s"] for j in judgements)
    out.append(
        f"Total: {total_steps:,} model-steps, {total_s:.0f} s of compute. Commands: "
        + "; ".join(f"`{c}`" for c in cmds)
    )
    return "\n".join(out) + "\n"
