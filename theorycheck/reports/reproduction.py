"""The reproduction report (docs/reproduction.md): the paper's Tables 1-2 and Figs 3-6 beside
our judgements of the same cells, the reading audit, and cheaper presets against the main one.

Input: judgements of `studies.reproduce` / `studies.audit` plans. The paper's reported numbers
travel in each judgement's meta; every other number comes from the runs behind the judgements.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

import bounds

from ..judge.gating import bounds_values
from ..judge.verdicts import Judgement, Tolerances
from ..studies.audit import ARMS
from ..studies.reproduce import CLAIM_TEXT
from ..version import code_version, git_commit
from . import plots
from .tables import render

STAGE_I_LEMMA = {
    ("adam", "large"): "lem5.1",
    ("adam", "mini"): "lemC.4",
    ("adamw", "large"): "lemC.12",
    ("adamw", "mini"): "lemC.17",
}


def label(j: Judgement) -> str:
    return f"{j.meta['optimizer']} λ={j.meta['lam']:g} B={j.meta['B']}"


def values(j: Judgement, metric: str) -> list[float]:
    return [r["final"][metric] for r in j.runs]


def passing(j: Judgement) -> tuple[int, int]:
    c = j.claims[0] if j.claims else None
    return (sum(c.passes), len(c.passes)) if c else (0, len(j.runs))


def _ms(vals: Sequence[float]) -> str:
    v = np.asarray(vals, dtype=float)
    return f"{np.nanmean(v):.4f} ± {np.nanstd(v):.4f}"


def _rep(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def t0_epochs(j: Judgement) -> float:
    """End of Stage I in epochs for the cell's regime, from bounds (Appendix C defaults, docs/model.md §1 item 7)."""
    c = j.evidence["cell"][0].config
    lemma = STAGE_I_LEMMA[(j.meta["optimizer"], j.meta["regime"])]
    return bounds.time_scales(bounds_values(c))["T0_variants"][lemma]["epochs"]


def cell_figures(cells: list[Judgement], out_dir: str) -> list[str]:
    by = {(j.meta["optimizer"], j.meta["lam"], j.meta["regime"]): j for j in cells}
    files = []
    for opt, lam, name, title in (
        ("adam", 1e-5, "fig3_adam_dynamics", "Adam λ=1e-5: feature vs noise (Fig. 3)"),
        ("adamw", 0.01, "fig4_adamw_dynamics", "AdamW λ=0.01: feature vs noise (Fig. 4)"),
    ):
        pair = [by[(opt, lam, r)] for r in ("large", "mini") if (opt, lam, r) in by]
        files += plots.dynamics(
            {label(j): j.evidence["cell"] for j in pair}, out_dir, name, title, {label(j): t0_epochs(j) for j in pair}
        )
    for opt, lam, name, title in (
        ("adam", 0.05, "fig5_adam_large_decay", "Adam λ=0.05: errors (Fig. 5)"),
        ("adamw", 0.5, "fig6_adamw_large_decay", "AdamW λ=0.5: errors (Fig. 6)"),
    ):
        pair = [by[(opt, lam, r)] for r in ("large", "mini") if (opt, lam, r) in by]
        files += plots.errors({label(j): j.evidence["cell"] for j in pair}, out_dir, name, title)
    return files


def timing(cells: list[Judgement]) -> tuple[float, int]:
    """(compute seconds, model-steps) over the cells' runs, from the stored per-run wall times."""
    rows = [r for j in cells for r in j.runs]
    return sum(r["wall_s"] or 0.0 for r in rows), sum(r["steps"] for r in rows)


def verdict_rows(cells: list[Judgement]) -> tuple[list[str], list[dict]]:
    rows, summary = [], []
    for j in cells:
        rep = j.meta["reported"]
        tr, te = values(j, "train_err"), values(j, "test_err")
        ok, of = passing(j)
        rows.append(
            f"| {rep['source']} | {j.meta['optimizer']} | {j.meta['lam']:g} | {j.meta['B']} | {_rep(rep['train'])} | "
            f"{_ms(tr)} | {_rep(rep['test'])} | {_ms(te)} | {CLAIM_TEXT[rep['claim']]} | **{j.verdict}** ({ok}/{of}) |"
        )
        summary.append(
            dict(
                source=rep["source"],
                optimizer=j.meta["optimizer"],
                lam=j.meta["lam"],
                B=j.meta["B"],
                paper_train=rep["train"],
                paper_test=rep["test"],
                train=tr,
                test=te,
                claim=rep["claim"],
                verdict=j.verdict,
                status=[r["status"] for r in j.runs],
            )
        )
    head = [
        "| source | optimizer | λ | B | paper train | ours train (mean ± std) | paper test | ours test | "
        "paper's claim | verdict on our runs (seeds passing) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    return head + rows, summary


def describe(j: Judgement, tol: Tolerances) -> str:
    c = j.evidence["cell"][0].config
    seeds = [r["seed"] for r in j.runs]
    return (
        f"d={c.d}, n={c.n}, s={c.s}, σp={c.sigma_p}, α={c.alpha}, σ0={c.sigma_0}, m={c.m}, q={c.q:g}, "
        f"η={c.eta:g}, β=({c.beta1}, {c.beta2}), {c.epochs} epochs, {c.n_test} test points, seeds {seeds}; "
        f"reading: bias_correction={c.bias_correction}, eps={'λη' if c.eps is None else c.eps}, "
        f"moment_timing={c.moment_timing}, batch_order={c.batch_order}, "
        f"disjoint_supports={c.disjoint_supports}, compile={c.compile}; δ = {tol.delta}"
    )


def audit_table(by_arm: dict[str, list[Judgement]]) -> tuple[str, dict]:
    """Markdown: rows = cells, columns = reading arms; entry = verdict and mean test (or train) error."""
    arms = list(by_arm)
    head = "| cell | paper's claim | " + " | ".join(arms) + " |"
    sep = "|---|---|" + "---|" * len(arms)
    rows, summary = [], {}
    for i, first in enumerate(by_arm[arms[0]]):
        entries = []
        for arm in arms:
            j = by_arm[arm][i]
            metric = "train_err" if j.meta["reported"]["claim"] == "stuck" else "test_err"
            mean = float(np.nanmean(values(j, metric)))
            ok, of = passing(j)
            entries.append(f"{j.verdict} ({mean:.2f})")
            summary.setdefault(label(first), {})[arm] = {"verdict": j.verdict, "passing": ok, "of": of, metric: mean}
        rows.append(
            f"| {first.meta['reported']['source']}: {first.meta['optimizer']} λ={first.meta['lam']:g}, "
            f"{first.meta['regime']} batch | {CLAIM_TEXT[first.meta['reported']['claim']]} | "
            + " | ".join(entries)
            + " |"
        )
    return "\n".join([head, sep, *rows]), summary


def reading_conclusions(summary: dict) -> list[str]:
    """One sentence per cell: under which arms the paper's claim holds on every seed."""
    out = []
    for cell, by_arm in summary.items():
        holds = [a for a, v in by_arm.items() if v["verdict"] == "consistent"]
        fails = [a for a, v in by_arm.items() if v["verdict"] != "consistent"]
        if not fails:
            out.append(f"- {cell}: the claim holds under every reading tried.")
        elif not holds:
            out.append(f"- {cell}: the claim holds under none of the readings tried.")
        else:
            out.append(f"- {cell}: holds under {', '.join(holds)}; not under {', '.join(fails)}.")
    return out


def report(
    cells: list[Judgement],
    fig_dir: str | None = None,
    out: str | None = None,
    audit: tuple[str, dict[str, list[Judgement]]] | list[tuple[str, dict[str, list[Judgement]]]] | None = None,
    compare: list[tuple[str, list[Judgement]]] | None = None,
    command: str | None = None,
) -> tuple[str, dict]:
    """Markdown beside the paper's numbers (plus the reading audit at one or more presets, the
    stand-in table per reading, and a preset comparison) and a JSON-able summary."""
    tol = Tolerances(**cells[0].settings["tolerances"])
    preset_name = cells[0].meta["preset"]
    rows, summary = verdict_rows(cells)
    lines = [
        "# Reproduction of the synthetic experiment (Appendix D.2)",
        "",
        f"Generated by `{command or cells[0].command}` from the results store. Code {code_version()} "
        f"(git {git_commit()}). Every number below comes from stored runs; the 'paper' columns are the "
        f"values Tables 1-2 report. Verdicts: consistent = the paper's claim holds on every seed, "
        f"violated = on none, inconclusive = on some.",
        "",
        f"## 1. Tables 1-2 and the large-decay runs, preset `{preset_name}`",
        "",
        describe(cells[0], tol) + ".",
        "",
        *rows,
        "",
    ]
    wall, steps = timing(cells)
    if wall > 0:
        lines += [
            f"Compute: {steps:.3g} model-steps in {wall:.0f} s of batch wall time ({steps / wall:.3g} model-steps/s).",
            "",
        ]
    files: list[str] = []
    if fig_dir:
        files = cell_figures(cells, fig_dir)
        rel = os.path.relpath(fig_dir, os.path.dirname(os.path.abspath(out)) if out else ".")
        lines += [f"![{os.path.basename(f)}]({rel}/{os.path.basename(f)})" for f in files if f.endswith(".png")]
        lines.append("")
    result: dict = {"cells": summary, "figures": files}
    audits = [audit] if isinstance(audit, tuple) else list(audit or [])
    headline = _best_reading(preset_name, audits)
    if headline:
        lines[2:2] = [headline, ""]
    for apreset, by_arm in audits:
        first = by_arm[next(iter(by_arm))][0]
        table, asum = audit_table(by_arm)
        lines += [
            f"## 2. Which readings the verdicts depend on (preset `{apreset}`)",
            "",
            describe(first, tol) + ".",
            "",
            "Arms (each changes one choice against the default):",
            "",
        ]
        lines += [f"- **{a}**: {ARMS[a][1]}; overrides `{ARMS[a][0] or '{}'}`" for a in by_arm]
        lines += [
            "",
            "Entries: the verdict on the paper's claim over the seeds, with the mean test error "
            "(train error for the stuck cells).",
            "",
            table,
            "",
            *reading_conclusions(asum),
            "",
        ]
        wall, steps = timing([j for js in by_arm.values() for j in js])
        if wall > 0:
            lines += [f"Compute: {steps:.3g} model-steps in {wall:.0f} s ({steps / wall:.3g} model-steps/s).", ""]
        result.setdefault("audit", {})[apreset] = asum
        if apreset == preset_name:
            lines += ["Where the paper's reported test error is reproduced (within the seeds' range ± 0.05):", ""]
            for i, j0 in enumerate(by_arm[next(iter(by_arm))]):
                if j0.meta["reported"]["test"] is None:
                    continue
                where = [arm for arm, js in by_arm.items() if _reproduced(js, i)]
                lines.append(
                    f"- {j0.meta['reported']['source']} {label(j0)} (paper {j0.meta['reported']['test']}): "
                    + (", ".join(where) if where else "under no reading tried")
                )
            lines.append("")
            lines += [
                "Mechanism: a class is *reversed* when none of its filters has a positive inner product with its "
                "own feature (max_r <w_{j,r}, j v> < 0). Test error by the number of reversed classes over the "
                "audited runs above (per seed: `theorycheck mechanism`, docs/mechanism.md):",
                "",
                render(
                    ["cell optimizer", "classes reversed", "runs", "test error mean", "min", "max"],
                    _by_reversed(by_arm),
                    "md",
                ),
                "",
            ]
            if fig_dir:
                png = mechanism_figure(by_arm, fig_dir)[0]
                rel = os.path.relpath(png, os.path.dirname(os.path.abspath(out))) if out else png
                lines += [f"![test error vs reversed classes]({rel})", ""]
    if len(audits) > 1:
        lines += _stand_in_table(preset_name, audits)
    if compare:
        result["compare"] = {}
        lines += [
            f"## 4. Cheaper presets against `{preset_name}` (default reading)",
            "",
            "A preset stands in for another when every cell gets the same verdict. 'Binary' compares only "
            "whether the claim holds on every seed (inconclusive counts as not holding).",
            "",
            "| cell | " + f"{preset_name} | " + " | ".join(cp for cp, _ in compare) + " |",
            "|---|---|" + "---|" * len(compare),
        ]
        sums = [(cp, verdict_rows(cc)[1]) for cp, cc in compare]
        for i, a in enumerate(summary):
            ents = [
                f"{b[i]['verdict']} (test {np.nanmean(b[i]['test']):.3f})"
                + ("" if b[i]["verdict"] == a["verdict"] else " **≠**")
                for _, b in sums
            ]
            lines.append(
                f"| {a['source']}: {a['optimizer']} λ={a['lam']:g} B={a['B']} | {a['verdict']} "
                f"(test {np.nanmean(a['test']):.3f}) | " + " | ".join(ents) + " |"
            )
        lines.append("")
        for (cp, b), (_, cc) in zip(sums, compare):
            same = [x["verdict"] == y["verdict"] for x, y in zip(summary, b)]
            binary = [(x["verdict"] == "consistent") == (y["verdict"] == "consistent") for x, y in zip(summary, b)]
            c0 = cc[0].evidence["cell"][0].config
            line = (
                f"- `{cp}` (η={c0.eta:g}, {c0.epochs} epochs): same verdict on {sum(same)} of {len(same)} cells; "
                f"same binary verdict on {sum(binary)} of {len(binary)}."
            )
            wall, steps = timing(cc)
            if wall > 0:
                line += f" Compute: {steps:.3g} model-steps in {wall:.0f} s."
            lines.append(line)
            result["compare"][cp] = {"same": same, "binary": binary, "cells": b}
        lines.append("")
    holds = [f"{x['source']} {x['optimizer']} B={x['B']}" for x in summary if x["verdict"] == "consistent"]
    fails = [f"{x['source']} {x['optimizer']} B={x['B']}" for x in summary if x["verdict"] != "consistent"]
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


def _reproduced(js: list[Judgement], i: int) -> bool:
    """The paper's reported test error lies within the seeds' range (± 0.05) of cell i."""
    rep = js[i].meta["reported"]["test"]
    te = values(js[i], "test_err")
    return rep is not None and min(te) - 0.05 <= rep <= max(te) + 0.05


def _best_reading(preset_name: str, audits: list) -> str:
    """One sentence: the reading that reproduces the most of Tables 1-2's reported test errors at
    the report's own preset (none when that preset was not audited)."""
    ref = dict(audits).get(preset_name)
    if not ref:
        return ""
    first = next(iter(ref.values()))
    idx = [i for i, j in enumerate(first) if j.meta["reported"]["test"] is not None]
    hits = {arm: [i for i in idx if _reproduced(js, i)] for arm, js in ref.items()}
    top = max(len(v) for v in hits.values())
    best = [a for a, v in hits.items() if len(v) == top]
    return (
        f"**Best reading at `{preset_name}`: {' and '.join(best)}**, which reproduce{'s' if len(best) == 1 else ''} "
        f"{top} of the {len(idx)} "
        f"reported test errors of Tables 1-2 within the seeds' range (± 0.05); the default reading reproduces "
        f"{len(hits.get('default', []))}."
    )


def _stand_in_table(preset_name: str, audits: list) -> list[str]:
    """Per reading: on how many cells each cheaper preset gives the reference preset's verdict; a
    preset stands in under a reading only when it agrees on every cell."""
    ref = dict(audits).get(preset_name) or audits[0][1]
    refname = preset_name if preset_name in dict(audits) else audits[0][0]
    others = [(p, a) for p, a in audits if p != refname]
    out = [
        f"## 3. Which cheaper preset may stand in for `{refname}`, per reading",
        "",
        "A preset stands in for the reference under a reading only when every cell gets the same verdict "
        "under that reading; conclusions at the reference level are drawn only from the reference's runs.",
        "",
        "| reading | " + " | ".join(p for p, _ in others) + " |",
        "|---|" + "---|" * len(others),
    ]
    for arm, rjs in ref.items():
        cells = []
        for _p, a in others:
            if arm not in a:
                cells.append("not run")
                continue
            same = sum(x.verdict == y.verdict for x, y in zip(rjs, a[arm]))
            cells.append(f"{same}/{len(rjs)}" + (" **stands in**" if same == len(rjs) else ""))
        out.append(f"| {arm} | " + " | ".join(cells) + " |")
    out.append("")
    return out


# ---- the mechanism behind Tables 1-2 -------------------------------------------------
def reversed_classes(final: dict) -> int:
    """Classes j whose learned feature points the wrong way: max_r <w_{j,r}, j v> < 0, i.e. no filter
    of class j has a positive inner product with its own class's feature."""
    return int(final["feat_pos"] < 0) + int(final["feat_neg"] < 0)


def mechanism_rows(by_arm: dict[str, list[Judgement]]) -> list[list]:
    """One row per (reading, cell, seed): test error, each class's feature, how many reversed, noise."""
    rows = []
    for arm, js in by_arm.items():
        for j in js:
            for r in j.runs:
                f = r["final"]
                rows.append(
                    [
                        arm,
                        f"{j.meta['reported']['source']} {label(j)}",
                        r["seed"],
                        r["status"],
                        f"{f['test_err']:.4f}",
                        f"{f['feat_pos']:.4g}",
                        f"{f['feat_neg']:.4g}",
                        reversed_classes(f),
                        f"{f['noise_max']:.4g}",
                        f"{f['train_err']:.4f}",
                    ]
                )
    return rows


MECHANISM_HEADERS = [
    "reading",
    "cell",
    "seed",
    "status",
    "test error",
    "feature +1: max_r <w_{+1,r}, v>",
    "feature -1: max_r <w_{-1,r}, -v>",
    "classes reversed",
    "noise max",
    "train error",
]


def _by_reversed(by_arm: dict[str, list[Judgement]]) -> list[list]:
    groups: dict[tuple, list[float]] = {}
    for js in by_arm.values():
        for j in js:
            for r in j.runs:
                groups.setdefault((j.meta["optimizer"], reversed_classes(r["final"])), []).append(
                    r["final"]["test_err"]
                )
    return [
        [opt, k, len(v), f"{np.mean(v):.3f}", f"{min(v):.3f}", f"{max(v):.3f}"]
        for (opt, k), v in sorted(groups.items())
    ]


def mechanism_figure(by_arm: dict[str, list[Judgement]], out_dir: str) -> list[str]:
    """Test error against the number of classes whose feature reversed, one marker per reading."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    markers = iter("osD^v<>")
    for k, (arm, js) in enumerate(by_arm.items()):
        xs, ys = [], []
        for j in js:
            for r in j.runs:
                xs.append(reversed_classes(r["final"]) + (k - len(by_arm) / 2) * 0.05)
                ys.append(r["final"]["test_err"])
        ax.scatter(xs, ys, marker=next(markers), label=arm, alpha=0.8)
    ax.set_xticks([0, 1, 2])
    ax.set_xlabel("classes whose feature reversed (max_r <w_{j,r}, j v> < 0)")
    ax.set_ylabel("test error")
    ax.axhline(0.9545, ls=":", color="gray", lw=1)
    ax.text(0.02, 0.9545, "paper, Table 1", fontsize=7, va="bottom", color="gray")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return plots.save(fig, out_dir, "mechanism_test_error_vs_reversed")


def mechanism_report(
    by_arm: dict[str, list[Judgement]], preset_name: str, command: str, fig_dir: str | None, out: str | None
) -> tuple[str, dict]:
    """Markdown: per cell and reading, the verdict of the paper's claim and where the paper's number
    is reproduced; per seed, the mechanism row; the figure."""
    from .tables import render

    first = next(iter(by_arm.values()))
    lines = [
        "# The mechanism behind Tables 1-2",
        "",
        f"Generated by `{command}` from the results store. Code {code_version()} (git {git_commit()}). "
        f"Preset `{preset_name}`; every number below comes from stored runs.",
        "",
        "## Verdict of the paper's claim per reading",
        "",
    ]
    table, summary = audit_table(by_arm)
    lines += [table, ""]
    lines += ["## Where the paper's reported test error is reproduced", ""]
    best: dict[str, int] = {}
    for i, j0 in enumerate(first):
        rep = j0.meta["reported"]["test"]
        hits = []
        for arm, js in by_arm.items():
            te = values(js[i], "test_err")
            lo, hi = min(te), max(te)
            if rep is not None and lo - 0.05 <= rep <= hi + 0.05:
                hits.append(arm)
                best[arm] = best.get(arm, 0) + 1
        where = ", ".join(hits) if hits else "no reading tried"
        lines.append(
            f"- {j0.meta['reported']['source']} {label(j0)} (paper test error {rep}): within the seeds' range "
            f"(± 0.05) under {where}."
        )
    if best:
        top = max(best.values())
        leaders = [a for a, v in best.items() if v == top]
        lines += ["", f"Best match over these cells: {', '.join(leaders)} ({top} of {len(first)} cells)."]
    lines += ["", "## Per seed", "", render(MECHANISM_HEADERS, mechanism_rows(by_arm), "md"), ""]
    lines.append(
        "A class is *reversed* when none of its filters has a positive inner product with its own "
        "feature; its test points are then scored by the noise patches alone. Test error by the number "
        "of reversed classes, over the runs above:"
    )
    lines.append("")
    lines.append(
        render(
            ["cell optimizer", "classes reversed", "runs", "test error mean", "min", "max"], _by_reversed(by_arm), "md"
        )
    )
    lines.append("")
    if fig_dir:
        files = mechanism_figure(by_arm, fig_dir)
        png = files[0]
        rel = os.path.relpath(png, os.path.dirname(os.path.abspath(out))) if out else png
        lines += ["", f"![test error vs reversed classes]({rel})"]
    return "\n".join(lines) + "\n", summary
