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
from ..version import git_commit, runs_version
from . import plots
from .cells import audit_table, label, outcome, passing, reproduced_at, values
from .mechanism import by_reversed, mechanism_figure
from .tables import render

STAGE_I_LEMMA = {
    ("adam", "large"): "lem5.1",
    ("adam", "mini"): "lemC.4",
    ("adamw", "large"): "lemC.12",
    ("adamw", "mini"): "lemC.17",
}


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
    return sum(r.wall_s or 0.0 for r in rows), sum(r.steps for r in rows)


def verdict_rows(cells: list[Judgement]) -> tuple[list[str], list[dict]]:
    rows, summary = [], []
    for j in cells:
        rep = j.meta["reported"]
        tr, te = values(j, "train_err"), values(j, "test_err")
        ok, of = passing(j)
        rows.append(
            f"| {rep['source']} | {j.meta['optimizer']} | {j.meta['lam']:g} | {j.meta['B']} | {_rep(rep['train'])} | "
            f"{_ms(tr)} | {_rep(rep['test'])} | {_ms(te)} | {CLAIM_TEXT[rep['claim']]} | **{outcome(j)}** ({ok}/{of}) |"
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
                outcome=outcome(j),
                status=[r.status for r in j.runs],
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
    seeds = [r.seed for r in j.runs]
    return (
        f"d={c.d}, n={c.n}, s={c.s}, σp={c.sigma_p}, α={c.alpha}, σ0={c.sigma_0}, m={c.m}, q={c.q:g}, "
        f"η={c.eta:g}, β=({c.beta1}, {c.beta2}), {c.epochs} epochs, {c.n_test} test points, seeds {seeds}; "
        f"reading: bias_correction={c.bias_correction}, eps={'λη' if c.eps is None else c.eps}, "
        f"moment_timing={c.moment_timing}, batch_order={c.batch_order}, "
        f"disjoint_supports={c.disjoint_supports}, compile={c.compile}; δ = {tol.delta}"
    )


def reading_conclusions(summary: dict) -> list[str]:
    """One sentence per cell: under which readings the paper's claim holds on every seed, fails,
    is undecided, or lies outside the result's regime (observed or not)."""
    out = []
    for cell, by_arm in summary.items():
        groups: dict[str, list[str]] = {}
        for a, v in by_arm.items():
            groups.setdefault(v["outcome"], []).append(a)
        if set(groups) == {"consistent"}:
            out.append(f"- {cell}: the claim holds under every reading tried.")
            continue
        parts = [f"{WORDS.get(k, k)} under {', '.join(v)}" for k, v in groups.items()]
        out.append(f"- {cell}: " + "; ".join(parts) + ".")
    return out


WORDS = {"consistent": "holds", "violated": "fails", "inconclusive": "undecided (seeds disagree or too short)"}


def report(
    cells: list[Judgement],
    fig_dir: str | None = None,
    out: str | None = None,
    audit: tuple[str, dict[str, list[Judgement]]] | list[tuple[str, dict[str, list[Judgement]]]] | None = None,
    compare: list[tuple[str, list[Judgement]]] | None = None,
    command: str | None = None,
) -> tuple[str, dict]:
    """Markdown beside the paper's numbers (plus the reading audit at one or more presets, the
    stand-in table per reading, and a preset comparison) and a JSON-able summary. Each section is
    one function below; this one only puts them in order."""
    tol = Tolerances(**cells[0].settings["tolerances"])
    preset_name = cells[0].meta["preset"]
    audits = [audit] if isinstance(audit, tuple) else list(audit or [])
    lines, summary, files = section_cells(cells, tol, command, fig_dir, out)
    headline = _best_reading(preset_name, audits)
    if headline:
        lines[2:2] = [headline, ""]
    result: dict = {"cells": summary, "figures": files}
    for apreset, by_arm in audits:
        more, asum = section_audit(apreset, by_arm, tol, preset_name, fig_dir, out)
        lines += more
        result.setdefault("audit", {})[apreset] = asum
    if len(audits) > 1:
        lines += _stand_in_table(preset_name, audits)
    if compare:
        more, result["compare"] = section_compare(preset_name, summary, compare)
        lines += more
    lines += conclusion(preset_name, summary)
    return "\n".join(lines), result


def section_cells(
    cells: list[Judgement], tol: Tolerances, command: str | None, fig_dir: str | None, out: str | None
) -> tuple[list[str], list[dict], list[str]]:
    """Section 1: the eight cells at the report's preset beside the paper's numbers, and Figs 3-6."""
    preset_name = cells[0].meta["preset"]
    rows, summary = verdict_rows(cells)
    lines = [
        "# Reproduction of the synthetic experiment (Appendix D.2)",
        "",
        f"Generated by `{command or cells[0].command}` from the results store. Code {runs_version(cells)} "
        f"(git {git_commit()}). Every number below comes from stored runs; the 'paper' columns are the "
        f"values Tables 1-2 report. Verdicts: consistent = the paper's claim holds on every seed, "
        f"violated = on none, inconclusive = on some; outside-regime = the setting misses a hypothesis the "
        f"result states, so nothing is tested there, and the entry says whether the paper's outcome was "
        f"observed anyway.",
        "",
        f"## 1. Tables 1-2 and the large-decay runs, preset `{preset_name}`",
        "",
        describe(cells[0], tol) + ".",
        "",
        *rows,
        "",
    ]
    lines += _compute_line(cells, "batch wall time")
    files: list[str] = []
    if fig_dir:
        files = cell_figures(cells, fig_dir)
        rel = os.path.relpath(fig_dir, os.path.dirname(os.path.abspath(out)) if out else ".")
        lines += [f"![{os.path.basename(f)}]({rel}/{os.path.basename(f)})" for f in files if f.endswith(".png")]
        lines.append("")
    return lines, summary, files


def _compute_line(js: list[Judgement], what: str = "") -> list[str]:
    wall, steps = timing(js)
    if wall <= 0:
        return []
    return [
        f"Compute: {steps:.3g} model-steps in {wall:.0f} s{' of ' + what if what else ''} ({steps / wall:.3g} model-steps/s).",
        "",
    ]


def section_audit(
    apreset: str,
    by_arm: dict[str, list[Judgement]],
    tol: Tolerances,
    preset_name: str,
    fig_dir: str | None,
    out: str | None,
) -> tuple[list[str], dict]:
    """Section 2 (one per audited preset): the cells under each reading; at the report's own preset
    also where the paper's numbers are reproduced and the reversed-class mechanism table."""
    first = by_arm[next(iter(by_arm))][0]
    table, asum = audit_table(by_arm)
    lines = [
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
    lines += _compute_line([j for js in by_arm.values() for j in js])
    if apreset != preset_name:
        return lines, asum
    lines += ["Where the paper's reported test error is reproduced (within the seeds' range ± 0.05):", ""]
    for i, j0 in enumerate(by_arm[next(iter(by_arm))]):
        if j0.meta["reported"]["test"] is None:
            continue
        where = [arm for arm, js in by_arm.items() if reproduced_at(js, i)]
        lines.append(
            f"- {j0.meta['reported']['source']} {label(j0)} (paper {j0.meta['reported']['test']}): "
            + (", ".join(where) if where else "under no reading tried")
        )
    lines += [
        "",
        "Mechanism: a class is *reversed* when none of its filters has a positive inner product with its "
        "own feature (max_r <w_{j,r}, j v> < 0). Test error by the number of reversed classes over the "
        "audited runs above (per seed: `theorycheck mechanism`, docs/mechanism.md):",
        "",
        render(
            ["cell optimizer", "classes reversed", "runs", "test error mean", "min", "max"], by_reversed(by_arm), "md"
        ),
        "",
    ]
    if fig_dir:
        png = mechanism_figure(by_arm, fig_dir)[0]
        rel = os.path.relpath(png, os.path.dirname(os.path.abspath(out))) if out else png
        lines += [f"![test error vs reversed classes]({rel})", ""]
    return lines, asum


def section_compare(
    preset_name: str, summary: list[dict], compare: list[tuple[str, list[Judgement]]]
) -> tuple[list[str], dict]:
    """Section 4: cheaper presets against the report's preset, cell by cell (default reading)."""
    result: dict = {}
    lines = [
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
            f"{b[i]['outcome']} (test {np.nanmean(b[i]['test']):.3f})"
            + ("" if b[i]["verdict"] == a["verdict"] else " **≠**")
            for _, b in sums
        ]
        lines.append(
            f"| {a['source']}: {a['optimizer']} λ={a['lam']:g} B={a['B']} | {a['outcome']} "
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
        result[cp] = {"same": same, "binary": binary, "cells": b}
    lines.append("")
    return lines, result


def conclusion(preset_name: str, summary: list[dict]) -> list[str]:
    """The closing paragraph, generated from the verdicts: where the claim holds, where it fails,
    where seeds disagree, and where the setting lies outside the result's regime, with whether the
    paper's outcome was observed there. Outside-regime cells are never counted as failures."""
    by: dict[str, list[str]] = {}
    for x in summary:
        by.setdefault(x["outcome"], []).append(f"{x['source']} {x['optimizer']} B={x['B']}")
    text = f"At `{preset_name}` under the default reading the paper's claim holds on {len(by.get('consistent', []))} of {len(summary)} cells"
    text += f" ({', '.join(by['consistent'])})." if by.get("consistent") else "."
    for key, words in (
        ("violated", "It fails on"),
        ("inconclusive", "Seeds disagree (or the runs are too short) on"),
        ("diverged", "Runs diverged on"),
        (
            "outside-regime, observed",
            "Outside the result's regime (nothing is tested there), the paper's outcome was observed anyway on",
        ),
        ("outside-regime, not observed", "Outside the result's regime, the paper's outcome was not observed on"),
    ):
        if by.get(key):
            text += f" {words}: {', '.join(by[key])}."
    return ["## Conclusion (generated from the verdicts above)", "", text, ""]


def _best_reading(preset_name: str, audits: list) -> str:
    """One sentence: the reading that reproduces the most of Tables 1-2's reported test errors at
    the report's own preset (none when that preset was not audited)."""
    ref = dict(audits).get(preset_name)
    if not ref:
        return ""
    first = next(iter(ref.values()))
    idx = [i for i, j in enumerate(first) if j.meta["reported"]["test"] is not None]
    hits = {arm: [i for i in idx if reproduced_at(js, i)] for arm, js in ref.items()}
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
